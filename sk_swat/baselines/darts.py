"""DARTS for MLPs followed by ADMM pruning (SWAT-NN, Section IV, Exp. 1 baseline)."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight, validate_data

from ..activations import N_ACTIVATIONS, candidate_activations
from ..utils import resolve_device
from ._common import (
    as_tensors,
    build_sequential,
    draw_seed,
    mse,
    SparseMLPPredictMixin,
    sequential_to_mlp,
    torch_seeded,
    train_full_batch,
)
from .admm import admm_prune_mlp

__all__ = ["DartsMLPRegressor"]

#: Adam betas of the architecture optimiser in DARTS (Liu et al., 2019). DARTS also puts a weight
#: decay of 1e-3 on the architecture logits; it is left out here: sized for cross-entropy losses, it
#: outweighs the gradients of an MSE of order 1e-3 (scaled CORNN targets) and, measured on CORNN
#: tasks, keeps every softmax at uniform (all width probabilities within 0.13-0.16 after 50 epochs).
_ARCH_BETAS = (0.5, 0.999)


class _Supernet(torch.nn.Module):
    """``n_layers`` hidden layers of ``max_width`` units with relaxed widths and activations.

    Layer ``j`` has width logits ``width_logits[j]`` over the candidate widths
    1..max_width and activation logits ``activation_logits[j, h]`` over the
    three activations of unit ``h``. Candidate width ``k`` keeps units
    ``0..k-1``, so the softmax mixture of the candidates is a soft mask:
    unit ``h`` is scaled by ``P(width > h)``; each unit's output is the
    softmax mixture of its candidate activations.
    """

    def __init__(self, n_inputs, n_layers, max_width):
        super().__init__()
        sizes = [n_inputs] + [max_width] * n_layers
        self.hidden = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output = torch.nn.Linear(max_width, 1)
        # DARTS initialises the architecture logits at 1e-3 * N(0, 1).
        self.width_logits = torch.nn.Parameter(1e-3 * torch.randn(n_layers, max_width))
        self.activation_logits = torch.nn.Parameter(1e-3 * torch.randn(n_layers, max_width, N_ACTIVATIONS))

    def weight_parameters(self):
        return list(self.hidden.parameters()) + list(self.output.parameters())

    def arch_parameters(self):
        return [self.width_logits, self.activation_logits]

    def unit_masks(self):
        width_probs = torch.softmax(self.width_logits, dim=-1)
        return width_probs.flip(-1).cumsum(-1).flip(-1)  # P(width >= h + 1)

    def forward(self, x):
        masks = self.unit_masks()
        act_probs = torch.softmax(self.activation_logits, dim=-1)
        h = x
        for j, linear in enumerate(self.hidden):
            h = (candidate_activations(linear(h)) * act_probs[j]).sum(-1) * masks[j]
        return self.output(h)

    def derive(self):
        """The discrete architecture: argmax width per layer, argmax activation per kept unit."""
        widths = (self.width_logits.argmax(-1) + 1).tolist()
        codes = self.activation_logits.argmax(-1).cpu().numpy()
        return widths, [codes[j, :k] for j, k in enumerate(widths)]


def _split(n_samples, validation_fraction, rng):
    """Shuffled train / validation indices; one sample serves as both."""
    order = rng.permutation(n_samples)
    if n_samples < 2:
        return order, order
    n_val = min(max(1, int(round(validation_fraction * n_samples))), n_samples - 1)
    return order[n_val:], order[:n_val]


def _positive_rows(X, y, sample_weight):
    """The rows of positive weight, and their weights (None when they are all equal)."""
    sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    positive = sample_weight > 0
    X, y, sample_weight = X[positive], y[positive], sample_weight[positive]
    return X, y, None if np.all(sample_weight == sample_weight[0]) else sample_weight


class DartsMLPRegressor(SparseMLPPredictMixin, RegressorMixin, BaseEstimator):
    """DARTS architecture search for an MLP, retraining, then ADMM pruning.

    The "DARTS with ADMM" baseline of SWAT-NN (Section IV, Exp. 1). For a
    fixed number of hidden layers, a supernet holds ``max_width`` units per
    layer and two kinds of architecture logits, relaxed by softmax:

    * per layer, a choice of the number of neurons 1..``max_width``. Width
      ``k`` keeps units ``0..k-1``, so the mixture over widths is a soft mask
      that scales unit ``h`` by the probability that the width exceeds ``h``;
    * per neuron, a choice among sigmoid, tanh and leaky ReLU, mixed by
      their softmax weights.

    The search is DARTS's bilevel optimisation in its first-order form (the
    architecture gradient is taken at the current weights, without the
    unrolled second-order term): for ``n_epochs`` epochs of mini-batches,
    alternately one Adam step on the architecture logits with a validation
    mini-batch and one Adam step on the weights with a training mini-batch.
    The validation set is ``validation_fraction`` of the training data, drawn
    with ``random_state``. The architecture optimiser uses DARTS's betas
    (0.5, 0.999) but not its weight decay of 1e-3, which, next to the small
    MSE gradients of scaled targets, pins the logits at zero.

    The discrete network (argmax width per layer, argmax activation per kept
    neuron) is then trained from scratch, as in DARTS, on all the training
    data by full-batch Adam for ``retrain_iter`` epochs, and pruned by ADMM
    (:func:`~sk_swat.baselines.admm_prune_mlp` with ``rho`` and
    ``threshold``): ``admm_iter`` Adam epochs of W-steps with a Z/U update
    every 100 epochs, then ``admm_retrain_iter`` epochs under the fixed mask.

    ``X`` and ``y`` are used as given, not scaled as
    :class:`~sk_swat.SWATRegressor` scales them: the paper's baselines train
    on CORNN's own scaling (:mod:`sk_swat.baselines` says more).

    Parameters
    ----------
    n_layers : int, default=1
        Number of hidden layers of the supernet (the paper runs 1 to 4): one
        fixed depth, whose widths and activations the search chooses. Not
        ``hidden_layer_sizes`` (:class:`DenseMLPRegressor`), which fixes the
        widths too, nor :class:`~sk_swat.SWATRegressor`'s ``depths``, a set
        of depths searched together.
    max_width : int, default=7
        Most neurons per hidden layer (the candidate widths are 1..max_width).
    n_epochs : int, default=50
        Epochs of the architecture search (the paper's 50).
    batch_size : int, default=64
        Mini-batch size of the search, for the training and the validation
        split alike (clipped to their sizes). DARTS searches with 64; on a
        CORNN task (3000 training points after the split) that gives 47
        weight and 47 architecture steps per epoch, about 2350 each in 50
        epochs.
    validation_fraction : float, default=0.2
        Share of the training data held out to fit the architecture logits.
    learning_rate : float, default=0.01
        Adam step size of the weights, in the search, the retraining and the
        pruning (the paper's learning rate for MLP training).
    arch_learning_rate : float, default=3e-3
        Adam step size of the architecture logits. DARTS uses 3e-4 for about
        19,500 architecture steps (50 epochs of 391 batches on CIFAR-10);
        with about 2,350 steps here, 3e-3 gives the logits a similar total
        travel.
    retrain_iter : int, default=6000
        Full-batch epochs to train the discrete network, as many as the
        traditional baseline (:class:`DenseMLPRegressor`) gets.
    rho : float, default=2.0
        ADMM penalty parameter (the paper's value).
    threshold : float, default=0.1
        ADMM pruning threshold (the paper's value).
    admm_iter : int, default=3000
        Full-batch Adam epochs of the ADMM W-steps.
    admm_retrain_iter : int, default=3000
        Full-batch Adam epochs of retraining under the pruning mask.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the mini-batch order and every initialisation (in a
        forked torch generator). An int gives identical fits on one device.
    device : str or torch.device, default="auto"
        "auto" (CUDA if available, else CPU), "cpu", "cuda" or "cuda:N".

    Attributes
    ----------
    mlp_ : SparseMLP
        The pruned, retrained network.
    n_nonzero_ : int
        Its non-zero weights and biases, counted as in SWAT-NN.
    architecture_ : dict
        ``mlp_.architecture``: layers, kept widths, activation names.
    search_architecture_ : dict
        The architecture derived from the search, before pruning.
    unpruned_mlp_ : SparseMLP
        The retrained discrete network before ADMM.
    width_probabilities_ : ndarray of shape (n_layers, max_width)
        Final softmax over the widths 1..max_width of each layer.
    activation_probabilities_ : ndarray of shape (n_layers, max_width, 3)
        Final softmax over the activations of each unit.
    n_iter_ : int
        Number of search epochs run (``n_epochs``).
    loss_curve_ : list of float
        Mean training mini-batch MSE of each search epoch.
    validation_loss_curve_ : list of float
        Validation MSE of the supernet after each search epoch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when ``X`` had string column names.
    device_ : str
        The device the network was trained on.

    See Also
    --------
    DenseMLPRegressor : The traditional fixed-activation baseline.
    sk_swat.baselines.admm_prune_mlp : The pruning step on its own.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.baselines import DartsMLPRegressor
    >>> X = np.random.RandomState(0).uniform(-1, 1, (200, 2))
    >>> y = np.sin(2 * X[:, 0]) * X[:, 1]
    >>> reg = DartsMLPRegressor(n_layers=2, n_epochs=2, retrain_iter=50, admm_iter=50,
    ...                         admm_retrain_iter=50, random_state=0).fit(X, y)
    >>> reg.architecture_["n_layers"], len(reg.width_probabilities_)
    (2, 2)
    >>> reg.n_nonzero_ <= reg.unpruned_mlp_.n_nonzero
    True
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "max_width": [Interval(Integral, 1, None, closed="left")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "arch_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "retrain_iter": [Interval(Integral, 1, None, closed="left")],
        "rho": [Interval(Real, 0, None, closed="neither")],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "admm_iter": [Interval(Integral, 0, None, closed="left")],
        "admm_retrain_iter": [Interval(Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
        "device": [str, torch.device],
    }

    def __init__(
        self,
        *,
        n_layers=1,
        max_width=7,
        n_epochs=50,
        batch_size=64,
        validation_fraction=0.2,
        learning_rate=0.01,
        arch_learning_rate=3e-3,
        retrain_iter=6000,
        rho=2.0,
        threshold=0.1,
        admm_iter=3000,
        admm_retrain_iter=3000,
        random_state=None,
        device="auto",
    ):
        self.n_layers = n_layers
        self.max_width = max_width
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.learning_rate = learning_rate
        self.arch_learning_rate = arch_learning_rate
        self.retrain_iter = retrain_iter
        self.rho = rho
        self.threshold = threshold
        self.admm_iter = admm_iter
        self.admm_retrain_iter = admm_retrain_iter
        self.random_state = random_state
        self.device = device

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Search, retrain and prune.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs, used as given (not scaled).
        y : array-like of shape (n_samples,)
            Targets, used as given (not scaled).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; every loss (search mini-batches, the
            validation loss, retraining, ADMM) is the weighted mean of the
            squared errors. Rows of weight zero are dropped first, so they are
            the same as no rows, and equal weights are the same as None. The
            search draws its validation split and mini-batches by row, so an
            integer weight equals repeating the row only in the full-batch
            stages after the search. None weighs all rows equally.

        Returns
        -------
        self : DartsMLPRegressor
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, y_numeric=True, dtype=[np.float64, np.float32])
        if sample_weight is not None:
            X, y, sample_weight = _positive_rows(X, y, sample_weight)
        device = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        train_idx, val_idx = _split(X.shape[0], self.validation_fraction, rng)

        with torch_seeded(draw_seed(rng)):
            net = _Supernet(X.shape[1], self.n_layers, self.max_width)
        net.to(device)
        X_t, y_t, w_t = as_tensors(X, y, sample_weight, device)
        self.loss_curve_, self.validation_loss_curve_ = self._search(net, X_t, y_t, w_t, train_idx, val_idx, rng)
        self.n_iter_ = self.n_epochs
        with torch.no_grad():
            self.width_probabilities_ = torch.softmax(net.width_logits, -1).cpu().double().numpy()
            self.activation_probabilities_ = torch.softmax(net.activation_logits, -1).cpu().double().numpy()
            widths, codes = net.derive()

        with torch_seeded(draw_seed(rng)):
            module = build_sequential(X.shape[1], widths, codes)
        module.to(device)
        train_full_batch(module, X_t, y_t, w_t, n_iter=self.retrain_iter, learning_rate=self.learning_rate)
        self.unpruned_mlp_ = sequential_to_mlp(module)
        self.search_architecture_ = self.unpruned_mlp_.architecture

        self.mlp_ = admm_prune_mlp(
            self.unpruned_mlp_,
            X,
            y,
            rho=self.rho,
            threshold=self.threshold,
            n_iter=self.admm_iter,
            retrain_iter=self.admm_retrain_iter,
            learning_rate=self.learning_rate,
            sample_weight=sample_weight,
            device=device,
        )
        self.n_nonzero_ = self.mlp_.n_nonzero
        self.architecture_ = self.mlp_.architecture
        self.device_ = str(device)
        return self

    def _search(self, net, X, y, w, train_idx, val_idx, rng):
        """First-order DARTS: alternate architecture steps (validation) and weight steps (training)."""

        def loss(rows):
            return mse(net(X[rows]), y[rows], None if w is None else w[rows] / w[rows].sum())

        weight_opt = torch.optim.Adam(net.weight_parameters(), lr=self.learning_rate)
        arch_opt = torch.optim.Adam(net.arch_parameters(), lr=self.arch_learning_rate, betas=_ARCH_BETAS)
        weights, archs = net.weight_parameters(), net.arch_parameters()
        train_bs = min(self.batch_size, len(train_idx))
        val_bs = min(self.batch_size, len(val_idx))
        n_batches = -(-len(train_idx) // train_bs)
        val_batches = []
        val_rows = torch.as_tensor(val_idx, device=X.device)
        losses = torch.zeros(self.n_epochs, device=X.device)
        val_losses = torch.zeros(self.n_epochs, device=X.device)
        for epoch in range(self.n_epochs):
            order = torch.as_tensor(train_idx[rng.permutation(len(train_idx))], device=X.device)
            for b in range(n_batches):
                if not val_batches:
                    val_order = torch.as_tensor(val_idx[rng.permutation(len(val_idx))], device=X.device)
                    val_batches = list(val_order.split(val_bs))
                v = val_batches.pop()
                arch_opt.zero_grad(set_to_none=True)
                loss(v).backward(inputs=archs)
                arch_opt.step()

                t = order[b * train_bs : (b + 1) * train_bs]
                weight_opt.zero_grad(set_to_none=True)
                train_loss = loss(t)
                train_loss.backward(inputs=weights)
                weight_opt.step()
                losses[epoch] += train_loss.detach() / n_batches
            with torch.no_grad():
                val_losses[epoch] = loss(val_rows)
        return losses.cpu().double().tolist(), val_losses.cpu().double().tolist()
