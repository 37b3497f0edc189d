"""Tests for dropout_viz.core.datasets: registry generators, splits, grids, CSV upload."""

import numpy as np
import pytest

from dropout_viz.core import datasets
from dropout_viz.core.datasets import (
    DATASETS,
    curve_grid,
    dataset_from_points,
    make_dataset,
    parse_points_csv,
    surface_grid,
)

TWO_D = [name for name, spec in DATASETS.items() if spec.n_features == 2]


def _all(ds):
    """Train and test joined back together: (x, y)."""
    return np.concatenate([ds.x_train, ds.x_test]), np.concatenate([ds.y_train, ds.y_test])


def _assert_same(a, b):
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


# --- registry --------------------------------------------------------------------------------------


def test_registry_names_and_specs():
    assert set(DATASETS) == {"moons", "circles", "xor", "spiral", "gaussians", "sine", "digits"}
    for name, spec in DATASETS.items():
        assert spec.name == name
        assert spec.task in ("classification", "regression")
        assert (spec.n_classes is None) == (spec.task == "regression")
        assert 0.0 <= spec.default_noise <= spec.max_noise
        assert spec.label and spec.note
    assert DATASETS["digits"].max_n == 1797


@pytest.mark.parametrize("name", list(DATASETS))
def test_shapes_dtypes_and_labels(name):
    spec = DATASETS[name]
    ds = make_dataset(name, seed=3, n=200, noise=spec.default_noise)
    assert ds.name == name and ds.task == spec.task and ds.n_features == spec.n_features
    assert ds.x_train.shape == (100, spec.n_features) and ds.x_test.shape == (100, spec.n_features)
    assert ds.x_train.dtype == np.float32 and ds.x_test.dtype == np.float32
    assert ds.y_train.shape == (100,) and ds.y_test.shape == (100,)
    assert np.all(np.isfinite(ds.x_train)) and np.all(np.isfinite(ds.x_test))
    if spec.task == "classification":
        assert ds.y_train.dtype == np.int32
        _, y = _all(ds)
        assert y.min() >= 0 and y.max() < spec.n_classes
        assert ds.n_outputs == spec.n_classes
    else:
        assert ds.y_train.dtype == np.float32
        assert ds.n_outputs == 1


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_arrays_other_seed_differs(name):
    noise = DATASETS[name].max_noise / 2
    a = make_dataset(name, seed=7, n=120, noise=noise)
    b = make_dataset(name, seed=7, n=120, noise=noise)
    c = make_dataset(name, seed=8, n=120, noise=noise)
    _assert_same(a, b)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", TWO_D)
def test_2d_sets_balanced_and_in_box(name):
    x, y = _all(make_dataset(name, seed=0, n=401, noise=0.0))
    counts = np.bincount(y, minlength=2)
    assert abs(counts[0] - counts[1]) <= 1
    # The documented box: clean points stay inside [-1.5, 1.5]^2 (gaussians' tails may poke out).
    inside = np.mean(np.all(np.abs(x) <= datasets.BOX, axis=1))
    assert inside >= (0.98 if name == "gaussians" else 1.0)


@pytest.mark.parametrize("name", TWO_D + ["sine"])
def test_noise_scales_the_same_jitter(name):
    # Same seed: the clean draw is shared and the jitter is linear in noise (the slider moves points).
    d0, d1, d2 = (make_dataset(name, seed=5, n=60, noise=s) for s in (0.0, 0.1, 0.2))
    field = "y_train" if name == "sine" else "x_train"
    step1 = getattr(d1, field) - getattr(d0, field)
    step2 = getattr(d2, field) - getattr(d0, field)
    np.testing.assert_allclose(step2, 2 * step1, atol=1e-5)
    assert np.abs(step1).max() > 0


