"""Figure first in presenter mode: where a page puts its explanation, its key controls and its main figure.

A lecture hall watches the figure. In presenter mode a page shows, on its first screen at 1920 × 1080 and at
1280 × 720: the title, the tab bar, the key controls in a narrow column and the main figure beside them. The
explanation (paragraphs, formulas) folds into an expander above, or goes below the figure. Outside presenter mode
the page reads top to bottom as before.

The main figure is drawn with ``widgets.chart(fig, key=MAIN_FIGURE_KEY)`` (one per open tab), so a browser test can
find its box (the element carries the CSS class ``st-key-main_figure``).
"""
from __future__ import annotations

import streamlit as st

from .i18n import _

MAIN_FIGURE_KEY = "main_figure"
# The main figure's height in presenter mode, in CSS pixels. At 1280 × 720 the page has about 720 − 60 (Streamlit's
# header) − 70 (the title) − 50 (the tab bar) − 40 (a folded explanation) ≈ 500 px left for the figure.
PRESENTER_FIGURE_HEIGHT = 480


def explanation(presenter: bool):
    """The container for a page's or a tab's explanatory text: in place normally, folded in presenter mode."""
    return st.expander(_("About this figure"), expanded=False) if presenter else st.container()


def stage(presenter: bool, controls_width: float = 0.28):
    """(controls, figure) containers: side by side in presenter mode (key controls left, the figure right),
    stacked in reading order otherwise."""
    if not presenter:
        return st.container(), st.container()
    left, right = st.columns([controls_width, 1.0 - controls_width], gap="medium")
    return left, right
