"""Latent gradient descent: finding a sparse, compact MLP for a data set (SWAT-NN, Section III-B).

All candidates (every depth times every restart) are optimised together: their
latents form one batch through the frozen decoders, and each candidate has its
own learnable weight threshold. The loss of a candidate is

    MSE + lambda_s * (mu_1 * sum|W| + mu_c * sum sigmoid(20 (|W| - t)))
        - alpha * mean_layers std(M) + beta * mean_layers mean(M)

with soft weight masks ``W * sigmoid(200 (|W| - t))``, soft neuron masks
``sigmoid(200 (M - 0.5))`` where ``M = sigmoid(mask logits)``, and activations
mixed by ``softmax(logits / T)`` with a temperature annealed from
``temperature_init`` to ``temperature_final`` (Eq. 9-15). Candidates are summed
into one objective; as every candidate owns its latent and threshold, and
Adam scales each coordinate on its own, they are optimised independently.
"""

import dataclasses
import math

import numpy as np
import torch
from tqdm.auto import tqdm

from .activations import ACTIVATIONS, N_ACTIVATIONS
from .encoding import layout, max_outputs_of, split_tokens, token_width, tokens_to_mlp
from .mlp import SparseMLP
from .torch_mlp import real_entries_tensor, token_mlp_forward

__all__ = ["PAPER_TOLERANCE", "SearchSettings", "Candidate", "latent_search", "select_candidate"]

_WEIGHT_SHARPNESS = 200.0
_NEURON_SHARPNESS = 200.0
_COUNT_SHARPNESS = 20.0
_MAX_THRESHOLD = 3.0
_NEURON_THRESHOLD = 0.5
# Gentle steepness of the weight masks (on |W| - t) and of the neuron masks (on the mask logit)
# at the start of an annealed search, and the gradient steepness of straight-through masks.
# sigmoid(200 (sigmoid(l) - 0.5)) is about sigmoid(50 l) near l = 0, hence the neuron end value.
_GENTLE_WEIGHT_SHARPNESS = 5.0
_GENTLE_NEURON_SHARPNESS = 0.1
_NEURON_LOGIT_SHARPNESS = _NEURON_SHARPNESS / 4
# Steps between the loss shown by the progress bar (each read waits for the device).
_PROGRESS_EVERY = 50
# Steps per block of the early-stopping rule: each candidate's loss is averaged over a block, and the
# rule is checked (one read from the device) once per block.
_STOP_CHECK_EVERY = 50
MASK_RELAXATIONS = ("straight_through", "anneal", "fixed")


@dataclasses.dataclass
class SearchSettings:
    """Settings of :func:`latent_search`.

    The defaults here are the defaults of the :class:`~sk_swat.SWATRegressor`
    parameters of the same names, which take them from this class; see that
    class for what each means.

    Parameters
    ----------
    depths : tuple of int, default=(1, 2, 3, 4)
        Numbers of hidden layers searched.
    n_restarts : int, default=2
        Starting points per depth.
    max_iter : int, default=1000
        Adam steps on the latents; 0 hardens the starting latents as they are.
    learning_rate : float, default=0.1
        Adam learning rate of the latents.
    threshold_learning_rate : float, default=1e-3
        Adam learning rate of the weight thresholds.
    lambda_s : float, default=1e-4
        Strength of the weight-sparsity penalty.
    l1_weight : float, default=0.1
        Weight of its L1 term.
    softcount_weight : float, default=0.01
        Weight of its soft count.
    alpha : float, default=0.4
        Weight of the negative spread of the neuron masks.
    beta : float, default=1e-3
        Weight of the mean neuron mask.
    temperature_init : float, default=1.0
        Softmax temperature of the activation choice at the start.
    temperature_final : float, default=0.01
        Lowest temperature.
    anneal_fraction : float, default=0.375
        Share of ``max_iter`` over which the temperature falls (and the mask
        steepness rises, with ``mask_relaxation="anneal"``).
    n_iter_no_change : int or None, default=None
        Steps after the anneal without improvement that stop the search;
        None runs all ``max_iter`` steps.
    search_tol : float, default=1e-4
        Least fall of a candidate's block-mean loss that counts as an
        improvement.
    activation : str, default="search"
        "search" or the name of the one activation of every neuron.
    prune_neurons : bool, default=True
        Search the number of neurons per layer.
    fit_biases : bool, default=True
        Use the decoded biases; False gives every network zero biases.
    batch_size : int, default=1024
        Rows per step.
    init : {"smooth", "encode", "normal"}, default="smooth"
        Starting latents.
    mask_relaxation : {"straight_through", "anneal", "fixed"}, default="straight_through"
        How the weight and neuron masks are relaxed during the search.

    Examples
    --------
    >>> from sk_swat.search import SearchSettings
    >>> settings = SearchSettings(depths=(1, 2), n_restarts=3)
    >>> len(settings.depths) * settings.n_restarts  # candidates searched together
    6
    """

    depths: tuple = (1, 2, 3, 4)
    n_restarts: int = 2
    max_iter: int = 1000
    learning_rate: float = 0.1
    threshold_learning_rate: float = 1e-3
    lambda_s: float = 1e-4
    l1_weight: float = 0.1
    softcount_weight: float = 0.01
    alpha: float = 0.4
    beta: float = 1e-3
    temperature_init: float = 1.0
    temperature_final: float = 0.01
    anneal_fraction: float = 0.375
    n_iter_no_change: int | None = None
    search_tol: float = 1e-4
    activation: str = "search"
    prune_neurons: bool = True
    fit_biases: bool = True
    batch_size: int = 1024
    init: str = "smooth"
    mask_relaxation: str = "straight_through"


