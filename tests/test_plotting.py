"""Tests for sk_swat.plotting: every picture renders to a PNG and shows what it should."""

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from sk_swat import SWATRegressor  # noqa: E402
from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig  # noqa: E402
from sk_swat.mlp import SparseMLP  # noqa: E402
from sk_swat.plotting import (  # noqa: E402
    WEIGHT_COLOURS,
    plot_architecture,
    plot_candidates,
    plot_latent_smoothness,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted():
    """A SWATRegressor fitted in a second with a tiny random autoencoder (not the bundled one)."""
    torch.manual_seed(0)
    config = SWATAutoencoderConfig(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1)
    autoencoder = SWATAutoencoder(config).eval().requires_grad_(False)
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (80, 2))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    reg = SWATRegressor(
        autoencoder=autoencoder, depths=(1, 2, 3), n_restarts=2, max_iter=10, refine_iter=0, random_state=0
    )
    return reg.fit(X, y)


def _save_png(ax, path):
    ax = np.atleast_1d(ax)[0]
    ax.figure.savefig(path, format="png", dpi=60)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 50 and image.shape[1] > 50
    assert image[..., :3].std() > 0  # not a blank canvas
    return image


def _by_gid(ax, prefix):
    return [c for c in ax.collections if (c.get_gid() or "").startswith(prefix)]


# --------------------------------------------------------------------------- plot_architecture


def _handmade():
    """Two inputs, layers of 3 (one pruned) and 2 neurons, some zero weights, all three activations."""
    return SparseMLP(
        weights=[
            [[1.0, 0.0, 2.0], [-0.5, 3.0, 0.0]],
            [[0.0, -4.0], [9.0, 9.0], [1.5, 0.0]],
            [[2.0], [-1.0]],
        ],
        biases=[[0.1, 0.0, -0.2], [0.0, 0.3], [0.5]],
        activations=[["tanh", "sigmoid", "leaky_relu"], ["sigmoid", "tanh"]],
        masks=[[True, False, True], [True, True]],
    )


@pytest.mark.parametrize(
    "mlp",
    [
        _handmade(),
        SparseMLP.random(n_inputs=2, depth=1, random_state=0),
        SparseMLP.random(n_inputs=3, depth=3, random_state=1),
        SparseMLP.random(n_inputs=2, depth=4, keep_probability=0.3, random_state=2),
    ],
    ids=["handmade", "depth1", "depth3", "depth4"],
)
def test_architecture_draws_kept_neurons_and_nonzero_weights(mlp, tmp_path):
    ax = plot_architecture(mlp)
    _save_png(ax, tmp_path / "architecture.png")

    # one edge per non-zero weight, in one LineCollection; no other lines drawn
    edges = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(edges) == 1 and edges[0].get_gid() == "weights"
    nonzero = [w[w != 0] for w in mlp.weights]
    values = np.concatenate(nonzero)
    assert len(edges[0].get_segments()) == values.size == sum(int(np.count_nonzero(w)) for w in mlp.weights)
    assert len(ax.lines) == 0
    # colour = sign, width proportional to |w| (the largest at 4 points, none below 0.3)
    colours = edges[0].get_colors()
    expected = [to_rgba(WEIGHT_COLOURS["positive" if v > 0 else "negative"], 0.75) for v in values]
    np.testing.assert_allclose(colours, expected)
    widths = np.asarray(edges[0].get_linewidths())
    np.testing.assert_allclose(widths, np.maximum(4 * np.abs(values) / np.abs(values).max(), 0.3))

    # one marker per input, kept neuron and the output; pruned neurons are absent
    nodes = [c for c in ax.collections if isinstance(c, PathCollection)]
    n_markers = sum(len(c.get_offsets()) for c in nodes)
    assert n_markers == mlp.n_inputs + mlp.n_neurons + 1
    assert len(_by_gid(ax, "neurons-input")[0].get_offsets()) == mlp.n_inputs
    assert len(_by_gid(ax, "neurons-output")[0].get_offsets()) == 1
    kept_codes = np.concatenate([a[m] for a, m in zip(mlp.activations, mlp.masks)])
    for code, name in enumerate(("sigmoid", "tanh", "leaky_relu")):
        drawn = _by_gid(ax, f"neurons-{name}")
        assert sum(len(c.get_offsets()) for c in drawn) == int((kept_codes == code).sum())
    # every edge ends on a drawn node
    points = {tuple(p) for c in nodes for p in np.asarray(c.get_offsets())}
    assert all(tuple(end) in points for seg in edges[0].get_segments() for end in seg)

    title = ax.get_title()
    assert f"{mlp.n_nonzero} non-zero" in title
    assert str(mlp.architecture["hidden_layer_sizes"]) in title
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"input", "output", "weight > 0", "weight < 0"} <= set(legend)


