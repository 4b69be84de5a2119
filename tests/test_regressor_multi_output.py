"""SWATRegressor with several targets: one network, shared hidden layers, one output per column.

The search runs on a small randomly initialised autoencoder whose layout holds 7 outputs: these tests
check what fit accepts and returns, and scikit-learn's multi-output checks, not how well a trained
autoencoder fits.
"""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils.estimator_checks import check_regressor_multioutput, check_supervised_y_2d

from sk_swat import SWATRegressor
from sk_swat.autoencoder.loading import BUNDLED_DIR

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def targets():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (80, 2))
    # Three affine maps of one tanh neuron: one network with a shared hidden layer fits all three exactly.
    shared = np.tanh(2 * X[:, 0] - X[:, 1])
    Y = np.c_[shared, 2 * shared + 1, 0.5 - shared]
    return X, Y


def _small(autoencoder, **params):
    return SWATRegressor(autoencoder=autoencoder, max_iter=5, depths=(1, 2), n_restarts=1, refine_iter=20,
                         random_state=0, **params)


def test_one_network_predicts_every_column(seven_output_autoencoder, targets):
    X, Y = targets
    reg = _small(seven_output_autoencoder).fit(X, Y)
    assert reg.n_outputs_ == 3 and reg.mlp_.n_outputs == 3
    prediction = reg.predict(X)
    assert prediction.shape == (80, 3)
    assert all(mlp.n_outputs == 3 for mlp in reg.candidates_["mlp"])
    assert np.mean((prediction - Y) ** 2, axis=0).max() < 1e-6 * Y.var(axis=0).min()
    # The exported module computes the same.
    module = reg.to_torch(dtype=torch.float64)
    np.testing.assert_allclose(module(torch.from_numpy(X)).detach().numpy(), prediction, rtol=1e-9, atol=1e-9)


def test_fewer_columns_than_the_layout_holds(seven_output_autoencoder, targets):
    X, Y = targets
    reg = _small(seven_output_autoencoder).fit(X, Y[:, :2])
    assert reg.predict(X).shape == (80, 2)
    assert _small(seven_output_autoencoder).fit(X, Y[:, 0]).predict(X).shape == (80,)


def test_a_column_vector_is_one_output_without_a_warning(seven_output_autoencoder, targets, recwarn):
    X, Y = targets
    column = _small(seven_output_autoencoder).fit(X, Y[:, :1])
    flat = _small(seven_output_autoencoder).fit(X, Y[:, 0])
    assert not [w for w in recwarn if "column-vector" in str(w.message)]
    np.testing.assert_array_equal(column.predict(X), flat.predict(X))


def test_more_columns_than_the_autoencoder_embeds_are_refused(seven_output_autoencoder, targets):
    X, Y = targets
    with pytest.raises(ValueError, match="y has 8 columns, but the autoencoder embeds networks of at most 7"):
        _small(seven_output_autoencoder).fit(X, np.c_[Y, Y, Y[:, :2]])


def test_the_multi_output_tag_follows_the_autoencoder(seven_output_autoencoder, tiny_autoencoder):
    assert _small(seven_output_autoencoder).__sklearn_tags__().target_tags.multi_output
    assert not SWATRegressor(autoencoder=tiny_autoencoder).__sklearn_tags__().target_tags.multi_output
    # The bundled autoencoder embeds several outputs, read from its config without loading it.
    assert SWATRegressor().__sklearn_tags__().target_tags.multi_output
    assert SWATRegressor(autoencoder=BUNDLED_DIR).__sklearn_tags__().target_tags.multi_output


def test_a_one_output_autoencoder_refuses_several_columns(targets, tiny_autoencoder):
    X, Y = targets
    with pytest.raises(ValueError, match="y has 3 columns, but the autoencoder embeds networks of one output"):
        _small(tiny_autoencoder).fit(X, Y)


def test_the_default_fits_several_columns_with_the_bundled_autoencoder(targets):
    X, Y = targets
    reg = SWATRegressor(depths=(1,), max_iter=50, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (80, 3) and reg.mlp_.n_outputs == 3
    assert reg.score(X, Y) > 0.999
    by_path = clone(reg).set_params(autoencoder=BUNDLED_DIR).fit(X, Y)
    np.testing.assert_array_equal(reg.predict(X), by_path.predict(X))


@pytest.mark.parametrize("check", [check_regressor_multioutput, check_supervised_y_2d])
def test_scikit_learn_multi_output_checks(seven_output_autoencoder, check):
    check("SWATRegressor", clone(_small(seven_output_autoencoder, prune_neurons=False)))