def test_moons_on_their_circles_at_noise_zero():
    x, y = _all(make_dataset("moons", seed=1, n=300, noise=0.0))
    upper, lower = x[y == 0], x[y == 1]
    # Class 0: unit circle about (-0.5, -0.25), top half; class 1: about (0.5, 0.25), bottom half.
    np.testing.assert_allclose(np.hypot(upper[:, 0] + 0.5, upper[:, 1] + 0.25), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 0.5, lower[:, 1] - 0.25), 1.0, atol=1e-5)
    assert np.all(upper[:, 1] >= -0.25 - 1e-6) and np.all(lower[:, 1] <= 0.25 + 1e-6)


def test_circles_radii_separate_at_noise_zero():
    x, y = _all(make_dataset("circles", seed=2, n=500, noise=0.0))
    r = np.hypot(x[:, 0], x[:, 1])
    assert r[y == 0].max() < r[y == 1].min()  # a gap between disk and ring
    assert r[y == 0].max() <= datasets.CIRCLE_INNER + 1e-6
    assert r[y == 1].min() >= datasets.CIRCLE_RING[0] - 1e-6
    assert r[y == 1].max() <= datasets.CIRCLE_RING[1] + 1e-6


def test_xor_label_is_sign_of_product_at_noise_zero():
    x, y = _all(make_dataset("xor", seed=4, n=400, noise=0.0))
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(np.int32))
    assert np.abs(x).min() >= datasets.XOR_PAD - 1e-6
    # All four quadrants are used.
    assert len({(a, b) for a, b in np.sign(x)}) == 4


def test_spiral_classes_are_half_a_turn_apart():
    x, y = _all(make_dataset("spiral", seed=6, n=300, noise=0.0))
    r = np.hypot(x[:, 0], x[:, 1])
    s = r / 1.4
    # Undo the class offset: angle measured like the generator (x = r sin a, y = r cos a).
    angle = np.arctan2(x[:, 0], x[:, 1]) - np.pi * y
    expected = 2 * np.pi * datasets.SPIRAL_TURNS * s
    wrapped = np.angle(np.exp(1j * (angle - expected)))
    np.testing.assert_allclose(wrapped[r > 1e-3], 0.0, atol=1e-3)


def test_gaussian_blob_means():
    x, y = _all(make_dataset("gaussians", seed=0, n=2000, noise=0.0))
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [0.6, 0.6], atol=0.05)
    np.testing.assert_allclose(x[y == 0].mean(axis=0), [-0.6, -0.6], atol=0.05)


def test_sine_follows_the_curve():
    ds = make_dataset("sine", seed=0, n=200, noise=0.0)
    x, y = _all(ds)
    np.testing.assert_allclose(y, np.sin(np.pi * x[:, 0]), atol=1e-5)
    assert x.min() >= -1.5 and x.max() <= 1.5


def test_digits_pixels_labels_and_no_repeats():
    ds = make_dataset("digits", seed=0, n=1797, noise=0.0)
    x, y = _all(ds)
    assert x.shape == (1797, 64)
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    # Without replacement: all 1797 images appear once.
    assert len(np.unique(x, axis=0)) == len(np.unique(datasets._digits_arrays()[0], axis=0))
    noisy = make_dataset("digits", seed=0, n=100, noise=0.3)
    assert noisy.x_train.min() >= 0.0 and noisy.x_train.max() <= 1.0
    assert not np.isin(noisy.x_train, [0.0, 1.0]).all()


def test_digits_read_from_the_data_file_equal_load_digits():
    from sklearn.datasets import load_digits

    x, y = datasets._digits_arrays()
    bunch = load_digits()
    np.testing.assert_array_equal(x, (bunch.data / 16.0).astype(np.float32))
    np.testing.assert_array_equal(y, bunch.target)


def test_returned_arrays_are_fresh():
    a = make_dataset("digits", seed=0, n=50, noise=0.0)
    a.x_train[:] = 5.0  # callers may write to what they get without harming the next call
    b = make_dataset("digits", seed=0, n=50, noise=0.0)
    assert b.x_train.max() <= 1.0


