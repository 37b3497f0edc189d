"""The live view's JavaScript unit tests (tests/js, Node's built-in runner), run as part of the Python suite."""
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_javascript_unit_tests_pass():
    node = shutil.which("node")
    assert node, "Node.js is missing: `make test` installs it (scripts/apt-install nodejs)"
    out = subprocess.run([node, "--test", "tests/js"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "# fail 0" in out.stdout and "# pass 0" not in out.stdout
