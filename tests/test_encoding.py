"""Tests for sk_swat.encoding: the token-matrix layout and MLP <-> tokens conversion."""

import numpy as np
import pytest
import torch

from sk_swat.encoding import (
    ACTIVATIONS,
    MAX_DEPTH,
    MAX_INPUTS,
    MAX_NEURONS,
    N_TOKENS,
    TOKEN_WIDTH,
    layout,
    mlp_to_tokens,
    real_entries,
    split_tokens,
    tokens_to_mlp,
)
from sk_swat.mlp import SparseMLP

DEPTHS = [1, 2, 3, 4]
INPUT_COUNTS = [1, 2, 10, 16]


def _sparse_random_mlp(n_inputs, depth, seed, *, width=MAX_NEURONS, zero_fraction=0.3):
    """A random MLP with pruned neurons and some exactly-zero weights among the kept ones."""
    rng = np.random.RandomState(seed)
    base = SparseMLP.random(n_inputs, depth, width=width, keep_probability=0.6, random_state=rng)
    weights = [w * (rng.uniform(size=w.shape) >= zero_fraction) for w in base.weights]
    masks = [m.copy() for m in base.masks]
    if all(m.all() for m in masks):  # make sure there is a pruned neuron
        masks[0][0] = False
    return SparseMLP(weights, base.biases, base.activations, masks)


# --------------------------------------------------------------------------- layout


def test_constants():
    assert (N_TOKENS, TOKEN_WIDTH, MAX_DEPTH, MAX_INPUTS, MAX_NEURONS) == (7, 59, 4, 16, 7)
    assert ACTIVATIONS == ("sigmoid", "tanh", "leaky_relu")


def test_layout_columns_by_hand():
    lay = layout(4)
    assert lay.weights == (slice(0, 16), slice(20, 27), slice(31, 38), slice(42, 49))
    assert lay.biases == (16, 27, 38, 49)
    assert lay.activations == (slice(17, 20), slice(28, 31), slice(39, 42), slice(50, 53))
    assert (lay.output_weights, lay.output_bias) == (slice(53, 54), 54)
    assert lay.masks == slice(55, 59)
    # Shallower MLPs use the same columns, minus the deeper blocks.
    for depth in DEPTHS:
        sub = layout(depth)
        assert sub.depth == depth
        assert sub.weights == lay.weights[:depth]
        assert sub.biases == lay.biases[:depth]
        assert sub.activations == lay.activations[:depth]
        assert (sub.output_weights, sub.output_bias) == (slice(53, 54), 54)
        assert sub.masks == slice(55, 55 + depth)


def test_depth4_layout_partitions_every_column():
    lay = layout(4)
    cols = []
    for s in lay.weights + lay.activations + (lay.masks, lay.output_weights):
        cols += list(range(s.start, s.stop))
    cols += list(lay.biases) + [lay.output_bias]
    assert sorted(cols) == list(range(TOKEN_WIDTH))


# --------------------------------------------------------------------------- real entries


def _real_by_hand(depth, n_inputs):
    real = np.zeros((7, 59))
    real[:, 0:n_inputs] = 1  # W1.T
    real[:, 16:20] = 1  # bias + activation one-hot of layer 1
    for j in range(1, depth):  # blocks of 11 columns: 7 weights, bias, 3 one-hots
        real[:, 20 + 11 * (j - 1) : 20 + 11 * j] = 1
    real[:, 53] = 1  # output weights
    real[0, 54] = 1  # output bias (row 0 only)
    real[:, 55 : 55 + depth] = 1  # masks
    return real


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("n_inputs", INPUT_COUNTS)
def test_real_entries_by_hand(depth, n_inputs):
    real = real_entries(depth, n_inputs)
    assert real.shape == (N_TOKENS, TOKEN_WIDTH)
    assert real.dtype == np.float32
    assert set(np.unique(real)) <= {0.0, 1.0}
    # count: weights 7*n, layer-1 bias+one-hot 7*4, deeper blocks 7*11 each, output 7+1, masks 7*depth
    expected_count = 7 * n_inputs + 28 + 77 * (depth - 1) + 8 + 7 * depth
    assert int(real.sum()) == expected_count
    np.testing.assert_array_equal(real, _real_by_hand(depth, n_inputs))


