"""Cached library calls behind the "Dropout as regularisation" page (plain scalars in, NumPy and text out)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from ..core import datasets, rng, theory
from ..core import ensemble_training as et
from . import common as ui
from . import progress
from .common import tr

# --- linear regression -----------------------------------------------------------------------------------
# Five features whose spreads differ 16-fold: the dropout penalty's per-feature coefficients then differ
# 256-fold, which a bar chart shows at a glance. w_true = 1 / spread, so every feature matters equally.
SPREADS = (0.25, 0.5, 1.0, 2.0, 4.0)
N_LINEAR = 200
NOISE_LINEAR = 0.5
# Drop rates up to 0.8: beyond it inverted dropout's variance (p/(1-p)) dwarfs every other part of the plot.
BV_KEEPS = np.round(np.linspace(1.0, 0.2, 9), 2)  # sampled points of the bias/variance sweep: p = 0 ... 0.8
BV_LINE = np.linspace(0.0, 0.8, 81)  # drop rates of the closed-form lines
BV_SAMPLES = 2000  # masks per point and keep (200 points x 5 features x 2000 = 2M draws per keep)

# --- trained networks ------------------------------------------------------------------------------------
DATASET_NAMES = tuple(n for n, s in datasets.DATASETS.items() if s.task == "classification" and s.n_features == 2)
DATASET_LABELS = {datasets.DATASETS[n].label: n for n in DATASET_NAMES}
# 500 points: 300 test, 200 to train on of which 60 are held out for early stopping's validation.
N_POINTS = 500
TEST_FRACTION = 0.6
VAL_FRACTION = 0.3
DATA_NOISE = 0.3  # jittery moons: a plain network overfits 140 points within a few thousand steps
GRID = 50
NEAR_ZERO = 1e-3  # |w| below this counts as (numerically) zero in the weight table
# Momentum SGD, not Adam, for the rivals: Adam divides every gradient by its running size, which turns an L2
# penalty on idle weights into an L1-like push to zero and would blur the L1/L2 contrast the page shows.
RIVAL_LR = 0.03
NOISE_LR = 0.01  # Adam, as on the other training pages


def _key(seed: int, stream: int):
    """The page's key for one experiment: PRNGKey(seed) folded with the experiment's number."""
    return rng.key(seed, stream)


def _task(seed: int) -> theory.LinearTask:
    return theory.linear_task(_key(seed, 0), N_LINEAR, SPREADS, NOISE_LINEAR)


def form_text(inverted: bool) -> str:
    """The dropout form in the chosen language, e.g. "inverted (kept inputs × 1/q)"."""
    if inverted:
        return tr("inverted (kept inputs × 1/q)", "反向（保留的输入乘以 1/q）")
    return tr("standard (kept inputs unscaled)", "标准（保留的输入不缩放）")


@st.cache_data(max_entries=64, show_spinner=False)
def _linear(keep: float, inverted: bool, n_samples: int, seed: int) -> dict:
    """The dropout loss at the least-squares weights three ways, and dropout-trained weights next to ridge."""
    t = _task(seed)
    w_ols = theory.least_squares_weights(t.x, t.y)
    closed = theory.expected_dropout_loss(t.x, t.y, w_ols, keep, inverted=inverted)
    enum = theory.enumerated_dropout_loss(t.x, t.y, w_ols, keep, inverted=inverted)
    mc, se = theory.mc_dropout_loss(_key(seed, 1), t.x, t.y, w_ols, keep, n_samples, inverted=inverted)
    coef = theory.dropout_penalty_coefficients(t.x, keep, inverted=inverted)
    plain = closed - float(coef @ w_ols ** 2)
    w_ridge = theory.dropout_ridge_weights(t.x, t.y, keep, inverted=inverted)
    w_sgd = et.fit_dropout_linear(_key(seed, 2), t.x, t.y, keep, inverted=inverted)
    # Test-time weights: standard dropout multiplies its trained weights by q (the weight scaling rule).
    scale = 1.0 if inverted else keep
    coef_inv = theory.dropout_penalty_coefficients(t.x, keep, inverted=True)
    w_uniform = theory.ridge_weights(t.x, t.y, float(np.mean(coef_inv)))
    features = [f"x{j + 1} (σ = {s:g})" for j, s in enumerate(SPREADS)]
    table = [{"feature": f, "spread σⱼ": f"{s:g}", "Σᵢ xᵢⱼ²": f"{np.sum(t.x[:, j] ** 2):.1f}", "cⱼ": f"{coef[j]:.3g}",
              "least squares": f"{w_ols[j]:.4f}", "ridge with cⱼ": f"{w_ridge[j]:.4f}",
              "trained with dropout": f"{w_sgd[j]:.4f}", "trained − ridge": f"{w_sgd[j] - w_ridge[j]:+.1e}"}
             for j, (f, s) in enumerate(zip(features, SPREADS))]
    return {
        "closed": closed, "enumerated": enum, "mc": mc, "se": se, "plain": plain, "penalty": closed - plain,
        "features": features, "coef": coef, "table": table, "n": N_LINEAR, "n_samples": n_samples,
        "shrink": {"ridge with dropout's cⱼ": scale * w_ridge / w_ols, "trained with dropout": scale * w_sgd / w_ols,
                   "ridge, one λ = mean cⱼ": w_uniform / w_ols},
        "max_diff": float(np.max(np.abs(w_sgd - w_ridge))), "max_w": float(np.max(np.abs(w_ridge))),
    }


@st.cache_data(max_entries=64, show_spinner=False)
def _bias_variance(inverted: bool, noise_std: float, keep: float, seed: int) -> dict:
    """Bias², variance, noise and MSE of ŷ = s w·(m ⊙ x) against the drop rate: closed forms and sampling."""
    t = _task(seed)
    parts = ("bias²", "variance", "noise", "MSE")

    def split(bv):
        return (bv.bias2, bv.variance, bv.noise, bv.mse)

    line = np.array([split(theory.masked_linear_bias_variance(t.x, t.w_true, 1.0 - p, inverted=inverted,
                                                              noise_std=noise_std)) for p in BV_LINE])
    pts = []
    for i, q in enumerate(BV_KEEPS):
        bv, m = theory.mc_masked_linear_bias_variance(_key(seed, 10 + i), t.x, t.w_true, float(q), BV_SAMPLES,
                                                      inverted=inverted, noise_std=noise_std)
        pts.append(split(bv)[:3] + (m,))
    pts = np.array(pts)
    here_c = split(theory.masked_linear_bias_variance(t.x, t.w_true, keep, inverted=inverted, noise_std=noise_std))
    bv, m = theory.mc_masked_linear_bias_variance(_key(seed, 9), t.x, t.w_true, keep, BV_SAMPLES, inverted=inverted,
                                                  noise_std=noise_std)
    here_s = split(bv)[:3] + (m,)
    rows = [{"quantity": name, "closed form": f"{c:.4f}", f"sampled ({BV_SAMPLES:,} masks per point)": f"{s:.4f}",
             "sampled − closed": f"{s - c:+.4f}"} for name, c, s in zip(parts, here_c, here_s)]
    return {"p_line": BV_LINE, "p_points": 1.0 - BV_KEEPS, "parts": parts,
            "lines": {f"{name}: closed form": line[:, i] for i, name in enumerate(parts)},
            "points": {f"{name}: sampled": (pts[:, i], None) for i, name in enumerate(parts)},
            "rows": rows, "signal": float(np.mean((t.x @ t.w_true) ** 2)),
            "spread_term": float(np.mean((t.x ** 2) @ t.w_true ** 2))}


def _classification(name: str, seed: int) -> datasets.Dataset:
    return datasets.make_dataset(name, seed, N_POINTS, DATA_NOISE, test_fraction=TEST_FRACTION)


def rival_labels(keep: float, l2: float, l1: float, input_noise: float, smoothing: float) -> list[str]:
    """Display names of the regularisers with their strengths, in et.REGULARISERS order."""
    return ["baseline (none)", f"dropout q = {keep:.2g}", f"L2 λ = {l2:g}", f"L1 λ = {l1:g}", "early stopping",
            f"input noise σ = {input_noise:g}", f"label smoothing s = {smoothing:g}"]


@st.cache_data(max_entries=32, show_spinner=False)
def _rivals(name: str, keep: float, l2: float, l1: float, input_noise: float, smoothing: float, steps: int,
           seed: int) -> dict:
    """The same task and seed under each regulariser: errors, curves, surfaces and weights."""
    ds = _classification(name, seed)
    report, clear = progress.bar("Training one network per regulariser", "正在为每种正则化方法各训练一个网络",
                                 "steps", "步", scale=50)  # compare_regularisers' chunk
    xf, yf, xv, yv = et.holdout_split(_key(seed, 20), ds.x_train, ds.y_train, VAL_FRACTION)
    grid = datasets.surface_grid(GRID)
    run = et.compare_regularisers(_key(seed, 21), xf, yf, xv, yv, ds.x_test, ds.y_test, grid[2],
                                  sizes=(2, 32, 32, 2), keep=keep, l2=l2, l1=l1, input_noise=input_noise,
                                  label_smoothing=smoothing, lr=RIVAL_LR, steps=steps, optimizer="momentum",
                                  on_progress=report)
    clear()
    labels = rival_labels(keep, l2, l1, input_noise, smoothing)
    stop = int(np.searchsorted(run.eval_steps, run.stop_step))  # the evaluation early stopping kept
    table = [{"regulariser": label, "test error": f"{run.test_error[i]:.1%}", "test loss": f"{run.test_loss[i]:.3f}",
              "train loss": f"{run.train_loss[i, stop if i == 4 else -1]:.3f}",
              "weight std": f"{np.std(run.weights[i]):.3f}",
              f"|w| < {NEAR_ZERO:g}": f"{np.mean(np.abs(run.weights[i]) < NEAR_ZERO):.0%}"}
             for i, label in enumerate(labels)]
    panels = [{"probs": run.grid_probs[i].reshape(GRID, GRID, -1), "title": label, "x_train": xf, "y_train": yf}
              for i, label in enumerate(labels)]
    curves = {label: run.val_loss[i] for i, label in enumerate(labels) if i != 4}
    return {"labels": labels, "test_error": run.test_error, "table": table, "panels": panels, "xs": grid[0],
            "ys": grid[1], "steps": run.eval_steps, "curves": curves, "stop_step": run.stop_step,
            "weights": {labels[i]: run.weights[i] for i in (0, 2, 3)}, "dropout_weights": run.weights[1],
            "n_fit": len(yf), "n_val": len(yv), "n_test": len(ds.y_test)}


@st.cache_data(max_entries=32, show_spinner=False)
def _noises(name: str, keep: float, steps: int, seed: int) -> dict:
    """Bernoulli, Gaussian, DropConnect and additive noise on one task: errors, activation size, noise ratio."""
    ds = _classification(name, seed)
    grid = datasets.surface_grid(GRID)
    report, clear = progress.bar("Training under five kinds of noise", "正在用五种噪声分别训练", "steps", "步",
                                 scale=100)  # compare_noises' chunk
    run = et.compare_noises(_key(seed, 30), ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid[2],
                            sizes=(2, 32, 32, 2), keep=keep, lr=NOISE_LR, steps=steps, on_progress=report)
    clear()
    labels = list(run.names)
    add_ratio = run.additive_ratio
    mult = theory.relative_noise_multiplicative(keep)

    def fmt(v, spec=".3f"):
        return "—" if np.isnan(v) else format(v, spec)

    table = [{"noise": label, "test error": f"{run.test_error[i]:.1%}", "test loss": f"{run.test_loss[i]:.3f}",
              "rms h, start": f"{run.hidden_rms[i, 0]:.2f}", "rms h, end": f"{run.hidden_rms[i, -1]:.2f}",
              "ratio, closed": fmt(run.ratio_closed[i]), "ratio, sampled": fmt(run.ratio_sampled[i]),
              "sampled − closed": fmt(run.ratio_sampled[i] - run.ratio_closed[i], "+.3f")}
             for i, label in enumerate(labels)]
    panels = [{"probs": run.grid_probs[i].reshape(GRID, GRID, -1), "title": label, "x_train": ds.x_train,
               "y_train": ds.y_train} for i, label in enumerate(labels)]
    return {"labels": labels, "test_error": run.test_error, "steps": run.eval_steps,
            "rms": {label: run.hidden_rms[i] for i, label in enumerate(labels)},
            "ratio": {"additive Gaussian": add_ratio,
                      "Bernoulli or Gaussian (multiplicative)": np.full(add_ratio.shape, mult)},
            "table": table, "panels": panels, "xs": grid[0], "ys": grid[1], "sigma": run.additive_sigma,
            "n_train": len(ds.y_train), "n_test": len(ds.y_test)}


# --- the page's text in the chosen language (the cached results above stay in English) -------------------

KEEP_HELP_ZH = "保留概率 q：每个单元以概率 q 被保留，丢弃率 p = 1 − q。不提供 q = 0，因为反向 dropout 要除以 q。"

# Column names and fixed cell texts of the page's tables and legends, English -> Chinese.
TEXT_ZH = {
    "feature": "特征", "spread σⱼ": "分布宽度 σⱼ", "least squares": "最小二乘", "ridge with cⱼ": "岭回归（系数 cⱼ）",
    "trained with dropout": "用 dropout 训练", "trained − ridge": "训练值 − 岭回归",
    "ridge with dropout's cⱼ": "岭回归（dropout 的 cⱼ）", "ridge, one λ = mean cⱼ": "岭回归（统一 λ = cⱼ 的均值）",
    "quantity": "量", "closed form": "闭式解", "sampled − closed": "采样 − 闭式解",
    f"sampled ({BV_SAMPLES:,} masks per point)": f"采样（每点 {BV_SAMPLES:,} 个掩码）",
    "bias²": "偏差²", "variance": "方差", "noise": "噪声", "MSE": "均方误差",
    "regulariser": "正则化方法", "test error": "测试误差", "test loss": "测试损失", "train loss": "训练损失",
    "weight std": "权重标准差", "rms h, start": "rms h（开始）", "rms h, end": "rms h（结束）",
    "ratio, closed": "比值（闭式解）", "ratio, sampled": "比值（采样）",
}



def zh_text(text: str) -> str:
    """A column name, cell or legend entry in Chinese where it is listed ("bias²: closed form" part by part)."""
    if text in TEXT_ZH:
        return TEXT_ZH[text]
    head, sep, tail = text.partition(": ")
    if sep and head in TEXT_ZH:
        return f"{TEXT_ZH[head]}: {TEXT_ZH.get(tail, '采样' if tail == 'sampled' else tail)}"
    return text


def shown(rows: list[dict]) -> list[dict]:
    """A table as the page shows it (column names and listed cell texts in Chinese in Chinese mode)."""
    return ui.translated_rows(rows, zh_text)


def named(series: dict) -> dict:
    """A figure's series with the listed names in Chinese in Chinese mode."""
    return ui.translated_names(series, zh_text)



