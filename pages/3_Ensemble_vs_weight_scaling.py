"""Ensemble vs weight scaling: the average of many subnetworks against one scaled network, and when they agree."""
import streamlit as st

from dropout_viz.core.ensembles import droppable_units, first_k_below
from dropout_viz.core.masks import MAX_EXACT_UNITS
from dropout_viz.ui import common as ui
from dropout_viz.ui import ensemble_page as ens

presenter = ui.page_setup("Ensemble vs weight scaling", icon="⚖️")
tr = ui.tr
lang = ens.lang()  # the figures' language (part of their cache keys)
st.title(tr("The ensemble against the weight-scaled network", "集成平均与权重缩放网络的对比"))
st.markdown(tr(
    "Training with dropout trains a whole family of networks at once: every way of switching off some of the "
    "d droppable units is a *subnetwork*, there are 2ᵈ of them, and they all share one set of weights. At "
    "test time we would like their **average** prediction. The **weight scaling rule** says one forward pass "
    "of the full network comes close: with standard dropout you multiply each layer's outgoing weights by its "
    "keep probability q; with **inverted dropout** (used throughout this app: kept units are scaled by 1/q "
    "while training) the trained network already *is* the weight-scaled one. How close is close, and when is "
    "it exact?",
    "用 dropout 训练，等于一次训练一整族网络：从 d 个可丢弃单元中关掉一部分，每一种关法都是一个*子网络*，"
    "一共 2ᵈ 个，它们共享同一组权重。测试时，我们想要的是它们的**平均**预测。**权重缩放推断规则**说，完整网络的"
    "一次前向传播就能接近这个平均：使用标准 dropout 时，把每层的输出权重乘以该层的保留概率 q；使用**反向 "
    "dropout**（本应用一律采用：训练时被保留的单元乘以 1/q）时，训练好的网络本身*就是*权重缩放后的网络。"
    "它离平均有多近？什么时候恰好相等？"))
c1, c2 = st.columns(2)
c1.latex(r"P_{\text{arith}}(y\mid x)=\sum_{m} p(m)\,P(y\mid x,m)")
c2.latex(r"P_{\text{geo}}(y\mid x)=\frac{\prod_m P(y\mid x,m)^{p(m)}}{\sum_{y'}\prod_m P(y'\mid x,m)^{p(m)}}")
st.latex(r"p(m)=\prod_j q_j^{m_j}(1-q_j)^{1-m_j}\quad\text{(unit } j \text{ kept with probability } q_j\text{)}")
st.caption(tr("Sums and products run over all 2ᵈ masks m of the droppable units (exact ensembles) or over k sampled "
              "masks with weight 1/k each (Monte Carlo). With every q = 0.5, p(m) = 2⁻ᵈ and the geometric mean is the "
              "textbook's 2ᵈ-th root of the product.",
              "求和与乘积取遍可丢弃单元的全部 2ᵈ 个掩码 m（精确集成），或取遍 k 个采样掩码、每个权重为 1/k"
              "（蒙特卡洛）。当所有 q = 0.5 时，p(m) = 2⁻ᵈ，几何平均就是教材里乘积的 2ᵈ 次方根。"))


def keep_help():
    """ui.keep_slider's help in the page's language (None: its English default)."""
    return None if lang == "en" else ("保留概率 q：每个单元以概率 q 被保留，丢弃率 p = 1 − q。不提供 q = 0："
                                      "反向 dropout 要除以 q。")


