"""Line charts: training curves, lines with uncertainty bands, and 1-D regression fits."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import style as st

SPLIT_DASH = {"train": "solid", "test": "dash", "validation": "dot", "val": "dot"}


def _same_length(arr, n: int, name: str) -> np.ndarray:
    a = st.as_array(arr, name, 1)
    if a.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) to match the x values, got {a.shape}")
    return a


def training_curves(steps, series: dict, *, metric: str = "loss", presenter: bool = False, log_y: bool = False,
                    title: str | None = None, shade_gap: bool = True) -> go.Figure:
    """Train (solid) and test (dashed) curves for several models, one colour per model.

    Args:
      steps: (T,) training steps.
      series: model name -> {"train": (T,), "test": (T,)} (either split may be missing).
      metric: what the curves measure, used in the axis title and hover.
      shade_gap: shade the area between a model's train and test curves (the generalisation gap).
    """
    x = st.as_array(steps, "steps", 1)
    if not series:
        raise ValueError("series must name at least one model")
    colors = st.model_colors(series)
    lw = st.line_width(presenter)
    fig = go.Figure()
    for model, splits in series.items():
        if not isinstance(splits, dict) or not splits:
            raise ValueError(f"series[{model!r}] must be a dict like {{'train': array, 'test': array}}")
        arrays = {split: _same_length(v, x.size, f"series[{model!r}][{split!r}]") for split, v in splits.items()}
        if log_y and any(np.any(a <= 0) for a in arrays.values()):
            raise ValueError(f"series[{model!r}] must be positive when log_y=True")
        # Train first, test second: the test trace fills "tonexty", i.e. down/up to the train curve.
        order = sorted(arrays, key=lambda k: (k != "train", k != "test", k))
        for j, split in enumerate(order):
            fill = shade_gap and split == "test" and "train" in arrays
            fig.add_trace(go.Scatter(
                x=x, y=arrays[split], mode="lines", name=split, legendgroup=model, legendgrouptitle_text=model,
                line=dict(color=colors[model], width=lw, dash=SPLIT_DASH.get(split, "dashdot")),
                fill="tonexty" if fill else None, fillcolor=st.rgba(colors[model], 0.12) if fill else None,
                hovertemplate=f"{model}, {split}: %{{y:.4g}}<extra></extra>", meta=f"{model}|{split}",
            ))
    st.base_layout(fig, title or f"{metric.capitalize()} during training: solid = train, dashed = test",
                   presenter, height=int(480 * st.scale(presenter)))
    # Fills would flip the legend order ("reversed" is Plotly's default for stacked fills).
    fig.update_layout(hovermode="x unified", legend=dict(groupclick="toggleitem", traceorder="grouped"))
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(title_text=metric + (" (log scale)" if log_y else ""), type="log" if log_y else "linear")
    return fig


def _band(mean: np.ndarray, spread, n: int, name: str):
    """Lower and upper band edges from a std (n,) or a (lo, hi) pair; None for no band."""
    if spread is None:
        return None
    if isinstance(spread, (tuple, list)) and len(spread) == 2:
        lo = _same_length(spread[0], n, f"{name} lower")
        hi = _same_length(spread[1], n, f"{name} upper")
        return lo, hi
    arr = st.as_array(spread, name)
    if arr.shape == (2, n):
        return arr[0], arr[1]
    std = _same_length(arr, n, name)
    if np.any(std < 0):
        raise ValueError(f"{name} (a standard deviation) must be non-negative")
    return mean - std, mean + std


def band_chart(x, series: dict, *, hline: dict | None = None, log_x: bool = False, x_title: str = "",
               y_title: str = "", presenter: bool = False, title: str | None = None,
               log_y: bool = False) -> go.Figure:
    """Lines with shaded bands (mean +/- spread) and optional labelled horizontal reference lines.

    Args:
      x: (n,) x values (e.g. ensemble size k, or keep q).
      series: name -> (mean, spread) where spread is a std (n,), a (lo, hi) pair of (n,) arrays, or None.
      hline: optional label -> y value reference lines (e.g. {"exact ensemble": 0.0}).
    """
    xv = st.as_array(x, "x", 1)
    if not series:
        raise ValueError("series must name at least one line")
    if log_x and np.any(xv <= 0):
        raise ValueError("x must be positive when log_x=True")
    colors = st.model_colors(series)
    fig = go.Figure()
    for name, value in series.items():
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"series[{name!r}] must be a (mean, spread) pair")
        mean = _same_length(value[0], xv.size, f"series[{name!r}] mean")
        band = _band(mean, value[1], xv.size, f"series[{name!r}] spread")
        color = colors[name]
        if band is not None:
            lo, hi = band
            # One closed polygon per band: upper edge left to right, lower edge back.
            fig.add_trace(go.Scatter(
                x=np.concatenate([xv, xv[::-1]]), y=np.concatenate([hi, lo[::-1]]), fill="toself", mode="lines",
                fillcolor=st.rgba(color, 0.18), line=dict(width=0), hoverinfo="skip", showlegend=False,
                legendgroup=name, name=f"{name} band", meta="band",
            ))
        fig.add_trace(go.Scatter(
            x=xv, y=mean, mode="lines+markers", name=name, legendgroup=name, meta="line",
            line=dict(color=color, width=st.line_width(presenter)), marker=dict(size=st.marker_size(presenter, 7)),
            customdata=None if band is None else np.stack(band, axis=-1),
            hovertemplate=f"{name}: %{{y:.4g}}" + ("" if band is None else " [%{customdata[0]:.3g}, %{customdata[1]:.3g}]")
            + "<extra></extra>",
        ))
    for i, (label, y) in enumerate((hline or {}).items()):
        fig.add_hline(y=float(y), line=dict(color=st.BLACK if i == 0 else "#666666", width=st.line_width(presenter, 2),
                                            dash="dot"),
                      annotation=dict(text=label, font=dict(size=st.font_size(presenter, st.SMALL_FONT)),
                                      bgcolor="rgba(255,255,255,0.8)"),
                      annotation_position="top left")
    st.base_layout(fig, title, presenter, height=int(460 * st.scale(presenter)))
    fig.update_layout(hovermode="x unified")
    fig.update_xaxes(title_text=x_title, type="log" if log_x else "linear")
    if log_x and xv.size <= 12:
        # Ticks at the measured x values only: a log axis otherwise labels 2, 3, ... 9 in every decade.
        fig.update_xaxes(tickvals=xv, ticktext=[f"{v:g}" for v in xv], minor=dict(showgrid=False))
    fig.update_yaxes(title_text=y_title, type="log" if log_y else "linear")
    return fig


def regression_fit(x_train, y_train, curves: dict, *, band=None, x_test=None, y_test=None,
                   presenter: bool = False, title: str | None = None, x_title: str = "x",
                   y_title: str = "y") -> go.Figure:
    """1-D regression: data points, fitted curves, and an optional +/- 2 std band.

    Args:
      x_train, y_train: (n,) training data (filled dots); x_test, y_test: optional test data (hollow).
      curves: name -> (xs, ys) fitted curves.
      band: optional (xs, mean, std); the band spans mean +/- 2 std (e.g. MC dropout uncertainty).
    """
    xt = st.as_array(x_train, "x_train", 1)
    yt = _same_length(y_train, xt.size, "y_train")
    fig = go.Figure()
    s = st.scale(presenter)
    if band is not None:
        if not isinstance(band, (tuple, list)) or len(band) != 3:
            raise ValueError("band must be (xs, mean, std)")
        bx = st.as_array(band[0], "band xs", 1)
        bm = _same_length(band[1], bx.size, "band mean")
        bs = _same_length(band[2], bx.size, "band std")
        if np.any(bs < 0):
            raise ValueError("band std must be non-negative")
        fig.add_trace(go.Scatter(
            x=np.concatenate([bx, bx[::-1]]), y=np.concatenate([bm + 2 * bs, (bm - 2 * bs)[::-1]]), fill="toself",
            mode="lines",
            fillcolor=st.rgba(st.BLUE, 0.18), line=dict(width=0), hoverinfo="skip", name="mean ± 2 std", meta="band",
        ))
    colors = st.model_colors(curves)
    for name, value in curves.items():
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"curves[{name!r}] must be an (xs, ys) pair")
        cx = st.as_array(value[0], f"curves[{name!r}] xs", 1)
        cy = _same_length(value[1], cx.size, f"curves[{name!r}] ys")
        fig.add_trace(go.Scatter(x=cx, y=cy, mode="lines", name=name, meta="curve",
                                 line=dict(color=colors[name], width=st.line_width(presenter, 3)),
                                 hovertemplate=f"{name}: %{{y:.3g}} at x = %{{x:.3g}}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=xt, y=yt, mode="markers", name="train", meta="train",
        marker=dict(size=st.marker_size(presenter, 9), color=st.BLACK, line=dict(color="white", width=1 * s)),
        hovertemplate="train (%{x:.3g}, %{y:.3g})<extra></extra>",
    ))
    if x_test is not None or y_test is not None:
        if x_test is None or y_test is None:
            raise ValueError("x_test and y_test must be given together")
        xe = st.as_array(x_test, "x_test", 1)
        ye = _same_length(y_test, xe.size, "y_test")
        fig.add_trace(go.Scatter(
            x=xe, y=ye, mode="markers", name="test", meta="test",
            marker=dict(size=st.marker_size(presenter, 9), symbol="circle-open", color="#555555",
                        line=dict(width=2 * s)),
            hovertemplate="test (%{x:.3g}, %{y:.3g})<extra></extra>",
        ))
    st.base_layout(fig, title or "Regression fit" + (" with ± 2 std band" if band is not None else ""), presenter,
                   height=int(460 * s))
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig
