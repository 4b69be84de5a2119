"""Training the surviving weights of sparse MLPs, with their sparsity pattern fixed.

:func:`refine_many` trains many small networks at once by a batched
Levenberg-Marquardt method: networks of one depth are padded to common widths
and stacked, and every iteration forms each network's Gauss-Newton system
from a hand-written Jacobian in a few batched tensor operations, so the cost
is a handful of large kernels rather than thousands of small ones.
:func:`refine` trains one network; :func:`prune_to_tolerance` removes the
smallest weights of a trained network, retraining after each cut, as far as
a held-out error allows.

All three train networks of one or several outputs: with ``k`` outputs the
targets have shape (n_samples, k) and the loss is the (weighted) mean over
rows of the squared error averaged over the outputs, so that one output gives
the plain mean squared error.
"""

import numpy as np
import torch
from tqdm.auto import tqdm

from .activations import neuronwise_activation_and_derivative
from .mlp import SparseMLP

__all__ = ["refine", "refine_many", "prune_to_tolerance"]

# Rows per block when the Gauss-Newton system is summed, so memory does not grow with the rows.
_BLOCK_ROWS = 4096
_INITIAL_DAMPING = 1e-3
_MAX_DAMPING = 1e10
# An accepted step that lowers the loss by less than this share ends a network's training.
_RELATIVE_TOLERANCE = 1e-10
# With max_rows, the polish runs on this many times max_rows rows.
_POLISH_FACTOR = 8


def _as_random_state(seed):
    """``sklearn.utils.check_random_state`` without scikit-learn (nothing below the estimator imports it)."""
    if seed is None or seed is np.random:
        return np.random.mtrand._rand
    if isinstance(seed, (int, np.integer)):
        return np.random.RandomState(seed)
    if isinstance(seed, np.random.RandomState):
        return seed
    raise ValueError(f"{seed!r} cannot be used to seed a numpy.random.RandomState instance.")


def _reinitialised(mlp, rng):
    """``mlp`` with its non-zero weights and biases drawn anew as ``torch.nn.Linear`` draws them."""
    weights, biases = [], []
    for w, b in zip(mlp.weights, mlp.biases):
        # As torch.nn.Linear: no inputs (a hidden layer pruned to nothing) gives a bound of 0.
        bound = 1.0 / np.sqrt(w.shape[0]) if w.shape[0] else 0.0
        weights.append(np.where(w != 0, rng.uniform(-bound, bound, w.shape), 0.0))
        biases.append(np.where(b != 0, rng.uniform(-bound, bound, b.shape), 0.0))
    return SparseMLP(weights, biases, mlp.activations)


