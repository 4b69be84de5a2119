"""Fit time, memory and ``predict`` throughput of ``SWATRegressor``, beside what a user would otherwise run.

    OMP_NUM_THREADS=1 python -m benchmarks.fit_time [--function Himmelblau] [--quick] [--output-dir DIR]

Writes two CSV files to ``--output-dir`` (default ``benchmarks/results``) and prints them:

``fit_time.csv``
    On one CORNN task, in one process and with one thread setting, one after another: the default
    ``SWATRegressor()`` (and the same with the other of 1 or 2 threads), scikit-learn's ``MLPRegressor`` (tanh, L-BFGS) with 1 to 4 layers of 7, the dense
    12-configuration grid of the paper's Exp. 2 (``DenseMLPRegressor``, 1-4 layers of 7, each activation)
    and DARTS + ADMM at one depth: wall and CPU seconds, test MSE, non-zeros, and the rows per CPU
    second that the found network predicts (1 M rows, best of three).
``fit_scaling.csv``
    ``SWATRegressor()`` on a smooth synthetic target against the number of rows (1 k to 1 M, 2 features)
    and of features (2, 8, 16 at 10 k rows): wall and CPU seconds and the peak resident memory of the
    process, each fit in a fresh process so that its peak is its own.

The machine may be shared: CPU seconds are the figure to compare, and the CPU model is recorded.
"""

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from benchmarks.cornn.provenance import cpu_model
from sk_swat import SWATRegressor, __version__, load_cornn
from sk_swat.utils import atomic_write

RESULTS = Path(__file__).parent / "results"
SCALING = [(1_000, 2), (10_000, 2), (100_000, 2), (1_000_000, 2), (10_000, 8), (10_000, 16)]


