"""
Pretraining your own autoencoder
================================

sk-swat ships a pretrained autoencoder, but you can train one yourself: longer, larger, or on a
GPU. This example pretrains a *tiny* autoencoder for a few dozen steps (far too few to be useful;
real runs see millions of random MLPs), watches its held-out error, loads it from its directory
with :func:`~sk_swat.load_autoencoder`, and fits :class:`~sk_swat.SWATRegressor` with it.

On the command line, ``sk-swat pretrain`` runs nearly the same training (it holds out 256
random MLPs per depth instead of 64)::

    sk-swat pretrain runs/tiny-ae --n-mlps 6400 --batch-size 32 --n-points 128 \\
        --checkpoint-every 20 --hidden-size 32 --heads 2 --encoder-layers 1 --decoder-layers 1
"""

# %%
# ``SK_SWAT_DOCS_QUICK=1`` (set by the documentation's CI build) runs fewer pretraining and
# search steps.
import os

QUICK = os.environ.get("SK_SWAT_DOCS_QUICK", "") not in ("", "0")

# %%
# Pretraining
# -----------
# :class:`~sk_swat.autoencoder.SWATAutoencoderConfig` sets the size of the model (here one
# GPT-2 block of width 32 in the encoder and in the shared decoder trunk; the bundled autoencoder
# has two blocks of width 128), and :class:`~sk_swat.autoencoder.pretraining.PretrainSettings`
# the training: ``n_mlps`` random MLPs in all, ``batch_size`` per step, and a held-out evaluation
# every ``checkpoint_every`` steps.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sk_swat.autoencoder import SWATAutoencoderConfig
from sk_swat.autoencoder.pretraining import PretrainSettings, pretrain

run_dir = Path(tempfile.mkdtemp(prefix="sk-swat-tiny-ae-"))
n_steps = 40 if QUICK else 200
config = SWATAutoencoderConfig(hidden_size=32, n_head=2, n_encoder_layers=1, n_decoder_layers=1)
settings = PretrainSettings(
    n_mlps=32 * n_steps, batch_size=32, n_points=128, n_holdout=64, checkpoint_every=n_steps // 10, seed=0
)
result = pretrain(run_dir, settings, config)
print(result)
print(sorted(p.name for p in run_dir.iterdir()))

# %%
# The run directory holds ``model/`` (``config.json`` and ``model.safetensors``, written by
# ``save_pretrained`` at every checkpoint), ``checkpoint.pt`` for ``--resume``, ``settings.json``
# and ``log.csv``: the median relative error of the best decoder on held-out random MLPs, at every
# checkpoint (1 means no better than predicting the mean).
import csv

with open(run_dir / "log.csv") as f:
    log = list(csv.DictReader(f))
steps = [int(row["step"]) for row in log]
error = [float(row["holdout_median_best_relative_error"]) for row in log]

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.plot(steps, error, "o-")
ax.axhline(1.0, color="gray", ls="--", lw=1, label="no better than the mean")
ax.set_xlabel("step")
ax.set_ylabel("held-out median relative error")
ax.set_title(f"tiny autoencoder, {result['mlps_seen']} random MLPs")
ax.legend()
plt.show()

# %%
# Loading it
# ----------
# :func:`~sk_swat.load_autoencoder` reads the directory (safetensors only) and returns the model
# frozen, in eval mode.
from sk_swat import SWATRegressor, load_autoencoder, load_cornn

model_dir = run_dir / "model"
autoencoder = load_autoencoder(model_dir)
print(type(autoencoder).__name__, autoencoder.config.latent_shape,
      sum(p.numel() for p in autoencoder.parameters()), "parameters")

# %%
# Fitting with it
# ---------------
# ``SWATRegressor(autoencoder=...)`` takes the same directory (or a Hub repo id). The point here is
# the mechanics: after so little pretraining the tiny autoencoder has learned little (its held-out
# error above is still far from 0), and the refinement of the surviving weights does much of the
# fitting, so do not read much into how its fit compares with one that uses the bundled
# autoencoder.
X_train, X_test, y_train, y_test = load_cornn("Sphere")
search = dict(depths=(1, 2), max_iter=100, refine_iter=50) if QUICK else dict(depths=(1, 2))
for name, source in [("tiny", model_dir), ("bundled", None)]:
    reg = SWATRegressor(autoencoder=source, random_state=0, **search).fit(X_train, y_train)
    mse = np.mean((reg.predict(X_test) - y_test) ** 2)
    print(f"{name:8s} autoencoder: test MSE {mse:.4f}, {reg.n_nonzero_} non-zeros")

# %%
# Publishing it
# -------------
# The ``model/`` directory is a standard transformers model directory. After ``hf auth login``,
# ``load_autoencoder(model_dir).push_to_hub("owner/name")`` uploads it to the Hugging Face Hub,
# and anyone can then fit with ``SWATRegressor(autoencoder="owner/name", revision=...)``. See the
# user guide's page on autoencoders for tags, model cards and offline use.
