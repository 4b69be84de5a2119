"""Tests of the export of a fitted network with its scaling: ``to_torch``, ``to_onnx`` (sk_swat.export)."""

import sys

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.exceptions import NotFittedError

from sk_swat import SWATRegressor
from sk_swat.export import ScaledNetwork


@pytest.fixture(scope="module")
def fitted():
    """A fit on raw data far from [-1, 1], so that a missing scaling would show."""
    rng = np.random.RandomState(0)
    X = rng.uniform([0, -300], [50, 100], (80, 2))
    y = 1000 + 40 * np.sin(X[:, 0] / 10) + 0.2 * X[:, 1]
    reg = SWATRegressor(max_iter=8, depths=(1, 2), n_restarts=2, refine_iter=10, random_state=0)
    return reg.fit(X, y), X


def test_to_torch_predicts_what_predict_predicts(fitted):
    reg, X = fitted
    module = reg.to_torch(dtype=torch.float64)
    assert isinstance(module, torch.nn.Module) and isinstance(module, ScaledNetwork)
    assert not module.training
    with torch.no_grad():
        out = module(torch.from_numpy(X))
    assert out.shape == (len(X),) and out.dtype == torch.float64
    assert_allclose(out.numpy(), reg.predict(X), rtol=1e-12, atol=1e-9)
    # float32 by default, close to predict at float32 precision
    module32 = reg.to_torch()
    assert next(module32.parameters()).dtype == torch.float32
    with torch.no_grad():
        out32 = module32(torch.from_numpy(X).float()).numpy()
    assert_allclose(out32, reg.predict(X), rtol=1e-4)


def test_to_torch_of_another_candidate(fitted):
    reg, X = fitted
    for i, mlp in enumerate(reg.candidates_["mlp"]):
        with torch.no_grad():
            out = reg.to_torch(dtype=torch.float64, candidate=i)(torch.from_numpy(X)).numpy()
        expected = reg._y_scaler.inverse_transform(mlp.predict(reg._x_scaler.transform(X))[:, None])[:, 0]
        assert_allclose(out, expected, rtol=1e-12, atol=1e-9)
    for bad in (-1, len(reg.candidates_["mlp"]), 1.5, "0"):
        with pytest.raises(ValueError, match="candidate must be an index"):
            reg.to_torch(candidate=bad)


def test_to_torch_needs_a_fit():
    with pytest.raises(NotFittedError):
        SWATRegressor().to_torch()


def test_the_module_is_plain_torch(fitted, tmp_path):
    # saved and loaded as a state dict into a freshly exported module of the same shape
    reg, X = fitted
    module = reg.to_torch(dtype=torch.float64)
    torch.save(module.state_dict(), tmp_path / "state.pt")
    again = reg.to_torch(dtype=torch.float64)
    again.load_state_dict(torch.load(tmp_path / "state.pt"))
    with torch.no_grad():
        assert torch.equal(again(torch.from_numpy(X)), module(torch.from_numpy(X)))


def test_to_onnx_predicts_what_predict_predicts(fitted, tmp_path):
    pytest.importorskip("onnxscript", reason="to_onnx needs onnx and onnxscript (pip install 'sk-swat[onnx]')")
    ort = pytest.importorskip("onnxruntime", reason="running the exported file needs onnxruntime")
    reg, X = fitted
    path = reg.to_onnx(tmp_path / "model.onnx")
    assert path.is_file()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["X"]
    for rows in (X, X[:1]):  # any number of rows
        (out,) = session.run(None, {"X": rows.astype(np.float32)})
        assert out.shape == (len(rows),)
        assert_allclose(out, reg.predict(rows), rtol=1e-4)


def test_to_onnx_without_onnx_says_what_to_install(fitted, tmp_path, monkeypatch):
    reg, _ = fitted
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r'pip install "sk-swat\[onnx\]"'):
        reg.to_onnx(tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()
