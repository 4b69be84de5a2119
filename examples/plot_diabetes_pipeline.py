"""
A pipeline on the diabetes data, against MLPRegressor and a linear model
=========================================================================

:class:`~sk_swat.SWATRegressor` is an ordinary scikit-learn regressor, so it goes into a
:class:`~sklearn.pipeline.Pipeline` and through
:func:`~sklearn.model_selection.cross_validate` like any other. This example compares it with
scikit-learn's dense :class:`~sklearn.neural_network.MLPRegressor` and a ridge regression on the
diabetes data set (442 patients, 10 features; SWATRegressor takes up to 16), by cross-validated
:math:`R^2`, fit time and number of parameters.
"""

# %%
# ``SK_SWAT_DOCS_QUICK=1`` (set by the documentation's CI build) shortens the search and uses
# fewer folds; without it the estimator's defaults are used.
import os

QUICK = os.environ.get("SK_SWAT_DOCS_QUICK", "") not in ("", "0")

# %%
# Three pipelines
# ---------------
# Each model sees standardised features. SWATRegressor would not need the scaler (it scales
# ``X`` and ``y`` to [-1, 1] itself), but the same first step makes the comparison even.
# MLPRegressor needs a scaled target too, which
# :class:`~sklearn.compose.TransformedTargetRegressor` provides.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_validate
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sk_swat import SWATRegressor

X, y = load_diabetes(return_X_y=True)
print(X.shape)

swat_settings = dict(max_iter=300, refine_iter=50) if QUICK else {}
models = {
    "SWATRegressor": make_pipeline(StandardScaler(), SWATRegressor(random_state=0, **swat_settings)),
    "MLPRegressor (7, 7)": TransformedTargetRegressor(
        regressor=make_pipeline(
            StandardScaler(),
            MLPRegressor(hidden_layer_sizes=(7, 7), alpha=1e-2, max_iter=3000, random_state=0),
        ),
        transformer=StandardScaler(),
    ),
    "RidgeCV": make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))),
}


def n_parameters(fitted):
    """Non-zero weights and biases of a fitted model."""
    if isinstance(fitted, TransformedTargetRegressor):
        fitted = fitted.regressor_
    last = fitted[-1]
    if isinstance(last, SWATRegressor):
        return last.n_nonzero_
    if isinstance(last, MLPRegressor):
        return int(sum(np.count_nonzero(a) for a in last.coefs_ + last.intercepts_))
    return int(np.count_nonzero(last.coef_) + 1)


# %%
# Cross-validation
# ----------------
cv = KFold(n_splits=3 if QUICK else 5, shuffle=True, random_state=0)
results = {}
for name, model in models.items():
    scores = cross_validate(model, X, y, cv=cv, scoring="r2", return_estimator=True)
    results[name] = {
        "r2": scores["test_score"],
        "fit_time": scores["fit_time"],
        "n_parameters": [n_parameters(est) for est in scores["estimator"]],
        "estimators": scores["estimator"],
    }
    r = results[name]
    print(f"{name:22s} R^2 {r['r2'].mean():.3f} +- {r['r2'].std():.3f}   "
          f"fit {r['fit_time'].mean():6.2f} s   parameters {np.mean(r['n_parameters']):6.1f}")
    print(f"{'':22s} R^2 per fold: {np.round(r['r2'], 3)}")

# %%
# Look at the folds, not only the mean. A test row that lies outside the range of the training
# rows in some feature reaches the network outside the [-1, 1] range it was fitted on, and a
# network with large weights and unbounded (leaky ReLU) neurons can predict it far off, which
# costs that fold much of its :math:`R^2`.
#
# The networks SWATRegressor found in the folds:
for est in results["SWATRegressor"]["estimators"]:
    print(est[-1].architecture_["hidden_layer_sizes"], est[-1].n_nonzero_, "non-zeros")

# %%
# Accuracy against size
# ---------------------
# Dense MLPs use every weight; SWATRegressor's networks keep only some of them, with one
# activation chosen per neuron. The linear model is the yardstick: on this data set, a good part
# of the signal is linear.
names = list(results)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained", sharey=True)
left.barh(names, [results[n]["r2"].mean() for n in names],
          xerr=[results[n]["r2"].std() for n in names], color="tab:green", capsize=4)
left.set_xlabel("cross-validated $R^2$ (mean and std over folds)")
right.barh(names, [np.mean(results[n]["n_parameters"]) for n in names], color="tab:blue")
right.set_xlabel("non-zero parameters (mean over folds)")
left.invert_yaxis()
plt.show()

# %%
# The network of the first fold:
from sk_swat.plotting import plot_architecture

feature_names = load_diabetes().feature_names
plot_architecture(results["SWATRegressor"]["estimators"][0][-1].mlp_, feature_names=feature_names)
plt.show()
