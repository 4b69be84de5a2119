"""Compressing a deep MLP part by part in the latent space (SWAT-NN, Section V-F).

The autoencoder embeds networks of at most four hidden layers. A deeper
network is cut at some of its hidden layers, which stay as they are; a
compact replacement of each part between them is searched by
:class:`~sk_swat.SWATRegressor` (a part that ends at a cut layer has that
layer's pre-activations as its outputs), and the replacements and the cut
layers are composed into one :class:`~sk_swat.mlp.SparseMLP`.
"""

import numbers

import numpy as np
import torch
from sklearn.utils import check_random_state

from .activations import NUMPY_ACTIVATIONS
from .mlp import SparseMLP

__all__ = ["compose", "compress", "relative_functional_error"]


def compose(mlps, activations):
    """One :class:`~sk_swat.mlp.SparseMLP` that runs ``mlps`` in turn, joined by hidden layers.

    The outputs of each network but the last become a hidden layer of the
    composition: its neurons are those outputs, put through ``activations``,
    and they feed the next network. So the composition has as many hidden
    layers as the networks together, plus one per join.

    Parameters
    ----------
    mlps : sequence of SparseMLP
        At least one; each has as many inputs as the one before has outputs.
    activations : sequence of array-like
        One per join (``len(mlps) - 1``): the activation of each output of
        the network before it, as names or codes.

    Returns
    -------
    SparseMLP
        ``compose([f, g], [a]).predict(X)`` equals ``g.predict(a(f.predict(X)))``
        up to rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.compression import compose
    >>> from sk_swat.mlp import SparseMLP
    >>> f = SparseMLP.random(n_inputs=2, depth=1, n_outputs=3, random_state=0)
    >>> g = SparseMLP.random(n_inputs=3, depth=2, random_state=1)
    >>> X = np.random.RandomState(2).uniform(-1, 1, (5, 2))
    >>> h = compose([f, g], [["tanh"] * 3])
    >>> h.depth, bool(np.allclose(h.predict(X), g.predict(np.tanh(f.predict(X)))))
    (4, True)
    """
    mlps = list(mlps)
    if not mlps:
        raise ValueError("compose needs at least one SparseMLP.")
    for i, mlp in enumerate(mlps):
        if not isinstance(mlp, SparseMLP):
            raise TypeError(f"compose takes SparseMLP networks; network {i} is a {type(mlp).__name__}.")
    if len(activations) != len(mlps) - 1:
        raise ValueError(f"{len(mlps)} networks have {len(mlps) - 1} joins, but {len(activations)} activation "
                         "vectors were given.")
    weights, biases, codes = [], [], []
    for i, mlp in enumerate(mlps):
        mlp = mlp.compact()
        if i and mlp.n_inputs != weights[-1].shape[1]:
            raise ValueError(f"Network {i} has {mlp.n_inputs} inputs but network {i - 1} has "
                             f"{weights[-1].shape[1]} outputs.")
        if i:
            codes.append(activations[i - 1])
        weights += mlp.weights
        biases += mlp.biases
        codes += mlp.activations
    return SparseMLP(weights, biases, codes)


def relative_functional_error(reference, approximation):
    """``sum((f - f_hat)^2) / sum((f - mean f)^2)``, over all rows and outputs.

    0 is exact; 1 is no better than predicting the mean of each output.

    Parameters
    ----------
    reference : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The original network's outputs ``f``.
    approximation : array-like of the same shape
        The outputs ``f_hat`` that approximate them.

    Returns
    -------
    float
        The relative error; ``inf`` if ``reference`` is constant and
        ``approximation`` differs from it.

    Examples
    --------
    >>> from sk_swat.compression import relative_functional_error
    >>> relative_functional_error([0.0, 1.0, 2.0], [0.0, 1.0, 3.0])
    0.5
    """
    f, f_hat = np.asarray(reference, dtype=float), np.asarray(approximation, dtype=float)
    if f.shape != f_hat.shape:
        raise ValueError(f"reference has shape {f.shape} but approximation has shape {f_hat.shape}.")
    error, spread = np.sum((f - f_hat) ** 2), np.sum((f - f.mean(axis=0)) ** 2)
    if spread == 0:  # a constant reference: exact or infinitely far
        return 0.0 if error == 0 else np.inf
    return float(error / spread)


def _as_sparse_mlp(network):
    if isinstance(network, SparseMLP):
        return network.compact()
    if isinstance(network, torch.nn.Sequential):
        return SparseMLP.from_torch(network)
    raise TypeError(
        f"compress takes a SparseMLP or a torch.nn.Sequential of Linear layers and activations, "
        f"got {type(network).__name__}."
    )


def _pre_activations(mlp, X):
    """The pre-activations of every hidden layer of ``mlp`` on ``X``, then its output."""
    values, h = [], X
    for w, b, codes in zip(mlp.weights, mlp.biases, mlp.activations):
        z = h @ w + b
        values.append(z)
        h = _activate(z, codes)
    values.append(h @ mlp.weights[-1] + mlp.biases[-1])
    return values


def _activate(z, codes):
    """Each column of ``z`` through its neuron's activation."""
    out = np.empty_like(z)
    for code in np.unique(codes):
        out[:, codes == code] = NUMPY_ACTIVATIONS[code](z[:, codes == code])
    return out


