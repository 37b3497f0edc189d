"""Bagging, dropout and dropout boosting: many independent networks against one network with shared weights."""
import streamlit as st

from dropout_viz import figures
from dropout_viz.ui import bagging_page as bag
from dropout_viz.ui import common as ui

tr = ui.tr
presenter = ui.page_setup("Bagging and boosting")
st.title(tr("Bagging, dropout and dropout boosting", "装袋（Bagging）、dropout 与 dropout boosting"))
st.markdown(tr(
    "Three ways to average many networks, trained on the same 2-D task:\n"
    "- **Bagging**: k networks with their own weights, each trained (without dropout) on its own *bootstrap "
    "sample* — as many points as the training set, drawn from it with replacement. Predictions are averaged.\n"
    "- **Dropout**: one network. Every step trains a few randomly thinned subnetworks, and they all *share* the "
    "same weights, so the one network stands for 2ᵈ subnetworks (d droppable units).\n"
    "- **Dropout boosting** (the control experiment of Warde-Farley et al., 2014): the *same* masks and the same "
    "shared weights as dropout, but the loss rewards the subnetworks' **average** prediction instead of each "
    "subnetwork's own. Only the objective differs; in Warde-Farley et al.'s experiments almost none of the "
    "regularisation was left. Compare the numbers below.",
    "在同一个二维分类任务上训练，比较三种把许多网络平均起来的做法：\n"
    "- **装袋（Bagging）**：k 个网络，各有各的权重，每个都在自己的 *自助样本*（bootstrap sample）上训练（不用 "
    "dropout）。自助样本从训练集中有放回地抽取，点数与训练集相同。预测时把它们的输出取平均。\n"
    "- **Dropout**：只有一个网络。每一步训练几个随机去掉部分单元的子网络，它们 *共享* 同一组权重，因此这一个网络"
    "代表了 2ᵈ 个子网络（d 为可丢弃单元的个数）。\n"
    "- **Dropout boosting**（Warde-Farley 等人 2014 年的对照实验）：掩码和共享权重与 dropout *完全相同*，但损失"
    "函数奖励的是子网络的 **平均** 预测，而不是每个子网络各自的预测。两者只有训练目标不同；在 Warde-Farley 等人的"
    "实验中，正则化效果几乎消失殆尽。请对比下面的数字。"))

controls, top = st.columns([1, 2.6], gap="large")
with controls:
    # The data-set options are their own labels and go into the link (bb_data=Two moons), so they stay English.
    label = ui.select(tr("Data set", "数据集"), "bb_data", list(bag.DATASET_LABELS), "Two moons")
    name = bag.DATASET_LABELS[label]
    noise = ui.slider(tr("Data noise (jitter std)", "数据噪声（抖动的标准差）"), "bb_noise", 0.0, 0.5, 0.3, 0.05,
                      help=tr("Standard deviation of the Gaussian jitter added to every point.",
                              "叠加到每个点上的高斯抖动的标准差。"))
    keep = ui.keep_slider(tr("Keep q of the hidden units (dropout and boosting)",
                             "隐藏单元的保留概率 q（dropout 与 boosting）"), "bb_keep", 0.5,
                          help=tr(None, bag.KEEP_HELP_ZH))
    k = ui.slider(tr("Bagged networks averaged, k", "参与平均的 Bagging 网络数 k"), "bb_k", 1, bag.N_BAGS, 8,
                  help=tr(f"{bag.N_BAGS} bagged networks are trained once; moving k only changes how many are averaged.",
                          f"{bag.N_BAGS} 个 Bagging 网络只训练一次；移动 k 只改变参与平均的网络个数。"))
    width = ui.select(tr("Hidden units per layer (2 hidden layers)", "每层隐藏单元数（共 2 个隐藏层）"), "bb_width",
                      (16, 32, 64), 32)
    steps = ui.select(tr("Training steps (Adam, batch 32)", "训练步数（Adam，批大小 32）"), "bb_steps",
                      (500, 1000, 2000, 4000), 2000)
    seed = ui.number(tr("Seed", "随机种子"), "bb_seed", 0, 10_000, 0,
                     help=tr("Same seed: same data, initial weights, bootstrap samples, minibatches and masks.",
                             "种子相同，则数据、初始权重、自助样本、小批量和掩码都相同。"))
ui.show_url_notices()

try:
    res = bag.results(name, noise, width, keep, steps, seed, k)
except ValueError as exc:
    ui.error(exc)
    st.stop()
except bag.Stopped:  # its notice and a button to train after all are on the page
    st.stop()

