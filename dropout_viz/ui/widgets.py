"""URL-bound controls, link notices, outside text and charts: the widgets every lesson's view is made of.

Every widget made here is bound to the URL (``bind="query-params"``), so a copied link reproduces the page; a value
in the URL that the widget cannot take is dropped with a visible notice at the top of the page. Text that came from
outside (a link, an upload, a file name) is shown only through ``plain``.
"""
from __future__ import annotations

import re

import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..figures import style
from ..figures.alt import describe
from ..figures.titles import wrap_title
from . import layout, plotly_element
from .i18n import _, current_language

IMAGE_KEY = "img"
IMAGE_FORMATS = {"png": "PNG", "svg": "SVG"}


# Plotly's camera button exports at slide resolution (1920 px wide at 2x scale).

CHART_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "width": 1600, "height": 900, "scale": 2},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}

def chart_config() -> dict:
    """Plotly's config for the current figure-download format (camera button: PNG or SVG)."""
    fmt = st.session_state.get(IMAGE_KEY, "png")
    return {**CHART_CONFIG, "toImageButtonOptions": {**CHART_CONFIG["toImageButtonOptions"],
                                                     "format": fmt if fmt in IMAGE_FORMATS else "png"}}

def _remember_url_params() -> None:
    """Snapshot the URL's parameters before widgets read them, so rejected values can be reported.

    Only at a page's first run in a session, when the URL is the link that was opened. Later the widgets write
    the URL themselves, and a run can start with the URL of a half-finished earlier one (two quick key presses on
    a slider: 0.45 in the URL, 0.4 in the widget), which is no rejected link value.
    """
    ctx = get_script_run_ctx()
    page = getattr(ctx, "page_script_hash", "") if ctx is not None else ""
    opened = st.session_state.setdefault("_url_pages_opened", set())
    if page in opened:
        st.session_state["_url_params"] = {}
        return
    opened.add(page)
    st.session_state["_url_params"] = {k: st.query_params.get_all(k) for k in st.query_params}

# Every URL parameter the lab reads (widget keys, counters, tabs), gathered as pages run: a link parameter that is
# none of these is reported as unknown.

_URL_KEYS: set[str] = {IMAGE_KEY}  # nav adds the other shared settings

def _note_once(key: str, what: str, text: str) -> None:
    """Queue a notice about the link, once per session for each (parameter, what)."""
    seen = st.session_state.setdefault("_url_notices_seen", set())
    if (key, what) not in seen:
        seen.add((key, what))
        notice(text)

def _note_rejected(key: str, value) -> None:
    """If the URL asked for a value this widget did not take, say so once (the widget keeps its default).

    The link's text is quoted through plain(): at most 60 characters, never read as Markdown or HTML.
    """
    _URL_KEYS.add(key)
    raw = st.session_state.get("_url_params", {}).get(key)
    if not raw:
        return
    asked = raw[-1]
    if _same(asked, value):
        return
    _note_once(key, asked, _("The link's value {key}={value} is not allowed here, so the default is used instead.").format(
        key=key, value=plain(asked)))  # the key is the app's own name for the control; the value is the link's

def url_key(key: str) -> str:
    """Declare a URL parameter that a page reads without the helpers below (so a link holding it is no notice)."""
    _URL_KEYS.add(key)
    return key

def _note_link_keys() -> None:
    """Notices for link parameters the lab does not read, and for parameters given more than once."""
    for key, values in st.session_state.get("_url_params", {}).items():
        if key not in _URL_KEYS:
            _note_once(key, "unknown", _("The link's parameter {key} is not used here, so it is ignored.").format(
                key=plain(key, 30)))
        elif len(values) > 1:
            _note_once(key, "repeated", _("The link gives {key} {n} times; only the last one is used.").format(
                key=plain(key, 30), n=len(values)))

def _same(asked: str, value) -> bool:
    if isinstance(value, bool):
        return asked.lower() in (("true", "1") if value else ("false", "0"))
    if isinstance(value, (int, float)):
        try:
            return abs(float(asked) - float(value)) <= 1e-9 * max(1.0, abs(float(value)))
        except ValueError:
            return False
    return str(value) == asked

# Characters left as they are when outside text is shown: letters, digits (any script) and spaces. Everything else
# becomes a numeric character reference, which Markdown shows as that character and never reads as syntax:
# no link, emphasis, code span, HTML tag, autolink (`https://`, `www.`), emoji shortcode or colour directive.

_PLAIN_SAFE = re.compile(r"[^\W_]| ")

