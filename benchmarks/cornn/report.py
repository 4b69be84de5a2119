"""``summary.md``: per experiment, the best models, the counts, the figures and the fit seconds.

:func:`summarise` reads the results CSVs of a folder and writes the figures and the summary beside
them. Everything but the fit seconds depends only on the CSV rows, so the same rows give the same
tables.
"""

import statistics
from pathlib import Path

from benchmarks.cornn.experiments import (
    EXPERIMENTS,
    QUICK_MARK,
    TUNING_FUNCTIONS,
    function_number,
    get_experiment,
)
from benchmarks.cornn.figures import plot_activations, plot_best, plot_scatter
from benchmarks.cornn.provenance import read_runs
from benchmarks.cornn.results import DEFAULT_OUTPUT_DIR, read_results, results_path, stem
from benchmarks.cornn.selection import TOL, aggregate, best_models, comparison_counts
from sk_swat.utils import atomic_write

__all__ = ["summarise"]


def _fmt_nonzero(value):
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _results_table(exp, best, functions, methods):
    head = "| # | function | " + " | ".join(f"{exp.label(m)}: MSE / non-zeros (config)" for m in methods) + " |"
    lines = [head, "|---|---|" + "---|" * len(methods)]
    for f in functions:
        cells = []
        for m in methods:
            b = best.get((f, m))
            if b is None:
                cells.append("-")
            else:
                cells.append(f"{b['test_mse']:.3e} / {_fmt_nonzero(b['n_nonzero'])} ({b['config']})")
        lines.append(f"| {function_number(f)} | {f} | " + " | ".join(cells) + " |")
    return lines


def _count_lines(exp, counts, tol):
    if counts["n"] == 0:
        return ["No function has results for every method yet."]
    ref = exp.label(exp.reference)
    n = counts["n"]
    lines = [f"- Functions with results for every method: {n}."]
    for m, k in counts["sparser"].items():
        lines.append(
            f"- {ref} is sparser than {exp.label(m)} on {k} of {n} ({counts['sparser_within'][m]} at a test MSE "
            f"within {tol:.0%} of its); its test MSE is within {tol:.0%} of the better of the two on "
            f"{counts['within_pair'][m]}; it beats it on {counts['beats'][m]} and is "
            f"beaten by it on {counts['beaten'][m]} (fewer non-zeros at MSE within {tol:.0%}, or MSE lower by "
            f"more than {tol:.0%})."
        )
    if len(counts["sparser"]) > 1:
        lines.append(f"- {ref} is sparser than every other method on {counts['sparser_all']} of {n}.")
    if counts["sparser"]:
        lines.append(
            f"- {ref}'s test MSE is within {tol:.0%} of the best method's on {counts['within']} of {n}."
        )
    return lines


def _experiment_section(exp, rows, output_dir, quick, tol):
    methods = [m for m, _ in exp.methods if any(r["method"] == m for r in rows)]
    methods += sorted({r["method"] for r in rows} - set(methods))
    functions = sorted({r["function"] for r in rows}, key=lambda f: (function_number(f), f))
    evaluation = [f for f in functions if function_number(f) not in TUNING_FUNCTIONS]
    tuning = [f for f in functions if function_number(f) in TUNING_FUNCTIONS]
    best = best_models(rows, tol)
    seeds = sorted({int(r["seed"]) for r in rows})
    configs = sorted({r["config"] for r in rows})
    name_stem = stem(exp.name, quick)

    lines = [f"## {exp.title}", "", exp.description, ""]
    lines.append(
        f"Rows: {len(rows)} ({len(functions)} functions, {len(configs)} configurations, seeds {seeds}). "
        f"Results: [`{name_stem}.csv`]({name_stem}.csv)."
    )
    lines.append("")
    for kind, suffix, caption in exp.figures:
        name = f"{name_stem}_{suffix}.png"
        if kind == "scatter":
            plot_scatter(exp, rows, functions, methods, Path(output_dir) / name)
        elif kind == "best":
            colour_labels = exp.name != "penalty_levels"
            plot_best(exp, best, functions, methods, Path(output_dir) / name, colour_labels)
        elif kind.startswith("activations:"):
            other = kind.split(":", 1)[1]
            if other not in methods or exp.reference not in methods:
                continue
            plot_activations(exp, aggregate(rows), functions, other, Path(output_dir) / name)
        lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]

    for title, subset in (
        ("Evaluation functions (all but F53, F54)", evaluation),
        ("Tuning functions F53, F54 (the paper tuned its hyperparameters on them)", tuning),
    ):
        if not subset:
            continue
        lines += [f"### {title}", ""]
        lines += _count_lines(exp, comparison_counts(exp, best, subset, methods, tol), tol)
        lines += ["", *_results_table(exp, best, subset, methods), ""]
    if exp.target is not None:
        lines += _target_lines(exp, rows, functions)

    lines += ["### Fit seconds", "", "| method (devices) | median fit seconds | fits | total fit hours |"]
    lines.append("|---|---|---|---|")
    for m in methods:
        secs = [float(r["fit_seconds"]) for r in rows if r["method"] == m]
        devices = ", ".join(sorted({r["device"] for r in rows if r["method"] == m}))
        lines.append(
            f"| {exp.label(m)} ({devices}) | {statistics.median(secs):.2f} | {len(secs)} | {sum(secs) / 3600:.2f} |"
        )
    lines.append("")
    return lines