def test_architecture_on_given_axes_with_feature_names(tmp_path):
    fig, ax = plt.subplots()
    mlp = _handmade()
    assert plot_architecture(mlp, ax=ax, feature_names=["height", "width"]) is ax
    texts = {t.get_text() for t in ax.texts}
    assert {"height", "width", "output"} <= texts
    _save_png(ax, tmp_path / "named.png")
    with pytest.raises(ValueError, match="feature_names"):
        plot_architecture(mlp, feature_names=["only one"])


def test_architecture_of_fitted_estimator(fitted, tmp_path):
    ax = plot_architecture(fitted)
    _save_png(ax, tmp_path / "fitted.png")
    edges = _by_gid(ax, "weights")[0]
    assert len(edges.get_segments()) == sum(int(np.count_nonzero(w)) for w in fitted.mlp_.weights)
    assert f"{fitted.n_nonzero_} non-zero" in ax.get_title()
    assert {"x0", "x1"} <= {t.get_text() for t in ax.texts}


def test_architecture_rejects_other_objects():
    for bad in (np.zeros((2, 3)), {"weights": []}, "mlp", None):
        with pytest.raises(TypeError, match="a SparseMLP or a fitted estimator with an mlp_"):
            plot_architecture(bad)
    with pytest.raises(NotFittedError):
        plot_architecture(SWATRegressor())


def test_architecture_without_weights():
    # a network whose neurons are all pruned: only inputs and output, no edges
    mlp = SparseMLP([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), [0.2]], [[0, 1, 2]], [[False] * 3])
    ax = plot_architecture(mlp)
    assert len(_by_gid(ax, "weights")[0].get_segments()) == 0
    assert sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection)) == 3


# --------------------------------------------------------------------------- plot_candidates


def test_candidates(fitted, tmp_path):
    ax = plot_candidates(fitted)
    _save_png(ax, tmp_path / "candidates.png")
    c = fitted.candidates_
    assert ax.get_yscale() == "log"
    # every candidate drawn, in its depth's colour group
    for d in np.unique(c["depth"]):
        group = _by_gid(ax, f"depth-{d}")
        assert len(group) == 1
        np.testing.assert_allclose(
            group[0].get_offsets(), np.column_stack([c["n_nonzero"], c["validation_mse"]])[c["depth"] == d]
        )
    # the chosen marker sits on the chosen candidate
    chosen = _by_gid(ax, "chosen")
    assert len(chosen) == 1
    i = int(np.flatnonzero(c["chosen"])[0])
    np.testing.assert_allclose(chosen[0].get_offsets(), [[c["n_nonzero"][i], c["validation_mse"][i]]])
    # the (1 + tol) bound
    assert len(ax.lines) == 1
    np.testing.assert_allclose(ax.lines[0].get_ydata()[0], (1 + fitted.tol) * c["validation_mse"].min())


def test_candidates_with_zero_and_infinite_mse(fitted, tmp_path):
    import copy

    reg = copy.copy(fitted)
    reg.candidates_ = {k: np.array(v, copy=True) for k, v in fitted.candidates_.items()}
    reg.candidates_["validation_mse"] = reg.candidates_["validation_mse"].astype(float)
    reg.candidates_["validation_mse"][0] = 0.0
    reg.candidates_["validation_mse"][1] = np.inf
    ax = plot_candidates(reg)
    _save_png(ax, tmp_path / "odd.png")
    drawn = np.concatenate([g.get_offsets() for g in _by_gid(ax, "depth-")])
    assert len(drawn) == len(reg.candidates_["depth"]) - 1  # the infinite one is left out
    assert np.all(np.isfinite(drawn)) and np.all(drawn[:, 1] > 0)


def test_candidates_from_the_dict_match_those_from_the_estimator(fitted):
    from_dict = plot_candidates(fitted.candidates_, tol=fitted.tol)
    from_estimator = plot_candidates(fitted)
    for gid in ("chosen", "depth-1"):
        np.testing.assert_array_equal(
            _by_gid(from_dict, gid)[0].get_offsets(), _by_gid(from_estimator, gid)[0].get_offsets()
        )
    np.testing.assert_array_equal(from_dict.lines[0].get_ydata(), from_estimator.lines[0].get_ydata())
    assert len(plot_candidates(fitted.candidates_).lines) == 0  # no tol, no bound


def test_candidates_rejects_other_objects():
    with pytest.raises(TypeError, match="SWATRegressor"):
        plot_candidates(_handmade())
    with pytest.raises(ValueError, match="missing"):
        plot_candidates({"depth": [1], "n_nonzero": [3]})
    with pytest.raises(NotFittedError):
        plot_candidates(SWATRegressor())


# --------------------------------------------------------------------------- plot_latent_smoothness


