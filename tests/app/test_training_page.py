"""The live-training page under AppTest: the controls around the live view, values while playing, data sets,
limits, divergence, sweeps.

The live view (a custom component) plays in the browser; here the tests read the batch of snapshots the page
sends it (experiment.decode_batch) and stand in for the browser: Play sets the session's playing flag, and a
request for the next batch is what the view's "need" trigger leaves in the session before a run.
"""
import base64
import html
import json
from pathlib import Path

import jax
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dropout_viz.lessons.live_training import experiment as pg
from dropout_viz.core import datasets
from dropout_viz.lessons.live_training import view as tp
from tests.app.i18n_check import msgids, untranslated

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "2_Live_training.py")
S = tp.SPEED_DEFAULT  # steps per frame by default (10)


def _run(**params):
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _batch(at) -> dict:
    (view,) = at.get("bidi_component")
    assert view.proto.WhichOneof("data") == "bytes"  # bytes, never JSON lists of floats
    return pg.decode_batch(view.proto.bytes)


def _step(at) -> int:
    """The step of the last snapshot sent to the view."""
    return _batch(at)["snapshots"][-1]["step"]


def _surfaces(at):
    return _batch(at)["snapshots"][-1]["grid"]


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _array(v) -> np.ndarray:
    """A Plotly JSON array: a list, or plotly.py's base64 typed array {dtype, bdata, shape}."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if "shape" in v else a
    return np.asarray(v, dtype=float)


def _same(a, b) -> bool:
    return np.array_equal(a, b)


def _click(at, key):
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def _play(at, step=None):
    """What the view's Play button does: the playing flag, then a batch for the step it shows."""
    at.session_state[tp.PLAYING] = True
    if step is not None:
        at.session_state[tp.ASKED] = ("play", step)
    at.run()
    assert not at.exception, at.exception
    return at


def _need(at):
    """The view asks for the batch after the last snapshot it holds."""
    at.session_state[tp.ASKED] = ("need", _step(at))
    at.run()
    assert not at.exception, at.exception
    return at


def test_transport_steps_resets_and_reseeds():
    at = _run()
    batch = _batch(at)
    assert batch["flags"] == pg.FLAG_RESET and _step(at) == 0  # paused: one snapshot, with points and history
    assert np.isnan(batch["snapshots"][0]["metrics"]).all()  # no evaluation before the first step
    assert len(batch["points"]) == 200 and batch["meta"]["names"] == ["no dropout", "dropout q=0.5"]
    first = _surfaces(at)
    assert first.shape == (2, pg.SURFACE_RESOLUTION ** 2)
    _click(at, "t_step")
    assert S == 10 and _step(at) == 10  # one frame at the default 10 steps per frame
    assert np.isfinite(_batch(at)["snapshots"][0]["metrics"]).all()
    assert not np.array_equal(_surfaces(at), first)
    at.selectbox(key=tp.SPEED).set_value(50).run()
    _click(at, "t_step")
    assert _step(at) == 60
    _click(at, "t_reset")
    assert _step(at) == 0 and np.array_equal(_surfaces(at), first)  # the same initial weights
    _click(at, "t_newseed")
    assert at.number_input(key="t_seed").value == 1 and _step(at) == 0
    assert not np.array_equal(_surfaces(at), first)


def test_play_sends_batches_and_values_change_without_reset():
    at = _run()
    _play(at, 0)
    batch = _batch(at)
    n0, n = pg.first_batch_frames(S), pg.batch_frames(S)
    assert n0 == n // 2 == pg.PLAY_FPS  # Play's first batch is half a batch: its first frame comes sooner
    assert batch["flags"] & pg.FLAG_PLAYING and [s["step"] for s in batch["snapshots"]] == [S * (i + 1) for i in range(n0)]
    assert not batch["flags"] & pg.FLAG_RESET  # continues the paused snapshot the view shows
    at.run()  # a page run without a request sends the same batch again: nothing new is trained
    assert _batch(at)["seq"] == batch["seq"] and _step(at) == S * n0
    at.slider(key="t_keep_h").set_value(0.2).run()  # the next batch uses the new keep on the trained weights
    assert not at.exception and _step(at) == S * n0
    _need(at)
    nxt = _batch(at)
    assert nxt["seq"] == batch["seq"] + 1 and [s["step"] for s in nxt["snapshots"]] == [S * (n0 + i + 1) for i in range(n)]
    assert nxt["meta"]["names"][1] == "dropout q=0.2" and not nxt["flags"] & pg.FLAG_RESET
    at.selectbox(key="t_lr").set_value(0.01).run()
    at.selectbox(key=tp.SPEED).set_value(200).run()
    _need(at)
    assert [s["step"] for s in _batch(at)["snapshots"]][:2] == [S * (n0 + n) + 200, S * (n0 + n) + 400]
    assert _step(at) > S * (n0 + n)  # played on from where it was, at the new speed


