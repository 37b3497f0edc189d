"""The simulated students' live view (loadtest/liveview.py), without a server: the batch header read as
experiment.decode_batch reads it, and the browser Scheduler's bookkeeping in time (frames at 30 a second,
"need" while one batch is still queued, the retry, Pause holding a late batch, the longest wait for a frame)."""
from __future__ import annotations

import pytest

from dropout_viz.lessons.live_training import experiment as pg
from loadtest import liveview as lv

SMALL = pg.Setup(n_train=40, test_share=0.5, width=8, layers=1)
SMALL_DATA = pg.make_split(SMALL)
META = {"names": ["no dropout", "dropout q=0.5"], "labels": {"play": "Play"}}


def _batches(speed=10, sizes=(3, 2)):
    """Real batches of one run: a reset batch, then continuations."""
    live = pg.start(SMALL, SMALL_DATA)
    view = pg.view_of(SMALL, SMALL_DATA)
    hps = pg.hypers(pg.model_keeps(1.0, 0.5, SMALL.layers), 0.01)
    out = []
    for i, n in enumerate(sizes):
        lives, records = pg.play(live, hps, view, n, speed)
        out.append(pg.encode_batch(view, live, records, seq=i + 1, speed=speed, playing=True, reset=i == 0, meta=META))
        live = lives[-1]
    return out


# --- read_batch --------------------------------------------------------------------------------------------

def test_header_layout_is_the_apps():
    assert lv.HEAD.format == pg._HEAD.format and lv.MAGIC == pg.MAGIC and lv.FORMAT_VERSION == pg.FORMAT_VERSION
    assert (lv.FLAG_PLAYING, lv.FLAG_RESET, lv.FLAG_DIVERGED) == (pg.FLAG_PLAYING, pg.FLAG_RESET, pg.FLAG_DIVERGED)


def test_read_batch_agrees_with_decode_batch():
    for data in _batches():
        full = pg.decode_batch(data)
        b = lv.read_batch(data)
        assert (b.seq, b.flags, b.speed, b.size) == (full["seq"], full["flags"], full["speed"], len(data))
        assert list(b.steps) == [s["step"] for s in full["snapshots"]]
    first, second = (lv.read_batch(d) for d in _batches())
    assert first.steps == (10, 20, 30) and second.steps == (40, 50)
    assert first.playing and first.reset and not second.reset and not second.diverged


def test_read_batch_of_a_paused_view():
    live = pg.start(SMALL, SMALL_DATA)
    view = pg.view_of(SMALL, SMALL_DATA)
    record = pg.snapshot_record(live, pg.grid_codes(live, view))
    b = lv.read_batch(pg.encode_batch(view, live, [record], seq=9, speed=200, playing=False, reset=True,
                                      meta=META, diverged=True))
    assert (b.seq, b.speed, b.steps, b.playing, b.reset, b.diverged) == (9, 200, (0,), False, True, True)


def test_read_batch_refuses_what_is_not_a_batch():
    data = _batches()[0]
    with pytest.raises(ValueError, match="snapshot batch"):
        lv.read_batch(b"XXXX" + data[4:])
    with pytest.raises(ValueError, match="bytes"):
        lv.read_batch(data[:-1])
    with pytest.raises(ValueError, match="header"):
        lv.read_batch(data[:10])
    with pytest.raises(ValueError, match="bytes"):
        lv.read_batch('{"json": "text"}')


# --- ViewModel ---------------------------------------------------------------------------------------------

def batch(seq, steps, *, playing=True, reset=False, speed=50):
    flags = (lv.FLAG_PLAYING if playing else 0) | (lv.FLAG_RESET if reset else 0)
    return lv.Batch(seq=seq, flags=flags, speed=speed, steps=tuple(steps), size=0)


def steps(first, n, speed=50):
    return [first + speed * i for i in range(n)]