def model_ui():
    """The classifier's settings; returns (spec, d, whether to show exact ensembles)."""
    st.subheader(tr("The trained model", "训练好的模型"))
    c1, c2, c3, c4 = st.columns(4)
    dataset = ui.select(tr("Data set", "数据集"), "e_data", ens.DATASETS, "moons", container=c1)
    arch = ui.select(tr("Network (ReLU)", "网络（ReLU）"), "e_arch", list(ens.ARCHITECTURES), "2-8-8-2", container=c1)
    keep_h = ui.keep_slider(tr("Keep q of the hidden units", "隐藏单元的保留概率 q"), "e_keep_h", 0.8, lo=0.1,
                            container=c2, help=keep_help())
    keep_in = ui.keep_slider(tr("Keep q of the inputs", "输入的保留概率 q"), "e_keep_in", 1.0, lo=0.1, container=c2,
                             help=keep_help())
    steps = ui.select(tr("Training steps (Adam, batch 32)", "训练步数（Adam，批大小 32）"), "e_steps", ens.STEPS, 2000,
                      container=c3)
    seed = ui.number(tr("Seed", "随机种子"), "e_seed", 0, 10_000, 0, container=c3,
                     help=tr("Data, initial weights, training masks and test-time masks all follow from it.",
                             "数据、初始权重、训练时的掩码和测试时的掩码都由它决定。"))
    spec = ens.classifier_spec(dataset, seed, arch, keep_in, keep_h, steps)
    d = droppable_units(spec)
    c4.metric(tr("Subnetworks", "子网络个数"), f"2{ui.superscript(d)} = {2 ** d:,}",
              help=tr("d = droppable units (keep < 1). Every subset of them that is switched off is one subnetwork.",
                      "d = 可丢弃单元的个数（保留概率 < 1）。关掉其中任意一个子集，就得到一个子网络。"))
    big = False
    if ens.AUTO_EXACT_UNITS < d <= MAX_EXACT_UNITS:
        big = ui.toggle(tr(f"Enumerate all 2{ui.superscript(d)} anyway", f"仍然枚举全部 2{ui.superscript(d)} 个"),
                        "e_exact_big", False, container=c4,
                        help=tr("Above 2¹⁶ subnetworks an exact ensemble takes a while; a progress bar shows how far.",
                                "子网络超过 2¹⁶ 个时，精确集成要算一阵子；进度条会显示进展。"))
    return spec, d, d <= ens.AUTO_EXACT_UNITS or big


def predictions_tab(spec, k, with_exact):
    st.markdown(tr("The same trained network predicts five ways. Equal colours mean equal P(class 1) in every panel.",
                   "同一个训练好的网络以五种方式做预测。在所有面板中，颜色相同就表示 P(类别 1) 相同。"))
    ui.chart(ens.surfaces_figure(spec, k, with_exact, presenter, lang), key="e_surfaces")
    view = ens.panels(spec, k, with_exact)
    left, right = st.columns([1, 2], gap="large")
    a = ui.select(tr("Difference: first", "差值：第一项"), "e_diff_a", ens.PREDICTORS, "MC arithmetic", container=left)
    b = ui.select(tr("minus second", "减去第二项"), "e_diff_b", ens.PREDICTORS,
                  "exact arithmetic" if with_exact else "weight-scaled", container=left)
    missing = [n for n in (a, b) if n not in view.surfaces]
    if missing:
        left.warning(tr(f"{missing[0]} is not available for this network (see the note on exact ensembles above).",
                        f"这个网络没有 {missing[0]}（见上方关于精确集成的说明）。"))
    else:
        _, tv_grid, tv_test = ens.difference(view, a, b)
        left.metric(tr("Mean total variation, grid", "平均总变差（网格）"), f"{tv_grid:.4f}")
        left.metric(tr("Mean total variation, test points", "平均总变差（测试点）"), f"{tv_test:.4f}")
        left.caption(tr("Total variation between two predictions at a point: ½ Σ_c |P₁(c) − P₂(c)|, with two classes "
                        "|ΔP(class 1)|. 0: identical; 1: certain of opposite classes. Averaged over the 60 × 60 grid "
                        "or over the test points.",
                        "两个预测在某一点上的总变差为 ½ Σ_c |P₁(c) − P₂(c)|，两类时即 |ΔP(类别 1)|。0 表示完全相同；"
                        "1 表示两者各自确信相反的类别。对 60 × 60 网格或对测试点取平均。"))
        with right:
            ui.chart(ens.difference_figure(spec, k, with_exact, a, b, presenter, lang), key="e_difference")
    ui.chart(ens.strip_figure(spec, presenter, lang), key="e_strip")
    st.caption(tr("Each panel is one thinned network; its title counts the units it keeps in each dropped layer. Single "
                  "members disagree a lot, and a member with an empty layer (\"no path\") predicts the same everywhere.",
                  "每个面板是一个稀疏化的网络，标题给出它在每个被丢弃层中保留的单元数。单个成员之间分歧很大；"
                  "某一层被整层丢弃的成员（“无通路”）在任何地方都给出相同的预测。"))


