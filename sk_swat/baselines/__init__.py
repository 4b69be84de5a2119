"""The comparison methods of SWAT-NN (Section IV): dense training, DARTS for MLPs, ADMM pruning.

* :class:`DenseMLPRegressor`: "traditional MLP training", one fixed
  activation, full-batch Adam (Exp. 2).
* :class:`DartsMLPRegressor`: DARTS over neuron counts and per-neuron
  activations, retraining, then ADMM pruning (Exp. 1).
* :class:`PrunedMLPRegressor`: the practitioner's sparse baseline, a dense
  MLP trained by L-BFGS and pruned by magnitude with retraining.
* :func:`admm_prune` / :func:`admm_prune_mlp`: ADMM pruning of a torch MLP
  or a :class:`~sk_swat.mlp.SparseMLP`, reusable for "autoencoder search
  followed by ADMM" (Exp. 3).

All of them use the data as given (no scaling) and return or hold the
trained network as a :class:`~sk_swat.mlp.SparseMLP`.
"""

from .admm import admm_prune, admm_prune_mlp, simplify_mlp
from .darts import DartsMLPRegressor
from .dense import DenseMLPRegressor
from .pruned import PrunedMLPRegressor
from .swat_admm import SWATADMMRegressor

__all__ = [
    "DartsMLPRegressor", "DenseMLPRegressor", "PrunedMLPRegressor", "SWATADMMRegressor", "admm_prune", "admm_prune_mlp", "simplify_mlp"
]