def test_latent_smoothness_four_decoders(tmp_path):
    a, b = np.meshgrid(np.linspace(-2, 2, 9), np.linspace(-2, 2, 9))
    maps = [k * (a**2 + 0.5 * b**2) for k in range(1, 5)]
    axes = plot_latent_smoothness(maps, extent=(-2, 2, -2, 2))
    assert axes.shape == (4,)
    _save_png(axes, tmp_path / "smoothness.png")
    for k, (ax, m) in enumerate(zip(axes, maps), start=1):
        assert ax.get_title() == f"decoder D_{k}"
        (image,) = ax.images
        np.testing.assert_array_equal(image.get_array(), m)
        assert tuple(image.get_extent()) == (-2, 2, -2, 2)
        assert image.origin == "lower"


def test_latent_smoothness_single_map_and_given_axes(tmp_path):
    m = np.arange(25.0).reshape(5, 5)
    fig, ax = plt.subplots()
    assert plot_latent_smoothness(m, ax=ax, titles=["one"], colorbar=False) is ax
    assert ax.get_title() == "one" and len(fig.axes) == 1
    _save_png(ax, tmp_path / "single.png")
    fig, axes = plt.subplots(1, 2)
    out = plot_latent_smoothness(np.stack([m, m.T]), ax=axes)
    assert list(out) == list(axes)
    with pytest.raises(ValueError, match="one Axes per map"):
        plot_latent_smoothness([m, m, m], ax=axes)
    with pytest.raises(ValueError, match="2-D"):
        plot_latent_smoothness(np.zeros(5))
    with pytest.raises(ValueError, match="titles"):
        plot_latent_smoothness([m, m], titles=["a"])


# --------------------------------------------------------------------------- without matplotlib


def test_clear_error_without_matplotlib(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    for call in (
        lambda: plot_architecture(_handmade()),
        lambda: plot_latent_smoothness(np.zeros((3, 3))),
    ):
        with pytest.raises(ImportError, match=r'pip install "sk-swat\[plot\]"'):
            call()


# --------------------------------------------------------------------------- named features


def _input_labels(ax):
    return {t.get_text() for t in ax.texts} - {"output"} - {t.get_text() for t in ax.texts if t.get_text().startswith("layer ")}


def test_architecture_of_a_pipeline_names_the_columns_its_steps_make(fitted):
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(3, size=80), rng.uniform(-1, 1, 80)])
    y = X[:, 0] + np.sin(2 * X[:, 1])
    columns = ColumnTransformer([("colour", OneHotEncoder(), [0]), ("size", StandardScaler(), [1])])
    pipe = make_pipeline(columns, SWATRegressor(**{**fitted.get_params(), "depths": (1,), "n_restarts": 1})).fit(X, y)
    ax = plot_architecture(pipe)
    expected = list(pipe[:-1].get_feature_names_out())
    assert len(expected) == 4 and _input_labels(ax) == set(expected)
    assert f"{pipe[-1].n_nonzero_} non-zero" in ax.get_title()
    # given names win
    ax = plot_architecture(pipe, feature_names=["red", "green", "blue", "size"])
    assert _input_labels(ax) == {"red", "green", "blue", "size"}


def test_architecture_of_a_pipeline_without_names_and_not_fitted(fitted):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X = np.random.RandomState(0).uniform(-1, 1, (60, 2))
    # a FunctionTransformer without feature_names_out cannot name its outputs: x0, x1
    pipe = make_pipeline(FunctionTransformer(np.tanh), SWATRegressor(**fitted.get_params())).fit(X, X[:, 0])
    assert _input_labels(plot_architecture(pipe)) == {"x0", "x1"}
    with pytest.raises(NotFittedError):
        plot_architecture(make_pipeline(FunctionTransformer(), SWATRegressor()))
    from sklearn.linear_model import Ridge

    with pytest.raises(TypeError, match="a SparseMLP or a fitted estimator with an mlp_"):
        plot_architecture(make_pipeline(FunctionTransformer(), Ridge()).fit(X, X[:, 0]))


def test_architecture_labels_the_columns_of_a_dataframe(fitted):
    pd = pytest.importorskip("pandas", reason="a DataFrame needs pandas")
    X = pd.DataFrame(np.random.RandomState(0).uniform(-1, 1, (60, 2)), columns=["height", "width"])
    reg = SWATRegressor(**fitted.get_params()).fit(X, X["height"] * X["width"])
    assert _input_labels(plot_architecture(reg)) == {"height", "width"}


def test_plot_architecture_names_every_output_of_a_multi_output_network():
    ax = plot_architecture(SparseMLP.random(n_inputs=2, depth=2, n_outputs=3, random_state=0))
    texts = [t.get_text() for t in ax.texts]
    assert ["output 1", "output 2", "output 3"] == [t for t in texts if t.startswith("output")]
    plt.close(ax.figure)
