"""Tests for sk_swat.autoencoder: random MLPs, the model, functional errors, pretraining."""

import builtins
import csv
import dataclasses
import itertools
import json
import math
import os
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig
from sk_swat.autoencoder.configuration import LAYOUT_VERSION
from sk_swat.autoencoder.functional import decoded_forward, percentage_error, relative_error, sample_inputs
from sk_swat.autoencoder.pretraining import (
    PretrainSettings,
    _reconstruction_loss,
    functional_loss,
    pretrain,
)
from sk_swat.autoencoder.random_mlps import hard_forward, random_mlp_tokens
from sk_swat.encoding import (
    MAX_DEPTH,
    N_TOKENS,
    TOKEN_WIDTH,
    layout,
    mlp_to_tokens,
    real_entries,
    split_tokens,
    tokens_to_mlp,
)
from sk_swat.mlp import SparseMLP
from sk_swat.torch_mlp import real_entries_tensor


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _tiny_config(**kw):
    return SWATAutoencoderConfig(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1, **kw)


# --------------------------------------------------------------------------- random MLPs


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("n_inputs", [1, 2, 10, 16])
def test_random_tokens_decode_to_mlps_that_match_hard_forward(depth, n_inputs):
    tokens = random_mlp_tokens(12, depth, n_inputs, drop_rate=0.2, generator=_gen(depth * 100 + n_inputs))
    assert tokens.shape == (12, N_TOKENS, TOKEN_WIDTH) and tokens.dtype == torch.float32
    x = sample_inputs(40, n_inputs, generator=_gen(1))
    f = hard_forward(x, tokens, depth, n_inputs)
    assert f.shape == (12, 40)
    real = real_entries(depth, n_inputs).astype(bool)
    for t, fi in zip(tokens.double().numpy(), f.numpy()):
        assert not t[~real].any(), "random tokens write outside the real entries"
        mlp = tokens_to_mlp(t, depth, n_inputs)
        np.testing.assert_allclose(mlp.predict(x.double().numpy()), fi, rtol=1e-4, atol=1e-4)
        # pruned neurons are written as SparseMLP writes them: re-encoding gives the same tokens exactly
        np.testing.assert_array_equal(mlp_to_tokens(mlp)[0], t)


def _kept_weights(tokens, depth, n_inputs):
    """All weights whose two ends are kept neurons (inputs and the output always kept)."""
    parts = split_tokens(tokens, depth, n_inputs)
    masks = parts["masks"].bool()
    out = [parts["weights"][0][masks[:, :, 0]]]  # rows of W1.T = kept neurons of layer 1
    for j in range(1, depth):
        both = masks[:, :, j - 1, None] & masks[:, None, :, j]
        out.append(parts["weights"][j][both])
    out.append(parts["output_weights"][masks[:, :, depth - 1]])
    return torch.cat([o.reshape(-1) for o in out])


@pytest.mark.parametrize("drop_rate", [0.0, 0.2, 0.4])
def test_random_tokens_drop_rate(drop_rate):
    tokens = random_mlp_tokens(400, 2, 5, drop_rate=drop_rate, generator=_gen(3))
    kept = _kept_weights(tokens, 2, 5)
    assert kept.numel() > 10_000
    zero_fraction = (kept == 0).float().mean().item()
    assert zero_fraction == pytest.approx(drop_rate, abs=0.02)


def test_random_tokens_structure_and_ranges():
    depth, n_inputs = 3, 4
    tokens = random_mlp_tokens(500, depth, n_inputs, generator=_gen(5))
    parts = split_tokens(tokens, depth, n_inputs)
    masks = parts["masks"]
    assert set(masks.unique().tolist()) <= {0.0, 1.0}
    assert (masks.sum(1) >= 1).all(), "every layer keeps at least one neuron"
    # keep probability 0.5 plus one forced neuron
    assert masks.mean().item() == pytest.approx(0.5 + 0.5 / 7, abs=0.02)
    assert not tokens[..., layout(4).masks.stop - 1].any()  # no 4th layer mask for depth 3
    weights = torch.cat([w.reshape(-1) for w in parts["weights"]] + [parts["output_weights"].reshape(-1)])
    assert weights.abs().max() <= 5.0 and weights.abs().max() > 4.9
    biases = torch.cat([b.reshape(-1) for b in parts["biases"]] + [parts["output_bias"].reshape(-1)])
    assert biases.abs().max() <= 1.0 and biases.abs().max() > 0.99
    for j in range(depth):
        pruned = masks[..., j] == 0
        assert not parts["biases"][j][pruned].any()
        if j == 0:  # rows of W1.T are this layer's neurons
            assert not parts["weights"][0][pruned].any()
        act = parts["activations"][j]
        assert (act.sum(-1) == 1).all(), "activations are one-hot"
        assert (act[pruned].argmax(-1) == 0).all(), "pruned neurons are written as sigmoid"
        # activations are uniform over the candidates among kept neurons
        freq = act[~pruned].mean(0)
        assert torch.allclose(freq, torch.full((3,), 1 / 3), atol=0.04)
    for j in range(1, depth):  # incoming from a pruned neuron / into a pruned neuron
        assert not parts["weights"][j][(masks[..., j - 1] == 0)].any()
        assert not parts["weights"][j].transpose(1, 2)[(masks[..., j] == 0)].any()
    assert not parts["output_weights"][masks[..., depth - 1] == 0].any()
    assert not tokens[:, 1:, layout(depth).output_bias].any()


