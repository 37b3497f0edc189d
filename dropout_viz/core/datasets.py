"""Toy data sets for the pages: a registry of pure NumPy generators, splits, plot grids, CSV upload.

Every 2-D set lives roughly in the box [-BOX, BOX]^2 = [-1.5, 1.5]^2 (noise can push points a little
outside), so one decision-surface grid (`surface_grid`, default [-1.75, 1.75]^2) fits them all.
`noise` is the standard deviation of Gaussian jitter added to each coordinate, in the same units.
Generators draw their standard-normal jitter whatever `noise` is, so with the same seed and n, moving a
noise slider moves the same points further from their clean positions instead of drawing new ones.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io
import math
import operator
from pathlib import Path
from typing import Callable

import numpy as np

from . import checks
from .checks import quote

BOX = 1.5  # half-width of the box the 2-D sets (and uploaded points) live in
MAX_POINTS = 5000  # bigger sets add nothing a student can see and slow every training chunk
N_DIGITS = 1797  # images in scikit-learn's bundled 8x8 digits

Generator = Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """One registry entry: how to draw a data set and how the UI should describe it."""

    name: str
    label: str  # human text for widgets, e.g. "Two moons"
    task: str  # "classification" or "regression"
    n_features: int
    n_classes: int | None  # None for regression
    generator: Generator  # (rng, n, noise) -> (x float32 (n, n_features), y int32 or float32 (n,))
    default_noise: float
    max_noise: float
    note: str  # one sentence for the UI
    max_n: int = MAX_POINTS


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A train/test split. x arrays are float32 (n, n_features); y is int32 (classes) or float32."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str
    task: str
    n_classes: int | None
    n_features: int

    @property
    def n_outputs(self) -> int:
        """Width of the network's output layer: n_classes, or 1 for regression."""
        return self.n_classes if self.task == "classification" else 1


# --- generators -------------------------------------------------------------------------------------


def _balanced_labels(n: int, n_classes: int) -> np.ndarray:
    """Labels 0..C-1 with counts differing by at most one, in class order (callers shuffle later)."""
    return (np.arange(n) % n_classes).astype(np.int32)


def _finish(clean: np.ndarray, rng: np.random.Generator, noise: float, y: np.ndarray):
    """Add Gaussian jitter of std `noise`; the normals are drawn even at noise 0 (see module doc)."""
    jitter = rng.standard_normal(clean.shape)
    return (clean + noise * jitter).astype(np.float32), y


def _moons(rng: np.random.Generator, n: int, noise: float):
    """Two interleaving half circles of radius 1 (scikit-learn's make_moons, shifted to the centre).

    Class 0: (cos t - 0.5, sin t - 0.25), class 1: (0.5 - cos t, 0.25 - sin t), t uniform in [0, pi];
    clean points span [-1.5, 1.5] x [-0.75, 0.75].
    """
    y = _balanced_labels(n, 2)
    t = rng.uniform(0.0, np.pi, n)
    sign = np.where(y == 0, 1.0, -1.0)
    clean = np.stack([sign * (np.cos(t) - 0.5), sign * (np.sin(t) - 0.25)], axis=1)
    return _finish(clean, rng, noise, y)


CIRCLE_INNER = 0.6  # class 0: disk of this radius
CIRCLE_RING = (0.9, 1.4)  # class 1: ring between these radii; the gap 0.6..0.9 keeps noise 0 separable


def _circles(rng: np.random.Generator, n: int, noise: float):
    """Class 0 uniform in the disk r <= 0.6, class 1 uniform in the ring 0.9 <= r <= 1.4."""
    y = _balanced_labels(n, 2)
    lo, hi = CIRCLE_RING
    # Uniform in area: r^2 uniform, so the disk's centre is not over-crowded.
    r_inner = CIRCLE_INNER * np.sqrt(rng.uniform(0.0, 1.0, n))
    r_ring = np.sqrt(rng.uniform(lo**2, hi**2, n))
    r = np.where(y == 0, r_inner, r_ring)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    clean = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return _finish(clean, rng, noise, y)


XOR_PAD = 0.1  # clean points keep this distance from the axes, as in the TensorFlow Playground


