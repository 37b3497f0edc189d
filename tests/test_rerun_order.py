"""ui/rerun_order: a fragment's rerun request waits, on the event loop, for a stopped runner's queued events."""
import asyncio
import threading
from types import SimpleNamespace

from streamlit.runtime.app_session import AppSession
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

from dropout_viz.ui import nav, rerun_order  # noqa: F401 (nav installs it)


class Session:
    """What request_rerun needs of an AppSession: its event loop and its ScriptRunner's request state."""

    def __init__(self, loop, state):
        self._event_loop = loop
        self._scriptrunner = SimpleNamespace(_requests=SimpleNamespace(_state=state))
        self.handled = []


def run_loop(scenario) -> None:
    """asyncio.run(scenario()) on a thread of its own (the test process may already run an event loop here)."""
    failure = []

    def target():
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # noqa: BLE001 (re-raised on the test's thread)
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    if failure:
        raise failure[0]


def test_installed_on_streamlits_app_session():
    assert rerun_order.install() and AppSession.request_rerun.__wrapped__ is not None
    assert rerun_order.runner_stopped(Session(None, ScriptRequestType.STOP))
    assert not rerun_order.runner_stopped(Session(None, ScriptRequestType.RERUN))
    assert not rerun_order.runner_stopped(SimpleNamespace())  # no runner: nothing to wait for


def test_a_fragment_request_is_handled_after_the_stopped_runners_events():
    order = []
    patched = rerun_order.wrap(lambda self, cs: order.append(("request", cs.fragment_id, self._scriptrunner)))

    async def scenario():
        loop = asyncio.get_running_loop()
        s = Session(loop, ScriptRequestType.STOP)  # the page run has finished; its events are queued
        loop.call_soon(order.append, ("finished", None, None))
        loop.call_soon(lambda: (order.append(("shutdown", None, None)), setattr(s, "_scriptrunner", None)))
        patched(s, SimpleNamespace(fragment_id="view"))
        assert order == []  # not handled yet
        for _ in range(5):
            await asyncio.sleep(0)
        # the finish and the shutdown first, then the request, with no runner left: Streamlit starts a new one
        assert order == [("finished", None, None), ("shutdown", None, None), ("request", "view", None)]

        order.clear()  # a running runner, or a page run's request: handled at once
        running = Session(loop, ScriptRequestType.CONTINUE)
        patched(running, SimpleNamespace(fragment_id="view"))
        patched(s, SimpleNamespace(fragment_id=""))
        assert [o[:2] for o in order] == [("request", "view"), ("request", "")]

    run_loop(scenario)


def test_a_runner_that_is_never_let_go_does_not_hold_a_request_for_ever():
    seen = []
    patched = rerun_order.wrap(lambda self, cs: seen.append(cs.fragment_id))

    async def scenario():
        s = Session(asyncio.get_running_loop(), ScriptRequestType.STOP)
        patched(s, SimpleNamespace(fragment_id="view"))
        for _ in range(rerun_order.MAX_DEFERRALS + 10):
            await asyncio.sleep(0)
        assert seen == ["view"]

    run_loop(scenario)
