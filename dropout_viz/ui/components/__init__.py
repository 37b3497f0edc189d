"""Custom Streamlit components of the lab, shipped as plain files (no build step, nothing from the internet)."""
