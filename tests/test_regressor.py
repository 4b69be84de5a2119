"""Tests of ``SWATRegressor``: scikit-learn integration, persistence, input errors, fitted attributes.

Every fit uses the small settings of ``conftest.SMALL`` (a few search steps): these tests check behaviour,
not accuracy, and must not depend on how well the bundled autoencoder is trained.
"""

import dataclasses
import json
import os
import pickle
import pickletools
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
import torch
from joblib import parallel_config
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_regressor
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sk_swat import SWATRegressor
from sk_swat import _regressor as sk_swat_regressor
from sk_swat.autoencoder.loading import BUNDLED_DIR, AutoencoderLoadError
from sk_swat.encoding import MAX_DEPTH, MAX_INPUTS
from sk_swat.mlp import SparseMLP
from sk_swat.search import PAPER_TOLERANCE


@pytest.fixture(scope="module")
def fitted(regression_data):
    """A fit with 2 depths x 2 restarts, shared by the read-only attribute tests."""
    X, y = regression_data
    params = {"max_iter": 8, "depths": (1, 2), "n_restarts": 2, "refine_iter": 5, "random_state": 0}
    return SWATRegressor(**params).fit(X, y)


# --------------------------------------------------------------------------- scikit-learn integration


def test_is_a_regressor_and_clone_keeps_params_drops_state(fitted):
    assert is_regressor(SWATRegressor())
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "mlp_")
    with pytest.raises(NotFittedError):
        copy.predict(np.zeros((2, 2)))


def test_init_only_stores_parameters():
    # Keyword-only, and no validation in __init__ (sklearn convention): bad values fail in fit.
    with pytest.raises(TypeError):
        SWATRegressor(None)  # noqa
    SWATRegressor(max_iter=-1, depths=(9,), device="nonsense")