def _xor(rng: np.random.Generator, n: int, noise: float):
    """Uniform squares in the four quadrants (|x_i| in [0.1, 1.4]); label 1 where x1*x2 > 0, else 0."""
    y = _balanced_labels(n, 2)
    magnitude = rng.uniform(XOR_PAD, 1.4, (n, 2))
    sign1 = rng.choice(np.array([-1.0, 1.0]), n)
    # Class 1 has sign(x1*x2) = +1: x2 takes x1's sign; class 0 takes the opposite one.
    sign2 = np.where(y == 1, sign1, -sign1)
    clean = magnitude * np.stack([sign1, sign2], axis=1)
    return _finish(clean, rng, noise, y)


SPIRAL_TURNS = 1.75  # as in the TensorFlow Playground: enough turns to need a hidden layer or two


def _spiral(rng: np.random.Generator, n: int, noise: float):
    """Two interleaved spirals (TensorFlow Playground's): radius 1.4*s, angle 1.75 turns*s (+pi for class 1)."""
    y = _balanced_labels(n, 2)
    s = rng.uniform(0.0, 1.0, n)
    r = 1.4 * s
    angle = 2 * np.pi * SPIRAL_TURNS * s + np.pi * y
    clean = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    return _finish(clean, rng, noise, y)


GAUSS_CENTRE = 0.6  # blobs at +-(0.6, 0.6)
GAUSS_STD = 0.35  # per-coordinate spread of a blob before any noise; they touch but barely overlap


def _gaussians(rng: np.random.Generator, n: int, noise: float):
    """Class 0 ~ N((-0.6, -0.6), 0.35^2 I), class 1 ~ N((0.6, 0.6), 0.35^2 I), then jitter."""
    y = _balanced_labels(n, 2)
    centre = np.where(y == 1, GAUSS_CENTRE, -GAUSS_CENTRE)[:, None]
    clean = centre + GAUSS_STD * rng.standard_normal((n, 2))
    return _finish(clean, rng, noise, y)


def _sine(rng: np.random.Generator, n: int, noise: float):
    """x uniform in [-1.5, 1.5], y = sin(pi x) + noise: one and a half periods, wiggly but learnable."""
    x = rng.uniform(-BOX, BOX, (n, 1))
    y = np.sin(np.pi * x[:, 0]) + noise * rng.standard_normal(n)
    return x.astype(np.float32), y.astype(np.float32)


