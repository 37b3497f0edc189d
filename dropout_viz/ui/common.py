"""Shared page furniture: page setup, presenter mode, URL-bound widgets, messages, charts.

This package is the only part of the library that imports streamlit. Every widget made here is bound to
the URL (``bind="query-params"``), so a copied link reproduces the page; a value in the URL that the
widget cannot take is dropped with a visible notice.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..core import system
from ..figures.style import keep_text

# Every page imports this module: compiled programs survive a restart of the app (see system.py).
system.enable_compilation_cache()

PRESENTER_KEY = "presenter"
LANG_KEY = "lang"
LANGUAGES = {"en": "English", "zh": "中文"}
IMAGE_KEY = "img"
IMAGE_FORMATS = {"png": "PNG", "svg": "SVG"}

# Plotly's camera button exports at slide resolution (1920 px wide at 2x scale).
CHART_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "width": 1600, "height": 900, "scale": 2},
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}

PRESENTER_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.25rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.15rem; }
h1 { font-size: 3rem !important; } h2 { font-size: 2.3rem !important; } h3 { font-size: 1.9rem !important; }
[data-testid="stCaptionContainer"] { font-size: 1.05rem; }
[data-testid="stMetricValue"] { font-size: 2.4rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.2rem; }
</style>
"""


def page_setup(title: str, icon: str = "🎲") -> bool:
    """Configure the page, draw the shared sidebar (presenter mode) and return whether presenter mode is on."""
    # Presenter mode starts with the sidebar folded away: the hall sees the content, not the settings.
    folded = st.query_params.get(PRESENTER_KEY, "").lower() in ("true", "1")
    st.set_page_config(page_title=f"{title} · Dropout Lab", page_icon=icon, layout="wide",
                       initial_sidebar_state="collapsed" if folded else "auto")
    _remember_url_params()
    _carry_shared_settings()
    with st.sidebar:
        nav = st.container()  # filled once the language is known
        st.divider()
        presenter = st.toggle("Presenter mode", key=PRESENTER_KEY, bind="query-params",
                              help="Large fonts and figures for the back row of a lecture hall. "
                                   "The link keeps it on (…?presenter=true).")
        lang = st.radio("Language · 语言", list(LANGUAGES), format_func=LANGUAGES.get, key=LANG_KEY,
                        horizontal=True, bind="query-params",
                        help="The explanatory text in English or Chinese (…?lang=中文). Numbers, formulas and "
                             "figures are the same in both.")
        img = st.radio("Figure download (camera button)", list(IMAGE_FORMATS), format_func=IMAGE_FORMATS.get,
                 key=IMAGE_KEY, horizontal=True, bind="query-params",
                 help="Every figure's camera button (top right of the figure) saves it in this format: PNG at "
                      "3200 × 1800 pixels, or SVG for slides that scale without blur.")
    _note_rejected(PRESENTER_KEY, presenter)
    _note_rejected(LANG_KEY, LANGUAGES[lang])
    _note_rejected(IMAGE_KEY, IMAGE_FORMATS[img])
    st.session_state["_lang"] = lang
    st.session_state["_shared"] = {k: st.session_state[k] for k in SHARED_PARAMS}
    with nav:
        _navigation()
    if presenter:
        st.markdown(PRESENTER_CSS, unsafe_allow_html=True)
    # Notices about the link are drawn here, at the top, but only known once the widgets have run.
    st.session_state["_notice_box"] = st.container()
    return presenter


def tr(en: str, zh: str) -> str:
    """The explanatory text in the language chosen in the sidebar (English unless ``?lang=中文``)."""
    return zh if is_chinese() else en


def is_chinese() -> bool:
    """Whether the session reads the pages in Chinese."""
    return st.session_state.get("_lang") == "zh"


def keep_words(q: float) -> str:
    """'keep q = 0.8 (drop rate p = 0.2)' in the session's language."""
    return keep_text(q, "zh" if is_chinese() else "en")


def spinner(en: str, zh: str):
    """st.spinner with its text in the session's language (cached functions show none of their own: their text
    would be cached in the language of whoever computed them first)."""
    return st.spinner(tr(en, zh))


def translated_rows(rows, translate):
    """A table (a dict per row, or one dict) as the page shows it: in Chinese, column names and text cells passed
    through ``translate`` (numbers never); in English, unchanged."""
    if not is_chinese():
        return rows

    def one(row):
        return {translate(k): translate(v) if isinstance(v, str) else v for k, v in row.items()}
    return [one(r) for r in rows] if isinstance(rows, list) else one(rows)


