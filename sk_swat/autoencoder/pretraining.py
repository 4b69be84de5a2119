"""Pretraining the MLP autoencoder on random MLPs (SWAT-NN, Section III-A5).

Single process by default; under ``torchrun`` (``WORLD_SIZE > 1``) every
process draws its own MLPs and gradients are averaged with
``DistributedDataParallel`` (gloo on CPU, NCCL on GPU).
"""

import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from tqdm.auto import tqdm
from transformers import PretrainedConfig

from .. import encoding
from ..encoding import N_ACTIVATIONS, split_tokens
from ..torch_mlp import real_entries_tensor
from ..utils import atomic_path, atomic_write, resolve_device
from .configuration import SWATAutoencoderConfig, config_class
from .functional import decoded_forward, per_decoder_errors, relative_error, sample_inputs
from .loading import MODEL_CLASSES, no_weight_loading_bar
from .random_mlps import hard_forward, random_mlp_tokens

__all__ = ["PretrainSettings", "pretrain", "functional_loss", "init_weights_from"]

CHECKPOINT = "checkpoint.pt"
LOCK = "pretraining.lock"
MODEL_DIR = "model"
LOG = "log.csv"
SETTINGS = "settings.json"
LOG_FIELDS = ["step", "mlps_seen", "seconds", "holdout_median_best_relative_error"] + [
    f"depth{k}" for k in range(1, encoding.MAX_DEPTH + 1)
] + ["learning_rate"]
#: Settings a resumed run may change without changing what it computes.
FREE_ON_RESUME = ("n_mlps", "checkpoint_every")
#: Settings a resumed run may change when asked by name (``allow_changes``).
CHANGEABLE_ON_RESUME = ("learning_rate",)


