import datetime as dt
import itertools

import networkx as nx
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import NoRouteError, UsageError
from geo.routing import RouteEngine
from geo.routing.graph import CrossingInfo, Edge, RoadGraph, Scenario
from geo.routing.names import NameIndex

DAY = dt.date(2024, 1, 1)


def edge(eid: str, a, b, km: float, country="AA") -> Edge:
    return Edge(eid, eid, None, (), country, km, "geodesic", shapely.LineString([a, b]), ())


def engine_from(nodes, edges, crossings=()) -> RouteEngine:
    infos = {c: CrossingInfo(c, c, "AA-BB", ("passengers", "freight"),
                             ({"date": "2020-01-01", "status": "open", "note": "", "source": None},))
             for c in crossings}
    graph = RoadGraph(nodes, edges, infos)
    return RouteEngine(graph, NameIndex((n, n, []) for n in nodes))


@st.composite
def small_graphs(draw):
    n = draw(st.integers(3, 7))
    nodes = {f"p{i}": (i * 0.1, (i % 3) * 0.1) for i in range(n)}
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=14))
    edges = []
    for k, (a, b) in enumerate(pairs):
        if a == b:
            continue
        km = draw(st.floats(0.5, 100, allow_nan=False))
        edges.append((f"p{a}", f"p{b}", edge(f"e{k}", nodes[f"p{a}"], nodes[f"p{b}"], km)))
    gates = draw(st.sets(st.sampled_from(sorted(nodes)), max_size=2))
    return nodes, edges, gates


def brute_force(nodes, edges, blocked, a, b):
    """Shortest path length by enumerating every simple path (tiny graphs only)."""
    graph = nx.MultiGraph()
    graph.add_nodes_from(nodes)
    for u, v, e in edges:
        graph.add_edge(u, v, w=e.length_km)
    best = None
    for path in nx.all_simple_paths(graph, a, b):
        if any(p in blocked for p in path[1:-1]):
            continue
        total = sum(min(d["w"] for d in graph.get_edge_data(u, v).values()) for u, v in zip(path, path[1:]))
        best = total if best is None else min(best, total)
    return best