def convergence_tab(spec, k, with_exact):
    if not with_exact:
        st.info(tr("The convergence charts measure the distance to the exact ensemble, so they need it (see above).",
                   "收敛图衡量的是到精确集成的距离，因此需要先算出精确集成（见上方）。"))
        return
    where = ui.select(tr("Measure the distance over the", "在哪些点上衡量距离"), "e_where", ("grid", "test points"),
                      "grid", radio=True, horizontal=True,
                      help=tr("grid: the 60 × 60 points of the pictures; test points: held-out data",
                              "grid：图中 60 × 60 的网格点；test points：留出的测试数据"))
    try:
        conv = ens.convergence(spec)
    except ens.Stopped:  # its notice and a button to start again are shown
        return
    fig_tv, fig_acc = ens.convergence_figures(spec, where, k, presenter, lang)
    c1, c2 = st.columns(2)
    with c1:
        ui.chart(fig_tv, key="e_conv_tv")
    with c2:
        ui.chart(fig_acc, key="e_conv_acc")
    ws_tv = conv.tv_refs[where]["weight-scaled"]
    beat = first_k_below(conv.tv[where]["MC arithmetic"], ws_tv)
    acc_mc, acc_ws = conv.acc["MC arithmetic"].mean[-1], conv.acc_refs["weight-scaled"]
    st.markdown(tr(
        f"Lines: the mean over {ens.N_SEQUENCES} independent sequences of {ens.K_MAX:,} masks; shaded: their range. "
        f"Distance: mean total variation ½ Σ_c |P(c) − P_exact arith(c)| over the {where}"
        f"{' points' if where == 'grid' else ''}. The Monte Carlo geometric mean converges to the exact *geometric* "
        "ensemble, so its distance levels off at the dotted *exact geometric* line.",
        f"曲线：{ens.N_SEQUENCES} 条相互独立、各含 {ens.K_MAX:,} 个掩码的序列的平均；阴影：它们的范围。距离：在"
        f"{'网格点' if where == 'grid' else '测试点'}上的平均总变差 ½ Σ_c |P(c) − P_exact arith(c)|。蒙特卡洛几何平均"
        "收敛到精确的*几何*集成，所以它的距离最后停在点线*精确几何平均*的高度。"))
    st.markdown(tr(
        "**What the literature found.** The Deep Learning book (§7.12) notes that 10–20 masks are often enough for "
        "good accuracy. Warde-Farley et al. (2014) found the weight-scaled network more accurate than Monte Carlo "
        "averages of up to 1,000 subnetworks; Gal and Ghahramani (2015) found convolutional networks where about 20 "
        "samples beat weight scaling. It depends on the problem: read the answer for this one off the charts.",
        "**文献中的结论。** 《深度学习》（§7.12）指出，往往 10–20 个掩码就足以得到不错的准确率。Warde-Farley 等人"
        "（2014）发现，权重缩放网络比多达 1,000 个子网络的蒙特卡洛平均更准确；Gal 和 Ghahramani（2015）则在一些"
        "卷积网络上发现，大约 20 个样本就能胜过权重缩放。结论因问题而异：这个问题的答案请从图中读出。"))
    if lang == "zh":
        closer = (f"蒙特卡洛算术平均大约从 k = {beat} 起比它更接近。" if beat else
                  f"在 {ens.K_MAX:,} 个掩码之内，蒙特卡洛算术平均都没有比它更接近。")
        st.markdown(f"**本例：** 权重缩放网络与精确算术集成的距离为 {ws_tv:.3f}；{closer}"
                    f"k = {ens.K_MAX:,} 时，蒙特卡洛算术平均的测试准确率为 {acc_mc:.1%}，权重缩放为 {acc_ws:.1%}。")
    else:
        closer = (f"the Monte Carlo arithmetic mean gets closer than that from about k = {beat} on. " if beat else
                  f"the Monte Carlo arithmetic mean does not get closer within {ens.K_MAX:,} masks. ")
        st.markdown(f"**Here:** the weight-scaled network is {ws_tv:.3f} from the exact arithmetic ensemble; {closer}"
                    f"At k = {ens.K_MAX:,} its test accuracy is {acc_mc:.1%}, against {acc_ws:.1%} for weight scaling.")


