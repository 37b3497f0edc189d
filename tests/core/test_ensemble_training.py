"""Bagging/dropout/boosting runs, the regulariser and noise comparisons, and dropout-trained linear regression."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dropout_viz.core import datasets, theory
from dropout_viz.core import ensemble_training as et

SIZES = (2, 8, 8, 2)
CFG = et.EnsembleConfig(sizes=SIZES, n_masks=2, eval_masks=4, chunk=25, n_bags=3)


@pytest.fixture(scope="module")
def data():
    ds = datasets.make_dataset("moons", 0, 80, 0.2, test_fraction=0.5)
    return ds, datasets.surface_grid(5)[2]


def _run(data, keep=0.5, cfg=CFG, steps=50, seed=0):
    ds, grid = data
    return et.compare_ensembles(jax.random.PRNGKey(seed), ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid, cfg,
                                keep=keep, steps=steps)


@pytest.fixture(scope="module")
def run(data):
    return _run(data)


# --- objectives and helpers ----------------------------------------------------------------------------------


def test_objectives_against_numpy():
    rng = np.random.default_rng(0)
    log_lik = np.log(rng.uniform(0.05, 1.0, size=(4, 6)))
    drop = float(et.ensemble_objective(jnp.asarray(log_lik), 0.0))
    boost = float(et.ensemble_objective(jnp.asarray(log_lik), 1.0))
    assert drop == pytest.approx(-log_lik.mean(), rel=1e-6)
    assert boost == pytest.approx(-np.mean(np.log(np.exp(log_lik).mean(axis=0))), rel=1e-6)
    # Jensen: the ensemble's loss is never above the mean per-mask loss; equal when the masks agree.
    assert boost < drop
    same = np.tile(log_lik[:1], (4, 1))
    assert float(et.ensemble_objective(jnp.asarray(same), 1.0)) == pytest.approx(-same[0].mean(), rel=1e-6)


def test_boosting_gradient_weights_masks_by_their_share_of_the_ensemble():
    # d/dl_m of -log mean_m exp(l_m) = -p_m / sum p: masks that already fit the example get the most push.
    log_lik = jnp.log(jnp.array([[0.9], [0.1]]))
    g = jax.grad(lambda l: et.ensemble_objective(l, 1.0))(log_lik)
    assert np.asarray(g)[:, 0] == pytest.approx([-0.9, -0.1], rel=1e-5)
    g_drop = jax.grad(lambda l: et.ensemble_objective(l, 0.0))(log_lik)
    assert np.asarray(g_drop)[:, 0] == pytest.approx([-0.5, -0.5])


def test_bootstrap_pools():
    pools = et.bootstrap_pools(jax.random.PRNGKey(0), 100, 5)
    assert pools.shape == (5, 100) and pools.min() >= 0 and pools.max() < 100
    # Drawn with replacement: about 1 - 1/e = 63 % of the points appear in each sample.
    unique = [len(np.unique(p)) for p in pools]
    assert all(50 <= u <= 75 for u in unique)
    assert np.array_equal(pools, et.bootstrap_pools(jax.random.PRNGKey(0), 100, 5))


def test_losses_and_counts():
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    y = np.array([0, 1, 1])
    assert et.log_loss(p, y) == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4])))
    assert et.error_rate(p, y) == pytest.approx(1 / 3)
    assert et.n_params((2, 8, 8, 2)) == 2 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2


def test_holdout_split_is_a_disjoint_partition():
    x = np.arange(20, dtype=float)[:, None]
    y = np.arange(20) % 2
    xf, yf, xv, yv = et.holdout_split(jax.random.PRNGKey(1), x, y, 0.25)
    assert len(xv) == 5 and len(xf) == 15
    assert sorted(np.concatenate([xf, xv])[:, 0].tolist()) == list(range(20))
    with pytest.raises(ValueError, match="fraction"):
        et.holdout_split(jax.random.PRNGKey(1), x, y, 0.95)


# --- bagging, dropout, boosting -------------------------------------------------------------------------------


def test_ensemble_run_shapes_and_probabilities(run, data):
    ds, grid = data
    e, nt, ne = 2, len(ds.y_train), len(ds.y_test)
    assert run.eval_steps.tolist() == [25, 50]
    assert run.family_train.shape == (3, e, nt, 2) and run.family_test.shape == (3, e, ne, 2)
    assert run.bag_test.shape == (3, e, ne, 2) and run.bag_grid.shape == (3, len(grid), 2)
    assert run.subnet_test.shape == (3, ne, 2)
    for arr in (run.family_test, run.bag_test, run.family_grid, run.family_ws_test, run.subnet_test):
        assert np.allclose(arr.sum(-1), 1.0, atol=1e-5) and arr.min() >= 0
    assert run.keep == (1.0, 0.5, 0.5)


def test_on_progress_counts_chunks_and_leaves_the_run_unchanged(data, run):
    ds, grid = data
    calls = []
    loud = et.compare_ensembles(jax.random.PRNGKey(0), ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid, CFG,
                                keep=0.5, steps=50, on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
    for field in ("family_test", "bag_test", "family_grid", "bag_grid"):
        np.testing.assert_array_equal(getattr(loud, field), getattr(run, field))


def test_keep_one_makes_dropout_and_boosting_the_plain_network(data):
    # Same initialisation and minibatches, all-ones masks: the two objectives coincide with the plain loss.
    r = _run(data, keep=1.0)
    assert np.allclose(r.family_test[0], r.family_test[1], atol=1e-5)
    assert np.allclose(r.family_test[1], r.family_test[2], atol=1e-5)
    assert np.allclose(r.family_ws_test, r.family_test[:, -1], atol=1e-5)  # all masks keep everything


def test_dropout_and_boosting_differ_only_through_the_objective(run):
    assert not np.allclose(run.family_test[1], run.family_test[2], atol=1e-4)
    assert not np.allclose(run.family_test[0], run.family_test[1], atol=1e-4)


def test_bagged_networks_are_independent_and_reproducible(data, run):
    # Different members: own initialisation and bootstrap sample.
    assert not np.allclose(run.bag_test[0], run.bag_test[1], atol=1e-3)
    again = _run(data)
    assert np.array_equal(again.bag_test, run.bag_test) and np.array_equal(again.family_grid, run.family_grid)


def test_summary_averages_the_first_k_members(run):
    s1, s3 = et.summarise_ensembles(run, 1), et.summarise_ensembles(run, 3)
    assert s1.names == et.ENSEMBLE_MODELS
    assert s1.test_error[1] == pytest.approx(et.error_rate(run.bag_test[0, -1], run.y_test))
    assert s3.test_loss[1, -1] == pytest.approx(et.log_loss(run.bag_test[:, -1].mean(0), run.y_test))
    assert s3.test_loss[2, -1] == pytest.approx(et.log_loss(run.family_test[1, -1], run.y_test))
    p = et.n_params(SIZES)
    assert s3.n_params.tolist() == [p, 3 * p, p, p]
    assert s3.memory_bytes.tolist() == [4 * p, 12 * p, 4 * p, 4 * p]
    assert s3.members[2] == "2^16"  # two droppable hidden layers of 8
    assert np.isnan(s3.ws_test_error[1])
    with pytest.raises(ValueError, match="k"):
        et.summarise_ensembles(run, 4)


def test_members_satisfy_the_ambiguity_identity(run):
    onehot = np.eye(2)[run.y_test]
    for which in ("bagging", "dropout"):
        a = theory.ambiguity_decomposition(et.member_predictions(run, 3, which), onehot)
        assert a.gain == pytest.approx(a.predicted_gain, rel=1e-9, abs=1e-12)
    with pytest.raises(ValueError, match="which"):
        et.member_predictions(run, 2, "boosting")


@pytest.mark.parametrize("kwargs, arg", [
    (dict(keep=0.0), "keep"), (dict(keep=0.5, steps=60), "steps"), (dict(keep=0.5, lr=0.0), "lr"),
])
def test_ensemble_bad_arguments(data, kwargs, arg):
    ds, grid = data
    with pytest.raises(ValueError, match=arg):
        et.compare_ensembles(jax.random.PRNGKey(0), ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid, CFG,
                             **kwargs)
    with pytest.raises(ValueError, match="n_masks"):
        et.EnsembleConfig(sizes=SIZES, n_masks=1)


# --- regularisers and noises -----------------------------------------------------------------------------------


def _rivals(data, **kw):
    ds, grid = data
    xf, yf, xv, yv = et.holdout_split(jax.random.PRNGKey(2), ds.x_train, ds.y_train, 0.3)
    args = dict(sizes=SIZES, keep=1.0, l2=0.0, l1=0.0, input_noise=0.0, label_smoothing=0.0, steps=100, chunk=25)
    args.update(kw)
    return et.compare_regularisers(jax.random.PRNGKey(0), xf, yf, xv, yv, ds.x_test, ds.y_test, grid, **args)


def test_regularisers_with_every_strength_zero_are_one_network(data):
    r = _rivals(data)
    assert r.names == et.REGULARISERS
    # Same init and minibatches and no regulariser: the six trained networks coincide (vmap = separate runs).
    finals = [0, 1, 2, 3, 5, 6]
    assert np.allclose(r.test_loss[finals], r.test_loss[0], atol=1e-5)
    # Early stopping kept the evaluation with the lowest validation loss of the unregularised run.
    assert r.stop_step == r.eval_steps[np.argmin(r.val_loss[0])]
    assert np.array_equal(r.val_loss[4], r.val_loss[0])


def test_regularisers_change_the_weights(data):
    r = _rivals(data, keep=0.5, l2=0.1, l1=0.01, input_noise=0.2, label_smoothing=0.2, steps=200)
    std = {n: np.std(w) for n, w in zip(r.names, r.weights)}
    assert std["L2"] < std["none"]
    zeros = {n: np.mean(np.abs(w) < 1e-3) for n, w in zip(r.names, r.weights)}
    assert zeros["L1"] > zeros["none"] + 0.2
    assert len({round(float(v), 6) for v in r.test_loss}) >= 5
    assert r.grid_probs.shape[0] == 7


def test_noise_variants(data):
    ds, grid = data
    q = 0.5
    r = et.compare_noises(jax.random.PRNGKey(0), ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid, sizes=SIZES,
                          keep=q, steps=100, chunk=50)
    assert r.names == et.NOISE_MODELS
    assert r.hidden_rms.shape == (5, 3) and np.allclose(r.hidden_rms[:, 0], r.hidden_rms[0, 0])
    # The additive noise matches dropout's noise std at initialisation, layer by layer.
    assert r.additive_sigma == pytest.approx(np.sqrt((1 - q) / q) * r.layer_rms0, rel=1e-5)
    assert r.additive_ratio[0] == pytest.approx(np.sqrt((1 - q) / q), rel=1e-5)
    # Sampled noise-to-signal ratios of the final networks against their closed forms.
    for i in (1, 2, 4):
        assert r.ratio_sampled[i] == pytest.approx(r.ratio_closed[i], rel=0.1)
    assert np.isnan(r.ratio_closed[[0, 3]]).all()
    with pytest.raises(ValueError, match="keep"):
        et.compare_noises(jax.random.PRNGKey(0), ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid, sizes=SIZES,
                          keep=1.0, steps=100, chunk=50)


def test_regulariser_and_noise_runs_report_each_chunk_and_the_callback_changes_nothing(data):
    calls = []
    quiet = _rivals(data, keep=0.5)
    loud = _rivals(data, keep=0.5, on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 4) for i in range(1, 5)]
    np.testing.assert_array_equal(quiet.test_loss, loud.test_loss)
    np.testing.assert_array_equal(quiet.grid_probs, loud.grid_probs)
    ds, grid = data
    args = (jax.random.PRNGKey(0), ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid)
    calls = []
    quiet = et.compare_noises(*args, sizes=SIZES, keep=0.5, steps=100, chunk=50)
    loud = et.compare_noises(*args, sizes=SIZES, keep=0.5, steps=100, chunk=50,
                             on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
    np.testing.assert_array_equal(quiet.test_error, loud.test_error)
    np.testing.assert_array_equal(quiet.hidden_rms, loud.hidden_rms)


# --- linear regression -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("inverted", [True, False])
def test_dropout_trained_linear_weights_approach_ridge(inverted):
    t = theory.linear_task(jax.random.PRNGKey(0), 200, (0.5, 1.0, 3.0), 0.3)
    q = 0.6
    w = et.fit_dropout_linear(jax.random.PRNGKey(1), t.x, t.y, q, inverted=inverted)
    ridge = theory.dropout_ridge_weights(t.x, t.y, q, inverted=inverted)
    assert w == pytest.approx(ridge, rel=0.02)
    # ... and not the unregularised answer.
    ols = theory.least_squares_weights(t.x, t.y)
    assert np.abs(w * (1 if inverted else q) - ols).min() > 0.1 * np.abs(ols).min()
