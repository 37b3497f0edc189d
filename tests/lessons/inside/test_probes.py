"""probes: every closed form the "Inside the network" page shows, against enumeration or sampling."""
import itertools

import jax
import numpy as np
import pytest

from dropout_viz.lessons.inside import probes
from dropout_viz.core import network

KEY = jax.random.PRNGKey(0)


# --- paths -----------------------------------------------------------------------------------------------


def _enumerated_survival(n_inputs, width, depth, q_in, q):
    """P(fixed path), P(some path) by listing every mask of a tiny net and every path through it."""
    layers = [n_inputs] + [width] * depth
    keeps = [q_in] + [q] * depth
    units = [(l, j) for l, n in enumerate(layers) for j in range(n)]
    one = anyp = 0.0
    for bits in itertools.product((0, 1), repeat=len(units)):
        kept = dict(zip(units, bits))
        prob = np.prod([keeps[l] if kept[(l, j)] else 1 - keeps[l] for (l, j) in units])
        paths = itertools.product(*[range(n) for n in layers])
        alive = [all(kept[(l, j)] for l, j in enumerate(path)) for path in paths]
        one += prob * all(kept[(l, 0)] for l in range(len(layers)))
        anyp += prob * any(alive)
    return one, anyp


@pytest.mark.parametrize("n_inputs,width,depth,q_in,q", [(1, 2, 2, 1.0, 0.5), (2, 2, 2, 0.8, 0.6),
                                                          (2, 3, 1, 0.7, 0.3), (1, 1, 3, 1.0, 0.9)])
def test_path_closed_forms_match_enumeration_of_every_path(n_inputs, width, depth, q_in, q):
    one, anyp = _enumerated_survival(n_inputs, width, depth, q_in, q)
    assert probes.path_survival(q, depth, keep_input=q_in) == pytest.approx(one, abs=1e-12)
    assert probes.any_path_survival(q, depth, width, keep_input=q_in, n_inputs=n_inputs) == pytest.approx(anyp,
                                                                                                          abs=1e-12)


@pytest.mark.parametrize("q,q_in,width", [(0.5, 1.0, 4), (0.8, 0.8, 2), (0.3, 0.9, 8)])
def test_sampled_path_survival_agrees_with_closed_forms(q, q_in, width):
    n = 40_000
    s = probes.sample_path_survival(KEY, 8, width, q, n, keep_input=q_in, n_inputs=width)
    one = probes.path_survival(q, s.depth, keep_input=q_in)
    anyp = probes.any_path_survival(q, s.depth, width, keep_input=q_in, n_inputs=width)
    # Binomial standard error of the closed-form probability; 5 SE (plus a floor for p ~ 0) is a loose check.
    for est, exact in ((s.one_path, one), (s.any_path, anyp)):
        tol = 5 * np.sqrt(exact * (1 - exact) / n) + 1e-3
        assert np.all(np.abs(est - exact) <= tol), (est, exact)
    # The reported standard errors are the binomial ones of the estimates.
    np.testing.assert_allclose(s.one_path_se, np.sqrt(s.one_path * (1 - s.one_path) / n))


def test_path_survival_is_q_to_the_depth_and_monotone():
    depth = np.arange(0, 10)
    np.testing.assert_allclose(probes.path_survival(0.8, depth), 0.8**depth)
    np.testing.assert_allclose(probes.path_survival(0.8, depth, keep_input=0.5), 0.5 * 0.8**depth)
    anyp = probes.any_path_survival(0.5, depth, 3)
    assert np.all(np.diff(anyp) < 0) and anyp[0] == 1.0
    assert np.all(probes.any_path_survival(0.5, depth, 3) >= probes.path_survival(0.5, depth))


def test_same_key_same_path_sample():
    a = probes.sample_path_survival(KEY, 5, 3, 0.5, 1000)
    b = probes.sample_path_survival(KEY, 5, 3, 0.5, 1000)
    np.testing.assert_array_equal(a.any_path, b.any_path)
    assert not np.array_equal(a.one_path, probes.sample_path_survival(jax.random.PRNGKey(1), 5, 3, 0.5, 1000).one_path)


# --- Jensen's gap ----------------------------------------------------------------------------------------


