"""``load_autoencoder``: the frozen MLP autoencoder from the bundled default, a directory or the Hub.

Weights are read from safetensors files only: a pickled checkpoint
(``pytorch_model.bin`` and the like) is refused, never unpickled. Hub downloads
go through :func:`huggingface_hub.hf_hub_download` into the usual cache (or
``cache_dir``), so ``HF_ENDPOINT``, ``HF_HOME``/``HF_HUB_CACHE`` and
``HF_HUB_OFFLINE`` work as everywhere else in the Hugging Face stack.
"""

import contextlib
import hashlib
import importlib
import json
import os
import re
from pathlib import Path

import torch

from .configuration import SWATAutoencoderConfig
from .modeling import SWATAutoencoder

__all__ = ["load_autoencoder", "AutoencoderLoadError"]

#: Directory of the autoencoder that ships with the package (read at call time).
BUNDLED_DIR = Path(__file__).parent / "pretrained"

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
# Checkpoints in pickle-based formats: named in error messages, never opened.
_PICKLED_WEIGHTS = (
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
    "model.bin",
    "model.pt",
    "model.pth",
    "model.ckpt",
)
_COMMIT_HASH = re.compile(r"[0-9a-f]{40}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_TRUE = {"1", "ON", "YES", "TRUE"}


class AutoencoderLoadError(ValueError, OSError):
    """The autoencoder could not be loaded; the message says what was tried and what to do.

    It is both a :class:`ValueError` (sk-swat's convention for bad input) and
    an :class:`OSError` (the convention of transformers and huggingface_hub for
    files that cannot be found, downloaded or read), so either ``except``
    clause catches it. The underlying error, if any, is chained as
    ``__cause__``.

    Examples
    --------
    >>> from sk_swat import load_autoencoder
    >>> from sk_swat.autoencoder.loading import AutoencoderLoadError
    >>> try:
    ...     load_autoencoder("/nonexistent/dir")
    ... except ValueError as err:
    ...     print(type(err).__name__, isinstance(err, OSError))
    AutoencoderLoadError True
    """


def load_autoencoder(
    name_or_path=None,
    revision=None,
    *,
    device=None,
    cache_dir=None,
    local_files_only=None,
    token=None,
):
    """Load a pretrained :class:`~sk_swat.autoencoder.SWATAutoencoder`, frozen.

    Parameters
    ----------
    name_or_path : None, str or path-like, default=None
        Where the autoencoder comes from:

        - ``None``: the autoencoder bundled with sk-swat (in the package
          directory ``sk_swat/autoencoder/pretrained/``); never touches the
          network.
        - an existing local directory (``str`` or path-like) holding
          ``config.json`` and ``model.safetensors``, as written by
          ``model.save_pretrained(directory)``. A directory wins over a Hub
          repo id of the same name.
        - a Hugging Face Hub repo id ``"owner/name"``: ``config.json`` and
          ``model.safetensors`` are downloaded once into the Hugging Face
          cache (``HF_HUB_CACHE``, by default ``~/.cache/huggingface/hub``,
          or ``cache_dir``) and read from there afterwards. The Hub address
          comes from ``HF_ENDPOINT``; with ``HF_HUB_OFFLINE=1`` only the cache
          is used.
    revision : str, default=None
        Branch, tag or commit hash of a Hub repo (None: ``"main"``). Only for
        Hub repo ids. Both files are taken from the same commit.
    device : str or torch.device, default=None
        Device to put the model on: None for the CPU, ``"auto"`` for CUDA when
        available (else the CPU), or anything :class:`torch.device` accepts.
    cache_dir : str or path-like, default=None
        Hugging Face cache directory for Hub downloads (None: the usual one).
    local_files_only : bool, default=None
        For Hub repo ids: use only the cache, never the network. None means
        False unless offline mode (``HF_HUB_OFFLINE``) is on.
    token : str or bool, default=None
        Hugging Face token for private or gated repos (None: the token of
        ``HF_TOKEN`` or ``hf auth login``, if any; False: none).

    Returns
    -------
    SWATAutoencoder
        In float32, in eval mode, with ``requires_grad=False`` on every
        parameter, on ``device``.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    AutoencoderLoadError
        A subclass of both :class:`ValueError` and :class:`OSError`, for every
        other failure, with a message that says what was tried and what to do:
        no bundled weights; a path that does not exist and is not a repo id; a
        directory or repo without ``config.json`` or without
        ``model.safetensors`` (a pickled ``pytorch_model.bin`` is refused); an
        unknown repo or revision; a Hub that cannot be reached, or offline mode
        (or ``local_files_only``) with the files not in the cache; a failed
        download (nothing partial is kept in the cache); a corrupt weight file
        (a corrupt copy in the cache is removed so that the next call
        downloads it afresh); a config of another ``model_type`` or of another
        token layout (see
        :meth:`~sk_swat.autoencoder.SWATAutoencoderConfig.check_compatible`);
        weights that do not fit the config; a device that cannot be used.

    See Also
    --------
    sk_swat.autoencoder.SWATAutoencoder.save_pretrained : Write a directory this function reads.

    Examples
    --------
    >>> import tempfile
    >>> from sk_swat.autoencoder import (
    ...     SWATAutoencoder, SWATAutoencoderConfig, load_autoencoder)
    >>> config = SWATAutoencoderConfig(hidden_size=16, n_head=2,
    ...                                n_encoder_layers=1, n_decoder_layers=1)
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     SWATAutoencoder(config).save_pretrained(directory)
    ...     model = load_autoencoder(directory)
    >>> model.training, any(p.requires_grad for p in model.parameters())
    (False, False)
    >>> model.config.latent_shape, model.device.type
    ((7, 16), 'cpu')

    A Hub repo id works the same way, e.g. ``load_autoencoder("owner/name",
    revision="v1")``; a path that is neither is refused:

    >>> load_autoencoder("no/such/directory")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sk_swat.autoencoder.loading.AutoencoderLoadError: 'no/such/directory' is neither an existing local directory ...
    """
    _check_types(name_or_path, revision, device, cache_dir, local_files_only, token)
    torch_device = _resolve_device(device)

    if name_or_path is None:
        if revision is not None:
            raise AutoencoderLoadError(
                f"revision={revision!r} was given for the bundled autoencoder; a revision applies only to a "
                "Hugging Face Hub repo id. Pass revision=None, or a repo id as name_or_path."
            )
        directory = BUNDLED_DIR
        if not (directory / WEIGHTS_NAME).is_file() or not (directory / CONFIG_NAME).is_file():
            raise AutoencoderLoadError(
                f"This installation of sk-swat has no bundled autoencoder weights (expected "
                f"{directory / CONFIG_NAME} and {directory / WEIGHTS_NAME}). Reinstall an sk-swat release "
                "that ships them, pass a local directory or a Hugging Face Hub repo id ('owner/name') to "
                "load_autoencoder, or pretrain one with `sk-swat pretrain`."
            )
        return _load_directory(directory, "the bundled autoencoder", torch_device)

    kind, where = _resolve_source(name_or_path)
    if kind == "local":
        if revision is not None:
            raise AutoencoderLoadError(
                f"revision={revision!r} was given for the local directory {str(where)!r}; a revision applies "
                "only to a Hugging Face Hub repo id. Pass revision=None to load the directory."
            )
        _check_local_directory(where)
        return _load_directory(where, f"the directory {str(where)!r}", torch_device)

    snapshot, commit = _download(where, revision, cache_dir, local_files_only, token)
    source = f"the Hub repository {where!r} (revision {revision or 'main'!r}, commit {commit})"
    return _load_directory(snapshot, source, torch_device, evict_corrupt=True)


# --------------------------------------------------------------------------- arguments


def _check_types(name_or_path, revision, device, cache_dir, local_files_only, token):
    def check(value, name, types, expected):
        if value is not None and not isinstance(value, types):
            raise TypeError(f"{name} must be {expected}, got {type(value).__name__}: {value!r}.")

    check(name_or_path, "name_or_path", (str, os.PathLike), "None, a directory (str or path-like) or a Hub repo id")
    check(revision, "revision", str, "None or a str (branch, tag or commit hash)")
    check(device, "device", (str, torch.device), "None, a str such as 'cpu', 'cuda' or 'auto', or a torch.device")
    check(cache_dir, "cache_dir", (str, os.PathLike), "None or a directory (str or path-like)")
    check(local_files_only, "local_files_only", bool, "None or a bool")
    check(token, "token", (str, bool), "None, a str or a bool")


def _resolve_device(device):
    if device is None:
        return torch.device("cpu")
    if isinstance(device, str) and device.strip().lower() == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        torch_device = torch.device(device)
    except (RuntimeError, ValueError) as err:
        raise AutoencoderLoadError(
            f"device={device!r} is not a device torch knows ({err}). Use None or 'cpu', 'cuda', 'cuda:0', "
            "'auto', or a torch.device."
        ) from err
    if torch_device.type == "cuda" and not torch.cuda.is_available():
        raise AutoencoderLoadError(
            f"device={device!r} was asked for, but CUDA is not available on this machine. Use device='cpu', "
            "or device='auto' to take a GPU only when there is one."
        )
    return torch_device


def _resolve_source(name_or_path):
    """Return ``("local", Path)`` or ``("hub", repo_id)``."""
    if isinstance(name_or_path, os.PathLike):
        return "local", Path(name_or_path).expanduser()
    text = name_or_path
    if not text.strip():
        raise AutoencoderLoadError(
            "name_or_path is an empty string. Pass None for the bundled autoencoder, a local directory, "
            "or a Hugging Face Hub repo id ('owner/name')."
        )
    path = Path(text).expanduser()
    if path.exists():
        return "local", path
    if _is_repo_id(text):
        return "hub", text
    raise AutoencoderLoadError(
        f"{text!r} is neither an existing local directory nor a Hugging Face Hub repo id of the form "
        "'owner/name'. Pass the directory that holds config.json and model.safetensors (check the path "
        "and the working directory), a Hub repo id, or None for the bundled autoencoder."
    )


def _is_repo_id(text):
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if text.count("/") != 1 or text.startswith((".", "/", "~")):
        return False
    try:
        validate_repo_id(text)
    except HFValidationError:
        return False
    return True


def _check_local_directory(path):
    if not path.exists():
        raise AutoencoderLoadError(
            f"The directory {str(path)!r} does not exist. Pass the directory that holds config.json and "
            "model.safetensors (written by model.save_pretrained(directory))."
        )
    if not path.is_dir():
        raise AutoencoderLoadError(
            f"{str(path)!r} is a file, not a directory. Pass the directory that holds config.json and "
            "model.safetensors (written by model.save_pretrained(directory))."
        )
    if not (path / CONFIG_NAME).is_file():
        raise AutoencoderLoadError(
            f"The directory {str(path)!r} has no {CONFIG_NAME}, so it is not a saved autoencoder. Pass the "
            "directory written by model.save_pretrained(directory)."
        )
    if not (path / WEIGHTS_NAME).is_file():
        raise AutoencoderLoadError(
            f"The directory {str(path)!r} has no {WEIGHTS_NAME}{_pickled_note(path)}. sk-swat reads weights "
            "only from safetensors files and never unpickles a checkpoint. Save the model with "
            "model.save_pretrained(directory), which writes model.safetensors."
        )


def _pickled_note(path):
    found = [name for name in _PICKLED_WEIGHTS if (path / name).exists()]
    return f" (only the pickled {', '.join(found)}, which is refused)" if found else ""


# --------------------------------------------------------------------------- Hub


def _offline_mode():
    from huggingface_hub import constants

    # The constant is read when huggingface_hub is imported; the environment is read now as well, so
    # that setting HF_HUB_OFFLINE=1 after the import is honoured too.
    env = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return bool(constants.is_offline_mode()) or env.strip().upper() in _TRUE


def _download(repo_id, revision, cache_dir, local_files_only, token):
    """Download (or find in the cache) config.json and model.safetensors of one commit.

    Returns the snapshot directory and its commit hash.
    """
    from huggingface_hub import constants, hf_hub_download

    from .. import __version__

    offline = _offline_mode()
    context = {
        "repo_id": repo_id,
        "revision": revision or "main",
        "cache": str(cache_dir if cache_dir is not None else constants.HF_HUB_CACHE),
        "endpoint": constants.ENDPOINT,
        "offline": offline,
        "local_files_only": bool(local_files_only),
    }
    kwargs = {
        "repo_type": "model",
        "cache_dir": cache_dir,
        "local_files_only": offline or bool(local_files_only),
        "token": token,
        "library_name": "sk-swat",
        "library_version": __version__,
    }
    try:
        config_file = hf_hub_download(repo_id, CONFIG_NAME, revision=revision, **kwargs)
    except Exception as err:
        raise _hub_error(err, CONFIG_NAME, context) from err
    snapshot = Path(config_file).parent
    # Take the weights from the very commit the config came from, even if the branch moves meanwhile.
    commit = snapshot.name if _COMMIT_HASH.fullmatch(snapshot.name) else revision
    try:
        weights_file = hf_hub_download(repo_id, WEIGHTS_NAME, revision=commit, **kwargs)
    except Exception as err:
        raise _hub_error(err, WEIGHTS_NAME, context) from err
    _verify_cached_checksum(Path(weights_file), context)
    return Path(weights_file).parent, commit


def _hub_error(err, filename, ctx):
    """Translate an exception of ``hf_hub_download`` into one clear ``AutoencoderLoadError``."""
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    repo, rev, endpoint, cache = ctx["repo_id"], ctx["revision"], ctx["endpoint"], ctx["cache"]
    what = f"{filename} of the Hugging Face Hub repository {repo!r} (revision {rev!r})"
    if isinstance(err, GatedRepoError):
        msg = (
            f"The Hub repository {repo!r} at {endpoint} is gated. Accept its conditions on its page, then pass "
            "token=... (or log in with `hf auth login`)."
        )
    elif isinstance(err, RepositoryNotFoundError):
        msg = (
            f"There is no Hub repository {repo!r} at {endpoint} (or it is private and no valid token was "
            f"given), and {repo!r} is not a local directory either. Check the repo id, pass token=... for a "
            "private repository, or pass the path of a local directory."
        )
    elif isinstance(err, RevisionNotFoundError):
        msg = (
            f"The Hub repository {repo!r} at {endpoint} has no revision {rev!r}. Pass a branch, tag or commit "
            "hash of that repository, or revision=None for 'main'."
        )
    elif isinstance(err, EntryNotFoundError) and not isinstance(err, LocalEntryNotFoundError):
        if filename == WEIGHTS_NAME:
            msg = (
                f"The Hub repository {repo!r} (revision {rev!r}) has no {WEIGHTS_NAME}. sk-swat reads weights "
                "only from safetensors files and never unpickles a downloaded checkpoint such as "
                "pytorch_model.bin. Use a repository or revision that has model.safetensors (model.save_pretrained "
                "and model.push_to_hub write it)."
            )
        else:
            msg = (
                f"The Hub repository {repo!r} (revision {rev!r}) has no {CONFIG_NAME}, so it is not a saved "
                "sk-swat autoencoder. Check the repo id and revision."
            )
    elif isinstance(err, LocalEntryNotFoundError):
        if ctx["offline"]:
            msg = (
                f"{what} is not in the Hugging Face cache at {cache}, and offline mode is on "
                "(HF_HUB_OFFLINE=1). Set HF_HUB_OFFLINE=0 or download it once with network, or pass a local "
                "directory."
            )
        elif ctx["local_files_only"]:
            msg = (
                f"{what} is not in the Hugging Face cache at {cache}, and local_files_only=True. Pass "
                "local_files_only=False or download it once with network, or pass a local directory."
            )
        else:
            cause = _root_cause(err)
            msg = (
                f"Could not reach the Hugging Face Hub at {endpoint} to download {what} "
                f"({type(cause).__name__}: {cause}), and it is not in the cache at {cache}. Check the network "
                "connection, proxy and HF_ENDPOINT and try again, or pass a local directory."
            )
    elif isinstance(err, HfHubHTTPError):
        status = getattr(getattr(err, "response", None), "status_code", "error")
        msg = (
            f"The Hub at {endpoint} answered HTTP {status} when asked for {what} ({_first_line(err)}). "
            "Try again later, or check HF_ENDPOINT and the token."
        )
    elif isinstance(err, HFValidationError):
        msg = f"Cannot ask the Hub for {what}: {err}. Check the repo id and the revision."
    else:
        msg = (
            f"Downloading {what} from {endpoint} failed ({type(err).__name__}: {_first_line(err)}). Nothing "
            f"partial was kept in the cache at {cache}; try again, or pass a local directory."
        )
    return AutoencoderLoadError(msg)


def _root_cause(err):
    while err.__cause__ is not None:
        err = err.__cause__
    return err


def _first_line(err):
    text = str(err).strip()
    return text.splitlines()[0].rstrip(".") if text else type(err).__name__


def _verify_cached_checksum(pointer, ctx):
    """Check a cached LFS file against its sha256 (the name of its blob) before trusting it."""
    blob = Path(os.path.realpath(pointer))
    if not _SHA256.fullmatch(blob.name):
        return  # not an LFS blob, or a cache without symlinks: nothing to compare with
    digest = hashlib.sha256()
    with open(blob, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != blob.name:
        _evict(pointer)
        raise AutoencoderLoadError(
            f"The cached {pointer.name} of the Hub repository {ctx['repo_id']!r} (revision {ctx['revision']!r}) "
            f"is damaged: its sha256 is {digest.hexdigest()}, not {blob.name}. The damaged copy was removed "
            f"from the cache at {ctx['cache']}; load it again with network to download it afresh."
        )


def _evict(pointer):
    """Remove a cached snapshot file and its blob (best effort), so that the next load downloads it again."""
    blob = Path(os.path.realpath(pointer))
    for path in (pointer, blob):
        with contextlib.suppress(OSError):
            # Only ever touch files inside the cache's `snapshots`/`blobs` folders of this repository.
            if path.parent.name == "blobs" or "snapshots" in path.parts:
                path.unlink()


# --------------------------------------------------------------------------- loading


def _load_directory(directory, source, device, *, evict_corrupt=False):
    """Read config.json and model.safetensors of ``directory`` into a frozen model on ``device``."""
    config = _read_config(directory, source)
    weights = directory / WEIGHTS_NAME
    try:
        _check_safetensors(weights)
    except Exception as err:
        removed = ""
        if evict_corrupt:
            _evict(weights)
            removed = (
                " The copy in the Hugging Face cache was removed, so the next load downloads it afresh; if the "
                "repository's file itself is broken, ask its owner to upload it again."
            )
        raise AutoencoderLoadError(
            f"The weight file of {source} ({weights}) is not a readable safetensors file: "
            f"{_first_line(err)}.{removed} Write it again with model.save_pretrained(directory)."
        ) from err

    try:
        with no_weight_loading_bar():
            model, info = SWATAutoencoder.from_pretrained(
                directory,
                config=config,
                local_files_only=True,
                use_safetensors=True,
                output_loading_info=True,
            )
    except Exception as err:
        raise AutoencoderLoadError(
            f"Could not load the weights of {source} into a SWATAutoencoder with its config.json "
            f"({type(err).__name__}: {_first_line(err)}). The weight file does not fit the configuration: "
            "write the directory again with model.save_pretrained(directory)."
        ) from err
    problems = [
        f"{label}: {_some(info.get(key))}"
        for key, label in (
            ("missing_keys", "missing"),
            ("unexpected_keys", "unexpected"),
            ("mismatched_keys", "of another shape"),
        )
        if info.get(key)
    ]
    if problems:
        raise AutoencoderLoadError(
            f"The weights of {source} do not fit its config.json ({'; '.join(problems)}). Write the directory "
            "again with model.save_pretrained(directory) from a complete model."
        )
    bad = [name for name, p in model.named_parameters() if not torch.isfinite(p).all()]
    if bad:
        raise AutoencoderLoadError(
            f"The weights of {source} contain NaN or infinite values ({_some(bad)}); the file is corrupt or "
            "was saved from a diverged training run. Use another checkpoint."
        )

    model.eval()
    model.requires_grad_(False)
    try:
        return model.to(device=device, dtype=torch.float32)
    except (RuntimeError, AssertionError) as err:
        raise AutoencoderLoadError(
            f"Could not move the autoencoder of {source} to device {str(device)!r} ({_first_line(err)}). "
            "Use device='cpu' or device='auto'."
        ) from err


def _read_config(directory, source):
    path = directory / CONFIG_NAME
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise AutoencoderLoadError(
            f"The {CONFIG_NAME} of {source} ({path}) cannot be read as JSON ({err}). Write the directory again "
            "with model.save_pretrained(directory)."
        ) from err
    model_type = raw.get("model_type") if isinstance(raw, dict) else None
    if model_type != SWATAutoencoderConfig.model_type:
        raise AutoencoderLoadError(
            f"The {CONFIG_NAME} of {source} declares model_type={model_type!r}, not "
            f"{SWATAutoencoderConfig.model_type!r}: it is not an sk-swat autoencoder. Pass an autoencoder "
            "saved by sk-swat (SWATAutoencoder.save_pretrained)."
        )
    try:
        config = SWATAutoencoderConfig.from_pretrained(directory, local_files_only=True)
    except Exception as err:
        raise AutoencoderLoadError(
            f"The {CONFIG_NAME} of {source} is not a valid SWATAutoencoderConfig ({type(err).__name__}: "
            f"{_first_line(err)}). Write the directory again with model.save_pretrained(directory)."
        ) from err
    try:
        config.check_compatible()
    except ValueError as err:
        raise AutoencoderLoadError(f"Cannot use {source}: {err}") from err
    return config


def _check_safetensors(path):
    """Open the safetensors header (raises on a corrupt or truncated file) without reading any tensor."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        for key in f.keys():
            f.get_slice(key).get_shape()


def _some(names, limit=5):
    names = sorted(names)
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


@contextlib.contextmanager
def no_weight_loading_bar():
    """Silence transformers' "Loading weights" bar (sk-swat is silent by default), then restore the settings."""
    try:
        # The module, not the `tqdm` class that `huggingface_hub.utils` exports under the same name.
        hub_tqdm = importlib.import_module("huggingface_hub.utils.tqdm")
        from transformers.utils import logging as tf_logging

        saved_hub_states = dict(hub_tqdm.progress_bar_states)
        was_enabled = tf_logging.is_progress_bar_enabled()
    except (ImportError, AttributeError):  # other versions: leave the bars alone
        yield
        return
    if was_enabled:
        tf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            tf_logging.enable_progress_bar()
            hub_tqdm.progress_bar_states.clear()
            hub_tqdm.progress_bar_states.update(saved_hub_states)
