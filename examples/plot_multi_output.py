"""
Several targets, one network
============================

With a ``y`` of several columns (up to 7), :class:`~sk_swat.SWATRegressor` searches one network
whose hidden layers are shared by all targets and which has one output per column (the bundled
autoencoder embeds networks of up to 7 outputs). When the targets are made of the same few hidden features,
that network is much smaller than one network per target
(:class:`~sklearn.multioutput.MultiOutputRegressor`).
"""

# %%
# ``SK_SWAT_DOCS_QUICK=1`` (set by the documentation's CI build) shortens the searches; without it
# the estimator's defaults are used.
import os

QUICK = os.environ.get("SK_SWAT_DOCS_QUICK", "") not in ("", "0")

# %%
# Three targets of two hidden features
# ------------------------------------
import numpy as np
from sklearn.model_selection import train_test_split

rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, (1000, 4))
s1, s2 = np.tanh(2 * X[:, 0] - X[:, 1]), np.tanh(X[:, 2] + X[:, 3] - X[:, 0])
Y = np.c_[s1 + s2, s1 - 0.5 * s2, 0.5 * s1**2 - s2] + 0.05 * rng.standard_normal((1000, 3))
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)

# %%
# One network for the three, and one per target
# ---------------------------------------------
from sklearn.multioutput import MultiOutputRegressor

from sk_swat import SWATRegressor

settings = dict(max_iter=200, refine_iter=100) if QUICK else {}
shared = SWATRegressor(random_state=0, **settings).fit(X_train, Y_train)
per_target = MultiOutputRegressor(SWATRegressor(random_state=0, **settings)).fit(X_train, Y_train)

print("one network:       R^2 %.4f, %d non-zeros, hidden layers %s"
      % (shared.score(X_test, Y_test), shared.n_nonzero_, shared.architecture_["hidden_layer_sizes"]))
print("one per target:    R^2 %.4f, %d non-zeros"
      % (per_target.score(X_test, Y_test), sum(e.n_nonzero_ for e in per_target.estimators_)))

# %%
# The shared network
# ------------------
# Each output has its own row of output weights; the hidden neurons feed all of them.
import matplotlib.pyplot as plt

from sk_swat.plotting import plot_architecture

plot_architecture(shared)
plt.show()
