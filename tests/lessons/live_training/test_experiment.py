"""The live-training experiment (lessons/live_training/experiment.py): limits, same-init runs, divergence,
sweeps, geometry."""
import json
import re

import jax
import numpy as np
import pytest

from dropout_viz.lessons.live_training import experiment as pg
from dropout_viz.core import datasets, inference, train
from dropout_viz.core.network import forward
from dropout_viz.core.system import CompileCounter

# Small shapes shared by most tests, so their chunks compile once (XLA compiles cost seconds on a CPU).
SMALL = pg.Setup(n_train=40, test_share=0.5, width=8, layers=1)
SMALL_DATA = pg.make_split(SMALL)


@pytest.fixture(scope="module")
def live2():
    """A two-model run (no dropout, hidden keep 0.5) after two chunks."""
    live = pg.start(SMALL, SMALL_DATA)
    hps = pg.hypers(pg.model_keeps(1.0, 0.5, SMALL.layers), 0.01)
    for _ in range(2):
        live = pg.advance(live, hps)
    return live, hps


# ---------------------------------------------------------------- settings and data


@pytest.mark.parametrize("field, value, words", [
    ("layers", 0, "layers"), ("layers", 5, "[1, 4]"), ("width", 0, "width"), ("width", 65, "[1, 64]"),
    ("n_train", 9, "n_train"), ("n_train", 1001, "[10, 1000]"), ("test_share", 0.95, "test_share"),
    ("batch_size", 33, "batch_size"), ("n_models", 4, "n_models"), ("dataset", "iris", "dataset"),
    ("activation", "gelu", "activation"), ("optimizer", "lbfgs", "optimizer"), ("noise", 0.9, "noise"),
])
def test_setup_refuses_values_beyond_the_limits(field, value, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        pg.Setup(**{field: value})


def test_setup_refuses_more_digits_than_exist():
    with pytest.raises(ValueError, match="at most 1797"):
        pg.Setup(dataset="digits", n_train=1000, test_share=0.9)


@pytest.mark.parametrize("name, n_train, share", [("moons", 100, 0.5), ("moons", 37, 0.75), ("sine", 20, 0.8),
                                                  ("digits", 50, 0.3)])
def test_split_has_exactly_the_promised_sizes(name, n_train, share):
    s = pg.Setup(dataset=name, n_train=n_train, test_share=share, noise=0.1)
    ds = pg.make_split(s)
    assert ds.x_train.shape == (n_train, s.spec.n_features)
    assert ds.x_test.shape[0] == s.n_test == max(1, round(n_train * share / (1 - share)))
    assert s.sizes[0] == s.spec.n_features and s.sizes[-1] == (1 if s.regression else s.spec.n_classes)


def test_model_keeps_and_names():
    keeps = pg.model_keeps(0.8, 0.5, 2, third=0.5)
    assert keeps == [(1.0, 1.0, 1.0), (0.8, 0.5, 0.5), (0.8, 0.5, 0.5)]  # layers=2: inputs and two hidden layers
    names = pg.model_names(keeps)
    assert names[0] == "no dropout" and len(set(names)) == 3
    with pytest.raises(ValueError, match="keep"):
        pg.model_keeps(1.0, 0.0, 2)


def test_every_preset_is_a_valid_setting():
    for name, p in pg.PRESETS.items():
        points = _pool(200) if name == pg.CSV else None  # uploaded points: n_train comes from the file
        n_train = pg.csv_train_points(points, p["test_share"]) if points else p["n_train"]
        s = pg.Setup(dataset=name, noise=p["noise"], n_train=n_train, test_share=p["test_share"],
                     layers=p["layers"], width=p["width"], points=points)
        hps = pg.hypers(pg.model_keeps(p["keep_in"], p["keep_hidden"], s.layers), p["lr"])
        assert hps.keep.shape == (2, s.layers + 1)
    assert set(pg.PRESETS) == {*pg.datasets.DATASETS, pg.CSV}


# ---------------------------------------------------------------- the live run


def test_models_start_from_the_same_weights_and_reset_returns_to_them(live2):
    live, _ = live2
    for leaf in jax.tree.leaves(live.init.params):
        np.testing.assert_array_equal(np.asarray(leaf[0]), np.asarray(leaf[1]))
    back = pg.reset(live)
    assert pg.step_of(back) == 0 and back.history["step"].size == 0 and back.mask is None
    for a, b in zip(jax.tree.leaves(back.state), jax.tree.leaves(live.init)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_advance_runs_one_chunk_and_records_its_evaluations(live2):
    live, _ = live2
    assert pg.step_of(live) == 2 * pg.CHUNK
    h = live.history
    np.testing.assert_array_equal(h["step"], np.arange(1, 2 * pg.CHUNK // pg.EVAL_EVERY + 1) * pg.EVAL_EVERY)
    assert all(h[k].shape == (2, h["step"].size) for k in pg.HISTORY_KEYS)
    # The same as the engine's own multi-chunk training from the same initial state.
    state, m = train.train(live.init, live.data, pg.hypers(pg.model_keeps(1.0, 0.5, SMALL.layers), 0.01),
                           live.config, 2)
    for a, b in zip(jax.tree.leaves(state.params), jax.tree.leaves(live.state.params)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)
    for k in pg.HISTORY_KEYS:
        np.testing.assert_allclose(h[k], m[k], atol=1e-6)


def test_two_models_without_dropout_stay_identical():
    live = pg.start(SMALL, SMALL_DATA)
    hps = pg.hypers([(1.0,) * 2, (1.0,) * 2], 0.01)
    live = pg.advance(live, hps)
    for leaf in jax.tree.leaves(live.state.params):
        np.testing.assert_array_equal(np.asarray(leaf[0]), np.asarray(leaf[1]))


def test_the_shown_mask_is_the_one_the_last_step_used(live2):
    live, hps = live2
    step = pg.step_of(live) - 1  # the chunk's last step
    _, mults, _ = train.step_draws(live.state.key[1], step, live.config, hps.keep[1], SMALL.n_train)
    for shown, mult in zip(live.mask[:-1], mults):
        np.testing.assert_array_equal(shown, (np.asarray(mult[0]) > 0).astype(np.float32))
    assert set(np.unique(np.concatenate(live.mask))) <= {0.0, 1.0}
    np.testing.assert_array_equal(live.mask[-1], np.ones(live.config.sizes[-1]))


def test_new_values_apply_from_the_next_chunk_without_reset_or_recompile(live2):
    live, _ = live2
    other = pg.hypers(pg.model_keeps(0.9, 0.3, SMALL.layers), 0.003, l2=0.001)
    pg.advance(live, other)  # the chunk is compiled for this shape already; warm the dispatch path too
    with CompileCounter() as c:
        nxt = pg.advance(live, pg.hypers(pg.model_keeps(0.7, 0.2, SMALL.layers), 0.03, l2=0.01))
    assert c.count == 0
    assert pg.step_of(nxt) == pg.step_of(live) + pg.CHUNK
    assert nxt.history["step"].size == live.history["step"].size + pg.CHUNK // pg.EVAL_EVERY
    # Continued from the trained weights: the same as one more chunk of the engine from live.state.
    state, _ = train.train_chunk_many(live.state, live.data, pg.hypers(pg.model_keeps(0.7, 0.2, SMALL.layers), 0.03,
                                                                         l2=0.01), live.config)
    for a, b in zip(jax.tree.leaves(state.params), jax.tree.leaves(nxt.state.params)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-6)


def test_a_diverging_chunk_is_thrown_away_and_reported(live2):
    """A NaN loss (here from a NaN input; on the page from too high a learning rate) stops the run where it was."""
    live, hps = live2
    x = np.array(SMALL_DATA.x_train)
    x[3] = np.nan
    broken = live._replace(data=live.data._replace(x_train=x))
    bad = pg.advance(broken, hps)
    assert bad.diverged is not None and bad.diverged.model == 0 and np.isnan(bad.diverged.value)
    assert pg.step_of(live) < bad.diverged.step <= pg.step_of(live) + pg.CHUNK
    assert pg.step_of(bad) == pg.step_of(live) and bad.history is live.history and bad.state is live.state
    ok = pg.advance(bad._replace(data=live.data), hps)
    assert ok.diverged is None and pg.step_of(ok) == pg.step_of(live) + pg.CHUNK


def test_first_divergence_finds_the_earliest_bad_step():
    batch = np.ones((3, 50))
    ev = np.ones((3, 5))
    assert pg.first_divergence({"batch_loss": batch, "train_loss": ev, "test_loss": ev}, 100) is None
    batch[2, 7] = np.nan
    batch[1, 30] = np.inf
    d = pg.first_divergence({"batch_loss": batch, "train_loss": ev, "test_loss": ev}, 100)
    assert (d.model, d.step) == (2, 108) and np.isnan(d.value)
    ev2 = ev.copy()
    ev2[0, 0] = np.inf  # the evaluation after step 10 of the chunk
    d = pg.first_divergence({"batch_loss": np.ones((3, 50)), "train_loss": ev, "test_loss": ev2}, 0)
    assert (d.model, d.step) == (0, 10)


def test_thin_keeps_the_newest_point_and_even_spacing():
    h = {"step": np.arange(1, 2002) * 10, "test_loss": np.arange(2001.0)[None]}
    t = pg.thin(h, max_points=1500)
    assert t["step"][-1] == h["step"][-1] and t["step"].size == 1001
    assert np.all(np.diff(t["step"]) == 20)
    np.testing.assert_array_equal(t["test_loss"][0], t["step"] / 10 - 1)
    assert pg.thin(h, max_points=5000) is h


def test_predict_is_the_weight_scaled_network(live2):
    live, hps = live2
    x = SMALL_DATA.x_test
    probs = pg.predict(live, x)
    for m in range(2):
        params = jax.tree.map(lambda a: a[m], live.state.params)
        want = inference.predict_weight_scaled(params, x, tuple(np.asarray(hps.keep[m])))
        np.testing.assert_allclose(probs[m], want, atol=1e-6)
    xs, ys, surf = pg.surfaces(live, 20)
    assert surf.shape == (2, 20, 20) and xs.shape == ys.shape == (20,)
    np.testing.assert_allclose(surf[1].ravel()[:5], pg.predict(live, np.stack(
        [np.tile(xs, 20), np.repeat(ys, 20)], 1)[:5])[1, :, 1], atol=1e-6)
    with pytest.raises(ValueError, match="regression"):
        pg.curves(live)


def test_regression_curves_are_the_network_outputs():
    s = pg.Setup(dataset="sine", n_train=20, width=8, test_share=0.5)
    live = pg.start(s, pg.make_split(s))
    xs, ys = pg.curves(live, 30)
    for m in range(2):
        params = jax.tree.map(lambda a: a[m], live.state.params)
        np.testing.assert_allclose(ys[m], np.asarray(forward(params, xs[:, None]))[:, 0], atol=1e-6)
    with pytest.raises(ValueError, match="2-D"):
        pg.surfaces(live)


def test_mistakes_lists_the_first_wrong_predictions():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=(2, 30))
    y = rng.integers(0, 4, 30)
    got = pg.mistakes(probs, y, k=5)
    for m, (idx, pred) in enumerate(got):
        wrong = [i for i in range(30) if probs[m, i].argmax() != y[i]][:5]
        assert list(idx) == wrong and list(pred) == [probs[m, i].argmax() for i in wrong]


# ---------------------------------------------------------------- sweeps and the lesson itself
# Both sweeps run on the page's default setup (one compile each): their invariants and the teaching claim
# are checked on the same results.

SWEEP_KEEPS = (1.0, 1.0, 0.5)


@pytest.fixture(scope="module")
def keep_sweep():
    calls = []
    res = pg.keep_sweep(pg.Setup(), keeps=SWEEP_KEEPS, n_seeds=3, steps=3000, lr=pg.PRESETS["moons"]["lr"],
                        on_chunk=lambda i, n: calls.append((i, n)))
    return res, calls


def test_keep_sweep_is_paired_over_keeps_and_reports_progress(keep_sweep):
    res, calls = keep_sweep
    assert res["error"].shape == (3, 3) and calls == [(i, 60) for i in range(1, 61)]
    np.testing.assert_array_equal(res["error"][0], res["error"][1])  # same keep and seeds: the same models
    assert np.all((res["error"] >= 0) & (res["error"] <= 1))
    with pytest.raises(ValueError, match="steps"):
        pg.keep_sweep(pg.Setup(), steps=120)


def test_sweep_progress_callbacks_do_not_change_the_results():
    setup = pg.Setup(layers=1, width=4)
    for sweep, kw in ((pg.keep_sweep, dict(keeps=(0.5, 1.0))), (pg.size_keep_sweep, dict(sizes=(25, 50),
                                                                                           keeps=(0.5, 1.0)))):
        calls = []
        quiet = sweep(setup, n_seeds=1, steps=150, **kw)
        loud = sweep(setup, n_seeds=1, steps=150, on_chunk=lambda i, n: calls.append((i, n)), **kw)
        assert calls == [(1, 3), (2, 3), (3, 3)]
        np.testing.assert_array_equal(quiet["error"], loud["error"])


def test_default_moons_overfit_without_dropout_and_not_with_it(keep_sweep):
    """The page's defaults after 3000 steps, three seeds: dropout ends with the lower test loss, the narrower gap."""
    p = pg.PRESETS["moons"]
    s = pg.Setup()
    assert (s.noise, s.n_train, s.width) == (p["noise"], p["n_train"], p["width"]) and p["keep_hidden"] == 0.5
    res, _ = keep_sweep
    test, gap = res["test_loss"], res["test_loss"] - res["train_loss"]
    assert np.all(test[2] < test[0]), test
    assert np.all(gap[2] < gap[0]), gap
    assert np.all(res["error"][2] < res["error"][0])  # and it misclassifies fewer test points
    assert np.all(res["train_loss"][0] < res["train_loss"][2])  # without dropout it fits the training points closer


def test_size_sweep_agrees_with_the_keep_sweep_and_with_itself(keep_sweep):
    res = pg.size_keep_sweep(pg.Setup(), sizes=(100, 50, 100), keeps=SWEEP_KEEPS, n_seeds=3, steps=3000,
                             lr=pg.PRESETS["moons"]["lr"])
    assert res["error"].shape == (3, 3, 3)
    np.testing.assert_array_equal(res["error"][0], res["error"][2])
    # 100 points, the largest size: nothing tiled, the same data and seeds as the keep sweep.
    np.testing.assert_allclose(res["error"][0], keep_sweep[0]["error"], atol=1e-6)
    assert not np.array_equal(res["error"][1], res["error"][0])
    with pytest.raises(ValueError, match="divide"):
        pg.size_keep_sweep(pg.Setup(), sizes=(10, 15), steps=50)


def test_tiling_keeps_the_training_loss_of_the_small_set(live2):
    live, _ = live2
    x = np.arange(10.0).reshape(5, 2)
    np.testing.assert_array_equal(pg.tile_rows(x, 5, 20)[7], x[2])
    params = jax.tree.map(lambda a: a[0], live.state.params)
    ds, cfg = SMALL_DATA, live.config
    small = train.evaluate(params, ds.x_train[:5], ds.y_train[:5], (1.0, 1.0), cfg)
    tiled = train.evaluate(params, pg.tile_rows(ds.x_train, 5, 40), pg.tile_rows(ds.y_train, 5, 40), (1.0, 1.0), cfg)
    np.testing.assert_allclose(np.asarray(small), np.asarray(tiled), atol=1e-6)
    with pytest.raises(ValueError, match="divisor"):
        pg.tile_rows(x, 3, 20)


def test_sweep_summaries():
    err = np.array([[[0.2, 0.4], [0.1, 0.3]], [[0.5, 0.5], [0.2, 0.2]]])  # (sizes, keeps, seeds)
    mean, (lo, hi) = pg.sweep_summary(err)
    np.testing.assert_allclose(mean, [[0.3, 0.2], [0.5, 0.2]])
    np.testing.assert_allclose(lo, [[0.2, 0.1], [0.5, 0.2]])
    np.testing.assert_allclose(hi, [[0.4, 0.3], [0.5, 0.2]])
    gain = pg.dropout_gain(err, [0.5, 1.0])
    np.testing.assert_allclose(gain, [[0.1, 0.0], [0.3, 0.0]])
    np.testing.assert_array_equal(pg.best_keep(err, [0.5, 1.0]), [1.0, 1.0])
    with pytest.raises(ValueError, match="1.0"):
        pg.dropout_gain(err, [0.5, 0.8])


# ---------------------------------------------------------------- uploaded points, saving and loading


def _pool(n=60, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, size=(n, 2))
    y = (x[:, 0] > 0).astype(int) if n_classes == 2 else np.arange(n) % n_classes
    return datasets.Points(x, y, source="pool.csv")


def test_csv_setup_needs_two_class_points_and_fits_the_pool():
    pool = _pool(60)
    setup = pg.Setup(dataset=pg.CSV, noise=0.0, n_train=30, width=8, layers=1, points=pool)
    assert setup.sizes == (2, 8, 2) and not setup.regression and setup.spec.max_n == 60
    ds = pg.make_split(setup)
    assert len(ds.y_train) == 30 and len(ds.y_test) == 30
    assert pg.Setup(dataset=pg.CSV, n_train=30, points=datasets.Points(pool.x, pool.y, source="b")) == \
        pg.Setup(dataset=pg.CSV, n_train=30, points=pool)  # the same points under another file name
    with pytest.raises(ValueError, match="needs uploaded points"):
        pg.Setup(dataset=pg.CSV)
    with pytest.raises(ValueError, match="two classes"):
        pg.Setup(dataset=pg.CSV, n_train=10, points=_pool(60, n_classes=3))
    with pytest.raises(ValueError, match="points belong to the data set 'csv' only"):
        pg.Setup(dataset="moons", points=pool)
    with pytest.raises(ValueError, match="Your CSV has at most 60"):
        pg.Setup(dataset=pg.CSV, n_train=31, points=pool)


@pytest.mark.parametrize("n, share", [(20, 0.5), (60, 0.5), (61, 0.5), (100, 0.1), (100, 0.9), (5000, 0.5)])
def test_csv_train_points_uses_as_much_of_the_pool_as_fits(n, share):
    pool = _pool(n)
    n_train = pg.csv_train_points(pool, share)
    assert pg.TRAIN_POINTS[0] <= n_train <= pg.TRAIN_POINTS[1]
    fits = lambda k: k + pg.test_points(k, share) <= n  # noqa: E731
    assert fits(n_train) or n_train == pg.TRAIN_POINTS[0]
    assert n_train == pg.TRAIN_POINTS[1] or not fits(n_train + 1)  # the largest that fits


@pytest.fixture(scope="module")
def saved_csv_run():
    """A three-model run on uploaded points after two chunks, saved to JSON."""
    setup = pg.Setup(dataset=pg.CSV, noise=0.0, n_train=30, width=8, layers=1, n_models=3, seed=4, points=_pool())
    keeps = pg.model_keeps(0.9, 0.5, setup.layers, 0.75)
    hps = pg.hypers(keeps, 0.01, 0.001)
    live = pg.start(setup, pg.make_split(setup))
    for _ in range(2):
        live = pg.advance(live, hps)
    return live, keeps, hps, pg.export_models(live, pg.model_names(keeps), keeps, lr=0.01, l2=0.001)


def test_export_load_restore_predicts_the_same_and_trains_on(saved_csv_run):
    live, keeps, hps, text = saved_csv_run
    saved = pg.load_models(text)
    assert saved.setup == live.setup and saved.setup.points.source == "pool.csv"
    assert saved.keeps == keeps and saved.lr == 0.01 and saved.l2 == 0.001 and saved.steps == 100
    restored = pg.restore(saved.setup, pg.make_split(saved.setup), saved.params, saved.steps)
    assert pg.step_of(restored) == 100
    grid = np.random.default_rng(2).uniform(-1.5, 1.5, size=(50, 2)).astype(np.float32)
    np.testing.assert_array_equal(pg.predict(restored, grid), pg.predict(live, grid))
    for k in pg.HISTORY_KEYS:  # the restored run starts its curves at the saved run's last evaluation
        np.testing.assert_allclose(restored.history[k][:, -1], live.history[k][:, -1], rtol=1e-6, atol=1e-7)
    on = pg.advance(restored, hps)
    assert pg.step_of(on) == 150 and on.diverged is None
    assert not np.array_equal(pg.predict(on, grid), pg.predict(restored, grid))
    assert np.all(np.isfinite(on.history["test_loss"]))
    # Reset goes back to the initial weights of the saved seed, as in the run the file came from.
    np.testing.assert_array_equal(pg.predict(pg.reset(on), grid), pg.predict(pg.reset(live), grid))


def _edit(text, change):
    doc = json.loads(text)
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["settings"].update(page="ensemble"), "not saved by the live-training page"),
    (lambda d: d["settings"].pop("n_train"), "settings.n_train must be a number"),
    (lambda d: d["settings"].update(dataset=3), "settings.dataset must be a string"),
    (lambda d: d["settings"].update(width=9), r"layer sizes \[2, 8, 2\], but its settings build \[2, 9, 2\]"),
    (lambda d: d["settings"].update(n_train=5), r"n_train \(training points\) must lie in"),
    (lambda d: d["settings"].update(dataset="moons"), "points belong to the data set 'csv' only"),
    (lambda d: d.update(points=None), "needs uploaded points"),
    (lambda d: d["points"]["y"].__setitem__(slice(None), [0] * 60), "the file's points"),
    (lambda d: d.update(activation="tanh"), "do not match its settings"),
    (lambda d: d["models"].pop(), "holds 2 models, but its settings say 3"),
    (lambda d: d["models"][0].update(keep=[0.5, 0.5]), "keep values are not this page's models"),
    (lambda d: d["models"][2].update(keep=[0.8, 0.75]), "keep values are not this page's models"),
    (lambda d: d["settings"].update(lr=-1.0), "lr"),
])
def test_load_models_refuses_files_this_page_cannot_continue(saved_csv_run, change, message):
    text = saved_csv_run[3]
    with pytest.raises(ValueError, match=message):
        pg.load_models(_edit(text, change))


