"""A lesson's widget table: every control's URL key, kind, range and default in one place.

A lesson writes its table once::

    WIDGETS = {
        "keep": Control("bb_keep", "keep", N_("Keep q of the hidden units"), 0.5),
        "k": Control("bb_k", "slider", N_("Bagged networks averaged, k"), 8, lo=1, hi=16),
        "width": Control("bb_width", "select", N_("Hidden units per layer"), 32, options=(16, 32, 64)),
    }

and draws it with ``values = draw(WIDGETS)`` (or ``draw_one``), giving plain values keyed like the table, from
which the view builds its frozen controls record (``BaggingControls(**values)``). The widgets, the link (every
control is bound to its URL key, so old links keep working), the notices about link values a control cannot
take, and the presets (``defaults(WIDGETS)``, ``apply_preset``) all come from the table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import streamlit as st

from . import widgets as ui
from .i18n import _

KINDS = ("slider", "keep", "select", "radio", "number", "toggle")


@dataclass(frozen=True)
class Control:
    """One control of a lesson: its URL key, kind, label and help (English, translated when drawn), default and
    range (``lo``/``hi``/``step`` for sliders and numbers, ``options`` for select and radio)."""

    key: str
    kind: str
    label: str
    default: Any
    lo: Any = None
    hi: Any = None
    step: Any = None
    options: tuple = ()
    help: str | None = None
    fmt: str | None = None  # a slider's printf-style format, e.g. "%.2f"
    format_func: Callable[[Any], str] | None = field(default=None, compare=False)
    horizontal: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind in ("select", "radio") and self.default not in self.options:
            raise ValueError(f"default of {self.key} must be one of its options")
        if self.kind in ("slider", "number") and not (self.lo <= self.default <= self.hi):
            raise ValueError(f"default of {self.key} must lie in [lo, hi]")

    def valid(self, value) -> bool:
        """Whether ``value`` is one this control can take (for presets and loaded files)."""
        if self.kind in ("select", "radio"):
            return value in self.options
        if self.kind == "toggle":
            return isinstance(value, bool)
        lo, hi = (0.05 if self.lo is None else self.lo, 1.0) if self.kind == "keep" else (self.lo, self.hi)
        try:
            return lo <= value <= hi
        except TypeError:
            return False


def draw_one(c: Control, container=st, *, label: str | None = None, disabled: bool = False):
    """Draw one control (bound to its URL key) and return its value."""
    text = label if label is not None else _(c.label)
    helptext = _(c.help) if c.help else None
    if c.kind == "keep":
        return ui.keep_slider(text, c.key, c.default, lo=0.05 if c.lo is None else c.lo, container=container,
                              help=helptext)
    if c.kind == "slider":
        return ui.slider(text, c.key, c.lo, c.hi, c.default, c.step, help=helptext, fmt=c.fmt, container=container)
    if c.kind in ("select", "radio"):
        return ui.select(text, c.key, c.options, c.default, format_func=c.format_func or str, help=helptext,
                         container=container, horizontal=c.horizontal, radio=c.kind == "radio")
    if c.kind == "number":
        return ui.number(text, c.key, c.lo, c.hi, c.default, help=helptext, container=container)
    return ui.toggle(text, c.key, c.default, help=helptext, container=container)


def draw(table: Mapping[str, Control], container=st, names: Iterable[str] | None = None) -> dict:
    """Draw the table's controls (all, or ``names`` in that order) and return name -> value."""
    return {name: draw_one(table[name], container) for name in (names if names is not None else table)}


def defaults(table: Mapping[str, Control]) -> dict:
    """name -> default value: the lesson's view with no link."""
    return {name: c.default for name, c in table.items()}


def apply_preset(table: Mapping[str, Control], preset: Mapping[str, Any]) -> list[str]:
    """Load a preset (name -> value) into the widgets of the table, before they are drawn; returns the names of
    values that no control could take (they are left as they were)."""
    refused = []
    for name, value in preset.items():
        c = table.get(name)
        if c is None or not c.valid(value):
            refused.append(name)
            continue
        st.session_state[c.key] = value
    return refused
