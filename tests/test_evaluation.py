"""Tests for sk_swat.autoencoder.evaluation: fidelity, latent smoothness and the report files."""

import csv
import math
import sys

import numpy as np
import pytest
import torch

from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig
from sk_swat.autoencoder.evaluation import (
    FIELDS,
    _generator,
    decoder_errors,
    fidelity,
    smoothness_map,
    write_fidelity_report,
)
from sk_swat.autoencoder.functional import sample_inputs
from sk_swat.autoencoder.random_mlps import hard_forward, random_mlp_tokens
from sk_swat.encoding import MAX_DEPTH, layout, tokens_to_mlp
from sk_swat.torch_mlp import real_entries_tensor

DECODERS = ["1", "2", "3", "4"]
DEPTHS = ["1", "2", "3", "4", "all"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    config = SWATAutoencoderConfig(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1)
    return SWATAutoencoder(config).eval().requires_grad_(False)


@pytest.fixture(scope="module")
def model_dir(model, tmp_path_factory):
    directory = tmp_path_factory.mktemp("tiny_autoencoder")
    model.save_pretrained(directory)
    return directory


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _check_rows(rows, n_mlps):
    """Structure and invariants of the fidelity rows, read back as strings (CSV) or as returned."""
    keys = [(str(r["input_depth"]), str(r["decoder"])) for r in rows]
    assert keys == [(d, k) for d in DEPTHS for k in DECODERS + ["best"]]
    assert keys[-1] == ("all", "best")
    table = {key: {f: float(r[f]) for f in FIELDS[2:]} for key, r in zip(keys, rows)}
    for d in DEPTHS:
        best = table[d, "best"]
        assert best["n_mlps"] == (4 * n_mlps if d == "all" else n_mlps)
        for values in (table[d, k] for k in DECODERS + ["best"]):
            for field, v in values.items():
                assert math.isfinite(v) and v >= 0, (d, field, v)
            assert 0 <= values["share_better_than_mean"] <= 1 and 0 <= values["share_best"] <= 1
        for k in DECODERS:  # the per-MLP best decoder is never worse in the median than any one decoder
            assert best["median_relative_error"] <= table[d, k]["median_relative_error"] + 1e-12
            assert best["median_percentage_error"] <= table[d, k]["median_percentage_error"] + 1e-9
            assert best["share_better_than_mean"] >= table[d, k]["share_better_than_mean"]
        assert sum(table[d, k]["share_best"] for k in DECODERS) == pytest.approx(1.0)
        assert best["share_best"] == 1.0
    return table


# --------------------------------------------------------------------------- the error helpers


def test_perfect_decoding_has_zero_error():
    """A 'decoder' that gives back the original tokens is exact at its own depth (no model, no mock)."""
    x = sample_inputs(200, 2, generator=_gen(1))
    for depth in range(1, MAX_DEPTH + 1):
        tokens = random_mlp_tokens(16, depth, 2, drop_rate=0.2, generator=_gen(depth))
        decoded = [tokens.clone() for _ in range(MAX_DEPTH)]
        relative, percentage = decoder_errors(x, tokens, depth, 2, decoded)
        assert relative.shape == percentage.shape == (16, MAX_DEPTH)
        np.testing.assert_array_equal(relative[:, depth - 1], 0.0)
        np.testing.assert_array_equal(percentage[:, depth - 1], 0.0)
        np.testing.assert_array_equal(relative.min(axis=1), 0.0)
        # an imperfect copy (weights off by 10 %) is not exact
        lay = layout(depth)
        noisy = tokens.clone()
        noisy[..., : lay.activations[-1].stop] *= 1.1
        noisy[..., [lay.output_weights.start, lay.output_bias]] *= 1.1
        rel, pct = decoder_errors(x, tokens, depth, 2, [noisy] * MAX_DEPTH)
        assert np.all(rel[:, depth - 1] > 0) and np.all(pct[:, depth - 1] > 0)


def test_decoder_errors_match_an_independent_sparse_mlp_computation(model):
    """Hard decoding = tokens_to_mlp of the decoder output with masks as probabilities, run in numpy."""
    depth, n_inputs = 2, 3
    tokens = random_mlp_tokens(6, depth, n_inputs, generator=_gen(3))
    x = sample_inputs(100, n_inputs, generator=_gen(4))
    real = real_entries_tensor(depth, n_inputs)
    decoded = model.decode_all(model.encode(tokens, real))
    relative, percentage = decoder_errors(x, tokens, depth, n_inputs, decoded)
    f = hard_forward(x, tokens, depth, n_inputs).double().numpy()
    xs = x.double().numpy()
    for k, raw in enumerate(decoded, start=1):
        for i in range(len(tokens)):
            values = raw[i].double().numpy().copy()
            values[:, layout(k).masks] = 1 / (1 + np.exp(-values[:, layout(k).masks]))
            f_hat = tokens_to_mlp(values, k, n_inputs).predict(xs)
            expected = ((f[i] - f_hat) ** 2).sum() / (((f[i] - f[i].mean()) ** 2).sum() + 1e-6 * len(f_hat))
            assert relative[i, k - 1] == pytest.approx(expected, rel=1e-3, abs=1e-6)
            ratios = np.sort(np.abs(f[i] - f_hat) / (np.abs(f[i]) + 1e-8))
            mpe = 100 * ratios[(len(ratios) - 1) // 2]  # torch's median: the lower middle value
            assert percentage[i, k - 1] == pytest.approx(mpe, rel=1e-2, abs=1e-3)


# --------------------------------------------------------------------------- fidelity


def test_fidelity_rows_and_determinism(model):
    rows = fidelity(model, n_mlps=7, n_points=60, seed=3, batch_size=4)
    assert all(set(r) == set(FIELDS) for r in rows)
    _check_rows(rows, 7)  # 7 MLPs split over 3 drop rates (2 + 3 + 2), in batches of 4
    assert fidelity(model, n_mlps=7, n_points=60, seed=3, batch_size=7) == rows  # batching changes nothing
    other = fidelity(model, n_mlps=7, n_points=60, seed=4)
    assert [r["median_relative_error"] for r in other] != [r["median_relative_error"] for r in rows]


def test_held_out_stream_is_not_pretraining_stream():
    # pretraining's held-out set is drawn from manual_seed(seed + 7919); the evaluation tags its seeds
    for seed in (0, 7919, 12345):
        g = _generator(seed)
        assert g.initial_seed() not in (seed, seed + 7919)
        assert not torch.equal(torch.rand(5, generator=g), torch.rand(5, generator=_gen(seed)))
    assert _generator(5).initial_seed() == _generator(5).initial_seed() != _generator(6).initial_seed()


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_mlps": 0}, ValueError),
        ({"n_inputs": 17}, ValueError),
        ({"seed": -1}, ValueError),
        ({"n_points": 1}, ValueError),
        ({"n_mlps": 2.0}, TypeError),
        ({"drop_rates": (1.0,)}, ValueError),
    ],
)
def test_fidelity_rejects_bad_arguments(model, kwargs, error):
    with pytest.raises(error):
        fidelity(model, **kwargs)


