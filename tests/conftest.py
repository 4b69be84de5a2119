"""Shared fixtures: small, fast settings for the estimator tests (the test machine is shared, 2 cores)."""

import numpy as np
import pytest
import torch

#: Estimator settings that keep a fit well under a second once the autoencoder is loaded:
#: a handful of search steps, one depth, one restart, a short refinement.
SMALL = {"max_iter": 5, "depths": (1,), "n_restarts": 1, "refine_iter": 5, "random_state": 0}


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module's tests (``pytestmark = pytest.mark.usefixtures("one_torch_thread")``).

    The machine is shared; one thread keeps tiny models fast and deterministic.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def small_params():
    """Keyword arguments of a quick ``SWATRegressor`` (a fresh dict per test)."""
    return dict(SMALL)


@pytest.fixture(scope="session")
def regression_data():
    """A smooth 2-feature regression problem of 60 rows."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (60, 2))
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] ** 2
    return X, y


@pytest.fixture(scope="session")
def data():
    """A 2-feature problem of 40 rows for the search and refinement tests."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (40, 2))
    y = np.tanh(2 * X[:, 0]) * X[:, 1]
    return X, y


@pytest.fixture(scope="session")
def bundled_autoencoder():
    """The autoencoder that ships with the package, loaded once (frozen, CPU)."""
    from sk_swat.autoencoder import load_autoencoder

    return load_autoencoder()


@pytest.fixture(scope="session")
def tiny_autoencoder():
    """A small randomly initialised autoencoder: search tests must not depend on trained weights."""
    from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig

    config = SWATAutoencoderConfig(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = SWATAutoencoder(config)
    return model.eval().requires_grad_(False)


@pytest.fixture(scope="session")
def seven_output_autoencoder():
    """A small randomly initialised autoencoder whose token layout holds 7 outputs (multi-output tests)."""
    from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig

    config = SWATAutoencoderConfig(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1, max_outputs=7)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = SWATAutoencoder(config)
    return model.eval().requires_grad_(False)
