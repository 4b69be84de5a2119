"""``SparseMLP``: a hard, sparse MLP held as numpy arrays."""

import numpy as np
import torch

from .activations import ACTIVATIONS, LEAKY_RELU_SLOPE, NUMPY_ACTIVATIONS, NeuronwiseActivation

_PREDICT_BLOCK_ROWS = 16384

__all__ = ["SparseMLP"]


def _as_activation_indices(activation, width):
    codes = []
    for a in np.atleast_1d(np.asarray(activation, dtype=object)) if width else []:
        if isinstance(a, str):
            if a not in ACTIVATIONS:
                raise ValueError(f"Unknown activation {a!r}; expected one of {ACTIVATIONS}.")
            codes.append(ACTIVATIONS.index(a))
        else:
            code = int(a)
            if not 0 <= code < len(ACTIVATIONS) or code != a:
                raise ValueError(
                    f"Activation codes are 0..{len(ACTIVATIONS) - 1} {ACTIVATIONS}, got {a!r}."
                )
            codes.append(code)
    codes = np.asarray(codes, dtype=np.int64)
    if codes.shape != (width,):
        raise ValueError(f"Expected {width} activations for a layer of {width} neurons, got {codes.shape[0]}.")
    return codes


def _activation_codes(layer, width, position, expected):
    """Activation codes of a torch activation module applied to ``width`` neurons."""
    if isinstance(layer, NeuronwiseActivation):
        return layer.codes.cpu().numpy()
    if isinstance(layer, torch.nn.LeakyReLU) and layer.negative_slope != LEAKY_RELU_SLOPE:
        raise ValueError(
            f"Module {position} is LeakyReLU(negative_slope={layer.negative_slope}); the supported slope is "
            f"{LEAKY_RELU_SLOPE}."
        )
    names = {torch.nn.Sigmoid: "sigmoid", torch.nn.Tanh: "tanh", torch.nn.LeakyReLU: "leaky_relu"}
    if type(layer) not in names:
        raise ValueError(f"Module {position} is a {type(layer).__name__}, not a supported activation. "
                         f"Expected {expected}.")
    return np.full(width, ACTIVATIONS.index(names[type(layer)]))