DERIVATIONS = {
    "softmax": [
        r"z(m)=W^\top\!\big(\tfrac{m}{q}\odot v\big)+b"
        r"\quad\text{(logits of subnetwork } m\text{; inverted dropout, } m_j\sim\text{Bernoulli}(q))",
        r"\sum_m p(m)\log\operatorname{softmax}(z(m))_y=\sum_m p(m)\,z_y(m)"
        r"\;-\;\underbrace{\sum_m p(m)\log\sum_{y'}e^{z_{y'}(m)}}_{\text{the same for every class }y}",
        r"P_{\text{geo}}(y\mid v)=\operatorname{softmax}\Big(\sum_m p(m)\,z(m)\Big)_y"
        r"\quad\text{(renormalising over } y \text{ removes the common term)}",
        r"\sum_m p(m)\,z(m)=W^\top\!\big(\tfrac{\mathbb{E}[m]}{q}\odot v\big)+b=W^\top v+b"
        r"\quad\text{since }\mathbb{E}[m_j]=q",
        r"\Rightarrow\;P_{\text{geo}}(y\mid v)=\operatorname{softmax}(W^\top v+b)_y"
        r"\quad\text{: the full network, i.e. the weight-scaled one}",
    ],
    "sigmoid": [
        r"P(y=1\mid v,m)=\sigma(z(m)),\qquad z(m)=w^\top\!\big(\tfrac{m}{q}\odot v\big)+b",
        r"P_{\text{geo}}(1\mid v)=\frac{e^{\mathbb{E}\log\sigma(z)}}{e^{\mathbb{E}\log\sigma(z)}"
        r"+e^{\mathbb{E}\log\sigma(-z)}}=\sigma\big(\mathbb{E}[\log\sigma(z)-\log\sigma(-z)]\big)"
        r"=\sigma\big(\mathbb{E}[z]\big)",
        r"\text{because }\log\sigma(z)-\log\sigma(-z)=z,\qquad \mathbb{E}_m[z(m)]=w^\top v+b"
        r"\;\Rightarrow\;P_{\text{geo}}(1\mid v)=\sigma(w^\top v+b)",
    ],
    "last": [
        r"P_{\text{geo}}(y\mid x)=\operatorname{softmax}\big(\mathbb{E}_m[z(m)]\big)_y"
        r"\quad\text{(as for softmax regression)}",
        r"z(m)=W_3^\top\!\big(\tfrac{m}{q}\odot h_2(x)\big)+b_3\;\Rightarrow\;\mathbb{E}_m[z(m)]=W_3^\top h_2(x)+b_3",
    ],
    "all": [
        r"P_{\text{geo}}(y\mid x)=\operatorname{softmax}\big(\mathbb{E}_m[z(m)]\big)_y"
        r"\quad\text{(as for softmax regression)}",
        r"a(m_1)=W_2^\top\!\big(\tfrac{m_1}{q}\odot h_1\big)+b_2,\qquad \mathbb{E}[a]=W_2^\top h_1+b_2,"
        r"\qquad \mathbb{E}\big[\phi(a)\big]\;\ne\;\phi\big(\mathbb{E}[a]\big)",
    ],
}
EXPLANATIONS_ZH = {
    "softmax": "若使用标准 dropout（训练时不乘 1/q），同样的推导给出 softmax(Wᵀ(q v) + b)：把权重乘以 q。教材中"
               "q = ½ 的情形下 p(m) = 2⁻ⁿ，各次幂之积就是乘积的 2ⁿ 次方根，该规则把权重减半。算术平均没有这样的"
               "恒等式：softmax 的平均不等于平均的 softmax。",
    "sigmoid": "期望对掩码求取，按 p(m) 加权。归一化的几何平均等于期望输入的 sigmoid；而算术平均 E[σ(z)] 不等于 "
               "σ(E[z])，因为 σ 不是线性函数。",
    "last": "只丢弃最后一个隐藏层，而 logits 对它的掩码是线性的：无论激活函数是什么，这个非线性网络的几何集成都"
            "**恰好**等于权重缩放网络。算术集成仍然与之不同。",
    "all": "现在第一个隐藏层也被丢弃，而它后面跟着非线性函数 φ。第二层的预激活 a 仍是掩码的仿射函数，所以它的平均"
           "就是权重缩放网络的预激活；但 φ(a) 的平均不等于平均值的 φ。对 ReLU 这样的凸函数 φ，**Jensen 不等式**"
           "给出 E[φ(a)] ≥ φ(E[a])：对掩码取平均后，第二层的激活比权重缩放网络的更大。这个差距一直传到 logits，"
           "于是该规则只是一个近似。（tanh 既不是凸函数也不是凹函数：它的差距可正可负。）",
}
EXPLANATIONS = {
    "softmax": "With standard dropout (no 1/q while training) the same steps give softmax(Wᵀ(q v) + b): multiply "
               "the weights by q. The textbook's case q = ½ has p(m) = 2⁻ⁿ, so the product of powers is the 2ⁿ-th "
               "root of the product, and the rule halves the weights. The arithmetic mean gets no such identity: "
               "the average of softmaxes is not the softmax of the average.",
    "sigmoid": "Expectations are over masks, weighted by p(m). The normalised geometric mean is the sigmoid of the "
               "expected input; the arithmetic mean E[σ(z)] is not σ(E[z]), because σ is not linear.",
    "last": "Only the last hidden layer is dropped, and the logits are linear in its mask: the geometric ensemble "
            "of this nonlinear network is the weight-scaled network **exactly**, whatever the activation. The "
            "arithmetic ensemble still differs.",
    "all": "Now the first hidden layer is dropped too, and a nonlinearity φ follows it. The pre-activation a of the "
           "second layer is still affine in the mask, so its average is the weight-scaled pre-activation, but the "
           "average of φ(a) is not φ of the average. For a convex φ such as ReLU, **Jensen's inequality** says "
           "E[φ(a)] ≥ φ(E[a]): averaged over masks, the second layer's activations are larger than those of the "
           "weight-scaled network. That gap travels to the logits, and the rule becomes an approximation. (tanh is "
           "neither convex nor concave: its gap has either sign.)",
}


