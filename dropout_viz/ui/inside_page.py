"""Cached library calls behind the "Inside the network" page (plain scalars in, NumPy and floats out)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from .. import probes
from ..core import datasets, rng
from . import common as ui
from . import progress

# Classification sets of the registry; the page's data-set select is driven by this.
DATASET_NAMES = tuple(n for n, spec in datasets.DATASETS.items() if spec.task == "classification")
DATASET_LABELS = {datasets.DATASETS[n].label: n for n in DATASET_NAMES}  # what the select shows -> registry name
# 600 digits (300 to train on) are few enough that the plain network overfits and dropout visibly helps;
# 400 points suffice for the 2-D sets.
DATA_POINTS = {"digits": 600}
DEFAULT_POINTS = 400
HIDDEN_LAYERS = 2
ABLATION_FRACTIONS = np.linspace(0.0, 1.0, 21)  # remove 0 %, 5 %, ..., 100 % of each hidden layer
LANDSCAPE_POINTS = 25  # odd, so t = 0 (the trained weights) is on the grid
JENSEN_SWEEP = np.round(np.linspace(0.1, 1.0, 19), 2)


def _key(seed: int, stream: int):
    """The page's key for one experiment: PRNGKey(seed) folded with the experiment's number."""
    return rng.key(seed, stream)


def _data(name: str, seed: int) -> datasets.Dataset:
    spec = datasets.DATASETS[name]
    return datasets.make_dataset(name, seed, DATA_POINTS.get(name, DEFAULT_POINTS), spec.default_noise)


def sizes_for(name: str, width: int) -> tuple[int, ...]:
    """Layer widths of the page's network for a data set: inputs, two hidden layers of width, classes."""
    spec = datasets.DATASETS[name]
    return (spec.n_features,) + (int(width),) * HIDDEN_LAYERS + (spec.n_classes,)


@st.cache_data(max_entries=32, show_spinner=False)
def _trained_pair(name: str, width: int, keep: float, steps: int, seed: int) -> dict:
    """Train without / with dropout on a data set; the split and the networks both come from seed."""
    ds = _data(name, seed)
    report, clear = progress.bar("Training the two networks", "正在训练两个网络", "steps", "步", scale=100)
    res = probes.train_pair(_key(seed, 0), ds.x_train, ds.y_train, ds.x_test, ds.y_test, sizes_for(name, width),
                            keep, steps=steps, on_progress=report)
    clear()
    return {"params": res.params, "test_acc": res.test_acc[:, -1].astype(float),
            "train_acc": res.train_acc[:, -1].astype(float), "train_loss": res.train_loss[:, -1].astype(float),
            "test_loss": res.test_loss[:, -1].astype(float), "n_train": len(ds.y_train), "n_test": len(ds.y_test)}


@st.cache_data(max_entries=32, show_spinner=False)
def _ablation(name: str, width: int, keep: float, steps: int, seed: int, n_orders: int) -> dict:
    """Test accuracy of both networks as a growing fraction of hidden units is zeroed (same units for both)."""
    pair = _trained_pair(name, width, keep, steps, seed)
    ds = _data(name, seed)
    out = {"percent": 100 * ABLATION_FRACTIONS, "n_orders": n_orders, "chance": 1.0 / datasets.DATASETS[name].n_classes,
           "full_acc": pair["test_acc"], "train_acc": pair["train_acc"],
           "n_train": pair["n_train"], "n_test": pair["n_test"]}
    half = int(np.argmin(np.abs(ABLATION_FRACTIONS - 0.5)))
    for i, label in enumerate(("plain", "dropout")):
        acc = probes.unit_ablation(_key(seed, 1), probes.model(pair["params"], i), ds.x_test, ds.y_test,
                                   ABLATION_FRACTIONS, n_orders)
        out[label] = probes.summarize(acc)
        out[f"{label}_half"] = float(out[label][0][half])
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def _landscape(name: str, width: int, keep: float, steps: int, seed: int, n_dirs: int, t_max: float,
              split: str) -> dict:
    """Loss of both networks along the same filter-normalised random directions."""
    pair = _trained_pair(name, width, keep, steps, seed)
    ds = _data(name, seed)
    x, y = (ds.x_train, ds.y_train) if split == "train" else (ds.x_test, ds.y_test)
    ts = np.linspace(-t_max, t_max, LANDSCAPE_POINTS)
    out = {"ts": ts, "n_dirs": n_dirs}
    for i, label in enumerate(("plain", "dropout")):
        losses = probes.loss_along_directions(_key(seed, 2), probes.model(pair["params"], i), x, y, ts, n_dirs)
        out[label] = probes.summarize(losses)
        out[f"{label}_rise"] = probes.loss_rise(losses, ts)
    return out