@dataclasses.dataclass
class Candidate:
    """One searched network.

    Parameters
    ----------
    depth : int
        Number of hidden layers.
    restart : int
        Index of its starting point among those of its depth.
    mlp : SparseMLP
        The hardened network.
    train_loss : float
        Its search loss (MSE plus penalties) at the step it was kept (NaN
        when no step ran).
    threshold : float
        Its learned weight threshold.
    start_mlp : SparseMLP, optional
        The hardened network of its starting latent, before any step.

    Examples
    --------
    >>> from sk_swat.mlp import SparseMLP
    >>> from sk_swat.search import Candidate
    >>> c = Candidate(depth=1, restart=0, mlp=SparseMLP.random(2, 1, random_state=0),
    ...               train_loss=0.01, threshold=0.05)
    >>> c.mlp.depth
    1
    """

    depth: int
    restart: int
    mlp: SparseMLP
    train_loss: float
    threshold: float
    start_mlp: SparseMLP = None


def _progress(step, settings):
    """Share of the annealing phase done at ``step``, in [0, 1]."""
    anneal = max(1, round(settings.anneal_fraction * settings.max_iter))
    return min(1.0, step / anneal)


def _temperature(step, settings):
    return max(settings.temperature_final, settings.temperature_init * (1 - _progress(step, settings)))


def _steepness(gentle, sharp, progress):
    """Geometric path from ``gentle`` (progress 0) to ``sharp`` (progress 1)."""
    return gentle * (sharp / gentle) ** progress


def _gate(score, steepness, straight_through):
    """``sigmoid(steepness * score)``; with ``straight_through``, the hard gate ``score >= 0``
    forward and the sigmoid's gradient backward."""
    soft = torch.sigmoid(steepness * score)
    if not straight_through:
        return soft
    return (score >= 0).to(soft.dtype) + soft - soft.detach()


def _per_candidate(t, like):
    return t.view(-1, *([1] * (like.dim() - 1)))


