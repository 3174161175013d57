"""The Tables page in headless Chromium: choosing a crossing centres the map beside the table, and the Map page.

Uses the app server, browser and the one wait helper of ``tests/test_browser.py`` (no sleeping).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.common import DRAWN
from tests.test_browser import FRAME, Session, browser, server, shot, wait

pytestmark = pytest.mark.browser
__all__ = ["browser", "server"]  # the fixtures, shared with test_browser.py
ROW_PX = 35
"""Height of a header and of a row of Streamlit's data grid (the grid is a canvas: rows are clicked by position)."""


@pytest.fixture
def tables(browser: Any, server: str) -> Iterator[Session]:
    s = Session(browser, server)
    s.page.goto(server + "/tables?date=2025-08-01&basemap=none")
    s.page.frame_locator(FRAME).locator(DRAWN).first.wait_for(timeout=90_000)
    yield s
    s.context.close()


def centred_on(session: Session, lat: float, lon: float) -> list[float]:
    """Wait until the map is centred on a point (within a pixel at zoom 11, ~100 m); return its view."""
    expression = ("([lat, lon]) => window.map && Math.abs(map.getCenter().lat - lat) < 1e-3 && "
                  "Math.abs(map.getCenter().lng - lon) < 1e-3")
    wait(session.frame, expression, [lat, lon])
    return session.view()


def test_choosing_a_crossing_centres_the_map(tables: Session, hostile_layers: Path) -> None:
    features = json.loads((hostile_layers / "crossings.geojson").read_text(encoding="utf-8"))["features"]
    row = 2
    lon, lat = features[row]["geometry"]["coordinates"][:2]
    before = tables.view()
    assert abs(before[0] - lat) > 0.1 or abs(before[1] - lon) > 0.1  # not there yet
    grid = tables.page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    tables.page.mouse.click(box["x"] + 12, box["y"] + ROW_PX + row * ROW_PX + ROW_PX / 2)  # the row's checkbox
    view = centred_on(tables, lat, lon)
    assert view[2] == 11
    wait(tables.page, "() => document.body.innerText.includes('Status history')")
    shot(tables, "tables.png")
    # the view is the app's state: the Map page opens centred on the chosen crossing too
    tables.page.get_by_role("link", name="Map").first.click()
    wait(tables.page, "() => window.location.pathname === '/'")
    wait(tables.page, "() => document.body.innerText.includes('Central Asia: borders')")
    tables.page.frame_locator(FRAME).locator(".leaflet-marker-pane .xing").first.wait_for(timeout=90_000)
    centred_on(tables, lat, lon)
    assert "basemap=none" in tables.page.url and "date=2025-08-01" in tables.page.url  # the rest of the state too
    shot(tables, "tables-then-map.png")
    assert tables.errors == []