@functools.lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits, pixels scaled to [0, 1]; read-only because they are cached.

    Read straight from scikit-learn's data file (what load_digits reads: 64 pixels and the label per row), which
    spares a cold page the second that importing sklearn.datasets takes; load_digits where the file is elsewhere.
    """
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" if spec and spec.origin else None
    if path is not None and path.is_file():
        table = np.loadtxt(path, delimiter=",")
        pixels, labels = table[:, :-1], table[:, -1]
    else:
        from sklearn.datasets import load_digits  # imported here: sklearn takes seconds to import

        bunch = load_digits()
        pixels, labels = bunch.data, bunch.target
    x = (pixels / 16.0).astype(np.float32)
    y = labels.astype(np.int32)
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def _digits(rng: np.random.Generator, n: int, noise: float):
    """n of the 1797 8x8 digit images, drawn without replacement, plus pixel noise clipped to [0, 1]."""
    images, labels = _digits_arrays()
    pick = rng.choice(len(labels), size=n, replace=False)
    x = images[pick] + noise * rng.standard_normal((n, images.shape[1]))
    return np.clip(x, 0.0, 1.0).astype(np.float32), labels[pick].copy()


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in [
        DatasetSpec("moons", "Two moons", "classification", 2, 2, _moons, 0.1, 0.5,
                    "Two interleaving half circles: a curved boundary a small network can learn."),
        DatasetSpec("circles", "Circles", "classification", 2, 2, _circles, 0.1, 0.5,
                    "A disk inside a ring: no straight line separates them."),
        DatasetSpec("xor", "XOR", "classification", 2, 2, _xor, 0.1, 0.5,
                    "Four quadrant clusters labelled by the sign of x1*x2: needs a hidden layer."),
        DatasetSpec("spiral", "Spiral", "classification", 2, 2, _spiral, 0.05, 0.5,
                    "Two interleaved spirals: the hardest 2-D set, easy to overfit."),
        DatasetSpec("gaussians", "Two Gaussians", "classification", 2, 2, _gaussians, 0.1, 0.5,
                    "Two overlapping Gaussian blobs: nearly linear, so dropout has little to fix."),
        DatasetSpec("sine", "Noisy sine", "regression", 1, None, _sine, 0.1, 1.0,
                    "y = sin(pi x) plus Gaussian noise: 1-D regression where uncertainty shows."),
        DatasetSpec("digits", "Digits (8x8)", "classification", 64, 10, _digits, 0.0, 0.5,
                    "Handwritten 8x8 digits bundled with scikit-learn: 64 pixels, 10 classes.",
                    max_n=N_DIGITS),
    ]
}


# --- splitting -------------------------------------------------------------------------------------


def _check_int(value, name: str, lo: int, hi: int) -> int:
    """Return value as an int in [lo, hi], else raise ValueError naming it (the rule of checks.check_int)."""
    return checks.check_int(name, value, lo, hi)


def _check_seed(seed) -> int:
    """Seeds are non-negative integers, as np.random.default_rng wants."""
    try:
        if isinstance(seed, bool):
            raise TypeError
        seed = operator.index(seed)
    except TypeError:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}") from None
    if seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed}")
    return seed


def _n_test(n: int, test_fraction) -> int:
    """Test-set size for n points; raises unless both sides get at least one point."""
    try:
        fraction = float(test_fraction)
    except (TypeError, ValueError):
        raise ValueError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}") from None
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    n_test = int(round(n * fraction))
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_fraction={fraction} leaves an empty train or test set for n={n}; "
            f"it must be in [{1 / n:.3g}, {1 - 1 / n:.3g}] for this n"
        )
    return n_test


def _stratified_test_counts(counts: np.ndarray, n_test: int) -> np.ndarray:
    """Test points per class: proportional (largest remainder), >= 1 on each side where possible."""
    n = counts.sum()
    quota = counts * n_test / n
    take = np.floor(quota).astype(int)
    short = n_test - take.sum()
    take[np.argsort(-(quota - take), kind="stable")[:short]] += 1
    # Move single slots between classes so that each class with >= 2 points appears in both splits;
    # a donor gives a slot only if that leaves it on both sides too.
    for k in np.flatnonzero(counts >= 2):
        if take[k] == 0:
            donors = np.flatnonzero(take >= 2)
            if donors.size:
                take[donors[np.argmax(take[donors])]] -= 1
                take[k] += 1
        elif take[k] == counts[k]:
            spare = counts - take
            donors = np.flatnonzero(spare >= 2)
            if donors.size:
                take[donors[np.argmax(spare[donors])]] += 1
                take[k] -= 1
    return take


def _split(rng, x, y, n_test: int, stratify: bool):
    """Shuffle and split into (x_train, y_train, x_test, y_test); stratified by y if asked."""
    order = rng.permutation(len(y))
    if not stratify:
        test, train = order[:n_test], order[n_test:]
    else:
        classes, counts = np.unique(y, return_counts=True)
        take = _stratified_test_counts(counts, n_test)
        test_parts, train_parts = [], []
        for cls, k in zip(classes, take):
            members = order[y[order] == cls]  # already in shuffled order
            test_parts.append(members[:k])
            train_parts.append(members[k:])
        # Re-shuffle so each split is not sorted by class.
        test = rng.permutation(np.concatenate(test_parts))
        train = rng.permutation(np.concatenate(train_parts))
    return x[train], y[train], x[test], y[test]


def make_dataset(name: str, seed: int, n: int, noise: float, test_fraction: float = 0.5) -> Dataset:
    """Draw n points of a registry data set and split them; same arguments, identical arrays.

    Args:
      name: a key of DATASETS.
      seed: integer >= 0 for np.random.default_rng.
      n: total points, in [4, spec.max_n] (5000; 1797 for digits).
      noise: in [0, spec.max_noise]; Gaussian std per coordinate (2-D), on y (sine), per pixel (digits).
      test_fraction: share of points held out, in (0, 1); both sides must get at least one point.
    Returns:
      A Dataset; classification splits are stratified, every class with >= 2 points on both sides.
    """
    if name not in DATASETS:
        raise ValueError(f"name must be one of {', '.join(DATASETS)}; got {name!r}")
    return draw_dataset(DATASETS[name], seed, n, noise, test_fraction)


def draw_dataset(spec: DatasetSpec, seed: int, n: int, noise: float, test_fraction: float = 0.5) -> Dataset:
    """make_dataset for any spec, registry or not (points_spec: a pool of uploaded points)."""
    name = spec.name
    seed = _check_seed(seed)
    n = _check_int(n, "n", 4, spec.max_n)
    try:
        noise = float(noise)
    except (TypeError, ValueError):
        raise ValueError(f"noise must be a number in [0, {spec.max_noise}], got {noise!r}") from None
    if not 0.0 <= noise <= spec.max_noise:  # also rejects NaN
        raise ValueError(f"noise must be in [0, {spec.max_noise}] for {name}, got {noise}")
    n_test = _n_test(n, test_fraction)

    rng = np.random.default_rng(seed)
    x, y = spec.generator(rng, n, noise)
    classification = spec.task == "classification"
    x_train, y_train, x_test, y_test = _split(rng, x, y, n_test, stratify=classification)
    return Dataset(x_train, y_train, x_test, y_test, name, spec.task, spec.n_classes, spec.n_features)


def dataset_from_points(
    x: np.ndarray, y: np.ndarray, seed: int, test_fraction: float = 0.5, name: str = "uploaded"
) -> Dataset:
    """Split user-given 2-D classification points (e.g. from parse_points_csv) into a Dataset.

    Args:
      x: (n, 2) finite coordinates, n >= 4.
      y: (n,) integer labels in 0..C-1, C >= 2.
    """
    seed = _check_seed(seed)
    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2), got {x.shape}")
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape ({x.shape[0]},) to match x, got {y.shape}")
    if x.shape[0] < 4:
        raise ValueError(f"x must hold at least 4 points, got {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (no NaN or infinity)")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise ValueError("y must hold integer labels >= 0")
    n_classes = int(y.max()) + 1
    if n_classes < 2:
        raise ValueError(f"y must hold at least 2 classes (labels 0..C-1), got {n_classes}")
    n_test = _n_test(len(y), test_fraction)
    rng = np.random.default_rng(seed)
    x_train, y_train, x_test, y_test = _split(rng, x, y.astype(np.int32), n_test, stratify=True)
    return Dataset(x_train, y_train, x_test, y_test, name, "classification", n_classes, 2)


# --- a pool of uploaded points as a data set ------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Points:
    """User-given 2-D classification points (parse_points_csv's output), equal when their contents are.

    x: float32 (n, 2) finite; y: int32 (n,) labels 0..C-1, every one of them present, C >= 2. Both are
    stored as read-only copies; ``digest`` (SHA-256 of the arrays) stands for them in equality and hashing.
    """

    x: np.ndarray
    y: np.ndarray
    source: str = "uploaded"  # a file name, for the UI
    digest: str = dataclasses.field(init=False)

    def __post_init__(self):
        x = np.array(self.x, dtype=np.float32)
        y = np.asarray(self.y)
        if x.ndim != 2 or x.shape[1] != 2:
            raise ValueError(f"x must have shape (n, 2), got {x.shape}")
        if y.shape != (x.shape[0],):
            raise ValueError(f"y must have shape ({x.shape[0]},) to match x, got {y.shape}")
        if not 4 <= x.shape[0] <= MAX_POINTS:
            raise ValueError(f"points must number between 4 and {MAX_POINTS}, got {x.shape[0]}")
        if not np.all(np.isfinite(x)):
            raise ValueError("x must be finite (no NaN or infinity)")
        if not np.issubdtype(y.dtype, np.integer):
            raise ValueError("y must hold integer labels")
        classes = np.unique(y)
        if classes.size < 2 or not np.array_equal(classes, np.arange(classes.size)):
            raise ValueError(f"y must hold the labels 0..C-1 (each at least once, C >= 2), got {classes.tolist()[:10]}")
        y = y.astype(np.int32)
        x.flags.writeable = False
        y.flags.writeable = False
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "digest", hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest())

    def __eq__(self, other):
        return isinstance(other, Points) and other.digest == self.digest

    def __hash__(self):
        return hash(self.digest)

    def __len__(self):
        return int(self.y.size)

    @property
    def n_classes(self) -> int:
        return int(self.y.max()) + 1


def _from_pool(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, n: int, noise: float):
    """n of the pool's points, drawn without replacement, plus Gaussian jitter on each coordinate."""
    pick = rng.choice(len(y), size=n, replace=False)
    jitter = rng.standard_normal((n, 2))  # drawn whatever noise is, as in the generators above
    return (x[pick] + noise * jitter).astype(np.float32), y[pick].copy()


POINTS_NAME = "csv"
POINTS_LABEL = "Your CSV"


def points_spec(points: Points) -> DatasetSpec:
    """A data set spec drawing from uploaded points like digits draws from its images: at most all of them."""
    if not isinstance(points, Points):
        raise ValueError(f"points must be a Points, got {type(points).__name__}")
    return DatasetSpec(POINTS_NAME, POINTS_LABEL, "classification", 2, points.n_classes,
                       functools.partial(_from_pool, points.x, points.y), 0.0, 0.5,
                       f"Your {len(points):,} points ({points.source}), {points.n_classes} classes.",
                       max_n=len(points))


# --- plotting grids --------------------------------------------------------------------------------


def _check_range(lo, hi) -> tuple[float, float]:
    """lo and hi finite with lo < hi."""
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"lo and hi must be finite with lo < hi, got lo={lo}, hi={hi}")
    return lo, hi