def exactness_tab(spec):
    st.markdown(tr(
        "The renormalised geometric mean depends on the subnetworks only through the p(m)-weighted **mean of their "
        "logits**. So it equals the weight-scaled network exactly whenever the logits are an affine function of the "
        "mask: when no nonlinearity sits between a dropped unit and the output. Four models, all trained on the data "
        f"above with {ui.keep_text(spec.keep[-1])} on their dropped units; the networks have the classifier's "
        "architecture (2-8-8-2 if it has one hidden layer).",
        "重新归一化的几何平均只通过子网络 **logits 的 p(m) 加权平均**依赖于各个子网络。因此，只要 logits 是掩码的"
        "仿射函数——也就是被丢弃的单元与输出之间没有任何非线性——它就恰好等于权重缩放网络。下面四个模型都在上面的"
        f"数据上训练，被丢弃的单元取{ens.keep_words(spec.keep[-1])}；其中的网络沿用分类器的结构（若分类器只有一个"
        "隐藏层，则用 2-8-8-2）。"))
    if spec.keep[-1] == 1.0:
        st.info(tr("With keep q = 1 nothing is dropped: every model below is its own single subnetwork, and all the "
                   "differences are zero. Lower the hidden keep q above to see the identities at work.",
                   "保留概率 q = 1 时没有任何单元被丢弃：下面每个模型都只有自己这一个子网络，所有差值都为零。把上方"
                   "隐藏单元的保留概率 q 调低，就能看到这些恒等式的作用。"))
    c1, c2 = st.columns([2, 1])
    case = ens.CASES[ui.select(tr("Model", "模型"), "e_case", list(ens.CASES), "softmax regression", radio=True,
                               container=c1)]
    act = ui.select(tr("Hidden activation of the networks", "网络隐藏层的激活函数"), "e_act", ("relu", "tanh"), "relu",
                    container=c2)
    if case in ("softmax", "sigmoid"):
        st.markdown(tr("The linear models see nine fixed features of the point, x₁, x₂, x₁², x₁x₂, x₂², x₁³, x₁²x₂, "
                       "x₁x₂², x₂³ (so the boundary can bend), and dropout removes features: d = 9, 512 subnetworks.",
                       "两个线性模型看到的是该点的九个固定特征 x₁、x₂、x₁²、x₁x₂、x₂²、x₁³、x₁²x₂、x₁x₂²、x₂³"
                       "（这样决策边界才能弯曲），dropout 丢弃的是特征：d = 9，共 512 个子网络。"))
    for step, formula in enumerate(DERIVATIONS[case], 1):
        # Numbered on the left (a KaTeX \tag sits at the right edge and collides with wide formulas).
        st.latex(rf"\text{{({step})}}\qquad " + formula)
    explanation = tr(EXPLANATIONS[case], EXPLANATIONS_ZH[case])
    if case in ("softmax", "sigmoid"):
        st.caption(explanation)
    else:
        st.markdown(explanation)
    try:
        with ens.training_spinner():
            cv = ens.case_view(ens.case_spec(case, spec, act))
    except ValueError as exc:
        ui.error(exc)
        return
    m1, m2, m3 = st.columns(3)
    m1.metric(tr("Largest |P_geo − P_ws|", "最大 |P_geo − P_ws|"), f"{cv.max_geo_ws:.2g}",
              help=tr("Over the grid and the test points, in P(class 1). Float32 rounding is about 1e-7.",
                      "在网格和测试点上取最大值，以 P(类别 1) 计。float32 的舍入误差约为 1e-7。"))
    m2.metric(tr("Largest |P_arith − P_ws|", "最大 |P_arith − P_ws|"), f"{cv.max_arith_ws:.2g}")
    m3.metric(tr("Subnetworks enumerated", "枚举的子网络个数"), f"2{ui.superscript(cv.d)} = {2 ** cv.d:,}")
    if cv.jensen is not None:
        g, layer = cv.jensen.gap, cv.jensen.layer
        st.markdown(tr(
            f"Measured on the grid, over all 2{ui.superscript(cv.spec.sizes[layer - 1])} masks of the first dropped "
            f"layer: E[φ(a)] − φ(E[a]) for the {g.shape[1]} units of hidden layer {layer} ranges from {g.min():.3g} "
            f"to {g.max():.3g} (mean {g.mean():.3g}); E[a] matches the weight-scaled pre-activation to "
            f"{cv.jensen.mean_preact_error:.1g}.",
            f"在网格上、对第一个被丢弃层的全部 2{ui.superscript(cv.spec.sizes[layer - 1])} 个掩码测得：隐藏层 {layer} "
            f"的 {g.shape[1]} 个单元的 E[φ(a)] − φ(E[a]) 介于 {g.min():.3g} 与 {g.max():.3g} 之间（平均 "
            f"{g.mean():.3g}）；E[a] 与权重缩放网络的预激活相差不超过 {cv.jensen.mean_preact_error:.1g}。"))
    description = tr(ens.DESCRIPTIONS[case], ens.DESCRIPTIONS_ZH[case])
    fig_surf, fig_diff = ens.case_figures(cv.spec, description, presenter, lang)
    ui.chart(fig_surf, key="e_case_surfaces")
    ui.chart(fig_diff, key="e_case_diff")
    st.caption(tr("Each map has its own colour range, set by its largest difference: a map of pure float rounding "
                  "(about 1e-7) looks as busy as a real gap, so read the number in its title.",
                  "每张图都有自己的色标范围，由它的最大差值决定：一张纯由浮点舍入误差（约 1e-7）构成的图，看上去和"
                  "真实的差距一样斑驳，所以请读标题中的数值。"))


