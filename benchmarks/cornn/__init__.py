"""The CORNN research harness: SWAT-NN's experiments, a resumable parallel runner, a report.

Run it from the repository root (the results land in ``docs/benchmarks/``)::

    python -m benchmarks.cornn --experiments exp1 --functions 1 2 53 54 --n-jobs 2
    python -m benchmarks.cornn --quick --functions Sphere --output-dir /tmp/smoke   # smoke test
    python -m benchmarks.cornn --summary-only                                        # redraw from the CSVs
    python -m benchmarks.cornn --help

Every fit is appended to ``docs/benchmarks/<experiment>.csv`` when it ends; rerunning the same command
runs only the fits that are missing.

The modules, each one idea, import one way (a module imports only those above it):

``experiments``
    The experiments as data: configurations, methods, figures; which CORNN functions.
``results``
    The results CSV: its columns, reading with repair, atomic writes, the lock of a shared file.
``provenance``
    ``runs.csv``: the command, versions and hardware of every run.
``runner``
    :func:`~benchmarks.cornn.runner.run_experiment`: the missing fits through joblib, reuse of
    identical fits of other experiments.
``selection``
    The paper's best-model rule and the counts of the reference method against the others.
``figures``
    The paper's figures (matplotlib).
``report``
    ``summary.md``.
``compare``
    Does a second run reproduce the first?
``cli``
    The command line (``python -m benchmarks.cornn``).

``--quick`` (``quick=True``) shrinks every iteration count to a handful, for smoke tests only; its
rows carry ``" [quick]"`` in their ``config`` and go to ``<experiment>-quick.csv``, its summary to
``summary-quick.md``, so quick results never mix with real ones.
"""
