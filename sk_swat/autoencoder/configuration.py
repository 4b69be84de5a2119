"""``SWATAutoencoderConfig``: the hyper-parameters of the MLP autoencoder."""

from transformers import PretrainedConfig

from .. import encoding

#: Version of the token layout; a checkpoint written for another layout cannot be read.
LAYOUT_VERSION = 1


class SWATAutoencoderConfig(PretrainedConfig):
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
    value_scale : float, default=5.0
        Token values are divided by this on the way in and decoded weights and
        biases multiplied by it on the way out, so that the networks see
        values of order one (pretraining weights are drawn from U[-5, 5]).
    layout_version : int, default=LAYOUT_VERSION
        Version of the token layout the weights were trained for.
    n_tokens, token_width, max_depth, max_inputs : int
        The token layout (defaults: those of :mod:`sk_swat.encoding`, 7, 59,
        4 and 16). Recorded in ``config.json`` so that
        :meth:`check_compatible` can refuse a checkpoint written for another
        layout; leave them at their defaults.
    activations : sequence of str, default=("sigmoid", "tanh", "leaky_relu")
        The candidate activations, in one-hot order; recorded likewise.
    **kwargs
        Passed to :class:`transformers.PretrainedConfig`.

    Examples
    --------
    >>> from sk_swat.autoencoder import SWATAutoencoderConfig
    >>> config = SWATAutoencoderConfig(hidden_size=64)
    >>> config.latent_shape
    (7, 64)
    """

    model_type = "swat_autoencoder"

    def __init__(
        self,
        hidden_size=128,
        n_encoder_layers=2,
        n_decoder_layers=2,
        n_head=4,
        shared_decoder_trunk=True,
        value_scale=5.0,
        layout_version=LAYOUT_VERSION,
        n_tokens=encoding.N_TOKENS,
        token_width=encoding.TOKEN_WIDTH,
        max_depth=encoding.MAX_DEPTH,
        max_inputs=encoding.MAX_INPUTS,
        activations=encoding.ACTIVATIONS,
        **kwargs,
    ):
        self.hidden_size = hidden_size
        self.n_encoder_layers = n_encoder_layers
        self.n_decoder_layers = n_decoder_layers
        self.n_head = n_head
        self.shared_decoder_trunk = shared_decoder_trunk
        self.value_scale = value_scale
        self.layout_version = layout_version
        self.n_tokens = n_tokens
        self.token_width = token_width
        self.max_depth = max_depth
        self.max_inputs = max_inputs
        self.activations = list(activations)
        super().__init__(**kwargs)

    @property
    def latent_shape(self):
        """Shape of the latent of one MLP, ``(n_tokens, hidden_size)``."""
        return (self.n_tokens, self.hidden_size)

    def check_compatible(self):
        """Raise ``ValueError`` unless this config matches this package's token layout and its sizes make a model."""
        for name in ("hidden_size", "n_encoder_layers", "n_decoder_layers", "n_head"):
            value = getattr(self, name, None)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if self.hidden_size % self.n_head:
            raise ValueError(f"hidden_size={self.hidden_size} must be a multiple of n_head={self.n_head}.")
        value_scale = getattr(self, "value_scale", None)
        if isinstance(value_scale, bool) or not isinstance(value_scale, (int, float)) or not value_scale > 0:
            raise ValueError(f"value_scale must be a positive number, got {value_scale!r}.")
        expected = {
            "layout_version": LAYOUT_VERSION,
            "n_tokens": encoding.N_TOKENS,
            "token_width": encoding.TOKEN_WIDTH,
            "max_depth": encoding.MAX_DEPTH,
            "max_inputs": encoding.MAX_INPUTS,
            "activations": list(encoding.ACTIVATIONS),
        }
        found = {key: getattr(self, key, None) for key in expected}
        found["activations"] = list(found["activations"] or [])
        wrong = {k: v for k, v in found.items() if v != expected[k]}
        if wrong:
            raise ValueError(
                "This autoencoder was written for a different MLP token layout "
                f"({', '.join(f'{k}={v!r} (this package: {expected[k]!r})' for k, v in wrong.items())}). "
                "Use an autoencoder pretrained with this version of sk-swat, or install the "
                "sk-swat version it was made with."
            )
