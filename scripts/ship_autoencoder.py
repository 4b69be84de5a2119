"""Copy a pretraining run's weights into the package and write their model card.

    python scripts/ship_autoencoder.py RUN_DIR --command "sk-swat pretrain RUN_DIR ..." --hardware "..."

Reads RUN_DIR/checkpoint.pt (counters only), RUN_DIR/settings.json and RUN_DIR/model/, runs the fidelity
report (`sk-swat evaluate-autoencoder`) on the copied weights, and writes
sk_swat/autoencoder/pretrained/{config.json, model.safetensors, model.safetensors.sha256, README.md,
fidelity.csv, smoothness.png}. An autoencoder of several outputs gets one report per number of outputs, and one
of one-output MLPs of 16 inputs, their rows together in fidelity.csv.
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
from sk_swat.autoencoder.loading import BUNDLED_DIR
from sk_swat.encoding import MAX_INPUTS

#: (outputs, inputs) of the held-out MLPs of each report of the card of an autoencoder of several outputs.
MULTI_OUTPUT_REPORTS = ((1, 2), (1, MAX_INPUTS), (2, 2), (3, 2), (7, 2))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--command", required=True, help="the exact pretraining command(s) of the run")
    parser.add_argument("--hardware", required=True)
    parser.add_argument("--n-mlps", type=int, default=1000, help="held-out MLPs per depth for the report")
    parser.add_argument("--notes", default="", help="extra paragraph for the card")
    args = parser.parse_args(argv)
    # The package directories of a source checkout (the script does not ship into an installed copy).
    target = BUNDLED_DIR
    run = Path(args.run_dir)
    state = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=True)
    settings = json.loads((run / "settings.json").read_text())
    config = json.loads((run / "model" / "config.json").read_text())
    multi_output = config.get("max_outputs", 1) > 1

    staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
    for name in ("config.json", "model.safetensors", "model.safetensors.sha256"):
        shutil.copy2(run / "model" / name, staging / name)
    old = target.with_name(f"{target.name}.old")
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
    # The reports on the bundled weights as users get them: `sk-swat evaluate-autoencoder OUT` reproduces them.
    reports, csv_rows = [], []
    for n_outputs, n_inputs in MULTI_OUTPUT_REPORTS if multi_output else ((1, 2),):
        report_dir = Path(tempfile.mkdtemp())
        paths = write_fidelity_report(report_dir, n_mlps=args.n_mlps, n_inputs=n_inputs, n_outputs=n_outputs)
        report = paths["markdown"].read_text().replace(str(report_dir), "OUT")
        if multi_output:
            outputs = "1 output" if n_outputs == 1 else f"{n_outputs} outputs"
            report = report.replace("## Autoencoder fidelity", f"### {outputs}, {n_inputs} inputs", 1)
        reports.append(report)
        header, *rows = paths["csv"].read_text().splitlines()
        if multi_output:
            header, rows = f"n_outputs,n_inputs,{header}", [f"{n_outputs},{n_inputs},{row}" for row in rows]
        csv_rows = (csv_rows or [header]) + rows
        if n_outputs == 1 and n_inputs == 2:
            shutil.copy2(paths["png"], target / "smoothness.png")
    (target / "fidelity.csv").write_text("\n".join(csv_rows) + "\n")
    report = "\n".join(reports)
    size_mb = (target / "model.safetensors").stat().st_size / 1e6
    n_params = sum(v.numel() for k, v in state["model"].items())
    hours = state["seconds"] / 3600
    outputs = f"1-{config['max_outputs']} outputs" if multi_output else "one output"
    card = f"""---
library_name: sk-swat
tags: [sk-swat, swat-nn, mlp-autoencoder]
---
# sk-swat bundled MLP autoencoder

The autoencoder that `SWATRegressor()` and `sk_swat.load_autoencoder()` use by default. It embeds MLPs of
1-4 hidden layers of up to 7 neurons, 1-16 inputs and {outputs} (weights, biases, one activation per neuron
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
MLPs per depth{' (of the numbers of outputs and inputs that each report names)' * multi_output}, with hard decoding (masks thresholded at 0.5, arg-max activation); 0 is exact, 1 is no
better than predicting the mean. Each report names the command that reproduces it.

{report}
"""
    tmp = target / "README.md.tmp"
    tmp.write_text(card)
    os.replace(tmp, target / "README.md")
    print(card)


if __name__ == "__main__":
    main()
