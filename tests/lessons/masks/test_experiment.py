"""The masks lesson's experiment: every closed form the masks page shows, checked against enumeration or the raw draws."""

import jax
import numpy as np
import pytest

from dropout_viz.lessons.masks import experiment as sn
from dropout_viz.core import masks
from dropout_viz.core.system import CompileCounter

KEY = jax.random.PRNGKey(0)


# --- parsing --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2-6-6-2", "2, 6, 6, 2", " 2 6 6 2 ", "2x6x6x2"])
def test_parse_sizes_accepts_common_spellings(text):
    assert sn.parse_sizes(text) == (2, 6, 6, 2)


@pytest.mark.parametrize("text, word", [("2-2", "3 to 8 layers"), ("-".join(["4"] * 9), "3 to 8 layers"),
                                        ("2-17-2", "1 to 16 units"), ("2-0-2", "1 to 16 units"),
                                        ("two-six", "whole numbers"), ("", "whole numbers"), ("2-1.5-2", "whole")])
def test_parse_sizes_rejects_with_the_range(text, word):
    with pytest.raises(ValueError, match=word):
        sn.parse_sizes(text)


def test_parse_vector():
    np.testing.assert_array_equal(sn.parse_vector("1, 2,3 4"), [1, 2, 3, 4])
    for bad in ("", "1, a", ",".join(["1"] * 21), "1, inf", "nan"):
        with pytest.raises(ValueError, match="vector"):
            sn.parse_vector(bad)


# --- paths and counts, against enumeration of every mask --------------------------------------------------

def _reachable(unit_masks) -> bool:
    """Generic graph search: reach[j] of layer i+1 = kept_j and any(reach of layer i through an edge)."""
    reach = np.asarray(unit_masks[0], bool)
    for m in unit_masks[1:]:
        edges = np.ones((reach.size, len(m)), bool)  # fully connected
        reach = np.asarray(m, bool) & (reach @ edges)
    return bool(reach.any())


