"""The load test's protocol client and report, without a server: BackMsgs as the front end builds them, the page
model fed with hand-made ForwardMsgs (Streamlit's own protobuf classes), and the report's statistics and targets."""
from __future__ import annotations

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from loadtest import protocol as sp
from loadtest import report as rep

MAIN, SIDEBAR = 0, 1


# --- ForwardMsgs as the server sends them -----------------------------------------------------------------

def new_session(page_hash="home", fragments=()):
    msg = ForwardMsg()
    msg.new_session.page_script_hash = page_hash
    msg.new_session.main_script_hash = "home"
    msg.new_session.initialize.session_id = "s-1"
    msg.metadata.run.script_run_id = "run"
    msg.metadata.run.fragment_ids.extend(fragments)
    return msg


def block(path, fragment=""):
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.add_block.vertical.SetInParent()
    msg.delta.fragment_id = fragment
    return msg


def slider(path, key, label, *, default=0.5, lo=0.05, hi=1.0, step=0.05, value=None, fragment=""):
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    s = msg.delta.new_element.slider
    s.id, s.label, s.min, s.max, s.step = f"$$ID-{hash(label) & 0xffff:x}-{key}", label, lo, hi, step
    s.default.append(default)
    if value is not None:
        s.value.append(value)
        s.set_value = True
    msg.delta.fragment_id = fragment
    return msg


def button(path, key, label):
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.new_element.button.id = f"$$ID-0abc-{key}"
    msg.delta.new_element.button.label = label
    return msg


def chart(path, key, spec, fragment=""):
    """A Plotly chart: like Streamlit, its element id hashes the figure, so it changes with the figure."""
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.new_element.plotly_chart.id = f"$$ID-{abs(hash(spec)) % 10**8}-{key}"
    msg.delta.new_element.plotly_chart.spec = spec
    msg.delta.fragment_id = fragment
    return msg


def markdown(path, body, fragment=""):
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.new_element.markdown.body = body
    msg.delta.fragment_id = fragment
    return msg


def finished(status=sp.FINISHED):
    msg = ForwardMsg()
    msg.script_finished = status
    return msg


def auto_rerun(fragment, interval):
    msg = ForwardMsg()
    msg.auto_rerun.fragment_id = fragment
    msg.auto_rerun.interval = interval
    return msg


def navigation(*pages):
    msg = ForwardMsg()
    for name, url, h in pages:
        p = msg.navigation.app_pages.add()
        p.page_name, p.url_pathname, p.page_script_hash = name, url, h
    return msg


def feed(page, *msgs, now=0.0):
    results = [page.apply(m, now=now) for m in msgs]
    return [r for r in results if r is not None]


def home_run(page, spec="fig-a", keep=None):
    return feed(page, new_session("home"), navigation(("app", "", "home"), ("Live training", "Live_training", "t")),
                block([MAIN, 0]), slider([MAIN, 0, 0], "keep_hidden", "Keep q", value=keep),
                button([MAIN, 0, 1], "draw", "Sample"), chart([MAIN, 1], "home_network", spec),
                markdown([SIDEBAR, 0], "menu"), finished())[-1]


# --- BackMsg ----------------------------------------------------------------------------------------------

def test_rerun_request_carries_page_query_widgets_and_fragment():
    states = [sp.slider_state("$$ID-1-keep", 0.2), sp.slider_state("$$ID-2-range", (0.1, 0.4)),
              sp.trigger_state("$$ID-3-play")]
    msg = sp.rerun_request(page_script_hash="abc", query_string="keep=0.2", widget_states=states,
                           fragment_id="frag", is_auto_rerun=True)
    back = BackMsg.FromString(msg.SerializeToString())  # what the server parses
    assert back.WhichOneof("type") == "rerun_script"
    cs = back.rerun_script
    assert (cs.page_script_hash, cs.query_string, cs.fragment_id, cs.is_auto_rerun) == ("abc", "keep=0.2", "frag", True)
    widgets = {w.id: w for w in cs.widget_states.widgets}
    assert list(widgets["$$ID-1-keep"].double_array_value.data) == [0.2]
    assert list(widgets["$$ID-2-range"].double_array_value.data) == [0.1, 0.4]
    assert widgets["$$ID-3-play"].WhichOneof("value") == "trigger_value" and widgets["$$ID-3-play"].trigger_value


