#!/usr/bin/env python3
"""Serve Dropout Lab as N replicas behind nginx: `make serve REPLICAS=2` (or scripts/serve.py --replicas 2).

Starts N Streamlit servers of the app on loopback ports (each its own process, all sharing one compilation
cache directory, $DROPOUT_LAB_CACHE_DIR), waits until each answers /_stcore/health, then runs Debian's nginx in
the foreground as an unprivileged process with its own prefix (config, pid, logs, temp files) under
/tmp/dropout-lab-nginx-<port>-*, rendered from deploy/nginx.conf: sticky sessions by cookie, websocket upgrades, long idle
timeouts, passive health checks. While it runs it polls every replica's /_stcore/health and says when one
stops answering. Ctrl+C (or --duration) stops nginx and the replicas.

    scripts/serve.py --replicas 2 --port 8501 --address 0.0.0.0
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf"
NGINX = os.environ.get("DROPOUT_LAB_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
START_S = 120.0  # a replica's first start imports JAX and Streamlit on a busy 2-core machine


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def healthy(url: str, timeout_s: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout_s) as response:
            return response.read().strip() == b"ok"
    except OSError:
        return False


def render_nginx_conf(backends: list[str], listen: str, prefix: str, *, template: str | None = None,
                      access_log: str = "off") -> str:
    """deploy/nginx.conf with its fields filled: backends are "host:port" of the replicas, in order (replica i
    is named r<i> in the cookie); listen is nginx's own "address:port" (or a port)."""
    if not backends:
        raise ValueError("backends must name at least one replica")
    text = TEMPLATE.read_text() if template is None else template
    fail = "max_fails=1 fail_timeout=10s"
    any_servers = "\n".join(f"        server {b} {fail};" for b in backends)
    upstreams = []
    for i, b in enumerate(backends):
        lines = [f"    upstream dlab_r{i} {{", f"        server {b} {fail};"]
        lines += [f"        server {o} {fail} backup;" for o in backends if o != b]
        lines.append("    }")
        upstreams.append("\n".join(lines))
    routes = "\n".join(f"        r{i} dlab_r{i};" for i in range(len(backends)))
    # $upstream_addr lists every server tried ("A, B" when A failed): the last one answered.
    names = "\n".join(f'        "~(^|\\s){re.escape(b)}$" r{i};' for i, b in enumerate(backends))
    fields = {"@PREFIX@": prefix, "@ACCESS_LOG@": access_log, "@ANY_SERVERS@": any_servers,
              "@REPLICA_UPSTREAMS@": "\n".join(upstreams), "@COOKIE_ROUTES@": routes, "@ADDRESS_NAMES@": names,
              "@LISTEN@": listen}
    for field, value in fields.items():
        text = text.replace(field, value)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise ValueError(f"the nginx template has fields this function does not fill: {sorted(set(left))}")
    return text


COMPOSE_BACKENDS = ["172.30.0.10:8501", "172.30.0.11:8501"]  # deploy/compose.yaml's app-r0, app-r1


def compose_nginx_conf() -> str:
    """deploy/nginx.compose.conf: the template for deploy/compose.yaml's two replicas (nginx on port 8501)."""
    return render_nginx_conf(COMPOSE_BACKENDS, "8501", "/tmp/nginx")


def _unprivileged() -> list[str]:
    """A command prefix that runs nginx as nobody when this is root (nginx then needs no root at all)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    return [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]


def _chown_to_nobody(path: Path) -> None:
    if os.geteuid() != 0 or not _unprivileged():
        return
    import grp
    import pwd

    uid, gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    for folder, dirs, files in os.walk(path):
        os.chown(folder, uid, gid)
        for name in files:
            os.chown(os.path.join(folder, name), uid, gid)


def write_prefix(prefix: Path, conf_text: str) -> Path:
    """nginx's own folder: the config, and room for its pid file, logs and temp files."""
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(conf_text)
    _chown_to_nobody(prefix)
    return conf


