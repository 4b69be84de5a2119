"""Tests for sk_swat.activations: the numpy and torch forms of each candidate agree."""

import numpy as np
import pytest
import torch

from sk_swat.activations import (
    ACTIVATIONS,
    LEAKY_RELU_SLOPE,
    N_ACTIVATIONS,
    NUMPY_ACTIVATIONS,
    NeuronwiseActivation,
    candidate_activations,
    torch_activation_module,
)

Z = np.array([-800.0, -3.0, -0.5, 0.0, 0.5, 3.0, 800.0])


def test_one_function_per_name():
    assert len(NUMPY_ACTIVATIONS) == N_ACTIVATIONS == len(ACTIVATIONS)


@pytest.mark.parametrize("code, name", list(enumerate(ACTIVATIONS)))
def test_numpy_torch_and_module_forms_agree(code, name):
    with np.errstate(over="raise"):  # the numpy sigmoid never overflows
        expected = NUMPY_ACTIVATIONS[code](Z)
    z = torch.from_numpy(Z)
    np.testing.assert_allclose(candidate_activations(z)[:, code].numpy(), expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(torch_activation_module(name)(z).numpy(), expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(NeuronwiseActivation([code] * len(Z))(z).numpy(), expected, rtol=1e-12, atol=1e-300)


def test_leaky_relu_slope():
    assert NUMPY_ACTIVATIONS[ACTIVATIONS.index("leaky_relu")](np.array([-2.0]))[0] == -2.0 * LEAKY_RELU_SLOPE


def test_unknown_name():
    with pytest.raises(ValueError, match="Unknown activation 'relu'"):
        torch_activation_module("relu")


def test_old_import_path_of_neuronwise_activation():
    # Modules exported by SparseMLP.to_torch before the move were pickled under sk_swat.torch_mlp.
    from sk_swat import torch_mlp

    assert torch_mlp.NeuronwiseActivation is NeuronwiseActivation
