"""Live training: the same network, the same data and minibatches, trained with and without dropout."""
import streamlit as st

from dropout_viz import playground
from dropout_viz.ui import common as ui
from dropout_viz.ui import training_page as tp

tr = ui.tr
presenter = ui.page_setup("Live training")
st.title(tr("Live training: the same network with and without dropout", "实时训练：同一个网络，有无 dropout"))
if not presenter:  # on a projector the first screen is for the controls and the live view
    st.markdown(tr(
        "Two copies of one network start from **the same weights** and see **the same minibatches in the same "
        "order**; the only difference is that one of them drops units while it trains. Press **Play** (keyboard "
        "**P**) and watch them part ways. Keep, learning rate and penalty can be changed while playing: they apply "
        "within a second or two, without touching the weights.",
        "同一个网络的两个副本从**相同的权重**出发，以**相同的顺序看到相同的小批量**；唯一的区别是其中一个在训练时"
        "随机丢弃单元。按**播放**（键盘 **P**），看它们如何分道扬镳。播放过程中可以调整保留概率、学习率和惩罚项："
        "它们在一两秒内生效，不会改动权重。"))

with st.sidebar:
    st.header(tr("Data", "数据"))
    name = ui.select(tr("Data set", "数据集"), "t_data", tp.DATA_CHOICES, "moons", format_func=tp.data_label,
                     help=tr("2-D sets show decision surfaces; the noisy sine is regression; digits are real 8x8 "
                             "handwritten images (64 inputs, 10 classes); Your CSV trains on 2-D points you upload. "
                             "Picking a data set loads settings tuned to show the effect on it.",
                             "二维数据集显示决策面；带噪正弦是回归任务；digits 是真实的 8×8 手写数字图像（64 个输入，"
                             "10 个类别）；Your CSV 用你上传的二维点训练。选择数据集时会载入为它调好的设置。"))
    tp.load_preset_on_change(name)
    points = tp.csv_input() if name == playground.CSV else None
    noise = ui.slider(tr("Noise", "噪声"), "t_noise", *tp.NOISE[:2], 0.3, tp.NOISE[2],
                      help=tr("Standard deviation of the jitter added to each coordinate (2-D, your CSV), to y "
                              "(sine) or to each pixel (digits).",
                              "加到每个坐标（二维数据、你的 CSV）、y（正弦）或每个像素（digits）上的抖动的标准差。"))
    n_train = ui.number(tr("Training points", "训练点数"), "t_ntrain", *playground.TRAIN_POINTS, 100,
                        help=tr("Few points make overfitting easy to see.", "训练点越少，过拟合越容易看出来。"))
    share = ui.slider(tr("Test share of all points", "测试点占全部点的比例"), "t_share", *tp.SHARE[:2], 0.5,
                      tp.SHARE[2], fmt="%.2f",
                      help=tr("0.5: one test point for every training point.", "0.5：每个训练点对应一个测试点。"))
    data_seed = ui.number(tr("Data seed", "数据种子"), "t_dseed", *tp.SEEDS, 0,
                          help=tr("Regenerate the data with another seed.", "换一个种子重新生成数据。"))
    st.header(tr("Network", "网络"))
    layers = ui.slider(tr("Hidden layers", "隐藏层数"), "t_layers", 1, playground.MAX_HIDDEN_LAYERS, 2)
    width = ui.slider(tr("Units per hidden layer", "每个隐藏层的单元数"), "t_width", 1, playground.MAX_WIDTH, 32)
    activation = ui.select(tr("Activation", "激活函数"), "t_act", tp.ACTIVATIONS, "relu")
    optimizer = ui.select(tr("Optimizer", "优化器"), "t_opt", list(tp.OPTIMIZERS), "adam",
                          format_func=tp.OPTIMIZERS.get)
    batch = ui.select(tr("Batch size", "批大小"), "t_batch", playground.BATCH_SIZES, 32)

transport, values, rates, extra = st.columns([1.25, 1, 0.8, 1], gap="medium")
with transport:
    buttons = st.container(horizontal=True)  # filled below, once the seed it offers to change is known
    seed = ui.number(tr("Weight seed", "权重种子"), "t_seed", *tp.SEEDS, 0,
                     help=tr("Seed of the initial weights, the minibatch order and the masks; every model shares it.",
                             "决定初始权重、小批量顺序和掩码的种子；所有模型共用。"))
    with buttons:
        st.button(tr("Step", "单步"), key="t_step", shortcut="S", icon=":material/skip_next:", on_click=tp.request,
                  args=("step", tp.step_token()),
                  help=tr("Pause and train one frame: as many steps as 'Steps per frame' (keyboard: S).",
                          "暂停并训练一帧：步数等于“每帧步数”（键盘：S）。"))
        st.button(tr("Reset", "重置"), key="t_reset", shortcut="I", icon=":material/replay:", on_click=tp.request,
                  args=("reset",), help=tr("Back to step 0 with the same initial weights (keyboard: I).",
                                           "回到第 0 步，使用相同的初始权重（键盘：I）。"))
        st.button(tr("New seed", "新种子"), key="t_newseed", shortcut="N", icon=":material/casino:",
                  on_click=tp.new_seed, args=("t_seed", seed),
                  help=tr("New initial weights, minibatch order and masks (keyboard: N).",
                          "新的初始权重、小批量顺序和掩码（键盘：N）。"))
