"""The ensemble lesson's computations: the average of many subnetworks against one weight-scaled network.

Pure NumPy/JAX (no Streamlit): every function returns arrays and small records, never sentences; the view
(view.py) caches them on plain scalars and writes the words. ``python -m dropout_viz.lessons.ensembles.experiment``
prints a summary of the lesson's default view.

Keys: the page's integer seed becomes a key only through ``key`` (core.rng): ``key(seed, TRAIN)`` trains and
``key(seed, MASKS, j)`` is mask sequence j. The Monte Carlo panels show sequence 0, which is also the first of the
convergence chart's sequences.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import jax
import numpy as np

from ...core import datasets, ensembles, inference, rng
from ...core.ensembles import ModelSpec


@dataclass(frozen=True)
class Config:
    """The lesson's constants, each with the reason for its value."""

    # 60 x 60 = 3,600 grid points: smooth surfaces, and the benchmark's grid.
    resolution: int = 60
    # The k slider's end and the convergence chart's longest sequence: the literature's "up to 1,000 subnetworks".
    k_max: int = 1000
    # Mask sequences behind each convergence band: enough to show the spread, few enough to stay within seconds.
    n_sequences: int = 5
    # Enumerations bigger than this show a progress bar (they take a few hundred ms and up).
    progress_above: int = 2**12
    # Up to 2^16 subnetworks the exact ensemble is computed without asking (about a second on two cores).
    auto_exact_units: int = 16
    # Single members shown in the strip: one row of six on a laptop, two rows of three in presenter mode.
    n_strip: int = 6
    # The regression band's x range: twice the data's (-1.5..1.5), so the band can widen where there are no points.
    reg_lo: float = -3.0
    reg_hi: float = 3.0
    # Points of the regression curve: smooth at slide resolution.
    reg_points: int = 300
    # The largest voting table a link may hold (rows = models).
    max_vote_rows: int = 50


CONFIG = Config()
RESOLUTION = CONFIG.resolution
K_MAX = CONFIG.k_max
N_SEQUENCES = CONFIG.n_sequences
PROGRESS_ABOVE = CONFIG.progress_above
AUTO_EXACT_UNITS = CONFIG.auto_exact_units
N_STRIP = CONFIG.n_strip
REG_LO, REG_HI = CONFIG.reg_lo, CONFIG.reg_hi
MAX_VOTE_ROWS = CONFIG.max_vote_rows

TRAIN, MASKS = 0, 1  # the purposes folded into the seed's key

DATASETS = ("moons", "circles", "xor", "spiral", "gaussians")
# Hidden layer widths offered for the lesson's classifier; with the inputs kept, d = sum of the widths.
ARCHITECTURES = {
    "2-8-8-2": (8, 8),
    "2-6-6-2": (6, 6),
    "2-16-2": (16,),
    "2-12-2": (12,),
    "2-10-10-2": (10, 10),
    "2-12-12-2": (12, 12),
}
STEPS = (500, 1000, 2000, 4000)
# The five ways one trained network predicts (also the link's values of the difference selects).
PREDICTORS = ("weight-scaled", "MC arithmetic", "MC geometric", "exact arithmetic", "exact geometric")
# Radio label (also the URL value) -> case id of the 'when is it exact' models; short, so links stay readable.
CASES = {
    "softmax regression": "softmax",
    "one sigmoid unit": "sigmoid",
    "network, last layer dropped": "last",
    "network, both layers dropped": "all",
}
DEFAULT_VOTES = ((0.49, 0.51), (0.49, 0.51), (0.99, 0.01))  # a vote says class 1, both averages class 0


def key(seed: int, purpose: int, j: int | None = None) -> jax.Array:
    """The one way this lesson turns its integer seed into a key: (seed, purpose[, sequence j])."""
    return rng.key(seed, purpose) if j is None else rng.key(seed, purpose, j)


# --- the models -------------------------------------------------------------------------------------------


