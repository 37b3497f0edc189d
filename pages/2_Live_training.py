"""Live training: the same network, the same data and minibatches, trained with and without dropout."""
import streamlit as st

from dropout_viz import datasets, playground
from dropout_viz.ui import common as ui
from dropout_viz.ui import training_page as tp

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PENALTIES = (0.0, 0.00001, 0.0001, 0.001, 0.01, 0.1)
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD with momentum 0.9", "adam": "Adam"}
# Widgets a data set's tuned settings (playground.PRESETS) are loaded into when the data set changes.
PRESET_KEYS = {"noise": "t_noise", "n_train": "t_ntrain", "test_share": "t_share", "layers": "t_layers",
               "width": "t_width", "keep_in": "t_keep_in", "keep_hidden": "t_keep_h", "lr": "t_lr"}

presenter = ui.page_setup("Live training")
st.title("Live training: the same network with and without dropout")
st.markdown(
    "Two copies of one network start from **the same weights** and see **the same minibatches in the same "
    "order**; the only difference is that one of them drops units while it trains. Press **Play** (keyboard "
    "**P**) and watch them part ways. Keep, learning rate and penalty can be changed while playing: they apply "
    "from the next frame, without touching the weights."
)

with st.sidebar:
    st.header("Data")
    name = ui.select("Data set", "t_data", list(datasets.DATASETS), "moons",
                     format_func=lambda k: datasets.DATASETS[k].label, help="2-D sets show decision surfaces; "
                     "the noisy sine is regression; digits are real 8x8 handwritten images (64 inputs, 10 classes). "
                     "Picking a data set loads settings tuned to show the effect on it.")
    tp.load_preset_on_change(name, PRESET_KEYS)
    noise = ui.slider("Noise", "t_noise", 0.0, 0.5, 0.3, 0.05, help="Standard deviation of the jitter added to "
                      "each coordinate (2-D), to y (sine) or to each pixel (digits).")
    n_train = ui.number("Training points", "t_ntrain", *playground.TRAIN_POINTS, 100,
                        help="Few points make overfitting easy to see.")
    share = ui.slider("Test share of all points", "t_share", 0.1, 0.9, 0.5, 0.05, fmt="%.2f",
                      help="0.5: one test point for every training point.")
    data_seed = ui.number("Data seed", "t_dseed", 0, 10_000, 0, help="Regenerate the data with another seed.")
    st.header("Network")
    layers = ui.slider("Hidden layers", "t_layers", 1, playground.MAX_HIDDEN_LAYERS, 2)
    width = ui.slider("Units per hidden layer", "t_width", 1, playground.MAX_WIDTH, 32)
    activation = ui.select("Activation", "t_act", ACTIVATIONS, "relu")
    optimizer = ui.select("Optimizer", "t_opt", list(OPTIMIZERS), "adam", format_func=OPTIMIZERS.get)
    batch = ui.select("Batch size", "t_batch", playground.BATCH_SIZES, 32)

playing = tp.is_playing()
transport, values, rates, extra = st.columns([1.25, 1, 0.8, 1], gap="medium")
with transport:
    buttons = st.container(horizontal=True)  # filled below, once the seed it offers to change is known
    seed = ui.number("Weight seed", "t_seed", 0, 10_000, 0, help="Seed of the initial weights, the minibatch "
                     "order and the masks; every model shares it.")
    with buttons:
        st.button("Pause" if playing else "Play", key="t_play", type="primary", shortcut="P",
                  icon=":material/pause:" if playing else ":material/play_arrow:", on_click=tp.set_playing,
                  args=(not playing,), help="Train one chunk per frame until paused (keyboard: P).")
        st.button("Step", key="t_step", shortcut="S", icon=":material/skip_next:", on_click=tp.request,
                  args=("step", tp.step_token()), help=f"Train one chunk of {playground.CHUNK} steps (keyboard: S).")
        st.button("Reset", key="t_reset", shortcut="I", icon=":material/replay:", on_click=tp.request,
                  args=("reset",), help="Back to step 0 with the same initial weights (keyboard: I).")
        st.button("New seed", key="t_newseed", shortcut="N", icon=":material/casino:", on_click=tp.new_seed,
                  args=("t_seed", seed), help="New initial weights, minibatch order and masks (keyboard: N).")
with values:
    keep_in = ui.keep_slider("Keep q for the inputs", "t_keep_in", 1.0)
    keep_h = ui.keep_slider("Keep q for the hidden units", "t_keep_h", 0.5)