@dataclasses.dataclass
class PretrainSettings:
    """Settings of one pretraining run (see :func:`pretrain`).

    Parameters
    ----------
    n_mlps : int, default=1_000_000
        Random MLPs to see in total (over all processes), counting those seen
        before a resume.
    batch_size : int, default=128
        MLPs per step and process; one batch shares depth, input count and
        drop rate.
    learning_rate : float, default=1e-3
        Adam learning rate (constant after a linear warm-up of 200 steps).
    n_points : int, default=256
        Input points per batch at which the functional loss is taken.
    loss : {"min", "pnorm"}, default="min"
        ``"min"``: the minimum over decoders of the relative functional error
        (Eq. 5, each MLP normalised by its output variance). ``"pnorm"``: the
        p-norm over decoders of the 2024 paper, with exponent ``p``.
    p : float, default=2.0
        Exponent of the p-norm loss (2 or -2 in the 2024 paper).
    functional_weight : float, default=1.0
        Weight of the functional loss.
    reconstruction_weight : float, default=1.0
        Weight of a token reconstruction term on the decoder of the input's
        own depth (squared error of weights and biases in units of
        ``value_scale``, cross-entropy of activations and masks). 0 turns it off.
    drop_rates : tuple of float, default=(0.0, 0.2, 0.4)
        Weight-drop rates, one drawn per batch.
    max_inputs : int, default=16
        Input counts are drawn from 1..max_inputs ...
    focus_inputs : int, default=2
        ... except that with probability ``focus_probability`` a batch has
        ``focus_inputs`` inputs (2, the case of the CORNN benchmark).
    focus_probability : float, default=0.5
        See ``focus_inputs``.
    seed : int, default=0
        Seed of the model's initialisation and of the random MLPs.
    checkpoint_every : int, default=500
        Steps between checkpoints (and held-out evaluations).
    n_holdout : int, default=256
        Held-out random MLPs per depth for the error logged at each checkpoint.
    biases : bool, default=True
        Whether the random MLPs have biases; False draws the papers' MLPs
        without bias terms (all biases zero).
    activations : tuple of str, default=("sigmoid", "tanh", "leaky_relu")
        Activations the random MLPs' neurons are drawn from (``("sigmoid",)``
        for the papers' basic setting).
    keep_probability : float, default=0.5
        Probability that a hidden neuron of a random MLP is kept (at least one
        per layer); 1.0 keeps all neurons.
    n_neurons : int, default=None
        Keep exactly this many neurons per hidden layer instead (1-7; the
        2025 paper's Section V-E uses 5).

        These four make the family of random MLPs, for training and for the
        held-out set alike; see :meth:`mlp_options`. Settings recorded
        without them (older runs) resume with these defaults, which are the
        family those runs were trained on.
    max_outputs : int, default=1
        Most outputs of the random MLPs, 1 to
        :data:`~sk_swat.encoding.MAX_OUTPUTS`; the model's token layout is made
        for as many (``config.max_outputs``, which must agree). With
        ``max_outputs > 1`` every batch draws its number of outputs: 1 with
        probability 1/2, else uniformly from 2..max_outputs; the functional
        loss of an MLP is then its relative error averaged over its outputs,
        each normalised by its own variance. The held-out set adds, per depth,
        ``n_holdout`` MLPs of ``max_outputs`` outputs to the one-output ones.
        1 (and settings recorded without it) is the one-output pretraining,
        draw for draw.

    Examples
    --------
    >>> import math
    >>> from sk_swat.autoencoder.pretraining import PretrainSettings
    >>> settings = PretrainSettings(n_mlps=10_000, batch_size=64)
    >>> settings.validate()
    >>> math.ceil(settings.n_mlps / settings.batch_size)  # Adam steps of a one-process run
    157
    >>> PretrainSettings(loss="mean").validate()
    Traceback (most recent call last):
    ...
    ValueError: loss must be 'min' or 'pnorm', got 'mean'.
    """

    n_mlps: int = 1_000_000
    batch_size: int = 128
    learning_rate: float = 1e-3
    n_points: int = 256
    loss: str = "min"
    p: float = 2.0
    functional_weight: float = 1.0
    reconstruction_weight: float = 1.0
    drop_rates: tuple = (0.0, 0.2, 0.4)
    max_inputs: int = encoding.MAX_INPUTS
    focus_inputs: int = 2
    focus_probability: float = 0.5
    seed: int = 0
    checkpoint_every: int = 500
    n_holdout: int = 256
    biases: bool = True
    activations: tuple = encoding.ACTIVATIONS
    keep_probability: float = 0.5
    n_neurons: int | None = None
    max_outputs: int = 1

    def mlp_options(self):
        """Keyword arguments of :func:`~sk_swat.autoencoder.random_mlps.random_mlp_tokens` for this run's MLPs.

        Returns
        -------
        dict
            ``biases``, ``activations``, ``keep_probability`` and ``n_neurons``.

        Examples
        --------
        >>> from sk_swat.autoencoder.pretraining import PretrainSettings
        >>> PretrainSettings(biases=False, activations=("sigmoid",), n_neurons=5).mlp_options()
        {'biases': False, 'activations': ('sigmoid',), 'keep_probability': 0.5, 'n_neurons': 5}
        """
        return {
            "biases": bool(self.biases),
            "activations": tuple(self.activations),
            "keep_probability": self.keep_probability,
            "n_neurons": self.n_neurons,
        }

    def validate(self):
        """Raise ``ValueError`` for settings that cannot work."""
        if self.loss not in ("min", "pnorm"):
            raise ValueError(f"loss must be 'min' or 'pnorm', got {self.loss!r}.")
        if self.loss == "pnorm" and self.p == 0:
            raise ValueError("The p-norm loss needs p != 0 (the 2024 paper uses 2 or -2).")
        for name in ("n_mlps", "batch_size", "n_points", "checkpoint_every", "n_holdout"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}.")
        if not 1 <= self.max_inputs <= encoding.MAX_INPUTS:
            raise ValueError(f"max_inputs must be in 1..{encoding.MAX_INPUTS}, got {self.max_inputs}.")
        if not all(0 <= r < 1 for r in self.drop_rates):
            raise ValueError(f"drop rates must lie in [0, 1), got {self.drop_rates}.")
        unknown = [a for a in self.activations if a not in encoding.ACTIVATIONS]
        if not self.activations or unknown:
            raise ValueError(
                f"activations must be a non-empty subset of {encoding.ACTIVATIONS}, got {tuple(self.activations)}."
            )
        if not 0 < self.keep_probability <= 1:
            raise ValueError(f"keep_probability must lie in (0, 1], got {self.keep_probability}.")
        if self.n_neurons is not None and not 1 <= self.n_neurons <= encoding.MAX_NEURONS:
            raise ValueError(f"n_neurons must be None or in 1..{encoding.MAX_NEURONS}, got {self.n_neurons}.")
        if isinstance(self.max_outputs, bool) or not isinstance(self.max_outputs, int) or not (
            1 <= self.max_outputs <= encoding.MAX_OUTPUTS
        ):
            raise ValueError(f"max_outputs must be an integer in 1..{encoding.MAX_OUTPUTS}, got {self.max_outputs!r}.")


