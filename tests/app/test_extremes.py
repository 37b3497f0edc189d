"""Every page, every tab, every control to each extreme and back, under AppTest.

Each tab is opened from a link (its URL key, e.g. m_tab=One+minibatch). The controls are found in the element tree
(sliders, select sliders, number inputs, selectboxes, radios, toggles, checkboxes, text boxes, buttons), so a new
control is covered without touching this file; the shared settings of the sidebar are tested in
test_settings_and_links.py. One control at a time goes to its minimum and maximum (every option of a select or
radio, off and on for a toggle, an empty and an overlong text) and back to where it was. After every step: no
exception, the tab still shows a figure or a clear message written by the app (no Python error text in it), and
the control holds the value it was given. Back at the start the tab draws the figures it drew before.

Widgets drawn above a page's tabs (shared by every tab) are swept on the opening tab only; on the other tabs each
tab's own controls are swept. A page that trains opens with its shortest training (CHEAP) so that the sweep of
its other controls stays short; see FULL for what the bounded run leaves out.

Then every tab is opened with a hostile link value for each of its controls: each gets a plain notice at once.
"""
from __future__ import annotations

import html
import json
import os
import re
import time
from pathlib import Path

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from tests.app.test_settings_and_links import EVIL, TAB_KEYS, _assert_plain

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["app.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("[0-9]_*.py"))]

# Each page opens with its shortest training (by the page's address), so that the sweep of every other control
# retrains quickly; the control itself still visits its other options.
CHEAP: dict[str, dict[str, str]] = {
    "Ensemble_vs_weight_scaling": {"e_steps": "500"},
    "Bagging_and_boosting": {"bb_steps": "500"},
    "Dropout_as_regularisation": {"rg_steps": "1000", "rg_noise_steps": "1000"},
    "Inside_the_network": {"in_steps": "500"},
}

# Buttons that start a long computation, not clicked: each shows a progress bar and a Stop button on its page,
# which is what a user gets there (the page's own tests run them).
LONG_BUTTONS = {"t_sw_keep", "t_sw_size", "ar_seq_run", "ar_res_run", "im_run",
                # Batch norm trains dozens of networks per button (minutes); tests/app/test_batch_norm_page.py
                # stops one.
                "bn_run_orders", "bn_run_width", "bn_run_heat", "bn_run_layers"}

# The whole sweep with every option of every control (minutes more): DROPOUT_LAB_EXTREMES=all. By default a
# select or radio whose option started a long computation (a progress bar with a Stop button) goes on to its last
# option only, and LONG_BUTTONS are left alone.
FULL = os.environ.get("DROPOUT_LAB_EXTREMES") == "all"
REACHED = "_progress_reached"  # ui.progress records there each task that did work under a progress bar

# Python's own words, which a message written for the reader never holds.
PYTHON_WORDS = re.compile(r"Traceback|Error\b|Exception\b|NoneType|object has no attribute|not subscriptable|"
                          r"unsupported operand|invalid literal|division by zero|index out of range|"
                          r"unexpected keyword|positional argument|File \"")

LOG = os.environ.get("EXTREMES_LOG")  # a file to write each step's seconds to (measurement, never asserted)


def _tab_containers(at):
    """(URL key, tab labels) of each tab container in the page's element tree."""
    found = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(proto, "WhichOneof", None) is not None:
            try:
                kind = proto.WhichOneof("type")
            except (TypeError, ValueError):
                kind = None
            if kind == "tab_container" and proto.tab_container.query_param_key:
                found.append((proto.tab_container.query_param_key, [c.label for c in node.children.values()]))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


KINDS = ("slider", "select_slider", "number_input", "selectbox", "radio", "toggle", "checkbox", "text_input",
         "text_area", "button")


def _in_tabs(at):
    """ids of the widgets drawn inside a tab."""
    return {w.id for tab in at.tabs for kind in KINDS for w in tab.get(kind) if getattr(w, "id", None)}


def _controls(at, only_tabs: bool):
    """(kind, key) of the page's enabled controls outside the sidebar (in a tab only, with only_tabs)."""
    sidebar = {w.id for kind in KINDS for w in at.sidebar.get(kind)}
    inside = _in_tabs(at)
    out = []
    for kind in KINDS:
        for w in at.get(kind):
            if w.id in sidebar or getattr(w.proto, "disabled", False) or (only_tabs and w.id not in inside):
                continue
            if not w.key:  # a control without a key: found by its label
                out.append((kind, ("label", w.label)))
            else:
                out.append((kind, w.key))
    return out


def _find(at, kind, key):
    if isinstance(key, tuple):
        return next(w for w in at.get(kind) if w.label == key[1])
    return getattr(at, kind)(key=key)


def _pick(widget, option: str):
    """Select the option shown as ``option`` (selectbox, radio, select slider), whatever the widget's format_func:
    the front end sends the option's label, and so does this."""

    class Picked(type(widget)):
        @property
        def _widget_state(self):
            ws = WidgetState()
            ws.id = self.id
            if self.type == "select_slider":
                ws.string_array_value.data[:] = [option]
            else:
                ws.string_value = option
            return ws

    widget.__class__ = Picked
    return widget


def _shown(widget):
    """The value as the widget shows it (the option's label for a selectbox or radio)."""
    if widget.type in ("selectbox", "radio"):
        return widget.options[widget.index] if widget.index is not None else None
    if widget.type == "select_slider":
        return str(widget.format_func(widget.value))
    return widget.value


def _steps(widget):
    """The values to visit (as shown) and the value to come back to, for one control."""
    kind, start = widget.type, _shown(widget)
    if kind == "slider":
        if isinstance(start, (tuple, list)):
            return [(widget.min, widget.min), (widget.max, widget.max)], tuple(start)
        return [widget.min, widget.max], start
    if kind == "number_input":
        return [v for v in (widget.min, widget.max) if v is not None], start
    if kind == "select_slider":
        return [widget.options[0], widget.options[-1]], start
    if kind in ("selectbox", "radio"):
        return [o for o in widget.options if o != start], start
    if kind in ("toggle", "checkbox"):
        return [not start], start
    if kind in ("text_input", "text_area"):
        return ["", "9" * 5000], start
    if kind == "button":
        return ["click"], None
    raise AssertionError(kind)


def _set(at, kind, key, value):
    w = _find(at, kind, key)
    if kind == "button":
        w.click()
    elif kind in ("selectbox", "radio", "select_slider"):
        _pick(w, value)
    else:
        w.set_value(value)
    t = time.perf_counter()
    at.run()
    if LOG:
        with open(LOG, "a") as f:
            f.write(f"{time.perf_counter() - t:7.2f}  {at._script_path} {kind} {key} -> {str(value)[:40]}\n")


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _problems(at, step) -> list[str]:
    """What is wrong with the page after a step (empty when it is well)."""
    if at.exception:
        return [f"{step}: exception {[e.message[:300] for e in at.exception]}"]
    out = []
    messages = [m.value for kind in ("error", "warning", "info") for m in at.get(kind)]
    for text in messages:
        if PYTHON_WORDS.search(text):
            out.append(f"{step}: Python's words in a message: {text[:300]!r}")
    drawn = at.get("plotly_chart") or [v for v in at.get("bidi_component")
                                        if v.proto.WhichOneof("data") == "bytes"]
    said = [m for m in at.get("error") + at.get("warning") + at.get("info") if getattr(m, "icon", "") != "🔗"]
    # A tab whose figure needs a long training shows the button that starts it (type primary) until pressed.
    waiting = [b for b in at.button if b.proto.type == "primary" and b.key in LONG_BUTTONS]
    if not drawn and not said and not waiting:
        out.append(f"{step}: neither a figure, a message nor a button that draws one")
    return out


def address(page: str) -> str:
    """pages/1_Masks_and_subnetworks.py -> Masks_and_subnetworks; app.py -> app."""
    stem = Path(page).stem
    head, _, rest = stem.partition("_")
    return rest if head.isdigit() and rest else stem


def _long_work(at) -> bool:
    """Whether the last run did work under a progress bar with a Stop button."""
    try:
        return bool(at.session_state[REACHED])
    except KeyError:
        return False


def _open(page, params):
    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _sweep_tab(page, params, only_tabs):
    """Open the page with ``params``; each control to its extremes and back. Returns the problems found."""
    at = _open(page, params)
    where = f"{page}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
    problems = _problems(at, f"{where} opened")
    if problems:
        return problems
    before = _charts(at)
    for kind, key in _controls(at, only_tabs):
        try:
            widget = _find(at, kind, key)
        except (KeyError, StopIteration):  # gone after an earlier control came back (reported there)
            problems.append(f"{where}: {kind} {key} is gone")
            continue
        visits, start = _steps(widget)
        if kind == "button" and key in LONG_BUTTONS and not FULL:
            continue
        values, long_seen = list(visits), False
        while values:
            value = values.pop(0)
            step = f"{where}: {kind} {key} -> {str(value)[:40]!r}"
            try:
                _set(at, kind, key, value)
            except (KeyError, StopIteration, ValueError, IndexError) as exc:
                problems.append(f"{step}: could not set ({type(exc).__name__}: {str(exc)[:200]})")
                break
            found = _problems(at, step)
            problems += found
            if found:
                break
            if kind == "button":
                before = _charts(at)  # a click draws something new (a new mask, a step): compare from here
                continue
            try:
                now = _shown(_find(at, kind, key))
            except (KeyError, StopIteration):
                problems.append(f"{step}: the control is gone")
                break
            if now != value and not (isinstance(now, float) and abs(now - value) < 1e-9):
                problems.append(f"{step}: the control holds {str(now)[:60]!r}")
            if not FULL and kind in ("selectbox", "radio") and _long_work(at) and not long_seen:
                long_seen, values = True, values[-1:]  # each option trains anew: on to the last one only
        if kind != "button" and not problems:
            try:
                _set(at, kind, key, start)
            except (KeyError, StopIteration, ValueError, IndexError) as exc:
                problems.append(f"{where}: {kind} {key} back to {start!r}: could not set ({exc})")
                continue
            problems += _problems(at, f"{where}: {kind} {key} back to {str(start)[:40]!r}")
        if kind != "button" and not problems and _charts(at) != before:
            problems.append(f"{where}: {kind} {key} back at {str(start)[:40]!r} draws other figures than before")
    return problems


def _views(page):
    """(link parameters, only the tab's own controls) for each view of a page: its opening tab with every control,
    then each other tab with its own."""
    cheap = CHEAP.get(address(page), {})
    at = _open(page, cheap)
    views = [(dict(cheap), False)]
    for key, labels in _tab_containers(at):
        # The hostile-link test sends each page's tab bar a bad tab name: it must know this one.
        assert TAB_KEYS.get(address(page)) == key, (page, key, "add it to TAB_KEYS in test_settings_and_links.py")
        views += [({**cheap, key: label}, True) for label in labels[1:]]
    return views


@pytest.mark.parametrize("page", PAGES)
def test_every_control_reaches_its_extremes_and_comes_back(page):
    problems = []
    for params, only_tabs in _views(page):
        problems += _sweep_tab(page, params, only_tabs)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_every_control_answers_a_hostile_link_value_with_a_plain_notice_at_once(page):
    """Each tab opened with a hostile value for every one of its controls: each control's notice is on the page at
    once (wherever the control is drawn), names it, is plain and short; a figure is drawn. A text box answers
    with its own message quoting the text."""
    problems = []
    for params, only_tabs in _views(page):
        at = _open(page, params)
        controls = [(kind, k) for kind, k in _controls(at, only_tabs)
                    if isinstance(k, str) and kind != "button" and k not in params]
        at = _open(page, {**params, **{k: EVIL + "-" * 3000 for _, k in controls}})
        where = f"{page}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
        problems += _problems(at, f"{where} with hostile values")
        notices = [w.value for w in at.warning if w.icon == "🔗"]
        for text in notices + [e.value for e in at.error]:
            _assert_plain(text)
        for kind, key in controls:
            named = any(key in html.unescape(text) for text in notices)
            if not named and not (kind in ("text_input", "text_area") and at.error):
                problems.append(f"{where}: no notice for {key}={EVIL[:20]}…")
    assert not problems, "\n".join(problems)
