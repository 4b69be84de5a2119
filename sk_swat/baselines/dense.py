"""Traditional MLP training with one fixed activation (SWAT-NN, Section IV, Exp. 2 baseline)."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, validate_data

from ..activations import ACTIVATIONS
from ..utils import resolve_device
from ._common import (
    as_tensors,
    build_sequential,
    draw_seed,
    SparseMLPPredictMixin,
    sequential_to_mlp,
    torch_seeded,
    train_full_batch,
)

__all__ = ["DenseMLPRegressor"]


def check_hidden_layer_sizes(hidden_layer_sizes):
    """``hidden_layer_sizes`` as a list of positive ints (an int means one layer)."""
    sizes = np.atleast_1d(np.asarray(hidden_layer_sizes))
    if sizes.ndim != 1 or sizes.size == 0 or not np.issubdtype(sizes.dtype, np.integer) or (sizes < 1).any():
        raise ValueError(
            f"hidden_layer_sizes must be a non-empty sequence of positive ints, got {hidden_layer_sizes!r}."
        )
    return [int(s) for s in sizes]


class DenseMLPRegressor(SparseMLPPredictMixin, RegressorMixin, BaseEstimator):
    """Dense MLP with one fixed activation, trained by full-batch Adam.

    The "traditional MLP training" baseline of SWAT-NN (Section IV, Exp. 2):
    every hidden neuron uses the same activation, weights start from
    PyTorch's default initialisation, and the mean squared error is
    minimised by Adam on the whole training set for ``max_iter`` epochs
    (6000 at learning rate 0.01 in the paper). There is no early stopping
    and no regularisation. Training runs in float32; the fitted network is
    kept as a :class:`~sk_swat.mlp.SparseMLP` (numpy, float64).

    ``X`` and ``y`` are used as given, not scaled as
    :class:`~sk_swat.SWATRegressor` scales them: the paper's baselines train
    on CORNN's own scaling (:mod:`sk_swat.baselines` says more).

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(7,)
        Width of each hidden layer: a fixed shape, as in
        :class:`~sklearn.neural_network.MLPRegressor` (and
        :class:`PrunedMLPRegressor`). The paper uses 1 to 4 layers of 7.
        :class:`~sk_swat.SWATRegressor`'s ``depths`` is not this: it lists
        the depths to search, and the widths come out of the search.
    activation : {"sigmoid", "tanh", "leaky_relu"}, default="tanh"
        Activation of every hidden neuron (leaky ReLU has slope 0.01).
    learning_rate : float, default=0.01
        Adam step size.
    max_iter : int, default=6000
        Number of full-batch epochs (Adam steps).
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation (in a forked torch generator, so the
        global torch random state is left alone). An int gives identical
        fits on the same device.
    device : str or torch.device, default="auto"
        "auto" (CUDA if available, else CPU), "cpu", "cuda" or "cuda:N".

    Attributes
    ----------
    mlp_ : SparseMLP
        The trained network (every neuron kept).
    n_nonzero_ : int
        Non-zero weights and biases, counted as in SWAT-NN.
    architecture_ : dict
        ``mlp_.architecture``: number of layers, widths, activation names.
    n_iter_ : int
        Number of epochs run (``max_iter``).
    loss_curve_ : list of float
        Training MSE at each epoch (before that epoch's step).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when ``X`` had string column names.
    device_ : str
        The device the network was trained on.

    See Also
    --------
    DartsMLPRegressor : DARTS architecture search followed by ADMM pruning.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.baselines import DenseMLPRegressor
    >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
    >>> y = np.sin(2 * X[:, 0])
    >>> reg = DenseMLPRegressor(max_iter=50, random_state=0).fit(X, y)
    >>> reg.architecture_
    {'n_layers': 1, 'hidden_layer_sizes': [7], 'activations': [['tanh', 'tanh', ..., 'tanh']]}
    >>> reg.n_nonzero_  # 7 weights in, 7 biases, 7 weights out, 1 output bias
    22
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes=(7,),
        activation="tanh",
        learning_rate=0.01,
        max_iter=6000,
        random_state=None,
        device="auto",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.random_state = random_state
        self.device = device

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs, used as given (not scaled).
        y : array-like of shape (n_samples,)
            Targets, used as given (not scaled).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is the weighted mean of the squared
            errors. None weighs all samples equally.

        Returns
        -------
        self : DenseMLPRegressor
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, y_numeric=True, dtype=[np.float64, np.float32])
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        widths = check_hidden_layer_sizes(self.hidden_layer_sizes)
        device = resolve_device(self.device)
        with torch_seeded(draw_seed(self.random_state)):
            module = build_sequential(X.shape[1], widths, self.activation)
        module.to(device)
        X_t, y_t, w_t = as_tensors(X, y, sample_weight, device)
        self.loss_curve_ = train_full_batch(
            module, X_t, y_t, w_t, n_iter=self.max_iter, learning_rate=self.learning_rate
        )
        self.mlp_ = sequential_to_mlp(module)
        self.n_iter_ = self.max_iter
        self.n_nonzero_ = self.mlp_.n_nonzero
        self.architecture_ = self.mlp_.architecture
        self.device_ = str(device)
        return self

