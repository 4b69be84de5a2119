"""Tests for sk_swat.mlp.SparseMLP: forward, counts, architecture, compact/padded, torch export."""

import warnings

import numpy as np
import pytest
import torch

from sk_swat.activations import LEAKY_RELU_SLOPE
from sk_swat.mlp import SparseMLP
from sk_swat.activations import NeuronwiseActivation

DEPTHS = [1, 2, 3, 4]
INPUT_COUNTS = [1, 2, 10, 16]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _leaky(z):
    return np.maximum(z, 0) + LEAKY_RELU_SLOPE * np.minimum(z, 0)


def _hand_network(output_bias=0.0):
    """3 inputs -> 3 neurons (the middle one pruned) -> 2 neurons -> 1 output.

    Non-zero parameters that count: W1 columns 0 and 2: 1, 5, 4 (3); b1 of kept neurons: 0.5 (1,
    b1[1] = 0.7 belongs to the pruned neuron); W2 rows 0 and 2: 1, 4 (2); b2: -1 (1); W3: 2 (1);
    output bias if non-zero. Total 8 (+1).
    """
    return SparseMLP(
        weights=[
            [[1.0, 2.0, 0.0], [0.0, 3.0, 4.0], [5.0, 6.0, 0.0]],
            [[1.0, 0.0], [2.0, 3.0], [0.0, 4.0]],
            [[2.0], [0.0]],
        ],
        biases=[[0.5, 0.7, 0.0], [0.0, -1.0], [output_bias]],
        activations=[["tanh", "sigmoid", "leaky_relu"], ["leaky_relu", "sigmoid"]],
        masks=[[True, False, True], [True, True]],
    )


def _hand_predict(X, output_bias=0.0):
    W1 = np.array([[1.0, 0.0], [0.0, 4.0], [5.0, 0.0]])  # kept columns 0 and 2
    h1 = np.stack([np.tanh(X @ W1[:, 0] + 0.5), _leaky(X @ W1[:, 1] + 0.0)], axis=1)
    W2 = np.array([[1.0, 0.0], [0.0, 4.0]])  # kept rows 0 and 2
    z2 = h1 @ W2 + np.array([0.0, -1.0])
    h2 = np.stack([_leaky(z2[:, 0]), _sigmoid(z2[:, 1])], axis=1)
    return h2 @ np.array([2.0, 0.0]) + output_bias


def _random_with_zeros(n_inputs, depth, seed, width=7):
    rng = np.random.RandomState(seed)
    base = SparseMLP.random(n_inputs, depth, width=width, random_state=rng)
    weights = [w * (rng.uniform(size=w.shape) >= 0.25) for w in base.weights]
    return SparseMLP(weights, base.biases, base.activations, base.masks)


# --------------------------------------------------------------------------- hand-written network


def test_hand_network_n_nonzero():
    assert _hand_network().n_nonzero == 8
    assert _hand_network(output_bias=0.3).n_nonzero == 9
    assert _hand_network().n_neurons == 4


def test_hand_network_pruned_parameters_are_zeroed():
    mlp = _hand_network()
    assert not mlp.weights[0][:, 1].any()
    assert not mlp.weights[1][1, :].any()
    assert mlp.biases[0][1] == 0.0
    assert mlp.activations[0][1] == 0
    # the kept parameters are untouched
    np.testing.assert_array_equal(mlp.weights[0][:, 0], [1.0, 0.0, 5.0])
    np.testing.assert_array_equal(mlp.weights[1][2], [0.0, 4.0])


def test_docstring_example_n_nonzero():
    mlp = SparseMLP(
        weights=[[[1.0, 0.0], [0.0, 2.0]], [[3.0], [0.0]]],
        biases=[[0.0, 0.5], [0.1]],
        activations=[["tanh", "sigmoid"]],
        masks=[[True, False]],
    )
    assert mlp.n_nonzero == 3  # w=1, w_out=3, output bias 0.1


def test_hand_network_architecture():
    assert _hand_network().architecture == {
        "n_layers": 2,
        "hidden_layer_sizes": [2, 2],
        "activations": [["tanh", "leaky_relu"], ["leaky_relu", "sigmoid"]],
    }
    assert _hand_network().hidden_widths == (3, 2)
    assert (_hand_network().depth, _hand_network().n_inputs) == (2, 3)


