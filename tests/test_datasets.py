"""Tests for sk_swat.datasets: the 54 CORNN functions and load_cornn.

The generated data are compared with the published CORNN CSV files, which live outside the
package in ``../shared/cornn`` beside the repository root (they are reference data, not shipped).
"""

import ast
from pathlib import Path

import numpy as np
import pytest

from sk_swat import datasets
from sk_swat.datasets import CornnFunction, cornn_function, cornn_names, load_cornn

CORNN_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "cornn"

PI = np.pi

# Reference table (shared/reference/cornn.md): number -> (display name, python name, x domain,
# y domain, variance of the scaled training labels, number of scaled test labels outside [-1, 1]).
REFERENCE = {
    1: ("Ackley", "ackley", (-32, 32), (-32, 32), 0.06534, 0),
    2: ("Ackley N.2", "ackley_n2", (-32, 32), (-32, 32), 0.04167, 0),
    3: ("Ackley N.3", "ackley_n3", (-32, 32), (-32, 32), 0.0363, 0),
    4: ("Ackley N.4", "ackley_n4", (-35, 35), (-35, 35), 0.1378, 1),
    5: ("Adjiman", "adjiman", (-1, 2), (-1, 1), 0.2691, 2),
    6: ("Alpine N.1", "alpine_n1", (0, 10), (0, 10), 0.1712, 1),
    7: ("Alpine N.2", "alpine_n2", (0, 10), (0, 10), 0.1048, 1),
    8: ("Bartels Conn", "bartels_conn", (-500, 500), (-500, 500), 0.1463, 0),
    9: ("Beale", "beale", (-4.5, 4.5), (-4.5, 4.5), 0.06695, 0),
    10: ("Bird", "bird", (-2 * PI, 2 * PI), (-2 * PI, 2 * PI), 0.08955, 0),
    11: ("Bohachevsky N.1", "bohachevsky_n1", (-100, 100), (-100, 100), 0.2081, 0),
    12: ("Bohachevsky N.2", "bohachevsky_n2", (-100, 100), (-100, 100), 0.2081, 0),
    13: ("Booth", "booth", (-10, 10), (-10, 10), 0.1384, 0),
    14: ("Brent", "brent", (-20, 0), (-20, 0), 0.1888, 0),
    15: ("Brown", "brown", (-1, 1), (-1, 1), 0.1361, 0),
    16: ("Bukin N.6", "bukin_n6", (-15, -5), (-3, 3), 0.1947, 0),
    17: ("Cross-In-Tray", "cross_in_tray", (-10, 10), (-10, 10), 0.1009, 0),
    18: ("Deckkers-Aarts", "deckkers_aarts", (-20, 20), (-20, 20), 0.1794, 0),
    19: ("Drop-Wave", "drop_wave", (-5.2, 5.2), (-5.2, 5.2), 0.1017, 2),
    20: ("Easom", "easom", (-50, 50), (-50, 50), 0.002179, 0),
    21: ("Egg Crate", "egg_crate", (-5, 5), (-5, 5), 0.15, 0),
    22: ("Egg Holder", "egg_holder", (-512, 512), (-512, 512), 0.09514, 0),
    23: ("Exponential", "exponential", (-1, 1), (-1, 1), 0.2272, 0),
    24: ("Goldstein-Price", "goldstein_price", (-2, 2), (-2, 2), 0.07737, 1),
    25: ("Griewank", "griewank", (-600, 600), (-600, 600), 0.1871, 0),
    26: ("Himmelblau", "himmelblau", (-6, 6), (-6, 6), 0.0922, 0),
    27: ("Holder-Table", "holder_table", (-10, 10), (-10, 10), 0.1021, 0),
    28: ("Keane", "keane", (0, 10), (0, 10), 0.03971, 0),
    29: ("Leon", "leon", (0, 10), (0, 10), 0.2389, 0),
    30: ("Levi N.13", "levi_n13", (-10, 10), (-10, 10), 0.1199, 0),
    31: ("Matyas", "matyas", (-10, 10), (-10, 10), 0.1627, 0),
    32: ("McCormick", "mccormick", (-1.5, 4), (-3, 3), 0.1422, 0),
    33: ("Michalewicz", "michalewicz", (0, PI), (0, PI), 0.132, 0),
    34: ("Periodic", "periodic", (-10, 10), (-10, 10), 0.234, 0),
    35: ("Qing", "qing", (-500, 500), (-500, 500), 0.1897, 0),
    36: ("Rastrigin", "rastrigin", (-5.12, 5.12), (-5.12, 5.12), 0.1361, 0),
    37: ("Ridge", "ridge", (-5, 5), (-5, 5), 0.1978, 1),
    38: ("Rosenbrock", "rosenbrock", (-5, 10), (-5, 10), 0.1838, 0),
    39: ("Salomon", "salomon", (-100, 100), (-100, 100), 0.1483, 1),
    40: ("Schaffer N.2", "schaffer_n2", (-100, 100), (-100, 100), 0.01614, 2),
    41: ("Schaffer N.3", "schaffer_n3", (-100, 100), (-100, 100), 0.02045, 2),
    42: ("Schwefel 2.20", "schwefel_2_20", (-100, 100), (-100, 100), 0.1755, 0),
    43: ("Schwefel 2.22", "schwefel_2_22", (-100, 100), (-100, 100), 0.2048, 0),
    44: ("Schwefel 2.23", "schwefel_2_23", (-10, 10), (-10, 10), 0.09994, 0),
    45: ("Shubert 3", "shubert_3", (-10, 10), (-10, 10), 0.0744, 0),
    46: ("Shubert", "shubert", (-10, 10), (-10, 10), 0.01628, 0),
    47: ("Sphere", "sphere", (-5.12, 5.12), (-5.12, 5.12), 0.1888, 0),
    48: ("Styblinski-Tang", "styblinski_tang", (-5, 5), (-5, 5), 0.08318, 1),
    49: ("Sum Squares", "sum_squares", (-10, 10), (-10, 10), 0.2081, 0),
    50: ("Three-Hump Camel", "three_hump_camel", (-5, 5), (-5, 5), 0.2196, 0),
    51: ("Xin-She Yang N.2", "xin_she_yang_n2", (-2 * PI, 2 * PI), (-2 * PI, 2 * PI), 0.07785, 1),
    52: ("Xin-She Yang N.3", "xin_she_yang_n3", (-2 * PI, 2 * PI), (-2 * PI, 2 * PI), 0.02127, 0),
    53: ("Xin-She Yang N.4", "xin_she_yang_n4", (-10, 10), (-10, 10), 0.05281, 0),
    54: ("Zakharov", "zakharov", (-5, 10), (-5, 10), 0.08508, 1),
}
NUMBERS = sorted(REFERENCE)

