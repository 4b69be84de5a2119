"""Configurations of the MLP autoencoders: ``SWATAutoencoderConfig`` (GPT-2) and ``SWATCNNAutoencoderConfig`` (CNN)."""

from transformers import PretrainedConfig

from .. import encoding

#: Version of the token layout; a checkpoint written for another layout cannot be read. The layouts
#: of more than one output (``max_outputs``) keep version 1: ``max_outputs=1`` is that layout column
#: for column, and a wider one has another ``token_width``, which older versions refuse.
LAYOUT_VERSION = 1

__all__ = ["SWATAutoencoderConfig", "SWATCNNAutoencoderConfig", "config_class"]


class _TokenLayoutConfig(PretrainedConfig):
    """What every sk-swat autoencoder configuration holds: ``value_scale`` and the token layout.

    Subclasses name their size parameters in ``size_names`` (checked by
    :meth:`check_compatible`) and define ``latent_shape``.
    """

    # The architecture in words, for reports.
    architecture_label = ""

    # The parameters that make the model (positive integers): a resumed pretraining run cannot change them.
    size_names = ()
    # Other parameters that make the model (checked by the subclass).
    other_architecture_names = ()

    def __init__(
        self,
        value_scale=5.0,
        layout_version=LAYOUT_VERSION,
        n_tokens=encoding.N_TOKENS,
        token_width=None,
        max_depth=encoding.MAX_DEPTH,
        max_inputs=encoding.MAX_INPUTS,
        activations=encoding.ACTIVATIONS,
        max_outputs=1,
        **kwargs,
    ):
        self.value_scale = value_scale
        self.layout_version = layout_version
        self.n_tokens = n_tokens
        self.max_outputs = max_outputs
        # It follows from max_outputs; recorded so that older versions refuse a wider layout.
        self.token_width = _token_width(max_outputs) if token_width is None else token_width
        self.max_depth = max_depth
        self.max_inputs = max_inputs
        self.activations = list(activations)
        super().__init__(**kwargs)

    @classmethod
    def architecture_names(cls):
        """The parameters that make the model: a resumed pretraining run cannot change them."""
        return ("model_type", *cls.size_names, *cls.other_architecture_names, "value_scale", "max_outputs")

    def describe(self):
        """The architecture and the parameters that make the model, in one line, for reports.

        Returns
        -------
        str

        Examples
        --------
        >>> from sk_swat.autoencoder import SWATCNNAutoencoderConfig
        >>> SWATCNNAutoencoderConfig().describe()
        'CNN, channels=8, latent_size=128, n_conv_layers=7, n_fc_layers=4, fc_size=128, value_scale=1.0'
        """
        # max_outputs only when it is not the one-output layout, so that reports read as they did before it.
        names = [n for n in self.architecture_names()[1:] if n != "max_outputs" or self.max_outputs != 1]
        sizes = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.architecture_label}, {sizes}"

    def check_compatible(self):
        """Raise ``ValueError`` unless this config matches this package's token layout and its sizes make a model."""
        for name in self.size_names:
            value = getattr(self, name, None)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        self._check_sizes()
        value_scale = getattr(self, "value_scale", None)
        if isinstance(value_scale, bool) or not isinstance(value_scale, (int, float)) or not value_scale > 0:
            raise ValueError(f"value_scale must be a positive number, got {value_scale!r}.")
        max_outputs = getattr(self, "max_outputs", 1)
        if _token_width(max_outputs) is None:
            raise ValueError(
                f"max_outputs must be an integer from 1 to {encoding.MAX_OUTPUTS} (the outputs the token layout "
                f"holds), got {max_outputs!r}."
            )
        expected = {
            "layout_version": LAYOUT_VERSION,
            "n_tokens": encoding.N_TOKENS,
            "token_width": _token_width(max_outputs),
            "max_depth": encoding.MAX_DEPTH,
            "max_inputs": encoding.MAX_INPUTS,
            "activations": list(encoding.ACTIVATIONS),
        }
        found = {key: getattr(self, key, None) for key in expected}
        found["activations"] = list(found["activations"] or [])
        wrong = {k: v for k, v in found.items() if v != expected[k]}
        if set(wrong) == {"token_width"}:
            raise ValueError(
                f"token_width={self.token_width!r} does not match max_outputs={max_outputs!r}: a token matrix of "
                f"up to {max_outputs} outputs has {expected['token_width']} columns ({encoding.TOKEN_WIDTH - 1} + "
                "max_outputs). Leave token_width out (it follows from max_outputs), or give the max_outputs the "
                "model was made for."
            )
        if wrong:
            raise ValueError(
                "This autoencoder was written for a different MLP token layout "
                f"({', '.join(f'{k}={v!r} (this package: {expected[k]!r})' for k, v in wrong.items())}). "
                "Use an autoencoder pretrained with this version of sk-swat, or install the "
                "sk-swat version it was made with."
            )

    def _check_sizes(self):
        """Checks of the sizes beyond their being positive integers (none by default)."""


