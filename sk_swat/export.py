"""A found network with its input and target scaling, as a torch module or an ONNX file.

:meth:`SWATRegressor.to_torch <sk_swat.SWATRegressor.to_torch>` and
:meth:`SWATRegressor.to_onnx <sk_swat.SWATRegressor.to_onnx>` build on this:
the module maps raw ``X`` to raw ``y``, as ``predict`` does, with nothing of
sk-swat needed to run it.
"""

from pathlib import Path

import torch

from .mlp import SparseMLP

__all__ = ["ScaledNetwork", "scaled_network"]

_ONNX_MISSING = (
    "to_onnx needs the onnx and onnxscript packages ({missing} not installed). Install them with: "
    'pip install "sk-swat[onnx]"  (or: pip install onnx onnxscript).'
)


class ScaledNetwork(torch.nn.Module):
    """A network between an affine input scaling and the inverse of an affine target scaling.

    ``forward(x) = (net(x * x_scale + x_min) - y_min) / y_scale``, one column
    per output (a single output as a 1-D tensor): the arithmetic of
    :class:`~sklearn.preprocessing.MinMaxScaler`'s ``transform`` on the inputs
    and ``inverse_transform`` on the outputs.

    Parameters
    ----------
    net : torch.nn.Module
        Maps a (n_samples, n_features) tensor of scaled inputs to (n_samples, n_outputs).
    x_scale, x_min : array-like of shape (n_features,)
        The input scaler's ``scale_`` and ``min_``.
    y_scale, y_min : float or array-like of shape (n_outputs,)
        The target scaler's ``scale_`` and ``min_``.
    dtype : torch.dtype, default=torch.float32
        Dtype of the scaling buffers; ``net`` should have the same.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.export import ScaledNetwork
    >>> net = torch.nn.Linear(2, 1)
    >>> module = ScaledNetwork(net, [1.0, 0.5], [0.0, -1.0], 2.0, 1.0)
    >>> module(torch.zeros(3, 2)).shape
    torch.Size([3])
    """

    def __init__(self, net, x_scale, x_min, y_scale, y_min, dtype=torch.float32):
        super().__init__()
        self.net = net
        for name, value in [("x_scale", x_scale), ("x_min", x_min), ("y_scale", y_scale), ("y_min", y_min)]:
            self.register_buffer(name, torch.as_tensor(value, dtype=dtype).reshape(-1))

    def forward(self, x):
        """Predict raw targets from raw inputs.

        Parameters
        ----------
        x : Tensor of shape (n_samples, n_features)
            Inputs on the scale of the training data.

        Returns
        -------
        Tensor of shape (n_samples,) or (n_samples, n_outputs)
            Predictions on the scale of the training targets.
        """
        out = (self.net(x * self.x_scale + self.x_min) - self.y_min) / self.y_scale
        return out[:, 0] if out.shape[1] == 1 else out


def scaled_network(mlp, x_scaler, y_scaler, dtype=None):
    """The torch module of ``mlp`` between two fitted MinMaxScalers.

    Parameters
    ----------
    mlp : SparseMLP
        The network, on scaled inputs and targets.
    x_scaler, y_scaler : sklearn.preprocessing.MinMaxScaler
        The fitted scalers of the inputs and of the targets (one column per output).
    dtype : torch.dtype, default=None
        Dtype of the parameters and buffers; ``torch.float32`` if None.

    Returns
    -------
    ScaledNetwork
        In evaluation mode.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sk_swat.export import scaled_network
    >>> from sk_swat.mlp import SparseMLP
    >>> X = np.random.RandomState(0).uniform(0, 10, (20, 2))
    >>> y = X.sum(axis=1)
    >>> x_scaler = MinMaxScaler((-1, 1)).fit(X)
    >>> y_scaler = MinMaxScaler((-1, 1)).fit(y[:, None])
    >>> mlp = SparseMLP.random(n_inputs=2, depth=1, random_state=0)
    >>> module = scaled_network(mlp, x_scaler, y_scaler, dtype=torch.float64)
    >>> expected = y_scaler.inverse_transform(mlp.predict(x_scaler.transform(X))[:, None])[:, 0]
    >>> bool(np.allclose(module(torch.from_numpy(X)).detach().numpy(), expected))
    True
    """
    if not isinstance(mlp, SparseMLP):
        raise TypeError(f"scaled_network expects a SparseMLP, got {type(mlp).__name__}.")
    dtype = torch.float32 if dtype is None else dtype
    module = ScaledNetwork(
        mlp.to_torch(dtype=dtype), x_scaler.scale_, x_scaler.min_, y_scaler.scale_, y_scaler.min_, dtype=dtype
    )
    return module.eval()


def export_onnx(module, path, n_features):
    """Write ``module`` (float32, (n_samples, n_features) -> (n_samples,) or (n_samples, n_outputs)) as an ONNX file.

    float32 because onnxruntime runs LeakyRelu in float32 only; any number of
    rows. Raises ImportError without onnx or onnxscript; returns ``Path(path)``.
    """
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401  (torch.onnx.export writes the graph through it)
    except ImportError as err:
        raise ImportError(_ONNX_MISSING.format(missing=err.name or "one of them")) from err
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(2, n_features, dtype=torch.float32)
    torch.onnx.export(
        module, (example,), str(path), input_names=["X"], output_names=["y"],
        dynamic_shapes=({0: torch.export.Dim("n_samples")},), dynamo=True, verbose=False,
    )
    return path
