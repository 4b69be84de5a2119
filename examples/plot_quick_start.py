"""
Quick start
===========

Fit :class:`~sk_swat.SWATRegressor` on one of the CORNN benchmark functions, look at the sparse
network it found, and compare its predictions with the true function.
"""

# %%
# ``SK_SWAT_DOCS_QUICK=1`` (set by the documentation's CI build) shortens the search; without it
# the estimator's defaults are used.
import os

QUICK = os.environ.get("SK_SWAT_DOCS_QUICK", "") not in ("", "0")

# %%
# The data
# --------
# :func:`~sk_swat.load_cornn` regenerates a CORNN regression task: 3750 training and 1250 test
# points of a two-dimensional function, inputs and target scaled to [-1, 1]. Here it is
# Himmelblau's function.
import matplotlib.pyplot as plt
import numpy as np

from sk_swat import SWATRegressor, load_cornn

X_train, X_test, y_train, y_test = load_cornn("Himmelblau")
print(X_train.shape, X_test.shape)

# %%
# Fitting
# -------
# ``fit`` runs the latent search over networks of 1 to 4 hidden layers, refines and prunes the
# candidates, and keeps the one with the lowest validation error (``tol=0.05`` would keep the
# sparsest within 5 % of it, the paper's rule).
settings = dict(max_iter=300, refine_iter=50) if QUICK else {}
reg = SWATRegressor(random_state=0, **settings)
reg.fit(X_train, y_train)

mse = np.mean((reg.predict(X_test) - y_test) ** 2)
print(f"test R^2             {reg.score(X_test, y_test):.3f}")
print(f"test MSE             {mse:.5f}")
print(f"non-zero parameters  {reg.n_nonzero_}")
print(f"architecture         {reg.architecture_}")
print(f"fit time             {reg.fit_time_:.1f} s on {reg.device_}")

# %%
# The network
# -----------
# :func:`~sk_swat.plotting.plot_architecture` draws the kept neurons, coloured by their
# activation, and every non-zero weight (blue positive, red negative, width proportional to its
# size). Pruned neurons and zero weights are not drawn.
from sk_swat.plotting import plot_architecture

plot_architecture(reg.mlp_, feature_names=["x", "y"])
plt.show()

# %%
# The candidates of the search
# ----------------------------
# Every (depth, restart) pair gave one candidate network. The star marks the chosen one: the
# fewest non-zero parameters among the candidates below the dashed line, ``(1 + tol)`` times the
# best validation MSE.
from sk_swat.plotting import plot_candidates

plot_candidates(reg.candidates_, tol=reg.tol)
plt.show()

# %%
# The fitted function
# -------------------
# The true function and the network's predictions on a grid over the input domain.
grid = np.linspace(-1, 1, 101)
gx, gy = np.meshgrid(grid, grid)
points = np.column_stack([gx.ravel(), gy.ravel()])

# The exact function, put on the scale of the data: load_cornn maps the function's domain to
# [-1, 1] and the training targets' range to [-1, 1].
from sk_swat.datasets import cornn_function

_, _, _, _, raw = load_cornn("Himmelblau", return_raw=True)
(x_lo, x_hi), (y_lo, y_hi) = raw.domain
xs = x_lo + (points[:, 0] + 1) / 2 * (x_hi - x_lo)
ys = y_lo + (points[:, 1] + 1) / 2 * (y_hi - y_lo)
truth = cornn_function("Himmelblau").func(xs, ys)
truth = 2 * (truth - raw.y_min) / (raw.y_max - raw.y_min) - 1

prediction = reg.predict(points)
error = prediction - truth
limit = np.abs(error).max()
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), layout="constrained")
panels = [
    (truth, "Himmelblau (scaled)", dict(cmap="viridis", vmin=truth.min(), vmax=truth.max())),
    (prediction, f"SWATRegressor, {reg.n_nonzero_} non-zeros",
     dict(cmap="viridis", vmin=truth.min(), vmax=truth.max())),
    (error, "prediction - truth", dict(cmap="RdBu_r", vmin=-limit, vmax=limit)),
]
for ax, (values, title, style) in zip(axes, panels):
    image = ax.imshow(values.reshape(gx.shape), origin="lower", extent=(-1, 1, -1, 1), **style)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.85)
plt.show()