def test_random_tokens_custom_ranges_and_keep_probability():
    tokens = random_mlp_tokens(200, 1, 2, weight_range=0.5, bias_range=0.1, keep_probability=1.0, generator=_gen(0))
    parts = split_tokens(tokens, 1, 2)
    assert (parts["masks"] == 1).all()
    assert parts["weights"][0].abs().max() <= 0.5 and parts["biases"][0].abs().max() <= 0.1


def test_random_tokens_activation_choice_and_keep_probability_per_mlp():
    keep = torch.tensor([1.0, 0.0] * 100)
    tokens = random_mlp_tokens(200, 2, 3, keep_probability=keep, activations=("sigmoid", "tanh"), generator=_gen(4))
    parts = split_tokens(tokens, 2, 3)
    assert (parts["masks"][keep == 1] == 1).all()
    assert (parts["masks"][keep == 0].sum(1) == 1).all(), "keep probability 0 keeps only the forced neuron"
    codes = torch.stack(parts["activations"], dim=-2).argmax(-1)[parts["masks"].bool()]
    assert set(codes.unique().tolist()) == {0, 1}, "only sigmoid (0) and tanh (1) are drawn"


def test_random_tokens_same_seed_same_tokens():
    a = random_mlp_tokens(8, 2, 3, drop_rate=0.2, generator=_gen(11))
    b = random_mlp_tokens(8, 2, 3, drop_rate=0.2, generator=_gen(11))
    c = random_mlp_tokens(8, 2, 3, drop_rate=0.2, generator=_gen(12))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_random_tokens_without_biases_are_the_same_draw_with_zero_biases():
    with_biases = random_mlp_tokens(50, 3, 2, drop_rate=0.2, generator=_gen(21))
    without = random_mlp_tokens(50, 3, 2, drop_rate=0.2, biases=False, generator=_gen(21))
    parts, ref = split_tokens(without, 3, 2), split_tokens(with_biases, 3, 2)
    assert not any(b.any() for b in parts["biases"]) and not parts["output_bias"].any()
    assert with_biases[..., layout(3).biases[0]].any(), "the default draw has biases"
    for key in ("weights", "activations"):
        assert all(torch.equal(a, b) for a, b in zip(parts[key], ref[key])), key
    assert torch.equal(parts["masks"], ref["masks"]) and torch.equal(parts["output_weights"], ref["output_weights"])


@pytest.mark.parametrize("n_neurons", [1, 5, 7])
def test_random_tokens_with_a_fixed_number_of_neurons(n_neurons):
    depth, n_inputs = 4, 2
    tokens = random_mlp_tokens(300, depth, n_inputs, n_neurons=n_neurons, activations=("sigmoid",),
                               biases=False, generator=_gen(n_neurons))
    parts = split_tokens(tokens, depth, n_inputs)
    masks = parts["masks"]
    assert (masks.sum(1) == n_neurons).all(), "exactly n_neurons kept in every layer"
    if n_neurons < 7:  # a random subset: every neuron is kept in some MLPs and dropped in others
        share = masks.mean(0)
        assert ((share > 0) & (share < 1)).all()
    codes = torch.stack(parts["activations"], dim=-2).argmax(-1)
    assert (codes == 0).all(), "all sigmoid"
    for j in range(depth):
        pruned = masks[..., j] == 0
        assert not parts["weights"][j][pruned].any() if j == 0 else not parts["weights"][j].transpose(1, 2)[
            pruned].any()
    # the tokens are MLPs of that structure: decoding them gives n_neurons neurons per layer
    mlp = tokens_to_mlp(tokens[0].numpy(), depth, n_inputs)
    assert mlp.architecture["hidden_layer_sizes"] == [n_neurons] * depth
    with pytest.raises(ValueError, match="n_neurons"):
        random_mlp_tokens(2, 1, 2, n_neurons=8)


