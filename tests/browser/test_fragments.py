"""Sections that rerun alone (st.fragment), seen through Streamlit's own protocol as the front end speaks it: moving
a control inside a fragment reruns that fragment only, its figure changes, the server keeps the control's value
for the next full run, and what lies outside the fragment (the home page's list of pages) is neither redrawn nor
lost. (The link is written by the browser for a widget bound to it: tests/browser/test_home.py checks it.)

Uses the browser tests' server (app_server) but no browser: loadtest.protocol's client is enough here.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from loadtest import protocol as sp  # noqa: E402

TIMEOUT_S = 120


class Tab:
    def __init__(self, url: str):
        self.conn = sp.Connection(url, timeout_s=TIMEOUT_S)
        self.page = sp.Page()
        self.sent: dict = {}
        self.deltas: list = []  # (delta path, fragment id) of the last run's deltas

    def run(self, *, fragment_id: str = "", page_hash: str | None = None) -> sp.RunResult:
        self.deltas = []
        self.conn.send(sp.rerun_request(
            page_script_hash=self.page.page_script_hash if page_hash is None else page_hash,
            query_string=self.page.query_string, widget_states=list(self.sent.values()), fragment_id=fragment_id))
        while True:
            msg = self.conn.recv()
            if msg.WhichOneof("type") == "delta":
                self.deltas.append((tuple(msg.metadata.delta_path), msg.delta.fragment_id))
            result = self.page.apply(msg)
            if result is not None and result.status in (sp.FINISHED, sp.FINISHED_FRAGMENT):
                assert not self.page.exceptions, self.page.exceptions
                return result

    def fragment_of(self, widget: sp.Widget) -> str:
        node = self.page.tree[widget.path[0]]
        for i in widget.path[1:]:
            node = node.children[i]
        return node.fragment_id

    def move(self, label: str, value: float) -> sp.RunResult:
        widget = self.page.widget(label, "slider")
        self.sent[widget.id] = sp.slider_state(widget.id, value)
        return self.run(fragment_id=self.fragment_of(widget))

    def close(self) -> None:
        self.conn.close()


def _links(page: sp.Page) -> int:
    """Page links in the main area (the home page's list of the lab's pages)."""
    def count(node) -> int:
        if node.is_block:
            return sum(count(c) for c in node.children)
        return node.kind == "page_link"
    return count(page.tree[0])


def test_home_slider_reruns_only_the_network(app_server):
    tab = Tab(app_server)
    try:
        first = tab.run(page_hash="")
        assert not first.fragment and first.figures == 1
        links = _links(tab.page)
        assert links >= 10  # the list of pages
        fragment = tab.fragment_of(tab.page.widget("Keep q for the hidden units", "slider"))
        assert fragment  # the controls and the network are a fragment

        for value in (0.3, 0.35):
            run = tab.move("Keep q for the hidden units", value)
            assert run.fragment  # only the fragment ran
            assert run.changed_figures  # the network was redrawn, with a new mask
            assert tab.deltas and all(f == fragment for _path, f in tab.deltas)  # nothing outside it was sent
            assert _links(tab.page) == links  # the page list is still there

        # The next full run (another control outside, a reload) still draws the value set inside the fragment.
        tab.sent.clear()
        full = tab.run()
        assert not full.fragment and _links(tab.page) == links
        assert any("keep q = 0.35" in text for text in tab.page.markdown), tab.page.markdown
    finally:
        tab.close()
