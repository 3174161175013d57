"""Measure the HTTP API under load: bounded concurrent clients on loopback, p50/p95 and requests per second.

Starts the app as the README does (``streamlit run app.py``, on a free loopback port), waits for its health
check, warms each request once, then runs ``--clients`` concurrent keep-alive clients (asyncio, one connection
each, HTTP/1.1) for ``--seconds`` per request kind:

- ``route``: ``/api/v1/route`` over a fixed sample of place pairs and scenarios (answers are cached per query
  after their first computation, as the server does; ``route_cold`` gives every request a fresh date, so each
  one is computed; ``route_dated`` spreads the fresh dates over 2015 to today, across the data's dated changes);
- ``layer``: ``/api/v1/layers/crossings`` (the bytes of ``geo export crossings``);
- ``items``: ``/ogc/collections/places/items`` pages of 10 features at varying offsets.

Prints one JSON object (``--json``) or a table; exits 1 if a budget is missed: route p95 ≤ 25 ms and items
p95 ≤ 50 ms at 20 clients. ``--url`` measures a server that is already running (e.g. behind the proxy of
``scripts/proxy.sh``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
BUDGETS_MS = {"route": 25.0, "items": 50.0}
"""p95 budgets (issue 20) at 20 concurrent clients."""
PAIRS = [("Dushanbe", "Almaty", {}), ("Tashkent", "Bishkek", {"optimize": "distance"}),
         ("Osh", "Khujand", {"as_of": "2015-01-01"}), ("Samarkand", "Osh", {"mode": "freight"}),
         ("Khujand", "Bishkek", {"citizen": "TJ"}), ("Dushanbe", "Tashkent", {"avoid": "KG"})]


def route_paths(cold: bool, dated: bool = False) -> Callable[[int], str]:
    """Return the n-th route request (cold: each on another date, so no answer is reused).

    Cold dates run from 2000-01-01, before the data's first dated fact (one period: the engine's states per
    period are shared); ``dated`` spreads them over 2015-01-01 to today instead, so the requests fall in the
    periods between the data's dated changes as readers' dates do (some of those days have no route: 422).
    """
    def make(n: int) -> str:
        origin, dest, options = PAIRS[n % len(PAIRS)]
        query = {"from": origin, "to": dest, **options}
        if dated:
            span = (dt.date.today() - dt.date(2015, 1, 1)).days
            query["as_of"] = (dt.date(2015, 1, 1) + dt.timedelta(days=(n * 37) % span)).isoformat()
        elif cold:
            query["as_of"] = (dt.date(2000, 1, 1) + dt.timedelta(days=n)).isoformat()
        return "/api/v1/route?" + urlencode(query)
    return make


KINDS: dict[str, Callable[[int], str]] = {
    "route": route_paths(False),
    "route_cold": route_paths(True),
    "route_dated": route_paths(True, dated=True),
    "layer": lambda n: "/api/v1/layers/crossings",
    "items": lambda n: f"/ogc/collections/places/items?limit=10&offset={(n * 10) % 300}",
}


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:  # chunked
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _load(url: str, make: Callable[[int], str], clients: int, seconds: float, answered: bool = False
                ) -> dict[str, float]:
    """Run the clients for ``seconds``; ``answered``: a 422 (no route on that day) is an answer, not an error."""
    parts = urlsplit(url)
    host, port, prefix = parts.hostname or "127.0.0.1", parts.port or 80, parts.path.rstrip("/")
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    stop = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < stop:
                start = time.perf_counter()
                try:
                    status = await _get(reader, writer, f"{host}:{port}", prefix + make(next(counter)))
                except (asyncio.IncompleteReadError, ConnectionError):  # the server closed a kept-alive connection
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append(time.perf_counter() - start)
                errors += status not in ((200, 422) if answered else (200,))
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return {"requests": len(ordered), "errors": errors, "rps": round(len(ordered) / elapsed, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2)}


@contextmanager
def app_server() -> Iterator[str]:
    """Start ``streamlit run app.py`` on a free loopback port; yield its address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
                             f"--server.port={port}", "--server.address=127.0.0.1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).close()  # noqa: S310 (loopback http)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("the app did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def run(url: str, clients: int, seconds: float, kinds: list[str]) -> dict[str, dict[str, float]]:
    """Warm then load each kind of request; return its numbers."""
    report = {}
    for kind in kinds:
        make = KINDS[kind]
        for n in range(len(PAIRS) if kind.startswith("route") else 1):  # first answers computed before timing
            try:
                urllib.request.urlopen(url.rstrip("/") + make(n), timeout=60).close()  # noqa: S310 (loopback http)
            except urllib.error.HTTPError as exc:  # no route on that day (route_dated): answered all the same
                if exc.code != 422:
                    raise
        report[kind] = asyncio.run(_load(url, make, clients, seconds, answered=kind == "route_dated"))
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a budget is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per kind of request (default 5)")
    parser.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS))
    parser.add_argument("--url", help="a running server to measure (default: start `streamlit run app.py`)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 200 or not 0.5 <= args.seconds <= 120:
        parser.error("--clients 1..200 and --seconds 0.5..120")
    if args.url:
        report = run(args.url, args.clients, args.seconds, args.kinds)
    else:
        with app_server() as url:
            report = run(url, args.clients, args.seconds, args.kinds)
    missed = [k for k, budget in BUDGETS_MS.items() if k in report and args.clients >= 20
              and report[k]["p95_ms"] > budget]
    if args.json:
        print(json.dumps({"clients": args.clients, "seconds": args.seconds, "results": report,
                          "budgets_p95_ms": BUDGETS_MS, "missed": missed}, indent=1))
    else:
        print(f"{args.clients} concurrent clients, {args.seconds:g} s each")
        for kind, row in report.items():
            budget = f"  (budget p95 ≤ {BUDGETS_MS[kind]:g} ms)" if kind in BUDGETS_MS else ""
            print(f"{kind:<11} p50 {row['p50_ms']:7.2f} ms  p95 {row['p95_ms']:7.2f} ms  {row['rps']:8.1f} req/s  "
                  f"{row['requests']} requests, {row['errors']} errors{budget}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
