"""
Exporting the network to PyTorch
================================

The network a fit finds is a :class:`~sk_swat.SparseMLP` of numpy arrays (``reg.mlp_``).
:meth:`~sk_swat.SparseMLP.to_torch` turns it into a plain ``torch.nn.Sequential`` of
``Linear`` layers and per-neuron activations, to use without sk-swat, on any device, or inside a
larger model. :meth:`SWATRegressor.to_torch <sk_swat.SWATRegressor.to_torch>` adds the input and
output scaling that :class:`~sk_swat.SWATRegressor` applies around it. This example exports a
fitted network and checks that the torch module predicts exactly what the estimator predicts.
"""

# %%
# ``SK_SWAT_DOCS_QUICK=1`` (set by the documentation's CI build) shortens the search; without it
# the estimator's defaults are used.
import os

QUICK = os.environ.get("SK_SWAT_DOCS_QUICK", "") not in ("", "0")

# %%
# Fit
# ---
import numpy as np
import torch

from sk_swat import SWATRegressor, load_cornn

X_train, X_test, y_train, y_test = load_cornn("Sphere", scaled=False)
settings = dict(max_iter=200, refine_iter=100) if QUICK else {}
reg = SWATRegressor(random_state=0, **settings).fit(X_train, y_train)
print(reg.architecture_, reg.n_nonzero_, "non-zeros")

# %%
# One call: the network with its scaling
# --------------------------------------
# ``reg.mlp_`` works on scaled data: :meth:`~sk_swat.SWATRegressor.fit` maps each feature and the
# target to [-1, 1] by their training range, and ``predict`` maps the network's output back.
# :meth:`~sk_swat.SWATRegressor.to_torch` returns the network between those two scalings, a
# ``torch.nn.Module`` from raw ``X`` to raw ``y``. Pruned neurons are left out; zero weights are
# stored as zeros. In float64 it computes the same numbers as ``reg.predict``.
model = reg.to_torch(dtype=torch.float64)
print(model)
n_nonzero = sum(int(torch.count_nonzero(p)) for p in model.net.parameters())
print("non-zero parameters in the module:", n_nonzero, "(n_nonzero_:", reg.n_nonzero_, ")")

# %%
# The same predictions
# --------------------
with torch.no_grad():
    y_torch = model(torch.from_numpy(X_test)).numpy()
y_sklearn = reg.predict(X_test)
print("largest difference:", np.abs(y_torch - y_sklearn).max())
assert np.allclose(y_torch, y_sklearn, rtol=1e-10, atol=1e-10)

# %%
# The bare network, without the scaling, is :meth:`SparseMLP.to_torch
# <sk_swat.SparseMLP.to_torch>`: ``reg.mlp_.to_torch()``. With the ``onnx`` and ``onnxscript``
# packages installed (``pip install "sk-swat[onnx]"``), ``reg.to_onnx("model.onnx")`` writes the
# scaled module as an ONNX file with one input ``X`` and one output ``y``.
# %%
# The module is ordinary PyTorch: save its weights with ``torch.save(model.state_dict(), ...)``,
# move it to a GPU with ``model.to("cuda")``, or convert it to float32 for speed. Training it
# further would fill in the zero weights; to keep the sparsity, multiply each weight's gradient
# by its non-zero mask, as below.
masks = [(p != 0).to(p.dtype) for p in model.net.parameters()]
for p, m in zip(model.net.parameters(), masks):
    p.register_hook(lambda grad, m=m: grad * m)

optimizer = torch.optim.Adam(model.net.parameters(), lr=1e-3)
x, t = torch.from_numpy(X_train), torch.from_numpy(y_train)
for _ in range(20):
    optimizer.zero_grad()
    loss = torch.mean((model(x) - t) ** 2)
    loss.backward()
    optimizer.step()
print("non-zero parameters after fine-tuning:",
      sum(int(torch.count_nonzero(p)) for p in model.net.parameters()))

# %%
# A figure: the predictions of the estimator and of the torch module on the test set.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
ax.scatter(y_sklearn, y_torch, s=4)
ax.set_xlabel("reg.predict(X_test)")
ax.set_ylabel("torch module (before fine-tuning)")
ax.set_title("exported network, same predictions")
plt.show()
