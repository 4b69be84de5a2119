"""The CORNN experiments as data: methods, their configurations, the figures of each; the functions.

Six experiments (``EXPERIMENTS``), after Section IV and Section V-D of the SWAT-NN paper:

``exp1``
    SWAT-NN (``SWATRegressor`` defaults) against DARTS followed by ADMM (Fig. 4, 5), and against a
    dense MLP pruned by magnitude.
``exp2``
    Activation search (all 7 neurons, no sparsity penalty) against the same search with one fixed
    activation and against traditional dense training with one fixed activation (Fig. 6, 7).
``exp3``
    The search with the sparsity penalty (``lambda_s=1e-3``, all 7 neurons) against the search
    without it followed by ADMM pruning, and against the search without any pruning (Fig. 8, 9).
``penalty_levels``
    The three penalty levels of Table I (Fig. 13).
``ablation``
    SWAT-NN's defaults against the same with one part switched off.
``swat_vs_dense``
    ``SWATRegressor()`` as a user fits it (all depths in one search) against the best of the dense
    MLPs of ``exp2``, with the target SWAT test MSE <= 1.5 x the dense one's at fewer non-zeros.

Every method of ``exp1`` to ``ablation`` is run once per *configuration*, one number of hidden layers
(1 to 4) each, and the report picks, per function and method, the best configuration by the paper's
rule (:mod:`benchmarks.cornn.selection`).
"""

from dataclasses import dataclass

__all__ = [
    "DEPTHS",
    "EXPERIMENTS",
    "QUICK_MARK",
    "QUICK_PARAMS",
    "TUNING_FUNCTIONS",
    "Configuration",
    "Experiment",
    "config_params",
    "function_number",
    "get_experiment",
    "resolve_functions",
]

#: Numbers of hidden layers: one configuration each.
DEPTHS = (1, 2, 3, 4)
#: The paper's tuning set (Section IV-A): reported apart from the other 52 functions.
TUNING_FUNCTIONS = (53, 54)
#: Appended to the ``config`` of every row of a quick run.
QUICK_MARK = " [quick]"
#: Iteration counts of a quick run, by parameter name, wherever the parameter is (nested ones too).
QUICK_PARAMS = {
    "max_iter": 4,
    "n_restarts": 1,
    "refine_iter": 2,
    "refine_restarts": 0,
    "n_epochs": 1,
    "batch_size": 1024,
    "retrain_iter": 4,
    "admm_iter": 2,
    "admm_retrain_iter": 2,
    "update_every": 1,
}


@dataclass(frozen=True)
class Configuration:
    """One estimator setting of one method.

    Parameters
    ----------
    method : str
        The ``method`` column of its rows.
    config : str
        The ``config`` column, e.g. ``"depth=2"`` or ``"depth=2,activation=tanh"``.
    estimator : estimator
        An unfitted prototype. :meth:`make` clones it and sets every (nested) ``random_state`` and
        ``device`` parameter.

    Examples
    --------
    >>> from sk_swat import SWATRegressor
    >>> from benchmarks.cornn.experiments import Configuration
    >>> c = Configuration("swat", "depth=2", SWATRegressor(depths=(2,)))
    >>> c.params
    {'depth': '2'}
    >>> est = c.make(seed=7, device="cpu")
    >>> est.random_state, est.device, est is c.estimator
    (7, 'cpu', False)
    """

    method: str
    config: str
    estimator: object

    @property
    def params(self):
        """The ``key=value`` pairs of ``config`` as a dict of str."""
        return config_params(self.config)

    def make(self, seed, *, device="auto", quick=False):
        """A fresh estimator for one seed.

        Parameters
        ----------
        seed : int
            Set as every ``random_state`` parameter, nested ones included.
        device : str, default="auto"
            Set as every ``device`` parameter.
        quick : bool, default=False
            Also set the iteration counts of ``QUICK_PARAMS`` (smoke tests only).

        Returns
        -------
        estimator
            An unfitted clone of ``estimator`` with those parameters set.
        """
        from sklearn.base import clone

        estimator = clone(self.estimator)
        updates = {}
        for key in estimator.get_params(deep=True):
            name = key.rsplit("__", 1)[-1]
            if name == "random_state":
                updates[key] = int(seed)
            elif name == "device":
                updates[key] = device
            elif quick and name in QUICK_PARAMS:
                updates[key] = QUICK_PARAMS[name]
        return estimator.set_params(**updates)


