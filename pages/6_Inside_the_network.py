"""Inside the network: co-adaptation, path survival, Jensen's gap and flat minima, each as a live experiment."""
import streamlit as st

from dropout_viz.core.datasets import DATASETS
from dropout_viz.figures.inside_page import closed_vs_sampled, compare_bands, jensen_picture
from dropout_viz.ui import common as ui
from dropout_viz.ui import inside_page as inside

tr = ui.tr
presenter = ui.page_setup("Inside the network")
st.title(tr("Inside the network", "网络内部"))
st.markdown(tr(
    "Four ways of looking inside a dropout network, each an experiment to run. Where a formula exists it "
    "is checked live against simulation, showing both numbers and their difference. Throughout, **q is "
    "the keep probability** (drop rate p = 1 − q) and dropout is **inverted** (kept units are scaled by "
    "1/q while training) unless a section says otherwise.",
    "从四个角度观察 dropout 网络的内部，每个角度都是一个可以动手运行的实验。凡是有公式的地方，都当场与模拟结果对照，"
    "同时给出两个数值及其差值。除非某一节另有说明，全页中 **q 表示保留概率**（丢弃率 p = 1 − q），dropout 都是 "
    "**反向** dropout（训练时保留下来的单元乘以 1/q）。"))

# The tab titles go into the link (in_tab=Paths), so they stay English in both languages; in Chinese each tab
# opens with its Chinese name in bold.
TABS = ["Co-adaptation", "Paths", "Jensen's gap", "Flat minima"]
# Bound to the URL, so a link opens the same experiment; only the open tab runs its computation.
tabs = ui.tabs(TABS, "in_tab")
COLUMNS = [1, 3]  # controls | figure


def keep_and_seed(box):
    """The keep probability and seed that every experiment shares (the same keys in every tab)."""
    keep = ui.keep_slider(tr("Keep q of the hidden units", "隐藏单元的保留概率 q"), "in_keep", 0.5, container=box,
                          help=tr(None, inside.KEEP_HELP_ZH))
    seed = ui.number(tr("Seed", "随机种子"), "in_seed", 0, 10_000, 0, container=box,
                     help=tr("Same seed, same data split, initial weights, masks and directions.",
                             "种子相同，则数据划分、初始权重、掩码和方向都相同。"))
    return keep, seed


def training_controls(box):
    """Settings of the trained pair, shared by the co-adaptation and flat-minima experiments."""
    # Options are the labels themselves: a bound widget writes its displayed text into the link.
    label = ui.select(tr("Data set", "数据集"), "in_data", list(inside.DATASET_LABELS), DATASETS["digits"].label,
                      container=box)
    name = inside.DATASET_LABELS[label]
    keep, seed = keep_and_seed(box)
    width = ui.select(tr("Hidden units per layer (2 hidden layers)", "每层隐藏单元数（共 2 个隐藏层）"), "in_width",
                      (16, 32, 64, 128), 64, container=box)
    steps = ui.select(tr("Training steps (Adam, batch 32)", "训练步数（Adam，批大小 32）"), "in_steps",
                      (500, 1000, 2000, 4000), 2000, container=box)
    return name, keep, width, steps, seed


def dropout_label(keep):
    return tr(f"dropout, keep q = {keep:.3g}", f"dropout，保留概率 q = {keep:.3g}")


