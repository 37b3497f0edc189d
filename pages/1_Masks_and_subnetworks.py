"""Masks and subnetworks: what one dropout mask does to a network, a minibatch, a vector and one training step."""
import streamlit as st

from dropout_viz import figures
from dropout_viz.figures.masks_page import gradient_grid, labelled_diagram
from dropout_viz.ui import common as ui
from dropout_viz.ui import masks_page as mp

presenter = ui.page_setup("Masks and subnetworks")
tr = ui.tr
lang = "zh" if mp.is_zh() else "en"  # for the figures' own labels
st.title(tr("Masks and subnetworks", "掩码与子网络"))
st.markdown(tr(
    "A dropout **mask** is one coin flip per unit: heads (probability **q**, the *keep probability*) the "
    "unit works, tails (probability **p = 1 − q**, the *drop rate*) it is silenced together with every "
    "connection into and out of it. What remains is a **subnetwork**. Output units are never dropped. "
    "Dropout is **inverted** here unless a section says otherwise: kept units are multiplied by 1/q while "
    "training, so nothing needs rescaling at test time.",
    "dropout **掩码**就是给每个单元各掷一次硬币：正面朝上（概率为 **q**，即*保留概率*）时，该单元照常工作；"
    "反面朝上（概率为 **p = 1 − q**，即*丢弃率*）时，该单元连同所有进出它的连接一起被静默。剩下的部分就是一个"
    "**子网络**。输出单元从不丢弃。除非某一节另有说明，本页使用**反向（inverted）dropout**：训练时被保留的单元"
    "乘以 1/q，因此测试时无需再做任何缩放。"))

top = st.columns([2, 1, 3], gap="medium")
with top[0]:
    sizes = mp.network_sizes()
seed = ui.number(tr("Seed", "随机种子"), "m_seed", 0, 10_000, 0, container=top[1],
                 help=tr("Same seed, same sequence of masks, on every machine.",
                         "同一个种子在任何机器上都给出同一串掩码。"))
top[2].caption(tr("Keep q = 0 is not offered: inverted dropout divides by q, and a layer that is always dropped "
                  "would cut every input off from the output. Keep q = 1 switches dropout off for that layer.",
                  "不提供保留概率 q = 0：反向 dropout 要除以 q，而且一个总被整层丢弃的层会切断所有输入到输出的联系。"
                  "q = 1 表示该层不使用 dropout。"))
keep = mp.keep_sliders(sizes)

TABS = ["The thinned network", "One minibatch", "Inverted vs standard", "All subnetworks", "One training step"]
# The tab titles are also the link's values (m_tab=One+minibatch), so they stay English in both languages;
# in Chinese a line above the tabs says what each one holds.
TABS_ZH = ["被稀疏化的网络", "一个小批量", "反向与标准 dropout", "全部子网络", "一个训练步"]
if lang == "zh":
    st.caption("各标签页：" + "；".join(f"**{en}**（{zh}）" for en, zh in zip(TABS, TABS_ZH)))
# Bound to the URL so a link opens the same section; only the open tab computes anything.
tabs = ui.tabs(TABS, "m_tab")


def resample_button(box=st):
    box.button(tr("🎲 Sample a new mask", "🎲 重新抽取掩码"), key="m_resample", type="primary", shortcut="N",
               on_click=ui.bump, args=("m_draw",),
               help=tr("Draw the mask the next minibatch would get (keyboard: N).",
                       "抽取下一个小批量将会得到的掩码（快捷键：N）。"))


