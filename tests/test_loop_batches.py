"""ui/loop_batches: a run's events reach the event loop in batches, in order, each once, with few wake-ups."""
from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time
from pathlib import Path

import pytest

from dropout_viz.ui import loop_batches, nav  # noqa: F401 (nav installs it)

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def loop_thread():
    """An event loop running on a thread of its own (as Streamlit's runs beside the script thread)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def settle(loop, batches, timeout_s=10.0):
    """Wait until the loop has drained every event put so far and let the batch end."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = threading.Event()
        loop.call_soon_threadsafe(done.set)
        done.wait(timeout_s)
        if not batches._queue and not batches._pending:
            return
        time.sleep(0.005)
    raise AssertionError("the events were not drained")


def test_nav_installs_it_on_streamlits_session_and_runtime():
    from streamlit.runtime.app_session import AppSession
    from streamlit.runtime.runtime import Runtime
    assert AppSession._call_soon_on_event_loop is loop_batches.call_soon_on_event_loop
    assert Runtime._enqueued_some_message is loop_batches.enqueued_some_message
    assert loop_batches.install()  # once: a second call changes nothing


def test_events_from_a_thread_run_on_the_loop_in_order_each_once_with_few_wakeups():
    with loop_thread() as loop:
        batches = loop_batches.EventBatches(loop, slice_s=0.005)
        seen, threads = [], []

        def event(i):
            threads.append(threading.current_thread())
            seen.append(i)

        for i in range(2000):  # a run's deltas, as fast as a thread can make them
            batches.put(lambda i=i: event(i))
            if i % 100 == 0:
                time.sleep(0.001)  # a run that draws: the events come over some milliseconds
        settle(loop, batches)
    assert seen == list(range(2000))
    assert {t.name for t in threads} == {t.name for t in threads[:1]} and threads[0] is not threading.current_thread()
    assert batches.events == 2000
    # one wake-up per batch, not one per event (Streamlit's own: 2,000)
    assert 1 <= batches.wakeups <= 100


def test_an_event_put_while_the_loop_handles_a_batch_runs_after_it_without_waking_the_loop():
    with loop_thread() as loop:
        batches = loop_batches.EventBatches(loop, slice_s=0.0)
        seen = []

        def first():
            seen.append("first")
            batches.put(lambda: seen.append("third"))  # put from the loop itself, while its batch runs

        go = threading.Event()
        loop.call_soon_threadsafe(go.wait, 10)  # the loop busy until both are queued: they form one batch
        batches.put(first)
        batches.put(lambda: seen.append("second"))
        go.set()
        settle(loop, batches)
    assert seen == ["first", "second", "third"]
    assert batches.wakeups == 1


def test_events_put_after_a_batch_ended_wake_the_loop_again():
    with loop_thread() as loop:
        batches = loop_batches.EventBatches(loop, slice_s=0.0)
        seen = []
        batches.put(lambda: seen.append(1))
        settle(loop, batches)
        assert batches.wakeups == 1
        batches.put(lambda: seen.append(2))  # a later run: nothing pending, so it must wake the loop
        settle(loop, batches)
    assert seen == [1, 2] and batches.wakeups == 2


def test_a_failing_event_is_reported_as_the_loop_reports_one_and_the_rest_still_run():
    with loop_thread() as loop:
        reported = []
        loop.set_exception_handler(lambda lp, context: reported.append(context))
        batches = loop_batches.EventBatches(loop, slice_s=0.0)
        seen = []

        def bad():
            raise KeyError("boom")

        batches.put(lambda: seen.append("before"))
        batches.put(bad)
        batches.put(lambda: seen.append("after"))
        settle(loop, batches)
    assert seen == ["before", "after"]
    assert len(reported) == 1 and isinstance(reported[0]["exception"], KeyError)
    assert reported[0]["message"].startswith("Exception in callback")


def test_events_for_a_closed_loop_are_dropped_as_streamlit_drops_them():
    loop = asyncio.new_event_loop()
    loop.close()
    batches = loop_batches.EventBatches(loop)
    batches.put(lambda: None)  # no RuntimeError: the process is shutting down
    assert not batches._queue and not batches._pending
    # and the next event tries again (it is dropped too: the loop stays closed)
    batches.put(lambda: None)
    assert batches.wakeups == 2


def test_a_bad_slice_is_refused():
    loop = asyncio.new_event_loop()
    try:
        for bad in (-0.001, float("nan")):
            with pytest.raises(ValueError, match="slice_s"):
                loop_batches.EventBatches(loop, slice_s=bad)
    finally:
        loop.close()


def test_the_sender_is_woken_without_the_socket_on_the_loop_and_with_it_elsewhere():
    class Objs:
        def __init__(self, loop):
            self.eventloop, self.need_send_data = loop, asyncio.Event()

    class FakeRuntime:
        def __init__(self, objs):
            self.objs = objs

        def _get_async_objs(self):
            return self.objs

    with loop_thread() as loop:
        objs = Objs(loop)
        runtime = FakeRuntime(objs)
        calls = []
        real = loop.call_soon_threadsafe

        def counting(*a):
            calls.append(a)
            return real(*a)

        loop.call_soon_threadsafe = counting
        loop_batches.enqueued_some_message(runtime)  # from this thread: through the loop's socket
        assert len(calls) == 1
        done = threading.Event()

        def on_loop():
            loop_batches.enqueued_some_message(runtime)  # on the loop: set at once
            done.set()
        real(on_loop)
        assert done.wait(10)
        assert len(calls) == 1
        real(lambda: None)
    assert objs.need_send_data.is_set()


def test_a_real_server_sends_every_element_in_order_with_a_wakeup_per_batch(tmp_path):
    """tests/data/batches_app.py under streamlit run: a run of hundreds of text elements arrives whole and in order,
    then its end; the session's events took a handful of wake-ups, not one each."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import serve
    from loadtest import controls

    replica = serve.start_replica("r0", serve.free_port(), app=ROOT / "tests" / "data" / "batches_app.py",
                                  log=tmp_path / "replica.log", cache_dir=tmp_path / "cache")
    try:
        serve.wait_healthy(replica.url, replica.proc, replica.log)
        client = controls.Client(replica.url, timeout_s=60)
        texts = []
        recv = client._recv

        def recording(timeout_s):
            msg, n = recv(timeout_s)
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element" \
                    and msg.delta.new_element.WhichOneof("type") == "text":
                texts.append(msg.delta.new_element.text.body)
            elif msg.WhichOneof("type") == "script_finished":
                texts.append("finished")
            return msg, n

        client._recv = recording
        try:
            client.open_app()
            counters = []
            for n in (400, 250, 400):
                texts.clear()
                action = client.set_widget(client.page.widget("n"), n)
                assert not action.errors
                assert texts[:n] == [f"item {i}" for i in range(n)], "an element lost, twice or out of order"
                assert texts[n].startswith("counters ") and texts[-1] == "finished"
                counters.append(tuple(int(x) for x in texts[n].split()[1:]))
        finally:
            client.close()
    finally:
        serve.stop(replica.proc)
    (e1, w1, r1), (e2, w2, r2), (e3, w3, r3) = counters
    assert r1 == r2 == r3 == 1  # the first session too, made before the patch, wakes the sender without the socket
    assert e2 - e1 >= 250 and e3 - e2 >= 400  # every element went through the batches
    # Streamlit's own: a wake-up per event; a loaded machine may pause the script thread past a slice now and then
    assert w3 - w2 <= (e3 - e2) / 4 and w2 - w1 <= (e2 - e1) / 4