def _enumerate(sizes, keep):
    """(masks (2^D, D) over every unit before the output, p(mask), per-unit layer slices)."""
    n_units = sum(sizes[:-1])
    all_masks = masks.enumerate_masks(n_units)
    q_unit = np.concatenate([np.full(n, q) for n, q in zip(sizes[:-1], keep)])
    bounds = np.cumsum([0, *sizes[:-1]])
    return all_masks, masks.mask_prob(all_masks, q_unit), [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


@pytest.mark.parametrize("sizes, keep", [((2, 3, 2, 1), (0.8, 0.5, 0.3)), ((3, 2, 2, 2), (0.5, 0.5, 0.5)),
                                         ((1, 4, 1), (0.3, 0.6)), ((2, 3, 2, 1), (1.0, 0.25, 1.0))])
def test_path_survival_equals_enumeration(sizes, keep):
    all_masks, p, layers = _enumerate(sizes, keep)
    alive = np.array([_reachable([m[s] for s in layers] + [np.ones(sizes[-1])]) for m in all_masks])
    assert p.sum() == pytest.approx(1.0)
    assert sn.path_survival(sizes, keep) == pytest.approx(float(p[alive].sum()), abs=1e-12)
    # has_path (the fast form) agrees with the graph search on every mask.
    assert all(sn.has_path([m[s] for s in layers]) == a for m, a in zip(all_masks, alive))


def test_single_path_survival_equals_enumeration():
    sizes, keep = (2, 3, 2, 1), (0.8, 0.5, 0.3)
    all_masks, p, layers = _enumerate(sizes, keep)
    # The path through unit 0 of every layer survives iff those three units are kept.
    on_path = np.all([m[[s.start for s in layers]] == 1 for m in all_masks], axis=1)
    assert sn.single_path_survival(keep) == pytest.approx(float(p[on_path].sum()))
    assert sn.single_path_survival(keep) == pytest.approx(0.8 * 0.5 * 0.3)


def test_path_survival_limits():
    assert sn.path_survival((2, 6, 6, 2), (1.0, 1.0, 1.0)) == 1.0
    assert sn.path_survival((2, 16, 2), (0.9, 0.5)) == pytest.approx((1 - 0.1 ** 2) * (1 - 0.5 ** 16))
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        sn.path_survival((2, 6, 2), (0.0, 0.5))


def test_count_subnetworks():
    c = sn.count_subnetworks((2, 6, 6, 2), (0.8, 0.5, 0.5))
    assert c.d == 14 and c.exact == "2¹⁴ = 16,384" and c.log10 == pytest.approx(np.log10(16384))
    # 10,000 steps x 32 examples = 320,000 masks visit each of the 16,384 subnetworks about 19.5 times.
    assert c.kind == "small" and c.visits == 320_000 and c.fraction == pytest.approx(320_000 / 16384)
    assert sn.sci(c.fraction) == "19.5"
    assert sn.count_subnetworks((2, 6, 6, 2), (1.0, 0.5, 1.0)).d == 6  # keep 1 layers are not droppable
    none = sn.count_subnetworks((2, 6, 6, 2), (1.0, 1.0, 1.0))
    assert none.d == 0 and none.exact == "2⁰ = 1" and none.kind == "none"
    big = sn.count_subnetworks((16,) * 8, (0.5,) * 7)
    assert big.d == 112 and big.exact == "2¹¹² ≈ 5.19 × 10³³" and big.kind == "huge"
    assert big.check_seconds == pytest.approx(2.0 ** 112 * 1e-6)
    amount, unit = sn.duration(big.check_seconds)
    assert unit == "universe" and amount == pytest.approx(2.0 ** 112 * 1e-6 / sn.AGE_OF_UNIVERSE_S)


@pytest.mark.parametrize("seconds, unit, amount", [(0.5, "under_second", 0.5), (1.0, "seconds", 1.0),
                                                   (90.0, "minutes", 1.5), (7200.0, "hours", 2.0),
                                                   (3 * 86400.0, "days", 3.0), (2 * 3.156e7, "years", 2.0)])
def test_duration_picks_the_largest_unit(seconds, unit, amount):
    assert sn.duration(seconds) == (pytest.approx(amount), unit)


def test_duration_and_count_refuse_bad_input():
    with pytest.raises(ValueError, match="seconds"):
        sn.duration(float("nan"))
    with pytest.raises(ValueError, match="steps"):
        sn.count_subnetworks((2, 6, 2), (0.5, 0.5), steps=-1)


def test_keys_follow_seed_stream_and_draw():
    a = sn.key(0, "network", 1)
    assert np.array_equal(a, sn.key(0, "network", 1))
    assert not np.array_equal(a, sn.key(0, "batch", 1)) and not np.array_equal(a, sn.key(1, "network", 1))
    with pytest.raises(ValueError, match="stream"):
        sn.key(0, "nope")


def test_config_is_the_default_view_and_the_summary_runs_from_it():
    c = sn.Config()
    assert c.sizes == (2, 6, 6, 2) and c.keep == (0.8, 0.5, 0.5) and c.vector_keep == 0.6
    with pytest.raises(Exception):
        c.seed = 1  # frozen
    s = sn.summary(c)
    assert s["d"] == 14 and s["subnetworks"] == "2¹⁴ = 16,384" and s["gallery_no_path"] == (7, 0.28)
    assert s["step0"]["touching_dropped"] == s["step0"]["of_them_zero_gradient"]
    assert s == sn.summary(c)  # same seed, same numbers


def test_layer_stats():
    sizes, keep = (3, 4, 2), (0.8, 0.5)
    s = sn.layer_stats(sizes, keep, [np.array([1, 0, 1]), np.array([0, 0, 1, 0]), np.ones(2)])
    np.testing.assert_array_equal(s.kept, [2, 1])
    np.testing.assert_allclose(s.expected, [2.4, 2.0])
    np.testing.assert_allclose(s.std, [np.sqrt(3 * 0.8 * 0.2), 1.0])


def test_sample_masks_bernoulli_and_monotone_in_keep():
    sizes = (4, 16, 16, 2)
    lo = sn.sample_masks(KEY, sizes, (0.3, 0.5, 0.7), batch=4096)
    hi = sn.sample_masks(KEY, sizes, (0.6, 0.9, 1.0), batch=4096)
    for m_lo, m_hi, q, n in zip(lo, hi, (0.3, 0.5, 0.7), sizes):
        assert m_lo.shape == (4096, n) and set(np.unique(m_lo)) <= {0.0, 1.0}
        # Same uniforms behind both keeps: raising keep only adds units back.
        assert np.all(m_hi >= m_lo)
        se = np.sqrt(q * (1 - q) / m_lo.size)
        assert abs(m_lo.mean() - q) < 5 * se
    assert np.all(hi[2] == 1.0)  # keep 1 never drops
    one = sn.sample_masks(KEY, sizes, (0.3, 0.5, 0.7))
    assert [m.shape for m in one] == [(4,), (16,), (16,)]


def test_moving_keep_compiles_nothing():
    sn.sample_masks(KEY, (2, 6, 6, 2), (0.8, 0.5, 0.5))
    sn.vector_statistics(KEY, np.arange(1.0, 11.0), 0.6, 1000)
    with CompileCounter() as c:
        sn.sample_masks(KEY, (2, 6, 6, 2), (0.7, 0.35, 0.9))
        sn.vector_statistics(KEY, np.arange(1.0, 11.0), 0.45, 100_000)
    assert c.count == 0


# --- the 16 subnetworks of 2-2-1 ----------------------------------------------------------------------------

def test_small_network_gallery():
    g = sn.small_network_gallery(0.8, 0.5)
    units = np.concatenate(g.layer_masks, axis=1)
    assert units.shape == (16, 4) and len({tuple(r) for r in units}) == 16
    np.testing.assert_array_equal(units[0], [1, 1, 1, 1])  # the full network comes first
    np.testing.assert_allclose(g.probs, masks.mask_prob(units, [0.8, 0.8, 0.5, 0.5]))
    assert g.probs.sum() == pytest.approx(1.0)
    # No path iff both inputs or both hidden units are dropped: 4 + 4 - 1 masks.
    assert (~g.has_path).sum() == 7
    assert g.p_no_path == pytest.approx(1 - sn.path_survival((2, 2, 1), (0.8, 0.5)))
    full_hidden = sn.small_network_gallery(0.8, 1.0)
    assert np.all(full_hidden.probs[full_hidden.layer_masks[1].min(axis=1) == 0] == 0)
    assert full_hidden.p_no_path == pytest.approx(0.2 ** 2)


# --- a vector through dropout -------------------------------------------------------------------------------

def test_vector_draw():
    x = np.arange(1.0, 11.0)
    d = sn.vector_draw(KEY, x, 0.6)
    assert set(np.unique(d.mask)) <= {0.0, 1.0}
    np.testing.assert_allclose(d.standard, x * d.mask)
    np.testing.assert_allclose(d.inverted, x * d.mask / 0.6)
    np.testing.assert_allclose(sn.vector_draw(KEY, x, 1.0).inverted, x)


def test_vector_statistics_equal_the_raw_draws():
    x, q, n = np.array([1.0, -2.0, 0.0, 5.5]), 0.6, 3000
    s = sn.vector_statistics(KEY, x, q, n)
    m = sn.vector_draw_table(KEY, x, q, n)
    inv, std = x * m / q, x * m
    np.testing.assert_allclose(s.mean_inverted, inv.mean(0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s.mean_standard, std.mean(0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s.var_inverted, inv.var(0, ddof=1), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s.var_standard, std.var(0, ddof=1), rtol=1e-9, atol=1e-12)
    idx = s.draws.astype(int) - 1
    np.testing.assert_allclose(s.kept_fraction, np.cumsum(m, 0)[idx] / s.draws[:, None])
    assert s.draws[0] == 1 and s.draws[-1] == n and np.all(np.diff(s.draws) > 0)


def test_vector_statistics_approach_the_closed_forms():
    x, q, n = np.arange(1.0, 11.0), 0.6, 100_000
    s = sn.vector_statistics(KEY, x, q, n)
    np.testing.assert_allclose(s.var_inverted_exact, x ** 2 * (1 - q) / q)
    np.testing.assert_allclose(s.var_standard_exact, x ** 2 * q * (1 - q))
    # Means within 5 standard errors of E[x m / q] = x and E[x m] = q x.
    assert np.all(np.abs(s.mean_inverted - x) < 5 * np.sqrt(s.var_inverted_exact / n))
    assert np.all(np.abs(s.mean_standard - q * x) < 5 * np.sqrt(s.var_standard_exact / n))
    np.testing.assert_allclose(s.var_inverted, s.var_inverted_exact, rtol=0.03)
    # Raising N extends the same sequence: the first 1000 draws are the N = 1000 run.
    short = sn.vector_statistics(KEY, x, q, 1000)
    first = sn.vector_draw_table(KEY, x, q, n)[:1000]
    np.testing.assert_allclose(short.mean_inverted, (x * first / q).mean(0), rtol=1e-9)
    exact = sn.vector_statistics(KEY, x, 1.0, 10)  # keep 1: no noise at all
    np.testing.assert_allclose(exact.mean_inverted, x)
    np.testing.assert_allclose(exact.var_inverted, 0.0)


@pytest.mark.parametrize("n", [1, 100_001, 2.5])
def test_vector_statistics_rejects_draw_counts(n):
    with pytest.raises(ValueError, match="n_draws"):
        sn.vector_statistics(KEY, np.ones(3), 0.5, n)


# --- one training step -------------------------------------------------------------------------------------

def _np_loss(params, x, y, unit_masks, keep, head):
    """NumPy float64 reference of the thinned network's mean cross-entropy (inverted dropout)."""
    h = np.asarray(x, np.float64)
    for i, (w, b) in enumerate(params):
        h = h * unit_masks[i] / keep[i]
        h = h @ np.asarray(w, np.float64) + b
        if i < len(params) - 1:
            h = np.maximum(h, 0)
    logits = np.concatenate([np.zeros_like(h), h], -1) if head == "sigmoid" else h
    logits = logits - logits.max(-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return -np.mean(logp[np.arange(len(y)), y])


@pytest.mark.parametrize("sizes, keep", [((2, 6, 6, 2), (0.8, 0.5, 0.5)), ((3, 5, 1), (0.5, 0.4))])
def test_training_step_gradient_zeros_and_update(sizes, keep):
    lr = 0.1
    d = sn.training_step(KEY, sizes, keep, 3, lr=lr)
    assert d.n_touching > 0 and d.n_touching_zero == d.n_touching
    for g, t, (w0, _), (w1, _) in zip(d.grads, d.touching_dropped, d.params_before, d.params_after):
        assert np.all(g[t] == 0.0)  # exactly zero, not merely small
        assert np.all(w1[t] == w0[t])  # so those weights are restored unchanged
        np.testing.assert_allclose(w1, w0 - lr * g, rtol=1e-6, atol=1e-7)
    head = "sigmoid" if sizes[-1] == 1 else "softmax"
    assert d.loss_thinned == pytest.approx(_np_loss(d.params_before, d.x, d.y, d.masks, keep, head), rel=1e-5)
    assert d.loss_full_before == pytest.approx(
        _np_loss(d.params_before, d.x, d.y, [np.ones(n) for n in sizes], (1.0,) * len(keep), head), rel=1e-5)
    # Central differences on a few kept weights agree with the reported gradient.
    params = [(np.asarray(w, np.float64).copy(), np.asarray(b, np.float64)) for w, b in d.params_before]
    for layer, (a, b) in [(0, (0, 0)), (1, (1, 0)), (len(sizes) - 2, (0, 0))]:
        if d.touching_dropped[layer][a, b]:
            continue
        eps, w = 1e-5, params[layer][0]
        w[a, b] += eps
        up = _np_loss(params, d.x, d.y, d.masks, keep, head)
        w[a, b] -= 2 * eps
        down = _np_loss(params, d.x, d.y, d.masks, keep, head)
        w[a, b] += eps
        assert d.grads[layer][a, b] == pytest.approx((up - down) / (2 * eps), rel=2e-3, abs=1e-5)


def test_training_steps_chain_and_resample():
    sizes, keep = (2, 6, 6, 2), (0.8, 0.5, 0.5)
    steps = [sn.training_step(KEY, sizes, keep, t) for t in range(4)]
    for a, b in zip(steps, steps[1:]):
        for (wa, ba), (wb, bb) in zip(a.params_after, b.params_before):
            np.testing.assert_allclose(wb, wa, rtol=1e-5, atol=1e-6)
    assert len({tuple(np.concatenate(s.masks)) for s in steps}) > 1  # each step draws a new mask
    with CompileCounter() as c:
        sn.training_step(KEY, sizes, (0.6, 0.3, 0.9), 17, lr=0.05)
    assert c.count == 0


def test_training_step_without_dropout_and_bad_step():
    d = sn.training_step(KEY, (2, 6, 6, 2), (1.0, 1.0, 1.0), 2)
    assert d.n_touching == 0 and all(m.all() for m in d.masks)
    assert d.loss_thinned == pytest.approx(d.loss_full_before)
    with pytest.raises(ValueError, match="step"):
        sn.training_step(KEY, (2, 6, 6, 2), (0.5, 0.5, 0.5), sn.MAX_STEPS + 1)


# --- standard vs inverted dropout on a trained net ------------------------------------------------------------

def test_standard_vs_inverted_equivalence_needs_matched_init_and_step():
    e = sn.standard_vs_inverted(0, 0.6, steps=200)
    # Matched (init W/q, SGD step lr/q^2): the same network in other units, to float32 precision.
    assert e.max_prob_gap["matched"] < 1e-5 and e.weight_gap < 1e-5 and e.loss_gap < 1e-5
    assert e.agree["matched"] == 1.0 and e.test_acc["matched"] == e.test_acc["inverted"]
    # Same init and same lr: a genuinely different network.
    assert e.max_prob_gap["naive"] > 1e-2
    # keep = 1: no dropout, so the three runs are one.
    one = sn.standard_vs_inverted(0, 1.0, steps=200)
    assert one.max_prob_gap["naive"] < 1e-5 and one.max_prob_gap["matched"] < 1e-5


@pytest.mark.parametrize("text", ["2-²-2", "2-٢-2", "2-6-6-2²", "2-" + "9" * 5000 + "-2", "2-6-six-2" + "x" * 5000])
def test_parse_sizes_refuses_other_digits_and_long_text_in_its_own_words(text):
    with pytest.raises(ValueError, match="sizes must be whole numbers from 1 to 16 separated by '-'") as info:
        sn.parse_sizes(text)
    message = str(info.value)
    assert "invalid literal" not in message and "int()" not in message
    assert len(message) < 160, message  # at most 60 characters of the input are quoted


def test_running_mean_bands_tend_to_one_and_q():
    x = np.arange(1.0, 11.0)
    bands = sn.running_mean_bands(sn.vector_statistics(KEY, x, 0.6, 100_000), 0.6)
    assert list(bands) == ["inverted", "standard"]
    (inv, (inv_lo, inv_hi)), std = bands["inverted"], bands["standard"][0]
    assert np.all(inv_lo <= inv) and np.all(inv <= inv_hi)
    assert inv[-1] == pytest.approx(1.0, abs=0.02) and std[-1] == pytest.approx(0.6, abs=0.012)
    np.testing.assert_allclose(std, inv * 0.6)


def test_input_errors_carry_their_template_and_values():
    with pytest.raises(sn.InputError) as info:
        sn.parse_sizes("2-40-2")
    err = info.value
    assert err.template == sn.INPUT_ERRORS["sizes_width"] and err.values == {"width": 16, "sizes": [2, 40, 2]}
    assert str(err) == err.template.format(**err.values) and isinstance(err, ValueError)
    with pytest.raises(sn.InputError) as info:
        sn.parse_vector("1, " + "9, " * 25)
    assert info.value.template == sn.INPUT_ERRORS["vector_length"] and info.value.values == {"hi": 20, "n": 26}


def test_parse_vector_quotes_at_most_60_characters():
    with pytest.raises(ValueError, match="the vector must be numbers") as info:
        sn.parse_vector("1, a" + "b" * 5000)
    assert "b" * 61 not in str(info.value)


# --- bad input: ValueError naming the argument ------------------------------------------------------------


def test_has_path_refuses_no_layers():
    with pytest.raises(ValueError, match="layer_masks"):
        sn.has_path([])


def test_layer_stats_refuses_a_mask_of_the_wrong_width():
    sizes, keep = (2, 6, 6, 2), (1.0, 0.5, 0.5)
    good = [np.ones(2), np.ones(6), np.zeros(6)]
    assert sn.layer_stats(sizes, keep, good).kept.tolist() == [2, 6, 0]
    with pytest.raises(ValueError, match=r"layer_masks\[1\] must have 6 entries"):
        sn.layer_stats(sizes, keep, [np.ones(2), np.ones(5), np.ones(6)])


@pytest.mark.parametrize("keep", [0.0, 1.5, float("nan")])
def test_vector_draw_table_refuses_a_bad_keep(keep):
    with pytest.raises(ValueError, match=r"keep must lie in \(0, 1\]"):
        sn.vector_draw_table(KEY, np.arange(1.0, 4.0), keep, 10)


@pytest.mark.parametrize("n_draws", [-5, 0, 2.5, sn.MAX_DRAWS + 1])
def test_vector_draw_table_refuses_a_bad_count(n_draws):
    with pytest.raises(ValueError, match="n_draws"):
        sn.vector_draw_table(KEY, np.arange(1.0, 4.0), 0.5, n_draws)


@pytest.mark.parametrize("x", [[], [1.0, float("nan")]])
def test_vector_draw_refuses_empty_or_nan_input(x):
    with pytest.raises(ValueError, match=r"^x must"):
        sn.vector_draw(KEY, x, 0.5)
    with pytest.raises(ValueError, match=r"^x must"):
        sn.vector_draw_table(KEY, x, 0.5, 10)


@pytest.mark.parametrize("batch", [-1, 0, 2.5, 5000])
def test_training_step_refuses_a_bad_batch(batch):
    with pytest.raises(ValueError, match="batch"):
        sn.training_step(KEY, (2, 3, 2), (1.0, 0.5), 0, batch=batch)


def test_training_step_refuses_a_nan_lr():
    with pytest.raises(ValueError, match="lr"):
        sn.training_step(KEY, (2, 3, 2), (1.0, 0.5), 0, lr=float("nan"))