def _token_width(max_outputs):
    """:func:`sk_swat.encoding.token_width` of ``max_outputs``, or None if it is not a valid count."""
    try:
        return encoding.token_width(max_outputs)
    except (TypeError, ValueError):
        return None


class SWATAutoencoderConfig(_TokenLayoutConfig):
    """Configuration of a :class:`~sk_swat.autoencoder.SWATAutoencoder`.

    The token layout (7 tokens, up to 4 hidden layers of 7 neurons, up to 16
    inputs, 3 activations) is fixed by :mod:`sk_swat.encoding`; the
    configuration records it so that a checkpoint written for a different
    layout is refused on loading.

    Parameters
    ----------
    hidden_size : int, default=128
        Width of the GPT-2 stacks; the latent of one MLP is
        ``N_TOKENS x hidden_size``.
    n_encoder_layers : int, default=2
        GPT-2 blocks in the encoder.
    n_decoder_layers : int, default=2
        GPT-2 blocks in each decoder trunk.
    n_head : int, default=4
        Attention heads.
    shared_decoder_trunk : bool, default=True
        One GPT-2 decoder trunk shared by the per-depth output heads (True)
        or one GPT-2 decoder per depth, as in the paper (False).
    **kwargs
        ``value_scale`` (float, default 5.0): token values are divided by
        this on the way in and decoded weights and biases multiplied by it
        on the way out, so that the networks see values of order one
        (pretraining weights are drawn from U[-5, 5]). The token layout,
        recorded in ``config.json`` so that :meth:`check_compatible` can
        refuse a checkpoint written for another layout (leave them at their
        defaults): ``layout_version``, ``n_tokens``, ``token_width``,
        ``max_depth``, ``max_inputs`` (those of :mod:`sk_swat.encoding`: 7,
        59, 4 and 16) and ``activations`` (the candidates in one-hot order).
        ``max_outputs`` (int, default 1): the most outputs of the MLPs the
        model encodes, 1 to :data:`~sk_swat.encoding.MAX_OUTPUTS`;
        ``token_width`` follows from it (:func:`sk_swat.encoding.token_width`)
        and a config whose ``token_width`` does not is refused. A
        ``config.json`` without it (written before it existed) is read as
        ``max_outputs=1``. The rest goes to :class:`transformers.PretrainedConfig`.

    Examples
    --------
    >>> from sk_swat.autoencoder import SWATAutoencoderConfig
    >>> config = SWATAutoencoderConfig(hidden_size=64)
    >>> config.latent_shape
    (7, 64)
    >>> SWATAutoencoderConfig(max_outputs=3).token_width
    61
    """

    model_type = "swat_autoencoder"
    architecture_label = "GPT-2"

    size_names = ("hidden_size", "n_encoder_layers", "n_decoder_layers", "n_head")
    other_architecture_names = ("shared_decoder_trunk",)

    def __init__(
        self,
        hidden_size=128,
        n_encoder_layers=2,
        n_decoder_layers=2,
        n_head=4,
        shared_decoder_trunk=True,
        **kwargs,
    ):
        self.hidden_size = hidden_size
        self.n_encoder_layers = n_encoder_layers
        self.n_decoder_layers = n_decoder_layers
        self.n_head = n_head
        self.shared_decoder_trunk = shared_decoder_trunk
        super().__init__(**kwargs)

    @property
    def latent_shape(self):
        """Shape of the latent of one MLP, ``(n_tokens, hidden_size)``."""
        return (self.n_tokens, self.hidden_size)

    def _check_sizes(self):
        if self.hidden_size % self.n_head:
            raise ValueError(f"hidden_size={self.hidden_size} must be a multiple of n_head={self.n_head}.")


