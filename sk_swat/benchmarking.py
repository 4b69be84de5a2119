"""The CORNN benchmark harness: SWAT-NN's experiments as data, a resumable parallel runner, a summary.

Four experiments (``EXPERIMENTS``), after Section IV and Section V-D of the SWAT-NN paper:

``exp1``
    SWAT-NN (``SWATRegressor`` defaults) against DARTS followed by ADMM (Fig. 4, 5).
``exp2``
    Activation search (all 7 neurons, no sparsity penalty) against the same search with one fixed
    activation and against traditional dense training with one fixed activation (Fig. 6, 7).
``exp3``
    The search with the sparsity penalty (``lambda_s=1e-3``, all 7 neurons) against the search
    without it followed by ADMM pruning, and against the search without any pruning (Fig. 8, 9).
``penalty_levels``
    The three penalty levels of Table I (Fig. 13).

Every method is run once per *configuration*, one number of hidden layers (1 to 4) each, and the
summary picks, per function and method, the best configuration by the paper's rule: the fewest
non-zero parameters among the configurations whose test MSE is within 5 % of the method's minimum.

:func:`run_experiment` runs methods x configurations x functions x seeds through
:class:`joblib.Parallel` (any joblib backend: loky, threading, dask, ray) and appends every result to
``<output_dir>/<experiment>.csv`` the moment it arrives, so an interrupted run resumes where it
stopped. :func:`summarise` reads the CSVs and writes the figures and ``summary.md``. :func:`main` is
the command line (``sk-swat benchmark`` and ``benchmarks/cornn.py``).

``--quick`` (``quick=True``) shrinks every iteration count to a handful, for smoke tests only; its
rows carry ``" [quick]"`` in their ``config`` and go to ``<experiment>-quick.csv``, its summary to
``summary-quick.md``, so quick results never mix with real ones.
"""

import argparse
import csv
import io
import os
import shlex
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock

from ._provenance import read_runs, record_run

__all__ = [
    "EXPERIMENTS",
    "FIELDS",
    "Configuration",
    "Experiment",
    "best_models",
    "get_experiment",
    "main",
    "run_experiment",
    "select_best",
    "summarise",
]

#: Columns of every results CSV, in order.
FIELDS = (
    "method", "function", "config", "seed", "test_mse", "n_nonzero", "architecture", "fit_seconds", "device"
)
#: Numbers of hidden layers: one configuration each.
DEPTHS = (1, 2, 3, 4)
#: The paper's tuning set (Section IV-A): reported apart from the other 52 functions.
TUNING_FUNCTIONS = (53, 54)
#: Relative MSE tolerance of the best-model rule.
TOL = 0.05
#: Appended to the ``config`` of every row of a quick run.
QUICK_MARK = " [quick]"
#: Iteration counts of a quick run, by parameter name, wherever the parameter is (nested ones too).
QUICK_PARAMS = {
    "max_iter": 4,
    "n_restarts": 1,
    "refine_iter": 2,
    "refine_restarts": 0,
    "n_epochs": 1,
    "batch_size": 1024,
    "retrain_iter": 4,
    "admm_iter": 2,
    "admm_retrain_iter": 2,
    "update_every": 1,
}
DEFAULT_OUTPUT_DIR = os.path.join("docs", "benchmarks")


# --------------------------------------------------------------------------------------------
# The experiments, as data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Configuration:
    """One estimator setting of one method.

    Parameters
    ----------
    method : str
        The ``method`` column of its rows.
    config : str
        The ``config`` column, e.g. ``"depth=2"`` or ``"depth=2,activation=tanh"``.
    estimator : estimator
        An unfitted prototype. :meth:`make` clones it and sets every (nested) ``random_state`` and
        ``device`` parameter.

    Examples
    --------
    >>> from sk_swat import SWATRegressor
    >>> from sk_swat.benchmarking import Configuration
    >>> c = Configuration("swat", "depth=2", SWATRegressor(depths=(2,)))
    >>> c.params
    {'depth': '2'}
    >>> est = c.make(seed=7, device="cpu")
    >>> est.random_state, est.device, est is c.estimator
    (7, 'cpu', False)
    """

    method: str
    config: str
    estimator: object

    @property
    def params(self):
        """The ``key=value`` pairs of ``config`` as a dict of str."""
        return _config_params(self.config)

    def make(self, seed, *, device="auto", quick=False):
        """A fresh estimator for one seed.

        Parameters
        ----------
        seed : int
            Set as every ``random_state`` parameter, nested ones included.
        device : str, default="auto"
            Set as every ``device`` parameter.
        quick : bool, default=False
            Also set the iteration counts of ``QUICK_PARAMS`` (smoke tests only).

        Returns
        -------
        estimator
            An unfitted clone of ``estimator`` with those parameters set.
        """
        from sklearn.base import clone

        estimator = clone(self.estimator)
        updates = {}
        for key in estimator.get_params(deep=True):
            name = key.rsplit("__", 1)[-1]
            if name == "random_state":
                updates[key] = int(seed)
            elif name == "device":
                updates[key] = device
            elif quick and name in QUICK_PARAMS:
                updates[key] = QUICK_PARAMS[name]
        return estimator.set_params(**updates)


@dataclass(frozen=True)
class Experiment:
    """An experiment: its methods, their configurations, and what the summary draws.

    The four experiments are built in; get them with :func:`get_experiment`.

    Parameters
    ----------
    name : str
        File stem of its results (``<name>.csv``).
    title : str
        Heading in the summary.
    description : str
        What is compared, in Markdown.
    reference : str
        The SWAT method whose sparsity and accuracy the summary counts.
    methods : tuple of (str, str)
        ``(method, label)`` in drawing order.
    configurations : tuple of Configuration
        Every estimator setting that runs, one per method and number of hidden layers (and, in
        ``exp2``, activation).
    figures : tuple of (str, str, str)
        ``(kind, file suffix, caption)``; kinds: ``"scatter"`` (MSE vs non-zeros of every row),
        ``"best"`` (best model per function and method), ``"activations:<method>"`` (lowest MSE of
        the reference against each activation of ``<method>``).

    Examples
    --------
    >>> from sk_swat.benchmarking import get_experiment
    >>> exp = get_experiment("exp1")
    >>> exp.reference, exp.label("darts_admm")
    ('swat', 'DARTS + ADMM')
    >>> [c.config for c in exp.select(methods=["swat"])]
    ['depth=1', 'depth=2', 'depth=3', 'depth=4']
    """

    name: str
    title: str
    description: str
    reference: str
    methods: tuple
    configurations: tuple
    figures: tuple

    def label(self, method):
        """The display label of ``method``.

        Parameters
        ----------
        method : str
            A method name of this experiment.

        Returns
        -------
        str
            Its label, or ``method`` itself if the experiment does not know it.
        """
        return dict(self.methods).get(method, method)

    def select(self, *, depths=None, methods=None):
        """The configurations with a depth in ``depths`` and a method in ``methods``.

        Parameters
        ----------
        depths : list of int, default=None
            Numbers of hidden layers, 1 to 4 (None: all).
        methods : list of str, default=None
            Method names of this experiment (None: all).

        Returns
        -------
        tuple of Configuration
            In the experiment's order.
        """
        known = {m for m, _ in self.methods}
        if methods is not None:
            unknown = sorted(set(methods) - known)
            if unknown:
                raise ValueError(f"Unknown methods {unknown} for {self.name}; valid: {sorted(known)}.")
        if depths is not None:
            bad = sorted(set(int(d) for d in depths) - set(DEPTHS))
            if bad:
                raise ValueError(f"depths must lie in {DEPTHS}, got {bad}.")
        return tuple(
            c
            for c in self.configurations
            if (methods is None or c.method in methods)
            and (depths is None or int(c.params["depth"]) in {int(d) for d in depths})
        )