def _brute_moments(w, x, q, b, inverted):
    """E z, Var z, E relu z by a plain loop over masks (independent of masks.enumerate_masks)."""
    s = 1 / q if inverted else 1.0
    ez = ez2 = erelu = 0.0
    for bits in itertools.product((0, 1), repeat=len(w)):
        p = np.prod([q if m else 1 - q for m in bits])
        z = b + sum(wj * xj * m * s for wj, xj, m in zip(w, x, bits))
        ez, ez2, erelu = ez + p * z, ez2 + p * z * z, erelu + p * max(z, 0.0)
    return ez, ez2 - ez**2, erelu


@pytest.mark.parametrize("inverted", [True, False])
@pytest.mark.parametrize("q,b", [(0.5, 0.0), (0.8, 0.7), (0.2, -1.0), (1.0, 0.3)])
def test_closed_form_moments_and_z2_gap_match_enumeration(inverted, q, b):
    w, x = probes.jensen_unit(KEY, 6)
    mean, var = probes.preactivation_moments(w, x, q, bias=b, inverted=inverted)
    ez, vz, erelu = _brute_moments(w, x, q, b, inverted)
    ex = probes.jensen_exact(w, x, q, bias=b, inverted=inverted)
    assert ex["prob"].sum() == pytest.approx(1.0)
    for got in (mean, ex["mean"]):
        assert got == pytest.approx(ez, abs=1e-10)
    for got in (var, ex["var"], ex["gap_sq"]):
        assert got == pytest.approx(vz, abs=1e-10)
    assert ex["e_relu"] == pytest.approx(erelu, abs=1e-10)
    assert ex["gap_relu"] >= -1e-12  # Jensen: ReLU is convex


def test_closed_forms_are_the_textbook_ones():
    w, x = np.array([1.0, -2.0, 0.5]), np.array([2.0, 1.0, 4.0])  # w.x = 2, sum w^2 x^2 = 4 + 4 + 4 = 12
    assert probes.preactivation_moments(w, x, 0.5) == pytest.approx((2.0, 12.0))  # (1-q)/q = 1
    assert probes.preactivation_moments(w, x, 0.5, inverted=False) == pytest.approx((1.0, 3.0))  # q(1-q) = 1/4
    assert probes.preactivation_moments(w, x, 0.8, bias=1.0) == pytest.approx((3.0, 0.25 * 12))


@pytest.mark.parametrize("inverted", [True, False])
def test_monte_carlo_gap_converges_to_the_exact_one(inverted):
    w, x = probes.jensen_unit(KEY, 8)
    ex = probes.jensen_exact(w, x, 0.6, bias=0.2, inverted=inverted)
    mc = probes.jensen_mc(jax.random.PRNGKey(3), w, x, 0.6, 200_000, bias=0.2, inverted=inverted)
    sd = np.sqrt(ex["var"])
    assert mc["mean"] == pytest.approx(ex["mean"], abs=5 * sd / np.sqrt(200_000))
    assert mc["gap_sq"] == pytest.approx(ex["gap_sq"], rel=0.02)
    assert mc["gap_relu"] == pytest.approx(ex["gap_relu"], abs=0.02 * sd + 1e-3)
    # Every sampled pre-activation is one of the 2^d enumerated ones.
    assert np.all(np.min(np.abs(mc["z"][:500, None] - ex["z"][None, :]), axis=1) < 1e-9)


def test_relu_gap_vanishes_when_every_subnetwork_is_on_one_side_and_z2_gap_ignores_bias():
    w, x = probes.jensen_unit(KEY, 5)
    big = 10 * np.sum(np.abs(w * x)) / 0.5  # larger than any |sum w x m / q|
    for b in (big, -big):
        ex = probes.jensen_exact(w, x, 0.5, bias=b)
        assert ex["gap_relu"] == pytest.approx(0.0, abs=1e-9)
    gaps = [probes.jensen_exact(w, x, 0.5, bias=b)["gap_sq"] for b in (-1.0, 0.0, 2.0)]
    np.testing.assert_allclose(gaps, gaps[0], rtol=1e-9)


def test_gap_sweep_agrees_and_vanishes_at_keep_one():
    w, x = probes.jensen_unit(KEY, 6)
    sw = probes.jensen_gap_sweep(w, x, [0.2, 0.5, 0.9, 1.0], inverted=False)
    np.testing.assert_allclose(sw["exact_sq"], sw["closed_sq"], atol=1e-10)
    assert sw["closed_sq"][-1] == 0.0 and abs(sw["exact_relu"][-1]) < 1e-12
    inv = probes.jensen_gap_sweep(w, x, [0.2, 0.5, 0.9], inverted=True)
    assert np.all(np.diff(inv["closed_sq"]) < 0)  # (1-q)/q falls with q