# --- splits ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, fraction, n_test", [(100, 0.5, 50), (101, 0.3, 30), (10, 0.2, 2), (4, 0.75, 3)])
def test_split_sizes(n, fraction, n_test):
    ds = make_dataset("moons", seed=0, n=n, noise=0.1, test_fraction=fraction)
    assert len(ds.y_test) == n_test and len(ds.y_train) == n - n_test
    assert len(ds.x_test) == n_test and len(ds.x_train) == n - n_test


def test_split_is_a_partition_and_stratified():
    ds = make_dataset("gaussians", seed=9, n=300, noise=0.1, test_fraction=0.3)
    full = np.random.default_rng(9)
    x_all, _ = DATASETS["gaussians"].generator(full, 300, 0.1)
    joined, _ = _all(ds)
    # Same multiset of points as the generator drew: nothing lost or duplicated.
    np.testing.assert_array_equal(np.sort(joined, axis=0), np.sort(x_all, axis=0))
    assert np.bincount(ds.y_test).tolist() == [45, 45]
    # Not sorted by class inside a split.
    assert len(np.unique(ds.y_train[:20])) == 2 and len(np.unique(ds.y_test[:20])) == 2


def test_stratified_keeps_each_class_on_both_sides():
    # 10 classes in 60 random images: small classes must still reach both splits.
    ds = make_dataset("digits", seed=1, n=60, noise=0.0, test_fraction=0.5)
    _, y = _all(ds)
    for cls in np.unique(y):
        if np.sum(y == cls) >= 2:
            assert cls in ds.y_train and cls in ds.y_test


def test_stratified_counts_helper():
    counts = np.array([50, 3, 2])
    take = datasets._stratified_test_counts(counts, 10)
    assert take.sum() == 10
    assert np.all(take >= 1) and np.all(take <= counts - 1)
    take = datasets._stratified_test_counts(np.array([2, 2, 2]), 5)
    assert take.sum() == 5  # impossible to keep all on both sides; total still honoured


# --- argument checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(name="blobs"), r"name must be one of moons, circles"),
        (dict(n=3), r"n must be in \[4, 5000\]"),
        (dict(n=5001), r"n must be in \[4, 5000\]"),
        (dict(n=2.5), r"n must be an integer"),
        (dict(name="digits", n=1798), r"n must be in \[4, 1797\]"),
        (dict(noise=-0.1), r"noise must be in \[0, 0.5\]"),
        (dict(noise=0.51), r"noise must be in \[0, 0.5\]"),
        (dict(noise=float("nan")), r"noise must be in"),
        (dict(noise="lots"), r"noise must be a number"),
        (dict(test_fraction=0.0), r"test_fraction must be in \(0, 1\)"),
        (dict(test_fraction=1.0), r"test_fraction must be in \(0, 1\)"),
        (dict(n=4, test_fraction=0.1), r"test_fraction=0.1 leaves an empty"),
        (dict(n=4, test_fraction=0.9), r"test_fraction=0.9 leaves an empty"),
        (dict(seed=-1), r"seed must be an integer >= 0"),
        (dict(seed=1.5), r"seed must be an integer >= 0"),
    ],
)
def test_make_dataset_errors(kwargs, match):
    args = dict(name="moons", seed=0, n=100, noise=0.1) | kwargs
    with pytest.raises(ValueError, match=match):
        make_dataset(**args)


def test_make_dataset_accepts_numpy_ints():
    ds = make_dataset("moons", seed=np.int64(1), n=np.int32(20), noise=np.float32(0.1))
    assert len(ds.y_train) + len(ds.y_test) == 20


# --- grids -----------------------------------------------------------------------------------------


