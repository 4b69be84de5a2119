"""``SWATRegressor``: SWAT-NN latent search as a scikit-learn estimator."""

import dataclasses
import os
import time
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d, validate_data
from tqdm.auto import tqdm

from ._scaling import ScaledMLPRegressor
from .activations import ACTIVATIONS
from .encoding import MAX_DEPTH, MAX_INPUTS
from .export import export_onnx, scaled_network
from .refinement import prune_to_tolerance, refine_many
from .search import MASK_RELAXATIONS, PAPER_TOLERANCE, SearchSettings, latent_search, select_candidate
from .utils import limited_threads, resolve_device

# The search parameters' defaults are written once, in SearchSettings.
_SEARCH = SearchSettings()

__all__ = ["SWATRegressor"]

# Refinement trains on a random subset of this many rows, then polishes on all of them (refine_many's max_rows),
# so that its cost stops growing with the rows.
_REFINE_ROWS = 8192
# Variance of the Gaussian prior on the scaled network's parameters behind weight_decay="auto".
_PRIOR_VARIANCE = 0.1


def _check_depths(depths):
    try:
        values = [int(d) for d in depths]
    except TypeError:
        raise TypeError(f"depths must be a sequence of ints such as (1, 2, 3, 4), got {depths!r}.") from None
    if not values or len(set(values)) != len(values) or any(v != d for v, d in zip(values, depths)):
        raise ValueError(
            f"depths must be one or more distinct integers such as (1, 2, 3, 4), got {depths!r}."
        )
    if not all(1 <= d <= MAX_DEPTH for d in values):
        raise ValueError(f"depths must lie in 1..{MAX_DEPTH} (the autoencoder's decoders), got {depths!r}.")
    return sorted(values)


class _NotPickled:
    """What stands for a model given as ``autoencoder`` in an estimator's pickle (the model is not kept)."""

    def __init__(self, model):
        self.model_name = type(model).__name__

    def __repr__(self):
        return (
            f"<a {self.model_name} that was not pickled with the estimator: pass it again with "
            "set_params(autoencoder=...) to fit>"
        )