def surface_grid(resolution: int = 60, lo: float = -1.75, hi: float = 1.75):
    """A square grid over [lo, hi]^2 for decision surfaces.

    Args:
      resolution: points per axis R, in [2, 400].
    Returns:
      xs (R,), ys (R,) float32, and points float32 (R*R, 2) ordered row by row (y outer, x inner), so
      `values.reshape(R, R)[iy, ix]` is the value at (xs[ix], ys[iy]): Plotly's heatmap/contour z layout.
    """
    resolution = _check_int(resolution, "resolution", 2, 400)
    lo, hi = _check_range(lo, hi)
    xs = np.linspace(lo, hi, resolution, dtype=np.float32)
    ys = xs.copy()
    grid_x, grid_y = np.meshgrid(xs, ys)  # "xy" indexing: grid_x[iy, ix] = xs[ix]
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    return xs, ys, points


def curve_grid(resolution: int = 200, lo: float = -1.75, hi: float = 1.75):
    """Evenly spaced inputs for 1-D regression plots: xs float32 (R,), points float32 (R, 1).

    resolution R must be in [2, 2000].
    """
    resolution = _check_int(resolution, "resolution", 2, 2000)
    lo, hi = _check_range(lo, hi)
    xs = np.linspace(lo, hi, resolution, dtype=np.float32)
    return xs, xs[:, None].copy()


