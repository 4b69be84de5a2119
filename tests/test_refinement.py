"""Tests of ``sk_swat.refinement``: batched Levenberg-Marquardt training of sparse MLPs, and pruning to a budget."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sk_swat.mlp import SparseMLP
from sk_swat.refinement import _Stack, _reinitialised, prune_to_tolerance, refine, refine_many


# --------------------------------------------------------------------------- refine


def _sparse_mlp(seed=0, depth=2):
    mlp = SparseMLP.random(n_inputs=2, depth=depth, random_state=seed)
    rng = np.random.RandomState(seed)
    weights = [np.where(rng.uniform(size=w.shape) < 0.3, 0.0, w) / 5 for w in mlp.weights]
    return SparseMLP(weights, mlp.biases, mlp.activations, mlp.masks)


def _mse(mlp, X, y, w=None):
    return float(np.average((mlp.predict(X) - y) ** 2, weights=w))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_refine_lowers_the_loss_and_keeps_the_pattern(data, seed):
    X, y = data
    mlp = _sparse_mlp(seed)
    out = refine(mlp, X, y, n_iter=50)
    assert _mse(out, X, y) < _mse(mlp, X, y)
    small, out_small = mlp.compact(), out.compact()
    assert out_small.hidden_widths == small.hidden_widths
    for before, after in zip(small.weights + small.biases, out_small.weights + out_small.biases):
        assert np.all(after[before == 0] == 0), "a zero weight or bias became non-zero"
    assert out.n_nonzero == mlp.n_nonzero
    assert out.architecture == mlp.architecture
    for a, b in zip(out_small.activations, small.activations):
        assert_array_equal(a, b)


def test_refine_returns_the_input_when_it_cannot_improve(data):
    X, _ = data
    mlp = _sparse_mlp(3)
    # A network that fits its targets exactly has zero loss: nothing lower exists.
    out = refine(mlp, X, mlp.predict(X), n_iter=20)
    assert out == mlp.compact()


def test_refine_with_zero_iterations_only_compacts(data):
    X, y = data
    mlp = _sparse_mlp()
    out = refine(mlp, X, y, n_iter=0)
    assert out == mlp.compact()
    assert out.n_nonzero == mlp.n_nonzero


def test_refine_restarts_never_do_worse_and_are_seeded(data):
    X, y = data
    mlp = _sparse_mlp(1)
    plain = refine(mlp, X, y, n_iter=30)
    restarted = refine(mlp, X, y, n_iter=30, n_restarts=3, random_state=0)
    # The decoded start is among the starts, trained exactly as without restarts.
    assert _mse(restarted, X, y) <= _mse(plain, X, y)
    assert restarted.n_nonzero == mlp.n_nonzero
    assert restarted == refine(mlp, X, y, n_iter=30, n_restarts=3, random_state=0)


def test_refine_restarts_find_a_better_basin():
    # A saturated start (weights of 30 into tanh) has almost no gradient; a fresh draw does.
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (200, 1))
    y = np.sin(3 * X[:, 0])
    saturated = SparseMLP([np.full((1, 3), 30.0), np.full((3, 1), 0.1)], [np.zeros(3) + 0.5, np.zeros(1) + 0.5],
                          [np.array(["tanh"] * 3)])
    plain = refine(saturated, X, y, n_iter=50)
    restarted = refine(saturated, X, y, n_iter=50, n_restarts=2, random_state=0)
    assert _mse(restarted, X, y) < 0.5 * _mse(plain, X, y)


def test_refine_sample_weights(data):
    X, y = data
    mlp = _sparse_mlp()
    w = np.where(np.arange(len(X)) % 2 == 0, 1.0, 0.0)
    weighted = refine(mlp, X, y, sample_weight=w, n_iter=20)
    dropped = refine(mlp, X[w > 0], y[w > 0], n_iter=20)
    assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-4, atol=1e-5)
    assert _mse(weighted, X, y, w) <= _mse(mlp, X, y, w)


# --------------------------------------------------------------------------- prune_to_tolerance


def test_prune_to_tolerance_respects_the_budget_and_prunes(data):
    X, y = data
    dense = refine(SparseMLP.random(2, 2, keep_probability=1.0, random_state=0), X, y, n_iter=100)
    base = np.mean((dense.predict(X) - y) ** 2)
    small = prune_to_tolerance(dense, X, y, X, y, limit=base * 1.05, n_iter=100)
    assert small.n_nonzero < dense.n_nonzero
    assert np.mean((small.predict(X) - y) ** 2) <= base * 1.05
    # A budget nothing can meet leaves the network as it was.
    assert prune_to_tolerance(dense, X, y, X, y, limit=0.0, n_iter=20) == dense.compact()


def test_refine_restarts_with_a_hidden_layer_pruned_to_nothing():
    # Strong compactness penalties can empty a hidden layer; the restarts must still draw weights.
    rng = np.random.RandomState(0)
    mlp = SparseMLP(
        [np.zeros((2, 0)), np.zeros((0, 3)), rng.randn(3, 1)],
        [np.zeros(0), rng.randn(3), rng.randn(1)],
        [[], ["tanh"] * 3],
    )
    X = rng.uniform(-1, 1, (50, 2))
    y = X[:, 0] ** 2
    refined = refine(mlp, X, y, n_iter=5, n_restarts=2, random_state=0)
    assert [w.shape for w in refined.weights] == [(2, 0), (0, 3), (3, 1)]
    assert np.all(np.isfinite(refined.predict(X)))


def _random_activations(mlp, rng):
    for a in mlp.activations:
        a[:] = rng.randint(0, 3, a.shape)
    return mlp


@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_hand_written_jacobian_matches_autograd(depth, n_outputs):
    rng = np.random.RandomState(depth)
    nets = [_random_activations(SparseMLP.random(3, depth, n_outputs=n_outputs, random_state=s).compact(), rng)
            for s in range(3)]
    stack = _Stack(nets, "cpu")
    x = torch.as_tensor(rng.uniform(-2, 2, (30, 3)))
    y = torch.as_tensor(rng.uniform(-1, 1, (30, n_outputs) if n_outputs > 1 else 30))
    root_weight = torch.as_tensor(rng.uniform(0.5, 1.5, 30))
    residual, jacobian = stack.residuals(stack.theta, x, y, root_weight, stack.codes, jacobian=True)
    assert residual.shape == (3, 30 * n_outputs) and jacobian.shape == (3, 30 * n_outputs, stack.theta.shape[1])
    for n, net in enumerate(nets):
        # Residuals row by row, and within a row output by output.
        expected = (net.predict(x.numpy()) - y.numpy()).reshape(-1)
        assert_allclose(residual[n] / root_weight.repeat_interleave(n_outputs), expected, atol=1e-12)
        one = [c[n : n + 1] for c in stack.codes]
        expected = torch.autograd.functional.jacobian(
            lambda theta: stack.residuals(theta[None], x, y, root_weight, one)[0], stack.theta[n]
        )
        assert_allclose(jacobian[n], expected, atol=1e-12)


def test_refine_many_trains_each_network_as_refine_does_alone(data):
    X, y = data
    nets = [_sparse_mlp(seed, depth) for seed, depth in [(0, 2), (1, 1), (2, 2), (3, 3)]]
    together = refine_many(nets, X, y, n_iter=20)
    assert [t.depth for t in together] == [2, 1, 2, 3]
    for net, trained in zip(nets, together):
        alone = refine(net, X, y, n_iter=20)
        assert_allclose(trained.predict(X), alone.predict(X), rtol=1e-6, atol=1e-9)


def test_refine_many_on_a_subsample_then_all_rows():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (3000, 2))
    y = np.sin(2 * X[:, 0]) * X[:, 1]
    mlp = SparseMLP.random(2, 1, keep_probability=1.0, random_state=0)
    sub = refine(mlp, X, y, n_iter=40, max_rows=500)
    full = refine(mlp, X, y, n_iter=40)
    start = _mse(mlp, X, y)
    assert _mse(sub, X, y) < 0.01 * start
    assert _mse(full, X, y) < 0.01 * start
    assert sub.n_nonzero == mlp.n_nonzero


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_refinement_on_cuda_predicts_like_on_the_cpu(data):
    X, y = data
    nets = [_sparse_mlp(seed, depth) for seed, depth in [(0, 1), (1, 2), (2, 4)]]
    on_cpu = refine_many(nets, X, y, n_iter=20, n_restarts=1, random_state=0, device="cpu")
    on_cuda = refine_many(nets, X, y, n_iter=20, n_restarts=1, random_state=0, device="cuda")
    for a, b in zip(on_cpu, on_cuda):
        assert_allclose(b.predict(X), a.predict(X), rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- weight decay


def _penalised_gradient(mlp, X, y, weight_decay):
    """Gradient of MSE + weight_decay * (sum of squared non-zero parameters) at ``mlp``, by autograd."""
    stack = _Stack([mlp], "cpu")
    theta = stack.theta.clone().requires_grad_(True)
    x, t = torch.as_tensor(X), torch.as_tensor(y)
    residual = stack.residuals(theta, x, t, torch.ones_like(t), stack.codes)
    loss = residual.square().mean() + weight_decay * (theta * stack.keep).square().sum()
    (gradient,) = torch.autograd.grad(loss, theta)
    return (gradient * stack.keep)[0], (theta * stack.keep)[0].detach()


def _smooth_mlp(seed):
    """``_sparse_mlp`` with tanh neurons only: a leaky ReLU's kink can stop the descent short of a stationary point."""
    mlp = _sparse_mlp(seed)
    return SparseMLP(mlp.weights, mlp.biases, [np.ones_like(a) for a in mlp.activations], mlp.masks)