if tabs[0].open:
    with tabs[0]:
        playing = mp.is_playing()
        row = st.columns([2, 1.1, 1.3, 1.6], vertical_alignment="bottom")
        resample_button(row[0])
        row[1].button(tr("⏸ Pause", "⏸ 暂停") if playing else tr("▶ Play", "▶ 播放"), key="m_play", shortcut="P",
                      on_click=mp.toggle_play,
                      help=tr("Draw a new mask every few seconds, as consecutive minibatches would (keyboard: P).",
                              "每隔几秒抽取一个新掩码，就像一个接一个的小批量那样（快捷键：P）。"))
        speed = ui.select(tr("Seconds per mask", "每个掩码停留秒数"), "m_speed", mp.SPEEDS, 1.0, container=row[2])

        @st.fragment(run_every=speed if playing else None)
        def thinned_network():
            if playing:
                ui.bump("m_draw")
            draw = ui.counter("m_draw")
            res = mp.thinned(sizes, keep, seed, draw)
            box, side_a, side_b = mp.diagram_layout(sizes, 1.7)
            with box:
                title = None
                if lang == "zh":
                    n_drop = sum(len(m) - int(m.sum()) for m in res["masks"][:-1])
                    title = f"稀疏化的网络：{sum(sizes[:-1])} 个单元中丢弃了 {n_drop} 个"
                fig = labelled_diagram(list(sizes), res["masks"], keep=list(keep), presenter=presenter, title=title,
                                       lang=lang)
                ui.chart(fig, key="m_diagram")
                st.caption(tr(f"Mask #{draw} of seed {seed}" + (" — playing" if playing else "") + ". Dashed grey "
                              "circles with a cross are dropped units; none of their connections remain.",
                              f"种子 {seed} 的第 {draw} 号掩码" + ("（播放中）" if playing else "") + "。带叉的灰色"
                              "虚线圆圈是被丢弃的单元，它们的连接一条也不剩。"))
            with side_a:
                count = res["count"]
                st.metric(tr("Subnetworks", "子网络个数"), count.exact,
                          help=tr("d = number of droppable units (in layers with keep q < 1); each subset of them "
                                  "that is kept is one subnetwork, so there are 2^d.",
                                  "d = 可丢弃单元的个数（位于保留概率 q < 1 的层中）；这些单元中被保留的每一种子集"
                                  "都是一个子网络，所以共有 2^d 个。"))
                st.caption(mp.scale_words(count))
            with side_b:
                st.table(mp.layer_table(sizes, res["stats"]), hide_index=True)
                st.caption(tr("Kept units per layer follow a binomial law: expected q·n, give or take the "
                              "standard deviation √(n q (1 − q)).",
                              "每层被保留的单元数服从二项分布：期望为 q·n，通常偏离约一个标准差 √(n q (1 − q))。"))
        thinned_network()

if tabs[1].open:
    with tabs[1]:
        st.markdown(tr("In training, **every example of a minibatch gets its own mask**: a batch of 32 trains up to "
                       "32 different subnetworks at once, all sharing the same weights.",
                       "训练时，**小批量中的每个样本都有自己的掩码**：一个含 32 个样本的小批量同时训练多达 32 个"
                       "不同的子网络，它们共享同一组权重。"))
        left, right = st.columns([1.3, 2.6], gap="large")
        with left:
            resample_button()
            batch = ui.slider(tr("Examples in the minibatch", "小批量中的样本数"), "m_batch", 4, 64, 32, 4)
            layer = mp.layer_choice(sizes)
            st.caption(tr(f"{ui.keep_text(keep[layer])} on this layer. The bars below the masks are the fraction "
                          "of examples that kept each unit; they scatter around the dashed line q and tighten as "
                          "the batch grows.",
                          f"这一层的{ui.keep_words(keep[layer])}。掩码下方的柱子是保留了各个单元的样本所占比例；"
                          "它们散布在虚线 q 的上下，小批量越大就越集中。"))
        with right:
            bm = mp.batch_masks(sizes, keep, seed, ui.counter("m_draw"), batch)
            fig = figures.mask_heatmap(bm[layer], keep=keep[layer], presenter=presenter, lang=lang,
                                       title=tr(f"One minibatch, {mp.layer_name(layer, len(sizes))} layer: a row per example",
                                                f"一个小批量，{mp.layer_words(layer, len(sizes))}：每行一个样本"))
            ui.chart(fig, key="m_batch_heatmap")

