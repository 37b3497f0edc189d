"""The lab's frame: page setup, the page list, presenter mode, the language and the download format.

These settings are the same widget on every page and follow the user from page to page (through the page links
and the session), while every other control belongs to its page.
"""
from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitAPIException, StreamlitPageNotFoundError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..core import i18n, system
from . import flush_slices, layout, lecture, loop_batches, rerun_order, widgets
from .i18n import LANG_STATE, N_, _
from .widgets import IMAGE_FORMATS, IMAGE_KEY, _note_rejected, _remember_url_params, page_link_markdown

# Every page imports this module: compiled programs survive a restart of the app (see core/system.py).
system.enable_compilation_cache()
# After the start-up walk its launcher asks, through a file only it can write, for the walk's compiled programs to
# be dropped (core/system.py: ReleaseSignal; scripts/warm.py --release).
RELEASE = system.ReleaseSignal.from_env()
# A fragment's request (the live view's next batch) never loses a page run's "finished" (see ui/rerun_order.py).
rerun_order.install()
# Streamlit's sender yields to the event loop once per 5 ms, not after every message (see ui/flush_slices.py).
flush_slices.install()
# A run's events wake the event loop once a batch, not once each (see ui/loop_batches.py).
loop_batches.install()

PRESENTER_KEY = "presenter"
LANG_KEY = "lang"
# Each language under its own name, as the link stores it (lang=<the name>).
LANGUAGES = {code: i18n.language_name(code) for code in i18n.LOCALES}
LANGUAGE_LABEL = N_("Language")
widgets._URL_KEYS.update({PRESENTER_KEY, LANG_KEY})


