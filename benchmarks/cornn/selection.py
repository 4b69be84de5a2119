"""The paper's best-model rule, applied per function and method, and the counts of the summary.

The rule (Section IV of the SWAT-NN paper): among the configurations whose test MSE is within 5 % of
the lowest, the one with the fewest non-zero parameters.
"""

import numpy as np

from sk_swat.search import PAPER_TOLERANCE, select_candidate

__all__ = ["TOL", "aggregate", "best_models", "comparison_counts", "select_best"]

#: Relative MSE tolerance of the best-model rule (the paper's 5 %).
TOL = PAPER_TOLERANCE


def select_best(models, tol=TOL):
    """The paper's rule: the fewest non-zeros among the models within ``(1 + tol)`` of the lowest MSE.

    Ties go to the lower MSE, then to the first model given. The rule is the
    estimator's (:func:`sk_swat.search.select_candidate`, which
    :class:`~sk_swat.SWATRegressor` applies to its candidates), applied here
    to test MSEs, without its absolute slack (``atol=0``): purely relative,
    as the paper states it.

    Parameters
    ----------
    models : list of dict
        Each with ``test_mse`` and ``n_nonzero`` (numbers or numeric strings).
    tol : float, default=0.05
        Relative tolerance on the MSE.

    Returns
    -------
    dict
        The chosen element of ``models``.

    Examples
    --------
    >>> from benchmarks.cornn.selection import select_best
    >>> models = [
    ...     {"config": "depth=1", "test_mse": 0.100, "n_nonzero": 30},
    ...     {"config": "depth=2", "test_mse": 0.104, "n_nonzero": 12},  # within 5 %, sparser: chosen
    ...     {"config": "depth=3", "test_mse": 0.200, "n_nonzero": 5},   # sparsest, but 2x the MSE
    ... ]
    >>> select_best(models)["config"]
    'depth=2'
    """
    models = list(models)
    if not models:
        raise ValueError("select_best needs at least one model.")
    mse = [float(m["test_mse"]) for m in models]
    n_nonzero = [float(m["n_nonzero"]) for m in models]
    return models[select_candidate(mse, n_nonzero, tol, atol=0.0)]


def aggregate(rows):
    """``{(function, method): [model per config]}``, each model the mean over its seeds.

    Parameters
    ----------
    rows : list of dict
        Rows of a results CSV.

    Returns
    -------
    dict
        A model is a dict with ``function``, ``method``, ``config``, ``test_mse`` and
        ``n_nonzero`` (means over the seeds, as floats) and ``n_seeds``.

    Examples
    --------
    >>> from benchmarks.cornn.selection import aggregate
    >>> rows = [{"function": "Sphere", "method": "swat", "config": "depth=1", "test_mse": mse, "n_nonzero": "9"}
    ...         for mse in ("0.1", "0.3")]
    >>> [(m["config"], round(m["test_mse"], 6), m["n_seeds"]) for m in aggregate(rows)["Sphere", "swat"]]
    [('depth=1', 0.2, 2)]
    """
    groups = {}
    for row in rows:
        groups.setdefault((row["function"], row["method"], row["config"]), []).append(row)
    models = {}
    for (function, method, config), group in groups.items():
        models.setdefault((function, method), []).append(
            {
                "function": function,
                "method": method,
                "config": config,
                "test_mse": float(np.mean([float(r["test_mse"]) for r in group])),
                "n_nonzero": float(np.mean([int(r["n_nonzero"]) for r in group])),
                "n_seeds": len(group),
            }
        )
    return models


