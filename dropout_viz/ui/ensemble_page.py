"""Cached library calls and figures behind the ensemble page (pages/3_Ensemble_vs_weight_scaling.py).

Every cached function takes plain values (a ModelSpec is a tuple of scalars and tuples). Results are
st.cache_data (NumPy, copied per caller), so a class opening the same link shares one training run and one
enumeration. Figures are st.cache_resource (shared, never mutated): building a Plotly figure costs more
than most of the computations behind it, so a slider rebuilds only the figures that depend on it.

Keys: the page's integer seed becomes jax.random.PRNGKey(seed); fold_in(., TRAIN) trains and
fold_in(fold_in(., MASKS), j) is mask sequence j. The Monte Carlo panels show sequence 0, which is also the
first of the convergence chart's sequences.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np
import streamlit as st

from .. import figures
from ..core import datasets, ensembles, inference, rng
from ..core.ensembles import ModelSpec
from ..figures.ensemble_page import convergence_chart, difference_pair, ensemble_grid, uncertainty_maps, vote_bars
from . import common as ui
from . import progress
from .common import superscript

TRAIN, MASKS = 0, 1
RESOLUTION = 60  # 60 x 60 = 3,600 grid points: smooth surfaces, and the benchmark's grid
K_MAX = 1000
N_SEQUENCES = 5  # mask sequences behind each convergence band
PROGRESS_ABOVE = 2**12  # enumerations bigger than this show a progress bar (a few hundred ms and up)
AUTO_EXACT_UNITS = 16  # up to 2^16 subnetworks the exact ensemble is computed without asking
N_STRIP = 6

DATASETS = ("moons", "circles", "xor", "spiral", "gaussians")
# Hidden layer widths offered for the page's classifier; with the inputs kept, d = sum of the widths.
ARCHITECTURES = {
    "2-8-8-2": (8, 8),
    "2-6-6-2": (6, 6),
    "2-16-2": (16,),
    "2-12-2": (12,),
    "2-10-10-2": (10, 10),
    "2-12-12-2": (12, 12),
}
STEPS = (500, 1000, 2000, 4000)
PREDICTORS = ("weight-scaled", "MC arithmetic", "MC geometric", "exact arithmetic", "exact geometric")
# The predictors' names in Chinese, for legends and titles (the select boxes and the link keep the English names).
PREDICTORS_ZH = {"weight-scaled": "权重缩放", "MC arithmetic": "蒙特卡洛算术平均", "MC geometric": "蒙特卡洛几何平均",
                 "exact arithmetic": "精确算术平均", "exact geometric": "精确几何平均"}


def lang() -> str:
    """The page's language for figures: "zh" with ?lang=中文, else "en" (a cache key of every figure)."""
    return ui.tr("en", "zh")


def keep_words(q: float, language: str | None = None) -> str:
    """'keep q = 0.8 (drop rate p = 0.2)' in the page's language (or in ``language``, for cached figures)."""
    return figures.keep_text(q, language or lang())


