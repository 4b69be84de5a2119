"""Running an experiment: the missing fits through joblib, each row appended as it arrives.

:func:`run_experiment` runs methods x configurations x functions x seeds through
:class:`joblib.Parallel` (any joblib backend: loky, threading, dask, ray) and appends every result to
``<output_dir>/<experiment>.csv`` the moment it arrives, so an interrupted run resumes where it
stopped. Identical fits already in another experiment's CSV are copied instead of run again.
"""

import threading
import time
from contextlib import closing, contextmanager, nullcontext

import numpy as np

from benchmarks.cornn.experiments import (
    EXPERIMENTS,
    QUICK_MARK,
    function_number,
    get_experiment,
    resolve_functions,
)
from benchmarks.cornn.results import (
    DEFAULT_OUTPUT_DIR,
    append_row,
    file_lock,
    read_results,
    results_path,
    row_key,
    write_csv,
)

__all__ = ["run_experiment"]

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

    from sk_swat import load_cornn
    from sk_swat.utils import resolve_device

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
    from sk_swat import SWATRegressor
    from sk_swat.autoencoder.loading import cached_autoencoder
    from sk_swat.utils import resolve_device

    for est in [estimator, *estimator.get_params(deep=True).values()]:
        if isinstance(est, SWATRegressor):
            cached_autoencoder(est.autoencoder, est.revision, str(resolve_device(est.device)))


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
        with file_lock(path):
            rows = read_results(path, repair=True)
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
            function_number(row["function"]),
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

    Resuming and reuse both trust the rows already in ``output_dir`` to come from the code being
    run: a row records no code version. After a change to a method, delete its rows from every CSV
    of the folder, or a stale row comes back as a copy.

    Parameters
    ----------
    experiment : str or Experiment
        One of ``EXPERIMENTS`` (``"exp1"``, ...).
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
    >>> from benchmarks.cornn.results import read_results
    >>> from benchmarks.cornn.runner import run_experiment
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
    function_names = resolve_functions(functions)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty: give at least one int.")
    configurations = exp.select(depths=depths, methods=methods)
    path = results_path(output_dir, exp.name, quick)
    # Other processes may add rows to the same CSV (e.g. one run per method): every read and write
    # holds the lock and reopens the file, so no one's rows are lost.
    lock = file_lock(path)
    with lock:
        done = {row_key(r) for r in read_results(path, repair=True)}
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
    with lock:
        if not path.exists():
            write_csv(path, [])
        if copied:
            write_csv(path, read_results(path, repair=True) + copied)
    if tasks:
        with tqdm(total=len(tasks), disable=not verbose, desc=exp.name) as bar:
            # closing: an interruption in this loop stops joblib (and its workers) at once, not at exit.
            with closing(_iter_results(_run_task, tasks, n_jobs, backend)) as results:
                for row in results:
                    with lock:
                        append_row(path, row)
                    bar.set_postfix_str(f"{row['method']} {row['function']} {row['config']}")
                    bar.update()
    with lock:
        write_csv(path, sorted(read_results(path, repair=True), key=_sort_key(exp)))
    return path

