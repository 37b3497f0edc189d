"""Dropout Lab library: everything importable without Streamlit."""
