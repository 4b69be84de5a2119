"""The token-matrix layout that represents an MLP (SWAT-NN, Section III-A).

An MLP with up to :data:`MAX_DEPTH` hidden layers of at most
:data:`MAX_NEURONS` neurons, up to :data:`MAX_INPUTS` inputs and one output is
written as a matrix of :data:`N_TOKENS` rows (tokens) and :data:`TOKEN_WIDTH`
columns. Row ``h`` of every block belongs to neuron ``h`` of a layer:

==========================  ================================================
columns                     content
==========================  ================================================
0-19: hidden layer 1        ``W1.T`` (neuron ``h`` x input, 16 columns),
                            bias of neuron ``h``, activation one-hot of
                            neuron ``h`` (sigmoid, tanh, leaky ReLU)
20-30, 31-41, 42-52:        ``W_j`` (row ``h`` = outgoing weights of neuron
hidden layers 2, 3, 4       ``h`` of layer ``j - 1``), bias and activation
                            one-hot of neuron ``h`` of layer ``j``
53-54: output               outgoing weight of neuron ``h`` of the last
                            hidden layer; output bias (row 0)
55-58: masks                1 where neuron ``h`` of layer ``j`` is kept
==========================  ================================================

Every part has the same columns whatever the depth: a depth-``k`` MLP leaves
the blocks of layers ``k + 1 .. 4`` and their mask columns empty. The first
block is stored transposed (neurons as rows, inputs as columns) so that more
inputs widen the tokens instead of adding tokens: a 16-input MLP still has 7
tokens. A second channel of the same shape (:func:`real_entries`) marks real
entries with 1 and padding with 0.

The functions here slice arrays only, so they work on numpy arrays and on
torch tensors alike (with any leading batch dimensions).
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# ACTIVATIONS fixes the order of the activation one-hot; LEAKY_RELU_SLOPE is imported for the code
# that read all three from here before sk_swat.activations held them.
from .activations import ACTIVATIONS, LEAKY_RELU_SLOPE, N_ACTIVATIONS  # noqa: F401
from .mlp import SparseMLP

#: Most neurons in a hidden layer; also the number of tokens.
MAX_NEURONS = 7
N_TOKENS = MAX_NEURONS
#: Most hidden layers.
MAX_DEPTH = 4
#: Most inputs.
MAX_INPUTS = 16
_FIRST_BLOCK = MAX_INPUTS + 1 + N_ACTIVATIONS
_HIDDEN_BLOCK = MAX_NEURONS + 1 + N_ACTIVATIONS


#: Width of every token matrix: four hidden-layer blocks, the output block, four mask columns.
TOKEN_WIDTH = _FIRST_BLOCK + _HIDDEN_BLOCK * (MAX_DEPTH - 1) + 2 + MAX_DEPTH


def _check_depth(depth):
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)):
        raise TypeError(f"depth must be an int, got {type(depth).__name__}.")
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, got {depth}.")


def _check_n_inputs(n_inputs):
    if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)):
        raise TypeError(f"n_inputs must be an int, got {type(n_inputs).__name__}.")
    if not 1 <= n_inputs <= MAX_INPUTS:
        raise ValueError(
            f"The token layout supports 1 to {MAX_INPUTS} inputs, got {n_inputs}."
        )


@dataclass(frozen=True)
class TokenLayout:
    """Column positions of every part of a depth-``depth`` MLP.

    Made by :func:`layout`, not by hand.

    Parameters
    ----------
    depth : int
        Number of hidden layers.
    weights : tuple of slice
        ``weights[0]`` selects ``W1.T`` (all :data:`MAX_INPUTS` columns);
        ``weights[j]`` for ``j >= 1`` selects ``W_{j+1}``.
    biases : tuple of int
        Column of the biases of hidden layer ``j + 1``.
    activations : tuple of slice
        Activation one-hot (or logits) of hidden layer ``j + 1``.
    output_weights : int
        Column of the output weights.
    output_bias : int
        Column of the output bias (row 0).
    masks : slice
        The ``depth`` neuron-mask columns.

    Examples
    --------
    >>> from sk_swat.encoding import layout
    >>> lay = layout(2)
    >>> lay.weights[0], lay.biases[0], lay.activations[0]
    (slice(0, 16, None), 16, slice(17, 20, None))
    >>> lay.masks
    slice(55, 57, None)
    """

    depth: int
    weights: tuple
    biases: tuple
    activations: tuple
    output_weights: int
    output_bias: int
    masks: slice


@lru_cache(maxsize=None)
def layout(depth):
    """Return the :class:`TokenLayout` of an MLP with ``depth`` hidden layers.

    Parameters
    ----------
    depth : int
        Number of hidden layers, 1 to :data:`MAX_DEPTH`.

    Returns
    -------
    TokenLayout

    Examples
    --------
    >>> from sk_swat.encoding import layout
    >>> layout(2).output_weights
    53
    """
    _check_depth(depth)
    weights, biases, activations = [], [], []
    start = 0
    for j in range(depth):
        n_in = MAX_INPUTS if j == 0 else MAX_NEURONS
        weights.append(slice(start, start + n_in))
        biases.append(start + n_in)
        activations.append(slice(start + n_in + 1, start + n_in + 1 + N_ACTIVATIONS))
        start += n_in + 1 + N_ACTIVATIONS
    output = _FIRST_BLOCK + _HIDDEN_BLOCK * (MAX_DEPTH - 1)
    return TokenLayout(
        depth=depth,
        weights=tuple(weights),
        biases=tuple(biases),
        activations=tuple(activations),
        output_weights=output,
        output_bias=output + 1,
        masks=slice(output + 2, output + 2 + depth),
    )


@lru_cache(maxsize=None)
def real_entries(depth, n_inputs):
    """Second channel: 1 at the entries a depth-``depth`` MLP really has.

    Parameters
    ----------
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs, 1 to :data:`MAX_INPUTS`.

    Returns
    -------
    ndarray of shape (N_TOKENS, TOKEN_WIDTH), dtype float32
        Read-only.

    Examples
    --------
    >>> from sk_swat.encoding import real_entries
    >>> int(real_entries(1, 2).sum())  # 7x2 weights, 7 biases, 21 one-hots, 7+1 out, 7 masks
    57
    """
    _check_n_inputs(n_inputs)
    lay = layout(depth)
    real = np.zeros((N_TOKENS, TOKEN_WIDTH), dtype=np.float32)
    real[:, lay.weights[0].start : lay.weights[0].start + n_inputs] = 1.0
    real[:, lay.weights[0].stop : lay.activations[-1].stop] = 1.0
    real[:, lay.output_weights : lay.masks.stop] = 1.0
    real[1:, lay.output_bias] = 0.0
    real.flags.writeable = False
    return real


def split_tokens(tokens, depth, n_inputs):
    """Cut a token matrix into the parts of the MLP it describes.

    Works on numpy arrays and torch tensors with any leading batch dimensions;
    the parts are views (no copy). Values are taken as they are: whether the
    masks are probabilities or logits is the caller's business.

    Parameters
    ----------
    tokens : array of shape (..., N_TOKENS, TOKEN_WIDTH)
        Token matrix.
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs.

    Returns
    -------
    dict
        ``weights``: list of ``depth`` arrays in (fan-in, fan-out) order
        except the first, which is ``W1.T`` of shape (..., N_TOKENS, n_inputs);
        ``biases``: list of (..., N_TOKENS); ``activations``: list of
        (..., N_TOKENS, N_ACTIVATIONS); ``masks``: (..., N_TOKENS, depth);
        ``output_weights``: (..., N_TOKENS); ``output_bias``: (...).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.encoding import split_tokens, TOKEN_WIDTH
    >>> parts = split_tokens(np.zeros((7, TOKEN_WIDTH)), depth=2, n_inputs=3)
    >>> parts["weights"][0].shape, parts["weights"][1].shape
    ((7, 3), (7, 7))
    """
    _check_n_inputs(n_inputs)
    lay = layout(depth)
    first = lay.weights[0]
    weights = [tokens[..., :, first.start : first.start + n_inputs]]
    weights += [tokens[..., :, s] for s in lay.weights[1:]]
    return {
        "weights": weights,
        "biases": [tokens[..., :, c] for c in lay.biases],
        "activations": [tokens[..., :, s] for s in lay.activations],
        "masks": tokens[..., :, lay.masks],
        "output_weights": tokens[..., :, lay.output_weights],
        "output_bias": tokens[..., 0, lay.output_bias],
    }


def mlp_to_tokens(mlp):
    """Write a :class:`~sk_swat.mlp.SparseMLP` as a token matrix.

    Parameters
    ----------
    mlp : SparseMLP
        Hidden layers of at most :data:`MAX_NEURONS` neurons (layers narrower
        than that are padded with pruned neurons), at most :data:`MAX_DEPTH`
        of them, at most :data:`MAX_INPUTS` inputs.

    Returns
    -------
    values : ndarray of shape (N_TOKENS, TOKEN_WIDTH), dtype float64
        Weights, biases, activation one-hots and neuron masks.
    real : ndarray of shape (N_TOKENS, TOKEN_WIDTH), dtype float32
        The second channel (:func:`real_entries`).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.mlp import SparseMLP
    >>> from sk_swat.encoding import mlp_to_tokens, tokens_to_mlp
    >>> mlp = SparseMLP.random(n_inputs=2, depth=2, random_state=0)
    >>> values, real = mlp_to_tokens(mlp)
    >>> values.shape
    (7, 59)
    >>> tokens_to_mlp(values, depth=2, n_inputs=2) == mlp
    True
    """
    depth, n_inputs = mlp.depth, mlp.n_inputs
    _check_depth(depth)
    _check_n_inputs(n_inputs)
    if max(mlp.hidden_widths) > MAX_NEURONS:
        raise ValueError(
            f"The token layout holds at most {MAX_NEURONS} neurons per hidden layer; "
            f"this MLP has layers of {list(mlp.hidden_widths)}."
        )
    full = mlp.padded(MAX_NEURONS)
    values = np.zeros((N_TOKENS, TOKEN_WIDTH))
    parts = split_tokens(values, depth, n_inputs)
    parts["weights"][0][...] = full.weights[0].T
    for j in range(1, depth):
        parts["weights"][j][...] = full.weights[j]
    for j in range(depth):
        parts["biases"][j][...] = full.biases[j]
        parts["activations"][j][...] = np.eye(N_ACTIVATIONS)[full.activations[j]]
    parts["masks"][...] = np.stack(full.masks, axis=1)
    parts["output_weights"][...] = full.weights[depth][:, 0]
    values[0, layout(depth).output_bias] = full.biases[depth][0]
    return values, real_entries(depth, n_inputs)


def tokens_to_mlp(values, depth, n_inputs, *, weight_threshold=0.0, mask_threshold=0.5):
    """Read a hard :class:`~sk_swat.mlp.SparseMLP` from a token matrix.

    Parameters
    ----------
    values : array-like of shape (N_TOKENS, TOKEN_WIDTH)
        Token matrix whose mask columns hold probabilities in [0, 1] and whose
        activation columns hold scores (the largest wins).
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs.
    weight_threshold : float, default=0.0
        Weights with ``|w| < weight_threshold`` become exactly zero (biases
        are never thresholded).
    mask_threshold : float, default=0.5
        Neurons whose mask is below this are pruned.

    Returns
    -------
    SparseMLP
        Pruned neurons keep their place (``masks`` False) with zeroed weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.encoding import tokens_to_mlp, TOKEN_WIDTH
    >>> tokens_to_mlp(np.zeros((7, TOKEN_WIDTH)), depth=1, n_inputs=2).architecture["hidden_layer_sizes"]
    [0]
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (N_TOKENS, TOKEN_WIDTH):
        raise ValueError(
            f"A token matrix has shape ({N_TOKENS}, {TOKEN_WIDTH}), got {values.shape}."
        )
    parts = split_tokens(values, depth, n_inputs)
    weights = [parts["weights"][0].T] + [w for w in parts["weights"][1:]]
    weights.append(parts["output_weights"][:, None])
    weights = [np.where(np.abs(w) < weight_threshold, 0.0, w) for w in weights]
    biases = [b.copy() for b in parts["biases"]] + [np.array([parts["output_bias"]])]
    masks = [parts["masks"][:, j] >= mask_threshold for j in range(depth)]
    activations = [np.argmax(a, axis=1) for a in parts["activations"]]
    return SparseMLP(weights, biases, activations, masks)
