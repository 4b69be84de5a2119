"""Tests of the token layouts of up to MAX_OUTPUTS outputs (issue 19): encoding, forward, generator, pretraining."""

import json

import numpy as np
import pytest
import torch

from sk_swat import load_autoencoder
from sk_swat.autoencoder import (
    SWATAutoencoder,
    SWATAutoencoderConfig,
    SWATCNNAutoencoder,
    SWATCNNAutoencoderConfig,
)
from sk_swat.autoencoder.evaluation import fidelity
from sk_swat.autoencoder.functional import decoded_forward, relative_error, sample_inputs
from sk_swat.autoencoder.pretraining import PretrainSettings, init_weights_from, pretrain
from sk_swat.autoencoder.random_mlps import hard_forward, random_mlp_tokens
from sk_swat.cli import main
from sk_swat.encoding import (
    MAX_OUTPUTS,
    N_TOKENS,
    TOKEN_WIDTH,
    layout,
    max_outputs_of,
    mlp_to_tokens,
    real_entries,
    split_tokens,
    token_width,
    tokens_to_mlp,
)
from sk_swat.mlp import SparseMLP
from sk_swat.torch_mlp import real_entries_tensor, token_mlp_forward

OUTPUTS = range(1, MAX_OUTPUTS + 1)
DEPTHS = range(1, 5)


def _tiny_gpt(**kw):
    return SWATAutoencoderConfig(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1, **kw)


def _tiny_cnn(**kw):
    return SWATCNNAutoencoderConfig(channels=2, latent_size=8, fc_size=16, n_conv_layers=3, n_fc_layers=2, **kw)


# --------------------------------------------------------------------------- layout


def test_widths_and_columns():
    assert MAX_OUTPUTS == 7 and TOKEN_WIDTH == token_width() == token_width(1) == 59
    assert [token_width(k) for k in OUTPUTS] == list(range(59, 66))
    for m in OUTPUTS:
        lay = layout(4, max_outputs=m)
        assert lay.output_weights == slice(53, 53 + m) and lay.output_bias == 53 + m
        assert lay.masks == slice(54 + m, 58 + m) and lay.masks.stop == token_width(m)
        assert lay.weights == layout(4).weights and lay.biases == layout(4).biases


@pytest.mark.parametrize("bad", [0, 8, -1])
def test_bad_max_outputs_is_refused(bad):
    with pytest.raises(ValueError, match="1 to 7 outputs"):
        token_width(bad)
    with pytest.raises(ValueError, match="1 to 7 outputs"):
        layout(1, max_outputs=bad)


def test_n_outputs_above_the_layout_is_refused():
    with pytest.raises(ValueError, match="max_outputs=2"):
        split_tokens(np.zeros((N_TOKENS, token_width(2))), 1, 2, n_outputs=3)
    with pytest.raises(ValueError, match="pass max_outputs=3 or more"):
        mlp_to_tokens(SparseMLP.random(2, 1, n_outputs=3, random_state=0))
    with pytest.raises(TypeError, match="n_outputs must be an int"):
        real_entries(1, 2, n_outputs=1.0)


@pytest.mark.parametrize("width", [58, 66, 0])
def test_width_of_no_layout_is_refused(width):
    with pytest.raises(ValueError, match="59 to 65 columns"):
        max_outputs_of(np.zeros((N_TOKENS, width)))
    with pytest.raises(ValueError, match="59 to 65 columns"):
        split_tokens(torch.zeros(3, N_TOKENS, width), 1, 2)


@pytest.mark.parametrize("max_outputs", [1, 3, 7])
@pytest.mark.parametrize("n_outputs", [1, 2, 3, 7])
def test_real_entries_count(n_outputs, max_outputs):
    if n_outputs > max_outputs:
        return
    for depth in DEPTHS:
        for n_inputs in (1, 2, 16):
            real = real_entries(depth, n_inputs, n_outputs=n_outputs, max_outputs=max_outputs)
            hidden = 7 * (n_inputs + 1 + 3) + (depth - 1) * 7 * (7 + 1 + 3)
            assert real.shape == (N_TOKENS, token_width(max_outputs))
            assert real.sum() == hidden + 7 * n_outputs + n_outputs + 7 * depth
            lay = layout(depth, max_outputs)
            bias = real[:, lay.output_bias]
            assert bias[:n_outputs].all() and not bias[n_outputs:].any()
            weights = real[:, lay.output_weights]
            assert weights[:, :n_outputs].all() and not weights[:, n_outputs:].any()
            assert not real.flags.writeable