if tabs[2].open:
    with tabs[2]:
        st.markdown(tr("The classic NumPy example drops entries of x = (1, …, 10) with **drop level 0.4**, which is "
                       "the drop rate: **p = 0.4, keep q = 0.6**. A mask m has independent entries, 1 with "
                       "probability q. *Standard* dropout trains on x·m, *inverted* dropout on x·m/q.",
                       "经典的 NumPy 示例对 x = (1, …, 10) 的各分量以**丢弃水平 0.4** 做 dropout，这个 0.4 指的是"
                       "丢弃率：**p = 0.4，保留概率 q = 0.6**。掩码 m 的各分量相互独立，以概率 q 取 1。*标准* "
                       "dropout 在 x·m 上训练，*反向* dropout 在 x·m/q 上训练。"))
        left, right = st.columns([1.3, 2.6], gap="large")
        with left:
            x = mp.vector_text()
            q_vec = ui.keep_slider(tr("Keep q for the vector", "向量的保留概率 q"), "m_vec_keep", 0.6,
                                   help=mp.KEEP_HELP_ZH if lang == "zh" else None)
            st.caption(ui.keep_words(q_vec))
            n_draws = mp.n_draws_slider()
            resample_button()
        if x is not None:
            one, stats = mp.vector_demo(tuple(x), q_vec, seed, ui.counter("m_draw"), n_draws)
            with right:
                names = (tr("mask m", "掩码 m"), tr("standard: x·m", "标准：x·m"), tr("inverted: x·m/q", "反向：x·m/q"))
                fig = figures.vector_bars(x, {"x": x, names[0]: one.mask, names[1]: one.standard,
                                              names[2]: one.inverted}, presenter=presenter, lang=lang,
                                          title=tr(f"One mask on x, {ui.keep_text(q_vec)}",
                                                   f"对 x 施加一个掩码，{ui.keep_words(q_vec)}"))
                ui.chart(fig, key="m_vector_bars")
            st.latex(r"\mathbb{E}[x\,m] = q\,x,\qquad \mathbb{E}\!\left[\tfrac{x\,m}{q}\right] = x,\qquad "
                     r"\operatorname{Var}\!\left[\tfrac{x\,m}{q}\right] = x^2\,\frac{1-q}{q}"
                     r"\qquad\text{for } m \sim \text{Bernoulli}(q)")
            left, right = st.columns([1.4, 1], gap="large")
            with left:
                fig = figures.band_chart(
                    stats.draws, mp.running_mean_bands(stats, q_vec),
                    hline={tr("1: inverted tends to x", "1：反向趋于 x"): 1.0,
                           tr(f"q = {q_vec:g}: standard tends to q·x", f"q = {q_vec:g}：标准趋于 q·x"): q_vec},
                    log_x=True, x_title=tr("number of masks drawn", "已抽取的掩码个数"),
                    y_title=tr("running mean ÷ x", "累积平均 ÷ x"), presenter=presenter,
                    title=tr("Running mean ÷ x", "累积平均 ÷ x"))
                ui.chart(fig, key="m_running_mean")
            with right:
                st.table(mp.vector_table(x, stats, q_vec), hide_index=True)
                st.caption(tr(f"Left: the running mean of each element's output divided by that element (x ≠ 0); "
                              f"line = average over the elements, band = lowest to highest. Table: over all N = "
                              f"{n_draws:,} masks, sample variance with N − 1.",
                              f"左图：每个分量输出的累积平均除以该分量本身（x ≠ 0）；曲线是各分量的平均，阴影带从最低"
                              f"到最高。表格：基于全部 N = {n_draws:,} 个掩码，样本方差除以 N − 1。"))

        st.subheader(tr("The same statement for a whole network", "对整个网络的同一结论"))
        st.markdown(tr("Standard dropout trains on m·h and multiplies each layer's outgoing weights by q at test "
                       "time; inverted dropout trains on m·h/q and tests as is. They are **the same model in "
                       "different units** — but only when the two runs are matched, as the algebra shows:",
                       "标准 dropout 在 m·h 上训练，测试时把每层的输出权重乘以 q；反向 dropout 在 m·h/q 上训练，"
                       "测试时原样使用。二者是**同一个模型，只是换了一套单位**——但前提是两次训练相互匹配，"
                       "下面的代数说明了这一点："))
        st.latex(r"(m \odot h / q)\,W_{\text{inv}} = (m \odot h)\,W_{\text{std}} \iff W_{\text{inv}} = q\,W_{\text{std}}"
                 r",\qquad \frac{\partial L}{\partial W_{\text{std}}} = q\,\frac{\partial L}{\partial W_{\text{inv}}}")
        st.markdown(tr("So with plain SGD the standard run must start from W₀/q and take steps of size η/q² on each "
                       "weight matrix (biases: η); then q·W_std = W_inv after every step. With the same start W₀ and "
                       "the same η, the standard run is — in the inverted run's units — started at q·W₀ and moved by "
                       "q²·η·∂L/∂W_inv: a different start and smaller steps, so it ends at a different network.",
                       "因此在普通 SGD 下，标准训练必须从 W₀/q 出发，并对每个权重矩阵使用步长 η/q²（偏置仍用 η）；"
                       "这样每一步之后都有 q·W_std = W_inv。如果两者用同一个起点 W₀ 和同一个 η，那么换算到反向"
                       "训练的单位，标准训练是从 q·W₀ 出发、每步移动 q²·η·∂L/∂W_inv：起点不同、步子更小，"
                       "最终得到的是另一个网络。"))
        try:
            eq = mp.equivalence(seed, q_vec)
        except ValueError as exc:
            ui.error(exc)
        else:
            st.table(mp.equivalence_table(eq), hide_index=True)
            if eq.test_acc["inverted"] < 0.6:
                st.warning(tr(f"With {ui.keep_text(q_vec)} on every layer, inputs included, this small network does "
                              "not learn (test accuracy near chance), so the comparison says little here. Try "
                              "keep q ≥ 0.4.",
                              f"当包括输入层在内的每一层都取{ui.keep_words(q_vec)}时，这个小网络学不会（测试准确率"
                              "接近随机猜测），这里的比较也就说明不了什么。请尝试保留概率 q ≥ 0.4。"), icon="⚠️")
            st.caption(tr(f"Three runs of the training engine on two moons: a 2-8-8-2 ReLU network, "
                          f"{ui.keep_text(q_vec)} on every layer, plain SGD (η = {eq.lr:g}), {eq.steps} steps, the "
                          f"same minibatches and the same masks. After training, the largest |q·W_std − W_inv| is "
                          f"{eq.weight_gap:.1e} of the largest weight (float32 rounding). With momentum the same η/q² "
                          f"matches; Adam divides by the gradient's scale, so there the matching step is η/q (equal up "
                          f"to Adam's ε).",
                          f"训练引擎在 two moons 数据上运行三次：2-8-8-2 的 ReLU 网络，每层{ui.keep_words(q_vec)}，"
                          f"普通 SGD（η = {eq.lr:g}），{eq.steps} 步，使用相同的小批量和相同的掩码。训练结束后，"
                          f"|q·W_std − W_inv| 的最大值是最大权重的 {eq.weight_gap:.1e}（float32 舍入误差）。"
                          f"使用动量时，同样的 η/q² 依然匹配；Adam 会除以梯度的尺度，因此匹配的步长是 η/q"
                          f"（在 Adam 的 ε 范围内相等）。"))