@dataclass(frozen=True)
class Experiment:
    """An experiment: its methods, their configurations, and what the summary draws.

    The experiments of ``EXPERIMENTS`` are built in; get them with :func:`get_experiment`.

    Parameters
    ----------
    name : str
        File stem of its results (``<name>.csv``).
    title : str
        Heading in the summary.
    description : str
        What is compared, in Markdown.
    reference : str
        The SWAT method whose sparsity and accuracy the summary counts.
    methods : tuple of (str, str)
        ``(method, label)`` in drawing order.
    configurations : tuple of Configuration
        Every estimator setting that runs, one per method and number of hidden layers (and, in
        ``exp2``, activation).
    figures : tuple of (str, str, str)
        ``(kind, file suffix, caption)``; kinds: ``"scatter"`` (MSE vs non-zeros of every row),
        ``"best"`` (best model per function and method), ``"activations:<method>"`` (lowest MSE of
        the reference against each activation of ``<method>``).
    target : tuple of (str, float) or None, default=None
        ``(method, ratio)``: the report adds a table of the reference method's configuration
        ``"defaults"`` against the lowest test MSE of ``method`` on each function, and counts the
        functions where the reference's MSE is at most ``ratio`` times that one at fewer non-zeros.

    Examples
    --------
    >>> from benchmarks.cornn.experiments import get_experiment
    >>> exp = get_experiment("exp1")
    >>> exp.reference, exp.label("darts_admm")
    ('swat', 'DARTS + ADMM')
    >>> [c.config for c in exp.select(methods=["swat"])]
    ['depth=1', 'depth=2', 'depth=3', 'depth=4']
    """

    name: str
    title: str
    description: str
    reference: str
    methods: tuple
    configurations: tuple
    figures: tuple
    target: tuple = None

    def label(self, method):
        """The display label of ``method``.

        Parameters
        ----------
        method : str
            A method name of this experiment.

        Returns
        -------
        str
            Its label, or ``method`` itself if the experiment does not know it.
        """
        return dict(self.methods).get(method, method)

    def select(self, *, depths=None, methods=None):
        """The configurations with a depth in ``depths`` and a method in ``methods``.

        A configuration without a ``depth`` in its ``config`` (one search over every depth, as in
        ``swat_vs_dense``) is kept whatever ``depths`` says.

        Parameters
        ----------
        depths : list of int, default=None
            Numbers of hidden layers, 1 to 4 (None: all).
        methods : list of str, default=None
            Method names of this experiment (None: all).

        Returns
        -------
        tuple of Configuration
            In the experiment's order.
        """
        known = {m for m, _ in self.methods}
        if methods is not None:
            unknown = sorted(set(methods) - known)
            if unknown:
                raise ValueError(f"Unknown methods {unknown} for {self.name}; valid: {sorted(known)}.")
        if depths is not None:
            bad = sorted(set(int(d) for d in depths) - set(DEPTHS))
            if bad:
                raise ValueError(f"depths must lie in {DEPTHS}, got {bad}.")
        return tuple(
            c
            for c in self.configurations
            if (methods is None or c.method in methods)
            and (depths is None or "depth" not in c.params or int(c.params["depth"]) in {int(d) for d in depths})
        )


def config_params(config):
    """The ``key=value`` pairs of a ``config`` column (its quick mark dropped) as a dict of str.

    Parameters
    ----------
    config : str
        E.g. ``"depth=2,activation=tanh [quick]"``.

    Returns
    -------
    dict of str

    Examples
    --------
    >>> from benchmarks.cornn.experiments import config_params
    >>> config_params("depth=2,activation=tanh [quick]")
    {'depth': '2', 'activation': 'tanh'}
    >>> config_params("defaults")
    {}
    """
    config = config[: -len(QUICK_MARK)] if config.endswith(QUICK_MARK) else config
    return dict(item.split("=", 1) for item in config.split(",") if "=" in item)