def test_one_output_real_entries_are_unchanged():
    for depth in DEPTHS:
        assert np.array_equal(real_entries(depth, 3), real_entries(depth, 3, n_outputs=1, max_outputs=1))
        lay = layout(depth)
        assert real_entries(depth, 3)[:, [53, 54]].sum() == 8 and lay.output_bias == 54


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("n_outputs", OUTPUTS)
def test_round_trip(depth, n_outputs):
    rng = np.random.RandomState(depth * 10 + n_outputs)
    for max_outputs in sorted({n_outputs, MAX_OUTPUTS}):
        mlp = SparseMLP.random(3, depth, n_outputs=n_outputs, random_state=rng)
        values, real = mlp_to_tokens(mlp, max_outputs=max_outputs)
        assert values.shape == real.shape == (N_TOKENS, token_width(max_outputs))
        assert not values[real == 0].any()  # nothing outside the real entries
        back = tokens_to_mlp(values, depth, 3, n_outputs=n_outputs)
        assert back == mlp and back.n_outputs == n_outputs
        X = rng.uniform(-1, 1, (20, 3))
        np.testing.assert_array_equal(back.predict(X), mlp.predict(X))


def test_split_tokens_output_parts():
    tokens = torch.zeros(2, N_TOKENS, token_width(5))
    parts = split_tokens(tokens, 2, 4, n_outputs=3)
    assert parts["output_weights"].shape == (2, 7, 3) and parts["output_bias"].shape == (2, 3)
    parts["output_weights"][...] = 1.0
    parts["output_bias"][...] = 2.0
    assert tokens[..., 53:56].eq(1).all() and not tokens[..., 56:58].any()
    assert tokens[:, :3, 58].eq(2).all() and not tokens[:, 3:, 58].any()


# --------------------------------------------------------------------------- torch forward


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("n_outputs", [2, 4, 7])
def test_forward_equals_predict(depth, n_outputs):
    rng = np.random.RandomState(depth + 100 * n_outputs)
    mlps = [SparseMLP.random(2, depth, n_outputs=n_outputs, random_state=rng) for _ in range(4)]
    tokens = torch.from_numpy(np.stack([mlp_to_tokens(m, max_outputs=7)[0] for m in mlps]))
    X = rng.uniform(-1, 1, (25, 2))
    out = hard_forward(torch.from_numpy(X), tokens, depth, 2, n_outputs)
    assert out.shape == (4, 25, n_outputs) and out.dtype == torch.float64
    for mlp, y in zip(mlps, out):
        np.testing.assert_allclose(y.numpy(), mlp.predict(X), rtol=1e-10, atol=1e-10)


def test_forward_of_fewer_outputs_than_the_layout_reads_only_those():
    mlp = SparseMLP.random(2, 2, n_outputs=3, random_state=0)
    tokens = torch.from_numpy(mlp_to_tokens(mlp, max_outputs=5)[0])[None]
    parts = split_tokens(tokens, 2, 2)
    X = torch.rand(10, 2, dtype=torch.float64)
    kw = {"activation_probs": torch.stack(parts["activations"], dim=-2), "mask_probs": parts["masks"]}
    one = token_mlp_forward(X, tokens, 2, 2, **kw)
    three = token_mlp_forward(X, tokens, 2, 2, n_outputs=3, **kw)
    assert one.shape == (1, 10) and three.shape == (1, 10, 3)
    torch.testing.assert_close(one, three[..., 0], rtol=0, atol=0)


# --------------------------------------------------------------------------- generator


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("n_outputs", [1, 3, 7])
def test_generator_tokens_decode_to_mlps_with_the_outputs(depth, n_outputs):
    g = torch.Generator().manual_seed(depth * 7 + n_outputs)
    tokens = random_mlp_tokens(6, depth, 3, n_outputs=n_outputs, max_outputs=7, drop_rate=0.2, generator=g)
    assert tokens.shape == (6, N_TOKENS, token_width(7)) and tokens.dtype == torch.float32
    real = real_entries(depth, 3, n_outputs=n_outputs, max_outputs=7)
    assert not tokens[:, real == 0].any()
    X = np.random.default_rng(depth).uniform(-1, 1, (15, 3))
    f = hard_forward(torch.from_numpy(X).float(), tokens, depth, 3, n_outputs)
    for t, y in zip(tokens.double().numpy(), f):
        mlp = tokens_to_mlp(t, depth, 3, n_outputs=n_outputs)
        assert mlp.n_outputs == n_outputs
        expected = mlp.predict(X)
        np.testing.assert_allclose(y.double().numpy(), expected, rtol=1e-4, atol=1e-4)
    parts = split_tokens(tokens, depth, 3, n_outputs)
    last = parts["masks"][..., depth - 1]
    assert not parts["output_weights"][last == 0].any()  # pruned neurons feed no output
    assert parts["output_weights"].abs().max() <= 5 and parts["output_bias"].abs().max() <= 1


