"""The live-training page under AppTest: transport, values while playing, data sets, limits, divergence, sweeps.

AppTest does not tick the play loop's timer: while playing, every at.run() is one frame (one chunk).
"""
import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "2_Live_training.py")


def _run(**params):
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _step(at) -> int:
    return int(at.metric[0].value.replace(",", ""))


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _array(v) -> np.ndarray:
    """A Plotly JSON array: a list, or plotly.py's base64 typed array {dtype, bdata, shape}."""
    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if "shape" in v else a
    return np.asarray(v, dtype=float)


def _surfaces(at):
    return [_array(t["z"]) for t in _charts(at)[0]["data"] if t.get("meta") == "surface"]


def _same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


def _curve(at, meta):
    """x and y of the curves chart's trace tagged meta, e.g. '0|test_loss'."""
    (tr,) = [t for t in _charts(at)[1]["data"] if t.get("meta") == meta]
    return _array(tr["x"]), _array(tr["y"])


def _click(at, key):
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def test_transport_steps_resets_and_reseeds():
    at = _run()
    assert _step(at) == 0 and [m.value for m in at.metric[1:]] == ["–", "–"]
    first = _surfaces(at)
    assert len(first) == 2 and len(_charts(at)) == 2  # surfaces (+ mask) and curves: no sweep yet
    _click(at, "t_step")
    assert _step(at) == 50
    assert "right" in at.metric[1].value and "gap to train" in at.metric[1].delta
    assert not _same(_surfaces(at), first)
    _click(at, "t_reset")
    assert _step(at) == 0 and _same(_surfaces(at), first)  # the same initial weights
    _click(at, "t_newseed")
    assert at.number_input(key="t_seed").value == 1 and _step(at) == 0
    assert not _same(_surfaces(at), first)


def test_play_trains_a_chunk_per_frame_and_values_change_without_reset():
    at = _run()
    _click(at, "t_play")
    assert at.button(key="t_play").label == "Pause" and _step(at) == 50
    at.run()
    at.run()
    assert _step(at) == 150
    x, y = _curve(at, "1|test_loss")
    assert len(x) == len(y) == 15  # five evaluations per chunk
    before = at.metric[2].value
    at.slider(key="t_keep_h").set_value(0.2).run()  # the next frame uses the new keep on the trained weights
    assert not at.exception
    assert _step(at) == 200 and at.metric[2].label == "dropout q=0.2"
    at.selectbox(key="t_lr").set_value(0.01).run()
    at.selectbox(key="t_l2").set_value(0.001).run()
    assert _step(at) == 300 and at.metric[2].value != before
    assert len(_curve(at, "1|test_loss")[0]) == 30  # the curves kept growing: no reset
    _click(at, "t_play")
    assert at.button(key="t_play").label == "Play"
    steps = _step(at)
    at.run()
    assert _step(at) == steps  # paused: a rerun trains nothing


def test_third_model_and_data_sets():
    at = _run()
    at.toggle(key="t_third").set_value(True).run()
    assert not at.exception
    assert len(_surfaces(at)) == 3 and len(at.metric) == 4 and at.metric[3].label == "dropout q=0.8"
    at.selectbox(key="t_data").set_value("sine").run()  # loads the settings tuned for the sine
    assert not at.exception
    assert at.number_input(key="t_ntrain").value == 20 and at.slider(key="t_width").value == 64
    _click(at, "t_step")
    fits = _charts(at)[0]["data"]
    assert [t["meta"] for t in fits].count("curve") == 3
    at.selectbox(key="t_data").set_value("digits").run()
    assert not at.exception
    assert at.slider(key="t_keep_in").value == 0.8
    _click(at, "t_step")
    charts = _charts(at)
    assert charts[0]["data"][0]["meta"] == "digits" and any("wrong at step 50" in m.value for m in at.markdown)


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
    assert not at.get("plotly_chart")  # nothing is trained on data that cannot exist


def test_a_diverging_learning_rate_pauses_with_a_message_and_a_reset():
    at = _run(t_data="Noisy sine", t_opt="SGD", t_lr="10")
    assert at.selectbox(key="t_lr").value == 10.0
    _click(at, "t_play")
    assert any("Training diverged" in e.value for e in at.error)
    assert at.button(key="t_play").label == "Play" and _step(at) == 0
    _click(at, "t_reset_diverged")
    assert not at.error and _step(at) == 0


def test_sweeps_run_once_per_settings_and_show_their_figures():
    at = _run(t_sw_seeds="1", t_sw_steps="1,000")
    assert at.selectbox(key="t_sw_steps").value == 1000
    _click(at, "t_sw_keep")
    band = _charts(at)[2]
    assert [t["meta"] for t in band["data"]] == ["band", "line"] and len(_array(band["data"][1]["x"])) == 10
    assert any("lowest mean error" in c.value for c in at.caption)
    _click(at, "t_sw_size")
    heat = _charts(at)[3]["data"][0]
    assert heat["meta"] == "gain" and len(heat["y"]) == 5 and len(heat["x"]) == 6
    at.slider(key="t_keep_in").set_value(0.9).run()  # other settings: the old results stay, marked as old
    assert sum("earlier settings" in c.value for c in at.caption) == 2
