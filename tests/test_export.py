import datetime as dt
import json

import geopandas as gpd
import pytest
import shapely

from geo.errors import GeoError
from geo.export import dumps, feature_collection, replace_all, rfc7946_geometry, write_atomic


def test_exterior_rings_are_counter_clockwise_and_holes_clockwise():
    clockwise = shapely.Polygon([(0, 0), (0, 2), (2, 2), (2, 0)], holes=[[(0.5, 0.5), (1.5, 0.5), (1.5, 1.5)]])
    rings = rfc7946_geometry(clockwise)["coordinates"]
    assert shapely.LinearRing(rings[0]).is_ccw
    assert not shapely.LinearRing(rings[1]).is_ccw


def test_coordinates_are_rounded_to_six_decimals():
    geometry = rfc7946_geometry(shapely.Point(69.123456789, 41.987654321))
    assert geometry["coordinates"] == [69.123457, 41.987654]


def test_collection_has_metadata_no_crs_and_plain_values():
    frame = gpd.GeoDataFrame({"id": ["a"], "n": [float("nan")], "l": [["x"]], "d": [dt.date(2025, 3, 13)]},
                             geometry=[shapely.Point(1, 2)], crs=4326)
    collection = feature_collection(frame, {"licence": "ODbL-1.0"})
    text = dumps(collection).decode()
    parsed = json.loads(text)
    assert "crs" not in parsed and parsed["metadata"]["licence"] == "ODbL-1.0"
    assert parsed["features"][0]["properties"] == {"id": "a", "n": None, "l": ["x"], "d": "2025-03-13"}


def test_projected_frames_are_refused():
    frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(500000, 4500000)], crs=32642)
    with pytest.raises(GeoError):
        feature_collection(frame, {})


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "x.geojson"
    target.write_text("old")
    write_atomic(target, b"new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["x.geojson"]
    with pytest.raises(GeoError, match="cannot write"):
        write_atomic(tmp_path / "missing" / "x.geojson", b"data")


def test_replace_all_writes_every_file(tmp_path):
    replace_all([(tmp_path / "a", b"1"), (tmp_path / "b", b"2")])
    assert (tmp_path / "a").read_bytes() == b"1" and (tmp_path / "b").read_bytes() == b"2"
