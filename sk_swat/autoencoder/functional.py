"""Running decoded MLPs and measuring how well they reproduce the encoded ones."""

import torch

from ..encoding import split_tokens
from ..torch_mlp import token_mlp_forward

__all__ = ["decoded_forward", "relative_error", "percentage_error", "sample_inputs"]


def sample_inputs(n_points, n_inputs, *, generator=None, device=None):
    """Inputs drawn from U[-1, 1]^n_inputs, the range the search's data are scaled to.

    Parameters
    ----------
    n_points : int
        Number of points.
    n_inputs : int
        Number of inputs (columns).
    generator : torch.Generator, optional
        Source of randomness.
    device : torch.device, optional
        Device of the result.

    Returns
    -------
    Tensor of shape (n_points, n_inputs)
        Uniform float32 values in [-1, 1).

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder.functional import sample_inputs
    >>> x = sample_inputs(5, 2, generator=torch.Generator().manual_seed(0))
    >>> x.shape, bool(x.abs().max() <= 1)
    (torch.Size([5, 2]), True)
    """
    return torch.rand(n_points, n_inputs, generator=generator, device=device) * 2 - 1


def decoded_forward(x, raw, depth, n_inputs, *, hard=False, n_outputs=1):
    """Evaluate decoder output as MLPs.

    Parameters
    ----------
    x : Tensor of shape (n_points, n_inputs)
        Inputs at which every MLP is evaluated.
    raw : Tensor of shape (batch, N_TOKENS, token_width(max_outputs))
        Decoder output: mask and activation columns hold logits.
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs.
    hard : bool, default=False
        False: sigmoid masks and softmax activations (training). True: masks
        thresholded at 0.5 and the arg-max activation (what a search keeps).
    n_outputs : int, default=1
        Number of outputs of the decoded MLPs (the first ``n_outputs`` output
        columns are read).

    Returns
    -------
    Tensor of shape (batch, n_points), or (batch, n_points, n_outputs) if n_outputs > 1
        Output of every MLP at every point.

    Examples
    --------
    A token matrix with 0/1 masks and one-hot activations is its own hard decoding:

    >>> import torch
    >>> from sk_swat.autoencoder.functional import decoded_forward, sample_inputs
    >>> from sk_swat.autoencoder.random_mlps import hard_forward, random_mlp_tokens
    >>> g = torch.Generator().manual_seed(0)
    >>> x = sample_inputs(5, 2, generator=g)
    >>> tokens = random_mlp_tokens(3, depth=1, n_inputs=2, generator=g)
    >>> f_hat = decoded_forward(x, tokens, 1, 2, hard=True)
    >>> f_hat.shape, torch.allclose(f_hat, hard_forward(x, tokens, 1, 2))
    (torch.Size([3, 5]), True)
    """
    parts = split_tokens(raw, depth, n_inputs, n_outputs)
    logits = torch.stack(parts["activations"], dim=-2)
    if hard:
        act = torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(raw.dtype)
        mask = (parts["masks"] > 0).to(raw.dtype)
    else:
        act = logits.softmax(-1)
        mask = parts["masks"].sigmoid()
    return token_mlp_forward(x, raw, depth, n_inputs, activation_probs=act, mask_probs=mask, n_outputs=n_outputs)


def _per_mlp(error, f, f_hat, eps):
    """``error`` over the points (last dimension) of (batch, n_points) tensors, or, for
    (batch, n_points, n_outputs) tensors, of each output, averaged over the outputs."""
    if f.dim() == 3:
        return error(f.transpose(-1, -2), f_hat.transpose(-1, -2), eps).mean(-1)
    return error(f, f_hat, eps)


def _relative_error(f, f_hat, eps):
    num = (f - f_hat).square().sum(-1)
    den = (f - f.mean(-1, keepdim=True)).square().sum(-1)
    return num / (den + eps * f.shape[-1])


def _percentage_error(f, f_hat, eps):
    return 100 * ((f - f_hat).abs() / (f.abs() + eps)).median(-1).values