def test_surface_grid_ordering_matches_plotly_z():
    xs, ys, points = surface_grid(resolution=5, lo=-1.0, hi=1.0)
    assert xs.shape == (5,) and ys.shape == (5,) and points.shape == (25, 2)
    assert points.dtype == np.float32
    np.testing.assert_allclose(xs, np.linspace(-1, 1, 5))
    # A function of the point, reshaped (R, R), must be indexed [iy, ix].
    values = points[:, 0] + 10 * points[:, 1]
    z = values.reshape(5, 5)
    for iy in range(5):
        for ix in range(5):
            assert z[iy, ix] == pytest.approx(xs[ix] + 10 * ys[iy])
    # Row 0 is the lowest y, x increases along a row.
    assert np.all(points[:5, 1] == ys[0]) and np.all(np.diff(points[:5, 0]) > 0)


def test_surface_grid_defaults_cover_the_box():
    xs, ys, points = surface_grid()
    assert points.shape == (3600, 2)
    assert xs[0] == pytest.approx(-1.75) and xs[-1] == pytest.approx(1.75)


@pytest.mark.parametrize("resolution", [1, 401, 2.0, True])
def test_surface_grid_resolution_checked(resolution):
    with pytest.raises(ValueError, match="resolution"):
        surface_grid(resolution)


def test_grid_range_checked():
    with pytest.raises(ValueError, match="lo and hi"):
        surface_grid(10, lo=1.0, hi=-1.0)
    with pytest.raises(ValueError, match="lo and hi"):
        curve_grid(10, lo=0.0, hi=float("inf"))


def test_curve_grid():
    xs, points = curve_grid(resolution=11, lo=-1.0, hi=1.0)
    assert xs.shape == (11,) and points.shape == (11, 1) and points.dtype == np.float32
    np.testing.assert_allclose(points[:, 0], np.linspace(-1, 1, 11), atol=1e-7)
    with pytest.raises(ValueError, match=r"resolution must be in \[2, 2000\]"):
        curve_grid(1)


# --- CSV upload ------------------------------------------------------------------------------------


def _csv(rows, header="x1,x2,label"):
    return (header + "\n" + "\n".join(rows) + "\n").encode()


GOOD_ROWS = [f"{i},{2 * i},{'b' if i % 2 else 'a'}" for i in range(12)]


def test_parse_points_happy_path():
    x, y = parse_points_csv(_csv(GOOD_ROWS))
    assert x.shape == (12, 2) and x.dtype == np.float32 and y.dtype == np.int32
    np.testing.assert_array_equal(y, [0, 1] * 6)  # "a" -> 0, "b" -> 1
    # Wider axis (x2: 0..22) spans exactly [-1.5, 1.5]; x1 uses the same scale about its centre.
    assert x[:, 1].min() == pytest.approx(-1.5) and x[:, 1].max() == pytest.approx(1.5)
    np.testing.assert_allclose(x[:, 0], (np.arange(12) - 5.5) * 1.5 / 11, rtol=1e-6)


def test_parse_points_header_order_extras_bom_blank_lines_and_integer_labels():
    raw_labels = [9, 10, -1]  # numeric order -1 < 9 < 10; as strings "-1" < "10" < "9"
    rows = [f"note{i}, {raw_labels[i % 3]} ,{i}.5,{-i}" for i in range(12)]
    data = b"\xef\xbb\xbf" + _csv(rows + [""], header="comment,Label,X2,x1")
    x, y = parse_points_csv(data)
    np.testing.assert_array_equal(y, [[1, 2, 0][i % 3] for i in range(12)])
    assert x.shape == (12, 2)
    assert np.argmax(x[:, 0]) == 0  # x1 = -i is largest in row 0


