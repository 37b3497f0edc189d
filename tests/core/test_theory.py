"""Every closed form in dropout_viz.core.theory against enumeration, brute-force loops or sampling."""
import itertools

import jax
import numpy as np
import pytest

from dropout_viz.core import theory


def _rng(seed=0):
    return np.random.default_rng(seed)


# --- ambiguity decomposition ---------------------------------------------------------------------------


def _brute_ambiguity(f, y):
    """Point by point, member by member, pair by pair, with plain Python loops."""
    t, n = f.shape
    ind = sum((f[s, i] - y[i]) ** 2 for s in range(t) for i in range(n)) / (t * n)
    fbar = [sum(f[s, i] for s in range(t)) / t for i in range(n)]
    ens = sum((fbar[i] - y[i]) ** 2 for i in range(n)) / n
    pairs = [(s, u) for s in range(t) for u in range(t) if s != u]
    pair = sum((f[s, i] - f[u, i]) ** 2 for s, u in pairs for i in range(n)) / (len(pairs) * n)
    return ind, ens, pair


@pytest.mark.parametrize("t", [2, 3, 7])
def test_ambiguity_identity_matches_brute_force(t):
    rng = _rng(t)
    f, y = rng.normal(size=(t, 9)), rng.normal(size=9)
    a = theory.ambiguity_decomposition(f, y)
    ind, ens, pair = _brute_ambiguity(f, y)
    assert a.individual == pytest.approx(ind, rel=1e-12)
    assert a.ensemble == pytest.approx(ens, rel=1e-12)
    assert a.pairwise == pytest.approx(pair, rel=1e-12)
    # The decomposition itself: the three routes to the gain agree.
    assert a.gain == pytest.approx(a.ambiguity, rel=1e-10)
    assert a.gain == pytest.approx((t - 1) / (2 * t) * pair, rel=1e-10)
    assert a.predicted_gain == pytest.approx(a.gain, rel=1e-10)
    assert a.gain >= 0


def test_ambiguity_two_members_by_hand():
    # f1 = 0, f2 = 2, y = 0: individual (0 + 4)/2 = 2, ensemble 1, pairwise 4, (T-1)/(2T) = 1/4.
    a = theory.ambiguity_decomposition([[0.0], [2.0]], [0.0])
    assert (a.individual, a.ensemble, a.pairwise) == (2.0, 1.0, 4.0)
    assert a.gain == a.predicted_gain == 1.0


def test_ambiguity_class_probabilities_sum_over_classes():
    rng = _rng(3)
    p = rng.dirichlet(np.ones(3), size=(5, 11))  # (T, n, C)
    y = np.eye(3)[rng.integers(0, 3, 11)]
    a = theory.ambiguity_decomposition(p, y)
    per_class = [theory.ambiguity_decomposition(p[..., c], y[:, c]) for c in range(3)]
    assert a.individual == pytest.approx(sum(c.individual for c in per_class))
    assert a.pairwise == pytest.approx(sum(c.pairwise for c in per_class))
    assert a.gain == pytest.approx(a.predicted_gain, rel=1e-10)


def test_ambiguity_identity_breaks_for_a_weighted_average():
    # The (T-1)/(2T) pairwise form needs a uniform average: weight one member 0.9 and it fails.
    rng = _rng(4)
    f, y = rng.normal(size=(3, 20)), rng.normal(size=20)
    weighted = 0.9 * f[0] + 0.05 * f[1] + 0.05 * f[2]
    a = theory.ambiguity_decomposition(f, y)
    gain_weighted = a.individual - float(np.mean((weighted - y) ** 2))
    assert abs(gain_weighted - a.predicted_gain) > 0.05


@pytest.mark.parametrize("preds, y, arg", [
    (np.zeros((1, 4)), np.zeros(4), "preds"),
    (np.zeros((3, 4)), np.zeros(5), "y"),
    (np.full((3, 4), np.nan), np.zeros(4), "finite"),
])
def test_ambiguity_bad_input(preds, y, arg):
    with pytest.raises(ValueError, match=arg):
        theory.ambiguity_decomposition(preds, y)


def test_majority_vote_counterexample_is_worse_than_its_members():
    labels, y = theory.vote_counterexample()
    v = theory.majority_vote_check(labels, y)
    assert v.individual == pytest.approx(0.4)
    assert v.ensemble == pytest.approx(0.6)
    # Each pair of voters differs on 2 of the 5 points.
    assert v.disagreement == pytest.approx(0.4)
    assert v.gain == pytest.approx(-0.2)
    assert v.predicted_gain == pytest.approx(0.4 / 3)  # the squared-error formula promises a gain