def classifier_spec(dataset: str, seed: int, arch: str, keep_in: float, keep_hidden: float, steps: int,
                    activation: str = "relu") -> ModelSpec:
    """The page's main classifier: 2-D inputs (keep_in), every hidden layer at keep_hidden."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch must be one of {list(ARCHITECTURES)}, got {arch!r}")
    hidden = ARCHITECTURES[arch]
    return ModelSpec(dataset, int(seed), (2, *hidden, 2), (float(keep_in),) + (float(keep_hidden),) * len(hidden),
                     activation=activation, steps=int(steps))


def regression_spec(seed: int, keep: float) -> ModelSpec:
    """1-64-64-1 on 30 noisy-sine points, hidden units at keep q: wide enough to be confident near the data."""
    return ModelSpec("sine", int(seed), (1, 64, 64, 1), (1.0, float(keep), float(keep)), head="identity",
                     steps=3000, lr=0.005, n=60)


def _key(seed: int, purpose: int, j: int | None = None):
    return rng.key(seed, purpose) if j is None else rng.key(seed, purpose, j)


def grid():
    """xs, ys (R,) and the (R*R, 2) grid points of every surface on the page."""
    return datasets.surface_grid(RESOLUTION)


def _points(model: ensembles.TrainedModel) -> np.ndarray:
    """Model inputs for the grid followed by the test points: every evaluation on the page uses these."""
    _, _, pts = grid()
    return ensembles.input_features(np.concatenate([pts, model.x_test]), model.spec.features)


def _as_surface(p) -> np.ndarray:
    """P(class 1) of the first R*R rows (the grid) as an (R, R) image."""
    return np.asarray(p)[: RESOLUTION**2, 1].reshape(RESOLUTION, RESOLUTION)


def training_spinner():
    """The spinner around calls that may train a model (trained() itself shows none: its text has a language)."""
    return ui.spinner("Training the network (the first visitor with these settings waits a few seconds; "
                      "everyone after gets it from the cache)…",
                      "正在训练网络（使用这组设置的第一位访问者要等几秒，之后的人直接从缓存中取得）…")


@st.cache_data(max_entries=64, show_spinner=False)
def trained(spec: ModelSpec) -> ensembles.TrainedModel:
    """The trained model of a spec (the key comes from spec.seed), with a progress bar (replayed on a cache hit)."""
    report, clear = progress.bar("Training the network", "正在训练网络", "steps", "步", scale=100)
    model = ensembles.train_model(_key(spec.seed, TRAIN), spec, on_progress=report)
    clear()
    return model


def trained_or_stopped(spec: ModelSpec) -> ensembles.TrainedModel:
    """The page's model under a progress bar with a Stop button; raises Stopped after a Stop (its notice and a
    button to train after all are then on the page)."""
    return progress.stoppable(
        "e_train", spec, lambda: trained(spec), what=("training the network", "训练网络"),
        shown=("Nothing is shown until it is trained. The controls keep their values; change one, or press the "
               "button, to train again.",
               "训练完成之前不显示任何结果。各控件保持原值；改动任一控件或按按钮即可重新训练。"),
        again=("Train it after all", "仍然训练"))


@st.cache_data(max_entries=64, show_spinner=False)
def weight_scaled(spec: ModelSpec) -> np.ndarray:
    """(R*R + n_test, C) predictions of the weight-scaled network."""
    model = trained(spec)
    return inference.predict_weight_scaled(model.params, _points(model), spec.keep, activation=spec.activation,
                                           head=spec.head)


@st.cache_data(max_entries=32, show_spinner=False)
def exact(spec: ModelSpec) -> inference.Ensemble:
    """Exact arithmetic and geometric ensembles on the grid and test points, with a progress bar if big.

    The bar is made inside the cached function, so a cache hit replays it (created, then emptied) instead
    of referring to an element of another run.
    """
    model = trained(spec)
    d = ensembles.droppable_units(spec)
    report, clear = None, None
    if 2**d > PROGRESS_ABOVE:  # in the language of whoever computes it first (a cache hit replays the same bar)
        report, clear = progress.bar(
            "Enumerating all 2{sup} = {n} subnetworks, block by block".format(sup=superscript(d), n=f"{2**d:,}"),
            "正在逐块枚举全部 2{sup} = {n} 个子网络".format(sup=superscript(d), n=f"{2**d:,}"), "blocks", "块")
    ens = inference.exact_ensemble(model.params, _points(model), spec.keep, activation=spec.activation,
                                   head=spec.head, on_progress=report)
    if clear is not None:
        clear()
    return ens


Stopped = progress.Stopped
EXACT_TASK = "e_exact_run"  # the exact ensemble's progress task (its Stop button: "e_exact_run_stop")
EXACT_STOPPED = "_e_exact_stopped"  # session state: the spec whose exact ensemble was stopped


def _exact_stopped(spec: ModelSpec) -> None:
    """Stop callback: this spec's exact ensemble is off until asked for again (or the settings change)."""
    st.session_state[EXACT_STOPPED] = spec


def _exact_again() -> None:
    st.session_state.pop(EXACT_STOPPED, None)
    progress.forget(EXACT_TASK)


