"""Shared look of every figure: a colour-blind-safe palette, font sizes, presenter scaling, base layout.

The figures are projected in a lecture hall and read on laptops, so text is large, lines are thick,
colours come from the Okabe-Ito palette with Paul Tol's olive, indigo and wine where an Okabe-Ito colour is too
light on white (tests/figures/test_palette.py checks contrast and the common colour-vision deficiencies),
and ``presenter=True`` scales text, lines and markers by PRESENTER_SCALE for the back row.
"""
from __future__ import annotations

import copy
from typing import Iterable

import numpy as np
import plotly.graph_objects as go

from ..core.i18n import translator

# Okabe & Ito (2008), "Color Universal Design": colours safe for deuteranopia and protanopia.
BLACK = "#000000"
GREEN = "#009E73"
YELLOW = "#F0E442"  # fills only: 1.3:1 on white
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
# Okabe-Ito's orange (#E69F00) and sky blue (#56B4E9) are 2.3:1 on white, under the 3:1 that lines and markers
# need; darkened to 3:1 the orange meets the vermillion under deuteranopia. Paul Tol's muted olive and indigo take
# their places (the old names stay for the callers), and Tol's wine is the eighth class colour.
OLIVE = "#999933"
INDIGO = "#332288"
WINE = "#882255"
ORANGE = OLIVE
SKY_BLUE = INDIGO
PALETTE = (BLUE, VERMILLION, GREEN, PURPLE, OLIVE, INDIGO, BLACK)

TEXT = "#1A1A1A"
GRID = "#DDDDDD"  # decorative: the data never depends on seeing it
GHOST = "#949494"  # dropped units: present in the full network, absent from this thinned one (3:1 on white)
NEUTRAL = "#BDBDBD"  # exact zeros in gradient maps, "dropped" cells in mask maps

NO_DROPOUT = VERMILLION
DROPOUT = BLUE
MODEL_CYCLE = (BLUE, GREEN, PURPLE, OLIVE, INDIGO, BLACK)

# Class colours: class 0 blue, class 1 vermillion (the ends of DIVERGING), then the rest of the palette.
CLASS_COLORS = (BLUE, VERMILLION, GREEN, PURPLE, OLIVE, INDIGO, BLACK, WINE)
# Each class also has its own marker shape (training points filled, test points white with a coloured rim).
TRAIN_SYMBOLS = ("circle", "square", "triangle-up", "pentagon", "hexagon", "star", "hourglass", "bowtie")
TEST_SYMBOLS = ("diamond", "cross", "triangle-down", "star-diamond", "hexagram", "star-square", "octagon",
                "triangle-left")
POSITIVE = BLUE
NEGATIVE = VERMILLION

# Blue -> white -> vermillion: symmetric, colour-blind safe, white marks the centre (0, or p = 0.5).
DIVERGING = [
    [0.0, "#00446B"],
    [0.2, BLUE],
    [0.5, "#FFFFFF"],
    [0.8, VERMILLION],
    [1.0, "#7F3800"],
]
GREYS = [[0.0, "#FFFFFF"], [1.0, "#000000"]]

PRESENTER_SCALE = 1.5
# Base sizes (px) at laptop scale; 16 px body text is readable from the middle rows of a hall.
FONT = 16
TITLE_FONT = 20
SMALL_FONT = 14
LINE_WIDTH = 2.5
MARKER_SIZE = 9
FONT_FAMILY = "Open Sans, Helvetica Neue, Arial, sans-serif"


def scale(presenter: bool) -> float:
    """Size multiplier: PRESENTER_SCALE in presenter mode, else 1."""
    return PRESENTER_SCALE if presenter else 1.0


def font_size(presenter: bool, base: float = FONT) -> int:
    """A font size in px, scaled for presenter mode."""
    return int(round(base * scale(presenter)))


def line_width(presenter: bool, base: float = LINE_WIDTH) -> float:
    """A line width in px, scaled for presenter mode."""
    return base * scale(presenter)


def marker_size(presenter: bool, base: float = MARKER_SIZE) -> float:
    """A marker size in px, scaled for presenter mode."""
    return base * scale(presenter)


