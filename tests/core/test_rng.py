"""core.rng's eager draws: jax.random's values, bit for bit, from a few compiled programs whatever the shape."""
import jax
import numpy as np
import pytest

from dropout_viz.core import masks, rng

SHAPES = [(), (0,), (1,), 5, (7,), (63,), (64,), (65,), (3, 4), (10, 7), (33, 31), (2, 3, 5), (1000, 12)]


@pytest.mark.parametrize("shape", SHAPES)
def test_uniform_and_normal_are_jax_randoms_values(shape):
    k = rng.key(11, 3)
    np.testing.assert_array_equal(rng.uniform_np(k, shape), np.asarray(jax.random.uniform(k, shape)))
    np.testing.assert_array_equal(rng.normal_np(k, shape), np.asarray(jax.random.normal(k, shape)))
    assert rng.uniform_np(k, shape).dtype == np.float32


@pytest.mark.parametrize("n", [1, 2, 3, 25, 64, 65, 300])
def test_split_is_jax_randoms_split(n):
    k = rng.key(5)
    np.testing.assert_array_equal(np.asarray(rng.split_np(k, n)), np.asarray(jax.random.split(k, n)))


def test_masks_are_the_jitted_samplers_masks():
    k = rng.key(2, 9)
    sizes, keep = (4, 6, 6, 1), (0.8, 0.5, 0.3)
    for batch in (None, 1, 17, 1000):
        want = masks.sample_layer_masks(k, sizes, keep, batch=batch)
        got = masks.sample_layer_masks_np(k, sizes, keep, batch=batch)
        assert [g.shape for g in got] == [np.shape(w) for w in want]
        for g, w in zip(got, want):
            assert g.dtype == np.float32
            np.testing.assert_array_equal(g, np.asarray(w))
    per_unit = np.array([0.1, 0.5, 0.9, 1.0], np.float32)  # keep broadcasts against the shape
    np.testing.assert_array_equal(masks.bernoulli_mask_np(k, per_unit, (50, 4)),
                                  np.asarray(masks.bernoulli_mask(k, per_unit, (50, 4))))


def test_many_shapes_compile_a_few_programs():
    """Forty shapes, from 1 to 40,000 values: one program per block length (powers of two from MIN_BLOCK), not
    one per shape."""
    jax.clear_caches()
    k = rng.key(0)
    counts = [int(n) for n in np.unique(np.geomspace(1, 40_000, 40).astype(int))]
    for n in counts:
        rng.uniform_np(k, (n, 1))
        rng.uniform_np(k, (1, n))
    lengths = {rng._block(n) for n in counts}
    assert rng._uniform_block._cache_size() == len(lengths) <= 11


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="shape"):
        rng.uniform_np(rng.key(0), (3, -1))
    with pytest.raises(ValueError, match="n"):
        rng.split_np(rng.key(0), 0)