if tabs[3].open:
    with tabs[3]:
        g = mp.gallery(keep[0], keep[1])
        left, right = st.columns([2, 1], gap="large")
        with left:
            fig = figures.subnetwork_gallery([2, 2, 1], g.layer_masks, g.probs, has_path=g.has_path, cols=4,
                                             presenter=presenter,
                                             title=tr("All 16 subnetworks of 2-2-1, with P(mask)",
                                                      "2-2-1 网络的全部 16 个子网络及其概率 P(mask)"))
            if lang == "zh":  # the shared gallery marks constant subnetworks "no path" in its panel titles
                for a in fig.layout.annotations:
                    a.text = a.text.replace("no path", "无通路")
            ui.chart(fig, key="m_gallery")
        with right:
            st.markdown(tr(f"The network of the textbook figure — 2 inputs, 2 hidden units, 1 output — has 4 droppable "
                           f"units, hence 2⁴ = 16 subnetworks. Each is drawn with its probability under this page's "
                           f"keep values: inputs {ui.keep_text(keep[0])}, hidden units {ui.keep_text(keep[1])}.",
                           f"教材插图中的网络——2 个输入、2 个隐藏单元、1 个输出——有 4 个可丢弃单元，因此有 "
                           f"2⁴ = 16 个子网络。每个子网络都标出了它在本页保留概率下出现的概率：输入单元"
                           f"{ui.keep_words(keep[0])}，隐藏单元{ui.keep_words(keep[1])}。"))
            st.metric(tr("Subnetworks without a path", "没有通路的子网络"),
                      tr(f"{g.n_no_path} of 16", f"{g.n_no_path} / 16"),
                      help=tr("No path from an input to the output: both inputs or both hidden units are dropped, "
                              "and the subnetwork outputs a constant.",
                              "从输入到输出没有通路：两个输入都被丢弃，或两个隐藏单元都被丢弃，此时子网络输出一个常数。"))
            st.metric(tr("Their total probability", "它们的总概率"), f"{g.p_no_path:.4f}")
            res = mp.thinned(sizes, keep, seed, 0)
            st.subheader(tr(f"Your network, {'-'.join(map(str, sizes))}", f"你的网络：{'-'.join(map(str, sizes))}"))
            st.metric(tr("P(some path survives)", "P(至少一条通路存活)"), f"{res['path']:.6g}",
                      help=tr("Probability that at least one input still reaches the output through kept units.",
                              "至少有一个输入仍能经由被保留的单元到达输出的概率。"))
            st.metric(tr("P(a given path survives)", "P(某条指定通路存活)"), f"{res['single_path']:.4g}",
                      help=tr("Probability that one particular input-to-output path keeps all its units.",
                              "某一条特定的输入到输出通路上所有单元都被保留的概率。"))
        st.latex(r"P(\text{some path}) = \prod_{i} \bigl(1 - (1 - q_i)^{n_i}\bigr),\qquad "
                 r"P(\text{a given path}) = \prod_i q_i")
        st.caption(tr("Products over the layers before the output, layer i having n_i units with keep q_i, every unit "
                      "dropped independently. In a fully connected network some path survives exactly when every "
                      "layer keeps at least one unit. A given path needs one particular unit in every layer, so with "
                      "the same q everywhere it survives with probability q^L for L dropped layers: deep paths are "
                      "fragile, and the network must spread what it learns over many of them.",
                      "乘积取遍输出层之前的各层：第 i 层有 n_i 个单元、保留概率为 q_i，每个单元独立地被丢弃。"
                      "在全连接网络中，当且仅当每一层都至少保留一个单元时，才有通路存活。一条指定的通路需要每层"
                      "中某个特定的单元都被保留，所以若各层的 q 相同，它在 L 个可丢弃层下的存活概率为 q^L："
                      "深的通路很脆弱，网络必须把学到的东西分散到许多通路上。"))