def paused_view():
    """A view as the page draws it: paused on step 0."""
    v = lv.ViewModel()
    assert v.push(batch(1, [0], playing=False, reset=True), 0.0) == "reset"
    assert v.current == 0 and not v.playing
    return v


def test_play_shows_30_frames_a_second_and_asks_while_one_batch_is_queued():
    v = paused_view()
    v.start_record(10.0)
    assert v.play(10.0) == {"step": 0, "seq": 1}
    assert not v.wants_more(10.0)  # Play itself asked: no "need" before its answer (or the retry)
    assert v.push(batch(2, steps(50, 30)), 10.2) == "appended"
    assert v.wants_more(10.2)  # 30 frames left: one batch, so the next is asked for at once
    assert v.need() == {"seq": 2, "step": 1500}
    assert not v.wants_more(10.3)  # once per request
    v.advance(10.7)
    assert v.current == steps(50, 16)[-1]  # frames at 10.2, 10.2 + 1/30, ... up to 10.7
    assert v.push(batch(3, steps(1550, 30)), 10.9) == "appended"
    # 38 queued: 30 again once the last frame of batch 2 is shown
    assert v.next_event(10.9) == pytest.approx(10.2 + 29 / 30)
    assert not v.wants_more(11.1) and v.wants_more(11.17)
    v.advance(12.2)
    summary = v.stop_record(12.2)
    assert summary["frames"] == 60 and summary["batches"] == 2 and summary["stalls"] == 0
    assert summary["max_gap_s"] == pytest.approx(1 / 30, abs=1e-3)  # never a stall: one frame per interval
    assert summary["max_between_s"] == pytest.approx(0.7) and summary["batch_show_s"] == pytest.approx(1.0)
    assert [b[1:] for b in summary["batch_log"]] == [[2, 30, 50, 1500, "appended"], [3, 30, 1550, 3000, "appended"]]
    assert summary["ask_log"] == [[0.0, "play"], [pytest.approx(0.2), "need"], [pytest.approx(1.17), "need"]]
    assert summary["retries"] == 0 and summary["max_answer_s"] == pytest.approx(1.03)  # the last: unanswered


def test_a_late_batch_is_a_stall_and_the_wait_counts_up_to_the_stop():
    v = paused_view()
    v.start_record(0.0)
    v.play(0.0)
    v.push(batch(2, steps(50, 30)), 0.5)  # frames from 0.5 to 0.5 + 29/30
    v.push(batch(3, steps(1550, 30)), 3.0)  # 1.5 s after the last frame was shown
    v.advance(3.0)
    rec = v.record
    assert rec.stalls == 1 and rec.max_gap_s == pytest.approx(3.0 - (0.5 + 29 / 30))
    summary = v.stop_record(8.0)  # nothing came after batch 3: the picture stood still until the stop
    assert summary["max_gap_s"] == pytest.approx(8.0 - (3.0 + 29 / 30), abs=1e-3)
    assert summary["frames"] == 60 and summary["max_between_s"] == pytest.approx(2.5)


def test_an_unanswered_request_is_repeated_after_the_retry_time():
    v = paused_view()
    v.play(0.0)
    assert not v.wants_more(2.9) and v.next_event(2.9) == pytest.approx(lv.RETRY_S)
    v.start_record(0.5)
    assert v.wants_more(3.0)
    assert v.stop_record(3.1)["ask_log"] == [[pytest.approx(2.5), "retry"]]
    v.push(batch(2, steps(50, 40)), 3.5)
    assert not v.wants_more(3.5)  # 40 queued: more than a batch
    assert v.next_event(3.5) == pytest.approx(3.5 + 9 / 30)  # the 10th frame leaves 30


