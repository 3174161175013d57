"""The app in headless Chromium with every non-loopback request blocked (offline, like these machines).

Runs whenever /usr/bin/chromium and Python Playwright are installed; skipped (with the reason) otherwise.
Saves a screenshot to ``tests/artifacts/app.png``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FRAME = 'iframe[title="streamlit_folium.st_folium"]'

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(hostile_layers: Path) -> Iterator[str]:
    """Start the app on a free loopback port with hostile crossing names in its data."""
    port = free_port()
    env = dict(os.environ, GEO_LAYERS_DIR=str(hostile_layers))
    log = (ARTIFACTS / "streamlit.log")
    ARTIFACTS.mkdir(exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true", f"--server.port={port}",
             "--server.address=127.0.0.1", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        raise RuntimeError("the app did not start; see tests/artifacts/streamlit.log") from None
                    time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


class Session:
    """One browser page on the app, with blocked requests and page errors recorded."""

    def __init__(self, browser: Any, server: str) -> None:
        self.server = server
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.server) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, query: str = "") -> float:
        """Load the app and wait until the vector layers are drawn; return the seconds it took."""
        start = time.time()
        self.page.goto(self.server + "/" + query)
        self.page.frame_locator(FRAME).locator(".leaflet-overlay-pane path").first.wait_for(timeout=60_000)
        return time.time() - start

    @property
    def frame(self) -> Any:
        for frame in self.page.frames:
            if "st_folium" in frame.url:
                return frame
        raise AssertionError("no map frame")

    def count(self, selector: str) -> int:
        return int(self.frame.locator(selector).count())

    def wait_count(self, selector: str, predicate: Any, timeout: float = 30) -> int:
        deadline = time.time() + timeout
        while True:
            try:
                n = self.count(selector)
            except playwright_api.Error:  # the map frame is being replaced (a new view or upload)
                n = -1
            if predicate(n) or time.time() > deadline:
                return n
            self.page.wait_for_timeout(250)


@pytest.fixture(scope="module")
def session(browser: Any, server: str) -> Iterator[Session]:
    s = Session(browser, server)
    s.first_paint = s.open()  # type: ignore[attr-defined]
    yield s
    s.context.close()


def test_map_draws_offline(session: Session) -> None:
    paths = session.wait_count(".leaflet-overlay-pane path", lambda n: n > 50)
    markers = session.wait_count(".leaflet-marker-pane .xing", lambda n: n > 10)
    assert paths > 50 and markers > 10
    assert session.frame.evaluate("typeof L.Control.Draw") == "function"
    assert session.frame.evaluate("typeof L.Control.FullScreen") == "function"
    assert "OpenStreetMap" in session.frame.inner_text(".leaflet-control-attribution")
    assert session.count(".geo-legend") == 1
    assert not [u for u in session.blocked if "tile.openstreetmap.org" not in u], session.blocked
    assert session.first_paint < 30  # type: ignore[attr-defined]


def test_hostile_names_do_not_execute(session: Session) -> None:
    frame = session.frame
    names = frame.evaluate("""() => {
        var out = [];
        window.map.eachLayer(function (layer) {
            if (layer.feature && layer.getLatLng && layer.feature.properties.pop) {
                layer.openTooltip && layer.getTooltip() && layer.openTooltip();
                layer.openPopup();
                var el = layer.getPopup().getElement();
                if (el) { out.push(el.innerText); }
                layer.closePopup();
            }
        });
        return out;
    }""")
    session.page.wait_for_timeout(500)
    text = "\n".join(names)
    assert "<img src=x onerror=window.__xss=1>" in text
    assert '"><script>window.__xss=2</script>' in text
    assert "${window.__xss=3}" in text
    assert frame.evaluate("typeof window.__xss") == "undefined"
    assert session.page.evaluate("typeof window.__xss") == "undefined"
    assert frame.locator("a[href^='javascript']").count() == 0
    assert session.errors == []


def url_has(session: Session, *parts: str, timeout: float = 30) -> bool:
    """Wait until the page address holds every part (Streamlit writes query parameters after the rerun)."""
    deadline = time.time() + timeout
    while not all(p in session.page.url for p in parts) and time.time() < deadline:
        session.page.wait_for_timeout(200)
    return all(p in session.page.url for p in parts)


def test_toggle_overlay_keeps_view(session: Session) -> None:
    frame = session.frame
    frame.evaluate("window.map.setView([40.3, 70.7], 7, {animate: false})")
    session.page.wait_for_timeout(300)
    before = session.count(".leaflet-marker-pane .xing")
    assert before > 0
    session.page.get_by_text("Border crossings", exact=True).click()
    after = session.wait_count(".leaflet-marker-pane .xing", lambda n: n == 0)
    assert after == 0
    assert session.count(".leaflet-overlay-pane path") > 0
    center = frame.evaluate("[window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]")
    assert abs(center[0] - 40.3) < 0.01 and abs(center[1] - 70.7) < 0.01 and center[2] == 7
    assert url_has(session, "view=40.3", "layers=countries")
    session.page.get_by_text("Border crossings", exact=True).click()
    assert session.wait_count(".leaflet-marker-pane .xing", lambda n: n == before) == before


def test_preset_route_is_drawn(session: Session) -> None:
    session.page.get_by_role("button", name="Khujand → Batken").click()
    session.page.get_by_text("Δ distance").wait_for(timeout=30_000)
    routes = session.wait_count(".leaflet-overlay-pane path[stroke='#1f4fd1']", lambda n: n >= 1)
    assert routes >= 1
    assert session.count(".leaflet-overlay-pane path[stroke='#00a6a6']") >= 1
    assert url_has(session, "from=khujand", "date2=2025-08-01")
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.screenshot(path=str(ARTIFACTS / "app.png"))
    session.page.get_by_text("Second scenario against the first").scroll_into_view_if_needed()
    session.page.screenshot(path=str(ARTIFACTS / "app-route.png"))
    session.page.get_by_role("heading", name="Central Asia").scroll_into_view_if_needed()


def test_drawing_is_measured_in_python(session: Session) -> None:
    session.frame.evaluate("""() => {
        var line = L.polyline([[40.0, 69.0], [41.0, 72.0]]);
        drawnItems.addLayer(line);
        window.map.fire('draw:created', {layer: line, layerType: 'polyline'});
    }""")
    session.page.get_by_role("tab", name="Measure").click()
    summary = session.page.get_by_text("Drawing 1")
    summary.wait_for(timeout=30_000)
    text = summary.locator("xpath=..").inner_text()
    # 277.5 km on the WGS84 ellipsoid (pyproj.Geod), split by the borders layer
    assert "277.5 km" in text and "UZ" in text and "TJ" in text
    session.page.get_by_role("tab", name="Download").click()
    assert session.page.get_by_role("button", name="drawing.geojson").is_visible()


def test_download_layer_is_geojson(session: Session) -> None:
    session.page.get_by_role("tab", name="Download").click()
    with session.page.expect_download(timeout=30_000) as info:
        session.page.get_by_role("button", name="boundaries.geojson").click()
    path = info.value.path()
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and data["features"]
    assert data["metadata"]["id"] == "boundaries" and data["metadata"]["licence"]
    for feature in data["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] in ("LineString", "MultiLineString")


TRACK = {"type": "Feature", "properties": {"name": "Osh → Batken"}, "geometry": {
    "type": "LineString", "coordinates": [[72.80, 40.53], [71.9, 40.2], [71.2, 40.05], [70.82, 40.06]]}}


def test_uploaded_track_is_drawn_and_legend_folds(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "osh-batken.geojson"
    path.write_text(json.dumps(TRACK), encoding="utf-8")
    page = session.page
    page.get_by_role("tab", name="Measure").click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.get_by_role("button", name="Download the track as GeoJSON").wait_for(timeout=30_000)
    assert session.wait_count(".leaflet-overlay-pane path[stroke='#6a3d9a']", lambda n: n >= 1) >= 1
    assert "Your track" in session.frame.inner_text(".geo-legend")
    assert session.frame.locator(".geo-legend.geo-collapsed").count() == 0  # open on a wide map
    session.frame.locator(".geo-legend-toggle").click()
    assert session.frame.locator(".geo-legend.geo-collapsed").count() == 1
    assert not session.frame.locator(".geo-legend-body").is_visible()
    assert session.frame.locator(".geo-legend-toggle").get_attribute("aria-expanded") == "false"
    assert session.errors == []
    page.get_by_role("heading", name="Central Asia").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app-track.png"))
    page.get_by_role("button", name="Download the track as GeoJSON").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "app-track-measure.png"))
    session.frame.locator(".geo-legend-toggle").click()
    assert session.frame.locator(".geo-legend.geo-collapsed").count() == 0


def test_basemap_change_keeps_the_view(session: Session) -> None:
    frame = session.frame
    frame.evaluate("window.map.setView([42.5, 74.5], 9, {animate: false})")
    deadline = time.time() + 30
    while "view=42.5" not in session.page.url and time.time() < deadline:
        session.page.wait_for_timeout(200)
    assert "view=42.5" in session.page.url

    def tiles(kind: str) -> bool:
        try:
            return bool(session.frame.evaluate(
                "(k) => Object.values(window.map._layers).some(l => l._url && l._url.indexOf(k) >= 0)", kind))
        except Exception:  # the frame is being replaced
            return False

    session.page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").click()
    session.page.get_by_role("option", name="Light (CARTO Positron)").click()
    deadline = time.time() + 30
    while not tiles("cartocdn") and time.time() < deadline:
        session.page.wait_for_timeout(250)
    assert tiles("cartocdn")
    center = session.frame.evaluate("[window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]")
    assert abs(center[0] - 42.5) < 0.01 and abs(center[1] - 74.5) < 0.01 and center[2] == 9
    assert session.frame.evaluate("window.map.getZoom()") == 9  # the same map: never rebuilt
    # the map re-asserts its view in the address within 1.5 s; Streamlit writes basemap= after the rerun
    assert url_has(session, "basemap=light", "view=42.5")
    session.page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").click()
    session.page.get_by_role("option", name="OpenStreetMap").click()
    deadline = time.time() + 30
    while not tiles("tile.openstreetmap.org") and time.time() < deadline:
        session.page.wait_for_timeout(250)
    center = session.frame.evaluate("[window.map.getCenter().lat, window.map.getCenter().lng, window.map.getZoom()]")
    assert abs(center[0] - 42.5) < 0.01 and center[2] == 9


def test_bad_link_shows_notice_and_map(browser: Any, server: str) -> None:
    s = Session(browser, server)
    try:
        s.open("?layers=%3Cscript%3E&date=2099-01-01&view=nan,1,2&from=%3Cimg%20src=x%20onerror=window.__xss=9%3E")
        notices = s.page.locator("[data-testid='stAlertContentWarning']").all_inner_texts()
        assert len(notices) == 4
        assert s.page.evaluate("typeof window.__xss") == "undefined"
        assert s.count(".leaflet-marker-pane .xing") > 0
    finally:
        s.context.close()


def test_two_sessions_keep_their_own_state(session: Session, browser: Any, server: str) -> None:
    other = Session(browser, server)
    try:
        other.open("?layers=roads")
        assert other.count(".leaflet-marker-pane .xing") == 0
        assert session.count(".leaflet-marker-pane .xing") > 0
        assert "layers=roads" not in session.page.url
        assert other.page.get_by_text("Border crossings", exact=True).is_visible()
    finally:
        other.context.close()


def test_sources_page(browser: Any, server: str) -> None:
    s = Session(browser, server)
    try:
        s.page.goto(server + "/sources")
        s.page.get_by_text("Citation policy").wait_for(timeout=30_000)
        body = s.page.inner_text("body")
        assert "ODbL" in body and "OpenStreetMap contributors" in body and "Method:" in body
    finally:
        s.context.close()