@st.cache_data(max_entries=64, show_spinner=False)
def _paths(keep: float, keep_input: float, width: int, max_depth: int, n_samples: int, seed: int) -> dict:
    """Path survival against depth: closed forms, Monte Carlo estimates and their differences."""
    depth = np.arange(1, max_depth + 1)
    sample = probes.sample_path_survival(_key(seed, 3), max_depth, width, keep, n_samples, keep_input=keep_input,
                                         n_inputs=width)
    one = probes.path_survival(keep, depth, keep_input=keep_input)
    anyp = probes.any_path_survival(keep, depth, width, keep_input=keep_input, n_inputs=width)
    def rows(closed, sampled):
        return [{"L": int(L), "closed form": f"{c:.4f}", "sampled": f"{e:.4f}", "sampled − closed": f"{e - c:+.4f}"}
                for L, c, e in zip(depth, closed, sampled)]

    return {"depth": depth, "one_closed": one, "one_mc": sample.one_path, "one_se": sample.one_path_se,
            "any_closed": anyp, "any_mc": sample.any_path, "any_se": sample.any_path_se,
            "one_rows": rows(one, sample.one_path), "any_rows": rows(anyp, sample.any_path)}


@st.cache_data(max_entries=64, show_spinner=False)
def _jensen(d: int, keep: float, inverted: bool, bias: float, seed: int, k: int) -> dict:
    """One unit's Jensen gaps: closed form, exact enumeration of 2^d masks, and k sampled masks."""
    w, x = probes.jensen_unit(_key(seed, 4), d)
    mean, var = probes.preactivation_moments(w, x, keep, bias=bias, inverted=inverted)
    ex = probes.jensen_exact(w, x, keep, bias=bias, inverted=inverted)
    mc = probes.jensen_mc(_key(seed, 5), w, x, keep, k, bias=bias, inverted=inverted)
    closed = {"mean": mean, "var": var, "gap_sq": var, "gap_relu": None}
    names = {"mean": "E z", "var": "Var z", "gap_sq": "gap for z²", "gap_relu": "gap for ReLU"}

    def fmt(v):
        return "—" if v is None else f"{v:.5f}"

    rows = [{"quantity": names[q], "closed form": fmt(closed[q]), f"exact (all {2**d:,})": fmt(ex[q]),
             f"sampled ({k:,})": fmt(mc[q]),
             "exact − closed": "—" if closed[q] is None else f"{ex[q] - closed[q]:+.1e}",
             "sampled − exact": f"{mc[q] - ex[q]:+.1e}"} for q in names]
    sweep = probes.jensen_gap_sweep(w, x, JENSEN_SWEEP, bias=bias, inverted=inverted)
    return {"w": w, "x": x, "z": ex["z"], "prob": ex["prob"], "exact": {q: ex[q] for q in names},
            "mc": {q: mc[q] for q in names}, "closed": closed, "rows": rows, "sweep": sweep, "n_masks": 2**d}


# --- the page's text in the chosen language (the cached results above stay in English) -------------------

KEEP_HELP_ZH = "保留概率 q：每个单元以概率 q 被保留，丢弃率 p = 1 − q。不提供 q = 0，因为反向 dropout 要除以 q。"

