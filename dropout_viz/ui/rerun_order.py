"""A fragment's rerun request that arrives just after a page run has finished waits for that run's last events.

Streamlit 1.67 (AppSession) ends a script run in two steps: the ScriptRunner's thread queues the run's events on
the event loop (its deltas, then "script finished") and then stops. A request to rerun a fragment that the event
loop handles between the two (the live view asks for its next batch every two seconds while it plays) finds the
runner stopped and starts a new one; the stopped runner's queued events are then dropped as coming from a
runner that is no longer the session's, and the browser never hears that the page run finished. The load test
saw it as slider moves on a playing Live training page answered by no finished page run within 60 s (7 to 8 of
about 500 in a run); a browser is left with that page run's stale elements until the next full run.

``install()`` makes AppSession handle such a request after the events already queued: when the session's runner
has stopped but not yet been let go, the request is put back on the event loop, behind the runner's events (its
finish, then its shutdown, which lets it go), and handled then as Streamlit would. Every other request is
handled at once, as before. Installed once per process (``dropout_viz.ui.nav`` does).
"""
from __future__ import annotations

MAX_DEFERRALS = 1_000  # event-loop turns a request waits at most for a stopped runner to be let go

_installed = False


def runner_stopped(session) -> bool:
    """Whether the session still holds a ScriptRunner that has stopped (its last events are still queued)."""
    runner = getattr(session, "_scriptrunner", None)
    requests = getattr(runner, "_requests", None)
    state = getattr(requests, "_state", None)
    return state is not None and getattr(state, "name", "") == "STOP"


def wrap(request_rerun):
    """AppSession.request_rerun, with a fragment's request deferred while the session's runner has stopped."""

    def deferred_request_rerun(self, client_state=None, _deferrals: int = 0):
        fragment = client_state is not None and bool(getattr(client_state, "fragment_id", ""))
        loop = getattr(self, "_event_loop", None)
        if fragment and loop is not None and _deferrals < MAX_DEFERRALS and runner_stopped(self):
            loop.call_soon(lambda: deferred_request_rerun(self, client_state, _deferrals + 1))
            return None
        return request_rerun(self, client_state)

    deferred_request_rerun.__wrapped__ = request_rerun
    return deferred_request_rerun


def install() -> bool:
    """Patch streamlit.runtime.app_session.AppSession.request_rerun (once). False if this Streamlit has none."""
    global _installed
    if _installed:
        return True
    try:
        from streamlit.runtime.app_session import AppSession
    except ImportError:  # pragma: no cover - another Streamlit
        return False
    if not hasattr(AppSession, "request_rerun"):  # pragma: no cover - another Streamlit
        return False
    AppSession.request_rerun = wrap(AppSession.request_rerun)
    _installed = True
    return True
