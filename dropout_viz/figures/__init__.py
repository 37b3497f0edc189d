"""Plotly figure builders: NumPy in, go.Figure out. No JAX and no Streamlit here."""
from .charts import bar_compare, histograms, image_gallery, sweep_heatmap
from .curves import band_chart, regression_fit, training_curves
from .network import has_input_output_path, network_diagram, subnetwork_gallery
from .style import base_layout, keep_text, model_colors
from .surfaces import boundary_xy, contour_lines, decision_surface, decision_surfaces, difference_heatmap

__all__ = [
    "band_chart",
    "bar_compare",
    "base_layout",
    "boundary_xy",
    "contour_lines",
    "decision_surface",
    "decision_surfaces",
    "difference_heatmap",
    "has_input_output_path",
    "histograms",
    "image_gallery",
    "keep_text",
    "model_colors",
    "network_diagram",
    "regression_fit",
    "subnetwork_gallery",
    "sweep_heatmap",
    "training_curves",
]