# --- CSV upload ------------------------------------------------------------------------------------

CSV_COLUMNS = ("x1", "x2", "label")


def _parse_coordinate(text: str, column: str, row: int) -> float:
    """One finite float from a CSV cell, or a ValueError naming the row and column."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"row {row}: {column} = {quote(text.strip())} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"row {row}: {column} = {quote(text.strip())} is not a finite number; {column} must lie "
                         f"between -1.8e308 and 1.8e308 (NaN and infinity are not allowed)")
    return value


def _label_order(labels: list[str]) -> list[str]:
    """Distinct labels sorted numerically if all are integers, else as strings (so 10 follows 9)."""
    distinct = set(labels)
    try:
        return sorted(distinct, key=int)
    except ValueError:
        return sorted(distinct)


def parse_points_csv(
    data: bytes, max_bytes: int = 1_000_000, max_points: int = 5000, max_classes: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Read user-uploaded 2-D points from CSV bytes, with the csv module only (no eval, no pickle).

    The header must name columns x1, x2 and label (any order, case-insensitive; extra columns are
    ignored; blank lines are skipped). Labels may be any integers or strings; they are mapped to
    0..C-1 in sorted order (numeric order when all are integers). Coordinates are then standardised
    into the [-1.5, 1.5] box: each axis is centred on the middle of its range and both are divided by
    the same factor, so the wider axis spans exactly [-1.5, 1.5] and shapes keep their aspect ratio.

    Returns:
      x float32 (n, 2) and y int32 (n,), with 10 <= n <= max_points and 2 <= C <= max_classes.
    Raises:
      ValueError with a message fit for the user: too large, not UTF-8, missing columns, a cell that
      is not a number (with its row), NaN or infinity, too few or too many classes or points.
    """
    max_bytes = _check_int(max_bytes, "max_bytes", 1, 100_000_000)
    max_points = _check_int(max_points, "max_points", 10, 1_000_000)
    max_classes = _check_int(max_classes, "max_classes", 2, 1000)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValueError(f"data must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise ValueError(f"file is too large: {len(data):,} bytes; the limit is {max_bytes:,} bytes")
    try:
        text = data.decode("utf-8-sig")  # -sig drops the byte-order mark spreadsheets like to write
    except UnicodeDecodeError:
        raise ValueError("file is not UTF-8 text; save the CSV as UTF-8") from None

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            raise ValueError("file is empty; expected a header row naming x1, x2, label")
        names = [cell.strip().lower() for cell in header]
        missing = [column for column in CSV_COLUMNS if column not in names]
        if missing:
            raise ValueError(
                f"missing column(s): {', '.join(missing)}; the header must name x1, x2, label "
                f"(found: {quote(', '.join(cell.strip() for cell in header))})"
            )
        index = {column: names.index(column) for column in CSV_COLUMNS}
        needed = max(index.values()) + 1
        coordinates, labels = [], []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) < needed:
                raise ValueError(f"row {line}: has {len(row)} field(s), expected at least {needed}")
            if len(labels) == max_points:
                raise ValueError(f"too many points: the limit is {max_points:,}")
            x1 = _parse_coordinate(row[index["x1"]], "x1", line)
            x2 = _parse_coordinate(row[index["x2"]], "x2", line)
            label = row[index["label"]].strip()
            if not label:
                raise ValueError(f"row {line}: label is empty")
            coordinates.append((x1, x2))
            labels.append(label)
    except csv.Error as error:
        raise ValueError(f"row {reader.line_num}: not valid CSV ({error})") from None

    if len(labels) < 10:
        raise ValueError(f"too few points: got {len(labels)}, need at least 10")
    order = _label_order(labels)
    if len(order) < 2:
        raise ValueError(f"label must take at least 2 distinct values (classes), got {len(order)}")
    if len(order) > max_classes:
        raise ValueError(f"too many classes: label takes {len(order)} distinct values, at most {max_classes} "
                         f"are allowed")
    code = {label: i for i, label in enumerate(order)}
    y = np.array([code[label] for label in labels], dtype=np.int32)

    return _standardise(np.array(coordinates, dtype=np.float64)), y


