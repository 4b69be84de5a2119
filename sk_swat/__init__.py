"""sk-swat: sparse, compact MLPs found by gradient descent in the latent space of an MLP autoencoder."""

__version__ = "0.1.0.dev0"
