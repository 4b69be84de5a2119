"""Running decoded MLPs and measuring how well they reproduce the encoded ones."""

import torch

from ..encoding import split_tokens
from ..torch_mlp import token_mlp_forward

__all__ = ["decoded_forward", "relative_error", "percentage_error", "sample_inputs"]


def sample_inputs(n_points, n_inputs, *, generator=None, device=None):
    """Inputs drawn from U[-1, 1]^n_inputs, the range the search's data are scaled to."""
    return torch.rand(n_points, n_inputs, generator=generator, device=device) * 2 - 1


def decoded_forward(x, raw, depth, n_inputs, *, hard=False):
    """Evaluate decoder output as MLPs.

    Parameters
    ----------
    x : Tensor of shape (n_points, n_inputs)
    raw : Tensor of shape (batch, N_TOKENS, width)
        Decoder output: mask and activation columns hold logits.
    depth, n_inputs : int
    hard : bool, default=False
        False: sigmoid masks and softmax activations (training). True: masks
        thresholded at 0.5 and the arg-max activation (what a search keeps).

    Returns
    -------
    Tensor of shape (batch, n_points)
    """
    parts = split_tokens(raw, depth, n_inputs)
    logits = torch.stack(parts["activations"], dim=-2)
    if hard:
        act = torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(raw.dtype)
        mask = (parts["masks"] > 0).to(raw.dtype)
    else:
        act = logits.softmax(-1)
        mask = parts["masks"].sigmoid()
    return token_mlp_forward(x, raw, depth, n_inputs, activation_probs=act, mask_probs=mask)


def relative_error(f, f_hat, eps=1e-6):
    """Relative functional error ``sum((f - f_hat)^2) / sum((f - mean f)^2)`` per MLP.

    Parameters
    ----------
    f, f_hat : Tensor of shape (batch, n_points)
    eps : float, default=1e-6
        Added to the denominator so that a constant ``f`` gives a finite value.

    Returns
    -------
    Tensor of shape (batch,)
        0 is exact; 1 is as good as predicting the mean of ``f``.
    """
    num = (f - f_hat).square().sum(-1)
    den = (f - f.mean(-1, keepdim=True)).square().sum(-1)
    return num / (den + eps * f.shape[-1])


def percentage_error(f, f_hat, eps=1e-8):
    """Median percentage error of the 2024 paper, per MLP.

    ``median over points of |f - f_hat| / (|f| + eps)``, times 100.

    Parameters
    ----------
    f, f_hat : Tensor of shape (batch, n_points)
    eps : float, default=1e-8

    Returns
    -------
    Tensor of shape (batch,)
    """
    return 100 * ((f - f_hat).abs() / (f.abs() + eps)).median(-1).values