# --------------------------------------------------------------------------- smoothness


def test_smoothness_map(model):
    maps = []
    for depth in range(1, MAX_DEPTH + 1):
        m = smoothness_map(model, depth, grid=7, radius=3.0, n_points=64, seed=1)
        assert m.shape == (7, 7) and m.dtype == np.float64
        assert np.all(np.isfinite(m)) and np.all(m >= 0)
        assert m[3, 3] <= 1e-12 * (1 + m.max())  # the centre is z itself (0 up to rounding)
        maps.append(m)
    np.testing.assert_array_equal(smoothness_map(model, 2, grid=7, n_points=64, seed=1), maps[1])
    assert not np.array_equal(smoothness_map(model, 2, grid=7, n_points=64, seed=2), maps[1])
    soft = smoothness_map(model, 3, grid=5, n_points=32, base="normal", hard=False)
    assert soft.shape == (5, 5) and np.all(np.isfinite(soft)) and soft[2, 2] <= 1e-12 * (1 + soft.max())
    # the decoded functions do change across the plane, and differently for each decoder
    assert all(m.max() > 0 for m in maps)
    assert len({m.tobytes() for m in maps}) == MAX_DEPTH
    with pytest.raises(ValueError, match="base"):
        smoothness_map(model, 1, base="uniform")
    with pytest.raises(ValueError, match="depth"):
        smoothness_map(model, 5)


