"""Serve the app to many readers: several app processes behind nginx, with sticky sessions, all on loopback.

    python scripts/serve_behind_proxy.py [--apps 2] [--port 8080] [--site DIR]

Starts ``--apps`` copies of ``streamlit run app.py`` on free loopback ports and nginx (Debian's ``nginx-light``
or ``nginx``) in front of them on ``--port``. A visitor's first request gets a ``geo_backend`` cookie, and nginx
hashes that cookie to pick the app process, so the page, its websocket (``/_stcore/stream``) and its media all
reach the process that holds the session. ``/api/`` and ``/ogc`` are stateless and go round-robin to every
process. ``--site DIR`` also serves a static folder (e.g. the viewer ``geo site -o DIR`` writes) at ``/site/``
straight from nginx. Each response names the process that answered in ``X-Backend``. Stops everything on
Ctrl-C or SIGTERM. :func:`serve` is the same as a context manager (used by ``tests/test_proxy.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX = "/usr/sbin/nginx"

CONFIG = """
worker_processes 1;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy; fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
    types {{ text/html html; text/css css; application/javascript js; application/json json;
             application/geo+json geojson; image/svg+xml svg; image/png png; }}
    # A visitor without the cookie is hashed on this request's id, and gets that id as the cookie: the page and
    # everything after it (websocket, media, uploads) reach the same app process.
    map $cookie_geo_backend $backend_key {{ "" $request_id; default $cookie_geo_backend; }}
    map $cookie_geo_backend $backend_cookie {{
        "" "geo_backend=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    upstream geo_app {{ hash $backend_key consistent; {servers} }}
    upstream geo_api {{ {servers} keepalive 16; }}
    server {{
        listen 127.0.0.1:{port};
        add_header X-Backend $upstream_addr always;
        location / {{
            proxy_pass http://geo_app;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
            add_header Set-Cookie $backend_cookie;
            add_header X-Backend $upstream_addr always;
        }}
        location ~ ^/(api/|ogc) {{
            proxy_pass http://geo_api;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Connection "";
        }}
        {site}
    }}
}}
"""
SITE = "location /site/ {{ alias {folder}/; add_header Cache-Control \"public, max-age=300\"; }}"


def free_port() -> int:
    """Return a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, seconds: float = 120) -> None:
    """Wait until ``url`` answers 200."""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 (loopback http)
            return
        except OSError:
            if time.time() > deadline:
                raise SystemExit(f"{url} did not answer") from None
            time.sleep(0.3)


@contextlib.contextmanager
def serve(apps: int = 2, port: int | None = None, site: Path | None = None) -> Iterator[tuple[str, list[str]]]:
    """Start the app processes and nginx; yield the proxy's address and the app processes' addresses."""
    if not Path(NGINX).exists():
        raise SystemExit(f"no nginx at {NGINX}: apt-get install nginx-light")
    port = port or free_port()
    ports = [free_port() for _ in range(apps)]
    prefix = Path(tempfile.mkdtemp(prefix="geo-proxy-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for app_port in ports:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
                 f"--server.port={app_port}", "--server.address=127.0.0.1"],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)))
        servers = " ".join(f"server 127.0.0.1:{p};" for p in ports)
        block = SITE.format(folder=site.resolve()) if site else ""
        (prefix / "nginx.conf").write_text(CONFIG.format(prefix=prefix, servers=servers, port=port, site=block),
                                           encoding="utf-8")
        for app_port in ports:
            wait_up(f"http://127.0.0.1:{app_port}/_stcore/health")
        subprocess.run([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")], check=True)
        wait_up(f"http://127.0.0.1:{port}/_stcore/health", 20)
        yield f"http://127.0.0.1:{port}", [f"http://127.0.0.1:{p}" for p in ports]
    finally:
        try:  # a second SIGTERM must not cut the clean-up short
            previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
        except ValueError:  # not the main thread
            previous = None
        pid = prefix / "nginx.pid"
        if pid.exists():
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid.read_text().strip()), signal.SIGQUIT)
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        time.sleep(0.5)
        shutil.rmtree(prefix, ignore_errors=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--apps", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="the proxy's loopback port (default 8080)")
    parser.add_argument("--site", type=Path, help="a static folder to serve at /site/")
    args = parser.parse_args(argv)
    if not 1 <= args.apps <= 16:
        parser.error("--apps 1..16")
    if args.site is not None and not args.site.is_dir():
        parser.error(f"--site {args.site}: not a folder")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop nginx and the apps on `kill` too (finally runs)
    with serve(args.apps, args.port, args.site) as (url, backends):
        print(f"serving {url} (apps: {', '.join(backends)}); Ctrl-C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
