"""Figures of the architectures lesson: NumPy in, Plotly out (no JAX, no Streamlit).

Every builder takes ``lang`` and translates its own titles, axis labels and series names.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dropout_viz.core.i18n import translator
from dropout_viz.figures import style as st

SEQ_COLORS = (st.VERMILLION, st.ORANGE, st.BLUE)  # none, fresh, variational
SCHEDULE_COLORS = (st.GREEN, st.PURPLE)  # constant, linear


def _legend_on_top(fig: go.Figure, presenter: bool, top: int = 90) -> go.Figure:
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"),
                      margin=dict(t=int(top * st.scale(presenter))))
    return fig


def unrolled(masks, *, lang: str = "en", presenter: bool = False) -> go.Figure:
    """The RNN unrolled over time, twice: masks (2, T, U) on the recurrent connection h_{t−1} → h_t, fresh at
    every step (row 1) and one per sequence (row 2). A dot is unit u of h_{t−1} as step t receives it: filled
    when kept, hollow grey when dropped; a kept unit's line into step t is solid."""
    _ = translator(lang)
    m = st.as_array(masks, "masks", 3)
    if m.shape[0] != 2:
        raise ValueError(f"masks must have shape (2, steps, units), got {m.shape}")
    _two, steps, units = m.shape
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.12 if presenter else 0.16,
                        subplot_titles=(_("A fresh mask at every time step"),
                                        _("One mask per sequence (variational dropout)")))
    st.subplot_title_fonts(fig, presenter)
    size = st.marker_size(presenter, 16)
    for row in range(2):
        for t in range(steps):
            for u in range(units):
                kept = m[row, t, u] > 0
                fig.add_trace(go.Scatter(
                    x=[t - 0.75, t], y=[u, u], mode="lines", showlegend=False, hoverinfo="skip", meta="edge",
                    line=dict(color=st.BLUE if kept else st.NEUTRAL, width=st.line_width(presenter, 2.5 if kept else 1),
                              dash="solid" if kept else "dot")), row=row + 1, col=1)
        t_idx, u_idx = np.meshgrid(np.arange(steps), np.arange(units), indexing="ij")
        kept = m[row].reshape(-1) > 0
        for flag, name, color, symbol in ((True, _("kept (× 1/q)"), st.BLUE, "circle"),
                                          (False, _("dropped (0)"), st.GHOST, "x-thin-open")):
            sel = kept == flag
            fig.add_trace(go.Scatter(
                x=t_idx.reshape(-1)[sel].tolist(), y=u_idx.reshape(-1)[sel].tolist(), mode="markers", name=name,
                legendgroup=name, showlegend=row == 0, meta="kept" if flag else "dropped",
                marker=dict(color=color, size=size, symbol=symbol, line=dict(width=2, color=color)),
                hovertemplate=_("step") + " %{x}, " + _("unit") + " %{y}<extra></extra>"), row=row + 1, col=1)
    s = st.scale(presenter)
    st.base_layout(fig, None, presenter, height=int(400 * s))
    fig.update_xaxes(title_text=_("time step t (each dot: a unit of h₍ₜ₋₁₎ entering step t)"), row=2, col=1)
    fig.update_xaxes(tickmode="linear", dtick=1, range=[-1, steps - 0.5], showgrid=False)
    fig.update_yaxes(title_text=_("unit"), tickmode="linear", dtick=1, showgrid=False, range=[-0.6, units - 0.4])
    if presenter:
        # Large text beside the controls: the time steps are numbered once (under the lower row), the units at the
        # ends of each column only, and the legend at the figure's top edge, above the first row's title.
        fig.update_xaxes(showticklabels=False, row=1, col=1)
        fig.update_yaxes(tickmode="array", tickvals=[0, units - 1])
        fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", yref="container", y=0.99, yanchor="top"),
                          margin=dict(t=int(65 * s)))
        return fig
    return _legend_on_top(fig, presenter, top=70)


