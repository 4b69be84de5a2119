"""Compressing a deep MLP part by part in the latent space (SWAT-NN, Section V-F).

The autoencoder embeds networks of at most four hidden layers. A deeper
network is cut at some of its hidden layers into parts; a compact replacement
of each part is searched by :class:`~sk_swat.SWATRegressor` (a part that ends
at a hidden layer has that layer's neurons as its outputs), and the
replacements are composed into one :class:`~sk_swat.mlp.SparseMLP`.
"""

import numbers

import numpy as np
import torch
from sklearn.utils import check_random_state

from .activations import NUMPY_ACTIVATIONS
from .mlp import SparseMLP

__all__ = ["compose", "compress", "relative_functional_error"]


def compose(*mlps):
    """The network that applies ``mlps`` one after another, as one :class:`~sk_swat.mlp.SparseMLP`.

    The linear output layer of each network and the first layer of the next
    become one layer (their weight matrices multiplied), so the composition
    has as many hidden layers as the parts together.

    Parameters
    ----------
    *mlps : SparseMLP
        At least one; each has as many inputs as the one before has outputs.

    Returns
    -------
    SparseMLP
        ``compose(f, g).predict(X)`` equals ``g.predict(f.predict(X))`` up to
        rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.compression import compose
    >>> from sk_swat.mlp import SparseMLP
    >>> f = SparseMLP.random(n_inputs=2, depth=1, n_outputs=3, random_state=0)
    >>> g = SparseMLP.random(n_inputs=3, depth=2, random_state=1)
    >>> X = np.random.RandomState(2).uniform(-1, 1, (5, 2))
    >>> h = compose(f, g)
    >>> h.depth, bool(np.allclose(h.predict(X), g.predict(f.predict(X))))
    (3, True)
    """
    if not mlps:
        raise ValueError("compose needs at least one SparseMLP.")
    for i, mlp in enumerate(mlps):
        if not isinstance(mlp, SparseMLP):
            raise TypeError(f"compose takes SparseMLP networks; argument {i} is a {type(mlp).__name__}.")
    first = mlps[0].compact()
    weights, biases = list(first.weights), list(first.biases)
    activations = list(first.activations)
    for i, mlp in enumerate(mlps[1:], start=1):
        if mlp.n_inputs != weights[-1].shape[1]:
            raise ValueError(f"Network {i} has {mlp.n_inputs} inputs but network {i - 1} has "
                             f"{weights[-1].shape[1]} outputs.")
        mlp = mlp.compact()
        out_w, out_b = weights.pop(), biases.pop()
        weights += [out_w @ mlp.weights[0], *mlp.weights[1:]]
        biases += [out_b @ mlp.weights[0] + mlp.biases[0], *mlp.biases[1:]]
        activations += mlp.activations
    return SparseMLP(weights, biases, activations)


def relative_functional_error(reference, approximation):
    """``sum((f - f_hat)^2) / sum((f - mean f)^2)``, over all rows and outputs.

    0 is exact; 1 is no better than predicting the mean of each output.

    Parameters
    ----------
    reference, approximation : array-like of shape (n_samples,) or (n_samples, n_outputs)

    Returns
    -------
    float

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


def _layer_outputs(mlp, X):
    """The activations of every hidden layer of ``mlp`` on ``X``, then its output."""
    outputs, h = [], X
    for w, b, codes in zip(mlp.weights, mlp.biases, mlp.activations):
        z = h @ w + b
        h = np.empty_like(z)
        for code in np.unique(codes):
            h[:, codes == code] = NUMPY_ACTIVATIONS[code](z[:, codes == code])
        outputs.append(h)
    outputs.append(h @ mlp.weights[-1] + mlp.biases[-1])
    return outputs


def _check_cuts(cuts, depth):
    if cuts is None:
        return [(depth + 1) // 2] if depth > 1 else []
    cuts = sorted(set(cuts))
    if any(not isinstance(c, numbers.Integral) or not 1 <= c < depth for c in cuts):
        raise ValueError(f"cuts must be hidden layers 1..{depth - 1} of the {depth}-layer network, got {cuts}.")
    return cuts


def compress(network, *, cuts=None, X=None, n_samples=4000, input_range=(-1.0, 1.0), random_state=None,
             **params):
    """Replace a deep MLP by a compact one, searched part by part in the latent space.

    The network is cut after the hidden layers in ``cuts``: the first part
    maps the inputs to the activations of the first cut layer, the next maps
    those to the activations of the next cut layer, and the last maps them to
    the output. For each part in turn, :class:`~sk_swat.SWATRegressor` fits
    the part's function, with the outputs of the replacements found so far
    as its inputs (so a part corrects what the parts before it missed) and
    the original network's values at the cut as its targets; the
    replacements are then composed (:func:`compose`).

    Parameters
    ----------
    network : SparseMLP or torch.nn.Sequential
        The network to compress; a ``Sequential`` is read by
        :meth:`SparseMLP.from_torch <sk_swat.mlp.SparseMLP.from_torch>`. Every
        cut layer may keep at most as many neurons as the autoencoder has
        outputs (7 for one pretrained with ``--max-outputs 7``) and at most 16.
    cuts : sequence of int, default=None
        Hidden layers (1 = the first) after which the network is cut. None
        cuts once, after the middle hidden layer.
    X : array-like of shape (n_samples, n_inputs), default=None
        Inputs on which the parts are fitted. None draws ``n_samples`` rows
        uniformly from ``input_range``.
    n_samples : int, default=4000
        Rows drawn when ``X`` is None.
    input_range : (float, float), default=(-1.0, 1.0)
        Range of each input when ``X`` is None.
    random_state : int, RandomState instance or None, default=None
        Seeds the drawn inputs and every part's search.
    **params
        Parameters of :class:`~sk_swat.SWATRegressor` for every part (for
        example ``autoencoder`` or ``depths``).

    Returns
    -------
    SparseMLP
        The compressed network, on the original network's inputs and outputs.

    See Also
    --------
    relative_functional_error : How far the compressed network is from the original.
    """
    from ._regressor import SWATRegressor

    mlp = _as_sparse_mlp(network)
    cuts = _check_cuts(cuts, mlp.depth)
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
    values = _layer_outputs(mlp, X)
    targets = [values[c - 1] for c in cuts] + [values[-1]]
    parts, inputs = [], X
    for target in targets:
        target = target[:, 0] if target.shape[1] == 1 else target
        reg = SWATRegressor(random_state=rng.randint(np.iinfo(np.int32).max), **params).fit(inputs, target)
        part = reg._network_on_raw_data()
        parts.append(part)
        inputs = part.predict(inputs).reshape(len(X), -1)
    return compose(*parts)