@pytest.mark.parametrize("weight_decay", [1e-4, 1e-3])
def test_refine_with_weight_decay_reaches_a_stationary_point_of_the_penalised_loss(data, weight_decay):
    X, y = data
    out = refine(_smooth_mlp(0), X, y, n_iter=300, weight_decay=weight_decay)
    gradient, theta = _penalised_gradient(out, X, y, weight_decay)
    # The penalty's own gradient is far from zero: only the right balance of both terms cancels it.
    assert gradient.norm() < 1e-3 * (2 * weight_decay * theta).norm()


def test_weight_decay_shrinks_the_weights_and_keeps_the_pattern(data):
    X, y = data
    mlp = _smooth_mlp(1)
    fits = [refine(mlp, X, y, n_iter=100, weight_decay=wd) for wd in (0.0, 1e-3, 1e-1)]
    norms = [sum(np.sum(p**2) for p in f.weights + f.biases) for f in fits]
    errors = [_mse(f, X, y) for f in fits]
    assert norms[0] > norms[1] > norms[2]
    assert errors[0] < errors[1] < errors[2]
    assert all(f.n_nonzero == mlp.n_nonzero for f in fits)


# --------------------------------------------------------------------------- several outputs


def _mean_squared_error(mlp, X, Y, w=None):
    """Weighted mean over rows of the squared error averaged over the outputs: the refinement's loss."""
    return float(np.average(((mlp.predict(X).reshape(Y.shape) - Y) ** 2).reshape(len(X), -1).mean(1), weights=w))