def test_real_entries_is_read_only():
    real = real_entries(2, 3)
    with pytest.raises(ValueError):
        real[0, 0] = 5.0
    assert real_entries(2, 3)[0, 0] == 1.0


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("n_inputs", [1, 10])
def test_real_entries_are_exactly_what_mlps_can_use(depth, n_inputs):
    """Non-zero token entries of dense random MLPs stay inside the real channel and, over
    enough MLPs, fill all of it."""
    real = real_entries(depth, n_inputs).astype(bool)
    used = np.zeros_like(real)
    for seed in range(40):
        mlp = SparseMLP.random(n_inputs, depth, keep_probability=1.0, random_state=seed)
        values, channel = mlp_to_tokens(mlp)
        assert channel is real_entries(depth, n_inputs) or np.array_equal(channel, real)
        assert not np.any(values[~real]), "a value was written outside the real entries"
        used |= values != 0
    np.testing.assert_array_equal(used, real)


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("n_inputs", INPUT_COUNTS)
def test_round_trip_is_exact(depth, n_inputs):
    mlp = _sparse_random_mlp(n_inputs, depth, seed=100 * depth + n_inputs)
    # the cases really contain pruned neurons and zero weights between kept neurons
    assert any(not m.all() for m in mlp.masks)
    kept_zero = any(
        np.any(w[np.ix_(keep_in, keep_out)] == 0)
        for w, keep_in, keep_out in zip(
            mlp.weights,
            [np.ones(n_inputs, bool)] + mlp.masks,
            mlp.masks + [np.ones(1, bool)],
        )
    )
    assert kept_zero

    values, real = mlp_to_tokens(mlp)
    assert values.shape == (N_TOKENS, TOKEN_WIDTH)
    assert values.dtype == np.float64
    np.testing.assert_array_equal(real, real_entries(depth, n_inputs))
    back = tokens_to_mlp(values, depth, n_inputs)
    assert back == mlp
    for a, b in zip(back.weights + back.biases, mlp.weights + mlp.biases):
        np.testing.assert_array_equal(a, b)
    X = np.random.default_rng(depth).uniform(-1, 1, (20, n_inputs))
    np.testing.assert_array_equal(back.predict(X), mlp.predict(X))
    # and tokens -> MLP -> tokens
    np.testing.assert_array_equal(mlp_to_tokens(back)[0], values)


@pytest.mark.parametrize("depth", DEPTHS)
def test_round_trip_of_narrow_layers_pads_with_pruned_neurons(depth):
    mlp = _sparse_random_mlp(3, depth, seed=depth, width=4)
    values, _ = mlp_to_tokens(mlp)
    back = tokens_to_mlp(values, depth, 3)
    assert back.hidden_widths == (7,) * depth
    assert back == mlp.padded(7)
    assert back.architecture == mlp.architecture
    assert back.n_nonzero == mlp.n_nonzero
    X = np.random.default_rng(0).uniform(-1, 1, (15, 3))
    np.testing.assert_array_equal(back.predict(X), mlp.predict(X))
    # rows 4..6 of the mask columns are 0 (padding neurons are pruned)
    assert not values[4:, layout(depth).masks].any()


def test_tokens_hold_the_parts_in_their_columns():
    mlp = _sparse_random_mlp(5, 3, seed=7)
    values, _ = mlp_to_tokens(mlp)
    lay = layout(3)
    np.testing.assert_array_equal(values[:, 0:5], mlp.weights[0].T)
    assert not values[:, 5:16].any()
    np.testing.assert_array_equal(values[:, lay.weights[1]], mlp.weights[1])
    np.testing.assert_array_equal(values[:, lay.weights[2]], mlp.weights[2])
    for j in range(3):
        np.testing.assert_array_equal(values[:, lay.biases[j]], mlp.biases[j])
        np.testing.assert_array_equal(values[:, lay.activations[j]].argmax(1), mlp.activations[j])
        np.testing.assert_array_equal(values[:, lay.activations[j]].sum(1), np.ones(7))
        np.testing.assert_array_equal(values[:, 55 + j], mlp.masks[j].astype(float))
    np.testing.assert_array_equal(values[:, 53], mlp.weights[3][:, 0])
    assert values[0, 54] == mlp.biases[3][0]
    assert not values[1:, 54].any()
    assert not values[:, 42:53].any() and not values[:, 58].any()  # the unused 4th layer


# --------------------------------------------------------------------------- split_tokens / tokens_to_mlp


def test_split_tokens_on_batched_torch_tensors_returns_views():
    tokens = torch.zeros(2, 3, N_TOKENS, TOKEN_WIDTH)
    parts = split_tokens(tokens, depth=2, n_inputs=4)
    assert parts["weights"][0].shape == (2, 3, 7, 4)
    assert parts["weights"][1].shape == (2, 3, 7, 7)
    assert parts["biases"][1].shape == (2, 3, 7)
    assert parts["activations"][0].shape == (2, 3, 7, 3)
    assert parts["masks"].shape == (2, 3, 7, 2)
    assert parts["output_weights"].shape == (2, 3, 7, 1)
    assert parts["output_bias"].shape == (2, 3, 1)
    parts["weights"][1][...] = 1.0
    parts["output_bias"][...] = 2.0
    assert tokens[..., 20:27].eq(1).all() and tokens.sum() == 2 * 3 * (49 + 2)
    assert tokens[1, 2, 0, 54] == 2.0


