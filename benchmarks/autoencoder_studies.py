"""The papers' autoencoder studies: CNN against GPT-2, the pretraining losses, the size of the embedding.

Each study pretrains a few autoencoders on one shared budget of random MLPs (``--n-mlps``), each
into ``<work-dir>/<name>/`` with :func:`~sk_swat.autoencoder.pretraining.pretrain` (a rerun
resumes it) and its architecture's learning-rate stages (:data:`LEARNING_RATE_STAGES`), then measures

- their held-out fidelity (:func:`~sk_swat.autoencoder.evaluation.fidelity` on MLPs of the family
  each was trained on: median relative functional error and the 2024 paper's median percentage
  error, per input depth and decoder and for the best decoder), and
- for ``cnn_vs_gpt`` and ``embedding_size``, the search they enable on the CORNN functions, in the
  papers' basic setting: ``SWATRegressor(autoencoder=<model dir>, depths=(k,),
  activation="sigmoid", prune_neurons=False, fit_biases=False)`` at every depth ``k``, one seed;
  per function the minimum test MSE over the depths (SWAT-NN, Fig. 11 and Fig. 14).

Studies:

- ``cnn_vs_gpt`` (SWAT-NN, Section V-B): the GPT-2 and the CNN autoencoder, both pretrained with
  the min loss on MLPs of the basic setting (no biases, all 7 neurons, all sigmoid).
- ``losses`` (2024 paper, Table 1): the CNN autoencoder on the same MLPs with the min loss, the
  p-norm loss with p = 2 and with p = -2; fidelity only.
- ``embedding_size`` (SWAT-NN, Section V-E): MLPs of fixed structure (no biases, exactly 5 neurons
  per layer, sigmoid) and latents of 7 x w, 7 x w/3 (GPT-2 of width w and w/3) and 1 x 2w/3, the
  paper's 5 x 768, 5 x 256 and 1 x 512 scaled to a width w = 96 that a CPU trains. The GPT-2 model
  has one latent vector per token (7), so the single-vector latent is the CNN's ``latent_size``:
  that comparison changes the architecture too.

Results go to ``--output-dir`` (default ``docs/benchmarks/autoencoder_studies``):
``<study>.csv`` (one row per search fit, the columns of the CORNN harness, appended as each fit
ends, so a rerun runs only what is missing), ``<study>_fidelity.csv``, ``<study>.md`` and
``<study>.png``, and ``runs.csv`` (command, versions, hardware of every run). A row is tied to
the weights it used (the SHA-256 of ``model.safetensors`` in ``config``), so rows of an
autoencoder that has since been pretrained further are run again. ``--quick`` runs tiny models
on a few hundred MLPs and two functions: a smoke test that measures nothing.

    python -m benchmarks.autoencoder_studies --study cnn_vs_gpt [--n-mlps N] [--functions ...] [--quick]
"""

import argparse
import csv
import dataclasses
import hashlib
import io
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.cornn.experiments import resolve_functions
from benchmarks.cornn.figures import _COLOURS, _figure, _function_axis, _save
from benchmarks.cornn.provenance import record_run
from benchmarks.cornn.results import append_row, file_lock, read_results, results_path, row_key, stem, write_csv
from benchmarks.real_data import read_rows
from sk_swat.utils import atomic_write, resolve_device

__all__ = ["AutoencoderSpec", "Study", "STUDIES", "get_study", "run_study", "main"]