def voting_tab():
    st.markdown(tr("Three models, two classes: edit the table (add or delete rows for more models). A **majority vote** "
                   "only counts which class each model ranks first; the **averages** also weigh how sure each model is.",
                   "三个模型，两个类别：可以编辑表格（增删行即可改变模型个数）。**多数投票**只数每个模型把哪个类别"
                   "排在第一；**平均**还会考虑每个模型有多确定。"))
    c1, c2 = st.columns([1, 2], gap="large")
    columns = ("P(class 0)", "P(class 1)")
    # The link holds the table (e_votes=0.49,0.51;...). It is read once per session, as the editor's starting
    # table: the editor keeps its edits on top of that, and every edit is written back to the link.
    if "_e_votes_base" not in st.session_state:
        base = ens.DEFAULT_VOTES
        if ui.url_key("e_votes") in st.query_params:
            try:
                base = ens.rows_from_param(st.query_params["e_votes"])
            except ValueError as exc:
                ui.notice(tr(f"{exc}; the default table is shown instead.", f"{exc}；改为显示默认表格。"))
        st.session_state["_e_votes_base"] = base
    base = st.session_state["_e_votes_base"]
    with c1:
        table = st.data_editor(
            {c: [row[i] for row in base] for i, c in enumerate(columns)}, num_rows="dynamic",
            key="e_votes", width="stretch",
            column_config={c: st.column_config.NumberColumn(tr(c, c.replace("class", "类别")), min_value=0.0,
                                                            max_value=1.0, step=0.01, format="%.2f")
                           for c in columns})
        normalise = ui.toggle(tr("Normalise each row to sum 1", "把每一行归一化为和为 1"), "e_norm", False)
    with c2:
        rows = ens.table_rows(table)
        param = ens.rows_to_param(rows)
        if param is None:
            st.query_params.pop("e_votes", None)
        elif st.query_params.get("e_votes") != param:
            st.query_params["e_votes"] = param
        try:
            ens.votes(rows, normalise)
        except ValueError as exc:
            ui.error(exc)
        else:
            ui.chart(ens.vote_figure(rows, normalise, presenter, lang), key="e_votes_chart")
    st.caption(tr("Geometric mean of M models: (Π_i P_i(c))^(1/M), then divided by its sum over the classes. The "
                  "dropout ensembles on this page never vote: Monte Carlo averages arithmetically, and the weight "
                  "scaling rule approximates the geometric mean.",
                  "M 个模型的几何平均：(Π_i P_i(c))^(1/M)，再除以它在各类别上的和。本页的 dropout 集成从不投票："
                  "蒙特卡洛做的是算术平均，而权重缩放推断规则近似的是几何平均。"))


