"""``SWATAutoencoder``: GPT-2 encoder and per-depth decoders for MLP token matrices."""

import hashlib
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn
from transformers import GPT2Config, GPT2Model, PreTrainedModel
from transformers.pytorch_utils import Conv1D

from .. import encoding
from ..utils import atomic_write
from .configuration import SWATAutoencoderConfig

__all__ = ["SWATAutoencoder"]

WEIGHTS_NAME = "model.safetensors"
#: Beside the weights, their SHA-256 in ``sha256sum`` format, checked when they are loaded.
CHECKSUM_NAME = "model.safetensors.sha256"


def weights_sha256(path):
    """SHA-256 (hex) of a file, read in blocks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _gpt2_stack(config, n_layer):
    gpt2 = GPT2Model(
        GPT2Config(
            vocab_size=1,
            n_positions=config.n_tokens,
            n_embd=config.hidden_size,
            n_layer=n_layer,
            n_head=config.n_head,
            resid_pdrop=0.0,
            embd_pdrop=0.0,
            attn_pdrop=0.0,
            bos_token_id=None,
            eos_token_id=None,
        )
    )
    # Token embeddings are never used (MLP tokens come in as embeddings).
    gpt2.wte.weight.requires_grad_(False)
    return gpt2


@lru_cache(maxsize=None)
def _output_scale(depth, value_scale):
    # Weights and biases are decoded in units of value_scale; logits are not.
    # (Not a buffer: transformers' loading leaves non-persistent buffers uninitialised.)
    lay = encoding.layout(depth)
    scale = torch.full((encoding.TOKEN_WIDTH,), value_scale)
    for s in lay.activations:
        scale[s] = 1.0
    scale[lay.masks] = 1.0
    return scale


class SWATAutoencoder(PreTrainedModel):
    """Multi-scale autoencoder of MLPs (SWAT-NN, Section III-A).

    The encoder projects each of the 7 tokens (both channels of the token
    matrix, ``2 * TOKEN_WIDTH`` values) to ``hidden_size`` and runs a GPT-2
    stack; its last hidden state is the latent ``z`` of shape
    ``(7, hidden_size)``. The decoder for depth ``k`` runs ``z`` through a
    GPT-2 stack (shared by all depths or one per depth, see
    ``config.shared_decoder_trunk``) and a linear head to a token matrix of
    ``TOKEN_WIDTH`` columns (only the depth-``k`` parts are read): weights and biases, activation logits and
    neuron-mask logits.

    Parameters
    ----------
    config : SWATAutoencoderConfig
        The model's sizes and the token layout it is built for.

    Examples
    --------
    >>> import torch
    >>> from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig
    >>> model = SWATAutoencoder(SWATAutoencoderConfig(hidden_size=32, n_head=2))
    >>> z = torch.randn(3, *model.config.latent_shape)
    >>> model.decode(z, depth=2).shape
    torch.Size([3, 7, 59])
    """

    config_class = SWATAutoencoderConfig
    base_model_prefix = "swat_autoencoder"
    main_input_name = "tokens"
    _supports_sdpa = True

    def __init__(self, config):
        super().__init__(config)
        config.check_compatible()
        d = config.hidden_size
        self.embed = nn.Linear(2 * encoding.TOKEN_WIDTH, d)
        self.encoder = _gpt2_stack(config, config.n_encoder_layers)
        n_trunks = 1 if config.shared_decoder_trunk else encoding.MAX_DEPTH
        self.decoders = nn.ModuleList(
            _gpt2_stack(config, config.n_decoder_layers) for _ in range(n_trunks)
        )
        self.heads = nn.ModuleList(
            nn.Linear(d, encoding.TOKEN_WIDTH) for _ in range(encoding.MAX_DEPTH)
        )
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, Conv1D)):
            nn.init.normal_(module.weight, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def encode(self, values, real):
        """Embed a batch of MLP token matrices.

        Parameters
        ----------
        values : Tensor of shape (batch, N_TOKENS, TOKEN_WIDTH)
            First channel: weights, biases, activation one-hots, masks.
        real : Tensor of shape (N_TOKENS, TOKEN_WIDTH) or (batch, N_TOKENS, TOKEN_WIDTH)
            Second channel: 1 at real entries.

        Returns
        -------
        Tensor of shape (batch, N_TOKENS, hidden_size)
            The latent ``z``.
        """
        real = real.to(values.dtype).expand_as(values)
        tokens = torch.cat((values / self.config.value_scale, real), dim=-1)
        return self.encoder(inputs_embeds=self.embed(tokens), use_cache=False).last_hidden_state

    def _trunk(self, z, depth):
        trunk = self.decoders[0 if self.config.shared_decoder_trunk else depth - 1]
        return trunk(inputs_embeds=z, use_cache=False).last_hidden_state

    def _head(self, hidden, depth):
        scale = _output_scale(depth, float(self.config.value_scale)).to(hidden.device, hidden.dtype)
        return self.heads[depth - 1](hidden) * scale

    def decode(self, z, depth):
        """Decode latents to token matrices of depth-``depth`` MLPs.

        Parameters
        ----------
        z : Tensor of shape (batch, N_TOKENS, hidden_size)
            Latents.
        depth : int
            Number of hidden layers of the decoded MLPs.

        Returns
        -------
        Tensor of shape (batch, N_TOKENS, TOKEN_WIDTH)
            Raw decoder output: weights and biases as values, activation and
            mask columns as logits.
        """
        return self._head(self._trunk(z, depth), depth)

    def decode_all(self, z):
        """Decode latents with every decoder.

        Parameters
        ----------
        z : Tensor of shape (batch, N_TOKENS, hidden_size)
            Latents.

        Returns
        -------
        list of Tensor
            Entry ``k - 1`` is ``decode(z, k)``; a shared trunk runs once.
        """
        if self.config.shared_decoder_trunk:
            hidden = self._trunk(z, 1)
            return [self._head(hidden, k) for k in range(1, encoding.MAX_DEPTH + 1)]
        return [self.decode(z, k) for k in range(1, encoding.MAX_DEPTH + 1)]

    def decode_groups(self, z, depths, sizes):
        """Decode a batch whose consecutive groups of latents belong to different depths.

        Parameters
        ----------
        z : Tensor of shape (batch, N_TOKENS, hidden_size)
            Latents.
        depths : sequence of int
            Depth of each group.
        sizes : sequence of int
            Number of latents in each group; they add up to ``batch``.

        Returns
        -------
        list of Tensor
            One (size, N_TOKENS, TOKEN_WIDTH) tensor per group. A shared
            trunk runs once over the whole batch.
        """
        groups = torch.split(z, list(sizes))
        if self.config.shared_decoder_trunk:
            hidden = torch.split(self._trunk(z, 1), list(sizes))
            return [self._head(h, k) for h, k in zip(hidden, depths)]
        return [self.decode(g, k) for g, k in zip(groups, depths)]

    def forward(self, tokens, real):
        """Encode then decode with every decoder.

        Parameters
        ----------
        tokens : Tensor of shape (batch, N_TOKENS, TOKEN_WIDTH)
            First channel of the token matrices (see :meth:`encode`).
        real : Tensor of shape (N_TOKENS, TOKEN_WIDTH) or (batch, N_TOKENS, TOKEN_WIDTH)
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