# The quoted train variances have 4 significant digits, i.e. up to 5e-4 relative rounding.
VARIANCE_RTOL = 6e-4

# Raw outputs are compared with rtol=1e-12 (measured: at most 3e-13, Drop-Wave/Shubert).
# atol=1e-300 matters only for |f| < ~1e-288, i.e. only for Easom, whose exp(-(x-pi)^2-(y-pi)^2)
# underflows: its CSVs hold 3852 exact zeros and ~45 subnormals (down to 5e-324), where float64
# has no relative precision left and libm implementations may differ by one subnormal ulp.
# Every other value of every task is >= 3.8e-59 in magnitude, so there atol is irrelevant.
F_RTOL = 1e-12
F_ATOL = 1e-300


def _read_csv(name, part):
    path = CORNN_DIR / f"{name}_{part}_set.csv"
    return np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)


needs_csv = pytest.mark.skipif(
    not CORNN_DIR.is_dir(),
    reason=f"CORNN reference CSVs not found at {CORNN_DIR} (../shared/cornn beside the repo root)",
)


# ------------------------------------------------------------------------------------------
# Against the published data
# ------------------------------------------------------------------------------------------


@needs_csv
@pytest.mark.parametrize("number", NUMBERS)
def test_matches_published_csv(number):
    name, _, x_dom, y_dom, train_var, n_out = REFERENCE[number]
    train = _read_csv(name, "train")
    test = _read_csv(name, "test")
    assert train.shape == (3750, 3) and test.shape == (1250, 3)

    # Raw data: inputs bit-for-bit, outputs to rounding.
    X_train, X_test, y_train, y_test = load_cornn(number, scaled=False)
    np.testing.assert_array_equal(X_train, train[:, :2])
    np.testing.assert_array_equal(X_test, test[:, :2])
    np.testing.assert_allclose(y_train, train[:, 2], rtol=F_RTOL, atol=F_ATOL)
    np.testing.assert_allclose(y_test, test[:, 2], rtol=F_RTOL, atol=F_ATOL)

    # Scaled data, as CORNN's get_scaled_function_data computes it from the CSVs.
    Xs_train, Xs_test, ys_train, ys_test = load_cornn(number)
    lo = np.array([x_dom[0], y_dom[0]], dtype=float)
    hi = np.array([x_dom[1], y_dom[1]], dtype=float)
    for Xs, ref in ((Xs_train, train), (Xs_test, test)):
        assert Xs.min() >= -1.0 and Xs.max() <= 1.0
        np.testing.assert_array_equal(Xs, 2 * (ref[:, :2] - lo) / (hi - lo) - 1)
    f_min, f_max = train[:, 2].min(), train[:, 2].max()
    assert ys_train.min() == -1.0 and ys_train.max() == 1.0  # exactly
    for ys, ref in ((ys_train, train), (ys_test, test)):
        np.testing.assert_allclose(ys, 2 * (ref[:, 2] - f_min) / (f_max - f_min) - 1, atol=1e-10)

    # Statistics quoted in the reference table.
    np.testing.assert_allclose(ys_train.var(), train_var, rtol=VARIANCE_RTOL)
    assert int(np.sum(np.abs(ys_test) > 1.0)) == n_out


