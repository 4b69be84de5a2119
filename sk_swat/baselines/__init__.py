"""The comparison methods of SWAT-NN (Section IV): dense training, DARTS for MLPs, ADMM pruning.

* :class:`DenseMLPRegressor`: "traditional MLP training", one fixed
  activation, full-batch Adam (Exp. 2).
* :class:`DartsMLPRegressor`: DARTS over neuron counts and per-neuron
  activations, retraining, then ADMM pruning (Exp. 1).
* :class:`PrunedMLPRegressor`: the practitioner's sparse baseline, a dense
  MLP trained by Levenberg-Marquardt and pruned by magnitude with retraining.
* :func:`admm_prune` / :func:`admm_prune_mlp`: ADMM pruning of a torch MLP
  or a :class:`~sk_swat.mlp.SparseMLP`, reusable for "autoencoder search
  followed by ADMM" (Exp. 3).
* :class:`SWATADMMRegressor`: the SWAT search without sparsity penalty,
  then ADMM pruning (Exp. 3).

All of them return or hold the trained network as a
:class:`~sk_swat.mlp.SparseMLP`.

Every regressor here except :class:`SWATADMMRegressor` (which prunes what
:class:`~sk_swat.SWATRegressor` finds, and shares its scaling) trains on the
data as given. :class:`~sk_swat.SWATRegressor` scales ``X`` and ``y`` to
[-1, 1] because its autoencoder was pretrained on MLPs over that range;
the baselines need no such range, and the paper's baselines train on CORNN
as its own loader scales it (inputs by their domain to [-1, 1], targets by
the training minimum and maximum, :func:`~sk_swat.load_cornn`): the
published baseline fits depend on it. Scale other data yourself (e.g. in a
:class:`~sklearn.pipeline.Pipeline` with a
:class:`~sklearn.compose.TransformedTargetRegressor`).

Their ``device`` (default ``"auto"``) and ``sample_weight`` mean what they
mean for :class:`~sk_swat.SWATRegressor`. The depth is named after what is
fixed: ``hidden_layer_sizes`` (a fixed shape, scikit-learn's name),
``n_layers`` (DARTS: a fixed depth whose widths are searched); SWAT's
``depths`` is a set of depths searched together.
"""

from .admm import admm_prune, admm_prune_mlp, simplify_mlp
from .darts import DartsMLPRegressor
from .dense import DenseMLPRegressor
from .pruned import PrunedMLPRegressor
from .swat_admm import SWATADMMRegressor

__all__ = [
    "DartsMLPRegressor", "DenseMLPRegressor", "PrunedMLPRegressor", "SWATADMMRegressor", "admm_prune", "admm_prune_mlp", "simplify_mlp"
]
