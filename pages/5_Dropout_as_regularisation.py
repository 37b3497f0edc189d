"""Dropout as regularisation: an L2 penalty in linear regression, bias and variance, its rivals, its noise variants."""
import streamlit as st

from dropout_viz import figures
from dropout_viz.figures.regularisation_page import checked_curves, grouped_bars, histogram_panels, line_chart
from dropout_viz.ui import common as ui
from dropout_viz.ui import regularisation_page as reg

tr = ui.tr
presenter = ui.page_setup("Dropout as regularisation")
st.title(tr("Dropout as regularisation", "作为正则化的 dropout"))
st.markdown(tr(
    "Dropout's noise keeps a network from fitting its training set too well. Four experiments: what the "
    "noise adds to the loss of a linear model, what it does to one prediction, how it fares against the "
    "other regularisers, and which kinds of noise do the same job. **q is the keep probability** (drop rate "
    "p = 1 − q) throughout; every formula says whether it is for inverted or standard dropout.",
    "Dropout 的噪声让网络无法把训练集拟合得过于完美。下面四个实验分别回答：噪声给线性模型的损失添加了什么；它对单个"
    "预测有什么影响；它与其他正则化方法相比表现如何；还有哪些噪声能起到同样的作用。全页中 **q 表示保留概率**（丢弃率 "
    "p = 1 − q）；每个公式都注明适用于反向 dropout 还是标准 dropout。"))

# The tab titles go into the link (rg_tab=Bias and variance), so they stay English in both languages; in
# Chinese each tab opens with its Chinese name in bold.
TABS = ["Linear regression", "Bias and variance", "Rival regularisers", "Noise variants"]
tabs = ui.tabs(TABS, "rg_tab")  # bound to the URL; only the open tab computes
COLUMNS = [1, 3]  # controls | results
FORMS = {"inverted": True, "standard": False}


def seed_input(box):
    return ui.number(tr("Seed", "随机种子"), "rg_seed", 0, 10_000, 0, container=box,
                     help=tr("Same seed: same data, masks, initial weights and minibatches.",
                             "种子相同，则数据、掩码、初始权重和小批量都相同。"))


def keep_input():
    return ui.keep_slider(tr("Keep probability q", "保留概率 q"), "rg_keep", 0.5, lo=0.1,
                          help=tr(None, reg.KEEP_HELP_ZH))


def form_input(box):
    # The options are their own labels: a bound widget writes the displayed text into the link (rg_form=standard).
    return FORMS[ui.select(tr("Dropout form", "Dropout 形式"), "rg_form", list(FORMS), "inverted", container=box,
                           radio=True, horizontal=True,
                           help=tr("Inverted: kept inputs are multiplied by 1/q while training. "
                                   "Standard: kept inputs are left as they are.",
                                   "inverted（反向）：训练时保留下来的输入乘以 1/q。standard（标准）：保留下来的输入"
                                   "保持原样。"))]


def errors_chart(labels, errors, n_test, key):
    ui.chart(figures.bar_compare(labels, errors, y_title=tr("test error", "测试误差"), fmt=".1%", presenter=presenter,
                                 title=tr(f"Test error on {n_test} held-out points", f"{n_test} 个留出点上的测试误差")),
             key=key)


SURFACES_TITLE = ("Predicted P(class 1); dots: training points", "预测的 P(类别 1)；圆点：训练点")