def _config_params(config):
    config = config[: -len(QUICK_MARK)] if config.endswith(QUICK_MARK) else config
    return dict(item.split("=", 1) for item in config.split(",") if "=" in item)


def _build_experiments():
    from ._regressor import SWATRegressor
    from .baselines import DartsMLPRegressor, DenseMLPRegressor, PrunedMLPRegressor, SWATADMMRegressor
    from .encoding import ACTIVATIONS

    def per_depth(method, make):
        return tuple(Configuration(method, f"depth={d}", make(d)) for d in DEPTHS)

    def per_depth_activation(method, make):
        return tuple(
            Configuration(method, f"depth={d},activation={a}", make(d, a)) for d in DEPTHS for a in ACTIVATIONS
        )

    def no_sparsity(depth, **params):
        return SWATRegressor(depths=(depth,), lambda_s=0.0, prune_neurons=False, **params)

    levels = {"small": (1e-5, 0.1, 1e-4), "medium": (1e-4, 0.4, 1e-3), "large": (1e-3, 0.4, 1e-1)}

    experiments = [
        Experiment(
            name="exp1",
            title="Exp. 1: sparse and compact MLPs, SWAT-NN vs DARTS + ADMM",
            description=(
                "`swat`: `SWATRegressor(depths=(k,))`, every other parameter at its default "
                "(activation search, neuron pruning, `lambda_s=1e-4`, `alpha=0.4`, `beta=1e-3`). "
                "`darts_admm`: `DartsMLPRegressor(n_layers=k)` (DARTS over widths 1-7 and activations, "
                "50 epochs, retraining, ADMM with rho=2, threshold 0.1). `pruned_dense`: "
                "`PrunedMLPRegressor(hidden_layer_sizes=(7,) * k)`, the practitioner's baseline: a dense tanh MLP "
                "trained by L-BFGS (best of 3 starts), then magnitude pruning with retraining while the "
                "validation MSE stays within 5 % of the dense one's. One configuration per k = 1..4."
            ),
            reference="swat",
            methods=(("swat", "SWAT-NN"), ("darts_admm", "DARTS + ADMM"), ("pruned_dense", "Dense + pruning")),
            configurations=per_depth("swat", lambda d: SWATRegressor(depths=(d,)))
            + per_depth("darts_admm", lambda d: DartsMLPRegressor(n_layers=d))
            + per_depth("pruned_dense", lambda d: PrunedMLPRegressor(hidden_layer_sizes=(7,) * d)),
            figures=(
                (
                    "scatter",
                    "fig4_scatter",
                    "Fig. 4: test MSE vs non-zeros, one point per configuration and seed.",
                ),
                ("best", "fig5_best", "Fig. 5: the best model per function (MSE top, non-zeros bottom)."),
            ),
        ),
        Experiment(
            name="exp2",
            title="Exp. 2: activation search vs fixed activations",
            description=(
                "All 7 neurons per layer, no sparsity penalty. `swat_search`: "
                "`SWATRegressor(depths=(k,), lambda_s=0, prune_neurons=False)`, one activation per neuron "
                "searched. `swat_fixed`: the same with `activation=a` for a in sigmoid, tanh, leaky_relu. "
                "`dense`: `DenseMLPRegressor(hidden_layer_sizes=(7,) * k, activation=a)` (Adam lr 0.01, "
                "6000 full-batch epochs). k = 1..4. The paper averages 3 seeds (`--seeds 0 1 2`)."
            ),
            reference="swat_search",
            methods=(
                ("swat_search", "SWAT, activation search"),
                ("swat_fixed", "SWAT, fixed activation"),
                ("dense", "Traditional training"),
            ),
            configurations=per_depth("swat_search", no_sparsity)
            + per_depth_activation("swat_fixed", lambda d, a: no_sparsity(d, activation=a))
            + per_depth_activation(
                "dense", lambda d, a: DenseMLPRegressor(hidden_layer_sizes=(7,) * d, activation=a)
            ),
            figures=(
                (
                    "activations:swat_fixed",
                    "fig6_fixed_activations",
                    "Fig. 6: lowest test MSE over depths, activation search vs each fixed activation "
                    "(autoencoder search).",
                ),
                (
                    "activations:dense",
                    "fig7_dense",
                    "Fig. 7: lowest test MSE over depths, activation search vs traditional training "
                    "per activation.",
                ),
            ),
        ),
        Experiment(
            name="exp3",
            title="Exp. 3: sparse MLPs, sparsity penalty vs ADMM after the search",
            description=(
                "All 7 neurons per layer (no neuron pruning), activation search. `swat_sparse`: "
                "`SWATRegressor(depths=(k,), lambda_s=1e-3, prune_neurons=False)`. `swat_admm`: "
                "`SWATADMMRegressor(SWATRegressor(depths=(k,), lambda_s=0, prune_neurons=False))`, ADMM "
                "with rho=2, threshold 0.1, 3000 + 3000 epochs on the [-1, 1]-scaled data. `swat_unpruned`: "
                "`SWATRegressor(depths=(k,), lambda_s=0, prune_neurons=False)`, the same fits as `exp2`'s "
                "`swat_search` (copied from `exp2.csv` where it has them). k = 1..4."
            ),
            reference="swat_sparse",
            methods=(
                ("swat_sparse", "SWAT, sparsity penalty"),
                ("swat_admm", "SWAT + ADMM"),
                ("swat_unpruned", "SWAT, no pruning"),
            ),
            configurations=per_depth(
                "swat_sparse", lambda d: SWATRegressor(depths=(d,), lambda_s=1e-3, prune_neurons=False)
            )
            + per_depth("swat_admm", lambda d: SWATADMMRegressor(no_sparsity(d)))
            + per_depth("swat_unpruned", no_sparsity),
            figures=(
                (
                    "scatter",
                    "fig8_scatter",
                    "Fig. 8: test MSE vs non-zeros, one point per configuration and seed.",
                ),
                ("best", "fig9_best", "Fig. 9: the best model per function (MSE top, non-zeros bottom)."),
            ),
        ),
        Experiment(
            name="penalty_levels",
            title="Penalty levels of Table I",
            description=(
                "`SWATRegressor(depths=(k,), lambda_s=..., alpha=..., beta=...)`, other parameters at "
                "their defaults, k = 1..4. `swat_small`: (1e-5, 0.1, 1e-4); `swat_medium`: (1e-4, 0.4, 1e-3), "
                "the defaults, so the same fits as `exp1`'s `swat` (copied from `exp1.csv` where it has them); "
                "`swat_large`: (1e-3, 0.4, 1e-1). The counts below compare the medium level "
                "with the other two."
            ),
            reference="swat_medium",
            methods=tuple((f"swat_{level}", f"{level} penalty") for level in levels),
            configurations=sum(
                (
                    per_depth(
                        f"swat_{level}",
                        lambda d, p=p: SWATRegressor(depths=(d,), lambda_s=p[0], alpha=p[1], beta=p[2]),
                    )
                    for level, p in levels.items()
                ),
                (),
            ),
            figures=(("best", "fig13_best", "Fig. 13: the best model per function and penalty level."),),
        ),
        Experiment(
            name="ablation",
            title="Ablation: what each part of SWAT-NN's defaults contributes",
            description=(
                "`swat`: `SWATRegressor(depths=(k,))` with its defaults (the same fits as `exp1`'s `swat`). "
                "Each other method switches one part off, all else equal (same data, seed and starting "
                "latents): `no_steps`: `max_iter=0`, the starting networks hardened, refined and pruned "
                "exactly as the defaults are; `no_penalty`: `lambda_s=alpha=beta=0`; `no_refine`: "
                "`refine_iter=0` (no refinement and no validated pruning); `fixed_masks`: "
                "`mask_relaxation='fixed'`, the paper's steepness-200 masks from the first step; "
                "`learned_threshold`: `hardening='learned'`, no validated pruning. k = 1..4. "
                "Counts: SWAT *beats* a method on a function when its best model has fewer non-zeros at a "
                "test MSE within 5 % of that method's, or a test MSE lower by more than 5 %."
            ),
            reference="swat",
            methods=(
                ("swat", "SWAT-NN defaults"), ("no_steps", "no latent steps"), ("no_penalty", "no penalties"),
                ("no_refine", "no refinement"), ("fixed_masks", "paper's fixed masks"),
                ("learned_threshold", "learned threshold only"),
            ),
            configurations=per_depth("swat", lambda d: SWATRegressor(depths=(d,)))
            + per_depth("no_steps", lambda d: SWATRegressor(depths=(d,), max_iter=0))
            + per_depth("no_penalty", lambda d: SWATRegressor(depths=(d,), lambda_s=0.0, alpha=0.0, beta=0.0))
            + per_depth("no_refine", lambda d: SWATRegressor(depths=(d,), refine_iter=0))
            + per_depth("fixed_masks", lambda d: SWATRegressor(depths=(d,), mask_relaxation="fixed"))
            + per_depth("learned_threshold", lambda d: SWATRegressor(depths=(d,), hardening="learned")),
            figures=(("best", "best", "The best model per function of the defaults and of each ablation."),),
        ),
    ]
    return {e.name: e for e in experiments}