class SWATCNNAutoencoderConfig(_TokenLayoutConfig):
    """Configuration of a :class:`~sk_swat.autoencoder.SWATCNNAutoencoder`, the CNN of the 2024 paper.

    One convolutional encoder and one decoder per depth around a shared
    stack of fully connected (FC) layers (see the model's docstring). The
    2024 paper uses ``n_conv_layers=7`` and ``n_fc_layers=4`` (its reference
    code a latent of 128); it does not give the channel and FC widths. The
    defaults keep the model small (0.59 M parameters) so that it pretrains on
    a CPU.

    Parameters
    ----------
    channels : int, default=8
        Channels of every convolutional layer.
    latent_size : int, default=128
        Length of the latent vector of one MLP.
    n_conv_layers : int, default=7
        Convolutional layers of each encoder (and, mirrored, of each
        decoder). The 2nd, 4th, 6th, ... halve the token width (59 -> 30 ->
        15 -> 8); the others keep the shape and are residual.
    n_fc_layers : int, default=4
        FC layers from the concatenated encoder outputs to the latent, and
        again from the latent to the decoders' inputs; the inner ones are
        residual, with layer normalisation (a plain stack did not learn).
    fc_size : int, default=128
        Width of the hidden FC layers.
    value_scale : float, default=1.0
        Token values are divided by this on the way in and decoded weights and biases multiplied
        by it on the way out, as in :class:`SWATAutoencoderConfig` (whose default is 5.0).
        Pretraining's reconstruction term counts weights in units of it, so 1.0 weighs it 25 times
        more than 5.0 does: with 5.0 the CNN's functional loss drove the decoded first-layer weights
        to zero (a constant function) before the reconstruction term could teach them, and it did not
        learn the papers' basic setting (:ref:`benchmarks`).
    **kwargs
        The token layout (``layout_version``, ``n_tokens``, ``token_width``,
        ``max_depth``, ``max_inputs``, ``activations``, as in
        :class:`SWATAutoencoderConfig`; leave them at their defaults),
        ``max_outputs`` (default 1, as in :class:`SWATAutoencoderConfig`) and
        :class:`transformers.PretrainedConfig`'s parameters.

    Examples
    --------
    >>> from sk_swat.autoencoder import SWATCNNAutoencoderConfig
    >>> config = SWATCNNAutoencoderConfig(latent_size=32)
    >>> config.latent_shape, config.model_type
    ((32,), 'swat_cnn_autoencoder')
    >>> SWATCNNAutoencoderConfig(channels=0).check_compatible()
    Traceback (most recent call last):
    ...
    ValueError: channels must be a positive integer, got 0.
    """

    model_type = "swat_cnn_autoencoder"
    architecture_label = "CNN"

    size_names = ("channels", "latent_size", "n_conv_layers", "n_fc_layers", "fc_size")

    def __init__(self, channels=8, latent_size=128, n_conv_layers=7, n_fc_layers=4, fc_size=128, value_scale=1.0,
                 **kwargs):
        self.channels = channels
        self.latent_size = latent_size
        self.n_conv_layers = n_conv_layers
        self.n_fc_layers = n_fc_layers
        self.fc_size = fc_size
        super().__init__(value_scale=value_scale, **kwargs)

    @property
    def latent_shape(self):
        """Shape of the latent of one MLP, ``(latent_size,)``."""
        return (self.latent_size,)


#: The configuration class of each ``model_type``.
CONFIG_CLASSES = {cls.model_type: cls for cls in (SWATAutoencoderConfig, SWATCNNAutoencoderConfig)}


def config_class(model_type=None):
    """The configuration class of an sk-swat autoencoder's ``model_type``.

    Parameters
    ----------
    model_type : str or None, default=None
        ``"swat_autoencoder"`` (GPT-2; also for None) or
        ``"swat_cnn_autoencoder"`` (CNN).

    Returns
    -------
    type
        :class:`SWATAutoencoderConfig` or :class:`SWATCNNAutoencoderConfig`.

    Raises
    ------
    ValueError
        For any other ``model_type``.

    Examples
    --------
    >>> from sk_swat.autoencoder.configuration import config_class
    >>> config_class("swat_cnn_autoencoder").__name__
    'SWATCNNAutoencoderConfig'
    """
    model_type = SWATAutoencoderConfig.model_type if model_type is None else model_type
    if model_type not in CONFIG_CLASSES:
        raise ValueError(
            f"model_type={model_type!r} is not an sk-swat autoencoder; expected one of "
            f"{', '.join(map(repr, CONFIG_CLASSES))}."
        )
    return CONFIG_CLASSES[model_type]
