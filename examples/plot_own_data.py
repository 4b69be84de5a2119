"""
SWAT on your own data: categories, many features, a size budget
===============================================================

The steps of :ref:`own-data`, run: a categorical column through a
:class:`~sklearn.compose.ColumnTransformer`, more features than the autoencoder takes reduced by
:class:`~sklearn.feature_selection.SelectKBest` or :class:`~sklearn.decomposition.PCA` in a
:class:`~sklearn.pipeline.Pipeline`, the candidates of a fit read as a table, and a network picked
by its size.
"""

# %%
# ``SK_SWAT_DOCS_QUICK=1`` (set by the documentation's CI build) shortens the search; without it
# the estimator's defaults are used (but ``depths``, chosen below for small data).
import os

QUICK = os.environ.get("SK_SWAT_DOCS_QUICK", "") not in ("", "0")
settings = dict(max_iter=200, refine_iter=100) if QUICK else {}

# %%
# A categorical column
# --------------------
# The diabetes data, unscaled: column 1 is the patient's sex, coded 1 or 2. It is a category, not
# a quantity, so it goes through a :class:`~sklearn.preprocessing.OneHotEncoder`; the other nine
# columns are standardised. 442 rows is little data for a network, so the search is kept to one
# and two hidden layers.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sk_swat import SWATRegressor
from sk_swat.plotting import plot_architecture, plot_candidates

data = load_diabetes(scaled=False)
X, y, names = data.data, data.target, data.feature_names
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

numeric = [i for i in range(X.shape[1]) if names[i] != "sex"]
columns = ColumnTransformer([
    ("sex", OneHotEncoder(drop="if_binary"), [names.index("sex")]),
    ("num", StandardScaler(), numeric),
])
pipe = make_pipeline(columns, SWATRegressor(depths=(1, 2), random_state=0, **settings))
pipe.fit(X_train, y_train)
print(f"test R^2: {pipe.score(X_test, y_test):.3f}")

# %%
# The network's inputs are the columns the transformer makes. With a DataFrame they carry the
# column names by themselves; with a plain array, give the names to ``get_feature_names_out``:
inputs = pipe[:-1].get_feature_names_out(names)
print(list(inputs))
reg = pipe[-1]
print(reg.summary(inputs))

# %%
# :func:`~sk_swat.plotting.plot_architecture` draws the network of a fitted pipeline and labels
# its inputs the same way (here with the names passed in, as the pipeline saw an array):
plot_architecture(pipe, feature_names=inputs)
plt.show()

# %%
# The candidates and the front of error against size
# ---------------------------------------------------
# Every (depth, restart) of the search is a candidate; ``candidates_`` has one entry per
# candidate and ``pareto_front_`` the ones no other beats in both validation MSE and size.
c = reg.candidates_
print(" depth  sizes      non-zeros  validation MSE  chosen")
for i in range(len(c["depth"])):
    print(f"{c['depth'][i]:6d}  {str(c['hidden_layer_sizes'][i]):10s} {c['n_nonzero'][i]:9d}"
          f"  {c['validation_mse'][i]:14.4g}  {'*' if c['chosen'][i] else ''}")
print(reg.pareto_front_)

plot_candidates(reg)
plt.show()

# %%
# A size budget
# -------------
# ``max_nonzero`` keeps the most accurate candidate with at most that many non-zero parameters.
# The same ``random_state`` repeats the same search, so the budget only changes the choice: here
# the sparsest point of the front.
budget = int(reg.pareto_front_["n_nonzero"][0])
small = make_pipeline(clone(columns), SWATRegressor(depths=(1, 2), max_nonzero=budget, random_state=0, **settings))
small.fit(X_train, y_train)
print(f"budget {budget}: {small[-1].n_nonzero_} non-zeros, test R^2 {small.score(X_test, y_test):.3f}")

# %%
# More than 16 features
# ---------------------
# The autoencoder takes at most 16 inputs. Friedman's first function depends on 5 features; here
# it is given 25, 20 of them noise. :class:`~sklearn.feature_selection.SelectKBest` keeps the 8
# most related to the target, :class:`~sklearn.decomposition.PCA` keeps 16 components.
from sklearn.datasets import make_friedman1
from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest, f_regression

X, y = make_friedman1(n_samples=1000, n_features=25, noise=0.5, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
fitted = {}
for reduce in (SelectKBest(f_regression, k=8), PCA(n_components=16)):
    model = make_pipeline(StandardScaler(), reduce, SWATRegressor(depths=(1, 2), random_state=0, **settings))
    model.fit(X_train, y_train)
    fitted[type(reduce).__name__] = model
    print(f"{type(reduce).__name__:12s} test R^2 {model.score(X_test, y_test):.3f}, "
          f"{model[-1].n_nonzero_} non-zeros")
print("features SelectKBest kept:", np.flatnonzero(fitted["SelectKBest"][1].get_support()))