def plain(value, limit: int = 60) -> str:
    """Text that came from outside the app (a link, an upload, a file name), ready to put into Markdown.

    Shown exactly as written, as plain text: never Markdown or HTML, and no address in it becomes a link (an
    invisible word joiner, U+2060, goes before each ":", "." and "@"). At most ``limit`` characters are quoted; a
    longer value is cut there and ends with "…". Control characters (newlines included) show as spaces.
    """
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    text = "".join(" " if (ch.isspace() or not ch.isprintable()) else ch for ch in text)
    # Streamlit's Markdown (GFM) turns a URL, www. address or e-mail address in the *decoded* text into a live
    # link, references or not: an invisible word joiner before every ":", "." and "@" breaks those patterns
    # ("https:", "www." and "name@" no longer touch).
    return "".join(ch if ch == "…" or _PLAIN_SAFE.fullmatch(ch)
                   else ("&#8288;" if ch in _AUTOLINK_BREAKS else "") + f"&#{ord(ch)};" for ch in text)

_AUTOLINK_BREAKS = frozenset(":.@")

def notice(text: str) -> None:
    """A notice about the link, shown at the top of the page by show_url_notices (e.g. a malformed table)."""
    st.session_state.setdefault("_url_notices", []).append(text)

def show_url_notices() -> None:
    """Show (once, at the top of the page) the notices about link parameters that were ignored.

    Call it after the page's widgets, which are what find the bad values.
    """
    _note_link_keys()
    box = st.session_state.get("_notice_box", st)
    for text in st.session_state.pop("_url_notices", []):
        box.warning(text, icon="🔗")

def slider(label: str, key: str, lo, hi, default, step=None, *, help: str | None = None, fmt: str | None = None,
           container=st):
    """A slider bound to the URL parameter ``key``."""
    value = container.slider(label, min_value=lo, max_value=hi, value=default, step=step, key=key, help=help,
                             format=fmt, bind="query-params")
    _note_rejected(key, value)
    return value

def select(label: str, key: str, options, default, *, format_func=str, help: str | None = None, container=st,
           horizontal: bool = False, radio: bool = False):
    """A selectbox (or radio) bound to the URL parameter ``key``."""
    options = list(options)
    idx = options.index(default)
    if radio:
        value = container.radio(label, options, index=idx, format_func=format_func, key=key, help=help,
                                horizontal=horizontal, bind="query-params")
    else:
        value = container.selectbox(label, options, index=idx, format_func=format_func, key=key, help=help,
                                    bind="query-params")
    # The URL holds the option as it is shown (format_func's label), so compare with that.
    _note_rejected(key, format_func(value))
    return value

def number(label: str, key: str, lo: int, hi: int, default: int, *, help: str | None = None, container=st):
    """An integer input (seeds, sizes) bound to the URL parameter ``key``."""
    value = container.number_input(label, min_value=lo, max_value=hi, value=default, step=1, key=key, help=help,
                                   bind="query-params")
    _note_rejected(key, value)
    return int(value)

def toggle(label: str, key: str, default: bool = False, *, help: str | None = None, container=st) -> bool:
    """A toggle bound to the URL parameter ``key``."""
    value = container.toggle(label, value=default, key=key, help=help, bind="query-params")
    _note_rejected(key, value)
    return bool(value)

def keep_slider(label: str, key: str, default: float, *, lo: float = 0.05, container=st, help: str | None = None):
    """Keep-probability slider in (0, 1]; the caption names both conventions."""
    q = slider(label, key, lo, 1.0, default, 0.05, fmt="%.2f", container=container,
               help=help or _("Keep probability q: each unit survives with probability q. The drop rate is p = 1 − q. "
                                   "q = 0 is not offered: inverted dropout divides by q."))
    return float(round(q, 4))

def chart(fig, *, key: str | None = None, alt: str | None = None) -> None:
    """Show a Plotly figure at full width with slide-resolution export, and its alt text for screen readers.

    ``alt``: the page's own description of the figure (the app's own words only); without it the description is
    derived from the figure (title, panels, axis titles, trace names: figures.alt.describe). Either is put, as
    plain text, in a visually hidden element just before the chart (class ``dlab-alt``), which a screen reader
    reads and a browser test finds.

    In presenter mode every text of the figure is raised to the projector minimums (style.presenter_text), and
    the page's main figure (``key=layout.MAIN_FIGURE_KEY``) fills the first screen below the title and tab bar
    (layout.PRESENTER_FIGURE_CSS), beside its controls.
    """
    presenter = bool(st.session_state.get("presenter"))
    main = presenter and key == layout.MAIN_FIGURE_KEY
    # The main figure in presenter mode: the browser sizes it to the first screen (layout.PRESENTER_FIGURE_CSS).
    height = "stretch" if main else "content"
    lang = current_language()
    # The spec (and the description) made once per figure object: the views' figures are shared and never change.
    p = plotly_element.prepared(fig, height=height, cache_key=(presenter, main, None if alt else lang),
                                transform=_presenter_figure(main) if presenter else None,
                                alt=None if alt else (lambda shown: describe(shown, lang)))
    text = alt if alt else p.alt
    # plain(): every character but letters, digits and spaces as a character reference, so nothing in a title or
    # a trace name (which may quote an uploaded file's labels) is read as Markdown or HTML.
    # st.html, not st.markdown: the description is no paragraph of the page (AppTest lists it apart, too).
    st.html(f'<div class="dlab-alt" role="note">{plain(text, limit=MAX_ALT)}</div>')
    # theme=None: the figure keeps its own fonts and palette (presenter sizes, colour-blind-safe colours).
    plotly_element.show(p, key=key, config=chart_config(), height=height)

