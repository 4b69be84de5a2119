"""Tests for sk_swat.compression (compose, compress) and SparseMLP.from_torch."""

import numpy as np
import pytest
import torch

from sk_swat import compress
from sk_swat.activations import LEAKY_RELU_SLOPE, NUMPY_ACTIVATIONS
from sk_swat.compression import compose, relative_functional_error
from sk_swat.mlp import SparseMLP


def _X(n_inputs, n=200, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, (n, n_inputs))


@pytest.mark.parametrize("depths", [(1, 1), (2, 3), (4, 1, 2)])
def test_compose_computes_what_its_parts_compute(depths):
    widths = [3, 4, 2]
    parts = [SparseMLP.random(n_inputs=2 if i == 0 else widths[i - 1], depth=d,
                              n_outputs=widths[i] if i < len(depths) - 1 else 1, random_state=i)
             for i, d in enumerate(depths)]
    joins = [np.random.RandomState(5 + i).randint(3, size=widths[i]) for i in range(len(depths) - 1)]
    X = _X(2)
    expected = X
    for i, part in enumerate(parts):
        expected = part.predict(expected).reshape(len(X), -1)
        if i < len(joins):
            expected = np.column_stack([NUMPY_ACTIVATIONS[c](expected[:, [k]])[:, 0] for k, c in enumerate(joins[i])])
    whole = compose(parts, joins)
    assert whole.depth == sum(depths) + len(joins)
    np.testing.assert_allclose(whole.predict(X), expected[:, 0], rtol=1e-10, atol=1e-10)


def test_compose_refuses_mismatched_parts():
    f = SparseMLP.random(n_inputs=2, depth=1, n_outputs=3, random_state=0)
    g = SparseMLP.random(n_inputs=2, depth=1, random_state=1)
    with pytest.raises(ValueError, match="Network 1 has 2 inputs but network 0 has 3 outputs"):
        compose([f, g], [["tanh"] * 3])
    with pytest.raises(TypeError, match="network 1 is a str"):
        compose([f, "g"], [["tanh"] * 3])
    with pytest.raises(ValueError, match="2 networks have 1 joins, but 0 activation vectors"):
        compose([f, g], [])


def test_from_torch_reads_what_to_torch_writes():
    mlp = SparseMLP.random(n_inputs=3, depth=3, n_outputs=2, random_state=4).compact()
    back = SparseMLP.from_torch(mlp.to_torch(dtype=torch.float64))
    assert back == mlp


def test_from_torch_reads_plain_torch_layers_without_biases():
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(2, 4, bias=False), torch.nn.LeakyReLU(LEAKY_RELU_SLOPE),
                                 torch.nn.Linear(4, 3), torch.nn.Sigmoid(), torch.nn.Linear(3, 1)).double()
    mlp = SparseMLP.from_torch(module)
    X = _X(2)
    with torch.no_grad():
        expected = module(torch.from_numpy(X))[:, 0].numpy()
    np.testing.assert_allclose(mlp.predict(X), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("module, match", [
    (torch.nn.Linear(2, 1), "expects a torch.nn.Sequential"),
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)), "ReLU, not a supported"),
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2), torch.nn.Linear(3, 1)), "slope"),
    (torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh()), "got 2 modules"),
    (torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Linear(2, 3), torch.nn.Tanh()), "not a Linear"),
])
def test_from_torch_refuses_what_it_cannot_read(module, match):
    with pytest.raises((TypeError, ValueError), match=match):
        SparseMLP.from_torch(module)


def test_relative_functional_error():
    f = np.array([[0.0, 1.0], [2.0, 3.0]])
    assert relative_functional_error(f, f) == 0.0
    assert relative_functional_error(f, np.full_like(f, f.mean(axis=0))) == pytest.approx(1.0)
    assert relative_functional_error([1.0, 1.0], [1.0, 2.0]) == np.inf
    with pytest.raises(ValueError, match="shape"):
        relative_functional_error(f, f[:, 0])


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(network="mlp"), TypeError, "SparseMLP or a torch.nn.Sequential"),
    (dict(cuts=[0]), ValueError, "cuts must be hidden layers 1..5"),
    (dict(cuts=[6]), ValueError, "cuts must be hidden layers 1..5"),
    (dict(cuts=[]), ValueError, "cuts must be hidden layers 1..5"),
    (dict(part_params=[{}]), ValueError, "one dict per part"),
    (dict(n_samples=1), ValueError, "n_samples"),
    (dict(input_range=(1, -1)), ValueError, "input_range"),
    (dict(X=np.zeros((10, 3))), ValueError, r"X must have shape \(n_samples, 2\)"),
])
def test_compress_refuses_bad_input(kwargs, error, match):
    kwargs = {"network": SparseMLP.random(n_inputs=2, depth=5, random_state=0), **kwargs}
    with pytest.raises(error, match=match):
        compress(**kwargs)


def test_compress_composes_one_searched_replacement_per_part(seven_output_autoencoder):
    # A 7-layer leaky-ReLU network of 7 neurons without biases, as in the paper's study, cut at layer 4.
    rng = np.random.RandomState(0)
    sizes = [2] + [7] * 7 + [1]
    network = SparseMLP([rng.uniform(-1, 1, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
                        [np.zeros(b) for b in sizes[1:]], [["leaky_relu"] * 7] * 7)
    params = dict(autoencoder=seven_output_autoencoder, max_iter=5, n_restarts=1, refine_iter=30,
                  part_params=[{"depths": (1,)}, {"depths": (1,)}])
    small = compress(network, cuts=[4], n_samples=300, random_state=0, **params)
    again = compress(network, cuts=[4], n_samples=300, random_state=0, **params)
    assert small == again
    # One hidden layer, the cut layer (its 7 leaky-ReLU neurons), one hidden layer.
    assert small.n_inputs == 2 and small.n_outputs == 1 and small.depth == 3
    assert set(small.activations[1]) == {2}
    X = _X(2, n=500, seed=1)
    error = relative_functional_error(network.predict(X), small.predict(X))
    assert error < 0.05  # 0.007 measured