def test_generator_one_output_is_the_same_draw_in_any_width():
    narrow = random_mlp_tokens(5, 3, 2, generator=torch.Generator().manual_seed(1))
    wide = random_mlp_tokens(5, 3, 2, max_outputs=4, generator=torch.Generator().manual_seed(1))
    lay = layout(3, 4)
    assert torch.equal(wide[..., :54], narrow[..., :54])
    assert torch.equal(wide[..., lay.output_bias], narrow[..., 54]) and not wide[..., 54:57].any()
    assert torch.equal(wide[..., lay.masks], narrow[..., layout(3).masks])


# --------------------------------------------------------------------------- errors averaged over outputs


def test_relative_error_averages_per_output_errors():
    g = torch.Generator().manual_seed(0)
    f = torch.randn(3, 40, 2, generator=g) * torch.tensor([1.0, 100.0])
    f_hat = f + torch.randn(3, 40, 2, generator=g)
    per_output = [relative_error(f[..., k], f_hat[..., k]) for k in range(2)]
    torch.testing.assert_close(relative_error(f, f_hat), (per_output[0] + per_output[1]) / 2)


def test_decoded_forward_of_own_tokens_is_exact():
    g = torch.Generator().manual_seed(3)
    tokens = random_mlp_tokens(4, 2, 2, n_outputs=3, max_outputs=3, generator=g)
    x = sample_inputs(30, 2, generator=g)
    f = hard_forward(x, tokens, 2, 2, 3)
    assert torch.equal(decoded_forward(x, tokens, 2, 2, hard=True, n_outputs=3), f)


# --------------------------------------------------------------------------- configuration and models


def test_config_max_outputs_sets_the_width():
    for cls in (SWATAutoencoderConfig, SWATCNNAutoencoderConfig):
        assert cls().max_outputs == 1 and cls().token_width == 59
        config = cls(max_outputs=4)
        assert config.token_width == 62
        config.check_compatible()


@pytest.mark.parametrize("cls", [SWATAutoencoderConfig, SWATCNNAutoencoderConfig])
def test_config_with_inconsistent_width_is_refused(cls):
    with pytest.raises(ValueError, match=r"token_width=59 does not match max_outputs=3.*61 columns"):
        cls(max_outputs=3, token_width=59).check_compatible()
    with pytest.raises(ValueError, match="max_outputs must be an integer from 1 to 7"):
        cls(max_outputs=9).check_compatible()


def test_old_config_json_reads_as_one_output(tmp_path, tiny_autoencoder):
    # A config.json written before max_outputs existed (as the first bundled autoencoder's was).
    tiny_autoencoder.save_pretrained(tmp_path)
    raw = json.loads((tmp_path / "config.json").read_text())
    raw.pop("max_outputs", None)
    (tmp_path / "config.json").write_text(json.dumps(raw))
    old = load_autoencoder(tmp_path)
    assert old.config.max_outputs == 1 and old.config.token_width == 59
    assert SWATAutoencoderConfig.from_dict(raw).max_outputs == 1


@pytest.mark.parametrize("make", [_tiny_gpt, _tiny_cnn])
def test_wide_models_encode_and_decode(make):
    torch.manual_seed(0)
    config = make(max_outputs=3)
    model = (SWATAutoencoder if config.model_type == "swat_autoencoder" else SWATCNNAutoencoder)(config).eval()
    tokens = random_mlp_tokens(4, 2, 2, n_outputs=2, max_outputs=3, generator=torch.Generator().manual_seed(0))
    real = real_entries_tensor(2, 2, n_outputs=2, max_outputs=3)
    with torch.no_grad():
        decoded = model(tokens, real)
    assert [d.shape for d in decoded] == [(4, N_TOKENS, 61)] * 4
    assert "max_outputs=3" in config.describe()
    rows = fidelity(model, n_mlps=4, n_points=20, n_outputs=3)
    assert rows[-1]["n_mlps"] == 16
    with pytest.raises(ValueError, match="n_outputs must be between 1 and 3"):
        fidelity(model, n_mlps=4, n_outputs=4)


# --------------------------------------------------------------------------- pretraining


