"""Plotly figure builders: NumPy in, go.Figure out. No JAX and no Streamlit here."""
from .charts import bar_compare, histograms, image_gallery, sweep_heatmap
from .curves import band_chart, regression_fit, training_curves
from .gradients import gradient_heatmaps
from .masks import mask_heatmap, vector_bars
from .network import has_input_output_path, network_diagram, subnetwork_gallery
from .style import base_layout, keep_text, model_colors
from .surfaces import decision_surface, decision_surfaces, difference_heatmap

__all__ = [
    "band_chart",
    "bar_compare",
    "base_layout",
    "decision_surface",
    "decision_surfaces",
    "difference_heatmap",
    "gradient_heatmaps",
    "has_input_output_path",
    "histograms",
    "image_gallery",
    "keep_text",
    "mask_heatmap",
    "model_colors",
    "network_diagram",
    "regression_fit",
    "subnetwork_gallery",
    "sweep_heatmap",
    "training_curves",
    "vector_bars",
]