@pytest.mark.parametrize(
    "data, match",
    [
        (b"x1,x2,label\n" + b"1,2,a\n" * 10 + b"1,2,b\n" * 10, r"all points have the same coordinates"),
        (_csv(GOOD_ROWS, header="x1,y,class"), r"missing column\(s\): x2, label"),
        (_csv(GOOD_ROWS[:5] + ["1,oops,a"] + GOOD_ROWS[5:]), r"row 7: x2 = 'oops' is not a number"),
        (_csv(GOOD_ROWS + ["nan,1,a"]), r"row 14: x1 = 'nan' is not a finite number; x1 must lie between"),
        (_csv(GOOD_ROWS + ["1,-inf,a"]), r"row 14: x2 = '-inf' is not a finite number"),
        (_csv([f"{i},{i},a" for i in range(12)]), r"label must take at least 2 distinct values \(classes\), got 1"),
        (_csv([f"{i},{i},{i}" for i in range(12)]), r"too many classes: label takes 12 distinct values, at most 8"),
        (_csv(GOOD_ROWS[:9]), r"too few points: got 9, need at least 10"),
        (_csv(GOOD_ROWS + ["1,2"]), r"row 14: has 2 field\(s\), expected at least 3"),
        (_csv(GOOD_ROWS + ["1,2,"]), r"row 14: label is empty"),
        (b"\xff\xfex1,x2,label\n", r"not UTF-8"),
        (b"", r"file is empty"),
    ],
)
def test_parse_points_errors(data, match):
    with pytest.raises(ValueError, match=match):
        parse_points_csv(data)


def test_parse_points_limits():
    with pytest.raises(ValueError, match=r"file is too large: 2,000 bytes; the limit is 1,000 bytes"):
        parse_points_csv(b"x" * 2000, max_bytes=1000)
    with pytest.raises(ValueError, match=r"too many points: the limit is 11"):
        parse_points_csv(_csv(GOOD_ROWS), max_points=11)
    with pytest.raises(ValueError, match=r"too many classes: label takes 3 distinct values, at most 2"):
        parse_points_csv(_csv([f"{i},{i},{i % 3}" for i in range(12)]), max_classes=2)
    with pytest.raises(ValueError, match=r"max_points must be in"):
        parse_points_csv(_csv(GOOD_ROWS), max_points=0)
    with pytest.raises(ValueError, match=r"data must be bytes"):
        parse_points_csv("x1,x2,label\n")


def test_parse_points_never_evaluates_cells():
    # A Python expression is just text to the parser: rejected as not a number.
    with pytest.raises(ValueError, match="is not a number"):
        parse_points_csv(_csv(GOOD_ROWS + ["__import__('os'),1,a"]))


# --- uploaded points -> Dataset --------------------------------------------------------------------


def test_dataset_from_points_round_trip():
    x, y = parse_points_csv(_csv(GOOD_ROWS + [f"{i},{-i},c" for i in range(8)]))
    ds = dataset_from_points(x, y, seed=0, test_fraction=0.5)
    assert ds.name == "uploaded" and ds.task == "classification" and ds.n_features == 2
    assert ds.n_classes == 3 and ds.n_outputs == 3
    assert len(ds.y_train) + len(ds.y_test) == 20
    for cls in range(3):
        assert cls in ds.y_train and cls in ds.y_test
    _assert_same(ds, dataset_from_points(x, y, seed=0, test_fraction=0.5))
    joined, labels = _all(ds)
    np.testing.assert_array_equal(np.sort(joined, axis=0), np.sort(x, axis=0))


@pytest.mark.parametrize(
    "x, y, match",
    [
        (np.zeros((10, 3)), np.zeros(10, int), r"x must have shape \(n, 2\)"),
        (np.zeros((10, 2)), np.zeros(9, int), r"y must have shape \(10,\)"),
        (np.zeros((3, 2)), np.array([0, 1, 0]), r"at least 4 points"),
        (np.full((4, 2), np.nan), np.array([0, 1, 0, 1]), r"x must be finite"),
        (np.zeros((4, 2)), np.array([0.0, 1.0, 0.0, 1.0]), r"y must hold integer labels"),
        (np.zeros((4, 2)), np.zeros(4, int), r"at least 2 classes"),
    ],
)
def test_dataset_from_points_errors(x, y, match):
    with pytest.raises(ValueError, match=match):
        dataset_from_points(x, y, seed=0)


# --- uploaded points as a data set (Points, points_spec, draw_dataset) ----------------------------------


