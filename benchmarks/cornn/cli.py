"""The command line of the harness: ``python -m benchmarks.cornn [options]`` from the repository root.

Runs the experiments (``--experiments``, default: all), then rewrites the summary; ``--summary-only``
only rewrites it; ``--compare REFERENCE_DIR`` runs nothing and checks that the results in
``--output-dir`` reproduce those in ``REFERENCE_DIR``. Every run that may add rows is recorded in
``<output-dir>/runs.csv``.
"""

import argparse
import shlex
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from benchmarks.cornn.compare import compare_results, comparison_markdown
from benchmarks.cornn.experiments import DEPTHS, EXPERIMENTS, get_experiment
from benchmarks.cornn.provenance import record_run
from benchmarks.cornn.report import summarise
from benchmarks.cornn.results import DEFAULT_OUTPUT_DIR
from benchmarks.cornn.runner import run_experiment
from sk_swat.utils import atomic_write

__all__ = ["build_parser", "main"]

#: The program name in the help and in ``runs.csv``.
PROG = "python -m benchmarks.cornn"


def build_parser(prog=PROG):
    """The ``argparse`` parser of the harness.

    Parameters
    ----------
    prog : str, default="python -m benchmarks.cornn"
        Program name in the help.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> from benchmarks.cornn.cli import build_parser
    >>> args = build_parser().parse_args(["--experiments", "exp1", "--functions", "1", "53"])
    >>> args.experiments, args.functions, args.seeds, args.output_dir
    (['exp1'], ['1', '53'], [0], 'docs/benchmarks')
    """
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


def main(argv=None, prog=PROG):
    """Run the harness from the command line; return 0.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments (None: ``sys.argv[1:]``); see ``--help``.
    prog : str, default="python -m benchmarks.cornn"
        Program name in the help.

    Returns
    -------
    int
        0; with ``--compare``, 1 if the two runs differ (errors raise).

    Examples
    --------
    Redraw the summary of an (empty) results folder; the path of the summary is printed:

    >>> import tempfile
    >>> from benchmarks.cornn.cli import main
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
            with _terminating_interrupts():
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


@contextmanager
def _terminating_interrupts():
    """SIGTERM and SIGHUP raise ``KeyboardInterrupt`` in the block, as Ctrl-C does; the old handlers after.

    By default they end Python at once, and the joblib workers go on with their fits for minutes
    with no one to collect them; the exception lets joblib kill them first. A second signal ends
    the process at once.
    """
    signals = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        signals = []

    def interrupt(signum, frame):
        signal.signal(signum, signal.SIG_DFL)
        raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")

    before = {s: signal.signal(s, interrupt) for s in signals}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def _compare(args):
    """``--compare``: the reproduction report of ``--output-dir`` against the reference folder."""
    results = compare_results(args.compare, args.output_dir, experiments=args.experiments, quick=args.quick)
    text = comparison_markdown(results, args.compare, args.output_dir)
    atomic_write(Path(args.output_dir) / "reproduction.md", text)
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