def _check_targets(y, n_rows, n_outputs, name="y"):
    """``y`` as a float64 array, checked against ``n_rows`` rows and networks of ``n_outputs`` outputs."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim not in (1, 2) or y.shape[0] != n_rows:
        raise ValueError(f"{name} must have shape ({n_rows},) or ({n_rows}, n_outputs), got {y.shape}.")
    if (y.shape[1] if y.ndim == 2 else 1) != n_outputs:
        expected = f"({n_rows}, {n_outputs})" if n_outputs > 1 else f"({n_rows},) or ({n_rows}, 1)"
        raise ValueError(f"{name} must have shape {expected} for networks of {n_outputs} output(s), got {y.shape}.")
    return y


def _n_outputs(mlps):
    """The number of outputs common to ``mlps``; a ``ValueError`` if they differ."""
    counts = sorted({m.n_outputs for m in mlps})
    if len(counts) > 1:
        raise ValueError(f"All networks must have the same number of outputs, got {counts}.")
    return counts[0]


class _Stack:
    """Compact networks of one depth, padded to common widths and stacked as one parameter matrix.

    Parameters are flattened per network in the order W_1, b_1, ..., W_out,
    b_out; ``keep`` marks the non-zero (trainable) ones. Padding neurons have
    no trainable weights, so they never change the output. Every network has
    ``n_outputs`` outputs.
    """

    def __init__(self, mlps, device):
        self.mlps = mlps
        self.depth = mlps[0].depth
        self.n_outputs = _n_outputs(mlps)
        widths = [max(m.hidden_widths[j] for m in mlps) for j in range(self.depth)]
        fan_in = [mlps[0].n_inputs] + widths
        fan_out = widths + [self.n_outputs]
        self.shapes = [(i, o) for i, o in zip(fan_in, fan_out)]
        rows = []
        for m in mlps:
            pieces = []
            for (i, o), w, b in zip(self.shapes, m.weights, m.biases):
                pieces.append(np.pad(w, ((0, i - w.shape[0]), (0, o - w.shape[1]))).ravel())
                pieces.append(np.pad(b, (0, o - b.shape[0])))
            rows.append(np.concatenate(pieces))
        self.theta = torch.as_tensor(np.stack(rows), dtype=torch.float64, device=device)
        self.keep = (self.theta != 0).to(torch.float64)
        self.codes = [
            torch.as_tensor(np.stack([np.pad(m.activations[j], (0, widths[j] - m.hidden_widths[j])) for m in mlps]),
                            device=device)
            for j in range(self.depth)
        ]
        self.sizes = [n for i, o in self.shapes for n in (i * o, o)]

    def unflatten(self, theta):
        parts = torch.split(theta, self.sizes, dim=-1)
        weights = [p.reshape(*p.shape[:-1], i, o) for p, (i, o) in zip(parts[::2], self.shapes)]
        return weights, list(parts[1::2])

    def residuals(self, theta, x, y, root_weight, codes, *, jacobian=False):
        """Weighted residuals and, with ``jacobian``, their Jacobian (…, n_params).

        The residuals have shape (n_networks, n_rows * n_outputs), row by
        row and within a row output by output; ``y`` has shape (n_rows,) for
        one output or (n_rows, n_outputs). With one output every operation is
        the one of a single-output network.
        """
        k = self.n_outputs
        y = y[:, None] if y.ndim == 1 else y
        weights, biases = self.unflatten(theta)
        inputs, slopes = [x], []
        h = x
        for j in range(self.depth):
            h, slope = neuronwise_activation_and_derivative(
                torch.matmul(h, weights[j]) + biases[j][:, None, :], codes[j][:, None, :]
            )
            inputs.append(h)
            slopes.append(slope)
        residual = ((torch.matmul(h, weights[-1]) + biases[-1][:, None, :] - y) * root_weight[:, None]).flatten(-2)
        if not jacobian:
            return residual
        n_networks, n_rows = residual.shape[0], x.shape[0]
        # Backpropagate d(output m)/d(pre-activation) for every row and output, layer by layer; the
        # (row, output) pairs are the rows of delta. Output m's own weights and bias alone reach it.
        eye = torch.eye(k, dtype=root_weight.dtype, device=root_weight.device)
        delta = (root_weight[:, None, None] * eye).flatten(0, 1).expand(n_networks, n_rows * k, k)
        columns = []
        for j in range(self.depth, -1, -1):
            below = inputs[j].expand(n_networks, n_rows, -1)
            columns.append(delta)  # bias of layer j
            outer = below[:, :, None, :, None] * delta.unflatten(1, (n_rows, k))[..., None, :]
            columns.append(outer.flatten(-2).flatten(1, 2))
            if j:
                delta = torch.matmul(delta, weights[j].transpose(1, 2))
                delta = (delta.unflatten(1, (n_rows, k)) * slopes[j - 1][:, :, None, :]).flatten(1, 2)
        return residual, torch.cat(columns[::-1], dim=-1)

    def to_mlps(self, theta):
        weights, biases = self.unflatten(theta * self.keep)
        out = []
        for n, m in enumerate(self.mlps):
            w = [wj[n, : mw.shape[0], : mw.shape[1]].cpu().numpy() for wj, mw in zip(weights, m.weights)]
            b = [bj[n, : mb.shape[0]].cpu().numpy() for bj, mb in zip(biases, m.biases)]
            out.append(SparseMLP(w, b, m.activations))
        return out


def _blocks(n_rows, n_outputs=1):
    """Slices of rows whose residuals (rows times outputs) number about ``_BLOCK_ROWS``."""
    block_rows = max(1, _BLOCK_ROWS // n_outputs)
    return [slice(start, min(start + block_rows, n_rows)) for start in range(0, n_rows, block_rows)]


def _loss(stack, theta, x, y, root_weight, codes, keep, weight_decay):
    """Weighted MSE, averaged over outputs, plus ``weight_decay`` times the sum of squared trainable parameters."""
    total = sum(stack.residuals(theta, x[s], y[s], root_weight[s], codes).square().sum(-1)
                for s in _blocks(x.shape[0], stack.n_outputs))
    return total / (x.shape[0] * stack.n_outputs) + weight_decay * (theta * keep).square().sum(-1)


def _normal_equations(stack, theta, x, y, root_weight, codes):
    """``J^T J`` and ``J^T r`` of every network, summed over blocks of rows."""
    gram = rhs = 0
    for s in _blocks(x.shape[0], stack.n_outputs):
        r, jac = stack.residuals(theta, x[s], y[s], root_weight[s], codes, jacobian=True)
        gram = gram + jac.transpose(1, 2) @ jac
        rhs = rhs + (jac.transpose(1, 2) @ r[..., None])[..., 0]
    return gram, rhs


def _levenberg_marquardt(stack, x, y, root_weight, n_iter, bar, weight_decay=0.0):
    """Train every network of ``stack`` for at most ``n_iter`` damped Gauss-Newton steps; return its parameters.

    The objective is the weighted MSE (averaged over outputs) plus
    ``weight_decay`` times the sum of squared trainable parameters (ridge
    terms on the Gauss-Newton system).
    """
    theta, keep = stack.theta.clone(), stack.keep
    n_networks = theta.shape[0]
    # The system is summed over rows and outputs and the loss averaged: the penalty's share of the system is
    # n_rows * n_outputs times its own.
    ridge = x.shape[0] * stack.n_outputs * weight_decay
    loss = _loss(stack, theta, x, y, root_weight, stack.codes, keep, weight_decay)
    damping = torch.full_like(loss, _INITIAL_DAMPING)
    active = torch.isfinite(loss)
    gram = torch.zeros(n_networks, theta.shape[1], theta.shape[1], dtype=theta.dtype, device=theta.device)
    rhs = torch.zeros_like(theta)
    stale = active.clone()
    for _ in range(n_iter):
        if stale.any():
            idx = stale.nonzero()[:, 0]
            gram[idx], rhs[idx] = _normal_equations(stack, theta[idx], x, y, root_weight,
                                                    [c[idx] for c in stack.codes])
            stale[:] = False
        idx = active.nonzero()[:, 0]
        if not len(idx):
            break
        k = keep[idx]
        a = (gram[idx] + torch.diag_embed(ridge * k)) * (k[:, :, None] * k[:, None, :])
        diag = a.diagonal(dim1=-2, dim2=-1)
        # Marquardt's scaling by the diagonal, floored so that a parameter without gradient stays solvable;
        # frozen parameters get a unit diagonal and a zero step.
        scale = torch.maximum(diag, 1e-12 * diag.amax(-1, keepdim=True)).clamp_min(1e-300)
        a = a + torch.diag_embed(damping[idx, None] * scale * k + (1 - k))
        factor, info = torch.linalg.cholesky_ex(a)
        step = -torch.cholesky_solve(((rhs[idx] + ridge * theta[idx]) * k)[..., None], factor)[..., 0] * k
        trial = theta[idx] + step
        trial_loss = _loss(stack, trial, x, y, root_weight, [c[idx] for c in stack.codes], k, weight_decay)
        accepted = (info == 0) & torch.isfinite(trial_loss) & (trial_loss < loss[idx])
        gain = (loss[idx] - trial_loss) / loss[idx].clamp_min(1e-300)
        theta[idx[accepted]] = trial[accepted]
        loss[idx[accepted]] = trial_loss[accepted]
        damping[idx] = torch.where(accepted, damping[idx] / 3, damping[idx] * 2)
        stale[idx[accepted]] = True
        done = (accepted & (gain < _RELATIVE_TOLERANCE)) | (damping[idx] > _MAX_DAMPING) | (loss[idx] == 0)
        active[idx[done]] = False
        bar.update()
        if not bar.disable:
            bar.set_postfix(best_loss=f"{float(loss.min()):.3g}", training=int(active.sum()), refresh=False)
    return theta, loss


def refine_many(mlps, X, y, *, sample_weight=None, n_iter=100, n_restarts=0, random_state=None, device="cpu",
                include_start=True, max_rows=None, weight_decay=0.0, verbose=0):
    """Train the surviving weights of many networks, each with its sparsity pattern fixed.

    Zero weights stay zero, pruned neurons stay pruned and activations stay
    as they are; the non-zero weights and biases are trained on the
    (weighted) mean squared error by Levenberg-Marquardt in float64, all
    networks and starts together. Networks of several outputs are trained on
    the squared error averaged over their outputs (the weighted mean over
    rows of ``mean_m (f_m(x) - y_m) ** 2``), which for one output is the mean
    squared error. A network of a few dozen to a few hundred
    parameters converges in tens of such steps, where first-order methods
    need thousands. Training starts from the weights of each network and,
    with ``n_restarts``, also from as many fresh random draws of them (as
    ``torch.nn.Linear`` draws its weights, on the same sparsity pattern); for
    each network the start with the lowest training loss wins.

    Parameters
    ----------
    mlps : list of SparseMLP
        The networks; their zero weights and pruned neurons stay as they are.
        All have the same number of outputs.
    X : ndarray of shape (n_samples, n_inputs)
        Inputs.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets; (n_samples,) or (n_samples, 1) for networks of one output,
        (n_samples, n_outputs) for networks of several.
    sample_weight : ndarray of shape (n_samples,), optional
        Row weights of the squared error.
    n_iter : int, default=100
        Most Levenberg-Marquardt steps per start. A start stops early when a
        step lowers its loss by less than a share of 1e-10 or no damping
        finds a lower loss.
    n_restarts : int, default=0
        Fresh random starts trained besides the weights of each network.
    random_state : int, RandomState instance or None, default=None
        Seeds the fresh starts.
    device : torch.device or str, default="cpu"
        Where the training runs.
    include_start : bool, default=True
        Also train from the weights of each network; False trains only the
        fresh starts (the network then gives just the sparsity pattern).
    max_rows : int, optional
        With more rows than this, train on a random subset of ``max_rows``
        rows, then polish with ``n_iter // 10`` (at least one) steps on a
        subset 8 times larger (all rows when there are fewer), so that the
        cost stops growing with the rows. None uses all rows.
    weight_decay : float, default=0.0
        Added to the mean squared error times the sum of the squared
        trainable weights and biases (an L2 penalty, as a Gaussian prior on
        them). The training loss that picks the start includes it.
    verbose : int, default=0
        Show a progress bar per depth, with the lowest training loss.

    Returns
    -------
    list of SparseMLP
        One per input network, compact (pruned neurons removed), with the same
        structure and ``n_nonzero`` (unless a weight lands on exactly 0).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.mlp import SparseMLP
    >>> from sk_swat.refinement import refine_many
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, (200, 2))
    >>> y = X[:, 0] * X[:, 1]
    >>> nets = [SparseMLP.random(2, depth, random_state=0) for depth in (1, 2)]
    >>> trained = refine_many(nets, X, y, n_iter=30)
    >>> [t.n_nonzero == n.n_nonzero for t, n in zip(trained, nets)]
    [True, True]

    Three outputs, trained together on their mean squared error:

    >>> net = SparseMLP.random(2, 1, n_outputs=3, random_state=0)
    >>> Y = np.column_stack([X[:, 0] * X[:, 1], X[:, 0] ** 2, np.sin(X[:, 1])])
    >>> trained = refine_many([net], X, Y, n_iter=30)[0]
    >>> trained.predict(X).shape
    (200, 3)
    """
    small = [m.compact() for m in mlps]
    if not small:
        return small
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != small[0].n_inputs:
        raise ValueError(f"X must have shape (n_samples, {small[0].n_inputs}), got {X.shape}.")
    y = _check_targets(y, X.shape[0], _n_outputs(small))
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (X.shape[0],):
            raise ValueError(f"sample_weight must have shape ({X.shape[0]},), got {sample_weight.shape}.")
    if n_iter <= 0:
        return small
    rng = _as_random_state(random_state)
    device = torch.device(device)
    starts = [[m] * include_start + [_reinitialised(m, rng) for _ in range(n_restarts)] for m in small]
    x = torch.as_tensor(X, dtype=torch.float64, device=device)
    t = torch.as_tensor(y, dtype=torch.float64, device=device)
    w = torch.ones(x.shape[0], dtype=torch.float64, device=device) if sample_weight is None else torch.as_tensor(
        sample_weight, dtype=torch.float64, device=device)
    root_weight = (w / w.mean()).sqrt()
    subset = polish = None
    if max_rows is not None and x.shape[0] > max_rows:
        order = torch.as_tensor(rng.permutation(x.shape[0]), device=device)
        subset, polish = order[:max_rows], order[: _POLISH_FACTOR * max_rows]

    best = list(small)
    for depth in sorted({m.depth for m in small}):
        members = [i for i, m in enumerate(small) if m.depth == depth]
        flat = [(i, s) for i in members for s in starts[i]]
        stack = _Stack([s for _, s in flat], device)
        with tqdm(total=n_iter, disable=not verbose, desc=f"refinement, depth {depth}", unit="step") as bar:
            if subset is None:
                theta, loss = _levenberg_marquardt(stack, x, t, root_weight, n_iter, bar, weight_decay)
            else:
                stack.theta, _ = _levenberg_marquardt(stack, x[subset], t[subset], root_weight[subset], n_iter, bar,
                                                      weight_decay)
                bar.reset(total=max(1, n_iter // 10))
                bar.set_description(f"refinement, depth {depth}, polish")
                theta, loss = _levenberg_marquardt(stack, x[polish], t[polish], root_weight[polish], bar.total, bar,
                                                   weight_decay)
        trained = stack.to_mlps(theta)
        loss = loss.cpu().numpy()
        for i in members:
            rows = [n for n, (j, _) in enumerate(flat) if j == i]
            best[i] = trained[min(rows, key=lambda n: (not np.isfinite(loss[n]), loss[n]))]
    return best


def refine(mlp, X, y, **kwargs):
    """Train the surviving weights of one network with its sparsity pattern fixed.

    :func:`refine_many` for a single network.

    Parameters
    ----------
    mlp : SparseMLP
        The network; its zero weights and pruned neurons stay as they are.
    X : ndarray of shape (n_samples, n_inputs)
        Inputs.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets, one column per output of ``mlp`` (see :func:`refine_many`).
    **kwargs
        ``sample_weight``, ``n_iter``, ``n_restarts``, ``random_state``,
        ``device``, ``include_start``, ``max_rows``, ``weight_decay`` of
        :func:`refine_many`.

    Returns
    -------
    SparseMLP
        Compact, with the same structure and ``n_nonzero`` (unless a weight
        lands on exactly 0); the input network, compacted, if no start
        trained to a lower loss than it has.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.mlp import SparseMLP
    >>> from sk_swat.refinement import refine
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, (200, 2))
    >>> y = X[:, 0] * X[:, 1]
    >>> mlp = SparseMLP.random(n_inputs=2, depth=2, random_state=0)
    >>> better = refine(mlp, X, y, n_iter=30)
    >>> better.n_nonzero == mlp.n_nonzero
    True
    >>> bool(np.mean((better.predict(X) - y) ** 2) < np.mean((mlp.predict(X) - y) ** 2))
    True
    """
    return refine_many([mlp], X, y, **kwargs)[0]


def _magnitude_pruned(mlp, n_removed, prune_neurons):
    """``mlp`` with its ``n_removed`` smallest non-zero weights and biases set to zero."""
    params = mlp.weights + mlp.biases
    flat = np.concatenate([p.ravel() for p in params])
    nonzero = np.flatnonzero(flat)
    flat[nonzero[np.argsort(np.abs(flat[nonzero]), kind="stable")[:n_removed]]] = 0.0
    pieces = np.split(flat, np.cumsum([p.size for p in params])[:-1])
    params = [piece.reshape(p.shape) for piece, p in zip(pieces, params)]
    depth = mlp.depth
    pruned = SparseMLP(params[: depth + 1], params[depth + 1 :], mlp.activations, mlp.masks)
    return pruned.without_dead_neurons() if prune_neurons else pruned


def prune_to_tolerance(mlp, X, y, X_val, y_val, *, limit, sample_weight=None, val_weight=None, n_iter=100,
                       prune_neurons=True, device="cpu", max_rows=None, weight_decay=0.0):
    """Zero the smallest weights and biases of ``mlp`` while its validation MSE stays within ``limit``.

    Iterative magnitude pruning with retraining: a share of the smallest
    non-zero parameters (half at first) is set to zero, neurons left without
    inputs or outputs are pruned, the rest is refined with :func:`refine`,
    and the result is kept if its validation MSE is at most ``limit``;
    otherwise the share is halved. It stops when the share is less than one
    parameter. The hardening threshold is so chosen by held-out data rather
    than learned through a gate. For a network of several outputs the
    validation MSE averages the squared error over the outputs, as the
    refinement's loss does.

    Parameters
    ----------
    mlp : SparseMLP
        A trained network (normally refined on ``X, y``).
    X, y : ndarray
        Training rows of the refinement; ``y`` of shape (n_samples,) or
        (n_samples, n_outputs) as in :func:`refine_many`.
    X_val, y_val : ndarray
        Held-out rows that judge each step; ``y_val`` shaped as ``y``.
    limit : float
        Highest validation MSE (averaged over outputs) accepted.
    sample_weight, val_weight : ndarray, optional
        Row weights of the training and validation MSE.
    n_iter : int, default=100
        Levenberg-Marquardt steps of each refinement.
    prune_neurons : bool, default=True
        Prune neurons left without inputs or outputs; False keeps every
        neuron (only weights and biases become zero).
    device : torch.device or str, default="cpu"
        Where the refinement runs.
    max_rows : int, optional
        Rows of the refinement's subsample (see :func:`refine_many`).
    weight_decay : float, default=0.0
        L2 penalty of the refinement (see :func:`refine_many`).

    Returns
    -------
    SparseMLP
        Compact, with at most the non-zeros of ``mlp``; ``mlp`` compacted if
        no step was accepted.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.mlp import SparseMLP
    >>> from sk_swat.refinement import prune_to_tolerance, refine
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, (300, 2))
    >>> y = np.tanh(X[:, 0])
    >>> dense = refine(SparseMLP.random(2, 1, keep_probability=1.0, random_state=0), X, y, n_iter=50)
    >>> small = prune_to_tolerance(dense, X, y, X, y, limit=1e-4, n_iter=50)
    >>> small.n_nonzero < dense.n_nonzero
    True
    """
    X_val = np.asarray(X_val, dtype=np.float64)
    if X_val.ndim != 2 or X_val.shape[1] != mlp.n_inputs:
        raise ValueError(f"X_val must have shape (n_samples, {mlp.n_inputs}), got {X_val.shape}.")
    y_val = _check_targets(y_val, X_val.shape[0], mlp.n_outputs, "y_val")
    _check_targets(y, np.shape(X)[0], mlp.n_outputs)

    def val_mse(net):
        squared = (net.predict(X_val).reshape(y_val.shape) - y_val) ** 2
        return float(np.average(squared if squared.ndim == 1 else squared.mean(axis=1), weights=val_weight))

    current, share = mlp.compact(), 0.5
    while (n_removed := int(share * current.n_nonzero)) >= 1:
        trial = refine(_magnitude_pruned(current, n_removed, prune_neurons), X, y, sample_weight=sample_weight,
                       n_iter=n_iter, device=device, max_rows=max_rows, random_state=0, weight_decay=weight_decay)
        if val_mse(trial) <= limit:
            current = trial
        else:
            share /= 2
    return current
