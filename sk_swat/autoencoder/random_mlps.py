"""Random MLPs for pretraining, drawn directly as token matrices (SWAT-NN, Section IV-2)."""

import torch

from .. import encoding
from ..encoding import MAX_NEURONS, N_ACTIVATIONS, N_TOKENS, split_tokens, token_width
from ..torch_mlp import token_mlp_forward

__all__ = ["random_mlp_tokens", "hard_forward"]


def random_mlp_tokens(
    batch_size,
    depth,
    n_inputs,
    *,
    drop_rate=0.0,
    keep_probability=0.5,
    activations=None,
    weight_range=5.0,
    bias_range=1.0,
    biases=True,
    n_neurons=None,
    n_outputs=1,
    max_outputs=1,
    generator=None,
    device=None,
):
    """Draw a batch of random MLPs as token matrices.

    Weights are drawn from U[-weight_range, weight_range] and biases from
    U[-bias_range, bias_range]; each hidden neuron is kept with probability
    ``keep_probability`` (at least one per layer) or exactly ``n_neurons``
    per layer are kept, each neuron takes one of
    ``activations`` at random, and each weight is dropped (set to 0) with
    probability ``drop_rate``. Weights, bias and activation of pruned neurons
    are written as zeros and sigmoid, as :class:`~sk_swat.mlp.SparseMLP` does.
    Each of the ``n_outputs`` outputs has its weights and bias drawn as the
    one output of a one-output MLP is; with one output the random stream is
    that of a one-output draw in any layout width.

    Parameters
    ----------
    batch_size : int
        Number of MLPs.
    depth : int
        Number of hidden layers of every MLP in the batch.
    n_inputs : int
        Number of inputs of every MLP in the batch.
    drop_rate : float, default=0.0
        Probability that a weight is zero.
    keep_probability : float or Tensor of shape (batch_size,), default=0.5
        Probability that a hidden neuron is kept, for all MLPs or for each.
    activations : sequence of str, default=None
        Names of the activations drawn from (all of ``encoding.ACTIVATIONS`` if None).
    weight_range, bias_range : float, default=5.0, 1.0
        Half-widths of the uniform distributions of weights and biases.
    biases : bool, default=True
        False writes every bias (hidden and output) as zero: the papers'
        MLPs without bias terms. The random stream is the same either way.
    n_neurons : int, default=None
        Keep exactly this many neurons (1 to ``MAX_NEURONS``, chosen at
        random) in every hidden layer instead of drawing them with
        ``keep_probability``; ``MAX_NEURONS`` keeps all of them.
    n_outputs : int, default=1
        Number of outputs of every MLP in the batch, 1 to ``max_outputs``.
    max_outputs : int, default=1
        Outputs the token layout holds (its width is
        :func:`sk_swat.encoding.token_width` ``(max_outputs)``).
    generator : torch.Generator, optional
        Source of randomness.
    device : torch.device, optional
        Device of the result.

    Returns
    -------
    Tensor of shape (batch_size, N_TOKENS, token_width(max_outputs))
        Token values (float32); the second channel is
        ``encoding.real_entries(depth, n_inputs, n_outputs=n_outputs, max_outputs=max_outputs)``.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder.random_mlps import random_mlp_tokens
    >>> random_mlp_tokens(4, depth=2, n_inputs=3, generator=torch.Generator().manual_seed(0)).shape
    torch.Size([4, 7, 59])

    The papers' basic setting: no biases, all neurons kept, all sigmoid:

    >>> from sk_swat.encoding import split_tokens
    >>> tokens = random_mlp_tokens(4, depth=2, n_inputs=3, biases=False, n_neurons=7,
    ...                            activations=("sigmoid",), generator=torch.Generator().manual_seed(0))
    >>> parts = split_tokens(tokens, 2, 3)
    >>> bool(parts["masks"].eq(1).all()), bool(parts["biases"][0].eq(0).all())
    (True, True)

    Three outputs in the layout of up to seven:

    >>> tokens = random_mlp_tokens(4, depth=1, n_inputs=2, n_outputs=3, max_outputs=7)
    >>> tokens.shape, split_tokens(tokens, 1, 2, n_outputs=3)["output_weights"].shape
    (torch.Size([4, 7, 65]), torch.Size([4, 7, 3]))
    """
    if n_neurons is not None and not 1 <= n_neurons <= MAX_NEURONS:
        raise ValueError(f"n_neurons must be None or in 1..{MAX_NEURONS}, got {n_neurons!r}.")
    kw = {"generator": generator, "device": device}

    def uniform(*shape, half_width):
        return (torch.rand(batch_size, *shape, **kw) * 2 - 1) * half_width

    def bias(*shape):
        # Drawn even without biases, so that the other entries come from the same random stream.
        b = uniform(*shape, half_width=bias_range)
        return b if biases else torch.zeros_like(b)

    if n_neurons is None:
        keep_probability = torch.as_tensor(keep_probability, dtype=torch.float32, device=device)
        masks = torch.rand(batch_size, MAX_NEURONS, depth, **kw) < keep_probability.reshape(-1, 1, 1)
        forced = torch.randint(MAX_NEURONS, (batch_size, 1, depth), **kw)
        masks.scatter_(1, forced, True)
    else:  # the n_neurons lowest of uniform scores: a random subset of that size per layer
        ranks = torch.rand(batch_size, MAX_NEURONS, depth, **kw).argsort(dim=1).argsort(dim=1)
        masks = ranks < n_neurons
    masks = masks.float()
    choices = torch.tensor(
        [encoding.ACTIVATIONS.index(a) for a in (activations or encoding.ACTIVATIONS)], device=device
    )
    codes = choices[torch.randint(len(choices), (batch_size, MAX_NEURONS, depth), **kw)]
    codes = codes * masks.long()

    values = torch.zeros(batch_size, N_TOKENS, token_width(max_outputs), device=device)
    parts = split_tokens(values, depth, n_inputs, n_outputs)
    layer_in = torch.ones(batch_size, MAX_NEURONS, device=device)
    for j in range(depth):
        m = masks[:, :, j]
        fan_in = n_inputs if j == 0 else MAX_NEURONS
        w = uniform(MAX_NEURONS, fan_in, half_width=weight_range)
        w = w * (torch.rand(w.shape, **kw) >= drop_rate)
        if j == 0:  # stored as W1.T: rows are this layer's neurons
            parts["weights"][0][...] = w * m[:, :, None]
        else:  # rows are the previous layer's neurons, columns this layer's
            parts["weights"][j][...] = w * layer_in[:, :, None] * m[:, None, :]
        parts["biases"][j][...] = bias(MAX_NEURONS) * m
        parts["activations"][j][...] = torch.nn.functional.one_hot(codes[:, :, j], N_ACTIVATIONS)
        layer_in = m
    parts["masks"][...] = masks
    # (batch, neuron, output): for one output, the same stream as the (batch, neuron) draw it extends.
    w_out = uniform(MAX_NEURONS, n_outputs, half_width=weight_range)
    parts["output_weights"][...] = w_out * (torch.rand(w_out.shape, **kw) >= drop_rate) * layer_in[:, :, None]
    parts["output_bias"][...] = bias(n_outputs)
    return values


