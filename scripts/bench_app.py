"""Measure the app against its budgets: map payload, rerun time, first map paint, server CPU per visitor.

    python scripts/bench_app.py [--layers DIR] [--reruns 20] [--visitors 4] [--cold-cache] [--launcher app|module]
                                [--floor] [--breakdown] [--no-browser] [--no-site] [--json]

- payload: bytes of the default view's map document (JSON of the base map, the overlay groups and the legend:
  what the browser parses); budget 1.15 MB (1 MB before the crossings' dated 2018–2026 history, issue 17).
  ``payload_sent_bytes``: what a visitor is sent for it (the component's
  arguments on the websocket, with the overlay groups as references, plus the gzipped groups it fetches).
- rerun: median wall time of ``AppTest.run()`` after changing a widget that does not change the map (the route
  panel's traffic mode with no route chosen); budget 250 ms.
- first paint: seconds from opening the page in headless Chromium (every non-loopback request blocked) until the
  map's vector layers are drawn, for the first visitor of a freshly started server (budget 3 s) and for the
  visitors after it (median; budget 1.5 s). The moment is read from the browser's own clock: the map's frame checks
  for its first vector path on every animation frame. ``first_paint_seen_s`` is when Playwright noticed it, which
  is later by up to half a second: its ``wait_for`` polls after 0, 20, 50, 100 and 100 ms, then every 500 ms.
The server is started with the README's command as written, ``streamlit run app.py`` in the checkout (its
``.streamlit/config.toml``: no file watcher), and each visitor opens the page in a fresh browser context (no
cache, no cookies, no storage).

- server CPU per new visitor: CPU seconds (user + system, all threads) the Streamlit server spends per new visitor
  after the first, from ``/proc``; budget 0.15 s. The first visitor's CPU is printed too.

``--breakdown`` also prints where a later visitor's first paint goes (medians, seconds from opening the page, read
from the browser's own clock): ``boot`` Streamlit's page loaded (its DOMContentLoaded), ``session`` websocket
open, ``script`` the script run's messages received, ``widgets`` the map's frame requested (Streamlit has loaded
the code of every widget on the page and drawn them), ``frame`` the map frame's scripts loaded, ``drawn`` the
first vector path in the map (groups fetched, parsed and drawn), ``seen`` Playwright saw it (the headline
``first_paint_seen_s``: the harness's own latency), and the request counts (Streamlit's static files, the
map component's files).

static viewer: ``geo site`` served by ``python -m http.server`` (every other request blocked), first paint of a
first visit, of a reader's later visits (median; budget 0.6 s) and of visits in fresh browser contexts (median);
``--no-site`` leaves it out.

``--cold-cache`` starts the server with an empty display cache (``GEO_CACHE_DIR``), as after a data change;
otherwise the display layers prepared by earlier runs are reused, as after a plain restart. ``--floor`` measures a
minimal Streamlit page the same way, for comparison (Streamlit's own frontend and session). ``--launcher module``
starts the server with ``python -m geoapp`` (which warms the caches while the server starts) instead of
``streamlit run app.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGETS = {"payload_bytes": 1_150_000, "rerun_median_s": 0.25, "first_paint_cold_s": 3.0, "first_paint_s": 1.5,
           "server_cpu_per_visitor_s": 0.15, "site_first_paint_s": 0.6}
FRAME = 'iframe[title*="geo_map"]'


def payload() -> dict[str, float]:
    """Return the default view's document size (the component's arguments) and its standalone page."""
    from geo.layers import store
    from geo.map.document import DEFAULT_VIEW, page_html
    from geo.map.geometry import band_of
    from geo.map.prepare import build_document, dated_frames, prepare
    from geo.map.registry import DEFAULT_OVERLAYS, OVERLAYS

    day = dt.date.today()

    def read(layer_id: str):  # noqa: ANN202
        return store.read_layer(layer_id)[0]

    shown = []
    for spec in OVERLAYS:
        if spec.id not in DEFAULT_OVERLAYS:
            continue
        try:
            shown.append(prepare(spec, dated_frames(spec, read, day),
                                        band_of(DEFAULT_VIEW.zoom)))
        except Exception as exc:  # a layer not built yet is reported, not fatal
            print(f"  (overlay {spec.id} not prepared: {type(exc).__name__})", file=sys.stderr)
    document = build_document(shown, as_of=day, height=620)
    args = document.args()
    fetched = [gzip.compress(g["json"].encode(), compresslevel=9, mtime=0) for g in args["groups"]]
    references = [{"id": g["id"], "key": g["key"], "src": f"g/{g['key']}.json.gz", "raw": f"g/{g['key']}.json"}
                  for g in args["groups"]]
    return {"payload_bytes": len(json.dumps(args).encode()),
            "payload_sent_bytes": len(json.dumps(dict(args, groups=references)).encode()) + sum(map(len, fetched)),
            "page_bytes": len(page_html(document).encode())}


def reruns(count: int) -> dict[str, float]:
    """Return the median and p90 time of a rerun that does not change the map."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    app.run()
    times = []
    routing = any(r.key == "r_mode" for r in app.radio)
    if not routing:
        print("  (no routing layers: timing plain reruns instead of the traffic-mode radio)", file=sys.stderr)
    for number in range(count):
        if routing:
            app.radio(key="r_mode").set_value("freight" if number % 2 == 0 else "passenger")
        start = time.perf_counter()
        app.run()
        times.append(time.perf_counter() - start)
        if app.exception:
            raise SystemExit(f"app raised: {app.exception[0].value}")
    times.sort()
    return {"rerun_median_s": statistics.median(times), "rerun_p90_s": times[int(0.9 * (len(times) - 1))]}


