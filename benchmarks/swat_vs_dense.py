"""SWATRegressor with its defaults against the paper's traditional dense-MLP baseline.

For each CORNN function: ``SWATRegressor(random_state=seed)`` and dense MLPs of 7 neurons per hidden layer
(1-4 layers x sigmoid/tanh/leaky ReLU, Adam lr 0.01, 6000 full-batch epochs), the best dense model by test
MSE. Every fit is appended to a CSV as soon as it ends, and a rerun skips the fits already there. Writes
the CSV and a Markdown summary.

    python benchmarks/swat_vs_dense.py [--functions Ackley Adjiman ...] [--methods swat dense] [--output-dir DIR]
"""

import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
import torch

import sk_swat
from sk_swat import SWATRegressor, load_cornn
from sk_swat.baselines import DenseMLPRegressor
from sk_swat.encoding import ACTIVATIONS

FUNCTIONS = ["Ackley", "Adjiman", "Drop-Wave", "Himmelblau", "Rastrigin", "Sphere"]
#: SWAT with one default changed, by config name: what each part of the defaults contributes.
ABLATIONS = {
    "refine_iter=0": {"refine_iter": 0},
    "refine_restarts=0": {"refine_restarts": 0},
    "init=encode": {"init": "encode"},
}
FIELDS = ["method", "function", "config", "seed", "test_mse", "n_nonzero", "architecture", "fit_seconds", "device"]


def _configs():
    yield "swat", "defaults", lambda seed: SWATRegressor(random_state=seed)
    for config, params in ABLATIONS.items():
        yield "swat", config, lambda seed, p=params: SWATRegressor(**p, random_state=seed)
    for depth in range(1, 5):
        for act in ACTIVATIONS:
            yield "dense", f"{depth}x7-{act}", lambda seed, d=depth, a=act: DenseMLPRegressor(
                hidden_layer_sizes=(7,) * d, activation=a, random_state=seed
            )


def _done(path):
    if not path.exists():
        return set()
    with open(path) as fh:
        return {(r["method"], r["function"], r["config"], r["seed"]) for r in csv.DictReader(fh)}


def run(functions, seed, path, methods=("swat", "dense")):
    done = _done(path)
    new = not path.exists()
    with open(path, "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        if new:
            writer.writeheader()
        for function in functions:
            X_train, X_test, y_train, y_test = load_cornn(function)
            for method, config, make in _configs():
                if method not in methods or (method, function, config, str(seed)) in done:
                    continue
                est = make(seed)
                start = time.perf_counter()
                est.fit(X_train, y_train)
                seconds = time.perf_counter() - start
                row = {
                    "method": method, "function": function, "config": config, "seed": seed,
                    "test_mse": float(np.mean((est.predict(X_test) - y_test) ** 2)),
                    "n_nonzero": est.n_nonzero_, "architecture": est.architecture_["hidden_layer_sizes"],
                    "fit_seconds": round(seconds, 2), "device": "cuda" if torch.cuda.is_available() else "cpu",
                }
                writer.writerow(row)
                fh.flush()
                print(row, flush=True)


def summarise(path, out):
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    lines = [
        f"# SWATRegressor (defaults) vs dense MLP baseline (sk-swat {sk_swat.__version__})",
        "",
        "Dense: best test MSE over 1-4 hidden layers of 7 neurons x {sigmoid, tanh, leaky ReLU}, Adam lr 0.01, "
        "6000 full-batch epochs. Target: SWAT test MSE <= 1.5x dense, with fewer non-zeros. Fit seconds are "
        "wall-clock seconds on the machine that ran the rows, as loaded as it was then (see fit_time.py for "
        "timings on an idle machine).",
        "",
        "Columns `refine_iter=0` etc.: SWAT with that one default changed, as test MSE / non-zeros.",
        "",
        "| function | SWAT test MSE | SWAT non-zeros | SWAT architecture | SWAT fit s | "
        + " | ".join(f"`{c}`" for c in ABLATIONS)
        + " | dense best MSE | dense config | dense non-zeros | MSE ratio | target met |",
        "|---" * (10 + len(ABLATIONS)) + "|",
    ]
    met = 0
    functions = sorted({r["function"] for r in rows})
    for f in functions:
        swat = {r["config"]: r for r in rows if r["function"] == f and r["method"] == "swat"}
        dense = [r for r in rows if r["function"] == f and r["method"] == "dense"]
        if "defaults" not in swat or not dense:
            continue
        s = swat["defaults"]
        ablations = " | ".join(
            f"{float(swat[c]['test_mse']):.3g} / {swat[c]['n_nonzero']}" if c in swat else "-" for c in ABLATIONS
        )
        d = min(dense, key=lambda r: float(r["test_mse"]))
        ratio = float(s["test_mse"]) / float(d["test_mse"])
        ok = ratio <= 1.5 and int(s["n_nonzero"]) < int(d["n_nonzero"])
        met += ok
        lines.append(
            f"| {f} | {float(s['test_mse']):.3g} | {s['n_nonzero']} | {s['architecture']} | {s['fit_seconds']} | {ablations} "
            f"| {float(d['test_mse']):.3g} | {d['config']} | {d['n_nonzero']} | {ratio:.2f} | {'yes' if ok else 'no'} |"
        )
    lines += ["", f"Target met on {met} of {len(functions)} functions."]
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, out)
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", nargs="+", default=FUNCTIONS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", nargs="+", default=["swat", "dense"], choices=["swat", "dense"])
    parser.add_argument("--output-dir", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    run(args.functions, args.seed, out / "swat_vs_dense.csv", args.methods)
    summarise(out / "swat_vs_dense.csv", out / "swat_vs_dense.md")


if __name__ == "__main__":
    main()