def test_pause_returns_to_the_snapshot_the_view_shows():
    """The pause callback: the run becomes the one at the step the browser stopped on."""
    at = _run()
    _play(at, 0)
    n = pg.batch_frames(S)
    _need(at)
    run = tp.kept_run(at.session_state[tp.KEPT], at.session_state[tp.LIVE], 150)  # replayed from its batch
    assert pg.step_of(run) == 150 and tp.kept_run(at.session_state[tp.KEPT], run, 155) is None
    at.session_state[tp.PLAYING] = False
    at.session_state[tp.LIVE] = run  # what _on_view_event("pause") does with step 150
    at.run()
    batch = _batch(at)
    assert batch["flags"] == pg.FLAG_RESET and _step(at) == 150 and n > 3
    assert batch["history_steps"][-1] == 150  # the curves end where the picture stopped


def test_the_first_batch_after_pause_is_trained_while_paused(monkeypatch):
    """Pause sends the paused view and has the next Play's first batch trained in the background: the Play run
    trains nothing and sends the same snapshots it would have trained. A keep moved after Pause is another run:
    that Play trains its own batch with the new keep."""
    tp.shared_batches.clear()
    at = _run()
    _play(at, 0)
    _need(at)
    step = _step(at) - S * 7  # a step the browser shows: inside the batch just sent
    at.session_state[tp.PLAYING] = False
    at.session_state[tp.ASKED] = ("pause", step)
    at.session_state[tp.LIVE] = tp.kept_run(at.session_state[tp.KEPT], at.session_state[tp.LIVE], step)
    at.run()
    assert not at.exception and _step(at) == step and _batch(at)["flags"] == pg.FLAG_RESET
    shared = tp.shared_batches()
    assert shared.idle(60)
    live, view = at.session_state[tp.LIVE], at.session_state[tp.GEOMETRY][1]
    n = pg.first_batch_frames(S)
    hps = at.session_state[tp.BEGUN][3]
    ahead = shared.done(live, hps, view, n, S)
    assert ahead is not None  # trained while paused
    calls = []
    real = pg.play_batch
    monkeypatch.setattr(pg, "play_batch", lambda *a, **k: calls.append(1) or real(*a, **k))
    _play(at, step)
    batch = _batch(at)
    assert calls == [] and [s["step"] for s in batch["snapshots"]] == ahead.steps
    assert batch["snapshots"][0]["step"] == step + S and _step(at) == step + S * n
    _need(at)  # the view asks for the next batch as the first arrives: trained ahead too
    assert calls == [] and _batch(at)["snapshots"][0]["step"] == step + S * (n + 1)
    assert _step(at) == step + S * (n + pg.batch_frames(S))
    # Pause again, move the keep while paused: the batches trained ahead are not the ones Play needs.
    at.session_state[tp.PLAYING] = False
    at.session_state[tp.ASKED] = ("pause", _step(at))
    at.run()
    assert shared.idle(60) and calls == [1, 1]  # trained ahead, with keep 0.5
    at.slider(key="t_keep_h").set_value(0.2).run()
    _play(at, _step(at))
    assert calls == [1, 1, 1] and _batch(at)["meta"]["names"][1] == "dropout q=0.2"