def _timed(fit):
    """Run ``fit()``; return its result with the wall and CPU seconds it took."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fit()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _predict_rate(estimator, n_features, n_rows=1_000_000, repeats=3):
    """Rows ``predict`` runs per CPU second on ``n_rows`` rows, best of ``repeats``.

    CPU seconds, not wall: on a shared machine they are what the code costs (``predict`` runs on the
    thread that calls it, with the one BLAS thread of this benchmark).
    """
    X = np.random.RandomState(0).uniform(-1, 1, (n_rows, n_features))
    estimator.predict(X[:1000])
    seconds = []
    for _ in range(repeats):
        start = time.process_time()
        estimator.predict(X)
        seconds.append(time.process_time() - start)
    return round(n_rows / min(seconds))


def _n_parameters(mlp_regressor):
    return int(sum(np.count_nonzero(w) for w in mlp_regressor.coefs_ + mlp_regressor.intercepts_))


def compare(function, quick, threads):
    """Rows of ``fit_time.csv``."""
    from sklearn.neural_network import MLPRegressor

    from sk_swat.baselines import DartsMLPRegressor, DenseMLPRegressor

    X_train, X_test, y_train, y_test = load_cornn(function)

    def test_mse(estimator):
        return float(np.mean((estimator.predict(X_test) - y_test) ** 2))

    short = {"max_iter": 20, "refine_iter": 5} if quick else {}
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    # The default fit, and on the CPU the same with the other thread count, to show what threads cost.
    runs = [(device, threads) for device in devices] + [("cpu", 2 if threads == 1 else 1)]
    for device, n_threads in runs:
        reg, wall, cpu = _timed(lambda: SWATRegressor(device=device, random_state=0, n_threads=n_threads, **short)
                                .fit(X_train, y_train))
        rows.append({"method": f"SWATRegressor(n_threads={n_threads}) on {device}", "wall_seconds": wall,
                     "cpu_seconds": cpu,
                     "test_mse": test_mse(reg), "n_nonzero": reg.n_nonzero_,
                     "predict_rows_per_cpu_second": _predict_rate(reg, X_train.shape[1])})
    for depth in range(1, 5):
        mlp, wall, cpu = _timed(lambda: MLPRegressor(hidden_layer_sizes=(7,) * depth, activation="tanh", solver="lbfgs",
                                                     max_iter=20 if quick else 200, random_state=0)
                                .fit(X_train, y_train))
        rows.append({"method": f"MLPRegressor((7,) * {depth}, tanh, lbfgs)", "wall_seconds": wall,
                     "cpu_seconds": cpu, "test_mse": test_mse(mlp), "n_nonzero": _n_parameters(mlp),
                     "predict_rows_per_cpu_second": _predict_rate(mlp, X_train.shape[1])})
    grid, wall, cpu = _timed(lambda: [
        DenseMLPRegressor(hidden_layer_sizes=(7,) * depth, activation=activation, max_iter=20 if quick else 6000,
                          random_state=0, device="cpu").fit(X_train, y_train)
        for depth in range(1, 5) for activation in ("sigmoid", "tanh", "leaky_relu")
    ])
    best = min(grid, key=test_mse)
    rows.append({"method": "DenseMLPRegressor grid (12 fits; the best)", "wall_seconds": wall, "cpu_seconds": cpu,
                 "test_mse": test_mse(best), "n_nonzero": best.n_nonzero_, "predict_rows_per_cpu_second": ""})
    darts, wall, cpu = _timed(lambda: DartsMLPRegressor(n_layers=1, random_state=0, device="cpu",
                                                        **({"n_epochs": 2, "retrain_iter": 20, "admm_iter": 20}
                                                           if quick else {}))
                              .fit(X_train, y_train))
    rows.append({"method": "DartsMLPRegressor(n_layers=1) + ADMM", "wall_seconds": wall, "cpu_seconds": cpu,
                 "test_mse": test_mse(darts), "n_nonzero": darts.n_nonzero_, "predict_rows_per_cpu_second": ""})
    for row in rows:
        row.update(function=function)
    return rows


def _target(X):
    """A smooth target of any number of features."""
    return np.sin(np.pi * X[:, 0]) * np.cos(X[:, 1]) + 0.5 * np.mean(X**2, axis=1)


def _scaling_child(n_rows, n_features, quick):
    """Fit in this process and print one JSON row (run in a fresh process by :func:`scaling`)."""
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (n_rows, n_features))
    y = _target(X)
    short = {"max_iter": 20, "refine_iter": 5} if quick else {}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _, wall, cpu = _timed(lambda: SWATRegressor(random_state=0, device="cpu", **short).fit(X, y))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n_rows": n_rows, "n_features": n_features, "wall_seconds": wall, "cpu_seconds": cpu,
                      "peak_memory_mb": peak / 1024, "memory_before_fit_mb": before / 1024}))


def scaling(quick):
    """Rows of ``fit_scaling.csv``, each fit in its own process."""
    rows = []
    for n_rows, n_features in SCALING[:2] if quick else SCALING:
        command = [sys.executable, "-m", "benchmarks.fit_time", "--scaling-child", str(n_rows), str(n_features)]
        out = subprocess.run(command + (["--quick"] if quick else []), check=True, capture_output=True, text=True,
                             cwd=Path(__file__).parent.parent)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return rows


def _write(rows, path, hardware):
    for row in rows:
        row.update(hardware=hardware, sk_swat_version=__version__)
        for key, value in row.items():
            if isinstance(value, float):
                row[key] = f"{value:.4g}" if "mse" in key else round(value, 2)
    header = list(rows[0])
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row[k]) for k in header))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, buffer.getvalue())
    print(f"wrote {path}\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--function", default="Himmelblau")
    parser.add_argument("--threads", type=int, default=1, help="torch and BLAS threads of every fit")
    parser.add_argument("--output-dir", default=str(RESULTS))
    parser.add_argument("--quick", action="store_true", help="tiny iteration counts: a smoke test")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--scaling-child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads):
        if args.scaling_child:
            _scaling_child(*args.scaling_child, args.quick)
            return
        out = Path(args.output_dir)
        hardware = f"{cpu_model()}, {os.cpu_count()} cores, {args.threads} thread(s)"
        _write(compare(args.function, args.quick, args.threads), out / "fit_time.csv", hardware)
        if not args.skip_scaling:
            _write(scaling(args.quick), out / "fit_scaling.csv", hardware)


if __name__ == "__main__":
    main()
