"""Measure a track upload in the running app: seconds until the Measure tab shows it, and the server's memory.

    python scripts/bench_upload.py [--vertices 199999] [--sessions 1] [--json]

Starts the app with the README's command (``streamlit run app.py``) on a loopback port, then for each track —
a GPS-like random walk through the Fergana Valley (:func:`geo.io.track_bench.walk`) and a zigzag across the
Kyrgyz–Uzbek border near Osh (every segment crosses it; the case that once crashed the server inside GEOS) — opens
the Measure tab in headless Chromium (every non-loopback request blocked), uploads the file through the page's
uploader and waits until the track's "Countries" metric (or a message) is shown. Prints the seconds and the
server's resident memory before and after, and its peak (``VmHWM``; the work itself runs in a child process, see
:mod:`geoapp.guard`). Issue 22's budget: under 5 s, the server's memory growing less than 300 MB.

``--sessions N`` uploads the walk in N browser sessions at once (the guard runs one per core at a time; the others
wait for a slot) and prints each session's seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.io.track_bench import track_bytes, walk  # noqa: E402


def zigzag(vertices: int) -> np.ndarray:
    """Return a line that crosses the Kyrgyz–Uzbek border near Osh with every segment."""
    xs = np.where(np.arange(vertices) % 2 == 0, 72.70, 72.85)
    return np.column_stack([xs, np.linspace(40.4, 40.7, vertices)]).round(6)


def memory_mb(pid: int) -> dict[str, float]:
    """Return a process's resident memory now and at its peak (MB), from ``/proc``."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {key: int(fields[name].split()[0]) / 1024 for key, name in (("rss", "VmRSS"), ("peak", "VmHWM"))}


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    """Start the app as the README does; return the process and its URL once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, STREAMLIT_SERVER_PORT=str(port), STREAMLIT_SERVER_ADDRESS="127.0.0.1")
    streamlit = str(Path(sys.executable).with_name("streamlit"))
    proc = subprocess.Popen([streamlit, "run", "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).close()  # noqa: S310 (loopback http)
            return proc, url
        except OSError:
            if time.time() > deadline:
                proc.kill()
                raise SystemExit("the app did not start") from None
            time.sleep(0.2)


def upload(browser, url: str, path: Path) -> tuple[float, str]:  # noqa: ANN001
    """Open the Measure tab in a fresh context, upload ``path``; return seconds until shown and what was shown."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    page.goto(f"{url}/?tab=measure&basemap=none")
    chooser = page.locator("[data-testid='stFileUploaderDropzoneInput']")
    chooser.wait_for(state="attached", timeout=120_000)
    start = time.perf_counter()
    chooser.set_input_files(str(path))
    shown = page.locator("[data-testid='stMetric']").filter(has_text="Countries").or_(
        page.locator("[data-testid='stAlert']")).first
    shown.wait_for(timeout=300_000)
    seconds = time.perf_counter() - start
    text = shown.inner_text()
    context.close()
    return seconds, " ".join(text.split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vertices", type=int, default=199_999)
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    report: dict[str, object] = {"vertices": args.vertices}
    with tempfile.TemporaryDirectory() as scratch:
        files = {"walk": Path(scratch) / "walk.geojson", "zigzag": Path(scratch) / "zigzag.geojson"}
        files["walk"].write_bytes(track_bytes(walk(args.vertices)))
        files["zigzag"].write_bytes(track_bytes(zigzag(args.vertices)))
        proc, url = start_server()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium"),
                                            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
                upload(browser, url, files["walk"])  # warm: the borders layer read and indexed, the page's code
                for kind, path in files.items():
                    before = memory_mb(proc.pid)
                    seconds, shown = upload(browser, url, path)
                    after = memory_mb(proc.pid)
                    report[kind] = {"bytes": path.stat().st_size, "seconds": round(seconds, 2),
                                    "rss_before_mb": round(before["rss"]), "rss_after_mb": round(after["rss"]),
                                    "growth_mb": round(after["rss"] - before["rss"]),
                                    "peak_mb": round(after["peak"]), "shown": shown[:120]}
                if args.sessions > 1:  # a browser process per session (Playwright's sync API is one thread's)
                    report["sessions"] = concurrent(url, files["walk"], args.sessions)
                    report["sessions_peak_mb"] = round(memory_mb(proc.pid)["peak"])
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for kind in ("walk", "zigzag"):
            row = report[kind]
            assert isinstance(row, dict)
            print(f"{kind:7} {row['bytes'] / 1e6:.1f} MB, {args.vertices:,} vertices: {row['seconds']} s; server "
                  f"{row['rss_before_mb']} → {row['rss_after_mb']} MB (+{row['growth_mb']}), peak {row['peak_mb']} MB"
                  f" — {row['shown']}")
        if "sessions" in report:
            print(f"{args.sessions} sessions at once: seconds {report['sessions']}, server peak "
                  f"{report['sessions_peak_mb']} MB")
    return 0


def concurrent(url: str, path: Path, sessions: int) -> list[float]:
    """Upload ``path`` from ``sessions`` browser processes at once; return each one's seconds."""
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); from scripts.bench_upload import one; "
            "print(json.dumps(one(sys.argv[2], sys.argv[3])))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(ROOT), url, str(path)], stdout=subprocess.PIPE)
             for _ in range(sessions)]
    return [round(float(json.loads(p.communicate()[0])), 2) for p in procs]


def one(url: str, path: str) -> float:
    """Upload one file in a browser of its own (a process per session); return the seconds."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium"),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        seconds, _ = upload(browser, url, Path(path))
        browser.close()
    return seconds


if __name__ == "__main__":
    raise SystemExit(main())