def _build_experiments():
    from sk_swat import SWATRegressor
    from sk_swat.baselines import DartsMLPRegressor, DenseMLPRegressor, PrunedMLPRegressor, SWATADMMRegressor
    from sk_swat.encoding import ACTIVATIONS
    from sk_swat.search import PAPER_TOLERANCE

    def per_depth(method, make):
        return tuple(Configuration(method, f"depth={d}", make(d)) for d in DEPTHS)

    def per_depth_activation(method, make):
        return tuple(
            Configuration(method, f"depth={d},activation={a}", make(d, a)) for d in DEPTHS for a in ACTIVATIONS
        )

    def swat(**params):
        # The paper's experiments choose among a fit's candidates by the paper's 5 % rule.
        return SWATRegressor(tol=PAPER_TOLERANCE, **params)

    def no_sparsity(depth, **params):
        return swat(depths=(depth,), lambda_s=0.0, prune_neurons=False, **params)

    levels = {"small": (1e-5, 0.1, 1e-4), "medium": (1e-4, 0.4, 1e-3), "large": (1e-3, 0.4, 1e-1)}

    experiments = [
        Experiment(
            name="exp1",
            title="Exp. 1: sparse and compact MLPs, SWAT-NN vs DARTS + ADMM",
            description=(
                "`swat`: `SWATRegressor(depths=(k,), tol=0.05)` (the paper's 5 % rule among a fit's candidates; "
                "the estimator's default is `tol=0`), every other parameter at its default "
                "(activation search, neuron pruning, `lambda_s=1e-4`, `alpha=0.4`, `beta=1e-3`). "
                "`darts_admm`: `DartsMLPRegressor(n_layers=k)` (DARTS over widths 1-7 and activations, "
                "50 epochs, retraining, ADMM with rho=2, threshold 0.1). `pruned_dense`: "
                "`PrunedMLPRegressor(hidden_layer_sizes=(7,) * k)`, the practitioner's baseline: a dense tanh MLP "
                "trained by Levenberg-Marquardt (best of 3 starts), then magnitude pruning with retraining while the "
                "validation MSE stays within 5 % of the dense one's. One configuration per k = 1..4."
            ),
            reference="swat",
            methods=(("swat", "SWAT-NN"), ("darts_admm", "DARTS + ADMM"), ("pruned_dense", "Dense + pruning")),
            configurations=per_depth("swat", lambda d: swat(depths=(d,)))
            + per_depth("darts_admm", lambda d: DartsMLPRegressor(n_layers=d))
            + per_depth("pruned_dense", lambda d: PrunedMLPRegressor(hidden_layer_sizes=(7,) * d)),
            figures=(
                (
                    "scatter",
                    "fig4_scatter",
                    "Fig. 4: test MSE vs non-zeros, one point per configuration and seed.",
                ),
                ("best", "fig5_best", "Fig. 5: the best model per function (MSE top, non-zeros bottom)."),
            ),
        ),
        Experiment(
            name="exp2",
            title="Exp. 2: activation search vs fixed activations",
            description=(
                "All 7 neurons per layer, no sparsity penalty. `swat_search`: "
                "`SWATRegressor(depths=(k,), tol=0.05, lambda_s=0, prune_neurons=False)`, one activation per neuron "
                "searched. `swat_fixed`: the same with `activation=a` for a in sigmoid, tanh, leaky_relu. "
                "`dense`: `DenseMLPRegressor(hidden_layer_sizes=(7,) * k, activation=a)` (Adam lr 0.01, "
                "6000 full-batch epochs). k = 1..4. The paper averages 3 seeds (`--seeds 0 1 2`)."
            ),
            reference="swat_search",
            methods=(
                ("swat_search", "SWAT, activation search"),
                ("swat_fixed", "SWAT, fixed activation"),
                ("dense", "Traditional training"),
            ),
            configurations=per_depth("swat_search", no_sparsity)
            + per_depth_activation("swat_fixed", lambda d, a: no_sparsity(d, activation=a))
            + per_depth_activation(
                "dense", lambda d, a: DenseMLPRegressor(hidden_layer_sizes=(7,) * d, activation=a)
            ),
            figures=(
                (
                    "activations:swat_fixed",
                    "fig6_fixed_activations",
                    "Fig. 6: lowest test MSE over depths, activation search vs each fixed activation "
                    "(autoencoder search).",
                ),
                (
                    "activations:dense",
                    "fig7_dense",
                    "Fig. 7: lowest test MSE over depths, activation search vs traditional training "
                    "per activation.",
                ),
            ),
        ),
        Experiment(
            name="exp3",
            title="Exp. 3: sparse MLPs, sparsity penalty vs ADMM after the search",
            description=(
                "All 7 neurons per layer (no neuron pruning), activation search. `swat_sparse`: "
                "`SWATRegressor(depths=(k,), tol=0.05, lambda_s=1e-3, prune_neurons=False)`. `swat_admm`: "
                "`SWATADMMRegressor(SWATRegressor(depths=(k,), tol=0.05, lambda_s=0, prune_neurons=False))`, ADMM "
                "with rho=2, threshold 0.1, 3000 + 3000 epochs on the [-1, 1]-scaled data. `swat_unpruned`: "
                "`SWATRegressor(depths=(k,), tol=0.05, lambda_s=0, prune_neurons=False)`, the same fits as `exp2`'s "
                "`swat_search` (copied from `exp2.csv` where it has them). k = 1..4."
            ),
            reference="swat_sparse",
            methods=(
                ("swat_sparse", "SWAT, sparsity penalty"),
                ("swat_admm", "SWAT + ADMM"),
                ("swat_unpruned", "SWAT, no pruning"),
            ),
            configurations=per_depth(
                "swat_sparse", lambda d: swat(depths=(d,), lambda_s=1e-3, prune_neurons=False)
            )
            + per_depth("swat_admm", lambda d: SWATADMMRegressor(no_sparsity(d)))
            + per_depth("swat_unpruned", no_sparsity),
            figures=(
                (
                    "scatter",
                    "fig8_scatter",
                    "Fig. 8: test MSE vs non-zeros, one point per configuration and seed.",
                ),
                ("best", "fig9_best", "Fig. 9: the best model per function (MSE top, non-zeros bottom)."),
            ),
        ),
        Experiment(
            name="penalty_levels",
            title="Penalty levels of Table I",
            description=(
                "`SWATRegressor(depths=(k,), tol=0.05, lambda_s=..., alpha=..., beta=...)`, other parameters at "
                "their defaults, k = 1..4. `swat_small`: (1e-5, 0.1, 1e-4); `swat_medium`: (1e-4, 0.4, 1e-3), "
                "the defaults, so the same fits as `exp1`'s `swat` (copied from `exp1.csv` where it has them); "
                "`swat_large`: (1e-3, 0.4, 1e-1). The counts below compare the medium level "
                "with the other two."
            ),
            reference="swat_medium",
            methods=tuple((f"swat_{level}", f"{level} penalty") for level in levels),
            configurations=sum(
                (
                    per_depth(
                        f"swat_{level}",
                        lambda d, p=p: swat(depths=(d,), lambda_s=p[0], alpha=p[1], beta=p[2]),
                    )
                    for level, p in levels.items()
                ),
                (),
            ),
            figures=(("best", "fig13_best", "Fig. 13: the best model per function and penalty level."),),
        ),
        Experiment(
            name="ablation",
            title="Ablation: what each part of SWAT-NN's defaults contributes",
            description=(
                "`swat`: `SWATRegressor(depths=(k,), tol=0.05)`, every other parameter at its default "
                "(the same fits as `exp1`'s `swat`). "
                "Each other method switches one part off, all else equal (same data, seed and starting "
                "latents): `no_steps`: `max_iter=0`, the starting networks hardened, refined and pruned "
                "exactly as the defaults are; `no_penalty`: `lambda_s=alpha=beta=0`; `no_refine`: "
                "`refine_iter=0` (no refinement and no validated pruning); `fixed_masks`: "
                "`mask_relaxation='fixed'`, the paper's steepness-200 masks from the first step; "
                "`learned_threshold`: `hardening='learned'`, no validated pruning. k = 1..4. "
                "Counts: SWAT *beats* a method on a function when its best model has fewer non-zeros at a "
                "test MSE within 5 % of that method's, or a test MSE lower by more than 5 %."
            ),
            reference="swat",
            methods=(
                ("swat", "SWAT-NN defaults"), ("no_steps", "no latent steps"), ("no_penalty", "no penalties"),
                ("no_refine", "no refinement"), ("fixed_masks", "paper's fixed masks"),
                ("learned_threshold", "learned threshold only"),
            ),
            configurations=per_depth("swat", lambda d: swat(depths=(d,)))
            + per_depth("no_steps", lambda d: swat(depths=(d,), max_iter=0))
            + per_depth("no_penalty", lambda d: swat(depths=(d,), lambda_s=0.0, alpha=0.0, beta=0.0))
            + per_depth("no_refine", lambda d: swat(depths=(d,), refine_iter=0))
            + per_depth("fixed_masks", lambda d: swat(depths=(d,), mask_relaxation="fixed"))
            + per_depth("learned_threshold", lambda d: swat(depths=(d,), hardening="learned")),
            figures=(("best", "best", "The best model per function of the defaults and of each ablation."),),
        ),
        Experiment(
            name="swat_vs_dense",
            title="SWATRegressor (defaults) vs the dense MLP baseline",
            description=(
                "`swat`: `SWATRegressor()` as a user fits it, every parameter at its default (one search over "
                "1-4 hidden layers; config `defaults`). `no_refine`, `no_refine_restarts`, `init_encode`: the "
                "same with `refine_iter=0`, `refine_restarts=0` or `init='encode'`. `dense`: "
                "`DenseMLPRegressor(hidden_layer_sizes=(7,) * k, activation=a)` for k = 1..4 and each activation "
                "(Adam lr 0.01, 6000 full-batch epochs), the same fits as `exp2`'s `dense` (copied from "
                "`exp2.csv` where it has them). Target: SWAT's test MSE at most 1.5x the lowest dense test MSE, "
                "with fewer non-zeros than that dense model."
            ),
            reference="swat",
            methods=(
                ("swat", "SWATRegressor()"),
                ("no_refine", "refine_iter=0"),
                ("no_refine_restarts", "refine_restarts=0"),
                ("init_encode", "init='encode'"),
                ("dense", "Dense MLP"),
            ),
            configurations=(
                Configuration("swat", "defaults", SWATRegressor()),
                Configuration("no_refine", "defaults", SWATRegressor(refine_iter=0)),
                Configuration("no_refine_restarts", "defaults", SWATRegressor(refine_restarts=0)),
                Configuration("init_encode", "defaults", SWATRegressor(init="encode")),
            )
            + per_depth_activation(
                "dense", lambda d, a: DenseMLPRegressor(hidden_layer_sizes=(7,) * d, activation=a)
            ),
            figures=(("best", "best", "The best model per function: SWATRegressor() against the dense MLPs."),),
            target=("dense", 1.5),
        ),
    ]
    return {e.name: e for e in experiments}


