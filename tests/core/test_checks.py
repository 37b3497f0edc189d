"""dropout_viz.core.checks and dropout_viz.core.rng: the shared argument checks and the one seed-to-key path."""
import ast
import pathlib

import jax
import numpy as np
import pytest

from dropout_viz.core import checks, rng

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", [0, 3, 10, np.int64(7), np.int32(0)])
def test_check_int_accepts_integers_in_range_and_returns_an_int(value):
    out = checks.check_int("n", value, 0, 10)
    assert out == value and type(out) is int


@pytest.mark.parametrize("value, match", [
    (-1, r"n must be in \[0, 10\], got -1"),
    (11, r"n must be in \[0, 10\], got 11"),
    (2.0, r"n must be an integer in \[0, 10\], got 2.0"),
    (2.5, r"n must be an integer in \[0, 10\]"),
    (True, r"n must be an integer in \[0, 10\], got True"),
    (float("nan"), r"n must be an integer in \[0, 10\], got nan"),
    ("3", r"n must be an integer in \[0, 10\], got '3'"),
    (None, r"n must be an integer"),
])
def test_check_int_names_the_argument_the_range_and_the_value(value, match):
    with pytest.raises(ValueError, match=match):
        checks.check_int("n", value, 0, 10)


def test_check_int_open_bounds_and_check_count():
    assert checks.check_int("seed", -(2**40)) == -(2**40)
    assert checks.check_count("n_draws", 0) == 0
    with pytest.raises(ValueError, match=r"n_draws must be >= 0, got -5"):
        checks.check_count("n_draws", -5)
    with pytest.raises(ValueError, match=r"k must be <= 3, got 4"):
        checks.check_int("k", 4, hi=3)


@pytest.mark.parametrize("keep", [1.0, 0.5, 1e-9, (1.0, 0.5), [0.2], np.array([0.3, 1.0])])
def test_check_keep_accepts_probabilities_in_the_half_open_interval(keep):
    out = checks.check_keep("keep", keep)
    assert np.allclose(out, np.asarray(keep, np.float64).reshape(np.shape(out)))
    assert isinstance(out, float) if np.ndim(keep) == 0 else isinstance(out, tuple)


@pytest.mark.parametrize("keep", [0.0, 1.5, -0.2, float("nan"), float("inf"), (1.0, 0.0), [0.5, float("nan")]])
def test_check_keep_refuses_values_outside_zero_one(keep):
    with pytest.raises(ValueError, match=r"q_hidden must lie in \(0, 1\].*got"):
        checks.check_keep("q_hidden", keep)


@pytest.mark.parametrize("keep", [(), [], np.array([])])
def test_check_keep_refuses_empty_and_non_numbers(keep):
    with pytest.raises(ValueError, match="keep must not be empty"):
        checks.check_keep("keep", keep)
    with pytest.raises(ValueError, match="keep must be a keep probability"):
        checks.check_keep("keep", "half")


def test_long_values_are_quoted_short():
    with pytest.raises(ValueError) as err:
        checks.check_keep("keep", [2.0] * 500)
    assert "keep must lie in (0, 1]" in str(err.value) and "…" in str(err.value)
    assert len(str(err.value)) < 200
    with pytest.raises(ValueError) as err:
        checks.check_choice("activation", "x" * 1000, ["relu", "tanh"])
    assert len(str(err.value)) < 150
    assert checks.short_repr("abc") == "'abc'"
    assert checks.short_repr("y" * 100) == "'" + "y" * 60 + "'…"


def test_check_float_bounds_and_nan():
    assert checks.check_float("sigma", 0, 0.0) == 0.0
    assert checks.check_float("lr", np.float32(0.5), 0.0, 1.0, open_lo=True) == 0.5
    for bad, match in [(float("nan"), r"sigma must be a finite number >= 0\.0, got nan"),
                       (-0.1, r"sigma must be a finite number >= 0\.0, got -0\.1"),
                       (float("inf"), "sigma must be a finite number"),
                       ("big", r"sigma must be a number >= 0\.0, got 'big'"),
                       ([1.0], "sigma must be a number")]:
        with pytest.raises(ValueError, match=match):
            checks.check_float("sigma", bad, 0.0)
    with pytest.raises(ValueError, match=r"lr must be a finite number in \(0\.0, 1\.0\], got 0\.0"):
        checks.check_float("lr", 0.0, 0.0, 1.0, open_lo=True)
    with pytest.raises(ValueError, match=r"p must be a finite number in \[0, 1\), got 1"):
        checks.check_float("p", 1, 0, 1, open_hi=True)