def functional_loss(errors, loss="min", p=2.0):
    """Combine per-decoder errors of shape (batch, n_decoders) into one loss.

    The errors of each MLP are combined over the decoders (their minimum, or
    their p-norm), and the batch loss is the mean of ``log1p`` of the result.

    Parameters
    ----------
    errors : Tensor of shape (batch, n_decoders)
        Functional error of every MLP under every decoder.
    loss : {"min", "pnorm"}, default="min"
        How the errors of one MLP are combined: the best decoder's error, or
        the p-norm over the decoders.
    p : float, default=2.0
        Exponent of the p-norm (used only with ``loss="pnorm"``).

    Returns
    -------
    Tensor of shape ()
        The scalar loss.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder.pretraining import functional_loss
    >>> errors = torch.tensor([[0.5, 0.1], [0.2, 0.4]])
    >>> functional_loss(errors)  # mean(log1p([0.1, 0.2]))
    tensor(0.1388)
    >>> functional_loss(errors, loss="pnorm", p=2.0)
    tensor(0.3908)
    """
    if loss == "min":
        combined = errors.min(dim=1).values
    else:
        combined = errors.pow(p).sum(dim=1).pow(1.0 / p)
    # log1p keeps the few near-constant MLPs (tiny variance, huge relative error)
    # from swamping the batch; it equals the error where the error is small.
    return torch.log1p(combined).mean()


def _reconstruction_loss(raw, target, depth, n_inputs, value_scale, n_outputs=1):
    out, ref = split_tokens(raw, depth, n_inputs, n_outputs), split_tokens(target, depth, n_inputs, n_outputs)
    values = [(a, b) for a, b in zip(out["weights"] + out["biases"], ref["weights"] + ref["biases"])]
    values += [(out["output_weights"], ref["output_weights"]), (out["output_bias"], ref["output_bias"])]
    numeric = sum(((a - b) / value_scale).square().sum() for a, b in values)
    numeric = numeric / sum(b.numel() for _, b in values)
    logits = torch.stack(out["activations"], dim=-2).reshape(-1, N_ACTIVATIONS)
    labels = torch.stack(ref["activations"], dim=-2).reshape(-1, N_ACTIVATIONS).argmax(-1)
    masks = F.binary_cross_entropy_with_logits(out["masks"], ref["masks"])
    return numeric + F.cross_entropy(logits, labels) + masks


def _batch_spec(rng, settings):
    """Depth, inputs, drop rate and outputs of one batch (outputs drawn last, and only with several)."""
    depth = int(rng.integers(1, encoding.MAX_DEPTH + 1))
    if rng.random() < settings.focus_probability:
        n_inputs = settings.focus_inputs
    else:
        n_inputs = int(rng.integers(1, settings.max_inputs + 1))
    drop = float(settings.drop_rates[rng.integers(len(settings.drop_rates))])
    n_outputs = 1
    if settings.max_outputs > 1 and rng.random() >= 0.5:
        n_outputs = int(rng.integers(2, settings.max_outputs + 1))
    return depth, n_inputs, drop, n_outputs


