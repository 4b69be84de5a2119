"""Time ``SWATRegressor.fit`` with its defaults on one CORNN task, and ``predict`` throughput.

Runs on the CPU and, where there is one, on the GPU. Prints a table and writes a CSV.

    python benchmarks/fit_time.py [--function Himmelblau] [--repeats 1] [--output benchmarks/results/fit_time.csv]
"""

import argparse
import csv
import io
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

import sk_swat
from sk_swat import SWATRegressor, load_cornn
from sk_swat.utils import atomic_write


def _cpu_model():
    """The CPU's model name (``/proc/cpuinfo`` on Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _hardware(device):
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(0)
    return f"{_cpu_model()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--function", default="Himmelblau")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--predict-rows", type=int, default=1_000_000)
    parser.add_argument("--output", default=str(Path(__file__).parent / "results" / "fit_time.csv"))
    args = parser.parse_args(argv)

    X_train, X_test, y_train, y_test = load_cornn(args.function)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    for device in devices:
        for seed in range(args.repeats):
            reg = SWATRegressor(device=device, random_state=seed)
            start, cpu_start = time.perf_counter(), time.process_time()
            reg.fit(X_train, y_train)
            fit_seconds = time.perf_counter() - start
            # CPU seconds of this process beside wall seconds: the machine is shared.
            fit_cpu_seconds = time.process_time() - cpu_start
            X_big = np.random.RandomState(0).uniform(-1, 1, (args.predict_rows, X_train.shape[1]))
            start = time.perf_counter()
            reg.predict(X_big)
            predict_seconds = time.perf_counter() - start
            rows.append({
                "function": args.function,
                "device": device,
                "hardware": _hardware(device),
                "seed": seed,
                "fit_seconds": round(fit_seconds, 2),
                "fit_cpu_seconds": round(fit_cpu_seconds, 2),
                "test_mse": float(np.mean((reg.predict(X_test) - y_test) ** 2)),
                "n_nonzero": reg.n_nonzero_,
                "architecture": reg.architecture_["hidden_layer_sizes"],
                "predict_rows_per_second": round(args.predict_rows / predict_seconds),
                "sk_swat_version": sk_swat.__version__,
            })
    header = list(rows[0])
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row[k]) for k in header))
    out = Path(args.output)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(out, buffer.getvalue())
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