def exact_if_wanted(spec: ModelSpec, with_exact: bool) -> bool:
    """Computes the exact ensemble now, under a progress bar and a Stop button when it is big, so that the
    tabs get it from the cache; returns whether the page shows exact ensembles (not after a Stop).

    After a Stop the page shows a notice and the Monte Carlo and weight-scaled panels; a button, or any
    change of the network's settings, starts the enumeration again.
    """
    if not with_exact:
        return False
    if st.session_state.get(EXACT_STOPPED) == spec:
        d = ensembles.droppable_units(spec)
        progress.stopped_notice(
            EXACT_TASK, "the exact ensemble over 2{sup} subnetworks".format(sup=superscript(d)),
            "2{sup} 个子网络上的精确集成".format(sup=superscript(d)),
            "The panels show the weight-scaled network and Monte Carlo only; the controls keep their values.",
            "各面板只显示权重缩放网络和蒙特卡洛；各控件保持原值。")
        st.button(ui.tr("Enumerate them after all", "仍然枚举"), key="e_exact_again", on_click=_exact_again)
        return False
    st.session_state.pop(EXACT_STOPPED, None)
    if 2 ** ensembles.droppable_units(spec) > PROGRESS_ABOVE:
        progress.guarded(EXACT_TASK, lambda: exact(spec), on_stop=_exact_stopped, args=(spec,))
    return True


@st.cache_data(max_entries=256, show_spinner=False)
def monte_carlo(spec: ModelSpec, k: int) -> inference.Ensemble:
    """Monte Carlo means over the first k masks of sequence 0 (k is traced: a new k compiles nothing)."""
    model = trained(spec)
    return inference.mc_ensemble(_key(spec.seed, MASKS, 0), model.params, _points(model), spec.keep, int(k),
                                 activation=spec.activation, head=spec.head)


class Panels(NamedTuple):
    """Surfaces (R, R) of P(class 1) by predictor name, with the test accuracy of each."""

    xs: np.ndarray
    ys: np.ndarray
    surfaces: dict
    test_acc: dict
    probs: dict  # name -> (R*R + n_test, C), for differences


def panels(spec: ModelSpec, k: int, with_exact: bool) -> Panels:
    """Weight-scaled, Monte Carlo (k masks) and, if asked, exact predictions (each from a cached call)."""
    model = trained(spec)
    mc = monte_carlo(spec, k)
    probs = {"weight-scaled": weight_scaled(spec), "MC arithmetic": mc.arithmetic, "MC geometric": mc.geometric}
    if with_exact:
        ens = exact(spec)
        probs.update({"exact arithmetic": ens.arithmetic, "exact geometric": ens.geometric})
    n_grid = RESOLUTION**2
    xs, ys, _ = grid()
    return Panels(xs, ys, {name: _as_surface(p) for name, p in probs.items()},
                  {name: ensembles.accuracy(p[n_grid:], model.y_test) for name, p in probs.items()}, probs)


def difference(p: Panels, a: str, b: str) -> tuple[np.ndarray, float, float]:
    """(R, R) P_a(class 1) - P_b(class 1), and the mean total variation between a and b over grid and test points."""
    n_grid = RESOLUTION**2
    diff = ensembles.class1_difference(p.probs[a], p.probs[b])[:n_grid].reshape(RESOLUTION, RESOLUTION)
    tv = ensembles.total_variation(p.probs[a], p.probs[b])
    return diff, float(tv[:n_grid].mean()), float(tv[n_grid:].mean())


class Strip(NamedTuple):
    """A few single subnetworks: (R, R) P(class 1) each, and which units each keeps, as text."""

    surfaces: list
    kept: list  # e.g. "5 + 3" kept per dropped layer, with "(no path)" when a layer is empty
    of: str  # the dropped layers' widths, e.g. "8 + 8"


@st.cache_data(max_entries=64, show_spinner=False)
def strip(spec: ModelSpec, n: int = N_STRIP) -> Strip:
    """The first n subnetworks of sequence 0, predictions on the grid only."""
    model = trained(spec)
    _, _, pts = grid()
    sub = ensembles.subnetworks(_key(spec.seed, MASKS, 0), model.params, ensembles.input_features(pts, spec.features),
                                spec.keep, n, activation=spec.activation, head=spec.head)
    layers = [i for i, q in enumerate(spec.keep) if q < 1.0]
    total = " + ".join(str(spec.sizes[j]) for j in layers)
    kept = [" + ".join(str(sub.kept[i, j]) for j in layers) + ("" if sub.has_path[i] else " (no path)")
            for i in range(n)] if layers else ["all"] * n
    return Strip([_as_surface(p) for p in sub.probs], kept, total or "-")


