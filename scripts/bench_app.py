"""Measure the app against its budgets: map payload, rerun time, first map paint.

    python scripts/bench_app.py [--layers DIR] [--reruns 20] [--no-browser] [--json]

- payload: bytes of the default view's map (the standalone HTML page ``geo.render`` builds, and the strings the
  Streamlit component receives); budget 1.5 MB.
- rerun: median wall time of ``AppTest.run()`` after changing a widget that does not change the map (the route
  panel's traffic mode with no route chosen); budget 250 ms.
- first paint: seconds from opening the page in headless Chromium (every non-loopback request blocked) until the
  map's vector layers are drawn, for the first visitor of a fresh server (cold caches) and for the next one;
  budget 3 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGETS = {"payload_bytes": 1_500_000, "rerun_median_s": 0.25, "first_paint_s": 3.0}


def payload() -> dict[str, int]:
    """Return the default view's map size: standalone HTML and the component's strings."""
    from geo import render, store
    from ui import folium_component

    day = dt.date.today()
    collections: dict = {}
    for overlay in render.DEFAULT_OVERLAYS:
        for layer_id in render.OVERLAY_LAYERS[overlay]:
            try:
                frame, _ = store.read_layer(layer_id)
            except Exception as exc:  # a layer not built yet is reported, not fatal
                print(f"  (layer {layer_id} not read: {type(exc).__name__})", file=sys.stderr)
                continue
            collections.update(render.display_layer(layer_id, store.redate(frame, day)))
    options = render.MapOptions(assets="../../app/static/vendor", as_of=day)
    html = render.render_html(render.build_map(collections, options))
    args = folium_component.base_args(render.base_map(options), height=620)
    groups = [folium_component.group_script(g, i) for i, g in enumerate(render.overlay_groups(collections, options))]
    component = sum(len(str(args[k]).encode()) for k in ("script", "header", "html")) + sum(
        len(g.encode()) for g in groups)
    return {"payload_bytes": len(html.encode()), "component_bytes": component}


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


def first_paint() -> dict[str, float]:
    """Return the first paint of a fresh server's first visitor and of the next visitor."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={port}",
         "--server.address=127.0.0.1", "--server.fileWatcherType=none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
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
        results = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"])
            for name in ("first_paint_cold_s", "first_paint_s"):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
                start = time.perf_counter()
                page.goto(url)
                page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator(
                    ".leaflet-overlay-pane path").first.wait_for(timeout=60_000)
                results[name] = time.perf_counter() - start
                page.close()
            browser.close()
        return results
    finally:
        proc.terminate()
        proc.wait()


def main() -> int:
    """Run the benchmarks and print the numbers against the budgets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", help="layers folder (sets GEO_LAYERS_DIR)")
    parser.add_argument("--reruns", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.layers:
        os.environ["GEO_LAYERS_DIR"] = str(Path(args.layers).resolve())
    results: dict[str, float] = {}
    results.update(payload())
    results.update(reruns(args.reruns))
    if not args.no_browser:
        results.update(first_paint())
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for key, value in results.items():
            budget = BUDGETS.get(key)
            verdict = "" if budget is None else ("  ok" if value <= budget else f"  OVER budget {budget:g}")
            shown = f"{value:,.0f}" if key.endswith("bytes") else f"{value * 1000:,.0f} ms" if key.startswith(
                "rerun") else f"{value:.2f} s"
            print(f"{key:<22} {shown:>14}{verdict}")
    return 0 if all(results.get(k, 0) <= v for k, v in BUDGETS.items()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