def translated_names(series: dict, translate) -> dict:
    """A figure's series (name -> values) with the names passed through ``translate`` in Chinese."""
    return {translate(k): v for k, v in series.items()} if is_chinese() else series


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
_URL_KEYS: set[str] = {PRESENTER_KEY, LANG_KEY, IMAGE_KEY}


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
    _note_once(key, asked, tr("The link's value {key}={value} is not allowed here, so the default is used instead.",
                              "链接中的取值 {key}={value} 在此无效，已改用默认值。").format(
        key=key, value=plain(asked)))  # the key is the app's own name for the control; the value is the link's


def url_key(key: str) -> str:
    """Declare a URL parameter that a page reads without the helpers below (so a link holding it is no notice)."""
    _URL_KEYS.add(key)
    return key


def _note_link_keys() -> None:
    """Notices for link parameters the lab does not read, and for parameters given more than once."""
    for key, values in st.session_state.get("_url_params", {}).items():
        if key not in _URL_KEYS:
            _note_once(key, "unknown", tr("The link's parameter {key} is not used here, so it is ignored.",
                                          "链接中的参数 {key} 在此没有用处，已忽略。").format(key=plain(key, 30)))
        elif len(values) > 1:
            _note_once(key, "repeated", tr("The link gives {key} {n} times; only the last one is used.",
                                           "链接中的参数 {key} 出现了 {n} 次，只使用最后一个。").format(
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
               help=help or "Keep probability q: each unit survives with probability q. The drop rate is p = 1 − q. "
                             "q = 0 is not offered: inverted dropout divides by q.")
    return float(round(q, 4))


def chart(fig, *, key: str | None = None) -> None:
    """Show a Plotly figure at full width with slide-resolution export."""
    # theme=None: the figure keeps its own fonts and palette (presenter sizes, colour-blind-safe colours).
    st.plotly_chart(fig, width="stretch", theme=None, config=chart_config(), key=key)


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
            _note_once(key, raw, tr("The link's value {key}={value} is not a whole number from 0 to {hi}, so it "
                                    "starts from 0.", "链接中的取值 {key}={value} 不是 0 到 {hi} 之间的整数，已从 0 开始。"
                                    ).format(key=key, value=plain(raw), hi=f"{COUNTER_MAX:,}"))
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


__all__ = ["page_setup", "page_link", "tabs", "url_key", "page_map", "tr", "chart_config", "LANGUAGES", "slider", "select", "number", "toggle", "keep_slider", "chart", "counter", "bump",
           "error", "superscript", "notice", "plain", "show_url_notices", "keep_text", "CHART_CONFIG"]

# The map of the lab, in teaching order: page file, then (title, one line) in English and in Chinese.
PAGES = [
    ("pages/1_Masks_and_subnetworks.py",
     ("Masks and subnetworks", "what one dropout step does to a network"),
     ("掩码与子网络", "一次 dropout 训练步对网络做了什么")),
    ("pages/2_Live_training.py",
     ("Live training", "the same network trained with and without dropout"),
     ("实时训练", "同一个网络，有无 dropout 并排训练")),
    ("pages/3_Ensemble_vs_weight_scaling.py",
     ("Ensemble vs weight scaling", "the average of many subnetworks against one scaled network"),
     ("集成平均与权重缩放", "众多子网络的平均，对比一次缩放后的前向传播")),
    ("pages/4_Bagging_and_boosting.py",
     ("Bagging and boosting", "ensembles with and without shared weights"),
     ("Bagging 与 dropout boosting", "共享权重与不共享权重的集成")),
    ("pages/5_Dropout_as_regularisation.py",
     ("Dropout as regularisation", "an L2 penalty in disguise, and its rivals"),
     ("作为正则化的 dropout", "变相的 L2 惩罚，以及其他正则化方法")),
    ("pages/6_Inside_the_network.py",
     ("Inside the network", "co-adaptation, paths, Jensen's gap, flat minima"),
     ("网络内部", "协同适应、路径存活、Jensen 差距、平坦极小值")),
]


def page_map() -> list[tuple[str, str, str]]:
    """(page file, title, one line) for each page of the lab present in this checkout, in the current language."""
    root = Path(__file__).resolve().parents[2]
    zh = is_chinese()
    return [(page, *(z if zh else e)) for page, e, z in PAGES if (root / page).exists()]


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
        st.markdown(f"[{label}](/{page_url(page)}{'?' + query if query else ''})")


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


def _navigation() -> None:
    """The sidebar's page list in the current language (Streamlit's own calls the home page "app" and forgets
    the shared settings when it changes page)."""
    page_link("app.py", label=tr("Home", "首页"), icon="🏠")
    for page, title, _ in page_map():
        page_link(page, label=title)
