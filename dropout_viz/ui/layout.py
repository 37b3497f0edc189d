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
# The main figure's height in presenter mode, in CSS pixels, where no browser sizes it (AppTest, a figure's own
# layout). In the browser it fills the first screen instead: its box (the element with class st-key-main_figure)
# is as tall as the viewport less PRESENTER_FIGURE_MARGIN, between PRESENTER_FIGURE_MIN and PRESENTER_FIGURE_MAX
# pixels, and widgets.chart draws the figure with height="stretch" into it. The margin is Streamlit's header, the
# compact title, the tab bar and a row of controls above the figure, with a little room below: at 1280 × 720 the
# figure is 460 px tall, at 1920 × 1080 820 px.
PRESENTER_FIGURE_HEIGHT = 460
PRESENTER_FIGURE_MARGIN = 260
PRESENTER_FIGURE_MIN = 360
PRESENTER_FIGURE_MAX = 820
# Only a Plotly chart is sized so (a page's own component, such as the live view, sizes itself to the screen).
PRESENTER_FIGURE_CSS = (f".st-key-{MAIN_FIGURE_KEY}:has([data-testid=\"stPlotlyChart\"]) {{ height: clamp({PRESENTER_FIGURE_MIN}px, "
                        f"calc(100vh - {PRESENTER_FIGURE_MARGIN}px), {PRESENTER_FIGURE_MAX}px); }}")


def explanation(presenter: bool, intro: str | None = None):
    """The container for a page's or a tab's explanatory text: in place normally, folded in presenter mode. In
    presenter mode ``intro`` (the page's introduction, already translated) opens the fold: one fold for the page's
    and the tab's text, so the figure keeps the first screen."""
    if not presenter:
        return st.container()
    box = st.expander(_("About this figure"), expanded=False)
    if intro:
        box.markdown(intro)
    return box


def stage(presenter: bool, controls_width: float = 0.28):
    """(controls, figure) containers: side by side in presenter mode (key controls left, the figure right),
    stacked in reading order otherwise."""
    if not presenter:
        return st.container(), st.container()
    left, right = st.columns([controls_width, 1.0 - controls_width], gap="medium")
    return left, right


def figure_first(presenter: bool):
    """(stage, about) containers in page order: in presenter mode the stage (key controls and main figure) comes
    first and the explanation folds below it; otherwise the explanation reads first, as before.

    Fill them in any order (``with about: st.markdown(...)``, ``with stage: ...``): their places are fixed here.
    """
    if presenter:
        stage_box = st.container()
        return stage_box, explanation(True)
    about = st.container()
    return st.container(), about
