"""The README's app command, run as written (headless, on a free loopback port): the page serves and the map paints.

Only the port and address are added to the command; requests beyond the loopback are blocked, as on these machines.
"""

from __future__ import annotations

import os
import re
import shlex
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.common import app_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
START_S = 90
PAINT_MS = 90_000

pytestmark = pytest.mark.browser


def readme_app_command() -> list[str]:
    """Return the app command of the README's set-up section (the part after ``&&``)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^(?:.*&&\s*)?(streamlit run [^\n`&]+)$", text, flags=re.MULTILINE)
    assert match, "the README has no `streamlit run …` command"
    return shlex.split(match.group(1))


def test_the_readme_names_an_app_command():
    command = readme_app_command()
    assert command[:2] == ["streamlit", "run"] and (ROOT / command[2]).is_file()


def wait_until(check: Any, timeout_s: float, what: str) -> Any:
    """Poll ``check()`` until it returns something truthy; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_")}
    with app_server(readme_app_command(), env=env, log=ARTIFACTS / "readme-app.log", cwd=ROOT, start_s=START_S) as url:
        yield url


def test_the_page_serves(app_url):
    for path in ("/", "/tables"):  # every page's path answers Streamlit's page, with the map's code preloaded
        with urllib.request.urlopen(app_url + path, timeout=10) as answer:
            page = answer.read()
            assert answer.status == 200 and b"<html" in page.lower(), path
            assert re.search(rb'<link rel="modulepreload" [^>]*href="./static/js/ComponentInstance\.', page), path
            assert int(answer.headers["content-length"]) == len(page), path


def test_the_map_paints(app_url):
    api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu",
                                                                          "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                (app_url, "data:", "blob:", "about:")) else route.abort())
            page.goto(app_url + "/")

            def painted() -> Any:  # the map may sit in the page or in a component's frame
                for frame in page.frames:
                    if frame.query_selector(".leaflet-container .leaflet-overlay-pane path"):
                        return frame
                return None

            frame = wait_until(painted, PAINT_MS / 1000, "a .leaflet-container with drawn vector layers")
            assert frame.query_selector(".leaflet-container")
            page.screenshot(path=str(ARTIFACTS / "readme-app.png"))
        finally:
            browser.close()
