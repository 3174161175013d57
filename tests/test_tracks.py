import json

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.io.tracks import (
    Limits,
    TrackError,
    geometry_from_geojson,
    geometry_from_gpx,
    measure,
    parse_coordinates,
    read_track,
)
from geo.measure import CountryIndex
from tests import common

SQUARES = CountryIndex({"AA": shapely.box(0, 0, 1, 1), "BB": shapely.box(1, 0, 2, 1)})
GPX = b"""<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="0.5" lon="0.5"><ele>100</ele></trkpt><trkpt lat="0.5" lon="1.5"/></trkseg></trk></gpx>"""


def test_line_is_measured_per_country():
    result = measure(parse_coordinates("0.5,0.5 1.5,0.5"), SQUARES)
    assert set(result["by_country_km"]) == {"AA", "BB"}
    assert result["length_km"] == pytest.approx(111.3, rel=1e-3)


def test_polygon_gives_area_and_outline():
    result = measure(geometry_from_geojson({"type": "Polygon", "coordinates": [[[0.2, 0.2], [0.8, 0.2], [0.8, 0.8],
                                                                                  [0.2, 0.2]]]}), SQUARES)
    assert result["area_km2"] > 0 and "AA" in result["by_country_km"]


def test_gpx_track_with_elevation_is_read_in_two_dimensions():
    geometry = geometry_from_gpx(GPX)
    assert geometry.geom_type == "LineString" and not geometry.has_z


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"type": "Point", "coordinates": [1, 2]}, "cannot be measured"),
        ({"type": "LineString", "coordinates": []}, "empty"),
        ({"type": "LineString", "coordinates": [[500000, 4500000], [500100, 4500100]]}, "projected metres"),
        ({"type": "LineString", "coordinates": [[1, 2], ["a", 3]]}, "malformed"),
        ({"type": "LineString", "coordinates": [[1, 2], [250, 3]]}, "outside longitude/latitude"),
        ({"type": "FeatureCollection", "features": []}, "no features"),
        ({"type": "Feature", "geometry": None}, "no geometry"),
        ({"type": "LineString", "coordinates": [[1, 2], [2, 3]],
          "crs": {"type": "name", "properties": {"name": "EPSG:32642"}}}, "CRS"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "not valid"),
        ([], "must be an object"),
    ],
)
def test_bad_geojson_is_refused_with_a_reason(obj, message):
    with pytest.raises(TrackError, match=message):
        geometry_from_geojson(obj)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<gpx><trk><trkseg></trkseg></trk></gpx>", "no track"),
        (b"<gpx><trk>", "malformed GPX"),
        (b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaa">]><gpx>&a;</gpx>', "DOCTYPE"),
        (b'<gpx><trk><trkseg><trkpt lat="x" lon="1"/><trkpt lat="1" lon="1"/></trkseg></trk></gpx>', "numeric"),
    ],
)
def test_bad_gpx_is_refused_with_a_reason(data, message):
    with pytest.raises(TrackError, match=message):
        geometry_from_gpx(data)


def test_files_empty_huge_or_garbage_are_refused(tmp_path):
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(TrackError, match="empty"):
        read_track(empty)
    huge = tmp_path / "huge.geojson"
    huge.write_bytes(b" " * 1001)
    with pytest.raises(TrackError, match="file is 1,001 bytes; at most 1,000"):
        read_track(huge, Limits(bytes=1000, vertices=10, parts=10, features=10))
    garbage = tmp_path / "garbage.geojson"
    garbage.write_bytes(b"\xff\x00garbage")
    with pytest.raises(TrackError, match="not GeoJSON or GPX"):
        read_track(garbage)
    good = tmp_path / "t.geojson"
    good.write_text(json.dumps({"type": "LineString", "coordinates": [[0.5, 0.5], [0.6, 0.6]]}))
    assert read_track(good).geom_type == "LineString"


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.sampled_from(["type", "coordinates", "features", "geometry", "crs"]),
                                      children, max_size=4), max_leaves=20))
def test_any_json_parses_or_raises_track_error(obj):
    try:
        geometry = geometry_from_geojson(obj)
    except TrackError:
        return
    assert not geometry.is_empty


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_coordinate_text_parses_or_raises_track_error(text):
    try:
        assert parse_coordinates(text).geom_type == "LineString"
    except TrackError:
        pass


@pytest.mark.parametrize("crs", [{"properties": {"name": []}}, {"properties": []}, "EPSG:4326", None, 5])
def test_malformed_crs_members_are_refused(crs):
    with pytest.raises(TrackError, match="CRS"):
        geometry_from_geojson({"type": "LineString", "coordinates": [[1, 2], [2, 3]], "crs": crs})


def test_deeply_nested_json_is_refused(tmp_path):
    path = tmp_path / "deep.geojson"
    path.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(TrackError, match="nested too deeply|must be an object"):
        read_track(path)


# --- every named geometry (tests/common.py) as a user's GeoJSON ---------------------------------------------


def as_geojson(geometry) -> dict:
    return json.loads(shapely.to_geojson(geometry))


@pytest.mark.parametrize("name", sorted(common.LINEAR | common.AREAL))
def test_lines_and_polygons_are_read_flat_and_unchanged(name):
    geometry = common.GEOMETRIES[name]
    read = geometry_from_geojson({"type": "Feature", "properties": {}, "geometry": as_geojson(geometry)})
    assert not read.has_z and read.geom_type == geometry.geom_type
    assert read.equals(shapely.force_2d(geometry))


@pytest.mark.parametrize("name", sorted(set(common.NOT_MEASURABLE) - {"linear_ring"}))
def test_points_collections_and_empty_geometry_are_refused(name):
    with pytest.raises(TrackError, match="cannot be measured|empty"):
        geometry_from_geojson(as_geojson(common.GEOMETRIES[name]))


def test_a_ring_arrives_as_a_closed_line():
    # GeoJSON has no ring type: a LinearRing is written as a LineString and measured as one
    read = geometry_from_geojson(as_geojson(common.linear_ring))
    assert read.geom_type == "LineString" and read.is_closed


def test_a_three_dimensional_track_measures_as_its_flat_line():
    world = CountryIndex({"TJ": common.WEST, "KG": common.EAST})
    assert measure(geometry_from_geojson(as_geojson(common.line_string_z)), world) == measure(common.line_string, world)