def _presenter_figure(main: bool):
    """Presenter mode's copy of a figure: every text raised to the projector minimums, and long titles, which
    then overrun a figure beside the controls, on a smaller line or two. The main figure gets the first screen's
    height (what a reader without CSS, AppTest or the exported JSON, sees)."""
    def transform(fig):
        shown = wrap_title(style.presenter_text(go.Figure(fig)))
        if main:
            shown.update_layout(height=layout.PRESENTER_FIGURE_HEIGHT)
        return shown
    return transform

MAX_ALT = 700

def main_chart(fig, box=None) -> None:
    """The open tab's main figure (one per run): ``chart`` under layout.MAIN_FIGURE_KEY, which a browser test finds
    and which, in presenter mode, is sized to the first screen with its long title wrapped. ``box``: a container
    (the presenter stage's figure column), or None or the st module itself for where the page is."""
    if box is None or box is st:
        chart(fig, key=layout.MAIN_FIGURE_KEY)
    else:
        with box:
            chart(fig, key=layout.MAIN_FIGURE_KEY)


def table(rows: list[dict], *, interactive: bool = False, container=None, **kwargs) -> None:
    """Rows (dicts of column name -> value, every row with the same columns) as a table without an index column:
    ``st.table``, or ``st.dataframe`` (sorting, search, column widths) when ``interactive``; ``kwargs`` go to it.
    ``container``: where to draw it (a column), else where the page is.

    The rows reach Streamlit as an Arrow table built from them directly (about 0.1 ms for a page's table), not
    through a pandas DataFrame (about 2.5 ms a table): on the pages with several tables that was a fifth of a
    run's server CPU (scripts/action_costs.py). Rows whose columns differ, or a column whose values Arrow cannot
    give one type, go to Streamlit as they are (its pandas way), so the table shows what st.table would."""
    data = rows
    if rows and all(r.keys() == rows[0].keys() for r in rows):
        try:
            data = pa.Table.from_pylist(rows)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    box = st if container is None else container
    if interactive:
        box.dataframe(data, hide_index=True, **kwargs)
    else:
        box.table(data, hide_index=True, **kwargs)


def counter(key: str) -> int:
    """A per-session integer (e.g. how many masks were resampled), also kept in the URL so links reproduce it."""
    _URL_KEYS.add(key)
    if key not in st.session_state:
        raw = st.query_params.get(key)
        try:
            value = int(raw) if raw is not None else 0
        except ValueError:
            value = None
        if value is None or not 0 <= value <= COUNTER_MAX:
            st.session_state[key] = 0
            _note_once(key, raw, _("The link's value {key}={value} is not a whole number from 0 to {hi}, so it "
                                   "starts from 0.").format(key=key, value=plain(raw), hi=f"{COUNTER_MAX:,}"))
        else:
            st.session_state[key] = value
    return st.session_state[key]

COUNTER_MAX = 10**6

def tabs(titles: list[str], key: str):
    """st.tabs bound to the URL parameter ``key`` (the link's value is the tab's English title); a title that is
    not one of the tabs opens the first, with a notice."""
    out = st.tabs(titles, key=key, bind="query-params")
    opened = next((t for t, tab in zip(titles, out) if tab.open), titles[0])
    _note_rejected(key, opened)
    return out

def bump(key: str, by: int = 1) -> None:
    """Advance a counter and record it in the URL."""
    st.session_state[key] = counter(key) + by
    st.query_params[key] = str(st.session_state[key])

def superscript(n: int) -> str:
    """n in Unicode superscript digits, for powers such as 2¹⁸ in metrics (which cannot show LaTeX)."""
    return str(n).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))

def error(exc: Exception) -> None:
    """Show a library ValueError as a readable message instead of a traceback."""
    st.error(str(exc), icon="⚠️")


def tab_body(draw, *args) -> None:
    """``draw(*args)``: one tab's controls and figures; a ValueError it raises is the tab's message."""
    try:
        draw(*args)
    except ValueError as exc:
        error(exc)


# The same as a fragment: moving one of the tab's own controls reruns only the tab. (Not in presenter mode on
# pages whose tab controls sit in the page's side column: a fragment cannot draw outside itself.)
tab_fragment = st.fragment(tab_body)


def page_link_markdown(label: str, href: str) -> None:
    """A link to a page of the lab written as Markdown (where st.page_link cannot resolve the page)."""
    st.markdown(f"[{label}]({href})")
