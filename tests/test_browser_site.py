"""The static viewer (``geo site``) in Chromium, served by ``python -m http.server`` with every other request
blocked: the as-of date re-derives crossing statuses as ``geo export --as-of`` writes them, hostile names run
nothing, Russian works, the embed page keeps its attribution; and the app's map-first page at three window sizes
(the map's box and the legend measured)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import ARTIFACTS, CHROMIUM, FRAME, browser, server, wait  # noqa: F401 (fixtures)

from tests.common import DRAWN, HOSTILE, free_port

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
DATES = ("2020-03-01", "2021-06-01", "2025-08-01")
"""Before the 2020 restrictions, after the 2021 Kyrgyz–Tajik closures, after the 2025 reopening."""


@pytest.fixture(scope="module")
def site(hostile_layers: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the viewer from the layers with hostile names and serve it with ``python -m http.server``."""
    folder = tmp_path_factory.mktemp("site")
    env = {"GEO_LAYERS_DIR": str(hostile_layers), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-m", "geo", "site", "-o", str(folder)], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "/", timeout=1).close()  # noqa: S310 (loopback)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("http.server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def exported(hostile_layers: Path, day: str, tmp_path: Path) -> dict[str, str]:
    """Return ``geo export crossings --as-of day``'s status per crossing id."""
    out = tmp_path / f"crossings-{day}.geojson"
    subprocess.run([sys.executable, "-m", "geo", "export", "crossings", "--as-of", day, "-o", str(out)], cwd=ROOT,
                   env={"GEO_LAYERS_DIR": str(hostile_layers), "PATH": "/usr/bin:/bin"}, check=True,
                   capture_output=True)
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    return {f["properties"]["id"]: f["properties"]["status"] for f in features}


class Visit:
    """A page on the static viewer with every request outside it blocked, errors and dialogs recorded."""

    def __init__(self, chromium: Any, url: str, width: int = 1400, height: int = 900) -> None:
        self.url = url
        self.context = chromium.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def _route(self, route: Any) -> None:
        if route.request.url.startswith((self.url, "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, path: str = "/") -> None:
        self.page.goto(self.url + path)
        self.page.locator(DRAWN).first.wait_for(timeout=60_000)


def test_the_date_rederives_statuses_as_geo_export_does(browser: Any, site: str, hostile_layers: Path,  # noqa: F811
                                                        tmp_path: Path) -> None:
    visit = Visit(browser, site)
    visit.open("/?date=" + DATES[0])
    seen = []
    for day in DATES:
        visit.page.evaluate("(d) => window.geoSite.setDay(d)", day)
        wait(visit.page, "(d) => document.body.getAttribute('data-drawn') === d", day, timeout=30_000)
        assert f"date={day}" in visit.page.url
        browser_statuses = visit.page.evaluate("window.geoSite.statuses('crossings')")
        export = exported(hostile_layers, day, tmp_path)
        assert browser_statuses == export, day
        drawn = Counter(visit.page.evaluate("""Array.from(document.querySelectorAll('.leaflet-marker-pane .xing'))
            .map((m) => Array.from(m.classList).find((c) => c.startsWith('xing-') &&
                ['xing-circle', 'xing-square', 'xing-diamond', 'xing-blank'].indexOf(c) < 0).slice(5))"""))
        assert drawn == Counter(export.values()), day
        seen.append(export)
    changed = [i for i in seen[0] if len({s[i] for s in seen}) > 1]
    assert changed, "no crossing changed status across the three dates"
    visit.page.screenshot(path=str(ARTIFACTS / "site-2025.png"))
    assert visit.errors == [] and visit.dialogs == []
    assert all("tile" in u for u in visit.blocked), visit.blocked  # only the basemap's tiles are outside
    visit.context.close()


def test_hostile_names_run_nothing_and_popups_show_sources(browser: Any, site: str) -> None:  # noqa: F811
    visit = Visit(browser, site)
    visit.open("/?view=40.3,70.8,7")
    visit.page.locator("#geo-search").fill("Ходжент")  # any script: found and marked with its name
    visit.page.locator("#geo-search").press("Enter")
    label = wait(visit.page, "() => { const f = document.querySelector('.geo-found'); return f && f.textContent; }")
    assert label == "Khujand" and "view=40.2" in visit.page.url
    visit.page.locator("#geo-search").fill("Atlantis")
    visit.page.locator("#geo-search").press("Enter")
    assert "Atlantis" in visit.page.inner_text("#geo-message")
    popup = visit.page.evaluate("""() => {
        let shown = null;
        window.map.eachLayer((l) => {
            const p = l.feature && l.feature.properties.pop;
            if (!shown && p && p.t.indexOf('&lt;img') >= 0) { l.openPopup(); shown = true; }
        });
        const p = document.querySelector('.geo-popup');
        return p && p.innerText;
    }""")
    assert HOSTILE[0] in popup  # the hostile name shown as text
    assert "Sources" in popup and "Status history" in popup
    links = visit.page.evaluate("Array.from(document.querySelectorAll('.geo-popup a')).map(a => a.protocol)")
    assert all(p in ("http:", "https:") for p in links)
    assert visit.page.evaluate("window.__xss") is None
    assert visit.errors == [] and visit.dialogs == []
    visit.context.close()


def test_russian_and_the_embed_page(browser: Any, site: str) -> None:  # noqa: F811
    visit = Visit(browser, site)
    visit.open("/?lang=ru&date=2023-06-01")
    title = visit.page.inner_text("#bar .geo-title")
    assert title == "Центральная Азия: границы, дороги, трубопроводы и пункты пропуска"
    legend = visit.page.text_content(".geo-legend") or ""
    assert "Пункты пропуска" in legend and "Легенда" in legend
    assert "участники OpenStreetMap" in visit.page.inner_text(".leaflet-control-attribution")
    visit.page.locator(".leaflet-marker-pane .xing-closed").first.click(force=True)
    popup = wait(visit.page, "() => { const p = document.querySelector('.geo-popup'); return p && p.innerText; }")
    assert "История статуса" in popup
    visit.page.screenshot(path=str(ARTIFACTS / "site-ru.png"))
    embed = Visit(browser, site, 600, 400)
    embed.open("/embed.html?view=40.5,71,7&date=2023-06-01")
    assert embed.page.locator("#bar").is_hidden()
    assert "OpenStreetMap" in embed.page.inner_text(".leaflet-control-attribution")
    link = embed.page.locator("#geo-full-link")
    assert link.get_attribute("target") == "_blank"
    assert (link.get_attribute("href") or "").startswith("index.html?view=40.5")
    assert embed.page.locator(".geo-legend.geo-collapsed").count() == 1
    embed.page.screenshot(path=str(ARTIFACTS / "site-embed.png"))
    assert visit.errors == embed.errors == []
    visit.context.close()
    embed.context.close()


LEGEND_AND_CENTRE = """() => {
    const legend = document.querySelector('.geo-legend').getBoundingClientRect();
    const size = window.map.getSize();
    const fergana = window.map.latLngToContainerPoint([40.8, 71.5]);
    const inside = (x, y) => x >= legend.left && x <= legend.right && y >= legend.top && y <= legend.bottom;
    return {open: !document.querySelector('.geo-legend').classList.contains('geo-collapsed'),
            centre: inside(size.x / 2, size.y / 2), fergana: inside(fergana.x, fergana.y)};
}"""


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1400, 900), (1920, 1080)])
def test_map_first_page(browser: Any, server: str, width: int, height: int) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server) else r.abort())
    page.goto(server + "/")
    page.frame_locator(FRAME).locator(DRAWN).first.wait_for(timeout=90_000)
    wait(page, "(h) => document.querySelector('iframe[title*=\"geo_map\"]').getBoundingClientRect().height >= h",
         0.85 * height, timeout=10_000)
    box = page.locator(FRAME).bounding_box()
    assert box is not None and box["height"] >= 0.85 * height and box["y"] < 0.1 * height
    title = page.locator("h1").first.bounding_box()
    assert title is not None and title["height"] < 40  # one line, small type
    frame = page.locator(FRAME).element_handle().content_frame()
    legend = frame.evaluate(LEGEND_AND_CENTRE)
    assert legend["open"] is (width >= 1600)
    assert not legend["centre"] and not legend["fergana"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"app-map-first-{width}x{height}.png"))
    context.close()


