"""The candidate activation functions of a hidden neuron, written once.

Every hidden neuron of a :class:`~sk_swat.mlp.SparseMLP` uses one of
:data:`ACTIVATIONS`, identified by its position in that tuple (its code, also
the column order of the one-hot in a token matrix). This module holds their
names, the leaky ReLU slope and their numpy and torch forms; it imports
nothing else from sk-swat.
"""

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "ACTIVATIONS",
    "LEAKY_RELU_SLOPE",
    "N_ACTIVATIONS",
    "NUMPY_ACTIVATIONS",
    "NeuronwiseActivation",
    "candidate_activations",
    "mixed_activation",
    "neuronwise_activation_and_derivative",
    "leaky_relu",
    "sigmoid",
    "torch_activation_module",
]

#: Names of the candidate activation functions, in code (one-hot) order.
ACTIVATIONS = ("sigmoid", "tanh", "leaky_relu")
#: Number of candidate activations.
N_ACTIVATIONS = len(ACTIVATIONS)
#: Negative slope of the leaky ReLU candidate.
LEAKY_RELU_SLOPE = 0.01


def sigmoid(z):
    """Logistic sigmoid of a numpy array, without overflow.

    Parameters
    ----------
    z : ndarray
        Pre-activations.

    Returns
    -------
    ndarray
        ``1 / (1 + exp(-z))``, computed as ``(1 + tanh(z / 2)) / 2``: one
        call of a fast ufunc that never overflows, and the form in which
        :func:`neuronwise_activation_and_derivative` trains the networks.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.activations import sigmoid
    >>> sigmoid(np.array([0.0, -1000.0]))
    array([0.5, 0. ])
    """
    return 0.5 * np.tanh(0.5 * z) + 0.5


def leaky_relu(z):
    """Leaky ReLU of a numpy array, with slope :data:`LEAKY_RELU_SLOPE` below 0.

    Parameters
    ----------
    z : ndarray
        Pre-activations.

    Returns
    -------
    ndarray
        ``z`` where ``z >= 0``, ``LEAKY_RELU_SLOPE * z`` elsewhere.
    """
    return np.where(z >= 0, z, LEAKY_RELU_SLOPE * z)


#: numpy functions of the candidates, indexed by activation code.
NUMPY_ACTIVATIONS = (sigmoid, np.tanh, leaky_relu)


def candidate_activations(z):
    """All candidate activations of a tensor, stacked on a new last dimension.

    Parameters
    ----------
    z : Tensor of shape (...)
        Pre-activations.

    Returns
    -------
    Tensor of shape (..., 3)
        The sigmoid, tanh and leaky ReLU of ``z``, in :data:`ACTIVATIONS` order.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.activations import candidate_activations
    >>> candidate_activations(torch.tensor([0.0, -1.0]))
    tensor([[ 0.5000,  0.0000,  0.0000],
            [ 0.2689, -0.7616, -0.0100]])
    """
    return torch.stack(
        (torch.sigmoid(z), torch.tanh(z), F.leaky_relu(z, LEAKY_RELU_SLOPE)), dim=-1
    )


def mixed_activation(z, weights):
    """Weighted sum of the candidate activations of a tensor.

    The same as ``(candidate_activations(z) * weights).sum(-1)``, without the
    stacked tensor of all three: the search evaluates this for every neuron,
    row and candidate at every step.

    Parameters
    ----------
    z : Tensor of shape (...)
        Pre-activations.
    weights : Tensor of shape (..., 3)
        Weight of each candidate activation, in :data:`ACTIVATIONS` order,
        broadcastable against ``z``.

    Returns
    -------
    Tensor of shape (...)
        ``sum_k weights[..., k] * activation_k(z)``.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.activations import mixed_activation
    >>> mixed_activation(torch.tensor([0.0, -1.0]), torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]))
    tensor([ 0.5000, -0.3858])
    """
    out = weights[..., 0] * torch.sigmoid(z)
    out = torch.addcmul(out, weights[..., 1], torch.tanh(z))
    return torch.addcmul(out, weights[..., 2], F.leaky_relu(z, LEAKY_RELU_SLOPE))