def best_models(rows, tol=TOL):
    """The best model per function and method, by :func:`select_best` over its configurations.

    The test MSE and non-zeros of a configuration are their means over the seeds it ran with.

    Parameters
    ----------
    rows : list of dict
        Rows of a results CSV (all of one experiment; quick and real rows should not be mixed).
    tol : float, default=0.05
        Relative tolerance on the MSE.

    Returns
    -------
    dict
        ``{(function, method): model}``; a model is a dict with ``config``, ``test_mse``,
        ``n_nonzero`` and ``n_seeds``.

    Examples
    --------
    >>> from benchmarks.cornn.selection import best_models
    >>> rows = [
    ...     {"function": "Sphere", "method": "swat", "config": "depth=1", "test_mse": "0.0100", "n_nonzero": "40"},
    ...     {"function": "Sphere", "method": "swat", "config": "depth=2", "test_mse": "0.0102", "n_nonzero": "25"},
    ... ]
    >>> best = best_models(rows)
    >>> best["Sphere", "swat"]["config"], best["Sphere", "swat"]["n_nonzero"]
    ('depth=2', 25.0)
    """
    return {
        key: select_best(sorted(models, key=lambda m: m["config"]), tol) for key, models in aggregate(rows).items()
    }


def comparison_counts(exp, best, functions, methods, tol=TOL):
    """Counts of the reference method against the others over ``functions`` (complete ones only).

    Parameters
    ----------
    exp : Experiment
        Its ``reference`` is the method counted.
    best : dict
        What :func:`best_models` returned.
    functions : list of str
        The functions to count; those without a best model for every method are left out.
    methods : list of str
        The methods compared.
    tol : float, default=0.05
        Relative tolerance on the MSE.

    Returns
    -------
    dict
        ``n`` (functions counted), ``sparser`` (per other method: functions where the reference has
        fewer non-zeros), ``beats`` and ``beaten`` (per other method: fewer non-zeros at an MSE within
        ``tol``, or an MSE lower by more than ``tol``), ``sparser_within`` (per other method: fewer
        non-zeros at an MSE within ``tol`` of its), ``within_pair`` (per other method: MSE within
        ``tol`` of the better of the two), ``sparser_all`` (sparser than every other method) and
        ``within`` (MSE within ``tol`` of the best method's).

    Examples
    --------
    >>> from benchmarks.cornn.experiments import get_experiment
    >>> from benchmarks.cornn.selection import comparison_counts
    >>> best = {("Sphere", "swat"): {"test_mse": 0.10, "n_nonzero": 12.0},
    ...         ("Sphere", "darts_admm"): {"test_mse": 0.09, "n_nonzero": 40.0}}
    >>> counts = comparison_counts(get_experiment("exp1"), best, ["Sphere"], ["swat", "darts_admm"])
    >>> counts["n"], counts["sparser"], counts["within"]
    (1, {'darts_admm': 1}, 0)
    """
    ref = exp.reference
    others = [m for m in methods if m != ref]
    complete = [f for f in functions if all((f, m) in best for m in methods)]
    out = {
        "n": len(complete), "sparser": {}, "sparser_all": 0, "within": 0, "beats": {}, "beaten": {},
        "sparser_within": {}, "within_pair": {},
    }
    if ref not in methods or not others:
        return out

    def sparser_within(a, b):
        return a["n_nonzero"] < b["n_nonzero"] and a["test_mse"] <= (1.0 + tol) * b["test_mse"]

    def beats(a, b):
        # Fewer non-zeros at an MSE within tol, or an MSE lower by more than tol.
        return sparser_within(a, b) or a["test_mse"] * (1.0 + tol) < b["test_mse"]

    for m in others:
        out["sparser"][m] = sum(best[f, ref]["n_nonzero"] < best[f, m]["n_nonzero"] for f in complete)
        out["sparser_within"][m] = sum(sparser_within(best[f, ref], best[f, m]) for f in complete)
        out["within_pair"][m] = sum(
            best[f, ref]["test_mse"] <= (1.0 + tol) * min(best[f, ref]["test_mse"], best[f, m]["test_mse"])
            for f in complete
        )
        out["beats"][m] = sum(beats(best[f, ref], best[f, m]) for f in complete)
        out["beaten"][m] = sum(beats(best[f, m], best[f, ref]) for f in complete)
    for f in complete:
        out["sparser_all"] += all(best[f, ref]["n_nonzero"] < best[f, m]["n_nonzero"] for m in others)
        lowest = min(best[f, m]["test_mse"] for m in methods)
        out["within"] += best[f, ref]["test_mse"] <= (1.0 + tol) * lowest
    return out

