"""The engine: networks, masks, training, inference, data sets, model files; importable without Streamlit."""