if tabs[0].open:
    with tabs[0]:
        st.markdown(tr(
            "Without dropout a hidden unit can come to rely on particular partners, each fixing the "
            "others' mistakes; such **co-adapted** units only work together. Dropout makes every partner "
            "unreliable, so each unit must be useful in whatever company it gets. The test: train one "
            "network twice (same initial weights, same minibatches), without and with dropout, then "
            "switch hidden units off and watch the test accuracy.",
            "**协同适应。** 没有 dropout 时，一个隐藏单元可能会依赖某些特定的搭档，彼此纠正对方的错误；这样 "
            "**协同适应** 的单元只有凑在一起才能工作。Dropout 让每个搭档都变得靠不住，于是每个单元无论和谁搭配都"
            "必须有用。检验方法：把同一个网络训练两次（相同的初始权重、相同的小批量），一次不用 dropout，一次用 "
            "dropout，然后逐步关掉隐藏单元，观察测试准确率的变化。"))
        left, right = st.columns(COLUMNS, gap="large")
        name, keep, width, steps, seed = training_controls(left)
        n_orders = ui.select(tr("Random removal orders", "随机移除顺序的个数"), "in_orders", (5, 10, 20, 50), 20,
                             container=left)
        with right:
            try:
                res = inside.ablation(name, width, keep, steps, seed, n_orders)
            except ValueError as exc:
                ui.error(exc)
            except inside.Stopped:  # its notice and a button to train after all are shown
                pass
            else:
                ui.chart(compare_bands(
                    res["percent"], {"no dropout": res["plain"], dropout_label(keep): res["dropout"]},
                    hline={tr("guessing (1 / classes)", "随机猜测（1 / 类别数）"): res["chance"]},
                    x_title=tr("hidden units switched off (%)", "被关掉的隐藏单元（%）"),
                    y_title=tr("test accuracy", "测试准确率"), presenter=presenter,
                    title=tr("Test accuracy as hidden units are switched off", "逐步关掉隐藏单元时的测试准确率")),
                    key="in_ablation")
                half = tr("Mean test accuracy with 50 % of every hidden layer switched off.",
                          "每个隐藏层都关掉 50 % 的单元时的平均测试准确率。")
                accuracy = tr("Test accuracy.", "测试准确率。")
                plain, drop = st.columns(2)
                plain.metric(tr("No dropout, all units", "无 dropout，全部单元"), f"{res['full_acc'][0]:.1%}",
                             help=accuracy)
                plain.metric(tr("No dropout, half off", "无 dropout，关掉一半"), f"{res['plain_half']:.1%}", help=half)
                drop.metric(tr("Dropout, all units", "Dropout，全部单元"), f"{res['full_acc'][1]:.1%}", help=accuracy)
                drop.metric(tr("Dropout, half off", "Dropout，关掉一半"), f"{res['dropout_half']:.1%}", help=half)
                st.caption(tr(
                    f"Each of {n_orders} random orders switches off the same growing fraction of every hidden "
                    "layer in both networks. Switched-off units are set to zero and the survivors are **not** "
                    "rescaled: this is damage, not dropout. Lines: mean over the orders; shaded: ± 1 standard "
                    f"deviation. Accuracy on the {res['n_test']} held-out points; both networks were trained on "
                    f"{res['n_train']}, the dropout one with {ui.keep_text(keep)} on its hidden units "
                    "(inputs not dropped).",
                    f"{n_orders} 个随机顺序中的每一个，都在两个网络的每个隐藏层里关掉同样比例的单元，比例逐步增大。"
                    "被关掉的单元置零，剩下的单元 **不** 重新缩放：这是破坏，而不是 dropout。线：对各顺序取平均；"
                    f"阴影：± 1 个标准差。准确率在 {res['n_test']} 个留出点上计算；两个网络都在 {res['n_train']} 个点上"
                    f"训练，其中 dropout 网络对隐藏单元采用{ui.keep_words(keep)}（输入不丢弃）。"))

