"""The interactive map download (folium HTML): every overlay, attribution, escaping of hostile names."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import shapely
from map_factories import HOSTILE, borders, crossings, frame, layers, roads

from geo.layers import registry
from geo.map.html_export import attribution_text, map_html, popup_html
from geo.map.registry import IDS, OVERLAYS
from geo.map.spec import View
from geo.map.text import text

DAY = dt.date(2025, 8, 1)


def hostile_layers(name: str) -> dict:
    places = frame([{"id": "x", "name": name, "aliases": [name], "kind": "town", "country": "KG", "capital": None}],
                   [shapely.Point(71.0, 40.0)])
    return layers(borders=borders(name), crossings=crossings(name), roads=roads(name), places=places)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_escaped(name: str) -> None:
    page = map_html(hostile_layers(name).__getitem__, IDS, as_of=DAY)
    assert name not in page
    for raw in ("<img", "<script>alert", "<script>window", "</script><b>", "${window"):
        assert raw not in page
    assert not re.search(r'href=\\?["\']javascript', page)
    assert "alert(" in page  # the name is shown, as text


def test_hostile_name_never_reaches_markup_unescaped() -> None:
    page = map_html(hostile_layers(HOSTILE[0]).__getitem__, IDS, as_of=DAY)
    assert "<img" not in page
    assert "onerror=window.__xss=1;alert(1)" in page  # present, as text
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert all("<img" not in s for s in scripts)


def test_every_overlay_and_attribution_present() -> None:
    page = map_html(layers().__getitem__, IDS, as_of=DAY, view=View(40.5, 71.0, 7))
    for spec in OVERLAYS:
        assert text(spec.title) in page
    for name in ("Kyzyl-Bel", "Osh \\u2013 Batken", "Line D", "Osh", "Kyrgyzstan"):
        assert name in page
    assert "© OpenStreetMap contributors" in page
    for layer_id in ("borders", "boundaries", "roads", "pipelines", "crossings", "places"):
        assert text(registry.get(layer_id).attribution) in page
    assert "attributionControl.addAttribution" in page
    assert "Statuses as of 2025-08-01" in page
    assert "[40.5, 71.0]" in page
    assert "xing-circle" in page or "xing-square" in page  # crossing markers shaped as on the live map


def test_only_chosen_overlays_and_the_route() -> None:
    route = {"geometry": {"type": "LineString", "coordinates": [[69.6, 40.3], [70.8, 40.06]]}, "from": "khujand",
             "to": "batken", "from_name": HOSTILE[1], "to_name": "Batken", "distance_km": 150.2,
             "as_of": "2025-08-01"}
    page = map_html(layers().__getitem__, ["crossings"], as_of=DAY, routes=[route])
    assert text("Border crossings") in page and "Soviet-era trunk roads" not in page
    assert "150.2 km" in page and HOSTILE[1] not in page and "alert(2)" in page
    assert text(registry.get("roads").attribution) in page  # the route is drawn on the roads


def test_the_page_links_no_script_or_style_from_elsewhere() -> None:
    page = map_html(layers().__getitem__, IDS, as_of=DAY)
    assert not re.findall(r'<script[^>]+src="(?!data:)', page)
    assert not re.findall(r'<link[^>]+rel="stylesheet"', page)
    assert 'src="data:text/javascript;base64,' in page and ".leaflet-pane" in page  # Leaflet inside the file


def test_attribution_text_and_popup_layout() -> None:
    assert attribution_text(["roads", "roads"]).count(registry.get("roads").attribution) == 1
    markup = popup_html({"t": "T", "r": [["a", "b"]], "h": [["2021-01-01", "closed", "note"]]})
    assert "Status history" in markup and "<td>2021-01-01</td>" in markup
    linked = popup_html({"t": "T", "r": [["Sources", '<a href="https://e.org/">e.org</a>']]})
    assert '<a target="_blank" rel="noopener noreferrer" href="https://e.org/">e.org</a>' in linked