def test_pause_sends_the_step_shown_without_training_and_play_goes_on_from_it(monkeypatch):
    """Pause (_on_view_event -> _pause_at) leaves the run at the step shown pending (experiment.PendingRun): the
    Pause's own run sends that step's view from the kept batch, training nothing in the script thread; the server's
    worker rebuilds the run and trains Play's first batch; Play goes on from the step shown, as stepping would."""
    import threading
    tp.shared_batches.clear()
    at = _run()
    _play(at, 0)
    _need(at)
    step = _step(at) - S * 9  # inside the batch just sent
    batch, k = tp._kept_at(at.session_state[tp.KEPT], at.session_state[tp.LIVE], step)
    at.session_state[tp.PLAYING] = False
    at.session_state[tp.ASKED] = ("pause", step)
    at.session_state[tp.PAUSED] = pg.PendingRun(batch, k)  # what _pause_at does
    trained = []
    real_replay, real_batch = pg.replay, pg.play_batch
    monkeypatch.setattr(pg, "replay", lambda *a: trained.append(("replay", threading.current_thread().name))
                        or real_replay(*a))
    monkeypatch.setattr(pg, "play_batch", lambda *a: trained.append(("batch", threading.current_thread().name))
                        or real_batch(*a))
    at.run()
    assert not at.exception
    paused = _batch(at)
    assert paused["flags"] == pg.FLAG_RESET and [s["step"] for s in paused["snapshots"]] == [step]
    assert paused["history_steps"][-1] == step
    assert tp.shared_batches().idle(60)
    # None in the script thread: the worker rebuilt the run, then trained Play's first batch and the one after.
    assert trained == [("replay", "dlab-prefetch"), ("batch", "dlab-prefetch"), ("batch", "dlab-prefetch")]
    again = real_replay(batch, k)  # the same run, rebuilt by stepping through the batch again, and drawn anew
    geometry = at.session_state[tp.GEOMETRY][1]
    drawn = pg.encode_batch(geometry, again, [pg.snapshot_record(again, pg.grid_codes(again, geometry))],
                            seq=paused["seq"], speed=S, playing=False, reset=True, meta=paused["meta"])
    (view,) = at.get("bidi_component")
    assert view.proto.bytes == drawn
    # A download while paused saves the run at the step shown (its weights rebuilt), not the batch's end.
    saved = pg.load_models(tp._export_json(at.session_state[tp.EXPORT]))
    assert saved.steps == step
    stacked = jax.device_get(again.state.params)
    assert all(np.allclose(w, sw[m]) and np.allclose(b, sb[m])
               for m, model in enumerate(saved.params) for (w, b), (sw, sb) in zip(model, stacked))
    _play(at, step)
    assert tp.PAUSED not in at.session_state and pg.step_of(at.session_state[tp.LIVE]) == step + S * pg.first_batch_frames(S)
    played = _batch(at)
    expected = real_batch(again, at.session_state[tp.BEGUN][3], at.session_state[tp.GEOMETRY][1],
                          pg.first_batch_frames(S), S)
    assert [s["step"] for s in played["snapshots"]] == expected.steps and expected.steps[0] == step + S
    assert all(np.array_equal(x["grid"], y["grid"]) and np.array_equal(x["metrics"], y["metrics"], equal_nan=True)
               for x, y in zip(played["snapshots"], pg.decode_batch(pg.encode_batch(
                   geometry, again, expected.records, seq=1, speed=S, playing=True, reset=False, meta={}))["snapshots"]))
    _need(at)
    assert len(trained) == 3  # Play's run and the next request found their batches trained: nothing more


def test_reset_and_step_while_a_paused_run_is_pending(monkeypatch):
    """Reset needs no rebuilt weights (the initial ones are kept): the pending run is dropped untrained. Step
    rebuilds it first and steps from the step shown."""
    at = _run()
    _play(at, 0)
    _need(at)
    step = _step(at) - S * 5

    def pause():
        batch, k = tp._kept_at(at.session_state[tp.KEPT], at.session_state[tp.LIVE], step)
        at.session_state[tp.PLAYING] = False
        at.session_state[tp.PAUSED] = pg.PendingRun(batch, k)  # what _pause_at does (no ASKED: nothing ahead)
        at.run()
        assert not at.exception and _step(at) == step

    pause()
    calls = []
    real = pg.replay
    monkeypatch.setattr(pg, "replay", lambda *a: calls.append(a[1]) or real(*a))
    _click(at, "t_reset")
    assert _step(at) == 0 and tp.PAUSED not in at.session_state and calls == []
    _play(at, 0)
    _need(at)
    step = _step(at) - S * 5
    pause()
    _click(at, "t_step")
    assert _step(at) == step + S and tp.PAUSED not in at.session_state and len(calls) == 1