class ConvergenceView(NamedTuple):
    """Bands (mean and range over N_SEQUENCES) at log-spaced k, and flat reference values; keys "grid"/"test"."""

    ks: np.ndarray
    tv: dict  # "grid" or "test points" -> {"MC arithmetic": Band, "MC geometric": Band}
    tv_refs: dict  # where -> {"weight-scaled": float, "exact geometric": float}
    acc: dict  # {"MC arithmetic": Band, "MC geometric": Band}
    acc_refs: dict  # {"weight-scaled": float, "exact arithmetic": float, "exact geometric": float}


def convergence(spec: ModelSpec) -> ConvergenceView:
    """_convergence under a progress bar with a Stop button; raises Stopped after a Stop (its notice and a
    button to start again are then on the page)."""
    return progress.stoppable(
        "e_conv", spec, lambda: _convergence(spec),
        what=("following the Monte Carlo sequences", "跟踪蒙特卡洛序列"),
        shown=("The convergence charts need all of them, so none is shown. The controls keep their values; change "
               "one, or press the button, to start again.",
               "收敛图需要全部序列，因此不显示。各控件保持原值；改动任一控件或按按钮即可重新开始。"),
        again=("Follow them after all", "仍然跟踪"))


@st.cache_data(max_entries=32, show_spinner=False)
def _convergence(spec: ModelSpec) -> ConvergenceView:
    """Distance to the exact arithmetic ensemble and test accuracy against k, over N_SEQUENCES mask sequences."""
    model = trained(spec)
    ens = exact(spec)
    ws = weight_scaled(spec)
    n_grid = RESOLUTION**2
    n_test = len(model.y_test)
    labels = np.concatenate([np.full(n_grid, -1), model.y_test])
    groups = np.concatenate([np.zeros(n_grid, int), np.ones(n_test, int)])
    keys = jax.numpy.stack([_key(spec.seed, MASKS, j) for j in range(N_SEQUENCES)])
    report, clear = progress.bar("Following {n} sequences of {k} sampled masks".format(n=N_SEQUENCES, k=f"{K_MAX:,}"),
                                 "正在跟踪 {n} 条序列，每条 {k} 个采样掩码".format(n=N_SEQUENCES, k=f"{K_MAX:,}"),
                                 "sequences", "条序列")
    conv = ensembles.convergence(keys, model.params, _points(model), spec.keep, K_MAX, ens.arithmetic, labels, groups,
                                 activation=spec.activation, head=spec.head, on_progress=report)
    clear()
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


# --- when weight scaling is exact -------------------------------------------------------------------------

# Radio label (also the URL value) -> case id; the labels are short so that links stay readable.
CASES = {
    "softmax regression": "softmax",
    "one sigmoid unit": "sigmoid",
    "network, last layer dropped": "last",
    "network, both layers dropped": "all",
}
DESCRIPTIONS = {
    "softmax": "Softmax regression, dropout on its inputs",
    "sigmoid": "One sigmoid unit, dropout on its inputs",
    "last": "Network, dropout on the last hidden layer only",
    "all": "Network, dropout on both hidden layers",
}
DESCRIPTIONS_ZH = {
    "softmax": "softmax 回归，对输入做 dropout",
    "sigmoid": "单个 sigmoid 单元，对输入做 dropout",
    "last": "网络，只对最后一个隐藏层做 dropout",
    "all": "网络，对两个隐藏层都做 dropout",
}


