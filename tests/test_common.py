"""scikit-learn's common estimator checks on ``SWATRegressor`` (imbalanced-learn's test_common.py style).

Every check of ``sklearn.utils.estimator_checks`` runs on a small ``SWATRegressor``. A check that cannot
pass is listed, with its reason, in ``EXPECTED_FAILURES`` below and nowhere else; each entry is a defect to
remove, and ``test_expected_failures_still_fail_for_their_reason`` keeps the list honest.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.utils import shuffle
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    parametrize_with_checks,
)

from sk_swat import SWATRegressor
from sk_swat.encoding import MAX_INPUTS


def _tested_estimators():
    # A short search and a short refinement keep every check well under a second: most checks ask
    # what fit accepts, returns, validates and leaves unchanged, not how well it fits. All 7 neurons
    # are kept so that no check hinges on how many neurons a particular set of weights prunes.
    small = dict(max_iter=5, depths=(1,), n_restarts=1, prune_neurons=False, refine_restarts=0, random_state=0)
    # The default, validated hardening (its pruning refines after every weight it drops: two
    # refinement iterations keep that short). On the checks' small random data it often keeps no
    # weight at all (in 10 of the 30 checks that fit, every fit is the constant network), and a
    # constant passes the checks that compare predictions (pickling, subsets and order of the rows,
    # int inputs, pipelines) whatever predict does with X.
    yield SWATRegressor(refine_iter=2, **small)
    # So every check runs on the learned hardening as well, which keeps weights in every one of them.
    yield SWATRegressor(hardening="learned", refine_iter=10, **small)


#: check name -> parameters of a fit that really fits, for the checks that score the fit.
#: check_regressors_train asks for R^2 > 0.5 on a 10-feature linear problem; five search steps
#: leave the decoded network far from the data, so the refinement does that fitting. With these
#: settings R^2 is about 0.8 (validated hardening) and 0.9 (learned); with 10 refinement
#: iterations, about 0.5.
ACCURATE_FIT = {
    "check_regressors_train": {"refine_iter": 100},
}


#: check name -> why it cannot pass. Ideally empty; every entry is a defect to remove.
EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        f"the check fits X of shape (15, 30); the autoencoder's token layout holds at most {MAX_INPUTS} "
        "inputs, so fit rightly raises. The same check with 5 features passes: see "
        "test_sample_weight_equivalence_with_supported_number_of_features."
    ),
}


def _get_expected_failed_checks(estimator):
    return EXPECTED_FAILURES


@parametrize_with_checks(list(_tested_estimators()), expected_failed_checks=_get_expected_failed_checks)
def test_estimators_compatibility_sklearn(estimator, check):
    name = getattr(check, "func", check).__name__
    check(clone(estimator).set_params(**ACCURATE_FIT.get(name, {})))


def test_accurate_fit_names_real_checks():
    # A misspelt name would silently give that check the short fit.
    from sklearn.utils import estimator_checks

    assert all(callable(getattr(estimator_checks, name, None)) for name in ACCURATE_FIT)


def test_expected_failures_still_fail_for_their_reason():
    # If this starts to pass, remove the entry from EXPECTED_FAILURES.
    assert set(EXPECTED_FAILURES) == {"check_sample_weight_equivalence_on_dense_data"}
    estimator = next(_tested_estimators())
    message = f"X has 30 features, but the autoencoder supports at most {MAX_INPUTS}"
    with pytest.raises(ValueError, match=message):
        check_sample_weight_equivalence_on_dense_data("SWATRegressor", estimator)


def test_sample_weight_equivalence_with_supported_number_of_features():
    """sklearn's `check_sample_weight_equivalence_on_dense_data` with 5 features instead of 30.

    Integer weights (zeros included) must give the model that repeating (or dropping) rows gives. This
    holds for ``validation_fraction=0`` and data no larger than ``batch_size`` (full-batch steps): a
    validation split or a mini-batch draws rows, and n repeated rows are drawn differently from one
    row of weight n. The search runs in float32, so the two fits agree to rounding, not bit for bit.
    """
    rng = np.random.RandomState(42)
    n_samples = 15
    X = rng.rand(n_samples, 5)
    y = rng.randint(0, 3, size=n_samples).astype(float)
    sw = rng.randint(0, 5, size=n_samples)
    X_repeated, y_repeated = X.repeat(sw, axis=0), y.repeat(sw)
    X_weighted, y_weighted, sw = shuffle(X, y, sw, random_state=0)

    params = {"max_iter": 5, "depths": (1, 2), "n_restarts": 2, "refine_iter": 5,
              "validation_fraction": 0.0, "random_state": 0}
    repeated = SWATRegressor(**params).fit(X_repeated, y_repeated)
    weighted = SWATRegressor(**params).fit(X_weighted, y_weighted, sample_weight=sw)
    assert_allclose(weighted.predict(X), repeated.predict(X), rtol=1e-4, atol=1e-5)
    assert weighted.n_nonzero_ == repeated.n_nonzero_
