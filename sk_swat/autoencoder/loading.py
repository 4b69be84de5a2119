"""``load_autoencoder``: the frozen MLP autoencoder from the bundled default, a directory or the Hub.

The libraries do the work: :func:`huggingface_hub.snapshot_download` fetches a Hub repository at one
commit into the usual cache (``HF_ENDPOINT``, ``HF_HOME``/``HF_HUB_CACHE``, ``HF_HUB_OFFLINE``, revisions,
retries, partial downloads), and the model class's ``from_pretrained`` reads the directory. What is left here
is what they do not do: the bundled default, the layout check (an sk-swat ``config.json`` and a
``model.safetensors`` that fits it; a pickled checkpoint is refused, never opened), and one
:class:`AutoencoderLoadError` per failure that says what to do.
"""

import contextlib
import copy
import functools
import importlib
import json
import os
from pathlib import Path

import torch
from transformers import PretrainedConfig

from ..utils import resolve_device
from .base import CHECKSUM_NAME, WEIGHTS_NAME, SWATPreTrainedModel, weights_sha256
from .configuration import CONFIG_CLASSES
from .modeling import SWATAutoencoder
from .modeling_cnn import SWATCNNAutoencoder

__all__ = ["load_autoencoder", "cached_autoencoder", "embedded_outputs", "AutoencoderLoadError"]

#: Directory of the autoencoder that ships with the package (read at call time).
BUNDLED_DIR = Path(__file__).parent / "pretrained"