if tabs[1].open:
    with tabs[1]:
        st.markdown(tr(
            "A path runs from one input unit through one unit of every hidden layer to an output unit. It "
            "carries signal only if every unit on it is kept, so a long path is rarely intact: the network "
            "cannot lean on any single chain and has to spread what it knows over many.",
            "**路径。** 一条路径从一个输入单元出发，经过每个隐藏层中的一个单元，到达一个输出单元。只有路径上的每个"
            "单元都被保留，它才能传递信号，所以长路径很少完好无损：网络无法依赖任何单独一条链，只能把学到的东西分散"
            "到许多条路径上。"))
        st.latex(r"P(\text{a given path survives}) = q_{\mathrm{in}}\, q^{L} = (1-p_{\mathrm{in}})\,(1-p)^{L}")
        st.latex(r"P(\text{some path survives}) = \bigl(1-(1-q_{\mathrm{in}})^{n}\bigr)\,\bigl(1-(1-q)^{n}\bigr)^{L}")
        st.caption(tr(
            "L hidden layers of n units (and n inputs); each hidden unit is kept with probability q, each input "
            "unit with q_in (q_in = 1: inputs are not dropped and their factor is 1); output units are never "
            "dropped. In a fully connected net some input reaches the output exactly when every dropped "
            "layer keeps at least one unit.",
            "L 个隐藏层，每层 n 个单元（输入也是 n 个）；每个隐藏单元以概率 q 保留，每个输入单元以概率 q_in 保留"
            "（q_in = 1：输入不丢弃，其因子为 1）；输出单元从不丢弃。在全连接网络中，当且仅当每个做 dropout 的层都"
            "至少保留一个单元时，才有输入能到达输出。"))
        left, right = st.columns(COLUMNS, gap="large")
        keep, seed = keep_and_seed(left)
        keep_in = ui.keep_slider(tr("Keep q_in of the input units", "输入单元的保留概率 q_in"), "in_keep_in", 1.0,
                                 container=left,
                                 help=tr("1.0: inputs are never dropped. Input drop rates are usually small "
                                         "(p_in ≈ 0.2).", "1.0：输入从不丢弃。输入的丢弃率通常较小（p_in ≈ 0.2）。"))
        width = ui.slider(tr("Units per layer n", "每层单元数 n"), "in_path_width", 1, 32, 4, container=left)
        depth = ui.slider(tr("Deepest net (hidden layers)", "最深网络的隐藏层数"), "in_depth", 2, 24, 12,
                          container=left)
        n_samples = ui.select(tr("Sampled masks", "采样掩码数"), "in_samples", (1_000, 10_000, 50_000), 10_000,
                              container=left)
        try:
            res = inside.paths(keep, keep_in, width, depth, n_samples, seed)
        except ValueError as exc:
            ui.error(exc)
            res = None
        if res is not None:
            with right:
                ui.chart(closed_vs_sampled(
                    res["depth"], inside.named({"one given path: closed form": res["one_closed"],
                                                "some path: closed form": res["any_closed"]}),
                    inside.named({"one given path: sampled": (res["one_mc"], res["one_se"]),
                                  "some path: sampled": (res["any_mc"], res["any_se"])}),
                    x_title=tr("hidden layers L", "隐藏层数 L"), y_title=tr("probability of surviving", "存活概率"),
                    presenter=presenter,
                    title=tr(f"Surviving paths, {ui.keep_text(keep)}", f"路径的存活，{ui.keep_words(keep)}")),
                    key="in_paths")
                st.caption(tr(
                    f"n = {width} units per layer, inputs: {ui.keep_text(keep_in)}. Lines: closed forms. "
                    f"Markers: share of {n_samples:,} sampled masks in which the path survives (one deep net, "
                    "cut at each depth); bars: ± 2 standard errors.",
                    f"每层 n = {width} 个单元，输入：{ui.keep_words(keep_in)}。线：闭式解。标记：{n_samples:,} 个"
                    "采样掩码中路径存活的比例（同一个深层网络，在每个深度处截断）；误差棒：± 2 个标准误。"))
            labels = (tr("**One given path** (L = hidden layers)", "**一条给定路径**（L = 隐藏层数）"),
                      tr("**Some path** (L = hidden layers)", "**至少一条路径**（L = 隐藏层数）"))
            for box, label, rows in zip(st.columns(2), labels, ("one_rows", "any_rows")):
                box.markdown(label)
                box.dataframe(inside.shown(res[rows]), hide_index=True, width="stretch", height="content")

