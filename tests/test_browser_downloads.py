"""The Download tab in Chromium: the report figure follows the map as the user moved it (no rerun on panning)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from test_browser import ARTIFACTS, Session, browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_figure_of_the_panned_view(browser: Any, server: str, tmp_path: Path) -> None:  # noqa: F811
    from PIL import Image

    session = Session(browser, server)
    session.open("?view=40.6,71.4,8&date=2023-06-01")
    session.frame.evaluate("map.setView([41.0, 69.75], 8, {animate: false})")
    session.wait_url("view=41.0")
    bounds = session.frame.evaluate("[map.getBounds().getWest(), map.getBounds().getEast()]")
    page = session.page
    page.get_by_role("tab", name="Download").click()
    page.frame_locator('iframe[src*="view_button"]').get_by_role("button", name="Draw the current view").click()
    page.get_by_role("button", name="Figure (.png)").wait_for(timeout=120_000)
    assert page.get_by_role("button", name="Figure (.pdf)").is_visible()
    page.get_by_role("button", name="Figure (.png)").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "downloads.png"))
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Figure (.png)").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(PNG_MAGIC)
    title = Image.open(io.BytesIO(data)).info["Title"]
    west, east = (float(v) for v in re.search(r"([\d.]+)–([\d.]+)° E", title).groups())  # type: ignore[union-attr]
    assert (west + east) / 2 == pytest.approx(69.75, abs=0.05)  # the panned view, not the link's 71.4
    assert [west, east] == pytest.approx(bounds, abs=0.006)  # exactly what the map shows
    assert session.errors == []
