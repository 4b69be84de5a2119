"""Does a second run of the CORNN harness reproduce the first? Row by row, and table by table.

:func:`compare_results` reads the results CSVs of two output folders (written by
:func:`benchmarks.cornn.runner.run_experiment` with the same settings) and compares, per experiment, every
fit present in both (same method, function, configuration and seed): its test MSE, its non-zeros and
its architecture. It then recomputes the summary's best-model table and its counts from each folder's
common rows and compares those. Fit seconds are not compared: they are wall-clock times.
:func:`comparison_markdown` renders the result; ``python -m benchmarks.cornn --compare REFERENCE_DIR`` runs both.
"""

from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.cornn.experiments import EXPERIMENTS, QUICK_MARK, TUNING_FUNCTIONS, function_number, get_experiment
from benchmarks.cornn.provenance import read_runs
from benchmarks.cornn.results import read_results, results_path, row_key
from benchmarks.cornn.selection import TOL, best_models, comparison_counts

__all__ = ["ExperimentComparison", "compare_results", "comparison_markdown"]


@dataclass
class ExperimentComparison:
    """The comparison of one experiment's rows in two output folders.

    Parameters
    ----------
    experiment : str
        The experiment name.
    n_reference, n_other : int
        Rows in the reference folder and in the other folder.
    n_common : int
        Fits present in both (same method, function, configuration and seed).
    differing : list of tuple
        ``(key, reference_row, other_row)`` for every common fit whose test MSE (beyond ``rtol``),
        non-zeros or architecture differ.
    max_relative_mse_difference : float
        The largest ``|mse_other - mse_reference| / mse_reference`` over the common fits.
    differing_best : list of tuple
        ``((function, method), reference_best, other_best)`` for every cell of the best-model table
        (computed from the common fits only) whose configuration, non-zeros or MSE differ.
    counts_reference, counts_other : dict
        The summary's counts (functions, sparser, within tolerance) of the evaluation functions,
        from the common fits of each folder.

    Examples
    --------
    >>> from benchmarks.cornn.compare import ExperimentComparison
    >>> ExperimentComparison("exp1", n_reference=432, n_other=432, n_common=432).reproduced
    True
    >>> ExperimentComparison("exp1", n_reference=432, n_other=0, n_common=0).reproduced
    False
    """

    experiment: str
    n_reference: int
    n_other: int
    n_common: int
    differing: list = field(default_factory=list)
    max_relative_mse_difference: float = 0.0
    differing_best: list = field(default_factory=list)
    counts_reference: dict = field(default_factory=dict)
    counts_other: dict = field(default_factory=dict)

    @property
    def reproduced(self):
        """True if there are common fits and every row, table cell and count agrees."""
        return (
            self.n_common > 0
            and not self.differing
            and not self.differing_best
            and self.counts_reference == self.counts_other
        )


def _close(a, b, rtol):
    a, b = float(a), float(b)
    return a == b or abs(a - b) <= rtol * max(abs(a), abs(b))


def _same_fit(ref, other, rtol):
    return (
        _close(ref["test_mse"], other["test_mse"], rtol)
        and int(ref["n_nonzero"]) == int(other["n_nonzero"])
        and ref["architecture"] == other["architecture"]
    )


def _compare_experiment(exp, reference_rows, other_rows, rtol, tol):
    ref = {row_key(r): r for r in reference_rows}
    other = {row_key(r): r for r in other_rows}
    common = [k for k in ref if k in other]
    out = ExperimentComparison(exp.name, len(ref), len(other), len(common))
    for k in common:
        a, b = float(ref[k]["test_mse"]), float(other[k]["test_mse"])
        if a:
            out.max_relative_mse_difference = max(out.max_relative_mse_difference, abs(b - a) / abs(a))
        if not _same_fit(ref[k], other[k], rtol):
            out.differing.append((k, ref[k], other[k]))

    best_ref = best_models([ref[k] for k in common], tol)
    best_other = best_models([other[k] for k in common], tol)
    for cell in sorted(best_ref):
        a, b = best_ref[cell], best_other[cell]
        if a["config"] != b["config"] or a["n_nonzero"] != b["n_nonzero"] or not _close(
            a["test_mse"], b["test_mse"], rtol
        ):
            out.differing_best.append((cell, a, b))

    methods = [m for m, _ in exp.methods]
    functions = sorted({k[1] for k in common}, key=lambda f: (function_number(f), f))
    evaluation = [f for f in functions if function_number(f) not in TUNING_FUNCTIONS]
    out.counts_reference = comparison_counts(exp, best_ref, evaluation, methods, tol)
    out.counts_other = comparison_counts(exp, best_other, evaluation, methods, tol)
    return out