if tabs[2].open:
    with tabs[2]:
        st.markdown(tr(
            "The weight-scaled network feeds each unit its **average** input; the ensemble averages the "
            "unit's **outputs** over all subnetworks. For a non-linear f the two differ, and for a convex f "
            "(z², ReLU) Jensen's inequality fixes the sign: E[f(z)] ≥ f(E z). One unit with d inputs shows "
            "the whole story: every dot below is one of its 2^d subnetworks.",
            "**Jensen 差距。** 权重缩放后的网络给每个单元送入的是它的 **平均** 输入；集成则是把该单元在所有子网络上"
            "的 **输出** 取平均。对非线性的 f，两者并不相等；对凸函数 f（z²、ReLU），Jensen 不等式确定了差的符号："
            "E[f(z)] ≥ f(E z)。一个有 d 个输入的单元就足以说明全部道理：下图中每个点都是它的 2^d 个子网络之一。"))
        left, right = st.columns(COLUMNS, gap="large")
        keep, seed = keep_and_seed(left)
        d = ui.slider(tr("Inputs d of the unit", "该单元的输入个数 d"), "in_d", 1, 12, 6, container=left)
        # The options go into the link (in_kind=standard), so they stay English.
        kind = ui.select(tr("Dropout on the inputs", "输入上的 dropout"), "in_kind", ("inverted", "standard"),
                         "inverted", container=left, radio=True,
                         help=tr("Inverted: kept inputs are multiplied by 1/q. Standard: kept inputs are "
                                 "left as they are (the weight-scaled unit multiplies w by q instead).",
                                 "inverted（反向）：保留的输入乘以 1/q。standard（标准）：保留的输入保持原样（权重"
                                 "缩放后的单元改为把 w 乘以 q）。"))
        bias = ui.slider(tr("Bias b", "偏置 b"), "in_bias", -2.0, 2.0, 0.0, 0.1, container=left, fmt="%.1f")
        k = ui.select(tr("Sampled masks k", "采样掩码数 k"), "in_k", (100, 1_000, 10_000, 100_000), 10_000,
                      container=left)
        inverted = kind == "inverted"
        kind_zh = "反向" if inverted else "标准"
        try:
            res = inside.jensen(d, keep, inverted, bias, seed, k)
        except ValueError as exc:
            ui.error(exc)
            res = None
        if res is not None:
            with right:
                ui.chart(jensen_picture(res["z"], res["prob"], presenter=presenter,
                                        text=inside.JENSEN_TEXT_ZH if ui.is_chinese() else None,
                                        title=tr(f"All {res['n_masks']:,} subnetworks, {ui.keep_text(keep)}",
                                                 f"全部 {res['n_masks']:,} 个子网络，{ui.keep_words(keep)}")),
                         key="in_jensen")
                st.caption(tr(
                    f"{kind.capitalize()} dropout on the unit's {d} inputs. Dot area ∝ probability of the "
                    "subnetwork. E z is what the weight-scaled unit computes (inverted: the trained weights as "
                    "they are; standard: weights multiplied by q).",
                    f"对该单元的 {d} 个输入做{kind_zh} dropout。点的面积 ∝ 子网络的概率。E z 就是权重缩放后的单元"
                    "算出的值（反向：训练所得权重原样使用；标准：权重乘以 q）。"))
            if inverted:
                st.latex(r"z = b + \sum_j w_j x_j \frac{m_j}{q},\ m_j \sim \mathrm{Bernoulli}(q):\quad "
                         r"\mathbb{E}z = b + w\cdot x,\quad \operatorname{Var} z = \frac{1-q}{q}\sum_j w_j^2 x_j^2")
            else:
                st.latex(r"z = b + \sum_j w_j x_j m_j,\ m_j \sim \mathrm{Bernoulli}(q):\quad "
                         r"\mathbb{E}z = b + q\, w\cdot x,\quad \operatorname{Var} z = q(1-q)\sum_j w_j^2 x_j^2")
            st.latex(r"\text{gap for } z^2:\ \mathbb{E}[z^2] - (\mathbb{E}z)^2 = \operatorname{Var} z"
                     r"\qquad \text{gap for ReLU: } \mathbb{E}[\max(z,0)] - \max(\mathbb{E}z, 0) \ge 0")
            st.dataframe(inside.shown(res["rows"]), hide_index=True, width="stretch", height="content")
            st.caption(tr("The z² gap does not depend on b. The ReLU gap has no short closed form, so it is computed "
                          "exactly by enumerating every mask. w ~ N(0, 1/d) and x ~ N(0, 1) are drawn from the seed.",
                          "z² 的差距与 b 无关。ReLU 的差距没有简洁的闭式解，所以枚举每一个掩码来精确计算。"
                          "w ~ N(0, 1/d) 和 x ~ N(0, 1) 由种子抽取。"))
            sweep = res["sweep"]
            sq, relu = st.columns(2)
            keep_axis = tr("keep q (drop rate p = 1 − q)", "保留概率 q（丢弃率 p = 1 − q）")
            with sq:
                ui.chart(closed_vs_sampled(
                    sweep["keep"], inside.named({"z²: closed form Var z": sweep["closed_sq"]}),
                    inside.named({"z²: exact enumeration": (sweep["exact_sq"], None)}),
                    x_title=keep_axis, y_title="E[z²] − (E z)²", presenter=presenter,
                    title=tr(f"Gap for z² against q ({kind})", f"z² 的差距随 q 的变化（{kind_zh}）")),
                    key="in_sweep_sq")
            with relu:
                ui.chart(closed_vs_sampled(
                    sweep["keep"], {}, inside.named({"ReLU: exact enumeration": (sweep["exact_relu"], None)}),
                    x_title=keep_axis, y_title="E[ReLU z] − ReLU(E z)", presenter=presenter,
                    title=tr(f"Gap for ReLU against q ({kind})", f"ReLU 的差距随 q 的变化（{kind_zh}）")),
                    key="in_sweep_relu")

