"""Reading reference road files and joining their lines into a graph."""

from __future__ import annotations

import gzip
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import reference
from geo.errors import DataError

OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="40.00" lon="70.00" version="1"/>
  <node id="2" lat="40.00" lon="70.10" version="1"/>
  <node id="3" lat="40.00" lon="70.20" version="1"/>
  <node id="4" lat="40.10" lon="70.10" version="1"/>
  <node id="5" lat="39.90" lon="70.10" version="1"/>
  <node id="6" lat="39.95" lon="70.30" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="4"/><tag k="highway" v="trunk_link"/></way>
  <way id="12" version="1"><nd ref="2"/><nd ref="5"/><tag k="highway" v="residential"/></way>
  <way id="13" version="1"><nd ref="3"/><nd ref="6"/><tag k="waterway" v="river"/></way>
</osm>
"""


def dataset(path, join_m=30.0):
    return reference.Dataset(path, "test", "2025", (), join_m)


def test_an_osm_extract_is_read_through_gdal_with_road_classes_only(tmp_path):
    path = tmp_path / "tiny.osm"
    path.write_text(OSM, encoding="utf-8")
    lines = reference.read_lines(path)
    assert sorted(lines["class"]) == ["primary", "trunk"]  # trunk_link counts as trunk; residential and rivers out
    graph = reference.build_graph(lines, reference.extract_dataset(path))
    # the link starts at node 2 in the middle of the primary road: one connected network
    assert graph.components == 1
    assert graph.total_km == pytest.approx(8.53 * 2 + 11.1, rel=0.02)
    assert reference.extract_dataset(path).label == "OpenStreetMap extract tiny.osm"


def test_a_gzipped_geojson_with_classes_is_read(tmp_path):
    features = [{"type": "Feature", "properties": {"class": c},
                 "geometry": {"type": "LineString", "coordinates": [[70, 40 + i], [70.5, 40 + i]]}}
                for i, c in enumerate(["motorway", "trunk", "path"])]
    path = tmp_path / "roads.geojson.gz"
    path.write_bytes(gzip.compress(json.dumps({"type": "FeatureCollection", "features": features}).encode()))
    lines = reference.read_lines(path)
    assert list(lines["class"]) == ["motorway", "trunk"]


def test_unreadable_or_empty_reference_is_a_data_error(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(DataError, match="bad.geojson"):
        reference.read_lines(bad)
    with pytest.raises(DataError, match="not found"):
        reference.extract_dataset(tmp_path / "missing.osm.pbf")


def frame(lines, cls="trunk"):
    return gpd.GeoDataFrame({"class": [cls] * len(lines)}, geometry=lines, crs=4326)


def km_east(metres):
    return metres / 1000.0 / 85.39  # degrees of longitude per km at 40° N, roughly


def test_ends_within_the_tolerance_are_joined_and_gaps_bridged_up_to_the_limit():
    a = shapely.LineString([(70.0, 40.0), (70.1, 40.0)])
    b = shapely.LineString([(70.1 + km_east(20), 40.0), (70.2, 40.0)])  # 20 m: a tile edge
    c = shapely.LineString([(70.2 + km_east(1000), 40.0), (70.3, 40.0)])  # 1 km gap: bridged
    d = shapely.LineString([(70.3 + km_east(3500), 40.0), (70.4, 40.0)])  # 3.5 km gap: left
    graph = reference.build_graph(frame([a, b, c, d]), dataset(None))
    assert graph.joined >= 1
    assert [round(b.km, 1) for b in graph.bridges] == [1.0]
    assert graph.components == 2
    assert "1 gaps bridged" in graph.summary()


def test_a_road_ending_beside_another_is_joined_onto_it():
    main = shapely.LineString([(70.0, 40.0), (70.2, 40.0)])
    side = shapely.LineString([(70.1, 40.0003), (70.1, 40.2)])  # ends 33 m north of the main road, between vertices
    graph = reference.build_graph(frame([main, side]), dataset(None, join_m=50))
    assert graph.split == 1 and graph.components == 1 and not graph.bridges
    assert np.isclose(graph.lonlat[:, 0], 70.1, atol=1e-6).sum() >= 2  # the main road was cut at the junction


def test_default_datasets_are_empty_without_the_shared_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_SHARED_DIR", str(tmp_path))
    assert reference.default_datasets() == []