# Presenter mode: every text of the page at least 1/50 of a 1080 px screen (22 px; the root font is 22 px, so 1rem is
# 22 px and nothing below is smaller), and less air around it, so the title, the tab bar, the key controls and the
# main figure share the first screen at 1280 x 720 too (tests/browser/test_presenter_layout.py).
PRESENTER_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stHeader"] { height: 2.2rem; min-height: 2.2rem; background: transparent; }
[data-testid="stMainBlockContainer"] { padding-top: 2.4rem !important; padding-bottom: 3rem !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.55rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.05rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.05rem; }
h1 { font-size: 1.9rem !important; padding: 0 0 0.35rem 0 !important; line-height: 1.2 !important; }
h2 { font-size: 1.6rem !important; } h3 { font-size: 1.35rem !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 1rem; }
[data-testid="stMetricValue"] { font-size: 1.8rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.05rem; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1rem; }
[data-testid="stSliderThumbValue"], [data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"] { font-size: 1rem; }
[data-testid="stTab"] p, [data-baseweb="tab"] p { font-size: 1.1rem; }
[data-testid="stExpander"] summary p { font-size: 1.05rem; }
[data-testid="stTooltipContent"], [data-testid="stTooltipContent"] p { font-size: 1rem; }
[data-testid="stMain"] input, [data-testid="stMain"] textarea,
[data-testid="stMain"] [data-baseweb="select"] div { font-size: 1rem; }
.katex { font-size: 1.1em; }
</style>
"""

# On every page: the figures' alt text (widgets.chart) is read by screen readers but takes no room on the screen.
BASE_CSS = """
<style>
.dlab-alt { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
[data-testid="stElementContainer"]:has(.dlab-alt) { position: absolute; width: 1px; height: 1px; overflow: hidden;
  margin: 0; padding: 0; }
</style>
"""

def page_setup(title: str, icon: str = "🎲") -> bool:
    """Configure the page, draw the shared sidebar (presenter mode) and return whether presenter mode is on."""
    # Presenter mode starts with the sidebar folded away: the hall sees the content, not the settings.
    folded = st.query_params.get(PRESENTER_KEY, "").lower() in ("true", "1")
    st.set_page_config(page_title=f"{title} · Dropout Lab", page_icon=icon, layout="wide",
                       initial_sidebar_state="collapsed" if folded else "auto")
    RELEASE.check()
    _remember_url_params()
    _carry_shared_settings()
    _settle_language()
    with st.sidebar:
        nav = st.container()  # filled once the language is known
        st.divider()
        presenter = st.toggle(_("Presenter mode"), key=PRESENTER_KEY, bind="query-params",
                              help=_("Large fonts and figures for the back row of a lecture hall. "
                                     "The link keeps it on (…?presenter=true)."))
        # The label in every language, so a reader who does not know the current one can still find it.
        lang = st.radio(" · ".join(i18n.translator(code)(LANGUAGE_LABEL) for code in LANGUAGES), list(LANGUAGES),
                        format_func=LANGUAGES.get, key=LANG_KEY, horizontal=True, bind="query-params",
                        help=_("The explanatory text in English or Chinese (…?lang={name}). Numbers, formulas and "
                               "figures are the same in both.").format(name=LANGUAGES["zh"]))
        img = st.radio(_("Figure download (camera button)"), list(IMAGE_FORMATS), format_func=IMAGE_FORMATS.get,
                       key=IMAGE_KEY, horizontal=True, bind="query-params",
                       help=_("Every figure's camera button (top right of the figure) saves it in this format: PNG "
                              "at 3200 × 1800 pixels, or SVG for slides that scale without blur."))
    _note_rejected(PRESENTER_KEY, presenter)
    _note_rejected(LANG_KEY, LANGUAGES[lang])
    _note_rejected(IMAGE_KEY, IMAGE_FORMATS[img])
    st.session_state[LANG_STATE] = lang
    st.session_state["_shared"] = {k: st.session_state[k] for k in SHARED_PARAMS}
    lecture.frame()  # the guided lecture: its loader in the sidebar, its bar at the top when the link names one
    with nav:
        _navigation()
    # st.html with nothing but a <style>: applied to the page, takes no room on it.
    st.html(BASE_CSS + (PRESENTER_CSS.replace("</style>", layout.PRESENTER_FIGURE_CSS + "\n</style>")
                        if presenter else ""))
    # Notices about the link are drawn here, at the top, but only known once the widgets have run.
    st.session_state["_notice_box"] = st.container()
    return presenter

# The map of the lab, in teaching order: page file, title, one line (translated where shown).

PAGES = [
    ("pages/1_Masks_and_subnetworks.py", N_("Masks and subnetworks"),
     N_("what one dropout step does to a network")),
    ("pages/2_Live_training.py", N_("Live training"),
     N_("the same network trained with and without dropout")),
    ("pages/3_Ensemble_vs_weight_scaling.py", N_("Ensemble vs weight scaling"),
     N_("the average of many subnetworks against one scaled network")),
    ("pages/4_Bagging_and_boosting.py", N_("Bagging and boosting"),
     N_("ensembles with and without shared weights")),
    ("pages/5_Dropout_as_regularisation.py", N_("Dropout as regularisation"),
     N_("an L2 penalty in disguise, and its rivals")),
    ("pages/6_Inside_the_network.py", N_("Inside the network"),
     N_("co-adaptation, paths, Jensen's gap, flat minima")),
    ("pages/7_Batch_norm_and_placement.py", N_("Batch norm and placement"),
     N_("dropout's variance shift under batch normalisation, and where to put dropout")),
    ("pages/8_Dropout_for_images.py", N_("Dropout for images"),
     N_("element-wise, spatial and DropBlock masks on a CNN's feature maps")),
    ("pages/8_Sequences_and_depth.py", N_("Sequences and depth"),
     N_("dropout on recurrent connections, and dropping whole residual blocks")),
    ("pages/9_Uncertainty.py", N_("Uncertainty"),
     N_("calibration, Monte Carlo dropout against a deep ensemble, and what the spread is made of")),
]


@functools.cache
def _present() -> tuple[tuple[str, str, str], ...]:
    """The PAGES whose file is in this checkout: looked up once per process (every run of every page asks)."""
    root = Path(__file__).resolve().parents[2]
    return tuple(entry for entry in PAGES if (root / entry[0]).exists())


def page_map() -> list[tuple[str, str, str]]:
    """(page file, title, one line) for each page of the lab present in this checkout, in the current language."""
    return [(page, _(title), _(line)) for page, title, line in _present()]


SHARED_PARAMS = (PRESENTER_KEY, LANG_KEY, IMAGE_KEY)

# How each shared setting is written in a link; None for its default, which a link leaves out.

_SHARED_AS_URL = {PRESENTER_KEY: lambda v: "true" if v else None,
                  LANG_KEY: lambda v: None if v == "en" else LANGUAGES.get(v),
                  IMAGE_KEY: lambda v: None if v == "png" else IMAGE_FORMATS.get(v)}

def shared_params() -> dict:
    """The settings every page shares (presenter mode, language, download format), to carry across page links.

    Read from the session (the widgets' current values), not from the URL: the server's copy of the URL is not
    refreshed on every rerun, so it can still hold a setting the user has just switched off.
    """
    shared = st.session_state.get("_shared")
    if shared is None:  # before page_setup's widgets have run
        return {k: st.query_params[k] for k in SHARED_PARAMS if k in st.query_params}
    out = {k: _SHARED_AS_URL[k](v) for k, v in shared.items()}
    return {k: v for k, v in out.items() if v is not None}

def page_url(page: str) -> str:
    """The address Streamlit serves a page file at: "" for app.py, "Masks_and_subnetworks" for
    pages/1_Masks_and_subnetworks.py (the number that orders the page list is not part of it)."""
    name = Path(page).stem
    if name == "app":
        return ""
    head, _, rest = name.partition("_")
    return rest if head.isdigit() and rest else name

def page_link(page: str, label: str, **kw) -> None:
    """A link to another page of the lab that keeps presenter mode, language and download format.

    Streamlit resolves page files against the script it was started with. Started on app.py (``make run``,
    the browser tests) every page resolves; a single page run on its own (AppTest.from_file on a page) knows
    no other page, and gets a plain link to the page's address instead of a crash.
    """
    try:
        st.page_link(page, label=label, query_params=shared_params(), **kw)
    except StreamlitPageNotFoundError:
        query = urlencode(shared_params())
        page_link_markdown(label, f"/{page_url(page)}{'?' + query if query else ''}")

def _carry_shared_settings() -> None:
    """Keep presenter mode, language and download format when the user changes page.

    Streamlit forgets a page's widgets (and their URL parameters) when another page opens; these three are the
    same widget on every page, so the new page starts from the session's last values unless its link says
    otherwise. Only when the page changes: on a rerun of the same page the widgets already hold the user's choice
    (switching a setting off removes it from the URL, which must not bring it back).

    The value is handed to the widget through st.session_state, never written to st.query_params: the parameter
    is bound to the widget, which writes the URL itself (Streamlit refuses a direct write to a bound parameter).
    """
    ctx = get_script_run_ctx()
    page = getattr(ctx, "page_script_hash", "") if ctx is not None else ""
    came_from = st.session_state.get("_shared_page")
    st.session_state["_shared_page"] = page
    if came_from is None or came_from == page:
        return
    for k, v in st.session_state.get("_shared", {}).items():
        if k not in st.query_params and _SHARED_AS_URL[k](v) is not None:
            st.session_state[k] = v
            # The new page's link keeps the setting too (a copied link opens the same page). Streamlit clears a
            # setting's parameter when the old page's widget goes; it may be written while no widget holds it.
            try:
                st.query_params[k] = _SHARED_AS_URL[k](v)
            except StreamlitAPIException:  # a widget still holds it: the widget writes the link itself
                pass

def _settle_language() -> None:
    """This run's language, known before the sidebar's own labels are written: the language radio's value when the
    session has one (a click on it sets it before the run starts), else the link's (?lang=<the language's name>),
    else the session's last. Without it the labels above the radio would speak the previous run's language."""
    lang = st.session_state.get(LANG_KEY)
    if lang not in LANGUAGES:
        asked = st.query_params.get(LANG_KEY)
        lang = next((code for code, name in LANGUAGES.items() if name == asked), None)
    if lang in LANGUAGES:
        st.session_state[LANG_STATE] = lang


def _navigation() -> None:
    """The sidebar's page list in the current language (Streamlit's own calls the home page "app" and forgets
    the shared settings when it changes page)."""
    page_link("app.py", label=_("Home"), icon="🏠")
    for page, title, _line in page_map():
        page_link(page, label=title)