class _Relaxation:
    """Turn decoder output into the relaxed MLP of one depth group and its penalties.

    ``mask_relaxation`` sets the masks: "fixed" is the paper's
    ``sigmoid(200 (|W| - t))`` and ``sigmoid(200 (sigmoid(l) - 0.5))`` from
    the first step, whose gradient vanishes a little way from the threshold;
    "anneal" raises the steepness geometrically from gentle to those values
    over the annealing phase (continuous sparsification), so that weights
    and neurons far from their threshold still feel the data early on;
    "straight_through" uses the hard masks forward and the gentle sigmoid's
    gradient backward, so the search sees the hardened network throughout.

    ``n_outputs`` outputs are read from token matrices whose layout holds
    ``max_outputs`` (the autoencoder's).
    """

    def __init__(self, depth, n_inputs, settings, device, *, n_outputs=1, max_outputs=1):
        self.depth, self.n_inputs, self.settings = depth, n_inputs, settings
        self.n_outputs = n_outputs
        # The token entries that hold weights (not biases, activations or masks): gated and penalised at once.
        lay = layout(depth, max_outputs)
        width = token_width(max_outputs)
        weight_entries = torch.zeros(width, dtype=torch.bool, device=device)
        weight_entries[lay.weights[0].start : lay.weights[0].start + n_inputs] = True
        for columns in lay.weights[1:]:
            weight_entries[columns] = True
        weight_entries[lay.output_weights.start : lay.output_weights.start + n_outputs] = True
        self.weight_entries = weight_entries
        # Without biases, the bias entries (hidden and output) are read as zeros.
        self.bias_entries = None
        if not settings.fit_biases:
            self.bias_entries = torch.zeros(width, dtype=torch.bool, device=device)
            self.bias_entries[[*lay.biases, lay.output_bias]] = True
        if settings.activation != "search":
            code = ACTIVATIONS.index(settings.activation)
            self.fixed_activation = torch.nn.functional.one_hot(
                torch.tensor(code, device=device), N_ACTIVATIONS
            ).float()
        else:
            self.fixed_activation = None

    def activation_probs(self, parts, temperature):
        logits = torch.stack(parts["activations"], dim=-2)
        if self.fixed_activation is not None:
            return self.fixed_activation.expand(logits.shape)
        return (logits / temperature).softmax(-1)

    def masks(self, parts, progress):
        """Neuron gates used in the forward pass, soft masks penalised, and the weight-gate steepness."""
        s = self.settings
        logits = parts["masks"]
        if s.mask_relaxation == "fixed":
            soft = logits.sigmoid()
            gates = torch.sigmoid(_NEURON_SHARPNESS * (soft - _NEURON_THRESHOLD))
            return gates, soft, _WEIGHT_SHARPNESS
        straight = s.mask_relaxation == "straight_through"
        p = 0.0 if straight else progress
        neuron_k = _steepness(_GENTLE_NEURON_SHARPNESS, _NEURON_LOGIT_SHARPNESS, p)
        weight_k = _steepness(_GENTLE_WEIGHT_SHARPNESS, _WEIGHT_SHARPNESS, p)
        gates = _gate(logits, neuron_k, straight)
        return gates, torch.sigmoid(neuron_k * logits), weight_k

    def forward(self, x, raw, threshold, temperature, progress):
        """Relaxed outputs (n_candidates, n_rows) and penalties (n_candidates,)."""
        s = self.settings
        parts = split_tokens(raw, self.depth, self.n_inputs, self.n_outputs)
        gates, soft, weight_k = self.masks(parts, progress)
        if not s.prune_neurons:
            gates = torch.ones_like(gates)
        straight = s.mask_relaxation == "straight_through"

        magnitude = raw.abs()
        excess = magnitude - threshold.view(-1, 1, 1)
        gated = raw * torch.where(self.weight_entries, _gate(excess, weight_k, straight), 1.0)
        if self.bias_entries is not None:
            gated = gated.masked_fill(self.bias_entries, 0.0)
        out = token_mlp_forward(
            x, gated, self.depth, self.n_inputs,
            activation_probs=self.activation_probs(parts, temperature),
            mask_probs=gates,
            n_outputs=self.n_outputs,
        )
        penalty = torch.zeros(raw.shape[0], device=raw.device)
        if s.lambda_s:
            l1 = torch.where(self.weight_entries, magnitude, 0.0).sum((1, 2))
            count = torch.where(self.weight_entries, torch.sigmoid(_COUNT_SHARPNESS * excess), 0.0).sum((1, 2))
            penalty = s.lambda_s * (s.l1_weight * l1 + s.softcount_weight * count)
        if s.prune_neurons and (s.alpha or s.beta):
            penalty = penalty - s.alpha * soft.std(dim=1).mean(-1) + s.beta * soft.mean(dim=1).mean(-1)
        return out, penalty

    def harden(self, raw, threshold):
        """Hard SparseMLP of one decoded candidate (numpy token matrix)."""
        values = raw.copy()
        lay = layout(self.depth, max_outputs_of(values))
        if self.settings.prune_neurons:
            values[:, lay.masks] = 1.0 / (1.0 + np.exp(-values[:, lay.masks]))
        else:
            values[:, lay.masks] = 1.0
        if not self.settings.fit_biases:
            values[:, [*lay.biases, lay.output_bias]] = 0.0
        if self.fixed_activation is not None:
            for sl in lay.activations:
                values[:, sl] = self.fixed_activation.cpu().numpy()
        return tokens_to_mlp(values, self.depth, self.n_inputs, n_outputs=self.n_outputs, weight_threshold=threshold)


