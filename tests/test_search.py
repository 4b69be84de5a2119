"""Tests of ``sk_swat.search``: candidate selection and the batched latent search.

The latent search runs on a small randomly initialised autoencoder (fixture ``tiny_autoencoder``) so
that these tests check the mechanics, not the quality of any trained weights; one test repeats the
structural checks with the bundled autoencoder.
"""

import itertools

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sk_swat import search
from sk_swat.encoding import ACTIVATIONS, MAX_NEURONS, N_TOKENS, TOKEN_WIDTH, mlp_to_tokens, split_tokens
from sk_swat.mlp import SparseMLP
from sk_swat.search import Candidate, SearchSettings, latent_search, select_candidate

DEPTHS = (1, 2, 3, 4)


def _settings(**kw):
    base = {"depths": DEPTHS, "n_restarts": 2, "max_iter": 4, "batch_size": 1024}
    return SearchSettings(**{**base, **kw})


# --------------------------------------------------------------------------- select_candidate


def test_select_sparsest_within_tolerance():
    assert select_candidate([0.100, 0.104, 0.2], [50, 20, 5], tol=0.05) == 1
    assert select_candidate([0.100, 0.106, 0.2], [50, 20, 5], tol=0.05) == 0
    assert select_candidate([0.100, 0.104, 0.2], [50, 20, 5], tol=1.0) == 2


def test_select_boundary_is_inclusive():
    assert select_candidate([1.0, 1.05], [10, 5], tol=0.05) == 1


def test_select_tol_zero_keeps_only_the_best_mse():
    assert select_candidate([0.3, 0.1, 0.1000001], [1, 50, 2], tol=0.0) == 1
    # Equal best MSEs: the sparser one.
    assert select_candidate([0.3, 0.1, 0.1], [1, 50, 2], tol=0.0) == 2


def test_select_ties():
    # Same count of non-zeros: the lower MSE wins.
    assert select_candidate([0.102, 0.100, 0.101], [7, 7, 7], tol=0.05) == 1
    # Same count and same MSE: the first.
    assert select_candidate([0.1, 0.1, 0.1], [7, 7, 7], tol=0.05) == 0
    assert select_candidate([0.2, 0.1, 0.1], [3, 7, 7], tol=0.05) == 1


def test_select_with_perfect_fit():
    # Best MSE 0: the tolerance is relative, so only (near-)perfect candidates are eligible.
    assert select_candidate([0.0, 1e-6, 0.5], [30, 10, 1], tol=0.05) == 0


def test_select_absolute_slack():
    # Within 1e-12 of an exact fit counts as tied by default; atol=0 is the purely relative rule.
    assert select_candidate([0.0, 5e-13], [30, 10], tol=0.05) == 1
    assert select_candidate([0.0, 5e-13], [30, 10], tol=0.05, atol=0.0) == 0


def test_select_ignores_non_finite():
    assert select_candidate([np.nan, 0.2, np.inf, 0.21], [1, 10, 1, 5], tol=0.1) == 3
    assert select_candidate([np.nan, -np.inf, 0.5], [1, 1, 9], tol=0.1) == 2
    # Nothing finite: the first candidate, rather than an error.
    assert select_candidate([np.nan, np.inf], [3, 1], tol=0.1) == 0


def test_select_returns_a_python_int():
    index = select_candidate(np.array([0.1, 0.1]), np.array([3, 2]), tol=0.0)
    assert type(index) is int and index == 1


# --------------------------------------------------------------------------- latent_search


def _check_candidates(candidates, settings, n_inputs, X):
    assert len(candidates) == len(settings.depths) * settings.n_restarts
    assert [(c.depth, c.restart) for c in candidates] == list(
        itertools.product(settings.depths, range(settings.n_restarts))
    )
    for c in candidates:
        assert isinstance(c, Candidate)
        mlp = c.mlp
        assert isinstance(mlp, SparseMLP)
        assert mlp.depth == c.depth and mlp.n_inputs == n_inputs
        assert mlp.hidden_widths == (MAX_NEURONS,) * c.depth
        assert np.isfinite(c.train_loss) and 0.0 <= c.threshold <= search._MAX_THRESHOLD
        assert np.isfinite(mlp.predict(X)).all()
        mlp_to_tokens(mlp)  # fits the token layout again
        # Hardening zeroed every weight below the candidate's threshold.
        for w in mlp.weights:
            assert np.all((w == 0) | (np.abs(w) >= c.threshold))


@pytest.mark.parametrize("which", ["tiny_autoencoder", "bundled_autoencoder"])
def test_one_valid_candidate_per_depth_and_restart(data, request, which):
    autoencoder = request.getfixturevalue(which)
    X, y = data
    settings = _settings()
    candidates, loss_curve = latent_search(autoencoder, X, y, settings, seed=0)
    _check_candidates(candidates, settings, X.shape[1], X)
    assert len(loss_curve) == settings.max_iter
    assert all(isinstance(v, float) and np.isfinite(v) for v in loss_curve)


