"""Widgets and cached library calls behind the masks-and-subnetworks page.

Cached functions take plain scalars and tuples and return NumPy or plain data; keys are made here from the
integer seed: each part of the page draws from its own stream, fold_in(fold_in(PRNGKey(seed), stream), draw).
"""
from __future__ import annotations

import math

import numpy as np
import streamlit as st

from ..core import rng
from .. import subnetworks as sn
from ..figures.network import layer_name
from . import common as ui

DEFAULT_SIZES = (2, 6, 6, 2)
DEFAULT_VECTOR = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10"  # the classic NumPy example's x
DRAW_OPTIONS = (10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
SPEEDS = (0.5, 1.0, 2.0, 3.0)  # seconds per mask while playing; 1 s is slow enough to count the dropped units
STEP_LR = 0.1  # plain SGD in the one-step demo
MESSAGE_LIMIT = 300  # a library message quotes at most about 60 characters of the input; the rest is the app's words
LAST_STEP = sn.MAX_STEPS  # the stepper's last training step (each step replays all those before it)
# The stepper's phases; the labels are the radio's options (and its URL values).
PHASES = ("1 · mask", "2 · forward + backward", "3 · update", "4 · restore")
STREAMS = {"network": 0, "batch": 1, "vector": 2, "vector_stats": 3, "step": 4}


def is_zh() -> bool:
    """Whether the page's explanatory text is in Chinese (sidebar "Language · 语言", ?lang=中文)."""
    return ui.tr("en", "zh") == "zh"


def layer_words(i: int, n_layers: int) -> str:
    """layer_name in the page's language: 'hidden 1' or '隐藏层 1' (the URL keeps the English name)."""
    return ui.tr(layer_name(i, n_layers),
                 "输入层" if i == 0 else "输出层" if i == n_layers - 1 else f"隐藏层 {i}")



def _duration_zh(seconds: float) -> str:
    """subnetworks._duration in Chinese: seconds as the largest sensible unit."""
    age_s = 13.8e9 * 3.156e7
    if seconds < 1:
        return "不到一秒"
    if seconds >= age_s:
        return f"约为宇宙年龄的 {sn._sci(seconds / age_s)} 倍"
    for unit, size in (("年", 3.156e7), ("天", 86400), ("小时", 3600), ("分钟", 60), ("秒", 1)):
        if seconds >= size:
            return f"约 {sn._sci(seconds / size)} {unit}"
    return "不到一秒"  # unreachable


def scale_words(count: sn.SubnetCount, steps: int = 10_000, batch: int = 32) -> str:
    """The count's sense-of-scale sentence in the page's language (same numbers as subnetworks.count_subnetworks,
    whose defaults steps and batch are repeated here)."""
    if not is_zh():
        return count.scale
    d, visits = count.d, steps * batch
    if d == 0:
        return "没有任何单元被丢弃（各层 q = 1）：唯一的子网络就是完整网络。"
    if 2 ** d <= visits:
        return (f"数量不大：{steps:,} 步 × 每步 {batch} 个样本的一次训练会采样 {visits:,} 个掩码，"
                f"平均每个子网络被抽到约 {sn._sci(visits / 2 ** d)} 次。")
    frac = visits / 2 ** d
    frac_text = f"{frac:.2%}" if frac >= 1e-4 else f"10{sn.sup(math.floor(math.log10(frac)))}"
    return (f"即使每微秒检查一个，也需要{_duration_zh(2 ** d * 1e-6)}。{steps:,} 步 × 每步 {batch} 个样本的一次训练"
            f"最多只采样 {visits:,} 个掩码，仅占全部子网络的 {frac_text}；其余子网络只能通过共享的权重得到训练。")


def _key(seed: int, stream: str, draw: int = 0):
    return rng.key(seed, STREAMS[stream], draw)


# --- widgets ---------------------------------------------------------------------------------------------


def _text(label: str, key: str, default: str, help: str, container=st) -> str:
    """A text input bound to the URL parameter ``key``."""
    return container.text_input(label, value=default, key=ui.url_key(key), help=help, bind="query-params")


def network_sizes(container=st) -> tuple[int, ...]:
    """The layer-sizes box; a size outside the limits shows an error and falls back to the default."""
    text = _text(ui.tr("Layer sizes (input-hidden-…-output)", "各层单元数（输入-隐藏-…-输出）"), "m_sizes",
                 "-".join(map(str, DEFAULT_SIZES)),
                 ui.tr(f"{sn.MIN_LAYERS} to {sn.MAX_LAYERS} layers of 1 to {sn.MAX_WIDTH} units, e.g. 2-6-6-2 or "
                       "4-16-16-16-3.",
                       f"{sn.MIN_LAYERS} 到 {sn.MAX_LAYERS} 层，每层 1 到 {sn.MAX_WIDTH} 个单元，例如 2-6-6-2 或 "
                       "4-16-16-16-3。"), container)
    try:
        return sn.parse_sizes(text)
    except ValueError as exc:
        # The message quotes the box (or the link's m_sizes): shown as plain text, never as Markdown.
        container.error(ui.tr("{why}. Showing 2-6-6-2 instead.", "{why}。改为显示 2-6-6-2。").format(
            why=ui.plain(exc, limit=MESSAGE_LIMIT)), icon="⚠️")
        return DEFAULT_SIZES


def keep_sliders(sizes: tuple[int, ...]) -> tuple[float, ...]:
    """One keep slider per layer of units before the output, side by side, each with its drop rate."""
    n = len(sizes) - 1
    cols = st.columns(max(n, 4))
    keep = []
    for i in range(n):
        name = layer_words(i, len(sizes))
        # The literature's defaults: keep most inputs (0.8), half of the hidden units (0.5).
        q = ui.keep_slider(ui.tr(f"Keep q, {name}", f"保留概率 q，{name}"), f"m_keep_{i}", 0.8 if i == 0 else 0.5,
                           container=cols[i], help=KEEP_HELP_ZH if is_zh() else None)
        cols[i].caption(ui.tr(f"{sizes[i]} units · drop rate p = {1 - q:.2g}",
                              f"{sizes[i]} 个单元 · 丢弃率 p = {1 - q:.2g}"))
        keep.append(q)
    return tuple(keep)


# ui.keep_slider's help in Chinese (None keeps its English default).
KEEP_HELP_ZH = "保留概率 q：每个单元以概率 q 被保留，丢弃率 p = 1 − q。不提供 q = 0：反向 dropout 要除以 q。"


def vector_text(container=st) -> np.ndarray | None:
    """The editable vector (None, with an error shown, if it does not parse)."""
    text = _text(ui.tr("Vector x (comma-separated)", "向量 x（用逗号分隔）"), "m_vec", DEFAULT_VECTOR,
                 ui.tr(f"1 to {sn.MAX_VECTOR} numbers. The default is the classic NumPy dropout example.",
                       f"1 到 {sn.MAX_VECTOR} 个数。默认值取自经典的 NumPy dropout 示例。"), container)
    try:
        return sn.parse_vector(text)
    except ValueError as exc:
        container.error(ui.plain(exc, limit=MESSAGE_LIMIT), icon="⚠️")
        return None


def n_draws_slider(container=st) -> int:
    """Number of masks N drawn for the vector (log-spaced choices up to 100,000)."""
    value = container.select_slider(ui.tr("Number of masks N", "掩码个数 N"), options=DRAW_OPTIONS, value=10_000,
                                    key="m_draws", format_func=lambda v: f"{v:,}", bind="query-params",
                                    help=ui.tr("Each mask is a fresh Bernoulli(q) draw for every element; raising N "
                                               "extends the same sequence of draws.",
                                               "每个掩码都为每个分量重新抽取一次 Bernoulli(q)；增大 N 只是沿同一个"
                                               "抽样序列继续抽下去。"))
    ui._note_rejected("m_draws", f"{value:,}")  # the URL holds the formatted option, e.g. 10,000
    return int(value)


def layer_choice(sizes: tuple[int, ...], container=st) -> int:
    """Which layer of units to show (by name, so the URL reads m_layer=hidden 1); returns its index."""
    names = [layer_name(i, len(sizes)) for i in range(len(sizes) - 1)]
    name = ui.select(ui.tr("Layer", "层"), "m_layer", names, names[1], container=container)
    return names.index(name)


def phase_choice(container=st) -> int:
    """The stepper's phase radio; returns 1..4."""
    return PHASES.index(ui.select(ui.tr("Phase", "阶段"), "m_phase", PHASES, PHASES[0], radio=True, horizontal=True,
                                  container=container)) + 1


def is_playing() -> bool:
    return bool(st.session_state.get("m_playing", False))


def toggle_play() -> None:
    st.session_state["m_playing"] = not is_playing()


def step_number() -> int:
    """The stepper's training step, in [0, LAST_STEP]: a link asking for more shows the last step, with a notice."""
    step = ui.counter("m_step")
    if step > LAST_STEP:
        ui.notice(ui.tr("The link's value m_step={asked} is past the last training step this page replays "
                        "({last:,}), so step {last:,} is shown.",
                        "链接中的 m_step={asked} 超过了本页能重放的最后一个训练步（{last:,}），因此显示第 {last:,} 步。"
                        ).format(asked=step, last=LAST_STEP))
        ui.bump("m_step", LAST_STEP - step)
        step = LAST_STEP
    return step


def at_last_step() -> bool:
    """Whether the stepper shows the last phase of the last training step (Next has nowhere to go)."""
    return (st.session_state.get("m_phase", PHASES[0]) == PHASES[-1]
            and min(ui.counter("m_step"), LAST_STEP) == LAST_STEP)


def next_phase() -> None:
    """Stepper: advance to the next of the four phases; after 'restore' the next training step begins.

    The last training step (LAST_STEP) ends at 'restore': there is no step after it.
    """
    if at_last_step():
        return
    i = PHASES.index(st.session_state.get("m_phase", PHASES[0]))
    st.session_state["m_phase"] = PHASES[(i + 1) % len(PHASES)]
    if i == len(PHASES) - 1:
        ui.bump("m_step")


def restart_steps() -> None:
    """Back to training step 0, phase 1."""
    st.session_state["m_phase"] = PHASES[0]
    ui.bump("m_step", -ui.counter("m_step"))


# --- formatting -------------------------------------------------------------------------------------------


def layer_table(sizes, stats: sn.LayerStats) -> list[dict]:
    """Rows 'layer | keep q | drop p | kept now | expected q·n ± sd' for st.table."""
    if is_zh():
        return [{"层": layer_words(i, len(sizes)), "保留 q": f"{q:g}", "丢弃 p": f"{1 - q:.2g}",
                 "本次保留": f"{k} / {n}", "期望": f"{e:.2g} ± {s:.2g}"}
                for i, (n, q, k, e, s) in enumerate(zip(stats.n, stats.keep, stats.kept, stats.expected, stats.std))]
    return [{"layer": layer_name(i, len(sizes)), "keep q": f"{q:g}", "drop p": f"{1 - q:.2g}",
             "kept now": f"{k} of {n}", "expected": f"{e:.2g} ± {s:.2g}"}
            for i, (n, q, k, e, s) in enumerate(zip(stats.n, stats.keep, stats.kept, stats.expected, stats.std))]


def vector_table(x, stats: sn.VectorStats, keep: float) -> list[dict]:
    """Per element: x, the two sample means against their limits, the inverted variance against its closed form."""
    def fmt(v):
        return f"{v + 0.0:.4g}"  # + 0.0 turns -0.0 (x = -20 never kept) into 0

    mean_s, mean_i, var_i = (ui.tr("mean x·m", "x·m 的均值"), ui.tr("mean x·m/q", "x·m/q 的均值"),
                             ui.tr("var x·m/q", "x·m/q 的方差"))
    return [{"x": f"{xi:g}", mean_s: fmt(ms), "q·x": fmt(keep * xi), mean_i: fmt(mi),
             var_i: fmt(v), "x²(1−q)/q": fmt(ve)}
            for xi, ms, mi, v, ve in zip(x, stats.mean_standard, stats.mean_inverted, stats.var_inverted,
                                         stats.var_inverted_exact)]


# --- cached library calls -----------------------------------------------------------------------------------


@st.cache_data(max_entries=512, show_spinner=False)
def thinned(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, draw: int) -> dict:
    """Mask number ``draw`` of the network (per layer, output included) with its statistics."""
    layer_masks = sn.sample_masks(_key(seed, "network", draw), sizes, keep)
    return {
        "masks": layer_masks + [np.ones(sizes[-1], np.float32)],
        "stats": sn.layer_stats(sizes, keep, layer_masks),
        "count": sn.count_subnetworks(sizes, keep),
        "path": sn.path_survival(sizes, keep),
        "single_path": sn.single_path_survival(keep),
    }


@st.cache_data(max_entries=256, show_spinner=False)
def batch_masks(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, draw: int, batch: int) -> list:
    """Per-example masks of minibatch ``draw``: one (batch, sizes[i]) array per layer before the output."""
    return sn.sample_masks(_key(seed, "batch", draw), sizes, keep, batch=batch)


@st.cache_data(max_entries=256, show_spinner=False)
def vector_demo(x: tuple[float, ...], keep: float, seed: int, draw: int, n_draws: int):
    """(one draw on x, statistics of n_draws draws) for the vector demo."""
    xa = np.asarray(x, np.float64)
    return (sn.vector_draw(_key(seed, "vector", draw), xa, keep),
            sn.vector_statistics(_key(seed, "vector_stats"), xa, keep, n_draws))


def equivalence(seed: int, keep: float) -> sn.Equivalence:
    """Inverted vs standard dropout on a trained 2-8-8-2 net (same keep on every layer)."""
    with st.spinner(ui.tr("Training three tiny networks (compiles once per server)…",
                          "正在训练三个小网络（每台服务器只需编译一次）…")):
        return _equivalence(seed, keep)


@st.cache_data(max_entries=64, show_spinner=False)
def _equivalence(seed: int, keep: float) -> sn.Equivalence:
    return sn.standard_vs_inverted(seed, keep)


@st.cache_data(max_entries=64, show_spinner=False)
def gallery(keep_in: float, keep_hidden: float) -> sn.Gallery:
    """The 16 subnetworks of the 2-2-1 network."""
    return sn.small_network_gallery(keep_in, keep_hidden)


def training_step(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, step: int) -> sn.StepDemo:
    """Step ``step`` of SGD with inverted dropout on the user's network."""
    with st.spinner(ui.tr("Replaying the training steps…", "正在重放训练步…")):
        return _training_step(sizes, keep, seed, step)


@st.cache_data(max_entries=256, show_spinner=False)
def _training_step(sizes: tuple[int, ...], keep: tuple[float, ...], seed: int, step: int) -> sn.StepDemo:
    return sn.training_step(_key(seed, "step"), sizes, keep, step, lr=STEP_LR)


def running_mean_bands(stats: sn.VectorStats, keep: float) -> dict:
    """subnetworks.running_mean_bands with the series named in the page's language."""
    bands = sn.running_mean_bands(stats, keep)
    if not is_zh():
        return bands
    names = {"inverted x·m/q": "反向 x·m/q", "standard x·m": "标准 x·m"}
    return {names.get(k, k): v for k, v in bands.items()}


def equivalence_table(eq: sn.Equivalence) -> list[dict]:
    """One row per run: how it was trained and tested, and how far its test predictions are from inverted."""
    if is_zh():
        rows = [("inverted", "反向 dropout；起点 W₀，步长 η", "按训练所得的权重"),
                ("matched", "标准 dropout；起点 W₀/q，W 的步长 η/q²", "权重 × q"),
                ("naive", "标准 dropout；起点 W₀，步长 η", "权重 × q")]
        names = {"inverted": "反向", "matched": "标准，匹配后", "naive": "标准，相同的 W₀ 与 η"}
        cols = ("训练方式", "测试时用", "测试准确率", "与反向相比最大 |Δ 概率|", "预测类别与反向相同的比例")
        ref0, ref100 = "0（基准）", "100%（基准）"
        run = "训练"
    else:
        rows = [("inverted", "inverted dropout; start W₀, step η", "weights as trained"),
                ("matched", "standard dropout; start W₀/q, step η/q² on W", "weights × q"),
                ("naive", "standard dropout; start W₀, step η", "weights × q")]
        names = {"inverted": "inverted", "matched": "standard, matched", "naive": "standard, same W₀ and η"}
        cols = ("trained with", "tested with", "test accuracy", "largest |Δ probability| vs inverted",
                "same predicted class as inverted")
        ref0, ref100 = "0 (reference)", "100% (reference)"
        run = "run"
    return [{run: names[name], cols[0]: how, cols[1]: test, cols[2]: f"{eq.test_acc[name]:.1%}",
             cols[3]: ref0 if name == "inverted" else f"{eq.max_prob_gap[name]:.1e}",
             cols[4]: ref100 if name == "inverted" else f"{eq.agree[name]:.1%}"}
            for name, how, test in rows]


def _dropped_text(demo: sn.StepDemo) -> str:
    dropped = [int((m == 0).sum()) for m in demo.masks[:-1]]
    total = sum(len(m) for m in demo.masks[:-1])
    return ui.tr(f"{sum(dropped)} of {total} units dropped", f"{total} 个单元中丢弃了 {sum(dropped)} 个")


def step_title(demo: sn.StepDemo, phase: int) -> str:
    """Title of the stepper's diagram for a phase."""
    if is_zh():
        return {1: f"第 {demo.step} 步 · 1/4：新的掩码——{_dropped_text(demo)}",
                2: f"第 {demo.step} 步 · 2/4：在稀疏化的网络上前向 + 反向传播",
                3: f"第 {demo.step} 步 · 3/4：权重已更新",
                4: f"第 {demo.step} 步 · 4/4：所有单元已恢复"}[phase]
    return {1: f"Step {demo.step} · 1/4: a new mask — {_dropped_text(demo)}",
            2: f"Step {demo.step} · 2/4: forward + backward, thinned",
            3: f"Step {demo.step} · 3/4: weights updated",
            4: f"Step {demo.step} · 4/4: all units restored"}[phase]


def gradient_title(demo: sn.StepDemo, phase: int) -> str:
    if phase == 2:
        return ui.tr("∂L/∂W of this step: grey cells are exactly 0", "本步的 ∂L/∂W：灰色格子恰好为 0")
    return ui.tr(f"The update is −η·∂L/∂W (η = {STEP_LR:g}): the grey weights did not move at all",
                 f"更新量为 −η·∂L/∂W（η = {STEP_LR:g}）：灰色的权重完全没有移动")


def step_text(demo: sn.StepDemo, phase: int) -> None:
    """The explanation beside the stepper's diagram (numbers from the engine)."""
    tr = ui.tr
    full_loss = tr("Full network's loss on this batch", "完整网络在这一批上的损失")
    st.metric(tr("Training step", "训练步"), f"{demo.step}",
              help=tr("Steps already taken before this one (plain SGD).", "在这一步之前已完成的步数（普通 SGD）。"))
    if phase == 1:
        st.markdown(tr(f"Training step **{demo.step}** draws its mask: **{_dropped_text(demo)}**. Every connection "
                       "into or out of a dropped unit is gone for this step. Kept units are multiplied by 1/q "
                       "(inverted dropout).",
                       f"第 **{demo.step}** 个训练步抽取它的掩码：**{_dropped_text(demo)}**。在这一步里，进出被丢弃"
                       "单元的所有连接都不存在；被保留的单元乘以 1/q（反向 dropout）。"))
        st.metric(full_loss, f"{demo.loss_full_before:.4f}")
    elif phase == 2:
        st.metric(tr("Subnetwork's loss on this batch", "子网络在这一批上的损失"), f"{demo.loss_thinned:.4f}")
        st.markdown(tr(f"**{demo.n_touching} of {demo.n_weights}** weights enter or leave a dropped unit, and "
                       f"**{demo.n_touching_zero}** of them have a gradient of **exactly 0**: a dropped unit's output "
                       "is multiplied by 0, so nothing flows back through it.",
                       f"**{demo.n_weights} 个权重中有 {demo.n_touching} 个**连向或来自被丢弃的单元，其中 "
                       f"**{demo.n_touching_zero}** 个的梯度**恰好为 0**：被丢弃单元的输出乘上了 0，"
                       "所以没有任何梯度能经由它反向传回。"))
        if demo.n_other_zero:
            st.caption(tr(f"{demo.n_other_zero} further weights also have zero gradient: they feed ReLU units that "
                          "were inactive for every example of this minibatch — that is ReLU, not dropout.",
                          f"另有 {demo.n_other_zero} 个权重的梯度也为零：它们通向的 ReLU 单元对这个小批量的每个样本都"
                          "没有激活——这是 ReLU 的效果，与 dropout 无关。"))
    elif phase == 3:
        st.markdown(tr(f"SGD moves every weight by −η ∂L/∂W. The **{demo.n_touching}** weights of dropped units do "
                       "**not move**: this step trained only the subnetwork. (Momentum or Adam would still move "
                       "them, from earlier steps' gradients.)",
                       f"SGD 把每个权重移动 −η ∂L/∂W。被丢弃单元的那 **{demo.n_touching}** 个权重**纹丝不动**："
                       "这一步只训练了这个子网络。（若使用动量或 Adam，它们仍会因先前各步的梯度而移动。）"))
        st.metric(full_loss, f"{demo.loss_full_after:.4f}",
                  delta=f"{demo.loss_full_after - demo.loss_full_before:+.4f}", delta_color="inverse")
    else:
        st.markdown(tr("Every unit comes back with its weights: the dropped ones exactly as before the step. The full "
                       f"network now starts step **{demo.step + 1}**, which draws a new mask — press **Next ▶**.",
                       "所有单元连同各自的权重都回来了，被丢弃过的单元与这一步之前完全一样。完整网络接着开始第 "
                       f"**{demo.step + 1}** 步，并抽取新的掩码——请按 **下一步 ▶**。"))
        st.metric(full_loss, f"{demo.loss_full_after:.4f}",
                  delta=tr(f"{demo.loss_full_after - demo.loss_full_before:+.4f} in this step",
                           f"{demo.loss_full_after - demo.loss_full_before:+.4f}（本步）"), delta_color="inverse")


def diagram_layout(sizes, ratio: float):
    """(diagram box, side box, second side box): beside the diagram for up to 5 layers, else below it.

    Deep networks need the full width for their column labels; their side text then goes underneath in
    two columns. For small networks both side boxes are the same column.
    """
    if len(sizes) > 5:
        box = st.container()
        a, b = st.columns([1, 1.4], gap="large")
        return box, a, b
    box, side = st.columns([ratio, 1], gap="large")
    return box, side, side
