"""The MLP autoencoder: configuration, model, random MLPs, pretraining and loading."""

from .configuration import SWATAutoencoderConfig
from .modeling import SWATAutoencoder
from .loading import load_autoencoder

__all__ = ["SWATAutoencoderConfig", "SWATAutoencoder", "load_autoencoder"]
