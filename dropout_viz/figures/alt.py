"""Alt text for a figure, derived from the figure itself: its title, subplot titles, axis titles and trace names.

A screen reader gets one sentence per figure ("Figure: <title>. Horizontal axis: …; vertical axis: …. Shows: …."),
with the connecting words in the reader's language. A page can pass its own sentence instead (``alt=`` of
``ui.widgets.chart``) where the derived one says too little. No Streamlit here.
"""
from __future__ import annotations

import html
import re

import plotly.graph_objects as go

from ..core.i18n import translator

_TAG = re.compile(r"<[^>]*>")
MAX_NAMES = 8  # trace names listed; more are counted
MAX_CHARS = 600


def _clean(text) -> str:
    """Plotly's rich text as plain words: tags dropped (<br> as a space), entities decoded, spaces squeezed."""
    if text is None:
        return ""
    words = _TAG.sub(" ", str(text).replace("<br>", " "))
    return " ".join(html.unescape(words).split())


def _unique(items):
    seen, out = set(), []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def describe(fig: go.Figure, lang: str = "en") -> str:
    """One or a few sentences that say what ``fig`` shows, in ``lang``; never empty."""
    _ = translator(lang)
    lay = fig.layout
    parts = []
    title = _clean(lay.title.text)
    parts.append(_("Figure: {title}.").format(title=title) if title else _("Figure."))
    panels = _unique(_clean(a.text) for a in lay.annotations if a.text and a.showarrow is False
                     and a.xref == "paper" and a.yref == "paper")
    if len(panels) > 1:
        parts.append(_("Panels: {names}.").format(names="; ".join(panels[:MAX_NAMES])))
    axes = []
    for prefix, word in (("xaxis", _("horizontal axis")), ("yaxis", _("vertical axis"))):
        titles = _unique(_clean(lay[name].title.text) for name in sorted(lay) if name.startswith(prefix)
                         and lay[name].title.text)
        if titles:
            axes.append(_("{axis}: {titles}").format(axis=word, titles=", ".join(titles[:4])))
    if axes:
        joined = "; ".join(axes)
        parts.append(joined[0].upper() + joined[1:] + ".")
    names = _unique(_clean(t.name) for t in fig.data if getattr(t, "name", None))
    if names:
        listed = ", ".join(names[:MAX_NAMES])
        if len(names) > MAX_NAMES:
            listed = _("{names} and {n} more").format(names=listed, n=len(names) - MAX_NAMES)
        parts.append(_("Shows: {names}.").format(names=listed))
    text = " ".join(parts)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 1] + "…"
