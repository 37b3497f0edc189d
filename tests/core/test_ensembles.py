"""The ensemble page's library: every identity it displays, checked against enumeration of all masks."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dropout_viz.core import ensembles as E
from dropout_viz.core import inference, masks, network
from dropout_viz.core.system import CompileCounter

KEY = jax.random.PRNGKey(0)


def _params(sizes, seed=0, scale=1.5):
    """Random weights large enough that the nonlinearities bend (biases nonzero too)."""
    ps = network.init_mlp(jax.random.PRNGKey(seed), sizes)
    rng = np.random.default_rng(seed)
    return [(np.asarray(w) * scale, rng.normal(0, 0.5, b.shape).astype(np.float32)) for w, b in ps]


def _x(n=40, d=2, seed=1):
    return np.random.default_rng(seed).uniform(-1.5, 1.5, (n, d)).astype(np.float32)


def _brute(params, x, keep, activation="relu", head="softmax"):
    """Enumerate every mask of the droppable units: (p(m) (M,), log P(y|x,m) (M, n, C), logits (M, n, C))."""
    sizes = network.sizes_of(params)
    drop = masks.droppable(sizes, keep)
    d = sum(drop)
    all_m = masks.enumerate_masks(d)
    layer_masks, offset = [], 0
    for n_units, size in zip(drop, sizes[:-1]):
        if n_units:
            layer_masks.append(all_m[:, offset:offset + n_units])
            offset += n_units
        else:
            layer_masks.append(np.ones((len(all_m), size), np.float32))
    q = np.concatenate([np.full(n, k) for n, k in zip(drop, keep) if n])
    p = masks.mask_prob(all_m, q)
    logp = inference.subnetwork_log_probs(params, x, layer_masks, keep, activation=activation, head=head)
    out = network.forward([(jnp.asarray(w), jnp.asarray(b)) for w, b in params], jnp.asarray(x)[None],
                          [jnp.asarray(m)[:, None, :] for m in layer_masks], keep, activation=activation)
    return p, np.asarray(logp, np.float64), np.asarray(network.head_logits(out, head), np.float64)


def _softmax(z):
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


# --- the identities the "when is it exact" section shows ------------------------------------------------


@pytest.mark.parametrize("q", [0.5, 0.3, 0.8])
def test_softmax_regression_geometric_ensemble_is_the_weight_scaled_model(q):
    params = _params((5, 3), seed=2)
    x = _x(30, 5)
    p, logp, _ = _brute(params, x, (q,))
    geo = _softmax(np.einsum("m,mnc->nc", p, logp))
    arith = np.einsum("m,mnc->nc", p, np.exp(logp))
    ws = inference.predict_weight_scaled(params, x, (q,))
    assert np.abs(geo - ws).max() < 1e-5
    assert np.abs(arith - ws).max() > 1e-2  # the arithmetic mean gets no identity
    ens = inference.exact_ensemble(params, x, (q,))
    assert np.abs(ens.geometric - geo).max() < 1e-5 and np.abs(ens.arithmetic - arith).max() < 1e-5


def test_textbook_root_form_is_the_q_half_case():
    """At q = 1/2, p(m) = 2^-d: the weighted geometric mean is the 2^d-th root of the product."""
    params = _params((4, 2), seed=3)
    x = _x(20, 4)
    p, logp, _ = _brute(params, x, (0.5,))
    assert np.allclose(p, 2.0**-4)
    root = np.exp(logp.sum(0) / 2**4)
    root /= root.sum(-1, keepdims=True)
    assert np.abs(root - inference.predict_weight_scaled(params, x, (0.5,))).max() < 1e-5


def test_single_sigmoid_unit_geometric_mean_is_sigmoid_of_expected_input():
    params = _params((6, 1), seed=4)
    x = _x(25, 6)
    q = 0.6
    p, logp, logits = _brute(params, x, (q,), head="sigmoid")
    z = logits[..., 1]  # head_logits puts (0, z)
    e_z = np.einsum("m,mn->n", p, z)
    w, b = params[0]
    assert np.allclose(e_z, x @ w[:, 0] + b[0], atol=1e-4)  # E[z] is the full unit's input
    geo = _softmax(np.einsum("m,mnc->nc", p, logp))[:, 1]
    assert np.abs(geo - 1 / (1 + np.exp(-e_z))).max() < 1e-5
    arith = np.einsum("m,mn->n", p, np.exp(logp[..., 1]))
    assert np.abs(arith - 1 / (1 + np.exp(-e_z))).max() > 1e-2  # E[sigma(z)] != sigma(E z)
    ens = inference.exact_ensemble(params, x, (q,), head="sigmoid")
    assert np.abs(ens.geometric[:, 1] - geo).max() < 1e-5


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_deep_net_is_exact_iff_only_the_last_hidden_layer_drops(activation):
    params = _params((2, 5, 4, 2), seed=5)
    x = _x(40)
    ws = inference.predict_weight_scaled(params, x, (1.0, 1.0, 0.5), activation=activation)
    p, logp, logits = _brute(params, x, (1.0, 1.0, 0.5), activation=activation)
    geo_last = _softmax(np.einsum("m,mnc->nc", p, logp))
    assert np.abs(geo_last - ws).max() < 1e-5
    # Dropping the first hidden layer too puts a nonlinearity between a mask and the logits.
    p, logp, logits = _brute(params, x, (1.0, 0.5, 0.5), activation=activation)
    geo_both = _softmax(np.einsum("m,mnc->nc", p, logp))
    assert np.abs(geo_both - ws).max() > 1e-3
    # ...but the geometric mean is still softmax of the p(m)-weighted mean logits.
    assert np.abs(geo_both - _softmax(np.einsum("m,mnc->nc", p, logits))).max() < 1e-5


def test_jensen_gap_matches_enumeration_and_is_nonnegative_for_relu():
    params = _params((2, 6, 5, 2), seed=6)
    x = _x(50)
    keep = (1.0, 0.5, 0.5)
    gap = E.jensen_gap(params, x, keep, activation="relu")
    assert gap.layer == 2 and gap.gap.shape == (50, 5)
    assert gap.mean_preact_error < 1e-4  # a is affine in the mask: E a is the weight-scaled pre-activation
    assert gap.gap.min() > -1e-5 and gap.gap.max() > 1e-2
    # Brute force: layer-2 activations of every subnetwork of layer 1.
    w1, b1 = params[0]
    w2, b2 = params[1]
    h1 = np.maximum(x @ w1 + b1, 0)
    m = masks.enumerate_masks(6)
    p = masks.mask_prob(m, np.full(6, 0.5))
    a = np.einsum("mnj,jk->mnk", h1[None] * (m[:, None, :] / 0.5), w2) + b2
    want = np.einsum("m,mnk->nk", p, np.maximum(a, 0)) - np.maximum(h1 @ w2 + b2, 0)
    assert np.abs(gap.gap - want).max() < 1e-4


def test_jensen_gap_tanh_has_both_signs_and_none_when_nothing_follows():
    params = _params((2, 6, 5, 2), seed=7, scale=2.5)
    g = E.jensen_gap(params, _x(200), (1.0, 0.5, 0.5), activation="tanh").gap
    assert g.min() < -1e-3 and g.max() > 1e-3
    assert E.jensen_gap(params, _x(), (1.0, 1.0, 0.5)) is None
    assert E.jensen_gap(params, _x(), (1.0, 1.0, 1.0)) is None
    with pytest.raises(ValueError, match="at most 12"):
        E.jensen_gap(_params((2, 13, 4, 2)), _x(), (1.0, 0.5, 1.0))


# --- convergence ----------------------------------------------------------------------------------------


def test_convergence_running_means_equal_monte_carlo_ensembles():
    params = _params((2, 6, 6, 2), seed=8)
    x = _x(60)
    keep = (1.0, 0.5, 0.5)
    y = np.random.default_rng(0).integers(0, 2, 60)
    labels = np.where(np.arange(60) < 20, -1, y)  # the first 20 points are "grid": no label
    groups = (np.arange(60) >= 20).astype(int)
    ref = inference.exact_ensemble(params, x, keep).arithmetic
    keys = jnp.stack([jax.random.fold_in(KEY, j) for j in range(3)])
    conv = E.convergence(keys, params, x, keep, 70, ref, labels, groups)
    assert conv.tv_arith.shape == (3, 70, 2) and conv.acc_geo.shape == (3, 70)
    for s in (0, 2):
        for k in (1, 33, 70):  # inside the first chunk, across a chunk boundary, the end
            mc = inference.mc_ensemble(keys[s], params, x, keep, k)
            for got, probs in ((conv.tv_arith, mc.arithmetic), (conv.tv_geo, mc.geometric)):
                tv = E.total_variation(probs, ref)
                assert got[s, k - 1, 0] == pytest.approx(tv[:20].mean(), abs=1e-5)
                assert got[s, k - 1, 1] == pytest.approx(tv[20:].mean(), abs=1e-5)
            assert conv.acc_arith[s, k - 1] == pytest.approx(E.accuracy(mc.arithmetic[20:], y[20:]), abs=1e-6)
            assert conv.acc_geo[s, k - 1] == pytest.approx(E.accuracy(mc.geometric[20:], y[20:]), abs=1e-6)


def test_convergence_in_pieces_reports_each_sequence_and_gives_the_same_values():
    params = _params((2, 6, 6, 2), seed=8)
    x = _x(40)
    keep = (1.0, 0.5, 0.5)
    labels = np.random.default_rng(1).integers(0, 2, 40)
    groups = np.zeros(40, int)
    ref = inference.exact_ensemble(params, x, keep).arithmetic
    keys = jnp.stack([jax.random.fold_in(KEY, j) for j in range(3)])
    whole = E.convergence(keys, params, x, keep, 50, ref, labels, groups)
    calls = []
    pieces = E.convergence(keys, params, x, keep, 50, ref, labels, groups,
                           on_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    for field in ("tv_arith", "tv_geo", "acc_arith", "acc_geo"):
        np.testing.assert_allclose(getattr(pieces, field), getattr(whole, field), atol=1e-6)


def test_monte_carlo_approaches_the_exact_ensemble():
    params = _params((2, 5, 5, 2), seed=9)
    x = _x(80)
    keep = (1.0, 0.5, 0.5)
    ens = inference.exact_ensemble(params, x, keep)
    keys = jnp.stack([jax.random.fold_in(KEY, j) for j in range(4)])
    conv = E.convergence(keys, params, x, keep, 2000, ens.arithmetic, -np.ones(80, int), np.zeros(80, int))
    tv_a = conv.tv_arith[:, :, 0].mean(0)
    assert tv_a[-1] < 0.25 * tv_a[9] < 0.25 * tv_a[0]
    # The geometric running mean converges to the exact geometric ensemble, not the arithmetic one.
    floor = E.total_variation(ens.geometric, ens.arithmetic).mean()
    assert conv.tv_geo[:, -1, 0].mean() == pytest.approx(floor, abs=0.25 * floor + 2e-3)


def test_convergence_rejects_bad_arguments():
    params = _params((2, 3, 2))
    x = _x(5)
    ok = dict(reference=np.full((5, 2), 0.5), labels=np.zeros(5, int), groups=np.zeros(5, int))
    keys = jnp.stack([KEY])
    with pytest.raises(ValueError, match="k_max"):
        E.convergence(keys, params, x, (1.0, 0.5), 0, **ok)
    with pytest.raises(ValueError, match="keys"):
        E.convergence(KEY, params, x, (1.0, 0.5), 5, **ok)
    with pytest.raises(ValueError, match="reference"):
        E.convergence(keys, params, x, (1.0, 0.5), 5, np.zeros((4, 2)), ok["labels"], ok["groups"])
    with pytest.raises(ValueError, match="keep"):
        E.convergence(keys, params, x, (1.0, 0.0), 5, **ok)


def test_bands_log_ks_and_first_k_below():
    ks = E.log_ks(1000)
    assert ks[0] == 1 and ks[-1] == 1000 and np.all(np.diff(ks) > 0) and 15 <= len(ks) <= 24
    curves = np.stack([1.0 / np.arange(1, 11), 2.0 / np.arange(1, 11)])
    b = E.band(curves, np.array([1, 2, 10]))
    assert np.allclose(b.mean, [1.5, 0.75, 0.15])
    assert np.allclose(b.lo, [1, 0.5, 0.1]) and np.allclose(b.hi, [2, 1, 0.2])
    assert E.first_k_below(b, 0.8) == 2
    assert E.first_k_below(b, 0.1) is None
    assert E.first_k_below(E.Band(np.array([1, 2, 3]), np.array([0.1, 0.5, 0.1]), None, None), 0.2) == 3
    with pytest.raises(ValueError):
        E.band(curves, np.array([11]))


# --- voting ---------------------------------------------------------------------------------------------


def test_the_default_table_votes_one_way_and_averages_the_other():
    v = E.combine_votes([[0.49, 0.51], [0.49, 0.51], [0.99, 0.01]])
    assert v.votes.tolist() == [1, 2] and v.vote == 1
    assert np.allclose(v.vote_share, [1 / 3, 2 / 3])
    assert np.allclose(v.arithmetic, [(0.49 * 2 + 0.99) / 3, (0.51 * 2 + 0.01) / 3]) and v.arithmetic_decision == 0
    g = np.array([(0.49**2 * 0.99) ** (1 / 3), (0.51**2 * 0.01) ** (1 / 3)])
    assert np.allclose(v.geometric, g / g.sum()) and v.geometric_decision == 0


def test_votes_ties_zeros_and_normalising():
    v = E.combine_votes([[0.5, 0.5], [0.7, 0.3], [0.2, 0.8]])
    assert v.votes.tolist() == [1, 1] and v.vote == -1  # the tied model abstains; 1 : 1 is a tie
    v = E.combine_votes([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    assert v.geometric[2] == 0 and v.geometric[1] == 0 and v.geometric[0] == pytest.approx(1.0)
    n = E.combine_votes([[0.2, 0.6], [0.1, 0.1]], normalise=True)
    assert np.allclose(n.probs, [[0.25, 0.75], [0.5, 0.5]])


@pytest.mark.parametrize("table, match", [
    ([[0.4, 0.5]], "sum to 0.9"),
    ([[1.2, -0.2]], r"\[0, 1\]"),
    ([[0.5, np.nan]], "empty"),
    ([[0.5, 0.5, 0.5]][:0], "rows"),
    ([[1.0, 0.0], [0.0, 1.0]], "undefined"),
])
def test_votes_reject_bad_tables(table, match):
    with pytest.raises(ValueError, match=match):
        E.combine_votes(np.array(table, dtype=float).reshape(len(table), -1) if table else np.zeros((0, 2)))


def test_normalising_a_zero_row_is_refused():
    with pytest.raises(ValueError, match="zeros"):
        E.combine_votes([[0.0, 0.0]], normalise=True)


# --- Monte Carlo dropout ----------------------------------------------------------------------------------


def test_entropy_closed_forms():
    assert np.allclose(E.entropy_bits([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]]),
                       [1.0, 0.0, -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))])
    assert E.entropy_bits([[0.25] * 4])[0] == pytest.approx(2.0)


def test_mc_uncertainty_against_the_same_masks_by_hand():
    params = _params((2, 6, 6, 2), seed=10)
    x = _x(30)
    keep = (1.0, 0.5, 0.5)
    k = 45
    u = E.mc_uncertainty(KEY, params, x, keep, k)
    ms = inference.sample_subnetwork_masks(KEY, network.sizes_of(params), keep, k)
    probs = np.exp(inference.subnetwork_log_probs(params, x, ms, keep)).astype(np.float64)
    assert np.abs(u.mean - probs.mean(0)).max() < 1e-5
    assert np.abs(u.mean - inference.mc_ensemble(KEY, params, x, keep, k).arithmetic).max() < 1e-5
    assert np.allclose(u.predictive_entropy, E.entropy_bits(probs.mean(0)), atol=1e-4)
    assert np.allclose(u.expected_entropy, E.entropy_bits(probs).mean(0), atol=1e-4)
    assert np.all(u.mutual_information >= 0) and u.mutual_information.max() > 1e-2
    with CompileCounter() as c:  # k is traced: another k compiles nothing
        E.mc_uncertainty(KEY, params, x, keep, 77)
    assert c.count == 0


def test_regression_band_against_the_same_masks_by_hand():
    params = _params((1, 8, 8, 1), seed=11)
    x = np.linspace(-3, 3, 25, dtype=np.float32)[:, None]
    keep = (1.0, 0.7, 0.7)
    rb = E.regression_band(KEY, params, x, keep, 64)
    ms = inference.sample_subnetwork_masks(KEY, network.sizes_of(params), keep, 64)
    jp = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params]
    ys = np.asarray(network.forward(jp, jnp.asarray(x)[None], [jnp.asarray(m)[:, None, :] for m in ms], keep))[..., 0]
    assert np.allclose(rb.mean, ys.mean(0), atol=1e-4)
    assert np.allclose(rb.std, ys.std(0), atol=1e-3)
    assert np.allclose(rb.weight_scaled, np.asarray(network.forward(jp, jnp.asarray(x)))[:, 0], atol=1e-5)


def test_subnetworks_are_the_first_masks_of_the_sequence():
    params = _params((2, 4, 3, 2), seed=12)
    x = _x(10)
    keep = (1.0, 0.3, 0.3)
    sub = E.subnetworks(KEY, params, x, keep, 12)
    ms = inference.sample_subnetwork_masks(KEY, network.sizes_of(params), keep, 12)
    assert all(np.array_equal(a, b) for a, b in zip(sub.masks, ms))
    assert np.allclose(sub.probs, np.exp(inference.subnetwork_log_probs(params, x, ms, keep)))
    assert np.array_equal(sub.kept, np.stack([m.sum(1) for m in ms], 1))
    assert np.array_equal(sub.has_path, (sub.kept > 0).all(1))
    # A subnetwork with an empty hidden layer predicts the same class probabilities everywhere.
    for i in np.flatnonzero(~sub.has_path):
        assert np.ptp(sub.probs[i], axis=0).max() < 1e-6


# --- models and small helpers ---------------------------------------------------------------------------


def test_cubic_features_are_the_nine_monomials():
    x = np.array([[2.0, 3.0], [-1.0, 0.5]], np.float32)
    f = E.cubic_features(x)
    assert np.allclose(f[0], [2, 3, 4, 6, 9, 8, 12, 18, 27])
    assert f.shape == (2, 9) and len(E.CUBIC_NAMES) == 9
    assert E.input_features(x, "raw") is not None and np.array_equal(E.input_features(x, "raw"), x)
    with pytest.raises(ValueError, match="features"):
        E.input_features(x, "quartic")
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        E.cubic_features(np.zeros((3, 3)))


@pytest.mark.parametrize("change, match", [
    (dict(dataset="nope"), "dataset"),
    (dict(sizes=(3, 4, 2)), "sizes\\[0\\]"),
    (dict(sizes=(2, 4, 3)), "sizes\\[-1\\]"),
    (dict(steps=150), "steps"),
    (dict(keep=(1.0, 1.5)), "keep"),
    (dict(head="identity"), "does not fit"),
    (dict(features="cubic"), "sizes\\[0\\] must be 9"),
])
def test_specs_are_checked(change, match):
    spec = E.ModelSpec("moons", 0, (2, 4, 2), (1.0, 0.5))._replace(**change)
    with pytest.raises(ValueError, match=match):
        E.check_spec(spec)


def test_train_model_is_reproducible_and_learns():
    spec = E.ModelSpec("gaussians", 1, (2, 4, 2), (1.0, 0.8), steps=300, n=200)
    a = E.train_model(KEY, spec)
    b = E.train_model(KEY, spec)
    assert all(np.array_equal(wa, wb) for (wa, _), (wb, _) in zip(a.params, b.params))
    assert [w.shape for w, _ in a.params] == [(2, 4), (4, 2)]
    assert a.test_acc > 0.8 and len(a.x_train) == len(a.x_test) == 100
    assert E.droppable_units(spec) == 4


def test_distances():
    p = np.array([[0.2, 0.8], [0.5, 0.5]])
    q = np.array([[0.6, 0.4], [0.5, 0.5]])
    assert np.allclose(E.total_variation(p, q), [0.4, 0.0])
    assert np.allclose(E.class1_difference(p, q), [0.4, 0.0])
    assert E.accuracy(p, np.array([1, 0])) == 1.0
    with pytest.raises(ValueError):
        E.total_variation(p, q[:1])


# --- bad input: ValueError naming the argument ------------------------------------------------------------


def test_jensen_gap_refuses_x_of_the_wrong_width():
    params = _params((2, 4, 3, 2), seed=3)
    with pytest.raises(ValueError, match=r"^x must have shape \(n, 2\)"):
        E.jensen_gap(params, _x(5, d=3), (0.5, 0.5, 1.0))
    with pytest.raises(ValueError, match=r"^x must"):
        E.jensen_gap(params, np.zeros((0, 2), np.float32), (0.5, 0.5, 1.0))


@pytest.mark.parametrize("change, match", [
    (dict(n=-4), r"^n must be in \[4, "), (dict(n=2.5), r"^n must be an integer"), (dict(seed=-1), "^seed"),
    (dict(lr=float("nan")), "^lr"), (dict(lr=0.0), "^lr"), (dict(noise=float("nan")), "^noise"),
    (dict(steps=150), "^steps"), (dict(activation="gelu"), "^activation"),
])
def test_check_spec_refuses_bad_numbers(change, match):
    spec = E.ModelSpec("moons", 0, (2, 4, 2), (1.0, 0.5))._replace(**change)
    with pytest.raises(ValueError, match=match):
        E.check_spec(spec)


def test_distances_refuse_empty_input():
    with pytest.raises(ValueError, match=r"^p must not be empty"):
        E.total_variation(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"^p must not be empty"):
        E.accuracy(np.zeros((0, 2)), np.zeros(0, int))
    with pytest.raises(ValueError, match=r"^q must be finite"):
        E.total_variation(np.ones((1, 2)) / 2, np.array([[np.nan, 0.5]]))


def test_regression_band_is_exact_for_outputs_far_from_zero():
    # 10 hidden units that always output 1, read with weights 0.01 on top of a bias of 30: the output is
    # 30 + 0.01 K / q with K ~ Binomial(10, q). At q = 0.5 the exact std is 0.01 * 2 * sqrt(2.5) = 0.0316
    # around 30.1; one pass of E[y^2] - E[y]^2 in float32 gave 0.026.
    width, q, k = 10, 0.5, 20_000
    params = [(np.zeros((1, width), np.float32), np.ones(width, np.float32)),
              (np.full((width, 1), 0.01, np.float32), np.array([30.0], np.float32))]
    x = np.zeros((3, 1), np.float32)
    keep = (1.0, q)
    rb = E.regression_band(KEY, params, x, keep, k)
    ms = inference.sample_subnetwork_masks(KEY, (1, width, 1), keep, k)
    ys = 30.0 + 0.01 * ms[1].sum(axis=1).astype(np.float64) / q  # the same masks in float64
    np.testing.assert_allclose(rb.mean, np.full(3, ys.mean()), rtol=1e-6)
    np.testing.assert_allclose(rb.std, np.full(3, ys.std()), rtol=1e-3)
    assert abs(rb.std[0] - 0.01 * 2 * np.sqrt(2.5)) < 0.002  # and the Monte Carlo estimate is near 0.0316
