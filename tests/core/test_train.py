"""dropout_viz.core.train: chunked training equals step-by-step, vmap equals separate runs, no recompiles."""
import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from dropout_viz.core import train
from dropout_viz.core.datasets import make_dataset
from dropout_viz.core.network import scale_weights

# One base structure shared by most tests, so they reuse its compiled chunks: every new structure costs
# seconds of XLA compilation on a CPU, so this file compiles as few as it can.
CONFIG = train.TrainConfig(sizes=(2, 16, 2), batch_size=16, chunk=50, eval_every=10)
CONFIG10 = dataclasses.replace(CONFIG, chunk=10)  # the same run in chunks of 10 steps
N_LAYERS = CONFIG.n_layers
LR = 0.02
NO_DROP, HIDDEN_HALF = (1.0, 1.0), (1.0, 0.5)
draws = jax.jit(train.step_draws, static_argnames=("config", "n_train"))


def hp(keep, **kw):
    return train.hyper(keep, kw.pop("lr", LR), n_layers=N_LAYERS, **kw)


def np_forward(params, x, activation="relu"):
    h = np.asarray(x, np.float64)
    for i, (w, b) in enumerate(params):
        h = h @ np.asarray(w, np.float64) + np.asarray(b, np.float64)
        if i < len(params) - 1:
            h = np.maximum(h, 0.0) if activation == "relu" else h
    return h


def np_cross_entropy(logits, y):
    z = logits - logits.max(-1, keepdims=True)
    lsm = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -np.mean(lsm[np.arange(len(y)), y])


def assert_trees_close(a, b, atol=1e-5):
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), atol=atol, rtol=1e-5)


MOONS = make_dataset("moons", 0, 100, 0.1)
MOONS_ARRAYS = (MOONS.x_train, MOONS.y_train, MOONS.x_test, MOONS.y_test)


@pytest.fixture(scope="module")
def moons():
    return MOONS, train.make_data(*MOONS_ARRAYS, CONFIG)


@pytest.fixture(scope="module")
def pair(moons):
    """Two models (keep 1 and hidden keep 0.5) trained together for two chunks."""
    _, data = moons
    hps = train.stack([hp(NO_DROP), hp(HIDDEN_HALF)])
    s0 = train.init_states(jax.random.key(0), CONFIG, 2)
    s1, m1 = train.train_chunk_many(s0, data, hps, CONFIG)
    s2, m2 = train.train_chunk_many(s1, data, hps, CONFIG)
    return hps, (s0, s1, s2), (m1, m2)


def test_training_lowers_the_loss(moons, pair):
    _, data = moons
    hps, (*_, s2), (m1, m2) = pair
    states, hist = train.train(s2, data, hps, CONFIG, 2)
    assert hist["train_loss"].shape == (2, 10)
    np.testing.assert_array_equal(hist["eval_step"][0], np.arange(110, 201, 10))
    first = np.asarray(m1["train_loss"])[:, 0]  # after 10 steps
    last = hist["train_loss"][:, -1]  # after 200 steps
    assert np.all(last < 0.7 * first), (first, last)
    assert np.all(hist["train_acc"][:, -1] > 0.8)
    assert np.all(np.asarray(states.step) == 200)
    assert np.all(np.isfinite(hist["batch_loss"]))
    with pytest.raises(ValueError, match="n_chunks"):
        train.train(s2, data, hps, CONFIG, 0)


METRICS = ("batch_loss", "train_loss", "test_loss", "train_acc", "test_acc", "eval_step")


def run_alone(key, h, n_chunks):
    """One model trained alone with train_chunk in chunks of 10: states every 50 steps, metrics per 50 steps."""
    data = train.make_data(*MOONS_ARRAYS, CONFIG10)
    state = train.init_state(key, CONFIG10)
    states, metrics, chunk = [state], [], []
    for _ in range(n_chunks):
        state, m = train.train_chunk(state, data, h, CONFIG10)
        chunk.append(m)
        if len(chunk) == 5:
            states.append(state)
            metrics.append({k: np.concatenate([np.asarray(mm[k]) for mm in chunk]) for k in METRICS}
                           | {"last_mults": chunk[-1]["last_mults"]})
            chunk = []
    return states, metrics


