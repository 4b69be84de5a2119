"""The MLP autoencoder: configuration, model, random MLPs, pretraining and loading."""

from .configuration import SWATAutoencoderConfig
from .modeling import SWATAutoencoder

__all__ = ["SWATAutoencoderConfig", "SWATAutoencoder"]
