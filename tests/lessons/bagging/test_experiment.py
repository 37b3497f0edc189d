"""The bagging lesson's experiment: closed forms and invariants of a short run, same seed same numbers."""
import numpy as np
import pytest

from dropout_viz.lessons.bagging import experiment as ex

SMALL = dict(name="moons", noise=0.3, width=16, keep=0.5, steps=200)


@pytest.fixture(scope="module")
def run():
    return ex.run(ex.experiment_key(1), **SMALL, seed=1)


def test_summary_counts_parameters_members_and_droppable_units(run):
    res = ex.summarise(run, 3, n_train=len(run.y_train))
    s = res.summary
    assert res.d == 32  # two hidden layers of 16 units with keep < 1, inputs kept
    assert s.n_params[1] == 3 * s.n_params[0] and s.n_params[2] == s.n_params[3] == s.n_params[0]
    assert s.n_params[0] == (2 * 16 + 16) + (16 * 16 + 16) + (16 * 2 + 2)
    assert res.n_train + res.n_test == ex.CONFIG.n_points
    assert res.n_test == round(ex.CONFIG.test_fraction * ex.CONFIG.n_points)
    assert np.all((s.test_error >= 0) & (s.test_error <= 1))
    assert np.isnan(s.ws_test_error[1]) and not np.isnan(s.ws_test_error[[0, 2, 3]]).any()


def test_ambiguity_identity_holds_and_k1_has_no_decomposition(run):
    res = ex.summarise(run, 4, n_train=len(run.y_train))
    for a in res.ambiguity:
        assert a.n_members == 4
        assert a.gain == pytest.approx(a.predicted_gain, abs=1e-9)
        assert a.ensemble <= a.individual + 1e-12
    assert all(v.n_members == 4 for v in res.votes)
    one = ex.summarise(run, 1, n_train=len(run.y_train))
    assert one.ambiguity is None and one.votes is None


def test_k_only_reaverages_the_bagged_networks(run):
    a, b = ex.summarise(run, 2, 100).summary, ex.summarise(run, 5, 100).summary
    np.testing.assert_array_equal(a.test_loss[[0, 2, 3]], b.test_loss[[0, 2, 3]])
    with pytest.raises(ValueError, match="k"):
        ex.summarise(run, ex.CONFIG.n_bags + 1, 100)


def test_vote_counterexample_is_worse_than_every_voter():
    labels, vote, y, check = ex.vote_counterexample()
    voter_errors = (labels != y).mean(axis=1)
    assert np.all(voter_errors == pytest.approx(0.4))
    assert (vote != y).mean() == pytest.approx(0.6) == check.ensemble
    assert check.gain < 0 < check.predicted_gain


def test_same_seed_same_result(run):
    again = ex.run(ex.experiment_key(1), **SMALL, seed=1)
    np.testing.assert_array_equal(run.family_test, again.family_test)
    np.testing.assert_array_equal(run.bag_test, again.bag_test)


def test_config_is_frozen_and_width_is_checked():
    with pytest.raises(AttributeError):
        ex.CONFIG.n_bags = 3
    with pytest.raises(ValueError, match="width"):
        ex.ensemble_config(0)