CONFIG_NAME = "config.json"
#: The model class of each ``model_type`` of ``config.json``.
MODEL_CLASSES = {cls.config_class.model_type: cls for cls in (SWATAutoencoder, SWATCNNAutoencoder)}
# Checkpoints in pickle-based formats: named in error messages, never downloaded or opened.
_PICKLED_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json", "model.bin", "model.pt", "model.pth")
_SAVE_HINT = (
    "Save the model with model.save_pretrained(directory) or model.push_to_hub(repo_id), which write "
    "config.json and model.safetensors."
)


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
    local_files_only=False,
    token=None,
):
    """Load a pretrained MLP autoencoder, frozen.

    The class is the one of the ``model_type`` in ``config.json``:
    :class:`~sk_swat.autoencoder.SWATAutoencoder` (GPT-2) or
    :class:`~sk_swat.autoencoder.SWATCNNAutoencoder` (CNN).

    Parameters
    ----------
    name_or_path : None, str or path-like, default=None
        Where the autoencoder comes from:

        - ``None``: the autoencoder bundled with sk-swat (in the package
          directory ``sk_swat/autoencoder/pretrained/``; MLPs of up to 7
          outputs); never touches the network.
        - an existing local directory (``str`` or path-like) holding
          ``config.json`` and ``model.safetensors``, as written by
          ``model.save_pretrained(directory)``. A directory wins over a Hub
          repo id of the same name.
        - a Hugging Face Hub repo id ``"owner/name"``: ``config.json`` and
          ``model.safetensors`` of one commit are downloaded once by
          :func:`huggingface_hub.snapshot_download` into the Hugging Face
          cache (``HF_HUB_CACHE``, by default ``~/.cache/huggingface/hub``, or
          ``cache_dir``) and read from there afterwards. The Hub address comes
          from ``HF_ENDPOINT``; with ``HF_HUB_OFFLINE=1`` only the cache is
          used, and when the Hub cannot be reached a cached copy is used.
    revision : str, default=None
        Branch, tag or commit hash of a Hub repo (None: ``"main"``). Only for
        Hub repo ids.
    device : str or torch.device, default=None
        Device to put the model on: None for the CPU, ``"auto"`` for CUDA when
        available (else the CPU), or ``"cpu"``, ``"cuda"``, ``"cuda:N"``.
    cache_dir : str or path-like, default=None
        Hugging Face cache directory for Hub downloads (None: the usual one).
    local_files_only : bool, default=False
        For Hub repo ids: use only the cache, never the network (as does
        ``HF_HUB_OFFLINE=1``).
    token : str or bool, default=None
        Hugging Face token for private or gated repos (None: the token of
        ``HF_TOKEN`` or ``hf auth login``, if any; False: none).

    Returns
    -------
    SWATAutoencoder or SWATCNNAutoencoder
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
        unknown repo or revision; a gated repo; a Hub that cannot be reached,
        or offline mode (or ``local_files_only``) with the files not in the
        cache; a failed download; a config that is not valid JSON, of another
        ``model_type`` or of another token layout (see
        :meth:`~sk_swat.autoencoder.SWATAutoencoderConfig.check_compatible`);
        a weight file that is not readable safetensors, does not fit the
        config or holds NaN; a device that cannot be used.

    See Also
    --------
    sk_swat.autoencoder.base.SWATPreTrainedModel.save_pretrained : Write a directory this function reads.

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
    try:
        torch_device = resolve_device("cpu" if device is None else device)
    except ValueError as err:
        raise AutoencoderLoadError(str(err)) from err

    hub_repo = None
    if name_or_path is None:
        directory = BUNDLED_DIR
        source = "the bundled autoencoder"
        _refuse_revision(revision, source)
        if not (directory / CONFIG_NAME).is_file() or not (directory / WEIGHTS_NAME).is_file():
            raise AutoencoderLoadError(
                "This installation of sk-swat has no bundled autoencoder weights (expected "
                f"{directory / CONFIG_NAME} and {directory / WEIGHTS_NAME}). Reinstall an sk-swat release "
                "that ships them, pass a local directory or a Hugging Face Hub repo id ('owner/name') to "
                "load_autoencoder, or pretrain one with `sk-swat pretrain`."
            )
    elif (directory := _local_path(name_or_path)) is not None:
        source = f"the directory {str(directory)!r}"
        _refuse_revision(revision, source)
        if not directory.is_dir():
            what = "does not exist" if not directory.exists() else "is a file, not a directory"
            hub = ""
            if isinstance(name_or_path, str) and name_or_path.count("/") == 1 and not directory.exists():
                hub = (f" For the Hub repo {name_or_path!r}, run from a directory without a folder "
                       f"{str(directory.parent)!r}.")
            raise AutoencoderLoadError(
                f"{str(directory)!r} {what}. Pass the directory that holds config.json and model.safetensors "
                f"(written by model.save_pretrained(directory)).{hub}"
            )
    else:
        hub_repo = name_or_path
        directory = _download(hub_repo, revision, cache_dir, local_files_only, token)
        source = f"the Hub repository {hub_repo!r} (revision {revision or 'main'!r}, commit {directory.name})"
    return _load_directory(directory, source, torch_device, hub_repo)


# --------------------------------------------------------------------------- arguments


def cached_autoencoder(autoencoder, revision, device):
    """The frozen autoencoder a fit uses, loaded once per process, device and version of its files.

    :class:`~sk_swat.SWATRegressor` gets its autoencoder here, so that the
    fits of one process share one copy and the estimator's pickle never
    holds it. A local directory whose files have changed since (new
    weights saved into it) is loaded again. Calling it before timing a fit
    (as the benchmark harness does) keeps the loading out of the fit time.

    Parameters
    ----------
    autoencoder : None, str, path-like, SWATAutoencoder or SWATCNNAutoencoder
        The estimator's ``autoencoder`` parameter: what
        :func:`load_autoencoder` takes as ``name_or_path``, or a model, of
        which a frozen copy on ``device`` is returned (the model itself is
        left as it is: its mode, gradients and device).
    revision : str or None
        The estimator's ``revision`` parameter.
    device : str
        A resolved device name such as ``"cpu"`` or ``"cuda:0"``
        (``str(sk_swat.utils.resolve_device(estimator.device))``).

    Returns
    -------
    SWATAutoencoder or SWATCNNAutoencoder
        In evaluation mode, without gradients; the same object on every call
        with the same arguments while the files are unchanged (the four most
        recent are kept).

    Examples
    --------
    >>> from sk_swat.autoencoder.loading import cached_autoencoder
    >>> cached_autoencoder(None, None, "cpu") is cached_autoencoder(None, None, "cpu")
    True
    """
    if isinstance(autoencoder, SWATPreTrainedModel):
        return copy.deepcopy(autoencoder).to(device).eval().requires_grad_(False)
    return _cached_load(autoencoder, revision, device, _file_versions(autoencoder))


def embedded_outputs(autoencoder, revision=None):
    """The most outputs the autoencoder embeds (``max_outputs`` of its config), read without loading it.

    For the estimator's ``multi_output`` tag, which must not load weights or
    reach the network: a Hub repo id is looked up in the local cache only.

    Parameters
    ----------
    autoencoder : None, str, path-like, SWATAutoencoder or SWATCNNAutoencoder
        The estimator's ``autoencoder`` parameter.
    revision : str, default=None
        The estimator's ``revision`` parameter.

    Returns
    -------
    int
        For None, what the bundled autoencoder embeds; 1 where the config says
        nothing of outputs, or cannot be read (a missing directory, a repo
        not downloaded yet): ``fit`` then says what is wrong.

    Examples
    --------
    >>> from sk_swat.autoencoder.loading import embedded_outputs
    >>> embedded_outputs(None) >= 1
    True
    """
    if isinstance(autoencoder, SWATPreTrainedModel):
        return int(getattr(autoencoder.config, "max_outputs", 1))
    try:
        path = BUNDLED_DIR if autoencoder is None else _local_path(autoencoder)
        if path is None:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(autoencoder, CONFIG_NAME, revision=revision)
            path = Path(cached).parent if isinstance(cached, str) else None
        raw = json.loads((path / CONFIG_NAME).read_text()) if path is not None else {}
        return int(raw.get("max_outputs", 1))
    except (AutoencoderLoadError, OSError, TypeError, ValueError, AttributeError):
        return 1


@functools.lru_cache(maxsize=4)
def _cached_load(autoencoder, revision, device, versions):
    return load_autoencoder(autoencoder, revision=revision, device=device)


def _file_versions(name_or_path):
    """Inode, size and modification time of a local autoencoder's files (empty for a Hub repo id)."""
    directory = BUNDLED_DIR if name_or_path is None else Path(name_or_path).expanduser()
    files = [directory / name for name in (CONFIG_NAME, WEIGHTS_NAME, CHECKSUM_NAME)]
    return tuple((s.st_ino, s.st_size, s.st_mtime_ns) for s in (f.stat() for f in files if f.is_file()))


