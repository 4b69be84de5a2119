"""Tests for sk_swat.torch_mlp: the batched token forward and NeuronwiseActivation."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sk_swat.encoding import ACTIVATIONS, LEAKY_RELU_SLOPE, mlp_to_tokens, real_entries, split_tokens, tokens_to_mlp
from sk_swat.mlp import SparseMLP
from sk_swat.activations import NeuronwiseActivation, candidate_activations
from sk_swat.torch_mlp import real_entries_tensor, token_mlp_forward

DEPTHS = [1, 2, 3, 4]


def _batch(n_inputs, depth, n_mlps=5, seed=0):
    rng = np.random.RandomState(seed)
    mlps = []
    for _ in range(n_mlps):
        base = SparseMLP.random(n_inputs, depth, random_state=rng)
        weights = [w * (rng.uniform(size=w.shape) >= 0.2) for w in base.weights]  # some zero weights
        mlps.append(SparseMLP(weights, base.biases, base.activations, base.masks))
    tokens = torch.from_numpy(np.stack([mlp_to_tokens(m)[0] for m in mlps]))
    return mlps, tokens


def _hard_probs(tokens, depth, n_inputs):
    parts = split_tokens(tokens, depth, n_inputs)
    return torch.stack(parts["activations"], dim=-2), parts["masks"]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("n_inputs", [1, 2, 10, 16])
def test_hard_forward_with_shared_inputs_equals_predict(depth, n_inputs):
    mlps, tokens = _batch(n_inputs, depth, seed=depth * 17 + n_inputs)
    act, mask = _hard_probs(tokens, depth, n_inputs)
    assert act.shape == (5, 7, depth, 3) and mask.shape == (5, 7, depth)
    X = np.random.default_rng(depth).uniform(-1, 1, (33, n_inputs))
    out = token_mlp_forward(torch.from_numpy(X), tokens, depth, n_inputs, activation_probs=act, mask_probs=mask)
    assert out.shape == (5, 33) and out.dtype == torch.float64
    expected = np.stack([m.predict(X) for m in mlps])
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("depth", DEPTHS)
def test_hard_forward_with_per_mlp_inputs_equals_predict(depth):
    n_inputs = 3
    mlps, tokens = _batch(n_inputs, depth, n_mlps=4, seed=depth)
    act, mask = _hard_probs(tokens, depth, n_inputs)
    X = np.random.default_rng(depth).uniform(-2, 2, (4, 21, n_inputs))  # a different set per MLP
    out = token_mlp_forward(torch.from_numpy(X), tokens, depth, n_inputs, activation_probs=act, mask_probs=mask)
    assert out.shape == (4, 21)
    expected = np.stack([m.predict(x) for m, x in zip(mlps, X)])
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    # and the per-MLP sets are really used: feeding MLP 0's set to everyone changes MLP 1's output
    shared = token_mlp_forward(
        torch.from_numpy(X[0]), tokens, depth, n_inputs, activation_probs=act, mask_probs=mask
    )
    np.testing.assert_allclose(shared[0].numpy(), expected[0], rtol=1e-12, atol=1e-12)
    assert not np.allclose(shared[1].numpy(), expected[1])


def test_soft_masks_and_mixed_activations_depth1_by_hand():
    mlp = SparseMLP.random(2, 1, keep_probability=1.0, random_state=4)
    tokens = torch.from_numpy(mlp_to_tokens(mlp)[0])[None]
    X = np.random.default_rng(0).uniform(-1, 1, (9, 2))
    mask = torch.full((1, 7, 1), 0.25, dtype=torch.float64)
    act = torch.full((1, 7, 1, 3), 1 / 3, dtype=torch.float64)
    out = token_mlp_forward(torch.from_numpy(X), tokens, 1, 2, activation_probs=act, mask_probs=mask)
    z = X @ mlp.weights[0] + mlp.biases[0]
    mixed = (1 / (1 + np.exp(-z)) + np.tanh(z) + np.where(z >= 0, z, LEAKY_RELU_SLOPE * z)) / 3
    expected = 0.25 * mixed @ mlp.weights[1][:, 0] + mlp.biases[1][0]
    np.testing.assert_allclose(out[0].numpy(), expected, rtol=1e-12, atol=1e-12)


def test_gradients_flow_to_tokens_and_probabilities():
    _, tokens = _batch(2, 2, n_mlps=2)
    tokens = tokens.clone().requires_grad_(True)
    act = torch.full((2, 7, 2, 3), 1 / 3, dtype=torch.float64, requires_grad=True)
    mask = torch.full((2, 7, 2), 0.5, dtype=torch.float64, requires_grad=True)
    out = token_mlp_forward(torch.rand(5, 2, dtype=torch.float64), tokens, 2, 2, activation_probs=act, mask_probs=mask)
    out.square().sum().backward()
    assert tokens.grad.abs().sum() > 0 and act.grad.abs().sum() > 0 and mask.grad.abs().sum() > 0
    # only the columns the forward reads get gradients (no activation/mask columns of the tokens)
    assert not tokens.grad[..., 17:20].any() and not tokens.grad[..., 55:].any()


def test_candidate_activations_order():
    z = torch.linspace(-4, 4, 11, dtype=torch.float64)
    c = candidate_activations(z)
    assert c.shape == (11, 3)
    assert ACTIVATIONS == ("sigmoid", "tanh", "leaky_relu")
    torch.testing.assert_close(c[:, 0], torch.sigmoid(z))
    torch.testing.assert_close(c[:, 1], torch.tanh(z))
    torch.testing.assert_close(c[:, 2], torch.where(z >= 0, z, 0.01 * z))


def test_real_entries_tensor():
    t = real_entries_tensor(3, 5)
    assert t.dtype == torch.float32
    np.testing.assert_array_equal(t.numpy(), real_entries(3, 5))


# --------------------------------------------------------------------------- NeuronwiseActivation


def test_neuronwise_activation_applies_each_code():
    layer = NeuronwiseActivation([0, 1, 2, 2, 0])
    z = torch.randn(6, 5, dtype=torch.float64) * 3
    out = layer(z)
    expected = torch.stack(
        [torch.sigmoid(z[:, 0]), torch.tanh(z[:, 1]), F.leaky_relu(z[:, 2], 0.01), F.leaky_relu(z[:, 3], 0.01),
         torch.sigmoid(z[:, 4])], dim=1,
    )
    torch.testing.assert_close(out, expected)
    assert out.dtype == torch.float64


def test_neuronwise_activation_extra_batch_dims_and_1d():
    layer = NeuronwiseActivation(np.array([1, 2]))
    z = torch.tensor([[[0.5, -2.0]], [[-0.5, 3.0]]])
    expected = torch.tensor([[[np.tanh(0.5), -0.02]], [[np.tanh(-0.5), 3.0]]], dtype=torch.float32)
    torch.testing.assert_close(layer(z), expected)
    torch.testing.assert_close(layer(torch.tensor([0.5, -2.0])), expected[0, 0])


def test_neuronwise_activation_is_a_buffer_and_differentiable():
    layer = NeuronwiseActivation([2, 1])
    assert "codes" in layer.state_dict() and layer.codes.dtype == torch.long
    assert list(layer.parameters()) == []
    assert "codes=[2, 1]" in repr(layer)
    z = torch.tensor([[-1.0, 0.0]], requires_grad=True)
    layer(z).sum().backward()
    torch.testing.assert_close(z.grad, torch.tensor([[0.01, 1.0]]))
    restored = NeuronwiseActivation([0, 0])
    restored.load_state_dict(layer.state_dict())
    assert restored.codes.tolist() == [2, 1]