def test_array_checks():
    x = checks.check_array("x", [[1, 2], [3, 4]], ndim=2)
    assert x.dtype == np.float64 and x.shape == (2, 2)
    with pytest.raises(ValueError, match=r"x must not be empty, got shape \(0, 2\)"):
        checks.check_array("x", np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"x must be finite \(no NaN or infinity\)"):
        checks.check_array("x", [1.0, float("nan")])
    with pytest.raises(ValueError, match=r"x must have 2 dimension\(s\), got shape \(3,\)"):
        checks.check_array("x", [1, 2, 3], ndim=2)
    assert checks.check_array("x", [], nonempty=False).size == 0
    assert np.isnan(checks.check_array("x", [np.nan], finite=False)).all()
    with pytest.raises(ValueError, match=r"w must be finite"):
        checks.check_finite("w", [0.0, np.inf])
    assert checks.check_finite("w", 3).shape == ()
    with pytest.raises(ValueError, match=r"masks must not be empty"):
        checks.check_nonempty("masks", [])
    assert checks.check_shape("y", np.zeros(5), (None,)).shape == (5,)
    with pytest.raises(ValueError, match=r"y must have shape \(5,\), got \(4,\)"):
        checks.check_shape("y", np.zeros(4), (5,))
    with pytest.raises(ValueError, match=r"x must have shape \(n, 3\), got \(4, 2\)"):
        checks.check_shape("x", np.zeros((4, 2)), (None, 3))
    with pytest.raises(ValueError, match=r"layer_masks\[1\] must have 6 entries on its last axis, got shape \(5,\)"):
        checks.check_width("layer_masks[1]", np.ones(5), 6)


def test_check_choice():
    options = {"relu": 1, "tanh": 2}
    assert checks.check_choice("activation", "tanh", options) == "tanh"
    for bad in ("gelu", ["relu"], None):
        with pytest.raises(ValueError, match=r"activation must be one of \['relu', 'tanh'\], got"):
            checks.check_choice("activation", bad, options)


def test_rng_key_is_prngkey_folded_left_to_right():
    def by_hand(seed, *folds):
        k = jax.random.PRNGKey(seed)
        for f in folds:
            k = jax.random.fold_in(k, f)
        return np.asarray(k)

    for seed, folds in [(0, ()), (7, (3,)), (42, (0, 9)), (123, (4, 2, 1)), (np.int64(5), (np.int32(1),))]:
        assert np.array_equal(np.asarray(rng.key(seed, *folds)), by_hand(int(seed), *map(int, folds)))
    assert not np.array_equal(np.asarray(rng.key(1, 2, 3)), np.asarray(rng.key(1, 3, 2)))
    with pytest.raises(ValueError, match="seed must be an integer"):
        rng.key(1.5)
    with pytest.raises(ValueError, match=r"folds\[0\] must be in \[0, 4294967295\], got -1"):
        rng.key(0, -1)


def test_fast_key_inside_a_program_is_the_same_key():
    for seed, folds in [(0, ()), (7, (3,)), (2**32 - 1, (0, 9))]:
        inside = jax.jit(lambda s: jax.random.key_data(rng.fast_key_traced(s, *folds)))(np.uint32(seed))
        assert np.array_equal(np.asarray(inside), np.asarray(jax.random.key_data(rng.fast_key(seed, *folds))))
    with pytest.raises(ValueError, match="seed must be"):
        rng.fast_key(-1)


def _calls(path: pathlib.Path, names: set[str]) -> list[str]:
    """Dotted names of the calls in a module whose last part is one of names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            parts, f = [], node.func
            while isinstance(f, ast.Attribute):
                parts.append(f.attr)
                f = f.value
            if isinstance(f, ast.Name):
                parts.append(f.id)
            if parts and parts[0] in names:
                found.append(".".join(reversed(parts)))
    return found


def test_pages_build_keys_only_through_rng():
    pages = sorted((ROOT / "dropout_viz" / "ui").glob("*.py"))
    assert pages
    for page in pages:
        assert _calls(page, {"PRNGKey", "fold_in", "key"}) == [c for c in _calls(page, {"key"}) if c == "rng.key"], page


def test_one_integer_rule_and_one_activation_check():
    lib = [p for p in (ROOT / "dropout_viz").rglob("*.py") if "ui" not in p.relative_to(ROOT).parts]
    assert any(p.name == "checks.py" for p in lib)
    for path in lib:
        text = path.read_text()
        if path.name != "model_io.py":  # its messages are owned elsewhere
            assert "activation must be one of" not in text or path.name == "checks.py", path
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "_check_int":
                # A local alias may remain, but its body is one call to checks.check_int.
                assert "checks.check_int" in ast.unparse(node), path