def test_settings_mlp_family_defaults_are_todays_draw():
    """The new family settings default to the draw every earlier run was trained on."""
    options = PretrainSettings().mlp_options()
    assert options == {"biases": True, "activations": ("sigmoid", "tanh", "leaky_relu"),
                       "keep_probability": 0.5, "n_neurons": None}
    assert torch.equal(random_mlp_tokens(16, 2, 2, drop_rate=0.2, generator=_gen(1), **options),
                       random_mlp_tokens(16, 2, 2, drop_rate=0.2, generator=_gen(1)))


# --------------------------------------------------------------------------- model


@pytest.fixture(scope="module", params=[True, False], ids=["shared", "separate"])
def model(request):
    torch.manual_seed(0)
    m = SWATAutoencoder(_tiny_config(shared_decoder_trunk=request.param)).eval()
    return m


def test_model_shapes(model):
    tokens = random_mlp_tokens(3, 2, 2, generator=_gen(0))
    real = real_entries_tensor(2, 2)
    with torch.no_grad():
        z = model.encode(tokens, real)
        assert z.shape == (3, 7, 16)
        for k in range(1, MAX_DEPTH + 1):
            assert model.decode(z, k).shape == (3, 7, 59)
        outs = model.decode_all(z)
        assert len(outs) == 4 and all(o.shape == (3, 7, 59) for o in outs)
        for k, o in enumerate(outs, start=1):
            torch.testing.assert_close(o, model.decode(z, k))
        fwd = model(tokens, real)
        for a, b in zip(fwd, outs):
            torch.testing.assert_close(a, b)
        # the real channel may be shared (2-D) or per MLP (3-D)
        torch.testing.assert_close(model.encode(tokens, real.expand(3, -1, -1)), z)
        # the real channel is an input: changing it changes the latent
        assert not torch.allclose(model.encode(tokens, real_entries_tensor(2, 3)), z)


@pytest.mark.skipif(not hasattr(SWATAutoencoder, "decode_groups"), reason="no decode_groups in this version")
def test_decode_groups_equals_decode_per_group(model):
    z = torch.randn(6, 7, 16, generator=_gen(4))
    with torch.no_grad():
        groups = model.decode_groups(z, depths=[3, 1, 4], sizes=[2, 3, 1])
        assert [g.shape for g in groups] == [(2, 7, 59), (3, 7, 59), (1, 7, 59)]
        torch.testing.assert_close(groups[0], model.decode(z[:2], 3))
        torch.testing.assert_close(groups[1], model.decode(z[2:5], 1))
        torch.testing.assert_close(groups[2], model.decode(z[5:], 4))


def test_separate_trunks_have_four_decoders():
    shared = SWATAutoencoder(_tiny_config(shared_decoder_trunk=True))
    separate = SWATAutoencoder(_tiny_config(shared_decoder_trunk=False))
    assert len(shared.decoders) == 1 and len(separate.decoders) == 4
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    one_trunk = sum(p.numel() for p in shared.decoders[0].parameters())
    assert n(separate) - n(shared) == 3 * one_trunk


def test_decoder_output_scale():
    """Weights and biases come out multiplied by value_scale, activation and mask logits not."""
    torch.manual_seed(0)
    a = SWATAutoencoder(_tiny_config(value_scale=5.0)).eval()
    b = SWATAutoencoder(_tiny_config(value_scale=1.0)).eval()
    b.load_state_dict(a.state_dict())
    z = torch.randn(2, 7, 16)
    with torch.no_grad():
        for k in range(1, 5):
            out_a, out_b = a.decode(z, k), b.decode(z, k)
            lay = layout(k)
            unscaled = [c for s in lay.activations for c in range(s.start, s.stop)]
            unscaled += list(range(lay.masks.start, lay.masks.stop))
            scaled = [c for c in range(TOKEN_WIDTH) if c not in unscaled]
            torch.testing.assert_close(out_a[..., unscaled], out_b[..., unscaled])
            torch.testing.assert_close(out_a[..., scaled], 5.0 * out_b[..., scaled])


def test_save_and_load_round_trip(model, tmp_path):
    model.save_pretrained(tmp_path)
    assert (tmp_path / "config.json").exists() and (tmp_path / "model.safetensors").exists()
    assert not list(tmp_path.glob("*.bin")) and not list(tmp_path.glob("*.pt"))
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["model_type"] == "swat_autoencoder"
    assert config["layout_version"] == LAYOUT_VERSION
    assert config["shared_decoder_trunk"] == model.config.shared_decoder_trunk

    loaded = SWATAutoencoder.from_pretrained(tmp_path).eval()
    for key in ["hidden_size", "n_encoder_layers", "n_decoder_layers", "n_head", "shared_decoder_trunk",
                "value_scale", "layout_version", "activations"]:
        assert getattr(loaded.config, key) == getattr(model.config, key), key
    state, state_loaded = model.state_dict(), loaded.state_dict()
    assert state.keys() == state_loaded.keys()
    for key in state:
        assert torch.equal(state[key], state_loaded[key]), key
    tokens = random_mlp_tokens(4, 3, 2, generator=_gen(2))
    real = real_entries_tensor(3, 2)
    with torch.no_grad():
        for a, b in zip(model(tokens, real), loaded(tokens, real)):
            assert torch.equal(a, b)