class SparseMLP:
    """A trained MLP with pruned neurons, zero weights and one activation per neuron.

    The network maps ``n_inputs`` features to ``n_outputs`` outputs through
    ``depth`` hidden layers. Hidden neuron ``h`` of layer ``j`` computes
    ``act_jh(x @ weights[j][:, h] + biases[j][h])`` where ``act_jh`` is one of
    :data:`~sk_swat.activations.ACTIVATIONS`; a pruned neuron (``masks[j][h]``
    False) outputs 0. The output is linear. Weights and biases that touch a
    pruned neuron are set to zero on construction, so that equal networks
    compare equal.

    Parameters
    ----------
    weights : list of array-like
        ``depth + 1`` matrices in (fan-in, fan-out) order; the last has one
        column per output.
    biases : list of array-like
        ``depth + 1`` vectors; the last has one entry per output (the output
        biases).
    activations : list of array-like
        ``depth`` vectors, one activation per hidden neuron, as names
        (``"sigmoid"``, ``"tanh"``, ``"leaky_relu"``) or codes 0, 1, 2.
    masks : list of array-like of bool, default=None
        ``depth`` vectors; True keeps a neuron. None keeps every neuron.

    Attributes
    ----------
    n_inputs : int
        Number of input features.
    n_outputs : int
        Number of outputs.
    depth : int
        Number of hidden layers.
    hidden_widths : tuple of int
        Width of each hidden layer, pruned neurons included.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.mlp import SparseMLP
    >>> mlp = SparseMLP(
    ...     weights=[[[1.0, 0.0], [0.0, 2.0]], [[3.0], [0.0]]],
    ...     biases=[[0.0, 0.5], [0.1]],
    ...     activations=[["tanh", "sigmoid"]],
    ...     masks=[[True, False]],
    ... )
    >>> mlp.n_nonzero
    3
    >>> mlp.architecture
    {'n_layers': 1, 'hidden_layer_sizes': [1], 'activations': [['tanh']]}
    >>> mlp.predict(np.array([[0.0, 0.0]]))
    array([0.1])
    """

    def __init__(self, weights, biases, activations, masks=None):
        if not isinstance(weights, (list, tuple)) or len(weights) < 2:
            raise ValueError("weights must be a list of at least 2 matrices (one hidden layer and the output).")
        depth = len(weights) - 1
        if len(biases) != depth + 1:
            raise ValueError(f"Expected {depth + 1} bias vectors, got {len(biases)}.")
        if len(activations) != depth:
            raise ValueError(f"Expected {depth} activation vectors, got {len(activations)}.")
        weights = [np.array(w, dtype=np.float64, ndmin=2) for w in weights]
        if any(w.ndim != 2 for w in weights):
            raise ValueError("Every weight matrix must be 2-D (fan-in, fan-out).")
        biases = [np.array(b, dtype=np.float64, ndmin=1) for b in biases]
        for j in range(depth + 1):
            fan_in, fan_out = weights[j].shape
            if j and fan_in != weights[j - 1].shape[1]:
                raise ValueError(
                    f"weights[{j}] has {fan_in} rows but layer {j} has {weights[j - 1].shape[1]} neurons."
                )
            if biases[j].shape != (fan_out,):
                raise ValueError(f"biases[{j}] must have shape ({fan_out},), got {biases[j].shape}.")
        if weights[-1].shape[1] < 1:
            raise ValueError("The output layer must have at least one column (one per output).")
        widths = tuple(w.shape[1] for w in weights[:-1])
        if masks is None:
            masks = [np.ones(n, dtype=bool) for n in widths]
        if len(masks) != depth:
            raise ValueError(f"Expected {depth} mask vectors, got {len(masks)}.")
        masks = [np.array(m, dtype=bool).reshape(-1) for m in masks]
        for j, (m, n) in enumerate(zip(masks, widths)):
            if m.shape != (n,):
                raise ValueError(f"masks[{j}] must have {n} entries, got {m.shape[0]}.")
        self.activations = [_as_activation_indices(a, n) for a, n in zip(activations, widths)]
        self.masks = masks
        for j in range(depth):
            weights[j][:, ~masks[j]] = 0.0
            weights[j + 1][~masks[j], :] = 0.0
            biases[j][~masks[j]] = 0.0
            self.activations[j][~masks[j]] = 0
        self.weights, self.biases = weights, biases

    @property
    def depth(self):
        """Number of hidden layers."""
        return len(self.weights) - 1

    @property
    def n_inputs(self):
        """Number of input features."""
        return self.weights[0].shape[0]

    @property
    def n_outputs(self):
        """Number of outputs."""
        return self.weights[-1].shape[1]

    @property
    def hidden_widths(self):
        """Width of each hidden layer, pruned neurons included."""
        return tuple(w.shape[1] for w in self.weights[:-1])

    @property
    def n_nonzero(self):
        """Number of non-zero parameters, counted as in SWAT-NN.

        Non-zero weights, plus non-zero biases of kept hidden neurons, plus
        the output bias if it is non-zero. Weights of pruned neurons are zero
        and so do not count.
        """
        count = sum(int(np.count_nonzero(w)) for w in self.weights)
        count += sum(int(np.count_nonzero(b)) for b in self.biases)
        return count

    @property
    def n_neurons(self):
        """Number of kept hidden neurons."""
        return int(sum(m.sum() for m in self.masks))

    @property
    def architecture(self):
        """The kept structure as a plain dict.

        Keys ``n_layers`` (number of hidden layers), ``hidden_layer_sizes``
        (kept neurons per layer) and ``activations`` (the activation name of
        each kept neuron, layer by layer).
        """
        return {
            "n_layers": self.depth,
            "hidden_layer_sizes": [int(m.sum()) for m in self.masks],
            "activations": [
                [ACTIVATIONS[a] for a in act[m]] for act, m in zip(self.activations, self.masks)
            ],
        }

    def predict(self, X):
        """Evaluate the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
            Inputs, on the scale the network was trained on.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The network's output for each row; 1-D for a network of one
            output.
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"X must have shape (n_samples, {self.n_inputs}), got {X.shape}.")
        layers, output_weights, output_bias = self._tanh_form()
        out = np.empty((self.n_outputs, X.shape[0]))
        # Blocks of rows small enough that the hidden activations stay in the CPU's cache.
        for start in range(0, X.shape[0], _PREDICT_BLOCK_ROWS):
            h = X[start : start + _PREDICT_BLOCK_ROWS].T
            for w, b, n_tanh in layers:
                h = w @ h
                h += b
                squashed, leaky = h[:n_tanh], h[n_tanh:]
                np.tanh(squashed, out=squashed)
                np.maximum(leaky, LEAKY_RELU_SLOPE * leaky, out=leaky)
            out[:, start : start + _PREDICT_BLOCK_ROWS] = output_weights @ h + output_bias
        return out[0] if self.n_outputs == 1 else out.T

    def _tanh_form(self):
        """The kept network rewritten for fast evaluation: tanh and leaky ReLU only, neurons by rows.

        A sigmoid is ``(1 + tanh(z / 2)) / 2``: its neuron's incoming weights and bias are halved, and
        the affine part of its output moves into the next layer (half its outgoing weights, and the
        other half added to that layer's biases). Each layer's neurons are reordered tanh first, leaky
        ReLU last, so that a layer's activation is two in-place passes over contiguous rows.

        Returns
        -------
        layers : list of (ndarray, ndarray, int)
            Per hidden layer: weights of shape (n_neurons, n_inputs), biases of shape
            (n_neurons, 1), and the number of leading tanh neurons.
        output_weights : ndarray of shape (n_outputs, n_last)
        output_bias : ndarray of shape (n_outputs, 1)
        """
        small = self.compact()
        scale, shift = np.ones(self.n_inputs), np.zeros(self.n_inputs)  # previous layer's output affine
        order = np.arange(self.n_inputs)  # previous layer's neuron order
        layers = []
        for w, b, codes in zip(small.weights[:-1], small.biases[:-1], small.activations):
            w = w[order]
            half = np.where(codes == 0, 0.5, 1.0)
            weights = half[:, None] * (scale[:, None] * w).T
            biases = half * (b + shift @ w)
            order = np.argsort(codes == 2, kind="stable")
            layers.append((np.ascontiguousarray(weights[order]), biases[order, None],
                           int(np.count_nonzero(codes != 2))))
            scale, shift = half[order], np.where(codes == 0, 0.5, 0.0)[order]
        w = small.weights[-1][order]
        return layers, np.ascontiguousarray((scale[:, None] * w).T), (small.biases[-1] + shift @ w)[:, None]

    def compact(self):
        """Return the same function with pruned neurons removed.

        Returns
        -------
        SparseMLP
            Every neuron kept; hidden widths equal the kept counts.

        Examples
        --------
        >>> from sk_swat.mlp import SparseMLP
        >>> mlp = SparseMLP.random(n_inputs=3, depth=2, random_state=1)
        >>> mlp.hidden_widths, mlp.compact().hidden_widths
        ((7, 7), (5, 4))
        """
        keep = [np.ones(self.n_inputs, dtype=bool)] + self.masks + [np.ones(self.n_outputs, dtype=bool)]
        weights = [w[np.ix_(keep[j], keep[j + 1])] for j, w in enumerate(self.weights)]
        biases = [b[keep[j + 1]] for j, b in enumerate(self.biases)]
        activations = [a[m] for a, m in zip(self.activations, self.masks)]
        return SparseMLP(weights, biases, activations)

    def without_dead_neurons(self, *, keep_one=True, thorough=False):
        """Return the same function with neurons that do no work pruned.

        A kept neuron whose outgoing weights are all zero adds nothing to the
        output; one whose incoming weights are all zero outputs a constant,
        which is moved into the next layer's biases. Both are pruned (their
        biases stop counting in ``n_nonzero``), repeatedly, as pruning one
        neuron can leave another without inputs or outputs.

        Parameters
        ----------
        keep_one : bool, default=True
            Keep at least one neuron in every layer.
        thorough : bool, default=False
            Also cut the incoming weights of a pruned neuron within the
            sweep, so that a neuron whose only outputs went to pruned neurons
            is pruned too. Without it such a neuron stays (it does no work,
            and its weights count); that is what :class:`~sk_swat.SWATRegressor`
            has always done, and its published fits depend on it. The ADMM
            baselines (:func:`~sk_swat.baselines.simplify_mlp`) use
            ``keep_one=False, thorough=True``.

        Returns
        -------
        SparseMLP
            Same outputs, same widths, with fewer or as many kept neurons.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_swat.mlp import SparseMLP
        >>> mlp = SparseMLP([np.array([[1.0, 0.0]]), np.array([[2.0], [3.0]])],
        ...                 [np.array([0.0, 0.5]), np.array([0.1])], [["tanh", "tanh"]])
        >>> small = mlp.without_dead_neurons()
        >>> small.architecture["hidden_layer_sizes"], mlp.n_nonzero, small.n_nonzero
        ([1], 5, 3)
        >>> X = np.array([[0.3], [-1.0]])
        >>> bool(np.allclose(small.predict(X), mlp.predict(X)))
        True
        """
        weights = [w.copy() for w in self.weights]
        biases = [b.copy() for b in self.biases]
        masks = [m.copy() for m in self.masks]
        changed = True
        while changed:
            changed = False
            for j, mask in enumerate(masks):
                for h in np.flatnonzero(mask):
                    if keep_one and mask.sum() == 1:
                        break
                    no_output = not weights[j + 1][h].any()
                    if not (no_output or not weights[j][:, h].any()):
                        continue
                    if not no_output:
                        constant = NUMPY_ACTIVATIONS[self.activations[j][h]](biases[j][h])
                        biases[j + 1] += constant * weights[j + 1][h]
                    mask[h] = False
                    weights[j + 1][h] = 0.0
                    if thorough:
                        weights[j][:, h] = 0.0
                    changed = True
        return SparseMLP(weights, biases, self.activations, masks)

    def summary(self, feature_names=None, *, precision=4):
        """The network as text: the inputs it uses, and every kept neuron as a formula.

        One line per kept neuron, ``h<layer>_<k> = <activation>(<weighted
        sum> + <bias>)`` with only the non-zero weights, then the output.
        Neurons are numbered from 1 within their layer, kept ones only.

        Parameters
        ----------
        feature_names : sequence of str, default=None
            Names of the inputs; ``x0, x1, ...`` if None.
        precision : int, default=4
            Significant digits of the weights and biases.

        Returns
        -------
        str
            Several lines, no trailing newline.

        Examples
        --------
        >>> from sk_swat.mlp import SparseMLP
        >>> mlp = SparseMLP(
        ...     weights=[[[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], [[3.0], [-1.5]]],
        ...     biases=[[0.0, 0.5], [0.1]],
        ...     activations=[["tanh", "sigmoid"]],
        ... )
        >>> print(mlp.summary(["age", "bmi", "bp"]))
        SparseMLP: 3 inputs, 1 hidden layer [2], 6 non-zero parameters
        inputs used (2 of 3): age, bmi
        inputs unused: bp
        hidden layer 1:
          h1_1 = tanh(1*age)
          h1_2 = sigmoid(2*bmi + 0.5)
        output = 3*h1_1 - 1.5*h1_2 + 0.1
        """
        if feature_names is None:
            feature_names = [f"x{i}" for i in range(self.n_inputs)]
        feature_names = [str(name) for name in feature_names]
        if len(feature_names) != self.n_inputs:
            raise ValueError(
                f"feature_names has {len(feature_names)} names but the network has {self.n_inputs} inputs."
            )

        def number(value, first):
            text = f"{abs(value):.{precision}g}"
            if first:
                return text if value >= 0 else f"-{text}"
            return f" + {text}" if value >= 0 else f" - {text}"

        def weighted_sum(w, b, names):
            terms = [number(w[i], not k) + f"*{names[i]}" for k, i in enumerate(np.flatnonzero(w))]
            if b != 0 or not terms:
                terms.append(number(b, not terms))
            return "".join(terms)

        used = self.weights[0].any(axis=1)
        arch = self.architecture
        layers = arch["n_layers"]
        lines = [
            f"SparseMLP: {self.n_inputs} inputs, {layers} hidden layer{'s' if layers != 1 else ''} "
            f"{arch['hidden_layer_sizes']}, {self.n_nonzero} non-zero parameters",
            f"inputs used ({int(used.sum())} of {self.n_inputs}): "
            + (", ".join(n for n, u in zip(feature_names, used) if u) or "none"),
        ]
        if not used.all():
            lines.append("inputs unused: " + ", ".join(n for n, u in zip(feature_names, used) if not u))
        names = feature_names
        for j, mask in enumerate(self.masks):
            lines.append(f"hidden layer {j + 1}:")
            kept = np.flatnonzero(mask)
            for k, h in enumerate(kept):
                w = self.weights[j][:, h] if j == 0 else self.weights[j][np.flatnonzero(self.masks[j - 1]), h]
                lines.append(
                    f"  h{j + 1}_{k + 1} = {ACTIVATIONS[self.activations[j][h]]}"
                    f"({weighted_sum(w, self.biases[j][h], names)})"
                )
            names = [f"h{j + 1}_{k + 1}" for k in range(len(kept))]
        kept = np.flatnonzero(self.masks[-1])
        for k in range(self.n_outputs):
            label = "output" if self.n_outputs == 1 else f"output {k + 1}"
            lines.append(f"{label} = {weighted_sum(self.weights[-1][kept, k], self.biases[-1][k], names)}")
        return "\n".join(lines)

    def padded(self, width):
        """Return the same function with every hidden layer padded to ``width`` neurons.

        Padding neurons are pruned (mask False). Used to write the network in
        the fixed-width token layout.

        Parameters
        ----------
        width : int
            Target width, at least the widest hidden layer.

        Returns
        -------
        SparseMLP
            Hidden layers of ``width`` neurons each.
        """
        extra = [width - n for n in self.hidden_widths]
        if min(extra) < 0:
            raise ValueError(f"Cannot pad layers of {list(self.hidden_widths)} to {width} neurons.")
        pad_rows = [0] + extra
        pad_cols = extra + [0]
        weights = [np.pad(w, ((0, r), (0, c))) for w, r, c in zip(self.weights, pad_rows, pad_cols)]
        biases = [np.pad(b, (0, c)) for b, c in zip(self.biases, pad_cols)]
        activations = [np.pad(a, (0, e)) for a, e in zip(self.activations, extra)]
        masks = [np.pad(m, (0, e)) for m, e in zip(self.masks, extra)]
        return SparseMLP(weights, biases, activations, masks)

    def to_torch(self, dtype=None):
        """Export the kept network as a ``torch.nn.Sequential``.

        Pruned neurons are removed; each hidden layer is a ``torch.nn.Linear``
        followed by a :class:`~sk_swat.activations.NeuronwiseActivation` that applies
        each neuron's own activation. Zero weights stay zero (no masks are
        needed, but training the exported module will fill them in).

        Parameters
        ----------
        dtype : torch.dtype, default=None
            Parameter dtype; ``torch.float32`` if None.

        Returns
        -------
        torch.nn.Sequential
            Maps a (n_samples, n_inputs) tensor to (n_samples, n_outputs).

        Examples
        --------
        >>> import torch
        >>> from sk_swat.mlp import SparseMLP
        >>> mlp = SparseMLP.random(n_inputs=2, depth=2, random_state=0)
        >>> module = mlp.to_torch(dtype=torch.float64)
        >>> X = torch.rand(5, 2, dtype=torch.float64)
        >>> bool(torch.allclose(module(X)[:, 0], torch.from_numpy(mlp.predict(X.numpy()))))
        True
        """
        dtype = torch.float32 if dtype is None else dtype
        small = self.compact()
        layers = []
        for j, (w, b) in enumerate(zip(small.weights, small.biases)):
            linear = torch.nn.Linear(*w.shape, dtype=dtype)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(w.T.copy()))
                linear.bias.copy_(torch.from_numpy(b))
            layers.append(linear)
            if j < small.depth:
                layers.append(NeuronwiseActivation(small.activations[j]))
        return torch.nn.Sequential(*layers)

    @classmethod
    def from_torch(cls, module):
        """Read a ``torch.nn.Sequential`` of ``Linear`` layers and supported activations.

        The inverse of :meth:`to_torch`: ``Linear``, activation, ..., ``Linear``,
        where each activation is ``torch.nn.Sigmoid``, ``torch.nn.Tanh``,
        ``torch.nn.LeakyReLU`` with the package's slope
        (:data:`~sk_swat.activations.LEAKY_RELU_SLOPE`) or a
        :class:`~sk_swat.activations.NeuronwiseActivation`. A ``Linear`` without
        bias reads as zero biases.

        Parameters
        ----------
        module : torch.nn.Sequential
            The network, on any device and in any floating dtype.

        Returns
        -------
        SparseMLP
            Every neuron kept; weights in float64.

        Raises
        ------
        TypeError
            If ``module`` is not a ``Sequential``.
        ValueError
            If its layers do not alternate ``Linear`` and a supported
            activation, starting and ending with ``Linear``.

        Examples
        --------
        >>> import torch
        >>> from sk_swat.mlp import SparseMLP
        >>> module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
        >>> SparseMLP.from_torch(module).architecture
        {'n_layers': 1, 'hidden_layer_sizes': [3], 'activations': [['tanh', 'tanh', 'tanh']]}
        """
        if not isinstance(module, torch.nn.Sequential):
            raise TypeError(f"from_torch expects a torch.nn.Sequential, got {type(module).__name__}.")
        layers = list(module)
        expected = ("Sequential(Linear, activation, Linear, ..., Linear) with activations Sigmoid, Tanh, "
                    f"LeakyReLU(negative_slope={LEAKY_RELU_SLOPE}) or NeuronwiseActivation")
        if len(layers) < 3 or len(layers) % 2 == 0:
            raise ValueError(f"Expected {expected}; got {len(layers)} modules.")
        weights, biases, activations = [], [], []
        for i, layer in enumerate(layers):
            if i % 2 == 0:
                if not isinstance(layer, torch.nn.Linear):
                    raise ValueError(f"Module {i} is a {type(layer).__name__}, not a Linear. Expected {expected}.")
                weight = layer.weight.detach().cpu().double().numpy()
                weights.append(weight.T.copy())
                bias = layer.bias
                biases.append(np.zeros(weight.shape[0]) if bias is None else bias.detach().cpu().double().numpy())
            else:
                activations.append(_activation_codes(layer, weights[-1].shape[1], i, expected))
        return cls(weights, biases, activations)

    @classmethod
    def random(cls, n_inputs, depth, *, width=7, keep_probability=0.5, n_outputs=1, random_state=None):
        """Draw a random MLP as in SWAT-NN's pretraining data.

        Weights from U[-5, 5], biases from U[-1, 1], each neuron kept with
        probability ``keep_probability`` (at least one per layer), activations
        uniform over the candidates.

        Parameters
        ----------
        n_inputs : int
            Number of inputs.
        depth : int
            Number of hidden layers.
        width : int, default=7
            Hidden layer width before pruning.
        keep_probability : float, default=0.5
            Chance that a neuron is kept.
        n_outputs : int, default=1
            Number of outputs.
        random_state : int, RandomState instance or None, default=None
            Seed or generator.

        Returns
        -------
        SparseMLP

        Examples
        --------
        >>> from sk_swat.mlp import SparseMLP
        >>> SparseMLP.random(n_inputs=2, depth=3, random_state=0).depth
        3
        """
        rng = random_state if isinstance(random_state, np.random.RandomState) else np.random.RandomState(random_state)
        sizes = [n_inputs] + [width] * depth + [n_outputs]
        weights = [rng.uniform(-5, 5, (a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
        biases = [rng.uniform(-1, 1, b) for b in sizes[1:]]
        activations = [rng.randint(len(ACTIVATIONS), size=width) for _ in range(depth)]
        masks = []
        for _ in range(depth):
            m = rng.uniform(size=width) < keep_probability
            m[rng.randint(width)] = True
            masks.append(m)
        return cls(weights, biases, activations, masks)

    def __eq__(self, other):
        if not isinstance(other, SparseMLP) or self.hidden_widths != other.hidden_widths:
            return NotImplemented if not isinstance(other, SparseMLP) else False
        pairs = zip(
            self.weights + self.biases + self.activations + self.masks,
            other.weights + other.biases + other.activations + other.masks,
        )
        return self.n_inputs == other.n_inputs and all(np.array_equal(a, b) for a, b in pairs)

    __hash__ = None

    def __repr__(self):
        arch = self.architecture
        return (
            f"SparseMLP(n_inputs={self.n_inputs}, hidden_layer_sizes={arch['hidden_layer_sizes']}, "
            f"n_nonzero={self.n_nonzero})"
        )
