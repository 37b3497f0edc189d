"""dropout_viz.core.inference: exact ensembles against brute force, closed forms of linear nets, Monte Carlo."""
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dropout_viz.core import inference, masks

NP_ACT = {
    "relu": lambda a: np.maximum(a, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "linear": lambda a: a,
}
N_POINTS = 7


def _key(seed):
    return jax.random.key(seed)


def random_params(seed, sizes, scale=1.5):
    """NumPy-drawn float32 weights (scale / sqrt(fan_in)) and non-zero biases, as JAX arrays."""
    rng = np.random.default_rng(seed)
    return [(jnp.asarray(scale * rng.normal(size=(i, o)) / math.sqrt(i), jnp.float32),
             jnp.asarray(0.3 * rng.normal(size=o), jnp.float32)) for i, o in zip(sizes[:-1], sizes[1:])]


def points(seed, d_in, n=N_POINTS):
    return np.random.default_rng(seed).normal(size=(n, d_in)).astype(np.float32) * 1.5


def np_logits(params, x, layer_masks=None, keep=None, activation="relu", head="softmax"):
    """Float64 reference forward with inverted dropout masks (one 1-D mask per layer), then the head's logits."""
    h = np.asarray(x, np.float64)
    for i, (w, b) in enumerate(params):
        if layer_masks is not None:
            h = h * layer_masks[i] / keep[i]
        h = h @ np.asarray(w, np.float64) + np.asarray(b, np.float64)
        if i < len(params) - 1:
            h = NP_ACT[activation](h)
    return np.concatenate([np.zeros_like(h), h], -1) if head == "sigmoid" else h


def np_log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def brute_force(params, x, keep, activation="relu", head="softmax"):
    """Explicit loop over every mask of the droppable units: (arithmetic, geometric, E[p^2]), float64."""
    sizes = [params[0][0].shape[0]] + [w.shape[1] for w, _ in params]
    arith = geo_log = second = 0.0
    total_p = 0.0
    per_layer = [itertools.product((0.0, 1.0), repeat=n) if q < 1 else [(1.0,) * n] for n, q in zip(sizes, keep)]
    for combo in itertools.product(*[list(c) for c in per_layer]):
        p_mask = math.prod(q if bit else 1 - q for bits, q in zip(combo, keep) if q < 1 for bit in bits)
        lp = np_log_softmax(np_logits(params, x, [np.array(c) for c in combo], keep, activation, head))
        arith = arith + p_mask * np.exp(lp)
        second = second + p_mask * np.exp(lp) ** 2
        geo_log = geo_log + p_mask * lp
        total_p += p_mask
    assert total_p == pytest.approx(1.0, abs=1e-12)
    return arith, np.exp(np_log_softmax(geo_log)), second


# (sizes, keep, activation, head): each exercises a different path of the streamed enumeration.
CASES = {
    "one_hidden_binary": ((2, 3, 2), (0.8, 0.5), "relu", "softmax"),
    "dropout_in_every_layer": ((2, 3, 4, 3), (0.7, 0.5, 0.6), "relu", "softmax"),  # outer x inner masks
    "nonlinear_rest_after_mask": ((2, 3, 4, 3), (1.0, 0.5, 1.0), "relu", "softmax"),
    "outer_and_nonlinear_rest": ((2, 3, 4, 3), (0.7, 0.5, 1.0), "relu", "softmax"),
    "softmax_regression": ((3, 2), (0.6,), "relu", "softmax"),
    "sigmoid_head": ((2, 4, 1), (0.7, 0.6), "relu", "sigmoid"),
    "tanh_undropped_middle": ((2, 3, 3, 2), (0.7, 1.0, 0.5), "tanh", "softmax"),
    "sigmoid_act_mask_after_fixed_layer": ((2, 3, 3, 3), (1.0, 0.6, 0.5), "sigmoid", "softmax"),
}


def case(name, seed=0):
    sizes, keep, activation, head = CASES[name]
    return random_params(seed, sizes), points(seed + 100, sizes[0]), keep, activation, head


@pytest.fixture(scope="module")
def reference():
    """Brute-force ensembles of every case, computed once."""
    cache = {}

    def get(name):
        if name not in cache:
            params, x, keep, activation, head = case(name)
            cache[name] = brute_force(params, x, keep, activation, head)
        return cache[name]

    return get


def assert_probabilities(p, n_classes):
    assert p.shape == (N_POINTS, n_classes)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-5)