def nginx_test(conf: Path, prefix: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on the config (as the same user that will run it)."""
    return subprocess.run([*_unprivileged(), NGINX, "-t", "-p", str(prefix), "-c", str(conf), "-e",
                           str(prefix / "error.log")], capture_output=True, text=True, timeout=30)


@dataclass
class Replica:
    name: str
    url: str
    proc: subprocess.Popen
    log: Path
    # The file whose touch asks the replica to drop the compiled programs of its start-up walk
    # ($DROPOUT_LAB_RELEASE_FILE; scripts/warm.py --release touches it when the walk is done).
    release: Path | None = None


def xla_threads(replicas: int, cores: int | None = None) -> int:
    """XLA CPU threads per replica: the machine's cores shared out, at least one (DROPOUT_LAB_XLA_THREADS)."""
    if replicas < 1:
        raise ValueError(f"replicas must be >= 1, got {replicas}")
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // replicas)


def start_replica(name: str, port: int, *, app: Path, log: Path, cache_dir: Path, extra_env: dict | None = None,
                  argv_prefix: list[str] | None = None, threads: int | None = None) -> Replica:
    """One Streamlit server of the app on 127.0.0.1:port (in its own process group); ``threads``: its XLA CPU
    threads (DROPOUT_LAB_XLA_THREADS, unless the environment sets it already)."""
    cmd = (argv_prefix or [sys.executable, "-m", "streamlit"]) + [
        "run", str(app), "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    release = log.parent / f".release-{name}-{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DROPOUT_LAB_CACHE_DIR": str(cache_dir),
           "DROPOUT_LAB_REPLICA": name, "DROPOUT_LAB_RELEASE_FILE": str(release), **(extra_env or {})}
    env.setdefault("JAX_PLATFORMS", "cpu")
    if threads is not None:
        env.setdefault("DROPOUT_LAB_XLA_THREADS", str(threads))
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    return Replica(name, f"http://127.0.0.1:{port}", proc, log, release)


def wait_healthy(url: str, proc: subprocess.Popen, log: Path | None, timeout_s: float = START_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            why = f"exited with {proc.returncode}" if proc.poll() is not None else f"not healthy after {timeout_s:.0f} s"
            raise RuntimeError(f"{url} {why}\n{tail}")
        time.sleep(0.3)


def start_nginx(conf: Path, prefix: Path) -> subprocess.Popen:
    """nginx in the foreground (daemon off), unprivileged, with its own prefix."""
    if not os.access(NGINX, os.X_OK):
        raise RuntimeError(f"no nginx at {NGINX}: `scripts/apt-install nginx` (make serve installs it)")
    checked = nginx_test(conf, prefix)
    if checked.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{checked.stderr}")
    return subprocess.Popen([*_unprivileged(), NGINX, "-p", str(prefix), "-c", str(conf), "-e",
                             str(prefix / "error.log"), "-g", "daemon off;"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=open(prefix / "nginx.stderr", "w"),
                            start_new_session=True)


def stop(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Stop a process group that this script started: SIGTERM, then SIGKILL."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


class Deployment:
    """N replicas and nginx, started together and stopped together (a context manager)."""

    def __init__(self, replicas: int, *, listen_host: str = "127.0.0.1", port: int | None = None,
                 app: Path = ROOT / "app.py", cache_dir: Path | None = None, prefix: Path | None = None,
                 log_dir: Path = ROOT / "artifacts", start_replica_fn=None):
        if replicas < 1:
            raise ValueError(f"replicas must be >= 1, got {replicas}")
        self.n, self.listen_host, self.app = replicas, listen_host, app
        self.port = port or free_port()
        self.cache_dir = cache_dir or Path(os.environ.get("DROPOUT_LAB_CACHE_DIR")
                                           or Path.home() / ".cache" / "dropout-lab" / "jax")
        # In the system's temp folder by default: when this runs as root, nginx runs as nobody, who must be able
        # to reach the folder (a checkout under /root would not do).
        self.own_prefix = prefix is None
        self.prefix = prefix or Path(tempfile.mkdtemp(prefix=f"dropout-lab-nginx-{self.port}-"))
        self.log_dir = log_dir
        self.start_replica_fn = start_replica_fn
        self.replicas: list[Replica] = []
        self.nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.listen_host in ("0.0.0.0", "") else self.listen_host
        return f"http://{host}:{self.port}"

    def start(self) -> "Deployment":
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        try:
            for i in range(self.n):
                name, port = f"r{i}", free_port()
                log = self.log_dir / f"replica-{name}.log"
                threads = xla_threads(self.n)
                if self.start_replica_fn is not None:
                    self.replicas.append(self.start_replica_fn(name, port, log, self.cache_dir, threads))
                else:
                    self.replicas.append(start_replica(name, port, app=self.app, log=log, cache_dir=self.cache_dir,
                                                       threads=threads))
            for r in self.replicas:
                wait_healthy(r.url, r.proc, r.log)
            backends = [r.url.removeprefix("http://") for r in self.replicas]
            conf = write_prefix(self.prefix, render_nginx_conf(backends, f"{self.listen_host}:{self.port}",
                                                               str(self.prefix)))
            self.nginx = start_nginx(conf, self.prefix)
            wait_healthy(self.url, self.nginx, self.prefix / "error.log", 30)
        except BaseException:
            self.stop()
            raise
        return self

    def pids(self) -> list[int]:
        return [r.proc.pid for r in self.replicas] + ([self.nginx.pid] if self.nginx else [])

    def stop(self) -> None:
        if self.nginx is not None:
            stop(self.nginx)
            self.nginx = None
        for r in self.replicas:
            stop(r.proc)
        self.replicas = []
        if self.own_prefix:
            shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self) -> "Deployment":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def warm_command(url: str, walk: bool, release: Path | None = None) -> list[str]:
    """The warm-up of one replica: scripts/warm.py opens every page; with walk, then moves every control, and
    (``release``: the replica's release file) has the replica drop the programs the walk compiled."""
    cmd = [sys.executable, str(ROOT / "scripts" / "warm.py"), "--url", url]
    if walk:
        cmd += ["--walk"] + (["--release", str(release)] if release is not None else [])
    return cmd


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--replicas", type=int, default=2, help="Streamlit processes behind nginx (default 2)")
    p.add_argument("--port", type=int, default=8501, help="nginx's port (default 8501)")
    p.add_argument("--address", default="0.0.0.0", help="nginx's address (default 0.0.0.0; 127.0.0.1: this machine only)")
    p.add_argument("--duration", type=float, default=None, help="stop after this many seconds (default: Ctrl+C)")
    p.add_argument("--no-warm", action="store_true", help="do not open every page once on each replica at start")
    p.add_argument("--walk", action="store_true", help="after opening the pages, move every control of every page "
                   "through its values on each replica (scripts/warm.py --walk: minutes; before a lecture)")
    p.add_argument("--write-compose-conf", action="store_true",
                   help="write deploy/nginx.compose.conf (the template rendered for deploy/compose.yaml) and exit")
    args = p.parse_args(argv)
    if args.write_compose_conf:
        (ROOT / "deploy" / "nginx.compose.conf").write_text(compose_nginx_conf())
        return 0
    if args.replicas < 1:
        p.error("--replicas must be >= 1")
    dep = Deployment(args.replicas, listen_host=args.address, port=args.port)
    prefix = dep.prefix
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    print(f"Starting {args.replicas} replica(s) and nginx (compilation cache: {dep.cache_dir}) ...", flush=True)
    with dep:
        print(f"Dropout Lab: open http://{'localhost' if args.address == '0.0.0.0' else args.address}:{args.port}  "
              f"({args.replicas} replicas: {', '.join(r.url for r in dep.replicas)}; nginx prefix {prefix}; "
              "Ctrl+C stops)", flush=True)
        # Every replica computes the pages' default views once before the class arrives (scripts/warm.py; each
        # replica has its own st.cache_data, the compilation cache is shared). --no-warm leaves it out; --walk
        # also moves every control (the class's first moves then find their settings computed).
        warmers = [] if args.no_warm else [subprocess.Popen(warm_command(r.url, args.walk, r.release))
                                          for r in dep.replicas]
        end = None if args.duration is None else time.monotonic() + args.duration
        down: set[str] = set()
        try:
            while not stopping and (end is None or time.monotonic() < end):
                time.sleep(2)
                if dep.nginx.poll() is not None:
                    print(f"nginx exited with {dep.nginx.returncode}; see {prefix}/error.log", file=sys.stderr)
                    return 1
                for r in dep.replicas:  # the active health check that open-source nginx lacks
                    ok = r.proc.poll() is None and healthy(r.url)
                    if not ok and r.name not in down:
                        down.add(r.name)
                        print(f"replica {r.name} ({r.url}) is not healthy; nginx sends its sessions to the others "
                              f"(log: {r.log})", file=sys.stderr, flush=True)
                    elif ok and r.name in down:
                        down.discard(r.name)
                        print(f"replica {r.name} is healthy again", file=sys.stderr, flush=True)
        except KeyboardInterrupt:
            pass
        finally:
            for w in warmers:
                if w.poll() is None:
                    w.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