with values:
    keep_in = ui.keep_slider(tr("Keep q for the inputs", "输入的保留概率 q"), "t_keep_in", 1.0)
    keep_h = ui.keep_slider(tr("Keep q for the hidden units", "隐藏单元的保留概率 q"), "t_keep_h", 0.5)
with rates:
    lr = ui.select(tr("Learning rate", "学习率"), "t_lr", tp.LEARNING_RATES, 0.003, format_func=lambda v: f"{v:g}")
    l2 = ui.select(tr("L2 penalty (both models)", "L2 惩罚（两个模型）"), "t_l2", tp.PENALTIES, 0.0,
                   format_func=lambda v: f"{v:g}",
                   help=tr("Adds (λ/2)·Σw² to both models' loss (biases not penalised).",
                           "在两个模型的损失上都加上 (λ/2)·Σw²（偏置不受惩罚）。"))
with extra:
    third = ui.toggle(tr("Third model", "第三个模型"), "t_third",
                      help=tr("A second dropout model at another hidden keep. Adding or removing it restarts "
                              "every model from the same initial weights.",
                              "再加一个 dropout 模型，隐藏单元用另一个保留概率。添加或移除它会让所有模型从相同的"
                              "初始权重重新开始。"))
    keep3 = ui.keep_slider(tr("Its keep q (hidden units)", "它的保留概率 q（隐藏单元）"), "t_keep3", 0.8) \
        if third else None
    speed = ui.select(tr("Steps per frame", "每帧步数"), tp.SPEED, playground.SPEEDS, tp.SPEED_DEFAULT,
                      format_func=lambda v: f"{v:,}",
                      help=tr("Training steps between two frames of the view: 1 shows every step's mask, 200 races "
                              "to step 5,000 in a second or two. Play shows 30 frames a second.",
                              "视图相邻两帧之间的训练步数：1 可以看到每一步的掩码，200 则一两秒就跑到第 5,000 步。"
                              "播放时每秒显示 30 帧。"))
    if not presenter:
        st.caption(tr(f"Models: no dropout (keep q = 1 everywhere) and dropout with inputs at "
                      f"{ui.keep_text(keep_in)}, hidden units at {ui.keep_text(keep_h)}"
                      + (f"; third: hidden units at {ui.keep_text(keep3)}" if third else "")
                      + ". Inverted dropout: the test-time network is the full one, weights as trained.",
                      f"模型：无 dropout（处处保留概率 q = 1），以及 dropout 模型，输入{ui.keep_words(keep_in)}，"
                      f"隐藏单元{ui.keep_words(keep_h)}"
                      + (f"；第三个模型：隐藏单元{ui.keep_words(keep3)}" if third else "")
                      + "。反向（inverted）dropout：测试时用完整网络，权重即训练所得。"))
for later in ("t_sw_seeds", "t_sw_steps"):  # the sweeps' controls, further down: a link holding them is fine
    ui.url_key(later)
ui.show_url_notices()

if name == playground.CSV and points is None:
    st.info(tr("**Your CSV** is chosen but no points are loaded yet: upload a CSV file with the columns x1, x2 and "
               "label in the sidebar (two classes, at least 20 points). Your points stay in this browser session; "
               "a link to this page carries the choice, not the points.",
               "已选择 **Your CSV**，但还没有载入任何点：请在侧边栏上传一个含 x1、x2、label 三列的 CSV 文件（两个类别，"
               "至少 20 个点）。这些点只保存在本次浏览器会话中；本页的链接只带上这个选择，不带上数据点。"),
            icon="📄")
    st.stop()

try:
    setup = tp.setup_from(dict(dataset=name, noise=noise, n_train=n_train, test_share=share, data_seed=data_seed,
                               layers=layers, width=width, activation=activation, optimizer=optimizer,
                               batch_size=batch, seed=seed, n_models=3 if third else 2, points=points))
    keeps = playground.model_keeps(keep_in, keep_h, layers, keep3)
    hps = playground.hypers(keeps, lr, l2)
except ValueError as e:
    ui.error(e)
    st.stop()

names = playground.model_names(keeps)
with st.spinner(tr("Compiling the training step for this network (once per shape)…",
                   "正在为这个网络编译训练步（每种形状只编译一次）…")):
    tp.live_run(setup)
if not presenter:
    tp.legend(names, setup)  # the live view's panels say the rest