def _check_types(name_or_path, revision, device, cache_dir, local_files_only, token):
    def check(value, name, types, expected):
        if value is not None and not isinstance(value, types):
            raise TypeError(f"{name} must be {expected}, got {type(value).__name__}: {value!r}.")

    check(name_or_path, "name_or_path", (str, os.PathLike), "None, a directory (str or path-like) or a Hub repo id")
    check(revision, "revision", str, "None or a str (branch, tag or commit hash)")
    check(device, "device", (str, torch.device), "None, a str such as 'cpu', 'cuda' or 'auto', or a torch.device")
    check(cache_dir, "cache_dir", (str, os.PathLike), "None or a directory (str or path-like)")
    check(local_files_only, "local_files_only", bool, "a bool")
    check(token, "token", (str, bool), "None, a str or a bool")


def _refuse_revision(revision, source):
    if revision is not None:
        raise AutoencoderLoadError(
            f"revision={revision!r} was given for {source}; a revision applies only to a Hugging Face Hub "
            "repo id. Pass revision=None, or a repo id as name_or_path."
        )


def _local_path(name_or_path):
    """The local path that ``name_or_path`` names, or None for a Hub repo id."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if isinstance(name_or_path, os.PathLike):
        return Path(name_or_path).expanduser()
    if not name_or_path.strip():
        raise AutoencoderLoadError(
            "name_or_path is an empty string. Pass None for the bundled autoencoder, a local directory, "
            "or a Hugging Face Hub repo id ('owner/name')."
        )
    path = Path(name_or_path).expanduser()
    # 'runs/model' with a folder 'runs' here is a path, missing: no need to ask the Hub for 24 s of retries.
    if path.exists() or path.parent.is_dir() and path.parent != Path("."):
        return path
    # validate_repo_id also takes a bare 'name'; sk-swat asks for 'owner/name' so that a mistyped
    # relative path is not sent to the Hub.
    with contextlib.suppress(HFValidationError):
        if name_or_path.count("/") == 1 and not name_or_path.startswith((".", "~", "/")):
            validate_repo_id(name_or_path)
            return None
    raise AutoencoderLoadError(
        f"{name_or_path!r} is neither an existing local directory nor a Hugging Face Hub repo id of the "
        "form 'owner/name'. Pass the directory that holds config.json and model.safetensors (check the path "
        "and the working directory), a Hub repo id, or None for the bundled autoencoder."
    )


# --------------------------------------------------------------------------- Hub


def _download(repo_id, revision, cache_dir, local_files_only, token):
    """The cache's snapshot directory of config.json and model.safetensors of one commit of ``repo_id``."""
    from huggingface_hub import snapshot_download

    from .. import __version__

    try:
        return Path(
            snapshot_download(
                repo_id,
                revision=revision,
                cache_dir=cache_dir,
                local_files_only=local_files_only,
                token=token,
                allow_patterns=[CONFIG_NAME, WEIGHTS_NAME, CHECKSUM_NAME],
                library_name="sk-swat",
                library_version=__version__,
            )
        )
    except Exception as err:
        message = _hub_message(err, repo_id, revision or "main", cache_dir, local_files_only)
        if "not a local directory either" not in message:
            message += f" If you meant a local directory: {Path.cwd() / repo_id} does not exist."
        raise AutoencoderLoadError(message) from err