def test_incompatible_layout_version_raises(tmp_path):
    with pytest.raises(ValueError, match="different MLP token layout.*layout_version=2"):
        SWATAutoencoder(_tiny_config(layout_version=2))
    with pytest.raises(ValueError, match="token_width=60"):
        _tiny_config(token_width=60).check_compatible()
    _tiny_config().check_compatible()  # the package's own layout is fine

    SWATAutoencoder(_tiny_config()).save_pretrained(tmp_path)
    config_path = tmp_path / "config.json"
    config = json.loads(config_path.read_text())
    config["layout_version"] = LAYOUT_VERSION + 1
    config_path.write_text(json.dumps(config))
    with pytest.raises(ValueError, match="different MLP token layout"):
        SWATAutoencoder.from_pretrained(tmp_path)


# --------------------------------------------------------------------------- functional errors and losses


def test_relative_error():
    f = torch.tensor([[0.0, 1.0, 2.0, 3.0], [1.0, -1.0, 4.0, 2.0]], dtype=torch.float64)
    assert torch.equal(relative_error(f, f), torch.zeros(2, dtype=torch.float64))
    mean = f.mean(-1, keepdim=True).expand_as(f)
    torch.testing.assert_close(relative_error(f, mean), torch.ones(2, dtype=torch.float64), rtol=1e-5, atol=1e-5)
    f_hat = torch.tensor([[0.0, 1.0, 2.0, 4.0]], dtype=torch.float64)
    # sum of squared errors 1, sum of squared deviations 5
    assert relative_error(f[:1], f_hat).item() == pytest.approx(1 / (5 + 4e-6), rel=1e-12)
    # constant f: finite
    const = torch.full((1, 4), 3.0)
    assert torch.isfinite(relative_error(const, const + 1)).all()


def test_percentage_error():
    f = torch.tensor([[1.0, 2.0, 4.0]])
    f_hat = torch.tensor([[1.1, 2.0, 5.0]])  # 10 %, 0 %, 25 % -> median 10 %
    assert percentage_error(f, f_hat).item() == pytest.approx(10.0, rel=1e-5)


def test_functional_loss_by_hand():
    errors = torch.tensor([[0.5, 2.0, 1.0, 3.0], [4.0, 0.25, 1.0, 1.0]], dtype=torch.float64)
    expected_min = (math.log1p(0.5) + math.log1p(0.25)) / 2
    assert functional_loss(errors, "min").item() == pytest.approx(expected_min, rel=1e-12)
    p2 = [math.sqrt(0.25 + 4 + 1 + 9), math.sqrt(16 + 0.0625 + 1 + 1)]
    assert functional_loss(errors, "pnorm", 2.0).item() == pytest.approx(
        (math.log1p(p2[0]) + math.log1p(p2[1])) / 2, rel=1e-12
    )
    pm2 = [(0.5**-2 + 2**-2 + 1 + 3**-2) ** -0.5, (4**-2 + 0.25**-2 + 1 + 1) ** -0.5]
    assert functional_loss(errors, "pnorm", -2.0).item() == pytest.approx(
        (math.log1p(pm2[0]) + math.log1p(pm2[1])) / 2, rel=1e-12
    )


def test_decoded_forward_hard_reads_logits_like_a_search():
    """Decoder output with mask logits +-8 and activation logits decodes to the encoded MLP."""
    depth, n_inputs = 3, 2
    mlps = [SparseMLP.random(n_inputs, depth, random_state=s) for s in range(3)]
    raw = torch.from_numpy(np.stack([mlp_to_tokens(m)[0] for m in mlps]))
    lay = layout(depth)
    raw[..., lay.masks] = raw[..., lay.masks] * 16 - 8
    for s in lay.activations:
        raw[..., s] = raw[..., s] * 6 - 3
    x = sample_inputs(20, n_inputs, generator=_gen(0)).double()
    expected = np.stack([m.predict(x.numpy()) for m in mlps])
    hard = decoded_forward(x, raw, depth, n_inputs, hard=True)
    np.testing.assert_allclose(hard.numpy(), expected, rtol=1e-12, atol=1e-12)
    soft = decoded_forward(x, raw, depth, n_inputs, hard=False)
    assert not np.allclose(soft.numpy(), expected, atol=1e-6)  # soft: sigmoid(8) < 1
    np.testing.assert_allclose(soft.numpy(), expected, atol=0.5 * np.abs(expected).max())