def _target_lines(exp, rows, functions):
    """The reference's ``defaults`` configuration against the lowest test MSE of the target method."""
    other, ratio_limit = exp.target
    ref, label = exp.reference, exp.label(exp.reference)
    lines = [
        "### Target",
        "",
        f"{label} (seed mean) against the {exp.label(other)} configuration with the lowest test MSE, per "
        f"function. Target: test MSE at most {ratio_limit:g}x that one's, with fewer non-zeros.",
        "",
        f"| # | function | {label}: MSE / non-zeros | {exp.label(other)}: lowest MSE / non-zeros (config) "
        "| MSE ratio | target met |",
        "|---|---|---|---|---|---|",
    ]
    models = aggregate(rows)
    met = counted = 0
    for f in functions:
        mine = [m for m in models.get((f, ref), []) if m["config"].split(QUICK_MARK)[0] == "defaults"]
        theirs = models.get((f, other), [])
        if not mine or not theirs:
            continue
        a, b = mine[0], min(theirs, key=lambda m: m["test_mse"])
        ratio = a["test_mse"] / b["test_mse"]
        ok = ratio <= ratio_limit and a["n_nonzero"] < b["n_nonzero"]
        met, counted = met + ok, counted + 1
        lines.append(
            f"| {function_number(f)} | {f} | {a['test_mse']:.3e} / {_fmt_nonzero(a['n_nonzero'])} "
            f"| {b['test_mse']:.3e} / {_fmt_nonzero(b['n_nonzero'])} ({b['config']}) | {ratio:.2f} "
            f"| {'yes' if ok else 'no'} |"
        )
    return lines + ["", f"Target met on {met} of {counted} functions.", ""]


def summarise(output_dir=DEFAULT_OUTPUT_DIR, *, experiments=None, quick=False, tol=TOL):
    """Write the figures and ``summary.md`` from the results CSVs in ``output_dir``.

    Per experiment: the best model per function and method (:func:`best_models`), on how many
    functions the reference SWAT method is sparser than each other method and within ``tol`` of the
    best method's test MSE (the evaluation functions and the tuning functions F53, F54 apart), the
    median fit seconds of each method, and the figures of the paper (PNG, next to the CSV).
    Everything but the fit seconds depends only on the CSV rows, so the same rows give the same
    tables.

    Parameters
    ----------
    output_dir : path-like, default="docs/benchmarks"
        Folder of the results CSVs; the figures and the summary are written there.
    experiments : list of str, default=None
        The experiments to include; None: every one with a CSV in ``output_dir``.
    quick : bool, default=False
        Summarise the quick runs (``*-quick.csv``) into ``summary-quick.md`` instead.
    tol : float, default=0.05
        Tolerance of the best-model rule and of the "within" count.

    Returns
    -------
    path : Path
        The summary written.

    Examples
    --------
    >>> import tempfile
    >>> from benchmarks.cornn.report import summarise
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = summarise(tmp)
    ...     text = path.read_text()
    >>> path.name, text.splitlines()[0]
    ('summary.md', '# CORNN benchmarks')
    >>> "No results yet" in text
    True
    """
    output_dir = Path(output_dir)
    names = EXPERIMENTS if experiments is None else [get_experiment(e).name for e in experiments]
    lines = ["# CORNN benchmarks", ""]
    if quick:
        lines += ["**Quick smoke-test run: a handful of iterations per fit. These numbers mean nothing.**", ""]
    lines += [
        "Written by `python -m benchmarks.cornn` (`benchmarks/cornn/`) from the CSV files beside it. Test MSE is on "
        "the scaled CORNN test set (1250 points). Best model per function and method (the paper's rule): "
        f"among its configurations, mean test MSE over seeds within {tol:.0%} of the lowest, then the fewest "
        "mean non-zero parameters (counted as `SWATRegressor.n_nonzero_` counts them). Fit seconds are "
        "wall-clock seconds of `fit` alone (data generation, the one-off autoencoder load of a worker and "
        "the test prediction excluded).",
        "",
    ]
    found = False
    for name in names:
        exp = get_experiment(name)
        rows = read_results(results_path(output_dir, exp.name, quick))
        rows = [r for r in rows if r["config"].endswith(QUICK_MARK) == quick]
        if not rows:
            continue
        found = True
        lines += _experiment_section(exp, rows, output_dir, quick, tol)
    if not found:
        lines += [f"No results yet in {output_dir}."]
    lines += _runs_section(output_dir)
    path = output_dir / ("summary-quick.md" if quick else "summary.md")
    atomic_write(path, "\n".join(lines).rstrip("\n") + "\n")
    return path


def _runs_section(output_dir):
    """The commands, versions and hardware of the runs recorded in ``runs.csv``, as Markdown."""
    runs = read_runs(output_dir)
    if not runs:
        return []
    lines = [
        "## Runs",
        "",
        "Every invocation that added rows to this folder (from `runs.csv`); a rerun skips the fits "
        "already in the CSV files.",
        "",
        "| started (UTC) | command | sk-swat (commit) | bundled autoencoder (SHA-256) | torch | hardware |",
        "|---|---|---|---|---|---|",
    ]
    for run in runs:
        hardware = f"{run['cpu']}, {run['n_cpus']} cores; GPU: {run['gpu']}"
        lines.append(
            f"| {run['started']} | `{run['command']}` | {run['sk_swat']} ({run.get('commit', 'unrecorded')}) "
            f"| {run.get('autoencoder', 'unrecorded')} "
            f"| {run['torch']} | {hardware} |"
        )
    return lines + [""]

