"""The app in Russian (``?lang=ru``) in headless Chromium: no English interface text in the visible page.

Checks what a reader sees: the page's text (sidebar and main column, Streamlit's icon ligatures left out), the
map frame's text (legend, attribution, scale) and a crossing's popup opened by a click. Uses the app server,
browser and the one wait helper of ``tests/test_browser.py`` (no sleeping). Screenshots go to
``tests/artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.common import DRAWN
from tests.i18n_check import data_values, english_words
from tests.test_browser import FRAME, Session, browser, server, shot, wait

pytestmark = pytest.mark.browser
__all__ = ["browser", "server"]  # the fixtures, shared with test_browser.py

PAGE_TEXT = """() => {
    const icons = new Set(Array.from(document.querySelectorAll('[data-testid="stIconMaterial"]'))
                          .map((e) => e.textContent.trim()));
    const parts = ['[data-testid="stSidebar"]', '[data-testid="stMain"]']
        .map((s) => document.querySelector(s)).filter((e) => e).map((e) => e.innerText);
    return {text: parts.join('\\n'), icons: Array.from(icons)};
}"""
"""The visible text of the sidebar and the main column, and the Material icon names (ligatures, not words)."""


@pytest.fixture
def russian(browser: Any, server: str) -> Iterator[Session]:
    s = Session(browser, server)
    s.page.goto(server + "/?lang=ru&basemap=none&date=2023-06-01&from=khujand&to=batken")
    s.page.frame_locator(FRAME).locator(".leaflet-marker-pane .xing").first.wait_for(timeout=90_000)
    yield s
    s.context.close()


def visible_text(session: Session) -> list[str]:
    """Return the page's visible lines, icon ligatures removed."""
    found = session.page.evaluate(PAGE_TEXT)
    icons = set(found["icons"])
    return [line for line in found["text"].splitlines() if line.strip() and line.strip() not in icons]


def assert_russian(lines: list[str], data: list[str]) -> None:
    left = english_words(lines, data)
    assert not left, "English interface text:\n" + "\n".join(f"{w!r} in {t!r}" for w, t in left[:40])


def test_the_map_page_in_russian_shows_no_english(russian: Session, hostile_layers: Path) -> None:
    data = data_values(hostile_layers)
    wait(russian.page, "() => document.body.innerText.includes('Время в пути')")  # the route's figures are drawn
    lines = visible_text(russian)
    assert "Центральная Азия: границы, дороги, трубопроводы и пункты пропуска" in lines
    frame = russian.frame
    wait(frame, "() => document.querySelector('.geo-legend-body') !== null")
    legend = frame.evaluate("document.querySelector('.geo-legend').textContent")
    assert "Пункты пропуска на 2023-06-01" in legend and "Легенда" in legend and "закрыт" in legend
    russian.page.frame_locator(FRAME).locator(".leaflet-marker-pane .xing-closed").first.click()
    popup = wait(frame, "() => { const p = document.querySelector('.geo-popup'); return p && p.innerText; }")
    assert "История статуса" in popup and "Статус" in popup
    shot(russian, "russian-map.png")
    map_text = frame.evaluate("document.body.innerText")
    assert "участники OpenStreetMap" in map_text
    assert_russian(lines + map_text.splitlines(), data)
    assert "lang=ru" in russian.page.url and not russian.errors


def test_the_tables_page_in_russian_shows_no_english(browser: Any, server: str, hostile_layers: Path) -> None:
    s = Session(browser, server)
    try:
        s.page.goto(server + "/tables?lang=ru&basemap=none&date=2023-06-01")
        s.page.frame_locator(FRAME).locator(DRAWN).first.wait_for(timeout=90_000)
        wait(s.page, "() => document.body.innerText.includes('Таблицы: пункты пропуска, дороги и населённые пункты')")
        lines = visible_text(s)
        assert any(line.startswith("Пунктов пропуска:") for line in lines)
        shot(s, "russian-tables.png")
        assert_russian(lines + s.frame.evaluate("document.body.innerText").splitlines(), data_values(hostile_layers))
        assert not s.errors
    finally:
        s.context.close()


def test_switching_the_language_redraws_the_maps_words(browser: Any, server: str) -> None:
    s = Session(browser, server)
    try:
        s.open("?basemap=none")
        s.wait_map("() => document.querySelector('.geo-legend') && "
                   "document.querySelector('.geo-legend').innerText.includes('Legend')")
        s.frame.evaluate("window.__kept = true")
        s.page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text="Language").click()
        s.page.get_by_role("option", name="Русский").click()
        s.wait_url("lang=ru")
        s.wait_map("() => document.querySelector('.geo-legend').innerText.includes('Легенда') && "
                   "document.querySelector('.leaflet-control-attribution').innerText.includes('участники')")
        # the full-screen button and the drawing tools are titled again, without a reload, and there is one of each
        titles = s.frame.evaluate("""() => ['.leaflet-control-zoom-fullscreen', '.leaflet-draw-draw-polyline']
            .map((selector) => Array.from(document.querySelectorAll(selector)).map((a) => a.title))""")
        assert titles == [["Во весь экран"], ["Нарисовать линию"]]
        assert s.frame.evaluate("window.__kept === true") and not s.errors  # the same map frame, not a new page
    finally:
        s.context.close()
