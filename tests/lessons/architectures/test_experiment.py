"""The architectures lesson's experiments: mask shapes and rates, closed forms against sampling, identical seeds
giving identical results, and settings that must make variants coincide."""
import dataclasses
import math

import jax.numpy as jnp
import numpy as np
import pytest

from dropout_viz.lessons.architectures import experiment as ex

SMALL = dataclasses.replace(ex.CONFIG, seq_len=8, seq_train=4, seq_test=16, hidden=8, rnn_steps=20, rnn_chunks=2,
                            n_train=60, n_test=80, width=8, blocks=3, res_steps=8)


def test_recurrent_masks_shapes_rates_and_sharing():
    key = ex.seed_key(0)
    q = jnp.float32(0.7)
    none, fresh, per_seq = (np.asarray(ex.recurrent_masks(key, 200, 12, 30, q, jnp.int32(k))) for k in range(3))
    assert none.shape == fresh.shape == per_seq.shape == (12, 200, 30)
    assert (none == 1).all()
    for m in (fresh, per_seq):
        assert set(np.unique(m)) == {0.0, 1.0}
    assert abs(fresh.mean() - 0.7) < 0.01  # 72,000 draws: sd 0.0017
    assert abs(per_seq[0].mean() - 0.7) < 0.02  # 6,000 draws
    assert (per_seq == per_seq[0]).all()  # one mask per sequence: the same at every step
    assert (fresh != fresh[0]).any(axis=(1, 2)).sum() == 11  # a fresh mask: every later step differs from step 0
    # Different sequences get different masks.
    assert (per_seq[0, 0] != per_seq[0, 1]).any()


def test_diagram_masks_same_seed_same_masks():
    a, b, c = ex.diagram_masks(3, 0.6), ex.diagram_masks(3, 0.6), ex.diagram_masks(4, 0.6)
    assert a.shape == (2, 8, 6)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    assert (a[1] == a[1][0]).all()


def test_rnn_with_all_ones_masks_is_the_plain_rnn():
    params = ex.rnn_init(ex.seed_key(1), SMALL)
    x, _, _ = ex.sine_sequences(0, 5, SMALL)
    plain = ex.rnn_forward(params, jnp.asarray(x))
    masked = ex.rnn_forward(params, jnp.asarray(x), jnp.ones((SMALL.seq_len, 5, SMALL.hidden)), 1.0)
    np.testing.assert_allclose(plain, masked, rtol=1e-6)
    assert plain.shape == (5, SMALL.seq_len, 1)


def test_sine_sequences_targets_are_the_next_values():
    x, y, clean = ex.sine_sequences(0, 3, SMALL)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    assert np.abs(clean).max() <= 1.0
    assert 0.15 < np.std(y - clean) < 0.45  # noise sd 0.3


def test_sequence_experiment_keep_one_makes_the_three_variants_equal_and_seeds_repeat():
    res = ex.sequence_experiment(2, 1.0, SMALL)
    assert res.test_loss.shape == (3, 2, 2)
    np.testing.assert_array_equal(res.steps, [10, 20])
    np.testing.assert_allclose(res.test_loss[0], res.test_loss[1], rtol=1e-5)
    np.testing.assert_allclose(res.test_loss[0], res.test_loss[2], rtol=1e-5)
    a, b = ex.sequence_experiment(2, 0.5, SMALL), ex.sequence_experiment(2, 0.5, SMALL)
    np.testing.assert_array_equal(a.test_loss, b.test_loss)
    assert not np.allclose(a.test_loss[0], a.test_loss[1])  # masks change the training
    assert (a.test_loss[:, 0] != a.test_loss[:, 1]).any()  # seeds differ


def test_survival_schedules():
    np.testing.assert_allclose(ex.survival(4, 0.5, "linear"), [0.875, 0.75, 0.625, 0.5])
    np.testing.assert_allclose(ex.survival(4, 0.5, "constant"), [0.5] * 4)
    np.testing.assert_allclose(ex.survival(5, 1.0, "linear"), [1.0] * 5)