def test_tiny_pretraining_with_three_outputs_saves_and_loads(tmp_path):
    settings = PretrainSettings(n_mlps=6 * 16, batch_size=16, n_points=32, n_holdout=4, checkpoint_every=3,
                                max_outputs=3, seed=2)
    result = pretrain(tmp_path, settings, {"hidden_size": 16, "n_head": 2, "n_encoder_layers": 1,
                                           "n_decoder_layers": 1})
    assert result["step"] == 6 and np.isfinite(result["holdout_error"])
    model = load_autoencoder(tmp_path / "model")
    assert model.config.max_outputs == 3 and model.config.token_width == 61
    assert model.embed.weight.shape[1] == 2 * 61
    # Resuming goes on with the recorded width; another max_outputs is refused.
    assert pretrain(tmp_path, {"n_mlps": 7 * 16})["step"] == 7
    with pytest.raises(ValueError, match="max_outputs 3 -> 2"):
        pretrain(tmp_path, {"max_outputs": 2})


def test_batches_draw_their_outputs():
    from sk_swat.autoencoder.pretraining import _batch_spec

    rng = np.random.default_rng(0)
    drawn = [_batch_spec(rng, PretrainSettings(max_outputs=4))[3] for _ in range(400)]
    assert set(drawn) == {1, 2, 3, 4} and 0.4 < np.mean(np.equal(drawn, 1)) < 0.6
    assert {_batch_spec(rng, PretrainSettings())[3] for _ in range(50)} == {1}


def test_settings_and_config_must_agree(tmp_path):
    with pytest.raises(ValueError, match="max_outputs=2 but the settings max_outputs=1"):
        pretrain(tmp_path, PretrainSettings(n_mlps=16, batch_size=16), _tiny_gpt(max_outputs=2))
    with pytest.raises(ValueError, match="max_outputs must be an integer in 1..7"):
        pretrain(tmp_path, PretrainSettings(max_outputs=8))


def test_init_from_a_one_output_model(tmp_path):
    torch.manual_seed(0)
    one = SWATAutoencoder(_tiny_gpt())
    one.save_pretrained(tmp_path / "one")
    wide = SWATAutoencoder(_tiny_gpt(max_outputs=7))
    assert init_weights_from(wide, tmp_path / "one") == []
    old = torch.arange(59)
    new = torch.where(old < 54, old, old + 6)
    for k in range(4):
        assert torch.equal(wide.heads[k].weight[new], one.heads[k].weight)
        assert torch.equal(wide.heads[k].bias[new], one.heads[k].bias)
    assert torch.equal(wide.embed.weight[:, torch.cat([new, new + 65])], one.embed.weight)
    assert torch.equal(wide.encoder.h[0].attn.c_attn.weight, one.encoder.h[0].attn.c_attn.weight)
    # The wide model decodes a one-output MLP as the one-output model does, column for column.
    tokens = random_mlp_tokens(3, 2, 2, generator=torch.Generator().manual_seed(0))
    wide_tokens = random_mlp_tokens(3, 2, 2, max_outputs=7, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a = one(tokens, real_entries_tensor(2, 2))
        b = wide(wide_tokens, real_entries_tensor(2, 2, max_outputs=7))
    for x, y in zip(a, b):
        torch.testing.assert_close(y[..., new], x)

    cnn = SWATCNNAutoencoder(_tiny_cnn())
    cnn.save_pretrained(tmp_path / "cnn")
    left = init_weights_from(SWATCNNAutoencoder(_tiny_cnn(max_outputs=7)), tmp_path / "cnn")
    assert left and all("fc" in name for name in left)  # the FC layers next to the width-dependent maps


def test_cli_max_outputs_and_init_from(tmp_path):
    tiny = ["--hidden-size", "16", "--heads", "2", "--encoder-layers", "1", "--decoder-layers", "1"]
    common = ["--n-mlps", "16", "--batch-size", "16", "--checkpoint-every", "1", "--threads", "1"]
    assert main(["pretrain", str(tmp_path / "a"), *tiny, *common]) == 0
    out = tmp_path / "b"
    assert main(["pretrain", str(out), "--max-outputs", "4", "--init-from", str(tmp_path / "a" / "model"),
                 *common]) == 0
    config = json.loads((out / "model" / "config.json").read_text())
    assert (config["max_outputs"], config["token_width"], config["hidden_size"]) == (4, 62, 16)
    assert json.loads((out / "settings.json").read_text())["max_outputs"] == 4


def test_cli_init_from_bundled(tmp_path):
    from sk_swat.autoencoder.loading import BUNDLED_DIR

    out = tmp_path / "wide"
    assert main(["pretrain", str(out), "--max-outputs", "2", "--init-from", "bundled", "--n-mlps", "4",
                 "--batch-size", "4", "--n-points", "16", "--checkpoint-every", "1", "--threads", "1"]) == 0
    config = json.loads((out / "model" / "config.json").read_text())
    bundled = json.loads((BUNDLED_DIR / "config.json").read_text())
    assert (config["max_outputs"], config["hidden_size"]) == (2, bundled["hidden_size"])
