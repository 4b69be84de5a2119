"""Where a benchmark result came from: the command, the package versions and the hardware."""

import csv
import datetime
import os
import platform
from pathlib import Path

__all__ = ["PROVENANCE_FIELDS", "environment", "read_runs", "record_run"]

#: Columns of ``runs.csv``.
PROVENANCE_FIELDS = ("started", "command", "sk_swat", "torch", "python", "platform", "cpu", "n_cpus", "gpu")
RUNS_FILE = "runs.csv"


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment():
    """The package versions and the hardware of this process.

    Returns
    -------
    dict of str
        ``sk_swat``, ``torch``, ``python``, ``platform``, ``cpu`` (model name), ``n_cpus`` (usable
        cores) and ``gpu`` (CUDA device name, or ``"none"``).

    Examples
    --------
    >>> from sk_swat._provenance import environment
    >>> sorted(environment())
    ['cpu', 'gpu', 'n_cpus', 'platform', 'python', 'sk_swat', 'torch']
    """
    import torch

    from . import __version__

    n_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "sk_swat": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "n_cpus": str(n_cpus),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else "none",
    }


def record_run(output_dir, command):
    """Append this run's command and environment to ``<output_dir>/runs.csv``.

    Parameters
    ----------
    output_dir : path-like
    command : str
        The command line that made the results.

    Returns
    -------
    dict of str
        The row written.

    Examples
    --------
    >>> import tempfile
    >>> from sk_swat._provenance import read_runs, record_run
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = record_run(tmp, "sk-swat benchmark --experiments exp1")
    ...     [run["command"] for run in read_runs(tmp)]
    ['sk-swat benchmark --experiments exp1']
    """
    path = Path(output_dir) / RUNS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    row = {
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        **environment(),
    }
    new = not path.exists()
    with open(path, "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=PROVENANCE_FIELDS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow(row)
    return row


def read_runs(output_dir):
    """The rows of ``<output_dir>/runs.csv`` (an empty list if there is none).

    Examples
    --------
    >>> from sk_swat._provenance import read_runs
    >>> read_runs("/nonexistent")
    []
    """
    path = Path(output_dir) / RUNS_FILE
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))
