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

A family of wider layouts holds MLPs with up to ``max_outputs`` outputs (1 to
:data:`MAX_OUTPUTS`): the output block becomes ``max_outputs`` columns of
output weights (column ``53 + k``, row ``h``: the weight from neuron ``h`` of
the last hidden layer to output ``k``) and one column of output biases (row
``k``: the bias of output ``k``), followed by the four mask columns, so that a
token matrix has :func:`token_width` ``(max_outputs) = 58 + max_outputs``
columns. ``max_outputs=1`` is the layout above, column for column. An MLP with
fewer outputs than its layout holds leaves the other output columns and bias
rows empty (and not real). Functions given a token matrix read
``max_outputs`` from its width; the others take it as a keyword (default 1).

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
#: Most outputs a token layout can hold (:func:`token_width`).
MAX_OUTPUTS = 7
_FIRST_BLOCK = MAX_INPUTS + 1 + N_ACTIVATIONS
_HIDDEN_BLOCK = MAX_NEURONS + 1 + N_ACTIVATIONS


#: First column of the output block: the columns before it are the four hidden-layer blocks.
_OUTPUT_START = _FIRST_BLOCK + _HIDDEN_BLOCK * (MAX_DEPTH - 1)
#: Width of a one-output token matrix: four hidden-layer blocks, the output block, four mask columns.
TOKEN_WIDTH = _OUTPUT_START + 2 + MAX_DEPTH


def _check_int(name, value, low, high, what):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.")
    if not low <= value <= high:
        raise ValueError(f"The token layout supports {low} to {high} {what}, got {name}={value}.")


def _check_max_outputs(max_outputs):
    _check_int("max_outputs", max_outputs, 1, MAX_OUTPUTS, "outputs")


def _check_n_outputs(n_outputs, max_outputs):
    _check_max_outputs(max_outputs)
    _check_int("n_outputs", n_outputs, 1, max_outputs, f"outputs in a layout of max_outputs={max_outputs}")


def token_width(max_outputs=1):
    """Number of columns of a token matrix whose layout holds up to ``max_outputs`` outputs.

    Parameters
    ----------
    max_outputs : int, default=1
        Outputs the layout holds, 1 to :data:`MAX_OUTPUTS`.

    Returns
    -------
    int
        ``TOKEN_WIDTH - 1 + max_outputs``: 59 for one output, 65 for seven.

    Examples
    --------
    >>> from sk_swat.encoding import token_width
    >>> token_width(), token_width(7)
    (59, 65)
    """
    _check_max_outputs(max_outputs)
    return TOKEN_WIDTH - 1 + int(max_outputs)


