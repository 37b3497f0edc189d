"""Streamlit glue: the only part of dropout_viz that imports streamlit (shared widgets and cached calls)."""
