"""
Exporting the network to PyTorch
================================

The network a fit finds is a :class:`~sk_swat.SparseMLP` of numpy arrays (``reg.mlp_``).
:meth:`~sk_swat.SparseMLP.to_torch` turns it into a plain ``torch.nn.Sequential`` of
``Linear`` layers and per-neuron activations, to use without sk-swat, on any device, or inside a
larger model. This example exports a fitted network, adds the input and output scaling that
:class:`~sk_swat.SWATRegressor` applies around it, and checks that the torch module predicts
exactly what the estimator predicts.
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
from sklearn.preprocessing import MinMaxScaler

from sk_swat import SWATRegressor, load_cornn

X_train, X_test, y_train, y_test = load_cornn("Sphere", scaled=False)
settings = dict(max_iter=200, refine_iter=100) if QUICK else {}
reg = SWATRegressor(random_state=0, **settings).fit(X_train, y_train)
print(reg.architecture_, reg.n_nonzero_, "non-zeros")

# %%
# The network as a torch module
# -----------------------------
# Pruned neurons are left out; zero weights are stored as zeros. In float64 the module computes
# the same numbers as ``reg.mlp_.predict``.
net = reg.mlp_.to_torch(dtype=torch.float64)
print(net)
n_nonzero = sum(int(torch.count_nonzero(p)) for p in net.parameters())
print("non-zero parameters in the module:", n_nonzero, "(n_nonzero_:", reg.n_nonzero_, ")")

# %%
# Adding the scaling
# ------------------
# ``reg.mlp_`` works on scaled data: :meth:`~sk_swat.SWATRegressor.fit` maps each feature and the
# target to [-1, 1] with a :class:`~sklearn.preprocessing.MinMaxScaler` fitted on the training
# data, and ``predict`` maps the network's output back. Fitting the same scalers on the same data
# gives the constants to put around the module.
x_scaler = MinMaxScaler(feature_range=(-1, 1)).fit(X_train)
y_scaler = MinMaxScaler(feature_range=(-1, 1)).fit(y_train.reshape(-1, 1))


class ScaledNet(torch.nn.Module):
    """``net`` between the input scaling and the inverse target scaling of a MinMaxScaler."""

    def __init__(self, net, x_scaler, y_scaler):
        super().__init__()
        self.net = net
        as_tensor = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
        self.register_buffer("x_scale", as_tensor(x_scaler.scale_))
        self.register_buffer("x_min", as_tensor(x_scaler.min_))
        self.register_buffer("y_scale", as_tensor(y_scaler.scale_))
        self.register_buffer("y_min", as_tensor(y_scaler.min_))

    def forward(self, x):
        out = self.net(x * self.x_scale + self.x_min)[:, 0]
        return (out - self.y_min) / self.y_scale


model = ScaledNet(net, x_scaler, y_scaler).eval()

# %%
# The same predictions
# --------------------
with torch.no_grad():
    y_torch = model(torch.from_numpy(X_test)).numpy()
y_sklearn = reg.predict(X_test)
print("largest difference:", np.abs(y_torch - y_sklearn).max())
assert np.allclose(y_torch, y_sklearn, rtol=1e-10, atol=1e-10)

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
