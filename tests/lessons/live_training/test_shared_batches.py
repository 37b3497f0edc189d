"""SharedBatches: one server's sessions share the batches of the same run (a class pressing Play on one link)."""
import threading

import jax
import numpy as np
import pytest

from dropout_viz.lessons.live_training import experiment as pg


def _runs(n=2, keep=0.5):
    setup = pg.Setup()
    data = pg.make_split(setup)
    view = pg.view_of(setup, data)
    hps = pg.hypers(pg.model_keeps(1.0, keep, setup.layers), 0.01, 0.0)
    return [pg.start(setup, data) for _ in range(n)], view, hps


def _counting(monkeypatch):
    calls = []
    real = pg.play_batch

    def counted(*args, **kwargs):
        calls.append(args[-1])
        return real(*args, **kwargs)

    monkeypatch.setattr(pg, "play_batch", counted)
    return calls, real


def test_the_same_run_is_trained_once_and_each_session_keeps_its_own_run(monkeypatch):
    (a, b), view, hps = _runs()
    calls, real = _counting(monkeypatch)
    shared = pg.SharedBatches()
    ba = shared.play_batch(a, hps, view, 4, 50)
    bb = shared.play_batch(b, hps, view, 4, 50)
    assert len(calls) == 1 and (shared.trained, shared.shared) == (1, 1)
    alone = real(b, hps, view, 4, 50)  # what b would have trained by itself: the same bytes
    assert bb.records == alone.records == ba.records
    assert all(np.array_equal(x, y) for x, y in zip(jax.tree.leaves(bb.end.state), jax.tree.leaves(alone.end.state)))
    assert bb.start is b and bb.end.init is b.init and bb.end.setup is b.setup  # Reset goes to b's own weights
    assert ba.end.init is a.init
    # The next batch of each continues from its own end: shared again.
    shared.play_batch(ba.end, hps, view, 4, 50)
    shared.play_batch(bb.end, hps, view, 4, 50)
    assert len(calls) == 2


def test_another_keep_step_count_or_state_is_another_batch(monkeypatch):
    (a,), view, hps = _runs(1)
    calls, _ = _counting(monkeypatch)
    shared = pg.SharedBatches()
    first = shared.play_batch(a, hps, view, 3, 50)
    other_keep = pg.hypers(pg.model_keeps(1.0, 0.2, a.setup.layers), 0.01, 0.0)
    assert shared.play_batch(a, other_keep, view, 3, 50).records != first.records
    shared.play_batch(a, hps, view, 3, 10)  # another speed
    shared.play_batch(a, hps, view, 4, 50)  # another length
    shared.play_batch(first.end, hps, view, 3, 50)  # the run after the batch
    assert len(calls) == 5 and shared.shared == 0
    digests = {pg.run_digest(a, hps, view, 3, 50), pg.run_digest(a, other_keep, view, 3, 50),
               pg.run_digest(first.end, hps, view, 3, 50), pg.run_digest(a, hps, view, 3, 10)}
    assert len(digests) == 4


def test_a_session_asking_while_another_trains_waits_for_that_batch(monkeypatch):
    (a, b), view, hps = _runs()
    real = pg.play_batch
    started, go, calls = threading.Event(), threading.Event(), []

    def slow(*args, **kwargs):
        calls.append(1)
        started.set()
        go.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(pg, "play_batch", slow)
    shared = pg.SharedBatches()
    out = {}
    first = threading.Thread(target=lambda: out.__setitem__("a", shared.play_batch(a, hps, view, 3, 50)))
    first.start()
    assert started.wait(30)
    second = threading.Thread(target=lambda: out.__setitem__("b", shared.play_batch(b, hps, view, 3, 50)))
    second.start()
    go.set()
    first.join(60)
    second.join(60)
    assert len(calls) == 1 and out["a"].records == out["b"].records and out["b"].start is b


def test_only_the_last_batches_are_kept_and_a_failure_is_not():
    (a,), view, hps = _runs(1)
    shared = pg.SharedBatches(size=1)
    one = shared.play_batch(a, hps, view, 2, 50)
    shared.play_batch(one.end, hps, view, 2, 50)
    shared.play_batch(a, hps, view, 2, 50)  # pushed out by the second: trained again
    assert shared.trained == 3
    with pytest.raises(ValueError, match="n"):
        shared.play_batch(a, hps, view, 0, 50)
    assert shared.trained == 3 and not shared._running
    with pytest.raises(ValueError, match="size"):
        pg.SharedBatches(size=0)


