"""geo.map.document, legend and prepare: the protocol document, its legend and the standalone page."""

from __future__ import annotations

import datetime as dt
import json
import re

from map_factories import HOSTILE, layers

from geo.map import document as doc
from geo.map import legend
from geo.map.document import page_html
from geo.map.geometry import BANDS
from geo.map.prepare import build_document, prepare, status_epoch
from geo.map.registry import OVERLAYS

DAY = dt.date(2025, 8, 1)
ROUTE = {"from": "khujand", "to": "batken", "as_of": "2023-06-01", "distance_km": 515.2,
         "geometry": {"type": "LineString", "coordinates": [[69.6, 40.3], [70.5, 40.2], [70.8, 40.06]]}}


def prepared(ids=None):
    frames = layers()
    return [prepare(s, frames, BANDS[0]) for s in OVERLAYS if ids is None or s.id in ids]


def test_document_has_groups_in_order_and_a_legend_of_what_is_shown() -> None:
    full = build_document(prepared(), as_of=DAY)
    assert [g["id"] for g in full.groups] == ["countries", "roads", "pipelines", "crossings", "places"]
    assert "Crossings on 2025-08-01" in full.legend and "enclave" in full.legend and "Line D" in full.legend
    assert "stalled" in full.legend and "closed" not in full.legend  # no crossing is closed in the data shown
    only_roads = build_document(prepared({"roads"}), as_of=DAY)
    assert [g["id"] for g in only_roads.groups] == ["roads"]
    assert "Roads" in only_roads.legend and "Crossings" not in only_roads.legend
    assert "pipelines" not in only_roads.legend.lower()
    assert build_document([], as_of=DAY).legend == ""


def test_route_group_and_legend_only_with_a_route() -> None:
    without = build_document(prepared(), as_of=DAY)
    assert "route" not in [g["id"] for g in without.groups] and "<b>Route</b>" not in without.legend
    second = dict(ROUTE, as_of="2025-08-01")
    with_route = build_document(prepared(), as_of=DAY, routes=[ROUTE, second])
    route = json.loads(with_route.groups[-1]["json"])
    assert with_route.groups[-1]["id"] == "route"
    assert [p["fc"]["features"][0]["properties"]["k"] for p in route["parts"]] == [["route2"], ["route"]]
    assert route["parts"][0]["styles"]["route2"]["dashArray"] == "8 6"
    assert route["parts"][1]["styles"]["route"]["color"] == "#1f4fd1"
    assert len(route["parts"][1]["fc"]["features"]) == 3  # the line and its two ends
    assert "on 2023-06-01" in with_route.legend and "on 2025-08-01 (comparison)" in with_route.legend


def test_alternatives_are_drawn_over_the_route_each_in_its_own_style() -> None:
    from geo.map import extras

    alternatives = [dict(ROUTE, distance_km=520.0 + n, duration_h=9.5 + n, name="<b>x</b>") for n in range(3)]
    alternatives.append(dict(ROUTE, geometry=None))  # no line: not drawn, not in the legend
    document = build_document(prepared(), as_of=DAY, routes=[dict(ROUTE, alternatives=alternatives)])
    route = json.loads(document.groups[-1]["json"])
    keys = [p["fc"]["features"][0]["properties"]["k"] for p in route["parts"]]
    assert keys == [["route"], ["alt3"], ["alt2"], ["alt1"]]  # the first alternative on top
    looks = {(s.style["color"], s.style.get("dashArray")) for s in (extras.ROUTE, *extras.ALTERNATIVES)}
    assert len(looks) == 4 and set(extras.LOOKS) >= {s.key for s in (extras.ROUTE, *extras.ALTERNATIVES)}
    assert "Alternative 1" in route["parts"][-1]["fc"]["features"][0]["properties"]["tip"]
    assert "9.5 h" in route["parts"][-1]["fc"]["features"][0]["properties"]["tip"]
    assert all(document.legend.count(f"alternative {n}") == 1 for n in (1, 2, 3))
    one = build_document(prepared(), as_of=DAY, routes=[dict(ROUTE, alternatives=alternatives[:1])])
    assert "alternative 1" in one.legend and "alternative 2" not in one.legend


