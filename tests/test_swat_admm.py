"""Tests for SWATADMMRegressor (the Exp. 3 baseline: the search, then ADMM pruning)."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_swat import SWATRegressor, load_cornn
from sk_swat.baselines import DenseMLPRegressor, SWATADMMRegressor


def _small_swat_admm(**params):
    # A short search, refinement and pruning keep every common check under a second: most ask what
    # fit accepts, returns, validates and leaves unchanged, not how well it fits (tests/test_common.py).
    search = SWATRegressor(
        lambda_s=0.0, prune_neurons=False, max_iter=5, depths=(1,), n_restarts=1, refine_iter=10,
        refine_restarts=0, device="cpu", random_state=0,
    )
    params = {"admm_iter": 20, "admm_retrain_iter": 20, "update_every": 10, **params}
    return SWATADMMRegressor(search, **params)


#: The estimator of the common checks: half the ADMM steps again (the pruned network is the constant
#: one in 7 of the 29 checks that fit, one fewer than with 20 steps).
CHECKED = _small_swat_admm(admm_iter=10, admm_retrain_iter=10, update_every=5)


#: check name -> parameters of a fit that really fits, for the checks that score the fit
#: (check_regressors_train asks for R^2 > 0.5, as in tests/test_common.py).
ACCURATE_FIT = {
    "check_regressors_train": {"estimator__refine_iter": 100, "admm_retrain_iter": 100},
}


@parametrize_with_checks(
    [CHECKED],
    expected_failed_checks=lambda est: {
        "check_sample_weight_equivalence_on_dense_data": (
            "the check fits 30 features; the autoencoder holds at most 16 (as for SWATRegressor, see "
            "tests/test_common.py)"
        )
    },
)
def test_swat_admm_sklearn_compatible(estimator, check):
    name = getattr(check, "func", check).__name__
    check(clone(estimator).set_params(**ACCURATE_FIT.get(name, {})))


def test_accurate_fit_names_real_checks():
    # A misspelt name would silently give that check the short fit.
    from sklearn.utils import estimator_checks

    assert all(callable(getattr(estimator_checks, name, None)) for name in ACCURATE_FIT)


def test_swat_admm_scales_as_swat_and_counts_as_swat():
    X, _, y, _ = load_cornn(53, scaled=False)
    X, y = X[:300], y[:300]
    reg = _small_swat_admm().fit(X, y)
    inner = reg.estimator_
    for ours, theirs in ((reg._x_scaler, inner._x_scaler), (reg._y_scaler, inner._y_scaler)):
        np.testing.assert_array_equal(ours.data_min_, theirs.data_min_)
        np.testing.assert_array_equal(ours.data_max_, theirs.data_max_)
    assert reg.unpruned_mlp_ is inner.mlp_ and reg.device_ == "cpu"
    assert reg.n_nonzero_ == reg.mlp_.n_nonzero <= inner.n_nonzero_
    kept = np.concatenate([np.abs(w[w != 0]) for w in reg.mlp_.weights])
    assert kept.size == 0 or kept.min() >= reg.threshold
    # Without ADMM steps or retraining the network is the search's, up to the float32 round trip.
    plain = _small_swat_admm(admm_iter=0, admm_retrain_iter=0, threshold=0.0).fit(X, y)
    np.testing.assert_allclose(plain.predict(X), inner.predict(X), rtol=1e-4, atol=1e-4 * np.ptp(y))


def test_swat_admm_refuses_other_estimators():
    X, y = np.random.RandomState(0).uniform(-1, 1, (20, 2)), np.arange(20.0)
    with pytest.raises(TypeError, match="must be a SWATRegressor"):
        SWATADMMRegressor(DenseMLPRegressor(max_iter=2)).fit(X, y)