DEFAULT_OUTPUT_DIR = Path("docs") / "benchmarks" / "autoencoder_studies"
#: Where the autoencoders are pretrained. Tracked: a finished model's ``model/`` (weights, config, model card),
#: ``log.csv`` and ``settings.json`` are committed, so a later run searches with those very weights; its
#: ``checkpoint.pt`` (git-ignored) is needed only to go on pretraining.
DEFAULT_WORK_DIR = Path("benchmarks") / "results" / "autoencoder_studies"
#: Width w of the embedding-size study (latents 7 x w, 7 x w/3, 1 x 2w/3) and of its quick run.
WIDTH, QUICK_WIDTH = 96, 12
#: The MLP families of pretraining (:meth:`~sk_swat.autoencoder.pretraining.PretrainSettings.mlp_options`).
BASIC = {"biases": False, "activations": ("sigmoid",), "keep_probability": 1.0}
FIXED_STRUCTURE = {"biases": False, "activations": ("sigmoid",), "n_neurons": 5}
#: The downstream search: the papers' basic setting. In it the structure is fixed (all neurons, sigmoid, no
#: biases), so the autoencoder decides only the weights; refinement (Levenberg-Marquardt, from the decoded and
#: from fresh random weights) would retrain them and hide what the autoencoder gave, hence none.
SEARCH = {"activation": "sigmoid", "prune_neurons": False, "fit_biases": False, "refine_iter": 0}
QUICK_SEARCH = {"max_iter": 5, "n_restarts": 1}
QUICK_PRETRAIN = {"batch_size": 32, "n_holdout": 8, "n_points": 32, "checkpoint_every": 4}
_GPT, _CNN = "swat_autoencoder", "swat_cnn_autoencoder"
#: Per model type, the learning rate by share of the budget: the bundled autoencoder's recipe (a constant
#: rate, lowered on resume once the held-out error stops improving) made a fixed schedule. The CNN starts
#: lower, at 3e-4; since its convolutions are normalised (and its value_scale 1), 1e-3 trains it as well: in
#: the basic setting, 128,000 MLPs took its held-out depth-1 error to 0.49 at 3e-4 and 0.41 at 1e-3.
LEARNING_RATE_STAGES = {
    _GPT: ((0.5, 1e-3), (0.75, 3e-4), (0.9, 1e-4), (1.0, 3e-5)),
    _CNN: ((0.5, 3e-4), (0.75, 1e-4), (0.9, 3e-5), (1.0, 1e-5)),
}


@dataclasses.dataclass(frozen=True)
class AutoencoderSpec:
    """One autoencoder of a study: its name (its directory), label, model configuration and settings.

    Parameters
    ----------
    name : str
        Directory name under ``--work-dir``; shared by studies that train the same model.
    label : str
        Name in tables and figures.
    config : dict
        Model configuration (``model_type`` and sizes), passed to ``pretrain``.
    settings : dict
        :class:`~sk_swat.autoencoder.pretraining.PretrainSettings` other than ``n_mlps``
        (loss, ``p``, the MLP family).

    Examples
    --------
    >>> from benchmarks.autoencoder_studies import get_study
    >>> [spec.name for spec in get_study("losses").autoencoders]
    ['cnn_basic', 'cnn_basic_pnorm2', 'cnn_basic_pnorm-2']
    """

    name: str
    label: str
    config: dict
    settings: dict

    def pretrain_settings(self, n_mlps):
        """The :class:`~sk_swat.autoencoder.pretraining.PretrainSettings` of a run of ``n_mlps`` MLPs."""
        from sk_swat.autoencoder.pretraining import PretrainSettings

        return PretrainSettings(n_mlps=n_mlps, **self.settings)


@dataclasses.dataclass(frozen=True)
class Study:
    """A study: its autoencoders, whether it searches, and the pairs its headline counts compare.

    Parameters
    ----------
    name : str
    title : str
        Heading of the Markdown report.
    description : str
        What is compared and where it comes from (Markdown).
    autoencoders : tuple of AutoencoderSpec
    search : bool
        Run the downstream search on the CORNN functions.
    pairs : tuple of (str, str)
        ``(a, b)`` names: the report counts the functions where ``a``'s minimum test MSE is
        lower than or equal to ``b``'s.

    Examples
    --------
    >>> from benchmarks.autoencoder_studies import get_study
    >>> study = get_study("cnn_vs_gpt")
    >>> study.search, study.pairs
    (True, (('gpt_basic', 'cnn_basic'),))
    """

    name: str
    title: str
    description: str
    autoencoders: tuple
    search: bool
    pairs: tuple = ()