def linear(keep: float, inverted: bool, n_samples: int, seed: int) -> dict:
    """_linear, cached, behind a spinner in the page's language."""
    with ui.spinner("Sampling masks and training the linear model…", "正在采样掩码并训练线性模型…"):
        return _linear(keep, inverted, n_samples, seed)


def bias_variance(inverted: bool, noise_std: float, keep: float, seed: int) -> dict:
    """_bias_variance, cached, behind a spinner in the page's language."""
    with ui.spinner("Sampling masks for every drop rate…", "正在为每个丢弃率采样掩码…"):
        return _bias_variance(inverted, noise_std, keep, seed)


def rivals(name: str, keep: float, l2: float, l1: float, input_noise: float, smoothing: float, steps: int,
           seed: int) -> dict:
    """_rivals, cached, under a progress bar with a Stop button; raises Stopped after a Stop."""
    settings = (name, keep, l2, l1, input_noise, smoothing, steps, seed)
    return progress.stoppable("rg_rivals", settings, lambda: _rivals(*settings), what=STOPPED_WHAT["rivals"],
                              shown=STOPPED_SHOWN, again=AGAIN)


def noises(name: str, keep: float, steps: int, seed: int) -> dict:
    """_noises, cached, under a progress bar with a Stop button; raises Stopped after a Stop."""
    settings = (name, keep, steps, seed)
    return progress.stoppable("rg_noises", settings, lambda: _noises(*settings), what=STOPPED_WHAT["noises"],
                              shown=STOPPED_SHOWN, again=AGAIN)


Stopped = progress.Stopped
STOPPED_WHAT = {"rivals": ("training one network per regulariser", "为每种正则化方法训练网络"),
                "noises": ("training under five kinds of noise", "用五种噪声训练")}
STOPPED_SHOWN = ("Nothing is shown until they are trained. The controls keep their values; change one, or press "
                 "the button, to train again.",
                 "训练完成之前不显示任何结果。各控件保持原值；改动任一控件或按按钮即可重新训练。")
AGAIN = ("Train them after all", "仍然训练")