# ------------------------------------------------------------------------------------------
# Shapes, dtypes, options
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scaled", [True, False])
def test_shapes_and_dtypes(scaled):
    X_train, X_test, y_train, y_test = load_cornn("Sphere", scaled=scaled)
    assert X_train.shape == (3750, 2) and X_test.shape == (1250, 2)
    assert y_train.shape == (3750,) and y_test.shape == (1250,)
    for a in (X_train, X_test, y_train, y_test):
        assert a.dtype == np.float64
        assert a.flags.c_contiguous


def test_return_raw():
    *scaled, raw = load_cornn("McCormick", return_raw=True)
    unscaled = load_cornn("McCormick", scaled=False)
    assert set(raw) == {"X_train", "X_test", "y_train", "y_test", "domain", "y_min", "y_max"}
    for key, a in zip(("X_train", "X_test", "y_train", "y_test"), unscaled):
        np.testing.assert_array_equal(raw[key], a)
        np.testing.assert_array_equal(getattr(raw, key), a)  # attribute access
    assert raw.domain == ((-1.5, 4.0), (-3.0, 3.0))
    assert raw.y_min == raw.y_train.min() and raw.y_max == raw.y_train.max()
    # The documented inverse of the output scaling.
    y_back = (scaled[3] + 1) / 2 * (raw.y_max - raw.y_min) + raw.y_min
    np.testing.assert_allclose(y_back, raw.y_test, rtol=1e-12, atol=1e-12)
    with pytest.raises(AttributeError):
        raw.not_a_key
    # return_raw works unscaled too.
    out = load_cornn("McCormick", scaled=False, return_raw=True)
    assert len(out) == 5


def test_calls_are_independent():
    a = load_cornn(1)
    a[0][:] = 123.0
    b = load_cornn(1)
    assert not np.any(b[0] == 123.0)


