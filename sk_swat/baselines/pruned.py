"""The practitioner's sparse baseline: a dense MLP trained to convergence, then magnitude pruning with retraining."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, validate_data

from ..activations import ACTIVATIONS
from ..mlp import SparseMLP
from ..refinement import prune_to_tolerance, refine
from ..utils import resolve_device
from ._common import SparseMLPPredictMixin
from .dense import check_hidden_layer_sizes

__all__ = ["PrunedMLPRegressor"]


class PrunedMLPRegressor(SparseMLPPredictMixin, RegressorMixin, BaseEstimator):
    """Dense MLP trained by Levenberg-Marquardt, then pruned by magnitude with retraining to an accuracy budget.

    What a practitioner without SWAT does to get a small network: train a
    dense MLP (``torch.nn.Linear`` initialisation, full-batch
    Levenberg-Marquardt in float64, as MATLAB's ``trainlm`` trains small
    networks, the best of ``n_restarts + 1`` starts by training loss), hold out
    ``validation_fraction`` of the rows, then zero the smallest weights and
    biases, retrain the rest and repeat while the validation MSE stays within
    ``(1 + tol)`` of the dense network's
    (:func:`sk_swat.refinement.prune_to_tolerance`; neurons left without inputs
    or outputs are removed). It is the same pruning step that
    :class:`~sk_swat.SWATRegressor` applies after its search with
    ``hardening="validated"``, so the two differ only in where the network
    to prune comes from.

    ``X`` and ``y`` are used as given, not scaled as
    :class:`~sk_swat.SWATRegressor` scales them: the paper's baselines train
    on CORNN's own scaling (:mod:`sk_swat.baselines` says more).

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(7,)
        Width of each hidden layer before pruning: a fixed shape, as in
        :class:`DenseMLPRegressor` (pruning may remove neurons, never adds
        any).
    activation : {"sigmoid", "tanh", "leaky_relu"}, default="tanh"
        Activation of every hidden neuron.
    max_iter : int, default=100
        Most Levenberg-Marquardt steps of the dense training and of every
        retraining (:func:`sk_swat.refinement.refine_many`).
    n_restarts : int, default=2
        Random starts of the dense training besides the first.
    tol : float, default=0.05
        Relative validation-MSE budget of the pruning.
    validation_fraction : float, default=0.1
        Share of the rows held out to judge the pruning (at least one row).
    random_state : int, RandomState instance or None, default=None
        Seeds the starts and the validation split.
    device : str or torch.device, default="auto"
        "auto" (CUDA if available, else CPU), "cpu", "cuda" or "cuda:N".

    Attributes
    ----------
    mlp_ : SparseMLP
        The pruned network.
    dense_mlp_ : SparseMLP
        The dense network before pruning.
    n_nonzero_ : int
        Non-zero weights and biases of ``mlp_``.
    architecture_ : dict
        ``mlp_.architecture``.
    n_iter_ : int
        ``max_iter``: the step budget of the dense training and of every
        retraining (each may stop earlier when it converges).
    n_features_in_ : int
        Number of features seen during fit.
    device_ : str
        The device the network was trained on.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.baselines import PrunedMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, (300, 2))
    >>> y = np.tanh(X[:, 0])
    >>> reg = PrunedMLPRegressor(max_iter=100, n_restarts=0, random_state=0).fit(X, y)
    >>> reg.n_nonzero_ < reg.dense_mlp_.n_nonzero
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "n_restarts": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
    }

    def __init__(self, *, hidden_layer_sizes=(7,), activation="tanh", max_iter=100, n_restarts=2, tol=0.05,
                 validation_fraction=0.1, random_state=None, device="auto"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.max_iter = max_iter
        self.n_restarts = n_restarts
        self.tol = tol
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the dense network, then prune it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs, used as given.
        y : array-like of shape (n_samples,)
            Targets, used as given.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights of the squared error.

        Returns
        -------
        self : PrunedMLPRegressor
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64, ensure_min_samples=2)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        widths = check_hidden_layer_sizes(self.hidden_layer_sizes)
        device = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        order = rng.permutation(X.shape[0])
        n_val = min(max(1, int(np.ceil(self.validation_fraction * X.shape[0]))), X.shape[0] - 1)
        val, train = order[:n_val], order[n_val:]
        codes = ACTIVATIONS.index(self.activation)
        # Every weight non-zero: refine() draws its restarts as torch.nn.Linear does, on this pattern.
        sizes = [X.shape[1], *widths, 1]
        ones = SparseMLP([np.ones((a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                         [np.ones(b) for b in sizes[1:]], [[codes] * w for w in widths])
        rows = {"sample_weight": sample_weight[train], "device": device}
        self.dense_mlp_ = refine(ones, X[train], y[train], n_iter=self.max_iter, n_restarts=self.n_restarts + 1,
                                 random_state=rng, include_start=False, **rows)
        dense_mse = np.average((self.dense_mlp_.predict(X[val]) - y[val]) ** 2, weights=sample_weight[val])
        self.mlp_ = prune_to_tolerance(self.dense_mlp_, X[train], y[train], X[val], y[val],
                                       limit=dense_mse * (1 + self.tol), val_weight=sample_weight[val],
                                       n_iter=self.max_iter, **rows)
        self.n_nonzero_ = self.mlp_.n_nonzero
        self.architecture_ = self.mlp_.architecture
        self.n_iter_ = self.max_iter
        self.device_ = str(device)
        return self