def cpu_seconds(pid: int) -> float:
    """Return the CPU seconds (user + system, every thread) a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


MARKS = """
(function () {
    /* Runs in the page and in every frame; only the map's frame ever sees a streamlit:render message. */
    /* Timestamps (ms since the epoch, one clock for the page and its frames) of a visit's phases. */
    var t = window.__bench = {start: performance.timeOrigin};
    window.addEventListener('DOMContentLoaded', function () { t.ready = Date.now(); });
    window.addEventListener('message', function (e) {
        if (!e.data || e.data.type !== 'streamlit:render' || t.render) { return; }
        t.render = Date.now();
        (function poll() {
            if (document.querySelector('.leaflet-overlay-pane path')) { t.drawn = Date.now(); }
            else { requestAnimationFrame(poll); }
        })();
    });
})();
"""
"""Injected into every frame of a visit (``--breakdown``)."""


def phases(page, frame_url: str, start: float, events: dict[str, float], requests: list[str],
           server: str) -> dict[str, float]:  # noqa: ANN001
    """Return a visit's phases in seconds from ``start`` (epoch seconds) and its request counts."""
    main = page.evaluate("window.__bench")
    frames = [f for f in page.frames if f.url.startswith(frame_url)]
    inner = frames[0].evaluate("window.__bench") if frames else {}

    def since(ms: float | None) -> float:
        return round(ms / 1000 - start, 3) if ms else float("nan")

    return {"boot": since(main.get("ready")), "session": round(events.get("ws", float("nan")) - start, 3),
            "script": round(events.get("script", float("nan")) - start, 3),
            "widgets": round(events.get("frame_request", float("nan")) - start, 3),
            "frame": since(inner.get("ready")), "drawn": since(inner.get("drawn")),
            "requests_streamlit": sum(u.startswith(f"{server}/static/") for u in requests),
            "requests_map": sum(u.startswith(frame_url.rsplit("/", 1)[0]) for u in requests)}


FLOOR_MARK = """
(function () {
    /* The minimal page's first paint: its title drawn, checked on every animation frame. */
    if (window !== window.top) { return; }
    var t = window.__bench = {start: performance.timeOrigin};
    (function poll() {
        var title = document.querySelector('h1');
        if (title && title.textContent.indexOf('floor') >= 0) { t.drawn = Date.now(); }
        else { requestAnimationFrame(poll); }
    })();
})();
"""
"""Injected into :data:`FLOOR_APP`'s page."""


def drawn_at(page, frame_url: str, floor: bool) -> float | None:  # noqa: ANN001
    """Return when (epoch seconds, the browser's clock) the page's first paint happened, None if not recorded."""
    if floor:
        mark = page.evaluate("window.__bench && window.__bench.drawn")
    else:
        frames = [f for f in page.frames if f.url.startswith(frame_url)]
        mark = frames[0].evaluate("window.__bench && window.__bench.drawn") if frames else None
    return mark / 1000 if mark else None