def _teacher(seed, depth, n_outputs):
    """A random sparse network of ``n_outputs`` outputs with moderate weights."""
    mlp = SparseMLP.random(n_inputs=2, depth=depth, n_outputs=n_outputs, random_state=seed)
    rng = np.random.RandomState(seed)
    weights = [np.where(rng.uniform(size=w.shape) < 0.3, 0.0, w) / 5 for w in mlp.weights]
    return SparseMLP(weights, mlp.biases, mlp.activations, mlp.masks)


@pytest.mark.parametrize("depth, n_outputs", [(1, 2), (2, 3), (3, 7)])
def test_multi_output_refine_fits_a_teacher_of_the_same_structure(depth, n_outputs):
    rng = np.random.RandomState(depth)
    X = rng.uniform(-1, 1, (300, 2))
    teacher = _teacher(depth, depth, n_outputs)
    Y = teacher.predict(X)
    # A student on the teacher's sparsity pattern, from fresh random weights.
    student = _reinitialised(teacher.compact(), rng)
    out = refine(student, X, Y, n_iter=200, n_restarts=3, random_state=0)
    assert out.predict(X).shape == (300, n_outputs)
    assert _mean_squared_error(out, X, Y) < 1e-3 * _mean_squared_error(student, X, Y)
    assert out.n_nonzero == student.n_nonzero
    for before, after in zip(student.weights + student.biases, out.weights + out.biases):
        assert np.all(after[before == 0] == 0), "a zero weight or bias became non-zero"


