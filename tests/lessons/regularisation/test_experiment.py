"""The regularisation lesson's experiments: closed forms against enumeration and sampling, same key same numbers."""
import numpy as np
import pytest

from dropout_viz.lessons.regularisation import experiment as ex

KEY = ex.experiment_key(3)


@pytest.fixture(scope="module")
def lin():
    return ex.linear(KEY, 0.6, True, 20_000)


def test_linear_closed_form_enumeration_and_sampling_agree(lin):
    assert lin.enumerated == pytest.approx(lin.closed, rel=1e-9)
    assert abs(lin.mc - lin.closed) <= 5 * lin.se
    # The penalty coefficients of inverted dropout: c_j = (1 - q)/q Σ_i x_ij².
    np.testing.assert_allclose(lin.coef, (1 - 0.6) / 0.6 * lin.sum_sq, rtol=1e-6)
    assert lin.penalty == pytest.approx(float(lin.coef @ lin.w_ols ** 2), rel=1e-6)
    # Dropout-trained weights reach the ridge weights up to the training's sampling error.
    assert lin.max_diff < 0.05 * lin.max_w


def test_standard_form_coefficients_and_test_time_scaling():
    q = 0.6
    std = ex.linear(KEY, q, False, 1000)
    inv = ex.linear(KEY, q, True, 1000)
    np.testing.assert_allclose(std.coef, q * (1 - q) * std.sum_sq, rtol=1e-6)
    assert std.scale == q and inv.scale == 1.0
    # Standard dropout's weights are the inverted ones divided by q: the same after test-time scaling.
    np.testing.assert_allclose(std.shrink["ridge"], inv.shrink["ridge"], rtol=1e-6)


def test_keep_one_has_no_penalty():
    one = ex.linear(KEY, 1.0, True, 1000)
    assert not one.coef.any() and one.penalty == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(one.w_ridge, one.w_ols, rtol=1e-9)


def test_bias_variance_parts_add_up_and_match_sampling():
    inv = ex.bias_variance(KEY, True, 0.5, 0.5)
    assert inv.lines.shape == (ex.CONFIG.bv_line_points, 4) and inv.points.shape == (len(ex.CONFIG.bv_keeps), 4)
    np.testing.assert_allclose(inv.lines[:, 0], 0.0, atol=1e-12)  # inverted dropout is unbiased
    np.testing.assert_allclose(inv.lines[:, 3], inv.lines[:, :3].sum(axis=1), rtol=1e-9)
    assert inv.lines[0, 1] == pytest.approx(0.0, abs=1e-12)  # p = 0: no variance
    assert inv.here_closed[2] == pytest.approx(0.25)  # noise = σ²
    np.testing.assert_allclose(inv.here_sampled, inv.here_closed, rtol=0.1, atol=0.02)
    std = ex.bias_variance(KEY, False, 0.5, 0.5)
    assert np.all(np.diff(std.lines[:, 0]) > 0)  # standard dropout's bias² grows with p
    np.testing.assert_allclose(std.points, ex.bias_variance(KEY, False, 0.5, 0.5).points)  # same key, same draws


def test_rivals_short_run():
    rv = ex.rivals(KEY, "moons", 0.5, 0.01, 0.001, 0.15, 0.1, 100, seed=3)
    n_fit = len(rv.y_fit)
    assert n_fit + rv.n_val + rv.n_test == ex.CONFIG.n_points
    assert rv.run.eval_steps[rv.stop_index] == rv.run.stop_step
    assert rv.train_loss(ex.EARLY_STOPPING) == pytest.approx(float(rv.run.train_loss[0, rv.stop_index]))
    assert rv.train_loss(0) == pytest.approx(float(rv.run.train_loss[0, -1]))


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        ex.CONFIG.n_linear = 3
    assert ex.CONFIG.bv_line[0] == 0.0 and ex.CONFIG.bv_line[-1] == pytest.approx(0.8)
