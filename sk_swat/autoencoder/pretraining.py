"""Pretraining the MLP autoencoder on random MLPs (SWAT-NN, Section III-A5).

Single process by default; under ``torchrun`` (``WORLD_SIZE > 1``) every
process draws its own MLPs and gradients are averaged with
``DistributedDataParallel`` (gloo on CPU, NCCL on GPU).
"""

import csv
import dataclasses
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import encoding
from ..encoding import N_ACTIVATIONS, split_tokens
from ..torch_mlp import real_entries_tensor
from ..utils import atomic_path, resolve_device
from .configuration import SWATAutoencoderConfig
from .functional import decoded_forward, per_decoder_errors, relative_error, sample_inputs
from .loading import no_weight_loading_bar
from .modeling import SWATAutoencoder
from .random_mlps import hard_forward, random_mlp_tokens

__all__ = ["PretrainSettings", "pretrain", "functional_loss"]

CHECKPOINT = "checkpoint.pt"
MODEL_DIR = "model"
LOG = "log.csv"


@dataclasses.dataclass
class PretrainSettings:
    """Settings of one pretraining run (see :func:`pretrain`).

    Parameters
    ----------
    n_mlps : int, default=1_000_000
        Random MLPs to see in total (over all processes), counting those seen
        before a resume.
    batch_size : int, default=256
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
    batch_size: int = 256
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


def _reconstruction_loss(raw, target, depth, n_inputs, value_scale):
    out, ref = split_tokens(raw, depth, n_inputs), split_tokens(target, depth, n_inputs)
    values = [(a, b) for a, b in zip(out["weights"] + out["biases"], ref["weights"] + ref["biases"])]
    values += [(out["output_weights"], ref["output_weights"]), (out["output_bias"], ref["output_bias"])]
    numeric = sum(((a - b) / value_scale).square().sum() for a, b in values)
    numeric = numeric / sum(b.numel() for _, b in values)
    logits = torch.stack(out["activations"], dim=-2).reshape(-1, N_ACTIVATIONS)
    labels = torch.stack(ref["activations"], dim=-2).reshape(-1, N_ACTIVATIONS).argmax(-1)
    masks = F.binary_cross_entropy_with_logits(out["masks"], ref["masks"])
    return numeric + F.cross_entropy(logits, labels) + masks


def _batch_spec(rng, settings):
    depth = int(rng.integers(1, encoding.MAX_DEPTH + 1))
    if rng.random() < settings.focus_probability:
        n_inputs = settings.focus_inputs
    else:
        n_inputs = int(rng.integers(1, settings.max_inputs + 1))
    drop = float(settings.drop_rates[rng.integers(len(settings.drop_rates))])
    return depth, n_inputs, drop


def _holdout(settings, device):
    """Fixed held-out MLPs: per depth, ``n_holdout`` two-input MLPs (seeded apart from training)."""
    g = torch.Generator(device="cpu").manual_seed(settings.seed + 7_919)
    x = sample_inputs(settings.n_points, settings.focus_inputs, generator=g)
    sets = []
    for depth in range(1, encoding.MAX_DEPTH + 1):
        tokens = random_mlp_tokens(settings.n_holdout, depth, settings.focus_inputs, generator=g)
        sets.append((depth, tokens.to(device)))
    return x.to(device), sets


@torch.no_grad()
def holdout_error(model, x, sets):
    """Median best-decoder relative error (hard decoding) on held-out sets, per depth and overall."""
    n_inputs = x.shape[1]
    per_depth, best_all = {}, []
    real = {}
    for depth, tokens in sets:
        real = real_entries_tensor(depth, n_inputs, tokens.device)
        decoded = model.decode_all(model.encode(tokens, real))
        relative, _ = per_decoder_errors(x, tokens, depth, n_inputs, decoded)
        best = relative.min(dim=1).values
        per_depth[depth] = float(best.median())
        best_all.append(best)
    return float(torch.cat(best_all).median()), per_depth


def _step_generator(seed, rank, step, device):
    # One generator per step, so that a resumed run draws exactly what an uninterrupted one would.
    return torch.Generator(device=device).manual_seed(int(seed) * 1_000_003 + rank * 10_007 + step)


def pretrain(output_dir, settings=None, config=None, *, resume=True, device=None, verbose=0):
    """Pretrain a :class:`SWATAutoencoder` on random MLPs.

    Writes to ``output_dir``: ``checkpoint.pt`` (model, optimiser, step and
    counters, for resuming; torch tensors and plain Python values only),
    ``model/`` (``save_pretrained`` output: ``config.json`` and
    ``model.safetensors``), ``log.csv`` (held-out error at every checkpoint)
    and ``settings.json``. Every file is written to a temporary name and
    renamed, so an interrupted run leaves the last complete checkpoint.

    Parameters
    ----------
    output_dir : str or Path
        Where to write; created if needed.
    settings : PretrainSettings, optional
        Training settings; defaults if None.
    config : SWATAutoencoderConfig, optional
        Model configuration for a new run (ignored on resume, where the
        checkpoint's configuration is used).
    resume : bool, default=True
        Continue from ``output_dir/checkpoint.pt`` if it exists. If False and
        a checkpoint exists, raise rather than overwrite it.
    device : str or torch.device, optional
        Defaults to this process's CUDA device if there is one, else CPU.
    verbose : int, default=0
        Show a progress bar (rank 0 only).

    Returns
    -------
    dict
        ``step``, ``mlps_seen``, ``seconds`` (this call), ``mlps_per_second``
        and ``holdout_error`` (median best-decoder relative error).

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
    settings = settings or PretrainSettings()
    settings.validate()
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

    checkpoint_path = output_dir / CHECKPOINT
    state = None
    if checkpoint_path.exists():
        if not resume:
            raise ValueError(
                f"{checkpoint_path} exists. Pass resume=True (--resume) to continue it, "
                "or choose another output directory."
            )
        state = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
        config = SWATAutoencoderConfig(**state["config"])
    config = config or SWATAutoencoderConfig()
    torch.manual_seed(settings.seed)
    model = SWATAutoencoder(config)
    if state is not None:
        model.load_state_dict(state["model"])
    # On the device before the optimiser loads its state, so that Adam's moments follow it there.
    model.to(device)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=settings.learning_rate)
    step, mlps_seen, total_seconds = 0, 0, 0.0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        for group in optimizer.param_groups:
            group["lr"] = settings.learning_rate
        step, mlps_seen, total_seconds = state["step"], state["mlps_seen"], state["seconds"]
    trained = model
    if distributed:
        trained = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )
    if rank == 0:
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / "settings.json").write_text(json.dumps(dataclasses.asdict(settings), indent=2))
    holdout_x, holdout_sets = _holdout(settings, device)

    per_step = settings.batch_size * world
    n_steps = math.ceil(max(settings.n_mlps - mlps_seen, 0) / per_step)
    bar = tqdm(total=n_steps, disable=not verbose or rank != 0, desc="pretraining", unit="step")
    start, seen_at_start = time.perf_counter(), mlps_seen
    value_scale = config.value_scale
    last_error = float("nan")

    def checkpoint():
        nonlocal last_error
        if rank != 0:
            return
        model.eval()
        last_error, per_depth = holdout_error(model, holdout_x, holdout_sets)
        model.train()
        seconds = total_seconds + time.perf_counter() - start
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "step": step,
            "mlps_seen": mlps_seen,
            "seconds": seconds,
            "config": config.to_dict(),
            "settings": dataclasses.asdict(settings),
        }
        with atomic_path(checkpoint_path) as part:
            torch.save(state, part)
        # Without transformers' "Writing model shards" bar at every checkpoint.
        with atomic_path(output_dir / MODEL_DIR) as part, no_weight_loading_bar():
            model.save_pretrained(part)
        log = output_dir / LOG
        new = not log.exists()
        with open(log, "a", newline="") as fh:
            writer = csv.writer(fh)
            if new:
                writer.writerow(["step", "mlps_seen", "seconds", "holdout_median_best_relative_error"]
                                + [f"depth{k}" for k in per_depth])
            writer.writerow([step, mlps_seen, round(seconds, 1), last_error] + list(per_depth.values()))
        bar.set_postfix(holdout=f"{last_error:.3f}")

    model.train()
    for _ in range(n_steps):
        g = _step_generator(settings.seed, rank, step, "cpu")
        depth, n_inputs, drop = _batch_spec(np.random.default_rng(g.initial_seed()), settings)
        tokens = random_mlp_tokens(settings.batch_size, depth, n_inputs, drop_rate=drop, generator=g).to(device)
        x = sample_inputs(settings.n_points, n_inputs, generator=g).to(device)
        real = real_entries_tensor(depth, n_inputs, device)
        with torch.no_grad():
            f = hard_forward(x, tokens, depth, n_inputs)
        decoded = trained(tokens, real)
        errors = torch.stack(
            [relative_error(f, decoded_forward(x, raw, k + 1, n_inputs)) for k, raw in enumerate(decoded)], dim=1
        )
        loss = settings.functional_weight * functional_loss(errors, settings.loss, settings.p)
        if settings.reconstruction_weight:
            recon = _reconstruction_loss(decoded[depth - 1], tokens, depth, n_inputs, value_scale)
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