def test_one_output_as_a_column_trains_as_one_dimensional_targets(data):
    X, y = data
    w = np.random.RandomState(0).uniform(0.5, 2.0, len(X))
    for mlp in (_sparse_mlp(0, 1), _sparse_mlp(1, 3)):
        kwargs = dict(sample_weight=w, n_iter=20, n_restarts=1, random_state=0, weight_decay=1e-4)
        assert refine(mlp, X, y[:, None], **kwargs) == refine(mlp, X, y, **kwargs)


def test_multi_output_loss_is_the_mean_over_outputs():
    # The loss minimised is the MSE averaged over outputs: the penalised gradient of that vanishes at the result.
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (200, 2))
    Y = np.column_stack([np.tanh(2 * X[:, 0]) * X[:, 1], X[:, 0] ** 2 - X[:, 1], np.sin(3 * X[:, 1])])
    mlp = _teacher(0, 2, 3)
    smooth = SparseMLP(mlp.weights, mlp.biases, [np.ones_like(a) for a in mlp.activations], mlp.masks)
    weight_decay = 1e-3
    out = refine(smooth, X, Y, n_iter=300, weight_decay=weight_decay)
    stack = _Stack([out], "cpu")
    theta = stack.theta.clone().requires_grad_(True)
    residual = stack.residuals(theta, torch.as_tensor(X), torch.as_tensor(Y), torch.ones(len(X), dtype=torch.float64),
                               stack.codes)
    assert_allclose(float(residual.detach().square().mean()), _mean_squared_error(out, X, Y), rtol=1e-12)
    loss = residual.square().mean() + weight_decay * (theta * stack.keep).square().sum()
    (gradient,) = torch.autograd.grad(loss, theta)
    penalty = 2 * weight_decay * (theta * stack.keep).detach()
    assert (gradient * stack.keep).norm() < 1e-3 * penalty.norm()


def test_multi_output_restarts_and_sample_weights(data):
    X, y = data
    Y = np.column_stack([y, X[:, 0] ** 2])
    mlp = _teacher(1, 2, 2)
    plain = refine(mlp, X, Y, n_iter=30)
    restarted = refine(mlp, X, Y, n_iter=30, n_restarts=3, random_state=0)
    assert _mean_squared_error(restarted, X, Y) <= _mean_squared_error(plain, X, Y) < _mean_squared_error(mlp, X, Y)
    assert restarted.n_nonzero == mlp.n_nonzero
    w = np.where(np.arange(len(X)) % 2 == 0, 1.0, 0.0)
    weighted = refine(mlp, X, Y, sample_weight=w, n_iter=20)
    dropped = refine(mlp, X[w > 0], Y[w > 0], n_iter=20)
    assert_allclose(weighted.predict(X), dropped.predict(X), rtol=1e-4, atol=1e-5)


def test_refine_many_with_several_outputs_trains_each_network_as_alone(data):
    X, y = data
    Y = np.column_stack([y, np.cos(X[:, 1]), X[:, 0] * X[:, 1]])
    nets = [_teacher(seed, depth, 3) for seed, depth in [(0, 2), (1, 1), (2, 2)]]
    for net, trained in zip(nets, refine_many(nets, X, Y, n_iter=20)):
        assert_allclose(trained.predict(X), refine(net, X, Y, n_iter=20).predict(X), rtol=1e-6, atol=1e-9)


def test_multi_output_refine_on_a_subsample_then_more_rows():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (3000, 2))
    teacher = _teacher(2, 1, 3)
    Y = teacher.predict(X)
    student = _reinitialised(teacher.compact(), rng)
    out = refine(student, X, Y, n_iter=60, n_restarts=2, random_state=0, max_rows=300)
    assert _mean_squared_error(out, X, Y) < 1e-2 * _mean_squared_error(student, X, Y)


