"""SWATRegressor on real and classic regression data, against the models users already trust.

Every model is ``make_pipeline(StandardScaler(), model)`` and is scored by repeated K-fold
cross-validation (5 folds x 2 repeats by default) on data sets that install with scikit-learn
(no download), on Friedman 1-3, and on two multi-target sets (Linnerud's three targets and a
synthetic set whose targets share their structure), where one SWAT network with several outputs
meets ``MultiOutputRegressor(SWATRegressor())``; R^2 of several targets is their mean. Prints a Markdown table of the mean and standard deviation of
R^2, the parameters of the fitted model and the fit seconds (wall and CPU), and writes
``real_data.csv`` (one row per fit) and ``real_data.md`` (the table) into ``--output-dir``.
A run resumes: fits already in the CSV are not run again.

    python -m benchmarks.real_data [--output-dir docs/benchmarks] [--datasets ...] [--methods ...] [--quick]
"""

import argparse
import csv
import io
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
import torch
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, load_linnerud, make_friedman1, make_friedman2, make_friedman3
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import RepeatedKFold
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sk_swat
from benchmarks.cornn.provenance import cpu_model
from benchmarks.cornn.results import file_lock
from sk_swat import SWATRegressor
from sk_swat.baselines import DartsMLPRegressor
from sk_swat.search import PAPER_TOLERANCE
from sk_swat.utils import atomic_write

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks"
FIELDS = [
    "dataset", "method", "mode", "repeat", "fold", "n_train", "n_test", "r2", "n_params",
    "fit_seconds", "fit_cpu_seconds", "architecture", "cpu", "sk_swat_version", "sklearn_version",
]


def _linnerud():
    # The one single-target view of the multi-output data: waist (cm) from three exercises.
    data = load_linnerud()
    return data.data, data.target[:, data.target_names.index("Waist")]


