"""Dropout Lab home: what dropout is, one live network with keep sliders, and the map of the pages."""
import streamlit as st

from dropout_viz import figures
from dropout_viz.core import masks, system
from dropout_viz.ui import common as ui
from dropout_viz.ui import home

SIZES = (2, 8, 8, 2)  # small enough to see every connection, big enough that thinning is obvious

presenter = ui.page_setup("Dropout Lab")
st.title("Dropout Lab")
st.markdown(ui.tr(
    "**Dropout** trains a network while randomly switching units off. At every training step each unit is "
    "kept with probability **q** (the *keep probability*) and silenced otherwise, together with all its "
    "connections; the next minibatch gets a fresh random choice. Each choice is a *subnetwork*, and all "
    "of them share the same weights — so training with dropout trains an enormous ensemble at the cost "
    "of one network. At test time nothing is dropped: with **inverted dropout** (kept units are scaled by "
    "1/q while training) the full network approximates the average of the whole ensemble.",
    "**Dropout（随机失活）** 在训练时随机关闭一部分单元。每个训练步中，每个单元以概率 **q**（*保留概率*）"
    "被保留，否则连同它的所有连接一起被置零；下一个小批量重新随机选择。每一种选择就是一个*子网络*，所有子网络"
    "共享同一组权重——因此用 dropout 训练一个网络，相当于以一个网络的代价训练一个极其庞大的集成。测试时不丢弃"
    "任何单元：采用**反向 dropout**（训练时被保留的单元乘以 1/q）时，完整网络近似于整个集成的平均。"))
st.info(ui.tr(
    "**Convention used everywhere in this app:** keep probability q, drop rate p = 1 − q, and inverted "
    "dropout unless a page says otherwise. Papers differ: Srivastava et al. call the keep probability p, "
    "while most frameworks' `rate` is the drop rate.",
    "**本应用统一的约定：** 保留概率 q，丢弃率 p = 1 − q；除非页面另有说明，均采用反向 dropout。"
    "文献的记法并不一致：Srivastava 等人把保留概率记作 p，而多数深度学习框架的 `rate` 指的是丢弃率。"),
    icon="📐")

controls, picture = st.columns([1, 2.2] if not presenter else [1, 1.6], gap="large")
with controls:
    st.subheader(ui.tr("Drop some units", "随机丢弃一些单元"))
    keep_in = ui.keep_slider("Keep q for the input units", "keep_in", 0.8)
    keep_hidden = ui.keep_slider("Keep q for the hidden units", "keep_hidden", 0.5)
    seed = ui.number("Seed", "seed", 0, 10_000, 0, help="Same seed, same sequence of masks, on every machine.")
    draw = ui.counter("draw")
    if st.button("🎲 Sample a new mask", type="primary", shortcut="N",
                 help="Draw the mask the next minibatch would get (keyboard: N)."):
        ui.bump("draw")
        draw = ui.counter("draw")
    keep = (keep_in, keep_hidden, keep_hidden)
    unit_masks = home.sample_masks(SIZES, keep, seed, draw)
    d = masks.n_subnetworks_log2(SIZES, keep)
    st.metric("Subnetworks", f"2{ui.superscript(d)} = {2 ** d:,}",
              help="2^d, where d = the number of droppable units (those with keep < 1): every choice of which of "
                   "them to keep is one subnetwork, and all share the same weights.")
    kept = [int(m.sum()) for m in unit_masks[:-1]]
    st.caption(f"Mask #{draw} of seed {seed}: kept {kept[0]}/{SIZES[0]} inputs "
               f"({ui.keep_text(keep_in)}), {kept[1]}/{SIZES[1]} and {kept[2]}/{SIZES[2]} hidden units "
               f"({ui.keep_text(keep_hidden)}).")

with picture:
    fig = figures.network_diagram(list(SIZES), unit_masks, keep=list(keep), presenter=presenter,
                                  title=f"One thinned network: mask #{draw}")
    ui.chart(fig, key="home_network")
ui.show_url_notices()

st.caption(f"Computing with JAX {system.backend_info()['jax']} on **{system.backend_info()['label']}**.")

st.header(ui.tr("The lab", "实验目录"))
for page, title, blurb in ui.page_map():
    ui.page_link(page, label=f"**{title}** — {blurb}")