# Column names, cell texts and legend entries of the page, English -> Chinese.
TEXT_ZH = {
    "closed form": "闭式解", "sampled": "采样", "sampled − closed": "采样 − 闭式解", "quantity": "量",
    "exact − closed": "精确 − 闭式解", "sampled − exact": "采样 − 精确",
    "gap for z²": "z² 的差距", "gap for ReLU": "ReLU 的差距",
    "one given path": "一条给定路径", "some path": "至少一条路径",
    "exact enumeration": "精确枚举", "closed form Var z": "闭式解 Var z",
}

JENSEN_TEXT_ZH = {"subnetworks": "一个子网络（面积 ∝ 概率）", "gap": "差距",
                  "mean_of_f": "E[f(z)]：子网络的平均", "f_of_mean": "f(E z)：权重缩放后的单元",
                  "x_title": "预激活 z"}



def zh_text(text: str) -> str:
    """A column name, cell or legend entry in Chinese where it is listed ("one given path: sampled" part by part,
    "exact (all 64)" and "sampled (10,000)" by their pattern)."""
    if text in TEXT_ZH:
        return TEXT_ZH[text]
    head, sep, tail = text.partition(": ")
    if sep:
        return f"{TEXT_ZH.get(head, head)}: {TEXT_ZH.get(tail, tail)}"
    if text.startswith("exact (all ") and text.endswith(")"):
        return f"精确（全部 {text[len('exact (all '):-1]} 个）"
    if text.startswith("sampled (") and text.endswith(")"):
        return f"采样（{text[len('sampled ('):-1]} 个）"
    return text


def shown(rows: list[dict]) -> list[dict]:
    """A table as the page shows it (column names and listed cell texts in Chinese in Chinese mode)."""
    return ui.translated_rows(rows, zh_text)


def named(series: dict) -> dict:
    """A figure's series with the listed names in Chinese in Chinese mode."""
    return ui.translated_names(series, zh_text)



TRAIN_TASK = "in_train"  # the training's progress task (its Stop button: "in_train_stop")
Stopped = progress.Stopped


def trained_pair(name: str, width: int, keep: float, steps: int, seed: int) -> dict:
    """_trained_pair, cached, under a progress bar with a Stop button; raises Stopped after a Stop (its notice
    and a button to train after all are then on the page)."""
    settings = (name, width, keep, steps, seed)
    return progress.stoppable(
        TRAIN_TASK, settings, lambda: _trained_pair(*settings), what=("training the two networks", "训练两个网络"),
        shown=("Nothing is shown until they are trained. The controls keep their values; change one, or press "
               "the button, to train again.",
               "训练完成之前不显示任何结果。各控件保持原值；改动任一控件或按按钮即可重新训练。"),
        again=("Train them after all", "仍然训练"))


def ablation(name: str, width: int, keep: float, steps: int, seed: int, n_orders: int) -> dict:
    """_ablation, cached; the training and the switching off each behind a spinner in the page's language."""
    trained_pair(name, width, keep, steps, seed)
    with ui.spinner("Switching hidden units off…", "正在关掉隐藏单元…"):
        return _ablation(name, width, keep, steps, seed, n_orders)


def landscape(name: str, width: int, keep: float, steps: int, seed: int, n_dirs: int, t_max: float,
              split: str) -> dict:
    """_landscape, cached; the training and the walk each behind a spinner in the page's language."""
    trained_pair(name, width, keep, steps, seed)
    with ui.spinner("Walking away from the trained weights…", "正在从训练所得权重出发向外走…"):
        return _landscape(name, width, keep, steps, seed, n_dirs, t_max, split)


def paths(keep: float, keep_input: float, width: int, max_depth: int, n_samples: int, seed: int) -> dict:
    """_paths, cached, behind a spinner in the page's language."""
    with ui.spinner("Sampling masks…", "正在采样掩码…"):
        return _paths(keep, keep_input, width, max_depth, n_samples, seed)


def jensen(d: int, keep: float, inverted: bool, bias: float, seed: int, k: int) -> dict:
    """_jensen, cached, behind a spinner in the page's language."""
    with ui.spinner("Enumerating every mask…", "正在枚举每一个掩码…"):
        return _jensen(d, keep, inverted, bias, seed, k)