def test_grid_search_over_penalties_in_parallel(regression_data, small_params):
    X, y = regression_data
    grid = {"lambda_s": [0.0, 1e-3], "alpha": [0.4], "beta": [1e-3, 1e-2]}
    # Two worker processes, forked: the estimator, the data and the scores still cross a process
    # boundary by pickle, but the workers need not import torch and transformers and load the
    # autoencoder again (loky's fresh workers took about 20 s here). Fresh interpreters that unpickle
    # a SWATRegressor: benchmarks/cornn's test_terminated_run_takes_its_workers_with_it.
    with parallel_config(backend="multiprocessing"):
        search = GridSearchCV(SWATRegressor(**small_params), grid, cv=2, n_jobs=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert set(search.best_params_) == {"lambda_s", "alpha", "beta"}
    assert search.predict(X[:5]).shape == (5,)


def test_pipeline_with_standard_scaler(regression_data, small_params):
    X, y = regression_data
    pipe = Pipeline([("scale", StandardScaler()), ("swat", SWATRegressor(**small_params))]).fit(X, y)
    pred = pipe.predict(X)
    assert pred.shape == y.shape and np.isfinite(pred).all()
    assert pipe.named_steps["swat"].n_features_in_ == 2


def test_pca_step_makes_wide_data_usable(small_params):
    # What the error message for too many features suggests.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, MAX_INPUTS + 4))
    y = X[:, 0] - X[:, 1]
    pipe = make_pipeline(PCA(n_components=4), SWATRegressor(**small_params)).fit(X, y)
    assert pipe.predict(X).shape == (40,)


def test_cross_val_score(regression_data, small_params):
    X, y = regression_data
    scores = cross_val_score(SWATRegressor(**small_params), X, y, cv=KFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,) and np.isfinite(scores).all()


def test_same_random_state_same_model(regression_data):
    X, y = regression_data
    params = {"max_iter": 6, "depths": (1, 2), "n_restarts": 2, "refine_iter": 5, "random_state": 3}
    a = SWATRegressor(**params).fit(X, y)
    b = SWATRegressor(**params).fit(X, y)
    assert a.mlp_ == b.mlp_
    assert_array_equal(a.predict(X), b.predict(X))
    assert_array_equal(a.candidates_["validation_mse"], b.candidates_["validation_mse"])
    assert a.loss_curve_ == b.loss_curve_
    # A RandomState instance is consumed, an int is not: refitting with an int repeats the fit.
    c = b.fit(X, y)
    assert_array_equal(a.predict(X), c.predict(X))


def test_other_random_state_other_search(regression_data):
    X, y = regression_data
    params = {"max_iter": 3, "depths": (1,), "n_restarts": 1, "refine_iter": 0}
    a = SWATRegressor(random_state=0, **params).fit(X, y)
    b = SWATRegressor(random_state=1, **params).fit(X, y)
    assert a.loss_curve_ != b.loss_curve_


# --------------------------------------------------------------------------- persistence


def _torch_objects(obj, path="est", seen=None):
    """Paths of every torch object reachable from ``obj`` through containers and instance dicts."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if type(obj).__module__.split(".")[0] == "torch" or isinstance(obj, (torch.Tensor, torch.nn.Module)):
        return [path]
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            found += _torch_objects(k, f"{path}[key {k!r}]", seen)
            found += _torch_objects(v, f"{path}[{k!r}]", seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for i, v in enumerate(obj):
            found += _torch_objects(v, f"{path}[{i}]", seen)
    elif isinstance(obj, np.ndarray):
        if obj.dtype == object:
            for i, v in enumerate(obj.ravel()):
                found += _torch_objects(v, f"{path}.flat[{i}]", seen)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        for k, v in vars(obj).items():
            found += _torch_objects(v, f"{path}.{k}", seen)
    return found


def _pickled_modules(data):
    """Module names that a pickle refers to (GLOBAL and STACK_GLOBAL both name them as strings)."""
    names = set()
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":
            names.add(arg.split(" ")[0])
        elif isinstance(arg, str):
            names.add(arg)
    return names


def test_pickle_is_small_numpy_only_and_predicts_the_same(fitted, regression_data):
    X, _ = regression_data
    data = pickle.dumps(fitted)
    assert len(data) < 50_000, f"pickle of a fitted SWATRegressor is {len(data)} bytes"
    assert _torch_objects(fitted) == []
    assert not any(n == "torch" or n.startswith("torch.") for n in _pickled_modules(data))
    assert isinstance(fitted.mlp_, SparseMLP)
    assert all(isinstance(w, np.ndarray) for w in fitted.mlp_.weights + fitted.mlp_.biases)
    restored = pickle.loads(data)
    assert_array_equal(restored.predict(X), fitted.predict(X))
    assert restored.get_params() == fitted.get_params()


def test_joblib_persistence(fitted, regression_data, tmp_path):
    X, _ = regression_data
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    assert path.stat().st_size < 50_000
    assert_array_equal(joblib.load(path).predict(X), fitted.predict(X))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fit_on_gpu_predict_after_cpu_unpickle(regression_data, small_params, tmp_path):
    X, y = regression_data
    reg = SWATRegressor(device="cuda", **small_params).fit(X, y)
    assert reg.device_.startswith("cuda")
    assert _torch_objects(reg) == []
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(reg))
    np.save(tmp_path / "X.npy", X)
    # Unpickle in a process that sees no GPU at all.
    script = textwrap.dedent(f"""
        import pickle, numpy as np, torch
        assert not torch.cuda.is_available()
        reg = pickle.loads(open({str(path)!r}, "rb").read())
        np.save({str(tmp_path / "pred.npy")!r}, reg.predict(np.load({str(tmp_path / "X.npy")!r})))
    """)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=300)
    assert_array_equal(np.load(tmp_path / "pred.npy"), reg.predict(X))
    # The same settings on the CPU find a network too (the search is not bitwise equal across devices).
    cpu = SWATRegressor(device="cpu", **small_params).fit(X, y)
    assert cpu.mlp_.depth == reg.mlp_.depth


# --------------------------------------------------------------------------- bad input


def _with(X, i, j, value):
    X = X.copy()
    X[i, j] = value
    return X


@pytest.mark.parametrize(
    "make_X, make_y, match",
    [
        (lambda X: _with(X, 3, 1, np.nan), lambda y: y, "Input X contains NaN"),
        (lambda X: _with(X, 3, 1, np.inf), lambda y: y, "Input X contains infinity"),
        (lambda X: X, lambda y: _with(y[:, None], 0, 0, np.nan)[:, 0], "Input y contains NaN"),
        (lambda X: X, lambda y: _with(y[:, None], 0, 0, -np.inf)[:, 0], "Input y contains infinity"),
        (lambda X: X[:0], lambda y: y[:0], r"0 sample\(s\)"),
        (lambda X: X[:1], lambda y: y[:1], r"1 sample\(s\) .* minimum of 2 is required"),
        (lambda X: X[:, :0], lambda y: y, r"0 feature\(s\)"),
        (lambda X: np.full(X.shape, "a"), lambda y: y, "could not convert string to float"),
        (lambda X: X, lambda y: np.array(["a"] * len(y)), "could not convert string to float"),
        (lambda X: X + 1j, lambda y: y, "Complex data not supported"),
        (lambda X: X, lambda y: y + 1j, "Complex data not supported"),
        (lambda X: X, lambda y: np.tile(y[:, None], 8), r"y has 8 columns, but the autoencoder embeds networks of at most 7"),
        (lambda X: X, lambda y: y[:-1], "inconsistent numbers of samples"),
    ],
    ids=["nan-X", "inf-X", "nan-y", "inf-y", "empty", "one-sample", "no-features", "strings-X",
         "strings-y", "complex-X", "complex-y", "8-columns-y", "length-mismatch"],
)
def test_bad_data_is_refused(regression_data, small_params, make_X, make_y, match):
    X, y = regression_data
    reg = SWATRegressor(**small_params)
    with pytest.raises(ValueError, match=match):
        reg.fit(make_X(X), make_y(y))
    assert not hasattr(reg, "mlp_")


def test_column_vector_y_is_accepted_with_a_warning_by_a_one_output_autoencoder(regression_data, small_params,
                                                                                tiny_autoencoder):
    from sklearn.exceptions import DataConversionWarning

    X, y = regression_data
    with pytest.warns(DataConversionWarning):
        reg = SWATRegressor(autoencoder=tiny_autoencoder, **small_params).fit(X, y[:, None])
    assert reg.predict(X).shape == (len(X),)
    # The default is multi-output (scikit-learn asks for no warning then), and fits the same network as a 1-D y.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataConversionWarning)
        column = SWATRegressor(**small_params).fit(X, y[:, None])
    np.testing.assert_array_equal(column.predict(X), SWATRegressor(**small_params).fit(X, y).predict(X))


def test_too_many_features_says_how_many_and_what_to_do(small_params):
    X = np.random.RandomState(0).normal(size=(20, MAX_INPUTS + 1))
    with pytest.raises(ValueError, match=f"X has {MAX_INPUTS + 1} features") as err:
        SWATRegressor(**small_params).fit(X, X[:, 0])
    message = str(err.value)
    assert f"at most {MAX_INPUTS}" in message
    assert "PCA" in message and "Pipeline" in message.replace("make_pipeline", "Pipeline")
    assert "wider autoencoder" in message


def test_exactly_max_features_is_fine(small_params):
    X = np.random.RandomState(0).normal(size=(20, MAX_INPUTS))
    assert SWATRegressor(**small_params).fit(X, X[:, 0]).n_features_in_ == MAX_INPUTS


def test_predict_checks_its_input(fitted, regression_data):
    X, _ = regression_data
    with pytest.raises(ValueError, match="X has 3 features, but SWATRegressor is expecting 2"):
        fitted.predict(np.c_[X, X[:, 0]])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        fitted.predict(_with(X, 0, 0, np.nan))
    with pytest.raises(NotFittedError):
        SWATRegressor().predict(X)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_cuda_without_gpu(regression_data, small_params, device):
    X, y = regression_data
    with pytest.raises(ValueError, match="no CUDA GPU on this machine.*device='cpu'"):
        SWATRegressor(device=device, **small_params).fit(X, y)


@pytest.mark.parametrize("device", ["gpu", "tpu", "", "cuda:x"])
def test_unknown_device_string(regression_data, small_params, device):
    X, y = regression_data
    with pytest.raises(ValueError, match="Unknown device .*use 'auto', 'cpu', 'cuda' or 'cuda:N'"):
        SWATRegressor(device=device, **small_params).fit(X, y)


def test_unsupported_device_type(regression_data, small_params):
    X, y = regression_data
    with pytest.raises(ValueError, match="Unsupported device 'meta'"):
        SWATRegressor(device="meta", **small_params).fit(X, y)


def test_cpu_device_objects_are_accepted(regression_data, small_params):
    X, y = regression_data
    assert SWATRegressor(device=torch.device("cpu"), **small_params).fit(X, y).device_ == "cpu"
    assert SWATRegressor(device="cpu", **small_params).fit(X, y).device_ == "cpu"


@pytest.mark.parametrize(
    "autoencoder, match",
    [
        ("/no/such/directory", "neither an existing local directory nor a Hugging Face Hub repo id"),
        ("not a repo id!", "neither an existing local directory nor a Hugging Face Hub repo id"),
        ("", "empty string"),
    ],
)
def test_autoencoder_that_cannot_be_loaded(regression_data, small_params, autoencoder, match):
    X, y = regression_data
    with pytest.raises(AutoencoderLoadError, match=match):
        SWATRegressor(autoencoder=autoencoder, **small_params).fit(X, y)


def test_autoencoder_directory_without_weights(regression_data, small_params, tmp_path):
    X, y = regression_data
    with pytest.raises(ValueError, match="has no config.json"):
        SWATRegressor(autoencoder=str(tmp_path), **small_params).fit(X, y)


def test_hub_repo_id_offline_and_not_cached(regression_data, small_params, tmp_path, monkeypatch):
    # Never touches the network: offline mode with an empty cache. (huggingface_hub reads HF_HUB_OFFLINE and
    # HF_HUB_CACHE when it is imported, so the constants are set here; tests/test_loading.py sets the
    # environment variables for real, in child processes.)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    X, y = regression_data
    with pytest.raises(AutoencoderLoadError, match="sk-swat-tests/no-such-autoencoder"):
        SWATRegressor(autoencoder="sk-swat-tests/no-such-autoencoder", **small_params).fit(X, y)


def test_autoencoder_as_path_or_model(regression_data, small_params, bundled_autoencoder):
    X, y = regression_data
    default = SWATRegressor(**small_params).fit(X, y)
    by_path = SWATRegressor(autoencoder=BUNDLED_DIR, **small_params).fit(X, y)
    by_model = SWATRegressor(autoencoder=bundled_autoencoder, **small_params).fit(X, y)
    assert_allclose(by_path.predict(X), default.predict(X))
    assert_allclose(by_model.predict(X), default.predict(X))
    assert len(pickle.dumps(by_path)) < 50_000


def test_a_given_model_is_neither_changed_nor_pickled(regression_data, small_params):
    from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig

    X, y = regression_data
    torch.manual_seed(0)
    model = SWATAutoencoder(SWATAutoencoderConfig(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1))
    trainable = [p.requires_grad for p in model.parameters()]
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    reg = SWATRegressor(autoencoder=model, **small_params).fit(X, y)
    assert model.training and [p.requires_grad for p in model.parameters()] == trainable
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(v, weights[k]) for k, v in model.state_dict().items())
    data = pickle.dumps(reg)
    assert len(data) < 50_000, f"pickle of a SWATRegressor fitted with a model is {len(data)} bytes"
    assert not any(n == "torch" or n.startswith("torch.") for n in _pickled_modules(data))
    restored = pickle.loads(data)
    assert_array_equal(restored.predict(X), reg.predict(X))
    assert reg.get_params()["autoencoder"] is model
    with pytest.raises(InvalidParameterError, match="set_params\\(autoencoder=...\\)"):
        restored.fit(X, y)


@pytest.mark.parametrize(
    "depths, match",
    [
        ((0,), rf"depths must lie in 1..{MAX_DEPTH}"),
        ((MAX_DEPTH + 1,), rf"depths must lie in 1..{MAX_DEPTH}"),
        ((1, -2), rf"depths must lie in 1..{MAX_DEPTH}"),
        ((1, 1), "distinct integers"),
        ((), "one or more distinct integers"),
        ((1.5,), "distinct integers"),
    ],
)
def test_depths_out_of_range(regression_data, small_params, depths, match):
    X, y = regression_data
    small_params["depths"] = depths
    with pytest.raises(ValueError, match=match):
        SWATRegressor(**small_params).fit(X, y)


@pytest.mark.parametrize(
    "param, value",
    [
        ("max_iter", -1),
        ("mask_relaxation", "sharp"),
        ("hardening", "magnitude"),
        ("max_iter", 2.5),
        ("n_restarts", 0),
        ("learning_rate", 0.0),
        ("lambda_s", -1.0),
        ("alpha", -0.1),
        ("beta", -1e-3),
        ("tol", -0.01),
        ("validation_fraction", 1.0),
        ("validation_fraction", -0.1),
        ("anneal_fraction", 0.0),
        ("n_iter_no_change", 0),
        ("n_iter_no_change", 2.5),
        ("search_tol", -1e-4),
        ("temperature_final", 0.0),
        ("refine_iter", -1),
        ("refine_restarts", -1),
        ("batch_size", 0),
        ("activation", "relu"),
        ("init", "zeros"),
        ("prune_neurons", "yes"),
        ("fit_biases", "no"),
        ("depths", 3),
        ("device", 0),
        ("autoencoder", 3),
        ("random_state", "seed"),
    ],
)
def test_bad_parameter_values(regression_data, small_params, param, value):
    X, y = regression_data
    small_params[param] = value
    with pytest.raises(InvalidParameterError, match=f"The '{param}' parameter of SWATRegressor must be"):
        SWATRegressor(**small_params).fit(X, y)


# --------------------------------------------------------------------------- fitted attributes


def test_fitted_attributes_are_consistent(fitted, regression_data):
    X, y = regression_data
    assert fitted.n_nonzero_ == fitted.mlp_.n_nonzero
    assert isinstance(fitted.n_nonzero_, int)
    assert fitted.n_features_in_ == 2
    assert not hasattr(fitted, "feature_names_in_")
    assert fitted.n_iter_ == fitted.max_iter == 8
    assert len(fitted.loss_curve_) == fitted.n_iter_
    assert all(isinstance(v, float) and np.isfinite(v) for v in fitted.loss_curve_)
    assert fitted.device_ == "cpu"
    assert fitted.fit_time_ > 0

    arch = fitted.architecture_
    assert type(arch) is dict
    assert json.loads(json.dumps(arch)) == arch  # plain Python values only
    assert arch["n_layers"] == fitted.mlp_.depth
    assert len(arch["hidden_layer_sizes"]) == len(arch["activations"]) == arch["n_layers"]
    assert [len(a) for a in arch["activations"]] == arch["hidden_layer_sizes"]
    assert max(arch["hidden_layer_sizes"]) <= 7
    assert fitted.predict(X).shape == y.shape


def test_candidates_and_selection_rule(fitted):
    cands = fitted.candidates_
    assert set(cands) == {
        "depth", "restart", "start_n_nonzero", "start_hidden_layer_sizes", "hardened_n_nonzero",
        "hardened_hidden_layer_sizes", "validation_mse", "n_nonzero", "hidden_layer_sizes", "chosen",
        "start_mlp", "hardened_mlp", "mlp",
    }
    n = len(fitted.depths) * fitted.n_restarts
    assert all(len(v) == n for v in cands.values())
    for key in ("start_hidden_layer_sizes", "hardened_hidden_layer_sizes", "hidden_layer_sizes"):
        assert [len(sizes) for sizes in cands[key]] == cands["depth"].tolist()
    assert [m.n_nonzero for m in cands["start_mlp"]] == cands["start_n_nonzero"].tolist()
    assert [m.n_nonzero for m in cands["hardened_mlp"]] == cands["hardened_n_nonzero"].tolist()
    assert [m.n_nonzero for m in cands["mlp"]] == cands["n_nonzero"].tolist()
    # Starting networks are full width (init="smooth", first restart) or narrower; pruning only removes.
    assert (cands["n_nonzero"] <= cands["hardened_n_nonzero"]).all()
    pairs = sorted(zip(cands["depth"].tolist(), cands["restart"].tolist()))
    assert pairs == [(d, r) for d in (1, 2) for r in range(2)]
    assert cands["chosen"].dtype == bool and cands["chosen"].sum() == 1
    _assert_selection_rule(cands, fitted.tol)
    chosen = int(np.flatnonzero(cands["chosen"])[0])
    assert cands["depth"][chosen] == fitted.architecture_["n_layers"]
    # Refinement keeps the sparsity pattern (it may only turn a weight into an exact zero).
    assert fitted.n_nonzero_ <= cands["n_nonzero"][chosen]


def test_search_defaults_are_written_once():
    # Every search setting is an estimator parameter with the same default: they cannot drift.
    from sk_swat.search import SearchSettings

    params = SWATRegressor().get_params()
    for field in dataclasses.fields(SearchSettings):
        assert params[field.name] == field.default, field.name


def test_no_latent_steps(regression_data):
    X, y = regression_data
    params = {"depths": (1,), "n_restarts": 2, "refine_iter": 5, "random_state": 0}
    reg = SWATRegressor(max_iter=0, **params).fit(X, y)
    assert reg.n_iter_ == 0 and reg.loss_curve_ == []
    cands = reg.candidates_
    assert (cands["start_n_nonzero"] == cands["hardened_n_nonzero"]).all()


def _assert_selection_rule(cands, tol):
    mse, nz, chosen = cands["validation_mse"], cands["n_nonzero"], np.flatnonzero(cands["chosen"])[0]
    finite = np.isfinite(mse)
    best = mse[finite].min()
    eligible = finite & (mse <= best * (1 + tol) + 1e-12)
    assert eligible[chosen]
    assert nz[chosen] == nz[eligible].min()


@pytest.mark.parametrize("tol", [0.0, 100.0])
def test_selection_rule_with_other_tolerances(regression_data, tol):
    X, y = regression_data
    reg = SWATRegressor(max_iter=4, depths=(1, 3), n_restarts=2, refine_iter=0, tol=tol, random_state=0)
    reg.fit(X, y)
    _assert_selection_rule(reg.candidates_, tol)
    chosen = np.flatnonzero(reg.candidates_["chosen"])[0]
    if tol == 0.0:
        assert reg.candidates_["validation_mse"][chosen] == reg.candidates_["validation_mse"].min()
    else:  # a wide tolerance: the sparsest of all candidates within 101x of the best wins
        mse = reg.candidates_["validation_mse"]
        eligible = mse <= mse.min() * (1 + tol)
        assert eligible.sum() >= 2
        assert reg.candidates_["n_nonzero"][chosen] == reg.candidates_["n_nonzero"][eligible].min()
    # Without refinement the estimator's network is the chosen candidate itself.
    assert reg.n_nonzero_ == reg.candidates_["n_nonzero"][chosen]


def test_feature_names_in_with_pandas(regression_data, small_params):
    pd = pytest.importorskip("pandas")
    X, y = regression_data
    frame = pd.DataFrame(X, columns=["a", "b"])
    reg = SWATRegressor(**small_params).fit(frame, y)
    assert_array_equal(reg.feature_names_in_, ["a", "b"])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        from_array = reg.predict(X)
    assert_allclose(reg.predict(frame), from_array)
    with pytest.raises(ValueError, match="feature names should match"):
        reg.predict(pd.DataFrame(X, columns=["b", "a"]))


def test_fixed_activation_and_no_pruning_through_the_estimator(regression_data, small_params):
    X, y = regression_data
    reg = SWATRegressor(activation="tanh", prune_neurons=False, **small_params).fit(X, y)
    assert reg.architecture_["hidden_layer_sizes"] == [7] * reg.architecture_["n_layers"]
    assert {a for layer in reg.architecture_["activations"] for a in layer} == {"tanh"}


def test_basic_setting_without_biases_gives_networks_without_biases(regression_data, small_params):
    X, y = regression_data
    assert SWATRegressor().fit_biases is True
    default = SWATRegressor(activation="sigmoid", prune_neurons=False, **small_params).fit(X, y)
    assert any(b.any() for mlp in default.candidates_["hardened_mlp"] for b in mlp.biases), "the default has biases"
    reg = SWATRegressor(activation="sigmoid", prune_neurons=False, fit_biases=False, **small_params).fit(X, y)
    for key in ("mlp", "hardened_mlp", "start_mlp"):
        for mlp in reg.candidates_[key]:
            assert not any(b.any() for b in mlp.biases), key
    assert reg.architecture_["hidden_layer_sizes"] == [7] * reg.architecture_["n_layers"]
    assert np.isfinite(reg.predict(X)).all()


def test_validation_fraction_zero_and_small_batches(regression_data, small_params):
    X, y = regression_data
    a = SWATRegressor(validation_fraction=0.0, **small_params).fit(X, y)
    b = SWATRegressor(batch_size=8, **small_params).fit(X, y)
    assert np.isfinite(a.predict(X)).all() and np.isfinite(b.predict(X)).all()


def test_constant_target(regression_data, small_params):
    X, _ = regression_data
    reg = SWATRegressor(**small_params).fit(X, np.full(len(X), 3.0))
    assert np.isfinite(reg.predict(X)).all()


@pytest.mark.parametrize("factor", [1e-20, 1e-300, 1e308])
def test_targets_of_any_magnitude_are_fitted_at_their_scale(regression_data, small_params, factor):
    X, y = regression_data
    unit = 2 * (y - y.min()) / np.ptp(y) - 1  # [-1, 1]: 1e308 * unit spans more than the largest float
    plain = SWATRegressor(**small_params).fit(X, unit)
    scaled = SWATRegressor(**small_params).fit(X, factor * unit)
    assert_allclose(scaled.predict(X) / factor, plain.predict(X), rtol=1e-6, atol=1e-9)


def test_inputs_spanning_the_float_range_are_used(regression_data, small_params):
    X, y = regression_data
    huge = X * np.array([1e308, 1.0])
    plain = SWATRegressor(**small_params).fit(X, y)
    scaled = SWATRegressor(**small_params).fit(huge, y)
    assert_allclose(scaled.predict(huge), plain.predict(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("value", [3.0, 1e-20, -1e308])
def test_constant_target_is_predicted_exactly(regression_data, small_params, value):
    X, _ = regression_data
    reg = SWATRegressor(**small_params).fit(X, np.full(len(X), value))
    assert_array_equal(reg.predict(X), value)


def test_validation_fraction_that_leaves_too_few_training_rows(regression_data, small_params):
    X, y = regression_data
    with pytest.raises(ValueError, match="holds out 60 of the 60 rows.*leaving 0 to train on"):
        SWATRegressor(validation_fraction=0.99, **small_params).fit(X, y)
    with pytest.raises(ValueError, match="holds out 59 of the 60 rows.*at most 58 rows"):
        SWATRegressor(validation_fraction=0.98, **small_params).fit(X, y)


def test_temperature_must_anneal_downwards(regression_data, small_params):
    X, y = regression_data
    with pytest.raises(ValueError, match="temperature_init=0.01 is below temperature_final=1.0"):
        SWATRegressor(temperature_init=0.01, temperature_final=1.0, **small_params).fit(X, y)


# --------------------------------------------------------------------------- sample weights


def test_zero_weights_are_the_same_as_dropping_rows(regression_data):
    X, y = regression_data
    weights = np.ones(len(X))
    weights[::3] = 0.0
    # The default validation split is kept: rows of weight zero are dropped before it is drawn.
    params = {"max_iter": 5, "depths": (1, 2), "n_restarts": 2, "refine_iter": 5, "random_state": 0}
    weighted = SWATRegressor(**params).fit(X, y, sample_weight=weights)
    dropped = SWATRegressor(**params).fit(X[weights > 0], y[weights > 0])
    assert weighted.mlp_ == dropped.mlp_
    assert_array_equal(weighted.predict(X), dropped.predict(X))
    # Wild values on zero-weight rows change nothing (not even the scaling of X and y).
    X_wild, y_wild = X.copy(), y.copy()
    X_wild[weights == 0] *= 1000
    y_wild[weights == 0] = -1e6
    wild = SWATRegressor(**params).fit(X_wild, y_wild, sample_weight=weights)
    assert_array_equal(wild.predict(X), dropped.predict(X))


def test_mostly_zero_weights(regression_data, small_params):
    # Validation rows drawn among rows of weight zero used to divide 0 by 0.
    X, y = regression_data
    weights = np.zeros(len(X))
    weights[:3] = 1.0
    reg = SWATRegressor(**small_params).fit(X, y, sample_weight=weights)
    assert np.isfinite(reg.predict(X)).all()
    assert np.isfinite(reg.candidates_["validation_mse"]).all()


def test_weights_change_the_result(regression_data, small_params):
    X, y = regression_data
    weights = np.where(X[:, 0] > 0, 10.0, 0.1)
    plain = SWATRegressor(**small_params).fit(X, y)
    weighted = SWATRegressor(**small_params).fit(X, y, sample_weight=weights)
    assert not np.allclose(plain.predict(X), weighted.predict(X))
    # Unit weights are no weights.
    ones = SWATRegressor(**small_params).fit(X, y, sample_weight=np.ones(len(X)))
    assert_allclose(ones.predict(X), plain.predict(X), rtol=1e-6)


def test_bad_weights(regression_data, small_params):
    X, y = regression_data
    with pytest.raises(ValueError, match="Only 1 of the 60 rows have a positive sample_weight"):
        SWATRegressor(**small_params).fit(X, y, sample_weight=np.eye(len(X))[0])
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        SWATRegressor(**small_params).fit(X, y, sample_weight=-np.ones(len(X)))
    with pytest.raises(ValueError, match="at least one non-zero"):
        SWATRegressor(**small_params).fit(X, y, sample_weight=np.zeros(len(X)))
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(3,\), expected \(60,\)"):
        SWATRegressor(**small_params).fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="Input sample_weight contains NaN"):
        SWATRegressor(**small_params).fit(X, y, sample_weight=np.full(len(X), np.nan))


def test_fit_runs_on_its_own_threads_and_restores_the_callers(regression_data, small_params, monkeypatch):
    X, y = regression_data
    seen = []
    original = sk_swat_regressor.latent_search

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(sk_swat_regressor, "latent_search", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        SWATRegressor(n_threads=1, **small_params).fit(X, y)
        assert seen == [1] and torch.get_num_threads() == 2
        # Restored also when the fit fails inside.
        with pytest.raises(ValueError):
            SWATRegressor(n_threads=1, **small_params).fit(X, np.full_like(y, np.nan))
        assert torch.get_num_threads() == 2
        # No search step and no refinement: on two threads of a busy machine every torch call is slow
        # (the small fit took 3 s), and the search is called on the caller's threads all the same.
        SWATRegressor(n_threads=None, **{**small_params, "max_iter": 0, "refine_iter": 0}).fit(X, y)
        assert seen[-1] == 2
    finally:
        torch.set_num_threads(before)


# --------------------------------------------------------------------------- early stopping


def test_search_stops_early_without_warning(regression_data, small_params):
    # A search that cannot move (a negligible learning rate) stops once the rule allows it: after
    # the anneal (100 steps), a first 50-step block, then n_iter_no_change=50 steps without improvement.
    X, y = regression_data
    params = {**small_params, "max_iter": 1000, "anneal_fraction": 0.1, "n_iter_no_change": 50,
              "learning_rate": 1e-12, "threshold_learning_rate": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = SWATRegressor(**params).fit(X, y)
    assert reg.n_iter_ == 100 + 50 + 50 < reg.max_iter
    assert len(reg.loss_curve_) == reg.n_iter_


def test_convergence_warning_when_max_iter_ends_the_search(regression_data, small_params):
    X, y = regression_data
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        reg = SWATRegressor(**{**small_params, "n_iter_no_change": 200}).fit(X, y)
    assert reg.n_iter_ == reg.max_iter == len(reg.loss_curve_) == 5


@pytest.mark.parametrize("params", [{"n_iter_no_change": None}, {"n_iter_no_change": 200, "max_iter": 0}])
def test_no_convergence_warning_without_the_rule_or_without_steps(regression_data, small_params, params):
    X, y = regression_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = SWATRegressor(**{**small_params, **params}).fit(X, y)
    assert reg.n_iter_ == reg.max_iter


def _linear_with_noise(n, seed, noise):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 5))
    return X, X[:, 0] - X[:, 1] + 0.5 * X[:, 2] + noise * rng.normal(size=n)


def test_weight_decay_auto_holds_up_on_small_noisy_data_and_vanishes_without_noise():
    # Over six draws of 60 noisy rows (one draw can go either way: a fit of 60 rows is a lottery).
    errors = {"auto": [], "plain": []}
    for seed in range(6):
        X, y = _linear_with_noise(60, seed, noise=1.0)
        X_test, y_test = _linear_with_noise(2000, 100 + seed, noise=0.0)
        params = dict(depths=(1,), n_restarts=2, max_iter=5, refine_restarts=0, random_state=seed)
        auto = SWATRegressor(**params).fit(X, y)
        plain = SWATRegressor(weight_decay=0.0, **params).fit(X, y)
        assert plain.weight_decay_ == 0.0
        errors["auto"].append(np.mean((auto.predict(X_test) - y_test) ** 2))
        errors["plain"].append(np.mean((plain.predict(X_test) - y_test) ** 2))
        # The penalty follows the noise: on the same inputs without noise it is negligible.
        clean = SWATRegressor(**params).fit(X, _linear_with_noise(60, seed, noise=0.0)[1])
        assert clean.weight_decay_ < 1e-3 * auto.weight_decay_
    assert np.mean(errors["auto"]) < 0.5 * np.mean(errors["plain"])


def test_weight_decay_given_as_a_number_is_used_as_it_is(regression_data, small_params):
    X, y = regression_data
    assert SWATRegressor(weight_decay=0.01, **small_params).fit(X, y).weight_decay_ == 0.01


def test_tol_auto_widens_the_selection_to_one_standard_error_on_noisy_validation_rows():
    X, y = _linear_with_noise(60, 0, noise=1.0)
    params = dict(depths=(1,), n_restarts=2, max_iter=5, refine_restarts=0, validation_fraction=0.5, random_state=0)
    paper = SWATRegressor(tol=PAPER_TOLERANCE, **params).fit(X, y)
    auto = SWATRegressor(tol="auto", **params).fit(X, y)
    assert paper.selection_tolerance_ == 0.05
    # 30 validation rows of noise: the standard error of their MSE is about sqrt(2 / 30) of it.
    assert 0.15 < auto.selection_tolerance_ < 0.6
    mse = auto.candidates_["validation_mse"]
    assert mse[auto.candidates_["chosen"]][0] <= mse.min() * (1 + auto.selection_tolerance_)
