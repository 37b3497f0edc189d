"""Every figure every page shows, in presenter mode (?presenter=true), under AppTest: its text is at least 1/50 of a
1080 px screen (axis titles and tick labels 28 px, every other text 22 px; tests/figures/text_sizes.py), and the
page's main figure is drawn at the presenter height.

Pages and tabs are found, not listed: every page file (app.py, pages/*.py) that exists, and each tab of it, opened
through the tab's link parameter (the keys are read from the views' ``widgets.tabs(…, "key")`` calls).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dropout_viz.ui import layout
from tests.figures.text_sizes import too_small

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["app.py"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


def _tab_keys() -> list[str]:
    """The link parameter of every tab bar: ``widgets.tabs(TABS, "key")`` or ``widgets.tabs(TABS, NAME)`` with
    ``NAME = "key"`` in the same view."""
    keys = set()
    for view in (ROOT / "dropout_viz" / "lessons").glob("*/view.py"):
        text = view.read_text()
        for arg in re.findall(r"widgets\.tabs\(.*?,\s*([\"']?\w+[\"']?)\s*\)", text):
            if arg[0] in "\"'":
                keys.add(arg.strip("\"'"))
            else:
                found = re.search(rf"^{arg}\s*=\s*[\"'](\w+)[\"']", text, re.M)
                if found:
                    keys.add(found.group(1))
    return sorted(keys)


TAB_KEYS = _tab_keys()


def _run(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    at.query_params["presenter"] = "true"
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _check(at: AppTest, where: str) -> int:
    charts = at.get("plotly_chart")
    problems = []
    for chart in charts:
        spec = json.loads(chart.proto.spec)
        name = chart.proto.id.rsplit("-", 1)[-1]
        problems += [f"{where} {name}: {p}" for p in too_small(spec)]
        if name == layout.MAIN_FIGURE_KEY:
            assert spec["layout"]["height"] == layout.PRESENTER_FIGURE_HEIGHT, (where, spec["layout"]["height"])
    assert not problems, "\n".join(problems[:40])
    return len(charts)


def test_the_tab_keys_are_found():
    assert "m_tab" in TAB_KEYS and "e_tab" in TAB_KEYS


@pytest.mark.parametrize("page", PAGES)
def test_every_figure_has_projector_text(page):
    at = _run(page)
    shown = _check(at, page)
    tabs = [t.label for t in at.tabs]
    for label in tabs[1:]:  # the first is open already
        tab = _run(page, **{key: label for key in TAB_KEYS})
        shown += _check(tab, f"{page} [{label}]")
    # Some tabs draw their figure only after a button (a training run); the live view is the page's own component.
    if page != "pages/2_Live_training.py":
        assert shown >= 1, f"{page}: no Plotly figure over {len(tabs)} tabs"
