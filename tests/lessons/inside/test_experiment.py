"""The lesson's experiments: the page's numbers from seeds, closed forms against enumeration, same seed same result."""
import numpy as np
import pytest

from dropout_viz.lessons.inside import experiment as ex


def test_config_grids_hold_the_points_the_page_reads():
    c = ex.Config()
    fr = c.ablation_fractions()
    assert fr[0] == 0.0 and fr[-1] == 1.0 and np.any(np.isclose(fr, 0.5))  # the "half off" metric
    assert c.landscape_points % 2 == 1  # t = 0 on the grid
    keeps = c.sweep_keeps()
    assert keeps[0] == pytest.approx(c.sweep_lo) and keeps[-1] == 1.0 and np.all(np.diff(keeps) > 0)


def test_each_experiment_has_its_own_stream_and_the_same_seed_gives_the_same_key():
    keys = [np.asarray(ex.key(3, s)).tolist() for s in ex.STREAMS]
    assert len({str(k) for k in keys}) == len(ex.STREAMS)
    assert np.asarray(ex.key(3, "paths")).tolist() == np.asarray(ex.key(3, "paths")).tolist()
    assert np.asarray(ex.key(4, "paths")).tolist() != np.asarray(ex.key(3, "paths")).tolist()


def test_sizes_and_data_follow_the_registry():
    assert ex.sizes_for("digits", 32) == (64, 32, 32, 10)
    assert ex.sizes_for("moons", 16)[0] == 2 and ex.sizes_for("moons", 16)[-1] == 2
    ds = ex.data("digits", 0)
    assert len(ds.y_train) + len(ds.y_test) == ex.CONFIG.digits_points


def test_paths_closed_forms_and_samples():
    res = ex.paths(ex.key(0, "paths"), 0.5, 0.8, 3, 6, 20_000)
    depth = np.arange(1, 7)
    np.testing.assert_allclose(res["one_closed"], 0.8 * 0.5**depth)
    np.testing.assert_allclose(res["any_closed"], (1 - 0.2**3) * (1 - 0.5**3) ** depth)
    # The sampled shares sit within 5 standard errors of the closed forms.
    for closed, mc, se in (("one_closed", "one_mc", "one_se"), ("any_closed", "any_mc", "any_se")):
        assert np.all(np.abs(res[mc] - res[closed]) <= 5 * res[se] + 1e-3)
    again = ex.paths(ex.key(0, "paths"), 0.5, 0.8, 3, 6, 20_000)
    np.testing.assert_array_equal(again["one_mc"], res["one_mc"])


@pytest.mark.parametrize("inverted", [True, False])
def test_jensen_exact_gap_for_z_squared_is_the_closed_form_variance(inverted):
    res = ex.jensen(ex.key(1, "jensen_unit"), ex.key(1, "jensen_mc"), 5, 0.7, inverted, 0.3, 2_000)
    assert res["n_masks"] == 32 and res["z"].shape == (32,) and res["prob"].sum() == pytest.approx(1.0)
    assert res["exact"]["gap_sq"] == pytest.approx(res["closed"]["var"], rel=1e-6, abs=1e-9)
    assert res["exact"]["mean"] == pytest.approx(res["closed"]["mean"], rel=1e-6, abs=1e-9)
    assert res["closed"]["gap_relu"] is None and res["exact"]["gap_relu"] >= 0
    # Brute force: E z over the 2^d subnetworks from w and x.
    w, x = res["w"], res["x"]
    scale = 1 / 0.7 if inverted else 1.0
    assert res["exact"]["mean"] == pytest.approx(0.3 + (0.7 * scale) * float(w @ x), rel=1e-5, abs=1e-7)
    assert set(res["sweep"]) >= {"keep", "closed_sq", "exact_sq", "exact_relu"}


def test_trained_pair_ablation_and_landscape_on_a_small_net():
    ds = ex.data("moons", 2)
    pair = ex.trained_pair(ex.key(2, "train"), ds, ex.sizes_for("moons", 8), 0.5, 100)
    abl = ex.ablation(ex.key(2, "ablation"), pair, ds, 2, 3)
    mean_plain, spread_plain = abl["plain"]
    # 0 % switched off is the whole network, in every order.
    assert mean_plain[0] == pytest.approx(pair["test_acc"][0]) and spread_plain[0] == pytest.approx(0.0)
    assert abl["percent"][0] == 0 and abl["percent"][-1] == 100 and abl["chance"] == 0.5
    land = ex.landscape(ex.key(2, "landscape"), pair, ds, 2, 0.5, "test")
    mid = len(land["ts"]) // 2
    assert land["ts"][mid] == 0.0
    assert np.ptp(land["plain"][0][mid:mid + 1]) == 0  # one t = 0 value, the same for every direction
    with pytest.raises(ValueError, match="split"):
        ex.landscape(ex.key(2, "landscape"), pair, ds, 2, 0.5, "validation")