with top:
    ui.chart(figures.bar_compare(res["labels"], res["test_error"], y_title=tr("test error", "测试误差"), fmt=".1%",
                                 presenter=presenter,
                                 title=tr(f"Test error on {res['n_test']} held-out points",
                                          f"{res['n_test']} 个留出点上的测试误差")),
             key="bb_errors")
    st.caption(tr(
        f"Trained on {res['n_train']} points for {steps:,} steps. Dropout and dropout boosting: "
        f"{res['keep_text']} on the hidden units (inputs kept), inverted dropout, {res['n_masks']} masks per "
        f"example per step; they predict with the arithmetic mean of {res['eval_masks']} sampled subnetworks. "
        "Bagging predicts with the arithmetic mean of its k networks' class probabilities.",
        f"在 {res['n_train']} 个点上训练 {steps:,} 步。Dropout 与 dropout boosting：只丢弃隐藏单元（输入保留），"
        f"{ui.keep_words(keep)}，反向 dropout，每个样本每步 {res['n_masks']} 个掩码；预测时取 "
        f"{res['eval_masks']} 个采样子网络的算术平均。Bagging 的预测是其 k 个网络类别概率的算术平均。"))

st.dataframe(bag.shown(res["table"]), hide_index=True, width="stretch")
if keep == 1.0:
    st.info(tr("With keep q = 1 nothing is dropped: dropout and dropout boosting are the no-dropout network (same "
               "start, same minibatches). Any difference late in a long run is floating-point rounding — the batch "
               "sums run in another order — amplified by training.",
               "保留概率 q = 1 时没有任何单元被丢弃：dropout 和 dropout boosting 就是不加 dropout 的那个网络（相同的"
               "初始权重、相同的小批量）。长时间训练后期若出现差异，那只是浮点舍入误差（批内求和的顺序不同）被训练"
               "过程放大的结果。"), icon="ℹ️")
st.caption(tr(
    f"Loss = mean cross-entropy. Full net test error: the one deterministic network with the weight scaling "
    f"rule (inverted dropout: the trained weights as they are) instead of sampled subnetworks. One network has "
    f"{res['n_params']:,} weights and biases; bagging stores k copies, dropout one, from which "
    f"{res['subnetworks']} subnetworks (d = {res['d']} droppable hidden units) can be sampled. Memory counts "
    "the stored parameters only (float32).",
    f"损失 = 平均交叉熵。完整网络测试误差：不采样子网络，而是按权重缩放推断规则只用一个确定性的网络来预测（反向 "
    f"dropout 下即训练所得权重原样使用）。一个网络有 {res['n_params']:,} 个权重和偏置；Bagging 要存储 k 份，dropout "
    f"只存一份，却能从中采样出 {res['subnetworks']} 个子网络（d = {res['d']} 个可丢弃的隐藏单元）。内存只统计存储的"
    "参数（float32）。"))

curves = figures.training_curves(res["steps"], res["curves"], metric=tr("loss (cross-entropy)", "损失（交叉熵）"),
                                 presenter=presenter, shade_gap=False,
                                 title=tr("Loss during training: solid = training set, dashed = test set",
                                          "训练过程中的损失：实线 = 训练集，虚线 = 测试集"))
if ui.is_chinese():
    curves.update_xaxes(title_text="训练步数")
ui.chart(curves, key="bb_curves")
st.caption(tr("A widening gap between a model's two lines is overfitting. Bagging's curve is the loss of the average "
              "of its k networks at each step.",
              "同一模型的两条线之间的差距越拉越大，就是过拟合。Bagging 的曲线是每一步上其 k 个网络平均预测的损失。"))

ui.chart(figures.decision_surfaces(res["panels"], xs=res["xs"], ys=res["ys"], cols=4, presenter=presenter,
                                   title=tr("Predicted P(class 1) after training; dots: training points",
                                            "训练后预测的 P(类别 1)；圆点：训练点")),
         key="bb_surfaces")

st.subheader(tr("Why boosting loses the regularisation", "为什么 boosting 失去了正则化效果"))
left, right = st.columns(2, gap="large")
with left:
    st.markdown(tr("**Dropout**: every sampled subnetwork must fit the example *by itself*.",
                   "**Dropout**：每个采样到的子网络都必须 *独自* 拟合这个样本。"))
    st.latex(r"L_{\text{dropout}} = -\frac{1}{BM}\sum_{i=1}^{B}\sum_{m=1}^{M} \log p\left(y_i \mid x_i, \mu_{im}\right)")
with right:
    st.markdown(tr("**Dropout boosting**: only the *average* of the subnetworks must fit it.",
                   "**Dropout boosting**：只要求子网络的 *平均* 拟合这个样本。"))
    st.latex(r"L_{\text{boost}} = -\frac{1}{B}\sum_{i=1}^{B} \log\Bigl(\frac{1}{M}\sum_{m=1}^{M} "
             r"p\left(y_i \mid x_i, \mu_{im}\right)\Bigr)")