_EXPERIMENTS = None


def get_experiment(name):
    """The :class:`Experiment` called ``name`` (``exp1``, ``exp2``, ``exp3`` or ``penalty_levels``).

    Parameters
    ----------
    name : str or Experiment
        An experiment name (see ``EXPERIMENTS``); an :class:`Experiment` is returned as it is.

    Returns
    -------
    Experiment
        The experiment.

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> from sk_swat.benchmarking import get_experiment
    >>> exp = get_experiment("exp3")
    >>> [m for m, _ in exp.methods]
    ['swat_sparse', 'swat_admm', 'swat_unpruned']
    >>> first = exp.configurations[0]
    >>> first.method, first.config, first.estimator.lambda_s, first.estimator.prune_neurons
    ('swat_sparse', 'depth=1', 0.001, False)
    >>> first.make(seed=3, device="cpu").random_state
    3
    """
    global _EXPERIMENTS
    if _EXPERIMENTS is None:
        _EXPERIMENTS = _build_experiments()
    if isinstance(name, Experiment):
        return name
    try:
        return _EXPERIMENTS[name]
    except KeyError:
        raise ValueError(f"Unknown experiment {name!r}; valid: {sorted(_EXPERIMENTS)}.") from None


#: The experiment names, in order.
EXPERIMENTS = ("exp1", "exp2", "exp3", "penalty_levels", "ablation")


# --------------------------------------------------------------------------------------------
# Results files
# --------------------------------------------------------------------------------------------


def _stem(experiment, quick):
    return f"{experiment}-quick" if quick else experiment


def results_path(output_dir, experiment, quick=False):
    """``<output_dir>/<experiment>.csv`` (``<experiment>-quick.csv`` for quick runs)."""
    return Path(output_dir) / f"{_stem(experiment, quick)}.csv"


def _key(row):
    return (row["method"], row["function"], row["config"], str(row["seed"]))