def test_sweep_split_on_uploaded_points_uses_what_the_pool_leaves():
    setup = pg.Setup(dataset=pg.CSV, noise=0.0, n_train=20, width=8, layers=1, points=_pool(60))
    ds = pg.sweep_split(setup, 20)
    assert len(ds.y_train) == 20 and len(ds.y_test) == 40
    with pytest.raises(ValueError, match="leaves no test points in Your CSV"):
        pg.sweep_split(setup, 60)


# --- hostile model files: the app's words, at most about 60 characters of the input quoted ---------------------

LONG = "https://evil.example/" + "x" * 5000


@pytest.mark.parametrize("data, words", [
    (b"\xff\xfe{}", "the model file is not UTF-8 text"),
    ("[" * 100_000, "nests arrays or objects 100,000 deep; a model file needs at most 20"),
    ('{"a": ' + "[" * 30 + "]" * 30 + "}", "nests arrays or objects 31 deep"),
    ('{"format": "dropout-lab-models", ' + '"x": ' + '"' + "y" * 3000, "not valid JSON"),
    (json.dumps({"format": "dropout-lab-models", "version": LONG}), "unsupported model version"),
])
def test_load_models_refuses_hostile_files_in_the_apps_words(data, words):
    with pytest.raises(ValueError, match=re.escape(words)) as info:
        pg.load_models(data)
    text = str(info.value)
    for python_words in ("recursion", "codec", "utf-8-sig", "decode byte", "Expecting", "char "):
        assert python_words not in text
    assert "x" * 61 not in text and "y" * 61 not in text and len(text) < 250, text