@pytest.mark.parametrize("name", list(CASES))
def test_exact_ensemble_equals_brute_force(name, reference):
    params, x, keep, activation, head = case(name)
    arith, geo, _ = reference(name)
    assert np.max(np.abs(arith - geo)) > 1e-3  # the two means differ here, so both checks below count
    ens = inference.exact_ensemble(params, x, keep, activation=activation, head=head)
    sizes = CASES[name][0]
    assert ens.n_masks == 2 ** masks.n_subnetworks_log2(sizes, keep)
    n_classes = 2 if head == "sigmoid" else sizes[-1]
    assert_probabilities(ens.arithmetic, n_classes)
    assert_probabilities(ens.geometric, n_classes)
    np.testing.assert_allclose(ens.arithmetic, arith, atol=2e-5)
    np.testing.assert_allclose(ens.geometric, geo, atol=2e-5)
    np.testing.assert_array_equal(inference.predict_exact(params, x, keep, activation=activation, head=head),
                                  ens.arithmetic)
    np.testing.assert_array_equal(
        inference.predict_exact(params, x, keep, mean="geometric", activation=activation, head=head), ens.geometric)


@pytest.mark.parametrize("name", ["dropout_in_every_layer", "tanh_undropped_middle", "sigmoid_head"])
def test_exact_ensemble_streamed_in_many_chunks_equals_brute_force(name, reference, monkeypatch):
    # A tiny budget forces many outer and inner chunks and 16 blocks: the chunk bookkeeping must add up.
    monkeypatch.setattr(inference, "EXACT_BUDGET", 2**6)
    params, x, keep, activation, head = case(name)
    arith, geo, _ = reference(name)
    seen = []
    ens = inference.exact_ensemble(params, x, keep, activation=activation, head=head, progress=seen.append)
    np.testing.assert_allclose(ens.arithmetic, arith, atol=2e-5)
    np.testing.assert_allclose(ens.geometric, geo, atol=2e-5)
    assert len(seen) > 1 and seen[-1] == 1.0
    assert all(a < b for a, b in zip(seen, seen[1:]))


def test_on_progress_counts_blocks_and_leaves_the_result_unchanged(monkeypatch):
    params, x, keep, activation, head = case("dropout_in_every_layer")
    whole = inference.exact_ensemble(params, x, keep, activation=activation, head=head)
    monkeypatch.setattr(inference, "EXACT_BUDGET", 2**6)  # many blocks
    calls = []
    ens = inference.exact_ensemble(params, x, keep, activation=activation, head=head,
                                   on_progress=lambda done, total: calls.append((done, total)))
    total = calls[0][1]
    assert total > 1 and calls == [(i, total) for i in range(1, total + 1)]
    np.testing.assert_allclose(ens.arithmetic, whole.arithmetic, atol=2e-6)
    np.testing.assert_allclose(ens.geometric, whole.geometric, atol=2e-6)


def test_progress_reaches_one_without_chunking():
    params, x, keep, activation, head = case("one_hidden_binary")
    seen = []
    inference.predict_exact(params, x, keep, activation=activation, head=head, progress=seen.append)
    assert seen and seen[-1] == 1.0