tp.live_area(names, keeps, hps, lr, presenter, l2=l2, speed=speed)
if setup.regression:
    st.caption(tr(
        "**What to look for:** the no-dropout curve bends to pass through individual noisy training points "
        "(filled) and its training loss sinks toward zero; the dropout curve stays flatter between them. The "
        "test loss gap is smaller here than for classification and can go either way with the seed: "
        "dropout also adds noise to the output, which squared error punishes. Keep q near 0.8 works best.",
        "**看点：**无 dropout 的曲线会弯折去穿过个别带噪的训练点（实心点），训练损失降向零；dropout 的曲线在这些点"
        "之间保持平缓。这里测试损失的差距比分类任务小，而且随种子不同可能偏向任一方：dropout 也会给输出加噪声，"
        "而平方误差会惩罚这种噪声。保留概率 q 取 0.8 左右效果最好。"))
elif setup.dataset == "digits":
    st.caption(tr(
        "**What to look for:** both models reach zero training error quickly; the gap between solid "
        "(train) and dashed (test) loss grows faster without dropout, and its test accuracy stalls lower.",
        "**看点：**两个模型都很快达到零训练误差；没有 dropout 时，实线（训练）与虚线（测试）损失之间的差距增长得"
        "更快，测试准确率也停在更低的位置。"))
else:
    st.caption(tr(
        "**What to look for:** the no-dropout surface grows islands and bays around single noisy training "
        "points (dots) while its training loss falls to zero and its dashed test loss turns upward. The "
        "dropout surface stays smooth, fits the test points (diamonds) better, and its gap between solid "
        "(train) and dashed (test) curves stays narrow.",
        "**看点：**无 dropout 的决策面会围绕个别带噪的训练点（圆点）长出孤岛和海湾，同时训练损失降到零、"
        "虚线表示的测试损失转而上升（过拟合）。dropout 的决策面保持平滑，更好地拟合测试点（菱形），"
        "实线（训练）与虚线（测试）之间的差距也保持很窄。"))

st.subheader(tr("Save or load the models", "保存或载入模型"))
tp.save_and_load(setup)

st.header(tr("Sweeps: how much dropout, and when does it help?", "扫描：dropout 用多少，什么时候有用？"))
st.markdown(tr(
    "Each button trains many copies of the network above (same data generator, optimizer, learning rate "
    "and penalty) as **one vmapped computation**, and caches the result on its settings. Input keep stays "
    "as set above; the sweep moves the keep q of the hidden units. Test error is measured on "
    f"{playground.SWEEP_TEST_POINTS:,} fresh test points (fewer for digits and your CSV), so small differences "
    "are real.",
    "每个按钮都会把上面的网络（相同的数据生成器、优化器、学习率和惩罚项）复制许多份，作为**一次 vmap 计算**"
    "一起训练，并按设置缓存结果。输入的保留概率保持上面的设定；扫描改变的是隐藏单元的保留概率 q。测试误差在 "
    f"{playground.SWEEP_TEST_POINTS:,} 个新抽取的测试点上测量（digits 和你的 CSV 更少），所以细小的差别也是真实的。"))
c1, c2 = st.columns(2)
n_seeds = ui.slider(tr("Seeds per setting", "每个设置的种子数"), "t_sw_seeds", 1, 5, 2, container=c1)
steps = ui.select(tr("Training steps per model", "每个模型的训练步数"), "t_sw_steps", (1000, 2000, 3000, 5000), 2000,
                  container=c2, format_func=lambda v: f"{v:,}")
settings = tp.sweep_settings(setup, n_seeds, steps, lr, l2, keep_in)

st.subheader(tr("Test error against keep: too little, too much, just right",
                "测试误差与保留概率：太少、太多、刚刚好"))
st.button(tr("Run the keep sweep", "运行保留概率扫描"), key="t_sw_keep", shortcut="K", on_click=tp.remember_sweep,
          args=("keep", settings),
          help=tr(f"{len(playground.SWEEP_KEEPS)} keep values × {n_seeds} seeds, one computation (keyboard: K).",
                  f"{len(playground.SWEEP_KEEPS)} 个保留概率 × {n_seeds} 个种子，一次计算（键盘：K）。"))
tp.show_keep_sweep(settings, presenter)

st.subheader(tr("Where dropout helps: training-set size × keep", "dropout 在哪里有用：训练集大小 × 保留概率"))
st.button(tr("Run the size × keep sweep", "运行大小 × 保留概率扫描"), key="t_sw_size", shortcut="H",
          on_click=tp.remember_sweep, args=("size", settings),
          help=tr(f"{len(playground.SWEEP_SIZES)} sizes × {len(playground.SWEEP_SIZE_KEEPS)} keep values × "
                  f"{n_seeds} seeds, one computation (keyboard: H).",
                  f"{len(playground.SWEEP_SIZES)} 种大小 × {len(playground.SWEEP_SIZE_KEEPS)} 个保留概率 × "
                  f"{n_seeds} 个种子，一次计算（键盘：H）。"))
tp.show_size_sweep(settings, presenter)