def test_track_is_drawn_with_an_escaped_tooltip_and_in_the_legend() -> None:
    from geo.map.extras import track_display

    geometry = {"type": "LineString", "coordinates": [[69.2, 41.3], [69.6, 40.3]]}
    measured = {"type": "LineString", "length_km": 118.2, "by_country_km": {"UZ": 60.0, "TJ": 58.2}}
    display = track_display(geometry, HOSTILE[0], measured)
    tip = display["features"][0]["properties"]["tip"]
    assert "<img" not in tip and "118.2 km" in tip and "TJ 58.2 km" in tip
    document = build_document([], as_of=None, track=(HOSTILE[0], display))
    assert [g["id"] for g in document.groups] == ["track"]
    assert "Your track" in document.legend and "<img" not in document.legend
    empty = {"type": "FeatureCollection", "features": []}
    assert build_document([], as_of=None, track=("x", empty)).groups == []


def test_legend_colours_come_from_the_palettes() -> None:
    from geo.map.overlays import roads

    section = legend.section(roads.SPEC, {"soviet"}, None)
    assert roads.PALETTE[0].style["color"] in section and roads.PALETTE[1].style["color"] not in section
    assert legend.section(roads.SPEC, set(), None) == ""


def test_base_map_does_not_depend_on_basemap_or_overlays() -> None:
    base = doc.base_config()
    assert base["view"] == [41.0, 66.5, 5] and base["draw"] and base["bands"] == [b.max_zoom for b in BANDS]
    assert "OpenStreetMap" in base["attribution"][0]
    assert any("GeoNames" in a for a in base["attribution"])  # from the places and roads layer specs
    assert ".xing-open { background: #009E73; --glyph: '✓'; }" in base["css"]
    assert doc.basemap_config("none") is None
    assert "cartocdn" in doc.basemap_config("light")["url"]
    assert doc.basemap_config("javascript:alert(1)") == doc.basemap_config("osm")


def test_attribution_holders_from_layer_specs() -> None:
    assert doc.holders("© OpenMapTiles; © OpenStreetMap contributors (via x)") == [
        "OpenMapTiles", "OpenStreetMap contributors"]
    assert doc.attribution_html([]) == [doc.OSM_ATTRIBUTION_HTML]


def test_status_epoch() -> None:
    history = [[{"date": "2021-05-21"}, {"date": "2025-03-13"}], None, [{"date": "2023-01-01"}]]
    assert status_epoch(history, dt.date(2024, 1, 1)) == "2023-01-01"
    assert status_epoch(history, dt.date(2020, 1, 1)) == ""
    assert status_epoch(history, dt.date(2025, 3, 13)) == "2025-03-13"


def test_standalone_page_uses_local_assets_and_escapes_the_document() -> None:
    frames = layers()
    from map_factories import crossings

    frames["crossings"] = crossings(HOSTILE[3])
    document = build_document([prepare(s, frames, BANDS[0]) for s in OVERLAYS], as_of=DAY)
    html = page_html(document, assets="/static/map")
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(s.startswith("/static/map/") for s in scripts)
    assert "</script><b>" not in html and html.count("</script>") == len(scripts) + 1
    assert not any(cdn in html for cdn in ("cdn.jsdelivr", "cdnjs.cloudflare", "code.jquery", "bootstrapcdn"))


def test_group_key_changes_with_content_only() -> None:
    one, two = prepared({"roads"})[0].group, prepared({"roads"})[0].group
    assert one == two
    closer = prepare(OVERLAYS[1], layers(), BANDS[2]).group
    assert closer is not None and closer["key"] != one["key"]
    assert doc.group("roads", [], {}) is None


PAYLOAD_BUDGET = 1_150_000
"""The default view's document, as scripts/bench_app.py measures it: 1 MB until the crossings' 2018–2026 history
with its evidence (issue 17) doubled the popups' dated facts (0.94 → 1.09 MB)."""


def test_real_layers_default_view_within_budget(app_layers) -> None:
    from geo.layers import store
    from geo.map.prepare import dated_frames
    from geo.map.registry import DEFAULT_OVERLAYS

    def read(layer_id: str):
        return store.read_layer(layer_id, app_layers)[0]

    shown = [prepare(s, dated_frames(s, read, dt.date.today()), BANDS[0]) for s in OVERLAYS
             if s.id in DEFAULT_OVERLAYS]
    size = len(json.dumps(build_document(shown, as_of=dt.date.today()).args()).encode())
    assert size <= PAYLOAD_BUDGET, size
