"""Dropout Lab library: everything importable without Streamlit."""
import os as _os

# Before anything computes: a replica of `make serve` computes on as many XLA threads as it is given cores
# ($DROPOUT_LAB_XLA_THREADS, core.system.XLA_THREADS_ENV; unset, XLA's default of one per core and no JAX import
# here, so that figures modules stay free of JAX). See core/system.limit_xla_cpu_threads.
XLA_THREADS = None
if _os.environ.get("DROPOUT_LAB_XLA_THREADS", "").strip():
    from .core import system as _system

    XLA_THREADS = _system.limit_xla_cpu_threads()
