"""Batched torch forward of MLPs given as token matrices.

Used by pretraining (the functional loss on decoded MLPs) and by the latent
search (the relaxed MLP). Knows the token layout through
:mod:`sk_swat.encoding` and nothing of autoencoders or scikit-learn.
"""

import torch

# NeuronwiseActivation is imported under its old path too: modules that SparseMLP.to_torch
# exported before it moved to sk_swat.activations were pickled with this one.
from .activations import NeuronwiseActivation, mixed_activation  # noqa: F401
from .encoding import real_entries, split_tokens

__all__ = ["real_entries_tensor", "token_mlp_forward"]


def real_entries_tensor(depth, n_inputs, device=None, *, n_outputs=1, max_outputs=1):
    """:func:`sk_swat.encoding.real_entries` as a float32 tensor on ``device``.

    Parameters
    ----------
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs.
    device : torch.device, optional
        Device of the result.
    n_outputs : int, default=1
        Number of outputs.
    max_outputs : int, default=1
        Outputs the layout holds (see :func:`sk_swat.encoding.token_width`).

    Returns
    -------
    Tensor of shape (N_TOKENS, token_width(max_outputs))
        1.0 where the token matrix of such an MLP has a real entry, 0.0 at padding.

    Examples
    --------
    >>> from sk_swat.torch_mlp import real_entries_tensor
    >>> mask = real_entries_tensor(1, 2)
    >>> mask.shape, mask.dtype
    (torch.Size([7, 59]), torch.float32)
    """
    return torch.tensor(real_entries(depth, n_inputs, n_outputs=n_outputs, max_outputs=max_outputs), device=device)


def token_mlp_forward(x, tokens, depth, n_inputs, *, activation_probs, mask_probs, n_outputs=1):
    """Evaluate a batch of MLPs written as token matrices.

    Parameters
    ----------
    x : Tensor of shape (n_points, n_inputs) or (batch, n_points, n_inputs)
        Inputs, shared by the batch or one set per MLP.
    tokens : Tensor of shape (batch, N_TOKENS, token_width(max_outputs))
        Token matrices; only the weight, bias and output columns are read
        (``max_outputs`` is read from their width).
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs.
    activation_probs : Tensor of shape (batch, MAX_NEURONS, depth, 3)
        Mixing weights of the candidate activations of every neuron (a
        softmax for a relaxed MLP, one-hot for a hard one).
    mask_probs : Tensor of shape (batch, MAX_NEURONS, depth)
        Multiplier on every neuron's output (soft or hard neuron masks).
    n_outputs : int, default=1
        Number of outputs of the MLPs, 1 to ``max_outputs``.

    Returns
    -------
    Tensor of shape (batch, n_points), or (batch, n_points, n_outputs) if n_outputs > 1
        Output of every MLP at every point.

    Examples
    --------
    Hard masks and one-hot activations read from the tokens themselves:

    >>> import torch
    >>> from sk_swat.autoencoder.random_mlps import random_mlp_tokens
    >>> from sk_swat.encoding import split_tokens
    >>> from sk_swat.torch_mlp import token_mlp_forward
    >>> g = torch.Generator().manual_seed(0)
    >>> tokens = random_mlp_tokens(3, depth=1, n_inputs=2, generator=g)
    >>> parts = split_tokens(tokens, 1, 2)
    >>> y = token_mlp_forward(
    ...     torch.zeros(4, 2), tokens, 1, 2,
    ...     activation_probs=torch.stack(parts["activations"], dim=-2),
    ...     mask_probs=parts["masks"],
    ... )
    >>> y.shape
    torch.Size([3, 4])
    """
    parts = split_tokens(tokens, depth, n_inputs, n_outputs)
    weights = parts["weights"] + [parts["output_weights"]]
    # A neuron's mask scales its activation weights, a (batch, neurons, 3) tensor, rather than its
    # outputs at every point; biases are added by the batched matrix product itself.
    mixing = activation_probs * mask_probs.unsqueeze(-1)
    first = weights[0].transpose(1, 2)
    x = x.expand(tokens.shape[0], *x.shape) if x.dim() == 2 else x
    for j in range(depth):
        bias = parts["biases"][j].unsqueeze(1)
        z = torch.baddbmm(bias, x, first) if j == 0 else torch.baddbmm(bias, h, weights[j])
        h = mixed_activation(z, mixing[:, None, :, j, :])
    out = torch.einsum("bph,bhk->bpk", h, weights[depth]) + parts["output_bias"].unsqueeze(1)
    return out.squeeze(-1) if n_outputs == 1 else out