class _NoImprovement:
    """The early-stopping rule: no candidate's mean loss over a block has improved for a while.

    From ``keep_from`` on (after the anneal), each candidate's loss is averaged over blocks of
    ``min(_STOP_CHECK_EVERY, n_iter_no_change)`` steps. A block improves on a candidate when its
    mean is below that candidate's best block mean by more than ``search_tol`` (an absolute
    amount, as the loss is that of targets scaled to [-1, 1] and can be negative); the search stops
    once no candidate has improved for ``n_iter_no_change`` steps. Block means, not the kept
    per-step minimum: the minimum of a noisy mini-batch loss keeps falling by chance alone. The
    device is read once per block.
    """

    def __init__(self, settings, keep_from, n_candidates, device):
        self.patience = settings.n_iter_no_change
        self.tol = settings.search_tol
        self.every = min(_STOP_CHECK_EVERY, self.patience) if self.patience else 0
        self.start = keep_from
        self.block = torch.zeros(n_candidates, device=device)
        self.best = torch.full((n_candidates,), math.inf, device=device)
        self.last_improved = keep_from

    def update(self, step, losses):
        """Add the candidates' losses of ``step``; True when the search stops after it."""
        if not self.patience or step < self.start:
            return False
        self.block += losses
        n_run = step + 1
        if (n_run - self.start) % self.every:
            return False
        mean = self.block / self.every
        improved = bool((mean < self.best - self.tol).any())  # the one read from the device per block
        self.best = torch.minimum(self.best, mean)
        self.block.zero_()
        if improved:
            self.last_improved = n_run
        return n_run - self.last_improved >= self.patience


def _max_outputs(autoencoder):
    """Outputs the autoencoder's token layout holds (1 for a config written before the field existed)."""
    return int(getattr(autoencoder.config, "max_outputs", 1))


def _initial_latents(autoencoder, depths, settings, n_inputs, generator, device, n_outputs=1):
    """Random starting latents.

    "smooth": codes of random MLPs whose neurons are sigmoid or tanh, with the
    share of kept neurons going from all (first restart) to half (last) over the
    restarts of a depth; "encode": codes of random MLPs drawn as in pretraining;
    "normal": draws from N(0, I). Without ``fit_biases``, the random MLPs have
    no biases either; they have ``n_outputs`` outputs.
    """
    if settings.init == "normal":
        shape = (settings.n_restarts * len(depths), *autoencoder.config.latent_shape)
        return torch.randn(shape, generator=generator, device=device)
    from .autoencoder.random_mlps import random_mlp_tokens

    max_outputs = _max_outputs(autoencoder)
    draw = {}
    if settings.init == "smooth":
        draw = {"keep_probability": torch.linspace(1.0, 0.5, settings.n_restarts), "activations": ("sigmoid", "tanh")}
    if not settings.fit_biases:
        draw["biases"] = False
    latents = []
    with torch.no_grad():
        for depth in depths:
            tokens = random_mlp_tokens(
                settings.n_restarts, depth, n_inputs, generator=generator, device=device, n_outputs=n_outputs,
                max_outputs=max_outputs, **draw,
            )
            real = real_entries_tensor(depth, n_inputs, device, n_outputs=n_outputs, max_outputs=max_outputs)
            latents.append(autoencoder.encode(tokens, real))
    return torch.cat(latents)