def refill_unrolled(frame: go.Figure, masks, *, presenter: bool = False) -> go.Figure:
    """unrolled(masks, lang=lang, presenter=presenter) from ``frame``, an unrolled figure of masks of the same shape
    in the same language and mode: the same figure without Plotly's per-property validation (about 100 ms a
    figure, the most of a slider move). Only the edges' lines and the dots' places differ between two such
    figures."""
    m = st.as_array(masks, "masks", 3)
    spec = frame.to_dict()
    traces = spec["data"]
    _two, steps, units = m.shape
    if m.shape[0] != 2 or len(traces) != 2 * (steps * units + 2):
        raise ValueError(f"frame must be an unrolled figure of masks of shape {m.shape}")
    i = 0
    t_idx, u_idx = np.meshgrid(np.arange(steps), np.arange(units), indexing="ij")
    for row in range(2):
        for t in range(steps):
            for u in range(units):
                kept = m[row, t, u] > 0
                traces[i]["line"] = dict(color=st.BLUE if kept else st.NEUTRAL,
                                         width=st.line_width(presenter, 2.5 if kept else 1),
                                         dash="solid" if kept else "dot")
                i += 1
        kept = m[row].reshape(-1) > 0
        for flag in (True, False):
            sel = kept == flag
            traces[i]["x"] = t_idx.reshape(-1)[sel].tolist()
            traces[i]["y"] = u_idx.reshape(-1)[sel].tolist()
            i += 1
    return go.Figure(spec, _validate=False)


def loss_curves(steps, test_loss, *, lang: str = "en", presenter: bool = False) -> go.Figure:
    """Test loss against training steps: mean over seeds (line), min to max (band), for (none, fresh, per
    sequence); test_loss has shape (3, seeds, points)."""
    _ = translator(lang)
    x = st.as_array(steps, "steps", 1)
    y = st.as_array(test_loss, "test_loss", 3)
    names = (_("no dropout"), _("fresh mask every step"), _("one mask per sequence"))
    fig = go.Figure()
    for i, (name, color) in enumerate(zip(names, SEQ_COLORS)):
        lo, hi, mean = y[i].min(0), y[i].max(0), y[i].mean(0)
        fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([hi, lo[::-1]]), fill="toself",
                                 fillcolor=st.rgba(color, 0.18), line=dict(width=0), hoverinfo="skip",
                                 showlegend=False, meta="band"))
        fig.add_trace(go.Scatter(x=x, y=mean, mode="lines+markers", name=name, meta="mean",
                                 line=dict(color=color, width=st.line_width(presenter)),
                                 marker=dict(size=st.marker_size(presenter, 6)),
                                 hovertemplate="%{y:.4f}<extra>" + name + "</extra>"))
    st.base_layout(fig, _("Test loss while training (mean over seeds; band: lowest to highest)"), presenter,
                   height=int(440 * st.scale(presenter)))
    fig.update_xaxes(title_text=_("training steps"))
    fig.update_yaxes(title_text=_("test MSE against the clean next value"), rangemode="tozero")
    return _legend_on_top(fig, presenter, top=110)


def depth_picture(p, dist, dist_sampled, *, lang: str = "en", presenter: bool = False) -> go.Figure:
    """Left: survival p_l of each block. Right: P(k blocks kept), closed form (bars) against sampling (dots)."""
    _ = translator(lang)
    p = st.as_array(p, "p", 1)
    d = st.as_array(dist, "dist", 1)
    ds = st.as_array(dist_sampled, "dist_sampled", 1)
    if len(d) != len(p) + 1 or len(ds) != len(d):
        raise ValueError(f"dist and dist_sampled must have len(p) + 1 = {len(p) + 1} entries, got {len(d)}, {len(ds)}")
    # Presenter mode: wider spacing, so the right panel's axis title clears the left panel (large ticks).
    fig = make_subplots(rows=1, cols=2, column_widths=[0.4, 0.6], horizontal_spacing=0.2 if presenter else 0.13,
                        subplot_titles=(_("Survival p_l of each block"), _("Blocks kept in one forward pass")))
    st.subplot_title_fonts(fig, presenter)
    blocks = np.arange(1, len(p) + 1)
    fig.add_trace(go.Bar(x=blocks, y=p, name=_("survival p_l"), marker_color=st.GREEN, meta="survival",
                         showlegend=False, hovertemplate="p_%{x} = %{y:.3f}<extra></extra>"), row=1, col=1)
    k = np.arange(len(d))
    fig.add_trace(go.Bar(x=k.tolist(), y=d.tolist(), name=_("closed form"), marker_color=st.rgba(st.BLUE, 0.55), meta="closed",
                         hovertemplate="P(%{x}) = %{y:.4f}<extra></extra>"), row=1, col=2)
    fig.add_trace(go.Scatter(x=k, y=ds, mode="markers", name=_("sampled"), meta="sampled",
                             marker=dict(color=st.VERMILLION, size=st.marker_size(presenter, 10), symbol="diamond"),
                             hovertemplate="%{y:.4f}<extra></extra>"), row=1, col=2)
    st.base_layout(fig, None, presenter, height=int(400 * st.scale(presenter)))
    fig.update_xaxes(title_text=_("block l"), tickmode="linear", dtick=1, row=1, col=1)
    fig.update_yaxes(range=[0, 1.05], row=1, col=1)
    fig.update_xaxes(title_text=_("blocks kept k (of L)"), tickmode="linear", dtick=1, row=1, col=2)
    fig.update_yaxes(title_text=_("probability"), row=1, col=2)
    # The legend inside the right panel's top-left corner: above the panels it would run into their titles.
    fig.update_layout(legend=dict(x=0.48, xanchor="left", y=0.98, yanchor="top"))
    return fig


