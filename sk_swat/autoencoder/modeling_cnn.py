"""``SWATCNNAutoencoder``: the multi-scale convolutional autoencoder of the 2024 paper (Section 3.1)."""

import torch
from torch import nn

from .. import encoding
from .base import SWATPreTrainedModel
from .configuration import SWATCNNAutoencoderConfig

__all__ = ["SWATCNNAutoencoder"]



def _downsamples(i):
    """Whether convolutional layer ``i`` (0-based) of an encoder halves the token width."""
    return i % 2 == 1


def _widths(n_conv_layers, token_width=encoding.TOKEN_WIDTH):
    """Token width after each convolutional layer of an encoder (59, 59, 30, 30, 15, 15, 8 for 7 layers)."""
    widths = [token_width]
    for i in range(1, n_conv_layers):
        widths.append((widths[-1] + 1) // 2 if _downsamples(i) else widths[-1])
    return widths


class _ResidualFC(nn.Module):
    """``x + linear(gelu(layer_norm(x)))``: a fully connected layer that keeps its input's path open."""

    def __init__(self, width):
        super().__init__()
        self.norm, self.linear, self.act = nn.LayerNorm(width), nn.Linear(width, width), nn.GELU()

    def forward(self, x):
        return x + self.linear(self.act(self.norm(x)))


def _fc_stack(n_in, n_out, n_layers, width):
    """``n_layers`` fully connected layers from ``n_in`` to ``n_out`` features, ``width`` wide inside.

    The inner layers are residual and normalised (:class:`_ResidualFC`). With a plain stack of GELU
    layers instead, the autoencoder did not learn to pass the weights through: on 16 random MLPs its
    reconstruction loss stayed at that of predicting zero weights (0.222) for 600 Adam steps at a
    learning rate of 3e-4, where this stack brought it to 0.0009.
    """
    if n_layers == 1:
        return nn.Linear(n_in, n_out)
    inner = [_ResidualFC(width) for _ in range(n_layers - 2)]
    return nn.Sequential(nn.Linear(n_in, width), *inner, nn.LayerNorm(width), nn.Linear(width, n_out))


class _ConvStack(nn.Module):
    """Convolutional layers around a normalised path: ``x + conv(gelu(norm(x)))`` or ``conv(norm(x))``.

    The layers that keep the shape are residual blocks with a GELU inside; the others (the layers
    that halve or double the width, and the last one of a decoder) are linear, after a
    ``GroupNorm(1, channels)`` (a layer norm over the whole map). The first layer of an encoder
    (``norm_first=False``) sees the token matrix itself and is applied plainly.

    Without the normalisation (GELU after every convolution, PyTorch's default initialisation), the
    part of the activations that depends on the MLP shrank layer by layer, and the latent hardly
    depended on the MLP at initialisation.
    """

    def __init__(self, layers, residual, norm_first=True):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.residual = residual
        self.norms = nn.ModuleList(
            nn.GroupNorm(1, layer.in_channels) if (i or norm_first) else nn.Identity()
            for i, layer in enumerate(layers)
        )
        self.act = nn.GELU()

    def forward(self, x):
        for layer, norm, residual in zip(self.layers, self.norms, self.residual):
            x = x + layer(self.act(norm(x))) if residual else layer(norm(x))
        return x


def _encoder(config):
    """Conv layers from the two channels of a token matrix to ``channels`` maps of the last width."""
    c, n = config.channels, config.n_conv_layers
    layers = [nn.Conv2d(2, c, 3, padding=1)]
    layers += [nn.Conv2d(c, c, 3, stride=(1, 2) if _downsamples(i) else 1, padding=1) for i in range(1, n)]
    return _ConvStack(layers, [False] + [not _downsamples(i) for i in range(1, n)], norm_first=False)


def _decoder(config):
    """The mirror of :func:`_encoder`: transposed convs double the width back, a last conv gives one channel."""
    c, n = config.channels, config.n_conv_layers
    widths = _widths(n, config.token_width)
    layers, residual = [], []
    for i in reversed(range(1, n)):
        if _downsamples(i):
            extra = widths[i - 1] - (2 * widths[i] - 1)  # the width the encoder halved, odd or even
            layers.append(nn.ConvTranspose2d(c, c, 3, stride=(1, 2), padding=1, output_padding=(0, extra)))
        else:
            layers.append(nn.Conv2d(c, c, 3, padding=1))
        residual.append(not _downsamples(i))
    layers.append(nn.Conv2d(c, 1, 3, padding=1))
    return _ConvStack(layers, residual + [False])


class SWATCNNAutoencoder(SWATPreTrainedModel):
    """Multi-scale convolutional autoencoder of MLPs (the 2024 SWAT paper, Section 3.1).

    The interface of :class:`SWATAutoencoder`, with a CNN inside:

    - **Encoders**, one per depth, act as a multiplexer: the token matrix of a
      depth-``k`` MLP (its two channels, values divided by ``value_scale``
      and the ``real`` marks, as a 2 x 7 x 59 image for one output) goes through encoder
      ``k`` only, ``n_conv_layers`` 3 x 3 convolutions of ``channels``
      maps (every second one halves the width; the others are residual);
      the other encoders contribute zeros. The depth is read from ``real``:
      the number of mask columns it marks.
    - The four encoder outputs, concatenated, go through ``n_fc_layers`` FC
      layers to the latent ``z`` of shape ``(latent_size,)``.
    - **Decoding**: ``n_fc_layers`` FC layers from ``z`` back to four
      encoder-sized outputs (shared by the depths), one per decoder; decoder
      ``k`` mirrors encoder ``k`` with transposed convolutions back to a 7 x ``config.token_width``
      token matrix: weights and biases (in units of ``value_scale``),
      activation and neuron-mask logits, as :class:`SWATAutoencoder` decodes.

    Decoding, ``forward`` and ``save_pretrained`` are shared with the GPT-2
    model (:class:`~sk_swat.autoencoder.base.SWATPreTrainedModel`).

    Parameters
    ----------
    config : SWATCNNAutoencoderConfig
        Channels, layers and latent size of the CNN.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder import SWATCNNAutoencoder, SWATCNNAutoencoderConfig
    >>> from sk_swat.autoencoder.random_mlps import random_mlp_tokens
    >>> from sk_swat.torch_mlp import real_entries_tensor
    >>> model = SWATCNNAutoencoder(SWATCNNAutoencoderConfig(channels=4, latent_size=16, fc_size=32))
    >>> tokens = random_mlp_tokens(3, depth=2, n_inputs=2)
    >>> z = model.encode(tokens, real_entries_tensor(2, 2))
    >>> z.shape
    torch.Size([3, 16])
    >>> model.decode(z, depth=3).shape
    torch.Size([3, 7, 59])
    """

    config_class = SWATCNNAutoencoderConfig
    base_model_prefix = "swat_cnn_autoencoder"

    def __init__(self, config):
        super().__init__(config)
        config.check_compatible()
        self._map_shape = (config.channels, encoding.N_TOKENS, _widths(config.n_conv_layers, config.token_width)[-1])
        per_depth = config.channels * encoding.N_TOKENS * self._map_shape[-1]
        self.encoders = nn.ModuleList(_encoder(config) for _ in range(encoding.MAX_DEPTH))
        self.encoder_fc = _fc_stack(encoding.MAX_DEPTH * per_depth, config.latent_size, config.n_fc_layers,
                                    config.fc_size)
        self.decoder_fc = _fc_stack(config.latent_size, encoding.MAX_DEPTH * per_depth, config.n_fc_layers,
                                    config.fc_size)
        self.decoders = nn.ModuleList(_decoder(config) for _ in range(encoding.MAX_DEPTH))
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            module.reset_parameters()

    @staticmethod
    def input_depths(real):
        """Depth of each encoded MLP, read from its ``real`` channel.

        Parameters
        ----------
        real : Tensor of shape (N_TOKENS, width) or (batch, N_TOKENS, width)
            Second channel of the token matrices: a depth-``k`` MLP marks its
            first ``k`` mask columns real (``max_outputs`` is read from the width).

        Returns
        -------
        Tensor of shape () or (batch,), dtype int64
            The number of hidden layers of each MLP.

        Raises
        ------
        ValueError
            If a ``real`` channel marks no mask column, or more than ``MAX_DEPTH``.

        Examples
        --------
        >>> from sk_swat.autoencoder import SWATCNNAutoencoder
        >>> from sk_swat.torch_mlp import real_entries_tensor
        >>> int(SWATCNNAutoencoder.input_depths(real_entries_tensor(3, 2)))
        3
        """
        masks = encoding.layout(encoding.MAX_DEPTH, encoding.max_outputs_of(real)).masks
        depths = real[..., 0, masks].sum(-1).round().long()
        if ((depths < 1) | (depths > encoding.MAX_DEPTH)).any():
            raise ValueError(
                f"The real channel marks {sorted(set(depths.flatten().tolist()))} mask columns, so the depth of "
                f"the MLP cannot be read from it (1 to {encoding.MAX_DEPTH} expected). Pass "
                "sk_swat.encoding.real_entries(depth, n_inputs, ...) as real."
            )
        return depths

    def encode(self, values, real):
        real = real.to(values.dtype).expand_as(values)
        depths = self.input_depths(real)
        images = torch.stack((values / self.config.value_scale, real), dim=1)
        features = images.new_zeros(values.shape[0], encoding.MAX_DEPTH, *self._map_shape)
        for depth in depths.unique().tolist():
            rows = depths == depth
            features[rows, depth - 1] = self.encoders[depth - 1](images[rows])
        return self.encoder_fc(features.flatten(1))

    encode.__doc__ = SWATPreTrainedModel.encode.__doc__

    def _trunk(self, z, depth):
        return self.decoder_fc(z).unflatten(1, (encoding.MAX_DEPTH, *self._map_shape))

    def _head(self, hidden, depth):
        return self._scaled(self.decoders[depth - 1](hidden[:, depth - 1]).squeeze(1), depth)