def test_eight_candidates_run_as_one_batch(data, tiny_autoencoder, monkeypatch):
    # Every step decodes all 8 latents in one call and evaluates each depth group in one batched
    # forward: the number of calls does not grow with the number of restarts.
    X, y = data
    decoded, forwards = [], []
    original_decode = tiny_autoencoder.decode_groups
    original_forward = search.token_mlp_forward

    def decode_groups(z, depths, sizes):
        decoded.append((z.shape[0], tuple(sizes)))
        return original_decode(z, depths, sizes)

    def token_mlp_forward(x, tokens, depth, n_inputs, **kw):
        forwards.append((depth, tokens.shape[0]))
        return original_forward(x, tokens, depth, n_inputs, **kw)

    monkeypatch.setattr(tiny_autoencoder, "decode_groups", decode_groups)
    monkeypatch.setattr(search, "token_mlp_forward", token_mlp_forward)
    settings = _settings(max_iter=3)
    candidates, _ = latent_search(tiny_autoencoder, X, y, settings, seed=0)
    assert len(candidates) == 8
    # The starting networks, every step, then the final decode.
    assert decoded == [(8, (2, 2, 2, 2))] * (settings.max_iter + 2)
    assert forwards == [(d, 2) for d in DEPTHS] * settings.max_iter


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_fixed_activation(data, tiny_autoencoder, activation):
    X, y = data
    settings = _settings(activation=activation, depths=(1, 3))
    candidates, _ = latent_search(tiny_autoencoder, X, y, settings, seed=1)
    code = ACTIVATIONS.index(activation)
    for c in candidates:
        for act, mask in zip(c.mlp.activations, c.mlp.masks):
            assert np.all(act[mask] == code)
        assert {a for layer in c.mlp.architecture["activations"] for a in layer} <= {activation}


def test_no_neuron_pruning_keeps_seven_neurons_per_layer(data, tiny_autoencoder):
    X, y = data
    settings = _settings(prune_neurons=False)
    candidates, _ = latent_search(tiny_autoencoder, X, y, settings, seed=2)
    for c in candidates:
        assert c.mlp.architecture["hidden_layer_sizes"] == [MAX_NEURONS] * c.depth
        assert all(m.all() for m in c.mlp.masks)


def test_without_biases_the_search_ignores_decoded_biases(data, tiny_autoencoder):
    X, y = data
    settings = _settings(fit_biases=False, activation="sigmoid", prune_neurons=False)
    candidates, _ = latent_search(tiny_autoencoder, X, y, settings, seed=2)
    for c in candidates:
        assert not any(b.any() for b in c.mlp.biases) and not any(b.any() for b in c.start_mlp.biases)
    # the relaxed forward reads the bias entries as zeros, whatever the decoder wrote there
    relax = search._Relaxation(2, X.shape[1], settings, "cpu")
    raw = torch.randn(3, N_TOKENS, TOKEN_WIDTH, generator=torch.Generator().manual_seed(0))
    parts = split_tokens(raw.clone(), 2, X.shape[1])
    shifted = raw.clone()
    lay = search.layout(2)
    shifted[..., list(lay.biases)] += 3.0
    shifted[:, 0, lay.output_bias] += 3.0
    x = torch.as_tensor(X[:20], dtype=torch.float32)
    out, _ = relax.forward(x, raw, torch.zeros(3), 1.0, 0.0)
    out_shifted, _ = relax.forward(x, shifted, torch.zeros(3), 1.0, 0.0)
    assert torch.equal(out, out_shifted) and parts["biases"][0].any()
    with_biases = search._Relaxation(2, X.shape[1], _settings(activation="sigmoid", prune_neurons=False), "cpu")
    assert not torch.equal(with_biases.forward(x, raw, torch.zeros(3), 1.0, 0.0)[0],
                           with_biases.forward(x, shifted, torch.zeros(3), 1.0, 0.0)[0])


def test_same_seed_same_candidates(data, tiny_autoencoder):
    X, y = data
    settings = _settings(batch_size=16)  # mini-batches are drawn from the seeded generator too
    a, curve_a = latent_search(tiny_autoencoder, X, y, settings, seed=7)
    b, curve_b = latent_search(tiny_autoencoder, X, y, settings, seed=7)
    assert curve_a == curve_b
    assert all(ca.mlp == cb.mlp and ca.threshold == cb.threshold for ca, cb in zip(a, b))
    _, curve_c = latent_search(tiny_autoencoder, X, y, settings, seed=8)
    assert curve_c != curve_a