if tabs[0].open:
    with tabs[0]:
        st.markdown(tr(
            "Drop the **inputs** of a linear model y ≈ Xw, mask mᵢⱼ ~ Bernoulli(q) for feature j of example "
            "i. Averaged over the masks, the squared error is the ordinary one plus an L2 penalty with its "
            "own coefficient cⱼ for each feature — larger for features with a larger spread.",
            "**线性回归。** 对线性模型 y ≈ Xw 的 **输入** 做 dropout：样本 i 的特征 j 乘以掩码 mᵢⱼ ~ Bernoulli(q)。"
            "对掩码取平均后，平方误差等于普通的平方误差再加上一个 L2 惩罚项，每个特征有自己的系数 cⱼ：特征的分布"
            "越宽，系数越大。"))
        st.latex(r"\text{inverted: } \mathbb{E}_m\bigl\|y - X\bigl(\tfrac{m}{q}\odot w\bigr)\bigr\|^2 = \|y - Xw\|^2 "
                   r"+ \sum_j \underbrace{\tfrac{1-q}{q}\textstyle\sum_i x_{ij}^2}_{c_j} w_j^2")
        st.latex(r"\text{standard: } \mathbb{E}_m\bigl\|y - X(m\odot w)\bigr\|^2 = \|y - qXw\|^2 "
                    r"+ \sum_j \underbrace{q(1-q)\textstyle\sum_i x_{ij}^2}_{c_j} w_j^2")
        st.caption(tr(
            "Sum of squared errors over the n examples, no intercept (x and y centred), masks independent with "
            "keep probability q. Fresh masks per example or one mask for all give the same expectation. The "
            "minimiser of the expected loss is ridge regression with coefficients cⱼ; the standard form's "
            "weights are the inverted ones divided by q, and equal after test-time scaling by q.",
            "平方误差对 n 个样本求和，不含截距（x 和 y 均已中心化），各掩码相互独立、保留概率为 q。每个样本各用新"
            "掩码，还是所有样本共用一个掩码，期望都一样。期望损失的最小值点就是系数为 cⱼ 的岭回归；标准形式的权重"
            "等于反向形式的权重除以 q，测试时乘以 q 之后两者相同。"))
        controls, results = st.columns(COLUMNS, gap="large")
        with controls:
            keep = keep_input()
            inverted = form_input(controls)
            n_samples = ui.select(tr("Monte Carlo samples", "蒙特卡洛样本数"), "rg_samples", (1_000, 10_000, 100_000),
                                  10_000)
            seed = seed_input(controls)
        ui.show_url_notices()
        try:
            lin = reg.linear(keep, inverted, n_samples, seed)
        except ValueError as exc:
            ui.error(exc)
        else:
            with results:
                st.markdown(tr(f"**Expected dropout loss at the least-squares weights**, {ui.keep_text(keep)}, "
                               f"{reg.form_text(inverted)}, n = {lin['n']} examples, 5 features:",
                               f"**最小二乘权重处的 dropout 期望损失**，{ui.keep_words(keep)}，"
                               f"{reg.form_text(inverted)}，n = {lin['n']} 个样本，5 个特征："))
                a, b, c = st.columns(3)
                a.metric(tr("Closed form", "闭式解"), f"{lin['closed']:.3f}",
                         help=tr(f"Plain loss {lin['plain']:.3f} + penalty Σ cⱼ wⱼ² = {lin['penalty']:.3f}.",
                                 f"普通损失 {lin['plain']:.3f} + 惩罚项 Σ cⱼ wⱼ² = {lin['penalty']:.3f}。"))
                b.metric(tr("All 2⁵ masks enumerated", "枚举全部 2⁵ 个掩码"), f"{lin['enumerated']:.3f}",
                         delta=f"{lin['enumerated'] - lin['closed']:+.1e}", delta_color="off",
                         help=tr("Σ over the 32 input masks of p(mask) × loss. Delta: enumerated − closed form.",
                                 "对 32 个输入掩码求 p(掩码) × 损失 之和。差值：枚举值 − 闭式解。"))
                c.metric(tr("Monte Carlo", "蒙特卡洛"), f"{lin['mc']:.3f}",
                         delta=f"{lin['mc'] - lin['closed']:+.3f} (2 SE = {2 * lin['se']:.3f})", delta_color="off",
                         help=tr(f"Mean over {lin['n_samples']:,} samples, each with a fresh mask for every example, "
                                 "as training draws them. Delta: sampled − closed form, and two standard errors.",
                                 f"{lin['n_samples']:,} 次采样的平均，每次为每个样本抽取新的掩码，与训练时的抽法相同。"
                                 "差值：采样值 − 闭式解，括号内为两倍标准误（2 SE）。"))
                # cⱼ carries the factor (1 − q): at q = 1 every coefficient is exactly 0, which a log axis cannot show.
                no_penalty = not (lin["coef"] > 0).all()
                if no_penalty:
                    st.info(tr("At keep q = 1 nothing is dropped: every penalty coefficient cⱼ is exactly 0, so the "
                               "expected loss is the plain loss and the weights are the least-squares ones.",
                               "保留概率 q = 1 时不丢弃任何单元：每个惩罚系数 cⱼ 都恰好为 0，所以期望损失就是普通"
                               "损失，权重就是最小二乘权重。"), icon="ℹ️")
                coef = grouped_bars(lin["features"], {"penalty coefficient cⱼ": lin["coef"]}, presenter=presenter,
                                    y_title="cⱼ", title=tr("Dropout's penalty coefficient per feature",
                                                           "Dropout 给每个特征的惩罚系数"), fmt=".4g",
                                    log_y=not no_penalty, colors={"penalty coefficient cⱼ": figures.style.BLUE})
                if ui.is_chinese():
                    coef.update_yaxes(title_text="cⱼ" if no_penalty else "cⱼ（对数坐标）")
                ui.chart(coef, key="rg_coef")
            ui.chart(grouped_bars(lin["features"], reg.named(lin["shrink"]), presenter=presenter, fmt=".2f",
                                  y_title=tr("weight ÷ least-squares weight", "权重 ÷ 最小二乘权重"),
                                  title=tr("How much each weight is shrunk (1 = not at all)",
                                           "每个权重被收缩的程度（1 = 完全不收缩）")), key="rg_shrink")
            st.markdown(tr(
                f"The penalty grows with a feature's spread exactly as fast as the weight that feature needs "
                f"shrinks, so dropout shrinks **every** weight by about the same factor (for uncorrelated "
                f"features, exactly q = {keep:.2g}): it is ridge regression on standardised features. One λ "
                "for all features instead (ordinary L2, here λ = the mean cⱼ) shrinks the weights of narrow "
                "features most.",
                f"特征的分布越宽，它需要的权重就越小，而惩罚恰好以同样的速度随分布宽度增大，所以 dropout 把 **每个** "
                f"权重都按大致相同的比例收缩（特征互不相关时恰好是 q = {keep:.2g}）：这相当于在标准化后的特征上做岭回归。"
                "若改为所有特征共用一个 λ（普通 L2，这里取 λ = cⱼ 的均值），被收缩得最厉害的则是分布窄的特征的权重。"))
            st.dataframe(reg.shown(lin["table"]), hide_index=True, width="stretch")
            st.caption(tr(
                f"Trained with dropout: 20,000 stochastic gradient steps on the sampled loss (fresh masks each "
                f"step, diagonal preconditioning), weights averaged over the second half. Largest |trained − "
                f"ridge| = {lin['max_diff']:.1e}, against weights up to {lin['max_w']:.2f}: sampling error of the "
                f"training, shrinking as 1/√steps. "
                + ("Shrinkage shown for test-time weights (standard dropout: trained weights × q)."
                   if not inverted else ""),
                f"用 dropout 训练：在采样得到的损失上做 20,000 步随机梯度下降（每步用新掩码，对角预条件），权重取后一半"
                f"步数的平均。|训练值 − 岭回归| 最大为 {lin['max_diff']:.1e}，而权重最大为 {lin['max_w']:.2f}：这是训练"
                f"中的采样误差，按 1/√步数 减小。"
                + ("图中的收缩程度按测试时的权重计算（标准 dropout：训练所得权重 × q）。" if not inverted else "")))