def test_majority_vote_ties_and_brute_force():
    assert theory.majority_vote([[0, 1, 2], [1, 0, 2]]).tolist() == [0, 0, 2]
    rng = _rng(5)
    labels, y = rng.integers(0, 3, (5, 40)), rng.integers(0, 3, 40)
    v = theory.majority_vote_check(labels, y)
    votes = [max(range(3), key=lambda c: (sum(labels[:, i] == c), -c)) for i in range(40)]
    assert v.ensemble == pytest.approx(np.mean(np.array(votes) != y))
    assert v.individual == pytest.approx(np.mean(labels != y))
    pairs = [(s, u) for s in range(5) for u in range(5) if s != u]
    assert v.disagreement == pytest.approx(np.mean([np.mean(labels[s] != labels[u]) for s, u in pairs]))


def test_majority_vote_rejects_floats():
    with pytest.raises(ValueError, match="integer"):
        theory.majority_vote_check(np.zeros((3, 4)), np.zeros(4, int))


# --- dropout in linear regression ----------------------------------------------------------------------


def _small_problem(d=4, n=6, seed=0):
    rng = _rng(seed)
    x = rng.normal(size=(n, d)) * np.array([0.3, 1.0, 2.0, 3.0][:d])
    return x, rng.normal(size=n), rng.normal(size=d)


def _loop_enumeration(x, y, w, q, inverted):
    """The expectation over every input mask with itertools, independent of masks.enumerate_masks."""
    s = 1 / q if inverted else 1.0
    total = 0.0
    for bits in itertools.product([0, 1], repeat=x.shape[1]):
        m = np.array(bits, float)
        p = np.prod(np.where(m > 0, q, 1 - q))
        r = y - x @ (s * m * w)
        total += p * (r @ r)
    return total


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("q", [0.2, 0.5, 0.8, 1.0])
def test_dropout_loss_closed_form_equals_enumeration(q, inverted):
    x, y, w = _small_problem()
    closed = theory.expected_dropout_loss(x, y, w, q, inverted=inverted)
    assert closed == pytest.approx(_loop_enumeration(x, y, w, q, inverted), rel=1e-10)
    assert closed == pytest.approx(theory.enumerated_dropout_loss(x, y, w, q, inverted=inverted), rel=1e-10)


def test_dropout_loss_is_plain_loss_plus_penalty():
    x, y, w = _small_problem()
    q = 0.6
    plain = np.sum((y - x @ w) ** 2)
    c = theory.dropout_penalty_coefficients(x, q)
    assert c == pytest.approx((1 - q) / q * np.sum(x ** 2, axis=0))
    assert theory.expected_dropout_loss(x, y, w, q) == pytest.approx(plain + c @ w ** 2)
    # Standard dropout: the mean prediction shrinks by q and the coefficient is q(1-q) ||X_j||^2.
    c_std = theory.dropout_penalty_coefficients(x, q, inverted=False)
    assert c_std == pytest.approx(q * (1 - q) * np.sum(x ** 2, axis=0))
    assert theory.expected_dropout_loss(x, y, w, q, inverted=False) == pytest.approx(
        np.sum((y - q * x @ w) ** 2) + c_std @ w ** 2)
    # A wider feature pays more: the coefficients are ordered like the features' sums of squares.
    assert np.all(np.diff(c) > 0)
    assert theory.expected_dropout_loss(x, y, w, 1.0) == pytest.approx(plain)


@pytest.mark.parametrize("inverted", [True, False])
def test_dropout_loss_monte_carlo_agrees_within_its_error(inverted):
    x, y, w = _small_problem(n=30, seed=1)
    q = 0.7
    mean, se = theory.mc_dropout_loss(jax.random.PRNGKey(0), x, y, w, q, 20_000, inverted=inverted)
    closed = theory.expected_dropout_loss(x, y, w, q, inverted=inverted)
    assert 0 < se < 0.05 * closed
    assert abs(mean - closed) < 4 * se
    # The sample mean is not just the plain loss: dropout's penalty is clearly visible in it.
    assert mean - np.sum((y - (x @ w if inverted else q * x @ w)) ** 2) > 10 * se


def test_mc_dropout_loss_samples_are_a_prefix_sequence():
    x, y, w = _small_problem()
    a = theory.mc_dropout_loss(jax.random.PRNGKey(3), x, y, w, 0.5, 256)
    b = theory.mc_dropout_loss(jax.random.PRNGKey(3), x, y, w, 0.5, 256)
    c = theory.mc_dropout_loss(jax.random.PRNGKey(4), x, y, w, 0.5, 256)
    assert a == b and a != c


def _numeric_grad(f, w, h=1e-5):
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(w.size)])