def test_settings_validation():
    PretrainSettings().validate()
    for bad, match in [
        (dict(loss="l2"), "loss must be"),
        (dict(loss="pnorm", p=0), "p != 0"),
        (dict(batch_size=0), "batch_size"),
        (dict(max_inputs=17), "max_inputs"),
        (dict(drop_rates=(0.0, 1.0)), "drop rates"),
        (dict(activations=("relu",)), "activations"),
        (dict(activations=()), "activations"),
        (dict(keep_probability=0.0), "keep_probability"),
        (dict(n_neurons=0), "n_neurons"),
    ]:
        with pytest.raises(ValueError, match=match):
            PretrainSettings(**bad).validate()


# --------------------------------------------------------------------------- pretraining


def _settings(n_mlps):
    return PretrainSettings(n_mlps=n_mlps, batch_size=16, n_holdout=8, checkpoint_every=2, n_points=32)


@pytest.fixture(scope="module")
def pretrain_runs(tmp_path_factory):
    """A 64-MLP run resumed to 96 MLPs, and an uninterrupted 96-MLP run."""
    resumed = tmp_path_factory.mktemp("resumed")
    straight = tmp_path_factory.mktemp("straight")
    first = pretrain(resumed, _settings(64), _tiny_config())
    files_after_first = sorted(p.relative_to(resumed).as_posix() for p in resumed.rglob("*"))
    state_after_first = torch.load(resumed / "checkpoint.pt", weights_only=True)
    second = pretrain(resumed, _settings(96), _tiny_config())
    full = pretrain(straight, _settings(96), _tiny_config())
    return dict(
        resumed=resumed, straight=straight, first=first, second=second, full=full,
        files_after_first=files_after_first, state_after_first=state_after_first,
    )


def test_pretrain_writes_its_files(pretrain_runs):
    files = pretrain_runs["files_after_first"]
    for name in ["checkpoint.pt", "model/config.json", "model/model.safetensors", "log.csv", "settings.json"]:
        assert name in files
    assert not [f for f in files if f.endswith(".tmp") or ".old" in f]
    first = pretrain_runs["first"]
    assert (first["step"], first["mlps_seen"]) == (4, 64)
    assert math.isfinite(first["holdout_error"]) and first["holdout_error"] > 0
    state = pretrain_runs["state_after_first"]
    assert (state["step"], state["mlps_seen"]) == (4, 64)
    assert state["config"]["hidden_size"] == 16
    settings = json.loads((pretrain_runs["resumed"] / "settings.json").read_text())
    assert settings["n_mlps"] == 96 and settings["batch_size"] == 16


def test_pretrain_model_dir_matches_checkpoint(pretrain_runs):
    out = pretrain_runs["resumed"]
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    saved = load_file(out / "model" / "model.safetensors")
    config = json.loads((out / "model" / "config.json").read_text())
    assert config["model_type"] == "swat_autoencoder" and config["hidden_size"] == 16
    for key, value in saved.items():
        assert torch.equal(value, state["model"][key]), key
    trainable = {k for k, v in SWATAutoencoder(_tiny_config()).named_parameters() if v.requires_grad}
    assert trainable <= set(saved)


def test_pretrain_log(pretrain_runs):
    with open(pretrain_runs["straight"] / "log.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["step", "mlps_seen", "seconds", "holdout_median_best_relative_error",
                             "depth1", "depth2", "depth3", "depth4", "learning_rate"]
    assert {int(r["step"]) for r in rows} == {2, 4, 6}
    for r in rows:
        assert int(r["mlps_seen"]) == 16 * int(r["step"])
        assert all(math.isfinite(float(r[k])) for k in list(r)[3:])
        assert float(r["learning_rate"]) == 1e-3


def test_pretrain_log_has_one_row_per_checkpoint(pretrain_runs):
    with open(pretrain_runs["straight"] / "log.csv") as fh:
        steps = [int(r["step"]) for r in csv.DictReader(fh)]
    assert steps == [2, 4, 6], "the final checkpoint repeats the one written at the same step"