if tabs[4].open:
    with tabs[4]:
        st.markdown(tr("One training step with dropout: **(1)** sample a mask, **(2)** run the minibatch forward and "
                       "backward through the thinned network, **(3)** update the weights, **(4)** restore all units; "
                       "the next step samples a new mask. Here one mask is shared by the whole minibatch, so the step "
                       "trains exactly one subnetwork (the engine normally gives each example its own, as in *One "
                       "minibatch*). Plain SGD, η = 0.1, on a random labelled minibatch of 32.",
                       "带 dropout 的一个训练步：**(1)** 采样一个掩码，**(2)** 让小批量在稀疏化后的网络中做前向和"
                       "反向传播，**(3)** 更新权重，**(4)** 恢复所有单元；下一步再采样新的掩码。这里整个小批量共用"
                       "一个掩码，所以这一步恰好只训练一个子网络（训练引擎平时给每个样本各自的掩码，见 *One "
                       "minibatch* 标签页）。普通 SGD，η = 0.1，使用一个随机标注、含 32 个样本的小批量。"))
        # Chinese labels are wider than "Next ▶" and "⟲ Step 0": wider columns keep them on the buttons.
        row = st.columns([1.0, 1.1, 5.9] if lang == "en" else [1.4, 1.4, 5.2], vertical_alignment="bottom")
        step = mp.step_number()
        row[0].button(tr("Next ▶", "下一步 ▶"), key="m_next", type="primary", shortcut="S", on_click=mp.next_phase,
                      disabled=mp.at_last_step(),
                      help=tr("The next phase; after phase 4 the next training step, up to step {last:,} "
                              "(keyboard: S).", "进入下一个阶段；第 4 阶段之后进入下一个训练步，最多到第 {last:,} 步"
                              "（快捷键：S）。").format(last=mp.LAST_STEP))
        row[1].button(tr("⟲ Step 0", "⟲ 第 0 步"), key="m_restart", on_click=mp.restart_steps,
                      help=tr("Back to the first training step.", "回到第一个训练步。"))
        phase = mp.phase_choice(container=row[2])
        try:
            demo = mp.training_step(sizes, keep, seed, step)
        except ValueError as exc:
            ui.error(exc)
        else:
            box, side, _ = mp.diagram_layout(sizes, 1.4)
            with box:
                fig = labelled_diagram(list(sizes), None if phase == 4 else demo.masks,
                                       weights=demo.params_before if phase <= 2 else demo.params_after,
                                       keep=list(keep), presenter=presenter, title=mp.step_title(demo, phase),
                                       lang=lang)
                ui.chart(fig, key="m_step_diagram")
            with side:
                mp.step_text(demo, phase)
            if phase in (2, 3):
                fig = gradient_grid(demo.grads, demo.masks, presenter=presenter, title=mp.gradient_title(demo, phase),
                                    lang=lang)
                ui.chart(fig, key="m_gradients")

ui.show_url_notices()
