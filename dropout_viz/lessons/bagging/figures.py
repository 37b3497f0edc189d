"""The bagging lesson's figures in ``lang``: test errors, loss curves, decision surfaces (shared builders, the
lesson's titles). NumPy in, Plotly out; no JAX, no Streamlit."""
from __future__ import annotations

import plotly.graph_objects as go

from ...core.i18n import translator
from ...figures.charts import bar_compare
from ...figures.curves import training_curves
from ...figures.surfaces import decision_surfaces


def errors(labels, test_error, n_test: int, lang: str = "en", presenter: bool = False) -> go.Figure:
    """One bar per model: its test error."""
    _ = translator(lang)
    return bar_compare(labels, test_error, y_title=_("test error"), fmt=".1%", presenter=presenter,
                       title=_("Test error on {n} held-out points").format(n=n_test))


def curves(steps, series: dict, lang: str = "en", presenter: bool = False) -> go.Figure:
    """Training (solid) and test (dashed) loss of each model during training."""
    _ = translator(lang)
    fig = training_curves(steps, series, metric=_("loss (cross-entropy)"), presenter=presenter, shade_gap=False,
                          title=_("Loss during training: solid = training set, dashed = test set"))
    fig.update_xaxes(title_text=_("training step"))
    return fig


def surfaces(panels, xs, ys, lang: str = "en", presenter: bool = False) -> go.Figure:
    """The predicted P(class 1) of each model over the plane, training points on top."""
    _ = translator(lang)
    return decision_surfaces(panels, xs=xs, ys=ys, cols=4, presenter=presenter,
                             title=_("Predicted P(class 1) after training; dots: training points"))