@pytest.fixture(scope="module")
def separate(pair):
    """Each model of the pair trained alone, in chunks of 10 steps instead of the pair's 50."""
    before = train.train_chunk._cache_size()
    runs = [run_alone(jax.random.key(0), train.unstack(pair[0], i), 10) for i in range(2)]
    return runs, before, train.train_chunk._cache_size()


def test_vmapped_chunks_of_fifty_equal_separate_runs_in_chunks_of_ten(pair, separate):
    # Two invariants at once (one compile fewer): vmapped models train as they would alone, and a run is the
    # same whatever the chunk length, because step t draws from fold_in(key, t).
    _, stacked_states, stacked_metrics = pair
    runs, before, after = separate
    assert after == before + 1  # chunk length is structure: one compile; the advancing step compiles nothing
    for i, (states, metrics) in enumerate(runs):
        for c in range(3):  # same initial weights, then the same after every 50 steps
            assert_trees_close(states[c].params, train.unstack(stacked_states[c], i).params, atol=0 if c == 0 else 1e-5)
        assert int(states[2].step) == 100
        for c in range(2):
            for key in METRICS:
                np.testing.assert_allclose(metrics[c][key], np.asarray(stacked_metrics[c][key])[i], atol=1e-5,
                                           rtol=1e-5)
            for got, want in zip(metrics[c]["last_mults"], stacked_metrics[c]["last_mults"]):
                np.testing.assert_array_equal(got, np.asarray(want)[i])
    # The two models really differ (dropout changed the second one's training).
    assert np.max(np.abs(np.asarray(runs[0][0][2].params[0][0]) - np.asarray(runs[1][0][2].params[0][0]))) > 1e-3


def test_vmapped_seed_sweep_equals_separate_runs(moons):
    # Models with their own keys draw their own masks and minibatches (no sharing of random numbers).
    _, data = moons
    keys = [jax.random.key(10), jax.random.key(11)]
    hps = train.stack([hp(HIDDEN_HALF)] * 2)
    stacked, m = train.train_chunk_many(train.init_states_seeds(keys, CONFIG), data, hps, CONFIG)
    for i, key in enumerate(keys):
        states, metrics = run_alone(key, hp(HIDDEN_HALF), 5)
        assert_trees_close(states[1].params, train.unstack(stacked, i).params)
        np.testing.assert_allclose(metrics[0]["batch_loss"], np.asarray(m["batch_loss"])[i], atol=1e-5, rtol=1e-5)
    assert not np.array_equal(*np.asarray(m["last_mults"][1]))


def test_last_step_multipliers_are_recomputable(moons, pair):
    d, _ = moons
    hps, (s0, s1, _), (m1, m2) = pair
    for i in range(2):
        idx, mults, _ = draws(train.unstack(s1, i).key, 99, CONFIG, train.unstack(hps, i).keep, len(d.x_train))
        assert idx.shape == (CONFIG.batch_size,)
        assert 0 <= int(idx.min()) and int(idx.max()) < len(d.x_train)
        for got, want in zip(m2["last_mults"], mults):
            np.testing.assert_array_equal(np.asarray(got)[i], want)
    keep_one, half = [np.asarray(m)[0] for m in m2["last_mults"]], [np.asarray(m)[1] for m in m2["last_mults"]]
    assert all(np.all(m == 1.0) for m in keep_one)  # keep 1: never dropped, never scaled
    np.testing.assert_array_equal(half[0], 1.0)  # input keep 1
    assert half[1].shape == (CONFIG.batch_size, 16)
    assert set(np.unique(half[1])) == {0.0, 2.0}  # inverted: kept units scaled by 1/q
    # Step 98's masks differ from step 99's: randomness is indexed by the step.
    _, prev, _ = draws(train.unstack(s1, 1).key, 98, CONFIG, train.unstack(hps, 1).keep, len(d.x_train))
    assert not np.array_equal(prev[1], half[1])


