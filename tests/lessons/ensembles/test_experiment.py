"""The ensemble lesson's experiment: pure functions, checked against closed forms and by re-running them."""
import dataclasses
import math

import numpy as np
import pytest

from dropout_viz.core import ensembles
from dropout_viz.lessons.ensembles import experiment as ens


@pytest.fixture(scope="module")
def small():
    """A 2-6-6-2 on moons, 500 steps (d = 12: every mask can be enumerated in a moment)."""
    spec = ens.classifier_spec("moons", 3, "2-6-6-2", 1.0, 0.7, 500)
    model = ens.train(ens.key(3, ens.TRAIN), spec)
    return model, ens.weight_scaled(model), ens.exact(model)


def test_config_is_frozen_and_feeds_the_constants():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ens.CONFIG.k_max = 5
    assert (ens.RESOLUTION, ens.K_MAX, ens.N_SEQUENCES) == (ens.CONFIG.resolution, ens.CONFIG.k_max,
                                                          ens.CONFIG.n_sequences)


def test_classifier_spec_and_case_specs():
    spec = ens.classifier_spec("xor", 4, "2-16-2", 0.5, 0.8, 1000)
    assert spec.sizes == (2, 16, 2) and spec.keep == (0.5, 0.8) and ensembles.droppable_units(spec) == 18
    with pytest.raises(ValueError, match="^arch must be one of"):
        ens.classifier_spec("xor", 4, "2-3-2", 1.0, 0.8, 1000)
    main = ens.classifier_spec("moons", 0, "2-10-10-2", 1.0, 0.6, 500)
    assert ens.case_spec("softmax", main, "relu").sizes == (9, 2)
    assert ens.case_spec("sigmoid", main, "relu").head == "sigmoid"
    assert ens.case_spec("last", main, "tanh").keep == (1.0, 1.0, 0.6)
    assert ens.case_spec("all", main, "relu") == main  # the classifier itself: its training comes from the cache
    assert ens.case_spec("all", ens.classifier_spec("moons", 0, "2-16-2", 1.0, 0.6, 500), "relu").sizes == (2, 8, 8, 2)
    with pytest.raises(ValueError, match="^case must be one of"):
        ens.case_spec("nonsense", main, "relu")


def test_panels_difference_and_same_seed_same_result(small):
    model, ws, exact = small
    mc = ens.monte_carlo(ens.key(3, ens.MASKS, 0), model, 20)
    view = ens.panels(model, ws, mc, exact)
    assert set(view.surfaces) == set(ens.PREDICTORS)
    assert all(s.shape == (ens.RESOLUTION, ens.RESOLUTION) for s in view.surfaces.values())
    diff, tv_grid, tv_test = ens.difference(view, "MC arithmetic", "exact arithmetic")
    # Two classes: the total variation at a point is |ΔP(class 1)|.
    assert tv_grid == pytest.approx(np.abs(diff).mean(), rel=1e-5) and 0 <= tv_test <= 1
    assert ens.difference(view, "weight-scaled", "weight-scaled")[1] == 0.0
    again = ens.monte_carlo(ens.key(3, ens.MASKS, 0), model, 20)
    np.testing.assert_array_equal(again.arithmetic, mc.arithmetic)
    assert set(ens.panels(model, ws, mc, None).surfaces) == set(ens.PREDICTORS[:3])


def test_strip_counts_kept_units(small):
    model, _ws, _exact = small
    s = ens.strip(ens.key(3, ens.MASKS, 0), model, 4)
    assert s.widths == (6, 6) and s.kept.shape == (4, 2) and len(s.surfaces) == 4
    assert np.all((0 <= s.kept) & (s.kept <= 6))
    np.testing.assert_array_equal(s.has_path, np.all(s.kept > 0, axis=1))


def test_case_view_geometric_is_weight_scaled_when_only_the_last_layer_drops():
    spec = ens.case_spec("last", ens.classifier_spec("moons", 1, "2-6-6-2", 1.0, 0.5, 500), "relu")
    model = ens.train(ens.key(1, ens.TRAIN), spec)
    cv = ens.case_view(model, ens.weight_scaled(model), ens.exact(model))
    assert cv.d == 6 and cv.max_geo_ws < 1e-5 and cv.max_arith_ws > 1e-3
    assert cv.jensen is None or cv.jensen.gap.shape[1] == 6


# --- voting (moved from the page's AppTest: they test pure functions) ----------------------------------------

def test_vote_table_rows_and_errors():
    rows = ens.table_rows({"P(class 0)": [0.49, None], "P(class 1)": [0.51, 0.5]})
    assert rows[0] == (0.49, 0.51) and math.isnan(rows[1][0])
    with pytest.raises(ValueError, match="empty"):
        ens.votes(rows, False)
    with pytest.raises(ValueError, match="at least one model"):
        ens.votes((), False)
    v = ens.votes(ens.table_rows({"a": [0.2, 0.1], "b": [0.2, 0.3]}), True)
    assert np.allclose(v.probs, [[0.5, 0.5], [0.25, 0.75]])


def test_vote_table_link_round_trip_and_refusals():
    assert ens.rows_to_param(ens.DEFAULT_VOTES) is None  # the default table leaves the link alone
    rows = ((0.49, 0.9), (0.2, float("nan")), (1.0, 0.0))
    text = ens.rows_to_param(rows)
    assert text == "0.49,0.9;0.2,;1,0"
    back = ens.rows_from_param(text)
    assert back[0] == (0.49, 0.9) and back[2] == (1.0, 0.0) and math.isnan(back[1][1])
    with pytest.raises(ValueError, match="row 2 .* 3 cells"):
        ens.rows_from_param("0.5,0.5;0.1,0.2,0.7")
    with pytest.raises(ValueError, match="row 1 .* not a number"):
        ens.rows_from_param("half,0.5")
    with pytest.raises(ValueError, match="1 to 50 rows"):
        ens.rows_from_param(";".join(["0.5,0.5"] * 51))


def test_default_votes_disagree():
    v = ens.votes(ens.DEFAULT_VOTES, False)
    assert (v.vote, v.arithmetic_decision, v.geometric_decision) == (1, 0, 0)