def test_hand_network_predict():
    X = np.random.default_rng(0).uniform(-2, 2, (25, 3))
    for b in (0.0, 0.3):
        np.testing.assert_allclose(_hand_network(b).predict(X), _hand_predict(X, b), rtol=1e-13, atol=1e-13)


def test_each_activation_by_hand():
    z = np.array([[-3.0], [-0.5], [0.0], [0.5], [3.0]])
    expected = {"sigmoid": _sigmoid(z[:, 0]), "tanh": np.tanh(z[:, 0]), "leaky_relu": _leaky(z[:, 0])}
    for code, name in enumerate(("sigmoid", "tanh", "leaky_relu")):
        for act in (name, code):
            mlp = SparseMLP([[[1.0]], [[1.0]]], [[0.0], [0.0]], [[act]])
            np.testing.assert_allclose(mlp.predict(z), expected[name], rtol=1e-14)


def test_activation_names_and_codes_are_equivalent():
    a = SparseMLP([np.ones((1, 3)), np.ones((3, 1))], [np.zeros(3), [0.0]], [["sigmoid", "tanh", "leaky_relu"]])
    b = SparseMLP([np.ones((1, 3)), np.ones((3, 1))], [np.zeros(3), [0.0]], [[0, 1, 2]])
    assert a == b


def test_equality():
    a = _hand_network()
    # differs only in parameters of the pruned neuron -> equal
    b = SparseMLP(
        weights=[
            [[1.0, -9.0, 0.0], [0.0, 9.0, 4.0], [5.0, 9.0, 0.0]],
            [[1.0, 0.0], [-7.0, 7.0], [0.0, 4.0]],
            [[2.0], [0.0]],
        ],
        biases=[[0.5, 3.0, 0.0], [0.0, -1.0], [0.0]],
        activations=[["tanh", "tanh", "leaky_relu"], ["leaky_relu", "sigmoid"]],
        masks=[[True, False, True], [True, True]],
    )
    assert a == b
    assert a != _hand_network(output_bias=1.0)
    assert a != a.compact()  # different widths
    assert (a == "not an mlp") is False


# --------------------------------------------------------------------------- compact / padded


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("n_inputs", INPUT_COUNTS)
def test_compact_and_padded_keep_the_function(depth, n_inputs):
    mlp = _random_with_zeros(n_inputs, depth, seed=10 * depth + n_inputs)
    X = np.random.default_rng(1).uniform(-1, 1, (30, n_inputs))
    y = mlp.predict(X)

    small = mlp.compact()
    assert small.hidden_widths == tuple(int(m.sum()) for m in mlp.masks)
    assert all(m.all() for m in small.masks)
    assert small.n_nonzero == mlp.n_nonzero
    assert small.architecture == mlp.architecture
    np.testing.assert_allclose(small.predict(X), y, rtol=1e-13, atol=1e-13)

    wide = mlp.padded(9)
    assert wide.hidden_widths == (9,) * depth
    assert all(not m[7:].any() for m in wide.masks)
    assert wide.n_nonzero == mlp.n_nonzero
    assert wide.architecture == mlp.architecture
    np.testing.assert_allclose(wide.predict(X), y, rtol=1e-13, atol=1e-13)  # BLAS sums in another order
    assert wide.compact() == small
    assert mlp.padded(7) == mlp


def test_padded_narrower_than_widest_layer_raises():
    with pytest.raises(ValueError, match="Cannot pad"):
        _hand_network().padded(2)


def test_compact_of_a_layer_with_no_kept_neuron():
    mlp = SparseMLP([np.ones((2, 2)), np.ones((2, 1))], [np.ones(2), [0.5]], [[0, 1]], masks=[[False, False]])
    assert mlp.compact().hidden_widths == (0,)
    np.testing.assert_array_equal(mlp.compact().predict(np.ones((3, 2))), [0.5, 0.5, 0.5])
    assert mlp.n_nonzero == 1


# --------------------------------------------------------------------------- torch export


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("n_inputs", INPUT_COUNTS)
def test_to_torch_matches_predict_float64(depth, n_inputs):
    mlp = _random_with_zeros(n_inputs, depth, seed=depth * 31 + n_inputs)
    module = mlp.to_torch(dtype=torch.float64)
    X = np.random.default_rng(2).uniform(-3, 3, (40, n_inputs))
    with torch.no_grad():
        out = module(torch.from_numpy(X))
    assert out.shape == (40, 1) and out.dtype == torch.float64
    np.testing.assert_allclose(out[:, 0].numpy(), mlp.predict(X), rtol=1e-12, atol=1e-12)


