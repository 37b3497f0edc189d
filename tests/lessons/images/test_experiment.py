"""The images lesson's experiments: mask shapes and rates by sampling, DropBlock's γ and its exact kept fraction,
spatial masks constant per channel, the convolution as patches against lax, identical seeds giving identical
results, and ValueErrors naming the argument."""
import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from dropout_viz.lessons.images import experiment as ex

SMALL = dataclasses.replace(ex.CONFIG, n_train=40, n_test=60, steps=6, view_steps=6, n_probe=20, n_masks=50)


def _masks(kind, keep=0.7, block=3, shape=(400, 8, 8, 6), seed=0):
    return np.asarray(ex.scaled_masks(ex.seed_key(seed, 9), shape, jnp.float32(keep), jnp.int32(block),
                                      jnp.int32(kind)))


def test_element_wise_masks_are_zero_or_one_over_q_at_rate_q():
    m = _masks(1)
    assert m.shape == (400, 8, 8, 6)
    assert np.isin(m, [0.0, np.float32(1 / 0.7)]).all()
    kept = (m > 0).mean()
    assert abs(kept - 0.7) < 4 * np.sqrt(0.21 / m.size)  # 153,600 draws
    assert abs(m.mean() - 1.0) < 0.01  # inverted: E[m / q] = 1


def test_spatial_masks_are_constant_over_each_channel():
    m = _masks(2)
    assert (m == m[:, :1, :1, :]).all()  # one value per (example, channel)
    per_channel = m[:, 0, 0, :] > 0
    assert abs(per_channel.mean() - 0.7) < 4 * np.sqrt(0.21 / per_channel.size)
    assert (per_channel != per_channel[:1]).any()  # examples get different channel masks


def test_no_dropout_kind_is_all_ones():
    assert (_masks(0) == 1).all()


def test_dropblock_gamma_and_exact_kept_fraction_against_sampling():
    for keep, block in ((0.8, 3), (0.6, 2), (0.9, 5), (0.7, 1)):
        gamma = ex.ghiasi_gamma(keep, block)
        assert gamma == pytest.approx((1 - keep) / block**2 * 64 / (9 - block) ** 2)
        m = _masks(3, keep, block, shape=(1000, 8, 8, 4))
        kept = (m > 0).mean()
        exact = ex.dropblock_keep(keep, block)
        assert abs(kept - exact) < 0.01, (keep, block, kept, exact)
        assert exact >= keep - 1e-9  # overlapping blocks only ever keep more than Ghiasi's target
    # b = 1 is element-wise dropout: γ = 1 − q and the kept fraction is q exactly.
    assert ex.dropblock_keep(0.7, 1) == pytest.approx(0.7)


def test_dropblock_drops_whole_blocks_and_divides_by_the_realised_keep():
    m = _masks(3, 0.7, 3, shape=(200, 8, 8, 4))
    for n in range(20):
        mask = m[n]
        kept = (mask > 0).mean()
        assert np.allclose(mask[mask > 0], 1 / kept)  # kept values × 1 / (this map's kept fraction)
        # Every dropped cell lies in some 3 × 3 square of dropped cells inside the map.
        dropped = mask == 0
        for i, j, c in zip(*np.nonzero(dropped)):
            assert any(dropped[r:r + 3, s:s + 3, c].all()
                       for r in range(max(0, i - 2), min(i, 5) + 1) for s in range(max(0, j - 2), min(j, 5) + 1))


def test_seed_counts_closed_form_against_brute_force():
    for block in (1, 2, 3, 7):
        brute = np.zeros((8, 8), int)
        for r in range(9 - block):
            for s in range(9 - block):
                brute[r:r + block, s:s + block] += 1
        np.testing.assert_array_equal(ex.seed_counts(block), brute)


def test_sampled_rates_and_sds_match_the_closed_forms():
    ms = ex.sample_masks(3, 0.75, 3, channels=8, n=1500)
    assert ms.masks.shape == (3, 1500, 8, 8, 8) and ms.masks.dtype == bool
    np.testing.assert_allclose(ms.kept_closed, [0.75, 0.75, ex.dropblock_keep(0.75, 3)])
    assert (np.abs(ms.kept - ms.kept_closed) < 4 * ms.kept_se + 1e-3).all()
    np.testing.assert_allclose(ms.sd_per_map[:2], ms.sd_closed[:2], rtol=0.1)
    assert np.isnan(ms.sd_closed[2])
    assert (ms.masks[1] == ms.masks[1][:, :1, :1, :]).all()