def test_gradient_of_a_dropped_unit_is_exactly_zero(moons, pair):
    d, data = moons
    state = train.unstack(pair[1][0], 0)
    keep = jnp.asarray([0.5, 0.5], jnp.float32)
    idx, mults, _ = draws(state.key, 7, CONFIG, keep, len(d.x_train))
    x, y, mult = data.x_train[idx[:1]], data.y_train[idx[:1]], [m[:1] for m in mults]  # one example

    def loss(params):
        """The training objective of one example under the step's multipliers (no penalty)."""
        return jnp.mean(train._loss_terms(train._forward_noisy(params, x, mult, CONFIG), y, CONFIG, 0.0)[0])

    grads = [(np.asarray(gw), np.asarray(gb)) for gw, gb in jax.jit(jax.grad(loss))(state.params)]
    dropped = [np.flatnonzero(np.asarray(m)[0] == 0) for m in mult]
    kept = [np.flatnonzero(np.asarray(m)[0] != 0) for m in mult]
    assert len(dropped[1]) > 0 and len(kept[1]) > 0
    for i, dr in enumerate(dropped):
        np.testing.assert_array_equal(grads[i][0][dr], 0.0)  # outgoing weights of a dropped unit
    # A dropped hidden unit's own incoming weights and bias get no gradient either.
    np.testing.assert_array_equal(grads[0][0][:, dropped[1]], 0.0)
    np.testing.assert_array_equal(grads[0][1][dropped[1]], 0.0)
    assert np.any(grads[1][0][kept[1]] != 0)  # ...while kept units do learn


@pytest.fixture(scope="module")
def varied(moons, pair):
    """The pair's initial states run with other values of every hyperparameter; compile counts around it."""
    _, data = moons
    hps = train.stack([hp((0.9, 0.8), lr=0.005, l2=0.01, input_noise=0.1),
                       hp((0.7, 0.3), lr=0.05, l1=0.001, input_noise=0.3, label_smoothing=0.2)])
    before = train.train_chunk_many._cache_size()
    _, m = train.train_chunk_many(pair[1][0], data, hps, CONFIG)
    return hps, m, before, train.train_chunk_many._cache_size()


def test_changing_hyperparameter_values_does_not_recompile(varied):
    _, m, before, after = varied
    assert before >= 1 and after == before
    # Both models drew the same uniforms: a unit kept at keep 0.3 is also kept at keep 0.8.
    m08, m03 = np.asarray(m["last_mults"][1])
    assert np.all((m03 == 0) | (m08 > 0)) and np.any((m03 == 0) & (m08 > 0))