FLOOR_APP = 'import streamlit as st\nst.title("floor")\nst.checkbox("a")\n'
"""A minimal page: what any Streamlit app costs a new visitor (its frontend, the session, one script run)."""


def first_paint(visitors: int, cold_cache: bool, launcher: str = "app", floor: bool = False,
                breakdown: bool = False) -> dict[str, float]:
    """Return first paint and server CPU of a fresh server's first visitor and of the visitors after it.

    With ``floor``, the same for :data:`FLOOR_APP` instead of the map (keys prefixed ``floor_``); with
    ``breakdown``, also the phases of the visitors after the first (keys prefixed ``phase_``, see the module
    docstring).
    """
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    scratch = tempfile.TemporaryDirectory()
    if cold_cache:
        env["GEO_CACHE_DIR"] = scratch.name
    # The README's command as written (``streamlit run app.py``, the shipped .streamlit/config.toml read from the
    # checkout); the port and address come from Streamlit's environment variables so the command stays the same.
    env.update(STREAMLIT_SERVER_PORT=str(port), STREAMLIT_SERVER_ADDRESS="127.0.0.1")
    streamlit = str(Path(sys.executable).with_name("streamlit"))
    command = [sys.executable, "-m", "geoapp"] if launcher == "module" else [streamlit, "run", "app.py"]
    cwd = ROOT
    if floor:
        (Path(scratch.name) / "floor.py").write_text(FLOOR_APP, encoding="utf-8")
        (Path(scratch.name) / ".streamlit").mkdir()
        (Path(scratch.name) / ".streamlit" / "config.toml").write_text(
            (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
        command, cwd = [streamlit, "run", "floor.py"], Path(scratch.name)
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).close()  # noqa: S310 (loopback http)
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("the app did not start") from None
                time.sleep(0.2)
        time.sleep(1.0)  # let the server settle so its start-up CPU is not counted
        paints, seen, cpus, visits = [], [], [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"])
            for _ in range(1 + visitors):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})  # a new visitor: no cache
                page = context.new_page()
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
                events: dict[str, float] = {}
                requests: list[str] = []
                frame_url = f"{url}/component/geoapp.component.geo_map/index.html"
                page.add_init_script(FLOOR_MARK if floor else MARKS)
                if breakdown and not floor:
                    def request(r, events=events, requests=requests, frame_url=frame_url) -> None:  # noqa: ANN001
                        requests.append(r.url)
                        if r.url.startswith(frame_url):
                            events.setdefault("frame_request", time.time())

                    def socket_(ws, events=events) -> None:  # noqa: ANN001
                        events["ws"] = time.time()
                        ws.on("framereceived", lambda _: events.__setitem__("script", time.time())
                              if "frame_request" not in events else None)

                    page.on("request", request)
                    page.on("websocket", socket_)
                before = cpu_seconds(proc.pid)
                start = time.perf_counter()
                wall = time.time()
                page.goto(url)
                if floor:
                    page.get_by_text("floor", exact=True).wait_for(timeout=120_000)
                else:
                    page.frame_locator(FRAME).locator(".leaflet-overlay-pane path").first.wait_for(timeout=120_000)
                seen.append(time.perf_counter() - start)
                drawn = drawn_at(page, frame_url, floor)
                if drawn is None:
                    raise SystemExit("the page painted but its first paint was not recorded")
                paints.append(drawn - wall)
                page.wait_for_timeout(1500)  # the visit's last messages (query parameters, warm-up) reach the server
                cpus.append(cpu_seconds(proc.pid) - before)
                if breakdown and not floor:
                    visits.append(dict(phases(page, frame_url, wall, events, requests, url), seen=seen[-1]))
                context.close()
            browser.close()
        prefix = "floor_" if floor else ""
        out = {f"{prefix}first_paint_cold_s": paints[0], f"{prefix}first_paint_s": statistics.median(paints[1:]),
               f"{prefix}first_paint_seen_cold_s": seen[0], f"{prefix}first_paint_seen_s": statistics.median(seen[1:]),
               f"{prefix}server_cpu_first_visitor_s": cpus[0],
               f"{prefix}server_cpu_per_visitor_s": statistics.median(cpus[1:])}
        if visits:
            out.update({f"phase_first_{k}": v for k, v in visits[0].items()})
            out.update({f"phase_{k}": statistics.median(v[k] for v in visits[1:]) for k in visits[0]})
        return out
    finally:
        proc.terminate()
        proc.wait()
        scratch.cleanup()