def _hub_message(err, repo, revision, cache_dir, local_files_only):
    """One message per kind of failure of ``snapshot_download``, saying what to do."""
    from huggingface_hub import constants
    from huggingface_hub.utils import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    endpoint, cache = constants.ENDPOINT, cache_dir or constants.HF_HUB_CACHE
    what = f"the Hub repository {repo!r} (revision {revision!r})"
    if isinstance(err, GatedRepoError):
        return (
            f"The Hub repository {repo!r} at {endpoint} is gated. Accept its conditions on its page, then pass "
            "token=... (or log in with `hf auth login`)."
        )
    if isinstance(err, RepositoryNotFoundError):
        return (
            f"There is no Hub repository {repo!r} at {endpoint} (or it is private and no valid token was "
            f"given), and {repo!r} is not a local directory either. Check the repo id, pass token=... for a "
            "private repository, or pass the path of a local directory."
        )
    if isinstance(err, RevisionNotFoundError):
        return (
            f"The Hub repository {repo!r} at {endpoint} has no revision {revision!r}. Pass a branch, tag or "
            "commit hash of that repository, or revision=None for 'main'."
        )
    if isinstance(err, LocalEntryNotFoundError):
        if local_files_only:
            why = "local_files_only=True. Pass local_files_only=False to download it"
        elif constants.HF_HUB_OFFLINE:
            why = "offline mode is on (HF_HUB_OFFLINE=1). Set HF_HUB_OFFLINE=0 to download it"
        else:
            cause = err.__cause__ or err
            why = (
                f"the Hub at {endpoint} could not be reached ({type(cause).__name__}: {_first_line(cause)}). "
                "Check the network connection, proxy and HF_ENDPOINT and try again"
            )
        return (
            f"{_capital(what)} is not (or not completely) in the Hugging Face cache at {cache}, and {why}, or "
            "pass a local directory."
        )
    if isinstance(err, HfHubHTTPError) and err.response is not None:
        return (
            f"The Hub at {endpoint} answered HTTP {err.response.status_code} when asked for {what} "
            f"({_first_line(err)}). Try again later, or check HF_ENDPOINT and the token."
        )
    return (
        f"Downloading {what} from {endpoint} failed ({type(err).__name__}: {_first_line(err)}). Try again, or "
        "pass a local directory."
    )


def _first_line(err):
    text = str(err).strip()
    return text.splitlines()[0].rstrip(".") if text else type(err).__name__


# --------------------------------------------------------------------------- loading