def test_pretrain_resume_continues_and_equals_uninterrupted_run(pretrain_runs):
    second, full = pretrain_runs["second"], pretrain_runs["full"]
    assert (second["step"], second["mlps_seen"]) == (6, 96)
    assert (full["step"], full["mlps_seen"]) == (6, 96)
    a = torch.load(pretrain_runs["resumed"] / "checkpoint.pt", weights_only=True)
    b = torch.load(pretrain_runs["straight"] / "checkpoint.pt", weights_only=True)
    assert (a["step"], a["mlps_seen"]) == (b["step"], b["mlps_seen"]) == (6, 96)
    before = pretrain_runs["state_after_first"]["model"]
    assert any(not torch.equal(a["model"][k], before[k]) for k in before), "the resumed run did not train"
    for key in b["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    assert a["optimizer"]["state"].keys() == b["optimizer"]["state"].keys()
    for i in b["optimizer"]["state"]:
        for name, value in b["optimizer"]["state"][i].items():
            assert torch.equal(a["optimizer"]["state"][i][name], value), (i, name)
    assert second["holdout_error"] == full["holdout_error"]


def test_pretrain_resume_when_already_done_trains_nothing(pretrain_runs, tmp_path):
    out = pretrain_runs["resumed"]
    log_before = (out / "log.csv").read_text()
    ckpt_before = (out / "checkpoint.pt").read_bytes()
    result = pretrain(out, _settings(96), _tiny_config())
    assert (result["step"], result["mlps_seen"]) == (6, 96)
    assert (out / "log.csv").read_text() == log_before
    assert (out / "checkpoint.pt").read_bytes() == ckpt_before


def test_pretrain_refuses_to_overwrite(pretrain_runs):
    out = pretrain_runs["straight"]
    ckpt_before = (out / "checkpoint.pt").read_bytes()
    with pytest.raises(ValueError, match="checkpoint.pt exists"):
        pretrain(out, _settings(128), _tiny_config(), resume=False)
    assert (out / "checkpoint.pt").read_bytes() == ckpt_before


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(seed=1), "seed 0 -> 1"),
        (dict(batch_size=32), "batch_size 16 -> 32"),
        (dict(loss="pnorm"), "loss 'min' -> 'pnorm'"),
        (dict(n_holdout=4), "n_holdout 8 -> 4"),
        (dict(learning_rate=1e-4), r"learning_rate 0.001 -> 0.0001.*allow_changes=\('learning_rate',\)"),
    ],
)
def test_pretrain_resume_refuses_settings_that_change_the_run(pretrain_runs, change, match):
    out = pretrain_runs["straight"]
    before = (out / "checkpoint.pt").read_bytes()
    settings = dataclasses.replace(_settings(128), **change)
    with pytest.raises(ValueError, match=match):
        pretrain(out, settings, _tiny_config())
    with pytest.raises(ValueError, match=match):  # a dict of the changed settings only
        pretrain(out, change)
    assert (out / "checkpoint.pt").read_bytes() == before


def test_pretrain_resume_refuses_another_model_size(pretrain_runs):
    out = pretrain_runs["straight"]
    with pytest.raises(ValueError, match="hidden_size 16 -> 32"):
        pretrain(out, _settings(128), {"hidden_size": 32})
    with pytest.raises(ValueError, match="allow_changes may name only learning_rate"):
        pretrain(out, dict(seed=1), allow_changes=("seed",))


def _without_family_settings(out):
    """Make the run in ``out`` look like one recorded before the MLP family settings existed."""
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    for name in ("biases", "activations", "keep_probability", "n_neurons"):
        del state["settings"][name]
    torch.save(state, out / "checkpoint.pt")
    settings = json.loads((out / "settings.json").read_text())
    (out / "settings.json").write_text(json.dumps({k: settings[k] for k in state["settings"]}, indent=2))


def test_pretrain_resumes_a_run_recorded_without_the_family_settings(pretrain_runs, tmp_path):
    out = tmp_path / "old"
    shutil.copytree(pretrain_runs["resumed"], out)
    _without_family_settings(out)
    with pytest.raises(ValueError, match="biases True -> False"):
        pretrain(out, dict(n_mlps=128, biases=False))
    result = pretrain(out, dict(n_mlps=128))
    assert (result["step"], result["mlps_seen"]) == (8, 128)
    recorded = json.loads((out / "settings.json").read_text())
    assert recorded["biases"] is True and recorded["n_neurons"] is None
    assert recorded["activations"] == ["sigmoid", "tanh", "leaky_relu"] and recorded["keep_probability"] == 0.5
    # the same as resuming the run as it was recorded, with the family settings
    reference = tmp_path / "new"
    shutil.copytree(pretrain_runs["resumed"], reference)
    pretrain(reference, dict(n_mlps=128))
    a = torch.load(out / "checkpoint.pt", weights_only=True)["model"]
    b = torch.load(reference / "checkpoint.pt", weights_only=True)["model"]
    assert all(torch.equal(a[k], b[k]) for k in b)