def latent_search(autoencoder, X, y, settings, *, sample_weight=None, device="cpu", seed=0, verbose=0):
    """Search the latent space for MLPs that fit ``(X, y)``.

    Parameters
    ----------
    autoencoder : SWATAutoencoder or SWATCNNAutoencoder
        Frozen autoencoder (its parameters are not changed).
    X : ndarray of shape (n_samples, n_features)
        Inputs, scaled to [-1, 1].
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Targets, scaled to [-1, 1]; several columns search networks with one
        output per column (at most the autoencoder's ``max_outputs``), whose
        loss averages each row's squared error over the outputs.
    settings : SearchSettings
        The search's settings.
    sample_weight : ndarray of shape (n_samples,), optional
        Row weights of the MSE.
    device : torch.device or str, default="cpu"
        Where the search runs (the autoencoder must be there).
    seed : int, default=0
        Seed of the latent initialisation and of mini-batch sampling.
    verbose : int, default=0
        Show a progress bar.

    Returns
    -------
    candidates : list of Candidate
        One per (depth, restart), from the step with the lowest total training
        loss after the temperature has finished annealing (the starting latent
        when ``settings.max_iter`` is 0).
    loss_curve : list of float
        Mean total loss over candidates at every step run: ``settings.max_iter``
        steps, or fewer when the early-stopping rule (``n_iter_no_change``,
        ``search_tol``) ended the search.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat import load_autoencoder
    >>> from sk_swat.search import SearchSettings, latent_search
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, (100, 2))
    >>> y = X[:, 0] * X[:, 1]
    >>> autoencoder = load_autoencoder().requires_grad_(False)
    >>> candidates, loss_curve = latent_search(
    ...     autoencoder, X, y, SearchSettings(depths=(1, 2), n_restarts=1, max_iter=5))
    >>> [(c.depth, c.restart) for c in candidates], len(loss_curve)
    ([(1, 0), (2, 0)], 5)
    """
    device = torch.device(device)
    generator = torch.Generator(device=device).manual_seed(int(seed))
    n_samples, n_inputs = X.shape
    x_all = torch.as_tensor(X, dtype=torch.float32, device=device)
    y_all = torch.as_tensor(y, dtype=torch.float32, device=device)
    w_all = None
    if sample_weight is not None:
        w_all = torch.as_tensor(sample_weight, dtype=torch.float32, device=device)
        w_all = w_all * (n_samples / w_all.sum())
    depths = list(settings.depths)
    sizes = [settings.n_restarts] * len(depths)
    n_candidates = sum(sizes)
    max_outputs = _max_outputs(autoencoder)
    n_outputs = 1 if y_all.dim() == 1 else y_all.shape[1]
    if n_outputs > max_outputs:
        raise ValueError(f"y has {n_outputs} columns; the autoencoder embeds networks of at most {max_outputs} outputs.")
    relaxations = [_Relaxation(k, n_inputs, settings, device, n_outputs=n_outputs, max_outputs=max_outputs)
                   for k in depths]

    z = _initial_latents(autoencoder, depths, settings, n_inputs, generator, device, n_outputs)
    starts = _hardened(autoencoder, relaxations, z, torch.zeros(n_candidates), sizes)
    z.requires_grad_(True)
    threshold = torch.zeros(n_candidates, device=device, requires_grad=True)
    optimizer = torch.optim.Adam(
        [{"params": [z], "lr": settings.learning_rate},
         {"params": [threshold], "lr": settings.threshold_learning_rate}]
    )
    keep_from = min(round(settings.anneal_fraction * settings.max_iter), settings.max_iter - 1)
    best_loss = torch.full((n_candidates,), math.nan if settings.max_iter == 0 else math.inf, device=device)
    best_z, best_t = z.detach().clone(), threshold.detach().clone()
    batch = min(settings.batch_size, n_samples)
    loss_curve = []
    no_improvement = _NoImprovement(settings, keep_from, n_candidates, device)

    bar = tqdm(range(settings.max_iter), disable=not verbose, desc="latent search", unit="step")
    for step in bar:
        if batch < n_samples:
            rows = torch.randint(n_samples, (batch,), generator=generator, device=device)
            x, target = x_all[rows], y_all[rows]
            weight = None if w_all is None else w_all[rows]
        else:
            x, target, weight = x_all, y_all, w_all
        temperature = _temperature(step, settings)
        progress = _progress(step, settings)
        raws = autoencoder.decode_groups(z, depths, sizes)
        t_groups = torch.split(threshold, sizes)
        losses = []
        for relax, raw, t in zip(relaxations, raws, t_groups):
            out, penalty = relax.forward(x, raw, t, temperature, progress)
            sq = (out - target).square()
            if n_outputs > 1:  # (candidates, rows, outputs): each row's error averaged over the outputs
                sq = sq.mean(-1)
            mse = (sq * weight).mean(-1) if weight is not None else sq.mean(-1)
            losses.append(mse + penalty)
        losses = torch.cat(losses)
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        with torch.no_grad():
            # Scored before the update, so the kept latent is the one that had this loss.
            if step >= keep_from:
                better = losses < best_loss
                best_loss = torch.where(better, losses, best_loss)
                best_z = torch.where(_per_candidate(better, z), z, best_z)
                best_t = torch.where(better, threshold, best_t)
        optimizer.step()
        with torch.no_grad():
            threshold.clamp_(0.0, _MAX_THRESHOLD)
        # Kept on the device: reading a value here would wait for the device at every step.
        loss_curve.append(losses.detach().mean())
        if verbose and step % _PROGRESS_EVERY == 0:
            bar.set_postfix(loss=f"{float(loss_curve[-1]):.3g}")
        if no_improvement.update(step, losses.detach()):
            break

    loss_curve = torch.stack(loss_curve).tolist() if loss_curve else []
    found = _hardened(autoencoder, relaxations, best_z, best_t.cpu(), sizes)
    losses = best_loss.cpu().tolist()
    thresholds = best_t.cpu().tolist()
    keys = [(relax.depth, r) for relax in relaxations for r in range(settings.n_restarts)]
    return [
        Candidate(depth, r, mlp, loss, t, start)
        for (depth, r), mlp, loss, t, start in zip(keys, found, losses, thresholds, starts)
    ], loss_curve


