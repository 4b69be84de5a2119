"""Tests of the choices a user steers after or around a fit: ``max_nonzero``, ``pareto_front_``, ``summary``."""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sk_swat import SWATRegressor

PARAMS = {"max_iter": 8, "depths": (1, 2), "n_restarts": 2, "refine_iter": 5, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(1)
    X = rng.uniform(-1, 1, (80, 3))
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] ** 2
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    return SWATRegressor(**PARAMS).fit(*data)


def test_max_nonzero_picks_the_most_accurate_candidate_within_the_budget(data, fitted):
    c = fitted.candidates_
    for budget in np.unique(c["n_nonzero"]):
        reg = SWATRegressor(max_nonzero=int(budget), **PARAMS).fit(*data)
        # the same search (same random_state): only the choice differs
        assert_array_equal(reg.candidates_["n_nonzero"], c["n_nonzero"])
        assert_array_equal(reg.candidates_["validation_mse"], c["validation_mse"])
        (chosen,) = np.flatnonzero(reg.candidates_["chosen"])
        within = c["n_nonzero"] <= budget
        assert within[chosen]
        assert c["validation_mse"][chosen] == c["validation_mse"][within].min()
        assert reg.mlp_ is reg.candidates_["mlp"][chosen]
        assert reg.n_nonzero_ == c["n_nonzero"][chosen] <= budget
        assert reg.architecture_ == reg.mlp_.architecture


def test_max_nonzero_below_every_candidate_keeps_the_sparsest_with_a_warning(data, fitted):
    smallest = int(fitted.candidates_["n_nonzero"].min())
    with pytest.warns(UserWarning, match=rf"No candidate has at most max_nonzero=1 .* with {smallest}\."):
        reg = SWATRegressor(max_nonzero=1, **PARAMS).fit(*data)
    assert reg.n_nonzero_ == smallest


def test_max_nonzero_none_keeps_the_tolerance_rule(data, fitted):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = SWATRegressor(max_nonzero=None, **PARAMS).fit(*data)
    assert_array_equal(reg.candidates_["chosen"], fitted.candidates_["chosen"])


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10"])
def test_max_nonzero_must_be_a_positive_int(data, bad):
    with pytest.raises(InvalidParameterError, match="max_nonzero"):
        SWATRegressor(max_nonzero=bad, **PARAMS).fit(*data)


def test_pareto_front_is_the_set_of_undominated_candidates(fitted):
    c, front = fitted.candidates_, fitted.pareto_front_
    assert set(front) == {"candidate", "n_nonzero", "validation_mse", "depth", "hidden_layer_sizes", "chosen"}
    assert all(len(v) == len(front["candidate"]) > 0 for v in front.values())
    # sparsest first, each point more accurate than the last
    assert (np.diff(front["n_nonzero"]) > 0).all()
    assert (np.diff(front["validation_mse"]) < 0).all()
    for key in ("n_nonzero", "validation_mse", "depth", "hidden_layer_sizes", "chosen"):
        assert_array_equal(front[key], c[key][front["candidate"]])
    on_front = set(front["candidate"].tolist())
    for i in range(len(c["n_nonzero"])):
        beaten_by = (c["n_nonzero"] <= c["n_nonzero"][i]) & (c["validation_mse"] <= c["validation_mse"][i])
        beaten_by &= (c["n_nonzero"] < c["n_nonzero"][i]) | (c["validation_mse"] < c["validation_mse"][i])
        assert (i in on_front) == (not beaten_by.any())
    # the best candidate is the last point
    assert front["validation_mse"][-1] == c["validation_mse"].min()


def test_summary_names_the_inputs_and_every_kept_neuron(fitted):
    text = fitted.summary(["speed", "angle", "mass"])
    lines = text.splitlines()
    assert lines[0].startswith("SWATRegressor, validation MSE")
    assert f"{fitted.n_nonzero_} non-zero parameters" in lines[1]
    used = fitted.mlp_.weights[0].any(axis=1)
    names = np.array(["speed", "angle", "mass"])
    assert lines[2] == f"inputs used ({used.sum()} of 3): " + ", ".join(names[used])
    neurons = [line for line in lines if re.match(r"  h\d+_\d+ = ", line)]
    assert len(neurons) == fitted.mlp_.n_neurons
    assert lines[-1].startswith("output = ")
    assert "x0" not in text
    # by default the inputs are x0, x1, ...
    assert "inputs used" in fitted.summary() and "speed" not in fitted.summary()
    with pytest.raises(ValueError, match="feature_names has 2 names but the network has 3 inputs"):
        fitted.summary(["a", "b"])


def test_summary_uses_the_column_names_of_a_dataframe(data):
    pd = pytest.importorskip("pandas", reason="a DataFrame needs pandas")
    X, y = data
    reg = SWATRegressor(**PARAMS).fit(pd.DataFrame(X, columns=["speed", "angle", "mass"]), y)
    assert "x0" not in reg.summary()
    assert any(name in reg.summary() for name in ("speed", "angle", "mass"))


def test_summary_needs_a_fit():
    with pytest.raises(NotFittedError):
        SWATRegressor().summary()
