"""The app in headless Chromium with every non-loopback request blocked (offline, like these machines).

Each test opens its own browser page (no shared state, any order); waiting is done by one helper,
:func:`wait`, on a condition in the page or the map's frame, never by sleeping. Screenshots go to
``tests/artifacts/``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.common import DRAWN, HOSTILE, app_server

CHROMIUM = Path(os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FRAME = 'iframe[title*="geo_map"]'
ROUTE_COLOUR, COMPARISON_COLOUR, TRACK_COLOUR = "#1f4fd1", "#00a6a6", "#6a3d9a"

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def server(hostile_layers: Path) -> Iterator[str]:
    """Start the app on a free loopback port with hostile crossing names in its data."""
    env = dict(os.environ, GEO_LAYERS_DIR=str(hostile_layers))
    with app_server(["streamlit", "run", "app.py", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
                    env=env, log=ARTIFACTS / "streamlit.log", cwd=ROOT, start_s=60) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


def wait(target: Any, expression: str, arg: Any = None, timeout: float = 90_000) -> Any:
    """Wait until a JavaScript expression is truthy in a page or frame; return its value (the one wait helper)."""
    return target.wait_for_function(expression, arg=arg, timeout=timeout).json_value()


class Session:
    """One fresh browser page on the app, with blocked requests and page errors recorded."""

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
        start = time.monotonic()
        self.page.goto(self.server + "/" + query)
        self.page.frame_locator(FRAME).locator(DRAWN).first.wait_for(timeout=90_000)
        return time.monotonic() - start

    @property
    def frame(self) -> Any:
        frame = self.page.locator(FRAME).element_handle().content_frame()
        assert frame is not None
        return frame

    def count(self, selector: str) -> int:
        return int(self.frame.locator(selector).count())

    def wait_map(self, expression: str, arg: Any = None) -> Any:
        return wait(self.frame, expression, arg)

    def wait_url(self, *parts: str) -> None:
        wait(self.page, "(parts) => parts.every((p) => decodeURIComponent(window.location.href).includes(p))",
             list(parts))

    def view_text(self) -> str:
        """Return the map's view as the link writes it (its centre on the map's pixel grid, four decimals)."""
        return str(self.frame.evaluate(
            "(() => { const c = map.getCenter(); "
            "return `${c.lat.toFixed(4)},${c.lng.toFixed(4)},${map.getZoom()}`; })()"))

    def view(self) -> list[float]:
        return list(self.frame.evaluate("[map.getCenter().lat, map.getCenter().lng, map.getZoom()]"))


@pytest.fixture
def session(browser: Any, server: str) -> Iterator[Session]:
    s = Session(browser, server)
    s.first_paint = s.open()  # type: ignore[attr-defined]
    yield s
    s.context.close()


def shot(session: Session, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    session.page.screenshot(path=str(ARTIFACTS / name))


def test_map_draws_offline(session: Session) -> None:
    session.wait_map("document.querySelectorAll('.leaflet-overlay-pane path').length > 50 && "
                     "document.querySelectorAll('.leaflet-marker-pane .xing').length > 10")
    assert session.frame.evaluate("typeof L.Control.Draw") == "function"
    assert session.frame.evaluate("typeof L.Control.FullScreen") == "function"
    attribution = session.frame.inner_text(".leaflet-control-attribution")
    assert "OpenStreetMap" in attribution and "GeoNames" in attribution  # from the layer specs
    assert session.count(".geo-legend") == 1
    assert not [u for u in session.blocked if "tile.openstreetmap.org" not in u], session.blocked
    assert session.errors == []
    shot(session, "app.png")


def test_hostile_names_do_not_execute(session: Session) -> None:
    frame = session.frame
    session.wait_map("document.querySelectorAll('.leaflet-marker-pane .xing').length > 10")
    names, links = frame.evaluate("""() => {
        var out = [], links = [];
        window.map.eachLayer(function (layer) {
            if (layer.feature && layer.getLatLng && layer.feature.properties.pop) {
                layer.getTooltip() && layer.openTooltip();
                layer.openPopup();
                var el = layer.getPopup().getElement();
                if (el) {
                    out.push(el.innerText);
                    el.querySelectorAll('.geo-popup a').forEach(function (a) { links.push([a.target, a.rel]); });
                }
                layer.closePopup();
            }
        });
        return [out, links];
    }""")
    assert links and all(link == ["_blank", "noopener noreferrer"] for link in links)  # set by map.js, not the data
    text = "\n".join(names)
    assert HOSTILE[0] in text and HOSTILE[1] in text and "${window.__xss=3;alert(3)}" in text
    assert frame.evaluate("typeof window.__xss") == "undefined"
    assert session.page.evaluate("typeof window.__xss") == "undefined"
    assert frame.locator("a[href^='javascript']").count() == 0
    assert session.errors == []


RECORD_ADDRESS = """() => {
    /* Record the address after every write of it (the app's and the map's) and every 10 ms between. */
    window.__addresses = [];
    const keep = () => window.__addresses.push(decodeURIComponent(window.location.href));
    for (const name of ['pushState', 'replaceState']) {
        const write = window.history[name];
        window.history[name] = function (...args) {
            const out = write.apply(window.history, args);
            keep();
            return out;
        };
    }
    keep();
    setInterval(keep, 10);
}"""


def test_toggle_overlay_keeps_view(session: Session) -> None:
    session.frame.evaluate("window.map.setView([40.3, 70.7], 7, {animate: false})")
    session.wait_url("view=" + session.view_text())
    before = session.wait_map("document.querySelectorAll('.leaflet-marker-pane .xing').length")
    session.page.evaluate(RECORD_ADDRESS)
    session.page.get_by_text("Border crossings", exact=True).click()
    session.wait_map("document.querySelectorAll('.leaflet-marker-pane .xing').length === 0")
    assert session.count(".leaflet-overlay-pane path") > 0
    lat, lon, zoom = session.view()
    assert abs(lat - 40.3) < 0.01 and abs(lon - 70.7) < 0.01 and zoom == 7
    session.wait_url("layers=countries")
    # the link is the current view at every moment: the rerun's write of the link never drops it or brings back
    # an older one (the server saw the address of the run before the pan below)
    session.frame.evaluate("window.map.setView([41.2, 72.1], 7, {animate: false})")
    view = "view=" + session.view_text()
    session.wait_url(view)
    moved = session.page.evaluate("window.__addresses.length")
    session.page.get_by_text("Border crossings", exact=True).click()
    session.wait_map("(n) => document.querySelectorAll('.leaflet-marker-pane .xing').length === n", before)
    wait(session.page, "() => !window.location.href.includes('layers=')")
    wait(session.page, "(n) => window.__addresses.length > n + 300", moved)  # a few seconds more of looking
    addresses = session.page.evaluate("window.__addresses")
    assert all("view=" in a for a in addresses), [a for a in addresses if "view=" not in a][:3]
    assert all(view in a for a in addresses[moved:]), sorted(set(addresses[moved:]))
    assert session.errors == []


def test_zooming_in_draws_finer_lines_without_moving(session: Session) -> None:
    wide = session.frame.evaluate("window.geoMap.groups()")
    session.frame.evaluate("window.map.setView([40.3, 70.7], 10, {animate: false})")
    session.wait_map("(wide) => window.geoMap.groups().join() !== wide.join()", wide)
    close = session.frame.evaluate("window.geoMap.groups()")
    assert [g.split(":")[0] for g in close] == [g.split(":")[0] for g in wide]
    changed = {g.split(":")[0] for g in close} - {g.split(":")[0] for g in close if g in wide}
    assert "roads" in changed and "crossings" not in changed
    lat, lon, zoom = session.view()
    assert abs(lat - 40.3) < 0.01 and zoom == 10
    session.wait_map("document.querySelectorAll('.road-label').length > 0")  # number labels shown from zoom 6
    shot(session, "app-zoom10.png")


def idle(session: Session) -> None:
    """Wait until no script run is in progress (a click during a run can be undone by the run's widget state)."""
    wait(session.page, "!document.querySelector(\"[data-testid='stStatusWidget']\")")


def test_preset_route_is_drawn(session: Session) -> None:
    idle(session)
    session.page.get_by_role("button", name="Khujand → Batken").click()
    session.page.get_by_text("Δ distance").wait_for(timeout=90_000)
    session.wait_map("(c) => document.querySelectorAll(`.leaflet-overlay-pane path[stroke='${c[0]}']`).length >= 1"
                     " && document.querySelectorAll(`.leaflet-overlay-pane path[stroke='${c[1]}']`).length >= 1",
                     [ROUTE_COLOUR, COMPARISON_COLOUR])
    session.wait_url("from=khujand", "date2=2025-08-01")
    session.wait_map("window.map.getZoom() === 8")  # the preset's view
    assert "Route" in session.frame.text_content(".geo-legend")
    shot(session, "app-route-map.png")
    session.page.get_by_text("Second scenario against the first").scroll_into_view_if_needed()
    shot(session, "app-route.png")


def test_drawing_is_measured_in_python(session: Session) -> None:
    session.frame.evaluate("""() => {
        var line = L.polyline([[40.0, 69.0], [41.0, 72.0]]);
        window.map.fire('draw:created', {layer: line, layerType: 'polyline'});
    }""")
    session.page.get_by_role("tab", name="Measure").click()
    session.wait_url("tab=measure")  # the link follows the open tab
    summary = session.page.get_by_text("Drawing 1")
    summary.wait_for(timeout=90_000)
    text = summary.locator("xpath=..").inner_text()
    # 277.5 km on the WGS84 ellipsoid (pyproj.Geod), split by the borders layer
    assert "277.5 km" in text and "UZ" in text and "TJ" in text
    session.page.get_by_role("tab", name="Download").click()  # the tab runs when opened: the button then appears
    session.page.get_by_role("button", name="drawing.geojson").wait_for(timeout=90_000)


def test_download_layer_is_geojson(session: Session) -> None:
    session.page.get_by_role("tab", name="Download").click()
    with session.page.expect_download(timeout=90_000) as info:
        session.page.get_by_role("button", name="boundaries.geojson").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"), parse_constant=lambda c: 1 / 0)
    assert data["type"] == "FeatureCollection" and data["features"]
    assert data["metadata"]["id"] == "boundaries" and data["metadata"]["licence"]
    for feature in data["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] in ("LineString", "MultiLineString")


TRACK = {"type": "Feature", "properties": {"name": "Osh → Batken"}, "geometry": {
    "type": "LineString", "coordinates": [[72.80, 40.53], [71.9, 40.2], [71.2, 40.05], [70.82, 40.06]]}}


def upload_track(session: Session, path: Path) -> Any:
    """Upload a track file in the Measure tab and wait until the map draws it; return the page."""
    page = session.page
    page.get_by_role("tab", name="Measure").click()
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.get_by_role("button", name="Download the track as GeoJSON").wait_for(timeout=90_000)
    session.wait_map("(c) => document.querySelectorAll(`.leaflet-overlay-pane path[stroke='${c}']`).length >= 1",
                     TRACK_COLOUR)
    return page


def test_uploaded_track_is_drawn_and_legend_folds(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "osh-batken.geojson"
    path.write_text(json.dumps(TRACK), encoding="utf-8")
    page = upload_track(session, path)
    session.wait_map("window.map.getZoom() >= 7")  # moved to the track
    assert session.count(".geo-legend.geo-collapsed") == 1  # folded in a window narrower than 1600 px
    session.frame.locator(".geo-legend-toggle").click()
    assert session.count(".geo-legend.geo-collapsed") == 0
    assert "Your track" in session.frame.text_content(".geo-legend")
    session.frame.locator(".geo-legend-toggle").click()
    assert session.count(".geo-legend.geo-collapsed") == 1
    assert not session.frame.locator(".geo-legend-body").is_visible()
    assert session.frame.locator(".geo-legend-toggle").get_attribute("aria-expanded") == "false"
    assert session.errors == []
    page.get_by_role("button", name="Download the track as GeoJSON").scroll_into_view_if_needed()
    shot(session, "app-track-measure.png")


def test_a_dense_zigzag_track_is_drawn_across_its_whole_width(session: Session, tmp_path: Path) -> None:
    # 199,999 vertices swinging 12 km across the Kyrgyz–Uzbek border: the map's copy once aliased it into a
    # straight line, and Leaflet's own (recursive) simplification of the copy overflowed the browser's stack
    n = 199_999
    coords = [[72.70 if i % 2 == 0 else 72.85, round(40.4 + 0.3 * i / (n - 1), 6)] for i in range(n)]
    path = tmp_path / "zigzag.geojson"
    path.write_text(json.dumps({"type": "LineString", "coordinates": coords}), encoding="utf-8")
    upload_track(session, path)
    span = session.frame.evaluate("""(c) => {
        const p = document.querySelector(`.leaflet-overlay-pane path[stroke='${c}']`);
        const box = p.getBBox(), map = window.map;
        const west = map.containerPointToLatLng([0, 0]).lng, east = map.containerPointToLatLng([100, 0]).lng;
        return box.width * (east - west) / 100; }""", TRACK_COLOUR)
    assert 0.13 < span < 0.17  # degrees of longitude drawn: the zigzag's 72.70–72.85
    assert session.errors == []
    shot(session, "app-track-zigzag.png")


def test_basemap_change_keeps_the_view(session: Session) -> None:
    session.frame.evaluate("window.map.setView([42.5, 74.5], 9, {animate: false})")
    session.wait_url("view=42.5")
    tiles = "(k) => document.querySelector(`.leaflet-tile-pane img[src*='${k}']`) !== null"
    session.page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Basemap").click()
    session.page.get_by_role("option", name="Light (CARTO Positron)").click()
    session.wait_map(tiles, "cartocdn")
    lat, lon, zoom = session.view()
    assert abs(lat - 42.5) < 0.01 and abs(lon - 74.5) < 0.01 and zoom == 9  # the same map: never rebuilt
    session.wait_url("basemap=light", "view=42.5")
    session.page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Basemap").click()
    session.page.get_by_role("option", name="OpenStreetMap").click()
    session.wait_map(tiles, "tile.openstreetmap.org")
    assert session.view()[2] == 9


def test_bad_link_shows_notice_and_map(browser: Any, server: str) -> None:
    s = Session(browser, server)
    try:
        s.open("?layers=%3Cscript%3E&date=2099-01-01&view=nan,1,2&from=%3Cimg%20src=x%20onerror=window.__xss=9%3E")
        wait(s.page, "document.querySelectorAll(\"[data-testid='stAlertContentWarning']\").length >= 4")
        assert len(s.page.locator("[data-testid='stAlertContentWarning']").all_inner_texts()) == 4
        assert s.page.evaluate("typeof window.__xss") == "undefined"
        s.wait_map("document.querySelectorAll('.leaflet-marker-pane .xing').length > 0")
    finally:
        s.context.close()


def test_two_sessions_keep_their_own_state(session: Session, browser: Any, server: str) -> None:
    other = Session(browser, server)
    try:
        other.open("?layers=roads")
        other.page.get_by_text("Border crossings", exact=True).wait_for()
        assert other.count(".leaflet-marker-pane .xing") == 0
        session.wait_map("document.querySelectorAll('.leaflet-marker-pane .xing').length > 0")
        assert "layers=roads" not in session.page.url
    finally:
        other.context.close()


def test_sources_page(browser: Any, server: str) -> None:
    s = Session(browser, server)
    try:
        s.page.goto(server + "/sources")
        s.page.get_by_text("Citation policy").wait_for(timeout=90_000)
        body = s.page.inner_text("body")
        assert "ODbL" in body and "OpenStreetMap contributors" in body and "Method:" in body
    finally:
        s.context.close()


def test_a_link_with_a_route_and_no_view_zooms_to_the_route(browser: Any, server: str) -> None:
    """Khujand → Batken fits in the default regional view; without a view of its own the link shows it up close,
    and a link that names a view keeps that view."""
    s = Session(browser, server)
    try:
        s.open("?from=khujand&to=batken&date=2025-06-01")
        s.wait_map("(c) => document.querySelectorAll(`.leaflet-overlay-pane path[stroke='${c}']`).length >= 1",
                   ROUTE_COLOUR)
        s.wait_map("window.map.getZoom() >= 7")  # the default view is zoom 5
        route = s.frame.evaluate("""(c) => { const b = L.latLngBounds([]);
            map.eachLayer((l) => { if (l.options && l.options.color === c && l.getBounds) b.extend(l.getBounds()); });
            return map.getBounds().contains(b); }""", ROUTE_COLOUR)
        assert route is True  # the whole route is in view
        shot(s, "app-link-route-zoomed.png")
        s.open("?from=khujand&to=batken&date=2025-06-01&view=41.0,66.5,6")
        s.wait_map("(c) => document.querySelectorAll(`.leaflet-overlay-pane path[stroke='${c}']`).length >= 1",
                   ROUTE_COLOUR)
        time.sleep(1)
        assert s.view()[2] == 6  # the link's own view is kept
        assert s.errors == []
    finally:
        s.context.close()


def test_route_with_two_alternatives_draws_three_distinct_lines(browser: Any, server: str) -> None:
    from geo.map import extras

    styles = [extras.ROUTE.style, *(s.style for s in extras.ALTERNATIVES[:2])]
    s = Session(browser, server)
    try:
        s.open("?from=dushanbe&to=almaty&date=2023-06-01&alt=2&view=40.75,69.3,8")
        drawn = s.wait_map("""(styles) => {
            var lines = styles.map((st) => Array.from(document.querySelectorAll(
                `.leaflet-overlay-pane path[stroke='${st.color}']`)).filter((p) => p.getAttribute('d').length > 200));
            return lines.every((l) => l.length >= 1) && lines.map((l) => [l[0].getAttribute('stroke'),
                l[0].getAttribute('stroke-dasharray') || 'solid']);
        }""", styles)
        assert len({tuple(d) for d in drawn}) == 3  # three colours, three dash patterns
        assert [d[1] for d in drawn] == ["solid", *(st["dashArray"] for st in styles[1:])]
        legend = s.frame.text_content(".geo-legend")
        assert "alternative 1" in legend and "alternative 2" in legend and "alternative 3" not in legend
        s.page.get_by_text("Alternatives", exact=False).first.wait_for(timeout=90_000)
        assert s.errors == []
        shot(s, "app-route-alternatives.png")
        s.page.get_by_text("through other sets of border crossings").scroll_into_view_if_needed()
        shot(s, "app-route-alternatives-table.png")
    finally:
        s.context.close()


def test_route_with_a_citizenship_lists_the_documents_and_keeps_the_link(browser: Any, server: str) -> None:
    s = Session(browser, server)
    try:
        s.open("?from=osh&to=andijan&date=2024-01-01&citizen=KG&visa=TM")
        s.page.get_by_text("Travel documents for a citizen of Kyrgyzstan on 2024-01-01", exact=False).first.wait_for(
            timeout=90_000)
        s.wait_url("citizen=KG", "visa=TM")
        assert "KG citizen" in s.page.inner_text("body")  # the route's heading names the link's citizenship
        assert s.errors == []
        s.page.get_by_text("Travel documents for a citizen", exact=False).first.scroll_into_view_if_needed()
        shot(s, "app-route-documents.png")
    finally:
        s.context.close()
