"""Pictures: the network a fit found, its candidates, and the smoothness of the latent space.

matplotlib is optional (``pip install "sk-swat[plot]"``); it is imported when
a function here is called, never when the module is imported.
"""

import numpy as np

from .activations import ACTIVATIONS
from .mlp import SparseMLP

__all__ = ["plot_architecture", "plot_candidates", "plot_latent_smoothness"]

_MISSING = (
    "{what} needs matplotlib, which is not installed. Install it with: "
    'pip install "sk-swat[plot]"  (or: pip install matplotlib).'
)
#: Fill colour of the neurons of each activation, and of the input and output nodes.
NEURON_COLOURS = {
    "sigmoid": "tab:green",
    "tanh": "tab:purple",
    "leaky_relu": "tab:orange",
    "input": "lightgray",
    "output": "dimgray",
}
#: Edge colour of positive and negative weights.
WEIGHT_COLOURS = {"positive": "tab:blue", "negative": "tab:red"}
_MAX_LINEWIDTH = 4.0
_MIN_LINEWIDTH = 0.3


def require_matplotlib(what="sk_swat.plotting"):
    """Import matplotlib or raise an ImportError that says how to install it."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise ImportError(_MISSING.format(what=what)) from err


def _new_axes(figsize, ncols=None):
    require_matplotlib()
    import matplotlib.pyplot as plt

    if ncols is None:
        return plt.subplots(figsize=figsize, layout="constrained")[1]
    return plt.subplots(1, ncols, figsize=figsize, squeeze=False, layout="constrained")[1][0]


def _fitted_attribute(obj, name, what, expected):
    """``obj.<name>`` of a fitted estimator, found by duck typing (no estimator class is imported)."""
    if hasattr(obj, name):
        return getattr(obj, name)
    if hasattr(obj, "fit") and hasattr(obj, "get_params"):  # a scikit-learn estimator: is it fitted at all?
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(obj)
    raise TypeError(f"{what} expects {expected}, got {type(obj).__name__}.")


def _pipeline_feature_names(pipeline):
    """The names the steps before the last produce, or None where a step cannot name its outputs."""
    head = pipeline[:-1]
    if not hasattr(head, "get_feature_names_out"):
        return None
    try:
        return head.get_feature_names_out()
    except (AttributeError, TypeError, ValueError):  # a step without get_feature_names_out, or unfitted
        return None


def _network(mlp):
    """The SparseMLP to draw and the feature names its estimator saw (or None)."""
    if isinstance(mlp, SparseMLP):
        return mlp, None
    if hasattr(mlp, "steps") and hasattr(mlp, "__getitem__"):  # a Pipeline: draw its last step
        network, names = _network(mlp[-1])
        return network, names if names is not None else _pipeline_feature_names(mlp)
    network = _fitted_attribute(
        mlp, "mlp_", "plot_architecture", "a SparseMLP or a fitted estimator with an mlp_ (such as SWATRegressor)"
    )
    if not isinstance(network, SparseMLP):
        raise TypeError(f"plot_architecture draws a SparseMLP; mlp_ is a {type(network).__name__}.")
    return network, getattr(mlp, "feature_names_in_", None)


def _node_positions(n):
    """Vertical positions of ``n`` nodes one unit apart, top to bottom, centred on 0."""
    return (n - 1) / 2 - np.arange(n, dtype=float)


def plot_architecture(mlp, ax=None, feature_names=None):
    """Draw the network a fit found: kept neurons, kept weights, activations.

    Inputs are on the left, one column per hidden layer, the output on the
    right. Only kept neurons are drawn (pruned ones are absent), filled with
    the colour of their activation (see the legend). Every non-zero weight is
    an edge whose line width is proportional to ``|w|`` (at least 0.3 points,
    so that every kept weight stays visible) and whose colour is its sign:
    blue positive, red negative. Biases are not drawn but are counted in the
    title's number of non-zero parameters.

    Parameters
    ----------
    mlp : SparseMLP, fitted estimator or fitted Pipeline
        The network, such as the ``mlp_`` of a fitted
        :class:`~sk_swat.SWATRegressor`. For convenience a fitted estimator
        with an ``mlp_`` attribute is accepted too (its ``mlp_`` is drawn),
        and a fitted :class:`~sklearn.pipeline.Pipeline` whose last step is
        such an estimator.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure if None.
    feature_names : sequence of str, default=None
        Labels of the inputs. By default the ``feature_names_in_`` of the
        estimator (set when it was fitted on a DataFrame with string column
        names); for a Pipeline whose last step has none, the names the steps
        before it produce (``pipeline[:-1].get_feature_names_out()``, such as
        the columns a :class:`~sklearn.compose.ColumnTransformer` makes);
        else ``x0, x1, ...``.

    Returns
    -------
    matplotlib.axes.Axes
        The edges are one :class:`~matplotlib.collections.LineCollection`
        (``gid="weights"``), one segment per non-zero weight; the nodes are
        :class:`~matplotlib.collections.PathCollection` s, one per node kind
        (``gid="neurons-<kind>"``, kinds ``input``, the activations and
        ``output``).

    Raises
    ------
    TypeError
        If ``mlp`` is neither a SparseMLP nor an estimator with an ``mlp_``
        (nor a Pipeline ending in one).
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sk_swat.mlp import SparseMLP
    >>> from sk_swat.plotting import plot_architecture
    >>> mlp = SparseMLP.random(n_inputs=2, depth=2, random_state=0)
    >>> ax = plot_architecture(mlp, feature_names=["x", "y"])
    >>> edges = [c for c in ax.collections if c.get_gid() == "weights"][0]
    >>> len(edges.get_segments()) == sum(int((w != 0).sum()) for w in mlp.weights)
    True
    """
    mlp, fitted_names = _network(mlp)
    require_matplotlib("plot_architecture")
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    if feature_names is None:
        feature_names = fitted_names if fitted_names is not None else [f"x{i}" for i in range(mlp.n_inputs)]
    feature_names = [str(name) for name in feature_names]
    if len(feature_names) != mlp.n_inputs:
        raise ValueError(f"feature_names has {len(feature_names)} names but the network has {mlp.n_inputs} inputs.")
    if ax is None:
        ax = _new_axes((2.0 + 1.6 * (mlp.depth + 2), 4.5))

    # Node positions, layer by layer: inputs, kept neurons of each hidden layer, outputs.
    kept = [np.ones(mlp.n_inputs, dtype=bool), *mlp.masks, np.ones(mlp.n_outputs, dtype=bool)]
    spread = float(max(1, max(int(k.sum()) for k in kept) - 1))
    position = []  # per layer: {unit index -> (x, y)}
    for j, keep in enumerate(kept):
        units = np.flatnonzero(keep)
        ys = _node_positions(len(units))
        position.append({int(u): (float(j), float(y)) for u, y in zip(units, ys)})

    # Edges: every non-zero weight (those touching pruned neurons are zero by construction).
    segments, values = [], []
    for j, w in enumerate(mlp.weights):
        for a, b in zip(*np.nonzero(w)):
            segments.append((position[j][int(a)], position[j + 1][int(b)]))
            values.append(w[a, b])
    values = np.asarray(values, dtype=float)
    largest = float(np.abs(values).max()) if values.size else 1.0
    widths = np.maximum(_MAX_LINEWIDTH * np.abs(values) / largest, _MIN_LINEWIDTH) if values.size else []
    colours = [WEIGHT_COLOURS["positive"] if v > 0 else WEIGHT_COLOURS["negative"] for v in values]
    edges = LineCollection(segments, linewidths=widths, colors=colours, alpha=0.75, zorder=1, gid="weights")
    ax.add_collection(edges)

    # Nodes, one scatter per kind so that the legend names the activations.
    kinds = {"input": list(position[0].values())}
    for j in range(mlp.depth):
        for u, xy in position[j + 1].items():
            kinds.setdefault(ACTIVATIONS[mlp.activations[j][u]], []).append(xy)
    kinds["output"] = list(position[-1].values())
    handles = []
    for kind in ("input", *ACTIVATIONS, "output"):
        if not kinds.get(kind):
            continue
        xy = np.asarray(kinds[kind])
        handles.append(ax.scatter(
            xy[:, 0], xy[:, 1], s=380, c=NEURON_COLOURS[kind], edgecolors="black", linewidths=0.8,
            zorder=2, label=kind.replace("_", " "), gid=f"neurons-{kind}",
        ))
    for (x, y), name in zip(kinds["input"], feature_names):
        ax.annotate(name, (x, y), xytext=(-14, 0), textcoords="offset points", ha="right", va="center")
    output_names = ["output"] if mlp.n_outputs == 1 else [f"output {k + 1}" for k in range(mlp.n_outputs)]
    for xy, name in zip(kinds["output"], output_names):
        ax.annotate(name, xy, xytext=(14, 0), textcoords="offset points", ha="left", va="center")
    for j in range(mlp.depth):
        ax.text(j + 1, -spread / 2 - 0.7, f"layer {j + 1}", ha="center", va="top", fontsize="small")

    handles += [
        Line2D([], [], color=WEIGHT_COLOURS["positive"], lw=2, label="weight > 0"),
        Line2D([], [], color=WEIGHT_COLOURS["negative"], lw=2, label="weight < 0"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(len(handles), 4),
              frameon=False, fontsize="small", markerscale=0.5)
    arch = mlp.architecture
    ax.set_title(
        f"{arch['n_layers']} hidden layer{'s' if arch['n_layers'] != 1 else ''} "
        f"{arch['hidden_layer_sizes']}, {mlp.n_nonzero} non-zero parameters"
    )
    ax.set_xlim(-0.8, mlp.depth + 1.8)
    ax.set_ylim(-spread / 2 - 1.2, spread / 2 + 0.6)
    ax.set_axis_off()
    return ax


def plot_candidates(candidates, ax=None, *, tol=None):
    """Validation MSE against non-zero parameters of every candidate of a fit.

    One point per (depth, restart) candidate of the latent search, coloured
    by depth, on a log MSE axis; the chosen candidate (the fewest non-zeros
    within ``(1 + tol)`` of the best validation MSE of the final networks)
    is circled with a star, and the ``(1 + tol)`` bound is a dashed line.
    MSEs are those of the scaled target (``y`` in [-1, 1]); a candidate with
    MSE 0 is drawn at a tenth of the smallest positive one, and non-finite
    ones are left out.

    Parameters
    ----------
    candidates : dict of array-like or fitted estimator
        The ``candidates_`` of a fitted :class:`~sk_swat.SWATRegressor`: at
        least ``depth``, ``n_nonzero``, ``validation_mse`` and ``chosen``.
        For convenience a fitted estimator with a ``candidates_`` attribute
        is accepted too (its ``tol`` is then the default of ``tol``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure if None.
    tol : float, default=None
        The selection tolerance; the ``(1 + tol)`` bound is drawn if given.

    Returns
    -------
    matplotlib.axes.Axes
        The chosen candidate is the collection with ``gid="chosen"``; the
        candidates of depth ``d`` the one with ``gid="depth-d"``.

    Raises
    ------
    TypeError
        If ``candidates`` is neither a dict nor an estimator with ``candidates_``.
    ValueError
        If the dict lacks one of the keys above.
    sklearn.exceptions.NotFittedError
        If an estimator is passed that is not fitted.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sk_swat.plotting import plot_candidates
    >>> candidates = {"depth": [1, 1, 2, 2], "n_nonzero": [20, 12, 31, 18],
    ...               "validation_mse": [1e-3, 1.04e-3, 8e-4, 2e-3], "chosen": [False, False, True, False]}
    >>> ax = plot_candidates(candidates, tol=0.05)
    >>> ax.get_yscale()
    'log'
    """
    if not isinstance(candidates, dict):
        estimator = candidates
        candidates = _fitted_attribute(
            estimator, "candidates_", "plot_candidates",
            "the candidates_ dict of a fitted SWATRegressor (or the estimator itself)",
        )
        tol = getattr(estimator, "tol", None) if tol is None else tol
    missing = {"depth", "n_nonzero", "validation_mse", "chosen"} - set(candidates)
    if missing:
        raise ValueError(f"plot_candidates expects the candidates_ of a fitted SWATRegressor; missing {sorted(missing)}.")
    require_matplotlib("plot_candidates")
    if ax is None:
        ax = _new_axes((6.0, 4.5))

    c = candidates
    mse = np.asarray(c["validation_mse"], dtype=float)
    nonzero = np.asarray(c["n_nonzero"], dtype=float)
    depth = np.asarray(c["depth"])
    chosen = np.asarray(c["chosen"], dtype=bool)
    finite = np.isfinite(mse)
    positive = mse[finite & (mse > 0)]
    floor = positive.min() / 10 if positive.size else 1.0
    shown = np.where(mse > 0, mse, floor)

    import matplotlib as mpl

    cmap = mpl.colormaps["tab10"]
    for d in np.unique(depth):
        sel = (depth == d) & finite
        ax.scatter(nonzero[sel], shown[sel], s=45, color=cmap(int(d) - 1), alpha=0.85, edgecolors="none",
                   label=f"{d} hidden layer{'s' if d != 1 else ''}", gid=f"depth-{d}", zorder=2)
    if (chosen & finite).any():
        ax.scatter(nonzero[chosen & finite], shown[chosen & finite], s=260, marker="*", facecolors="none",
                   edgecolors="black", linewidths=1.4, label="chosen", gid="chosen", zorder=3)
        if tol is not None and positive.size:
            ax.axhline((1 + tol) * mse[finite].min() if mse[finite].min() > 0 else floor, color="gray",
                       ls="--", lw=1, label=f"(1 + tol) x best, tol={tol:g}", zorder=1)
    ax.set_yscale("log")
    ax.margins(x=0.08, y=0.1)
    ax.set_xlabel("non-zero parameters")
    ax.set_ylabel("validation MSE (y scaled to [-1, 1])")
    ax.set_title(f"{len(mse)} candidates of the latent search")
    ax.legend(fontsize="small")
    return ax


def plot_latent_smoothness(maps, ax=None, extent=(-3.0, 3.0, -3.0, 3.0), *, titles=None, colorbar=True):
    """Show latent smoothness maps (SWAT-NN, Section V-A, Fig. 10), one panel per decoder.

    Parameters
    ----------
    maps : array-like of shape (grid, grid), or sequence of them
        One map, or one per decoder (e.g. a list of four, for ``D_1 .. D_4``),
        as :func:`sk_swat.autoencoder.evaluation.smoothness_map` returns them:
        columns along ``v1``, rows along ``v2``.
    ax : matplotlib Axes or array-like of Axes, default=None
        One Axes per map; a new figure with one row of panels if None.
    extent : tuple of 4 float, default=(-3, 3, -3, 3)
        ``(a_min, a_max, b_min, b_max)``: the range of the offsets along
        ``v1`` and ``v2`` (the ``radius`` of the maps).
    titles : sequence of str, default=None
        Panel titles; ``"decoder D_k"`` for map ``k - 1`` by default.
    colorbar : bool, default=True
        Add a colour bar (MSE) to each panel.

    Returns
    -------
    matplotlib.axes.Axes or ndarray of Axes
        The Axes for a single 2-D map, else an array of them.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sk_swat.plotting import plot_latent_smoothness
    >>> a, b = np.meshgrid(np.linspace(-3, 3, 11), np.linspace(-3, 3, 11))
    >>> maps = [k * (a ** 2 + b ** 2) for k in range(1, 5)]
    >>> axes = plot_latent_smoothness(maps)
    >>> axes.shape, axes[0].get_title()
    ((4,), 'decoder D_1')
    """
    try:
        stacked = np.asarray(maps, dtype=float)
    except ValueError:  # maps of different shapes
        stacked = None
    single = stacked is not None and stacked.ndim == 2
    if stacked is not None and stacked.ndim in (2, 3):
        arrays = list(stacked[None] if single else stacked)
    else:
        arrays = [np.asarray(m, dtype=float) for m in maps]
    if len(arrays) == 0 or any(np.ndim(m) != 2 for m in arrays):
        raise ValueError("maps must be a 2-D array or a non-empty sequence of 2-D arrays (one per decoder).")
    extent = tuple(float(e) for e in extent)
    if len(extent) != 4:
        raise ValueError(f"extent must be (a_min, a_max, b_min, b_max), got {extent}.")
    titles = list(titles) if titles is not None else [f"decoder D_{k}" for k in range(1, len(arrays) + 1)]
    if len(titles) != len(arrays):
        raise ValueError(f"Got {len(titles)} titles for {len(arrays)} maps.")
    require_matplotlib("plot_latent_smoothness")
    if ax is None:
        axes = _new_axes((4.2 * len(arrays), 3.8), ncols=len(arrays))
    else:
        axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
        if len(axes) != len(arrays):
            raise ValueError(f"Got {len(axes)} Axes for {len(arrays)} maps: pass one Axes per map.")

    for a, m, title in zip(axes, arrays, titles):
        image = a.imshow(m, origin="lower", extent=extent, cmap="viridis", aspect="auto", interpolation="nearest")
        a.plot([0], [0], marker="+", color="white", ms=10, mew=1.5)
        a.set_title(title)
        a.set_xlabel("a (along v1)")
        a.set_ylabel("b (along v2)")
        if colorbar:
            a.figure.colorbar(image, ax=a, label="MSE vs decoded z")
    return axes[0] if single else axes