def refill_depth_picture(frame: go.Figure, p, dist, dist_sampled) -> go.Figure:
    """depth_picture(p, dist, dist_sampled, lang=lang, presenter=presenter) from ``frame``, a depth_picture in the
    same language and mode: the same figure without Plotly's per-property validation (the most of a slider move).
    Only the bars and dots differ between two such figures."""
    p = st.as_array(p, "p", 1)
    d = st.as_array(dist, "dist", 1)
    ds = st.as_array(dist_sampled, "dist_sampled", 1)
    if len(d) != len(p) + 1 or len(ds) != len(d):
        raise ValueError(f"dist and dist_sampled must have len(p) + 1 = {len(p) + 1} entries, got {len(d)}, {len(ds)}")
    spec = frame.to_dict()
    traces = spec["data"]
    if [t.get("meta") for t in traces] != ["survival", "closed", "sampled"]:
        raise ValueError("frame must be a depth_picture")
    k = np.arange(len(d))
    traces[0]["x"], traces[0]["y"] = np.arange(1, len(p) + 1), p
    traces[1]["x"], traces[1]["y"] = k.tolist(), d.tolist()
    traces[2]["x"], traces[2]["y"] = k, ds
    return go.Figure(spec, _validate=False)


def schedule_errors(p_last, errors, *, lang: str = "en", presenter: bool = False) -> go.Figure:
    """Test error against the last block's survival p_L, one line per schedule (constant, linear): mean over
    seeds with each seed as a dot; errors has shape (2, P, seeds)."""
    _ = translator(lang)
    x = st.as_array(p_last, "p_last", 1)
    e = st.as_array(errors, "errors", 3)
    names = (_("constant p_l = p_L"), _("linear p_l = 1 − (l/L)(1 − p_L)"))
    fig = go.Figure()
    for i, (name, color) in enumerate(zip(names, SCHEDULE_COLORS)):
        shift = (i - 0.5) * 0.012
        fig.add_trace(go.Scatter(x=np.repeat(x + shift, e.shape[2]), y=e[i].reshape(-1), mode="markers",
                                 showlegend=False, meta="seed", hoverinfo="skip",
                                 marker=dict(color=st.rgba(color, 0.45), size=st.marker_size(presenter, 7))))
        fig.add_trace(go.Scatter(x=x + shift, y=e[i].mean(1), mode="lines+markers", name=name, meta="mean",
                                 line=dict(color=color, width=st.line_width(presenter)),
                                 marker=dict(size=st.marker_size(presenter, 9)),
                                 hovertemplate="p_L = %{x:.2f}: %{y:.1%}<extra>" + name + "</extra>"))
    st.base_layout(fig, _("Test error against the survival of the last block (dots: seeds)"), presenter,
                   height=int(420 * st.scale(presenter)))
    fig.update_xaxes(title_text=_("survival of the last block p_L (1 = no stochastic depth)"))
    fig.update_yaxes(title_text=_("test error"), tickformat=".0%")
    return _legend_on_top(fig, presenter, top=110)
