"""Shared test setup: the repo root is importable and JAX runs quietly on the CPU."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Before anything imports jax: tests never probe for (or warn about) an accelerator.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# Compiled programs are kept in the checkout's .cache/jax: the browser tests' app server (a subprocess that
# inherits this environment) loads what the in-process tests compiled, and a re-run starts warm.
os.environ.setdefault("DROPOUT_LAB_CACHE_DIR", str(ROOT / ".cache" / "jax"))

from dropout_viz.core import system  # noqa: E402  (after the environment above)

system.enable_compilation_cache()


def pytest_configure(config):
    """Show full exception details in AppTest runs (.streamlit/config.toml hides them from viewers)."""
    try:
        from streamlit import config as st_config
    except ImportError:  # a bare library checkout can still run the unit tests
        return
    st_config.set_option("client.showErrorDetails", "full")