def test_all_tasks_share_normalised_points():
    X_ref = np.vstack(load_cornn(1)[:2])
    for number in (10, 16, 32, 54):
        np.testing.assert_allclose(np.vstack(load_cornn(number)[:2]), X_ref, rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------
# Names, numbers, metadata
# ------------------------------------------------------------------------------------------


def test_cornn_names_order():
    names = cornn_names()
    assert names == [REFERENCE[k][0] for k in NUMBERS]
    assert names[44] == "Shubert 3" and names[45] == "Shubert"
    names.append("x")  # a fresh list each call
    assert len(cornn_names()) == 54


@pytest.mark.parametrize("number", NUMBERS)
def test_cornn_function_metadata(number):
    name, py_name, x_dom, y_dom, _, _ = REFERENCE[number]
    spec = cornn_function(number)
    assert isinstance(spec, CornnFunction)
    assert spec.number == number and spec.name == name
    assert spec.domain == (tuple(map(float, x_dom)), tuple(map(float, y_dom)))
    assert spec.func is getattr(datasets, py_name)
    assert py_name in datasets.__all__
    assert cornn_function(name) is spec
    assert cornn_function(np.int64(number)) is spec
    assert cornn_function(py_name) is spec  # the python name also matches
    assert f"CORNN #{number} " in spec.func.__doc__
    # broadcasting: scalar -> 0-d, arrays -> broadcast shape, float64
    assert np.shape(spec.func(0.5, 0.25)) == ()
    out = spec.func(np.full((3, 1), 0.5), np.full((1, 4), 0.25))
    assert out.shape == (3, 4) and out.dtype == np.float64


def test_cornn_function_is_frozen():
    spec = cornn_function(1)
    with pytest.raises(AttributeError):
        spec.number = 2


@pytest.mark.parametrize(
    "alias, number",
    [
        ("sphere", 47),
        ("SPHERE", 47),
        ("  Sphere ", 47),
        ("ackley n2", 2),
        ("ACKLEY-N.2", 2),
        ("ackley_n2", 2),
        ("cross in tray", 17),
        ("xin-she yang n.4", 53),
        ("xinsheyangn4", 53),
        ("schwefel 2.22", 43),
        ("schwefel_2_22", 43),
        ("shubert3", 45),
        ("Shubert", 46),
        (np.int32(46), 46),
        (np.uint8(1), 1),
    ],
)
def test_lookup_aliases(alias, number):
    assert cornn_function(alias).number == number
    np.testing.assert_array_equal(load_cornn(alias)[2], load_cornn(number)[2])


@pytest.mark.parametrize("bad", [0, 55, -1, 1000, np.int64(0), np.int64(55)])
def test_bad_number(bad):
    with pytest.raises(ValueError, match=r"1\.\.54") as info:
        load_cornn(bad)
    assert "'Ackley'" in str(info.value) and "'Zakharov'" in str(info.value)


@pytest.mark.parametrize("bad", ["foo", "", "Sphere2", "Schwefel 2.21", "Ackley N.5"])
def test_bad_name(bad):
    with pytest.raises(ValueError, match="Unknown CORNN function name") as info:
        cornn_function(bad)
    message = str(info.value)
    assert "1..54" in message and "'Ackley'" in message and "'Zakharov'" in message


def test_bad_name_suggests():
    with pytest.raises(ValueError, match="Did you mean 'Rastrigin'"):
        cornn_function("Rastrigrin")


@pytest.mark.parametrize("bad", [3.5, 47.0, None, True, False, np.bool_(True), [1], b"Sphere"])
def test_bad_type(bad):
    with pytest.raises(TypeError, match=r"str.*int") as info:
        load_cornn(bad)
    assert "1..54" in str(info.value) and "'Sphere'" in str(info.value)


# ------------------------------------------------------------------------------------------
# Quirks of the CORNN code versions (the data use them)
# ------------------------------------------------------------------------------------------


def test_code_version_quirks():
    # Styblinski-Tang uses 5**x, not 5*x.
    assert datasets.styblinski_tang(1.0, 0.0) == 0.5 * ((1 - 16 + 5.0) + 1.0)
    # Qing is a shifted sphere.
    assert datasets.qing(1.0, 2.0) == 0.0
    # Deckkers-Aarts multiplies both squares by 1e5.
    assert datasets.deckkers_aarts(0.0, 1.0) == datasets.deckkers_aarts(1.0, 0.0)
    # Goldstein-Price has 4y (not 48y) in the second factor: f(0, -1) = 399, not 3.
    assert datasets.goldstein_price(0.0, -1.0) == 399.0
    # Ridge is x + |y|.
    assert datasets.ridge(1.0, -2.0) == 3.0


def test_module_imports_only_numpy_and_stdlib():
    tree = ast.parse(Path(datasets.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "datasets.py must not import from the rest of sk_swat"
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "dataclasses", "difflib", "re", "typing", "numpy"}, imported
