"""Dropout Lab library: everything importable without Streamlit."""
from .core import system as _system

# Before anything computes: a replica of `make serve` computes on as many XLA threads as it is given cores
# ($DROPOUT_LAB_XLA_THREADS; unset, XLA's default of one per core). See core/system.limit_xla_cpu_threads.
XLA_THREADS = _system.limit_xla_cpu_threads()
