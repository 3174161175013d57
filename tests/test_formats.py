import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

import defusedxml.ElementTree as DET
import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import GeoError, UsageError
from geo.io import formats
from geo.layers import registry, store
from tests.common import HOSTILE

KML_NS = "{http://www.opengis.net/kml/2.2}"
HOSTILE_NAME = HOSTILE[4]  # markup and XML's CDATA end
AS_OF = dt.date(2023, 6, 1)


def crossings_frame(name: str = "Kyzyl-Bel – Guliston") -> gpd.GeoDataFrame:
    """Two crossings shaped like the real layer (every column of the spec)."""
    history = [
        {"date": "2020-03-17", "status": "restricted", "traffic": None, "note": "COVID", "source": "https://a.example/1"},
        {"date": "2021-05-21", "status": "closed", "traffic": None, "note": "conflict", "source": "https://a.example/2"},
        {"date": "2025-03-13", "status": "open", "traffic": ["freight"], "note": "reopened",
         "source": "https://a.example/3"},
    ]
    rows = []
    for cid, cname, point in (("kb", name, (70.68, 40.10)), ("ka", "Kairagach", (69.93, 40.19))):
        rows.append({c: None for c in registry.get("crossings").properties} | {
            "id": cid, "name": cname, "names": [cname, "Кызыл-Бел"], "countries": "KG-TJ", "modes": ["road"],
            "traffic": ["passengers", "freight"], "status": "closed", "status_since": "2021-05-21",
            "status_note": "conflict", "status_source": "https://a.example/2", "status_traffic": ["passengers"],
            "last_verified": "2025-03-13", "status_history": history, "coord_source": "estimated",
            "sources": ["https://a.example/1", "https://a.example/2"], "notes": "", "status_access": "unknown",
            "border_times": [{"date": "2020-01-01", "traffic": "freight", "hours": 5.0, "source": "default"}],
            "geometry": shapely.Point(point),
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)


def pipelines_frame() -> gpd.GeoDataFrame:
    spec = registry.get("pipelines")
    row = {c: None for c in spec.properties}
    row.update({"id": "line-x", "name": "Line X", "status": "stalled", "length_km": 10.5,
                "length_by_country_km": {"KZ": 7.5, "??": 3.0}, "status_history": [],
                "official_length_by_country_km": {"KZ": 8.0}, "places": ["A", "B"], "sources": ["https://b.example"]})
    return gpd.GeoDataFrame([row], geometry=[shapely.LineString([(70, 40), (71, 41)])], crs=4326)


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_every_format_round_trips_through_pyogrio(tmp_path: Path, fmt: str) -> None:
    frame = crossings_frame()
    path = tmp_path / f"crossings{formats.SUFFIXES[fmt]}"
    formats.write_layer(frame, "crossings", path, fmt, sources=["https://a.example/1"], as_of=AS_OF)
    back = pyogrio.read_dataframe(path)
    assert len(back) == 2
    assert list(back.geometry.geom_type) == ["Point", "Point"]
    assert back.geometry.x.round(5).tolist() == [70.68, 69.93]
    name_column = "Name" if fmt == "kml" else "name"
    assert back[name_column].tolist() == ["Kyzyl-Bel – Guliston", "Kairagach"]
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left behind


@pytest.mark.parametrize("fmt", ["gpkg", "fgb"])
def test_lists_and_objects_are_json_text_in_binary_formats(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"p.{fmt}"
    formats.write_layer(pipelines_frame(), "pipelines", path, fmt)
    back = pyogrio.read_dataframe(path)
    assert json.loads(back.loc[0, "length_by_country_km"]) == {"KZ": 7.5, "??": 3.0}
    assert json.loads(back.loc[0, "places"]) == ["A", "B"]


def test_geopackage_layer_metadata_holds_licence_attribution_and_sources(tmp_path: Path) -> None:
    path = tmp_path / "c.gpkg"
    spec = registry.get("crossings")
    formats.write_layer(crossings_frame(), "crossings", path, "gpkg", sources=["https://a.example/1"], as_of=AS_OF)
    metadata = pyogrio.read_info(path, layer="crossings")["layer_metadata"]
    assert metadata["LICENCE"] == spec.licence == "ODbL-1.0"
    assert metadata["ATTRIBUTION"] == spec.attribution
    assert "© OpenStreetMap contributors" in metadata["ATTRIBUTION"]
    assert metadata["SOURCES"] == "https://a.example/1"
    assert metadata["AS_OF"] == "2023-06-01"
    # gpkg_contents.identifier/description: the title and abstract QGIS shows in the layer's properties
    with sqlite3.connect(path) as db:
        identifier, text = db.execute("SELECT identifier, description FROM gpkg_contents "
                                      "WHERE table_name = 'crossings'").fetchone()
    assert identifier == spec.title
    assert "Licence: ODbL-1.0" in text and "© OpenStreetMap contributors" in text and "https://a.example/1" in text


def test_flatgeobuf_header_holds_the_licence(tmp_path: Path) -> None:
    path = tmp_path / "c.fgb"
    formats.write_layer(crossings_frame(), "crossings", path, "fgb", as_of=AS_OF)
    metadata = pyogrio.read_info(path)["layer_metadata"]
    assert metadata["LICENCE"] == "ODbL-1.0" and "OpenStreetMap" in metadata["DESCRIPTION"]


def test_hostile_names_make_well_formed_escaped_kml(tmp_path: Path) -> None:
    path = tmp_path / "c.kml"
    formats.write_layer(crossings_frame(HOSTILE_NAME), "crossings", path, "kml", as_of=AS_OF)
    raw = path.read_bytes()
    assert b"<script>" not in raw and b"]]>" not in raw
    root = DET.fromstring(raw)  # raises on malformed XML
    placemarks = root.findall(f".//{KML_NS}Placemark")
    assert len(placemarks) == 2
    assert placemarks[0].findtext(f"{KML_NS}name") == HOSTILE_NAME
    description = placemarks[0].findtext(f"{KML_NS}description") or ""
    # Google Earth renders the description as HTML: the name must arrive HTML-escaped, never as markup
    assert "<script" not in description and "&lt;script&gt;" in description
    assert '<a href="https://a.example/2">' in description
    assert "OpenStreetMap" in description
    assert pyogrio.read_dataframe(path)["Name"].tolist()[0] == HOSTILE_NAME


def test_csv_has_wkt_and_readable_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    formats.write_layer(crossings_frame(), "crossings", path, "csv", as_of=AS_OF)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert table.columns[0] == "WKT" and table.loc[0, "WKT"] == "POINT (70.68 40.1)"
    assert table.loc[0, "names"] == "Kyzyl-Bel – Guliston; Кызыл-Бел"
    assert table.loc[0, "status_history"] == "2020-03-17 restricted; 2021-05-21 closed; 2025-03-13 open (freight)"
    assert set(table["licence"]) == {"ODbL-1.0"} and "OpenStreetMap" in table.loc[0, "attribution"]
    assert len(table) == 2


def test_csv_expands_per_country_figures_into_columns(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    formats.write_layer(pipelines_frame(), "pipelines", path, "csv")
    table = pd.read_csv(path)
    assert table.loc[0, "length_by_country_km_KZ"] == 7.5
    assert table.loc[0, "length_by_country_km_outside"] == 3.0
    assert table.loc[0, "official_length_by_country_km_KZ"] == 8.0
    assert "length_by_country_km" not in table.columns


def test_history_csv_has_one_row_per_dated_fact(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    assert formats.write_history_csv(crossings_frame(), path) == 6
    back = pyogrio.read_dataframe(path)
    assert list(back.columns) == ["id", "name", "countries", "date", "status", "traffic", "note", "source", "published",
                                  "evidence", "kind"]
    assert back["date"].tolist()[:3] == ["2020-03-17", "2021-05-21", "2025-03-13"]
    assert back["traffic"].tolist()[2] == "freight"
    assert all(back["source"].str.startswith("https://"))


def test_history_of_a_layer_without_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no status history"):
        formats.history_table(pd.DataFrame({"id": ["a"], "name": ["b"]}))


def test_unwritable_target_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(GeoError, match="cannot write"):
        formats.write_layer(crossings_frame(), "crossings", tmp_path / "missing" / "c.gpkg", "gpkg")
    assert list(tmp_path.iterdir()) == []


def test_format_is_taken_from_the_suffix_when_not_chosen() -> None:
    assert formats.format_of(Path("x.FGB"), None) == "fgb"
    assert formats.format_of(Path("x.json"), None) == "geojson"
    assert formats.format_of(None, None) == "geojson"


@pytest.mark.parametrize(("path", "chosen", "message"), [
    ("x.txt", None, "-o x.txt: .txt names no export format: end the file in .geojson, .gpkg, .kml, .csv, .fgb"),
    ("x.pdf", None, ".pdf names no export format"),
    ("x", None, "no suffix names no export format"),
    ("x.kml", "gpkg", "-o x.kml: a gpkg file must end in .gpkg, not .kml"),
    ("x.geojson", "csv", "a csv file must end in .csv, not .geojson"),
])
def test_a_suffix_the_format_does_not_match_is_refused(path: str, chosen: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        formats.format_of(Path(path), chosen)


ROUTE = shapely.LineString([(69.6, 40.28), (70.2, 40.1), (70.82, 40.06)])
ROUTE_PROPS = {"from": "Khujand", "to": "Batken", "as_of": "2025-08-01", "distance_km": 250.4,
               "by_country_km": {"TJ": 120.0, "KG": 130.4}, "crossings": [{"name": "Kyzyl-Bel", "status": "open"}],
               "warnings": [], "roads": [{"name": "M41", "length_km": 1.0}]}


@pytest.mark.parametrize("fmt", formats.ROUTE_FORMATS)
def test_route_round_trips_in_every_route_format(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"route{formats.SUFFIXES[fmt]}"
    formats.write_route(ROUTE, ROUTE_PROPS, path, fmt)
    layer = "routes" if fmt == "gpx" else None
    back = pyogrio.read_dataframe(path, layer=layer)
    assert len(back) == 1
    line = back.geometry.iloc[0]
    assert line.geom_type in ("LineString", "MultiLineString")
    coords = list(shapely.get_coordinates(line))
    assert len(coords) == 3 and tuple(coords[-1]) == pytest.approx((70.82, 40.06))
    text = path.read_text(encoding="utf-8")
    assert "Khujand → Batken" in text and "OpenStreetMap" in text and "250.4 km" in text
    if fmt == "kml":
        assert "<LineStyle><color>FFB27200</color><width>4</width>" in text  # KML colours are aabbggrr


def test_route_geojson_keeps_nested_properties() -> None:
    parsed = json.loads(formats.route_geojson(ROUTE, ROUTE_PROPS))
    feature = parsed["features"][0]
    assert feature["properties"]["crossings"] == [{"name": "Kyzyl-Bel", "status": "open"}]
    assert "OpenStreetMap" in parsed["metadata"]["attribution"]


def test_route_with_hostile_name_is_well_formed_kml_and_gpx(tmp_path: Path) -> None:
    props = {**ROUTE_PROPS, "name": HOSTILE_NAME}
    for fmt in ("kml", "gpx"):
        path = tmp_path / f"r.{fmt}"
        formats.write_route(ROUTE, props, path, fmt)
        root = DET.fromstring(path.read_bytes())
        names = [e.text for e in root.iter() if e.tag.endswith("}name")]
        assert HOSTILE_NAME in names


def test_route_needs_a_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        formats.write_route(shapely.Point(1, 2), ROUTE_PROPS, tmp_path / "r.gpx", "gpx")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        formats.write_route(ROUTE, ROUTE_PROPS, tmp_path / "r.shp", "shp")


@pytest.mark.parametrize("layer_id", registry.ids())
def test_real_layers_round_trip_as_csv_and_gpkg(tmp_path: Path, layer_id: str) -> None:
    frame, metadata = store.read_layer(layer_id)
    frame = store.redate(frame, AS_OF)
    for fmt in ("csv", "gpkg"):
        path = tmp_path / f"{layer_id}.{fmt}"
        formats.write_layer(frame, layer_id, path, fmt, sources=metadata.get("sources", []), as_of=AS_OF)
        back = pyogrio.read_dataframe(path)
        assert len(back) == len(frame)
        assert back["id"].tolist() == frame["id"].tolist()


# --- geo export ------------------------------------------------------------------------------------------------------


def run(argv: list[str]) -> int:
    from geo.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_export_csv_with_history_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, history = tmp_path / "crossings.csv", tmp_path / "history.csv"
    assert run(["export", "crossings", "-o", str(out), "--history", str(history), "--as-of", "2023-06-01"]) == 0
    crossings = pyogrio.read_dataframe(out)
    facts = pd.read_csv(history, dtype=str, keep_default_na=False)
    real, _ = store.read_layer("crossings")
    assert len(crossings) == len(real)
    assert len(facts) == sum(len(h) for h in real["status_history"])
    kyzyl_bel = crossings[crossings["id"] == "kyzyl-bel"].iloc[0]
    assert kyzyl_bel["status"] == "closed"  # on 2023-06-01
    assert (facts[facts["id"] == "kyzyl-bel"]["date"] == "2025-03-13").any()
    assert "dated status facts" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", ["kml", "fgb", "gpkg"])
def test_export_format_follows_the_suffix(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"pipelines.{suffix}"
    assert run(["export", "pipelines", "-o", str(out)]) == 0
    info = pyogrio.read_info(out)
    assert info["features"] == 4
    assert info["driver"] in {"kml": ("KML", "LIBKML"), "fgb": ("FlatGeobuf",), "gpkg": ("GPKG",)}[suffix]


def test_exported_geopackage_carries_the_real_layer_sources(tmp_path: Path) -> None:
    out = tmp_path / "x.gpkg"
    assert run(["export", "crossings", "--format", "gpkg", "-o", str(out)]) == 0
    metadata = pyogrio.read_info(out)["layer_metadata"]
    _, layer_metadata = store.read_layer("crossings")
    assert metadata["SOURCES"].split("\n") == layer_metadata["sources"]
    assert metadata["LICENCE"] == "ODbL-1.0"


@pytest.mark.parametrize(("argv", "message"), [
    (["export", "roads", "-o", "{t}/r.csv", "--history", "{t}/h.csv"], "has no status history"),
    (["export", "crossings", "-o", "{t}/c.kml", "--history", "{t}/h.csv"], "--history goes with --format csv"),
    (["export", "crossings", "--format", "kml"], "needs -o PATH"),
    (["export", "crossings", "-o", "{t}/missing/c.gpkg"], "does not exist"),
    (["export", "crossings", "-o", "{t}/c.csv", "--history", "{t}/missing/h.csv"], "does not exist"),
    (["export", "crossings", "--format", "shp", "-o", "{t}/c.shp"], "invalid choice"),
])
def test_bad_export_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                                     message: str) -> None:
    assert run([a.format(t=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) <= 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", formats.ROUTE_FORMATS)
def test_a_real_route_writes_in_every_route_format(tmp_path: Path, fmt: str) -> None:
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario

    route = RouteEngine.load().route("Khujand", "Batken", Scenario(as_of=dt.date(2025, 8, 1)))
    path = tmp_path / f"route{formats.SUFFIXES[fmt]}"
    formats.write_route(route.geometry, route.to_dict(), path, fmt)
    back = pyogrio.read_dataframe(path, layer="routes" if fmt == "gpx" else None)
    coords = shapely.get_coordinates(back.geometry.iloc[0])
    assert len(coords) == len(route.geometry.coords)
    assert coords[0] == pytest.approx(route.geometry.coords[0], abs=1e-6)
    text = path.read_text(encoding="utf-8")
    assert f"{route.distance_km:,.1f} km by road as of 2025-08-01" in text
    assert "Kyzyl-Bel" in text


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_layer_bytes_match_the_written_file(tmp_path: Path, fmt: str) -> None:
    data = formats.layer_bytes(crossings_frame(), "crossings", fmt, as_of=AS_OF)
    path = tmp_path / f"c{formats.SUFFIXES[fmt]}"
    path.write_bytes(data)
    assert len(pyogrio.read_dataframe(path)) == 2


def test_route_and_history_bytes() -> None:
    assert formats.route_bytes(ROUTE, ROUTE_PROPS, "gpx").startswith(b"<?xml")
    assert formats.history_csv_bytes(crossings_frame()).startswith(b"id,name,countries,date")
    with pytest.raises(UsageError):
        formats.route_bytes(ROUTE, ROUTE_PROPS, "shp")