def test_pretrain_on_the_basic_setting_draws_from_that_family(tmp_path, monkeypatch):
    import sk_swat.autoencoder.pretraining as pretraining

    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return random_mlp_tokens(*args, **kwargs)

    monkeypatch.setattr(pretraining, "random_mlp_tokens", spy)
    settings = dataclasses.replace(_settings(32), biases=False, activations=("sigmoid",), n_neurons=5)
    pretrain(tmp_path, settings, _tiny_config())
    assert len(calls) == MAX_DEPTH + 2, "the held-out set (one call per depth) and two training steps"
    for kwargs in calls:
        assert (kwargs["biases"], tuple(kwargs["activations"]), kwargs["n_neurons"]) == (False, ("sigmoid",), 5)
    recorded = json.loads((tmp_path / "settings.json").read_text())
    assert (recorded["biases"], recorded["activations"], recorded["n_neurons"]) == (False, ["sigmoid"], 5)
    # resumed with the recorded family, refused with another one
    assert pretrain(tmp_path, dict(n_mlps=48))["mlps_seen"] == 48
    with pytest.raises(ValueError, match="n_neurons 5 -> None"):
        pretrain(tmp_path, dict(n_mlps=64, n_neurons=None))


def test_pretrain_command_family_options(tmp_path, monkeypatch):
    import sk_swat.autoencoder.pretraining as pretraining
    from sk_swat.cli import main

    seen = {}

    def fake_pretrain(output_dir, settings, config, **kwargs):
        seen.update(settings)
        return {}

    monkeypatch.setattr(pretraining, "pretrain", fake_pretrain)
    main(["pretrain", str(tmp_path), "--no-biases", "--activations", "sigmoid", "--n-neurons", "5",
          "--keep-probability", "1"])
    assert seen == {"biases": False, "activations": ("sigmoid",), "n_neurons": 5, "keep_probability": 1.0}
    seen.clear()
    main(["pretrain", str(tmp_path)])
    assert seen == {}, "left out, they keep the defaults (or the recorded values on --resume)"


def test_pretrain_resume_with_a_lower_learning_rate_allowed_by_name_is_logged(pretrain_runs, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(pretrain_runs["straight"], out)
    result = pretrain(out, dict(n_mlps=128, learning_rate=1e-4), allow_changes=("learning_rate",))
    assert (result["step"], result["mlps_seen"]) == (8, 128)
    with open(out / "log.csv") as fh:
        rates = {int(r["step"]): float(r["learning_rate"]) for r in csv.DictReader(fh)}
    assert rates == {2: 1e-3, 4: 1e-3, 6: 1e-3, 8: 1e-4}
    assert json.loads((out / "settings.json").read_text())["learning_rate"] == 1e-4
    assert torch.load(out / "checkpoint.pt", weights_only=True)["settings"]["batch_size"] == 16


def test_pretrain_command_resume_keeps_recorded_settings_and_refuses_changes(pretrain_runs, tmp_path, capsys):
    from sk_swat.cli import main

    out = tmp_path / "run"
    shutil.copytree(pretrain_runs["straight"], out)
    assert main(["pretrain", str(out), "--resume", "--hidden-size", "32"]) == 2
    assert "hidden_size 16 -> 32" in capsys.readouterr().err
    assert main(["pretrain", str(out), "--resume", "--learning-rate", "1e-4"]) == 2
    assert "--allow-change learning_rate" in capsys.readouterr().err
    # Options left out keep their recorded values (batch size 16, 8 held-out MLPs, ...).
    assert main(["pretrain", str(out), "--resume", "--n-mlps", "128", "--threads", "1"]) == 0
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    assert (state["step"], state["mlps_seen"], state["settings"]["n_holdout"]) == (8, 128, 8)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "not a checkpoint"])
def test_pretrain_refuses_a_corrupt_checkpoint_clearly(pretrain_runs, tmp_path, damage):
    path = tmp_path / "checkpoint.pt"
    data = (pretrain_runs["straight"] / "checkpoint.pt").read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\0" * 64 + data[64:])
    else:
        torch.save({"weights": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="checkpoint.pt is corrupt or not a pretraining checkpoint") as info:
        pretrain(tmp_path, _settings(96), _tiny_config())
    assert "weights_only" not in str(info.value)


def _start_killed(out, settings, kill_at):
    """Start ``pretrain`` in a forked process killed just before its ``kill_at``-th file write, rename or removal.

    The child dies by ``os._exit``: no ``finally`` block, no clean-up, as under SIGKILL or a power cut.
    Returns its pid, for ``_was_killed``.
    """
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 3
        try:
            calls = itertools.count(1)

            def killing(real):
                def call(*args, **kwargs):
                    mode = kwargs.get("mode", args[1] if len(args) > 1 else "r")
                    writes = real is not builtins.open or any(c in str(mode) for c in "wax+")
                    if writes and next(calls) == kill_at:
                        os._exit(9)
                    return real(*args, **kwargs)

                return call

            builtins.open, os.replace, shutil.rmtree = (killing(f) for f in (open, os.replace, shutil.rmtree))
            pretrain(out, settings, _tiny_config())
            code = 0
        finally:
            os._exit(code)
    return pid


def _was_killed(pid):
    """Wait for a run of ``_start_killed``: False if it ended before its kill point (nothing left to kill)."""
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 9), f"the killed run failed before its kill point (exit status {code})"
    return code == 9


