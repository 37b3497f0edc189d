"""dropout_viz.core.masks: closed-form moments of the noise, exact mask enumeration, argument checks."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dropout_viz.core import masks

# Draws for the moment checks: N samples of each of 5 values of x. Every test here draws arrays of this one
# shape, so each random primitive compiles once for the whole file.
N, XS = 20_000, np.array([-2.0, -0.5, 0.3, 1.0, 3.0], np.float32)
SHAPE = (N, len(XS))
KEEPS = (0.2, 0.5, 0.8)


def draws(fn, key, q):
    """(N, len(XS)) outputs of fn(key, x, q) with x broadcast over N independent rows."""
    return np.asarray(fn(key, jnp.broadcast_to(XS, SHAPE), q), np.float64)


def bernoulli_var_tol(x, q, n, z=5.0):
    """Tolerance for the sample variance of (x/q) B, B ~ Bernoulli(q).

    z standard errors from Var(s^2) ~ (mu4 - sigma^4) / n, plus the (ybar - mean)^2 term: at q = 0.5 the
    squared deviation is constant and that term is all that is left.
    """
    s = x / q
    mu2 = q * (1 - q) * s**2
    mu4 = q * (1 - q) * (1 - 3 * q + 3 * q * q) * s**4
    return z * np.sqrt((mu4 - mu2**2) / n) + z * z * mu2 / n


@pytest.mark.parametrize("q", KEEPS)
def test_inverted_dropout_entries_are_zero_or_x_over_q(q):
    x = jnp.asarray(np.random.default_rng(1).normal(size=SHAPE) * 3, jnp.float32)
    y = np.asarray(masks.inverted_dropout(jax.random.key(2), x, q))
    # The kept value is JAX's x / q (XLA may divide via the reciprocal, one ulp off NumPy's quotient).
    scaled = np.asarray(x / q)
    x = np.asarray(x)
    assert y.dtype == np.float32
    assert np.all((y == 0) | (y == scaled))
    kept = (y != 0).mean()  # x has no zeros, so y == 0 exactly where the unit was dropped
    assert abs(kept - q) < 5 * math.sqrt(q * (1 - q) / x.size)


@pytest.mark.parametrize("q", KEEPS)
def test_inverted_dropout_mean_and_variance(q):
    y = draws(masks.inverted_dropout, jax.random.key(3), q)
    var = XS.astype(np.float64) ** 2 * (1 - q) / q  # closed form: Var = x^2 (1-q)/q
    np.testing.assert_array_less(np.abs(y.mean(0) - XS), 5 * np.sqrt(var / N))
    np.testing.assert_array_less(np.abs(y.var(0) - var), bernoulli_var_tol(XS.astype(np.float64), q, N))


@pytest.mark.parametrize("q", KEEPS)
def test_standard_dropout_mean_is_q_x(q):
    y = draws(masks.standard_dropout, jax.random.key(4), q)
    x = XS.astype(np.float64)
    assert np.all((y == 0) | (y == x))  # no 1/q scaling
    np.testing.assert_array_less(np.abs(y.mean(0) - q * x), 5 * np.sqrt(x**2 * q * (1 - q) / N))


@pytest.mark.parametrize("q", KEEPS)
def test_gaussian_noise_matches_inverted_dropout_moments(q):
    y = draws(masks.gaussian_noise, jax.random.key(5), q)
    x = XS.astype(np.float64)
    var = x**2 * (1 - q) / q
    np.testing.assert_array_less(np.abs(y.mean(0) - x), 5 * np.sqrt(var / N))
    # Normal sample variance: Var(s^2) = 2 sigma^4 / n.
    np.testing.assert_array_less(np.abs(y.var(0) - var), 5 * np.sqrt(2 * var**2 / N))
    # ...and the same moments, statistically, as inverted dropout itself.
    yd = draws(masks.inverted_dropout, jax.random.key(6), q)
    np.testing.assert_array_less(np.abs(y.mean(0) - yd.mean(0)), 5 * np.sqrt(2 * var / N))
    assert len(np.unique(y[:, 0])) > N // 2  # continuous noise, not a disguised Bernoulli


def test_gaussian_noise_at_keep_one_is_identity():
    x = jnp.broadcast_to(XS, SHAPE)
    np.testing.assert_array_equal(masks.gaussian_noise(jax.random.key(0), x, 1.0), x)
    np.testing.assert_array_equal(masks.inverted_dropout(jax.random.key(0), x, 1.0), x)


def test_dropconnect_entries_are_zero_or_w_over_q():
    w = jnp.asarray(np.random.default_rng(7).normal(size=SHAPE), jnp.float32)
    y = np.asarray(masks.dropconnect(jax.random.key(8), w, 0.6))
    assert y.shape == w.shape
    assert np.all((y == 0) | (y == np.asarray(w / 0.6)))
    assert 0.5 < (y != 0).mean() < 0.7


def test_bernoulli_mask_is_binary_float_with_rate_keep():
    m = np.asarray(masks.bernoulli_mask(jax.random.key(9), 0.3, SHAPE))
    assert m.dtype == np.float32 and m.shape == SHAPE
    assert set(np.unique(m)) <= {0.0, 1.0}
    assert abs(m.mean() - 0.3) < 5 * math.sqrt(0.3 * 0.7 / m.size)
    assert np.all(np.asarray(masks.bernoulli_mask(jax.random.key(9), 1.0, SHAPE)) == 1.0)


def test_same_key_same_mask_different_key_different_mask():
    x = jnp.ones(SHAPE)
    a = masks.inverted_dropout(jax.random.key(10), x, 0.5)
    b = masks.inverted_dropout(jax.random.key(10), x, 0.5)
    c = masks.inverted_dropout(jax.random.key(11), x, 0.5)
    np.testing.assert_array_equal(a, b)
    assert np.mean(np.asarray(a) != np.asarray(c)) > 0.3  # independent masks disagree on ~half the units


def test_sample_layer_masks_split_the_key_per_layer():
    sizes, keep = (64, 64, 64, 3), (0.5, 0.5, 0.5)
    ms = masks.sample_layer_masks(jax.random.key(12), sizes, keep)
    assert [m.shape for m in ms] == [(64,), (64,), (64,)]
    # Equal shapes and keep: a reused key would give identical layers.
    for i in range(3):
        for j in range(i + 1, 3):
            assert not np.array_equal(ms[i], ms[j])
    batched = masks.sample_layer_masks(jax.random.key(12), sizes, keep, batch=100)
    assert [m.shape for m in batched] == [(100, 64)] * 3
    assert len({tuple(r) for r in np.asarray(batched[0])}) == 100  # every example has its own mask
    again = masks.sample_layer_masks(jax.random.key(12), sizes, keep, batch=100)
    for a, b in zip(batched, again):
        np.testing.assert_array_equal(a, b)


def test_sample_layer_masks_respect_per_layer_keep():
    ms = masks.sample_layer_masks(jax.random.key(13), (64, 64, 64, 3), (1.0, 0.25, 0.5), batch=100)
    assert np.all(np.asarray(ms[0]) == 1.0)
    assert abs(np.asarray(ms[1]).mean() - 0.25) < 5 * math.sqrt(0.25 * 0.75 / 6400)
    assert abs(np.asarray(ms[2]).mean() - 0.5) < 5 * math.sqrt(0.25 / 6400)


@pytest.mark.parametrize("d", [0, 1, 3, 7])
def test_enumerate_masks_rows_are_the_bits_of_their_index(d):
    m = masks.enumerate_masks(d)
    assert m.shape == (2**d, d) and m.dtype == np.float32
    assert len({tuple(r) for r in m}) == 2**d
    for i, row in enumerate(m):
        assert sum(int(b) << j for j, b in enumerate(row)) == i  # bit j of i -> column j


@pytest.mark.parametrize("d", [-1, masks.MAX_EXACT_UNITS + 1, 21])
def test_enumerate_masks_refuses_out_of_range(d):
    with pytest.raises(ValueError, match="d must"):
        masks.enumerate_masks(d)


def test_mask_prob_is_the_product_form_and_sums_to_one():
    q = np.array([0.3, 0.5, 0.9, 0.75, 1.0])
    m = masks.enumerate_masks(len(q))
    p = masks.mask_prob(m, q)
    assert p.dtype == np.float64
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    for row, pr in zip(m, p):
        assert pr == pytest.approx(math.prod(qj if b else 1 - qj for b, qj in zip(row, q)), rel=1e-12)


def test_mask_log_prob_agrees_with_log_mask_prob_including_keep_one_units():
    q = np.array([0.3, 1.0, 0.5, 0.9, 1.0, 0.1])
    m = masks.enumerate_masks(len(q))
    valid = m[(m[:, 1] == 1) & (m[:, 4] == 1)]  # units with keep 1 are always kept
    lp = np.asarray(masks.mask_log_prob(jnp.asarray(valid), q))
    np.testing.assert_allclose(lp, np.log(masks.mask_prob(valid, q)), rtol=1e-5, atol=1e-5)
    assert np.exp(lp.astype(np.float64)).sum() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("bad", [0.0, -0.2, 1.5, float("nan"), float("inf"), [0.5, 0.0], [0.5, 1.01], []])
def test_check_keep_rejects_values_outside_zero_one(bad):
    with pytest.raises(ValueError, match="keep"):
        masks.check_keep(bad)


def test_check_keep_accepts_the_range_and_names_the_argument():
    masks.check_keep([1e-6, 0.5, 1.0])
    masks.check_keep(1.0)
    with pytest.raises(ValueError, match="keep_hidden"):
        masks.check_keep(0.0, name="keep_hidden")


def test_keep_tuple():
    assert masks.keep_tuple(0.5, 3) == (0.5, 0.5, 0.5)
    assert masks.keep_tuple([0.8, 1.0], 2) == (0.8, 1.0)
    assert masks.keep_tuple(np.array([0.8, 0.6]), 2) == (0.8, 0.6)
    for bad, n in [([0.5, 0.5], 3), ([0.5], 2), (0.0, 2), ([0.5, float("nan")], 2), ([1.2, 0.5], 2), (-1, 1)]:
        with pytest.raises(ValueError, match="keep"):
            masks.keep_tuple(bad, n)


def test_droppable_and_subnetwork_count():
    sizes = (2, 8, 16, 3)
    assert masks.droppable(sizes, (1.0, 0.5, 0.8)) == [0, 8, 16]
    assert masks.n_subnetworks_log2(sizes, (1.0, 0.5, 0.8)) == 24
    assert masks.n_subnetworks_log2(sizes, (0.9, 1.0, 1.0)) == 2
    assert masks.n_subnetworks_log2(sizes, (1.0, 1.0, 1.0)) == 0
    with pytest.raises(ValueError, match="keep"):
        masks.droppable(sizes, (0.5, 0.5))


# --- bad input: ValueError naming the argument ------------------------------------------------------------


@pytest.mark.parametrize("q", [1.5, 0.0, float("nan")])
def test_mask_prob_refuses_a_keep_outside_zero_one(q):
    with pytest.raises(ValueError, match=r"keep_per_unit must lie in \(0, 1\]"):
        masks.mask_prob(np.array([[1.0, 0.0]]), [q, 0.5])
    with pytest.raises(ValueError, match=r"keep_per_unit must lie in \(0, 1\]"):
        masks.mask_prob(np.array([[1.0]]), q)


def test_mask_prob_refuses_masks_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"masks must have 3 columns"):
        masks.mask_prob(np.ones((4, 2)), [0.5, 0.5, 0.5])


@pytest.mark.parametrize("keep", [(1.5, 0.5), (1.0, float("nan")), (0.0, 1.0)])
def test_n_subnetworks_log2_refuses_a_keep_outside_zero_one(keep):
    with pytest.raises(ValueError, match=r"keep must lie in \(0, 1\]"):
        masks.n_subnetworks_log2((2, 3, 1), keep)


def test_enumerate_masks_refuses_a_non_integer_d():
    with pytest.raises(ValueError, match=r"d must be an integer in \[0, 20\]"):
        masks.enumerate_masks(2.5)
    with pytest.raises(ValueError, match=r"d must be in \[0, 20\], got 21"):
        masks.enumerate_masks(21)