_EXPERIMENTS = None


def get_experiment(name):
    """The :class:`Experiment` called ``name`` (one of ``EXPERIMENTS``).

    Parameters
    ----------
    name : str or Experiment
        An experiment name (see ``EXPERIMENTS``); an :class:`Experiment` is returned as it is.

    Returns
    -------
    Experiment
        The experiment.

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> from benchmarks.cornn.experiments import get_experiment
    >>> exp = get_experiment("exp3")
    >>> [m for m, _ in exp.methods]
    ['swat_sparse', 'swat_admm', 'swat_unpruned']
    >>> first = exp.configurations[0]
    >>> first.method, first.config, first.estimator.lambda_s, first.estimator.prune_neurons
    ('swat_sparse', 'depth=1', 0.001, False)
    >>> first.make(seed=3, device="cpu").random_state
    3
    """
    global _EXPERIMENTS
    if _EXPERIMENTS is None:
        _EXPERIMENTS = _build_experiments()
    if isinstance(name, Experiment):
        return name
    try:
        return _EXPERIMENTS[name]
    except KeyError:
        raise ValueError(f"Unknown experiment {name!r}; valid: {sorted(_EXPERIMENTS)}.") from None


#: The experiment names, in order.
EXPERIMENTS = ("exp1", "exp2", "exp3", "penalty_levels", "ablation", "swat_vs_dense")