def uncertainty_tab(spec):
    st.info(tr("A different use of the same samples. In the other tabs the sampled subnetworks served to **approximate "
               "one prediction** (and the weight-scaled network does that in one pass). Here dropout stays switched on "
               "at test time and we keep the **spread** of the T predictions as a measure of uncertainty (Gal and "
               "Ghahramani, 2016). The weight-scaled network has no spread to offer.",
               "同样的样本，另一种用法。在其他标签页里，采样得到的子网络是用来**近似同一个预测**的（权重缩放网络"
               "一次前向传播就能做到）。这里 dropout 在测试时保持开启，我们保留 T 个预测的**离散程度**，把它当作"
               "不确定性的度量（Gal 和 Ghahramani，2016）。权重缩放网络给不出这种离散程度。"))
    c1, c2 = st.columns(2)
    keep_r = ui.keep_slider(tr("Keep q of the regression net's hidden units", "回归网络隐藏单元的保留概率 q"),
                            "e_reg_keep", 0.8, lo=0.1, container=c1, help=keep_help())
    passes = ui.slider(tr("Passes T with dropout on", "开启 dropout 的前向传播次数 T"), "e_passes", 2, 1000, 100,
                       container=c2)
    with ens.training_spinner():
        fig = ens.regression_figure(spec.seed, keep_r, passes, presenter, lang)
    ui.chart(fig, key="e_regression")
    st.caption(tr("The training points cover only −1.5 ≤ x ≤ 1.5. Outside, the thinned networks extrapolate in "
                  "different directions and the band widens: the model says it does not know.",
                  "训练点只覆盖 −1.5 ≤ x ≤ 1.5。在这个范围之外，各个稀疏化网络朝不同方向外推，阴影带随之变宽："
                  "模型在告诉我们它不知道。"))
    ui.chart(ens.uncertainty_figure(spec, passes, presenter, lang), key="e_entropy")
    st.caption(tr("Predictive entropy H[mean of the T predictions] is high near the boundary. The mutual information, "
                  "H[mean] − mean of the T entropies, is the part that comes from the subnetworks disagreeing with each "
                  "other rather than from each of them being unsure.",
                  "预测熵 H[T 个预测的平均] 在决策边界附近较高。互信息 H[平均] − T 个熵的平均，是其中来自各子网络"
                  "彼此分歧、而不是来自每个子网络各自拿不准的那一部分。"))