def test_identical_seeds_give_identical_masks_and_different_seeds_differ():
    a, b, c = (ex.sample_masks(s, 0.6, 2, n=20) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.masks, b.masks)
    assert (a.masks != c.masks).any()


def test_patch_convolution_equals_lax_conv():
    k1, k2, k3 = jax.random.split(jax.random.PRNGKey(0), 3)
    x = jax.random.normal(k1, (5, 8, 8, 3))
    w = jax.random.normal(k2, (3, 3, 3, 7))
    b = jax.random.normal(k3, (7,))
    ref = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=ex.DN) + b
    np.testing.assert_allclose(ex.conv3x3(x, w, b), ref, rtol=1e-5, atol=1e-5)


def test_plain_training_is_reproducible_and_shaped():
    a = ex.train_plain(0, SMALL)
    b = ex.train_plain(0, SMALL)
    assert a.maps1.shape == (20, 8, 8, 8) and a.maps2.shape == (20, 8, 8, 16)
    assert (a.maps1 >= 0).all()  # after the ReLU
    np.testing.assert_array_equal(a.maps1, b.maps1)
    assert a.test_error == b.test_error and 0 <= a.test_error <= 1
    assert a.probe_images.shape == (20, 8, 8) and a.probe_labels.shape == (20,)


def test_comparison_is_reproducible_and_kind_none_ignores_the_mask_settings():
    r1 = ex.compare(2, 0.7, 2, SMALL)
    r2 = ex.compare(2, 0.7, 2, SMALL)
    assert r1.errors.shape == (4, 2)
    np.testing.assert_array_equal(r1.errors, r2.errors)
    r3 = ex.compare(2, 0.5, 4, SMALL)
    np.testing.assert_array_equal(r1.errors[0], r3.errors[0])  # no dropout: keep and block change nothing
    done = []
    ex.compare(1, 0.8, 3, SMALL, on_progress=lambda i, n: done.append((i, n)))
    assert done == [(1, 1)]


def test_applied_scales_and_marks_the_dropped_cells():
    f = np.arange(8 * 8 * 2, dtype=float).reshape(8, 8, 2) + 1
    m = np.ones((3, 8, 8, 2), bool)
    m[0, 0, 0, 0] = False
    m[1, :, :, 1] = False
    m[2, :2, :2, :] = False
    shown, dropped, scales = ex.applied(f, m, 0.5)
    np.testing.assert_array_equal(shown[0], f)
    assert shown[1, 0, 0, 0] == 0 and shown[1, 0, 1, 0] == 2 * f[0, 1, 0]
    assert (shown[2, :, :, 1] == 0).all()
    assert scales[2] == pytest.approx(128 / 120)
    assert not dropped[0].any() and dropped[3, :2, :2].all() and dropped[1].sum() == 1
    assert dropped[2, :, :, 1].all() and not dropped[2, :, :, 0].any()


def test_neighbour_correlation_of_smooth_maps_beats_the_shuffled_baseline():
    g = np.random.default_rng(0)
    noise = g.standard_normal((300, 12, 12, 2))
    smooth = (noise[:, :-4, :-4] + noise[:, 1:-3, 1:-3] + noise[:, 2:-2, 2:-2] + noise[:, :-4, 1:-3]
              + noise[:, 1:-3, :-4])[:, :8, :8]
    c = ex.neighbour_correlation(smooth, max_distance=4)
    assert c.distance.tolist() == [1, 2, 3, 4]
    assert c.corr[0] > 0.3 and abs(c.shuffled) < 0.08  # random pairs: now and then two neighbours
    assert c.corr[3] < 0.05  # no shared noise 4 pixels apart
    white = ex.neighbour_correlation(g.standard_normal((300, 8, 8, 2)))
    assert abs(white.corr).max() < 0.05


@pytest.mark.parametrize("call, name", [
    (lambda: ex.sample_masks(0, 0.0, 3), "keep"),
    (lambda: ex.sample_masks(0, 0.5, 8), "block"),
    (lambda: ex.sample_masks(0, 0.5, 3, n=1), "n"),
    (lambda: ex.sample_masks(-1, 0.5, 3), "seed"),
    (lambda: ex.compare(0), "seeds"),
    (lambda: ex.compare(1, 1.5), "keep"),
    (lambda: ex.dropblock_keep(0.5, 0), "block"),
    (lambda: ex.neighbour_correlation(np.zeros((3, 8, 8))), "maps"),
    (lambda: ex.applied(np.zeros((8, 8, 2)), np.ones((3, 8, 8, 3), bool), 0.5), "masks"),
])
def test_bad_arguments_raise_value_errors_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()
