"""The home network's masks: one per (seed, draw), outputs never dropped, raising keep only adds units back."""
import numpy as np

from dropout_viz.lessons.home import experiment as ex


def test_config_keep_is_one_entry_per_layer_of_inputs():
    c = ex.Config()
    assert c.keep() == (0.8, 0.5, 0.5)
    assert c.keep(1.0, 0.3) == (1.0, 0.3, 0.3)
    assert len(c.keep()) == len(c.sizes) - 1


def test_masks_have_the_layer_shapes_and_the_output_is_never_dropped():
    sizes = ex.CONFIG.sizes
    m = ex.sample_masks(ex.key(0, 0), sizes, ex.CONFIG.keep())
    assert [a.shape for a in m] == [(n,) for n in sizes]
    assert np.all(m[-1] == 1)
    assert all(set(np.unique(a)) <= {0.0, 1.0} for a in m)


def test_same_seed_and_draw_same_mask_and_keep_only_adds_units():
    sizes = ex.CONFIG.sizes
    a = ex.sample_masks(ex.key(3, 2), sizes, (0.8, 0.5, 0.5))
    b = ex.sample_masks(ex.key(3, 2), sizes, (0.8, 0.5, 0.5))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    other = ex.sample_masks(ex.key(3, 3), sizes, (0.8, 0.5, 0.5))
    assert not all(np.array_equal(x, y) for x, y in zip(a, other))
    more = ex.sample_masks(ex.key(3, 2), sizes, (0.9, 0.8, 0.8))
    assert all(np.all(y >= x) for x, y in zip(a, more))
    full = ex.sample_masks(ex.key(3, 2), sizes, (1.0, 1.0, 1.0))
    assert all(np.all(x == 1) for x in full)


def test_subnetwork_count_is_two_to_the_droppable_units():
    sizes = ex.CONFIG.sizes
    assert ex.n_subnetworks_log2(sizes, (0.8, 0.5, 0.5)) == 18
    assert ex.n_subnetworks_log2(sizes, (1.0, 0.5, 0.5)) == 16
    assert ex.n_subnetworks_log2(sizes, (1.0, 1.0, 1.0)) == 0