@settings(max_examples=150, deadline=None)
@given(small_graphs(), st.data())
def test_shortest_route_equals_brute_force(graph, data):
    nodes, edges, gates = graph
    engine = engine_from(nodes, edges, gates)
    a, b = data.draw(st.sampled_from(list(itertools.permutations(sorted(nodes), 2))))
    closed = frozenset(data.draw(st.sets(st.sampled_from(sorted(gates)), max_size=2))) if gates else frozenset()
    expected = brute_force(nodes, edges, closed - {a, b}, a, b)
    scenario = Scenario(as_of=DAY, close=closed)
    if expected is None:
        with pytest.raises(NoRouteError):
            engine.route(a, b, scenario)
        return
    result = engine.route(a, b, scenario)
    assert result.distance_km == pytest.approx(expected, rel=1e-9)
    assert sum(result.by_country_km.values()) == pytest.approx(expected, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(small_graphs(), st.data())
def test_closing_a_crossing_never_shortens_a_route(graph, data):
    nodes, edges, gates = graph
    if not gates:
        return
    engine = engine_from(nodes, edges, gates)
    a, b = data.draw(st.sampled_from(list(itertools.permutations(sorted(nodes), 2))))
    try:
        before = engine.route(a, b, Scenario(as_of=DAY)).distance_km
    except NoRouteError:
        return
    closed = frozenset([data.draw(st.sampled_from(sorted(gates)))])
    try:
        after = engine.route(a, b, Scenario(as_of=DAY, close=closed)).distance_km
    except NoRouteError:
        return
    assert after >= before - 1e-9


def line_graph_with_gate():
    nodes = {"x": (0.0, 0.0), "gate": (1.0, 0.0), "y": (2.0, 0.0), "detour": (1.0, 1.0)}
    edges = [
        ("x", "gate", edge("x-gate", nodes["x"], nodes["gate"], 120, "AA")),
        ("gate", "y", edge("gate-y", nodes["gate"], nodes["y"], 120, "BB")),
        ("x", "detour", edge("x-detour", nodes["x"], nodes["detour"], 300, "AA")),
        ("detour", "y", edge("detour-y", nodes["detour"], nodes["y"], 300, "CC")),
    ]
    return engine_from(nodes, edges, ["gate"])


def test_closed_crossing_forces_the_detour_and_reports_it():
    engine = line_graph_with_gate()
    open_route = engine.route("x", "y", Scenario(as_of=DAY))
    assert open_route.distance_km == 240 and [c.id for c in open_route.crossings] == ["gate"]
    closed = engine.route("x", "y", Scenario(as_of=DAY, close=frozenset({"gate"})))
    assert closed.distance_km == 600 and closed.by_country_km == {"AA": 300, "CC": 300}
    comparison = engine.compare("x", "y", Scenario(as_of=DAY), Scenario(as_of=DAY, close=frozenset({"gate"})))
    assert comparison["delta_km"] == 360
    assert comparison["countries_added"] == ["CC"] and comparison["countries_removed"] == ["BB"]
    assert comparison["crossings_removed"] == ["gate"]


def test_no_route_names_the_closed_crossing_and_avoided_country():
    engine = line_graph_with_gate()
    with pytest.raises(NoRouteError, match=r"closed crossings gate and avoided countries CC"):
        engine.route("x", "y", Scenario(as_of=DAY, close=frozenset({"gate"}), avoid=frozenset({"CC"})))


def test_route_is_never_shorter_than_the_straight_line():
    engine = line_graph_with_gate()
    result = engine.route("x", "y", Scenario(as_of=DAY))
    assert result.geodesic_km == pytest.approx(222.6, rel=1e-3)
    assert result.distance_km >= result.geodesic_km
    assert result.to_dict()["geometry"]["type"] == "LineString"


def test_status_before_history_is_unknown_and_flagged():
    nodes = {"x": (0.0, 0.0), "gate": (1.0, 0.0), "y": (2.0, 0.0)}
    edges = [("x", "gate", edge("a", nodes["x"], nodes["gate"], 10)),
             ("gate", "y", edge("b", nodes["gate"], nodes["y"], 10))]
    engine = engine_from(nodes, edges, ["gate"])
    result = engine.route("x", "y", Scenario(as_of=dt.date(2019, 1, 1)))
    assert result.crossings[0].status == "unknown"
    assert any("status unknown" in str(w) for w in result.warnings)


def test_freight_only_crossing_blocks_passengers():
    nodes = {"x": (0.0, 0.0), "gate": (1.0, 0.0), "y": (2.0, 0.0)}
    edges = [("x", "gate", edge("a", nodes["x"], nodes["gate"], 10)),
             ("gate", "y", edge("b", nodes["gate"], nodes["y"], 10))]
    infos = {"gate": CrossingInfo("gate", "Gate", "AA-BB", ("freight",),
                                  ({"date": "2020-01-01", "status": "open", "note": "", "source": None},))}
    engine = RouteEngine(RoadGraph(nodes, edges, infos), NameIndex((n, n, []) for n in nodes))
    assert engine.route("x", "y", Scenario(as_of=DAY, mode="freight")).distance_km == 20
    with pytest.raises(NoRouteError):
        engine.route("x", "y", Scenario(as_of=DAY, mode="passenger"))


def test_unknown_names_and_crossings_are_usage_errors():
    engine = line_graph_with_gate()
    with pytest.raises(UsageError, match="did you mean"):
        engine.route("xx", "y")
    with pytest.raises(UsageError, match="unknown crossing id"):
        engine.route("x", "y", Scenario(as_of=DAY, close=frozenset({"nope"})))
    with pytest.raises(UsageError, match="same place"):
        engine.route("x", "x")
    with pytest.raises(UsageError):
        Scenario(mode="bicycle")


def test_parallel_edges_keep_the_shorter_one():
    nodes = {"x": (0.0, 0.0), "y": (1.0, 0.0)}
    edges = [("x", "y", edge("long", nodes["x"], nodes["y"], 200)),
             ("x", "y", edge("short", nodes["x"], nodes["y"], 150))]
    result = line_route = engine_from(nodes, edges).route("x", "y", Scenario(as_of=DAY))
    assert line_route.distance_km == 150
    assert [r.id for r in result.roads] == ["short"]


def test_schematic_km_are_counted_and_warned_about_traced_km_are_not():
    nodes = {"x": (0.0, 0.0), "m": (1.0, 0.0), "y": (2.0, 0.0)}
    traced = Edge("x-m", "x-m", None, (), "AA", 100, "traced", shapely.LineString([nodes["x"], nodes["m"]]), ())

    def route_with(second_method: str):
        second = Edge("m-y", "m-y", None, (), "AA", 50, second_method, shapely.LineString([nodes["m"], nodes["y"]]),
                      ())
        return engine_from(nodes, [("x", "m", traced), ("m", "y", second)]).route("x", "y", Scenario(as_of=DAY))

    schematic = route_with("geodesic")
    assert schematic.schematic_km == 50 and schematic.traced_share == pytest.approx(2 / 3)
    assert any("50 km (33%)" in str(w) and "schematic" in str(w) for w in schematic.warnings)
    assert schematic.to_dict()["schematic_km"] == 50
    for method in ("traced", "cited", "calibrated"):
        measured = route_with(method)
        assert measured.schematic_km == 0 and measured.traced_share == 1
        assert not any("schematic" in str(w) for w in measured.warnings)