def test_normal_initialisation(data, tiny_autoencoder):
    X, y = data
    settings = _settings(init="normal", depths=(2,), n_restarts=3)
    candidates, _ = latent_search(tiny_autoencoder, X, y, settings, seed=0)
    _check_candidates(candidates, settings, X.shape[1], X)


def test_smooth_initialisation_starts_wide_and_smooth(data, tiny_autoencoder, monkeypatch):
    from sk_swat.autoencoder import random_mlps

    drawn = []

    def recording(*args, **kwargs):
        tokens = original(*args, **kwargs)
        drawn.append((args[1], tokens))
        return tokens

    original = random_mlps.random_mlp_tokens
    monkeypatch.setattr(random_mlps, "random_mlp_tokens", recording)
    X, y = data
    settings = _settings(init="smooth", depths=(1, 3), n_restarts=3)
    candidates, _ = latent_search(tiny_autoencoder, X, y, settings, seed=0)
    _check_candidates(candidates, settings, X.shape[1], X)
    assert [d for d, _ in drawn] == [1, 3]
    for depth, tokens in drawn:
        parts = split_tokens(tokens, depth, X.shape[1])
        assert (parts["masks"][0] == 1).all(), "the first restart starts with every neuron"
        codes = torch.stack(parts["activations"], dim=-2).argmax(-1)[parts["masks"].bool()]
        assert ACTIVATIONS.index("leaky_relu") not in codes.tolist()


def test_search_sample_weights_zero_rows_are_ignored(data, tiny_autoencoder):
    X, y = data
    w = np.where(np.arange(len(X)) < 30, 1.0, 0.0)
    y_noise = np.where(w > 0, y, 100.0)
    settings = _settings(depths=(1, 2), max_iter=3)
    weighted, curve_w = latent_search(tiny_autoencoder, X, y_noise, settings, sample_weight=w, seed=0)
    dropped, curve_d = latent_search(tiny_autoencoder, X[:30], y[:30], settings, seed=0)
    assert_allclose(curve_w, curve_d, rtol=1e-4)
    assert all(cw.mlp.n_nonzero == cd.mlp.n_nonzero for cw, cd in zip(weighted, dropped))


def test_search_does_not_change_the_autoencoder(data, tiny_autoencoder):
    X, y = data
    before = {k: v.clone() for k, v in tiny_autoencoder.state_dict().items()}
    latent_search(tiny_autoencoder, X, y, _settings(depths=(1,), max_iter=2), seed=0)
    after = tiny_autoencoder.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not any(p.requires_grad for p in tiny_autoencoder.parameters())


def test_temperature_schedule():
    s = SearchSettings(max_iter=800, anneal_fraction=0.375, temperature_init=1.0, temperature_final=0.01)
    temps = [search._temperature(step, s) for step in range(s.max_iter)]
    assert temps[0] == 1.0
    assert all(a >= b for a, b in zip(temps, temps[1:]))
    assert temps[300] == pytest.approx(0.01) and temps[-1] == pytest.approx(0.01)
    assert min(temps) >= 0.01


# --------------------------------------------------------------------------- the descent does the work
# On a small fixed problem with the bundled autoencoder: each test fails when the part of the method
# it names is switched off in the code (the latent update, the sparsity penalty, the compactness
# penalty), not only when its parameter is set to zero.


@pytest.fixture(scope="module")
def guard_data():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (300, 2))
    y = np.sin(2 * X[:, 0]) * X[:, 1]
    return X, y / np.abs(y).max()


_GUARD_SEARCHES = {}


def _guard_search(autoencoder, data, **kw):
    # Several guards compare against the search with the default settings: it runs once.
    X, y = data
    settings = SearchSettings(**{"depths": (1, 2), "n_restarts": 2, "max_iter": 200, **kw})
    key = (id(autoencoder), id(data), repr(settings))
    if key not in _GUARD_SEARCHES:
        _GUARD_SEARCHES[key] = latent_search(autoencoder, X, y, settings, seed=0)
    return _GUARD_SEARCHES[key]


def test_descent_lowers_the_loss_and_moves_the_structure(bundled_autoencoder, guard_data):
    candidates, curve = _guard_search(bundled_autoencoder, guard_data)
    # The starting networks (weights up to 5) fit badly; the latents must move to fit the data.
    assert max(c.train_loss for c in candidates) < 0.05 * curve[0]
    assert any(c.mlp.n_nonzero != c.start_mlp.n_nonzero for c in candidates)


@pytest.mark.parametrize("relaxation", ["straight_through", "anneal"])
def test_larger_lambda_s_gives_fewer_nonzeros(bundled_autoencoder, guard_data, relaxation):
    def nonzeros(lambda_s):
        found, _ = _guard_search(bundled_autoencoder, guard_data, lambda_s=lambda_s, mask_relaxation=relaxation)
        return sum(c.mlp.n_nonzero for c in found)

    assert nonzeros(1e-1) < 0.9 * nonzeros(1e-4)