def test_third_model_and_data_sets():
    at = _run()
    at.toggle(key="t_third").set_value(True).run()
    assert not at.exception
    batch = _batch(at)
    assert batch["models"] == 3 and batch["meta"]["names"][2] == "dropout q=0.8"
    at.selectbox(key="t_data").set_value("sine").run()  # loads the settings tuned for the sine
    assert not at.exception
    assert at.number_input(key="t_ntrain").value == 20 and at.slider(key="t_width").value == 64
    _click(at, "t_step")
    batch = _batch(at)
    assert batch["kind"] == pg.KIND_CURVE and batch["models"] == 3 and batch["width"] == pg.CURVE_RESOLUTION
    at.selectbox(key="t_data").set_value("digits").run()
    assert not at.exception
    assert at.slider(key="t_keep_in").value == 0.8
    _click(at, "t_step")
    charts = _charts(at)
    assert _batch(at)["kind"] == pg.KIND_NONE
    assert charts[0]["data"][0]["meta"] == "digits" and any(f"wrong at step {S}" in m.value for m in at.markdown)


def test_limits_are_refused_with_a_message():
    at = _run(t_width="100", t_layers="9")
    notices = " ".join(w.value for w in at.warning)
    assert "t_width=100" in notices and "t_layers=9" in notices
    assert at.slider(key="t_width").value == 32 and at.slider(key="t_layers").value == 2
    at.selectbox(key="t_data").set_value("digits").run()
    at.number_input(key="t_ntrain").set_value(1000).run()
    at.slider(key="t_share").set_value(0.9).run()
    assert not at.exception
    assert any("at most 1797" in e.value for e in at.error)
    assert not at.get("plotly_chart") and not at.get("bidi_component")  # nothing trained on data that cannot exist


def test_a_diverging_learning_rate_pauses_with_a_message_and_a_reset():
    at = _run(t_data="Noisy sine", t_opt="SGD", t_lr="10")
    assert at.selectbox(key="t_lr").value == 10.0
    _play(at, 0)
    assert any("Training diverged" in e.value for e in at.error)
    assert not at.session_state[tp.PLAYING] and _batch(at)["flags"] & pg.FLAG_DIVERGED
    assert not _batch(at)["flags"] & pg.FLAG_PLAYING
    _click(at, "t_reset_diverged")
    assert not at.error and _step(at) == 0


def test_sweeps_run_once_per_settings_and_show_their_figures():
    at = _run(t_sw_seeds="1", t_sw_steps="1,000")
    assert at.selectbox(key="t_sw_steps").value == 1000
    _click(at, "t_sw_keep")
    band = _charts(at)[0]
    assert [t["meta"] for t in band["data"]] == ["band", "line"] and len(_array(band["data"][1]["x"])) == 10
    assert any("lowest mean error" in c.value for c in at.caption)
    _click(at, "t_sw_size")
    heat = _charts(at)[1]["data"][0]
    assert heat["meta"] == "gain" and len(heat["y"]) == 5 and len(heat["x"]) == 6
    at.slider(key="t_keep_in").set_value(0.9).run()  # other settings: the old results stay, marked as old
    assert sum("earlier settings" in c.value for c in at.caption) == 2


def _stop_at(monkeypatch, kind: str, at_chunk: int, seen: list):
    """Makes the sweep's progress bar press Stop at chunk ``at_chunk``, as a click during the run does: the
    button's callback runs and the script reruns (the browser's click interrupts at the next bar update)."""
    import streamlit as st

    from dropout_viz.lessons.live_training import view as training_page
    from dropout_viz.ui import progress

    real_bar = progress.bar

    def bar(*a, **k):
        report, clear = real_bar(*a, **k)

        def on_progress(done, total):
            report(done, total)
            seen.append((done, total, progress.stop_key(training_page.SWEEP_TASKS[kind]) in st.session_state))
            if done == at_chunk:
                progress._stop(training_page.SWEEP_TASKS[kind], training_page.forget_sweep, (kind,))
                st.rerun()
        return on_progress, clear

    monkeypatch.setattr(progress, "bar", bar)


