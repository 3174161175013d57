import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.errors import GeoError
from geo.io.geojson import dumps, feature_collection, json_value, replace_all, rfc7946_geometry, to_json, write_atomic
from tests import common


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
    replace_all(tmp_path, [("a", b"1"), ("b", b"2")])
    assert (tmp_path / "a").read_bytes() == b"1" and (tmp_path / "b").read_bytes() == b"2"


# --- every named geometry (tests/common.py) ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(common.GEOMETRIES) - set(common.EMPTY)))
def test_every_geometry_type_round_trips_flat_within_the_rounding(name):
    geometry = common.GEOMETRIES[name]
    written = rfc7946_geometry(geometry)
    back = shapely.from_geojson(json.dumps(written))
    assert not back.has_z  # the layers are 2-D; heights are not exported
    assert shapely.equals_exact(shapely.normalize(back), shapely.normalize(shapely.force_2d(geometry)), 1e-6) or (
        name == "linear_ring" and back.geom_type == "LineString")


@pytest.mark.parametrize("name", sorted(common.AREAL))
def test_every_polygon_is_written_counter_clockwise(name):
    written = shapely.from_geojson(json.dumps(rfc7946_geometry(common.GEOMETRIES[name])))
    for polygon in shapely.get_parts(written):
        assert polygon.exterior.is_ccw and all(not ring.is_ccw for ring in polygon.interiors)


@pytest.mark.parametrize("name", sorted(common.EMPTY))
def test_empty_geometry_has_empty_coordinates(name):
    written = rfc7946_geometry(common.EMPTY[name])
    assert written["type"] == common.EMPTY[name].geom_type
    assert written.get("coordinates", written.get("geometries")) == []


# --- strict JSON: the one place values become JSON-safe ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (float("nan"), None), (float("inf"), None), (-np.inf, None), (np.float32("nan"), None), (pd.NA, None),
        (pd.NaT, None), (np.int64(7), 7), (np.bool_(True), True), (np.float64(1.5), 1.5),
        (dt.date(2025, 3, 13), "2025-03-13"), (np.array([1.0, np.nan]), [1.0, None]),
        ({"a": (1, frozenset({"b", "a"}))}, {"a": [1, ["a", "b"]]}),
    ],
)
def test_json_value_makes_values_json_safe(value, expected):
    assert json_value(value) == expected


def test_to_json_never_writes_nan_or_infinity():
    text = to_json({"capital": float("nan"), "km": [1.0, float("inf")], "when": pd.NaT})
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c)) == {"capital": None, "km": [1.0, None],
                                                                         "when": None}


def test_to_json_refuses_what_json_cannot_express():
    with pytest.raises(TypeError):
        to_json({"x": object()})


def test_a_layer_with_missing_values_dumps_strictly():
    frame = gpd.GeoDataFrame({"id": ["a", "b"], "capital": [None, "national"], "km": [np.nan, 2.0]},
                             geometry=[common.point, common.line_string], crs=4326)
    text = dumps(feature_collection(frame, {"licence": "ODbL-1.0", "x": float("nan")})).decode()
    parsed = json.loads(text, parse_constant=lambda c: pytest.fail(c))
    assert [f["properties"]["km"] for f in parsed["features"]] == [None, 2.0] and parsed["metadata"]["x"] is None
