"""Helpers used across sk-swat and by the benchmark harness: the device, threads, and files written whole.

Nothing here knows of the method; these are the one place for each idea (imported by the estimators,
the baselines, the autoencoder's loading, pretraining and evaluation, and by ``benchmarks/``).
"""

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits

__all__ = ["atomic_path", "atomic_write", "resolve_device", "limited_threads"]


def resolve_device(device):
    """Return the ``torch.device`` that ``device`` names.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` (CUDA if available, else CPU), ``"cpu"``, ``"cuda"`` or
        ``"cuda:N"``.

    Returns
    -------
    torch.device
        The device, with ``"auto"`` resolved.

    Raises
    ------
    ValueError
        For an unknown device string, or a CUDA device on a machine without one.

    Examples
    --------
    >>> from sk_swat.utils import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"Unknown device {device!r}: use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from None
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"Unsupported device {device!r}: use 'auto', 'cpu', 'cuda' or 'cuda:N'.")
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested, but PyTorch sees no CUDA GPU on this machine "
                f"(torch {torch.__version__}). Use device='cpu' or device='auto'."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested, but only {torch.cuda.device_count()} CUDA device(s) exist."
            )
    return resolved


@contextmanager
def atomic_path(path):
    """A temporary path beside ``path`` that replaces ``path`` when the block ends without error.

    Write a file or a directory to the path yielded; on success it is renamed
    onto ``path`` (a directory already at ``path`` is moved aside first and
    removed after), on error it is removed and ``path`` is left as it was. A
    reader never sees a half-written ``path``.

    Parameters
    ----------
    path : path-like
        The file or directory to write; its folder is created if needed.

    Yields
    ------
    pathlib.Path
        Where to write: a name in the same folder that nothing else uses.

    Examples
    --------
    >>> import tempfile, torch
    >>> from pathlib import Path
    >>> from sk_swat.utils import atomic_path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with atomic_path(Path(tmp, "state.pt")) as part:
    ...         torch.save({"step": 3}, part)
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['state.pt']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        if tmp.is_dir() and path.is_dir():
            old = tmp.with_suffix(".old")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def atomic_write(path, data):
    """Write ``data`` to ``path`` through a temporary file and a rename: never half-written.

    Parameters
    ----------
    path : path-like
        The file; its folder is created if needed.
    data : str or bytes
        Written as it is (text as UTF-8, no newline translation), then
        flushed to disk before the rename.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sk_swat.utils import atomic_write
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     atomic_write(Path(tmp, "sub", "a.md"), "# A\\n")
    ...     Path(tmp, "sub", "a.md").read_text()
    '# A\\n'
    """
    with atomic_path(path) as tmp:
        text = isinstance(data, str)
        with open(tmp, "w", newline="", encoding="utf-8") if text else open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


@contextmanager
def limited_threads(n_threads):
    """Run a block with ``n_threads`` torch intra-op threads and as many BLAS / OpenMP threads.

    The caller's settings are restored afterwards, also when the block raises.

    Parameters
    ----------
    n_threads : int or None
        Threads to use; None leaves the settings as they are.

    Yields
    ------
    None
        Control returns to the block with the threads set.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.utils import limited_threads
    >>> before = torch.get_num_threads()
    >>> with limited_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n_threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        with threadpool_limits(limits=n_threads):
            yield
    finally:
        torch.set_num_threads(before)