def test_first_step_loss_is_the_thinned_network_on_its_noisy_minibatch(moons, pair, varied):
    # Step 0 runs on the initial weights, so its loss is a closed form of the step's draws: minibatch,
    # input noise, masks scaled by 1/q, label smoothing (the penalty is not part of the reported loss).
    d, _ = moons
    hps, m, *_ = varied
    for i in range(2):
        state, h = train.unstack(pair[1][0], i), train.unstack(hps, i)
        idx, mults, noise_in = draws(state.key, 0, CONFIG, h.keep, len(d.x_train))
        x = d.x_train[np.asarray(idx)] + float(h.input_noise) * np.asarray(noise_in)
        (w0, b0), (w1, b1) = [(np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in state.params]
        hidden = np.maximum((x * np.asarray(mults[0])) @ w0 + b0, 0.0)
        logits = (hidden * np.asarray(mults[1])) @ w1 + b1
        z = logits - logits.max(-1, keepdims=True)
        lsm = z - np.log(np.exp(z).sum(-1, keepdims=True))
        s = float(h.label_smoothing)
        target = np.eye(2)[d.y_train[np.asarray(idx)]] * (1 - s) + s / 2
        want = np.mean(-(target * lsm).sum(-1))
        assert float(np.asarray(m["batch_loss"])[i, 0]) == pytest.approx(want, rel=1e-4)


def test_penalties_shrink_weights(moons, pair):
    _, data = moons
    hps, (s0, _, s2), _ = pair
    penalised = train.stack([hp(NO_DROP, l2=0.05), hp(NO_DROP, l1=0.01)])
    s, _ = train.train(s0, data, penalised, CONFIG, 2)
    base = [np.asarray(w) for w, _ in train.unstack(s2, 0).params]
    l2_w = [np.asarray(w) for w, _ in train.unstack(s, 0).params]
    l1_w = [np.asarray(w) for w, _ in train.unstack(s, 1).params]
    assert sum((w**2).sum() for w in l2_w) < 0.9 * sum((w**2).sum() for w in base)
    assert sum(np.abs(w).sum() for w in l1_w) < 0.9 * sum(np.abs(w).sum() for w in base)


def test_penalty_closed_form(pair):
    params = train.unstack(pair[1][2], 0).params
    h = hp(NO_DROP, l2=0.3, l1=0.2)
    got = float(jax.jit(train.penalty)(params, h))
    ws = [np.asarray(w, np.float64) for w, _ in params]  # biases are not penalised
    assert got == pytest.approx(0.15 * sum((w**2).sum() for w in ws) + 0.2 * sum(np.abs(w).sum() for w in ws),
                                rel=1e-5)


def run_single(config, keep, n_chunks=2):
    """One model from the pair's initial state, trained alone: (state, train_loss over all chunks, last metrics)."""
    state = train.init_state(jax.random.key(0), config)
    data = train.make_data(*MOONS_ARRAYS, config)
    losses = []
    for _ in range(n_chunks):
        state, m = train.train_chunk(state, data, hp(keep), config)
        losses.append(np.asarray(m["train_loss"]))
    return state, np.concatenate(losses), m


def test_gaussian_noise_trains_and_is_noise_free_at_keep_one(separate):
    config = dataclasses.replace(CONFIG, noise="gaussian")
    plain, _, m = run_single(config, NO_DROP)
    # Multipliers 1 + sqrt((1-q)/q) eps are exactly 1 at keep 1: the same run as Bernoulli keep 1.
    assert np.all(np.asarray(m["last_mults"][1]) == 1.0)
    assert_trees_close(plain.params, separate[0][0][0][2].params)
    _, loss, m = run_single(config, HIDDEN_HALF)
    noisy = np.asarray(m["last_mults"][1])
    assert len(np.unique(noisy)) == noisy.size  # continuous multipliers, not 0 or 1/q
    assert abs(noisy.mean() - 1.0) < 5 * 1.0 / np.sqrt(noisy.size)  # mean 1, std sqrt((1-q)/q) = 1
    assert loss[-1] < 0.8 * loss[0]


def test_dropconnect_trains_with_weight_masks():
    _, loss, m = run_single(dataclasses.replace(CONFIG, noise="dropconnect"), HIDDEN_HALF)
    mult = np.asarray(m["last_mults"][1])
    assert mult.shape == (16, 2)  # (fan_in, fan_out): one multiplier per weight
    assert set(np.unique(mult)) == {0.0, 2.0}
    assert np.all(np.asarray(m["last_mults"][0]) == 1.0)
    assert loss[-1] < 0.8 * loss[0]


def test_evaluation_scales_weights_only_for_standard_dropout(moons, pair):
    d, data = moons
    _, (_, s1, _), (m1, _) = pair
    params = train.unstack(s1, 1).params
    keep = jnp.asarray(HIDDEN_HALF, jnp.float32)
    evaluate = jax.jit(train.evaluate, static_argnames="config")
    standard = dataclasses.replace(CONFIG, inverted=False)
    scaled = np_cross_entropy(np_forward(scale_weights(params, HIDDEN_HALF), d.x_test), d.y_test)
    unscaled = np_cross_entropy(np_forward(params, d.x_test), d.y_test)
    assert abs(scaled - unscaled) > 1e-3
    assert float(evaluate(params, data.x_test, data.y_test, keep, standard)[0]) == pytest.approx(scaled, rel=1e-4)
    # Inverted dropout's weights already are the weight-scaled ones; training's own evaluation agrees.
    assert float(evaluate(params, data.x_test, data.y_test, keep, CONFIG)[0]) == pytest.approx(unscaled, rel=1e-4)
    assert float(np.asarray(m1["test_loss"])[1, -1]) == pytest.approx(unscaled, rel=1e-4)
    # Standard dropout trains on 0/1 masks, without the 1/q.
    _, mults, _ = draws(train.unstack(s1, 1).key, 3, standard, keep, len(d.x_train))
    assert set(np.unique(np.asarray(mults[1]))) == {0.0, 1.0}


def test_regression_head_lowers_the_squared_error():
    d = make_dataset("sine", 0, 100, 0.1)
    config = train.TrainConfig(sizes=(1, 16, 1), head="identity", batch_size=16, chunk=50, eval_every=10)
    data = train.make_data(d.x_train, d.y_train, d.x_test, d.y_test, config)
    assert data.y_train.dtype == jnp.float32
    state = train.init_state(jax.random.key(1), config)
    h = train.hyper((1.0, 0.9), 0.03, n_layers=2)
    losses = []
    for _ in range(4):
        state, m = train.train_chunk(state, data, h, config)
        losses.append(np.asarray(m["train_loss"]))
    losses = np.concatenate(losses)
    assert losses[-1] < 0.5 * losses[0], losses
    mse = np.mean((np_forward(state.params, d.x_train)[:, 0] - d.y_train) ** 2)
    assert losses[-1] == pytest.approx(mse, rel=1e-4)  # squared error of the full network


def test_init_states():
    same = train.init_states(jax.random.key(0), CONFIG, 3)
    assert same.params[0][0].shape == (3, 2, 16)
    np.testing.assert_array_equal(same.params[0][0][0], same.params[0][0][2])
    seeds = train.init_states_seeds([jax.random.key(0), jax.random.key(1)], CONFIG)
    assert seeds.params[0][0].shape == (2, 2, 16)
    assert not np.array_equal(seeds.params[0][0][0], seeds.params[0][0][1])
    np.testing.assert_array_equal(seeds.params[0][0][0], same.params[0][0][0])


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=0.0), "lr"), (dict(lr=-0.1), "lr"), (dict(lr=float("nan")), "lr"), (dict(lr=11.0), "lr"),
    (dict(keep=0.0), "keep"), (dict(keep=(0.5, 0.5, 0.5)), "keep"), (dict(keep=1.2), "keep"),
    (dict(l2=-0.1), "l2"), (dict(l1=-1.0), "l1"), (dict(input_noise=-0.5), "input_noise"),
    (dict(label_smoothing=0.6), "label_smoothing"),
])
def test_hyper_rejects_bad_values(kwargs, name):
    args = dict(keep=0.5, lr=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        train.hyper(args.pop("keep"), args.pop("lr"), n_layers=N_LAYERS, **args)


def test_hyper_accepts_edges():
    h = train.hyper(1.0, 10.0, n_layers=2, label_smoothing=0.5, l2=0.0)
    assert h.keep.shape == (2,) and h.keep.dtype == jnp.float32
    assert float(h.label_smoothing) == 0.5


@pytest.mark.parametrize("kwargs, name", [
    (dict(sizes=(2,)), "sizes"), (dict(sizes=(2, 0, 2)), "size"), (dict(activation="gelu"), "activation"),
    (dict(head="poisson"), "head"), (dict(optimizer="lbfgs"), "optimizer"), (dict(noise="salt"), "noise"),
    (dict(batch_size=0), "batch_size"), (dict(batch_size=5000), "batch_size"),
    (dict(chunk=25, eval_every=10), "chunk"), (dict(eval_every=0), "eval_every"),
    (dict(chunk=10, eval_every=20), "eval_every"),
])
def test_train_config_rejects_bad_structure(kwargs, name):
    args = dict(sizes=(2, 4, 2))
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        train.TrainConfig(**args)


def test_train_config_is_frozen_and_hashable():
    c = train.TrainConfig(sizes=[2, 4, 2])
    assert c.sizes == (2, 4, 2) and c.n_layers == 2
    assert hash(c) == hash(train.TrainConfig(sizes=(2, 4, 2)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.chunk = 10


def test_make_data_checks_shapes():
    x, y = np.zeros((5, 2)), np.zeros(5)
    data = train.make_data(x, y, x, y, CONFIG)
    assert data.y_train.dtype == jnp.int32 and data.x_train.dtype == jnp.float32
    with pytest.raises(ValueError, match="x_train"):
        train.make_data(np.zeros((5, 3)), y, x, y, CONFIG)
    with pytest.raises(ValueError, match="y_test"):
        train.make_data(x, y, x, np.zeros(4), CONFIG)
