"""The open tab of the five experiment pages (inside the network, batch norm, images, sequences and depth,
uncertainty) is a fragment: moving one of its controls reruns the tab only.

Over Streamlit's own websocket protocol (loadtest/protocol.py), against the real server: the move's run is a
fragment run, the figure that the control changes arrives changed, and a figure that the control does not change
arrives unchanged (the cached one). In Chromium: the link follows a control moved in a fragment (the front end
writes the URL of a widget bound to it) and the figure changes.
"""
from __future__ import annotations

import time
from urllib.parse import parse_qs

import pytest

from loadtest import protocol as sp
from tests.browser.helpers import open_page, plotly_json, set_slider

RUN_TIMEOUT_S = 600  # a first run trains the page's networks (shared with the other tests through the caches)


class Client:
    """One browser tab's worth of protocol: a websocket and the page model."""

    def __init__(self, url: str):
        self.conn = sp.Connection(url, timeout_s=RUN_TIMEOUT_S)
        self.page = sp.Page()
        self.sent: dict = {}  # widget id -> WidgetState this client has set (the front end resends them)

    def run(self, *, page_hash: str | None = None, query: str | None = None, fragment_id: str = "") -> sp.RunResult:
        """Send a rerun request and read until its run has finished (interrupted runs are skipped)."""
        self.conn.send(sp.rerun_request(
            page_script_hash=self.page.page_script_hash if page_hash is None else page_hash,
            query_string=self.page.query_string if query is None else query,
            widget_states=list(self.sent.values()), fragment_id=fragment_id))
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while time.monotonic() < deadline:
            result = self.page.apply(self.conn.recv())
            if result is not None and result.status in (sp.FINISHED, sp.FINISHED_FRAGMENT):
                assert not self.page.exceptions, self.page.exceptions
                return result
        raise AssertionError(f"no run finished within {RUN_TIMEOUT_S} s")

    def open(self, page: str, query: str) -> sp.RunResult:
        self.run(page_hash="")  # the home page: its navigation message names every page
        self.sent.clear()
        self.page.query_string = query  # the front end sends the link's query with every rerun
        return self.run(page_hash=self.page.page_hash(page), query=query)

    def move(self, key: str, value) -> sp.RunResult:
        """Move the slider with this key, as the front end does: its fragment's rerun when it sits in one."""
        widget = self.page.widget_by_key(key)
        self.sent[widget.id] = sp.slider_state(widget.id, value)
        return self.run(fragment_id=self.fragment_of(widget))

    def fragment_of(self, widget: sp.Widget) -> str:
        node = self.page.tree[widget.path[0]]
        for i in widget.path[1:]:
            node = node.children[i]
        return node.fragment_id

    def figure(self, key: str) -> str:
        """The spec (JSON) of the chart drawn with this key."""
        assert key in self.page.figures, (key, list(self.page.figures))
        return self.page.figures[key]

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def client(app_server):
    c = Client(app_server)
    yield c
    c.close()


# page, link, slider moved and its new value, figures it changes, figures it leaves as they were
SPLIT = "u_tab=What+the+uncertainty+is+made+of&u_split=deep+ensemble"  # the ensemble's entropy: k is not in it
CASES = [
    ("Inside_the_network", "in_tab=Jensen%27s+gap", "in_keep", 0.65, ["main_figure"], ["in_sweep_sq", "in_sweep_relu"]),
    ("Batch_norm_and_placement", "", "bn_unit", 5, ["main_figure"], ["bn_ratio", "bn_closed"]),
    ("Dropout_for_images", "", "im_block", 5, ["main_figure"], []),
    ("Sequences_and_depth", "ar_tab=Depth", "ar_blocks", 5, ["main_figure"], []),
    ("Uncertainty", SPLIT, "u_m", 4, ["main_figure", "u_ood"], []),
    ("Uncertainty", SPLIT, "u_k", 9, [], ["main_figure", "u_ood"]),
]


@pytest.mark.parametrize("page,query,key,value,changed,kept", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_a_control_reruns_its_tab_only(client, page, query, key, value, changed, kept):
    check_reruns_its_tab_only(client, page, query, key, value, changed, kept)


def check_reruns_its_tab_only(client, page, query, key, value, changed, kept):
    """Moving ``key`` to ``value`` on ``page`` opened at ``query`` is a fragment run that changes the figures
    ``changed`` and leaves the figures ``kept`` as they were (figures by their element key)."""
    first = client.open(page, query)
    assert not first.fragment
    before = {k: client.figure(k) for k in changed + kept}
    result = client.move(key, value)
    assert result.fragment, "the move reran the whole page, not its tab's fragment"
    for k in changed:
        assert client.figure(k) != before[k], k
    for k in kept:
        assert client.figure(k) == before[k], k


# page, link, slider label, its key and the value it is moved to
BROWSER_CASES = [
    ("Inside_the_network", "in_tab=Jensen%27s+gap", "Keep q of the hidden units", "in_keep", 0.55),
    ("Batch_norm_and_placement", "", "Unit", "bn_unit", 3),
    ("Dropout_for_images", "", "DropBlock block size b", "im_block", 4),
    ("Sequences_and_depth", "ar_tab=Depth", "Residual blocks L", "ar_blocks", 6),
    ("Uncertainty", "", "Monte Carlo: masks k", "u_k", 18),
]


@pytest.mark.parametrize("page_name,query,label,key,value", BROWSER_CASES, ids=[c[0] for c in BROWSER_CASES])
def test_the_link_follows_a_control_in_a_fragment(page, app_server, page_name, query, label, key, value):
    check_link_follows(page, app_server, page_name, query, label, key, value)


def check_link_follows(page, app_server, page_name, query, label, key, value):
    """In Chromium: the slider ``label`` moved to ``value`` inside a fragment writes ``key=value`` into the link,
    keeps the link's tab, and changes the first figure."""
    open_page(page, f"{app_server}/{page_name}" + (f"?{query}" if query else ""))
    before = plotly_json(page, 0)
    assert set_slider(page, label, value=value) == value
    link = parse_qs(page.url.split("?", 1)[1]) if "?" in page.url else {}
    assert float(link[key][-1]) == value, page.url
    for k, v in parse_qs(query).items():  # the tab the link opened stays in it
        assert link[k] == v, page.url
    assert plotly_json(page, 0) != before
