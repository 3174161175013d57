"""A dozen browser sessions ask the one app server for routes at once; each gets the command line's answer.

Streamlit runs each session's script in its own thread of the one server process, over shared caches (the layers,
the routing engine). Twelve pages, opened together from links with different places, dates and scenarios, must
each show the route ``geo route`` computes for that link, whatever the others are doing. Uses the app server,
browser and the one wait helper of ``tests/test_browser.py``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from geo.cli import main
from tests.test_browser import Session, browser, server, wait

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["browser", "server"]  # the fixtures, shared with test_browser.py

LINKS = [
    ("dushanbe", "almaty", {}),
    ("tashkent", "bishkek", {"date": "2019-06-01", "optimize": "distance"}),
    ("osh", "khujand", {"date": "2022-06-01"}),
    ("khujand", "batken", {"date": "2023-06-01", "mode": "freight"}),
    ("khujand", "batken", {"date": "2025-06-01", "mode": "freight"}),
    ("samarkand", "osh", {"date": "2024-01-01"}),
    ("dushanbe", "tashkent", {"avoid": "KG"}),
    ("bishkek", "osh", {"optimize": "distance"}),
    ("almaty", "tashkent", {"date": "2020-06-01", "mode": "freight"}),
    ("dushanbe", "khujand", {"date": "2022-03-01"}),
    ("bishkek", "almaty", {"mode": "freight"}),
    ("tashkent", "dushanbe", {"date": "2018-01-01"}),
]
"""Twelve links: different pairs, dates (2018–2025), modes and objectives."""


def cli_route(capsys: pytest.CaptureFixture[str], origin: str, dest: str, options: dict[str, str]) -> dict[str, Any]:
    argv = ["route", origin, dest, "--json"]
    for key, value in options.items():
        argv += [f"--{'as-of' if key == 'date' else key}", value]
    assert main(argv) == 0
    return dict(json.loads(capsys.readouterr().out))


def shown(page: Any) -> tuple[float, float]:
    """Return the road distance (km) and the travel time (h) the page's route metrics show."""
    values = wait(page, """() => {
        const m = [...document.querySelectorAll("[data-testid='stMetric']")];
        const of = (label) => { const e = m.find((x) => x.innerText.startsWith(label));
                                return e ? e.querySelector("[data-testid='stMetricValue']").innerText : null; };
        const km = of('Road distance'), h = of('Travel time');
        return km && h ? [km, h] : null; }""")
    km, hours = (float(v.split()[0].replace(",", "")) for v in values)
    return km, hours


def test_a_dozen_sessions_routing_at_once_all_get_the_cli_answer(browser: Any, server: str, hostile_layers: Any,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GEO_LAYERS_DIR", str(hostile_layers))  # the server's layers
    expected = [cli_route(capsys, origin, dest, options) for origin, dest, options in LINKS]
    sessions = [Session(browser, server) for _ in LINKS]
    try:
        for s, (origin, dest, options) in zip(sessions, LINKS):  # all twelve ask before any answer is read
            query = "&".join(f"{k}={v}" for k, v in {"from": origin, "to": dest, **options}.items())
            s.page.goto(f"{server}/?{query}&basemap=none", wait_until="commit")
        for s, want, link in zip(sessions, expected, LINKS):
            km, hours = shown(s.page)
            assert km == pytest.approx(want["distance_km"], abs=0.501), link  # shown rounded to whole km
            assert hours == pytest.approx(want["duration_h"], abs=0.0501), link  # and to tenths of an hour
            assert s.errors == [], link
    finally:
        for s in sessions:
            s.context.close()