SITE_MARK = """
(function () {
    /* The static viewer's first paint: its first vector path, checked on every animation frame. */
    var t = window.__bench = {start: performance.timeOrigin};
    (function poll() {
        if (document.querySelector('.leaflet-overlay-pane path')) { t.drawn = Date.now(); }
        else { requestAnimationFrame(poll); }
    })();
})();
"""
"""Injected into the static viewer's page (:func:`site_paint`)."""


def site_paint(visitors: int) -> dict[str, float]:
    """Return the static viewer's first paint, served by ``python -m http.server`` with every other request blocked.

    ``geo site`` writes the viewer into a scratch folder. ``site_first_paint_cold_s`` is a first visit (nothing
    cached), ``site_first_paint_s`` the median of the later visits of the same reader (the browser's cache, as a
    reader coming back or a host's CDN gives), ``site_first_paint_fresh_s`` the median of visits each in a fresh
    browser context.
    """
    from playwright.sync_api import sync_playwright

    scratch = tempfile.TemporaryDirectory()
    folder = Path(scratch.name) / "site"
    subprocess.run([sys.executable, "-m", "geo", "site", "-o", str(folder)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory",
                             str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=1).close()  # noqa: S310 (loopback http)
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("http.server did not start") from None
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"])

            def visit(context) -> float:  # noqa: ANN001
                page = context.new_page()
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
                page.add_init_script(SITE_MARK)
                page.goto(url + "/")
                page.locator(".leaflet-overlay-pane path").first.wait_for(timeout=60_000)
                marks = page.evaluate("window.__bench")
                page.close()
                return (marks["drawn"] - marks["start"]) / 1000

            reader = browser.new_context(viewport={"width": 1400, "height": 1000})
            paints = [visit(reader) for _ in range(1 + visitors)]
            reader.close()
            fresh = []
            for _ in range(visitors):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                fresh.append(visit(context))
                context.close()
            browser.close()
        return {"site_first_paint_cold_s": paints[0], "site_first_paint_s": statistics.median(paints[1:]),
                "site_first_paint_fresh_s": statistics.median(fresh)}
    finally:
        proc.terminate()
        proc.wait()
        scratch.cleanup()


def main() -> int:
    """Run the benchmarks and print the numbers against the budgets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", help="layers folder (sets GEO_LAYERS_DIR)")
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--visitors", type=int, default=4, help="visitors after the first")
    parser.add_argument("--cold-cache", action="store_true", help="start with an empty display cache")
    parser.add_argument("--launcher", choices=("app", "module"), default="app",
                        help="streamlit run app.py (default) or python -m geoapp")
    parser.add_argument("--floor", action="store_true",
                        help="also measure a minimal Streamlit page the same way (what Streamlit itself costs)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also print the phases of a visitor's first paint and its request counts")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-site", action="store_true", help="do not measure the static viewer (geo site)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.layers:
        os.environ["GEO_LAYERS_DIR"] = str(Path(args.layers).resolve())
    results: dict[str, float] = {}
    results.update(payload())
    results.update(reruns(args.reruns))
    if not args.no_browser:
        results.update(first_paint(args.visitors, args.cold_cache, args.launcher, breakdown=args.breakdown))
        if args.floor:
            results.update(first_paint(args.visitors, False, floor=True))
        if not args.no_site:
            results.update(site_paint(args.visitors))
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for key, value in results.items():
            budget = BUDGETS.get(key)
            verdict = "" if budget is None else ("  ok" if value <= budget else f"  OVER budget {budget:g}")
            shown = (f"{value:,.0f}" if key.endswith("bytes") or key.startswith("phase_requests") or
                     key.startswith("phase_first_requests") else
                     f"{value * 1000:,.0f} ms" if key.startswith("rerun") else f"{value:.2f} s")
            print(f"{key:<34} {shown:>12}{verdict}")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if all(results.get(k, 0) <= v for k, v in BUDGETS.items()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