def _valid(row):
    if any(row.get(f) in (None, "") for f in FIELDS) or None in row:
        return False
    try:
        float(row["test_mse"]), int(row["n_nonzero"]), int(row["seed"]), float(row["fit_seconds"])
    except ValueError:
        return False
    return True


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_write_text(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600 files; give the usual permissions
        with os.fdopen(fd, "w", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_csv(path, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({f: row[f] for f in FIELDS} for row in rows)
    _atomic_write_text(path, buffer.getvalue())


def read_results(path):
    """The valid rows of a results CSV, repairing the file if an interrupted run left it damaged.

    A last line without its newline (a write cut short), rows with a missing or unreadable value,
    and repeated ``(method, function, config, seed)`` keys (the first is kept) are dropped, and the
    file is rewritten atomically without them.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    list of dict
        One dict of str per row, keyed by ``FIELDS``. Empty if the file does not exist.

    Raises
    ------
    ValueError
        If the header is not ``FIELDS`` (a file from another tool or version).
    """
    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text()
    damaged = False
    if text and not text.endswith("\n"):
        text, damaged = text[: text.rfind("\n") + 1], True
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        _write_csv(path, [])
        return []
    if tuple(reader.fieldnames) != FIELDS:
        raise ValueError(
            f"{path} has the columns {reader.fieldnames}, expected {list(FIELDS)}. It was not written by "
            "this harness (or by another version): move it away or choose another --output-dir."
        )
    rows, seen = [], set()
    for row in reader:
        if not _valid(row) or _key(row) in seen:
            damaged = True
            continue
        seen.add(_key(row))
        rows.append(row)
    if damaged:
        _write_csv(path, rows)
    return rows


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def _resolve_functions(functions):
    from .datasets import cornn_function, cornn_names

    if functions is None:
        return cornn_names()
    specs = {}
    for item in functions:
        if isinstance(item, str):
            text = item.strip()
            if text[:1] in "fF" and text[1:].isdigit():
                text = text[1:]
            item = int(text) if text.isdigit() else text
        spec = cornn_function(item)
        specs[spec.number] = spec.name
    if not specs:
        raise ValueError("functions is empty: give CORNN names or numbers, or None for all 54.")
    return [specs[n] for n in sorted(specs)]


def _function_number(name):
    from .datasets import cornn_function

    try:
        return cornn_function(name).number
    except (TypeError, ValueError):
        return 10**6


_THREADS_LOCK = threading.Lock()
_THREADS_USERS = 0
_THREADS_BEFORE = None


@contextmanager
def _one_torch_thread():
    """torch on one thread while any task of this process runs; the caller's setting back after.

    The networks are small: one thread per worker is fastest, the workers are the parallelism. The
    count of running tasks makes this safe under the threading backend too (the setting is global).
    """
    global _THREADS_USERS, _THREADS_BEFORE
    import torch

    with _THREADS_LOCK:
        if _THREADS_USERS == 0:
            _THREADS_BEFORE = torch.get_num_threads()
            torch.set_num_threads(1)
        _THREADS_USERS += 1
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS_USERS -= 1
            if _THREADS_USERS == 0:
                torch.set_num_threads(_THREADS_BEFORE)


def _run_task(task):
    """Fit one configuration on one function with one seed; return its CSV row. Runs in a worker."""
    import json

    from ._device import resolve_device
    from .datasets import load_cornn

    configuration, function, seed, device, quick = task
    with _one_torch_thread():
        X_train, X_test, y_train, y_test = load_cornn(function)
        estimator = configuration.make(seed, device=device, quick=quick)
        _load_autoencoders(estimator)
        start = time.perf_counter()
        estimator.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        test_mse = float(np.mean((estimator.predict(X_test) - y_test) ** 2))
    architecture = estimator.architecture_
    return {
        "method": configuration.method,
        "function": function,
        "config": configuration.config + (QUICK_MARK if quick else ""),
        "seed": int(seed),
        "test_mse": repr(test_mse),
        "n_nonzero": int(estimator.n_nonzero_),
        "architecture": json.dumps(
            {key: architecture[key] for key in ("hidden_layer_sizes", "activations")},
            separators=(",", ":"),
        ),
        "fit_seconds": f"{seconds:.3f}",
        "device": str(getattr(estimator, "device_", None) or resolve_device(device)),
    }


def _load_autoencoders(estimator):
    """Load the autoencoder of every SWATRegressor in ``estimator`` before the clock starts.

    A worker loads it once (SWATRegressor caches it per process); without this, the first SWAT fit
    of every worker would count the loading (seconds) as fit time.
    """
    from ._device import resolve_device
    from ._regressor import SWATRegressor, _frozen_autoencoder

    for est in [estimator, *estimator.get_params(deep=True).values()]:
        if isinstance(est, SWATRegressor):
            _frozen_autoencoder(est.autoencoder, est.revision, str(resolve_device(est.device)))


def _iter_results(func, tasks, n_jobs, backend):
    """``func(task)`` for every task through joblib, yielding each result as soon as it exists."""
    from joblib import Parallel, delayed, effective_n_jobs, parallel_config

    try:
        parallel = Parallel(n_jobs=n_jobs, backend=backend, return_as="generator_unordered")
    except ValueError as exc:
        if "return_as" not in str(exc):
            raise
        parallel = None
    if parallel is not None:
        yield from parallel(delayed(func)(t) for t in tasks)
        return
    # A backend that cannot hand results back one by one (e.g. "multiprocessing"): batches of a
    # few tasks per worker, each batch's results yielded when it ends.
    with parallel_config(backend=backend) if backend is not None else nullcontext():
        size = 2 * max(1, effective_n_jobs(n_jobs))
    with Parallel(n_jobs=n_jobs, backend=backend) as batch_parallel:
        for i in range(0, len(tasks), size):
            yield from batch_parallel(delayed(func)(t) for t in tasks[i : i + size])


def _signature(configuration, quick):
    """What decides a fit besides the data, the seed and the device: the estimator's class and parameters."""
    from sklearn.base import BaseEstimator

    estimator = configuration.make(0, quick=quick)
    params = estimator.get_params(deep=True)
    return repr(
        (type(estimator).__qualname__, sorted((k, v) for k, v in params.items() if not isinstance(v, BaseEstimator)))
    )


def _same_fits_elsewhere(exp, output_dir, quick, device):
    """Rows of the other experiments in ``output_dir`` by ``(signature, function, seed)``.

    Only rows whose device is ``device`` (any, for "auto") count.
    """
    found = {}
    for name in EXPERIMENTS:
        other = get_experiment(name)
        path = results_path(output_dir, name, quick)
        if other.name == exp.name or not path.exists():
            continue
        signatures = {(c.method, c.config): _signature(c, quick) for c in other.configurations}
        with FileLock(f"{path}.lock"):
            rows = read_results(path)
        for row in rows:
            config = row["config"][: -len(QUICK_MARK)] if quick else row["config"]
            signature = signatures.get((row["method"], config))
            if signature is not None and device in ("auto", row["device"].split(":")[0]):
                found.setdefault((signature, row["function"], row["seed"]), row)
    return found


def _sort_key(experiment):
    order = {(c.method, c.config): i for i, c in enumerate(experiment.configurations)}

    def key(row):
        config = row["config"][: -len(QUICK_MARK)] if row["config"].endswith(QUICK_MARK) else row["config"]
        return (
            _function_number(row["function"]),
            row["function"],
            order.get((row["method"], config), len(order)),
            row["method"],
            row["config"],
            int(row["seed"]),
        )

    return key


def run_experiment(
    experiment,
    functions=None,
    seeds=(0,),
    output_dir=DEFAULT_OUTPUT_DIR,
    n_jobs=1,
    backend=None,
    quick=False,
    *,
    device="auto",
    depths=None,
    methods=None,
    reuse=True,
    verbose=0,
):
    """Run the missing fits of one experiment, appending each result to its CSV as it arrives.

    Every (configuration, function, seed) whose ``(method, function, config, seed)`` is already in
    ``<output_dir>/<experiment>.csv`` is skipped; the others run through ``joblib.Parallel`` and
    each row is appended (and flushed to disk) as soon as its fit ends, in the order they end. When
    all are done the CSV is rewritten (atomically) in a fixed order: function, configuration, seed.
    Several runs may share one folder at the same time (say one per method): writes go through a
    lock file (``<experiment>.csv.lock``) and keep every run's rows.

    Some experiments share fits: ``penalty_levels``' medium level is ``exp1``'s SWAT-NN, ``exp3``'s
    search without pruning is ``exp2``'s activation search. With ``reuse``, a fit whose estimator
    (class and every parameter), function and seed equal those of a row already in another
    experiment's CSV in ``output_dir``, fitted on ``device`` (on any device for ``"auto"``), is not
    run again: that row is copied, its fit seconds included (the fits are deterministic).

    Parameters
    ----------
    experiment : str or Experiment
        ``"exp1"``, ``"exp2"``, ``"exp3"`` or ``"penalty_levels"``.
    functions : list of str or int, default=None
        CORNN names or numbers (``"F53"`` works too); None for all 54.
    seeds : list of int, default=(0,)
        ``random_state`` of every estimator.
    output_dir : path-like, default="docs/benchmarks"
        Folder of the results CSVs (created if needed).
    n_jobs : int, default=1
        Number of joblib workers (-1: all cores; with a cluster backend, as many as it offers).
    backend : str or None, default=None
        The joblib backend ("loky", "threading", "dask", "ray", ...); None takes joblib's default or
        the one set by ``joblib.parallel_config``.
    quick : bool, default=False
        Tiny iteration counts, for smoke tests only (see ``QUICK_PARAMS``): the rows go to
        ``<experiment>-quick.csv`` with ``" [quick]"`` appended to their config.
    device : {"auto", "cpu", "cuda"}, default="auto"
        Device of every estimator; each row records the device its fit ran on.
    depths : list of int, default=None
        Only the configurations with these numbers of hidden layers (None: 1-4).
    methods : list of str, default=None
        Only these methods (None: all of the experiment).
    reuse : bool, default=True
        Copy the rows of identical fits from the other experiments' CSVs instead of fitting again.
    verbose : int, default=0
        Show a progress bar.

    Returns
    -------
    path : Path
        The results CSV.

    Examples
    --------
    A smoke test: one function, one configuration, a handful of iterations.

    >>> import tempfile
    >>> from sk_swat.benchmarking import read_results, run_experiment
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = run_experiment("exp1", functions=["Sphere"], depths=[1], methods=["swat"],
    ...                           quick=True, output_dir=tmp, device="cpu")
    ...     rows = read_results(path)
    >>> path.name
    'exp1-quick.csv'
    >>> [(r["method"], r["function"], r["config"], r["device"]) for r in rows]
    [('swat', 'Sphere', 'depth=1 [quick]', 'cpu')]
    """
    from tqdm.auto import tqdm

    exp = get_experiment(experiment)
    function_names = _resolve_functions(functions)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: give at least one int.")
    configurations = exp.select(depths=depths, methods=methods)
    path = results_path(output_dir, exp.name, quick)
    rows = read_results(path)
    done = {_key(r) for r in rows}
    mark = QUICK_MARK if quick else ""
    tasks = [
        (c, function, seed, device, bool(quick))
        for function in function_names
        for c in configurations
        for seed in seeds
        if (c.method, function, c.config + mark, str(seed)) not in done
    ]
    copied = []
    if reuse and tasks:
        elsewhere = _same_fits_elsewhere(exp, output_dir, quick, device)
        signatures = {(c.method, c.config): _signature(c, quick) for c in configurations}
        remaining = []
        for task in tasks:
            c, function, seed = task[:3]
            row = elsewhere.get((signatures[c.method, c.config], function, str(seed)))
            if row is None:
                remaining.append(task)
            else:
                copied.append({**row, "method": c.method, "config": c.config + mark})
        tasks = remaining
    # Other processes may add rows to the same CSV (e.g. one run per method): every write holds the
    # lock and reopens the file, and the final sort re-reads it, so no one's rows are lost.
    lock = FileLock(f"{path}.lock")
    with lock:
        if not path.exists():
            _write_csv(path, [])
        if copied:
            _write_csv(path, read_results(path) + copied)
    if tasks:
        with tqdm(total=len(tasks), disable=not verbose, desc=exp.name) as bar:
            for row in _iter_results(_run_task, tasks, n_jobs, backend):
                with lock, open(path, "a", newline="") as fh:
                    csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n").writerow(row)
                    fh.flush()
                    os.fsync(fh.fileno())
                bar.set_postfix_str(f"{row['method']} {row['function']} {row['config']}")
                bar.update()
    with lock:
        _write_csv(path, sorted(read_results(path), key=_sort_key(exp)))
    return path


# --------------------------------------------------------------------------------------------
# Best models
# --------------------------------------------------------------------------------------------


def select_best(models, tol=TOL):
    """The paper's rule: the fewest non-zeros among the models within ``(1 + tol)`` of the lowest MSE.

    Ties go to the lower MSE, then to the first model given.

    Parameters
    ----------
    models : list of dict
        Each with ``test_mse`` and ``n_nonzero`` (numbers or numeric strings).
    tol : float, default=0.05
        Relative tolerance on the MSE.

    Returns
    -------
    dict
        The chosen element of ``models``.

    Examples
    --------
    >>> from sk_swat.benchmarking import select_best
    >>> models = [
    ...     {"config": "depth=1", "test_mse": 0.100, "n_nonzero": 30},
    ...     {"config": "depth=2", "test_mse": 0.104, "n_nonzero": 12},  # within 5 %, sparser: chosen
    ...     {"config": "depth=3", "test_mse": 0.200, "n_nonzero": 5},   # sparsest, but 2x the MSE
    ... ]
    >>> select_best(models)["config"]
    'depth=2'
    """
    models = list(models)
    if not models:
        raise ValueError("select_best needs at least one model.")
    lowest = min(float(m["test_mse"]) for m in models)
    within = [m for m in models if float(m["test_mse"]) <= (1.0 + tol) * lowest]
    return min(within, key=lambda m: (float(m["n_nonzero"]), float(m["test_mse"])))


def _aggregate(rows):
    """{(function, method): [model per config]}, each model the mean over its seeds."""
    groups = {}
    for row in rows:
        groups.setdefault((row["function"], row["method"], row["config"]), []).append(row)
    models = {}
    for (function, method, config), group in groups.items():
        models.setdefault((function, method), []).append(
            {
                "function": function,
                "method": method,
                "config": config,
                "test_mse": float(np.mean([float(r["test_mse"]) for r in group])),
                "n_nonzero": float(np.mean([int(r["n_nonzero"]) for r in group])),
                "n_seeds": len(group),
            }
        )
    return models


def best_models(rows, tol=TOL):
    """The best model per function and method, by :func:`select_best` over its configurations.

    The test MSE and non-zeros of a configuration are their means over the seeds it ran with.

    Parameters
    ----------
    rows : list of dict
        Rows of a results CSV (all of one experiment; quick and real rows should not be mixed).
    tol : float, default=0.05
        Relative tolerance on the MSE.

    Returns
    -------
    dict
        ``{(function, method): model}``; a model is a dict with ``config``, ``test_mse``,
        ``n_nonzero`` and ``n_seeds``.

    Examples
    --------
    >>> from sk_swat.benchmarking import best_models
    >>> rows = [
    ...     {"function": "Sphere", "method": "swat", "config": "depth=1", "test_mse": "0.0100", "n_nonzero": "40"},
    ...     {"function": "Sphere", "method": "swat", "config": "depth=2", "test_mse": "0.0102", "n_nonzero": "25"},
    ... ]
    >>> best = best_models(rows)
    >>> best["Sphere", "swat"]["config"], best["Sphere", "swat"]["n_nonzero"]
    ('depth=2', 25.0)
    """
    return {
        key: select_best(sorted(models, key=lambda m: m["config"]), tol) for key, models in _aggregate(rows).items()
    }


def _comparison(exp, best, functions, methods, tol):
    """Counts of the reference method against the others over ``functions`` (complete ones only)."""
    ref = exp.reference
    others = [m for m in methods if m != ref]
    complete = [f for f in functions if all((f, m) in best for m in methods)]
    out = {"n": len(complete), "sparser": {}, "sparser_all": 0, "within": 0, "beats": {}, "beaten": {}}
    if ref not in methods or not others:
        return out

    def beats(a, b):
        # Fewer non-zeros at an MSE within tol, or an MSE lower by more than tol.
        sparser = a["n_nonzero"] < b["n_nonzero"] and a["test_mse"] <= (1.0 + tol) * b["test_mse"]
        return sparser or a["test_mse"] * (1.0 + tol) < b["test_mse"]

    for m in others:
        out["sparser"][m] = sum(best[f, ref]["n_nonzero"] < best[f, m]["n_nonzero"] for f in complete)
        out["beats"][m] = sum(beats(best[f, ref], best[f, m]) for f in complete)
        out["beaten"][m] = sum(beats(best[f, m], best[f, ref]) for f in complete)
    for f in complete:
        out["sparser_all"] += all(best[f, ref]["n_nonzero"] < best[f, m]["n_nonzero"] for m in others)
        lowest = min(best[f, m]["test_mse"] for m in methods)
        out["within"] += best[f, ref]["test_mse"] <= (1.0 + tol) * lowest
    return out


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path):
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".png")
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _short(function):
    n = _function_number(function)
    return f"F{n}" if n < 10**6 else function


_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def _plot_scatter(exp, rows, functions, methods, path):
    ncols = min(6, len(functions))
    nrows = -(-len(functions) // ncols)
    fig = _figure(2.6 * ncols + 0.5, 2.3 * nrows + 0.6)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, function in zip(axes, functions):
        for colour, method in zip(_COLOURS, methods):
            pts = [
                (int(r["n_nonzero"]), float(r["test_mse"]))
                for r in rows
                if r["function"] == function and r["method"] == method
            ]
            if pts:
                x, y = zip(*pts)
                ax.scatter(x, y, s=14, color=colour, label=exp.label(method), alpha=0.8)
        ax.set_yscale("log")
        ax.set_title(f"{_short(function)} {function}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(functions) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.supxlabel("non-zero parameters")
    fig.supylabel("test MSE")
    _save(fig, path)


def _function_axis(ax, functions, colours=None):
    ax.set_xticks(range(len(functions)))
    labels = [_short(f) + ("*" if _function_number(f) in TUNING_FUNCTIONS else "") for f in functions]
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    if colours:
        for tick, colour in zip(ax.get_xticklabels(), colours):
            tick.set_color(colour)


def _plot_best(exp, best, functions, methods, path, colour_labels):
    fig = _figure(max(6.0, 0.22 * len(functions) + 2.0), 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True)
    offsets = np.linspace(-0.2, 0.2, len(methods)) if len(methods) > 1 else [0.0]
    for colour, method, dx in zip(_COLOURS, methods, offsets):
        xs = [i + dx for i, f in enumerate(functions) if (f, method) in best]
        fs = [f for f in functions if (f, method) in best]
        top.scatter(xs, [best[f, method]["test_mse"] for f in fs], color=colour, s=16, label=exp.label(method))
        bottom.scatter(xs, [best[f, method]["n_nonzero"] for f in fs], color=colour, s=16)
    top.set_yscale("log")
    top.set_ylabel("test MSE")
    bottom.set_ylabel("non-zero parameters")
    top.legend(fontsize=7)
    colours = None
    if colour_labels:
        others = [m for m in methods if m != exp.reference]
        colours = []
        for f in functions:
            if all((f, m) in best for m in methods) and exp.reference in methods:
                sparser = all(best[f, exp.reference]["n_nonzero"] < best[f, m]["n_nonzero"] for m in others)
                colours.append("tab:green" if sparser else "tab:red")
            else:
                colours.append("grey")
        top.set_title(
            f"green: {exp.label(exp.reference)} sparser than every other method; red: not; * tuning set",
            fontsize=8,
        )
    _function_axis(bottom, functions, colours)
    _save(fig, path)


def _plot_activations(exp, models, functions, other, path):
    from .encoding import ACTIVATIONS

    fig = _figure(max(6.0, 0.22 * len(functions) + 2.0), 3.8)
    ax = fig.subplots()
    x = np.arange(len(functions))

    def lowest(function, method, activation=None):
        mses = [
            m["test_mse"]
            for m in models.get((function, method), [])
            if activation is None or _config_params(m["config"]).get("activation") == activation
        ]
        return min(mses) if mses else np.nan

    ax.plot(x, [lowest(f, exp.reference) for f in functions], "k-o", ms=4, label=exp.label(exp.reference))
    for colour, activation in zip(_COLOURS, ACTIVATIONS):
        ax.plot(x, [lowest(f, other, activation) for f in functions], "--s", color=colour, ms=3, lw=1,
                label=f"{exp.label(other)}: {activation}")
    ax.set_yscale("log")
    ax.set_ylabel("lowest test MSE over depths")
    ax.legend(fontsize=7)
    _function_axis(ax, functions)
    _save(fig, path)


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


def _fmt_nonzero(value):
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _results_table(exp, best, functions, methods):
    head = "| # | function | " + " | ".join(f"{exp.label(m)}: MSE / non-zeros (config)" for m in methods) + " |"
    lines = [head, "|---|---|" + "---|" * len(methods)]
    for f in functions:
        cells = []
        for m in methods:
            b = best.get((f, m))
            if b is None:
                cells.append("-")
            else:
                cells.append(f"{b['test_mse']:.3e} / {_fmt_nonzero(b['n_nonzero'])} ({b['config']})")
        lines.append(f"| {_function_number(f)} | {f} | " + " | ".join(cells) + " |")
    return lines


def _count_lines(exp, counts, tol):
    if counts["n"] == 0:
        return ["No function has results for every method yet."]
    ref = exp.label(exp.reference)
    n = counts["n"]
    lines = [f"- Functions with results for every method: {n}."]
    for m, k in counts["sparser"].items():
        lines.append(
            f"- {ref} is sparser than {exp.label(m)} on {k} of {n}; it beats it on {counts['beats'][m]} and is "
            f"beaten by it on {counts['beaten'][m]} (fewer non-zeros at MSE within {tol:.0%}, or MSE lower by "
            f"more than {tol:.0%})."
        )
    if len(counts["sparser"]) > 1:
        lines.append(f"- {ref} is sparser than every other method on {counts['sparser_all']} of {n}.")
    if counts["sparser"]:
        lines.append(
            f"- {ref}'s test MSE is within {tol:.0%} of the best method's on {counts['within']} of {n}."
        )
    return lines


def _experiment_section(exp, rows, output_dir, quick, tol):
    methods = [m for m, _ in exp.methods if any(r["method"] == m for r in rows)]
    methods += sorted({r["method"] for r in rows} - set(methods))
    functions = sorted({r["function"] for r in rows}, key=lambda f: (_function_number(f), f))
    evaluation = [f for f in functions if _function_number(f) not in TUNING_FUNCTIONS]
    tuning = [f for f in functions if _function_number(f) in TUNING_FUNCTIONS]
    best = best_models(rows, tol)
    seeds = sorted({int(r["seed"]) for r in rows})
    configs = sorted({r["config"] for r in rows})
    stem = _stem(exp.name, quick)

    lines = [f"## {exp.title}", "", exp.description, ""]
    lines.append(
        f"Rows: {len(rows)} ({len(functions)} functions, {len(configs)} configurations, seeds {seeds}). "
        f"Results: [`{stem}.csv`]({stem}.csv)."
    )
    lines.append("")
    for kind, suffix, caption in exp.figures:
        name = f"{stem}_{suffix}.png"
        if kind == "scatter":
            _plot_scatter(exp, rows, functions, methods, Path(output_dir) / name)
        elif kind == "best":
            colour_labels = exp.name != "penalty_levels"
            _plot_best(exp, best, functions, methods, Path(output_dir) / name, colour_labels)
        elif kind.startswith("activations:"):
            other = kind.split(":", 1)[1]
            if other not in methods or exp.reference not in methods:
                continue
            _plot_activations(exp, _aggregate(rows), functions, other, Path(output_dir) / name)
        lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]

    for title, subset in (
        ("Evaluation functions (all but F53, F54)", evaluation),
        ("Tuning functions F53, F54 (the paper tuned its hyperparameters on them)", tuning),
    ):
        if not subset:
            continue
        lines += [f"### {title}", ""]
        lines += _count_lines(exp, _comparison(exp, best, subset, methods, tol), tol)
        lines += ["", *_results_table(exp, best, subset, methods), ""]

    lines += ["### Fit seconds", "", "| method (devices) | median fit seconds | fits | total fit hours |"]
    lines.append("|---|---|---|---|")
    for m in methods:
        secs = [float(r["fit_seconds"]) for r in rows if r["method"] == m]
        devices = ", ".join(sorted({r["device"] for r in rows if r["method"] == m}))
        lines.append(
            f"| {exp.label(m)} ({devices}) | {statistics.median(secs):.2f} | {len(secs)} | {sum(secs) / 3600:.2f} |"
        )
    lines.append("")
    return lines


def summarise(output_dir=DEFAULT_OUTPUT_DIR, *, experiments=None, quick=False, tol=TOL):
    """Write the figures and ``summary.md`` from the results CSVs in ``output_dir``.

    Per experiment: the best model per function and method (:func:`best_models`), on how many
    functions the reference SWAT method is sparser than each other method and within ``tol`` of the
    best method's test MSE (the evaluation functions and the tuning functions F53, F54 apart), the
    median fit seconds of each method, and the figures of the paper (PNG, next to the CSV).
    Everything but the fit seconds depends only on the CSV rows, so the same rows give the same
    tables.

    Parameters
    ----------
    output_dir : path-like, default="docs/benchmarks"
        Folder of the results CSVs; the figures and the summary are written there.
    experiments : list of str, default=None
        The experiments to include; None: every one with a CSV in ``output_dir``.
    quick : bool, default=False
        Summarise the quick runs (``*-quick.csv``) into ``summary-quick.md`` instead.
    tol : float, default=0.05
        Tolerance of the best-model rule and of the "within" count.

    Returns
    -------
    path : Path
        The summary written.

    Examples
    --------
    >>> import tempfile
    >>> from sk_swat.benchmarking import summarise
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = summarise(tmp)
    ...     text = path.read_text()
    >>> path.name, text.splitlines()[0]
    ('summary.md', '# CORNN benchmarks')
    >>> "No results yet" in text
    True
    """
    output_dir = Path(output_dir)
    names = EXPERIMENTS if experiments is None else [get_experiment(e).name for e in experiments]
    lines = ["# CORNN benchmarks", ""]
    if quick:
        lines += ["**Quick smoke-test run: a handful of iterations per fit. These numbers mean nothing.**", ""]
    lines += [
        "Written by `sk-swat benchmark` (`sk_swat.benchmarking`) from the CSV files beside it. Test MSE is on "
        "the scaled CORNN test set (1250 points). Best model per function and method (the paper's rule): "
        f"among its configurations, mean test MSE over seeds within {tol:.0%} of the lowest, then the fewest "
        "mean non-zero parameters (counted as `SWATRegressor.n_nonzero_` counts them). Fit seconds are "
        "wall-clock seconds of `fit` alone (data generation, the one-off autoencoder load of a worker and "
        "the test prediction excluded).",
        "",
    ]
    found = False
    for name in names:
        exp = get_experiment(name)
        rows = read_results(results_path(output_dir, exp.name, quick))
        rows = [r for r in rows if r["config"].endswith(QUICK_MARK) == quick]
        if not rows:
            continue
        found = True
        lines += _experiment_section(exp, rows, output_dir, quick, tol)
    if not found:
        lines += [f"No results yet in {output_dir}."]
    lines += _runs_section(output_dir)
    path = output_dir / ("summary-quick.md" if quick else "summary.md")
    _atomic_write_text(path, "\n".join(lines).rstrip("\n") + "\n")
    return path


def _runs_section(output_dir):
    """The commands, versions and hardware of the runs recorded in ``runs.csv``, as Markdown."""
    runs = read_runs(output_dir)
    if not runs:
        return []
    lines = [
        "## Runs",
        "",
        "Every invocation that added rows to this folder (from `runs.csv`); a rerun skips the fits "
        "already in the CSV files.",
        "",
        "| started (UTC) | command | sk-swat (commit) | bundled autoencoder (SHA-256) | torch | hardware |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        hardware = f"{run['cpu']}, {run['n_cpus']} cores; GPU: {run['gpu']}"
        lines.append(
            f"| {run['started']} | `{run['command']}` | {run['sk_swat']} ({run.get('commit', 'unrecorded')}) "
            f"| {run.get('autoencoder', 'unrecorded')} "
            f"| {run['torch']} | {hardware} |"
        )
    return lines + [""]


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def build_parser(prog="sk-swat benchmark"):
    """The ``argparse`` parser of the harness."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run SWAT-NN's CORNN experiments (resumable, parallel) and summarise them.",
    )
    parser.add_argument("--experiments", nargs="+", default=list(EXPERIMENTS), choices=EXPERIMENTS)
    parser.add_argument("--functions", nargs="+", default=None, help="CORNN names or numbers (default: all 54)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--depths", nargs="+", type=int, default=None, choices=DEPTHS, help="default: 1 2 3 4")
    parser.add_argument("--methods", nargs="+", default=None, help="only these methods (default: all)")
    parser.add_argument("--n-jobs", type=int, default=1, help="joblib workers (-1: all cores)")
    parser.add_argument("--backend", default=None, help="joblib backend: loky, threading, dask, ray, ...")
    parser.add_argument("--scheduler", default=None, help="dask scheduler address or ray cluster address")
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--quick", action="store_true", help="tiny iteration counts: smoke tests only")
    parser.add_argument("--summary-only", action="store_true", help="only rewrite the summary and figures")
    parser.add_argument(
        "--compare",
        metavar="REFERENCE_DIR",
        default=None,
        help="run nothing: compare the results in --output-dir with those in REFERENCE_DIR, write "
        "<output-dir>/reproduction.md and exit with 1 if they differ",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--no-reuse",
        dest="reuse",
        action="store_false",
        help="fit again what another experiment in --output-dir already fitted with the same estimator",
    )
    return parser


def _connect(backend, scheduler):
    """Start or connect the cluster a "dask" or "ray" backend runs on; return what must stay alive."""
    if backend == "dask":
        from dask.distributed import Client

        return Client(scheduler) if scheduler else Client()
    if backend == "ray":
        import ray
        from ray.util.joblib import register_ray

        register_ray()
        ray.init(address=scheduler)
    elif scheduler:
        raise ValueError("--scheduler needs --backend dask or --backend ray.")
    return None


def main(argv=None, prog="sk-swat benchmark"):
    """Run the harness from the command line; return 0.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments (None: ``sys.argv[1:]``); see ``--help``.
    prog : str, default="sk-swat benchmark"
        Program name in the help.

    Returns
    -------
    int
        0; with ``--compare``, 1 if the two runs differ (errors raise).

    Examples
    --------
    Redraw the summary of an (empty) results folder; the path of the summary is printed:

    >>> import tempfile
    >>> from sk_swat.benchmarking import main
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     main(["--summary-only", "--output-dir", tmp])  # doctest: +ELLIPSIS
    /.../summary.md
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(prog).parse_args(argv)
    if args.compare is not None:
        return _compare(args)
    if not args.summary_only:
        record_run(args.output_dir, shlex.join(prog.split() + argv))
        client = _connect(args.backend, args.scheduler)
        try:
            for name in args.experiments:
                methods = _methods_of(name, args.methods)
                if methods == []:
                    continue  # none of the requested methods is in this experiment
                path = run_experiment(
                    name,
                    functions=args.functions,
                    seeds=args.seeds,
                    output_dir=args.output_dir,
                    n_jobs=args.n_jobs,
                    backend=args.backend,
                    quick=args.quick,
                    device=args.device,
                    depths=args.depths,
                    methods=methods,
                    reuse=args.reuse,
                    verbose=0 if args.quiet else 1,
                )
                print(f"{name}: {path}", file=sys.stderr)
        finally:
            if client is not None:
                client.close()
    path = summarise(args.output_dir, experiments=args.experiments, quick=args.quick)
    print(path)
    return 0


def _compare(args):
    """``--compare``: the reproduction report of ``--output-dir`` against the reference folder."""
    from .benchmark_comparison import compare_results, comparison_markdown

    results = compare_results(args.compare, args.output_dir, experiments=args.experiments, quick=args.quick)
    text = comparison_markdown(results, args.compare, args.output_dir)
    _atomic_write_text(Path(args.output_dir) / "reproduction.md", text)
    print(text, end="")
    return 0 if all(r.reproduced for r in results) else 1


def _methods_of(experiment, methods):
    """The requested methods that belong to ``experiment`` (None: all); an unknown name is an error."""
    if methods is None:
        return None
    known = {m for name in EXPERIMENTS for m, _ in get_experiment(name).methods}
    unknown = sorted(set(methods) - known)
    if unknown:
        raise ValueError(f"Unknown methods {unknown}; valid: {sorted(known)}.")
    return [m for m, _ in get_experiment(experiment).methods if m in methods]
