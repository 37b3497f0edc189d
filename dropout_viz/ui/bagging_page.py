"""Cached library calls behind the "Bagging and boosting" page (plain scalars in, NumPy and text out)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from ..core import datasets, rng, theory
from ..core import ensemble_training as et
from ..figures.style import keep_text
from . import common as ui
from . import progress

# The 2-D classification sets: their decision surfaces can be drawn.
DATASET_NAMES = tuple(n for n, s in datasets.DATASETS.items() if s.task == "classification" and s.n_features == 2)
DATASET_LABELS = {datasets.DATASETS[n].label: n for n in DATASET_NAMES}  # what the select shows -> registry name
# 500 points, 80 % held out: 100 training points are few enough that a plain network overfits them within
# a couple of thousand steps, and 400 test points make a test error of ±2 % meaningful.
N_POINTS = 500
TEST_FRACTION = 0.8
N_BAGS = 12  # bagged networks always trained; the k slider averages the first k of them without retraining
GRID = 50  # decision-surface resolution per axis
LR = 0.01  # Adam, as on the other training pages


def _key(seed: int, stream: int):
    """The page's key for one experiment: PRNGKey(seed) folded with the experiment's number."""
    return rng.key(seed, stream)


def _data(name: str, noise: float, seed: int) -> datasets.Dataset:
    return datasets.make_dataset(name, seed, N_POINTS, noise, test_fraction=TEST_FRACTION)


def config(width: int) -> et.EnsembleConfig:
    """Two hidden layers of `width` ReLU units, 2 inputs, 2 classes; the library's defaults otherwise."""
    return et.EnsembleConfig(sizes=(2, int(width), int(width), 2), n_bags=N_BAGS)


@st.cache_data(max_entries=16, show_spinner=False)
def _ensemble_run(name: str, noise: float, width: int, keep: float, steps: int, seed: int) -> et.EnsembleRun:
    """All models for one setting; the number k of bagged networks averaged is not part of it."""
    ds = _data(name, noise, seed)
    grid = datasets.surface_grid(GRID)[2]
    cfg = config(width)
    report, clear = progress.bar("Training 13 networks without masks, and dropout and boosting with them",
                                 "正在训练 13 个不加掩码的网络，以及使用掩码的 dropout 和 boosting", "steps", "步",
                                 scale=cfg.chunk)
    run = et.compare_ensembles(_key(seed, 0), ds.x_train, ds.y_train, ds.x_test, ds.y_test, grid, cfg,
                               keep=keep, lr=LR, steps=steps, on_progress=report)
    clear()
    return run


def model_labels(k: int) -> list[str]:
    """Display names of the four models, in et.ENSEMBLE_MODELS order."""
    return ["no dropout", f"bagging, k = {k}", "dropout", "dropout boosting"]


def power_of_two(d: int) -> str:
    """'2' with d as a superscript, e.g. 2⁶⁴."""
    return "2" + str(int(d)).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _ambiguity_row(label: str, a: theory.Ambiguity) -> dict:
    return {"members": label, "individual error": f"{a.individual:.5f}", "ensemble error": f"{a.ensemble:.5f}",
            "gain (measured)": f"{a.gain:.5f}", "(T−1)/(2T) · D": f"{a.predicted_gain:.5f}",
            "difference": f"{a.gain - a.predicted_gain:+.1e}"}


def _vote_row(label: str, v: theory.VoteCheck) -> dict:
    return {"members": label, "mean member error": f"{v.individual:.4f}", "majority-vote error": f"{v.ensemble:.4f}",
            "gain (measured)": f"{v.gain:+.4f}", "(T−1)/(2T) · disagreement": f"{v.predicted_gain:.4f}",
            "difference": f"{v.gain - v.predicted_gain:+.4f}"}


def vote_counterexample_rows() -> tuple[list[dict], dict]:
    """The three-voter counterexample as a table of votes, and its check."""
    labels, y = theory.vote_counterexample()
    vote = theory.majority_vote(labels)
    def row(name, values):
        return {"point": name, **{str(j + 1): int(v) for j, v in enumerate(values)}}

    rows = [row(f"voter {chr(65 + i)}", labels[i]) for i in range(len(labels))]
    rows += [row("majority vote", vote), row("true label", y)]
    return rows, _vote_row("the three voters", theory.majority_vote_check(labels, y))


