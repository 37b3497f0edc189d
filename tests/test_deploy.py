"""The deployment: nginx's config (nginx -t), the Compose file and the Kubernetes manifests against their schemas
(offline: the schemas ship inside check-jsonschema and kubernetes-validate), and two replicas of a tiny app
behind nginx on loopback: sticky sessions by cookie and a Streamlit websocket session through nginx.

Nothing here runs Docker or a cluster (there are none on this machine): the Compose file and the manifests are
only validated.
"""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import serve  # noqa: E402

from loadtest import protocol as sp  # noqa: E402

DEPLOY = ROOT / "deploy"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


@pytest.fixture
def nginx_dir():
    """A folder for nginx's prefix that nginx can reach when it runs as nobody (pytest's tmp_path is root's)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="dropout-lab-nginx-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _need_nginx():
    if not os.access(serve.NGINX, os.X_OK):
        pytest.fail(f"no nginx at {serve.NGINX}: run `make test` (installs Debian's nginx) or `apt-get install nginx`")


# --- nginx config --------------------------------------------------------------------------------------

def test_rendered_config_routes_each_cookie_to_its_replica_with_the_others_as_backups():
    text = serve.render_nginx_conf(["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"], "127.0.0.1:9000", "/p")
    import re

    assert not re.findall(r"@[A-Z_]+@", text)  # every field filled
    for i, own in enumerate(["9001", "9002", "9003"]):
        block = text.split(f"upstream dlab_r{i} {{")[1].split("}")[0]
        lines = [ln.strip() for ln in block.strip().splitlines()]
        assert lines[0].startswith(f"server 127.0.0.1:{own} ") and "backup" not in lines[0]
        assert len(lines) == 3 and all(ln.endswith("backup;") for ln in lines[1:])
        assert f"r{i} dlab_r{i};" in text and f'"~(^|\\s)127\\.0\\.0\\.1:{own}$" r{i};' in text
    assert "listen 127.0.0.1:9000;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text and "proxy_read_timeout 1h;" in text
    with pytest.raises(ValueError, match="backends"):
        serve.render_nginx_conf([], "9000", "/p")
    with pytest.raises(ValueError, match="@EXTRA@"):
        serve.render_nginx_conf(["127.0.0.1:1"], "9000", "/p", template="listen @LISTEN@; @EXTRA@")


def test_nginx_accepts_the_config(nginx_dir):
    _need_nginx()
    tmp_path = nginx_dir
    conf = serve.write_prefix(tmp_path, serve.render_nginx_conf(["127.0.0.1:9001", "127.0.0.1:9002"],
                                                                "127.0.0.1:9000", str(tmp_path)))
    checked = serve.nginx_test(conf, tmp_path)
    assert checked.returncode == 0, checked.stderr
    broken = serve.write_prefix(tmp_path / "broken", conf.read_text().replace("proxy_http_version 1.1;",
                                                                              "proxy_http_version;"))
    assert serve.nginx_test(broken, tmp_path / "broken").returncode != 0


def test_compose_nginx_conf_is_the_template_rendered_for_its_replicas():
    assert (DEPLOY / "nginx.compose.conf").read_text() == serve.compose_nginx_conf(), \
        "deploy/nginx.compose.conf is stale: run scripts/serve.py --write-compose-conf"
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    addresses = [compose["services"][name]["networks"]["dlab"]["ipv4_address"] for name in ("app-r0", "app-r1")]
    assert [a + ":8501" for a in addresses] == serve.COMPOSE_BACKENDS


# --- schemas -------------------------------------------------------------------------------------------

def _check_compose(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_compose_file_matches_the_compose_spec(tmp_path):
    checked = _check_compose(DEPLOY / "compose.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"nginx", "app-r0", "app-r1"} <= set(services)
    for name in ("app-r0", "app-r1"):  # both replicas mount the one cache volume where the app looks
        assert "jax-cache:/cache" in services[name]["volumes"]
        assert services[name]["environment"]["DROPOUT_LAB_CACHE_DIR"] == "/cache/jax"
        assert "/_stcore/health" in " ".join(services[name]["healthcheck"]["test"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("services:\n  app:\n    image: x\n    ports: 8501\n")  # ports must be a list
    assert _check_compose(bad).returncode != 0


def _manifests():
    docs = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return {d["kind"]: d for d in docs}


def test_kubernetes_manifests_match_their_schemas():
    import kubernetes_validate

    manifests = _manifests()
    assert set(manifests) == {"Deployment", "Service", "Ingress"}
    for doc in manifests.values():
        kubernetes_validate.validate(doc, "1.37.0", strict=True)
    pod = manifests["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert pod["readinessProbe"]["httpGet"]["path"] == "/_stcore/health"
    annotations = manifests["Ingress"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    broken = {**manifests["Service"], "spec": {**manifests["Service"]["spec"], "sessionAffinity": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, "1.37.0", strict=True)


# --- two replicas behind nginx ------------------------------------------------------------------------

def test_replicas_share_out_the_cores_for_xla():
    assert [serve.xla_threads(n, cores=8) for n in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]
    assert serve.xla_threads(2, cores=2) == 1
    with pytest.raises(ValueError, match="replicas"):
        serve.xla_threads(0)


def _get(url: str, cookie: str | None = None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get("X-Dropout-Lab-Replica"), response.headers.get("Set-Cookie", "")


def _session_replica(url: str, cookie: str | None) -> str:
    """Open a Streamlit session through nginx's websocket, run the page once, return the replica it ran on."""
    conn = sp.Connection(url, timeout_s=60, cookie=cookie)
    page = sp.Page()
    try:
        conn.send(sp.rerun_request(page_script_hash=""))
        while True:
            result = page.apply(conn.recv())
            if result is not None and result.status == sp.FINISHED:
                break
        slider = page.widget("Keep q", "slider")
        conn.send(sp.rerun_request(page_script_hash=page.page_script_hash,
                                   widget_states=[sp.slider_state(slider.id, 0.2)]))
        while True:
            result = page.apply(conn.recv())
            if result is not None and result.status == sp.FINISHED:
                break
        assert "keep=0.2" in page.markdown  # the rerun with the new value ran
        return next(text.split("=", 1)[1] for text in page.markdown if text.startswith("replica="))
    finally:
        conn.close()