def test_route_fits_clear_of_the_legend_and_search_marks_its_result(browser: Any, server: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server) else r.abort())
    page.goto(server + "/")
    page.frame_locator(FRAME).locator(DRAWN).first.wait_for(timeout=90_000)
    assert page.get_by_role("link", name="Static map", exact=False).get_attribute("href") == "site/"
    frame = page.locator(FRAME).element_handle().content_frame()
    frame.locator(".geo-legend-toggle").click()  # open: the route must still be clear of it
    page.get_by_role("button", name="Dushanbe → Almaty").click()
    wait(frame, "() => document.querySelectorAll(\".leaflet-overlay-pane path[stroke='#1f4fd1']\").length >= 1")
    page.wait_for_timeout(1000)
    clear = frame.evaluate("""() => {
        const legend = document.querySelector('.geo-legend').getBoundingClientRect();
        const map = document.getElementById('map').getBoundingClientRect();
        return Array.from(document.querySelectorAll(".leaflet-overlay-pane path[stroke='#1f4fd1']")).every((p) => {
            const r = p.getBoundingClientRect();
            const inside = r.left >= map.left && r.right <= map.right && r.top >= map.top && r.bottom <= map.bottom;
            const under = r.right > legend.left && r.left < legend.right && r.bottom > legend.top
                && r.top < legend.bottom;
            return inside && !under;
        });
    }""")
    assert clear
    page.get_by_placeholder("Find on the map", exact=False).fill("Ходжент")
    page.keyboard.press("Enter")
    label = wait(frame, "() => { const f = document.querySelector('.geo-found'); return f && f.textContent; }")
    assert label == "Khujand"
    page.screenshot(path=str(ARTIFACTS / "app-search-marked.png"))
    context.close()