def _standardise(x: np.ndarray) -> np.ndarray:
    """Centre each axis on the middle of its range and scale both by one factor into [-BOX, BOX] (float32).

    Raises ValueError when all points coincide, or when the range is so wide that points which differ in the
    file land on the same spot in float32 (one far outlier squeezes the rest together).
    """
    largest = np.abs(x).max()
    if largest > 0:
        # Divide by a power of two first, which is exact: no overflow for 1e308 (whose range is infinite in
        # float64), no division by a subnormal range for 1e-320 (whose reciprocal is infinite).
        x = np.ldexp(x, -int(np.frexp(largest)[1]))
    low, high = x.min(axis=0), x.max(axis=0)
    half_range = (high - low).max() / 2
    if half_range == 0:
        raise ValueError("all points have the same coordinates; nothing to plot or learn")
    scaled = ((x - (low + high) / 2) * (BOX / half_range)).astype(np.float32)
    if len(np.unique(scaled, axis=0)) < len(np.unique(x, axis=0)):
        squeezed = [name for j, name in enumerate(CSV_COLUMNS[:2])
                    if len(np.unique(scaled[:, j])) < len(np.unique(x[:, j]))]
        raise ValueError(f"{' and '.join(squeezed)} span too wide a range: scaled into the plotting box "
                         f"[-{BOX}, {BOX}], points that differ in the file fall on the same spot; keep every "
                         f"coordinate within about a million times the spacing of neighbouring points")
    return scaled