def test_component_trigger_is_the_servers_trigger_widget():
    """A components-v2 event as the front end sends it: the aggregator widget the server registered, a JSON list
    of {event, value} that the server's deserializer reads back, in a rerun of the component's fragment."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.components.v2.bidi_component.serialization import deserialize_trigger_list

    cid = "$$ID-5f3a-t_view"
    assert sp.component_trigger_id(cid) == _make_trigger_id(cid, "events")
    state = sp.component_trigger_state(cid, ("need", {"seq": 4, "step": 1500}))
    msg = sp.rerun_request(page_script_hash="t", widget_states=[state], fragment_id="frag-live")
    back = BackMsg.FromString(msg.SerializeToString())
    (w,) = back.rerun_script.widget_states.widgets
    assert w.id == _make_trigger_id(cid, "events") and w.WhichOneof("value") == "json_trigger_value"
    assert deserialize_trigger_list(w.json_trigger_value) == [{"event": "need", "value": {"seq": 4, "step": 1500}}]
    assert back.rerun_script.fragment_id == "frag-live" and not back.rerun_script.is_auto_rerun
    two = sp.component_trigger_state(cid, ("pause", {"step": 3}), ("play", {"step": 3}))
    assert [p["event"] for p in deserialize_trigger_list(two.json_trigger_value)] == ["pause", "play"]
    with pytest.raises(ValueError, match="component_id"):
        sp.component_trigger_id("")
    with pytest.raises(ValueError, match="events"):
        sp.component_trigger_state(cid)


def component(path, key, data, fragment=""):
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    c = msg.delta.new_element.bidi_component
    c.id, c.component_name = f"$$ID-77aa-{key}", "dropout_viz.live_view"
    if isinstance(data, bytes):
        c.bytes = data
    else:
        c.json = data
    msg.delta.fragment_id = fragment
    return msg


def test_page_keeps_component_data_per_run_and_its_fragment():
    page = sp.Page()
    results = feed(page, new_session("t"), block([MAIN, 0], fragment="f1"),
                   component([MAIN, 0, 0], "t_view", b"batch-1", fragment="f1"), finished())
    cid = "$$ID-77aa-t_view"
    assert results[0].components == {cid: b"batch-1"} and page.components == {cid: b"batch-1"}
    w = page.widget_by_key("t_view")
    assert (w.kind, w.fragment_id, w.path) == ("bidi_component", "f1", (MAIN, 0, 0))
    msg = component([MAIN, 0, 0], "t_view", b"batch-2", fragment="f1")
    assert sp.component_payload(msg) == (cid, "f1", b"batch-2")
    assert sp.component_payload(markdown([MAIN, 1], "text")) is None and sp.component_payload(finished()) is None
    run = feed(page, new_session("t", fragments=("f1",)), msg, finished(sp.FINISHED_FRAGMENT))[0]
    assert run.fragment and run.components == {cid: b"batch-2"}
    assert feed(page, new_session("t"), block([MAIN, 0]), finished())[0].components == {}  # a run without it
    assert page.components == {} and page.widgets == {}  # ... removed it from the page
    assert sp.component_payload(component([MAIN, 0], "k", '{"a": 1}')) == ("$$ID-77aa-k", "", '{"a": 1}')
    feed(page, new_session("home"))  # another page: its components are gone
    assert page.components == {}


def test_plain_rerun_has_empty_widget_states_and_no_fragment():
    cs = sp.rerun_request(page_script_hash="").rerun_script
    assert cs.HasField("widget_states") and not cs.widget_states.widgets
    assert cs.fragment_id == "" and not cs.is_auto_rerun


def test_stream_url():
    assert sp.stream_url("http://127.0.0.1:8501/") == "ws://127.0.0.1:8501/_stcore/stream"
    assert sp.stream_url("https://lab.example/app") == "wss://lab.example/app/_stcore/stream"
    with pytest.raises(ValueError, match="base_url"):
        sp.stream_url("127.0.0.1:8501")


# --- the page model ---------------------------------------------------------------------------------------

def test_first_run_gives_widgets_pages_and_a_changed_figure():
    page = sp.Page()
    result = home_run(page)
    assert result.status == sp.FINISHED and not result.fragment
    assert result.changed_figures == {"home_network"} and result.figures == 1
    assert page.session_id == "s-1" and page.page_script_hash == "home"
    assert page.page_hash("Live training") == page.page_hash("Live_training") == "t"
    w = page.widget("Keep q", "slider")
    assert w.kind == "slider" and w.id.endswith("-keep_hidden") and w.path == (MAIN, 0, 0)
    assert page.widget_by_key("draw").kind == "button"
    assert page.markdown == ["menu"]
    with pytest.raises(KeyError, match="Keep q"):
        page.widget("No such slider")


def test_figure_change_is_tracked_by_the_charts_key_although_its_id_changes():
    page = sp.Page()
    home_run(page, "fig-a")
    assert home_run(page, "fig-a").changed_figures == set()
    assert home_run(page, "fig-b").changed_figures == {"home_network"}
    assert home_run(page, "fig-a").changed_figures == {"home_network"}  # back to an earlier figure: a change too


def test_bad_delta_path_is_caught_like_the_front_end():
    page = sp.Page()
    home_run(page)
    feed(page, new_session("home"))
    with pytest.raises(sp.ProtocolError) as err:
        page.apply(chart([MAIN, 7, 0], "x", "spec"))  # block 7 does not exist
    assert err.value.kind == "bad_delta_path" and "Bad delta path index 7" in str(err.value)
    with pytest.raises(sp.ProtocolError):
        page.apply(markdown([MAIN, 5], "skips indices 2-4"))
    page.apply(markdown([MAIN, 2], "one past the end is fine"))
    with pytest.raises(sp.ProtocolError):
        page.apply(markdown([MAIN, 0, 0, 1], "inside an element"))  # (MAIN, 0, 0) is a slider


def test_a_full_run_removes_what_it_did_not_draw():
    page = sp.Page()
    home_run(page)
    feed(page, new_session("home"), block([MAIN, 0]), chart([MAIN, 1], "home_network", "fig-a"), finished())
    assert page.widgets == {}  # the run drew no widgets inside block 0 this time
    assert page._exists((MAIN, 1)) and not page._exists((MAIN, 0, 0))
    assert not page._exists((SIDEBAR, 0))


def test_a_fragment_run_keeps_the_rest_of_the_page():
    page = sp.Page()
    feed(page, new_session("t"), block([MAIN, 0]), slider([MAIN, 0, 0], "t_keep_h", "Keep q"),
         block([MAIN, 1], fragment="f1"), chart([MAIN, 1, 0], "t_surfaces", "s0", fragment="f1"),
         markdown([MAIN, 1, 1], "old", fragment="f1"), auto_rerun("f1", 0.1), finished())
    assert page.auto_reruns == {"f1": pytest.approx(0.1)}
    result = feed(page, new_session("t", fragments=("f1",)), chart([MAIN, 1, 0], "t_surfaces", "s1", fragment="f1"),
                  finished(sp.FINISHED_FRAGMENT))[0]
    assert result.fragment and result.changed_figures == {"t_surfaces"}
    assert page.auto_reruns == {"f1": pytest.approx(0.1)}  # a fragment run keeps the timer
    assert page._exists((MAIN, 0, 0)) and "$$ID" in page.widget("Keep q").id  # outside the fragment: kept
    assert len(page.tree[MAIN].children[1].children) == 1  # inside: the stale markdown is gone
    feed(page, new_session("t"), finished())
    assert page.auto_reruns == {}  # a full run clears the fragment timers (the front end's cleanupAutoReruns)


def test_a_page_change_starts_the_tree_afresh_and_the_query_string_follows_the_server():
    page = sp.Page()
    home_run(page)
    info = ForwardMsg()
    info.page_info_changed.query_string = "keep_hidden=0.55"
    page.apply(info)
    assert page.query_string == "keep_hidden=0.55"
    feed(page, new_session("t"))
    assert page.widgets == {} and page.figures == {} and page.tree[MAIN].children == []
    page.apply(markdown([MAIN, 0], "first element of the new page"))


def test_compile_error_and_exceptions():
    page = sp.Page()
    feed(page, new_session("home"))
    exc = ForwardMsg()
    exc.metadata.delta_path.extend([MAIN, 0])
    exc.delta.new_element.exception.type = "ValueError"
    exc.delta.new_element.exception.message = "keep must be in (0, 1]"
    page.apply(exc)
    assert page.exceptions == ["ValueError: keep must be in (0, 1]"]
    with pytest.raises(sp.ProtocolError, match="compile"):
        page.apply(finished(sp.FINISHED_COMPILE_ERROR))


def test_slider_value_and_step():
    page = sp.Page()
    home_run(page)
    w = page.widget("Keep q")
    assert sp.slider_value(w) == 0.5
    assert sp.slider_value(w, {w.id: 0.55}) == 0.55
    assert sp.slider_step(w, 0.5) == 0.55  # towards the middle, 0.525
    assert sp.slider_step(w, 0.55) == 0.5
    assert sp.slider_step(w, 1.0) == 0.95 and sp.slider_step(w, 0.05) == 0.1
    assert sp.slider_step(w, 0.5, towards=0.2) == 0.45
    home_run(page, keep=0.3)  # the server set the value (a link): it wins over what was sent
    assert sp.slider_value(page.widget("Keep q"), {w.id: 0.55}) == 0.3


def test_user_key():
    assert sp.user_key("$$ID-abc123-keep_hidden") == "keep_hidden"
    assert sp.user_key("$$ID-abc123-t-with-dashes") == "t-with-dashes"
    assert sp.user_key("$$ID-abc123-None") is None
    assert sp.user_key("") is None


# --- the report -------------------------------------------------------------------------------------------

def test_percentile_and_describe():
    assert rep.percentile([], 50) is None
    assert rep.percentile([3, 1, 2], 50) == 2
    assert rep.percentile(range(101), 95) == 95
    assert rep.percentile([0, 10], 95) == pytest.approx(9.5)
    with pytest.raises(ValueError, match="q"):
        rep.percentile([1], 101)
    assert rep.describe([1, 2, 3, 4]) == {"count": 4, "p50": 2.5, "p95": 3.85, "max": 4.0}


def test_frame_gaps_over_plays():
    plays = [{"frames": 300, "batches": 10, "max_gap_s": 0.033, "max_between_s": 1.2, "batch_show_s": 1.0,
              "stalls": 0, "dropped": 0, "retries": 0, "max_answer_s": 0.6},
             {"frames": 90, "batches": 4, "max_gap_s": 2.4, "max_between_s": 3.1, "batch_show_s": 1.0,
              "stalls": 2, "dropped": 1, "retries": 1, "lost": 1, "max_answer_s": 3.4},
             {"frames": 0, "batches": 0, "max_gap_s": None, "max_between_s": None, "batch_show_s": None}]
    f = rep.frame_gaps(plays)
    assert (f["plays"], f["frames"], f["batches"], f["stalls"], f["dropped"]) == (3, 390, 14, 2, 1)
    assert (f["max_gap_s"], f["plays_over_target"], f["max_between_s"], f["batch_show_s"]) == (2.4, 1, 3.1, 1.0)
    text = rep.format_report(_build(_samples("slider", [0.2]), plays))
    assert (f["retries"], f["max_answer_s"]) == (1, 3.4)
    assert ("batches: 14, longest time between two 3.1 s (a batch shows for 1 s); 2 stalls, 1 dropped; "
            "request -> batch max 3.4 s, 1 requests repeated after 3 s and 0 at once on a resend of the last batch "
            "(1 of all repeats followed such a resend)") in text
    assert "FAIL  max_frame_gap_s" in text


def _samples(action, values, errors=0):
    return ([{"action": action, "s": v, "ok": True} for v in values]
            + [{"action": action, "s": 60.0, "ok": False} for _ in range(errors)])


def _build(samples, plays=(), errors=(), browsers=None, rss=1000.0):
    return rep.build(samples=samples, plays=list(plays), errors=list(errors), users=60, players=30, browsers=browsers,
                     server={"rss_peak_mb": rss})


def test_report_passes_when_every_target_is_met():
    samples = (_samples("slider", [0.2] * 90 + [0.9] * 10) + _samples("page_change", [0.5] * 10)
               + _samples("join", [5.0]) + _samples("burst", [1.0] * 60))
    plays = [{"frames": 40, "max_gap_s": 1.2}, {"frames": 30, "max_gap_s": 1.9}]
    browsers = {"sessions": 3, "errors": {"total": 0}, "slider_to_figure_s": {"count": 20, "p50": 0.5, "p95": 1.5}}
    report = _build(samples, plays, browsers=browsers)
    assert report["passed"], report["targets"]
    assert report["actions"]["slider"]["count"] == 100 and "burst" not in report["actions"]
    assert report["burst"]["count"] == 60
    assert report["targets"]["p95_server_s"]["value"] == 0.9  # join (a new session) is not held to it
    assert report["frames"]["max_gap_s"] == 1.9 and report["frames"]["frames"] == 70
    text = rep.format_report(report)
    assert "PASSED" in text and "burst" in text and "real browsers" in text


@pytest.mark.parametrize("change, target", [
    (dict(samples=_samples("slider", [0.2] * 10 + [1.5] * 2)), "p95_server_s"),
    (dict(plays=[{"frames": 3, "max_gap_s": 2.5}]), "max_frame_gap_s"),
    (dict(errors=[{"kind": "timeout", "message": "m"}]), "errors"),
    (dict(samples=_samples("slider", [0.2]) + _samples("burst", [3.5] * 20)), "p95_burst_s"),
    (dict(browsers={"sessions": 3, "errors": {"total": 0}, "slider_to_figure_s": {"p95": 2.4}}), "p95_browser_s"),
    (dict(browsers={"sessions": 3, "errors": {"total": 2}, "slider_to_figure_s": {"p95": 0.4}}), "errors"),
    (dict(rss=3100.0), "rss_mb"),
    (dict(samples=[]), "p95_server_s"),  # nothing measured is a failure, not a pass
])
def test_report_fails_the_missed_target(change, target):
    args = dict(samples=_samples("slider", [0.2] * 10), plays=(), errors=(), browsers=None, rss=1000.0)
    args.update(change)
    report = _build(**args)
    assert not report["passed"]
    assert [name for name, c in report["targets"].items() if not c["ok"]] == [target]
    assert f"FAIL  {target}" in rep.format_report(report)


def test_failed_actions_count_as_errors_of_their_type():
    report = _build(_samples("slider", [0.2] * 3, errors=2))
    assert report["actions"]["slider"] == {"count": 3, "p50": 0.2, "p95": 0.2, "max": 0.2, "errors": 2}


# --- the command line -------------------------------------------------------------------------------------

def test_load_command_line_stays_on_loopback_and_within_bounds():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import load

    args = load.parse_args(["--browsers", "0"])
    assert (args.users, args.players, args.replicas, args.burst, args.client_nice) == (60, 30, 1, True, 10)
    assert load.parse_args(["--browsers", "0", "--client-nice", "0"]).client_nice == 0
    assert load.parse_args(["--browsers", "0", "--url", "http://127.0.0.1:8501"]).url == "http://127.0.0.1:8501"
    for bad in (["--url", "http://10.0.0.5:8501"], ["--url", "http://example.org"], ["--users", "0"],
                ["--users", "10", "--players", "11"], ["--duration", "4000"], ["--replicas", "0"],
                ["--client-nice", "-1"], ["--client-nice", "20"]):
        with pytest.raises(SystemExit):
            load.parse_args(["--browsers", "0", *bad])