def test_a_batch_trained_ahead_is_the_batch_play_asks_for_and_is_not_trained_again(monkeypatch):
    (a, b), view, hps = _runs()
    calls, real = _counting(monkeypatch)
    shared = pg.SharedBatches()
    shared.prefetch("a", a, hps, view, 3, 50)
    assert shared.idle(60) and shared.waiting() == 0 and len(calls) == 1 and shared.trained == 1
    got = shared.play_batch(a, hps, view, 3, 50)
    assert len(calls) == 1 and shared.shared == 1 and got.start is a
    assert got.records == real(a, hps, view, 3, 50).records  # the same bytes as training it on Play
    shared.play_batch(a, hps, view, 4, 50)  # another length was not trained ahead
    assert len(calls) == 2
    with pytest.raises(ValueError, match="n"):
        shared.prefetch("a", a, hps, view, 0, 50)
    with pytest.raises(ValueError, match="ahead"):
        pg.SharedBatches(ahead=0)


def test_batches_ahead_are_trained_one_at_a_time_the_latest_of_each_session_only(monkeypatch):
    """While the worker trains one batch, a session's newer request replaces its older one (a value moved after
    Pause), and beyond ``ahead`` waiting the oldest are forgotten; a Play asking for the batch in training waits
    for it instead of training it again."""
    (a,), view, hps = _runs(1)
    real = pg.play_batch
    started, go, calls, running, most = threading.Event(), threading.Event(), [], [0], [0]

    def slow(*args, **kwargs):
        calls.append(args[-2])
        running[0] += 1
        most[0] = max(most[0], running[0])
        started.set()
        go.wait(30)
        try:
            return real(*args, **kwargs)
        finally:
            running[0] -= 1

    monkeypatch.setattr(pg, "play_batch", slow)
    shared = pg.SharedBatches(ahead=2)
    shared.prefetch("first", a, hps, view, 2, 50)
    assert started.wait(30)  # the worker trains n=2
    shared.prefetch("s", a, hps, view, 3, 50)
    shared.prefetch("s", a, hps, view, 4, 50)  # replaces n=3
    shared.prefetch("t", a, hps, view, 5, 50)
    shared.prefetch("u", a, hps, view, 6, 50)  # pushes out the oldest waiting (s: n=4)
    assert shared.waiting() == 2
    out = {}
    play = threading.Thread(target=lambda: out.__setitem__("b", shared.play_batch(a, hps, view, 2, 50)))
    play.start()
    go.set()
    play.join(60)
    assert shared.idle(60)
    assert calls == [2, 5, 6] and most[0] == 1 and out["b"].steps == [50, 100]


def test_a_failed_batch_ahead_is_counted_and_the_worker_goes_on(monkeypatch):
    (a,), view, hps = _runs(1)
    real = pg.play_batch

    def failing(live, hps_, view_, n, speed):
        if n == 2:
            raise RuntimeError("out of memory")
        return real(live, hps_, view_, n, speed)

    monkeypatch.setattr(pg, "play_batch", failing)
    shared = pg.SharedBatches()
    shared.prefetch("a", a, hps, view, 2, 50)
    shared.prefetch("b", a, hps, view, 3, 50)
    assert shared.idle(60) and shared.failed_ahead == 1 and shared.trained == 1
    assert shared.done(a, hps, view, 3, 50) is not None and shared.done(a, hps, view, 2, 50) is None


@pytest.fixture(scope="module")
def kept_batch():
    """A batch of 12 snapshots after a first one (its start has a history), as a paused view keeps it."""
    (a,), view, hps = _runs(1)
    first = pg.play_batch(a, hps, view, 5, 10)
    return pg.play_batch(first.end, hps, view, 12, 10), view, hps