def test_subnetwork_log_probs_match_reference():
    params, x, keep, activation, head = case("dropout_in_every_layer")
    sizes = CASES["dropout_in_every_layer"][0]
    rng = np.random.default_rng(3)
    layer_masks = [(rng.random((5, n)) < 0.5).astype(np.float32) for n in sizes[:-1]]
    lp = inference.subnetwork_log_probs(params, x, layer_masks, keep, activation=activation)
    assert lp.shape == (5, N_POINTS, 3)
    for j in range(5):
        ref = np_log_softmax(np_logits(params, x, [m[j] for m in layer_masks], keep, activation))
        np.testing.assert_allclose(lp[j], ref, atol=1e-5)
    with pytest.raises(ValueError, match="layer_masks"):
        inference.subnetwork_log_probs(params, x, layer_masks[:2], keep)


def linear_cases():
    """Networks with no hidden non-linearity: the logits are multilinear in the masks, so E[logits] is the
    full network's logits and the normalised geometric mean is exactly the weight-scaled prediction."""
    return {
        # Weights x4: saturated softmaxes, where averaging probabilities (arithmetic) clearly differs.
        "linear_activation": (random_params(1, (3, 4, 3), scale=4.0), points(1, 3), (0.5, 0.5), "linear", "softmax"),
        "softmax_regression": (random_params(2, (3, 3), scale=4.0), points(2, 3), (0.5,), "relu", "softmax"),
        "single_sigmoid_unit": (random_params(3, (3, 1), scale=4.0), points(3, 3), (0.5,), "relu", "sigmoid"),
    }


@pytest.mark.parametrize("name", list(linear_cases()))
def test_geometric_mean_of_a_linear_net_is_the_weight_scaled_net(name):
    params, x, keep, activation, head = linear_cases()[name]
    ens = inference.exact_ensemble(params, x, keep, activation=activation, head=head)
    ws = inference.predict_weight_scaled(params, x, keep, activation=activation, head=head)
    assert np.max(np.abs(ens.geometric - ws)) < 1e-5
    assert np.max(np.abs(ens.arithmetic - ws)) > 0.05
    if name == "single_sigmoid_unit":
        # sigmoid of the expected input: E[sum_j m_j/q x_j w_j] + b = x @ w + b.
        z = np_logits(params, x)[:, 0]
        np.testing.assert_allclose(ens.geometric[:, 1], 1 / (1 + np.exp(-z)), atol=1e-5)


def test_keep_one_everywhere_is_the_full_network():
    params, x, _, activation, head = case("dropout_in_every_layer")
    ens = inference.exact_ensemble(params, x, 1.0, activation=activation, head=head)
    ws = inference.predict_weight_scaled(params, x, (1.0, 1.0, 1.0), activation=activation)
    assert ens.n_masks == 1
    np.testing.assert_array_equal(ens.arithmetic, ws)
    np.testing.assert_array_equal(ens.geometric, ws)
    np.testing.assert_allclose(ws, np.exp(np_log_softmax(np_logits(params, x))), atol=1e-6)
    mc = inference.predict_mc(_key(5), params, x, 1.0, 3)
    np.testing.assert_allclose(mc, ws, atol=1e-6)


def test_weight_scaled_prediction_standard_and_inverted():
    params, x, keep, activation, head = case("dropout_in_every_layer")
    inv = inference.predict_weight_scaled(params, x, keep, activation=activation)
    np.testing.assert_allclose(inv, np.exp(np_log_softmax(np_logits(params, x))), atol=1e-6)
    std = inference.predict_weight_scaled(params, x, keep, activation=activation, inverted=False)
    scaled = [(np.asarray(w) * q, b) for (w, b), q in zip(params, keep)]
    np.testing.assert_allclose(std, np.exp(np_log_softmax(np_logits(scaled, x))), atol=1e-6)
    assert np.max(np.abs(std - inv)) > 1e-3
    assert_probabilities(std, 3)


@pytest.fixture(scope="module")
def mc_setup(reference):
    params, x, keep, activation, head = case("dropout_in_every_layer")
    arith, geo, second = reference("dropout_in_every_layer")
    return params, x, keep, arith, geo, second