def max_outputs_of(tokens):
    """The ``max_outputs`` of a token matrix's layout, read from its width (last dimension).

    Parameters
    ----------
    tokens : array of shape (..., N_TOKENS, width)
        Token matrix (numpy array or torch tensor).

    Returns
    -------
    int
        ``width - TOKEN_WIDTH + 1``.

    Raises
    ------
    ValueError
        If the width is not that of a layout (59 to 65 columns).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.encoding import max_outputs_of
    >>> max_outputs_of(np.zeros((7, 61)))
    3
    """
    width = int(tokens.shape[-1]) if len(tokens.shape) else 0
    if not token_width(1) <= width <= token_width(MAX_OUTPUTS):
        raise ValueError(
            f"A token matrix has {token_width(1)} to {token_width(MAX_OUTPUTS)} columns "
            f"({TOKEN_WIDTH - 1} + max_outputs, max_outputs 1 to {MAX_OUTPUTS}); got shape "
            f"{tuple(tokens.shape)}. Pass token matrices made by sk_swat.encoding or decoded by an autoencoder."
        )
    return width - TOKEN_WIDTH + 1


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
    max_outputs : int
        Outputs the layout holds.
    weights : tuple of slice
        ``weights[0]`` selects ``W1.T`` (all :data:`MAX_INPUTS` columns);
        ``weights[j]`` for ``j >= 1`` selects ``W_{j+1}``.
    biases : tuple of int
        Column of the biases of hidden layer ``j + 1``.
    activations : tuple of slice
        Activation one-hot (or logits) of hidden layer ``j + 1``.
    output_weights : slice
        The ``max_outputs`` columns of output weights (column ``k``: output ``k``).
    output_bias : int
        Column of the output biases (row ``k``: output ``k``).
    masks : slice
        The ``depth`` neuron-mask columns.

    Examples
    --------
    >>> from sk_swat.encoding import layout
    >>> lay = layout(2)
    >>> lay.weights[0], lay.biases[0], lay.activations[0]
    (slice(0, 16, None), 16, slice(17, 20, None))
    >>> lay.output_weights, lay.output_bias, lay.masks
    (slice(53, 54, None), 54, slice(55, 57, None))
    >>> layout(2, max_outputs=3).masks
    slice(57, 59, None)
    """

    depth: int
    max_outputs: int
    weights: tuple
    biases: tuple
    activations: tuple
    output_weights: slice
    output_bias: int
    masks: slice


@lru_cache(maxsize=None)
def layout(depth, max_outputs=1):
    """Return the :class:`TokenLayout` of an MLP with ``depth`` hidden layers.

    Parameters
    ----------
    depth : int
        Number of hidden layers, 1 to :data:`MAX_DEPTH`.
    max_outputs : int, default=1
        Outputs the layout holds, 1 to :data:`MAX_OUTPUTS` (see :func:`token_width`).

    Returns
    -------
    TokenLayout

    Examples
    --------
    >>> from sk_swat.encoding import layout
    >>> layout(2).output_weights, layout(2).output_bias
    (slice(53, 54, None), 54)
    >>> layout(2, max_outputs=7).output_weights, layout(2, max_outputs=7).output_bias
    (slice(53, 60, None), 60)
    """
    _check_depth(depth)
    _check_max_outputs(max_outputs)
    weights, biases, activations = [], [], []
    start = 0
    for j in range(depth):
        n_in = MAX_INPUTS if j == 0 else MAX_NEURONS
        weights.append(slice(start, start + n_in))
        biases.append(start + n_in)
        activations.append(slice(start + n_in + 1, start + n_in + 1 + N_ACTIVATIONS))
        start += n_in + 1 + N_ACTIVATIONS
    bias = _OUTPUT_START + max_outputs
    return TokenLayout(
        depth=depth,
        max_outputs=max_outputs,
        weights=tuple(weights),
        biases=tuple(biases),
        activations=tuple(activations),
        output_weights=slice(_OUTPUT_START, bias),
        output_bias=bias,
        masks=slice(bias + 1, bias + 1 + depth),
    )


def real_entries(depth, n_inputs, *, n_outputs=1, max_outputs=1):
    """Second channel: 1 at the entries a depth-``depth`` MLP really has.

    Parameters
    ----------
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs, 1 to :data:`MAX_INPUTS`.
    n_outputs : int, default=1
        Number of outputs, 1 to ``max_outputs``.
    max_outputs : int, default=1
        Outputs the layout holds (see :func:`token_width`).

    Returns
    -------
    ndarray of shape (N_TOKENS, token_width(max_outputs)), dtype float32
        Read-only (one array per argument set, cached).

    Examples
    --------
    >>> from sk_swat.encoding import real_entries
    >>> int(real_entries(1, 2).sum())  # 7x2 weights, 7 biases, 21 one-hots, 7+1 out, 7 masks
    57
    >>> int(real_entries(1, 2, n_outputs=2, max_outputs=3).sum())  # 7x2+2 out
    65
    """
    _check_depth(depth)
    _check_n_inputs(n_inputs)
    _check_n_outputs(n_outputs, max_outputs)
    return _real_entries(int(depth), int(n_inputs), int(n_outputs), int(max_outputs))


@lru_cache(maxsize=None)
def _real_entries(depth, n_inputs, n_outputs, max_outputs):
    lay = layout(depth, max_outputs)
    real = np.zeros((N_TOKENS, token_width(max_outputs)), dtype=np.float32)
    real[:, lay.weights[0].start : lay.weights[0].start + n_inputs] = 1.0
    real[:, lay.weights[0].stop : lay.activations[-1].stop] = 1.0
    real[:, lay.output_weights.start : lay.output_weights.start + n_outputs] = 1.0
    real[:n_outputs, lay.output_bias] = 1.0
    real[:, lay.masks] = 1.0
    real.flags.writeable = False
    return real


def split_tokens(tokens, depth, n_inputs, n_outputs=1):
    """Cut a token matrix into the parts of the MLP it describes.

    Works on numpy arrays and torch tensors with any leading batch dimensions;
    the parts are views (no copy). Values are taken as they are: whether the
    masks are probabilities or logits is the caller's business. The layout's
    ``max_outputs`` is read from the width of ``tokens``.

    Parameters
    ----------
    tokens : array of shape (..., N_TOKENS, token_width(max_outputs))
        Token matrix.
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs.
    n_outputs : int, default=1
        Number of outputs, 1 to ``max_outputs``.

    Returns
    -------
    dict
        ``weights``: list of ``depth`` arrays in (fan-in, fan-out) order
        except the first, which is ``W1.T`` of shape (..., N_TOKENS, n_inputs);
        ``biases``: list of (..., N_TOKENS); ``activations``: list of
        (..., N_TOKENS, N_ACTIVATIONS); ``masks``: (..., N_TOKENS, depth);
        ``output_weights``: (..., N_TOKENS, n_outputs) (column ``k``: the
        weights into output ``k``); ``output_bias``: (..., n_outputs).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.encoding import split_tokens, TOKEN_WIDTH
    >>> parts = split_tokens(np.zeros((7, TOKEN_WIDTH)), depth=2, n_inputs=3)
    >>> parts["weights"][0].shape, parts["weights"][1].shape
    ((7, 3), (7, 7))
    >>> parts["output_weights"].shape, parts["output_bias"].shape
    ((7, 1), (1,))
    """
    _check_n_inputs(n_inputs)
    max_outputs = max_outputs_of(tokens)
    _check_n_outputs(n_outputs, max_outputs)
    lay = layout(depth, max_outputs)
    first = lay.weights[0]
    outputs = lay.output_weights.start
    weights = [tokens[..., :, first.start : first.start + n_inputs]]
    weights += [tokens[..., :, s] for s in lay.weights[1:]]
    return {
        "weights": weights,
        "biases": [tokens[..., :, c] for c in lay.biases],
        "activations": [tokens[..., :, s] for s in lay.activations],
        "masks": tokens[..., :, lay.masks],
        "output_weights": tokens[..., :, outputs : outputs + n_outputs],
        "output_bias": tokens[..., :n_outputs, lay.output_bias],
    }


def mlp_to_tokens(mlp, *, max_outputs=1):
    """Write a :class:`~sk_swat.mlp.SparseMLP` as a token matrix.

    Parameters
    ----------
    mlp : SparseMLP
        Hidden layers of at most :data:`MAX_NEURONS` neurons (layers narrower
        than that are padded with pruned neurons), at most :data:`MAX_DEPTH`
        of them, at most :data:`MAX_INPUTS` inputs, at most ``max_outputs`` outputs.
    max_outputs : int, default=1
        Outputs the layout holds (see :func:`token_width`).

    Returns
    -------
    values : ndarray of shape (N_TOKENS, token_width(max_outputs)), dtype float64
        Weights, biases, activation one-hots and neuron masks.
    real : ndarray of shape (N_TOKENS, token_width(max_outputs)), dtype float32
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
    >>> three = SparseMLP.random(n_inputs=2, depth=1, n_outputs=3, random_state=0)
    >>> values, real = mlp_to_tokens(three, max_outputs=7)
    >>> values.shape, tokens_to_mlp(values, depth=1, n_inputs=2, n_outputs=3) == three
    ((7, 65), True)
    """
    depth, n_inputs, n_outputs = mlp.depth, mlp.n_inputs, mlp.n_outputs
    _check_depth(depth)
    _check_n_inputs(n_inputs)
    _check_max_outputs(max_outputs)
    if n_outputs > max_outputs:
        raise ValueError(
            f"This MLP has {n_outputs} outputs but the token layout was asked for max_outputs={max_outputs}; "
            f"pass max_outputs={n_outputs} or more (at most {MAX_OUTPUTS})."
        )
    if max(mlp.hidden_widths) > MAX_NEURONS:
        raise ValueError(
            f"The token layout holds at most {MAX_NEURONS} neurons per hidden layer; "
            f"this MLP has layers of {list(mlp.hidden_widths)}."
        )
    full = mlp.padded(MAX_NEURONS)
    values = np.zeros((N_TOKENS, token_width(max_outputs)))
    parts = split_tokens(values, depth, n_inputs, n_outputs)
    parts["weights"][0][...] = full.weights[0].T
    for j in range(1, depth):
        parts["weights"][j][...] = full.weights[j]
    for j in range(depth):
        parts["biases"][j][...] = full.biases[j]
        parts["activations"][j][...] = np.eye(N_ACTIVATIONS)[full.activations[j]]
    parts["masks"][...] = np.stack(full.masks, axis=1)
    parts["output_weights"][...] = full.weights[depth]
    parts["output_bias"][...] = full.biases[depth]
    return values, real_entries(depth, n_inputs, n_outputs=n_outputs, max_outputs=max_outputs)


def tokens_to_mlp(values, depth, n_inputs, *, n_outputs=1, weight_threshold=0.0, mask_threshold=0.5):
    """Read a hard :class:`~sk_swat.mlp.SparseMLP` from a token matrix.

    Parameters
    ----------
    values : array-like of shape (N_TOKENS, token_width(max_outputs))
        Token matrix whose mask columns hold probabilities in [0, 1] and whose
        activation columns hold scores (the largest wins); ``max_outputs`` is
        read from its width.
    depth : int
        Number of hidden layers.
    n_inputs : int
        Number of inputs.
    n_outputs : int, default=1
        Number of outputs, 1 to ``max_outputs``.
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
    if values.ndim != 2 or values.shape[0] != N_TOKENS:
        raise ValueError(
            f"A token matrix has shape ({N_TOKENS}, {TOKEN_WIDTH} - 1 + max_outputs), got {values.shape}."
        )
    parts = split_tokens(values, depth, n_inputs, n_outputs)
    weights = [parts["weights"][0].T] + [w for w in parts["weights"][1:]]
    weights.append(parts["output_weights"])
    weights = [np.where(np.abs(w) < weight_threshold, 0.0, w) for w in weights]
    biases = [b.copy() for b in parts["biases"] + [parts["output_bias"]]]
    masks = [parts["masks"][:, j] >= mask_threshold for j in range(depth)]
    activations = [np.argmax(a, axis=1) for a in parts["activations"]]
    return SparseMLP(weights, biases, activations, masks)