def torch_activation_module(name):
    """A new ``torch.nn`` module of one candidate activation.

    Parameters
    ----------
    name : {"sigmoid", "tanh", "leaky_relu"}
        The activation.

    Returns
    -------
    torch.nn.Module
        ``Sigmoid()``, ``Tanh()`` or ``LeakyReLU(LEAKY_RELU_SLOPE)``.

    Examples
    --------
    >>> from sk_swat.activations import torch_activation_module
    >>> torch_activation_module("leaky_relu")
    LeakyReLU(negative_slope=0.01)
    """
    if name == "sigmoid":
        return torch.nn.Sigmoid()
    if name == "tanh":
        return torch.nn.Tanh()
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(LEAKY_RELU_SLOPE)
    raise ValueError(f"Unknown activation {name!r}; expected one of {ACTIVATIONS}.")


class NeuronwiseActivation(torch.nn.Module):
    """Apply a different activation function to each feature.

    Parameters
    ----------
    codes : array-like of int
        Activation code of each feature (0 sigmoid, 1 tanh, 2 leaky ReLU).

    Examples
    --------
    >>> import torch
    >>> from sk_swat.activations import NeuronwiseActivation
    >>> NeuronwiseActivation([1, 2])(torch.tensor([[0.0, -1.0]]))
    tensor([[ 0.0000, -0.0100]])
    """

    def __init__(self, codes):
        super().__init__()
        self.register_buffer("codes", torch.as_tensor(codes, dtype=torch.long).reshape(-1))

    def forward(self, z):
        """Apply each feature's activation.

        Parameters
        ----------
        z : Tensor of shape (..., n_features)
            Pre-activations; the last dimension matches ``codes``.

        Returns
        -------
        Tensor of the same shape
            ``z[..., i]`` through activation ``codes[i]``.
        """
        index = self.codes.expand(*z.shape).unsqueeze(-1)
        return candidate_activations(z).gather(-1, index).squeeze(-1)

    def extra_repr(self):
        return f"codes={self.codes.tolist()}"


def neuronwise_activation_and_derivative(z, codes):
    """Each neuron's activation of ``z`` and its derivative, for hand-written Jacobians.

    Parameters
    ----------
    z : Tensor of shape (..., n_neurons)
        Pre-activations.
    codes : Tensor of int of shape (..., n_neurons), broadcastable to ``z``
        Activation code of each neuron (its position in :data:`ACTIVATIONS`).

    Returns
    -------
    value, derivative : Tensor of the shape of ``z``
        The activation and its derivative with respect to ``z`` (the leaky
        ReLU's at 0 is its slope below 0, as in the gradient of
        ``torch.nn.functional.leaky_relu``).

    Examples
    --------
    >>> import torch
    >>> from sk_swat.activations import neuronwise_activation_and_derivative
    >>> value, slope = neuronwise_activation_and_derivative(torch.zeros(3, dtype=torch.float64), torch.tensor([0, 1, 2]))
    >>> value.tolist(), slope.tolist()
    ([0.5, 0.0, 0.0], [0.25, 1.0, 0.01])
    """
    # One tanh serves both smooth activations: sigmoid(z) = (1 + tanh(z / 2)) / 2.
    sigmoid_neuron = codes == 0
    half = torch.where(sigmoid_neuron, 0.5, 1.0).to(z.dtype)
    t = torch.tanh(z * half)
    value = t * half + (1 - half)
    derivative = (1 - t * t) * (half * half)
    leaky_neuron = codes == 2
    if leaky_neuron.any():
        positive = z > 0
        value = torch.where(leaky_neuron, torch.where(positive, z, LEAKY_RELU_SLOPE * z), value)
        slope = torch.full_like(z, LEAKY_RELU_SLOPE).masked_fill(positive, 1.0)
        derivative = torch.where(leaky_neuron, slope, derivative)
    return value, derivative
