"""The "Through time" tab in headless Chromium: the chart and the periods, and choosing a period redraws the route.

Uses the app server, browser and the one wait helper of ``tests/test_browser.py`` (no sleeping).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.test_browser import ROUTE_COLOUR, Session, browser, server, shot, wait

pytestmark = pytest.mark.browser
__all__ = ["browser", "server"]  # the fixtures, shared with test_browser.py

ROUTE_WIDTH = ("(c) => { const p = [...document.querySelectorAll(`.leaflet-overlay-pane path[stroke='${c}']`)]; "
               "return p.length ? Math.round(Math.max(...p.map((e) => e.getBBox().width))) : 0; }")
"""The drawn route's width on screen (pixels): a longer detour is wider at the same zoom."""


def hover_until(s: Session, text: str, seconds: float = 60) -> str | None:
    """Move the mouse over the chart until Vega's tooltip shows ``text``; return the last tooltip seen.

    The chart is drawn again after each rerun (the chosen date moves its rule), so each pass down the plot
    reads the chart's box afresh, and passes repeat until the tooltip shows or ``seconds`` pass.
    """
    deadline = time.monotonic() + seconds
    seen: str | None = None
    while time.monotonic() < deadline:
        chart = s.page.locator("[data-testid='stVegaLiteChart']").first
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        if box is None:
            continue
        for fx in (0.72, 0.68, 0.76):  # mid-2023 on the time axis, and either side of it
            for dy in range(0, int(box["height"]), 3):  # down the plot until the step is under the mouse
                s.page.mouse.move(box["x"] + box["width"] * fx, box["y"] + dy)
                tip = s.page.evaluate("() => { const t = document.querySelector('#vg-tooltip-element.visible');"
                                      " return t ? t.innerText : null; }")
                seen = tip or seen
                if tip and text in tip:
                    return tip
    return seen


def test_choosing_a_period_sets_the_date_and_draws_its_route(browser: Any, server: str) -> None:
    s = Session(browser, server)
    try:
        s.open("?from=khujand&to=batken&date=2023-06-01&tab=time&mode=freight&basemap=none&view=40.3,70.0,8")
        s.page.get_by_text("Through time").first.wait_for(timeout=90_000)
        s.page.locator("[data-testid='stVegaLiteChart']").first.wait_for(timeout=90_000)
        s.page.get_by_text("Periods (.csv)").wait_for(timeout=90_000)
        detour = int(wait(s.frame, f"() => ({ROUTE_WIDTH})('{ROUTE_COLOUR}')"))
        assert detour > 0  # 2023: the Kyzyl-Bel post is closed, the route goes round through Uzbekistan
        shot(s, "app-timeline.png")
        box = s.page.locator("[data-testid='stSelectbox']").filter(has_text="Period")
        box.scroll_into_view_if_needed()
        box.click()
        s.page.get_by_role("option", name="2025-03-13").first.click()
        s.wait_url("date=2025-03-13", "tab=time")
        direct = int(wait(s.frame, f"(w) => {{ const now = ({ROUTE_WIDTH})('{ROUTE_COLOUR}'); "
                                   "return now > 0 && now !== w ? now : 0; }", detour))
        assert direct < detour  # the reopened post: the short road
        assert "on 2025-03-13" in (s.frame.text_content(".geo-legend") or "")  # the map's route is the chosen period's
        box.scroll_into_view_if_needed()
        shot(s, "app-timeline-chosen.png")
        # hovering the 2022–2025 step shows its route and event; clicking it sets the date to its first day
        tip = hover_until(s, "Patar")
        assert tip and "Patar" in tip and "Feb 23, 2022" in tip, tip
        s.page.mouse.down()
        s.page.mouse.up()
        s.wait_url("date=2022-02-23", "tab=time")
        shot(s, "app-timeline-clicked.png")
        assert s.errors == []
    finally:
        s.context.close()