def test_to_torch_structure():
    mlp = _hand_network(output_bias=0.3)
    module = mlp.to_torch()
    assert isinstance(module, torch.nn.Sequential)
    linears = [m for m in module if isinstance(m, torch.nn.Linear)]
    acts = [m for m in module if isinstance(m, NeuronwiseActivation)]
    assert [(l.in_features, l.out_features) for l in linears] == [(3, 2), (2, 2), (2, 1)]
    assert [a.codes.tolist() for a in acts] == [[1, 2], [2, 0]]
    assert all(p.dtype == torch.float32 for p in module.parameters())
    np.testing.assert_array_equal(linears[0].weight.detach().numpy(), [[1.0, 0.0, 5.0], [0.0, 4.0, 0.0]])
    assert linears[2].bias.item() == pytest.approx(0.3)
    X = np.random.default_rng(3).uniform(-1, 1, (10, 3))
    with torch.no_grad():
        out = module(torch.from_numpy(X).float())[:, 0].numpy()
    np.testing.assert_allclose(out, mlp.predict(X), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- random


def test_random_is_reproducible_and_in_range():
    a = SparseMLP.random(4, 3, random_state=5)
    assert a == SparseMLP.random(4, 3, random_state=5)
    assert a != SparseMLP.random(4, 3, random_state=6)
    assert a == SparseMLP.random(4, 3, random_state=np.random.RandomState(5))
    mlps = [SparseMLP.random(3, 2, random_state=s) for s in range(200)]
    for m in mlps:
        assert all(mask.sum() >= 1 for mask in m.masks)
        assert all(np.abs(w).max() <= 5 for w in m.weights)
        assert all(np.abs(b).max() <= 1 for b in m.biases)
    keep = np.mean([mask.mean() for m in mlps for mask in m.masks])
    # kept with probability 0.5, plus one forced neuron: 0.5 + 0.5 / 7
    assert keep == pytest.approx(0.5 + 0.5 / 7, abs=0.03)


# --------------------------------------------------------------------------- numerical safety


@pytest.mark.parametrize("scale", [1e3, 1e6, 1e100])
def test_predict_is_safe_for_large_inputs(scale):
    mlps = [SparseMLP.random(3, depth, keep_probability=1.0, random_state=depth) for depth in DEPTHS]
    X = np.random.default_rng(0).uniform(-scale, scale, (50, 3))
    for mlp in mlps:
        with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
            warnings.simplefilter("error")
            y = mlp.predict(X)
        assert np.all(np.isfinite(y))


def test_saturated_sigmoid_is_exact():
    mlp = SparseMLP([[[1.0]], [[1.0]]], [[0.0], [0.0]], [["sigmoid"]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        y = mlp.predict(np.array([[-1e6], [-800.0], [800.0], [1e6]]))
    np.testing.assert_array_equal(y, [0.0, 0.0, 1.0, 1.0])


# --------------------------------------------------------------------------- invalid input


def _ok():
    return dict(weights=[np.ones((2, 3)), np.ones((3, 1))], biases=[np.zeros(3), np.zeros(1)], activations=[[0, 1, 2]])


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(weights=[np.ones((2, 1))]), "at least 2 matrices"),
        (dict(weights=np.ones((2, 2))), "at least 2 matrices"),
        (dict(weights=[np.ones((2, 3)), np.ones((4, 1))]), r"weights\[1\] has 4 rows but layer 1 has 3 neurons"),
        (dict(biases=[np.zeros(3)]), "Expected 2 bias vectors"),
        (dict(biases=[np.zeros(2), np.zeros(1)]), r"biases\[0\] must have shape \(3,\)"),
        (dict(activations=[]), "Expected 1 activation vectors"),
        (dict(activations=[["sigmoid", "relu", "tanh"]]), "Unknown activation 'relu'"),
        (dict(activations=[[0, 1, 3]]), "Activation codes are 0..2"),
        (dict(activations=[[0, 1, 1.5]]), "Activation codes are 0..2"),
        (dict(activations=[[0, 1]]), "Expected 3 activations"),
        (dict(masks=[[True, False]]), r"masks\[0\] must have 3 entries"),
        (dict(masks=[[True] * 3, [True]]), "Expected 1 mask vectors"),
    ],
)
def test_invalid_construction_raises(change, match):
    kwargs = {**_ok(), **change}
    with pytest.raises(ValueError, match=match):
        SparseMLP(**kwargs)


