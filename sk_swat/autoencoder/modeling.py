"""``SWATAutoencoder``: GPT-2 encoder and per-depth decoders for MLP token matrices."""

import torch
from torch import nn
from transformers import GPT2Config, GPT2Model
from transformers.pytorch_utils import Conv1D

from .. import encoding
from .base import SWATPreTrainedModel
from .configuration import SWATAutoencoderConfig

__all__ = ["SWATAutoencoder"]


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


class SWATAutoencoder(SWATPreTrainedModel):
    """Multi-scale autoencoder of MLPs (SWAT-NN, Section III-A).

    The encoder projects each of the 7 tokens (both channels of the token
    matrix, ``2 * config.token_width`` values) to ``hidden_size`` and runs a GPT-2
    stack; its last hidden state is the latent ``z`` of shape
    ``(7, hidden_size)``. The decoder for depth ``k`` runs ``z`` through a
    GPT-2 stack (shared by all depths or one per depth, see
    ``config.shared_decoder_trunk``) and a linear head to a token matrix of
    ``config.token_width`` columns (59 for one output; only the depth-``k``
    parts are read): weights and biases, activation logits and neuron-mask
    logits.

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
    _supports_sdpa = True

    def __init__(self, config):
        super().__init__(config)
        config.check_compatible()
        d = config.hidden_size
        self.embed = nn.Linear(2 * config.token_width, d)
        self.encoder = _gpt2_stack(config, config.n_encoder_layers)
        n_trunks = 1 if config.shared_decoder_trunk else encoding.MAX_DEPTH
        self.decoders = nn.ModuleList(
            _gpt2_stack(config, config.n_decoder_layers) for _ in range(n_trunks)
        )
        self.heads = nn.ModuleList(
            nn.Linear(d, config.token_width) for _ in range(encoding.MAX_DEPTH)
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
        real = real.to(values.dtype).expand_as(values)
        tokens = torch.cat((values / self.config.value_scale, real), dim=-1)
        return self.encoder(inputs_embeds=self.embed(tokens), use_cache=False).last_hidden_state

    encode.__doc__ = SWATPreTrainedModel.encode.__doc__

    def _trunk(self, z, depth):
        trunk = self.decoders[0 if self.config.shared_decoder_trunk else depth - 1]
        return trunk(inputs_embeds=z, use_cache=False).last_hidden_state

    @property
    def _shared_trunk(self):
        return self.config.shared_decoder_trunk

    def _head(self, hidden, depth):
        return self._scaled(self.heads[depth - 1](hidden), depth)