def compare_results(reference_dir, other_dir, *, experiments=None, quick=False, rtol=1e-9, tol=TOL):
    """Compare the results of two harness runs, fit by fit and best-model table by table.

    Parameters
    ----------
    reference_dir, other_dir : path-like
        Output folders of two runs (``--output-dir``), e.g. the committed ``docs/benchmarks`` and a
        fresh rerun.
    experiments : list of str, default=None
        Experiments to compare; None: every one with a results CSV in both folders.
    quick : bool, default=False
        Compare the quick runs (``*-quick.csv``) instead.
    rtol : float, default=1e-9
        Relative tolerance on a test MSE (the harness is deterministic on one machine; a run on other
        hardware or another torch build may differ in the last digits).
    tol : float, default=0.05
        Tolerance of the best-model rule, as in :func:`benchmarks.cornn.report.summarise`.

    Returns
    -------
    list of ExperimentComparison
        One per experiment compared, in the order of ``benchmarks.cornn.experiments.EXPERIMENTS``.

    Raises
    ------
    ValueError
        If a folder does not exist, or no experiment has results in both.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from pathlib import Path
    >>> from benchmarks.cornn.runner import run_experiment
    >>> from benchmarks.cornn.compare import compare_results
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first, second = Path(tmp, "first"), Path(tmp, "second")
    ...     for out in (first, second):
    ...         _ = run_experiment("exp1", functions=["Sphere"], depths=[1], methods=["swat"],
    ...                            output_dir=out, quick=True, device="cpu")
    ...     [result] = compare_results(first, second, quick=True)
    >>> result.experiment, result.n_common, result.reproduced
    ('exp1', 1, True)
    """
    reference_dir, other_dir = Path(reference_dir), Path(other_dir)
    for folder in (reference_dir, other_dir):
        if not folder.is_dir():
            raise ValueError(f"{folder} is not a folder of harness results (an --output-dir of python -m benchmarks.cornn).")
    names = EXPERIMENTS if experiments is None else [get_experiment(e).name for e in experiments]
    results = []
    for name in names:
        rows = []
        for folder in (reference_dir, other_dir):
            found = read_results(results_path(folder, name, quick))
            rows.append([r for r in found if r["config"].endswith(QUICK_MARK) == quick])
        if rows[0] and rows[1]:
            results.append(_compare_experiment(get_experiment(name), rows[0], rows[1], rtol, tol))
    if not results:
        raise ValueError(
            f"No experiment has {'quick ' if quick else ''}results in both {reference_dir} and {other_dir}."
        )
    return results


def _counts_text(counts):
    if not counts.get("n"):
        return "-"
    sparser = ", ".join(str(k) for k in counts["sparser"].values())
    return f"sparser {sparser} / within {counts['within']} of {counts['n']}"


def _hardware(output_dir):
    cpus = sorted({f"{run['cpu']} ({run['n_cpus']} cores, GPU: {run['gpu']})" for run in read_runs(output_dir)})
    return "; ".join(cpus) if cpus else "unrecorded"


def comparison_markdown(results, reference_dir, other_dir, *, max_listed=20):
    """The comparisons of :func:`compare_results` as a Markdown report.

    Parameters
    ----------
    results : list of ExperimentComparison
        What :func:`compare_results` returned.
    reference_dir, other_dir : path-like
        The two folders, named in the report.
    max_listed : int, default=20
        At most this many differing fits are listed per experiment.

    Returns
    -------
    str
        The report.

    Examples
    --------
    >>> from benchmarks.cornn.compare import ExperimentComparison, comparison_markdown
    >>> text = comparison_markdown([ExperimentComparison("exp1", 8, 8, 8)], "a", "b")
    >>> "| exp1 | 8 | 8 | 8 | 0 |" in text
    True
    """
    lines = [
        "# Reproduction check",
        "",
        f"Reference: `{reference_dir}`; second run: `{other_dir}`. Fits present in both are compared "
        "(test MSE, non-zeros, architecture; not fit seconds), and the best-model table and the counts of "
        "the summary are recomputed from those fits in each folder.",
        "",
        f"Hardware (from `runs.csv`): reference {_hardware(reference_dir)}; second run {_hardware(other_dir)}. "
        "The harness runs every fit on one torch thread, so a fit repeats bit for bit on the same CPU type; "
        "on another CPU, rounding differences of its vectorised kernels grow over training.",
        "",
        "| experiment | reference rows | second-run rows | fits in both | differing fits | max relative MSE "
        "difference | differing best-model cells | counts (evaluation functions), reference | second run "
        "| reproduced |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.experiment} | {r.n_reference} | {r.n_other} | {r.n_common} | {len(r.differing)} | "
            f"{r.max_relative_mse_difference:.2e} | {len(r.differing_best)} | {_counts_text(r.counts_reference)} "
            f"| {_counts_text(r.counts_other)} | {'yes' if r.reproduced else 'no'} |"
        )
    for r in results:
        if not r.differing and not r.differing_best:
            continue
        lines += ["", f"## {r.experiment}: differences", ""]
        for key, a, b in r.differing[:max_listed]:
            lines.append(
                f"- fit {key}: MSE {a['test_mse']} vs {b['test_mse']}, non-zeros {a['n_nonzero']} vs "
                f"{b['n_nonzero']}, architecture {a['architecture']} vs {b['architecture']}"
            )
        if len(r.differing) > max_listed:
            lines.append(f"- ... and {len(r.differing) - max_listed} more fits")
        for (function, method), a, b in r.differing_best:
            lines.append(
                f"- best {method} on {function}: {a['config']} ({a['test_mse']:.3e} / {a['n_nonzero']:g}) vs "
                f"{b['config']} ({b['test_mse']:.3e} / {b['n_nonzero']:g})"
            )
    return "\n".join(lines) + "\n"
