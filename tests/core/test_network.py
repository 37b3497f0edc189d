"""dropout_viz.core.network: forward pass against a NumPy reference, masks, scaling, heads, init, checks."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dropout_viz.core import network

NP_ACT = {
    "relu": lambda a: np.maximum(a, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a)),
    "linear": lambda a: a,
}
SIZES = (3, 5, 4, 2)
# One compiled program per mask layout instead of one per primitive (eager dispatch is the slow part here).
fwd = jax.jit(network.forward, static_argnames=("activation", "inverted"))


def np_forward(params, x, masks=None, keep=None, activation="relu", inverted=True):
    """Float64 reference: h <- act((h * m / q) @ W + b), no activation after the last layer."""
    h = np.asarray(x, np.float64)
    for i, (w, b) in enumerate(params):
        if masks is not None and masks[i] is not None:
            h = h * np.asarray(masks[i]) / (keep[i] if inverted else 1.0)
        h = h @ np.asarray(w, np.float64) + np.asarray(b, np.float64)
        if i < len(params) - 1:
            h = NP_ACT[activation](h)
    return h


def random_params(seed, sizes):
    """Weights and (non-zero) biases, so a test notices a bias that is dropped or scaled.

    Test inputs come from NumPy: every eager jax.random call of a new shape would compile a program.
    """
    rng = np.random.default_rng(seed)
    return [(jnp.asarray(rng.normal(size=(i, o)), jnp.float32), jnp.asarray(0.5 * rng.normal(size=o), jnp.float32))
            for i, o in zip(sizes[:-1], sizes[1:])]


def random_masks(seed, shapes, p=0.5):
    """0/1 float32 masks of the given shapes (NumPy-drawn)."""
    rng = np.random.default_rng(seed)
    return [jnp.asarray(rng.random(s) < p, jnp.float32) for s in shapes]


@pytest.fixture(scope="module")
def params():
    return random_params(0, SIZES)


@pytest.fixture(scope="module")
def x():
    return jnp.asarray(np.random.default_rng(1).normal(size=(6, SIZES[0])), jnp.float32)


@pytest.mark.parametrize("activation", sorted(network.ACTIVATIONS))
def test_forward_matches_numpy_reference(params, x, activation):
    out = network.forward(params, x, activation=activation)
    assert out.shape == (6, 2)
    np.testing.assert_allclose(out, np_forward(params, x, activation=activation), rtol=1e-5, atol=1e-5)


def test_forward_with_masks_matches_reference_for_every_mask_layout(params, x):
    keep = (0.5, 0.8, 0.6)
    shared = random_masks(2, [(n,) for n in SIZES[:-1]])
    per_example = random_masks(3, [(6, n) for n in SIZES[:-1]])
    for ms, inverted in ((shared, True), (per_example, False), ([shared[0], None, per_example[2]], True)):
        out = fwd(params, x, ms, keep, inverted=inverted)
        ref = np_forward(params, x, ms, keep, inverted=inverted)
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    # (k, 1, fan_in) masks with x broadcast: k subnetworks at once, each equal to its own forward pass.
    stacked = random_masks(4, [(4, 1, n) for n in SIZES[:-1]])
    out = fwd(params, x[None], stacked, keep)
    assert out.shape == (4, 6, 2)
    for j in range(4):
        np.testing.assert_allclose(out[j], fwd(params, x, [m[j, 0] for m in stacked], keep), rtol=1e-5, atol=1e-6)


def test_all_ones_masks_at_keep_one_equal_the_plain_forward(params, x):
    ones = [jnp.ones((n,)) for n in SIZES[:-1]]
    np.testing.assert_array_equal(network.forward(params, x, ones, (1.0, 1.0, 1.0), inverted=True),
                                  network.forward(params, x))
    np.testing.assert_array_equal(network.forward(params, x, [None, None, None], (0.5, 0.5, 0.5)),
                                  network.forward(params, x))


@pytest.mark.parametrize("layer", [0, 1, 2])
def test_dropped_unit_makes_output_independent_of_its_weight_row(params, x, layer):
    j = 1
    ms = [jnp.ones((n,)) for n in SIZES[:-1]]
    ms[layer] = ms[layer].at[j].set(0.0)
    keep = (0.7, 0.7, 0.7)
    base = network.forward(params, x, ms, keep)
    perturbed = list(params)
    w, b = perturbed[layer]
    perturbed[layer] = (w.at[j].add(100.0 * np.random.default_rng(5).normal(size=w.shape[1])), b)
    np.testing.assert_array_equal(network.forward(perturbed, x, ms, keep), base)
    # Without the mask the same perturbation does change the output (the check above can fail).
    assert np.max(np.abs(network.forward(perturbed, x) - network.forward(params, x))) > 1e-2


def test_inverted_scaling_equals_standard_forward_with_weights_divided_by_keep(params, x):
    keep = (0.5, 0.8, 0.25)
    ms = random_masks(6, [(6, n) for n in SIZES[:-1]], p=0.6)
    divided = [(w / q, b) for (w, b), q in zip(params, keep)]  # h*m/q @ W == h*m @ (W/q)
    np.testing.assert_allclose(network.forward(params, x, ms, keep, inverted=True),
                               network.forward(divided, x, ms, keep, inverted=False), rtol=1e-5, atol=1e-5)


def test_scale_weights_multiplies_weights_not_biases(params):
    keep = (0.5, 0.8, 0.25)
    scaled = network.scale_weights(params, keep)
    assert len(scaled) == len(params)
    for (w, b), (ws, bs), q in zip(params, scaled, keep):
        np.testing.assert_allclose(ws, np.asarray(w) * q, rtol=1e-6)
        np.testing.assert_array_equal(bs, b)


def test_head_logits():
    z = jnp.array([[-3.0], [0.0], [0.7], [12.0]])
    logits = network.head_logits(z, "sigmoid")
    assert logits.shape == (4, 2)
    sig = 1.0 / (1.0 + np.exp(-np.asarray(z[:, 0], np.float64)))
    np.testing.assert_allclose(jax.nn.softmax(logits, axis=-1), np.stack([1 - sig, sig], -1), rtol=1e-5, atol=1e-6)
    many = jnp.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(network.head_logits(many, "softmax"), many)
    np.testing.assert_array_equal(network.head_logits(many, "identity"), many)
    with pytest.raises(ValueError, match="head"):
        network.head_logits(many, "softplus")


@pytest.mark.parametrize("activation, std", [("relu", lambda i, o: np.sqrt(2 / i)),
                                             ("tanh", lambda i, o: np.sqrt(2 / (i + o)))])
def test_init_mlp_shapes_and_scale(activation, std):
    sizes = (200, 100, 3)
    ps = network.init_mlp(jax.random.key(7), sizes, activation)
    assert [(w.shape, b.shape) for w, b in ps] == [((200, 100), (100,)), ((100, 3), (3,))]
    assert all(w.dtype == jnp.float32 and b.dtype == jnp.float32 for w, b in ps)
    assert all(np.all(np.asarray(b) == 0) for _, b in ps)
    w = np.asarray(ps[0][0])
    # 20,000 normal draws: the sample std is within 5% of the He / Glorot value.
    assert np.std(w) == pytest.approx(std(200, 100), rel=0.05)
    assert abs(np.mean(w)) < 0.05 * std(200, 100)
    assert network.sizes_of(ps) == sizes
    again = network.init_mlp(jax.random.key(7), sizes, activation)
    np.testing.assert_array_equal(again[1][0], ps[1][0])
    assert not np.array_equal(network.init_mlp(jax.random.key(8), sizes, activation)[1][0], ps[1][0])


def test_to_numpy(params):
    out = network.to_numpy(params)
    assert all(isinstance(w, np.ndarray) and isinstance(b, np.ndarray) for w, b in out)
    np.testing.assert_array_equal(out[1][0], params[1][0])


@pytest.mark.parametrize("sizes", [(3,), (), (3, 0, 2), (3, -1, 2), (3, network.MAX_WIDTH + 1, 2),
                                   (2,) * (network.MAX_LAYERS + 2)])
def test_invalid_sizes_raise(sizes):
    with pytest.raises(ValueError, match="sizes|size"):
        network.init_mlp(jax.random.key(0), sizes)


def test_valid_extremes_and_invalid_activation():
    assert network.check_sizes([1, network.MAX_WIDTH]) == (1, network.MAX_WIDTH)
    assert len(network.check_sizes((2,) * (network.MAX_LAYERS + 1))) == network.MAX_LAYERS + 1
    with pytest.raises(ValueError, match="activation"):
        network.init_mlp(jax.random.key(0), (2, 3, 2), "softsign")
    with pytest.raises(ValueError, match="activation"):
        network.check_activation("ReLU")