def hard_forward(x, tokens, depth, n_inputs, n_outputs=1):
    """Evaluate MLP token matrices whose masks and activations are hard (0/1, one-hot).

    Parameters
    ----------
    x : Tensor of shape (n_points, n_inputs)
        Inputs at which every MLP is evaluated.
    tokens : Tensor of shape (batch, N_TOKENS, width)
        Token matrices with 0/1 masks and one-hot activation columns, such as
        those of :func:`random_mlp_tokens`.
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs.
    n_outputs : int, default=1
        Number of outputs.

    Returns
    -------
    Tensor of shape (batch, n_points), or (batch, n_points, n_outputs) if n_outputs > 1
        Output of every MLP at every point.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder.random_mlps import hard_forward, random_mlp_tokens
    >>> g = torch.Generator().manual_seed(0)
    >>> tokens = random_mlp_tokens(3, depth=2, n_inputs=2, generator=g)
    >>> hard_forward(torch.rand(10, 2, generator=g) * 2 - 1, tokens, 2, 2).shape
    torch.Size([3, 10])
    """
    parts = split_tokens(tokens, depth, n_inputs, n_outputs)
    return token_mlp_forward(
        x,
        tokens,
        depth,
        n_inputs,
        activation_probs=torch.stack(parts["activations"], dim=-2),
        mask_probs=parts["masks"],
        n_outputs=n_outputs,
    )