def test_valid_construction_baseline():
    assert SparseMLP(**_ok()).hidden_widths == (3,)


@pytest.mark.parametrize("X", [np.zeros((4, 3)), np.zeros(2), np.zeros((2, 2, 2))])
def test_predict_wrong_shape_raises(X):
    mlp = SparseMLP(**_ok())
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\)"):
        mlp.predict(X)


def test_predict_accepts_lists_and_returns_1d():
    y = SparseMLP(**_ok()).predict([[0.0, 0.0], [1.0, 1.0]])
    assert y.shape == (2,) and y.dtype == np.float64


def test_constructor_does_not_alias_the_callers_masks():
    mask = np.array([True, False])
    mlp = SparseMLP([np.ones((1, 2)), np.ones((2, 1))], [np.ones(2), [0.0]], [["tanh", "tanh"]], masks=[mask])
    mask[1] = True  # the caller reuses its array
    assert mlp.architecture["hidden_layer_sizes"] == [1]
    assert mlp.n_neurons == 1


@pytest.mark.parametrize("seed", range(4))
def test_summary_has_one_formula_per_kept_neuron_with_its_nonzero_weights(seed):
    mlp = SparseMLP.random(n_inputs=3, depth=1 + seed % 3, keep_probability=0.6, random_state=seed)
    mlp.weights[0][1] = 0.0  # input x1 unused
    lines = mlp.summary(["a", "b", "c"]).splitlines()
    assert "inputs unused: b" in lines
    for j, mask in enumerate(mlp.masks):
        formulas = [line for line in lines if line.startswith(f"  h{j + 1}_")]
        assert len(formulas) == mask.sum()
        for line, h in zip(formulas, np.flatnonzero(mask)):
            assert line.count("*") == np.count_nonzero(mlp.weights[j][:, h])
    assert lines[-1].count("*") == np.count_nonzero(mlp.weights[-1])
    with pytest.raises(ValueError, match="feature_names has 2 names"):
        mlp.summary(["a", "b"])


@pytest.mark.parametrize("depth", DEPTHS)
def test_each_output_of_a_multi_output_network_is_its_own_single_output_network(depth):
    mlp = SparseMLP.random(n_inputs=3, depth=depth, n_outputs=3, random_state=depth)
    X = np.random.RandomState(0).uniform(-1, 1, (50, 3))
    out = mlp.predict(X)
    assert mlp.n_outputs == 3 and out.shape == (50, 3)
    for k in range(3):
        single = SparseMLP(mlp.weights[:-1] + [mlp.weights[-1][:, [k]]], mlp.biases[:-1] + [mlp.biases[-1][[k]]],
                           mlp.activations, mlp.masks)
        np.testing.assert_allclose(out[:, k], single.predict(X), rtol=1e-12, atol=1e-12)
    module = mlp.to_torch(dtype=torch.float64)
    np.testing.assert_allclose(module(torch.from_numpy(X)).detach().numpy(), out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mlp.compact().predict(X), out, rtol=1e-12, atol=1e-12)


def test_random_with_one_output_draws_as_before():
    assert SparseMLP.random(n_inputs=2, depth=2, n_outputs=1, random_state=3) == SparseMLP.random(
        n_inputs=2, depth=2, random_state=3)


def test_summary_names_each_output():
    mlp = SparseMLP([[[1.0, 2.0]], [[3.0, 0.0], [0.0, -1.0]]], [[0.0, 0.0], [0.5, 0.0]], [["tanh", "leaky_relu"]])
    lines = mlp.summary(["a"]).splitlines()
    assert lines[-2:] == ["output 1 = 3*h1_1 + 0.5", "output 2 = -1*h1_2"]


def test_an_output_layer_without_columns_is_refused():
    with pytest.raises(ValueError, match="at least one column"):
        SparseMLP([np.ones((2, 3)), np.ones((3, 0))], [np.zeros(3), np.zeros(0)], [[0, 0, 0]])