# --- co-adaptation ---------------------------------------------------------------------------------------


def test_ablation_masks_remove_nested_rounded_counts():
    fr = np.linspace(0, 1, 11)
    hidden = probes.ablation_masks(KEY, (7, 12), fr, 6)
    for m, width in zip(hidden, (7, 12)):
        assert m.shape == (6, 11, width)
        np.testing.assert_array_equal((1 - m).sum(-1), np.broadcast_to(np.rint(fr * width), (6, 11)))
        assert np.all(np.diff(m, axis=1) <= 0)  # nested: once removed, a unit stays removed
    assert len({tuple(np.argmin(hidden[1][r, 1:], axis=-1)) for r in range(6)}) > 1  # orders differ


def _small_params():
    return network.init_mlp(jax.random.PRNGKey(5), (3, 6, 5, 4))


def test_unit_ablation_matches_a_plain_numpy_forward():
    params = _small_params()
    x = np.asarray(jax.random.normal(jax.random.PRNGKey(6), (50, 3)))
    logits = np.asarray(network.forward(params, x))
    y = np.argmax(logits, -1)
    y[:10] = (y[:10] + 1) % 4  # 40 of 50 right at full strength
    fr = np.array([0.0, 0.5, 1.0])
    acc = probes.unit_ablation(KEY, params, x, y, fr, 4)
    assert acc.shape == (4, 3)
    np.testing.assert_allclose(acc[:, 0], 0.8)
    # Every hidden unit off: the output is the last bias, one class for every input, no rescaling anywhere.
    np.testing.assert_allclose(acc[:, 2], np.mean(y == np.argmax(np.asarray(params[-1][1]))))
    hidden = probes.ablation_masks(KEY, (6, 5), fr, 4)
    pn = [(np.asarray(w), np.asarray(b)) for w, b in params]
    for r in range(4):
        h = np.maximum(x @ pn[0][0] + pn[0][1], 0) * hidden[0][r, 1]
        h = np.maximum(h @ pn[1][0] + pn[1][1], 0) * hidden[1][r, 1]
        out = h @ pn[2][0] + pn[2][1]
        assert acc[r, 1] == pytest.approx(np.mean(np.argmax(out, -1) == y))


def test_summarize_and_errors():
    mean, std = probes.summarize([[1.0, 2.0], [3.0, 2.0]])
    np.testing.assert_allclose(mean, [2.0, 2.0])
    np.testing.assert_allclose(std, [1.0, 0.0])
    with pytest.raises(ValueError, match="fractions"):
        probes.ablation_masks(KEY, (4,), [0.5, 1.5], 3)
    with pytest.raises(ValueError, match="n_orders"):
        probes.ablation_masks(KEY, (4,), [0.5], 0)
    with pytest.raises(ValueError, match="keep"):
        probes.path_survival(0.0, 3)
    with pytest.raises(ValueError, match="keep_input"):
        probes.any_path_survival(0.5, 3, 4, keep_input=1.2)
    with pytest.raises(ValueError, match="d must be at most"):
        probes.jensen_exact(np.ones(17), np.ones(17), 0.5)
    with pytest.raises(ValueError, match="k must"):
        probes.jensen_mc(KEY, np.ones(3), np.ones(3), 0.5, 0)
    with pytest.raises(ValueError, match="steps"):
        probes.pair_config((2, 4, 2), 150)
    with pytest.raises(ValueError, match="hidden layer"):
        probes.unit_ablation(KEY, network.init_mlp(KEY, (2, 3)), np.zeros((2, 2)), np.zeros(2), [0.5], 2)


def test_train_pair_keep_one_trains_two_identical_networks_and_dropout_changes_them():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int32)
    same = probes.train_pair(KEY, x, y, x, y, (2, 8, 8, 2), 1.0, steps=100, lr=1e-2)
    for w, b in same.params:
        np.testing.assert_array_equal(w[0], w[1])
    drop = probes.train_pair(KEY, x, y, x, y, (2, 8, 8, 2), 0.5, steps=100, lr=1e-2)
    np.testing.assert_array_equal(drop.params[0][0][0], same.params[0][0][0])  # model 0 never drops
    assert not np.allclose(drop.params[1][0][1], same.params[1][0][1])
    assert drop.test_acc.shape == (2, 1) and drop.eval_step.tolist() == [100]