def test_monte_carlo_approaches_the_exact_ensemble(mc_setup):
    params, x, keep, arith, geo, second = mc_setup
    small = inference.mc_ensemble(_key(0), params, x, keep, 10)
    large = inference.mc_ensemble(_key(0), params, x, keep, 10_000)
    assert large.n_masks == 10_000
    err_small, err_large = np.abs(small.arithmetic - arith), np.abs(large.arithmetic - arith)
    assert err_large.mean() < err_small.mean() / 5  # sqrt(1000) ~ 32 expected
    # Within 5 standard errors of the exact mean, with the exact per-entry variance E[p^2] - E[p]^2.
    se = np.sqrt(np.maximum(second - arith**2, 0) / 10_000)
    np.testing.assert_array_less(err_large, 5 * se + 1e-5)
    assert np.abs(large.geometric - geo).mean() < np.abs(small.geometric - geo).mean() / 5
    assert np.max(np.abs(large.geometric - geo)) < 0.02
    assert_probabilities(large.arithmetic, 3)
    assert_probabilities(large.geometric, 3)


def test_predict_mc_is_deterministic_per_key_and_shares_its_first_samples(mc_setup):
    params, x, keep, *_ = mc_setup
    sizes = (2, 3, 4, 3)
    a = inference.predict_mc(_key(1), params, x, keep, 40)
    np.testing.assert_array_equal(a, inference.predict_mc(_key(1), params, x, keep, 40))
    assert np.max(np.abs(a - inference.predict_mc(_key(2), params, x, keep, 40))) > 1e-4
    first5 = inference.sample_subnetwork_masks(_key(1), sizes, keep, 5)
    first40 = inference.sample_subnetwork_masks(_key(1), sizes, keep, 40)
    assert [m.shape for m in first40] == [(40, 2), (40, 3), (40, 4)]
    for m5, m40 in zip(first5, first40):
        np.testing.assert_array_equal(m5, m40[:5])
    # Samples 32.. come from the next chunk's key, not a repeat of the first chunk.
    flat = np.concatenate(first40, axis=1)
    assert not np.array_equal(flat[32:40], flat[:8])
    # predict_mc(k=40) averages exactly these 40 subnetworks (across the chunk boundary).
    lp = inference.subnetwork_log_probs(params, x, first40, keep)
    np.testing.assert_allclose(a, np.exp(lp).mean(0), atol=1e-5)
    geo = inference.predict_mc(_key(1), params, x, keep, 40, mean="geometric")
    np.testing.assert_allclose(geo, np.exp(np_log_softmax(lp.astype(np.float64).mean(0))), atol=1e-5)


def test_mc_with_one_sample_is_that_subnetwork(mc_setup):
    params, x, keep, *_ = mc_setup
    ens = inference.mc_ensemble(_key(3), params, x, keep, 1)
    m = inference.sample_subnetwork_masks(_key(3), (2, 3, 4, 3), keep, 1)
    p = np.exp(inference.subnetwork_log_probs(params, x, m, keep))[0]
    np.testing.assert_allclose(ens.arithmetic, p, atol=1e-6)
    np.testing.assert_allclose(ens.geometric, p, atol=1e-5)  # one sample: both means are that sample


def test_sampled_masks_keep_undropped_layers_whole_and_rate_q():
    ms = inference.sample_subnetwork_masks(_key(4), (2, 3, 4, 3), (1.0, 0.5, 0.25), 2000)
    assert np.all(ms[0] == 1.0)
    assert abs(ms[1].mean() - 0.5) < 0.03 and abs(ms[2].mean() - 0.25) < 0.03


def test_changing_k_compiles_nothing(mc_setup):
    params, x, keep, *_ = mc_setup
    inference.predict_mc(_key(0), params, x, keep, 7)
    before = inference._mc_sums._cache_size()
    for k in (1, 33, 500):
        inference.predict_mc(_key(0), params, x, keep, k)
    assert inference._mc_sums._cache_size() == before


