"""The results CSV of an experiment: its columns, reading with repair, atomic writes, the shared-file lock.

One file per experiment, ``<output_dir>/<experiment>.csv`` (``<experiment>-quick.csv`` for quick
runs), one row per fit, keyed by ``(method, function, config, seed)``.
"""

import csv
import io
import os
from pathlib import Path

from filelock import FileLock

from sk_swat.utils import atomic_write

__all__ = [
    "DEFAULT_OUTPUT_DIR",
    "FIELDS",
    "append_row",
    "file_lock",
    "read_results",
    "results_path",
    "row_key",
    "stem",
    "write_csv",
]

#: Columns of every results CSV, in order.
FIELDS = (
    "method", "function", "config", "seed", "test_mse", "n_nonzero", "architecture", "fit_seconds", "device"
)
#: Where the published results live, relative to the repository root.
DEFAULT_OUTPUT_DIR = os.path.join("docs", "benchmarks")


def stem(experiment, quick):
    """File stem of an experiment's results: ``<experiment>`` or ``<experiment>-quick``.

    Examples
    --------
    >>> from benchmarks.cornn.results import stem
    >>> stem("exp1", False), stem("exp1", True)
    ('exp1', 'exp1-quick')
    """
    return f"{experiment}-quick" if quick else experiment


def results_path(output_dir, experiment, quick=False):
    """``<output_dir>/<experiment>.csv`` (``<experiment>-quick.csv`` for quick runs).

    Examples
    --------
    >>> from benchmarks.cornn.results import results_path
    >>> results_path("out", "exp2", quick=True).as_posix()
    'out/exp2-quick.csv'
    """
    return Path(output_dir) / f"{stem(experiment, quick)}.csv"


def row_key(row):
    """The key of a row: ``(method, function, config, seed)``, the seed as str.

    Examples
    --------
    >>> from benchmarks.cornn.results import row_key
    >>> row_key({"method": "swat", "function": "Sphere", "config": "depth=1", "seed": 0})
    ('swat', 'Sphere', 'depth=1', '0')
    """
    return (row["method"], row["function"], row["config"], str(row["seed"]))


def _valid(row):
    if any(row.get(f) in (None, "") for f in FIELDS) or None in row:
        return False
    try:
        float(row["test_mse"]), int(row["n_nonzero"]), int(row["seed"]), float(row["fit_seconds"])
    except ValueError:
        return False
    return True


def write_csv(path, rows):
    """Write ``rows`` (dicts with at least ``FIELDS``) as a results CSV, atomically.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.cornn.results import write_csv
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_csv(Path(tmp, "exp1.csv"), [])
    ...     Path(tmp, "exp1.csv").read_text()
    'method,function,config,seed,test_mse,n_nonzero,architecture,fit_seconds,device\\n'
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({f: row[f] for f in FIELDS} for row in rows)
    atomic_write(path, buffer.getvalue())


def append_row(path, row):
    """Append one row to a results CSV and flush it to disk (hold :func:`file_lock` around it).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.cornn.results import FIELDS, append_row, read_results, write_csv
    >>> row = dict(zip(FIELDS, ["swat", "Sphere", "depth=1", "0", "0.1", "9", "{}", "1.0", "cpu"]))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp, "exp1.csv")
    ...     write_csv(path, [])
    ...     append_row(path, row)
    ...     read_results(path) == [row]
    True
    """
    with open(path, "a", newline="") as fh:
        csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n").writerow(row)
        fh.flush()
        os.fsync(fh.fileno())


def file_lock(path):
    """The lock (``<path>.lock``) that every process writing the results file ``path`` holds.

    Several runs may share one folder at the same time (say one per method); each write holds it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.cornn.results import file_lock
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with file_lock(Path(tmp, "exp1.csv")) as lock:
    ...         lock.is_locked
    True
    """
    return FileLock(f"{path}.lock")


def read_results(path, repair=False):
    """The valid rows of a results CSV, skipping (and with ``repair``, removing) what an interrupted run left.

    A last line without its newline (a write cut short, or one another run is making right now),
    rows with a missing or unreadable value, and repeated ``(method, function, config, seed)``
    keys (the first is kept) are left out.

    Parameters
    ----------
    path : path-like
    repair : bool, default=False
        Also rewrite the file atomically without them. Only under :func:`file_lock`: a half-written
        last line may be a row that another run is appending, which a repair without the lock
        would drop.

    Returns
    -------
    list of dict
        One dict of str per row, keyed by ``FIELDS``. Empty if the file does not exist.

    Raises
    ------
    ValueError
        If the header is not ``FIELDS`` (a file from another tool or version).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from benchmarks.cornn.results import FIELDS, file_lock, read_results
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp, "exp1.csv")
    ...     _ = path.write_text(",".join(FIELDS) + "\\nswat,Sphere,depth=1,0,0.1,9,{},1.0,cpu\\nswat,Sph")
    ...     with file_lock(path):
    ...         rows = read_results(path, repair=True)  # the half-written last row is dropped, the file repaired
    ...     len(rows), path.read_text().endswith("cpu\\n")
    (1, True)
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
        if repair:
            write_csv(path, [])
        return []
    if tuple(reader.fieldnames) != FIELDS:
        raise ValueError(
            f"{path} has the columns {reader.fieldnames}, expected {list(FIELDS)}. It was not written by "
            "this harness (or by another version): move it away or choose another --output-dir."
        )
    rows, seen = [], set()
    for row in reader:
        if not _valid(row) or row_key(row) in seen:
            damaged = True
            continue
        seen.add(row_key(row))
        rows.append(row)
    if damaged and repair:
        write_csv(path, rows)
    return rows
