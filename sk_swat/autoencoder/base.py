"""``SWATPreTrainedModel``: what the GPT-2 and the CNN autoencoders share.

The decoding methods the search and pretraining call (``decode``, ``decode_all``, ``decode_groups``,
``forward``), the output scale of decoded token matrices, and ``save_pretrained`` with the weights'
checksum. A subclass supplies ``encode``, ``_trunk`` (the part of decoding that may be shared by the
depths) and ``_head`` (the rest, per depth).
"""

import hashlib
from functools import lru_cache
from pathlib import Path

import torch
from transformers import PreTrainedModel

from .. import encoding
from ..utils import atomic_write

__all__ = ["SWATPreTrainedModel"]

WEIGHTS_NAME = "model.safetensors"
#: Beside the weights, their SHA-256 in ``sha256sum`` format, checked when they are loaded.
CHECKSUM_NAME = "model.safetensors.sha256"


def weights_sha256(path):
    """SHA-256 (hex) of a file, read in blocks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@lru_cache(maxsize=None)
def _output_scale(depth, value_scale, max_outputs=1):
    # Weights and biases are decoded in units of value_scale; logits are not.
    # (Not a buffer: transformers' loading leaves non-persistent buffers uninitialised.)
    lay = encoding.layout(depth, max_outputs)
    scale = torch.full((encoding.token_width(max_outputs),), value_scale)
    for s in lay.activations:
        scale[s] = 1.0
    scale[lay.masks] = 1.0
    return scale


class SWATPreTrainedModel(PreTrainedModel):
    """Base class of the sk-swat autoencoders: decoding, output scale, saving with a checksum.

    Subclasses define ``encode(values, real)``, ``_trunk(z, depth)``,
    ``_head(hidden, depth)`` and ``_shared_trunk`` (True when ``_trunk`` is
    the same for every depth, so that it runs once for all of them).

    Parameters
    ----------
    config : transformers.PretrainedConfig
        An sk-swat autoencoder configuration.
    *inputs, **kwargs
        Passed to :class:`transformers.PreTrainedModel`.

    Examples
    --------
    >>> from sk_swat.autoencoder import SWATCNNAutoencoder, SWATCNNAutoencoderConfig
    >>> from sk_swat.autoencoder.base import SWATPreTrainedModel
    >>> isinstance(SWATCNNAutoencoder(SWATCNNAutoencoderConfig(channels=2)), SWATPreTrainedModel)
    True
    """

    main_input_name = "tokens"
    _shared_trunk = True

    def encode(self, values, real):
        """Embed a batch of MLP token matrices.

        Parameters
        ----------
        values : Tensor of shape (batch, N_TOKENS, config.token_width)
            First channel: weights, biases, activation one-hots, masks.
        real : Tensor of shape (N_TOKENS, config.token_width) or (batch, N_TOKENS, config.token_width)
            Second channel: 1 at real entries.

        Returns
        -------
        Tensor of shape (batch, \\*config.latent_shape)
            The latent ``z``.
        """
        raise NotImplementedError

    def _scaled(self, out, depth):
        """Raw decoder output ``out`` with weights and biases in units of ``value_scale``."""
        scale = _output_scale(depth, float(self.config.value_scale), int(self.config.max_outputs))
        return out * scale.to(out.device, out.dtype)

    def decode(self, z, depth):
        """Decode latents to token matrices of depth-``depth`` MLPs.

        Parameters
        ----------
        z : Tensor of shape (batch, \\*config.latent_shape)
            Latents.
        depth : int
            Number of hidden layers of the decoded MLPs.

        Returns
        -------
        Tensor of shape (batch, N_TOKENS, config.token_width)
            Raw decoder output: weights and biases as values, activation and
            mask columns as logits.
        """
        return self._head(self._trunk(z, depth), depth)

    def decode_all(self, z):
        """Decode latents with every decoder.

        Parameters
        ----------
        z : Tensor of shape (batch, \\*config.latent_shape)
            Latents.

        Returns
        -------
        list of Tensor
            Entry ``k - 1`` is ``decode(z, k)``; a shared trunk runs once.
        """
        depths = range(1, encoding.MAX_DEPTH + 1)
        if self._shared_trunk:
            hidden = self._trunk(z, 1)
            return [self._head(hidden, k) for k in depths]
        return [self.decode(z, k) for k in depths]

    def decode_groups(self, z, depths, sizes):
        """Decode a batch whose consecutive groups of latents belong to different depths.

        Parameters
        ----------
        z : Tensor of shape (batch, \\*config.latent_shape)
            Latents.
        depths : sequence of int
            Depth of each group.
        sizes : sequence of int
            Number of latents in each group; they add up to ``batch``.

        Returns
        -------
        list of Tensor
            One (size, N_TOKENS, config.token_width) tensor per group. A shared
            trunk runs once over the whole batch.
        """
        if self._shared_trunk:
            hidden = torch.split(self._trunk(z, 1), list(sizes))
            return [self._head(h, k) for h, k in zip(hidden, depths)]
        return [self.decode(g, k) for g, k in zip(torch.split(z, list(sizes)), depths)]

    def forward(self, tokens, real):
        """Encode then decode with every decoder.

        Parameters
        ----------
        tokens : Tensor of shape (batch, N_TOKENS, config.token_width)
            First channel of the token matrices (see ``encode``).
        real : Tensor of shape (N_TOKENS, config.token_width) or (batch, N_TOKENS, config.token_width)
            Second channel: 1 at real entries.

        Returns
        -------
        list of Tensor
            See :meth:`decode_all`.
        """
        return self.decode_all(self.encode(tokens, real))

    def save_pretrained(self, save_directory, *args, **kwargs):
        """``PreTrainedModel.save_pretrained``, plus the weights' SHA-256 in ``model.safetensors.sha256``.

        :func:`~sk_swat.load_autoencoder` checks the weights against it, so that a file damaged
        after saving is refused rather than loaded.

        Parameters
        ----------
        save_directory : str or path-like
            Where to write ``config.json``, ``model.safetensors`` and the checksum.
        *args, **kwargs
            Passed to :meth:`transformers.PreTrainedModel.save_pretrained`.

        Returns
        -------
        object
            What :meth:`transformers.PreTrainedModel.save_pretrained` returns.
        """
        result = super().save_pretrained(save_directory, *args, **kwargs)
        weights = Path(save_directory) / WEIGHTS_NAME
        if weights.is_file():
            atomic_write(weights.with_name(CHECKSUM_NAME), f"{weights_sha256(weights)}  {WEIGHTS_NAME}\n")
        return result