def _hardened(autoencoder, relaxations, z, thresholds, sizes):
    """Hardened networks of the latents ``z`` (groups of ``sizes``, one relaxation each)."""
    with torch.no_grad():
        raws = autoencoder.decode_groups(z, [relax.depth for relax in relaxations], sizes)
    raws = [r.cpu().double().numpy() for r in raws]
    t_groups = torch.split(torch.as_tensor(thresholds), sizes)
    return [
        relax.harden(raw[r], float(t[r]))
        for relax, raw, t in zip(relaxations, raws, t_groups) for r in range(raw.shape[0])
    ]


#: The paper's best-model rule: a candidate within 5 % of the lowest MSE counts as equally accurate.
PAPER_TOLERANCE = 0.05


def select_candidate(val_mse, n_nonzero, tol, *, atol=1e-12):
    """Index of the sparsest candidate whose validation MSE is within ``(1 + tol)`` of the best.

    The paper's best-model rule, written once: the estimator applies it to its
    candidates' validation MSEs, the benchmark harness
    (``benchmarks/cornn/selection.py``) to the configurations' test MSEs.

    Parameters
    ----------
    val_mse : array-like of float
        Validation MSE of each candidate. A NaN or inf is never chosen, unless
        all are: then the first candidate is.
    n_nonzero : array-like of int
        Non-zero parameters of each candidate.
    tol : float
        Relative tolerance on the MSE (the paper's :data:`PAPER_TOLERANCE`).
    atol : float, default=1e-12
        Absolute slack added to the threshold ``best * (1 + tol)``. The
        estimator's 1e-12 lets candidates whose validation MSEs differ only by
        rounding at an exact fit count as within the tolerance; the benchmark
        harness applies the paper's purely relative rule (``atol=0``), with
        which its published summaries were made.

    Returns
    -------
    index : int
        Position of the chosen candidate.

    Examples
    --------
    >>> from sk_swat.search import select_candidate
    >>> select_candidate([0.100, 0.104, 0.2], [50, 20, 5], tol=0.05)
    1
    >>> mse, n_nonzero = [1e-15, 2e-15], [50, 20]
    >>> select_candidate(mse, n_nonzero, tol=0.05), select_candidate(mse, n_nonzero, tol=0.05, atol=0)
    (1, 0)
    """
    val_mse = np.asarray(val_mse, dtype=float)
    n_nonzero = np.asarray(n_nonzero)
    finite = np.isfinite(val_mse)
    if not finite.any():
        return 0
    best = val_mse[finite].min()
    eligible = np.flatnonzero(finite & (val_mse <= best * (1 + tol) + atol))
    # Fewest non-zeros, then lowest MSE.
    return int(eligible[np.lexsort((val_mse[eligible], n_nonzero[eligible]))[0]])