def test_a_sweep_shows_progress_and_stop_leaves_the_page_usable(monkeypatch):
    at = _run(t_sw_seeds="1", t_sw_steps="1,000", t_layers="1", t_width="4")
    n_charts = len(_charts(at))
    seen = []
    _stop_at(monkeypatch, "keep", 3, seen)
    _click(at, "t_sw_keep")
    # The bar was updated after every chunk with the right total, the Stop button on the page meanwhile.
    assert [s[:2] for s in seen] == [(i, 1000 // 50) for i in range(1, 4)] and all(s[2] for s in seen)
    notice = " | ".join(i.value for i in at.info)
    assert "Stopped: the keep sweep after 150 of 1,000" in notice and "No result is shown" in notice
    assert len(_charts(at)) == n_charts  # no sweep figure, the live figures still there
    assert at.slider(key="t_sw_seeds").value == 1 and at.selectbox(key="t_sw_steps").value == 1000
    assert at.slider(key="t_width").value == 4
    assert not any(b.key and b.key.endswith("_stop") for b in at.button)  # no Stop left once stopped
    monkeypatch.undo()
    at.slider(key="t_keep_h").set_value(0.6).run()  # a control still works; the notice stays until Run
    assert not at.exception and any("Stopped" in i.value for i in at.info)
    _click(at, "t_sw_keep")  # pressing Run starts again, and this time it finishes
    assert not any("Stopped" in i.value for i in at.info)
    assert len(_charts(at)) == n_charts + 1 and any("lowest mean error" in c.value for c in at.caption)


# ---------------------------------------------------------------- your CSV, saving and loading, Chinese

def _csv_bytes(n=60, seed=0) -> bytes:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(n, 2))
    rows = "".join(f"{a:.4f},{b:.4f},{'red' if a * b > 0 else 'blue'}\n" for a, b in x)
    return ("x1,x2,label\n" + rows).encode()


def _upload(at, key, name, data, mime="text/csv"):
    at.file_uploader(key=key).set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def _texts(elements) -> str:
    """The messages' text as the reader sees it: outside text is sent as character references, with an invisible
    word joiner (U+2060) before ':', '.' and '@' (ui.widgets.plain); decode those and drop the joiners."""
    return html.unescape(" | ".join(e.value for e in elements)).replace("\u2060", "")


def test_your_csv_without_points_says_so_and_bad_files_get_a_message():
    at = _run(t_data="Your CSV")
    assert at.selectbox(key="t_data").value == "csv"
    assert "no points are loaded yet" in _texts(at.info) and not at.get("plotly_chart")
    assert at.file_uploader(key="t_csv_file").allowed_type == [".csv"]
    cases = [
        (b"x1,x2,class\n1,2,a\n", "missing column(s): label"),
        (b"x1,x2,label\n" + b"1,2,a\n" * 15 + b"1,zwei,b\n", "row 17: x2 = 'zwei' is not a number"),
        (b"x1,x2,label\n" + b"1,2,a\n3,4,b\n" * 10 + b"nan,1,a\n", "NaN and infinity are not allowed"),
        (b"x1,x2,label\n" + b"1,2,a\n3,4,b\n5,6,c\n" * 10, "too many classes: label takes 3 distinct values"),
        (b"x1,x2,label\n" + b"1,2,a\n3,4,b\n" * 6, "too few points: got 12, this page needs at least 20"),
    ]
    for data, words in cases:
        _upload(at, "t_csv_file", "bad.csv", data)
        errors = _texts(at.error)
        assert "**bad.csv** cannot be used" in errors and words in errors, errors
        assert "no points are loaded yet" in _texts(at.info)  # nothing was taken from the bad file


def test_an_uploaded_csv_is_trained_on_and_a_bad_one_keeps_it():
    at = _run(t_data="Your CSV")
    _upload(at, "t_csv_file", "mine.csv", _csv_bytes(60))
    assert "Read 60 points from **mine.csv**" in _texts(at.success) and not at.info
    assert at.number_input(key="t_ntrain").value == 30  # all 60 points at test share 0.5
    first = _surfaces(at)
    assert len(first) == 2
    live = at.session_state["t_live"]
    x, _ = datasets.parse_points_csv(_csv_bytes(60))
    used = np.concatenate([np.asarray(live.data.x_train), np.asarray(live.data.x_test)])
    np.testing.assert_array_equal(np.sort(used, axis=0), np.sort(x, axis=0))  # trained on exactly those points
    _click(at, "t_step")
    assert _step(at) == S and not _same(_surfaces(at), first)
    _upload(at, "t_csv_file", "broken.csv", b"x1,x2,label\n1,inf,a\n")
    assert "The previous points stay in use" in _texts(at.error)
    assert _step(at) == S and len(_surfaces(at)) == 2  # the run on mine.csv goes on
    assert "mine.csv" in _texts(at.caption)


def _export(at) -> str:
    """What the download button serves when clicked (AppTest has no server to fetch it from)."""
    from dropout_viz.lessons.live_training import view as tp
    return tp._export_json(at.session_state["t_export"])


def test_models_download_as_json_and_load_back_with_their_settings():
    at = _run(t_data="Circles", t_third="true", t_keep3="0.3", t_lr="0.01", t_seed="7", t_speed="50")
    assert at.get("download_button")[0].label == "Download models (JSON)"
    _click(at, "t_step")
    _click(at, "t_step")
    metrics = _batch(at)["snapshots"][-1]["metrics"]
    saved = _export(at)
    doc = json.loads(saved)
    assert doc["steps"] == 100 and doc["seed"] == 7 and len(doc["models"]) == 3
    assert [m["keep"] for m in doc["models"]] == [[1.0, 1.0, 1.0], [1.0, 0.5, 0.5], [1.0, 0.3, 0.3]]
    assert doc["settings"]["dataset"] == "circles" and doc["settings"]["lr"] == 0.01

    fresh = _run()  # another session with the defaults: the file brings its settings and weights
    _upload(fresh, "t_model_file", "run.json", saved.encode(), "application/json")
    assert "Loaded 3 models from **run.json** at step 100" in _texts(fresh.success)
    assert fresh.selectbox(key="t_data").value == "circles" and fresh.toggle(key="t_third").value
    assert fresh.slider(key="t_keep3").value == 0.3 and fresh.selectbox(key="t_lr").value == 0.01
    assert fresh.number_input(key="t_seed").value == 7
    assert _step(fresh) == 100
    np.testing.assert_allclose(_batch(fresh)["snapshots"][-1]["metrics"], metrics, rtol=1e-6)  # same test metrics
    _click(fresh, "t_step")
    assert _step(fresh) == 100 + S  # training goes on from the loaded weights (at this session's speed)

    # A bad file changes nothing and says what is wrong.
    before = (_step(fresh), _surfaces(fresh))
    bad = json.loads(saved)
    bad["models"][1]["layers"][0]["W"] = [[1.0]]
    _upload(fresh, "t_model_file", "edited.json", json.dumps(bad).encode(), "application/json")
    errors = _texts(fresh.error)
    assert "**edited.json** cannot be loaded" in errors and "models[1].layers[0].W must have shape" in errors
    assert "Nothing was changed" in errors
    assert _step(fresh) == before[0] and _same(_surfaces(fresh), before[1])
    _upload(fresh, "t_model_file", "pickle.json", b"\x80\x04\x95\x00", "application/json")
    assert "not UTF-8 text" in _texts(fresh.error) and _step(fresh) == before[0]


def test_a_model_file_with_uploaded_points_brings_them_along():
    at = _run(t_data="Your CSV")
    _upload(at, "t_csv_file", "mine.csv", _csv_bytes(40, seed=3))
    _click(at, "t_step")
    saved = _export(at)
    surfaces = _surfaces(at)
    fresh = _run()
    _upload(fresh, "t_model_file", "with_points.json", saved.encode(), "application/json")
    assert fresh.selectbox(key="t_data").value == "csv" and _step(fresh) == S
    assert "40 points taken from the model file" in _texts(fresh.success)
    assert _same(_surfaces(fresh), surfaces)  # the same weights on the same points: the same surfaces


def test_new_seed_after_the_last_seed_wraps_to_the_first_in_the_widget_and_the_link():
    at = _run(t_seed="10000")
    assert at.number_input(key="t_seed").value == 10_000
    _click(at, "t_newseed")
    assert at.number_input(key="t_seed").value == 0
    assert _link(at, "t_seed") in (None, "0")  # the default seed may leave the link
    _click(at, "t_newseed")
    assert at.number_input(key="t_seed").value == 1 and _link(at, "t_seed") == "1"


def _link(at, key):
    """The link's value for key after the run (the last one if repeated), or None."""
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) and value else value


