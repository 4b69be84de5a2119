"""Copy a pretraining run's weights into the package and write their model card.

    python scripts/ship_autoencoder.py RUN_DIR --command "sk-swat pretrain RUN_DIR ..." --hardware "..."

Reads RUN_DIR/checkpoint.pt (counters only), RUN_DIR/settings.json and RUN_DIR/model/, runs the fidelity
report (`sk-swat evaluate-autoencoder`) on the copied weights, and writes
sk_swat/autoencoder/pretrained/{config.json, model.safetensors, README.md, fidelity.csv, smoothness.png}.
"""

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch

import sk_swat
from sk_swat.autoencoder.evaluation import write_fidelity_report

TARGET = Path(__file__).resolve().parents[1] / "sk_swat" / "autoencoder" / "pretrained"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--command", required=True, help="the exact pretraining command(s) of the run")
    parser.add_argument("--hardware", required=True)
    parser.add_argument("--n-mlps", type=int, default=1000, help="held-out MLPs per depth for the report")
    parser.add_argument("--notes", default="", help="extra paragraph for the card")
    args = parser.parse_args(argv)
    run = Path(args.run_dir)
    state = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=True)
    settings = json.loads((run / "settings.json").read_text())
    config = json.loads((run / "model" / "config.json").read_text())

    staging = Path(tempfile.mkdtemp(prefix="pretrained.", dir=TARGET.parent))
    for name in ("config.json", "model.safetensors"):
        shutil.copy2(run / "model" / name, staging / name)
    old = TARGET.with_name("pretrained.old")
    if TARGET.exists():
        os.replace(TARGET, old)
    os.replace(staging, TARGET)
    shutil.rmtree(old, ignore_errors=True)
    # The report on the bundled weights as users get them: `sk-swat evaluate-autoencoder OUT` reproduces it.
    report_dir = Path(tempfile.mkdtemp())
    paths = write_fidelity_report(report_dir, n_mlps=args.n_mlps)
    report = paths["markdown"].read_text().replace(str(report_dir), "OUT")
    for key, name in (("csv", "fidelity.csv"), ("png", "smoothness.png")):
        shutil.copy2(paths[key], TARGET / name)
    size_mb = (TARGET / "model.safetensors").stat().st_size / 1e6
    n_params = sum(v.numel() for k, v in state["model"].items())
    hours = state["seconds"] / 3600
    card = f"""---
library_name: sk-swat
tags: [sk-swat, swat-nn, mlp-autoencoder]
---
# sk-swat bundled MLP autoencoder

The autoencoder that `SWATRegressor()` and `sk_swat.load_autoencoder()` use by default. It embeds MLPs of
1-4 hidden layers of up to 7 neurons, 1-16 inputs and one output (weights, biases, one activation per neuron
among sigmoid / tanh / leaky ReLU, neuron masks) as a latent of shape {config['n_tokens']} x {config['hidden_size']}
(SWAT-NN, Section III-A). Trained with sk-swat {sk_swat.__version__} by the project's own pretraining code.

## Model
- GPT-2 encoder ({config['n_encoder_layers']} blocks) and {'one shared GPT-2 decoder trunk' if config['shared_decoder_trunk'] else 'one GPT-2 decoder per depth'} ({config['n_decoder_layers']} blocks) with one linear head per depth 1-4;
  width {config['hidden_size']}, {config['n_head']} heads; {n_params:,} parameters; `model.safetensors` {size_mb:.1f} MB (float32).
- Token layout version {config['layout_version']} (`sk_swat/encoding.py`).

## Training
- Command: `{args.command}`
- Settings: `{json.dumps(settings)}`
- Random MLPs seen: {state['mlps_seen']:,} ({state['step']:,} Adam steps).
- Hardware: {args.hardware}; training time {hours:.2f} hours.
{args.notes}

## Fidelity on held-out random MLPs
Median relative functional error sum((f - f_hat)^2) / sum((f - mean f)^2) over {args.n_mlps} held-out random
2-input MLPs per depth, with hard decoding (masks thresholded at 0.5, arg-max activation); 0 is exact, 1 is no
better than predicting the mean. Reproduce with `sk-swat evaluate-autoencoder OUT --n-mlps {args.n_mlps}`.

{report}
"""
    tmp = TARGET / "README.md.tmp"
    tmp.write_text(card)
    os.replace(tmp, TARGET / "README.md")
    print(card)


if __name__ == "__main__":
    main()