def relative_error(f, f_hat, eps=1e-6):
    """Relative functional error ``sum((f - f_hat)^2) / sum((f - mean f)^2)`` per MLP.

    With several outputs, the error of each output (normalised by the
    variance of that output) averaged over the outputs.

    Parameters
    ----------
    f : Tensor of shape (batch, n_points) or (batch, n_points, n_outputs)
        Reference outputs (the encoded MLPs).
    f_hat : Tensor of the shape of ``f``
        Approximate outputs (the decoded MLPs).
    eps : float, default=1e-6
        Added to the denominator so that a constant ``f`` gives a finite value.

    Returns
    -------
    Tensor of shape (batch,)
        0 is exact; 1 is as good as predicting the mean of ``f``.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder.functional import relative_error
    >>> relative_error(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1.0, 2.0, 4.0]]))
    tensor([0.5000])
    >>> f = torch.tensor([[[1.0, 0.0], [2.0, 0.0], [3.0, 2.0]]])  # two outputs
    >>> relative_error(f, f + torch.tensor([0.0, 0.0, 1.0])[:, None])  # (0.5 + 3/8) / 2
    tensor([0.4375])
    """
    return _per_mlp(_relative_error, f, f_hat, eps)


def percentage_error(f, f_hat, eps=1e-8):
    """Median percentage error of the 2024 paper, per MLP.

    ``median over points of |f - f_hat| / (|f| + eps)``, times 100; with
    several outputs, averaged over the outputs.

    Parameters
    ----------
    f : Tensor of shape (batch, n_points) or (batch, n_points, n_outputs)
        Reference outputs (the encoded MLPs).
    f_hat : Tensor of the shape of ``f``
        Approximate outputs (the decoded MLPs).
    eps : float, default=1e-8
        Added to ``|f|`` so that zeros of ``f`` give a finite value.

    Returns
    -------
    Tensor of shape (batch,)
        Median percentage error of every MLP.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder.functional import percentage_error
    >>> f = torch.tensor([[1.0, 2.0, 4.0]])
    >>> percentage_error(f, 1.1 * f)
    tensor([10.0000])
    """
    return _per_mlp(_percentage_error, f, f_hat, eps)


def per_decoder_errors(x, tokens, depth, n_inputs, decoded, n_outputs=1):
    """Errors of every depth's decoding of MLPs against the MLPs that were encoded.

    The measure of the autoencoder's fidelity, written once: pretraining
    tracks the median over MLPs of the best decoder's relative error on its
    held-out set, and :func:`sk_swat.autoencoder.evaluation.fidelity`
    reports it.

    Parameters
    ----------
    x : Tensor of shape (n_points, n_inputs)
        Inputs.
    tokens : Tensor of shape (batch, N_TOKENS, token_width(max_outputs))
        The original MLPs (hard masks and one-hot activations, as
        :func:`~sk_swat.autoencoder.random_mlps.random_mlp_tokens` draws them).
    depth : int
        Depth of the original MLPs.
    n_inputs : int
        Number of inputs.
    decoded : list of Tensor
        Raw decoder outputs (activation and mask columns as logits), entry
        ``k - 1`` from the depth-``k`` decoder, as
        :meth:`~sk_swat.autoencoder.base.SWATPreTrainedModel.decode_all` returns them.
    n_outputs : int, default=1
        Number of outputs of the original MLPs; the errors are averaged over them.

    Returns
    -------
    relative : Tensor of shape (batch, len(decoded))
        :func:`relative_error` of every decoded MLP, run with hard decoding;
        ``relative.min(dim=1)`` is the best decoder's. NaN where a decoded
        MLP overflows.
    percentage : Tensor of shape (batch, len(decoded))
        :func:`percentage_error` of every decoded MLP.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder.random_mlps import random_mlp_tokens
    >>> from sk_swat.autoencoder.functional import per_decoder_errors, sample_inputs
    >>> g = torch.Generator().manual_seed(0)
    >>> tokens = random_mlp_tokens(5, depth=2, n_inputs=2, generator=g)
    >>> relative, _ = per_decoder_errors(sample_inputs(100, 2, generator=g), tokens, 2, 2, [tokens] * 4)
    >>> relative.shape, float(relative[:, 1].max())
    (torch.Size([5, 4]), 0.0)
    """
    from .random_mlps import hard_forward

    f = hard_forward(x, tokens, depth, n_inputs, n_outputs)
    relative, percentage = [], []
    for k, raw in enumerate(decoded, start=1):
        f_hat = decoded_forward(x, raw, k, n_inputs, hard=True, n_outputs=n_outputs)
        relative.append(relative_error(f, f_hat))
        percentage.append(percentage_error(f, f_hat))
    return torch.stack(relative, dim=1), torch.stack(percentage, dim=1)