def test_depth_distribution_is_binomial_for_a_constant_schedule_and_has_mean_sum_p():
    L, p = 10, 0.7
    dist = ex.depth_distribution(ex.survival(L, p, "constant"))
    binom = [math.comb(L, k) * p**k * (1 - p) ** (L - k) for k in range(L + 1)]
    np.testing.assert_allclose(dist, binom, rtol=1e-12)
    lin = ex.survival(L, 0.3, "linear")
    d = ex.depth_distribution(lin)
    assert d.sum() == pytest.approx(1.0)
    assert (np.arange(L + 1) * d).sum() == pytest.approx(lin.sum())
    assert d[-1] == pytest.approx(np.prod(lin))  # every block kept: the path through all of them


def test_depth_sampling_matches_the_closed_forms():
    for schedule in ex.SCHEDULES:
        s = ex.depth_sampling(2, 8, 0.4, schedule, 40_000)
        assert abs(s.sampled_depth - s.expected_depth) < 5 * s.sampled_depth_se
        assert np.abs(s.dist_sampled - s.dist).max() < 5 * np.sqrt(0.25 / 40_000)
        se_full = np.sqrt(s.full_path * (1 - s.full_path) / 40_000)
        assert abs(s.full_path_sampled - s.full_path) < 5 * se_full + 1e-9
        assert abs(s.mean_paths_sampled / s.mean_paths - 1) < 0.05
    c = ex.depth_sampling(0, 6, 0.5, "constant")
    assert c.full_path == pytest.approx(0.5**6) and c.mean_paths == pytest.approx(1.5**6)
    a, b = ex.depth_sampling(5, 6, 0.5, "linear"), ex.depth_sampling(5, 6, 0.5, "linear")
    np.testing.assert_array_equal(a.dist_sampled, b.dist_sampled)


def test_res_forward_with_every_block_kept_is_the_full_network():
    params = ex.res_init(ex.seed_key(0), SMALL)
    x = jnp.asarray(ex.digits_flat(SMALL)[0][:7])
    full = ex.res_forward(params, x)
    np.testing.assert_allclose(full, ex.res_forward(params, x, ex.seed_key(1), jnp.ones(SMALL.blocks)), rtol=1e-6)
    # Survival near 0: almost every block dropped, so the output is the network with no blocks.
    no_blocks = dict(params, w2=jnp.zeros_like(params["w2"]), c2=jnp.zeros_like(params["c2"]))
    dropped = ex.res_forward(params, x, ex.seed_key(1), jnp.full(SMALL.blocks, 1e-9))
    np.testing.assert_allclose(dropped, ex.res_forward(no_blocks, x), rtol=1e-5, atol=1e-5)


def test_schedule_experiment_survival_one_is_the_same_network_for_both_schedules():
    res = ex.schedule_experiment((0.5, 1.0), 2, SMALL)
    assert res.errors.shape == (2, 2, 2)
    np.testing.assert_array_equal(res.errors[0, 1], res.errors[1, 1])
    np.testing.assert_allclose(res.expected_depth, [[1.5, 3.0], [2.0, 3.0]])
    again = ex.schedule_experiment((0.5, 1.0), 2, SMALL)
    np.testing.assert_array_equal(res.errors, again.errors)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="keep"):
        ex.diagram_masks(0, 0.0)
    with pytest.raises(ValueError, match="seeds"):
        ex.sequence_experiment(0)
    with pytest.raises(ValueError, match="schedule"):
        ex.survival(4, 0.5, "cosine")
    with pytest.raises(ValueError, match="p_last"):
        ex.survival(4, 1.5, "linear")
    with pytest.raises(ValueError, match="blocks"):
        ex.depth_sampling(0, 0, 0.5, "linear")