if tabs[1].open:
    with tabs[1]:
        st.markdown(tr("Take the true weights w and predict with one thinned copy of them, ŷ = s Σⱼ wⱼ mⱼ xⱼ, as a "
                       "training step does. How far is ŷ from a fresh noisy target y = w·x + ε?",
                       "**偏差与方差。** 取真实权重 w，像一个训练步那样，只用它随机去掉一部分后的副本来预测："
                       "ŷ = s Σⱼ wⱼ mⱼ xⱼ。ŷ 离一个新的带噪目标 y = w·x + ε 有多远？"))
        st.latex(r"\text{inverted } (s = 1/q):\ \ \mathbb{E}\,\hat y = w\cdot x,\quad "
                   r"\operatorname{Var}\hat y = \tfrac{p}{1-p}\textstyle\sum_j w_j^2 x_j^2")
        st.latex(r"\text{standard } (s = 1):\ \ \mathbb{E}\,\hat y - w\cdot x = -p\, w\cdot x,\quad "
                    r"\operatorname{Var}\hat y = p(1-p)\textstyle\sum_j w_j^2 x_j^2")
        st.latex(r"\mathbb{E}(y - \hat y)^2 = \text{bias}^2 + \text{variance} + \sigma^2")
        st.caption(tr(
            "Drop rate p = 1 − q. Expectations over the masks (and the target noise), averaged over 200 inputs "
            "x. Standard dropout without its test-time rescaling is biased towards zero, bias² growing as p²; "
            "inverted dropout is unbiased but its variance explodes as p → 1.",
            "丢弃率 p = 1 − q。期望对掩码（以及目标噪声）求取，再对 200 个输入 x 取平均。标准 dropout 若不做测试时的"
            "缩放，预测会偏向零，bias²（偏差²）按 p² 增长；反向 dropout 是无偏的，但当 p → 1 时方差急剧增大。"))
        controls, results = st.columns(COLUMNS, gap="large")
        with controls:
            keep = keep_input()
            inverted = form_input(controls)
            noise = ui.slider(tr("Target noise σ", "目标噪声 σ"), "rg_noise", 0.0, 2.0, 0.5, 0.1)
            seed = seed_input(controls)
        ui.show_url_notices()
        try:
            bv = reg.bias_variance(inverted, noise, keep, seed)
        except ValueError as exc:
            ui.error(exc)
        else:
            with results:
                ui.chart(checked_curves(bv["p_line"], reg.named(bv["lines"]), bv["p_points"], reg.named(bv["points"]),
                                        x_title=tr("drop rate p = 1 − q", "丢弃率 p = 1 − q"),
                                        y_title=tr("mean squared error and its parts", "均方误差及其各组成部分"),
                                        presenter=presenter, vline=1.0 - keep, vline_label=ui.keep_words(keep),
                                        title=tr(f"A masked linear predictor, {reg.form_text(inverted)}",
                                                 f"带掩码的线性预测器，{reg.form_text(inverted)}")), key="rg_bv")
                st.caption(tr("Lines: closed forms. Circles: 2,000 sampled masks (and noisy targets) per input.",
                              "线：闭式解。圆圈：每个输入采样 2,000 个掩码（以及带噪目标）的结果。"))
                st.dataframe(reg.shown(bv["rows"]), hide_index=True, width="stretch")