def test_larger_beta_gives_fewer_neurons(bundled_autoencoder, guard_data):
    def neurons(beta):
        found, _ = _guard_search(bundled_autoencoder, guard_data, beta=beta)
        return sum(c.mlp.n_neurons for c in found)

    assert neurons(1.0) < 0.9 * neurons(1e-3)


def test_no_steps_keeps_the_starting_networks(bundled_autoencoder, guard_data):
    candidates, curve = _guard_search(bundled_autoencoder, guard_data, max_iter=0)
    assert curve == []
    assert all(c.mlp == c.start_mlp and np.isnan(c.train_loss) for c in candidates)


def test_mask_steepness_rises_over_the_annealing_phase():
    s = SearchSettings(max_iter=800, anneal_fraction=0.375)
    assert search._progress(0, s) == 0.0 and search._progress(300, s) == 1.0 and search._progress(799, s) == 1.0
    assert search._steepness(5.0, 200.0, 0.0) == 5.0
    assert search._steepness(5.0, 200.0, 1.0) == pytest.approx(200.0)


def test_straight_through_gate_is_hard_forward_and_smooth_backward():
    score = torch.tensor([-10.0, -0.1, 0.1, 10.0], requires_grad=True)
    gate = search._gate(score, 0.1, straight_through=True)
    assert gate.tolist() == [0.0, 0.0, 1.0, 1.0]
    gate.sum().backward()
    # Gradient of sigmoid(0.1 s): it still reaches a neuron whose logit is 10 away from the threshold.
    assert (score.grad > 0.015).all()


# --------------------------------------------------------------------------- early stopping


def _stops_after(losses, **kw):
    """Steps run before ``_NoImprovement`` stops on per-step losses of shape (n_steps, n_candidates)."""
    settings = SearchSettings(**{"max_iter": len(losses), "n_iter_no_change": 100, "search_tol": 1e-4, **kw})
    rule = search._NoImprovement(settings, keep_from=200, n_candidates=losses.shape[1], device="cpu")
    for step, row in enumerate(torch.as_tensor(losses, dtype=torch.float32)):
        if rule.update(step, row):
            return step + 1
    return len(losses)


def test_no_improvement_stops_n_iter_no_change_steps_after_the_first_block():
    # A flat loss: the first block after the anneal (steps 200-249) sets the best; the next two
    # blocks do not improve on it, so the search stops after 250 + 100 steps, not at the first check.
    assert _stops_after(np.zeros((1000, 3))) == 350
    assert _stops_after(np.zeros((1000, 3)), n_iter_no_change=30) == 200 + 30 + 30
    # Falls smaller than search_tol are no improvement either.
    assert _stops_after(-1e-7 * np.arange(1000)[:, None].repeat(3, 1)) == 350


def test_no_improvement_waits_for_every_candidate():
    # One candidate still falling by more than search_tol per block keeps the search running...
    losses = np.zeros((1000, 3))
    losses[:, 1] = -1e-4 * np.arange(1000)  # 5e-3 per 50-step block
    assert _stops_after(losses) == 1000
    # ...until it levels off at step 600: its last improving block ends at 650.
    losses[600:, 1] = losses[600, 1]
    assert _stops_after(losses) == 650 + 100


def test_no_improvement_ignores_the_annealing_phase():
    # A loss that rises during the anneal and is flat after it: the anneal's steps do not count.
    losses = np.concatenate([np.linspace(-1, 0, 200), np.zeros(800)])[:, None]
    assert _stops_after(losses) == 350


def test_no_improvement_averages_the_mini_batch_noise():
    # A flat loss with a mini-batch noise (standard deviation) of 3.3 search_tol per step: the
    # 50-step means, whose noise is 1/7 of that, soon stop improving on their best by search_tol.
    rng = np.random.RandomState(0)
    noisy = 1e-2 * rng.standard_normal((1000, 2))
    assert _stops_after(noisy, search_tol=3e-3) < 1000


def test_search_stops_early_when_the_loss_cannot_improve(data, tiny_autoencoder):
    # With both learning rates 0 (and all rows in one batch) the loss after the anneal is
    # constant: the search stops at the first step the rule allows, after the anneal.
    X, y = data
    settings = _settings(max_iter=1000, anneal_fraction=0.2, n_iter_no_change=100,
                         learning_rate=0.0, threshold_learning_rate=0.0)
    candidates, curve = latent_search(tiny_autoencoder, X, y, settings, seed=0)
    keep_from = 200
    assert len(curve) == keep_from + 50 + 100
    assert len(candidates) == 8 and all(np.isfinite(c.train_loss) for c in candidates)
    # Without the rule, all max_iter steps run.
    _, full = latent_search(tiny_autoencoder, X, y, _settings(max_iter=400, anneal_fraction=0.5), seed=0)
    assert len(full) == 400
