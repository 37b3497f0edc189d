"""The engine: networks, masks, training, inference, data sets, model files; importable without Streamlit.

Importing this package imports no JAX (the figure modules use core.i18n and must stay JAX-free); every module here
that uses JAX imports core.system first, which swaps in the faster-compiling threefry lowering before anything
compiles (system.unroll_threefry_on_cpu).
"""