if tabs[2].open:
    with tabs[2]:
        st.markdown(tr("One task, one seed, one initialisation and the same minibatches; only the regulariser changes. "
                       "All seven networks train together in one vectorised run.",
                       "**与其他正则化方法比较。** 同一个任务、同一个种子、同一组初始权重、同样的小批量，只有正则化"
                       "方法不同。七个网络在一次向量化运行中同时训练。"))
        controls, results = st.columns(COLUMNS, gap="large")
        with controls:
            # The data-set options are their own labels and go into the link, so they stay English.
            label = ui.select(tr("Data set", "数据集"), "rg_data", list(reg.DATASET_LABELS), "Two moons")
            keep = keep_input()
            l2 = ui.select(tr("L2 strength λ", "L2 强度 λ"), "rg_l2", (0.001, 0.003, 0.01, 0.03, 0.1), 0.01,
                           help=tr("Adds (λ/2) Σ W² over the weight matrices (not the biases).",
                                   "在损失上加 (λ/2) Σ W²，对各权重矩阵求和（不含偏置）。"))
            l1 = ui.select(tr("L1 strength λ", "L1 强度 λ"), "rg_l1", (0.0003, 0.001, 0.003, 0.01), 0.001,
                           help=tr("Adds λ Σ |W| over the weight matrices (not the biases).",
                                   "在损失上加 λ Σ |W|，对各权重矩阵求和（不含偏置）。"))
            input_noise = ui.slider(tr("Input noise σ", "输入噪声 σ"), "rg_input_noise", 0.0, 0.5, 0.15, 0.05,
                                    help=tr("Gaussian noise N(0, σ²) added to each input coordinate at every step.",
                                            "每一步给每个输入坐标加上高斯噪声 N(0, σ²)。"))
            smoothing = ui.slider(tr("Label smoothing s", "标签平滑 s"), "rg_smoothing", 0.0, 0.3, 0.1, 0.05,
                                  help=tr("Targets (1 − s)·one-hot + s/2.", "目标变为 (1 − s)·one-hot + s/2。"))
            steps = ui.select(tr("Training steps (SGD with momentum 0.9)", "训练步数（动量 0.9 的 SGD）"), "rg_steps",
                              (1000, 2000, 4000, 8000), 4000)
            seed = seed_input(controls)
        ui.show_url_notices()
        try:
            rv = reg.rivals(reg.DATASET_LABELS[label], keep, l2, l1, input_noise, smoothing, steps, seed)
        except ValueError as exc:
            ui.error(exc)
        except reg.Stopped:  # its notice and a button to train after all are shown
            pass
        else:
            colors = figures.model_colors(rv["labels"])  # the bar chart's colours, for every chart of the tab
            with results:
                errors_chart(rv["labels"], rv["test_error"], rv["n_test"], "rg_errors")
                ui.chart(line_chart(rv["steps"], rv["curves"], x_title=tr("training step", "训练步数"), colors=colors,
                                    y_title=tr("validation loss (cross-entropy)", "验证损失（交叉熵）"),
                                    presenter=presenter, vline=rv["stop_step"],
                                    vline_label=tr("early stopping keeps this step", "提前终止保留这一步"),
                                    title=tr("Loss on the validation split during training",
                                             "训练过程中验证集上的损失")), key="rg_val")
                st.caption(tr(
                    f"{rv['n_fit']} training points, {rv['n_val']} validation points for early stopping (it "
                    "keeps the parameters of the evaluation, every 50 steps, with the lowest validation loss of "
                    f"the unregularised run) and {rv['n_test']} test points used only for the table. Dropout: "
                    f"{ui.keep_text(keep)} on the hidden units, inverted.",
                    f"{rv['n_fit']} 个训练点；{rv['n_val']} 个验证点，供提前终止使用（每 50 步评估一次，保留未正则化"
                    f"网络验证损失最低的那次评估的参数）；{rv['n_test']} 个测试点，只用于表格。Dropout：作用于隐藏单元，"
                    f"{ui.keep_words(keep)}，反向 dropout。"))
            st.dataframe(reg.shown(rv["table"]), hide_index=True, width="stretch")
            ui.chart(figures.decision_surfaces(rv["panels"], xs=rv["xs"], ys=rv["ys"], cols=4, presenter=presenter,
                                               title=tr(*SURFACES_TITLE)), key="rg_surfaces")
            ui.chart(histogram_panels(rv["weights"], bins=60, x_title=tr("weight value", "权重值"),
                                      y_title=tr("count", "个数"), presenter=presenter, colors=colors,
                                      title=tr("Every weight of the final networks", "最终网络的全部权重")),
                     key="rg_hist")
            st.caption(tr("L1's penalty pulls each weight towards zero by a constant step, so weights that do little "
                          "land exactly at zero (a spike); L2's pull is proportional to the weight, so every weight "
                          "shrinks and the idle ones decay away. Outliers beyond the axis are counted in the end bins.",
                          "L1 惩罚每一步都把权重朝零拉动一个固定的量，所以作用不大的权重会恰好落在零上（形成尖峰）；"
                          "L2 的拉力与权重本身成正比，所以每个权重都会收缩，闲置的权重则逐渐衰减消失。超出坐标轴范围"
                          "的离群值计入两端的柱子。"))
            st.caption(tr("Two hidden layers of 32 ReLU units, momentum SGD (Adam would rescale the penalties' "
                          "gradients and blur the L1/L2 contrast). Biases are never penalised.",
                          "两个隐藏层，每层 32 个 ReLU 单元，用动量 SGD 训练（Adam 会重新缩放惩罚项的梯度，从而模糊 "
                          "L1 与 L2 的差别）。偏置从不受惩罚。"))

