"""Helpers shared by the baselines: seeding, torch <-> SparseMLP, full-batch training."""

from contextlib import contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..activations import ACTIVATIONS, LEAKY_RELU_SLOPE, NeuronwiseActivation, torch_activation_module
from ..mlp import SparseMLP


def draw_seed(random_state):
    """An int seed for torch drawn from ``check_random_state(random_state)``."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def torch_seeded(seed):
    """Seed torch's CPU generator inside a fork, leaving the global state as it was.

    Modules are always built on the CPU (and moved afterwards), so their
    initial weights do not depend on the device.
    """
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)
        yield


def as_tensors(X, y, sample_weight, device):
    """float32 tensors of ``X``, ``y`` and normalised sample weights (None stays None)."""
    X_t = torch.from_numpy(np.array(X, dtype=np.float32)).to(device)
    y_t = torch.from_numpy(np.array(y, dtype=np.float32).reshape(-1)).to(device)
    if sample_weight is None:
        return X_t, y_t, None
    sw = np.asarray(sample_weight, dtype=np.float64)
    total = sw.sum()
    if not total > 0:
        raise ValueError("sample_weight must have a positive sum.")
    return X_t, y_t, torch.as_tensor((sw / total).astype(np.float32), device=device)


def mse(pred, y, weight=None):
    """Mean squared error of a (n, 1) or (n,) prediction; ``weight`` sums to one."""
    residual = pred.reshape(-1) - y
    if weight is None:
        return residual.square().mean()
    return (weight * residual.square()).sum()


def build_sequential(n_inputs, widths, activations):
    """``torch.nn.Sequential`` of Linear layers with PyTorch's default init.

    ``activations`` is one name (the same fixed activation everywhere) or a
    list of per-layer code vectors (:class:`~sk_swat.activations.NeuronwiseActivation`).
    """
    layers = []
    fan_in = n_inputs
    for j, width in enumerate(widths):
        layers.append(torch.nn.Linear(fan_in, width))
        if isinstance(activations, str):
            layers.append(torch_activation_module(activations))
        else:
            layers.append(NeuronwiseActivation(np.asarray(activations[j], dtype=np.int64)))
        fan_in = width
    layers.append(torch.nn.Linear(fan_in, 1))
    return torch.nn.Sequential(*layers)


def _activation_codes(module, width):
    if isinstance(module, NeuronwiseActivation):
        return module.codes.detach().cpu().numpy()
    if isinstance(module, torch.nn.Sigmoid):
        name = "sigmoid"
    elif isinstance(module, torch.nn.Tanh):
        name = "tanh"
    elif isinstance(module, torch.nn.LeakyReLU) and module.negative_slope == LEAKY_RELU_SLOPE:
        name = "leaky_relu"
    else:
        raise TypeError(
            f"Cannot express {module!r} as a SparseMLP activation; expected NeuronwiseActivation, "
            f"Sigmoid, Tanh or LeakyReLU({LEAKY_RELU_SLOPE})."
        )
    return np.full(width, ACTIVATIONS.index(name), dtype=np.int64)


def sequential_to_mlp(module):
    """Read a ``Linear, activation, ..., Linear`` ``torch.nn.Sequential`` into a :class:`SparseMLP`.

    Exact zeros in the weights stay zeros; every neuron is kept.
    """
    layers = list(module)
    if len(layers) < 3 or len(layers) % 2 == 0:
        raise ValueError("Expected Linear, activation, ..., Linear with at least one hidden layer.")
    weights, biases, codes = [], [], []
    for j in range(0, len(layers), 2):
        linear = layers[j]
        if not isinstance(linear, torch.nn.Linear) or linear.bias is None:
            raise TypeError(f"Layer {j} must be a torch.nn.Linear with a bias, got {linear!r}.")
        weights.append(linear.weight.detach().cpu().double().numpy().T.copy())
        biases.append(linear.bias.detach().cpu().double().numpy().copy())
        if j + 1 < len(layers):
            codes.append(_activation_codes(layers[j + 1], linear.out_features))
    return SparseMLP(weights, biases, codes)


def train_full_batch(
    module, X, y, weight, *, n_iter, learning_rate=None, optimizer=None, penalty=None, after_step=None
):
    """Full-batch Adam on the (weighted) MSE, plus an optional penalty; returns the MSE per epoch.

    A new Adam optimiser with ``learning_rate`` is made unless ``optimizer``
    is given (to keep its moments across calls). ``after_step`` is called
    without gradients after every step (to re-apply masks). The losses are
    collected on the device and read once at the end.
    """
    if optimizer is None:
        optimizer = torch.optim.Adam(module.parameters(), lr=learning_rate)
    losses = torch.empty(n_iter, device=X.device)
    for i in range(n_iter):
        optimizer.zero_grad(set_to_none=True)
        loss = mse(module(X), y, weight)
        losses[i] = loss.detach()
        if penalty is not None:
            loss = loss + penalty()
        loss.backward()
        optimizer.step()
        if after_step is not None:
            with torch.no_grad():
                after_step()
    return losses.cpu().double().tolist()


class SparseMLPPredictMixin:
    """``predict`` through the fitted ``mlp_`` (numpy forward), shared by the baselines."""

    def predict(self, X):
        """Predict with the fitted network (numpy forward).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, on the same scale as in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predictions.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.mlp_.predict(X)
