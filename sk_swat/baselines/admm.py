"""ADMM weight pruning (Zhang et al., 2018) for small torch MLPs and for :class:`~sk_swat.mlp.SparseMLP`.

SWAT-NN prunes the networks found by DARTS (Exp. 1) and by the autoencoder
search without sparsity penalty (Exp. 3) with ADMM at ``rho = 2`` and a
threshold of 0.1. ADMM splits ``min_W f(W) + g(Z)`` subject to ``W = Z``
into three alternating steps:

* W-step: a few Adam steps on ``f(W) + rho/2 * ||W - Z + U||^2``;
* Z-step: ``Z = prox_g(W + U)``;
* U-step: ``U += W - Z``.

Here ``g`` is the l0 penalty ``lambda * ||Z||_0`` with
``lambda = rho * threshold**2 / 2``, whose proximal operator is the hard
threshold that keeps the entries with ``|.| >= threshold`` and zeroes the
rest. (Zhang et al. project onto "at most k non-zeros" instead; a fixed
threshold is what the SWAT-NN paper states, and it needs no per-layer k.)
After the last round the support of ``Z`` is fixed as a mask, the weights
outside it are set to zero, and the network is retrained under the mask.
Weights that drift below the threshold during that retraining are zeroed
at the end, so no kept weight is smaller than ``threshold``.

Only weight matrices are pruned; biases are trained but never zeroed
(SWAT-NN's own sparsity penalty does not touch biases either).
"""

import math

import numpy as np
import torch

from ..mlp import SparseMLP
from ..utils import resolve_device
from ._common import as_tensors, sequential_to_mlp, torch_seeded, train_full_batch

__all__ = ["admm_prune", "admm_prune_mlp", "simplify_mlp"]


def _hard_threshold(v, threshold):
    return v * (v.abs() >= threshold)


def admm_prune(
    module,
    X,
    y,
    *,
    rho=2.0,
    threshold=0.1,
    n_iter=3000,
    update_every=100,
    retrain_iter=3000,
    learning_rate=0.01,
    sample_weight=None,
    parameters=None,
):
    """Prune a torch regression network in place by ADMM, then retrain it under the found mask.

    Parameters
    ----------
    module : torch.nn.Module
        Maps a (n_samples, n_features) tensor to (n_samples, 1) or
        (n_samples,). Trained on the (weighted) mean squared error.
    X : array-like of shape (n_samples, n_features)
        Inputs, used as given.
    y : array-like of shape (n_samples,)
        Targets, used as given.
    rho : float, default=2.0
        ADMM penalty parameter.
    threshold : float, default=0.1
        Hard threshold of the Z-step: weights with ``|w| < threshold`` are pruned.
    n_iter : int, default=3000
        Total number of full-batch Adam steps of the W-steps.
    update_every : int, default=100
        W-step length: Z and U are updated after every ``update_every`` Adam
        steps (and after the last one), so there are
        ``ceil(n_iter / update_every)`` ADMM rounds.
    retrain_iter : int, default=3000
        Full-batch Adam steps of the retraining under the fixed mask.
    learning_rate : float, default=0.01
        Adam step size for both phases.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the mean squared error.
    parameters : iterable of torch.nn.Parameter, default=None
        The parameters to prune; None prunes every parameter with two or
        more dimensions (the weight matrices, not the biases).

    Returns
    -------
    masks : list of torch.Tensor of bool
        One per pruned parameter: True where the weight was kept.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sk_swat.baselines import admm_prune
    >>> _ = torch.manual_seed(0)
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 7), torch.nn.Tanh(), torch.nn.Linear(7, 1))
    >>> X = np.random.RandomState(0).uniform(-1, 1, (100, 2))
    >>> masks = admm_prune(net, X, X[:, 0], n_iter=50, update_every=10, retrain_iter=50)
    >>> [tuple(m.shape) for m in masks]
    [(7, 2), (1, 7)]
    >>> bool(all(((p.abs() >= 0.1) | (p == 0)).all() for p in (net[0].weight, net[2].weight)))
    True
    """
    if rho <= 0 or threshold < 0 or n_iter < 0 or retrain_iter < 0 or update_every < 1:
        raise ValueError(
            "Expected rho > 0, threshold >= 0, n_iter >= 0, retrain_iter >= 0 and update_every >= 1; got "
            f"rho={rho}, threshold={threshold}, n_iter={n_iter}, retrain_iter={retrain_iter}, "
            f"update_every={update_every}."
        )
    first = next(module.parameters())
    X_t, y_t, w_t = as_tensors(X, y, sample_weight, first.device)
    X_t = X_t.to(first.dtype)
    y_t = y_t.to(first.dtype)
    w_t = None if w_t is None else w_t.to(first.dtype)
    if parameters is None:
        params = [p for p in module.parameters() if p.dim() >= 2]
    else:
        params = list(parameters)
    if not params:
        raise ValueError("admm_prune found no parameters to prune.")

    with torch.no_grad():
        Z = [_hard_threshold(p.detach(), threshold) for p in params]
        U = [torch.zeros_like(p) for p in params]

    def penalty():
        return 0.5 * rho * sum((p - z + u).square().sum() for p, z, u in zip(params, Z, U))

    optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate)
    for r in range(math.ceil(n_iter / update_every)):
        steps = min(update_every, n_iter - r * update_every)
        train_full_batch(module, X_t, y_t, w_t, n_iter=steps, optimizer=optimizer, penalty=penalty)
        with torch.no_grad():
            for p, z, u in zip(params, Z, U):
                z.copy_(_hard_threshold(p + u, threshold))
                u.add_(p - z)

    masks = [z != 0 for z in Z]

    def apply_masks():
        for p, m in zip(params, masks):
            p.mul_(m)

    with torch.no_grad():
        apply_masks()
    train_full_batch(module, X_t, y_t, w_t, n_iter=retrain_iter, learning_rate=learning_rate, after_step=apply_masks)
    with torch.no_grad():
        for p, m in zip(params, masks):
            m &= p.abs() >= threshold
        apply_masks()
    return masks