if tabs[3].open:
    with tabs[3]:
        st.markdown(tr(
            "Dropout's noise keeps shaking the weights during training, which makes it hard to settle in a "
            "narrow valley of the loss. Walk away from the trained weights along random directions and "
            "see how fast the loss climbs. Directions are **filter-normalised** (Li et al., 2018): each "
            "unit's incoming weights move in proportion to their own length, so networks whose weights "
            "have different scales can be compared.",
            "**平坦极小值。** 训练时 dropout 的噪声不停地摇晃权重，使它们很难停留在损失函数的狭窄山谷里。从训练好的"
            "权重出发，沿随机方向走开，看损失上升得有多快。这些方向经过 **滤波器归一化**（filter normalisation，"
            "Li 等人，2018）：每个单元的输入权重按其自身长度成比例地移动，这样权重尺度不同的网络也能相互比较。"))
        left, right = st.columns(COLUMNS, gap="large")
        name, keep, width, steps, seed = training_controls(left)
        n_dirs = ui.select(tr("Random directions", "随机方向数"), "in_dirs", (4, 8, 16), 8, container=left)
        t_max = ui.slider(tr("Walk up to t =", "最远走到 t ="), "in_tmax", 0.25, 2.0, 1.0, 0.25, container=left,
                          fmt="%.2f")
        # The options go into the link (in_split=test), so they stay English.
        split = ui.select(tr("Loss on the", "计算损失所用的数据"), "in_split", ("train", "test"), "train",
                          container=left, radio=True, horizontal=True,
                          help=tr("The data the loss is averaged over: the training or the test split.",
                                  "损失在哪部分数据上取平均：train 为训练集，test 为测试集。"))
        with right:
            try:
                res = inside.landscape(name, width, keep, steps, seed, n_dirs, t_max, split)
            except ValueError as exc:
                ui.error(exc)
            except inside.Stopped:  # its notice and a button to train after all are shown
                pass
            else:
                ui.chart(compare_bands(
                    res["ts"], {"no dropout": res["plain"], dropout_label(keep): res["dropout"]},
                    x_title=tr("step t along a direction (t = 0: trained weights)",
                               "沿方向走的步长 t（t = 0：训练所得权重）"),
                    y_title=tr(f"cross-entropy, {split} set", "交叉熵，" + ("训练集" if split == "train" else "测试集")),
                    presenter=presenter, title=tr("Loss along random directions", "沿随机方向的损失")),
                    key="in_landscape")
                plain, drop = st.columns(2)
                climb = tr(f"Mean loss at t = ±{t_max:g} minus the loss at t = 0.",
                           f"t = ±{t_max:g} 处的平均损失减去 t = 0 处的损失。")
                plain.metric(tr("No dropout: loss climbs by", "无 dropout：损失上升"), f"{res['plain_rise']:.3g}",
                             help=climb)
                drop.metric(tr("Dropout: loss climbs by", "Dropout：损失上升"), f"{res['dropout_rise']:.3g}",
                            help=climb)
                st.caption(tr(
                    f"θ(t) = θ + t·d for {n_dirs} Gaussian directions d, each unit's part rescaled to the norm "
                    "of that unit's weights (t = 1 moves every unit's weights by their own length); biases do "
                    "not move. Both networks use the same Gaussian draws. Lines: mean over the directions; "
                    f"shaded: ± 1 standard deviation. \"Climbs by\": mean loss at t = ±{t_max:g} minus the "
                    "loss at t = 0. Both networks are evaluated whole, without dropout.",
                    f"θ(t) = θ + t·d，d 取 {n_dirs} 个高斯随机方向，其中每个单元对应的部分缩放到该单元权重的范数"
                    "（t = 1 时每个单元的权重恰好移动其自身的长度）；偏置不动。两个网络使用相同的高斯随机数。线：对"
                    f"各方向取平均；阴影：± 1 个标准差。“损失上升”：t = ±{t_max:g} 处的平均损失减去 t = 0 处的损失。"
                    "两个网络都以完整网络评估，不做 dropout。"))
        st.info(tr("Flatness is a picture, not a proof: Dinh et al. (2017) showed that a sharp minimum can be "
                   "reparametrised into a flat one computing the same function. Filter normalisation removes the "
                   "simplest such rescaling, which is why it is used here.",
                   "平坦只是一种直观的图景，而不是证明：Dinh 等人（2017）指出，尖锐的极小值可以经过重新参数化，变成"
                   "计算同一函数的平坦极小值。滤波器归一化消除了其中最简单的一种缩放，这正是这里采用它的原因。"),
                icon=":material/explore:")

ui.show_url_notices()