HOSTILE_SOURCE = "Shared by your lecturer: https://evil.example/login [Log in](https://evil.example) `x`"


def _shown(at) -> str:
    """The markdown of every message and caption the page sends (what a browser would render)."""
    return " | ".join(e.value for e in [*at.success, *at.error, *at.caption])


def test_text_from_uploads_is_shown_as_plain_text():
    at = _run(t_data="Your CSV")
    _upload(at, "t_csv_file", "[Log in](https://evil.example) `a`.csv", _csv_bytes(40, seed=3))
    shown = _shown(at)
    assert "Read 40 points from **" in shown
    assert "](" not in shown and "https://" not in shown and "`" not in shown and "\\" not in shown, shown
    assert "[Log in](https://evil.example) `a`.csv" in _texts(at.success)  # the reader sees the name as it is

    doc = json.loads(_export(at))
    doc["settings"]["points_source"] = HOSTILE_SOURCE
    fresh = _run()
    # A byte-order mark, as some editors write, is accepted as it is in a CSV.
    _upload(fresh, "t_model_file", "https://evil.example/run.json", b"\xef\xbb\xbf" + json.dumps(doc).encode(),
            "application/json")
    assert "Loaded 2 models from **" in _texts(fresh.success) and fresh.selectbox(key="t_data").value == "csv"
    shown = _shown(fresh)
    assert "](" not in shown and "https://" not in shown and "`" not in shown, shown
    assert HOSTILE_SOURCE[:60] in _texts(fresh.caption)  # quoted as plain text, cut at 60 characters

    doc["settings"]["dataset"] = "https://evil.example/" + "x" * 200
    _upload(fresh, "t_model_file", "bad.json", json.dumps(doc).encode(), "application/json")
    errors = [e.value for e in fresh.error]
    assert errors and all("](" not in e and "https://" not in e for e in errors), errors
    assert "x" * 61 not in _texts(fresh.error)  # the library quotes at most 60 characters of the input


