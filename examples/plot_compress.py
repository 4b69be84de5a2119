"""
Compressing a deep MLP part by part
===================================

The autoencoder embeds networks of at most four hidden layers, so a deeper network cannot be
searched whole. :func:`sk_swat.compress` cuts it at some of its hidden layers, which stay, and
searches a compact replacement for each part in the latent space, each fitted on what the
replacements before it produce (SWAT-NN, Section V-F). This example reruns the paper's proof of
concept (Fig. 15): a leaky-ReLU network of 9 hidden layers of 7 neurons without biases, cut at
its 5th hidden layer into a 2 -> 7 part and a 7 -> 1 part, each replaced by 2 hidden layers, so
that the result has 5. The first part has 7 outputs, which the bundled autoencoder embeds.
"""

# %%
# ``SK_SWAT_DOCS_QUICK=1`` (set by the documentation's CI build) shortens the searches; without it
# the estimator's defaults are used.
import os

QUICK = os.environ.get("SK_SWAT_DOCS_QUICK", "") not in ("", "0")

# %%
# The deep network
# ----------------
# Any ``torch.nn.Sequential`` of ``Linear`` layers and supported activations (or a
# :class:`~sk_swat.SparseMLP`) can be compressed.
import numpy as np
import torch

from sk_swat.activations import LEAKY_RELU_SLOPE

torch.manual_seed(0)
sizes = [2] + [7] * 9 + [1]
layers = []
for n_in, n_out in zip(sizes[:-1], sizes[1:]):
    layers += [torch.nn.Linear(n_in, n_out, bias=False), torch.nn.LeakyReLU(LEAKY_RELU_SLOPE)]
deep = torch.nn.Sequential(*layers[:-1]).double()

# %%
# Compress
# --------
# ``cuts=[5]`` keeps the 5th hidden layer; ``part_params`` asks for two hidden layers per part.
from sk_swat import SparseMLP, compress
from sk_swat.compression import relative_functional_error

settings = dict(max_iter=200, refine_iter=100) if QUICK else {}
original = SparseMLP.from_torch(deep)
small = compress(deep, cuts=[5], part_params=[{"depths": (2,)}, {"depths": (2,)}], random_state=0, **settings)
print("original:  ", original.depth, "hidden layers,", original.n_nonzero, "non-zeros")
print("compressed:", small.depth, "hidden layers,", small.n_nonzero, "non-zeros")

axis = np.linspace(-1, 1, 100)
grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
error = relative_functional_error(original.predict(grid), small.predict(grid))
print(f"relative functional error on the grid: {error:.3g}")

# %%
# The two functions over the input square
# ---------------------------------------
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), constrained_layout=True)
values = [original.predict(grid), small.predict(grid)]
low, high = min(v.min() for v in values), max(v.max() for v in values)
for ax, v, title in zip(axes, values, ["original, 9 hidden layers", f"compressed, {small.depth} hidden layers"]):
    image = ax.imshow(v.reshape(100, 100), origin="lower", extent=(-1, 1, -1, 1), vmin=low, vmax=high)
    ax.set_title(title)
fig.colorbar(image, ax=axes, shrink=0.8)
plt.show()

# %%
# :func:`~sk_swat.compression.compose` joins any networks the same way, and
# ``python -m benchmarks.compression`` in the repository reruns this study with the ablation
# without latent steps and a pruned 5-layer network fitted to the same function
# (:ref:`benchmarks`).
