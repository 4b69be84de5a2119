"""
Fitting on a GPU
================

:class:`~sk_swat.SWATRegressor` runs its latent search on CUDA when PyTorch sees a GPU
(``device="auto"``, the default) and on the CPU otherwise. This example fits on the GPU when
there is one and says so when there is not, compares the fit time with the CPU, and shows that a
model fitted on one device predicts anywhere.
"""

# %%
# ``SK_SWAT_DOCS_QUICK=1`` (set by the documentation's CI build) shortens the search; without it
# the estimator's defaults are used.
import os

QUICK = os.environ.get("SK_SWAT_DOCS_QUICK", "") not in ("", "0")

# %%
# Which device?
# -------------
import pickle

import matplotlib.pyplot as plt
import numpy as np
import torch

from sk_swat import SWATRegressor, load_cornn

if torch.cuda.is_available():
    devices = ["cuda", "cpu"]
    print("CUDA GPU:", torch.cuda.get_device_name(0))
else:
    devices = ["cpu"]
    print("Note: PyTorch sees no CUDA GPU here, so this example runs on the CPU only. "
          'device="cuda" would raise a ValueError; device="auto" falls back to the CPU.')

# %%
# Fit time on each device, for more and more restarts
# ---------------------------------------------------
# All ``len(depths) * n_restarts`` candidates of a search go through the decoder as one batch.
# On a GPU extra candidates cost little; on a CPU the time grows with their number.
X_train, X_test, y_train, y_test = load_cornn("Ackley")
settings = dict(max_iter=100, refine_iter=50, depths=(1, 2)) if QUICK else {}
restarts = [1, 2, 4]

times, fitted = {}, {}
for device in devices:
    times[device] = []
    for n_restarts in restarts:
        reg = SWATRegressor(device=device, n_restarts=n_restarts, random_state=0, **settings)
        reg.fit(X_train, y_train)
        times[device].append(reg.fit_time_)
        fitted[device, n_restarts] = reg
        print(f"{reg.device_:6s} n_restarts={n_restarts}: {reg.fit_time_:6.1f} s, "
              f"test R^2 {reg.score(X_test, y_test):.3f}, {reg.n_nonzero_} non-zeros")

fig, ax = plt.subplots(figsize=(6, 3.8), layout="constrained")
for device in devices:
    ax.plot(restarts, times[device], "o-", label=device)
ax.set_xticks(restarts)
ax.set_xlabel("n_restarts")
ax.set_ylabel("fit time (s)")
ax.set_title(f"{len(settings.get('depths', (1, 2, 3, 4)))} depths x n_restarts candidates")
ax.legend()
plt.show()

# %%
# A fitted model needs no GPU
# ---------------------------
# The fitted state is numpy arrays, and ``predict`` runs in numpy. A model fitted on a GPU
# machine pickles, unpickles and predicts on a machine without one; the pickle holds the small
# network, not the autoencoder.
reg = fitted[devices[0], 1]
data = pickle.dumps(reg)
restored = pickle.loads(data)
print(f"fitted on {reg.device_}; pickle of {len(data) / 1000:.1f} kB; "
      f"same predictions: {np.array_equal(restored.predict(X_test), reg.predict(X_test))}")