def resolve_functions(functions):
    """CORNN function names, in the order of their numbers, from names or numbers.

    Parameters
    ----------
    functions : list of str or int, or None
        Names (any case), numbers, or ``"F<number>"``; None: all 54.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from benchmarks.cornn.experiments import resolve_functions
    >>> resolve_functions(["F54", "53", "sphere"])
    ['Sphere', 'Xin-She Yang N.4', 'Zakharov']
    """
    from sk_swat.datasets import cornn_function, cornn_names

    if functions is None:
        return cornn_names()
    specs = {}
    for item in functions:
        if isinstance(item, str):
            text = item.strip()
            if text[:1] in "fF" and text[1:].isdigit():
                text = text[1:]
            item = int(text) if text.isdigit() else text
        spec = cornn_function(item)
        specs[spec.number] = spec.name
    if not specs:
        raise ValueError("functions is empty: give CORNN names or numbers, or None for all 54.")
    return [specs[n] for n in sorted(specs)]


def function_number(name):
    """The CORNN number of a function name; 10**6 for a name that is not a CORNN function (sorts last).

    Examples
    --------
    >>> from benchmarks.cornn.experiments import function_number
    >>> function_number("Zakharov"), function_number("no such function")
    (54, 1000000)
    """
    from sk_swat.datasets import cornn_function

    try:
        return cornn_function(name).number
    except (TypeError, ValueError):
        return 10**6

