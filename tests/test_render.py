"""geo.render: the folium map, checked on its rendered HTML (no browser)."""

from __future__ import annotations

import datetime as dt
import json
import re

import geopandas as gpd
import pytest
import shapely

from geo import render

HOSTILE = ["<img src=x onerror=alert(1)>", '"><script>alert(2)</script>', "`${alert(3)}`", "</script><b>x"]


def frame(records: list[dict], geometry: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(records, geometry=geometry, crs=4326)


def square(x: float, y: float, size: float) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def borders(name: str = "Kyrgyzstan") -> gpd.GeoDataFrame:
    return frame([
        {"id": "kg", "name": name, "names": [name, "Кыргызстан"], "country": "KG", "kind": "country",
         "surrounded_by": None, "area_km2": 191786.3, "sources": ["https://example.org/kg"], "notes": name},
        {"id": "sokh", "name": "Sokh", "names": ["Сох", "Soʻx"], "country": "UZ", "kind": "enclave",
         "surrounded_by": "KG", "area_km2": 226.0, "sources": ["https://example.org/sokh"], "notes": ""},
    ], [shapely.MultiPolygon([square(69, 39, 5)]), shapely.MultiPolygon([square(71, 39.8, 0.2)])])


def boundaries() -> gpd.GeoDataFrame:
    return frame([{"id": "kg-tj", "name": "Kyrgyzstan – Tajikistan", "countries": "KG-TJ", "length_km": 893.1,
                   "official_length_km": 1006.84, "official_length_source": "https://example.org/treaty",
                   "notes": "", "sources": ["https://example.org/b"]}],
                 [shapely.MultiLineString([[(69, 39), (72, 39.5), (74, 39)]])])


def crossings(name: str = "Kyzyl-Bel", source: str = "https://example.org/c", status: str = "open") -> gpd.GeoDataFrame:
    history = [{"date": "2021-05-21", "status": "closed", "traffic": None, "note": "closed " + name,
                "source": source},
               {"date": "2025-03-13", "status": status, "traffic": None, "note": "reopened", "source": source}]
    return frame([{
        "id": "kyzyl-bel", "name": name, "names": [name, "Кызыл-Бел"], "countries": "KG-TJ", "modes": ["rail"],
        "traffic": ["passengers"], "status": status, "status_since": "2025-03-13", "status_note": name,
        "status_source": source, "status_traffic": ["passengers"], "last_verified": "2025-03-13",
        "status_history": history, "coord_source": "estimated", "sources": [source, "javascript:alert(4)"],
        "notes": name,
    }], [shapely.Point(70.68, 40.1)])


def roads(name: str = "Osh – Batken") -> gpd.GeoDataFrame:
    return frame([
        {"id": "kg-osh-batken", "name": name, "soviet_ref": "M41", "refs": ["ЭМ-16", "AH65"], "from_place": "osh",
         "to_place": "batken", "country": "KG", "length_km": 240.0, "drawn_length_km": 221.3,
         "length_method": "cited", "length_source": "https://example.org/len", "run": None, "features": [],
         "geometry_accuracy": "schematic", "sources": ["https://example.org/r"], "notes": name},
        {"id": "kg-a", "name": "Minor road", "soviet_ref": None, "refs": [], "from_place": "a", "to_place": "b",
         "country": "KG", "length_km": 10.0, "drawn_length_km": 10.0, "length_method": "geodesic",
         "length_source": None, "run": None, "features": [], "geometry_accuracy": "schematic", "sources": [],
         "notes": ""},
    ], [shapely.LineString([(72.8, 40.5), (71.5, 40.2), (70.8, 40.06)]), shapely.LineString([(70, 40), (70.1, 40)])])


def pipelines(status: str = "stalled") -> gpd.GeoDataFrame:
    return frame([{
        "id": "cagp-line-d", "name": "Line D", "operator": "Trans-Asia", "status": status,
        "status_since": "2022-01-01", "status_note": "", "last_verified": "2022-01-01",
        "status_history": [{"date": "2022-01-01", "status": status, "note": "", "source": "https://example.org/d"}],
        "capacity_bcm_y": 30.0, "length_km": 1000.0, "length_by_country_km": {"TJ": 400.0, "KG": 215.0},
        "official_length_km": 1000.0, "official_length_by_country_km": {"TJ": 410.0},
        "geometry_accuracy": "schematic", "places": ["Galkynysh"], "sources": ["https://example.org/d"],
        "notes": "",
    }], [shapely.LineString([(62, 37), (68, 38.5), (74, 40)])])


def collections(**overrides: gpd.GeoDataFrame) -> dict:
    layers = {"borders": borders(), "boundaries": boundaries(), "roads": roads(), "pipelines": pipelines(),
              "crossings": crossings()}
    layers.update(overrides)
    out: dict = {}
    for layer_id, layer in layers.items():
        out.update(render.display_layer(layer_id, layer))
    return out


def html_of(cols: dict, **options) -> str:
    opts = render.MapOptions(assets="/app/static/vendor", as_of=dt.date(2025, 8, 1), **options)
    return render.render_html(render.build_map(cols, opts))


def test_default_map_has_every_overlay_control_and_attribution() -> None:
    html = html_of(collections())
    for needle in ("L.control.scale", "L.control.fullscreen", "L.Control.Draw", "geo-legend", "OpenStreetMap",
                   "contributors", "tile.openstreetmap.org", "road-label", "xing-square"):
        assert needle in html, needle


def test_assets_are_local_and_unused_cdn_libraries_are_gone() -> None:
    html = html_of(collections())
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts and all(u.startswith("/app/static/vendor/") for u in scripts)
    assert not any(cdn in html for cdn in ("cdn.jsdelivr", "cdnjs.cloudflare", "code.jquery", "bootstrapcdn"))


def test_basemap_none_has_no_tiles_but_keeps_osm_attribution() -> None:
    html = html_of(collections(), basemap="none")
    assert "L.tileLayer" not in html
    assert "addAttribution" in html and "OpenStreetMap" in html


def test_light_basemap() -> None:
    html = html_of(collections(), basemap="light")
    assert "basemaps.cartocdn.com/light_all" in html and "CARTO" in html


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_escaped_everywhere(hostile: str) -> None:
    cols = collections(borders=borders(hostile), crossings=crossings(hostile), roads=roads(hostile))
    html = html_of(cols)
    assert "<img src=x" not in html
    assert "<script>alert" not in html
    assert "${alert" not in html
    assert "</script><b>" not in html
    assert not re.search(r"href=\\?[\"']?\s*javascript", html, re.I)  # shown as text, never a link
    escaped = render.text(hostile)
    # the escaped text travels inside JSON written by Jinja's tojson (<, >, &, ' as \u escapes)
    as_json = json.dumps(escaped)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026").replace("'", "\\u0027")
    assert as_json in html


def test_text_and_links() -> None:
    assert render.text('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert render.link("javascript:alert(1)", "x") == "x"
    assert render.link("https://e.org/?a=1&b=<2>", "src") == (
        '<a href="https://e.org/?a=1&amp;b=&lt;2&gt;" target="_blank" rel="noopener noreferrer">src</a>')
    assert render.safe_url("https://e.org/a b") is None
    assert render.safe_url("HTTPS://e.org/") == "HTTPS://e.org/"
    assert render.safe_url("//e.org/") is None


def test_popup_has_names_history_lengths_and_sources() -> None:
    col = render.crossings_display(crossings())
    popup = col["features"][0]["properties"]["pop"]
    rows = dict((label, value) for label, value in popup["r"])
    assert "Кызыл-Бел" in rows["Names"]
    assert [h[0] for h in popup["h"]] == ["2021-05-21", "2025-03-13"]
    assert 'href="https://example.org/c"' in popup["h"][0][2] and 'rel="noopener noreferrer"' in popup["h"][0][2]
    assert "javascript" not in rows["Sources"].split("<br>")[1] or "href" not in rows["Sources"].split("<br>")[1]
    road = render.roads_display(roads())[0]["features"][0]["properties"]
    road_rows = dict((label, value) for label, value in road["pop"]["r"])
    assert "240.0 km (cited)" in road_rows["Length"] and "221.3 km" in road_rows["Drawn line (geodesic)"]
    assert "ЭМ-16, AH65" in road["tip"] and "M41" in road["tip"]
    boundary = render.boundaries_display(boundaries())["features"][0]["properties"]
    assert "1,006.8 km" in dict(boundary["pop"]["r"])["Official length"]


def test_crossing_marker_class_follows_status_and_mode() -> None:
    feature = render.crossings_display(crossings(status="closed"))["features"][0]
    assert feature["properties"]["cls"] == "xing xing-closed xing-square"
    odd = render.crossings_display(crossings(status="<b>"))["features"][0]
    assert odd["properties"]["cls"] == "xing xing-unknown xing-square"


def test_pipeline_styles_line_d_prominent_and_dashed_when_stalled() -> None:
    feature = render.pipelines_display(pipelines("stalled"))["features"][0]
    style = render._pipeline_style(feature)
    assert style["weight"] == 6 and style["dashArray"]
    operating = render._pipeline_style(render.pipelines_display(pipelines("operating"))["features"][0])
    assert operating["dashArray"] is None
    assert "schematic" in feature["properties"]["tip"]


def test_enclaves_are_highlighted() -> None:
    features = render.countries_display(borders())["features"]
    kinds = [f["properties"]["kind"] for f in features]
    assert kinds == ["core", "enclave"]
    assert render._country_style(features[1])["fillColor"] != render._country_style(features[0])["fillColor"]


def test_legend_matches_what_is_shown() -> None:
    cols = collections()
    only_roads = render.shown_collections(cols, {"roads"})
    legend = render.legend_html(only_roads, None)
    assert "Roads" in legend and "Crossings" not in legend and "pipelines" not in legend.lower()
    full = render.legend_html(render.shown_collections(cols, render.OVERLAYS), dt.date(2025, 8, 1))
    assert "Crossings on 2025-08-01" in full and "enclave" in full and "Line D" in full and "stalled" in full
    assert "closed" not in full  # no crossing is closed in the data shown
    assert render.legend_html({}, None) == ""


def test_toggling_overlays_changes_the_groups() -> None:
    cols = collections()
    all_groups = render.overlay_groups(cols, render.MapOptions(overlays=frozenset(render.OVERLAYS)))
    some = render.overlay_groups(cols, render.MapOptions(overlays=frozenset({"roads"})))
    assert len(all_groups) == 5  # countries, roads, pipelines, crossings (no places given), legend
    assert [g.layer_name for g in some] == ["Soviet-era trunk roads", "Legend"]


def test_route_is_drawn_with_its_ends_and_comparison_dashed() -> None:
    route = {"from": "khujand", "to": "batken", "as_of": "2023-06-01", "distance_km": 515.2,
             "geometry": {"type": "LineString", "coordinates": [[69.6, 40.3], [70.5, 40.2], [70.8, 40.06]]}}
    second = dict(route, as_of="2025-08-01")
    html = html_of(collections(), draw=False)
    with_route = render.render_html(render.build_map(collections(), render.MapOptions(), [route, second]))
    assert "Route" not in html.split("geo-legend")[0] or "1f4fd1" not in html
    assert "#1f4fd1" in with_route and "8 6" in with_route and "on 2025-08-01 (comparison)" in with_route


def test_display_geometry_simplifies_and_rounds() -> None:
    line = shapely.LineString([(0, 0), (0.5, 0.0001), (1, 0)])
    assert render.display_geometry(line, 0.001).wkt == "LINESTRING (0 0, 1 0)"
    wiggle = shapely.LineString([(0.1234567, 0), (1, 0.98765432)])
    assert render.display_geometry(wiggle, 0.0).coords[0] == (0.12346, 0.0)
    holes = shapely.Polygon(square(0, 0, 10).exterior, [square(1, 1, 0.01).exterior, square(3, 3, 2).exterior])
    kept = render.display_geometry(holes, 0.001, min_area=0.01)
    assert len(kept.interiors) == 1
    assert render.display_geometry(shapely.LineString(), 0.001) is None


def test_real_layers_payload_within_budget(app_layers) -> None:
    from geo import store

    cols = {}
    for layer_id in ("borders", "boundaries", "roads", "pipelines", "crossings"):
        try:
            layer, _ = store.read_layer(layer_id, app_layers)
        except Exception:
            continue
        cols.update(render.display_layer(layer_id, store.redate(layer, dt.date.today())))
    html = html_of(cols)
    assert len(html.encode()) <= 1_500_000


def test_missing_values_from_pandas_are_not_shown_as_nan() -> None:
    layer = roads()
    layer.loc[0, "soviet_ref"] = float("nan")
    lines, labels = render.roads_display(layer)
    assert lines["features"][0]["properties"]["kind"] == "other"
    assert "nan" not in json.dumps(lines) and labels["features"] == []


def test_legend_is_foldable_and_still_escaped() -> None:
    html = html_of(collections(crossings=crossings(HOSTILE[0])))
    legend = html[html.index("geo-legend'"):]
    assert "geo-legend-toggle" in legend and "aria-expanded" in legend and "geoLegendOpen" in legend
    assert "textContent = open ? 'Legend" in legend  # the button's label is never HTML
    assert f">= {render.LEGEND_WIDE_PX}" in legend  # open by default on wide maps only
    assert ".geo-legend.geo-collapsed .geo-legend-body { display: none; }" in html


def test_track_is_drawn_with_an_escaped_tooltip_and_in_the_legend() -> None:
    geometry = {"type": "LineString", "coordinates": [[69.2, 41.3], [69.6, 40.3]]}
    measured = {"type": "LineString", "length_km": 118.2, "by_country_km": {"UZ": 60.0, "TJ": 58.2}}
    display = render.track_display(geometry, HOSTILE[0], measured)
    tip = display["features"][0]["properties"]["tip"]
    assert "<img" not in tip and render.text(HOSTILE[0]) in tip and "118.2 km" in tip and "TJ 58.2 km" in tip
    group = render.track_group(display)
    assert group is not None
    m = render.build_map(collections(), render.MapOptions())
    group.add_to(m)
    html = render.render_html(m)
    assert render.TRACK_COLOUR in html and "<img src=x" not in html
    legend = render.legend_html({}, None, track=HOSTILE[0])
    assert "Your track" in legend and render.text(HOSTILE[0]) in legend and "<img" not in legend
    assert "Your track" not in render.legend_html({}, None)
    assert render.track_group({"type": "FeatureCollection", "features": []}) is None


def test_base_map_does_not_depend_on_the_basemap() -> None:
    def base(basemap: str) -> str:
        return render.render_html(render.base_map(render.MapOptions(basemap=basemap)))

    first = re.sub(r"_[0-9a-f]{32}", "_X", base("osm"))
    assert first == re.sub(r"_[0-9a-f]{32}", "_X", base("light")) == re.sub(r"_[0-9a-f]{32}", "_X", base("none"))
    assert "L.tileLayer" not in first and "OpenStreetMap" in first  # attribution kept without tiles
    assert render.basemap_group("none") is None
    assert render.basemap_group("javascript:alert(1)") is not None  # unknown keys: the default basemap