def _points(n=40, seed=0, source="mine.csv"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, size=(n, 2))
    return datasets.Points(x, (x[:, 0] > 0).astype(int), source=source)


def test_points_are_frozen_read_only_copies_equal_by_content():
    x = np.random.default_rng(0).uniform(-1, 1, size=(10, 2))
    y = np.array([0, 1] * 5)
    p = datasets.Points(x, y, source="a.csv")
    assert p.x.dtype == np.float32 and p.y.dtype == np.int32 and len(p) == 10 and p.n_classes == 2
    x[0, 0] = 99.0  # the caller's array is not the stored one
    assert p.x[0, 0] != 99.0
    with pytest.raises(ValueError):
        p.x[0, 0] = 1.0  # read-only
    same = datasets.Points(p.x.copy(), p.y.copy(), source="another name.csv")
    assert same == p and hash(same) == hash(p) and same.digest == p.digest  # the name is not the content
    moved = p.x.copy()
    moved[3, 1] += 1e-3
    assert datasets.Points(moved, p.y) != p
    flipped = p.y.copy()
    flipped[:2] = flipped[1::-1]
    assert datasets.Points(p.x, flipped) != p
    assert p != (p.x, p.y)


@pytest.mark.parametrize("x, y, match", [
    (np.zeros((10, 3)), np.zeros(10, int), r"x must have shape \(n, 2\)"),
    (np.zeros((10, 2)), np.zeros(9, int), r"y must have shape \(10,\)"),
    (np.zeros((3, 2)), np.array([0, 1, 0]), r"between 4 and 5000, got 3"),
    (np.zeros((5001, 2)), np.arange(5001) % 2, r"between 4 and 5000, got 5001"),
    (np.array([[0, 0], [1, np.inf], [2, 2], [3, 3]]), np.array([0, 1, 0, 1]), r"finite"),
    (np.array([[0, 0], [1, np.nan], [2, 2], [3, 3]]), np.array([0, 1, 0, 1]), r"finite"),
    (np.zeros((4, 2)), np.array([0.0, 1.0, 0.0, 1.0]), r"integer labels"),
    (np.zeros((4, 2)), np.array([0, 0, 0, 0]), r"labels 0..C-1"),
    (np.zeros((4, 2)), np.array([0, 2, 0, 2]), r"labels 0..C-1"),
])
def test_points_refuse_malformed_arrays(x, y, match):
    with pytest.raises(ValueError, match=match):
        datasets.Points(x, y)


def test_points_spec_draws_from_the_pool_like_a_registry_set():
    p = _points(40)
    spec = datasets.points_spec(p)
    assert spec.name == datasets.POINTS_NAME == "csv" and spec.label == "Your CSV"
    assert spec.task == "classification" and spec.n_features == 2 and spec.n_classes == 2 and spec.max_n == 40
    ds = datasets.draw_dataset(spec, seed=3, n=40, noise=0.0, test_fraction=0.5)
    assert len(ds.y_train) == len(ds.y_test) == 20 and ds.name == "csv" and ds.n_classes == 2
    joined = np.concatenate([ds.x_train, ds.x_test])
    labels = np.concatenate([ds.y_train, ds.y_test])
    order, ref = np.lexsort(joined.T), np.lexsort(p.x.T)
    np.testing.assert_array_equal(joined[order], p.x[ref])  # every point once, none invented
    np.testing.assert_array_equal(labels[order], p.y[ref])  # with its own label
    again = datasets.draw_dataset(spec, seed=3, n=40, noise=0.0, test_fraction=0.5)
    np.testing.assert_array_equal(again.x_train, ds.x_train)
    other = datasets.draw_dataset(spec, seed=4, n=40, noise=0.0, test_fraction=0.5)
    assert not np.array_equal(other.x_train, ds.x_train)
    # Noise jitters the same draw: same labels, points moved.
    noisy = datasets.draw_dataset(spec, seed=3, n=40, noise=0.1, test_fraction=0.5)
    np.testing.assert_array_equal(noisy.y_train, ds.y_train)
    assert 0 < np.abs(noisy.x_train - ds.x_train).max() < 1.0
    small = datasets.draw_dataset(spec, seed=3, n=10, noise=0.0, test_fraction=0.5)
    assert len(small.y_train) + len(small.y_test) == 10
    with pytest.raises(ValueError, match="40"):
        datasets.draw_dataset(spec, seed=3, n=41, noise=0.0)  # more than the pool holds
    with pytest.raises(ValueError, match="must be a Points"):
        datasets.points_spec((p.x, p.y))


