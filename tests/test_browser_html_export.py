"""The interactive map download (folium HTML) opened from a file in Chromium with no network: it draws, its
popups open with links in a new tab, and hostile names in the data run no script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from map_factories import HOSTILE
from test_browser import ARTIFACTS, CHROMIUM, wait
from test_map_html_export import DAY, hostile_layers

from geo.map.html_export import map_html
from geo.map.registry import IDS

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")


def test_the_downloaded_map_opens_offline(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    file = tmp_path / "map.html"
    file.write_text(map_html(hostile_layers(HOSTILE[0]).__getitem__, IDS, as_of=DAY), encoding="utf-8")
    outside: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []

    def only_the_file(route: Any) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.fallback()
        else:
            outside.append(route.request.url)
            route.abort()

    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"])
        page = chromium.new_page(viewport={"width": 1200, "height": 800})
        page.route("**/*", only_the_file)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(file.as_uri())
        assert wait(page, "document.querySelectorAll('.leaflet-overlay-pane path').length", timeout=30_000) > 0
        page.locator(".leaflet-marker-pane > *").first.click(force=True)
        shown = wait(page, "() => { const p = document.querySelector('.leaflet-popup-content'); "
                           "return p && p.innerText; }", timeout=10_000)
        links = page.evaluate("Array.from(document.querySelectorAll('.leaflet-popup-content a'))"
                              ".map(a => [a.target, a.rel])")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "html_export.png"))
        chromium.close()
    assert HOSTILE[0] in shown  # the hostile name is shown as text
    assert links and all(link == ["_blank", "noopener noreferrer"] for link in links)
    assert errors == [] and dialogs == []
    assert all("tile" in url for url in outside), outside  # only the basemap's tiles are outside the file