@st.cache_data(max_entries=64, show_spinner=False)
def _results(name: str, noise: float, width: int, keep: float, steps: int, seed: int, k: int) -> dict:
    """Everything the page shows for k averaged bagged networks: table, curves, surfaces, decompositions."""
    run = _ensemble_run(name, noise, width, keep, steps, seed)
    s = et.summarise_ensembles(run, k)
    labels = model_labels(k)
    ds = _data(name, noise, seed)
    xs, ys, _ = datasets.surface_grid(GRID)
    d = sum(int(w) for w, q in zip(run.sizes[:-1], run.keep) if q < 1.0)
    averaged = ["1", str(k), power_of_two(d), power_of_two(d)]
    table = [{
        "model": label,
        "test error": f"{s.test_error[i]:.1%}",
        "test loss": f"{s.test_loss[i, -1]:.3f}",
        "train loss": f"{s.train_loss[i, -1]:.3f}",
        "full net test error": "—" if np.isnan(s.ws_test_error[i]) else f"{s.ws_test_error[i]:.1%}",
        "predictors": averaged[i],
        "parameters": f"{s.n_params[i]:,}",
        "memory": f"{s.memory_bytes[i] / 1024:.1f} KiB",
    } for i, label in enumerate(labels)]
    panels = [{"probs": s.grid_probs[i].reshape(GRID, GRID, -1), "title": label, "x_train": ds.x_train,
               "y_train": ds.y_train} for i, label in enumerate(labels)]
    out = {
        "labels": labels, "table": table, "steps": s.eval_steps, "xs": xs, "ys": ys, "panels": panels,
        "curves": {label: {"train": s.train_loss[i], "test": s.test_loss[i]} for i, label in enumerate(labels)},
        "test_error": s.test_error, "train_loss": s.train_loss[:, -1], "test_loss": s.test_loss[:, -1],
        "n_train": len(ds.y_train), "n_test": len(ds.y_test), "n_params": int(s.n_params[0]),
        "d": d, "subnetworks": power_of_two(d), "keep_text": keep_text(keep),
        "n_masks": run.n_masks, "eval_masks": run.eval_masks, "k": k,
    }
    if k >= 2:
        onehot = np.eye(run.sizes[-1])[run.y_test]
        bag = et.member_predictions(run, k, "bagging")
        sub = et.member_predictions(run, k, "dropout")
        out["ambiguity"] = [_ambiguity_row(f"{k} bagged networks", theory.ambiguity_decomposition(bag, onehot)),
                            _ambiguity_row(f"{k} dropout subnetworks", theory.ambiguity_decomposition(sub, onehot))]
        out["votes"] = [_vote_row(f"{k} bagged networks", theory.majority_vote_check(bag.argmax(-1), run.y_test)),
                        _vote_row(f"{k} dropout subnetworks", theory.majority_vote_check(sub.argmax(-1), run.y_test))]
    return out


# --- the page's text in the chosen language (the cached results above stay in English) -------------------

KEEP_HELP_ZH = ("保留概率 q：每个单元以概率 q 被保留，丢弃率 p = 1 − q。不提供 q = 0，因为反向 dropout 要除以 q。")

# Column names of the page's tables, English -> Chinese.
COLUMNS_ZH = {
    "model": "模型", "test error": "测试误差", "test loss": "测试损失", "train loss": "训练损失",
    "full net test error": "完整网络测试误差", "predictors": "平均的预测器数", "parameters": "参数量", "memory": "内存",
    "members": "成员", "individual error": "个体平均误差", "ensemble error": "集成误差", "gain (measured)": "增益（实测）",
    "difference": "差值", "mean member error": "成员平均误差", "majority-vote error": "多数投票误差",
    "(T−1)/(2T) · disagreement": "(T−1)/(2T) · 分歧", "point": "点",
}



def shown(rows, values: dict | None = None):
    """A table (a dict per row, or one dict) as the page shows it: in Chinese, column names from COLUMNS_ZH and the
    cell texts listed in ``values`` translated; in English, unchanged. Numbers are never touched."""
    names = {**(values or {}), **COLUMNS_ZH}
    return ui.translated_rows(rows, lambda text: names.get(text, text))


def members_zh(k: int) -> dict:
    """Chinese names of the decomposition tables' rows for k members."""
    return {f"{k} bagged networks": f"{k} 个 Bagging 网络", f"{k} dropout subnetworks": f"{k} 个 dropout 子网络",
            "the three voters": "三个投票者", "majority vote": "多数投票", "true label": "真实标签",
            **{f"voter {chr(65 + i)}": f"投票者 {chr(65 + i)}" for i in range(3)}}


TASK = "bb_train"  # the training's progress task (its Stop button: "bb_train_stop")
Stopped = progress.Stopped


def ensemble_run(name: str, noise: float, width: int, keep: float, steps: int, seed: int) -> et.EnsembleRun:
    """The cached training run under a progress bar with a Stop button; raises Stopped after a Stop (with a
    notice and a button to train after all on the page)."""
    settings = (name, noise, width, keep, steps, seed)
    return progress.stoppable(
        TASK, settings, lambda: _ensemble_run(*settings), what=("training the networks", "训练网络"),
        shown=("Nothing is shown until they are trained. The controls keep their values; change one, or press "
               "the button, to train again.",
               "训练完成之前不显示任何结果。各控件保持原值；改动任一控件或按按钮即可重新训练。"),
        again=("Train them after all", "仍然训练"))


def results(name: str, noise: float, width: int, keep: float, steps: int, seed: int, k: int) -> dict:
    """The cached results for k averaged bagged networks; the training (if not cached yet) behind a spinner."""
    ensemble_run(name, noise, width, keep, steps, seed)
    return _results(name, noise, width, keep, steps, seed, k)