def _check_cuts(cuts, depth):
    if cuts is None:
        return [(depth + 1) // 2]
    cuts = sorted(set(cuts))
    if not cuts or any(not isinstance(c, numbers.Integral) or not 1 <= c <= depth for c in cuts):
        raise ValueError(f"cuts must be hidden layers 1..{depth} of the network, got {cuts}.")
    return cuts


def compress(network, *, cuts=None, X=None, n_samples=4000, input_range=(-1.0, 1.0), part_params=None,
             random_state=None, **params):
    """Replace a deep MLP by a compact one, searched part by part in the latent space.

    SWAT-NN, Section V-F: the network is cut at the hidden layers in ``cuts``,
    which stay hidden layers of the result (their neurons and activations).
    The first part maps the inputs to the pre-activations of the first cut
    layer, the next maps that layer's activations to the pre-activations of
    the next cut layer, and the last maps the last cut layer's activations to
    the output: each part is an MLP with a linear output, of as many outputs
    as its cut layer has neurons. For each part in turn,
    :class:`~sk_swat.SWATRegressor` searches a compact replacement, fitted
    on the activations that the replacements found so far produce (so a part
    corrects what the parts before it missed), with the original network's
    values as its targets; :func:`compose` joins the replacements.

    Parameters
    ----------
    network : SparseMLP or torch.nn.Sequential
        The network to compress; a ``Sequential`` is read by
        :meth:`SparseMLP.from_torch <sk_swat.mlp.SparseMLP.from_torch>`. Every
        cut layer may keep at most as many neurons as the autoencoder has
        outputs (``max_outputs`` of its config) and at most 16.
    cuts : sequence of int, default=None
        Hidden layers (1 = the first) at which the network is cut. None cuts
        once, at the middle hidden layer (the 5th of 9, as in the paper).
    X : array-like of shape (n_samples, n_inputs), default=None
        Inputs on which the parts are fitted. None draws ``n_samples`` rows
        uniformly from ``input_range``.
    n_samples : int, default=4000
        Rows drawn when ``X`` is None.
    input_range : (float, float), default=(-1.0, 1.0)
        Range of each input when ``X`` is None.
    part_params : sequence of dict, default=None
        Parameters of :class:`~sk_swat.SWATRegressor` for each part in turn
        (``len(cuts) + 1`` dicts), over ``params``: for example
        ``[{"depths": (2,)}, {"depths": (2,)}]`` for two hidden layers per part.
    random_state : int, RandomState instance or None, default=None
        Seeds the drawn inputs and every part's search.
    **params
        Parameters of :class:`~sk_swat.SWATRegressor` for every part (for
        example ``autoencoder``).

    Returns
    -------
    SparseMLP
        The compressed network, on the original network's inputs and outputs.

    See Also
    --------
    relative_functional_error : How far the compressed network is from the original.

    Examples
    --------
    A network cut at its middle layer of one neuron:

    >>> import numpy as np
    >>> from sk_swat import compress
    >>> from sk_swat.compression import relative_functional_error
    >>> from sk_swat.mlp import SparseMLP
    >>> rng = np.random.RandomState(0)
    >>> sizes = [2, 5, 1, 5, 1]
    >>> deep = SparseMLP([rng.uniform(-1, 1, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])],
    ...                  [np.zeros(b) for b in sizes[1:]], [["tanh"] * n for n in sizes[1:-1]])
    >>> small = compress(deep, cuts=[2], n_samples=500, depths=(1,), max_iter=20, random_state=0)
    >>> small.depth
    3
    >>> X = rng.uniform(-1, 1, (1000, 2))
    >>> bool(relative_functional_error(deep.predict(X), small.predict(X)) < 0.01)
    True
    """
    from ._regressor import SWATRegressor

    mlp = _as_sparse_mlp(network)
    cuts = _check_cuts(cuts, mlp.depth)
    part_params = [{}] * (len(cuts) + 1) if part_params is None else list(part_params)
    if len(part_params) != len(cuts) + 1:
        raise ValueError(f"part_params must hold one dict per part ({len(cuts) + 1}), got {len(part_params)}.")
    rng = check_random_state(random_state)
    if X is None:
        if not isinstance(n_samples, numbers.Integral) or n_samples < 2:
            raise ValueError(f"n_samples must be an integer of at least 2, got {n_samples!r}.")
        low, high = input_range
        if not low < high:
            raise ValueError(f"input_range must be (low, high) with low < high, got {input_range!r}.")
        X = rng.uniform(low, high, (n_samples, mlp.n_inputs))
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != mlp.n_inputs:
        raise ValueError(f"X must have shape (n_samples, {mlp.n_inputs}), got {X.shape}.")
    values = _pre_activations(mlp, X)
    targets = [values[c - 1] for c in cuts] + [values[-1]]
    joins = [mlp.activations[c - 1] for c in cuts]
    parts, inputs = [], X
    for i, target in enumerate(targets):
        target = target[:, 0] if target.shape[1] == 1 else target
        seed = rng.randint(np.iinfo(np.int32).max)
        reg = SWATRegressor(**{**params, **part_params[i], "random_state": seed}).fit(inputs, target)
        parts.append(reg._network_on_raw_data())
        if i < len(joins):
            inputs = _activate(parts[-1].predict(inputs).reshape(len(X), -1), joins[i])
    return compose(parts, joins)
