"""The open tab of the masks and regularisation pages is a fragment: moving one of its controls reruns the tab only.

Over Streamlit's own websocket protocol (loadtest/protocol.py), against the real server: the move's run is a
fragment run (or a full run, for the masks page's network controls above its tabs) and the figure the control
changes arrives changed. In Chromium: the link follows a control moved in a fragment and the figure changes.
"""
from __future__ import annotations

import pytest

from dropout_viz.lessons.masks import view as masks
from dropout_viz.lessons.regularisation import view as regularisation
from tests.browser.test_section_fragments import Client, check_link_follows


@pytest.fixture
def client(app_server):
    c = Client(app_server)
    yield c
    c.close()


MINIBATCH = "m_tab=One+minibatch"
# page, link, slider moved and its new value, whether its run is a fragment run, figures it changes
CASES = [
    ("Masks_and_subnetworks", MINIBATCH, "m_batch", 8, True, ["main_figure"]),
    # The keep sliders sit above the tabs: every tab depends on them, so they rerun the page.
    ("Masks_and_subnetworks", MINIBATCH, "m_keep_1", 0.3, False, ["main_figure"]),
    ("Dropout_as_regularisation", "rg_tab=Bias+and+variance", "rg_noise", 1.0, True, ["main_figure"]),
    ("Dropout_as_regularisation", "", "rg_keep", 0.6, True, ["main_figure", "rg_shrink"]),
]


@pytest.mark.parametrize("page,query,key,value,fragment,changed", CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_a_control_reruns_its_tab_only(client, page, query, key, value, fragment, changed):
    first = client.open(page, query)
    assert not first.fragment
    before = {k: client.figure(k) for k in changed}
    result = client.move(key, value)
    assert bool(result.fragment) == fragment, "fragment run" if result.fragment else "full run"
    for k in changed:
        assert client.figure(k) != before[k], k
    # Back to the first value: the same figure again (kept per the values it shows, so nothing drifts).
    client.move(key, default(key))
    for k in changed:
        assert client.figure(k) == before[k], k


def default(key: str):
    """The slider's default value (the links above leave it there)."""
    return {"m_batch": masks.WIDGETS["batch"], "m_keep_1": masks.keep_control(1),
            "rg_noise": regularisation.WIDGETS["noise"], "rg_keep": regularisation.WIDGETS["keep"]}[key].default


# page, link, slider label, its key and the value it is moved to
BROWSER_CASES = [
    ("Masks_and_subnetworks", MINIBATCH, "Examples in the minibatch", "m_batch", 12),
    ("Dropout_as_regularisation", "rg_tab=Bias+and+variance", "Target noise σ", "rg_noise", 0.8),
]


@pytest.mark.parametrize("page_name,query,label,key,value", BROWSER_CASES, ids=[c[0] for c in BROWSER_CASES])
def test_the_link_follows_a_control_in_a_fragment(page, app_server, page_name, query, label, key, value):
    check_link_follows(page, app_server, page_name, query, label, key, value)