@pytest.mark.parametrize("inverted", [True, False])
def test_dropout_ridge_minimises_the_enumerated_loss(inverted):
    x, y, _ = _small_problem(n=12, seed=2)
    q = 0.5
    w_star = theory.dropout_ridge_weights(x, y, q, inverted=inverted)
    loss = lambda w: theory.enumerated_dropout_loss(x, y, w, q, inverted=inverted)  # noqa: E731
    assert np.abs(_numeric_grad(loss, w_star)).max() < 1e-5 * (1 + abs(loss(w_star)))
    rng = _rng(0)
    assert all(loss(w_star + 0.05 * rng.normal(size=w_star.size)) > loss(w_star) for _ in range(5))


def test_dropout_ridge_relations():
    x, y, _ = _small_problem(n=20, seed=3)
    q = 0.4
    w_inv = theory.dropout_ridge_weights(x, y, q)
    assert w_inv == pytest.approx(theory.ridge_weights(x, y, (1 - q) / q * np.sum(x ** 2, axis=0)))
    # Standard dropout's weights are the inverted ones over q; scaled by q at test they coincide.
    assert q * theory.dropout_ridge_weights(x, y, q, inverted=False) == pytest.approx(w_inv)
    # No dropout (q = 1) is least squares; dropout shrinks the weights' norm.
    assert theory.dropout_ridge_weights(x, y, 1.0) == pytest.approx(theory.least_squares_weights(x, y), rel=1e-6)
    assert np.linalg.norm(w_inv) < np.linalg.norm(theory.least_squares_weights(x, y))


@pytest.mark.parametrize("keep", [0.0, -0.1, 1.5, float("nan")])
def test_keep_outside_range_names_keep(keep):
    x, y, w = _small_problem()
    with pytest.raises(ValueError, match="keep"):
        theory.expected_dropout_loss(x, y, w, keep)


def test_linear_inputs_are_checked():
    x, y, w = _small_problem()
    with pytest.raises(ValueError, match="w must"):
        theory.expected_dropout_loss(x, y, w[:2], 0.5)
    with pytest.raises(ValueError, match="y must"):
        theory.expected_dropout_loss(x, y[:2], w, 0.5)
    with pytest.raises(ValueError, match="at most"):
        theory.enumerated_dropout_loss(np.ones((2, 13)), np.ones(2), np.ones(13), 0.5)
    with pytest.raises(ValueError, match="n_samples"):
        theory.mc_dropout_loss(jax.random.PRNGKey(0), x, y, w, 0.5, 0)
    with pytest.raises(ValueError, match="penalty"):
        theory.ridge_weights(x, y, -1.0)


def test_linear_task_is_centred_and_reproducible():
    a = theory.linear_task(jax.random.PRNGKey(1), 500, [0.5, 1.0, 4.0], 0.3)
    b = theory.linear_task(jax.random.PRNGKey(1), 500, [0.5, 1.0, 4.0], 0.3)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert np.abs(a.x.mean(axis=0)).max() < 1e-12 and abs(a.y.mean()) < 1e-12
    assert a.x.std(axis=0) == pytest.approx([0.5, 1.0, 4.0], rel=0.15)
    assert a.w_true == pytest.approx([2.0, 1.0, 0.25])
    with pytest.raises(ValueError, match="spreads"):
        theory.linear_task(jax.random.PRNGKey(1), 10, [1.0, -1.0], 0.1)


# --- bias and variance of a masked linear predictor ----------------------------------------------------


def test_standard_masked_predictor_by_hand():
    # One point x = (1, 2), w = (1, 1): w.x = 3, sum w^2 x^2 = 5. Standard dropout with q = 0.75, p = 0.25:
    # bias = -p w.x = -0.75, variance = q p * 5 = 0.9375.
    bv = theory.masked_linear_bias_variance([[1.0, 2.0]], [1.0, 1.0], 0.75, inverted=False, noise_std=0.5)
    assert bv.bias2 == pytest.approx(0.5625)
    assert bv.variance == pytest.approx(0.9375)
    assert bv.mse == pytest.approx(0.5625 + 0.9375 + 0.25)
    inv = theory.masked_linear_bias_variance([[1.0, 2.0]], [1.0, 1.0], 0.75, inverted=True)
    assert inv.bias2 == pytest.approx(0.0, abs=1e-15)
    assert inv.variance == pytest.approx(0.25 / 0.75 * 5)


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("q", [0.3, 0.9])
def test_bias_variance_against_sampling(q, inverted):
    rng = _rng(7)
    x, w = rng.normal(size=(40, 3)), np.array([1.0, -0.5, 2.0])
    closed = theory.masked_linear_bias_variance(x, w, q, inverted=inverted, noise_std=0.4)
    mc, mse = theory.mc_masked_linear_bias_variance(jax.random.PRNGKey(2), x, w, q, 20_000, inverted=inverted,
                                                    noise_std=0.4)
    assert mc.variance == pytest.approx(closed.variance, rel=0.03)
    assert mc.noise == pytest.approx(closed.noise, rel=0.03)
    assert mc.bias2 == pytest.approx(closed.bias2, rel=0.03, abs=0.01 * closed.variance + 1e-4)
    assert mse == pytest.approx(closed.mse, rel=0.03)


