"""The effective size of every text of a Plotly figure spec, against presenter mode's minimums (used by the figure
tests and by tests/app/test_presenter_figures.py)."""
from dropout_viz.figures import style


def text_sizes(spec: dict) -> list[tuple[str, float, float]]:
    """(where, effective size in px, required minimum) for every text of a Plotly figure spec (JSON as plotly.js
    gets it): a font without a size inherits layout.font.size (plotly.js: 12 px when that is unset too).

    Axis titles, tick labels and colour-bar text must reach style.PRESENTER_MIN_AXIS; everything else
    style.PRESENTER_MIN_TEXT.
    """
    lay = spec.get("layout", {})
    base = (lay.get("font") or {}).get("size") or 12
    out = []

    def size(font, default=base):
        return (font or {}).get("size") or default

    axis, text = style.PRESENTER_MIN_AXIS, style.PRESENTER_MIN_TEXT
    out.append(("layout.font", base, text))
    if (lay.get("title") or {}).get("text"):
        out.append(("title", size(lay["title"].get("font")), text))
    if lay.get("showlegend", True) is not False:
        out.append(("legend", size((lay.get("legend") or {}).get("font")), text))
    out.append(("hoverlabel", size((lay.get("hoverlabel") or {}).get("font"), 13), text))
    for i, ann in enumerate(lay.get("annotations") or []):
        if ann.get("text"):
            out.append((f"annotation {i} {ann['text'][:30]!r}", size(ann.get("font")), text))
    for name, ax in lay.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(ax, dict):
            if ax.get("showticklabels", True) is not False and ax.get("visible", True) is not False:
                out.append((f"{name} ticks", size(ax.get("tickfont")), axis))
            if (ax.get("title") or {}).get("text"):
                out.append((f"{name} title", size(ax["title"].get("font")), axis))
        if name.startswith("coloraxis") and isinstance(ax, dict) and ax.get("showscale", True) is not False:
            cb = ax.get("colorbar") or {}
            out.append((f"{name} colorbar ticks", size(cb.get("tickfont")), axis))
    for i, trace in enumerate(spec.get("data", [])):
        where = f"trace {i} ({trace.get('type', 'scatter')} {str(trace.get('name', ''))[:20]!r})"
        if trace.get("text") is not None or trace.get("texttemplate"):
            out.append((f"{where} text", size(trace.get("textfont")), text))
        out.append((f"{where} hoverlabel", size((trace.get("hoverlabel") or {}).get("font"),
                                                size((lay.get("hoverlabel") or {}).get("font"), 13)), text))
        bars = []
        if trace.get("type") in ("heatmap", "contour", "histogram2d", "surface") and trace.get("showscale", True) \
                is not False and not trace.get("coloraxis"):
            bars.append(trace.get("colorbar") or {})
        marker = trace.get("marker") or {}
        if isinstance(marker, dict) and marker.get("showscale"):
            bars.append(marker.get("colorbar") or {})
        for cb in bars:
            out.append((f"{where} colorbar ticks", size(cb.get("tickfont")), axis))
            if (cb.get("title") or {}).get("text"):
                out.append((f"{where} colorbar title", size((cb.get("title") or {}).get("font")), axis))
    return out


def too_small(spec: dict) -> list[str]:
    return [f"{where}: {got} px < {need} px" for where, got, need in text_sizes(spec) if got < need]