@pytest.mark.parametrize("field", ["dataset", "activation", "optimizer"])
def test_load_models_quotes_at_most_60_characters_of_a_setting(saved_csv_run, field):
    text = _edit(saved_csv_run[3], lambda d: d["settings"].update({field: LONG[:200]}))
    with pytest.raises(ValueError, match=field) as info:
        pg.load_models(text)
    assert "x" * 61 not in str(info.value) and len(str(info.value)) < 250


def test_a_model_file_with_a_byte_order_mark_loads_like_a_csv_does(saved_csv_run):
    live, keeps, _, text = saved_csv_run
    saved = pg.load_models(b"\xef\xbb\xbf" + text.encode())
    assert saved.setup == live.setup and saved.keeps == keeps and saved.steps == 100


def test_default_run_follows_its_config_and_checks_steps():
    import dataclasses
    config = dataclasses.replace(pg.CONFIG, setup=SMALL, steps=2 * pg.CHUNK)
    live = pg.default_run(config)
    assert pg.step_of(live) == 2 * pg.CHUNK and live.setup == SMALL
    again = pg.default_run(config)
    np.testing.assert_array_equal(pg.final_metrics(live)["test_loss"], pg.final_metrics(again)["test_loss"])
    with pytest.raises(ValueError, match="steps must be a positive multiple"):
        pg.default_run(dataclasses.replace(config, steps=pg.CHUNK + 1))
    assert pg.CONFIG.keep_hidden == pg.PRESETS["moons"]["keep_hidden"] and pg.CONFIG.lr == pg.PRESETS["moons"]["lr"]