def test_bias_variance_against_enumeration():
    # Exact moments of the prediction over all 2^d masks, weighted by p(mask).
    rng = _rng(8)
    x, w, wt = rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=3)
    q = 0.6
    for inverted in (True, False):
        s = 1 / q if inverted else 1.0
        ms = np.array(list(itertools.product([0, 1], repeat=3)), float)
        p = np.prod(np.where(ms > 0, q, 1 - q), axis=1)
        pred = s * (x[:, None, :] * ms[None]) @ w  # (n, 8)
        mean = pred @ p
        var = ((pred - mean[:, None]) ** 2) @ p
        bv = theory.masked_linear_bias_variance(x, w, q, inverted=inverted, w_true=wt)
        assert bv.bias2 == pytest.approx(np.mean((mean - x @ wt) ** 2))
        assert bv.variance == pytest.approx(np.mean(var))


def test_bias_and_variance_grow_with_the_drop_rate():
    rng = _rng(9)
    x, w = rng.normal(size=(30, 4)), rng.normal(size=4)
    std = [theory.masked_linear_bias_variance(x, w, q, inverted=False) for q in (0.9, 0.7, 0.5)]
    assert std[0].bias2 < std[1].bias2 < std[2].bias2
    assert std[0].variance < std[1].variance < std[2].variance
    # Bias^2 scales as p^2: from p = 0.1 to p = 0.5 it grows 25-fold.
    assert std[2].bias2 / std[0].bias2 == pytest.approx(25.0)


# --- additive against multiplicative noise ---------------------------------------------------------------


def test_relative_noise_against_sampling():
    key = jax.random.PRNGKey(5)
    q = 0.5
    for scale in (0.1, 1.0, 10.0):
        h = scale * 2.0
        m = np.asarray(jax.random.bernoulli(key, q, (200_000,)), float)
        ratio = np.std(h * m / q) / h
        assert ratio == pytest.approx(theory.relative_noise_multiplicative(q), rel=0.01)
    assert theory.relative_noise_multiplicative(1.0) == 0.0
    # Additive noise shrinks relative to a growing activation.
    r = theory.relative_noise_additive([0.5, 1.0, 4.0], 0.5)
    assert r == pytest.approx([1.0, 0.5, 0.125])
    with pytest.raises(ValueError, match="activation_rms"):
        theory.relative_noise_additive([0.0], 0.5)


# --- bad input: ValueError naming the argument ------------------------------------------------------------


@pytest.mark.parametrize("x", [np.zeros((0, 3)), np.zeros((4, 0)), [[1.0, float("nan")]]])
def test_dropout_penalty_coefficients_refuses_empty_or_nan_x(x):
    with pytest.raises(ValueError, match=r"^x must"):
        theory.dropout_penalty_coefficients(x, 0.5)


def test_relative_noise_additive_refuses_empty_input_and_nan_sigma():
    with pytest.raises(ValueError, match="activation_rms must not be empty"):
        theory.relative_noise_additive([], 0.5)
    with pytest.raises(ValueError, match="activation_rms must be finite"):
        theory.relative_noise_additive([1.0, float("nan")], 0.5)
    with pytest.raises(ValueError, match="sigma"):
        theory.relative_noise_additive([1.0], float("nan"))
    with pytest.raises(ValueError, match="sigma"):
        theory.relative_noise_additive([1.0], -0.1)


def test_masked_linear_bias_variance_refuses_empty_input_and_nan_noise():
    with pytest.raises(ValueError, match=r"^x must"):
        theory.masked_linear_bias_variance(np.zeros((0, 2)), np.ones(2), 0.5)
    with pytest.raises(ValueError, match=r"^w must"):
        theory.masked_linear_bias_variance(np.ones((3, 2)), [1.0, float("nan")], 0.5)
    with pytest.raises(ValueError, match="noise_std"):
        theory.masked_linear_bias_variance(np.ones((3, 2)), np.ones(2), 0.5, noise_std=float("nan"))
    with pytest.raises(ValueError, match="noise_std"):
        theory.mc_masked_linear_bias_variance(jax.random.PRNGKey(0), np.ones((3, 2)), np.ones(2), 0.5, 10,
                                              noise_std=float("nan"))


def test_linear_task_refuses_a_nan_noise_std():
    with pytest.raises(ValueError, match="noise_std"):
        theory.linear_task(jax.random.PRNGKey(0), 10, [1.0, 2.0], float("nan"))