def case_spec(case: str, main: ModelSpec, activation: str) -> ModelSpec:
    """The model of one 'when is it exact' case, on the data, seed, steps and hidden keep q of the page's classifier.

    The linear models see 9 cubic features. The networks take the classifier's architecture when it has two
    hidden layers (else 2-8-8-2), so at keep_in = 1 the 'both layers' case is that very model, from the cache.
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
    raise ValueError(f"case must be one of {list(DESCRIPTIONS)}, got {case!r}")


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


@st.cache_data(max_entries=32, show_spinner=False)
def case_view(spec: ModelSpec) -> CaseView:
    """Everything the 'when is it exact' section shows for one model."""
    model = trained(spec)
    ws = weight_scaled(spec)
    ens = exact(spec)
    geo = ensembles.class1_difference(ens.geometric, ws)
    arith = ensembles.class1_difference(ens.arithmetic, ws)
    n_grid = RESOLUTION**2
    _, _, pts = grid()
    jensen = None
    if spec.features == "raw":
        jensen = ensembles.jensen_gap(model.params, pts, spec.keep, activation=spec.activation)
    return CaseView(spec, ensembles.droppable_units(spec), model.test_acc,
                    {"weight-scaled": _as_surface(ws), "exact arithmetic": _as_surface(ens.arithmetic),
                     "exact geometric": _as_surface(ens.geometric)},
                    geo[:n_grid].reshape(RESOLUTION, RESOLUTION), arith[:n_grid].reshape(RESOLUTION, RESOLUTION),
                    float(np.abs(geo).max()), float(np.abs(arith).max()), jensen)


# --- Monte Carlo dropout ----------------------------------------------------------------------------------

REG_LO, REG_HI = -3.0, 3.0  # twice the data's range: the band should widen where there are no points


class RegressionView(NamedTuple):
    xs: np.ndarray
    band: ensembles.RegressionBand
    x_train: np.ndarray
    y_train: np.ndarray


@st.cache_data(max_entries=128, show_spinner=False)
def regression(seed: int, keep: float, passes: int) -> RegressionView:
    """Monte Carlo dropout on the noisy sine: mean and std over `passes` thinned networks, and the full net."""
    spec = regression_spec(seed, keep)
    model = trained(spec)
    xs, pts = datasets.curve_grid(300, REG_LO, REG_HI)
    rb = ensembles.regression_band(_key(seed, MASKS, 0), model.params, pts, spec.keep, int(passes))
    return RegressionView(xs, rb, model.x_train[:, 0], model.y_train)


@st.cache_data(max_entries=128, show_spinner=False)
def uncertainty(spec: ModelSpec, passes: int) -> dict:
    """(R, R) maps in bits of the classifier's predictive entropy and mutual information over `passes` masks."""
    model = trained(spec)
    _, _, pts = grid()
    u = ensembles.mc_uncertainty(_key(spec.seed, MASKS, 0), model.params, ensembles.input_features(pts, spec.features),
                                 spec.keep, int(passes), activation=spec.activation, head=spec.head)
    ws = weight_scaled(spec)[: RESOLUTION**2]
    shape = (RESOLUTION, RESOLUTION)
    return {"weight-scaled: entropy": ensembles.entropy_bits(ws).reshape(shape),
            "MC dropout: entropy": u.predictive_entropy.reshape(shape),
            "MC dropout: mutual information": u.mutual_information.reshape(shape)}


# --- voting -----------------------------------------------------------------------------------------------

DEFAULT_VOTES = ((0.49, 0.51), (0.49, 0.51), (0.99, 0.01))


def table_rows(table) -> tuple:
    """The edited table (a dict of columns or a DataFrame) as a tuple of row tuples; empty cells become NaN."""
    columns = list(table.values()) if isinstance(table, dict) else [table[c].tolist() for c in table.columns]
    return tuple(tuple(float("nan") if v is None else float(v) for v in row) for row in zip(*columns))


MAX_VOTE_ROWS = 50  # models in the voting table


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


# --- figures (shared read-only objects) -------------------------------------------------------------------

def _height(presenter: bool, px: int) -> int:
    return int(px * (1.5 if presenter else 1.0))


SHORT = {"weight-scaled": "weight-scaled", "MC arithmetic": "MC arith.", "MC geometric": "MC geo.",
         "exact arithmetic": "exact arith.", "exact geometric": "exact geo."}
SHORT_ZH = {"weight-scaled": "权重缩放", "MC arithmetic": "MC 算术", "MC geometric": "MC 几何",
            "exact arithmetic": "精确算术", "exact geometric": "精确几何"}