def test_pause_stops_at_once_and_holds_a_batch_asked_for_before():
    v = paused_view()
    v.play(0.0)
    v.push(batch(2, steps(50, 30)), 0.0)
    v.advance(0.5)
    assert v.pause(0.5) == {"step": steps(50, 16)[-1], "seq": 2}
    assert not v.playing and v.queue == [] and v.next_event(0.6) is None and not v.wants_more(0.6)
    assert v.push(batch(3, steps(1550, 30)), 0.7) == "held"  # the answer to a "need" sent before the pause
    assert not v.playing
    assert v.push(batch(4, [800], playing=False, reset=True), 0.9) == "reset"  # the server's paused view
    assert v.current == 800 and not v.playing


def test_old_and_stray_batches():
    v = paused_view()
    v.play(0.0)
    v.push(batch(5, steps(50, 30)), 0.1)
    assert v.push(batch(5, steps(50, 30)), 0.2) == "old"  # a page run while playing resends the same bytes
    assert v.push(batch(4, steps(1550, 30)), 0.2) == "old"
    assert v.push(batch(6, steps(100, 30)), 0.3) == "dropped"  # does not follow the queue's last step
    assert v.push(batch(7, steps(1550, 30)), 0.4) == "appended"
    assert v.push(batch(8, steps(9000, 30), reset=True), 0.5) == "reset"  # a reset replaces the queue
    assert v.queue == steps(9000, 30) and v.playing


def test_a_view_mounted_on_a_playing_batch_plays_it():
    """Back on the page while the server's session still plays: the page run's batch says so."""
    v = lv.ViewModel()
    v.start_record(1.0)
    assert v.push(batch(12, steps(5050, 30)), 1.0) == "appended" and v.playing
    assert v.wants_more(1.0) and v.need() == {"seq": 12, "step": 5050 + 29 * 50}
    v.advance(2.0)
    assert v.record.frames == 30


def test_one_step_per_frame_plays_slowly():
    v = paused_view()
    v.play(0.0)
    v.push(batch(2, range(1, 9), speed=1), 0.0)
    v.advance(1.0)
    assert v.interval == pytest.approx(1 / lv.FPS_ONE_STEP) and v.current == 7  # frames at 0, 1/6, ..., 1


def test_a_request_met_only_by_a_resend_is_asked_again_at_once_then_after_the_retry_time():
    v = paused_view()
    v.start_record(0.0)
    v.play(0.0)
    v.push(batch(2, steps(50, 30)), 0.5)
    assert v.wants_more(0.5)  # "need" at 0.5
    assert v.push(batch(2, steps(50, 30)), 0.8) == "old"  # a page run's resend, and nothing else
    assert v.next_event(0.8) == pytest.approx(0.8) and v.wants_more(0.8)  # asked again at once
    assert v.need() == {"seq": 2, "step": 1500}  # for the same batch
    assert v.push(batch(2, steps(50, 30)), 1.0) == "old"  # another resend: once per request, then the timer
    assert not v.wants_more(1.0) and not v.wants_more(3.7) and v.wants_more(3.8)  # 3 s after the repeat
    v.push(batch(3, steps(1550, 30)), 3.9)
    summary = v.stop_record(4.0)
    assert [k for _t, k in summary["ask_log"]] == ["play", "need", "again", "retry"]
    assert (summary["retries"], summary["again"], summary["lost"]) == (1, 1, 2)
    assert summary["max_answer_s"] == pytest.approx(3.4)  # from the need at 0.5 to batch 3
    # A new batch clears the request: the next resend while asking again triggers a repeat again.
    assert v.wants_more(5.0) and v.push(batch(3, steps(1550, 30)), 5.1) == "old" and v.wants_more(5.1)


def test_a_resend_while_nothing_is_asked_or_paused_asks_nothing():
    v = paused_view()
    assert v.push(batch(1, [0], playing=False, reset=True), 0.1) == "old" and not v.wants_more(0.1)
    v.play(0.2)
    v.push(batch(2, steps(50, 60)), 0.3)  # answered: nothing outstanding
    assert v.push(batch(2, steps(50, 60)), 0.4) == "old" and not v.wants_more(0.4)