def test_tokens_to_mlp_thresholds():
    mlp = SparseMLP.random(2, 2, keep_probability=1.0, random_state=3)
    values, _ = mlp_to_tokens(mlp)
    lay = layout(2)
    values[:, lay.masks] = np.linspace(0.2, 0.8, 7)[:, None]  # probabilities
    values[:, lay.biases[0]] = 0.01  # small biases are never thresholded
    back = tokens_to_mlp(values, 2, 2, weight_threshold=2.0, mask_threshold=0.5)
    keep = np.linspace(0.2, 0.8, 7) >= 0.5
    assert [m.tolist() for m in back.masks] == [keep.tolist()] * 2
    for w in back.weights:
        assert np.all((w == 0) | (np.abs(w) >= 2.0))
    np.testing.assert_array_equal(back.biases[0], np.where(keep, 0.01, 0.0))
    kept_w1 = mlp.weights[0][:, keep]
    expected = np.where(np.abs(kept_w1) < 2.0, 0.0, kept_w1)
    np.testing.assert_array_equal(back.weights[0][:, keep], expected)


def test_tokens_to_mlp_takes_largest_activation_score():
    values = np.zeros((N_TOKENS, TOKEN_WIDTH))
    lay = layout(1)
    scores = np.random.default_rng(0).normal(size=(7, 3))
    values[:, lay.activations[0]] = scores
    values[:, lay.masks] = 1.0
    back = tokens_to_mlp(values, 1, 1)
    np.testing.assert_array_equal(back.activations[0], scores.argmax(1))


def test_all_zero_tokens_give_the_empty_network():
    back = tokens_to_mlp(np.zeros((N_TOKENS, TOKEN_WIDTH)), depth=3, n_inputs=2)
    assert back.architecture == {"n_layers": 3, "hidden_layer_sizes": [0, 0, 0], "activations": [[], [], []]}
    assert back.n_nonzero == 0
    np.testing.assert_array_equal(back.predict(np.ones((4, 2))), np.zeros(4))


# --------------------------------------------------------------------------- invalid input


@pytest.mark.parametrize("depth", [0, 5, -1])
def test_bad_depth_raises(depth):
    with pytest.raises(ValueError, match="depth must be between 1 and 4"):
        layout(depth)
    with pytest.raises(ValueError, match="depth"):
        tokens_to_mlp(np.zeros((7, 59)), depth, 2)


@pytest.mark.parametrize("depth", [2.0, "2", True])
def test_non_integer_depth_raises_type_error(depth):
    with pytest.raises(TypeError, match="depth must be an int"):
        layout(depth)


@pytest.mark.parametrize("n_inputs", [0, 17])
def test_bad_input_count_raises(n_inputs):
    with pytest.raises(ValueError, match="1 to 16 inputs"):
        real_entries(1, n_inputs)
    with pytest.raises(ValueError, match="1 to 16 inputs"):
        split_tokens(np.zeros((7, 59)), 1, n_inputs)


def test_mlp_too_big_for_the_layout_raises():
    with pytest.raises(ValueError, match="1 to 16 inputs, got 17"):
        mlp_to_tokens(SparseMLP.random(17, 1, random_state=0))
    wide = SparseMLP(
        [np.ones((2, 7)), np.ones((7, 8)), np.ones((8, 1))],
        [np.zeros(7), np.zeros(8), np.zeros(1)],
        [[0] * 7, [0] * 8],
    )
    with pytest.raises(ValueError, match=r"at most 7 neurons.*\[7, 8\]"):
        mlp_to_tokens(wide)
    with pytest.raises(ValueError, match="depth must be between 1 and 4, got 5"):
        mlp_to_tokens(SparseMLP.random(2, 5, random_state=0))


@pytest.mark.parametrize("shape", [(7, 58), (7, 66), (8, 59), (6, 59), (59, 7), (7,)])
def test_tokens_to_mlp_rejects_wrong_matrix_shape(shape):
    # A token matrix must be (N_TOKENS, TOKEN_WIDTH); anything else is a caller's mistake that
    # should be reported, not silently read as a different network.
    with pytest.raises(ValueError):
        tokens_to_mlp(np.zeros(shape), 1, 2)