class SWATRegressor(ScaledMLPRegressor):
    """Sparse, compact MLP regressor trained in the latent space of an MLP autoencoder.

    ``fit`` scales ``X`` and ``y`` to [-1, 1], then runs the latent search of
    SWAT-NN (Huang et al., 2025, Section III-B): for every depth in
    ``depths`` and every restart it optimises a latent point of the
    pretrained autoencoder by Adam, so that the MLP the decoder makes of it
    fits the data, under a weight-sparsity penalty (``lambda_s``), a neuron
    compactness penalty (``alpha``, ``beta``) and a temperature-annealed
    choice of one activation per neuron. Every candidate is hardened (small
    weights zeroed, weak neurons pruned, arg-max activation), its surviving
    weights are refined with its sparsity pattern fixed (``refine_iter``),
    and among the candidates whose validation MSE is within ``(1 + tol)`` of
    the best, the one with the fewest non-zero parameters is kept (or, with
    ``max_nonzero``, the most accurate one within that size).
    ``predict`` runs that small network in numpy.

    Parameters
    ----------
    autoencoder : str, path or None, default=None
        The pretrained autoencoder: None for the one bundled with sk-swat
        (no network access; networks of up to 7 outputs), a local
        directory, or a Hugging Face Hub repo id ``"owner/name"``.
    revision : str, default=None
        Hub revision (branch, tag or commit) when ``autoencoder`` is a repo id.
    depths : tuple of int, default=(1, 2, 3, 4)
        Numbers of hidden layers to search (each uses its own decoder), all
        in one batch; the widths come out of the search. Not the fixed shape
        of the baselines' ``hidden_layer_sizes``: ``depths=(2,)`` searches
        two-layer networks of at most 7 neurons per layer.
    n_restarts : int, default=2
        Random latent starting points per depth. All ``len(depths) *
        n_restarts`` candidates are optimised together as one batch.
    max_iter : int, default=1000
        Adam steps on the latents (the paper uses 8001; see :ref:`parameters`
        for the time they take). 0 skips the descent: the starting
        networks are hardened, refined and pruned as they are (the ablation
        that shows what the descent adds).
    learning_rate : float, default=0.1
        Adam learning rate of the latents (the paper's value).
    lambda_s : float, default=1e-4
        Strength of the weight-sparsity penalty (Eq. 9).
    alpha : float, default=0.4
        Weight of the negative spread of neuron masks in the compactness
        penalty (Eq. 13): pushes each mask to 0 or 1.
    beta : float, default=1e-3
        Weight of the mean neuron mask in the compactness penalty: prunes neurons.

        ``lambda_s``, ``alpha`` and ``beta`` are the paper's medium penalty
        level (Table I) and mean what they mean there: the penalties are
        added to the mean squared error of the targets scaled to [-1, 1], so
        their weight does not depend on the number of rows or on the scale
        of ``y``. They act on the relaxed masks during the descent; how
        those masks are relaxed is ``mask_relaxation``.
    l1_weight : float, default=0.1
        ``mu_1``, weight of the L1 term inside the sparsity penalty (Eq. 11).
    softcount_weight : float, default=0.01
        ``mu_c``, weight of the soft count of weights above the learnable
        threshold (Eq. 12).
    threshold_learning_rate : float, default=1e-3
        Adam learning rate of the weight thresholds.
    temperature_init : float, default=1.0
        Softmax temperature of the activation choice at the start (Eq. 14).
    temperature_final : float, default=0.01
        Lowest temperature.
    anneal_fraction : float, default=0.375
        Fraction of ``max_iter`` over which the temperature decays linearly
        (the paper: 3000 of 8000 steps). The best latent is kept from then on.
    n_iter_no_change : int or None, default=None
        Search steps after the anneal without improvement that end the
        search early, like ``MLPRegressor``'s parameter of the same name.
        Each candidate's search loss is averaged over blocks of 50 steps (the
        loss of a mini-batch is noisy); the search stops when no candidate's
        block mean has fallen below its best by more than ``search_tol`` for
        ``n_iter_no_change`` steps, and warns with a ``ConvergenceWarning`` when
        ``max_iter`` ends it first. None runs all ``max_iter`` steps, without
        a warning: at the default ``max_iter`` the search loss of every
        candidate is still falling on the CORNN functions, so a stopping
        rule would only warn. Set it (e.g. 200) with a longer ``max_iter``.
    search_tol : float, default=1e-4
        Least fall of a block-mean search loss that counts as an improvement
        (``MLPRegressor``'s ``tol``; ``tol`` here is the selection tolerance).
        The loss is the MSE of the targets scaled to [-1, 1] plus the
        penalties, so the amount does not depend on the scale of ``y``.
    activation : {"search", "sigmoid", "tanh", "leaky_relu"}, default="search"
        "search" chooses one activation per neuron; a name fixes all neurons
        to it (the paper's Exp. 2 baseline).
    prune_neurons : bool, default=True
        Search the number of neurons per layer. False keeps all 7 neurons of
        every layer (the paper's Exp. 2 and 3).
    fit_biases : bool, default=True
        Give the network biases. False ignores the decoded biases: the
        relaxed network of the search, the hardened network and its
        refinement all have zero biases (hidden and output), and the
        starting latents are codes of MLPs without biases. With
        ``activation="sigmoid"`` and ``prune_neurons=False`` this is the
        papers' basic setting (all neurons, all sigmoid, no biases), for an
        autoencoder pretrained on such MLPs.
    tol : float or "auto", default=0.0
        Candidates within ``(1 + tol)`` of the best validation MSE compete on
        sparsity, and the validated pruning removes weights as long as the
        validation MSE stays within ``(1 + tol)`` of the best. 0 puts accuracy
        first: the candidate with the lowest validation MSE, pruned of the
        weights it does without; on small noisy data it keeps the accuracy
        that a 5 % allowance gives away. 0.05 is the paper's rule,
        ``PAPER_TOLERANCE`` in :mod:`sk_swat.search`, which the CORNN
        experiments use: up to 5 % of the validation MSE traded for sparsity,
        which buys much where a small network fits the target only roughly
        (see :ref:`parameters`).
        "auto" widens the paper's 0.05 to one
        standard error of the best candidate's validation MSE where that is
        larger, so that on few, noisy validation rows a candidate is not
        preferred for a difference that is only chance (the one-standard-error
        rule); ``selection_tolerance_`` holds the value used.
    validation_fraction : float, default=0.1
        Share of the training rows held out to choose among candidates (at
        least one row). 0 chooses on the training rows.
    refine_iter : int, default=100
        Most Levenberg-Marquardt steps that train every candidate's surviving
        weights with its sparsity pattern fixed, on the rows not held out for
        validation, before the candidates are compared
        (:func:`~sk_swat.refinement.refine_many`: all candidates and starts
        together, in float64). 0 turns refinement off. Not in the paper: the latent search finds the structure well but
        its decoded weights only roughly, and a candidate that fits worst
        before refinement may fit best after it (see :ref:`parameters`).
    refine_restarts : int, default=2
        Fresh random draws of every candidate's surviving weights that are
        refined besides its decoded weights; the one with the lowest training
        loss is kept. The decoded weights of a good structure are often a poor
        start for it (see :ref:`parameters` for what restarts gain and cost).
    weight_decay : "auto" or float, default="auto"
        L2 penalty on the surviving weights and biases during refinement and
        pruning, added to the MSE of the scaled targets: the refinement's
        guard against fitting noise. "auto" is the maximum a posteriori
        penalty of a Gaussian prior of variance 0.1 on every parameter,
        ``sigma2 / (0.1 * n)`` for ``n`` training rows (the sum of their
        ``sample_weight``), with the noise
        variance ``sigma2`` estimated by the lowest validation MSE of the
        candidates refined without penalty; they are then refined again
        from there with it. On data that a small network fits almost
        exactly it is negligible, on small noisy data it keeps the weights
        small (see :ref:`own-data`). A float is used as it is (0 turns the
        penalty off); ``weight_decay_`` holds the value used.
    init : {"smooth", "encode", "normal"}, default="smooth"
        Starting latents. "smooth": the codes of random MLPs whose neurons are
        sigmoid or tanh, the first restart of each depth with all 7 neurons per
        layer and the later ones with fewer (down to half), so that the search
        starts from wide and narrow networks. The search rarely revives a
        pruned neuron or gives up a leaky ReLU, and smooth CORNN functions need
        both width and smooth activations. "encode": the codes of random MLPs
        drawn as in pretraining (half the neurons, any activation). "normal":
        draws from N(0, I) as in the paper.
    mask_relaxation : {"straight_through", "anneal", "fixed"}, default="straight_through"
        How the weight masks (``|W| > t``) and neuron masks (mask logit > 0)
        are relaxed during the descent. "straight_through": the hard masks in
        the forward pass, so the search sees the network it will harden, and
        the gradient of a gentle sigmoid backward, so that the data and the
        penalties reach pruned and kept neurons and weights alike.
        "anneal": sigmoids whose steepness rises from gentle to the paper's
        over the annealing phase (continuous sparsification). "fixed": the
        paper's steepness-200 sigmoids from the first step, whose gradient
        vanishes away from the threshold, so the structure barely moves
        (kept for the paper's experiments).
    hardening : {"validated", "learned"}, default="validated"
        How the final weight threshold is chosen. "learned": the threshold
        learned during the search (the paper). "validated": after
        refinement, every candidate within ``tol`` of the best validation
        MSE is also pruned by magnitude, with retraining, as far as its
        validation MSE stays within ``tol`` of the best
        (:func:`~sk_swat.refinement.prune_to_tolerance`, each step retrained by
        ``refine_iter // 3`` Levenberg-Marquardt steps); skipped with ``refine_iter=0``.
    max_nonzero : int, default=None
        A size budget. None chooses by the ``tol`` rule above. An int chooses
        instead the candidate with the lowest validation MSE among those with
        at most ``max_nonzero`` non-zero parameters; if none is that small,
        the sparsest candidate is kept and a ``UserWarning`` says so. The
        budget chooses among the networks the search found (see
        ``pareto_front_``); it does not prune them further.
    batch_size : int, default=1024
        Rows per search step; smaller data sets use all rows every step.
        Memory does not grow with the number of rows.
    device : str, default="auto"
        "auto" (CUDA if available, else CPU), "cpu", "cuda" or "cuda:N".
    random_state : int, RandomState instance or None, default=None
        Seeds the latent starting points, the mini-batches and the
        validation split.
    n_threads : int or None, default=1
        Torch (and BLAS) threads the fit runs with; the caller's setting is
        restored afterwards. The tensors of a fit are small, so one thread is
        fastest: on a busy 2-core machine a fit took 4 to 10 times longer with
        2 threads (see :ref:`parameters`). None keeps the caller's setting.
    verbose : int, default=0
        Show progress bars of the search, the refinement and the pruning,
        with their losses.

    Attributes
    ----------
    mlp_ : SparseMLP
        The chosen network, on the scaled data (see ``predict``).
    n_nonzero_ : int
        Non-zero weights plus non-zero biases of kept neurons plus the output
        bias, as the paper counts them.
    architecture_ : dict
        ``n_layers``, ``hidden_layer_sizes`` (kept neurons per layer) and
        ``activations`` (name of each kept neuron's activation).
    candidates_ : dict of ndarray
        One entry per candidate: ``depth``, ``restart``; ``start_n_nonzero``
        and ``start_hidden_layer_sizes`` of the hardened starting network,
        ``hardened_n_nonzero`` and ``hardened_hidden_layer_sizes`` of the
        hardened network the descent found (before refinement), both
        networks themselves (``start_mlp``, ``hardened_mlp``), and
        ``n_nonzero``, ``hidden_layer_sizes``, ``validation_mse`` and the
        network itself (``mlp``) of the final network; ``chosen`` (bool)
        marks the one kept. Comparing the three shows what the descent and
        the pruning changed. Validation MSEs are those of the target scaled
        to [-1, 1].
    pareto_front_ : dict of ndarray
        The candidates that no other candidate beats in both validation MSE
        and size, from the sparsest to the most accurate: ``candidate``
        (index into ``candidates_``), ``n_nonzero``, ``validation_mse``,
        ``depth``, ``hidden_layer_sizes`` and ``chosen``. Pick a size from it
        and refit with that ``max_nonzero`` (and the same ``random_state``),
        or export a point directly with ``to_torch(candidate=...)``.
    weight_decay_ : float
        The L2 penalty the refinement and pruning used (``weight_decay``, or
        the value "auto" chose).
    selection_tolerance_ : float
        The relative tolerance of the selection and the pruning (``tol``, or
        the value "auto" chose).
    n_iter_ : int
        Search steps run: ``max_iter``, or fewer when the search stopped early
        (see ``n_iter_no_change``); 0 with ``max_iter=0``.
    loss_curve_ : list of float
        Mean search loss over candidates at every step run.
    n_features_in_ : int
        Number of features seen in ``fit``.
    n_outputs_ : int
        Number of outputs: the columns of a 2-D ``y``, else 1.
    feature_names_in_ : ndarray of str
        Feature names seen in ``fit`` (only if ``X`` had string column names).
    device_ : str
        The device the search ran on.
    fit_time_ : float
        Seconds spent in ``fit``.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : Dense MLP trained by gradient descent on its weights.

    Notes
    -----
    Fitted state is numpy only: a model fitted on a GPU unpickles and
    predicts on a CPU-only machine, and the pickle holds the small network,
    not the autoencoder.

    References
    ----------
    Z. Huang, M. Montazerin, A. Srivastava. "SWAT-NN: Simultaneous Weights
    and Architecture Training for Neural Networks in a Latent Space", 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat import SWATRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, (200, 2))
    >>> y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    >>> reg = SWATRegressor(depths=(1, 2), max_iter=50, refine_iter=50, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> sorted(reg.architecture_)
    ['activations', 'hidden_layer_sizes', 'n_layers']
    """

    _parameter_constraints = {
        "autoencoder": [str, os.PathLike, None, HasMethods(["encode", "decode_groups"])],
        "revision": [str, None],
        "depths": ["array-like"],
        "n_restarts": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "lambda_s": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "l1_weight": [Interval(Real, 0, None, closed="left")],
        "softcount_weight": [Interval(Real, 0, None, closed="left")],
        "threshold_learning_rate": [Interval(Real, 0, None, closed="left")],
        "temperature_init": [Interval(Real, 0, None, closed="neither")],
        "temperature_final": [Interval(Real, 0, None, closed="neither")],
        "anneal_fraction": [Interval(Real, 0, 1, closed="right")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "search_tol": [Interval(Real, 0, None, closed="left")],
        "activation": [StrOptions({"search", *ACTIVATIONS})],
        "prune_neurons": ["boolean"],
        "fit_biases": ["boolean"],
        "tol": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "refine_iter": [Interval(Integral, 0, None, closed="left")],
        "refine_restarts": [Interval(Integral, 0, None, closed="left")],
        "weight_decay": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        "init": [StrOptions({"smooth", "encode", "normal"})],
        "mask_relaxation": [StrOptions(set(MASK_RELAXATIONS))],
        "hardening": [StrOptions({"validated", "learned"})],
        "max_nonzero": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        autoencoder=None,
        revision=None,
        depths=_SEARCH.depths,
        n_restarts=_SEARCH.n_restarts,
        max_iter=_SEARCH.max_iter,
        learning_rate=_SEARCH.learning_rate,
        lambda_s=_SEARCH.lambda_s,
        alpha=_SEARCH.alpha,
        beta=_SEARCH.beta,
        l1_weight=_SEARCH.l1_weight,
        softcount_weight=_SEARCH.softcount_weight,
        threshold_learning_rate=_SEARCH.threshold_learning_rate,
        temperature_init=_SEARCH.temperature_init,
        temperature_final=_SEARCH.temperature_final,
        anneal_fraction=_SEARCH.anneal_fraction,
        n_iter_no_change=_SEARCH.n_iter_no_change,
        search_tol=_SEARCH.search_tol,
        activation=_SEARCH.activation,
        prune_neurons=_SEARCH.prune_neurons,
        fit_biases=_SEARCH.fit_biases,
        tol=0.0,
        validation_fraction=0.1,
        refine_iter=100,
        refine_restarts=2,
        weight_decay="auto",
        init=_SEARCH.init,
        mask_relaxation=_SEARCH.mask_relaxation,
        hardening="validated",
        max_nonzero=None,
        batch_size=_SEARCH.batch_size,
        device="auto",
        random_state=None,
        n_threads=1,
        verbose=0,
    ):
        self.autoencoder = autoencoder
        self.revision = revision
        self.depths = depths
        self.n_restarts = n_restarts
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.lambda_s = lambda_s
        self.alpha = alpha
        self.beta = beta
        self.l1_weight = l1_weight
        self.softcount_weight = softcount_weight
        self.threshold_learning_rate = threshold_learning_rate
        self.temperature_init = temperature_init
        self.temperature_final = temperature_final
        self.anneal_fraction = anneal_fraction
        self.n_iter_no_change = n_iter_no_change
        self.search_tol = search_tol
        self.activation = activation
        self.prune_neurons = prune_neurons
        self.fit_biases = fit_biases
        self.tol = tol
        self.validation_fraction = validation_fraction
        self.refine_iter = refine_iter
        self.refine_restarts = refine_restarts
        self.weight_decay = weight_decay
        self.init = init
        self.mask_relaxation = mask_relaxation
        self.hardening = hardening
        self.max_nonzero = max_nonzero
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state
        self.n_threads = n_threads
        self.verbose = verbose

    def __getstate__(self):
        # The fitted network is all predict needs: a model given as `autoencoder` stays out of the pickle.
        state = super().__getstate__()
        if isinstance(state.get("autoencoder"), torch.nn.Module):
            state = {**state, "autoencoder": _NotPickled(state["autoencoder"])}
        return state

    def __sklearn_tags__(self):
        from .autoencoder.loading import embedded_outputs

        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = embedded_outputs(self.autoencoder, self.revision) > 1
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Search a sparse MLP for ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs; at most 16 features.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Training targets. Several columns fit one network with shared
            hidden layers and one output per column, as many as the
            autoencoder embeds (``max_outputs`` of its config); a single
            column is the same as a 1-D ``y``.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the squared error.

        Returns
        -------
        self : SWATRegressor
            The fitted estimator.
        """
        with limited_threads(self.n_threads):
            return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight):
        start = time.perf_counter()
        depths = _check_depths(self.depths)
        if self.temperature_init < self.temperature_final:
            raise ValueError(
                f"temperature_init={self.temperature_init} is below temperature_final={self.temperature_final}: "
                "the temperature anneals down to temperature_final. Swap them, or make them equal for a "
                "constant temperature."
            )
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True, ensure_min_samples=2)
        multi_output = self.__sklearn_tags__().target_tags.multi_output
        if y.ndim == 2 and y.shape[1] == 1:
            # Without multi-output support, scikit-learn asks for a warning on a column vector.
            y = column_or_1d(y, warn=not multi_output)
        if y.ndim == 2 and not multi_output:
            raise _too_many_outputs(y.shape[1], 1)
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if X.shape[1] > MAX_INPUTS:
            raise ValueError(
                f"X has {X.shape[1]} features, but the autoencoder supports at most {MAX_INPUTS}. "
                f"Reduce them first, e.g. make_pipeline(PCA(n_components={MAX_INPUTS}), SWATRegressor()), "
                "or pretrain a wider autoencoder."
            )
        device = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        # Rows of weight zero are dropped here, so the validation split does not see them either.
        Xs, ys, sample_weight = self._fit_scaling(X, y, sample_weight)

        n = Xs.shape[0]
        order = rng.permutation(n)
        n_val = int(np.ceil(self.validation_fraction * n)) if self.validation_fraction else 0
        if n_val and n - n_val < 2:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} holds out {n_val} of the {n} rows of positive "
                f"weight, leaving {n - n_val} to train on (at least 2 are needed). Use a smaller "
                f"validation_fraction, one that holds out at most {max(n - 2, 0)} rows, or 0 to choose among the "
                "candidates on the training rows."
            )
        val, train = (order[:n_val], order[n_val:]) if n_val else (np.arange(n), np.arange(n))

        settings = SearchSettings(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(SearchSettings)}
        )
        settings.depths = tuple(depths)
        from .autoencoder.loading import cached_autoencoder  # here: importing the estimator skips transformers

        autoencoder = cached_autoencoder(self.autoencoder, self.revision, str(device))
        max_outputs = getattr(autoencoder.config, "max_outputs", 1)
        if self.n_outputs_ > max_outputs:
            raise _too_many_outputs(self.n_outputs_, max_outputs)
        fit_rows = {"sample_weight": sample_weight[train], "device": device}
        candidates, loss_curve = latent_search(
            autoencoder, Xs[train], ys[train], settings, seed=seed, verbose=self.verbose, **fit_rows
        )
        fit_rows["max_rows"] = _REFINE_ROWS

        def validation_mse(mlp):
            return np.average(_squared_errors(mlp.predict(Xs[val]), ys[val]), weights=sample_weight[val])

        weight_decay = 0.0 if self.weight_decay == "auto" else float(self.weight_decay)
        networks = refine_many([c.mlp for c in candidates], Xs[train], ys[train], n_iter=self.refine_iter,
                               n_restarts=self.refine_restarts, random_state=seed, weight_decay=weight_decay,
                               verbose=self.verbose, **fit_rows)
        val_mse = np.array([validation_mse(mlp) for mlp in networks])
        if self.weight_decay == "auto" and self.refine_iter and np.isfinite(val_mse).any():
            # The maximum a posteriori penalty for the weighted mean squared error; weights count as repeated rows.
            weight_decay = np.nanmin(val_mse[np.isfinite(val_mse)]) / (_PRIOR_VARIANCE * sample_weight[train].sum())
            networks = refine_many(networks, Xs[train], ys[train], n_iter=self.refine_iter,
                                   weight_decay=weight_decay, verbose=self.verbose, **fit_rows)
            val_mse = np.array([validation_mse(mlp) for mlp in networks])
        tol = self._tolerance(val_mse, networks, Xs[val], ys[val], sample_weight[val])
        if self.hardening == "validated" and self.refine_iter and np.isfinite(val_mse).any():
            limit = np.nanmin(val_mse[np.isfinite(val_mse)]) * (1 + tol)
            eligible = np.flatnonzero(val_mse <= limit)
            for i in tqdm(eligible, disable=not self.verbose, desc="pruning", unit="network"):
                networks[i] = prune_to_tolerance(
                    networks[i], Xs[train], ys[train], Xs[val], ys[val], limit=limit,
                    val_weight=sample_weight[val], n_iter=max(1, self.refine_iter // 3),
                    prune_neurons=self.prune_neurons, weight_decay=weight_decay, **fit_rows,
                )
                val_mse[i] = validation_mse(networks[i])
        nonzero = np.array([mlp.n_nonzero for mlp in networks])
        chosen = select_candidate(val_mse, nonzero, tol)
        self.mlp_ = networks[chosen]

        def objects(values):
            out = np.empty(len(values), dtype=object)
            out[:] = values
            return out

        def sizes(mlps):
            return objects([tuple(m.architecture["hidden_layer_sizes"]) for m in mlps])

        self.candidates_ = {
            "depth": np.array([c.depth for c in candidates]),
            "restart": np.array([c.restart for c in candidates]),
            "start_n_nonzero": np.array([c.start_mlp.n_nonzero for c in candidates]),
            "start_hidden_layer_sizes": sizes([c.start_mlp for c in candidates]),
            "start_mlp": objects([c.start_mlp for c in candidates]),
            "hardened_n_nonzero": np.array([c.mlp.n_nonzero for c in candidates]),
            "hardened_hidden_layer_sizes": sizes([c.mlp for c in candidates]),
            "hardened_mlp": objects([c.mlp for c in candidates]),
            "validation_mse": val_mse,
            "n_nonzero": nonzero,
            "hidden_layer_sizes": sizes(networks),
            "mlp": objects(networks),
            "chosen": np.arange(len(candidates)) == chosen,
        }
        if self.max_nonzero is not None:
            self._choose_within_budget()
        self.pareto_front_ = _pareto_front(self.candidates_)
        self.weight_decay_ = weight_decay
        self.selection_tolerance_ = tol
        self.n_nonzero_ = self.mlp_.n_nonzero
        self.architecture_ = self.mlp_.architecture
        self.n_iter_ = len(loss_curve)
        self.loss_curve_ = loss_curve
        if self.n_iter_no_change is not None and self.max_iter and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"The latent search ran all max_iter={self.max_iter} steps before its loss stopped improving "
                f"(by search_tol={self.search_tol} for n_iter_no_change={self.n_iter_no_change} steps). Raise "
                "max_iter, or set n_iter_no_change=None to run max_iter steps without this check.",
                ConvergenceWarning,
            )
        self.device_ = str(device)
        self.fit_time_ = time.perf_counter() - start
        return self

    def _tolerance(self, val_mse, networks, X_val, y_val, val_weight):
        """The relative tolerance of the selection: ``tol``, or with "auto" at least one standard error."""
        if self.tol != "auto":
            return self.tol
        if not np.isfinite(val_mse).any():
            return PAPER_TOLERANCE
        best = int(np.nanargmin(np.where(np.isfinite(val_mse), val_mse, np.nan)))
        squared = _squared_errors(networks[best].predict(X_val), y_val)
        share = val_weight / val_weight.sum()
        # Standard error of a weighted mean: sqrt(sum w_i^2 (x_i - mean)^2) / sum w_i.
        standard_error = np.sqrt(np.sum(share**2 * (squared - val_mse[best]) ** 2))
        return max(PAPER_TOLERANCE, standard_error / val_mse[best] if val_mse[best] > 0 else 0.0)

    def _choose_within_budget(self):
        """Keep the most accurate candidate with at most ``max_nonzero`` non-zeros (else the sparsest)."""
        c = self.candidates_
        mse = np.where(np.isfinite(c["validation_mse"]), c["validation_mse"], np.inf)
        within = np.flatnonzero(c["n_nonzero"] <= self.max_nonzero)
        if within.size:
            chosen = within[np.lexsort((c["n_nonzero"][within], mse[within]))[0]]
        else:
            chosen = np.lexsort((mse, c["n_nonzero"]))[0]
            warnings.warn(
                f"No candidate has at most max_nonzero={self.max_nonzero} non-zero parameters; kept the "
                f"sparsest, with {c['n_nonzero'][chosen]}. Raise max_nonzero, or search smaller networks "
                "(fewer depths, more n_restarts, a larger lambda_s or beta).",
                UserWarning,
            )
        c["chosen"] = np.arange(len(mse)) == chosen
        self.mlp_ = c["mlp"][chosen]

    def _candidate_network(self, candidate):
        check_is_fitted(self)
        if candidate is None:
            return self.mlp_
        n = len(self.candidates_["mlp"])
        if not isinstance(candidate, Integral) or not 0 <= candidate < n:
            raise ValueError(
                f"candidate must be an index 0..{n - 1} into candidates_ (see pareto_front_['candidate']) "
                f"or None for the chosen network, got {candidate!r}."
            )
        return self.candidates_["mlp"][candidate]

    def summary(self, feature_names=None):
        """The chosen network as text, naming the inputs.

        The inputs it uses and the ones it ignores, then one formula per kept
        neuron (:meth:`SparseMLP.summary <sk_swat.SparseMLP.summary>`). The
        weights act on the inputs and target scaled to [-1, 1] by their
        training range (the network ``predict`` runs between the scalings).

        Parameters
        ----------
        feature_names : sequence of str, default=None
            Names of the inputs. By default ``feature_names_in_`` (set when
            ``X`` was a DataFrame with string column names), else ``x0, x1,
            ...``. In a :class:`~sklearn.pipeline.Pipeline`, pass the names
            the steps before produce: ``pipe[:-1].get_feature_names_out()``.

        Returns
        -------
        str
            Several lines; ``print`` it.
        """
        check_is_fitted(self)
        if feature_names is None:
            feature_names = getattr(self, "feature_names_in_", None)
        return (
            f"SWATRegressor, validation MSE {self.candidates_['validation_mse'][self.candidates_['chosen']][0]:.4g} "
            "(inputs and target scaled to [-1, 1] by their training range)\n"
            + self.mlp_.summary(feature_names)
        )

    def to_torch(self, dtype=None, *, candidate=None):
        """The chosen network with its scaling, as a ``torch.nn.Module`` from raw ``X`` to raw ``y``.

        The module scales its input as ``fit`` scaled ``X``, runs the network
        (:meth:`SparseMLP.to_torch <sk_swat.SparseMLP.to_torch>`) and undoes
        the target scaling, so that in float64 it predicts what ``predict``
        predicts. It needs nothing of sk-swat but the
        :class:`~sk_swat.activations.NeuronwiseActivation` layers inside it.

        Parameters
        ----------
        dtype : torch.dtype, default=None
            Dtype of the parameters and buffers; ``torch.float32`` if None.
        candidate : int, default=None
            Export the final network of this candidate (an index into
            ``candidates_``, for example from ``pareto_front_['candidate']``)
            instead of the chosen one.

        Returns
        -------
        sk_swat.export.ScaledNetwork
            A ``torch.nn.Module`` in evaluation mode; a (n_samples,
            n_features) tensor in, (n_samples,) out.
        """
        mlp = self._candidate_network(candidate)
        return scaled_network(mlp, self._x_scaler, self._y_scaler, dtype=dtype)

    def to_onnx(self, path, *, candidate=None):
        """Write the chosen network with its scaling as an ONNX file from raw ``X`` to raw ``y``.

        The graph of :meth:`to_torch` in float32, exported by
        ``torch.onnx.export``: one input ``X`` of shape (n_samples,
        n_features) and one output ``y`` of shape (n_samples,), or
        (n_samples, n_outputs) for several targets, any number of rows. Needs the ``onnx`` and ``onnxscript`` packages
        (``pip install "sk-swat[onnx]"``); onnxruntime, for example, runs it.

        Parameters
        ----------
        path : str or path-like
            The file to write, conventionally ending in ``.onnx``.
        candidate : int, default=None
            As in :meth:`to_torch`.

        Returns
        -------
        pathlib.Path
            ``path``.

        Raises
        ------
        ImportError
            If onnx or onnxscript is not installed.
        """
        module = self.to_torch(dtype=torch.float32, candidate=candidate)
        return export_onnx(module, path, self.n_features_in_)


def _too_many_outputs(n_outputs, max_outputs):
    """The error for a ``y`` of more columns than the autoencoder's networks have outputs."""
    embeds = "one output" if max_outputs == 1 else f"at most {max_outputs} outputs"
    return ValueError(
        f"y has {n_outputs} columns, but the autoencoder embeds networks of {embeds}. Fit one network per "
        "target with sklearn.multioutput.MultiOutputRegressor(SWATRegressor()), or use an autoencoder "
        "pretrained with more outputs (sk-swat pretrain --max-outputs)."
    )


def _squared_errors(prediction, y):
    """Squared error of each row, averaged over the outputs of a multi-output ``y``."""
    squared = (prediction - y) ** 2
    return squared if squared.ndim == 1 else squared.mean(axis=1)


def _pareto_front(candidates):
    """The candidates no other beats in both validation MSE and non-zeros, sparsest first."""
    mse, nonzero = candidates["validation_mse"], candidates["n_nonzero"]
    front, best = [], np.inf
    for i in np.lexsort((mse, nonzero)):
        if np.isfinite(mse[i]) and mse[i] < best:
            front.append(i)
            best = mse[i]
    front = np.asarray(front, dtype=int)
    return {"candidate": front, **{k: candidates[k][front] for k in (
        "n_nonzero", "validation_mse", "depth", "hidden_layer_sizes", "chosen")}}