@st.cache_resource(max_entries=256, show_spinner=False)
def surfaces_figure(spec: ModelSpec, k: int, with_exact: bool, presenter: bool, lang: str = "en"):
    """Weight-scaled | MC arithmetic | MC geometric, exact means below, training points on each."""
    model = trained(spec)
    view = panels(spec, k, with_exact)
    d = ensembles.droppable_units(spec)
    zh = lang == "zh"
    if zh:
        what = {"weight-scaled": "权重缩放，1 次前向传播", "MC arithmetic": f"MC 算术平均，k = {k}",
                "MC geometric": f"MC 几何平均，k = {k}", "exact arithmetic": f"精确算术平均，2{superscript(d)}",
                "exact geometric": f"精确几何平均，2{superscript(d)}"}
    else:
        what = {"weight-scaled": "weight-scaled, 1 pass", "MC arithmetic": f"MC arithmetic, k = {k}",
                "MC geometric": f"MC geometric, k = {k}", "exact arithmetic": f"exact arithmetic, 2{superscript(d)}",
                "exact geometric": f"exact geometric, 2{superscript(d)}"}
    acc = "测试准确率" if zh else "test accuracy"
    titles = {n: f"{what[n]}<br>{acc} {view.test_acc[n]:.1%}" for n in view.surfaces}
    surf = view.surfaces
    exact_means = ({"arithmetic": surf["exact arithmetic"], "geometric": surf["exact geometric"]} if with_exact
                   else None)
    return ensemble_grid(view.xs, view.ys, surf["weight-scaled"],
                         {"arithmetic": surf["MC arithmetic"], "geometric": surf["MC geometric"]}, exact_means,
                         x_train=model.x_train, y_train=model.y_train, titles=titles, presenter=presenter,
                         title=("P(类别 1)，所有面板共用一个色标；黑线：P = 0.5" if zh else
                                "P(class 1) on one colour scale; black line: P = 0.5"), lang=lang)


@st.cache_resource(max_entries=256, show_spinner=False)
def difference_figure(spec: ModelSpec, k: int, with_exact: bool, a: str, b: str, presenter: bool, lang: str = "en"):
    diff, _, _ = difference(panels(spec, k, with_exact), a, b)
    xs, ys, _ = grid()
    short = SHORT_ZH if lang == "zh" else SHORT
    return figures.difference_heatmap(xs, ys, diff, title=f"{short[a]} − {short[b]}", presenter=presenter,
                                      height=_height(presenter, 460))


@st.cache_resource(max_entries=64, show_spinner=False)
def strip_figure(spec: ModelSpec, presenter: bool, lang: str = "en"):
    s = strip(spec)
    xs, ys, _ = grid()
    zh = lang == "zh"
    kept = [k.replace(" (no path)", "（无通路）").replace("all", "全部") if zh else k for k in s.kept]
    items = [{"probs": p, "title": f"#{i + 1}: {k}"} for i, (p, k) in enumerate(zip(s.surfaces, kept))]
    title = (f"单个成员：蒙特卡洛平均所用的前 {len(items)} 个子网络（各层保留的单元数，共 {s.of} 个）" if zh else
             f"Single members: the first {len(items)} subnetworks the Monte Carlo means average (units kept of {s.of})")
    return figures.decision_surfaces(items, xs=xs, ys=ys, cols=3 if presenter else 6, presenter=presenter,
                                     height=660 if presenter else 300, title=title)


@st.cache_resource(max_entries=256, show_spinner=False)
def convergence_figures(spec: ModelSpec, where: str, k: int, presenter: bool, lang: str = "en"):
    """(distance chart, accuracy chart) with a marker at the page's k."""
    conv = _convergence(spec)  # the page has called convergence() (with its spinner) before
    zh = lang == "zh"
    labels = PREDICTORS_ZH if zh else None
    if zh:
        place = "网格点" if where == "grid" else "测试点"
        titles = ("到精确算术平均的平均总变差", f"到精确算术平均的距离（{place}）", "测试准确率", "测试准确率随 k 的变化")
    else:
        place = "grid points" if where == "grid" else "test points"
        titles = ("mean TV to exact arithmetic", f"Distance to exact arithmetic ({place})", "test accuracy",
                  "Test accuracy against k")
    tv = convergence_chart(conv.ks, {n: (b.mean, b.lo, b.hi) for n, b in conv.tv[where].items()},
                           references=conv.tv_refs[where], current_k=k, presenter=presenter,
                           y_title=titles[0], title=titles[1], labels=labels, lang=lang)
    acc = convergence_chart(conv.ks, {n: (b.mean, b.lo, b.hi) for n, b in conv.acc.items()}, references=conv.acc_refs,
                            current_k=k, presenter=presenter, y_title=titles[2], title=titles[3], labels=labels,
                            lang=lang)
    return tv, acc