with rates:
    lr = ui.select("Learning rate", "t_lr", LEARNING_RATES, 0.003, format_func=lambda v: f"{v:g}")
    l2 = ui.select("L2 penalty (both models)", "t_l2", PENALTIES, 0.0, format_func=lambda v: f"{v:g}",
                   help="Adds (λ/2)·Σw² to both models' loss (biases not penalised).")
with extra:
    third = ui.toggle("Third model", "t_third", help="A second dropout model at another hidden keep. "
                      "Adding or removing it restarts every model from the same initial weights.")
    keep3 = ui.keep_slider("Its keep q (hidden units)", "t_keep3", 0.8) if third else None
    st.caption(f"Models: no dropout (keep q = 1 everywhere) and dropout with inputs at "
               f"{ui.keep_text(keep_in)}, hidden units at {ui.keep_text(keep_h)}"
               + (f"; third: hidden units at {ui.keep_text(keep3)}" if third else "")
               + ". Inverted dropout: the test-time network is the full one, weights as trained.")
ui.show_url_notices()

try:
    setup = tp.setup_from(dict(dataset=name, noise=noise, n_train=n_train, test_share=share, data_seed=data_seed,
                               layers=layers, width=width, activation=activation, optimizer=optimizer,
                               batch_size=batch, seed=seed, n_models=3 if third else 2))
    keeps = playground.model_keeps(keep_in, keep_h, layers, keep3)
    hps = playground.hypers(keeps, lr, l2)
except ValueError as e:
    ui.error(e)
    st.stop()

names = playground.model_names(keeps)
with st.spinner("Compiling the training step for this network (once per shape)…"):
    tp.live_run(setup)
tp.legend(names, setup)
tp.live_area(names, keeps, hps, lr, presenter)
if setup.regression:
    st.caption("**What to look for:** the no-dropout curve bends to pass through individual noisy training points "
               "(filled) and its training loss sinks toward zero; the dropout curve stays flatter between them. The "
               "test loss gap is smaller here than for classification and can go either way with the seed: "
               "dropout also adds noise to the output, which squared error punishes. Keep q near 0.8 works best.")
elif setup.dataset == "digits":
    st.caption("**What to look for:** both models reach zero training error quickly; the gap between solid "
               "(train) and dashed (test) loss grows faster without dropout, and its test accuracy stalls lower.")
else:
    st.caption("**What to look for:** the no-dropout surface grows islands and bays around single noisy training "
               "points (dots) while its training loss falls to zero and its dashed test loss turns upward. The "
               "dropout surface stays smooth, fits the test points (diamonds) better, and its gap between solid "
               "(train) and dashed (test) curves stays narrow.")

st.header("Sweeps: how much dropout, and when does it help?")
st.markdown("Each button trains many copies of the network above (same data generator, optimizer, learning rate "
            "and penalty) as **one vmapped computation**, and caches the result on its settings. Input keep stays "
            "as set above; the sweep moves the keep q of the hidden units. Test error is measured on "
            f"{playground.SWEEP_TEST_POINTS:,} fresh test points (fewer for digits), so small differences are real.")
c1, c2 = st.columns(2)
n_seeds = ui.slider("Seeds per setting", "t_sw_seeds", 1, 5, 2, container=c1)
steps = ui.select("Training steps per model", "t_sw_steps", (1000, 2000, 3000, 5000), 2000, container=c2,
                  format_func=lambda v: f"{v:,}")
settings = (tp.sweep_fields(setup), n_seeds, steps, lr, l2, keep_in)

st.subheader("Test error against keep: too little, too much, just right")
st.button("Run the keep sweep", key="t_sw_keep", shortcut="K", on_click=tp.remember_sweep, args=("keep", settings),
          help=f"{len(playground.SWEEP_KEEPS)} keep values × {n_seeds} seeds, one computation (keyboard: K).")
tp.show_keep_sweep(settings, presenter)

st.subheader("Where dropout helps: training-set size × keep")
st.button("Run the size × keep sweep", key="t_sw_size", shortcut="H", on_click=tp.remember_sweep,
          args=("size", settings), help=f"{len(playground.SWEEP_SIZES)} sizes × {len(playground.SWEEP_SIZE_KEEPS)} "
          f"keep values × {n_seeds} seeds, one computation (keyboard: H).")
tp.show_size_sweep(settings, presenter)
