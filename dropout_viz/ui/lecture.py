"""The guided lecture in the frame: a loader in the sidebar, and a compact bar at the top of the page.

A lecture is a sequence of steps across the pages (dropout_viz/lectures/*.toml). The link names the lecture and
the step (``?lecture=intro&step=5``), so students who open the lecturer's link follow on their laptops; moving to
a step opens that step's page with its link parameters, keeping presenter mode, language and download format.
The → and ← keys move between steps, and so do a clicker's PageDown and PageUp (clickers send those keys).
Text from a lecture file is shown only through ``widgets.plain``.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .. import lectures
from .i18n import _, current_language
from .widgets import notice, plain, url_key

LECTURE_KEY, STEP_KEY = "lecture", "step"
CUSTOM = "_lecture_custom"  # lecture id -> (Lecture, its TOML text): the files loaded in this session
AT = "_lecture_at"  # (lecture id, step) last opened, so a link's step is applied once
UPLOAD = "lecture_file"
# The lesson being built (batch normalisation) is known to lectures before it is in the page list.
EXTRA_PAGES = ("pages/7_Batch_norm_and_placement.py",)
TEXT_LIMIT = lectures.MAX_TEXT

BAR_CSS = """
<style>
.st-key-lecture_clicker { display: none; }
.st-key-lecture_bar { padding: 0.2rem 0.6rem; border-left: 0.35rem solid #0072B2; background: #F2F7FB; }
.st-key-lecture_bar p { margin-bottom: 0; }
</style>
"""


def known_pages() -> set[str]:
    """Page files a lecture step may open: home, the page list, any page file present, and EXTRA_PAGES."""
    from .nav import PAGES  # nav imports this module
    root = Path(__file__).resolve().parents[2]
    present = {f"pages/{p.name}" for p in (root / "pages").glob("*.py")}
    return {"app.py", *(p for p, *_rest in PAGES), *present, *EXTRA_PAGES}


def available() -> dict:
    """lecture id -> Lecture: the built-in ones, overridden by files loaded in this session."""
    out = {}
    for lecture_id in lectures.BUILT_IN:
        out[lecture_id] = _built_in(lecture_id)
    out.update({k: lec for k, (lec, _text) in st.session_state.get(CUSTOM, {}).items()})
    return out


@st.cache_resource
def _built_in(lecture_id: str) -> lectures.Lecture:
    return lectures.parse(lectures.built_in_text(lecture_id), known_pages())


def _current_page() -> str:
    """The running page's file name (e.g. "2_Live_training.py", "app.py")."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return ""
    info = ctx.pages_manager.get_pages().get(ctx.page_script_hash) or {}
    return Path(str(info.get("script_path", ""))).name


def go(lec: lectures.Lecture, n: int) -> None:
    """Open step n (1-based) of a lecture: its page, with its parameters, the shared settings and the step."""
    from .nav import shared_params
    n = max(1, min(n, len(lec.steps)))
    step = lec.steps[n - 1]
    st.session_state[AT] = (lec.id, n)
    # The controls this lecture sets start from the step's link, not from what the session last held.
    for key in lec.keys():
        st.session_state.pop(key, None)
    params = {**shared_params(), **dict(step.params), LECTURE_KEY: lec.id, STEP_KEY: str(n)}
    _release(params)
    try:
        st.switch_page(step.page, query_params=params)
    except StreamlitPageNotFoundError:
        # The step's page is not in this version of the lab (or a page runs on its own): stay, move the step.
        if Path(step.page).name != _current_page():
            st.session_state["_lecture_missing"] = step.page
        st.query_params[STEP_KEY] = str(n)
        st.query_params[LECTURE_KEY] = lec.id


def _release(params: dict) -> None:
    """Let switch_page write these link parameters although widgets of this run are bound to them.

    Streamlit refuses to set a parameter bound to a widget. The widgets bind themselves again when the next page
    runs, and take the link's value (the lecture's controls had their state dropped above; the shared settings
    are the same value).
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    with ctx.session_state.query_params() as qp:  # the session's QueryParams, as st.switch_page reaches it
        bindings = getattr(qp, "_bindings_by_param", {})
        for key in params:
            binding = bindings.get(key)
            if binding is not None:
                qp.unbind_widget(binding.widget_id)


def _active() -> tuple[lectures.Lecture, int] | None:
    """The lecture and step the link names, or None (with a notice for a link that names none we know)."""
    url_key(LECTURE_KEY)
    url_key(STEP_KEY)
    lecture_id = st.query_params.get(LECTURE_KEY)
    if lecture_id is None:
        return None
    lec = available().get(lecture_id)
    if lec is None:
        notice(_("The link's lecture {name} is not known here; load its file in the sidebar (Guided lecture).")
               .format(name=plain(lecture_id)))
        return None
    raw = st.query_params.get(STEP_KEY, "1")
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if not 1 <= n <= len(lec.steps):
        notice(_("The link's value {key}={value} is not a step of this lecture (1 to {n}), so it starts at "
                 "step 1.").format(key=STEP_KEY, value=plain(raw), n=len(lec.steps)))
        n = 1
    return lec, n


def _load_upload() -> None:
    """The sidebar's file: parsed once per file; a bad one gets a message and the lecture in use stays."""
    file = st.file_uploader(_("Load your own lecture (.toml)"), type=["toml"], key=UPLOAD,
                            help=_("Download the lecture file, edit its steps and talking points, and load it "
                                   "here. It stays in this browser session."))
    if file is None:
        return
    results = st.session_state.setdefault("_lecture_uploads", {})
    if file.file_id not in results:
        try:
            data = file.getvalue()
            lec = lectures.parse(data, known_pages())
        except lectures.LectureError as exc:
            results[file.file_id] = ("error", str(exc))
        else:
            st.session_state.setdefault(CUSTOM, {})[lec.id] = (lec, data.decode("utf-8"))
            results[file.file_id] = ("ok", lec.id)
    kind, what = results[file.file_id]
    if kind == "error":
        st.error(_("The file {name} cannot be used: {error}. The lecture in use stays as it was.").format(
            name=plain(file.name), error=plain(what, 200)), icon="⚠️")
    else:
        st.success(_("Loaded {name}: {n} steps.").format(name=plain(file.name),
                                                         n=len(available()[what].steps)), icon="✅")


def _sidebar(active) -> None:
    lang = current_language()
    with st.expander(_("Guided lecture"), expanded=active is not None):
        starts = st.container()  # filled after the uploader, so a file just loaded can be started at once
        lecture_id = active[0].id if active else lectures.BUILT_IN[0]
        custom = st.session_state.get(CUSTOM, {})
        text = custom[lecture_id][1] if lecture_id in custom else lectures.built_in_text(lecture_id)
        st.download_button(_("Download the lecture file"), text, file_name=f"{lecture_id}.toml",
                           mime="application/toml", key="lecture_download")
        _load_upload()
    for lec in available().values():
        title = plain(lec.title.get(lang) or lec.title["en"])
        if starts.button(_("Start: {title}").format(title=title), key=f"lecture_start_{lec.id}",
                         help=_("Opens step 1; then → and ← (or a clicker's PageDown and PageUp) move between "
                                "steps, and the link holds the step for students to follow.")):
            go(lec, 1)


def _bar(lec: lectures.Lecture, n: int) -> None:
    """One or two lines at the top of the page: ← step n of N, the talking point, what to point at →."""
    lang = current_language()
    step = lec.steps[n - 1]
    total = len(lec.steps)
    st.markdown(BAR_CSS, unsafe_allow_html=True)
    with st.container(key="lecture_bar"):
        back_col, text_col, next_col = st.columns([1, 14, 1], vertical_alignment="center", gap="small")
        back = back_col.button("←", key="lecture_back", shortcut="Left", disabled=n == 1,
                               help=_("Previous step (← or PageUp)"))
        forward = next_col.button("→", key="lecture_next", shortcut="Right", disabled=n == total,
                                  help=_("Next step (→ or PageDown)"))
        title = plain(lec.title.get(lang) or lec.title["en"])
        text_col.markdown(
            _("**Step {n} of {total}** · {title} · {say}").format(
                n=n, total=total, title=title, say=plain(step.say.get(lang) or step.say["en"], TEXT_LIMIT))
            + "  \n" + "👉 " + plain(step.point.get(lang) or step.point["en"], TEXT_LIMIT))
        missing = st.session_state.pop("_lecture_missing", None)
        if missing:
            st.caption(_("This step's page ({page}) is not in this version of the lab.").format(page=plain(missing)))
    with st.container(key="lecture_clicker"):  # hidden: a clicker's keys
        up = st.button("PageUp", key="lecture_pageup", shortcut="PageUp", disabled=n == 1)
        down = st.button("PageDown", key="lecture_pagedown", shortcut="PageDown", disabled=n == total)
    if back or up:
        go(lec, n - 1)
    elif forward or down:
        go(lec, n + 1)


def frame() -> None:
    """Called by page_setup: the loader in the sidebar, and the bar when the link names a lecture and step."""
    active = _active()
    with st.sidebar:
        _sidebar(active)
    if active is None:
        return
    lec, n = active
    # A link opened, or a step chosen, that this session has not yet applied: open the step's page.
    if st.session_state.get(AT) != (lec.id, n) or _current_page() != Path(lec.steps[n - 1].page).name:
        go(lec, n)  # switches page (this run ends there), or marks the step's page as missing
    _bar(lec, n)