spec, d, with_exact = model_ui()
k = ui.slider(tr("Monte Carlo: number of sampled masks k", "蒙特卡洛：采样掩码个数 k"), "e_k", 1, ens.K_MAX, 20,
              help=tr("The first k masks of one fixed sequence: moving k adds or removes masks at the end, "
                      "it never redraws the others.",
                      "取一条固定序列中的前 k 个掩码：移动 k 只会在末尾增减掩码，不会重新抽取其余的掩码。"))
try:
    model = ens.trained_or_stopped(spec)  # a progress bar with a Stop button while it trains
except ValueError as exc:
    ui.error(exc)
    ui.show_url_notices()
    st.stop()
except ens.Stopped:  # its notice and a button to train after all are shown
    ui.show_url_notices()
    st.stop()
arch_text = f"{spec.sizes[0]}-{'-'.join(map(str, spec.sizes[1:]))}"
st.caption(tr(f"{arch_text} ReLU network on {spec.dataset}, "
              f"{ui.keep_text(spec.keep[0])} for the inputs and {ui.keep_text(spec.keep[-1])} for the hidden units, "
              f"inverted dropout, {spec.steps:,} steps. Test accuracy of the weight-scaled network: {model.test_acc:.1%} "
              f"({len(model.y_test)} test points).",
              f"数据集 {spec.dataset} 上的 {arch_text} ReLU 网络，输入{ens.keep_words(spec.keep[0])}，隐藏单元"
              f"{ens.keep_words(spec.keep[-1])}，反向 dropout，{spec.steps:,} 步。权重缩放网络的测试准确率："
              f"{model.test_acc:.1%}（{len(model.y_test)} 个测试点）。"))
if d > MAX_EXACT_UNITS:
    st.info(tr(f"The exact ensembles would need all 2{ui.superscript(d)} = {2 ** d:,} subnetworks; above "
               f"2{ui.superscript(MAX_EXACT_UNITS)} that is too slow for a lecture. Use the Monte Carlo panels: they "
               "approximate the same averages with k masks.",
               f"精确集成需要全部 2{ui.superscript(d)} = {2 ** d:,} 个子网络；超过 2{ui.superscript(MAX_EXACT_UNITS)} 个"
               "时，课堂上等不起。请看蒙特卡洛面板：它们用 k 个掩码近似同样的平均。"))
elif not with_exact:
    st.info(tr(f"Exact ensembles over 2{ui.superscript(d)} subnetworks are computed on request (switch above).",
               f"2{ui.superscript(d)} 个子网络上的精确集成按需计算（见上方的开关）。"))

TABS = ["Five predictions", "How many masks?", "When is it exact?", "Voting vs averaging", "Uncertainty (MC dropout)"]
# The tab titles are also the link's values (e_tab=Voting+vs+averaging), so they stay English in both languages;
# in Chinese a line above the tabs says what each one holds.
TABS_ZH = ["五种预测", "需要多少个掩码？", "何时恰好相等？", "投票与平均", "不确定性（MC dropout）"]
if lang == "zh":
    st.caption("各标签页：" + "；".join(f"**{en}**（{zh}）" for en, zh in zip(TABS, TABS_ZH)))
# Bound to the URL, so a link opens the same section; only the open tab runs its computation.
tabs = ui.tabs(TABS, "e_tab")
if tabs[0].open:
    with tabs[0]:
        with_exact = ens.exact_if_wanted(spec, with_exact)  # big ones: a progress bar and a Stop button
        predictions_tab(spec, k, with_exact)
if tabs[1].open:
    with tabs[1]:
        if not tabs[0].open:  # once per run (its notice and buttons have keys)
            with_exact = ens.exact_if_wanted(spec, with_exact)
        convergence_tab(spec, k, with_exact)
if tabs[2].open:
    with tabs[2]:
        exactness_tab(spec)
if tabs[3].open:
    with tabs[3]:
        voting_tab()
if tabs[4].open:
    with tabs[4]:
        uncertainty_tab(spec)
ui.show_url_notices()  # last: the notices box sits at the top, and widgets in the tabs add to it
