"""Tracing schematic segments on a reference network (synthetic networks built in code)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo import reference
from geo.errors import DataError
from geo.measure import geodesic_km
from geo.reference import trace


def graph_of(lines, label="ref 2021"):
    frame = gpd.GeoDataFrame({"class": ["trunk"] * len(lines)}, geometry=lines, crs=4326)
    return reference.build_graph(frame, reference.Dataset(None, label, "2021", (), 30.0))


# Two valleys between A (70.0, 40.0) and B (71.0, 40.0): the schematic road follows the northern one (through
# 70.5, 40.1); a shorter southern road exists too, 15 km away from the schematic line.
A, B = (70.0, 40.0), (71.0, 40.0)
NORTH = shapely.LineString([(70.0, 40.005), (70.25, 40.08), (70.5, 40.11), (70.75, 40.08), (71.0, 40.005)])
SOUTH = shapely.LineString([(70.0, 40.005), (70.5, 39.97), (71.0, 40.005)])
SCHEMATIC = shapely.LineString([A, (70.5, 40.1), B])


def test_the_trace_follows_the_schematic_valley_not_the_shortcut():
    result = trace.trace_segment(graph_of([NORTH, SOUTH]), SCHEMATIC, corridor_km=10)
    assert result.traced and result.source == "ref 2021 (OpenStreetMap 2021)"
    assert result.line.coords[0] == A and result.line.coords[-1] == B  # snapped exactly to the places
    assert result.line.hausdorff_distance(NORTH) < 0.01
    assert geodesic_km(result.line) > geodesic_km(SOUTH)


def test_without_the_schematic_road_the_segment_stays_schematic_with_a_reason():
    result = trace.trace_segment(graph_of([SOUTH]), SCHEMATIC, corridor_km=5)
    assert not result.traced
    assert "corridor" in result.reason


def test_a_trace_much_longer_than_the_schematic_line_is_refused():
    loop = shapely.LineString([(70.0, 40.005), (70.2, 40.45), (70.5, 40.5), (70.8, 40.45), (71.0, 40.005)])
    straight = shapely.LineString([A, B])
    result = trace.trace_segment(graph_of([loop]), straight, corridor_km=60)
    assert not result.traced and "× the schematic" in result.reason


def test_trace_all_prefers_the_first_reference_and_falls_back_to_the_next():
    elsewhere = shapely.LineString([(70.0, 41.5), (71.0, 41.5)])
    first = graph_of([elsewhere], "fine")  # covers, but has no road in the corridor
    second = graph_of([NORTH], "coarse")
    traces = trace.trace_all({"s": SCHEMATIC}, {"s": "KG"}, [first, second], {})
    assert traces["s"].source == "coarse (OpenStreetMap 2021)"
    kept = trace.trace_all({"s": SCHEMATIC}, {"s": "KG"}, [first], {})
    assert not kept["s"].traced and kept["s"].reason.startswith("fine")
    # a preferred reference whose trace detours round a gap gives way to the one that has the road
    detour = shapely.LineString([(70.0, 40.005), (70.25, 40.15), (70.5, 40.2), (70.75, 40.15), (71.0, 40.005)])
    chosen = trace.trace_all({"s": SCHEMATIC}, {"s": "KG"}, [graph_of([detour], "fine"), second], {})
    assert chosen["s"].source == "coarse (OpenStreetMap 2021)"
    assert trace.trace_all({"s": SCHEMATIC}, {"s": "KG"}, [graph_of([NORTH], "fine"), second],
                           {})["s"].source == "fine (OpenStreetMap 2021)"


def test_a_check_can_refuse_a_trace():
    traces = trace.trace_all({"s": SCHEMATIC}, {"s": "KG"}, [graph_of([NORTH])], {},
                             check=lambda sid, line: "runs abroad")
    assert not traces["s"].traced and "runs abroad" in traces["s"].reason


def test_exceptions_keep_a_segment_schematic_and_are_validated(tmp_path):
    path = tmp_path / "trace_exceptions.csv"
    path.write_text("segment,action,value,reason,source\n"
                    "s,schematic,,new motorway since 2021,https://example.org/news\n", encoding="utf-8")
    rules = trace.load_exceptions(path, {"s"})
    traces = trace.trace_all({"s": SCHEMATIC}, {"s": "KG"}, [graph_of([NORTH])], rules)
    assert not traces["s"].traced and "new motorway" in traces["s"].reason
    path.write_text("segment,action,value,reason,source\nt,schematic,,x,\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        trace.load_exceptions(path, {"s"})
    assert "unknown segment" in str(info.value) and len(info.value.problems) == 2
    assert trace.load_exceptions(tmp_path / "absent.csv", {"s"}) == {}
    teeth = [(70.0 + 0.1 * i, 40.005 + 0.15 * (i % 2)) for i in range(11)]  # a zigzag road 2.2× the straight line
    loop = shapely.LineString(teeth)
    path.write_text("segment,action,value,reason,source\ns,max_ratio,2.5,goes round a lake,\n", encoding="utf-8")
    with pytest.raises(DataError, match="source"):  # overruling the ratio needs a source
        trace.load_exceptions(path, {"s"})
    path.write_text("segment,action,value,reason,source\ns,max_ratio,2.5,goes round a lake,https://example.org/lake\n",
                    encoding="utf-8")
    straight = {"s": shapely.LineString([A, B])}
    assert not trace.trace_all(straight, {"s": "KG"}, [graph_of([loop])], {})["s"].traced
    assert trace.trace_all(straight, {"s": "KG"}, [graph_of([loop])], trace.load_exceptions(path, {"s"}))["s"].traced


def test_committed_traces_are_reused_only_while_they_end_at_their_places():
    line = trace.trace_segment(graph_of([NORTH]), SCHEMATIC, corridor_km=10).line
    committed = gpd.GeoDataFrame(
        {"id": ["s", "t"], "geometry_accuracy": ["traced", "schematic"], "geometry_source": ["ref", None],
         "trace_note": [None, "no road"]}, geometry=[line, SCHEMATIC], crs=4326)
    moved = shapely.LineString([(70.0, 40.02), (70.5, 40.1), B])
    kept = trace.from_committed(committed, {"s": SCHEMATIC, "t": SCHEMATIC, "u": SCHEMATIC}, "none found")
    assert kept["s"].traced and kept["s"].line.equals(line) and kept["s"].source == "ref"
    assert kept["t"].reason == "no road" and kept["u"].reason == "none found"
    again = trace.from_committed(committed, {"s": moved}, "none found")
    assert not again["s"].traced and "no longer ends at its places" in again["s"].reason


def test_a_crossing_moves_to_where_its_road_crosses_the_border():
    # countries AA (lat < 40.05) and BB (lat > 40.05); the road crosses the border at lon 70.5
    aa, bb = shapely.box(69.5, 39.5, 71.5, 40.05), shapely.box(69.5, 40.05, 71.5, 40.6)
    road = shapely.LineString([(70.5, 39.8), (70.5, 40.3)])
    graph = graph_of([road])
    old = (70.53, 40.05)  # an estimate 2.5 km east of the road
    through = shapely.LineString([(70.5, 39.8), old, (70.5, 40.3)])
    found = trace.locate_crossing([graph], old, through, (aa.boundary, bb.boundary),
                                  shapely.union(aa, bb), lambda g: True)
    assert found.point == pytest.approx((70.5, 40.05), abs=1e-4)
    assert 2.0 < found.moved_km < 3.0


def test_the_roads_report_lists_shares_mismatches_and_schematic_segments():
    from geo.layers.roads.checks import RunCheck
    from geo.reference.report import roads_report

    line = trace.trace_segment(graph_of([NORTH]), SCHEMATIC, corridor_km=10).line
    roads = gpd.GeoDataFrame({
        "id": ["s", "t"], "country": ["KG", "KG"], "soviet_ref": ["M41", None], "from_place": ["a", "b"],
        "to_place": ["b", "c"], "length_km": [geodesic_km(line), 50.0], "length_method": ["traced", "geodesic"],
        "geometry_accuracy": ["traced", "schematic"], "published_km": [80.0, None],
        "traced_to_published": [geodesic_km(line) / 80.0, None], "length_source": ["https://example.org", None],
        "trace_note": [None, "no road within 15 km"]}, geometry=[line, SCHEMATIC], crs=4326)
    places = gpd.GeoDataFrame({"id": ["a", "b"], "kind": ["town", "town"], "lon": [70.0, 71.3],
                               "lat": [40.0, 40.0]}, geometry=gpd.points_from_xy([70.0, 71.3], [40.0, 40.0]), crs=4326)
    text = "\n".join(roads_report(roads, places, [RunCheck("r", 100.0, 95.0, 0.0)]))
    assert "KG" in text and "M41" in text
    assert "s: traced" in text and "published 80.0 km" in text  # 92 km against 80: more than 10 % apart
    assert "b (town)" in text  # 25 km from the traced road
    assert "t [KG, 50 km, geodesic]: no road within 15 km" in text
    assert "r: published 100 km, network 95 km (×0.95" in text