def test_extreme_coordinates_are_scaled_into_the_box():
    at = _run(t_data="Your CSV")
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(40, 2))
    rows = "".join(f"{a * 1e308!r},{b * 1e308!r},{int(a * b > 0)}\n" for a, b in x.tolist())
    _upload(at, "t_csv_file", "huge.csv", ("x1,x2,label\n" + rows).encode())
    assert "Read 40 points" in _texts(at.success)
    points = at.session_state["t_csv_points"]
    assert len(np.unique(points.x, axis=0)) == 40 and np.abs(points.x).max() == 1.5
    np.testing.assert_allclose(points.x, datasets.parse_points_csv(_csv_like(x))[0], atol=1e-6)


def _csv_like(x) -> bytes:
    return ("x1,x2,label\n" + "".join(f"{a!r},{b!r},{int(a * b > 0)}\n" for a, b in x.tolist())).encode()


def test_the_page_in_chinese():
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params["lang"] = "中文"
    at.run()
    assert not at.exception, at.exception
    assert "实时训练" in at.title[0].value and "同一个网络" in at.markdown[0].value
    meta = _batch(at)["meta"]
    assert meta["labels"]["play"] == "播放" and meta["labels"]["trainStep"] == "训练步数"
    assert at.get("download_button")[0].label == "下载模型（JSON）"
    assert any("看点" in c.value for c in at.caption)
    assert meta["labels"]["accuracy"].startswith("准确率") and at.selectbox(key=tp.SPEED).label == "每帧步数"
    _click(at, "t_step")
    assert _step(at) == S
    at.selectbox(key="t_data").set_value("csv").run()
    assert not at.exception and "还没有载入任何点" in _texts(at.info)
    _upload(at, "t_csv_file", "bad.csv", b"x1,x2\n1,2\n")
    assert "无法使用 **bad.csv**" in _texts(at.error)


def test_the_chinese_page_shows_no_english_sentence_of_its_catalog():
    """Every message of the lesson's catalog longer than 20 characters is translated where it is shown: the page,
    the live view's labels and both sweeps (with their figures); the numbers are those of the English page."""
    params = dict(t_sw_seeds="1", t_sw_steps="1,000")
    zh = _run(lang="中文", **params)
    en = _run(**params)
    for at in (zh, en):
        _click(at, "t_step")
        _click(at, "t_sw_keep")
        _click(at, "t_sw_size")
    assert not untranslated(zh, "live_training")
    meta = _batch(zh)["meta"]
    long_ids = set(msgids("live_training"))
    assert not [v for v in meta["labels"].values() if isinstance(v, str) and v in long_ids]
    assert meta["names"] == ["无 dropout", "dropout q=0.5"] and meta["colors"] == _batch(en)["meta"]["colors"]
    np.testing.assert_array_equal(_batch(zh)["snapshots"][-1]["metrics"], _batch(en)["snapshots"][-1]["metrics"])
    for a, b in zip(_charts(zh), _charts(en)):
        np.testing.assert_array_equal(_array(a["data"][0]["z"] if "z" in a["data"][0] else a["data"][-1]["y"]),
                                      _array(b["data"][0]["z"] if "z" in b["data"][0] else b["data"][-1]["y"]))


