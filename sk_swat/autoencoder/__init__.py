"""The MLP autoencoders (GPT-2 and CNN): configurations, models, random MLPs, pretraining and loading."""

from .configuration import SWATAutoencoderConfig, SWATCNNAutoencoderConfig
from .modeling import SWATAutoencoder
from .modeling_cnn import SWATCNNAutoencoder
from .loading import load_autoencoder

__all__ = [
    "SWATAutoencoderConfig",
    "SWATAutoencoder",
    "SWATCNNAutoencoderConfig",
    "SWATCNNAutoencoder",
    "load_autoencoder",
]