def classifier_spec(dataset: str, seed: int, arch: str, keep_in: float, keep_hidden: float, steps: int,
                    activation: str = "relu") -> ModelSpec:
    """The lesson's main classifier: 2-D inputs (keep_in), every hidden layer at keep_hidden."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {list(ARCHITECTURES)}, got {str(arch)[:60]!r}")
    hidden = ARCHITECTURES[arch]
    return ModelSpec(dataset, int(seed), (2, *hidden, 2), (float(keep_in),) + (float(keep_hidden),) * len(hidden),
                     activation=activation, steps=int(steps))


def regression_spec(seed: int, keep: float) -> ModelSpec:
    """1-64-64-1 on 30 noisy-sine points, hidden units at keep q: wide enough to be confident near the data."""
    return ModelSpec("sine", int(seed), (1, 64, 64, 1), (1.0, float(keep), float(keep)), head="identity",
                     steps=3000, lr=0.005, n=60)


def train(key_, spec: ModelSpec, on_progress: Callable[[int, int], None] | None = None) -> ensembles.TrainedModel:
    """The trained model of a spec (``key(spec.seed, TRAIN)`` is the page's key).

    While it trains, the programs that predict with it next (weight-scaled, Monte Carlo, exact, the strip) compile
    on another core (see prepare)."""
    prepare(spec)
    return ensembles.train_model(key_, spec, on_progress=on_progress)


_PREPARED: dict = {}  # the shapes whose prediction programs are compiling or compiled -> their Future


def prepare(spec: ModelSpec):
    """Start compiling, in a background thread, the prediction programs of a spec's model (a new shape only).

    A first visit otherwise compiles them one after the other after training; on two cores this overlaps them
    with the training's own compilation. The predictions below wait for it (no program compiles twice)."""
    import concurrent.futures

    spec = ensembles.check_spec(spec)
    shape = (spec.sizes, tuple(q < 1.0 for q in spec.keep), spec.activation, spec.head, spec.features, spec.n)
    if shape not in _PREPARED and spec.head != "identity" and len(_PREPARED) < 64:
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        _PREPARED[shape] = pool.submit(_compile_predictions, spec)
        pool.shutdown(wait=False)
    return _PREPARED.get(shape)


def _compile_predictions(spec: ModelSpec) -> None:
    import jax.numpy as jnp

    from ...core import masks as masks_mod
    from ...core.network import head_logits

    f32 = np.float32
    params = [(np.zeros((a, b), f32), np.zeros(b, f32)) for a, b in zip(spec.sizes[:-1], spec.sizes[1:])]
    n_test = len(datasets.make_dataset(spec.dataset, spec.seed, spec.n, spec.noise).y_test)
    x = np.zeros((RESOLUTION**2 + n_test, spec.sizes[0]), f32)
    keep = jnp.asarray(spec.keep, jnp.float32)
    common = dict(activation=spec.activation, head=spec.head)
    k = key(0, MASKS, 0)
    inference._weight_scaled.lower(params, x, keep, inverted=True, **common).compile()
    inference._mc_sums.lower(k, params, x, keep, jnp.int32(1), **common).compile()
    inference._mc_chunk_masks.lower(k, tuple(spec.sizes), keep).compile()
    masks = [jnp.zeros((N_STRIP, n), jnp.float32) for n in spec.sizes[:-1]]
    inference._subnet_log_probs.lower(params, x[: RESOLUTION**2], masks, keep, **common).compile()
    d = masks_mod.n_subnetworks_log2(spec.sizes, spec.keep)
    if 0 < d <= AUTO_EXACT_UNITS:
        n_classes = int(head_logits(jnp.zeros((1, spec.sizes[-1])), spec.head).shape[-1])
        plan = inference._plan(spec.sizes, spec.keep, x.shape[0], n_classes)
        inference._exact_block.lower(params, x, keep, jnp.int32(0), plan=plan, n_classes=n_classes,
                                     **common).compile()


def _prepared(spec: ModelSpec) -> None:
    """Wait for prepare's compilation of this spec's programs, if it started one (its errors are the calls')."""
    future = prepare(spec)
    if future is not None:
        future.exception()  # waits; after a failure the call itself compiles what it needs


def grid():
    """xs, ys (R,) and the (R*R, 2) grid points of every surface of the lesson."""
    return datasets.surface_grid(RESOLUTION)


def points(model: ensembles.TrainedModel) -> np.ndarray:
    """Model inputs for the grid followed by the test points: every evaluation of the lesson uses these."""
    _xs, _ys, pts = grid()
    return ensembles.input_features(np.concatenate([pts, model.x_test]), model.spec.features)


def as_surface(p) -> np.ndarray:
    """P(class 1) of the first R*R rows (the grid) as an (R, R) image."""
    return np.asarray(p)[: RESOLUTION**2, 1].reshape(RESOLUTION, RESOLUTION)


# --- the five predictions ---------------------------------------------------------------------------------


def weight_scaled(model: ensembles.TrainedModel) -> np.ndarray:
    """(R*R + n_test, C) predictions of the weight-scaled network."""
    _prepared(model.spec)
    spec = model.spec
    return inference.predict_weight_scaled(model.params, points(model), spec.keep, activation=spec.activation,
                                           head=spec.head)


def exact(model: ensembles.TrainedModel, on_progress=None) -> inference.Ensemble:
    """Exact arithmetic and geometric ensembles over all 2^d masks, on the grid and test points."""
    _prepared(model.spec)
    spec = model.spec
    return inference.exact_ensemble(model.params, points(model), spec.keep, activation=spec.activation,
                                    head=spec.head, on_progress=on_progress)


def monte_carlo(key_, model: ensembles.TrainedModel, k: int) -> inference.Ensemble:
    """Monte Carlo means over the first k masks of the sequence ``key_`` (k is traced: a new k compiles nothing)."""
    _prepared(model.spec)
    spec = model.spec
    return inference.mc_ensemble(key_, model.params, points(model), spec.keep, int(k), activation=spec.activation,
                                 head=spec.head)


class Panels(NamedTuple):
    """Surfaces (R, R) of P(class 1) by predictor name, with the test accuracy of each."""

    xs: np.ndarray
    ys: np.ndarray
    surfaces: dict
    test_acc: dict
    probs: dict  # name -> (R*R + n_test, C), for differences


def panels(model: ensembles.TrainedModel, ws: np.ndarray, mc: inference.Ensemble,
           ens: inference.Ensemble | None) -> Panels:
    """The weight-scaled, Monte Carlo and (if given) exact predictions as surfaces with their test accuracies."""
    probs = {"weight-scaled": ws, "MC arithmetic": mc.arithmetic, "MC geometric": mc.geometric}
    if ens is not None:
        probs.update({"exact arithmetic": ens.arithmetic, "exact geometric": ens.geometric})
    n_grid = RESOLUTION**2
    xs, ys, _pts = grid()
    return Panels(xs, ys, {name: as_surface(p) for name, p in probs.items()},
                  {name: ensembles.accuracy(p[n_grid:], model.y_test) for name, p in probs.items()}, probs)


def difference(p: Panels, a: str, b: str) -> tuple[np.ndarray, float, float]:
    """(R, R) P_a(class 1) - P_b(class 1), and the mean total variation between a and b over grid and test points."""
    n_grid = RESOLUTION**2
    diff = ensembles.class1_difference(p.probs[a], p.probs[b])[:n_grid].reshape(RESOLUTION, RESOLUTION)
    tv = ensembles.total_variation(p.probs[a], p.probs[b])
    return diff, float(tv[:n_grid].mean()), float(tv[n_grid:].mean())


class Strip(NamedTuple):
    """A few single subnetworks: (R, R) P(class 1) each, and how many units each keeps in each dropped layer."""

    surfaces: list
    kept: np.ndarray  # (n, dropped layers) units kept
    has_path: np.ndarray  # (n,) False when a dropped layer is empty
    widths: tuple  # the dropped layers' widths (empty: nothing is dropped)


def strip(key_, model: ensembles.TrainedModel, n: int = N_STRIP) -> Strip:
    """The first n subnetworks of the sequence ``key_``, predictions on the grid only."""
    _prepared(model.spec)
    spec = model.spec
    _xs, _ys, pts = grid()
    sub = ensembles.subnetworks(key_, model.params, ensembles.input_features(pts, spec.features), spec.keep, n,
                                activation=spec.activation, head=spec.head)
    layers = [i for i, q in enumerate(spec.keep) if q < 1.0]
    kept = np.asarray(sub.kept)[:, layers].reshape(n, len(layers)).astype(int)
    return Strip([as_surface(p) for p in sub.probs], kept, np.asarray(sub.has_path, bool),
                 tuple(int(spec.sizes[j]) for j in layers))


# --- how many masks? --------------------------------------------------------------------------------------


class ConvergenceView(NamedTuple):
    """Bands (mean and range over the sequences) at log-spaced k, and flat reference values."""

    ks: np.ndarray
    tv: dict  # "grid" or "test points" -> {"MC arithmetic": Band, "MC geometric": Band}
    tv_refs: dict  # where -> {"weight-scaled": float, "exact geometric": float}
    acc: dict  # {"MC arithmetic": Band, "MC geometric": Band}
    acc_refs: dict  # {"weight-scaled": float, "exact arithmetic": float, "exact geometric": float}


def convergence(keys, model: ensembles.TrainedModel, ens: inference.Ensemble, ws: np.ndarray,
                on_progress=None) -> ConvergenceView:
    """Distance to the exact arithmetic ensemble and test accuracy against k, one mask sequence per key."""
    spec = model.spec
    n_grid = RESOLUTION**2
    n_test = len(model.y_test)
    labels = np.concatenate([np.full(n_grid, -1), model.y_test])
    groups = np.concatenate([np.zeros(n_grid, int), np.ones(n_test, int)])
    conv = ensembles.convergence(keys, model.params, points(model), spec.keep, K_MAX, ens.arithmetic, labels, groups,
                                 activation=spec.activation, head=spec.head, on_progress=on_progress)
    ks = ensembles.log_ks(K_MAX)
    tv, tv_refs = {}, {}
    for g, where in enumerate(("grid", "test points")):
        part = slice(0, n_grid) if where == "grid" else slice(n_grid, None)
        tv[where] = {"MC arithmetic": ensembles.band(conv.tv_arith[:, :, g], ks),
                     "MC geometric": ensembles.band(conv.tv_geo[:, :, g], ks)}
        tv_refs[where] = {
            "weight-scaled": float(ensembles.total_variation(ws[part], ens.arithmetic[part]).mean()),
            "exact geometric": float(ensembles.total_variation(ens.geometric[part], ens.arithmetic[part]).mean())}
    acc = {"MC arithmetic": ensembles.band(conv.acc_arith, ks), "MC geometric": ensembles.band(conv.acc_geo, ks)}
    y = model.y_test
    acc_refs = {"weight-scaled": ensembles.accuracy(ws[n_grid:], y),
                "exact arithmetic": ensembles.accuracy(ens.arithmetic[n_grid:], y),
                "exact geometric": ensembles.accuracy(ens.geometric[n_grid:], y)}
    return ConvergenceView(ks, tv, tv_refs, acc, acc_refs)


def sequence_keys(seed: int) -> jax.Array:
    """The keys of the convergence chart's mask sequences (sequence 0 is the Monte Carlo panels')."""
    return jax.numpy.stack([key(seed, MASKS, j) for j in range(N_SEQUENCES)])


# --- when weight scaling is exact -------------------------------------------------------------------------


def case_spec(case: str, main: ModelSpec, activation: str) -> ModelSpec:
    """The model of one 'when is it exact' case, on the data, seed, steps and hidden keep q of the main classifier.

    The linear models see 9 cubic features. The networks take the classifier's architecture when it has two
    hidden layers (else 2-8-8-2), so at keep_in = 1 the 'both layers' case is that very model.
    """
    q = float(main.keep[-1])
    sizes = tuple(main.sizes) if len(main.sizes) == 4 else (2, 8, 8, 2)
    common = dict(steps=int(main.steps))
    if case == "softmax":
        return ModelSpec(main.dataset, main.seed, (9, 2), (q,), features="cubic", **common)
    if case == "sigmoid":
        return ModelSpec(main.dataset, main.seed, (9, 1), (q,), head="sigmoid", features="cubic", **common)
    if case == "last":
        return ModelSpec(main.dataset, main.seed, sizes, (1.0, 1.0, q), activation=activation, **common)
    if case == "all":
        return ModelSpec(main.dataset, main.seed, sizes, (1.0, q, q), activation=activation, **common)
    raise ValueError(f"case must be one of {list(CASES.values())}, got {str(case)[:60]!r}")


class CaseView(NamedTuple):
    """Weight-scaled against exact ensembles for one case: surfaces (R, R), differences and their maxima."""

    spec: ModelSpec
    d: int
    test_acc: float
    surfaces: dict  # "weight-scaled", "exact arithmetic", "exact geometric"
    geo_minus_ws: np.ndarray
    arith_minus_ws: np.ndarray
    max_geo_ws: float  # over grid and test points, in P(class 1)
    max_arith_ws: float
    jensen: ensembles.JensenGap | None


def case_view(model: ensembles.TrainedModel, ws: np.ndarray, ens: inference.Ensemble) -> CaseView:
    """Everything the 'when is it exact' section shows for one model."""
    spec = model.spec
    geo = ensembles.class1_difference(ens.geometric, ws)
    arith = ensembles.class1_difference(ens.arithmetic, ws)
    n_grid = RESOLUTION**2
    _xs, _ys, pts = grid()
    jensen = None
    if spec.features == "raw":
        jensen = ensembles.jensen_gap(model.params, pts, spec.keep, activation=spec.activation)
    return CaseView(spec, ensembles.droppable_units(spec), model.test_acc,
                    {"weight-scaled": as_surface(ws), "exact arithmetic": as_surface(ens.arithmetic),
                     "exact geometric": as_surface(ens.geometric)},
                    geo[:n_grid].reshape(RESOLUTION, RESOLUTION), arith[:n_grid].reshape(RESOLUTION, RESOLUTION),
                    float(np.abs(geo).max()), float(np.abs(arith).max()), jensen)


# --- Monte Carlo dropout ----------------------------------------------------------------------------------


class RegressionView(NamedTuple):
    xs: np.ndarray
    band: ensembles.RegressionBand
    x_train: np.ndarray
    y_train: np.ndarray


def regression(key_, model: ensembles.TrainedModel, passes: int) -> RegressionView:
    """Monte Carlo dropout on the noisy sine: mean and std over ``passes`` thinned networks, and the full net."""
    xs, pts = datasets.curve_grid(CONFIG.reg_points, REG_LO, REG_HI)
    rb = ensembles.regression_band(key_, model.params, pts, model.spec.keep, int(passes))
    return RegressionView(xs, rb, model.x_train[:, 0], model.y_train)


UNCERTAINTY_MAPS = ("weight-scaled: entropy", "MC dropout: entropy", "MC dropout: mutual information")


def uncertainty(key_, model: ensembles.TrainedModel, ws: np.ndarray, passes: int) -> dict:
    """(R, R) maps in bits, keyed by UNCERTAINTY_MAPS: the weight-scaled network's entropy, and Monte Carlo
    dropout's predictive entropy and mutual information over ``passes`` masks."""
    spec = model.spec
    _xs, _ys, pts = grid()
    u = ensembles.mc_uncertainty(key_, model.params, ensembles.input_features(pts, spec.features), spec.keep,
                                 int(passes), activation=spec.activation, head=spec.head)
    shape = (RESOLUTION, RESOLUTION)
    return dict(zip(UNCERTAINTY_MAPS, (ensembles.entropy_bits(ws[: RESOLUTION**2]).reshape(shape),
                                       u.predictive_entropy.reshape(shape), u.mutual_information.reshape(shape))))


# --- voting -----------------------------------------------------------------------------------------------


def table_rows(table) -> tuple:
    """The edited table (a dict of columns or a DataFrame) as a tuple of row tuples; empty cells become NaN."""
    columns = list(table.values()) if isinstance(table, dict) else [table[c].tolist() for c in table.columns]
    return tuple(tuple(float("nan") if v is None else float(v) for v in row) for row in zip(*columns))


def rows_to_param(rows: tuple) -> str | None:
    """The table as a link parameter: "0.49,0.51;0.49,0.51;0.99,0.01" (None for the default table)."""
    if rows == DEFAULT_VOTES:
        return None
    return ";".join(",".join("" if v != v else f"{v:.6g}" for v in row) for row in rows)


def rows_from_param(text: str) -> tuple:
    """Parse rows_to_param's text: rows split by ";", two numbers (or an empty cell) per row.

    Raises ValueError naming what is wrong; the numbers themselves are checked later, by votes(), so a link to
    a table with a bad row shows that row's message, as editing the table would.
    """
    if len(text) > 2000:
        raise ValueError("the table in the link is longer than 2,000 characters")
    rows = []
    for i, part in enumerate(text.split(";")):
        cells = part.split(",")
        if len(cells) != 2:
            raise ValueError(f"row {i + 1} of the table in the link has {len(cells)} cells; each row needs 2 "
                             f"(P(class 0), P(class 1))")
        try:
            rows.append(tuple(float(c) if c.strip() else float("nan") for c in cells))
        except ValueError:
            raise ValueError(f"row {i + 1} of the table in the link holds something that is not a number") from None
    if not 1 <= len(rows) <= MAX_VOTE_ROWS:
        raise ValueError(f"the table in the link must have 1 to {MAX_VOTE_ROWS} rows")
    return tuple(rows)


def votes(rows: tuple, normalise: bool) -> ensembles.Votes:
    """Combine the table's rows; ValueError (shown on the page) for an empty or invalid table."""
    if not rows:
        raise ValueError("the table needs at least one model (row)")
    return ensembles.combine_votes(np.array(rows, dtype=np.float64), normalise=normalise)


# --- the default view from a script -----------------------------------------------------------------------


def default_view(config: Config = CONFIG, seed: int = 0, k: int = 20) -> dict:
    """The numbers of the lesson's first view: the default classifier's five predictions."""
    spec = classifier_spec("moons", seed, "2-8-8-2", 1.0, 0.8, 2000)
    model = train(key(seed, TRAIN), spec)
    ws = weight_scaled(model)
    view = panels(model, ws, monte_carlo(key(seed, MASKS, 0), model, k), exact(model))
    _diff, tv_grid, tv_test = difference(view, "MC arithmetic", "exact arithmetic")
    return {"d": ensembles.droppable_units(spec), "k": k, "test_acc": view.test_acc,
            "tv_mc_exact_grid": tv_grid, "tv_mc_exact_test": tv_test,
            "tv_ws_exact_grid": difference(view, "weight-scaled", "exact arithmetic")[1]}


def main() -> None:
    out = default_view()
    print(f"2-8-8-2 ReLU on moons, hidden keep q = 0.8, d = {out['d']} droppable units ({2 ** out['d']:,} subnetworks)")
    for name, acc in out["test_acc"].items():
        print(f"  {name:<17} test accuracy {acc:.1%}")
    print(f"  mean TV to the exact arithmetic mean on the grid: MC arithmetic (k = {out['k']}) "
          f"{out['tv_mc_exact_grid']:.4f}, weight-scaled {out['tv_ws_exact_grid']:.4f}")


if __name__ == "__main__":
    main()