def test_draw_dataset_matches_make_dataset_for_registry_sets():
    a = datasets.make_dataset("moons", 2, 50, 0.2)
    b = datasets.draw_dataset(datasets.DATASETS["moons"], 2, 50, 0.2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)


def test_parse_points_too_large_file_is_refused_before_reading():
    big = _csv(GOOD_ROWS) + b"0,0,a\n" * 200_000
    with pytest.raises(ValueError, match=r"file is too large: [\d,]+ bytes; the limit is 1,000,000 bytes"):
        parse_points_csv(big)


# --- extreme coordinates: standardised in float64 without overflow, or refused by name -------------------------

def _scaled_rows(scale: float, n: int = 30, seed: int = 0) -> tuple[bytes, np.ndarray]:
    x = np.random.default_rng(seed).uniform(-1, 1, size=(n, 2))
    rows = [f"{a * scale!r},{b * scale!r},{int(a * b > 0)}" for a, b in x.tolist()]
    return _csv(rows), x * scale


@pytest.mark.parametrize("scale", [1e308, -1e308, 1e-320, 1e-310])
def test_parse_points_extreme_coordinates_keep_their_shape(scale):
    data, raw = _scaled_rows(scale)
    x, y = datasets.parse_points_csv(data)
    reference, _ = datasets.parse_points_csv(_scaled_rows(1.0)[0])
    assert np.all(np.isfinite(x)) and np.abs(x).max() == np.float32(1.5)
    assert len(np.unique(x, axis=0)) == 30  # no point collapses onto another (1e308 used to give (0, -0) for all)
    # The same shape as at scale 1, up to the rounding of subnormals (1e-320 keeps about 10 bits).
    atol = 1e-2 if abs(scale) < 1e-300 else 1e-5
    np.testing.assert_allclose(x, reference if scale > 0 else -reference, atol=atol)
    datasets.Points(x, y)  # and the points are accepted (1e-320 used to be refused as "not finite")


def test_parse_points_refuses_a_range_that_squeezes_points_together():
    rows = [f"{i / 10},{(i % 7) / 10},{i % 2}" for i in range(30)] + ["1e300,0,1"]
    with pytest.raises(ValueError, match=r"x1 and x2 span too wide a range: .* points that differ in the file fall "
                                         r"on the same spot"):
        datasets.parse_points_csv(_csv(rows))


@pytest.mark.parametrize("cell", ["1e309", "-" + "9" * 400, "inf", "nan", "1" + "0" * 5000])
def test_parse_points_beyond_float_range_names_the_column_and_range(cell):
    with pytest.raises(ValueError, match=r"row 14: x1 = .* is not a finite number; x1 must lie between -1\.8e308 "
                                         r"and 1\.8e308") as info:
        datasets.parse_points_csv(_csv(GOOD_ROWS + [f"{cell},1,a"]))
    assert len(str(info.value)) < 180


def test_parse_points_quotes_at_most_60_characters():
    for rows, header in ((GOOD_ROWS + ["1," + "z" * 5000 + ",a"], "x1,x2,label"), (GOOD_ROWS, "q" * 5000)):
        with pytest.raises(ValueError) as info:
            datasets.parse_points_csv(_csv(rows, header=header))
        assert "z" * 61 not in str(info.value) and "q" * 61 not in str(info.value) and len(str(info.value)) < 250
