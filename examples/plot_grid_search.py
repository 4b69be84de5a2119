"""
Tuning the penalties with GridSearchCV
======================================

The sparsity penalty ``lambda_s`` and the neuron-compactness weights ``alpha`` and ``beta``
trade accuracy against the size of the network (see the user guide's section on the
penalties). This example searches them with :class:`~sklearn.model_selection.GridSearchCV`,
records the number of non-zero parameters of every fit next to its error, plots the trade-off,
and refits the setting chosen by the SWAT-NN paper's rule: the fewest non-zeros among the
settings whose error is within 5 % of the lowest.
"""

# %%
# ``SK_SWAT_DOCS_QUICK=1`` (set by the documentation's CI build) shortens every search and
# shrinks the grid; without it the estimator's defaults and the full grid are used.
import os

QUICK = os.environ.get("SK_SWAT_DOCS_QUICK", "") not in ("", "0")

# %%
# Data and grid
# -------------
# One CORNN task, with 1000 of its 3750 training points to keep the many fits short, and
# networks of one and two hidden layers only, which halves the cost of every fit.
#
# The paper's penalty levels (Table I) go from ``lambda_s=1e-5`` to ``1e-3`` and from
# ``beta=1e-4`` to ``1e-1``. With the autoencoder bundled with sk-swat they change the networks
# found on this task only a little, so the grid reaches further, up to ``lambda_s=0.1`` and
# ``beta=1``, where the networks get clearly smaller.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV

from sk_swat import SWATRegressor, load_cornn

X_train, X_test, y_train, y_test = load_cornn("Rastrigin")
X_train, y_train = X_train[:1000], y_train[:1000]

if QUICK:
    estimator = SWATRegressor(depths=(1, 2), n_restarts=1, max_iter=500, refine_iter=100, random_state=0)
    param_grid = {"lambda_s": [1e-4, 1e-2, 1e-1], "alpha": [0.4], "beta": [1e-3, 1.0]}
    cv = 2
else:
    estimator = SWATRegressor(depths=(1, 2), random_state=0)
    param_grid = {"lambda_s": [1e-4, 1e-3, 1e-2, 1e-1], "alpha": [0.1, 0.4], "beta": [1e-3, 1.0]}
    cv = 3

# %%
# Scoring sparsity as well as error
# ---------------------------------
# With several scorers, ``cv_results_`` holds each of them for every setting. A scorer is any
# callable ``(estimator, X, y) -> float``, so one that returns ``n_nonzero_`` records the size of
# every fitted network. ``refit`` takes a callable that picks the index of the setting to refit
# from ``cv_results_``: here, the paper's selection rule.


def n_nonzero(estimator, X, y):
    """Number of non-zero parameters of the fitted network (not a score: lower is sparser)."""
    return estimator.n_nonzero_


def sparsest_within_5_percent(cv_results):
    """Index of the setting with the fewest non-zeros among those within 5 % of the lowest MSE."""
    mse = -np.asarray(cv_results["mean_test_mse"])
    nonzero = np.asarray(cv_results["mean_test_n_nonzero"])
    candidates = np.flatnonzero(mse <= 1.05 * np.nanmin(mse))  # a failed fit scores NaN
    return int(candidates[np.argmin(nonzero[candidates])])


search = GridSearchCV(
    estimator,
    param_grid,
    scoring={"mse": "neg_mean_squared_error", "n_nonzero": n_nonzero},
    refit=sparsest_within_5_percent,
    cv=cv,
)
search.fit(X_train, y_train)

best = search.best_estimator_
print("chosen:", search.best_params_)
print(f"test MSE {np.mean((best.predict(X_test) - y_test) ** 2):.4f}, "
      f"{best.n_nonzero_} non-zeros, hidden layers {best.architecture_['hidden_layer_sizes']}")

# %%
# The accuracy-sparsity trade-off
# -------------------------------
# Each point is one setting: its cross-validated MSE against the mean number of non-zero
# parameters of its fits. Stronger penalties move the points to the left (sparser) and usually
# up (less accurate); the star is the setting the rule chose.
results = search.cv_results_
mse = -results["mean_test_mse"]
nonzero = results["mean_test_n_nonzero"]
lambdas = np.array(results["param_lambda_s"], dtype=float)
betas = np.array(results["param_beta"], dtype=float)

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
markers = dict(zip(sorted(set(betas)), "o^sD"))
for beta, marker in markers.items():
    sel = betas == beta
    points = ax.scatter(nonzero[sel], mse[sel], c=np.log10(lambdas[sel]), cmap="viridis",
                        vmin=np.log10(lambdas.min()), vmax=np.log10(lambdas.max()),
                        marker=marker, s=60, label=f"beta={beta:g}")
ax.scatter(nonzero[search.best_index_], mse[search.best_index_], marker="*", s=400,
           facecolors="none", edgecolors="black", label="chosen")
ax.axhline(1.05 * mse.min(), color="gray", ls="--", lw=1, label="1.05 x lowest MSE")
fig.colorbar(points, ax=ax, label="log10(lambda_s)")
ax.set_xlabel("mean non-zero parameters")
ax.set_ylabel("cross-validated MSE")
ax.set_yscale("log")
ax.legend(fontsize=8)
plt.show()

# %%
# The table behind the plot, sorted by the number of non-zeros:
order = np.argsort(nonzero)
for i in order:
    params = results["params"][i]
    print(f"lambda_s={params['lambda_s']:<7g} alpha={params['alpha']:<4g} beta={params['beta']:<7g}"
          f"  MSE {mse[i]:.4f}  non-zeros {nonzero[i]:6.1f}")
