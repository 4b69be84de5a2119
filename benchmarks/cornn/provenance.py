"""Where a benchmark result came from: the command, the package versions and the hardware (``runs.csv``)."""

import csv
import datetime
import hashlib
import io
import os
import platform
import subprocess
from pathlib import Path

import sk_swat

from sk_swat.utils import atomic_write

__all__ = [
    "PROVENANCE_FIELDS", "bundled_autoencoder_digest", "environment", "read_runs", "record_run", "source_commit"
]

#: Columns of ``runs.csv``.
PROVENANCE_FIELDS = (
    "started", "command", "sk_swat", "commit", "autoencoder", "torch", "python", "platform", "cpu", "n_cpus", "gpu"
)
RUNS_FILE = "runs.csv"


def cpu_model():
    """The CPU's model name (``/proc/cpuinfo`` on Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def source_commit():
    """The git commit of the sk_swat source in use, or ``"unknown"`` outside a git checkout.

    The package version does not change with every commit (defaults can); this does. A
    ``+modified`` suffix says that the package's code differs from that commit.

    Examples
    --------
    >>> from benchmarks.cornn.provenance import source_commit
    >>> isinstance(source_commit(), str)
    True
    """
    package = Path(sk_swat.__file__).resolve().parent

    def git(*args):
        return subprocess.run(["git", "-C", str(package), *args], capture_output=True, text=True, timeout=10)

    try:
        head = git("rev-parse", "--short=12", "HEAD")
        if head.returncode != 0:
            return "unknown"
        modified = git("status", "--porcelain", "--untracked-files=no", "--", ".").stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head.stdout.strip() + ("+modified" if modified else "")


def bundled_autoencoder_digest():
    """The first 12 hex digits of the SHA-256 of the bundled autoencoder's ``model.safetensors``.

    The package version does not change when the bundled weights are retrained; this does.

    Examples
    --------
    >>> from benchmarks.cornn.provenance import bundled_autoencoder_digest
    >>> len(bundled_autoencoder_digest())
    12
    """
    from sk_swat.autoencoder.loading import BUNDLED_DIR

    with open(Path(BUNDLED_DIR) / "model.safetensors", "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()[:12]


def environment():
    """The package versions, the bundled autoencoder and the hardware of this process.

    Returns
    -------
    dict of str
        ``sk_swat``, ``commit`` (:func:`source_commit`), ``autoencoder``
        (:func:`bundled_autoencoder_digest`), ``torch``, ``python``,
        ``platform``, ``cpu`` (model name), ``n_cpus`` (usable cores) and ``gpu`` (CUDA device name,
        or ``"none"``).

    Examples
    --------
    >>> from benchmarks.cornn.provenance import environment
    >>> sorted(environment())
    ['autoencoder', 'commit', 'cpu', 'gpu', 'n_cpus', 'platform', 'python', 'sk_swat', 'torch']
    """
    import torch

    n_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "sk_swat": sk_swat.__version__,
        "commit": source_commit(),
        "autoencoder": bundled_autoencoder_digest(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
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
    >>> from benchmarks.cornn.provenance import read_runs, record_run
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = record_run(tmp, "python -m benchmarks.cornn --experiments exp1")
    ...     [run["command"] for run in read_runs(tmp)]
    ['python -m benchmarks.cornn --experiments exp1']
    """
    path = Path(output_dir) / RUNS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    row = {
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        **environment(),
    }
    header = path.read_text().partition("\n")[0] if path.exists() else ""
    if header and tuple(header.split(",")) != PROVENANCE_FIELDS:
        # A runs.csv of an earlier version: rewrite it with today's columns (new ones "unrecorded").
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=PROVENANCE_FIELDS, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows({f: run.get(f, "unrecorded") for f in PROVENANCE_FIELDS} for run in read_runs(output_dir))
        atomic_write(path, buffer.getvalue())
    with open(path, "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=PROVENANCE_FIELDS, lineterminator="\n")
        if not header:
            writer.writeheader()
        writer.writerow(row)
    return row


def read_runs(output_dir):
    """The rows of ``<output_dir>/runs.csv`` (an empty list if there is none).

    Parameters
    ----------
    output_dir : path-like

    Returns
    -------
    list of dict of str

    Examples
    --------
    >>> from benchmarks.cornn.provenance import read_runs
    >>> read_runs("/nonexistent")
    []
    """
    path = Path(output_dir) / RUNS_FILE
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))
