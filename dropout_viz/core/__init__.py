"""The engine: networks, masks, training, inference, data sets, model files; importable without Streamlit."""
from . import system as _system

# Before anything compiles: the random draws of every page compile about twice as fast (same bits).
_system.unroll_threefry_on_cpu()
