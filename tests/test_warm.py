"""scripts/warm.py: the first visitor of every page, on loopback only."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import warm  # noqa: E402


@pytest.mark.parametrize("url", ["http://10.0.0.5:8501", "http://example.org", "https://192.168.1.2:8501"])
def test_warm_refuses_addresses_off_this_machine(url):
    with pytest.raises(SystemExit, match="loopback"):
        warm.check_loopback(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8501", "http://localhost:9", "http://[::1]:8501"])
def test_warm_accepts_loopback(url):
    warm.check_loopback(url)


def test_warm_gives_up_when_nothing_answers():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "warm.py"), "--url", "http://127.0.0.1:9",
                          "--wait", "1"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "does not answer" in out.stderr