def _specs(quick):
    gpt = {"model_type": _GPT}
    cnn = {"model_type": _CNN}
    if quick:
        gpt.update(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1)
        cnn.update(channels=2, latent_size=16, n_conv_layers=2, n_fc_layers=1, fc_size=16)
    w = QUICK_WIDTH if quick else WIDTH
    tiny = dict(n_encoder_layers=1, n_decoder_layers=1) if quick else {}
    extra = QUICK_PRETRAIN if quick else {}
    basic = {**BASIC, **extra}
    fixed = {**FIXED_STRUCTURE, **extra}
    spec = AutoencoderSpec
    return {
        "gpt_basic": spec("gpt_basic", "GPT-2", gpt, basic),
        "cnn_basic": spec("cnn_basic", "CNN", cnn, basic),
        "cnn_basic_pnorm2": spec("cnn_basic_pnorm2", "CNN, p-norm p=2", cnn, {**basic, "loss": "pnorm", "p": 2.0}),
        "cnn_basic_pnorm-2": spec("cnn_basic_pnorm-2", "CNN, p-norm p=-2", cnn,
                                  {**basic, "loss": "pnorm", "p": -2.0}),
        f"gpt_7x{w}": spec(f"gpt_7x{w}", f"GPT-2, 7 x {w}", {**gpt, "hidden_size": w, "n_head": 2 if quick else 4,
                                                               **tiny}, fixed),
        f"gpt_7x{w // 3}": spec(f"gpt_7x{w // 3}", f"GPT-2, 7 x {w // 3}",
                                {**gpt, "hidden_size": w // 3, "n_head": 2 if quick else 4, **tiny}, fixed),
        f"cnn_1x{2 * w // 3}": spec(f"cnn_1x{2 * w // 3}", f"CNN, 1 x {2 * w // 3}",
                                    {**cnn, "latent_size": 2 * w // 3}, fixed),
    }


def get_study(name, quick=False):
    """The study ``name``, with the tiny models of a quick run if ``quick``.

    Quick autoencoders are named ``<name>-quick``, so that they never resume a real run's directory.

    Parameters
    ----------
    name : {"cnn_vs_gpt", "losses", "embedding_size"}
    quick : bool, default=False

    Returns
    -------
    Study

    Examples
    --------
    >>> from benchmarks.autoencoder_studies import get_study
    >>> [spec.label for spec in get_study("embedding_size").autoencoders]
    ['GPT-2, 7 x 96', 'GPT-2, 7 x 32', 'CNN, 1 x 64']
    >>> get_study("cnn_vs_gpt", quick=True).autoencoders[0].name
    'gpt_basic-quick'
    """
    if name not in STUDIES:
        raise ValueError(f"Unknown study {name!r}; valid: {', '.join(STUDIES)}.")
    specs = _specs(quick)
    w = QUICK_WIDTH if quick else WIDTH
    names = {
        "cnn_vs_gpt": ("gpt_basic", "cnn_basic"),
        "losses": ("cnn_basic", "cnn_basic_pnorm2", "cnn_basic_pnorm-2"),
        "embedding_size": (f"gpt_7x{w}", f"gpt_7x{w // 3}", f"cnn_1x{2 * w // 3}"),
    }[name]
    suffix = "-quick" if quick else ""
    autoencoders = tuple(dataclasses.replace(specs[n], name=n + suffix) for n in names)
    # The headline counts compare the first autoencoder with each other one (the paper's reading).
    pairs = tuple((autoencoders[0].name, other.name) for other in autoencoders[1:]) if STUDIES[name].search else ()
    return dataclasses.replace(STUDIES[name], autoencoders=autoencoders, pairs=pairs)


STUDIES = {
    "cnn_vs_gpt": Study(
        "cnn_vs_gpt", "CNN against GPT-2 autoencoder (SWAT-NN, Section V-B, Fig. 11)",
        "Both autoencoders pretrained with the min loss on the same number of random MLPs of the papers' "
        "basic setting (no biases, all 7 neurons per layer, all sigmoid); the search in the same setting.",
        (), True,
    ),
    "losses": Study(
        "losses", "Pretraining losses (2024 paper, Table 1)",
        "The CNN autoencoder pretrained on the same number of random MLPs of the basic setting (no biases, "
        "all 7 neurons, all sigmoid) with the min loss, the p-norm loss with p = 2 and with p = -2; held-out "
        "fidelity only (the 2024 paper compares the median percentage error, MPE).",
        (), False,
    ),
    "embedding_size": Study(
        "embedding_size", "Size of the embedding (SWAT-NN, Section V-E, Fig. 14)",
        f"MLPs of fixed structure (no biases, exactly 5 neurons per layer, all sigmoid). Latents of 7 x w and "
        f"7 x w/3 (GPT-2 autoencoders of width w and w/3) and 1 x 2w/3 (the CNN's latent vector: the GPT-2 "
        f"model keeps one latent vector per token), the paper's 5 x 768, 5 x 256 and 1 x 512 at w = {WIDTH}.",
        (), True,
    ),
}


# --------------------------------------------------------------------------- the measurements


def _weights_digest(model_dir):
    with open(Path(model_dir) / "model.safetensors", "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()[:12]


def _fidelity_fields():
    from sk_swat.autoencoder.evaluation import FIELDS

    return ("autoencoder", "weights", "mlps_seen", *FIELDS)


def _write_fidelity(path, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_fidelity_fields(), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, buffer.getvalue())


def _pretrain_all(study, work_dir, n_mlps, device, verbose):
    """Pretrain (or resume) every autoencoder of ``study``; return ``{name: (model_dir, mlps_seen)}``.

    Each runs the stages of :data:`LEARNING_RATE_STAGES`, resuming its checkpoint from one to the next,
    and gets a model card. A study run beside another that shares a model (``cnn_vs_gpt`` and
    ``losses``) waits for it to pretrain that model, then finds it done. A model whose ``log.csv``
    shows the whole budget, kept without its checkpoint (as committed), is used as it is.
    """
    from sk_swat.autoencoder.pretraining import pretrain

    models = {}
    for spec in study.autoencoders:
        out = Path(work_dir) / spec.name
        seen = _finished_without_checkpoint(out, n_mlps)
        if seen is None:
            with file_lock(out):
                for share, learning_rate in LEARNING_RATE_STAGES[spec.config["model_type"]]:
                    budget = max(1, round(share * n_mlps))
                    if verbose:
                        print(f"pretraining {spec.name} ({spec.label}) to {budget} MLPs at learning rate "
                              f"{learning_rate} in {out}", file=sys.stderr)
                    settings = dataclasses.replace(spec.pretrain_settings(budget), learning_rate=learning_rate)
                    seen = pretrain(out, settings, spec.config, allow_changes=("learning_rate",), device=device,
                                    verbose=verbose)["mlps_seen"]
            _write_card(study, spec, out, n_mlps, seen)
        models[spec.name] = (out / "model", seen)
    return models


def _finished_without_checkpoint(out, n_mlps):
    """MLPs seen by the model in ``out`` if it has no checkpoint and its log shows ``n_mlps`` seen, else None."""
    from sk_swat.autoencoder.pretraining import CHECKPOINT, LOG

    if (out / CHECKPOINT).exists() or not (out / "model" / "config.json").is_file():
        return None
    rows = read_rows(out / LOG)
    seen = int(rows[-1]["mlps_seen"]) if rows else 0
    return seen if seen >= n_mlps else None


def _write_card(study, spec, out, n_mlps, seen):
    """``model/README.md``: what the model is, how it was pretrained, where its measurements are."""
    settings = json.loads((out / "settings.json").read_text())
    stages = ", ".join(f"{lr:g} to {share:.0%} of the budget"
                       for share, lr in LEARNING_RATE_STAGES[spec.config["model_type"]])
    card = (
        f"# {spec.label} ({spec.name})\n\n"
        f"An autoencoder of sk-swat's autoencoder studies (`benchmarks/autoencoder_studies.py`). Pretrained by "
        f"`python -m benchmarks.autoencoder_studies --study {study.name} --n-mlps {n_mlps}` with the "
        f"learning-rate stages {stages}; random MLPs seen: {seen:,}.\n\n"
        f"Model configuration (given): `{json.dumps(spec.config, sort_keys=True)}`\n\n"
        f"Pretraining settings (last stage): `{json.dumps(settings, sort_keys=True)}`\n\n"
        f"Held-out fidelity and search results: `docs/benchmarks/autoencoder_studies/` (rows of these weights carry "
        f"the first 12 hex digits of the SHA-256 of `model.safetensors`). Load it with "
        f"`sk_swat.load_autoencoder(\"{out / 'model'}\")`.\n"
    )
    atomic_write(out / "model" / "README.md", card)


def _fidelity_all(study, models, path, n_holdout, device, measure=True):
    """Fidelity rows of every autoencoder, measured for weights not yet in ``path`` (if ``measure``)."""
    from sk_swat.autoencoder.evaluation import fidelity
    from sk_swat.autoencoder.loading import load_autoencoder

    rows = read_rows(path)
    done = {(r["autoencoder"], r["weights"]) for r in rows}
    for spec in study.autoencoders:
        model_dir, seen = models[spec.name]
        digest = _weights_digest(model_dir)
        if (spec.name, digest) in done or not measure:
            continue
        settings = spec.pretrain_settings(seen)
        model = load_autoencoder(model_dir, device=device)
        measured = fidelity(model, n_mlps=n_holdout, drop_rates=settings.drop_rates,
                            mlp_options=settings.mlp_options())
        rows = [r for r in rows if r["autoencoder"] != spec.name]
        rows += [{"autoencoder": spec.name, "weights": digest, "mlps_seen": seen, **r} for r in measured]
        _write_fidelity(path, rows)
    current = {(s.name, _weights_digest(models[s.name][0])) for s in study.autoencoders}
    return [r for r in read_rows(path) if (r["autoencoder"], r["weights"]) in current]


def _depths(quick):
    from sk_swat.encoding import MAX_DEPTH

    return (1, 2) if quick else tuple(range(1, MAX_DEPTH + 1))


def _search_config(depth, digest):
    return f"depth={depth},weights={digest}"


def _search_params(quick):
    return {**SEARCH, **(QUICK_SEARCH if quick else {})}


def _fit_one(model_dir, function, depth, seed, quick, device):
    """One search fit of the basic setting; its results row (the CORNN harness's columns)."""
    from sk_swat import SWATRegressor, load_cornn

    X_train, X_test, y_train, y_test = load_cornn(function)
    estimator = SWATRegressor(autoencoder=str(model_dir), depths=(depth,), random_state=seed, device=device,
                              **_search_params(quick))
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    architecture = estimator.architecture_
    return {
        "test_mse": repr(float(np.mean((estimator.predict(X_test) - y_test) ** 2))),
        "n_nonzero": int(estimator.n_nonzero_),
        "architecture": json.dumps({k: architecture[k] for k in ("hidden_layer_sizes", "activations")},
                                   separators=(",", ":")),
        "fit_seconds": f"{seconds:.3f}",
        "device": estimator.device_,
    }


def _search_all(study, models, path, functions, seed, quick, device, verbose, fit=True):
    """Run the search fits missing from ``path`` (none if not ``fit``); return the current weights' rows and how
    many ran."""
    from sk_swat.autoencoder.loading import cached_autoencoder

    depths = _depths(quick)
    digests = {spec.name: _weights_digest(models[spec.name][0]) for spec in study.autoencoders}
    with file_lock(path):
        if not path.exists():
            write_csv(path, [])
        done = {row_key(r) for r in read_results(path, repair=True)}
    n_run = 0
    if fit:
        for spec in study.autoencoders:  # loaded before the first fit's clock starts
            cached_autoencoder(str(models[spec.name][0]), None, str(resolve_device(device)))
    # Function by function, so that a run cut short leaves whole comparisons.
    for function in functions if fit else ():
        for spec in study.autoencoders:
            model_dir = models[spec.name][0]
            for depth in depths:
                config = _search_config(depth, digests[spec.name])
                if (spec.name, function, config, str(seed)) in done:
                    continue
                if verbose:
                    print(f"search: {spec.name} {function} depth {depth}", file=sys.stderr)
                row = {"method": spec.name, "function": function, "config": config, "seed": seed,
                       **_fit_one(model_dir, function, depth, seed, quick, device)}
                with file_lock(path):
                    append_row(path, row)
                n_run += 1
    current = {(s.name, _search_config(k, digests[s.name])) for s in study.autoencoders for k in depths}
    rows = [r for r in read_results(path) if (r["method"], r["config"]) in current and r["function"] in functions]
    return rows, n_run


def min_test_mse(rows):
    """Per (autoencoder, function), the minimum test MSE over the depths searched.

    Parameters
    ----------
    rows : list of dict
        Rows of a study's results CSV.

    Returns
    -------
    dict
        ``{(autoencoder, function): min test MSE}``; NaN fits count as worse than any other.

    Examples
    --------
    >>> from benchmarks.autoencoder_studies import min_test_mse
    >>> rows = [{"method": "a", "function": "Sphere", "test_mse": m} for m in ("0.3", "0.1", "nan")]
    >>> min_test_mse(rows)
    {('a', 'Sphere'): 0.1}
    """
    best = {}
    for r in rows:
        mse = float(r["test_mse"])
        mse = np.inf if np.isnan(mse) else mse
        key = (r["method"], r["function"])
        best[key] = min(best.get(key, np.inf), mse)
    return best


def headline_counts(best, functions, a, b):
    """On how many functions ``a``'s minimum test MSE is lower than or equal to ``b``'s, of those both ran.

    Examples
    --------
    >>> from benchmarks.autoencoder_studies import headline_counts
    >>> best = {("a", "f1"): 0.1, ("b", "f1"): 0.2, ("a", "f2"): 0.3, ("b", "f2"): 0.3, ("a", "f3"): 1.0}
    >>> headline_counts(best, ["f1", "f2", "f3"], "a", "b")
    (2, 2)
    """
    both = [f for f in functions if (a, f) in best and (b, f) in best]
    return sum(best[a, f] <= best[b, f] for f in both), len(both)


# --------------------------------------------------------------------------- the report


def _fidelity_table(study, rows, key, percent):
    from sk_swat.autoencoder.evaluation import _fmt
    from sk_swat.encoding import MAX_DEPTH

    depths = [str(k) for k in range(1, MAX_DEPTH + 1)] + ["all"]
    cell = {(r["autoencoder"], r["input_depth"]): float(r[key]) for r in rows if r["decoder"] == "best"}
    lines = ["| autoencoder | MLPs seen | " + " | ".join(f"depth {d}" for d in depths) + " |",
             "|---|---|" + "---|" * len(depths)]
    seen = {r["autoencoder"]: r["mlps_seen"] for r in rows}
    for spec in study.autoencoders:
        if spec.name in seen:
            values = [_fmt(cell[spec.name, d], percent) for d in depths]
            lines.append(f"| {spec.label} | {int(seen[spec.name]):,} | " + " | ".join(values) + " |")
    return lines


def _decoder_tables(study, rows):
    """Per autoencoder, the MPE of every decoder per input depth (the 2024 paper's Table 1)."""
    from sk_swat.autoencoder.evaluation import _table

    lines = []
    for spec in study.autoencoders:
        own = [{**r, "median_percentage_error": float(r["median_percentage_error"]),
                "input_depth": r["input_depth"] if r["input_depth"] == "all" else int(r["input_depth"]),
                "decoder": r["decoder"] if r["decoder"] == "best" else int(r["decoder"])}
               for r in rows if r["autoencoder"] == spec.name]
        if own:
            lines += [f"**{spec.label}**, median percentage error (%), input depth x decoder:", "",
                      _table(own, "median_percentage_error", percent=True), ""]
    return lines


def _markdown(study, fidelity_rows, search_rows, functions, command, quick, seed):
    lines = [f"# {study.title}", ""]
    if quick:
        lines += ["**Quick run** (tiny models, a few hundred MLPs, few steps): a smoke test, not a measurement.", ""]
    lines += [study.description, "", f"Reproduce: `{command}`", ""]
    specs = ", ".join(f"`{s.name}`: {s.label} ({json.dumps(s.config)}, {json.dumps(s.settings)})"
                      for s in study.autoencoders)
    lines += [f"Autoencoders (model configuration, pretraining settings): {specs}.", ""]
    lines += ["## Held-out fidelity", "",
              "Random MLPs of each autoencoder's own training family, 2 inputs, hard decoding; per MLP the best "
              "of the four decoders, then the median over MLPs.", "",
              "**Median relative functional error** (0: exact; 1: no better than the mean):", "",
              *_fidelity_table(study, fidelity_rows, "median_relative_error", False), "",
              "**Median percentage error** (2024 paper, %):", "",
              *_fidelity_table(study, fidelity_rows, "median_percentage_error", True), ""]
    if not study.search:
        lines += _decoder_tables(study, fidelity_rows)
        return "\n".join(lines) + "\n"
    best = min_test_mse(search_rows)
    params = ", ".join(f"{k}={v!r}".replace("'", '"') for k, v in _search_params(quick).items())
    lines += ["## Search on the CORNN functions", "",
              f"Basic setting: `SWATRegressor(autoencoder=<model dir>, depths=(k,), {params})`, the other parameters "
              f"at their defaults, for k = {_depths(quick)[0]}-{_depths(quick)[-1]}, seed {seed}; per function the "
              "minimum test MSE over the depths. Without refinement, so that the decoded weights are what is "
              f"compared (the structure is fixed in this setting). Figure: `{stem(study.name, quick)}.png`.",
              ""]
    for a, b in study.pairs:
        wins, n = headline_counts(best, functions, a, b)
        label = {s.name: s.label for s in study.autoencoders}
        lines.append(f"- {label[a]}: minimum test MSE lower than or equal to {label[b]}'s on **{wins} of {n}** "
                     "functions.")
    names = [s.name for s in study.autoencoders]
    lines += ["", "| function | " + " | ".join(s.label for s in study.autoencoders) + " |",
              "|---|" + "---|" * len(names)]
    for f in functions:
        cells = [f"{best[n, f]:.3g}" if (n, f) in best else "" for n in names]
        lines.append(f"| {f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _plot(study, fidelity_rows, search_rows, functions, path):
    if study.search:
        best = min_test_mse(search_rows)
        fig = _figure(max(6.0, 0.22 * len(functions) + 2.0), 3.6)
        ax = fig.subplots()
        for colour, spec in zip(_COLOURS, study.autoencoders):
            xs = [i for i, f in enumerate(functions) if (spec.name, f) in best]
            ax.plot(xs, [best[spec.name, functions[i]] for i in xs], "o-", color=colour, ms=4, lw=1,
                    label=spec.label)
        ax.set_yscale("log")
        ax.set_ylabel("minimum test MSE over depths")
        _function_axis(ax, functions)
    else:
        fig = _figure(6.0, 3.6)
        ax = fig.subplots()
        depths = ["1", "2", "3", "4", "all"]
        for colour, spec in zip(_COLOURS, study.autoencoders):
            cell = {r["input_depth"]: float(r["median_percentage_error"]) for r in fidelity_rows
                    if r["autoencoder"] == spec.name and r["decoder"] == "best"}
            ax.plot(range(len(depths)), [cell.get(d, np.nan) for d in depths], "o-", color=colour, label=spec.label)
        ax.set_xticks(range(len(depths)), [f"depth {d}" for d in depths])
        ax.set_yscale("log")
        ax.set_ylabel("best-decoder median percentage error (%)")
    ax.set_title(study.title, fontsize=9)
    ax.legend(fontsize=7)
    _save(fig, path)


# --------------------------------------------------------------------------- the run


def run_study(name, *, n_mlps=1_000_000, functions=None, seed=0, work_dir=DEFAULT_WORK_DIR,
              output_dir=DEFAULT_OUTPUT_DIR, quick=False, n_holdout=1000, device="cpu", n_threads=1, command=None,
              autoencoders=None, report_only=False, verbose=0):
    """Pretrain (resuming), measure and report one study; return the paths written and the fits run.

    Parameters
    ----------
    name : {"cnn_vs_gpt", "losses", "embedding_size"}
    n_mlps : int, default=1_000_000
        Random MLPs every autoencoder of the study sees in pretraining (the shared budget).
    functions : list of str or int, default=None
        CORNN functions (names or numbers); None: all 54 (two with ``quick``).
    seed : int, default=0
        Seed of the search fits.
    work_dir : path-like, default="benchmarks/results/autoencoder_studies"
        Where the autoencoders are pretrained, one directory each.
    output_dir : path-like, default="docs/benchmarks/autoencoder_studies"
        Where the CSV, Markdown and PNG files go.
    quick : bool, default=False
        Tiny models and fits (and at most ``n_mlps=256``): a smoke test.
    n_holdout : int, default=1000
        Held-out MLPs per input depth of the fidelity measurement (8 with ``quick``).
    device : str, default="cpu"
        Where pretraining, the fidelity measurement and the fits run (``"cuda"``, ``"auto"``...).
    n_threads : int, default=1
        torch threads of the whole run (pretraining and fits).
    command : str, default=None
        The command line recorded in the report and ``runs.csv``.
    autoencoders : list of str, default=None
        Run only these autoencoders of the study (names, as in :class:`AutoencoderSpec`); the report
        then shows them only. None: all.
    report_only : bool, default=False
        Pretrain, measure and fit nothing: write the report of what ``output_dir`` holds for the
        weights in ``work_dir``, on the functions that every autoencoder has searched at every depth.
    verbose : int, default=0

    Returns
    -------
    dict
        ``"csv"``, ``"fidelity"``, ``"markdown"``, ``"png"`` (paths) and ``"n_fits"`` (search fits run).

    Examples
    --------
    >>> import tempfile
    >>> from benchmarks.autoencoder_studies import run_study
    >>> with tempfile.TemporaryDirectory() as tmp:  # doctest: +SKIP
    ...     out = run_study("losses", quick=True, work_dir=tmp, output_dir=tmp)
    """
    from sk_swat.utils import limited_threads

    study = _only(get_study(name, quick), autoencoders)
    if quick:
        n_mlps, n_holdout = min(n_mlps, 256), 8
        functions = functions or ["Sphere", "Himmelblau"]
    functions = resolve_functions(functions)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    command = command or shlex.join(["python", "-m", "benchmarks.autoencoder_studies", "--study", name]
                                    + (["--quick"] if quick else []))
    if not report_only:
        record_run(output_dir, command)
    base = stem(study.name, quick)
    paths = {"csv": results_path(output_dir, study.name, quick), "fidelity": output_dir / f"{base}_fidelity.csv",
             "markdown": output_dir / f"{base}.md", "png": output_dir / f"{base}.png"}
    with limited_threads(n_threads):
        if report_only:
            models = {spec.name: (Path(work_dir) / spec.name / "model", None) for spec in study.autoencoders}
        else:
            models = _pretrain_all(study, work_dir, n_mlps, device, verbose)
        fidelity_rows = _fidelity_all(study, models, paths["fidelity"], n_holdout, device, measure=not report_only)
        search_rows, n_fits = [], 0
        if study.search:
            search_rows, n_fits = _search_all(study, models, paths["csv"], functions, seed, quick, device, verbose,
                                              fit=not report_only)
        if report_only:
            functions = _complete_functions(search_rows, study, functions, quick)
            search_rows = [r for r in search_rows if r["function"] in functions]
    if report_only:
        command = f"runs.csv` (the runs that wrote these rows); this report: `{command}"
    atomic_write(paths["markdown"], _markdown(study, fidelity_rows, search_rows, functions, command, quick, seed))
    _plot(study, fidelity_rows, search_rows, functions, paths["png"])
    if not study.search:
        del paths["csv"]
    return {**paths, "n_fits": n_fits}


def _complete_functions(rows, study, functions, quick):
    """The functions of ``functions`` that every autoencoder of ``study`` has searched at every depth."""
    done = {(r["method"], r["function"], r["config"].split(",")[0]) for r in rows}
    depths = [f"depth={k}" for k in _depths(quick)]
    return [f for f in functions
            if all((spec.name, f, d) in done for spec in study.autoencoders for d in depths)]


def _only(study, names):
    """``study`` with only the autoencoders ``names`` (all if None), and the pairs among them."""
    if names is None:
        return study
    known = [spec.name.removesuffix("-quick") for spec in study.autoencoders]
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"Study {study.name!r} has no autoencoder {', '.join(unknown)}; it has {', '.join(known)}.")
    specs = tuple(s for s, k in zip(study.autoencoders, known) if k in names)
    kept = {s.name for s in specs}
    pairs = tuple(p for p in study.pairs if set(p) <= kept)
    return dataclasses.replace(study, autoencoders=specs, pairs=pairs)


def build_parser():
    """The command line of ``python -m benchmarks.autoencoder_studies``.

    Examples
    --------
    >>> from benchmarks.autoencoder_studies import build_parser
    >>> build_parser().parse_args(["--study", "losses", "--quick"]).n_mlps
    1000000
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks.autoencoder_studies",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--study", required=True, choices=tuple(STUDIES))
    parser.add_argument("--n-mlps", type=int, default=1_000_000,
                        help="random MLPs every autoencoder sees in pretraining (default 1000000)")
    parser.add_argument("--functions", nargs="+", default=None, help="CORNN names or numbers (default: all 54)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the search fits")
    parser.add_argument("--n-holdout", type=int, default=1000, help="held-out MLPs per depth for the fidelity")
    parser.add_argument("--work-dir", default=str(DEFAULT_WORK_DIR), help="where the autoencoders are pretrained")
    parser.add_argument("--output-dir", default=str(DEFAULT_OUTPUT_DIR))
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, auto...")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="tiny models, two functions, few steps")
    parser.add_argument("--autoencoders", nargs="+", default=None,
                        help="run only these autoencoders of the study (default: all)")
    parser.add_argument("--report-only", action="store_true",
                        help="write the report of the results there are; pretrain, measure and fit nothing")
    parser.add_argument("--verbose", action="store_true")
    return parser


def main(argv=None):
    """Run the study named on the command line; return the number of search fits run."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    result = run_study(
        args.study, n_mlps=args.n_mlps, functions=args.functions, seed=args.seed, work_dir=args.work_dir,
        output_dir=args.output_dir, quick=args.quick, n_holdout=args.n_holdout, device=args.device,
        n_threads=args.threads, autoencoders=args.autoencoders, report_only=args.report_only,
        verbose=int(args.verbose),
        command=shlex.join(["python", "-m", "benchmarks.autoencoder_studies", *argv]),
    )
    print(Path(result["markdown"]).read_text())
    return result["n_fits"]


if __name__ == "__main__":
    main()