@pytest.mark.parametrize("k", [1, 5, 12])
def test_a_pending_run_shows_the_paused_view_without_training_and_rebuilds_the_replayed_run(kept_batch, k,
                                                                                           monkeypatch):
    """Pause's view from a kept batch: the same bytes as the run replayed to step k and drawn anew (picture,
    history, mask, metrics); the run it rebuilds is the replay's (weights, optimizer state, history)."""
    batch, view, _hps = kept_batch
    replayed = pg.replay(batch, k)
    drawn = pg.encode_batch(view, replayed, [pg.snapshot_record(replayed, pg.grid_codes(replayed, view))], seq=9,
                            speed=batch.speed, playing=False, reset=True, meta={"x": 1})
    calls = []
    real = pg.replay
    monkeypatch.setattr(pg, "replay", lambda *a: calls.append(a[1]) or real(*a))
    pending = pg.PendingRun(batch, k)
    assert pending.step == pg.step_of(replayed) == pg.step_of(batch.start) + 10 * k
    assert pending.view_bytes(view, seq=9, meta={"x": 1}) == drawn and calls == []
    run = pending.result()
    assert calls == [k] and pg.settled(pending) is run and pg.settled(run) is run and calls == [k]
    assert all(np.array_equal(x, y) for x, y in zip(jax.tree.leaves(run.state), jax.tree.leaves(replayed.state)))
    assert all(np.array_equal(run.history[key], replayed.history[key]) for key in replayed.history)
    for bad in (0, len(batch.records) + 1):
        with pytest.raises(ValueError, match="k must lie"):
            pg.PendingRun(batch, bad)
    with pytest.raises(ValueError, match="batch"):
        pg.PendingRun(batch._replace(metrics=None), k).view_bytes(view, seq=1, meta={})


def test_a_pending_run_is_rebuilt_once_by_whoever_asks_first_and_a_failure_reaches_the_asker(kept_batch,
                                                                                             monkeypatch):
    batch, view, hps = kept_batch
    real = pg.replay
    started, go, calls = threading.Event(), threading.Event(), []

    def slow(*args):
        calls.append(threading.current_thread().name)
        started.set()
        go.wait(30)
        return real(*args)

    monkeypatch.setattr(pg, "replay", slow)
    pending = pg.PendingRun(batch, 4)
    shared = pg.SharedBatches()
    shared.prefetch("s", pending, hps, view, 3, 10)  # the worker rebuilds it, then trains Play's first batch
    assert started.wait(30)
    out = {}
    asker = threading.Thread(target=lambda: out.__setitem__("run", pending.result()))
    asker.start()
    go.set()
    asker.join(60)
    assert shared.idle(60) and calls == ["dlab-prefetch"] and pg.step_of(out["run"]) == pending.step
    assert shared.done(out["run"], hps, view, 3, 10) is not None  # Play's first batch, from the rebuilt run
    monkeypatch.setattr(pg, "replay", lambda *a: (_ for _ in ()).throw(RuntimeError("no memory")))
    failing = pg.PendingRun(batch, 2)
    shared.prefetch("s", failing, hps, view, 3, 10)
    assert shared.idle(60) and shared.failed_ahead == 1
    with pytest.raises(RuntimeError, match="no memory"):
        failing.result()


def test_a_batch_ahead_can_bring_the_one_after_it_unless_its_owner_asked_again(monkeypatch):
    (a,), view, hps = _runs(1)
    calls, real = _counting(monkeypatch)
    shared = pg.SharedBatches()
    shared.prefetch("s", a, hps, view, 2, 10, then=3)
    assert shared.idle(60) and calls == [10, 10] and shared.trained == 2
    first = shared.play_batch(a, hps, view, 2, 10)
    second = shared.play_batch(first.end, hps, view, 3, 10)  # what the view asks for next: done
    assert len(calls) == 2 and second.records == real(first.end, hps, view, 3, 10).records
    with pytest.raises(ValueError, match="then"):
        shared.prefetch("s", a, hps, view, 2, 10, then=-1)


def test_the_batch_after_is_skipped_when_its_owner_asked_for_another_meanwhile(monkeypatch):
    (a,), view, hps = _runs(1)
    real = pg.play_batch
    started, go, calls = threading.Event(), threading.Event(), []

    def slow(live, hps_, view_, n, speed):
        calls.append(n)
        started.set()
        go.wait(30)
        return real(live, hps_, view_, n, speed)

    monkeypatch.setattr(pg, "play_batch", slow)
    shared = pg.SharedBatches()
    shared.prefetch("s", a, hps, view, 2, 10, then=3)
    assert started.wait(30)
    shared.prefetch("s", a, hps, view, 4, 10)  # a value moved after Pause: another first batch, nothing after it
    go.set()
    assert shared.idle(60) and calls == [2, 4]
