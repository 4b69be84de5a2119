"""The paper's figures of an experiment, as PNG files beside its CSV (matplotlib, no pyplot state)."""

import io

import numpy as np

from benchmarks.cornn.experiments import TUNING_FUNCTIONS, config_params, function_number
from sk_swat.utils import atomic_write

__all__ = ["plot_activations", "plot_best", "plot_scatter"]


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    atomic_write(path, buffer.getvalue())


def _short(function):
    n = function_number(function)
    return f"F{n}" if n < 10**6 else function


_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def plot_scatter(exp, rows, functions, methods, path):
    """Test MSE against non-zeros of every row, one panel per function (Fig. 4, 8).

    Parameters
    ----------
    exp : Experiment
        Gives the method labels.
    rows : list of dict
        Rows of the experiment's results CSV.
    functions, methods : list of str
        The panels and the colours, in order.
    path : path-like
        The PNG written.
    """
    ncols = min(6, len(functions))
    nrows = -(-len(functions) // ncols)
    fig = _figure(2.6 * ncols + 0.5, 2.3 * nrows + 0.6)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, function in zip(axes, functions):
        for colour, method in zip(_COLOURS, methods):
            pts = [
                (int(r["n_nonzero"]), float(r["test_mse"]))
                for r in rows
                if r["function"] == function and r["method"] == method
            ]
            if pts:
                x, y = zip(*pts)
                ax.scatter(x, y, s=14, color=colour, label=exp.label(method), alpha=0.8)
        ax.set_yscale("log")
        ax.set_title(f"{_short(function)} {function}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(functions) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.supxlabel("non-zero parameters")
    fig.supylabel("test MSE")
    _save(fig, path)


def _function_axis(ax, functions, colours=None):
    ax.set_xticks(range(len(functions)))
    labels = [_short(f) + ("*" if function_number(f) in TUNING_FUNCTIONS else "") for f in functions]
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    if colours:
        for tick, colour in zip(ax.get_xticklabels(), colours):
            tick.set_color(colour)


def plot_best(exp, best, functions, methods, path, colour_labels):
    """The best model per function and method: test MSE above, non-zeros below (Fig. 5, 9, 13).

    Parameters
    ----------
    exp : Experiment
        Gives the labels and the reference method.
    best : dict
        ``{(function, method): model}`` from :func:`~benchmarks.cornn.selection.best_models`.
    functions, methods : list of str
        The x axis and the colours, in order.
    path : path-like
        The PNG written.
    colour_labels : bool
        Colour each function's label green where the reference is sparser than every other method.
    """
    fig = _figure(max(6.0, 0.22 * len(functions) + 2.0), 6.0)
    top, bottom = fig.subplots(2, 1, sharex=True)
    offsets = np.linspace(-0.2, 0.2, len(methods)) if len(methods) > 1 else [0.0]
    for colour, method, dx in zip(_COLOURS, methods, offsets):
        xs = [i + dx for i, f in enumerate(functions) if (f, method) in best]
        fs = [f for f in functions if (f, method) in best]
        top.scatter(xs, [best[f, method]["test_mse"] for f in fs], color=colour, s=16, label=exp.label(method))
        bottom.scatter(xs, [best[f, method]["n_nonzero"] for f in fs], color=colour, s=16)
    top.set_yscale("log")
    top.set_ylabel("test MSE")
    bottom.set_ylabel("non-zero parameters")
    top.legend(fontsize=7)
    colours = None
    if colour_labels:
        others = [m for m in methods if m != exp.reference]
        colours = []
        for f in functions:
            if all((f, m) in best for m in methods) and exp.reference in methods:
                sparser = all(best[f, exp.reference]["n_nonzero"] < best[f, m]["n_nonzero"] for m in others)
                colours.append("tab:green" if sparser else "tab:red")
            else:
                colours.append("grey")
        top.set_title(
            f"green: {exp.label(exp.reference)} sparser than every other method; red: not; * tuning set",
            fontsize=8,
        )
    _function_axis(bottom, functions, colours)
    _save(fig, path)


def plot_activations(exp, models, functions, other, path):
    """Lowest test MSE over depths: the reference method against each activation of ``other`` (Fig. 6, 7).

    Parameters
    ----------
    exp : Experiment
        Gives the labels and the reference method.
    models : dict
        ``{(function, method): [model per config]}`` from :func:`~benchmarks.cornn.selection.aggregate`.
    functions : list of str
        The x axis.
    other : str
        The method whose configurations carry an ``activation``.
    path : path-like
        The PNG written.
    """
    from sk_swat.encoding import ACTIVATIONS

    fig = _figure(max(6.0, 0.22 * len(functions) + 2.0), 3.8)
    ax = fig.subplots()
    x = np.arange(len(functions))

    def lowest(function, method, activation=None):
        mses = [
            m["test_mse"]
            for m in models.get((function, method), [])
            if activation is None or config_params(m["config"]).get("activation") == activation
        ]
        return min(mses) if mses else np.nan

    ax.plot(x, [lowest(f, exp.reference) for f in functions], "k-o", ms=4, label=exp.label(exp.reference))
    for colour, activation in zip(_COLOURS, ACTIVATIONS):
        ax.plot(x, [lowest(f, other, activation) for f in functions], "--s", color=colour, ms=3, lw=1,
                label=f"{exp.label(other)}: {activation}")
    ax.set_yscale("log")
    ax.set_ylabel("lowest test MSE over depths")
    ax.legend(fontsize=7)
    _function_axis(ax, functions)
    _save(fig, path)

