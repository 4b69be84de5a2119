"""sk-swat: sparse, compact MLPs found by gradient descent in the latent space of an MLP autoencoder.

The public names are imported on first use, so that ``import sk_swat.datasets``
does not import PyTorch.
"""

import importlib

__version__ = "0.1.0.dev0"

_PUBLIC = {
    "SWATRegressor": "sk_swat._regressor",
    "SparseMLP": "sk_swat.mlp",
    "compress": "sk_swat.compression",
    "load_autoencoder": "sk_swat.autoencoder.loading",
    "load_cornn": "sk_swat.datasets",
    "cornn_names": "sk_swat.datasets",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'sk_swat' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