def _holdout(settings, device):
    """Fixed held-out MLPs: per depth, ``n_holdout`` two-input MLPs (seeded apart from training).

    Returns the inputs and a list of ``(depth, n_outputs, tokens)``: one-output MLPs for every depth,
    then, with ``max_outputs > 1``, as many of ``max_outputs`` outputs.
    """
    g = torch.Generator(device="cpu").manual_seed(settings.seed + 7_919)
    x = sample_inputs(settings.n_points, settings.focus_inputs, generator=g)
    sets = []
    for depth in range(1, encoding.MAX_DEPTH + 1):
        for n_outputs in sorted({1, settings.max_outputs}):
            tokens = random_mlp_tokens(
                settings.n_holdout, depth, settings.focus_inputs, n_outputs=n_outputs,
                max_outputs=settings.max_outputs, generator=g, **settings.mlp_options()
            )
            sets.append((depth, n_outputs, tokens.to(device)))
    return x.to(device), sets


@torch.no_grad()
def holdout_error(model, x, sets):
    """Median best-decoder relative error (hard decoding) on held-out sets, per depth and overall."""
    n_inputs = x.shape[1]
    per_depth, best_all = {}, []
    for depth, n_outputs, tokens in sets:
        real = real_entries_tensor(
            depth, n_inputs, tokens.device, n_outputs=n_outputs, max_outputs=encoding.max_outputs_of(tokens)
        )
        decoded = model.decode_all(model.encode(tokens, real))
        relative, _ = per_decoder_errors(x, tokens, depth, n_inputs, decoded, n_outputs)
        per_depth.setdefault(depth, []).append(relative.min(dim=1).values)
    for depth, best in per_depth.items():
        best = torch.cat(best)
        per_depth[depth] = float(best.median())
        best_all.append(best)
    return float(torch.cat(best_all).median()), per_depth


def _step_generator(seed, rank, step, device):
    # One generator per step, so that a resumed run draws exactly what an uninterrupted one would.
    return torch.Generator(device=device).manual_seed(int(seed) * 1_000_003 + rank * 10_007 + step)


