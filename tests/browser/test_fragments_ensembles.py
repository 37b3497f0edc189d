"""The ensemble page's open tab is a fragment: moving one of the tab's own controls reruns the tab only.

As in test_section_fragments.py (whose protocol client this uses): over Streamlit's websocket protocol, against the
real server, the move's run is a fragment run, the figure that the control changes arrives changed and a figure that
it does not change arrives unchanged; in Chromium the link follows a control moved in the fragment and the figure
changes.
"""
from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from tests.browser.helpers import open_page, plotly_json, set_slider
from tests.browser.test_section_fragments import Client, check_reruns_its_tab_only

PAGE = "Ensemble_vs_weight_scaling"
UNCERTAINTY = "e_tab=Uncertainty+%28MC+dropout%29"


@pytest.fixture
def client(app_server):
    c = Client(app_server)
    yield c
    c.close()


# link, slider moved and its new value, figures it changes, figures it leaves as they were
CASES = [
    # the regression net's keep changes the band (main figure), not the classifier's entropy maps
    (UNCERTAINTY, "e_reg_keep", 0.7, ["main_figure"], ["e_entropy"]),
    # the number of passes changes both
    (UNCERTAINTY, "e_passes", 50, ["main_figure", "e_entropy"], []),
]


@pytest.mark.parametrize("query,key,value,changed,kept", CASES, ids=[c[1] for c in CASES])
def test_a_tab_control_reruns_its_tab_only(client, query, key, value, changed, kept):
    check_reruns_its_tab_only(client, PAGE, query, key, value, changed, kept)


def test_the_link_follows_a_control_in_the_tab(page, app_server):
    open_page(page, f"{app_server}/{PAGE}?{UNCERTAINTY}")
    before = plotly_json(page, 0)
    assert set_slider(page, "Passes T with dropout on", value=105) == 105
    link = parse_qs(page.url.split("?", 1)[1]) if "?" in page.url else {}
    assert float(link["e_passes"][-1]) == 105, page.url
    assert link["e_tab"] == ["Uncertainty (MC dropout)"], page.url
    assert plotly_json(page, 0) != before