def _shared_targets(n_samples=1000, noise=0.05, seed=0):
    """Three targets made of the same two hidden features of four inputs, with Gaussian noise."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, (n_samples, 4))
    s1, s2 = np.tanh(2 * X[:, 0] - X[:, 1]), np.tanh(X[:, 2] + X[:, 3] - X[:, 0])
    Y = np.c_[s1 + s2, s1 - 0.5 * s2, 0.5 * s1**2 - s2]
    return X, Y + noise * rng.standard_normal(Y.shape)


#: name -> (description, loader returning X, y). Friedman data: 2000 rows, scikit-learn's default noise (0).
#: A loader whose y has several columns makes a multi-target data set.
DATASETS = {
    "diabetes": ("scikit-learn's diabetes, 442 x 10", lambda: load_diabetes(return_X_y=True)),
    "linnerud": ("scikit-learn's Linnerud, waist from 3 exercises, 20 x 3", _linnerud),
    "friedman1": ("make_friedman1, 2000 x 10", lambda: make_friedman1(2000, random_state=0)),
    "friedman2": ("make_friedman2, 2000 x 4", lambda: make_friedman2(2000, random_state=0)),
    "friedman3": ("make_friedman3, 2000 x 4", lambda: make_friedman3(2000, random_state=0)),
    "linnerud_3": ("scikit-learn's Linnerud, weight, waist and pulse from 3 exercises, 20 x 3 -> 3",
                   lambda: load_linnerud(return_X_y=True)),
    "shared_3": ("synthetic: 3 noisy targets (noise sd 0.05) of the same 2 hidden features of 4 inputs, "
                 "1000 x 4 -> 3", _shared_targets),
}


#: DARTS + ADMM with a third of its default full-batch epochs (2000 retraining, 1000 + 1000 ADMM, against
#: 6000, 3000, 3000), so that the whole benchmark runs in about an hour on one core; the search is the default.
DARTS_EPOCHS = dict(retrain_iter=2000, admm_iter=1000, admm_retrain_iter=1000)


def _darts(seed, quick):
    # DartsMLPRegressor trains on y as given; its docs ask for a scaled target.
    settings = dict(n_epochs=1, retrain_iter=5, admm_iter=5, admm_retrain_iter=5) if quick else DARTS_EPOCHS
    darts = DartsMLPRegressor(n_layers=2, random_state=seed, device="cpu", **settings)
    return TransformedTargetRegressor(regressor=darts, transformer=StandardScaler())


def _swat(seed, quick, **params):
    settings = dict(depths=(1,), n_restarts=1, max_iter=5, refine_iter=5, refine_restarts=0) if quick else {}
    return SWATRegressor(random_state=seed, device="cpu", **settings, **params)


def _mlp(seed, quick, **params):
    if quick:
        params["max_iter"] = 20
    return MLPRegressor(random_state=seed, **params)


#: name -> (description, factory(seed, quick) -> the model after the StandardScaler).
METHODS = {
    "swat": ("SWATRegressor()", _swat),
    # Ablations of the parts that guard against noise: the weight decay, and the validated pruning.
    "swat_no_decay": ("SWATRegressor(weight_decay=0)", lambda seed, quick: _swat(seed, quick, weight_decay=0.0)),
    "swat_unpruned": ("SWATRegressor(hardening='learned')",
                      lambda seed, quick: _swat(seed, quick, hardening="learned")),
    # The selection's tolerance: the paper's 5 % (the default before tol=0) trades accuracy for sparsity.
    "swat_paper_tol": ("SWATRegressor(tol=0.05)", lambda seed, quick: _swat(seed, quick, tol=PAPER_TOLERANCE)),
    "swat_tol_0.01": ("SWATRegressor(tol=0.01)", lambda seed, quick: _swat(seed, quick, tol=0.01)),
    "ridge": ("RidgeCV()", lambda seed, quick: RidgeCV()),
    "mlp": ("MLPRegressor() (100 neurons, adam)", lambda seed, quick: _mlp(seed, quick)),
    "mlp_lbfgs_7": ("MLPRegressor((7,), solver='lbfgs')",
                    lambda seed, quick: _mlp(seed, quick, hidden_layer_sizes=(7,), solver="lbfgs")),
    "mlp_lbfgs_7_7": ("MLPRegressor((7, 7), solver='lbfgs')",
                      lambda seed, quick: _mlp(seed, quick, hidden_layer_sizes=(7, 7), solver="lbfgs")),
    "swat_per_target": ("MultiOutputRegressor(SWATRegressor()): one network per target",
                        lambda seed, quick: MultiOutputRegressor(_swat(seed, quick))),
    "hgb": ("HistGradientBoostingRegressor()",
            lambda seed, quick: HistGradientBoostingRegressor(random_state=seed, max_iter=5 if quick else 100)),
    "darts_admm": ("DartsMLPRegressor(n_layers=2) + ADMM (1/3 of the epochs), target standardised", _darts),
}


#: Methods that fit one target only, and one that is only for several.
SINGLE_TARGET_METHODS = {"hgb", "darts_admm"}
MULTI_TARGET_METHODS = {"swat_per_target"}


def applies(method, multi_target):
    """Whether ``method`` runs on a data set of several targets (``multi_target``) or of one."""
    return method not in (SINGLE_TARGET_METHODS if multi_target else MULTI_TARGET_METHODS)


def _size(model):
    """Parameters of the fitted model after the scaler, and its architecture where it has one."""
    if isinstance(model, MultiOutputRegressor):
        sizes = [_size(m) for m in model.estimators_]
        return sum(n for n, _ in sizes), " ".join(a for _, a in sizes)
    if isinstance(model, TransformedTargetRegressor):
        model = model.regressor_
    if hasattr(model, "n_nonzero_"):
        return model.n_nonzero_, str(model.architecture_["hidden_layer_sizes"])
    if isinstance(model, MLPRegressor):
        return sum(a.size for a in model.coefs_ + model.intercepts_), str(list(model.hidden_layer_sizes))
    if hasattr(model, "coef_"):
        return np.size(model.coef_) + 1, ""
    return "", ""  # gradient-boosted trees: no count comparable with a network's


def _key(row):
    return tuple(str(row[k]) for k in ("dataset", "method", "mode", "repeat", "fold"))


def read_rows(path):
    """The rows of a results CSV, or none if it does not exist."""
    if not Path(path).exists():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, buffer.getvalue())


def add_row(path, row):
    """Add ``row`` to the results CSV at ``path``, keeping what other processes wrote; return all rows.

    The file is read again under its lock, so that runs writing the same file side by side (say, one
    data set each) do not overwrite each other's rows.
    """
    with file_lock(path):
        rows = [r for r in read_rows(path) if _key(r) != _key(row)] + [row]
        _write_csv(path, rows)
    return rows


def fit_one(dataset, method, mode, repeat, fold, X, y, train, test, seed):
    """Fit one pipeline on one fold; return its CSV row."""
    model = make_pipeline(StandardScaler(), METHODS[method][1](seed, mode == "quick"))
    start, cpu_start = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # MLPRegressor's, expected at its defaults
        model.fit(X[train], y[train])
    fit_seconds, fit_cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    n_params, architecture = _size(model[-1])
    return {
        "dataset": dataset, "method": method, "mode": mode, "repeat": repeat, "fold": fold,
        "n_train": len(train), "n_test": len(test), "r2": f"{model.score(X[test], y[test]):.6g}",
        "n_params": n_params, "fit_seconds": f"{fit_seconds:.3f}", "fit_cpu_seconds": f"{fit_cpu_seconds:.3f}",
        "architecture": architecture, "cpu": cpu_model(), "sk_swat_version": sk_swat.__version__,
        "sklearn_version": sklearn.__version__,
    }


def summarise(rows, mode):
    """The Markdown table: per data set and method, mean and std of R^2, parameters and fit seconds."""
    lines = [
        "| data | method | fits | R^2 mean | R^2 std | R^2 median | parameters (mean) | fit s wall (mean) "
        "| fit s CPU (mean) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for dataset in DATASETS:
        for method in METHODS:
            sel = [r for r in rows if (r["dataset"], r["method"], r["mode"]) == (dataset, method, mode)]
            if not sel:
                continue
            r2 = np.array([float(r["r2"]) for r in sel])
            params = [float(r["n_params"]) for r in sel if r["n_params"] != ""]
            wall = np.mean([float(r["fit_seconds"]) for r in sel])
            cpu = np.mean([float(r["fit_cpu_seconds"]) for r in sel])
            lines.append(
                f"| {dataset} | {METHODS[method][0]} | {len(sel)} | {r2.mean():.3f} | {r2.std():.3f} | "
                f"{np.median(r2):.3f} | {f'{np.mean(params):.0f}' if params else '-'} | {wall:.2f} | {cpu:.2f} |"
            )
    return "\n".join(lines)


def _report(rows, mode, command):
    cpus = sorted({r["cpu"] for r in rows if r["mode"] == mode})
    data = "\n".join(f"- `{name}`: {desc}" for name, (desc, _) in DATASETS.items())
    return (
        "# SWATRegressor on real and classic regression data\n\n"
        f"Written by `{command}`. Every model is `make_pipeline(StandardScaler(), model)` with its "
        "defaults but `random_state`, scored by `RepeatedKFold` (R^2 on the held-out fold). "
        "Parameters: non-zero weights and biases for SWAT and DARTS + ADMM, all weights and biases "
        "for the MLPs, coefficients and intercept for the linear model, none for the trees. Fit "
        "seconds are those of one process with one torch/BLAS thread (`OMP_NUM_THREADS=1`); CPU "
        "seconds are given beside wall seconds because the machine may be shared.\n\n"
        f"CPU: {', '.join(cpus)}; torch threads: {torch.get_num_threads()}. Mode: {mode}.\n\nData sets:\n\n{data}\n\n"
        f"{summarise(rows, mode)}\n"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT,
                        help="where real_data.csv and real_data.md go (default: docs/benchmarks)")
    parser.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    parser.add_argument("--methods", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument("--n-splits", type=int, default=5)
    parser.add_argument("--n-repeats", type=int, default=2)
    parser.add_argument("--max-rows", type=int, default=None,
                        help="use the first rows of each data set only (a smoke test)")
    parser.add_argument("--quick", action="store_true",
                        help="a few iterations per fit: checks that everything runs, measures nothing")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    csv_path = args.output_dir / "real_data.csv"
    rows = read_rows(csv_path)
    done = {_key(r) for r in rows}
    n_new = 0
    for dataset in args.datasets:
        X, y = DATASETS[dataset][1]()
        X, y = np.asarray(X, dtype=float)[: args.max_rows], np.asarray(y, dtype=float)[: args.max_rows]
        methods = [m for m in args.methods if applies(m, y.ndim == 2)]
        cv = RepeatedKFold(n_splits=args.n_splits, n_repeats=args.n_repeats, random_state=0)
        for split, (train, test) in enumerate(cv.split(X)):
            repeat, fold = divmod(split, args.n_splits)
            for method in methods:
                if _key({"dataset": dataset, "method": method, "mode": mode, "repeat": repeat, "fold": fold}) in done:
                    continue
                row = fit_one(dataset, method, mode, repeat, fold, X, y, train, test, seed=split)
                rows = add_row(csv_path, row)
                n_new += 1
                print(f"{dataset} {method} repeat {repeat} fold {fold}: R^2 {row['r2']}, "
                      f"{row['n_params']} parameters, {row['fit_seconds']} s", flush=True)
    command = "python -m benchmarks.real_data" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    report = _report(rows, mode, command)
    atomic_write(args.output_dir / "real_data.md", report)
    print(report)
    return n_new


if __name__ == "__main__":
    main()