def _without_seconds(log_text):
    rows = list(csv.reader(log_text.splitlines()))
    return [row[:2] + row[3:] for row in rows]


def test_pretrain_killed_at_every_write_and_resumed_equals_uninterrupted_run(tmp_path):
    settings = _settings(64)  # two checkpoints: the first, and the last
    reference = tmp_path / "reference"
    expected = pretrain(reference, settings, _tiny_config())
    ref_state = torch.load(reference / "checkpoint.pt", weights_only=True)
    ref_files = sorted(p.relative_to(reference).as_posix() for p in reference.rglob("*"))
    kill_points, ended = itertools.count(1), None
    while ended is None:  # until a run ends before its kill point
        # Four killed runs at a time, each in a folder of its own: forking this process takes most of the time.
        batch = list(itertools.islice(kill_points, 4))
        pids = [_start_killed(tmp_path / f"killed{k}", settings, k) for k in batch]
        killed = [_was_killed(pid) for pid in pids]
        for kill_at, was_killed in zip(batch, killed):
            if not was_killed:
                ended = kill_at
                break
            out = tmp_path / f"killed{kill_at}"
            result = pretrain(out, settings, _tiny_config())
            where = f"killed before write {kill_at}"
            assert result["holdout_error"] == expected["holdout_error"], where
            assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ref_files, where
            state = torch.load(out / "checkpoint.pt", weights_only=True)
            assert (state["step"], state["mlps_seen"]) == (ref_state["step"], ref_state["mlps_seen"]), where
            for key, value in ref_state["model"].items():
                assert torch.equal(state["model"][key], value), (where, key)
            for i, moments in ref_state["optimizer"]["state"].items():
                for name, value in moments.items():
                    assert torch.equal(state["optimizer"]["state"][i][name], value), (where, i, name)
            saved = load_file(out / "model" / "model.safetensors")
            for key, value in load_file(reference / "model" / "model.safetensors").items():
                assert torch.equal(saved[key], value), (where, key)
            assert _without_seconds((out / "log.csv").read_text()) == _without_seconds(
                (reference / "log.csv").read_text()
            ), where
            assert (out / "settings.json").read_text() == (reference / "settings.json").read_text(), where
    assert ended > 10, "the run made fewer writes than expected: the kill points were not reached"


def test_training_reduces_loss_on_one_configuration():
    """150 Adam steps on fresh depth-1, 2-input MLPs clearly improve held-out reconstruction."""
    torch.manual_seed(0)
    model = SWATAutoencoder(SWATAutoencoderConfig(hidden_size=32, n_head=2, n_encoder_layers=1, n_decoder_layers=1))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    g = _gen(0)
    depth, n_inputs = 1, 2
    x = sample_inputs(48, n_inputs, generator=g)
    real = real_entries_tensor(depth, n_inputs)
    held = random_mlp_tokens(32, depth, n_inputs, generator=g)
    f_held = hard_forward(x, held, depth, n_inputs)

    def losses(tokens, f):
        decoded = model(tokens, real)
        errors = torch.stack(
            [relative_error(f, decoded_forward(x, raw, k + 1, n_inputs)) for k, raw in enumerate(decoded)], dim=1
        )
        recon = _reconstruction_loss(decoded[depth - 1], tokens, depth, n_inputs, model.config.value_scale)
        return functional_loss(errors, "min"), recon

    with torch.no_grad():
        func0, recon0 = losses(held, f_held)
    for _ in range(150):
        tokens = random_mlp_tokens(16, depth, n_inputs, generator=g)
        func, recon = losses(tokens, hard_forward(x, tokens, depth, n_inputs))
        optimizer.zero_grad()
        (func + recon).backward()
        optimizer.step()
    with torch.no_grad():
        func1, recon1 = losses(held, f_held)
    assert func1 < 0.6 * func0, (func0.item(), func1.item())
    assert recon1 < 0.3 * recon0, (recon0.item(), recon1.item())


def test_pretrain_refuses_a_directory_another_run_is_pretraining_into(tmp_path):
    from filelock import FileLock

    from sk_swat.autoencoder.pretraining import LOCK

    with FileLock(str(tmp_path / LOCK)):  # as another process's run holds it
        with pytest.raises(RuntimeError, match="Another process is pretraining into"):
            pretrain(tmp_path, _settings(16), _tiny_config())
    assert not (tmp_path / "checkpoint.pt").exists()
    assert pretrain(tmp_path, _settings(16), _tiny_config())["mlps_seen"] == 16  # free again
