"""dropout_viz.core.reference: the NumPy yardstick refuses bad arguments with a ValueError naming them."""
import numpy as np
import pytest

from dropout_viz.core import reference


def _setup():
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(2, 4)), np.zeros(4)), (rng.normal(size=(4, 2)), np.zeros(2))]
    x = rng.normal(size=(20, 2))
    y = (x[:, 0] > 0).astype(int)
    return params, x, y


def test_train_steps_runs_and_zero_steps_change_nothing():
    params, x, y = _setup()
    out, losses = reference.train_steps(params, x, y, (1.0, 0.5), 0.01, 5, 8, np.random.default_rng(1))
    assert losses.shape == (5,) and np.all(np.isfinite(losses))
    assert not np.allclose(out[0][0], params[0][0])
    same, none = reference.train_steps(params, x, y, (1.0, 0.5), 0.01, 0, 8, np.random.default_rng(1))
    assert none.size == 0 and all(np.array_equal(a[0], b[0]) for a, b in zip(same, params))


@pytest.mark.parametrize("change, match", [
    (dict(keep=(1.0, 1.5)), r"keep must lie in \(0, 1\]"), (dict(keep=(1.0,)), "keep needs one value"),
    (dict(keep=0.5), "keep needs one value"), (dict(lr=float("nan")), "lr"), (dict(n_steps=-5), "n_steps"),
    (dict(batch=0), "batch"), (dict(x=np.zeros((0, 2))), "x must not be empty"),
])
def test_train_steps_refuses_bad_arguments(change, match):
    params, x, y = _setup()
    args = dict(params=params, x=x, y=y, keep=(1.0, 0.5), lr=0.01, n_steps=2, batch=4, rng=np.random.default_rng(0))
    args.update(change)
    with pytest.raises(ValueError, match=match):
        reference.train_steps(**args)