def test_a_repeated_request_gets_the_same_batch_without_training_it_again():
    """The view asks again when a batch comes late (or a run answering it was stopped for another rerun): the
    server sends the batch it already made for that step, and the next request continues after it."""
    at = _run()
    _play(at, 0)
    n = pg.batch_frames(S)
    asked = _step(at)
    _need(at)
    first = _batch(at)
    assert first["snapshots"][0]["step"] == asked + S and _step(at) == asked + S * n
    at.session_state[tp.ASKED] = ("need", asked)  # the same request again
    at.run()
    assert not at.exception and tp.ASKED not in at.session_state
    again = _batch(at)
    assert again["seq"] == first["seq"] and _step(at) == asked + S * n
    assert [s["step"] for s in again["snapshots"]] == [s["step"] for s in first["snapshots"]]
    _need(at)
    assert _batch(at)["seq"] == first["seq"] + 1 and _batch(at)["snapshots"][0]["step"] == asked + S * (n + 1)


def test_a_class_playing_the_same_run_trains_each_batch_once(monkeypatch):
    """Two students open the same link and press Play: the server trains the batch once and both get it; each
    stays its own run (another keep goes its own way, Reset goes back to its own start)."""
    tp.shared_batches.clear()
    calls = []
    real = pg.play_batch
    monkeypatch.setattr(pg, "play_batch", lambda *a, **k: calls.append(1) or real(*a, **k))
    first, second = _run(), _run()
    shown = _surfaces(second)
    _play(first, 0)
    _play(second, 0)
    assert len(calls) == 1
    a, b = _batch(first), _batch(second)
    assert [s["step"] for s in a["snapshots"]] == [s["step"] for s in b["snapshots"]]
    assert all(np.array_equal(x["grid"], y["grid"]) and np.array_equal(x["metrics"], y["metrics"], equal_nan=True)
               for x, y in zip(a["snapshots"], b["snapshots"]))
    second.slider(key="t_keep_h").set_value(0.2).run()
    _need(second)
    _need(first)
    assert len(calls) == 3  # the second student's keep made another run: nothing more to share
    assert _batch(second)["meta"]["names"][1] == "dropout q=0.2" and _batch(first)["meta"]["names"][1] == "dropout q=0.5"
    second.session_state[tp.PLAYING] = False
    _click(second, "t_reset")
    assert _step(second) == 0 and np.array_equal(_surfaces(second), shown)



def test_a_batch_trained_by_a_run_stopped_for_a_page_run_is_sent_by_that_page_run(monkeypatch):
    """The view asks for the next batch; the run answering it trains the batch and is stopped before sending it,
    because a value moved meanwhile (Streamlit stops a run at its next session-state access when another rerun
    waits). The page run that follows sends that batch, with the names of the values it was trained with, instead
    of training another from the same step; the new value starts with the next batch."""
    at = _run()
    _play(at, 0)
    n = pg.batch_frames(S)
    live, begun, view = at.session_state[tp.LIVE], at.session_state[tp.BEGUN], at.session_state[tp.GEOMETRY][1]
    start = pg.step_of(live)
    trained = tp.shared_batches().play_batch(live, begun[3], view, n, S)  # what the stopped run trained
    at.session_state[tp.BEGUN] = (start, n, S, begun[3], begun[4])
    at.session_state[tp.ASKED] = ("need", start)
    calls = []
    real = pg.play_batch
    monkeypatch.setattr(pg, "play_batch", lambda *a, **k: calls.append(1) or real(*a, **k))
    at.slider(key="t_keep_h").set_value(0.2).run()
    assert not at.exception and calls == []
    batch = _batch(at)
    assert [s["step"] for s in batch["snapshots"]] == trained.steps and batch["meta"]["names"][1] == "dropout q=0.5"
    assert _step(at) == start + S * n and tp.ASKED not in at.session_state
    _need(at)
    assert calls == [1] and _batch(at)["meta"]["names"][1] == "dropout q=0.2"
    assert _batch(at)["snapshots"][0]["step"] == start + S * (n + 1)