def _load_checkpoint(path):
    """The state in ``path``, or a ``ValueError`` that says the file is unusable and what to do."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        missing = {"model", "optimizer", "step", "mlps_seen", "seconds", "config", "settings"} - set(state)
    except Exception as err:
        # Not torch's message: its advice (weights_only=False) would unpickle whatever the file holds.
        reason, missing = f"torch.load raised {type(err).__name__}", None
    else:
        reason = f"no {', '.join(sorted(missing))}"
    if missing is None or missing:
        raise ValueError(
            f"{path} is corrupt or not a pretraining checkpoint of sk-swat ({reason}), so the run cannot be "
            f"resumed. Restore the file from a copy, or move it away to start the run again (model/ holds the "
            "weights of a recent checkpoint)."
        )
    return state


def _log_text(log):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LOG_FIELDS)
    writer.writerows(log)
    return buffer.getvalue()


def _legacy_log(path, step):
    """The rows of a ``log.csv`` written before checkpoints held the log (no learning rate recorded)."""
    if not path.exists():
        return []
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return [row[: len(LOG_FIELDS) - 1] + [""] for row in rows if row and row[0].isdigit() and int(row[0]) <= step]


def _write_checkpoint_files(output_dir, state, model):
    """Make ``model/``, ``log.csv`` and ``settings.json`` those of ``state`` and remove what a kill left.

    ``checkpoint.pt`` is the commit: these files follow it, so they are written after it at every
    checkpoint and again at the start of a resumed run, whatever a kill left of them.
    """
    for name in (CHECKPOINT, MODEL_DIR, LOG, SETTINGS):
        for leftover in [*output_dir.glob(f".{name}.*.tmp"), *output_dir.glob(f".{name}.*.old")]:
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    # Without transformers' "Writing model shards" bar at every checkpoint.
    with atomic_path(output_dir / MODEL_DIR) as part, no_weight_loading_bar():
        model.save_pretrained(part)
    atomic_write(output_dir / LOG, _log_text(state["log"]))
    atomic_write(output_dir / SETTINGS, json.dumps(state["settings"], indent=2))


def _resumed_settings(state, settings, config, allow_changes):
    """The settings of a resumed run: the recorded ones, with the changes that do not alter the run."""
    unknown = set(allow_changes) - set(CHANGEABLE_ON_RESUME)
    if unknown:
        raise ValueError(
            f"allow_changes may name only {', '.join(CHANGEABLE_ON_RESUME)}, got {sorted(unknown)}: the others "
            "change what a resumed run computes. Start a new run in another directory instead."
        )
    recorded = PretrainSettings(**state["settings"])
    if settings is None or isinstance(settings, dict):
        settings = dataclasses.replace(recorded, **(settings or {}))
    changed = {
        name: (old, getattr(settings, name))
        for name, old in dataclasses.asdict(recorded).items()
        if name not in FREE_ON_RESUME + tuple(allow_changes) and _plain(getattr(settings, name)) != _plain(old)
    }
    given = config.to_dict() if isinstance(config, PretrainedConfig) else dict(config or {})
    # The recorded configuration with the defaults of keys added since (max_outputs), as the model reads it.
    recorded_class = config_class(state["config"].get("model_type"))
    recorded_config = {**recorded_class(**state["config"]).to_dict(), **state["config"]}
    # The configuration keys that make the model: a resumed run cannot change them.
    changed.update(
        (name, (recorded_config.get(name), given[name]))
        for name in recorded_class.architecture_names()
        if name in given and given[name] != recorded_config.get(name)
    )
    foreign = sorted(set(given) - set(recorded_config))
    if foreign and "model_type" not in changed:
        raise ValueError(
            f"The checkpoint's model ({state['config'].get('model_type')!r}) has no parameter "
            f"{', '.join(foreign)}: it belongs to another architecture. Leave it out to resume this run."
        )
    if changed:
        lr = "learning_rate" in changed
        raise ValueError(
            "A resumed run must go on as it started, but these settings differ from those recorded in its "
            f"checkpoint: {'; '.join(f'{k} {old!r} -> {new!r}' for k, (old, new) in changed.items())}. Leave "
            "them out (or give the recorded values), or start a new run in another directory."
            + (" To lower the learning rate on resume, allow it by name: allow_changes=('learning_rate',) "
               "(--allow-change learning_rate)." if lr else "")
        )
    return settings


def _plain(value):
    return list(value) if isinstance(value, (list, tuple)) else value


def _model_config(config, settings):
    """The model configuration of a run: ``config`` (a config, a dict or None for the GPT-2 defaults) with
    ``max_outputs`` that of ``settings`` when left out, refused when it differs."""
    if not isinstance(config, PretrainedConfig):
        config = dict(config or {})
        config.setdefault("max_outputs", settings.max_outputs)
        config = config_class(config.get("model_type"))(**config)
    if getattr(config, "max_outputs", 1) != settings.max_outputs:
        raise ValueError(
            f"The model's configuration has max_outputs={config.max_outputs!r} but the settings "
            f"max_outputs={settings.max_outputs!r}: the token layout must hold the random MLPs' outputs, and "
            "holds them only if both agree. Give the same max_outputs to both (or leave it out of the configuration)."
        )
    return config


#: Configuration keys that follow from the package or from ``max_outputs``, not from the model's sizes.
_LAYOUT_KEYS = ("layout_version", "n_tokens", "token_width", "max_depth", "max_inputs", "activations", "max_outputs")


def _init_config(directory, config):
    """The configuration of a run started from the autoencoder in ``directory``: its sizes, updated with ``config``."""
    if isinstance(config, PretrainedConfig):
        return config
    from .loading import load_autoencoder

    base = load_autoencoder(directory, device="cpu").config.to_dict()
    base = {k: v for k, v in base.items() if k not in _LAYOUT_KEYS}
    return {**base, **dict(config or {})}


def _column_map(old_width, new_width):
    """New position of every column of a token matrix of ``old_width`` in one of ``new_width``.

    The hidden-layer blocks and the first output's weights keep their columns; the output-bias
    column and the mask columns move right by the added output columns.
    """
    start = encoding.layout(1).output_weights.start + 1  # the first column after output 0's weights
    columns = torch.arange(old_width)
    return torch.where(columns < start, columns, columns + (new_width - old_width))


def _copy_token_axis(new, old, new_width, old_width):
    """Copy ``old`` into ``new`` where they differ in one axis of ``c * old_width`` and ``c * new_width``
    entries (``c`` channels of token columns); False if their shapes are not so related."""
    diff = [d for d in range(new.dim()) if new.shape[d] != old.shape[d]] if new.dim() == old.dim() else []
    if len(diff) != 1 or old.shape[diff[0]] % old_width or new.shape[diff[0]] % new_width:
        return False
    axis, channels = diff[0], old.shape[diff[0]] // old_width
    if new.shape[axis] // new_width != channels:
        return False
    columns = _column_map(old_width, new_width)
    index = torch.cat([columns + c * new_width for c in range(channels)])
    new.index_copy_(axis, index, old)
    return True


@torch.no_grad()
def init_weights_from(model, directory):
    """Start ``model`` from the weights of the autoencoder saved in ``directory``, where the layout allows.

    Every parameter (and buffer) whose shape is the same in both is copied. One that differs only
    in an axis of token columns (one or two channels of ``token_width`` entries: the GPT-2 model's
    input projection and output heads) is copied column by column to the column's place in the
    wider layout: the hidden-layer blocks and output 0's weights keep their columns, the output
    biases and the masks move right, and the added output columns keep the new model's
    initialisation. The others (such as the CNN's fully connected layers next to the
    convolutions, whose size depends on the token width) keep it too.

    Parameters
    ----------
    model : SWATAutoencoder or SWATCNNAutoencoder
        The new model (changed in place).
    directory : str or Path
        A saved autoencoder (see :func:`sk_swat.load_autoencoder`).

    Returns
    -------
    list of str
        Names of the entries of ``model.state_dict()`` left at their initialisation.

    Examples
    --------
    >>> import tempfile
    >>> from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig
    >>> from sk_swat.autoencoder.pretraining import init_weights_from
    >>> one = SWATAutoencoder(SWATAutoencoderConfig(hidden_size=16, n_head=2))
    >>> three = SWATAutoencoder(SWATAutoencoderConfig(hidden_size=16, n_head=2, max_outputs=3))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     one.save_pretrained(tmp)
    ...     init_weights_from(three, tmp)
    []
    >>> import torch
    >>> torch.equal(three.heads[0].weight[57], one.heads[0].weight[55])  # the first mask column: 55 -> 57
    True
    >>> torch.equal(three.embed.weight[:, 61 + 56], one.embed.weight[:, 59 + 54])  # "real" of the output biases
    True
    """
    from .loading import load_autoencoder

    source = load_autoencoder(directory, device="cpu")
    old_state = source.state_dict()
    old_width, new_width = source.config.token_width, model.config.token_width
    left = []
    for name, new in model.state_dict().items():
        old = old_state.get(name)
        if old is not None and old.shape == new.shape:
            new.copy_(old)
        elif old is None or not _copy_token_axis(new, old.to(new.dtype), new_width, old_width):
            left.append(name)
    return left


def pretrain(
    output_dir, settings=None, config=None, *, resume=True, allow_changes=(), init_from=None, device=None, verbose=0
):
    """Pretrain an MLP autoencoder on random MLPs.

    The GPT-2 :class:`~sk_swat.autoencoder.SWATAutoencoder` or the CNN
    :class:`~sk_swat.autoencoder.SWATCNNAutoencoder`, as ``config`` says.

    Writes to ``output_dir``: ``checkpoint.pt`` (model, optimiser, step,
    counters, settings and log, for resuming; torch tensors and plain Python
    values only), ``model/`` (``save_pretrained`` output: ``config.json`` and
    ``model.safetensors``), ``log.csv`` (held-out error and learning rate at
    every checkpoint) and ``settings.json``. ``checkpoint.pt`` is written
    first, to a temporary name then renamed: it is the commit. The other
    files are made from it after it, and again when the run is resumed, so a
    run killed at any point and resumed ends with the same files as an
    uninterrupted one.

    Parameters
    ----------
    output_dir : str or Path
        Where to write; created if needed.
    settings : PretrainSettings or dict, optional
        Training settings. A dict gives some of them, the others being those
        recorded in the checkpoint when resuming, else the defaults.
    config : SWATAutoencoderConfig, SWATCNNAutoencoderConfig or dict, optional
        Model configuration of a new run (a dict: some of its parameters,
        with ``"model_type": "swat_cnn_autoencoder"`` for the CNN; the
        default is the GPT-2 model). When resuming, the checkpoint's
        configuration is used; one that differs from it in the model's
        sizes or ``model_type`` is refused. Its ``max_outputs`` is
        ``settings.max_outputs`` when left out, and must equal it when given.
    resume : bool, default=True
        Continue from ``output_dir/checkpoint.pt`` if it exists. If False and
        a checkpoint exists, raise rather than overwrite it.
    allow_changes : sequence of str, default=()
        Settings that may differ from the checkpoint's when resuming: only
        ``"learning_rate"`` (recorded in ``log.csv`` from then on). Other
        changes that alter the run (seed, batch size, loss, ...) raise
        ``ValueError``; ``n_mlps`` and ``checkpoint_every`` may always change.
    init_from : str or Path, optional
        Directory of a saved autoencoder (``save_pretrained`` output, such as
        a run's ``model/`` or the bundled one) whose weights start a new run,
        with the layout made as wide as ``settings.max_outputs`` asks (see
        :func:`init_weights_from`). The model's sizes are those of that
        autoencoder, updated with ``config`` if given as a dict. Ignored
        when the run resumes from its checkpoint, which already started from it.
    device : str or torch.device, optional
        Defaults to this process's CUDA device if there is one, else CPU.
    verbose : int, default=0
        Show a progress bar (rank 0 only).

    Returns
    -------
    dict
        ``step``, ``mlps_seen``, ``seconds`` (this call), ``mlps_per_second``
        and ``holdout_error`` (median best-decoder relative error at the
        last checkpoint).

    Raises
    ------
    ValueError
        For invalid settings, a checkpoint that exists with ``resume=False``,
        a corrupt checkpoint, settings that differ from the checkpoint's, or
        a configuration whose ``max_outputs`` is not ``settings.max_outputs``.

    Examples
    --------
    >>> import tempfile
    >>> from sk_swat.autoencoder import SWATAutoencoderConfig
    >>> from sk_swat.autoencoder.pretraining import PretrainSettings, pretrain
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = pretrain(tmp, PretrainSettings(n_mlps=64, batch_size=32, n_holdout=8),
    ...                       SWATAutoencoderConfig(hidden_size=16, n_head=2))
    >>> result["mlps_seen"]
    64
    """
    output_dir = Path(output_dir)
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    rank, world = 0, 1
    if distributed:
        if not dist.is_initialized():
            dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    device = resolve_device("auto" if device is None else device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))  # torchrun: one GPU per rank
    with _only_run_in(output_dir) if rank == 0 else contextlib.nullcontext():
        return _pretrain(output_dir, settings, config, resume, allow_changes, init_from, device, verbose,
                         rank, world, distributed)


@contextlib.contextmanager
def _only_run_in(output_dir):
    """Hold ``output_dir``'s lock for a run: a second run into the same directory would overwrite this one's."""
    from filelock import FileLock, Timeout

    output_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(output_dir / LOCK), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RuntimeError(
            f"Another process is pretraining into {output_dir} (it holds {output_dir / LOCK}). Wait for it to "
            "end, or choose another output directory: two runs into one directory would overwrite each other's "
            "checkpoints."
        ) from None
    try:
        yield
    finally:
        lock.release()


def _pretrain(output_dir, settings, config, resume, allow_changes, init_from, device, verbose, rank, world,
              distributed):
    """The body of :func:`pretrain`, once the run holds its directory."""
    checkpoint_path = output_dir / CHECKPOINT
    state = None
    if checkpoint_path.exists():
        if not resume:
            raise ValueError(
                f"{checkpoint_path} exists. Pass resume=True (--resume) to continue it, "
                "or choose another output directory."
            )
        state = _load_checkpoint(checkpoint_path)
        settings = _resumed_settings(state, settings, config, allow_changes)
        config = state["config"]
    elif isinstance(settings, dict) or settings is None:
        settings = PretrainSettings(**(settings or {}))
    settings.validate()
    if state is None and init_from is not None:
        config = _init_config(init_from, config)
    config = _model_config(config, settings)
    torch.manual_seed(settings.seed)
    model = MODEL_CLASSES[config.model_type](config)
    if state is not None:
        model.load_state_dict(state["model"])
    elif init_from is not None:
        init_weights_from(model, init_from)
    # On the device before the optimiser loads its state, so that Adam's moments follow it there.
    model.to(device)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=settings.learning_rate)
    step, mlps_seen, total_seconds, log = 0, 0, 0.0, []
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        for group in optimizer.param_groups:
            group["lr"] = settings.learning_rate
        step, mlps_seen, total_seconds = state["step"], state["mlps_seen"], state["seconds"]
        log = state.get("log") or _legacy_log(output_dir / LOG, step)
        state["log"] = log
        if rank == 0:
            _write_checkpoint_files(output_dir, state, model)
    trained = model
    if distributed:
        trained = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    holdout_x, holdout_sets = _holdout(settings, device)

    per_step = settings.batch_size * world
    n_steps = math.ceil(max(settings.n_mlps - mlps_seen, 0) / per_step)
    bar = tqdm(total=n_steps, disable=not verbose or rank != 0, desc="pretraining", unit="step")
    start, seen_at_start = time.perf_counter(), mlps_seen
    value_scale = config.value_scale
    last_error = float(log[-1][3]) if log and log[-1][3] != "" else float("nan")

    def checkpoint():
        nonlocal last_error
        if rank != 0:
            return
        model.eval()
        last_error, per_depth = holdout_error(model, holdout_x, holdout_sets)
        model.train()
        seconds = total_seconds + time.perf_counter() - start
        log.append([step, mlps_seen, round(seconds, 1), last_error, *per_depth.values(), settings.learning_rate])
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "step": step,
            "mlps_seen": mlps_seen,
            "seconds": seconds,
            "config": config.to_dict(),
            "settings": dataclasses.asdict(settings),
            "log": log,
        }
        buffer = io.BytesIO()
        torch.save(state, buffer)
        atomic_write(checkpoint_path, buffer.getvalue())
        _write_checkpoint_files(output_dir, state, model)
        bar.set_postfix(holdout=f"{last_error:.3f}")

    model.train()
    layout = {"max_outputs": settings.max_outputs}
    for _ in range(n_steps):
        g = _step_generator(settings.seed, rank, step, "cpu")
        depth, n_inputs, drop, n_outputs = _batch_spec(np.random.default_rng(g.initial_seed()), settings)
        tokens = random_mlp_tokens(
            settings.batch_size, depth, n_inputs, drop_rate=drop, generator=g, n_outputs=n_outputs, **layout,
            **settings.mlp_options(),
        ).to(device)
        x = sample_inputs(settings.n_points, n_inputs, generator=g).to(device)
        real = real_entries_tensor(depth, n_inputs, device, n_outputs=n_outputs, **layout)
        with torch.no_grad():
            f = hard_forward(x, tokens, depth, n_inputs, n_outputs)
        decoded = trained(tokens, real)
        errors = torch.stack(
            [
                relative_error(f, decoded_forward(x, raw, k + 1, n_inputs, n_outputs=n_outputs))
                for k, raw in enumerate(decoded)
            ],
            dim=1,
        )
        loss = settings.functional_weight * functional_loss(errors, settings.loss, settings.p)
        if settings.reconstruction_weight:
            recon = _reconstruction_loss(decoded[depth - 1], tokens, depth, n_inputs, value_scale, n_outputs)
            loss = loss + settings.reconstruction_weight * recon
        warmup = min(1.0, (step + 1) / 200)
        for group in optimizer.param_groups:
            group["lr"] = settings.learning_rate * warmup
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        mlps_seen += per_step
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}", holdout=f"{last_error:.3f}")
        if step % settings.checkpoint_every == 0:
            checkpoint()
    if (n_steps or state is None) and step % settings.checkpoint_every:
        checkpoint()
    bar.close()
    seconds = time.perf_counter() - start
    if distributed:
        dist.barrier()
    return {
        "step": step,
        "mlps_seen": mlps_seen,
        "seconds": seconds,
        "mlps_per_second": (mlps_seen - seen_at_start) / seconds if seconds else float("nan"),
        "holdout_error": last_error,
    }