def test_two_replicas_behind_nginx_keep_each_browser_on_its_replica(tmp_path):
    _need_nginx()
    app = ROOT / "tests" / "data" / "replica_app.py"
    with serve.Deployment(2, app=app, cache_dir=tmp_path / "cache", log_dir=tmp_path) as dep:
        assert urllib.request.urlopen(f"{dep.url}/_stcore/health", timeout=10).read() == b"ok"
        # Each replica computes on its share of the cores (one XLA thread each on two cores).
        for r in dep.replicas:
            env = dict(item.split("=", 1) for item in
                       Path(f"/proc/{r.proc.pid}/environ").read_text().split("\0") if "=" in item)
            assert env.get("DROPOUT_LAB_XLA_THREADS") == str(serve.xla_threads(2))
        # Browsers without the cookie are spread over both replicas, and each gets the cookie of its own.
        first = [_get(dep.url + "/") for _ in range(4)]
        assert {replica for replica, _ in first} == {"r0", "r1"}
        for replica, set_cookie in first:
            assert set_cookie.startswith(f"dlab_replica={replica};")
        # With the cookie, every request and the websocket session reach that replica.
        for replica in ("r0", "r1"):
            cookie = f"dlab_replica={replica}"
            assert {_get(dep.url + "/", cookie)[0] for _ in range(4)} == {replica}
            assert _session_replica(dep.url, cookie) == replica
        # A replica that stops: its browsers go to the other one (passive health check, backup server).
        serve.stop(dep.replicas[0].proc)
        assert _get(dep.url + "/", "dlab_replica=r0")[0] == "r1"