@st.cache_resource(max_entries=64, show_spinner=False)
def case_figures(spec: ModelSpec, title: str, presenter: bool, lang: str = "en"):
    """(surfaces, differences from the weight-scaled network) for one 'when is it exact' model."""
    cv = case_view(spec)
    xs, ys, _ = grid()
    zh = lang == "zh"
    name = (lambda n: PREDICTORS_ZH.get(n, n)) if zh else (lambda n: n)  # noqa: E731
    surf = figures.decision_surfaces([{"probs": p, "title": name(n)} for n, p in cv.surfaces.items()], xs=xs, ys=ys,
                                     cols=3, presenter=presenter,
                                     title=f"{title}：测试准确率 {cv.test_acc:.1%}" if zh else
                                     f"{title}: test accuracy {cv.test_acc:.1%}")
    diffs = difference_pair(xs, ys, {f"{name('exact geometric')} − {name('weight-scaled')}": cv.geo_minus_ws,
                                     f"{name('exact arithmetic')} − {name('weight-scaled')}": cv.arith_minus_ws},
                            presenter=presenter, lang=lang,
                            title="P(类别 1) 的差值，每张图各用自己的色标" if zh else
                            "Differences in P(class 1), each map on its own scale")
    return surf, diffs


@st.cache_resource(max_entries=256, show_spinner=False)
def vote_figure(rows: tuple, normalise: bool, presenter: bool, lang: str = "en"):
    v = ensembles.combine_votes(np.array(rows, dtype=np.float64), normalise=normalise)
    zh = lang == "zh"
    names = (("多数投票<br>（得票比例）", "算术平均", "几何平均<br>（重新归一化）") if zh else
             ("majority vote<br>(share of votes)", "arithmetic mean", "geometric mean<br>(renormalised)"))
    return vote_bars(dict(zip(names, (v.vote_share, v.arithmetic, v.geometric))),
                     dict(zip(names, (v.vote, v.arithmetic_decision, v.geometric_decision))),
                     presenter=presenter, lang=lang,
                     title=f"{len(v.probs)} 个模型的三种组合方式" if zh else f"{len(v.probs)} models combined three ways")


@st.cache_resource(max_entries=128, show_spinner=False)
def regression_figure(seed: int, keep: float, passes: int, presenter: bool, lang: str = "en"):
    rv = regression(seed, keep, passes)
    if lang == "zh":
        mean, ws = f"MC dropout：{passes} 次前向传播的平均", "权重缩放网络（1 次前向传播）"
        title = f"带噪声的正弦，1-64-64-1 ReLU，{keep_words(keep, lang)}：{passes} 次前向传播的均值 ± 2 倍标准差"
    else:
        mean, ws = f"MC dropout mean of {passes} passes", "weight-scaled network (1 pass)"
        title = f"Noisy sine, 1-64-64-1 ReLU, {figures.keep_text(keep)}: mean ± 2 std of {passes} passes"
    return figures.regression_fit(
        rv.x_train, rv.y_train, {mean: (rv.xs, rv.band.mean), ws: (rv.xs, rv.band.weight_scaled)},
        band=(rv.xs, rv.band.mean, rv.band.std), presenter=presenter, title=title)


UNCERTAINTY_ZH = {"weight-scaled: entropy": "权重缩放：熵", "MC dropout: entropy": "MC dropout：熵",
                  "MC dropout: mutual information": "MC dropout：互信息"}


@st.cache_resource(max_entries=128, show_spinner=False)
def uncertainty_figure(spec: ModelSpec, passes: int, presenter: bool, lang: str = "en"):
    model = trained(spec)
    xs, ys, _ = grid()
    maps = uncertainty(spec, passes)
    if lang == "zh":
        return uncertainty_maps(xs, ys, {UNCERTAINTY_ZH.get(n, n): m for n, m in maps.items()}, x_train=model.x_train,
                                y_train=model.y_train, presenter=presenter, z_title="比特",
                                title=f"上面的分类器：其预测的熵，单位为比特（T = {passes} 次前向传播）")
    return uncertainty_maps(xs, ys, maps, x_train=model.x_train, y_train=model.y_train,
                            presenter=presenter,
                            title=f"The classifier above: entropy of its prediction, in bits (T = {passes} passes)")