def test_prune_to_tolerance_with_several_outputs_respects_the_budget(data):
    X, y = data
    Y = np.column_stack([y, np.tanh(X[:, 0] - X[:, 1])])
    dense = refine(SparseMLP.random(2, 2, keep_probability=1.0, n_outputs=2, random_state=0), X, Y, n_iter=100)
    X_val, Y_val = X[::2], Y[::2]
    limit = _mean_squared_error(dense, X_val, Y_val) * 1.05
    small = prune_to_tolerance(dense, X, Y, X_val, Y_val, limit=limit, n_iter=100)
    assert small.n_outputs == 2
    assert small.n_nonzero < dense.n_nonzero
    assert _mean_squared_error(small, X_val, Y_val) <= limit
    val_weight = np.linspace(0.5, 1.5, len(X_val))
    weighted_limit = _mean_squared_error(dense, X_val, Y_val, val_weight) * 1.05
    weighted = prune_to_tolerance(dense, X, Y, X_val, Y_val, limit=weighted_limit, val_weight=val_weight, n_iter=50)
    assert _mean_squared_error(weighted, X_val, Y_val, val_weight) <= weighted_limit
    assert prune_to_tolerance(dense, X, Y, X_val, Y_val, limit=0.0, n_iter=20) == dense.compact()


def test_prune_to_tolerance_with_one_output_as_a_column(data):
    X, y = data
    dense = refine(SparseMLP.random(2, 1, keep_probability=1.0, random_state=0), X, y, n_iter=60)
    limit = np.mean((dense.predict(X) - y) ** 2) * 1.1
    assert (prune_to_tolerance(dense, X, y[:, None], X, y[:, None], limit=limit, n_iter=30)
            == prune_to_tolerance(dense, X, y, X, y, limit=limit, n_iter=30))


@pytest.mark.parametrize("targets, message", [
    (lambda y: y, r"y must have shape \(40, 3\) for networks of 3 output\(s\), got \(40,\)"),
    (lambda y: np.column_stack([y, y]), r"y must have shape \(40, 3\) .* got \(40, 2\)"),
    (lambda y: np.column_stack([y, y, y])[:30], r"y must have shape \(40,\) or \(40, n_outputs\), got \(30, 3\)"),
    (lambda y: y[:, None, None], r"got \(40, 1, 1\)"),
])
def test_wrong_target_shapes_raise(data, targets, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        refine(_teacher(0, 1, 3), X, targets(y), n_iter=5)


def test_wrong_shapes_raise_for_one_output_and_mixed_networks(data):
    X, y = data
    with pytest.raises(ValueError, match=r"y must have shape \(40,\) or \(40, 1\) .* got \(40, 2\)"):
        refine(_sparse_mlp(), X, np.column_stack([y, y]), n_iter=5)
    with pytest.raises(ValueError, match=r"same number of outputs, got \[1, 3\]"):
        refine_many([_sparse_mlp(), _teacher(0, 1, 3)], X, y, n_iter=5)
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 2\)"):
        refine(_sparse_mlp(), X[:, :1], y, n_iter=5)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(40,\)"):
        refine(_sparse_mlp(), X, y, sample_weight=np.ones(39), n_iter=5)
    Y = np.column_stack([y, y, y])
    with pytest.raises(ValueError, match=r"y_val must have shape \(40, 3\) .* got \(40,\)"):
        prune_to_tolerance(_teacher(0, 1, 3), X, Y, X, y, limit=1.0, n_iter=5)
    with pytest.raises(ValueError, match=r"y must have shape \(40, 3\) .* got \(40, 2\)"):
        prune_to_tolerance(_teacher(0, 1, 3), X, Y[:, :2], X, Y, limit=1.0, n_iter=5)


def test_normal_equations_of_several_outputs_do_not_depend_on_the_blocks(data, monkeypatch):
    from sk_swat import refinement

    X, y = data
    Y = np.column_stack([y, X[:, 0], X[:, 1] ** 2])
    stack = _Stack([_teacher(s, 2, 3).compact() for s in range(3)], "cpu")
    args = (stack, stack.theta, torch.as_tensor(X), torch.as_tensor(Y), torch.ones(len(X), dtype=torch.float64),
            stack.codes)
    whole = refinement._normal_equations(*args)
    monkeypatch.setattr(refinement, "_BLOCK_ROWS", 10)  # blocks of 3 rows (9 residuals), the last of 1 row
    assert len(refinement._blocks(len(X), 3)) == 14
    for a, b in zip(refinement._normal_equations(*args), whole):
        assert_allclose(a, b, rtol=1e-12, atol=1e-12)