def test_mc_regression_matches_a_loop_over_the_sampled_masks():
    sizes, keep = (1, 8, 8, 1), (0.9, 0.5, 0.7)
    params = random_params(4, sizes)
    x = np.linspace(-2, 2, N_POINTS, dtype=np.float32)[:, None]
    mean, var = inference.mc_regression(_key(6), params, x, keep, 50)
    ms = inference.sample_subnetwork_masks(_key(6), sizes, keep, 50)
    ys = np.stack([np_logits(params, x, [m[j] for m in ms], keep)[:, 0] for j in range(50)])
    assert mean.shape == var.shape == (N_POINTS,)
    np.testing.assert_allclose(mean, ys.mean(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(var, ys.var(0), rtol=1e-3, atol=1e-5)
    assert np.all(var > 0)
    with pytest.raises(ValueError, match="1 output"):
        inference.mc_regression(_key(6), random_params(4, (1, 4, 2)), x, 0.5, 10)
    with pytest.raises(ValueError, match="k"):
        inference.mc_regression(_key(6), params, x, keep, 1)


def test_exact_refuses_too_many_units_and_points_to_monte_carlo():
    params = random_params(5, (21, 2))
    x = np.zeros((2, 21), np.float32)
    with pytest.raises(ValueError, match="Monte Carlo"):
        inference.predict_exact(params, x, 0.5)
    assert inference.exact_cost((21, 2), 0.5) == (21, pytest.approx(21 * math.log10(2)))
    assert inference.exact_cost((21, 2), 1.0)[0] == 0


def test_bad_arguments_raise(mc_setup):
    params, x, keep, *_ = mc_setup
    for k in (0, -3, 2.5, inference.MAX_MC_SAMPLES + 1):
        with pytest.raises(ValueError, match="k must"):
            inference.predict_mc(_key(0), params, x, keep, k)
    for bad_x in (np.zeros((4, 3), np.float32), np.zeros((4,), np.float32)):
        with pytest.raises(ValueError, match="x must"):
            inference.predict_weight_scaled(params, bad_x, keep)
        with pytest.raises(ValueError, match="x must"):
            inference.predict_exact(params, bad_x, keep)
    for bad_keep in ((0.5, 0.5), (0.5, 0.0, 0.5), 1.5):
        with pytest.raises(ValueError, match="keep"):
            inference.predict_exact(params, x, bad_keep)
    with pytest.raises(ValueError, match="mean"):
        inference.predict_exact(params, x, keep, mean="harmonic")
    with pytest.raises(ValueError, match="mean"):
        inference.predict_mc(_key(0), params, x, keep, 5, mean="median")
    with pytest.raises(ValueError, match="activation"):
        inference.predict_weight_scaled(params, x, keep, activation="gelu")
    with pytest.raises(ValueError, match="head"):
        inference.predict_exact(params, x, keep, head="identity")
    with pytest.raises(ValueError, match="head"):
        inference.predict_weight_scaled(params, x, keep, head="softplus")


# --- bad input: ValueError naming the argument ------------------------------------------------------------


def test_predict_weight_scaled_refuses_empty_or_nan_input():
    params = random_params(1, (2, 3, 2))
    with pytest.raises(ValueError, match=r"^x must not be empty"):
        inference.predict_weight_scaled(params, np.zeros((0, 2), np.float32), 0.5)
    with pytest.raises(ValueError, match=r"^x must be finite"):
        inference.predict_weight_scaled(params, np.array([[0.0, np.nan]], np.float32), 0.5)
    with pytest.raises(ValueError, match=r"^x must have shape \(n, 2\)"):
        inference.predict_weight_scaled(params, np.zeros((3, 5), np.float32), 0.5)
    with pytest.raises(ValueError, match=r"activation must be one of"):
        inference.predict_weight_scaled(params, np.zeros((3, 2), np.float32), 0.5, activation="gelu")
