"""The "autoencoder with ADMM" baseline of SWAT-NN (Exp. 3): latent search without sparsity, then ADMM.

A thin wrapper: it fits a :class:`~sk_swat.SWATRegressor` (by default with
``lambda_s=0`` and ``prune_neurons=False``, so neither weights nor neurons
are pushed towards zero), then prunes the network it found with
:func:`~sk_swat.baselines.admm_prune_mlp` on the same [-1, 1]-scaled data
the search saw.
"""

import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import _check_sample_weight, validate_data

# A meta-estimator of SWATRegressor: it sits above the estimator, as sklearn's ensembles sit above
# their base estimators, and shares its scaling through ScaledMLPRegressor.
from .._regressor import SWATRegressor
from .._scaling import ScaledMLPRegressor
from .admm import admm_prune_mlp

__all__ = ["SWATADMMRegressor"]


class SWATADMMRegressor(ScaledMLPRegressor):
    """Autoencoder search without sparsity penalty, followed by ADMM pruning.

    The "Autoencoder with ADMM" baseline of SWAT-NN (Section IV, Exp. 3).
    ``fit`` clones and fits ``estimator`` (a :class:`~sk_swat.SWATRegressor`),
    then scales ``X`` and ``y`` to [-1, 1] exactly as ``SWATRegressor`` does
    (the two share that step: one :class:`~sklearn.preprocessing.MinMaxScaler`
    per side, fitted on the rows of positive weight) and prunes the found network on that scale with
    :func:`~sk_swat.baselines.admm_prune_mlp`: ``admm_iter`` full-batch Adam
    steps of ADMM W-steps (Z/U update every ``update_every`` steps), then
    ``admm_retrain_iter`` steps under the fixed mask. ``predict`` runs the
    pruned network and undoes the ``y`` scaling.

    ``n_nonzero_`` is counted as ``SWATRegressor`` counts it
    (:attr:`SparseMLP.n_nonzero <sk_swat.mlp.SparseMLP.n_nonzero>`).

    Parameters
    ----------
    estimator : SWATRegressor, default=None
        The search to run first, cloned before fitting. None means
        ``SWATRegressor(lambda_s=0.0, prune_neurons=False)``, the paper's
        setting: no sparsity penalty, all 7 neurons per layer. Its
        ``random_state`` and ``device`` apply to the whole fit (ADMM runs on
        the device the search ran on).
    rho : float, default=2.0
        ADMM penalty parameter (the paper's value).
    threshold : float, default=0.1
        ADMM pruning threshold (the paper's value).
    admm_iter : int, default=3000
        Full-batch Adam steps of the ADMM W-steps.
    admm_retrain_iter : int, default=3000
        Full-batch Adam steps under the pruning mask.
    update_every : int, default=100
        Adam steps between the Z and U updates.
    learning_rate : float, default=0.01
        Adam step size of the pruning and retraining.

    Attributes
    ----------
    estimator_ : SWATRegressor
        The fitted search.
    unpruned_mlp_ : SparseMLP
        ``estimator_.mlp_``: the network before pruning (scaled data).
    mlp_ : SparseMLP
        The pruned, retrained network (scaled data).
    n_nonzero_ : int
        Non-zero parameters of ``mlp_``, counted as ``SWATRegressor`` counts them.
    architecture_ : dict
        ``mlp_.architecture``.
    device_ : str
        The device of the search and of the pruning.
    fit_time_ : float
        Seconds spent in ``fit`` (search and pruning).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names seen in ``fit`` (only if ``X`` had string column names).

    See Also
    --------
    sk_swat.SWATRegressor : The search with the sparsity penalty built in.
    sk_swat.baselines.DartsMLPRegressor : DARTS followed by the same ADMM pruning.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat import SWATRegressor
    >>> from sk_swat.baselines import SWATADMMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, (100, 2))
    >>> y = np.sin(2 * X[:, 0]) + X[:, 1]
    >>> search = SWATRegressor(lambda_s=0.0, prune_neurons=False, depths=(1,), n_restarts=1,
    ...                        max_iter=5, refine_iter=5, device="cpu", random_state=0)
    >>> reg = SWATADMMRegressor(search, admm_iter=20, admm_retrain_iter=20, update_every=10).fit(X, y)
    >>> weights = np.concatenate([w.ravel() for w in reg.mlp_.weights])
    >>> bool(np.all(np.abs(weights[weights != 0]) >= reg.threshold))  # ADMM keeps no weight under it
    True
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "rho": [Interval(Real, 0, None, closed="neither")],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "admm_iter": [Interval(Integral, 0, None, closed="left")],
        "admm_retrain_iter": [Interval(Integral, 0, None, closed="left")],
        "update_every": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        estimator=None,
        *,
        rho=2.0,
        threshold=0.1,
        admm_iter=3000,
        admm_retrain_iter=3000,
        update_every=100,
        learning_rate=0.01,
    ):
        self.estimator = estimator
        self.rho = rho
        self.threshold = threshold
        self.admm_iter = admm_iter
        self.admm_retrain_iter = admm_retrain_iter
        self.update_every = update_every
        self.learning_rate = learning_rate

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Search, then prune by ADMM.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs (scaled internally, as by ``SWATRegressor``).
        y : array-like of shape (n_samples,)
            Training targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the squared error, for the search and the pruning.

        Returns
        -------
        self : SWATADMMRegressor
            The fitted estimator.
        """
        start = time.perf_counter()
        if self.estimator is None:
            search = SWATRegressor(lambda_s=0.0, prune_neurons=False)
        elif isinstance(self.estimator, SWATRegressor):
            search = clone(self.estimator)
        else:
            raise TypeError(
                "estimator must be a SWATRegressor (or None for SWATRegressor(lambda_s=0.0, "
                f"prune_neurons=False)), got {type(self.estimator).__name__}."
            )
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, ensure_min_samples=2)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        search.fit(X, y, sample_weight=sample_weight)

        # The scaling SWATRegressor.fit applied: the unpruned network was trained on these values.
        Xs, ys, sample_weight = self._fit_scaling(X, y, sample_weight)

        self.mlp_ = admm_prune_mlp(
            search.mlp_,
            Xs,
            ys,
            rho=self.rho,
            threshold=self.threshold,
            n_iter=self.admm_iter,
            update_every=self.update_every,
            retrain_iter=self.admm_retrain_iter,
            learning_rate=self.learning_rate,
            sample_weight=sample_weight,
            device=search.device_,
        )
        self.estimator_ = search
        self.unpruned_mlp_ = search.mlp_
        self.n_nonzero_ = self.mlp_.n_nonzero
        self.architecture_ = self.mlp_.architecture
        self.device_ = search.device_
        self.fit_time_ = time.perf_counter() - start
        return self