st.markdown(tr(
    f"B = 32 examples per step, M = {res['n_masks']} masks μ per example, the same masks for both. Boosting lets "
    "subnetworks specialise and cover for one another, like the members of a boosted ensemble, so the shared "
    "weights may fit the training set as tightly as they can. Compare the training and test losses of the two "
    "in the table: the randomness is the same, so what regularises dropout is asking each subnetwork to be good "
    "on its own, as each bagged network must be.",
    f"每步 B = 32 个样本，每个样本 M = {res['n_masks']} 个掩码 μ，两种目标用的是同一批掩码。Boosting 允许子网络"
    "各有专长、互相弥补，就像 boosting 集成中的各个成员，于是共享权重可以尽可能紧地拟合训练集。对比表中两者的训练"
    "损失和测试损失：随机性完全相同，可见 dropout 的正则化作用来自于要求每个子网络单独也要表现良好，正如每个 "
    "Bagging 网络都必须做到的那样。"))

st.subheader(tr("The ambiguity decomposition", "歧义分解（ambiguity decomposition）"))
st.markdown(tr("Averaging T predictors f₁ … f_T into f̄ = (1/T) Σₜ fₜ and measuring squared error, for every input:",
               "把 T 个预测器 f₁ … f_T 平均成 f̄ = (1/T) Σₜ fₜ，并用平方误差来衡量，则对每一个输入都有："))
st.latex(r"\underbrace{\frac{1}{T}\sum_t (f_t - y)^2}_{\text{individual error}} - "
         r"\underbrace{(\bar f - y)^2}_{\text{ensemble error}} = \frac{1}{T}\sum_t (f_t-\bar f)^2 "
         r"= \frac{T-1}{2T}\,\underbrace{\frac{1}{T(T-1)}\sum_{s\neq t}(f_s-f_t)^2}_{D\text{: mean pairwise disagreement}}")
st.markdown(tr(
    "It is an identity — no independence or accuracy assumption — but it needs **squared error**, a **uniform "
    "arithmetic mean** of the members' outputs, and one target y for all of them. The ensemble is never worse than "
    "its average member, and the more the members disagree the more it gains. Here fₜ are class probabilities, "
    "y the one-hot label, squared error summed over the classes (the Brier score), averaged over the test points.",
    "这是一个恒等式，不需要任何关于独立性或准确性的假设，但它要求三件事：**平方误差**、对成员输出取 **等权算术平均**、"
    "所有成员面对同一个目标 y。集成的误差永远不会超过成员误差的平均值，成员之间的分歧越大，集成的收益就越大。这里 "
    "fₜ 是类别概率，y 是 one-hot 标签，平方误差对各类别求和（即 Brier 分数），再对测试点取平均。"))
names = bag.members_zh(k)
if "ambiguity" in res:
    st.dataframe(bag.shown(res["ambiguity"], names), hide_index=True, width="stretch")
    st.caption(tr("Gain measured as individual minus ensemble error; (T−1)/(2T)·D computed pair by pair. "
                  "The difference is floating-point rounding. Dropout subnetworks: k masks sampled from the trained "
                  "dropout network (inverted scaling), each predicting on its own.",
                  "增益按“个体平均误差减集成误差”实测；(T−1)/(2T)·D 则逐对计算。两者之差只是浮点舍入误差。Dropout "
                  "子网络：从训练好的 dropout 网络中采样 k 个掩码（反向缩放），每个子网络单独做预测。"))
    st.markdown(tr("**It fails for a majority vote with 0–1 error.** The same members, voting on class labels:",
                   "**换成多数投票和 0–1 误差，恒等式就不成立了。** 同样的成员，这次对类别标签投票："))
    st.dataframe(bag.shown(res["votes"], names), hide_index=True, width="stretch")
    st.caption(tr("Disagreement = fraction of test points where two members' labels differ, averaged over pairs. Ties "
                  "go to the smaller class label.",
                  "分歧 = 两个成员给出不同标签的测试点所占的比例，再对所有成员对取平均。平票时取较小的类别标签。"))
else:
    st.info(tr("The decomposition needs at least two members: set k ≥ 2.", "分解至少需要两个成员：请把 k 设为 ≥ 2。"),
            icon="ℹ️")
rows, check = bag.vote_counterexample_rows()
st.markdown(tr("A vote can even be **worse** than every voter: each voter below errs on two of five points "
               "(error 0.4), but two of them err together on three points, so the vote's error is 0.6.",
               "投票结果甚至可能比 **每一个** 投票者都 **差**：下面每个投票者在五个点中错两个（误差 0.4），但有三个点"
               "上都恰好有两个投票者同时出错，于是投票的误差是 0.6。"))
left, right = st.columns([1, 2.2], gap="large")
left.dataframe(bag.shown(rows, names), hide_index=True, width="stretch")
right.dataframe([bag.shown(check, names)], hide_index=True, width="stretch")
right.caption(tr("Votes on five points whose true label is 1. The squared-error identity would promise a gain of "
                 "(T−1)/(2T)·disagreement > 0; the vote loses 0.2 instead.",
                 "五个点的真实标签都是 1。按平方误差的恒等式，本应有 (T−1)/(2T)·分歧 > 0 的增益；投票却反而损失了 0.2。"))