def simplify_mlp(mlp):
    """Remove hidden neurons that do not change the function.

    A kept neuron whose outgoing weights are all zero is dropped. A kept
    neuron whose incoming weights are all zero outputs a constant; it is
    folded into the next layer's biases and dropped. Both are repeated until
    nothing changes. The result computes the same function (up to rounding)
    with at most as many non-zeros. It is
    :meth:`SparseMLP.without_dead_neurons <sk_swat.mlp.SparseMLP.without_dead_neurons>`
    with ``keep_one=False, thorough=True``: a layer may lose every neuron.

    Parameters
    ----------
    mlp : SparseMLP
        The network to simplify (not changed).

    Returns
    -------
    SparseMLP
        Same widths; the removed neurons have mask False.

    Examples
    --------
    >>> from sk_swat.mlp import SparseMLP
    >>> from sk_swat.baselines import simplify_mlp
    >>> mlp = SparseMLP([[[1.0, 0.0]], [[2.0], [3.0]]], [[0.0, 0.0], [1.0]], [["tanh", "sigmoid"]])
    >>> small = simplify_mlp(mlp)  # neuron 2 has no input: it adds 3 * sigmoid(0) to the output bias
    >>> small.architecture["hidden_layer_sizes"], small.biases[-1]
    ([1], array([2.5]))
    """
    return mlp.without_dead_neurons(keep_one=False, thorough=True)


def admm_prune_mlp(
    mlp,
    X,
    y,
    *,
    rho=2.0,
    threshold=0.1,
    n_iter=3000,
    update_every=100,
    retrain_iter=3000,
    learning_rate=0.01,
    sample_weight=None,
    device="cpu",
    random_state=None,
):
    """ADMM-prune a :class:`~sk_swat.mlp.SparseMLP` and retrain it under the mask.

    The network is exported with :meth:`SparseMLP.to_torch` (float32, pruned
    neurons removed), pruned by :func:`admm_prune`, read back, and cleaned
    by :func:`simplify_mlp`. This is the post-hoc pruning of SWAT-NN's
    "DARTS with ADMM" (Exp. 1) and "autoencoder with ADMM" (Exp. 3)
    baselines.

    Parameters
    ----------
    mlp : SparseMLP
        The trained network; it is not modified.
    X : array-like of shape (n_samples, mlp.n_inputs)
        Training inputs, on the scale the network was trained on.
    y : array-like of shape (n_samples,)
        Training targets, on that scale.
    rho : float, default=2.0
        ADMM penalty parameter (the paper's value).
    threshold : float, default=0.1
        Pruning threshold (the paper's value).
    n_iter : int, default=3000
        Total full-batch Adam steps of the W-steps.
    update_every : int, default=100
        Adam steps between Z/U updates.
    retrain_iter : int, default=3000
        Full-batch Adam steps under the fixed mask.
    learning_rate : float, default=0.01
        Adam step size.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the mean squared error.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to train.
    random_state : None, int or RandomState, default=None
        Accepted for a uniform signature; full-batch ADMM draws no random
        numbers, so the result depends only on ``mlp`` and the data.

    Returns
    -------
    SparseMLP
        Hidden widths are the kept widths of ``mlp``; neurons that became
        useless have mask False. No kept weight has ``|w| < threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.mlp import SparseMLP
    >>> from sk_swat.baselines import admm_prune_mlp
    >>> X = np.random.RandomState(0).uniform(-1, 1, (100, 2))
    >>> mlp = SparseMLP.random(n_inputs=2, depth=2, keep_probability=1.0, random_state=0)
    >>> pruned = admm_prune_mlp(mlp, X, mlp.predict(X), n_iter=20, update_every=10, retrain_iter=20)
    >>> pruned.n_nonzero <= mlp.n_nonzero
    True
    """
    del random_state  # nothing random happens here
    if not isinstance(mlp, SparseMLP):
        raise TypeError(f"mlp must be a SparseMLP, got {type(mlp).__name__}.")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if X.ndim != 2 or X.shape[1] != mlp.n_inputs or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"Expected X of shape (n_samples, {mlp.n_inputs}) and y of shape (n_samples,), got "
            f"{X.shape} and {y.shape}."
        )
    with torch_seeded(0):  # to_torch draws (then overwrites) initial weights: keep the global RNG alone
        module = mlp.to_torch(dtype=torch.float32)
    module.to(resolve_device(device))
    admm_prune(
        module,
        X,
        y,
        rho=rho,
        threshold=threshold,
        n_iter=n_iter,
        update_every=update_every,
        retrain_iter=retrain_iter,
        learning_rate=learning_rate,
        sample_weight=sample_weight,
    )
    return simplify_mlp(sequential_to_mlp(module))
