"""How faithfully an autoencoder reproduces MLPs, and how smooth its latent space is.

Two measurements of a frozen :class:`~sk_swat.autoencoder.SWATAutoencoder`:

- :func:`fidelity`: held-out random MLPs (drawn as in pretraining, from a
  random stream of their own) are encoded and decoded by every decoder; the
  decoded MLPs are run with hard decoding (masks thresholded, arg-max
  activation, as a search keeps them) and compared with the originals on
  inputs from U[-1, 1]. Reported per input depth and decoder: the median
  relative functional error (SWAT-NN, Eq. 5) and the median percentage error
  of the 2024 paper (Eq. 7), and the same for the best decoder of each MLP.
- :func:`smoothness_map`: the MSE landscape around a latent point along its
  two principal noise directions (SWAT-NN, Section V-A and Fig. 10).

:func:`write_fidelity_report` runs both and writes ``fidelity.csv``,
``fidelity.md`` and ``smoothness.png``; it is what ``sk-swat
evaluate-autoencoder`` calls.
"""

import csv
import io
import shlex
import time
from pathlib import Path

import numpy as np
import torch

from .. import encoding
from ..torch_mlp import real_entries_tensor
from ..utils import atomic_write, resolve_device
from .functional import decoded_forward, per_decoder_errors, sample_inputs
from .random_mlps import random_mlp_tokens

__all__ = ["decoder_errors", "fidelity", "smoothness_map", "write_fidelity_report"]

#: Weight-drop rates of the held-out MLPs: those of pretraining (``PretrainSettings.drop_rates``).
DROP_RATES = (0.0, 0.2, 0.4)
#: Columns of the rows :func:`fidelity` returns (and of ``fidelity.csv``).
FIELDS = (
    "input_depth",
    "decoder",
    "n_mlps",
    "median_relative_error",
    "median_percentage_error",
    "share_better_than_mean",
    "share_best",
)
# Tag mixed into every seed, so that the held-out MLPs come from a random stream of their own: never the
# stream of pretraining's held-out set (manual_seed(seed + 7919)) or of its training steps, whatever the seeds.
_STREAM_TAG = 0x5F1DE1