def test_train_pair_reports_each_chunk_and_the_callback_changes_nothing():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    quiet = probes.train_pair(KEY, x, y, x, y, (2, 8, 8, 2), 0.5, steps=300, lr=1e-2)
    calls = []
    loud = probes.train_pair(KEY, x, y, x, y, (2, 8, 8, 2), 0.5, steps=300, lr=1e-2,
                             on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    for (w0, b0), (w1, b1) in zip(quiet.params, loud.params):
        np.testing.assert_array_equal(w0, w1)
        np.testing.assert_array_equal(b0, b1)
    np.testing.assert_array_equal(quiet.test_acc, loud.test_acc)


# --- flat minima -----------------------------------------------------------------------------------------


def test_filter_normalised_direction_matches_every_filter_norm():
    params = _small_params()
    direction = probes.filter_normalized_direction(KEY, params)
    for (w, b), (dw, db) in zip(params, direction):
        np.testing.assert_allclose(np.linalg.norm(dw, axis=0), np.linalg.norm(w, axis=0), rtol=1e-5)
        assert dw.shape == w.shape and not np.any(db)


def _xent(params, x, y):
    logits = np.asarray(network.forward(params, x), np.float64)
    logp = logits - logits.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    return -np.mean(logp[np.arange(len(y)), y])


def test_loss_along_directions_starts_at_the_trained_loss_and_is_rescaling_invariant():
    params = _small_params()
    x = np.asarray(jax.random.normal(jax.random.PRNGKey(6), (40, 3)))
    y = np.arange(40) % 4
    ts = np.linspace(-1, 1, 9)
    losses = probes.loss_along_directions(KEY, params, x, y, ts, 5)
    assert losses.shape == (5, 9)
    np.testing.assert_allclose(losses[:, 4], _xent(params, x, y), rtol=1e-5)
    assert np.all(losses[:, [0, -1]].mean(1) != losses[:, 4])
    # ReLU is positively homogeneous: scaling layer 1 (and its bias) by c and layer 2 by 1/c keeps the function.
    # Filter normalisation scales the direction the same way, so the whole slice is unchanged.
    c = 3.0
    (w0, b0), (w1, b1), last = params
    rescaled = [(w0 * c, b0 * c), (w1 / c, b1), last]
    np.testing.assert_allclose(probes.loss_along_directions(KEY, rescaled, x, y, ts, 5), losses, rtol=2e-4,
                               atol=1e-5)
    rise = probes.loss_rise(losses, ts)
    assert rise == pytest.approx(np.mean((losses[:, 0] + losses[:, -1]) / 2 - losses[:, 4]))
    with pytest.raises(ValueError, match="t = 0"):
        probes.loss_rise(losses, ts + 0.1)


# --- bad input: ValueError naming the argument ------------------------------------------------------------


def test_jensen_gap_sweep_refuses_empty_inputs():
    w, x = np.array([1.0, -2.0]), np.array([0.5, 1.0])
    with pytest.raises(ValueError, match="keeps must not be empty"):
        probes.jensen_gap_sweep(w, x, [])
    with pytest.raises(ValueError, match=r"keeps must lie in \(0, 1\]"):
        probes.jensen_gap_sweep(w, x, [0.5, float("nan")])
    with pytest.raises(ValueError, match="w and x"):
        probes.jensen_gap_sweep([], [], [0.5])


@pytest.mark.parametrize("fn", [
    lambda bias: probes.preactivation_moments([1.0], [1.0], 0.5, bias=bias),
    lambda bias: probes.jensen_exact([1.0], [1.0], 0.5, bias=bias),
    lambda bias: probes.jensen_mc(KEY, [1.0], [1.0], 0.5, 10, bias=bias),
    lambda bias: probes.jensen_gap_sweep([1.0], [1.0], [0.5], bias=bias),
])
def test_a_nan_bias_is_refused(fn):
    with pytest.raises(ValueError, match="bias must be a finite number"):
        fn(float("nan"))


def test_nan_inputs_of_one_unit_are_refused():
    with pytest.raises(ValueError, match=r"^w must be finite"):
        probes.preactivation_moments([float("nan")], [1.0], 0.5)


def test_path_survival_refuses_a_nan_depth():
    with pytest.raises(ValueError, match="depth must be finite"):
        probes.path_survival(0.5, float("nan"))
    with pytest.raises(ValueError, match="depth must be finite"):
        probes.any_path_survival(0.5, [1.0, float("nan")], 4)
    assert probes.path_survival(0.5, [0, 1, 2]).tolist() == [1.0, 0.5, 0.25]
