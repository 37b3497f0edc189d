"""The batch-norm lesson's experiment: mask rates, the variance-shift closed form against sampling, BN's train and
eval modes, re-estimated statistics, and identical seeds giving identical results."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dropout_viz.lessons.batch_norm import experiment as ex

TINY = ex.Config(n_points=120, depth=2, width=8, batch_size=16, steps=20, chunk=10)


def test_masks_keep_at_rate_q_and_scale_by_one_over_q():
    kn = ex.knobs("dropout_bn", 0.3, 2, keep_in=0.8)
    noise = ex.draw_noise(ex.seed_key(0), kn, 400, 64, 2, 50)
    pre = np.asarray(noise.pre)
    assert np.all((pre == 0) | np.isclose(pre, 1 / 0.3))
    assert np.mean(pre > 0) == pytest.approx(0.3, abs=0.01)
    assert np.mean(np.asarray(noise.x_in) > 0) == pytest.approx(0.8, abs=0.01)
    assert np.all(np.asarray(noise.post) == 1.0)  # keep 1 there: no mask at all
    assert np.mean(pre) == pytest.approx(1.0, abs=0.03)  # inverted dropout keeps the mean


def test_gaussian_noise_has_the_masks_mean_and_variance():
    kn = ex.knobs("bn_dropout", 0.4, 2, gaussian=True)
    post = np.asarray(ex.draw_noise(ex.seed_key(1), kn, 500, 4, 2, 100).post)
    assert post.mean() == pytest.approx(1.0, abs=0.01)
    assert post.var() == pytest.approx(0.6 / 0.4, rel=0.02)
    assert np.all(np.asarray(ex.draw_noise(ex.seed_key(1), kn, 5, 4, 2, 3).pre) == 1.0)


def test_orders_put_the_masks_where_they_say():
    assert np.allclose(ex.knobs("dropout_bn", 0.5, 3).keep_pre, 0.5)
    assert np.allclose(ex.knobs("dropout_bn", 0.5, 3).keep_post, 1.0)
    assert np.allclose(ex.knobs("bn_dropout", 0.5, 3).keep_post, 0.5)
    assert np.allclose(ex.knobs("after_last", 0.5, 3).keep_post, [1, 1, 0.5])
    assert np.allclose(ex.knobs("none", 0.5, 3).keep_pre, 1.0)
    assert float(ex.variant_knobs("gaussian_dropout_bn", 0.5, 3).gaussian) == 1.0


@pytest.mark.parametrize("gaussian", [False, True])
def test_closed_form_shift_matches_sampled_masks(gaussian):
    rng = np.random.default_rng(0)
    # Correlated, non-zero-mean inputs (like ReLU outputs): the cross terms are large and must not move.
    x = np.maximum(rng.normal(0.5, 1.0, (300, 1)) + rng.normal(0, 0.7, (300, 12)), 0)
    w = rng.normal(size=(12, 3))
    var_train, var_test = ex.shift_closed_form(x, w, 0.3, 0.4)
    sampled = ex.shift_sampled(ex.seed_key(2), x, w, 0.3, 0.4, 2000, gaussian=gaussian)
    np.testing.assert_allclose(sampled, var_train, rtol=0.03)
    assert np.all(var_train > var_test)
    # One unit, w = 1: Var_train = E[x²]/q − E[x]².
    one = x[:, :1]
    v_train, v_test = ex.shift_closed_form(one, np.ones(1), 0.0, 0.25)
    assert v_train == pytest.approx(np.mean(one ** 2) / 0.25 - np.mean(one) ** 2)
    assert v_test == pytest.approx(one.var())
    # keep 1: no shift at all.
    assert np.allclose(*ex.shift_closed_form(x, w, 0.0, 1.0))


def _net(width=6, depth=2, d0=5):
    return ex.init_net(ex.seed_key(3), (d0,) + (width,) * depth + (3,))


def test_bn_train_mode_uses_batch_statistics_and_eval_mode_the_running_ones():
    net = _net()
    x = jax.random.normal(ex.seed_key(4), (64, 5)) * 3 + 1
    noise = ex.no_noise(64, 5, 2, 6)
    _, (mu, var), trace = ex.forward(net, None, x, noise)
    out = np.asarray(trace.bn_out)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=1), 1, atol=1e-3)
    np.testing.assert_allclose(np.asarray(mu), np.asarray(trace.bn_in).mean(axis=1), atol=1e-5)
    stats = ex.Stats(jnp.full((2, 6), 0.5), jnp.full((2, 6), 4.0))
    _, _, tr_eval = ex.forward(net, stats, x, noise)
    z0 = np.asarray(x @ net.w[0] + net.b[0])
    np.testing.assert_allclose(np.asarray(tr_eval.bn_out[0]), (z0 - 0.5) / np.sqrt(4.0 + ex.EPS), rtol=1e-5)
    # Eval mode does not depend on the rest of the batch; train mode does.
    _, _, first = ex.forward(net, stats, x[:1], ex.no_noise(1, 5, 2, 6))
    np.testing.assert_allclose(np.asarray(first.bn_out[:, 0]), np.asarray(tr_eval.bn_out[:, 0]), rtol=1e-5)


def test_training_updates_the_running_statistics_and_seeds_reproduce():
    kns = ex.stack([ex.knobs("dropout_bn", 0.5, TINY.depth)] * 2)
    keys = jnp.stack([ex.seed_key(0, 1), ex.seed_key(1, 1)])
    a = ex.train_models(keys, kns, TINY)
    b = ex.train_models(keys, kns, TINY)
    for x, y in zip(jax.tree.leaves(a.states.net), jax.tree.leaves(b.states.net)):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    np.testing.assert_array_equal(a.losses, b.losses)
    assert not np.allclose(np.asarray(a.states.net.w[0][0]), np.asarray(a.states.net.w[0][1]))  # seeds differ
    assert not np.allclose(np.asarray(a.states.stats.var), 1.0)  # running variance moved from its start
    assert a.losses.shape == (2, TINY.steps)


def test_momentum_one_keeps_the_last_batch_and_recalibrate_gives_full_batch_statistics():
    cfg = ex.Config(n_points=120, depth=2, width=8, batch_size=16, steps=10, chunk=10, momentum=1.0, lr=1e-9)
    kns = ex.stack([ex.knobs("none", 1.0, 2)])
    t = ex.train_models(ex.seed_key(5)[None], kns, cfg)
    s = jax.tree.map(lambda a: a[0], t.states)
    # Replay the last step's minibatch: its unbiased variance is the running one.
    idx, _ = ex.step_draws(s.key, cfg.steps - 1, cfg.batch_size, len(t.data.x_train), 0)
    _, (mu, var), _ = ex.forward(s.net, None, jnp.asarray(t.data.x_train)[idx],
                                 ex.no_noise(cfg.batch_size, 64, 2, 8))
    np.testing.assert_allclose(np.asarray(s.stats.mean), np.asarray(mu), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(s.stats.var), np.asarray(var) * 16 / 15, rtol=1e-4, atol=1e-5)
    fresh = ex.recalibrate(s.net, jnp.asarray(t.data.x_train))
    _, _, tr = ex.forward(s.net, fresh, jnp.asarray(t.data.x_train), ex.no_noise(len(t.data.x_train), 64, 2, 8))
    np.testing.assert_allclose(np.asarray(tr.bn_out).mean(axis=1), np.asarray(s.net.beta), atol=1e-4)


def test_shift_view_first_layer_closed_form_agrees_with_sampling():
    kns = ex.stack([ex.knobs("dropout_bn", 0.5, TINY.depth)])
    t = ex.train_models(ex.seed_key(0, 1)[None], kns, TINY)
    v = ex.shift_view(ex.seed_key(0, 2), t, 0, 64)
    np.testing.assert_allclose(v.var_train_sampled[0], v.var_train_closed[0], rtol=0.1)
    assert np.all(v.var_train_closed[0] > v.var_test[0])
    assert v.out_test.shape == (TINY.depth, len(t.data.x_test), TINY.width)
    assert 0.0 <= v.test_error <= 1.0 and 0.0 <= v.test_error_fresh <= 1.0


def test_default_view_program_is_train_models_then_shift_view():
    # The default view's one program against the general path (chunks of stacked models, then the shift).
    kn = ex.knobs("bn_dropout", 0.6, TINY.depth)
    t = ex.train_models(ex.seed_key(3, 1)[None], ex.stack([kn]), TINY)
    general = ex.shift_view(ex.seed_key(3, 2), t, 0, 8)
    one = ex.default_shift(3, 0.6, "bn_dropout", TINY, n_masks=8)
    assert one.n_masks == general.n_masks == 8
    # Same keys, steps and masks: the running variances and the variances the first BN layer sees agree to rounding.
    np.testing.assert_allclose(one.running_var, general.running_var, rtol=1e-4)
    for field in ("var_test", "var_train_closed", "var_train_sampled"):
        np.testing.assert_allclose(getattr(one, field)[0], getattr(general, field)[0], rtol=1e-4)
    # The biases in front of a BN layer get only rounding noise as gradient (train-mode BN subtracts them again),
    # which Adam turns into a small random walk that differs between two programs; at test time BN uses running
    # statistics, so its outputs, the deeper layers and the errors can move a little, and only a little.
    for field in ("var_test", "var_train_closed", "var_train_sampled"):
        np.testing.assert_allclose(getattr(one, field), getattr(general, field), rtol=0.05)
    for field in ("out_test", "out_train"):
        np.testing.assert_allclose(getattr(one, field), getattr(general, field), atol=0.1)
    assert abs(one.test_error - general.test_error) <= 0.1
    assert abs(one.test_error_fresh - general.test_error_fresh) <= 0.1


def test_bernoulli_only_programs_draw_the_same_masks():
    # with_gaussian=False leaves Φ⁻¹ out of the program; the Bernoulli multipliers must not change.
    kn = ex.knobs("dropout_bn", 0.3, 2, keep_in=0.8)
    a = ex.draw_noise(ex.seed_key(6), kn, 50, 7, 2, 5)
    b = ex.draw_noise(ex.seed_key(6), kn, 50, 7, 2, 5, with_gaussian=False)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    assert not ex.has_gaussian(ex.stack([kn])) and ex.has_gaussian(ex.stack([kn, ex.variant_knobs(
        "gaussian_bn_dropout", 0.5, 2)]))


def test_placement_experiments_shapes_and_seeds():
    pc = ex.PlacementConfig(dataset="moons", n_points=40, noise=0.3, width=8, steps=100)
    a = ex.placement_errors([(1.0, 0.5, 0.5), (0.8, 1.0, 1.0)], 2, pc)
    b = ex.placement_errors([(1.0, 0.5, 0.5), (0.8, 1.0, 1.0)], 2, pc)
    assert a.shape == (2, 2) and np.all((a >= 0) & (a <= 1))
    np.testing.assert_array_equal(a, b)
    assert ex.layer_keeps("hidden 1", 0.4) == (1.0, 0.4, 1.0)
    assert ex.layer_keeps("all", 0.4) == (0.4, 0.4, 0.4)


@pytest.mark.parametrize("call, name", [
    (lambda: ex.knobs("dropout_bn", 0.0, 2), "keep"),
    (lambda: ex.knobs("sideways", 0.5, 2), "order"),
    (lambda: ex.Config(width=1), "width"),
    (lambda: ex.Config(steps=150, chunk=100), "steps"),
    (lambda: ex.shift_closed_form(np.ones((3, 2)), np.ones(3), 0, 0.5), "x must be"),
    (lambda: ex.seed_key(-1), "seed"),
    (lambda: ex.layer_keeps("hidden 3", 0.5), "setting"),
])
def test_bad_arguments_raise_value_errors_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()