def _check_int(name, value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.")
    if value < low or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{name} must be {bounds}, got {value}.")
    return int(value)


def _generator(seed, stream=0):
    """A CPU ``torch.Generator`` seeded from ``seed`` through a SeedSequence with sk-swat's evaluation tag."""
    state = np.random.SeedSequence([int(seed), _STREAM_TAG, int(stream)]).generate_state(2, dtype=np.uint32)
    return torch.Generator(device="cpu").manual_seed((int(state[0]) << 32) | int(state[1]))


def _model_device(model, device):
    if device is None:
        return next(model.parameters()).device
    device = resolve_device(device)
    model.to(device)
    return device


@torch.no_grad()
def decoder_errors(x, tokens, depth, n_inputs, decoded, n_outputs=1):
    """Relative and percentage errors of decoded MLPs against the MLPs they encode, as arrays.

    :func:`~sk_swat.autoencoder.functional.per_decoder_errors`, with NaN
    reported as ``inf``.

    Parameters
    ----------
    x : Tensor of shape (n_points, n_inputs)
        Inputs.
    tokens : Tensor of shape (batch, N_TOKENS, token_width(max_outputs))
        The original MLPs as token matrices.
    depth : int
        Depth of the original MLPs.
    n_inputs : int
        Number of inputs.
    decoded : list of Tensor
        Raw output of every depth's decoder, as for
        :func:`~sk_swat.autoencoder.functional.per_decoder_errors`.
    n_outputs : int, default=1
        Number of outputs of the original MLPs (errors are averaged over them).

    Returns
    -------
    relative : ndarray of shape (batch, len(decoded))
        :func:`~sk_swat.autoencoder.functional.relative_error` of every
        decoded MLP, run with hard decoding. NaN (an overflowing decoded MLP)
        is reported as ``inf``.
    percentage : ndarray of shape (batch, len(decoded))
        :func:`~sk_swat.autoencoder.functional.percentage_error` (per MLP, the
        median over points of ``100 |f - f_hat| / |f|``).

    Examples
    --------
    A decoder that returned the original tokens would be exact (masks of 1
    and 0 are positive and non-positive logits; a one-hot is its own
    arg-max), but only the decoder of their own depth reads them right:

    >>> import torch
    >>> from sk_swat.autoencoder.random_mlps import random_mlp_tokens
    >>> from sk_swat.autoencoder.functional import sample_inputs
    >>> from sk_swat.autoencoder.evaluation import decoder_errors
    >>> g = torch.Generator().manual_seed(0)
    >>> tokens = random_mlp_tokens(5, depth=2, n_inputs=2, generator=g)
    >>> x = sample_inputs(100, 2, generator=g)
    >>> relative, percentage = decoder_errors(x, tokens, 2, 2, [tokens] * 4)
    >>> relative.shape, float(relative[:, 1].max()), float(percentage[:, 1].max())
    ((5, 4), 0.0, 0.0)
    """
    relative, percentage = per_decoder_errors(x, tokens, depth, n_inputs, decoded, n_outputs)
    relative, percentage = relative.double().cpu().numpy(), percentage.double().cpu().numpy()
    return np.nan_to_num(relative, nan=np.inf), np.nan_to_num(percentage, nan=np.inf)


def _summary_rows(input_depth, relative, percentage):
    n, n_dec = relative.shape
    best = relative.argmin(axis=1)
    rows = []
    for k in range(n_dec):
        rows.append({
            "input_depth": input_depth,
            "decoder": k + 1,
            "n_mlps": n,
            "median_relative_error": float(np.median(relative[:, k])),
            "median_percentage_error": float(np.median(percentage[:, k])),
            "share_better_than_mean": float(np.mean(relative[:, k] < 1)),
            "share_best": float(np.mean(best == k)),
        })
    best_relative = relative.min(axis=1)
    rows.append({
        "input_depth": input_depth,
        "decoder": "best",
        "n_mlps": n,
        "median_relative_error": float(np.median(best_relative)),
        "median_percentage_error": float(np.median(percentage.min(axis=1))),
        "share_better_than_mean": float(np.mean(best_relative < 1)),
        "share_best": 1.0,
    })
    return rows


@torch.no_grad()
def fidelity(
    model,
    *,
    n_mlps=1000,
    n_inputs=2,
    n_points=1000,
    seed=12345,
    batch_size=250,
    drop_rates=DROP_RATES,
    mlp_options=None,
    n_outputs=1,
    device=None,
):
    """Reconstruction fidelity of an autoencoder on held-out random MLPs.

    For every input depth 1-4, ``n_mlps`` random MLPs are drawn with
    :func:`~sk_swat.autoencoder.random_mlps.random_mlp_tokens` as in
    pretraining (weights U[-5, 5], biases U[-1, 1], neurons kept with
    probability 0.5, random activations), split evenly over the weight-drop
    rates ``drop_rates``. Each is encoded, decoded by all four decoders and
    run with hard decoding (masks thresholded at 0.5, arg-max activation) on
    ``n_points`` inputs from U[-1, 1]^n_inputs shared by all MLPs.

    The random stream is a ``torch.Generator`` seeded from ``seed`` through
    a :class:`numpy.random.SeedSequence` tagged for this evaluation, so that
    no seed reproduces pretraining's held-out set (``manual_seed(seed +
    7919)``) or its training batches: the MLPs are held out from any run.

    Parameters
    ----------
    model : SWATAutoencoder or SWATCNNAutoencoder
        The autoencoder (not changed, except that it is moved to ``device``
        when one is given).
    n_mlps : int, default=1000
        Held-out MLPs per input depth.
    n_inputs : int, default=2
        Inputs of the MLPs (2 for the CORNN benchmark).
    n_points : int, default=1000
        Input points at which the functions are compared (the 2024 paper
        uses 1000).
    seed : int, default=12345
        Seed of the MLPs and the inputs (non-negative).
    batch_size : int, default=250
        MLPs encoded and decoded together; bounds the memory.
    drop_rates : sequence of float, default=(0.0, 0.2, 0.4)
        Weight-drop rates of the held-out MLPs (those of pretraining).
    mlp_options : dict, default=None
        Further keyword arguments of
        :func:`~sk_swat.autoencoder.random_mlps.random_mlp_tokens` that make
        the family of the held-out MLPs, e.g. ``{"biases": False,
        "activations": ("sigmoid",), "n_neurons": 7}``: those of the run the
        autoencoder was pretrained by
        (:meth:`~sk_swat.autoencoder.pretraining.PretrainSettings.mlp_options`).
        None draws them as the default pretraining does.
    n_outputs : int, default=1
        Outputs of the held-out MLPs, 1 to the model's ``config.max_outputs``;
        an MLP's errors are averaged over its outputs (each relative error
        normalised by the variance of its own output).
    device : str or torch.device, default=None
        Where to compute: None for the model's device.

    Returns
    -------
    list of dict
        One row per (input depth, decoder), with the keys :data:`FIELDS`:

        - ``input_depth``: 1-4, or ``"all"`` for the pooled MLPs of every depth;
        - ``decoder``: 1-4, or ``"best"`` for the best decoder of each MLP
          (lowest relative error);
        - ``n_mlps``: MLPs in the row;
        - ``median_relative_error``: median over MLPs of
          ``sum((f - f_hat)^2) / sum((f - mean f)^2)``; 0 is exact, 1 is no
          better than predicting the mean. For ``"best"``: the median of the
          per-MLP minimum over decoders;
        - ``median_percentage_error``: median over MLPs of the 2024 paper's
          median percentage error ``median_x 100 |f - f_hat| / |f|``. For
          ``"best"``: the median of the per-MLP minimum over decoders, as in
          that paper;
        - ``share_better_than_mean``: share of MLPs with relative error below 1;
        - ``share_best``: share of MLPs for which this decoder is the best.

        Rows come by input depth then decoder (``"best"`` last); the last row
        is ``("all", "best")``. Every row suits :class:`csv.DictWriter`.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig
    >>> from sk_swat.autoencoder.evaluation import fidelity
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = SWATAutoencoder(SWATAutoencoderConfig(
    ...     hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1)).eval()
    >>> rows = fidelity(model, n_mlps=6, n_points=50)
    >>> len(rows), rows[-1]["input_depth"], rows[-1]["decoder"], rows[-1]["n_mlps"]
    (25, 'all', 'best', 24)
    """
    n_mlps = _check_int("n_mlps", n_mlps, 1)
    n_inputs = _check_int("n_inputs", n_inputs, 1, encoding.MAX_INPUTS)
    n_points = _check_int("n_points", n_points, 2)
    seed = _check_int("seed", seed, 0)
    batch_size = _check_int("batch_size", batch_size, 1)
    max_outputs = int(getattr(model.config, "max_outputs", 1))
    n_outputs = _check_int("n_outputs", n_outputs, 1, max_outputs)
    layout = {"n_outputs": n_outputs, "max_outputs": max_outputs}
    drop_rates = tuple(float(r) for r in drop_rates)
    if not drop_rates or not all(0 <= r < 1 for r in drop_rates):
        raise ValueError(f"drop_rates must be a non-empty sequence of rates in [0, 1), got {drop_rates}.")
    device = _model_device(model, device)

    g = _generator(seed)
    x = sample_inputs(n_points, n_inputs, generator=g)
    shares = np.diff(np.linspace(0, n_mlps, len(drop_rates) + 1).round().astype(int))
    held_out = []
    for depth in range(1, encoding.MAX_DEPTH + 1):
        groups = [
            random_mlp_tokens(
                int(size), depth, n_inputs, drop_rate=rate, generator=g, **layout, **(mlp_options or {})
            )
            for size, rate in zip(shares, drop_rates)
            if size
        ]
        held_out.append((depth, torch.cat(groups)))

    x = x.to(device)
    rows, pooled = [], ([], [])
    for depth, tokens in held_out:
        real = real_entries_tensor(depth, n_inputs, device, **layout)
        relative, percentage = [], []
        for batch in torch.split(tokens, batch_size):
            batch = batch.to(device)
            decoded = model.decode_all(model.encode(batch, real))
            rel, pct = decoder_errors(x, batch, depth, n_inputs, decoded, n_outputs)
            relative.append(rel)
            percentage.append(pct)
        relative, percentage = np.concatenate(relative), np.concatenate(percentage)
        rows += _summary_rows(depth, relative, percentage)
        pooled[0].append(relative)
        pooled[1].append(percentage)
    rows += _summary_rows("all", np.concatenate(pooled[0]), np.concatenate(pooled[1]))
    return rows


@torch.no_grad()
def smoothness_map(
    model,
    depth,
    *,
    grid=21,
    radius=3.0,
    n_neighbours=200,
    noise=0.1,
    seed=0,
    n_points=256,
    n_inputs=2,
    base="encode",
    hard=True,
    batch_size=256,
    device=None,
):
    """Functional change of decoder ``D_depth`` on a 2-D slice of the latent space (SWAT-NN, Section V-A).

    A base latent ``z`` is chosen; ``n_neighbours`` nearby latents
    ``z + noise * N(0, I)`` are drawn, and the top two principal directions
    ``v1``, ``v2`` (unit vectors, from an SVD of the centred neighbours) span
    a plane through ``z``. On a ``grid x grid`` lattice of that plane,
    ``z' = z + a v1 + b v2`` with ``a, b`` in ``[-radius, radius]``, each
    ``z'`` is decoded by ``D_depth`` and run on fixed inputs from U[-1, 1];
    the value of the map is the MSE between its outputs and those of
    ``D_depth(z)``. A smooth latent space gives a map that grows smoothly
    away from the centre.

    Parameters
    ----------
    model : SWATAutoencoder or SWATCNNAutoencoder
        The autoencoder.
    depth : int
        The decoder, 1-4.
    grid : int, default=21
        Points per side of the lattice (odd puts ``z`` itself at the centre).
    radius : float, default=3.0
        Half-width of the lattice along each direction (the paper's [-3, 3]).
    n_neighbours : int, default=200
        Nearby latents whose principal directions span the plane.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise that makes the neighbours.
    seed : int, default=0
        Seed of the base latent, the noise and the inputs.
    n_points : int, default=256
        Inputs at which the decoded MLPs are compared.
    n_inputs : int, default=2
        Inputs of the decoded MLPs.
    base : {"encode", "normal"}, default="encode"
        ``"encode"``: ``z`` is the code of a random depth-``depth`` MLP drawn
        as in pretraining, i.e. the kind of point a search with
        ``SWATRegressor(init="encode")`` starts from. ``"normal"``: ``z``
        is drawn from N(0, I), as in the paper.
    hard : bool, default=True
        Run the decoded MLPs with hard masks and arg-max activations (what a
        search keeps) rather than the relaxed ones.
    batch_size : int, default=256
        Latents decoded together.
    device : str or torch.device, default=None
        Where to compute: None for the model's device (a model is moved to
        ``device`` when one is given).

    Returns
    -------
    ndarray of shape (grid, grid)
        ``result[i, j]`` is the MSE at ``a = alphas[j]``, ``b = alphas[i]``
        with ``alphas = linspace(-radius, radius, grid)``: columns run along
        ``v1`` and rows along ``v2``, as ``imshow(result, origin="lower",
        extent=(-radius, radius, -radius, radius))`` shows them.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig
    >>> from sk_swat.autoencoder.evaluation import smoothness_map
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = SWATAutoencoder(SWATAutoencoderConfig(
    ...     hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1)).eval()
    >>> mse = smoothness_map(model, depth=2, grid=5, n_points=64)
    >>> mse.shape, bool(mse[2, 2] < 1e-12)  # the centre is z itself
    ((5, 5), True)
    """
    depth = _check_int("depth", depth, 1, encoding.MAX_DEPTH)
    grid = _check_int("grid", grid, 2)
    n_neighbours = _check_int("n_neighbours", n_neighbours, 3)
    seed = _check_int("seed", seed, 0)
    n_points = _check_int("n_points", n_points, 1)
    n_inputs = _check_int("n_inputs", n_inputs, 1, encoding.MAX_INPUTS)
    batch_size = _check_int("batch_size", batch_size, 1)
    if not (np.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be a positive number, got {radius!r}.")
    if not (np.isfinite(noise) and noise > 0):
        raise ValueError(f"noise must be a positive number, got {noise!r}.")
    if base not in ("encode", "normal"):
        raise ValueError(f"base must be 'encode' or 'normal', got {base!r}.")
    device = _model_device(model, device)

    g = _generator(seed, stream=depth)
    x = sample_inputs(n_points, n_inputs, generator=g).to(device)
    shape = tuple(model.config.latent_shape)
    if base == "encode":
        max_outputs = int(getattr(model.config, "max_outputs", 1))  # a one-output MLP in the model's layout
        tokens = random_mlp_tokens(1, depth, n_inputs, generator=g, max_outputs=max_outputs).to(device)
        z = model.encode(tokens, real_entries_tensor(depth, n_inputs, device, max_outputs=max_outputs))[0]
    else:
        z = torch.randn(shape, generator=g).to(device)
    flat = z.reshape(-1).float()
    neighbours = flat + noise * torch.randn(n_neighbours, flat.numel(), generator=g).to(device)
    centred = neighbours - neighbours.mean(dim=0)
    directions = torch.linalg.svd(centred, full_matrices=False).Vh[:2]  # rows: v1, v2 (unit norm)

    alphas = torch.linspace(-radius, radius, grid, device=device)
    b, a = torch.meshgrid(alphas, alphas, indexing="ij")  # rows along v2, columns along v1
    offsets = a.reshape(-1, 1) * directions[0] + b.reshape(-1, 1) * directions[1]
    latents = (flat + offsets).reshape(-1, *shape)

    def run(latent_batch):
        raw = model.decode(latent_batch, depth)
        return decoded_forward(x, raw, depth, n_inputs, hard=hard)

    reference = run(z[None])
    mse = torch.cat([(run(chunk) - reference).square().mean(dim=1) for chunk in torch.split(latents, batch_size)])
    return mse.reshape(grid, grid).double().cpu().numpy()


# --------------------------------------------------------------------------- the report


def _csv_bytes(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _fmt(value, percent=False):
    if not np.isfinite(value):
        return "inf"
    if percent:
        return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
    return f"{value:.3g}"


def _table(rows, key, percent=False):
    cell = {(r["input_depth"], r["decoder"]): r[key] for r in rows}
    decoders = [k for k in range(1, encoding.MAX_DEPTH + 1)] + ["best"]
    lines = [
        "| input depth | " + " | ".join(f"D{k}" if k != "best" else "**best**" for k in decoders) + " |",
        "|---" * (len(decoders) + 1) + "|",
    ]
    for depth in list(range(1, encoding.MAX_DEPTH + 1)) + ["all"]:
        label = str(depth) if depth != "all" else "**all**"
        values = [_fmt(cell[depth, k], percent) for k in decoders]
        values[-1] = f"**{values[-1]}**"
        lines.append(f"| {label} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def _markdown(rows, *, model, source, command, n_mlps, n_inputs, n_outputs, n_points, seed, seconds, device):
    n_params = sum(p.numel() for p in model.parameters())
    share = {r["decoder"]: r["share_best"] for r in rows if r["input_depth"] == "all"}
    share = ", ".join(f"D{k} {100 * share[k]:.0f} %" for k in range(1, encoding.MAX_DEPTH + 1))
    return f"""## Autoencoder fidelity

Autoencoder: {source}; {model.config.describe()}, {n_params:,} parameters. Held-out random MLPs: \
n_mlps={n_mlps} per input depth ({4 * n_mlps} in all), \
n_inputs={n_inputs}, n_outputs={n_outputs}, {n_points} input points from U[-1, 1], weight-drop rates {", ".join(map(str, DROP_RATES))}, \
seed={seed}; hard decoding (masks thresholded at 0.5, arg-max activation). Computed in {seconds:.1f} s on {device}.

Reproduce: `{command}`

**Median relative functional error** sum((f - f_hat)^2) / sum((f - mean f)^2) (0: exact; 1: no better than \
predicting the mean). Rows: depth of the input MLP; columns: decoder; best: per MLP the best of the four decoders.

{_table(rows, "median_relative_error")}

Best decoder over all input MLPs: {share}.

**Median percentage error** of the 2024 paper (per MLP, median over points of 100 |f - f_hat| / |f|; then the \
median over MLPs; best: per MLP the lowest of the four decoders), in %:

{_table(rows, "median_percentage_error", percent=True)}

Latent smoothness (SWAT-NN, Section V-A, Fig. 10): `smoothness.png`, one panel per decoder.
"""


def write_fidelity_report(
    output_dir,
    *,
    autoencoder=None,
    revision=None,
    n_mlps=1000,
    n_inputs=2,
    n_outputs=1,
    seed=12345,
    device=None,
):
    """Measure an autoencoder and write ``fidelity.csv``, ``fidelity.md`` and ``smoothness.png``.

    What ``sk-swat evaluate-autoencoder`` runs. The autoencoder is loaded
    with :func:`~sk_swat.autoencoder.loading.load_autoencoder`; the rows of
    :func:`fidelity` (1000 input points) go to ``fidelity.csv``; two Markdown
    tables (median relative error and median percentage error, input depth x
    decoder, with the best decoder) go to ``fidelity.md`` with the model's
    configuration and the command that reproduces them; the latent
    smoothness maps of the four decoders (:func:`smoothness_map`, 21 x 21
    grid) go to ``smoothness.png``. Each file is written to a temporary name
    and renamed, after everything has been computed.

    Parameters
    ----------
    output_dir : str or path-like
        Directory of the three files (created if needed).
    autoencoder : None, str or path-like, default=None
        None for the bundled autoencoder, a local directory or a Hub repo id.
    revision : str, default=None
        Hub revision, for a repo id only.
    n_mlps : int, default=1000
        Held-out MLPs per input depth.
    n_inputs : int, default=2
        Inputs of the MLPs.
    n_outputs : int, default=1
        Outputs of the held-out MLPs (at most ``max_outputs`` of the
        autoencoder's config); the smoothness maps decode one-output MLPs.
    seed : int, default=12345
        Seed of the held-out MLPs and inputs (and of the smoothness maps).
    device : str, default=None
        Device: None for the CPU, ``"auto"``, ``"cpu"``, ``"cuda"``...

    Returns
    -------
    dict of Path
        ``"csv"``, ``"markdown"`` and ``"png"``.

    Raises
    ------
    ImportError
        If matplotlib is not installed (``pip install "sk-swat[plot]"``);
        checked before anything is computed.

    Examples
    --------
    >>> import tempfile, torch
    >>> from pathlib import Path
    >>> from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig
    >>> from sk_swat.autoencoder.evaluation import write_fidelity_report
    >>> config = SWATAutoencoderConfig(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     SWATAutoencoder(config).save_pretrained(Path(tmp) / "model")
    ...     paths = write_fidelity_report(Path(tmp) / "report", autoencoder=Path(tmp) / "model", n_mlps=4)
    ...     sorted(p.name for p in paths.values())
    ['fidelity.csv', 'fidelity.md', 'smoothness.png']
    """
    from ..plotting import require_matplotlib, plot_latent_smoothness
    from .loading import load_autoencoder

    require_matplotlib("write_fidelity_report (for smoothness.png)")
    from matplotlib.figure import Figure

    n_points, grid, radius = 1000, 21, 3.0
    start = time.perf_counter()
    model = load_autoencoder(autoencoder, revision=revision, device=device)
    model_device = next(model.parameters()).device
    rows = fidelity(model, n_mlps=n_mlps, n_inputs=n_inputs, n_points=n_points, seed=seed, n_outputs=n_outputs)
    maps = [
        smoothness_map(model, k, grid=grid, radius=radius, seed=seed, n_inputs=n_inputs)
        for k in range(1, encoding.MAX_DEPTH + 1)
    ]
    seconds = time.perf_counter() - start

    output_dir = Path(output_dir)
    if autoencoder is None:
        source = "the bundled autoencoder"
    elif revision is None:
        source = f"`{autoencoder}`"
    else:
        source = f"`{autoencoder}` (revision `{revision}`)"
    argv = ["sk-swat", "evaluate-autoencoder", str(output_dir)]
    if autoencoder is not None:
        argv += ["--autoencoder", str(autoencoder)]
    if revision is not None:
        argv += ["--revision", str(revision)]
    argv += ["--n-mlps", str(n_mlps), "--n-inputs", str(n_inputs)]
    if n_outputs != 1:
        argv += ["--n-outputs", str(n_outputs)]
    argv += ["--seed", str(seed)]
    if device is not None:
        argv += ["--device", str(device)]
    markdown = _markdown(
        rows, model=model, source=source, command=shlex.join(argv), n_mlps=n_mlps, n_inputs=n_inputs,
        n_outputs=n_outputs, n_points=n_points, seed=seed, seconds=seconds, device=model_device,
    )

    fig = Figure(figsize=(4.2 * len(maps), 4.0), layout="constrained")
    axes = fig.subplots(1, len(maps))
    plot_latent_smoothness(maps, ax=axes, extent=(-radius, radius, -radius, radius))
    fig.suptitle(f"Latent smoothness: MSE of D_k(z + a v1 + b v2) against D_k(z), {n_inputs} inputs")
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)

    output_dir.mkdir(parents=True, exist_ok=True)
    paths = {"csv": output_dir / "fidelity.csv", "markdown": output_dir / "fidelity.md",
             "png": output_dir / "smoothness.png"}
    atomic_write(paths["csv"], _csv_bytes(rows))
    atomic_write(paths["markdown"], markdown.encode("utf-8"))
    atomic_write(paths["png"], png.getvalue())
    return paths