# --------------------------------------------------------------------------- the report


def test_write_fidelity_report(model_dir, tmp_path):
    out = tmp_path / "report"
    paths = write_fidelity_report(out, autoencoder=model_dir, n_mlps=5, seed=11)
    assert set(paths) == {"csv", "markdown", "png"}
    assert sorted(p.name for p in out.iterdir()) == ["fidelity.csv", "fidelity.md", "smoothness.png"]
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths.values())

    with open(paths["csv"], newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == FIELDS
        rows = list(reader)
    assert len(rows) == 5 * 5
    _check_rows(rows, 5)

    text = paths["markdown"].read_text()
    command = f"sk-swat evaluate-autoencoder {out} --autoencoder {model_dir} --n-mlps 5 --n-inputs 2 --seed 11"
    assert command in text
    assert "hidden_size=16" in text and "n_mlps=5" in text and "seed=11" in text
    header = "| input depth | D1 | D2 | D3 | D4 | **best** |"
    assert text.count(header) == 2
    for label in ("| 1 |", "| 2 |", "| 3 |", "| 4 |", "| **all** |"):
        assert text.count(label) == 2
    all_best = float(rows[-1]["median_relative_error"])
    assert f"**{all_best:.3g}**" in text

    png = paths["png"].read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000

    # a second run replaces the files and leaves no temporary file behind
    write_fidelity_report(out, autoencoder=model_dir, n_mlps=3, seed=11)
    assert sorted(p.name for p in out.iterdir()) == ["fidelity.csv", "fidelity.md", "smoothness.png"]
    assert "--n-mlps 3" in paths["markdown"].read_text()


def test_cli_evaluate_autoencoder(model_dir, tmp_path, capsys):
    from sk_swat.cli import main

    assert main(["evaluate-autoencoder", str(tmp_path), "--autoencoder", str(model_dir), "--n-mlps", "2"]) == 0
    printed = capsys.readouterr().out
    assert "Median relative functional error" in printed and "png:" in printed
    assert (tmp_path / "fidelity.csv").exists()


def test_report_needs_matplotlib_and_says_so(monkeypatch, tmp_path):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    # checked before the autoencoder is loaded: the bad path is never looked at
    with pytest.raises(ImportError, match=r'pip install "sk-swat\[plot\]"'):
        write_fidelity_report(tmp_path, autoencoder=tmp_path / "no-such-model")
    assert not any(tmp_path.iterdir())


def test_fidelity_draws_held_out_mlps_of_the_given_family(model, monkeypatch):
    import sk_swat.autoencoder.evaluation as evaluation
    from sk_swat.encoding import split_tokens

    drawn = []

    def spy(batch_size, depth, n_inputs, **kwargs):
        tokens = random_mlp_tokens(batch_size, depth, n_inputs, **kwargs)
        drawn.append((depth, n_inputs, tokens))
        return tokens

    monkeypatch.setattr(evaluation, "random_mlp_tokens", spy)
    family = {"biases": False, "activations": ("sigmoid",), "n_neurons": 5}
    rows = fidelity(model, n_mlps=6, n_points=40, mlp_options=family)
    assert rows[-1]["n_mlps"] == 24 and len(drawn) == 4 * 3  # 4 depths x 3 drop rates
    for depth, n_inputs, tokens in drawn:
        parts = split_tokens(tokens, depth, n_inputs)
        assert not any(b.any() for b in parts["biases"]) and not parts["output_bias"].any()
        assert (parts["masks"].sum(1) == 5).all()
        assert (torch.stack(parts["activations"], dim=-2).argmax(-1) == 0).all()
    assert fidelity(model, n_mlps=6, n_points=40) != rows  # the default family is another one