if tabs[3].open:
    with tabs[3]:
        st.markdown(tr(
            "Bernoulli masks are one way to inject **multiplicative** noise. Gaussian noise with the same mean "
            "and variance works as well; DropConnect drops single weights instead of units. **Additive** "
            "noise is different: a ReLU unit can grow its activations until the fixed noise is negligible, "
            "while multiplicative noise grows with the activation and cannot be outgrown.",
            "**噪声的变体。** 伯努利掩码只是注入 **乘性** 噪声的一种方式。均值和方差相同的高斯噪声效果一样；"
            "DropConnect 丢弃的则是单个权重而不是单元。**加性** 噪声不同：ReLU 单元可以不断放大自己的激活值，直到固定"
            "大小的噪声可以忽略不计；而乘性噪声随激活值一起增长，无法靠放大激活值来摆脱。"))
        st.latex(r"\text{Bernoulli: } h\,\tfrac{m}{q} \qquad \text{Gaussian: } h\,(1 + \sqrt{\tfrac{1-q}{q}}\,"
                   r"\varepsilon) \qquad \text{DropConnect: } x\,(W \odot \tfrac{M}{q})")
        st.latex(r"\frac{\operatorname{std}(h\,m/q)}{|h|} = \sqrt{\tfrac{1-q}{q}} \qquad"
                    r"\frac{\operatorname{std}(h + \sigma\varepsilon)}{|h|} = \frac{\sigma}{|h|}")
        st.caption(tr(
            "m ~ Bernoulli(q), ε ~ N(0, 1); inverted scaling, so every variant keeps E[noisy h] = h. The "
            "additive noise's σ is set per layer so that at initialisation it equals dropout's noise std, "
            "√((1−q)/q) × rms(h). Noise on the hidden units only (inputs kept).",
            "m ~ Bernoulli(q)，ε ~ N(0, 1)；采用反向缩放，所以每种变体都保持 E[加噪后的 h] = h。加性噪声的 σ 逐层"
            "设定，使它在初始化时等于 dropout 噪声的标准差 √((1−q)/q) × rms(h)。噪声只加在隐藏单元上（输入保留）。"))
        controls, results = st.columns(COLUMNS, gap="large")
        with controls:
            label = ui.select(tr("Data set", "数据集"), "rg_data", list(reg.DATASET_LABELS), "Two moons")
            keep = keep_input()
            steps = ui.select(tr("Training steps (Adam, batch 32)", "训练步数（Adam，批大小 32）"), "rg_noise_steps",
                              (1000, 2000, 3000, 6000), 3000)
            seed = seed_input(controls)
        ui.show_url_notices()
        try:
            nz = reg.noises(reg.DATASET_LABELS[label], keep, steps, seed)
        except ValueError as exc:
            ui.error(exc)
        except reg.Stopped:  # its notice and a button to train after all are shown
            pass
        else:
            colors = figures.model_colors(nz["labels"])
            ratio_colors = {"additive Gaussian": colors["additive Gaussian"],
                            "Bernoulli or Gaussian (multiplicative)": colors["Bernoulli dropout"]}
            with results:
                ui.chart(line_chart(nz["steps"], nz["rms"], x_title=tr("training step", "训练步数"),
                                    y_title=tr("rms of the hidden activations", "隐藏层激活的均方根 rms"),
                                    presenter=presenter,
                                    title=tr("How large the hidden activations grow", "隐藏层的激活会长到多大")),
                         key="rg_rms")
                ui.chart(line_chart(nz["steps"], nz["ratio"], x_title=tr("training step", "训练步数"),
                                    y_title=tr("noise std / signal rms", "噪声标准差 / 信号 rms"),
                                    presenter=presenter, colors=ratio_colors,
                                    title=tr("Noise relative to the signal", "噪声相对于信号的大小")),
                         key="rg_ratio")
                st.caption(tr(f"Closed forms with the measured activations, {ui.keep_text(keep)}: √((1−q)/q) for "
                              "multiplicative noise, σ / rms(h) (pooled over the hidden units) for additive noise.",
                              f"把实测的激活值代入闭式解，{ui.keep_words(keep)}：乘性噪声为 √((1−q)/q)，加性噪声为 "
                              "σ / rms(h)（rms 合并全部隐藏单元计算）。"))
            st.dataframe(reg.shown(nz["table"]), hide_index=True, width="stretch")
            st.caption(tr(
                "Noise/signal of the final network on the training set: closed form (above) and measured with "
                "one sampled noise draw for every hidden unit and training point. DropConnect's noise sits on "
                "the weights, and 'no noise' has none, so they have no such ratio.",
                "最终网络在训练集上的噪声/信号比：闭式解（同上图）与实测值（为每个隐藏单元和每个训练点各抽取一次噪声）。"
                "DropConnect 的噪声加在权重上，而 'no noise' 根本没有噪声，所以二者都没有这个比值。"))
            errors_chart(nz["labels"], nz["test_error"], nz["n_test"], "rg_noise_errors")
            ui.chart(figures.decision_surfaces(nz["panels"], xs=nz["xs"], ys=nz["ys"], cols=3, presenter=presenter,
                                               title=tr(*SURFACES_TITLE)),
                     key="rg_noise_surfaces")