def model_colors(names: Iterable[str]) -> dict[str, str]:
    """One colour per model; any name starting with "no dropout" (or "baseline") gets NO_DROPOUT."""
    out, i = {}, 0
    for name in names:
        low = name.lower()
        if low.startswith("no dropout") or low.startswith("baseline") or low == "plain":
            out[name] = NO_DROPOUT
        else:
            out[name] = MODEL_CYCLE[i % len(MODEL_CYCLE)]
            i += 1
    return out


def rgba(hex_color: str, alpha: float) -> str:
    """'#RRGGBB' -> 'rgba(r,g,b,alpha)' for translucent fills."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"


def mix_white(hex_color: str, t: float) -> str:
    """Blend a colour toward white: t = 0 gives white, t = 1 the colour itself."""
    h = hex_color.lstrip("#")
    rgb = np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=float)
    out = 255.0 + (rgb - 255.0) * float(t)
    return "#" + "".join(f"{int(round(v)):02X}" for v in out)


def keep_text(q: float, lang: str = "en") -> str:
    """User-facing keep probability naming both conventions, 'keep q = 0.8 (drop rate p = 0.2)', in ``lang``."""
    _ = translator(lang)
    return _("keep q = {q} (drop rate p = {p})").format(q=f"{q:.3g}", p=f"{1.0 - q:.3g}")


def axis_style(presenter: bool) -> dict:
    """Axis defaults: readable ticks, light grid, dark axis line."""
    return dict(
        tickfont=dict(size=font_size(presenter, SMALL_FONT), color=TEXT),
        title=dict(font=dict(size=font_size(presenter), color=TEXT)),
        gridcolor=GRID,
        zerolinecolor="#BBBBBB",
        linecolor="#444444",
        showline=True,
        ticks="outside",
        automargin=True,
    )


def _look(title: str | None, presenter: bool) -> dict:
    """The shared look as layout keys: fonts, title, white background, margins, legend, hover, colours."""
    s = scale(presenter)
    return dict(
        font=dict(family=FONT_FAMILY, size=font_size(presenter), color=TEXT),
        title=dict(text=title or None, font=dict(size=font_size(presenter, TITLE_FONT), color=TEXT), x=0.0,
                   xanchor="left", xref="paper", y=0.98, yanchor="top", yref="container"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=int(60 * s), r=int(24 * s), t=int((64 if title else 24) * s), b=int(56 * s)),
        legend=dict(font=dict(size=font_size(presenter, SMALL_FONT)), bgcolor="rgba(255,255,255,0.85)"),
        hoverlabel=dict(font=dict(size=font_size(presenter, SMALL_FONT))),
        colorway=list(PALETTE),
    )


def base_layout(fig: go.Figure, title: str | None, presenter: bool = False, *, height: int | None = None) -> go.Figure:
    """Apply the shared look (fonts, white background, title, legend, hover) to fig in place and return it."""
    set_template(fig)
    fig.update_layout(**_look(title, presenter))
    if height is not None:
        fig.update_layout(height=int(height))
    # No vertical zero line: x is steps, indices or features here, and the line reads as data.
    fig.update_xaxes(**axis_style(presenter), zeroline=False)
    fig.update_yaxes(**axis_style(presenter))
    return fig


def set_template(fig: go.Figure) -> go.Figure:
    """fig's template set to Plotly's "plotly_white", as template="plotly_white" does, without validating the
    template again (about 10 ms a figure, a fifth of a slider move's server time): Plotly sets its default
    template the same way (BaseFigure._initialize_layout_template). The figure gets its own copy."""
    import plotly.io as pio

    lay = fig.layout
    before = lay._validate
    lay._validate = False
    try:
        lay.template = pio.templates["plotly_white"]
    finally:
        lay._validate = before
    return fig


_TEMPLATE: dict = {}


def _template() -> dict:
    """Plotly's "plotly_white" template as a plain dict, made once (validating it costs ~10 ms a figure)."""
    if not _TEMPLATE:
        import plotly.io as pio

        _TEMPLATE.update(pio.templates["plotly_white"].to_plotly_json())
    return copy.deepcopy(_TEMPLATE)


def layout_dict(title: str | None, presenter: bool = False, *, height: int | None = None) -> dict:
    """base_layout's look as a plain layout dict for a figure with one x and one y axis (for fast_figure)."""
    lay = dict(
        template=_template(),
        **_look(title, presenter),
        xaxis={**axis_style(presenter), "zeroline": False},
        yaxis=axis_style(presenter),
    )
    if not title:  # as update_layout drops a None
        del lay["title"]["text"]
    if height is not None:
        lay["height"] = int(height)
    return lay


def fast_figure(data: list[dict], layout: dict) -> go.Figure:
    """A go.Figure from plain trace and layout dicts without Plotly's per-property validation, which costs tens
    of milliseconds a figure (the server time of a slider move). Only for dicts built by this package's own
    code, whose properties a test checks against a validated copy."""
    return go.Figure(dict(data=data, layout=layout), _validate=False)


def subplot_title_fonts(fig: go.Figure, presenter: bool, base: float = FONT) -> go.Figure:
    """Scale the subplot titles (make_subplots makes them annotations with a fixed 16 px font); call it first."""
    fig.update_annotations(font=dict(size=font_size(presenter, base), color=TEXT))
    return fig


def colorbar(presenter: bool, title: str | None = None, side: str = "right", **kw) -> dict:
    """Colour bar settings with readable fonts."""
    cb = dict(
        tickfont=dict(size=font_size(presenter, SMALL_FONT)),
        thickness=int(16 * scale(presenter)),
        outlinewidth=0,
    )
    if title:
        cb["title"] = dict(text=title, font=dict(size=font_size(presenter, SMALL_FONT)), side=side)
    cb.update(kw)
    return cb


def as_array(value, name: str, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """np.asarray(value, float) with a ValueError naming the argument if it is not numeric or has the wrong ndim."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array, got {type(value).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions, got shape {arr.shape}")
    return arr


# Presenter mode on a projector: text at least 1/50 of the screen height. At 1080 px that is 22 px for every label
# and 28 px for axis titles and tick labels (the numbers the back row has to read off).
PRESENTER_MIN_TEXT = 22
PRESENTER_MIN_AXIS = 28


def _at_least(font, size: int, *, default: float | None) -> None:
    """Raise font.size to ``size`` (a font without a size inherits ``default``)."""
    current = font.size if font.size is not None else default
    if current is None or current < size:
        font.size = size


def presenter_text(fig: go.Figure, text: int = PRESENTER_MIN_TEXT, axis: int = PRESENTER_MIN_AXIS) -> go.Figure:
    """Raise every text of fig, in place, to the presenter minimums: axis titles, tick labels and colour-bar
    ticks to ``axis`` px, everything else (title, legend, annotations and subplot titles, hover labels, trace
    text, buttons) to ``text`` px. Sizes already larger stay. Returns fig."""
    lay = fig.layout
    _at_least(lay.font, text, default=12)
    base = lay.font.size
    _at_least(lay.title.font, text, default=base)
    _at_least(lay.legend.font, text, default=base)
    _at_least(lay.legend.title.font, text, default=base)
    _at_least(lay.hoverlabel.font, text, default=None)
    for ann in lay.annotations:
        _at_least(ann.font, text, default=base)
    for menu in list(lay.updatemenus) + list(lay.sliders):
        _at_least(menu.font, text, default=base)
    for name in lay:
        obj = lay[name]
        if name.startswith(("xaxis", "yaxis")) or name.startswith(("coloraxis",)):
            if name.startswith("coloraxis"):
                obj = obj.colorbar
            _at_least(obj.tickfont, axis, default=base)
            _at_least(obj.title.font, axis, default=base)
    for trace in fig.data:
        valid = trace._valid_props
        for attr in ("textfont", "insidetextfont", "outsidetextfont"):
            if attr in valid:
                _at_least(trace[attr], text, default=base)
        if "hoverlabel" in valid:
            _at_least(trace.hoverlabel.font, text, default=None)
        # Only colour bars that are shown: touching a hidden one's fonts would make Plotly draw it.
        bars = [trace.colorbar] if "colorbar" in valid and trace.showscale is not False else []
        if "marker" in valid and "colorbar" in trace.marker._valid_props and trace.marker.showscale:
            bars.append(trace.marker.colorbar)
        for cb in bars:
            _at_least(cb.tickfont, axis, default=base)
            _at_least(cb.title.font, axis, default=base)
    return fig