def _load_directory(directory, source, device, hub_repo=None):
    """Check the layout of ``directory`` and read it into a frozen float32 model on ``device``."""
    from safetensors import SafetensorError

    config = _read_config(directory, source)
    model_class = MODEL_CLASSES[config.model_type]
    if not (directory / WEIGHTS_NAME).is_file():
        pickled = [name for name in _PICKLED_WEIGHTS if (directory / name).exists()]
        note = f" (only the pickled {', '.join(pickled)}, which is refused)" if pickled else ""
        raise AutoencoderLoadError(
            f"{_capital(source)} has no {WEIGHTS_NAME}{note}. sk-swat reads weights only from safetensors "
            f"files and never unpickles a checkpoint such as pytorch_model.bin. {_SAVE_HINT}"
        )
    try:
        with no_weight_loading_bar():
            model, info = model_class.from_pretrained(
                directory, config=config, local_files_only=True, use_safetensors=True, output_loading_info=True
            )
    except SafetensorError as err:
        if hub_repo is None:
            what_to_do = f"Write it again: {_SAVE_HINT[0].lower()}{_SAVE_HINT[1:]}"
        else:
            what_to_do = (
                f"Check the cached copy with `hf cache verify {hub_repo}`, remove it with `hf cache rm "
                f"model/{hub_repo}` and load again; if the file on the Hub is broken itself, ask the owner of "
                "the repository to upload it again."
            )
        raise AutoencoderLoadError(
            f"The weight file {directory / WEIGHTS_NAME} of {source} is not a readable safetensors file "
            f"({_first_line(err)}). {what_to_do}"
        ) from err
    except Exception as err:
        raise AutoencoderLoadError(
            f"Could not load the weights of {source} into a {model_class.__name__} with its config.json "
            f"({type(err).__name__}: {_first_line(err)}). The weight file does not fit the configuration. "
            f"{_SAVE_HINT}"
        ) from err
    problems = [
        f"{label}: {_some(info[key])}"
        for key, label in (("missing_keys", "missing"), ("unexpected_keys", "unexpected"))
        if info.get(key)
    ]
    if problems:
        raise AutoencoderLoadError(
            f"The weights of {source} do not fit its config.json ({'; '.join(problems)}). {_SAVE_HINT}"
        )
    bad = [name for name, p in model.named_parameters() if not torch.isfinite(p).all()]
    if bad:
        raise AutoencoderLoadError(
            f"The weights of {source} contain NaN or infinite values ({_some(bad)}); the file is corrupt or "
            "was saved from a diverged training run. Use another checkpoint."
        )
    # Last: the checks above name what is wrong with a damaged file more precisely.
    _verify_checksum(directory, source)
    return model.eval().requires_grad_(False).to(device=device, dtype=torch.float32)


def _verify_checksum(directory, source):
    """Compare the weights with the SHA-256 recorded beside them when they were saved (if it was)."""
    recorded = directory / CHECKSUM_NAME
    if not recorded.is_file():
        return
    expected = (recorded.read_text().split() or [""])[0]
    actual = weights_sha256(directory / WEIGHTS_NAME)
    if actual != expected:
        raise AutoencoderLoadError(
            f"The weight file {directory / WEIGHTS_NAME} of {source} does not match the SHA-256 recorded in "
            f"{CHECKSUM_NAME} when it was saved ({actual} instead of {expected or 'nothing'}): it is corrupt, or "
            f"was replaced without saving the model again. Write it again with model.save_pretrained(directory); "
            f"if you replaced the weights on purpose, delete {CHECKSUM_NAME}."
        )


def _read_config(directory, source):
    if not (directory / CONFIG_NAME).is_file():
        raise AutoencoderLoadError(
            f"{_capital(source)} has no {CONFIG_NAME}, so it is not a saved sk-swat autoencoder. Check the "
            f"name or path and the revision. {_SAVE_HINT}"
        )
    try:
        raw, _ = PretrainedConfig.get_config_dict(directory, local_files_only=True)
    except Exception as err:
        raise AutoencoderLoadError(
            f"The {CONFIG_NAME} of {source} ({directory / CONFIG_NAME}) cannot be read as JSON "
            f"({_first_line(err)}). {_SAVE_HINT}"
        ) from err
    model_type = raw.get("model_type") if isinstance(raw, dict) else None
    if model_type not in CONFIG_CLASSES:
        raise AutoencoderLoadError(
            f"The {CONFIG_NAME} of {source} declares model_type={model_type!r}, not "
            f"{' or '.join(map(repr, CONFIG_CLASSES))}: it is not an sk-swat autoencoder. Pass an autoencoder "
            "saved by sk-swat (SWATAutoencoder.save_pretrained or SWATCNNAutoencoder.save_pretrained)."
        )
    try:
        config = CONFIG_CLASSES[model_type].from_dict(raw)
        config.check_compatible()
    except Exception as err:
        raise AutoencoderLoadError(f"Cannot use the {CONFIG_NAME} of {source}: {err}") from err
    return config


def _capital(text):
    return text[:1].upper() + text[1:]


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
