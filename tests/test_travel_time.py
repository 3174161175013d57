"""Travel time: border times, road speeds, via places, alternatives, unknown statuses and transit rules."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import shutil
from pathlib import Path

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import NoRouteError, UsageError
from geo.layers import store
from geo.layers.crossings import border_time_on
from geo.routing import RouteEngine
from geo.routing.graph import CrossingInfo, Edge, RoadGraph, Scenario
from geo.routing.names import NameIndex
from tests.common import run_cli

REPO = Path(__file__).resolve().parent.parent
DAY = dt.date(2024, 1, 1)
OPEN = ({"date": "2020-01-01", "status": "open", "access": "unknown", "note": "", "source": None},)


@functools.cache
def engine() -> RouteEngine:
    return RouteEngine.load()


def by(optimize: str, day: dt.date, **kw) -> Scenario:
    return Scenario(as_of=day, optimize=optimize, **kw)


# --- synthetic graphs --------------------------------------------------------------------


def edge(eid: str, a, b, km: float, country: str = "AA") -> Edge:
    return Edge(eid, eid, None, (), country, km, "geodesic", shapely.LineString([a, b]), ())


def gate(cid: str, hours: float, history=OPEN, countries: str = "AA-BB") -> CrossingInfo:
    times = tuple({"date": "2015-01-01", "traffic": t, "hours": hours, "source": "default", "note": ""}
                  for t in ("passengers", "freight"))
    return CrossingInfo(cid, cid.title(), countries, ("passengers", "freight"), history, times)


def two_ways(gate_hours: float, history=OPEN) -> RouteEngine:
    """x – gate – y is 120 km through a crossing; x – detour – y is 180 km through another one (no delay)."""
    nodes = {"x": (0.0, 0.0), "gate": (1.0, 0.0), "y": (2.0, 0.0), "far": (1.0, 1.0)}
    edges = [("x", "gate", edge("x-gate", nodes["x"], nodes["gate"], 60)),
             ("gate", "y", edge("gate-y", nodes["gate"], nodes["y"], 60, "BB")),
             ("x", "far", edge("x-far", nodes["x"], nodes["far"], 90)),
             ("far", "y", edge("far-y", nodes["far"], nodes["y"], 90, "BB"))]
    infos = {"gate": gate("gate", gate_hours, history), "far": gate("far", 0.0)}
    return RouteEngine(RoadGraph(nodes, edges, infos), NameIndex((n, n, []) for n in nodes))


def test_border_time_is_a_node_cost_that_time_avoids_and_distance_ignores():
    engine_ = two_ways(gate_hours=5.0)
    fast = engine_.route("x", "y", by("time", DAY))
    short = engine_.route("x", "y", by("distance", DAY))
    assert [c.id for c in fast.crossings] == ["far"] and fast.distance_km == 180
    assert [c.id for c in short.crossings] == ["gate"] and short.distance_km == 120
    assert short.border_h == 5.0 and short.duration_h == pytest.approx(120 / 60 + 5.0)
    assert fast.duration_h == pytest.approx(180 / 60)
    assert fast.duration_h < short.duration_h
    # a crossing at the end of a route is not crossed: no border time
    assert engine_.route("x", "gate", by("time", DAY)).border_h == 0


def test_unknown_status_is_open_with_a_warning_or_closed_on_request():
    later = ({"date": "2030-01-01", "status": "open", "access": "unknown", "note": "", "source": None},)
    engine_ = two_ways(gate_hours=0.0, history=later)
    assumed = engine_.route("x", "y", by("distance", DAY))
    assert assumed.unknown_crossings == ["gate"] and any("status unknown" in str(w) for w in assumed.warnings)
    cautious = engine_.route("x", "y", by("distance", DAY, unknown="closed"))
    assert "gate" not in cautious.crossing_ids and cautious.unknown_crossings == []


@pytest.mark.parametrize(("access", "vehicle", "uses_gate"), [
    ("bilateral", "KZ", False), ("bilateral", "KG", True), ("other", "UZ", False), ("international", "UZ", True),
    ("unknown", "UZ", True), ("bilateral", None, True),
])
def test_transit_rule_keeps_foreign_vehicles_out(access, vehicle, uses_gate):
    history = ({"date": "2020-01-01", "status": "open", "access": access, "note": "", "source": None},)
    nodes = {"x": (0.0, 0.0), "gate": (1.0, 0.0), "y": (2.0, 0.0), "far": (1.0, 1.0)}
    edges = [("x", "gate", edge("a", nodes["x"], nodes["gate"], 60)),
             ("gate", "y", edge("b", nodes["gate"], nodes["y"], 60)),
             ("x", "far", edge("c", nodes["x"], nodes["far"], 90)),
             ("far", "y", edge("d", nodes["far"], nodes["y"], 90))]
    infos = {"gate": gate("gate", 0.0, history, "KG-TJ"), "far": gate("far", 0.0, OPEN, "KG-TJ")}
    engine_ = RouteEngine(RoadGraph(nodes, edges, infos), NameIndex((n, n, []) for n in nodes))
    result = engine_.route("x", "y", by("time", DAY, vehicle=vehicle))
    assert ("gate" in result.crossing_ids) is uses_gate


def test_scenario_rejects_bad_choices():
    with pytest.raises(UsageError, match="optimize"):
        Scenario(optimize="fun")
    with pytest.raises(UsageError, match="unknown must be"):
        Scenario(unknown="maybe")
    with pytest.raises(UsageError, match="not a country code"):
        Scenario(vehicle="XX")


# --- real layers ---------------------------------------------------------------------------


def test_dushanbe_almaty_2023_by_time_has_no_km_in_kyrgyzstan():
    result = engine().route("Dushanbe", "Almaty", by("time", dt.date(2023, 6, 1)))
    assert "KG" not in result.by_country_km
    assert "UZ" in result.by_country_km
    assert result.duration_h == pytest.approx(result.road_h + result.border_h)


def test_bishkek_osh_today_by_freight_stays_in_kyrgyzstan():
    result = engine().route("Bishkek", "Osh", by("time", dt.date.today(), mode="freight"))
    assert set(result.by_country_km) == {"KG"}
    assert result.border_h == 0 and not result.crossings
    # by distance the trip may dip into Uzbekistan (it did on the schematic network): never faster, never longer
    shortest = engine().route("Bishkek", "Osh", by("distance", dt.date.today(), mode="freight"))
    assert shortest.distance_km <= result.distance_km and shortest.duration_h >= result.duration_h
    if shortest.crossings:
        assert shortest.border_h >= 2 * 2.0  # two KG-UZ posts at the freight pair default or a cited figure


def test_khujand_batken_2023_and_2025_differ_in_hours_and_km():
    closed = engine().route("Khujand", "Batken", by("time", dt.date(2023, 6, 1)))
    reopened = engine().route("Khujand", "Batken", by("time", dt.date(2025, 8, 1)))
    assert closed.duration_h > reopened.duration_h + 2
    assert closed.distance_km > reopened.distance_km + 100
    comparison = engine().comparison("Khujand", "Batken", by("time", dt.date(2023, 6, 1)),
                                     by("time", dt.date(2025, 8, 1)))
    assert comparison.delta_h == pytest.approx(reopened.duration_h - closed.duration_h)
    assert comparison.to_dict()["delta_h"] < -2


@pytest.mark.parametrize("optimize", ["time", "distance"])
def test_bishkek_osh_2020_does_not_use_ken_sai(optimize):
    day = dt.date(2020, 1, 1)
    passable, entry = engine().graph.crossing_state("ken-sai-uch-kurgon", Scenario(as_of=day))
    assert not passable and entry["status"] == "closed"
    result = engine().route("Bishkek", "Osh", by(optimize, day))
    assert "ken-sai-uch-kurgon" not in result.crossing_ids


def _order_on_line(line: shapely.LineString, points: list[tuple[float, float]]) -> list[float]:
    return [line.project(shapely.Point(p)) for p in points]


@pytest.mark.parametrize(("a", "b", "via"), [
    ("Tashkent", "Almaty", ["Bishkek"]),
    ("Dushanbe", "Almaty", ["Khujand", "Tashkent", "Shymkent"]),
    ("Osh", "Bishkek", ["Naryn"]),
])
def test_via_route_passes_its_via_places_in_order(a, b, via):
    result = engine().route(a, b, by("time", dt.date(2025, 8, 1)), via=via)
    ids = [engine().resolve(v) for v in via]
    assert result.via == ids
    points = [engine().graph.coords[p] for p in ids]
    assert all(result.geometry.distance(shapely.Point(p)) < 1e-6 for p in points)
    positions = _order_on_line(result.geometry, points)
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    direct = engine().route(a, b, by("time", dt.date(2025, 8, 1)))
    assert result.duration_h >= direct.duration_h - 1e-9


@pytest.mark.parametrize(("a", "b", "day"), [
    ("Dushanbe", "Almaty", dt.date(2025, 8, 1)), ("Bishkek", "Osh", dt.date(2025, 8, 1)),
    ("Tashkent", "Almaty", dt.date(2023, 6, 1)), ("Khujand", "Batken", dt.date(2025, 8, 1)),
])
def test_alternatives_use_pairwise_different_crossing_sets(a, b, day):
    result = engine().route(a, b, by("time", day), alternatives=3)
    routes = [result, *result.alternatives]
    assert 2 <= len(routes) <= 4
    sets = [r.crossing_ids for r in routes]
    assert all(x != y for x, y in itertools.combinations(sets, 2))
    assert all(r.duration_h >= result.duration_h - 1e-9 for r in result.alternatives)
    assert all(r.alternatives == [] and r.scenario == result.scenario for r in result.alternatives)


PLACE_IDS = sorted(store.read_layer("places")[0]["id"])


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(PLACE_IDS), st.sampled_from(PLACE_IDS),
       st.sampled_from([dt.date(2016, 1, 1), dt.date(2023, 6, 1), dt.date(2025, 8, 1)]),
       st.sampled_from(["passenger", "freight"]))
def test_each_objective_is_optimal_for_its_own_measure(a, b, day, mode):
    if a == b:
        return
    try:
        fast = engine().route(a, b, by("time", day, mode=mode))
        short = engine().route(a, b, by("distance", day, mode=mode))
    except NoRouteError:
        return
    assert fast.duration_h <= short.duration_h + 1e-9
    assert short.distance_km <= fast.distance_km + 1e-9


def test_every_crossing_has_a_border_time_for_each_traffic_it_handles():
    crossings, _ = store.read_layer("crossings")
    for row in crossings.itertuples():
        assert list(row.traffic), row.id
        for traffic in row.traffic:
            for day in (dt.date(2015, 1, 1), dt.date(2021, 6, 1), dt.date.today()):
                entry = border_time_on(list(row.border_times), traffic, day)
                assert entry is not None, (row.id, traffic, day)
                assert entry["hours"] >= 0
                assert entry["source"] == "default" or entry["source"].startswith("http"), row.id
                assert entry["default"] is (entry["source"] == "default")
                assert entry["note"], row.id


def test_a_foreign_vehicle_never_uses_a_bilateral_crossing():
    day = dt.date(2025, 8, 1)
    result = engine().route("Khujand", "Batken", by("time", day, vehicle="KZ"), alternatives=3)
    graph = engine().graph
    for route in (result, *result.alternatives):
        for cid in route.crossing_ids:
            _, entry = graph.crossing_state(cid, Scenario(as_of=day))
            assert entry.get("access") not in ("bilateral", "other") or "KZ" in graph.crossings[cid].countries


# --- command line --------------------------------------------------------------------------


run = run_cli


@pytest.mark.parametrize(("argv", "message"), [
    (["route", "Bishkek", "Osh", "--via", "Oshh"], "--via: unknown place 'Oshh' — did you mean Osh?"),
    (["route", "Bishkek", "Osh", "--via", "Osh"], "--via 'Osh' is the route's end"),
    (["route", "Bishkek", "Osh", "--via", "Frunze"], "--via 'Frunze' is the route's start"),
    (["route", "Bishkek", "Osh", "--alternatives", "4"], "--alternatives must be between 0 and 3, not 4"),
    (["route", "Bishkek", "Osh", "--alternatives", "-1"], "--alternatives must be between 0 and 3, not -1"),
    (["route", "Bishkek", "Osh", "--vehicle", "XX"], "--vehicle 'XX': not a country code"),
    (["route", "Bishkek", "Osh", "--optimize", "fun"], "invalid choice"),
    (["compare", "Bishkek", "Osh", "--vs-as-of", "2020-01-01", "--vehicle", "ZZZ"], "--vehicle 'ZZZ'"),
])
def test_bad_route_options_give_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) <= 2 and message in err.strip().splitlines()[-1]


def test_route_json_keeps_todays_keys_and_adds_travel_time(capsys):
    code, out, _ = run(capsys, "route", "Bishkek", "Osh", "--alternatives", "2", "--vehicle", "kg", "--json")
    result = json.loads(out)
    assert code == 0
    old = {"from", "to", "as_of", "mode", "closed", "opened", "avoid", "distance_km", "by_country_km", "crossings",
           "roads", "geodesic_km", "detour_ratio", "cited_share", "geometry", "warnings"}
    new = {"optimize", "duration_h", "road_h", "border_h", "border_times", "via", "unknown_crossings", "alternatives"}
    assert old | new <= set(result)
    assert result["optimize"] == "time" and result["vehicle"] == "KG"
    assert len(result["alternatives"]) == 2
    assert all(set(alt) == set(result) for alt in result["alternatives"])
    for alt in result["alternatives"]:
        assert alt["border_times"] and all(b["source"] == "default" or b["source"].startswith("http")
                                           for b in alt["border_times"])
        assert alt["duration_h"] == pytest.approx(alt["road_h"] + alt["border_h"], abs=0.02)


def test_compare_reports_delta_hours(capsys):
    code, out, _ = run(capsys, "compare", "Khujand", "Batken", "--as-of", "2023-06-01", "--vs-as-of", "2025-08-01")
    assert code == 0 and "difference: -" in out and " h" in out.splitlines()[-4]


# --- curated files -------------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    layers = tmp_path / "layers"
    shutil.copytree(REPO / "layers" / "src", layers / "src")
    for name in ("borders.geojson", "boundaries.geojson"):
        shutil.copy(REPO / "layers" / name, layers / name)
    monkeypatch.setenv("GEO_LAYERS_DIR", str(layers))
    monkeypatch.delenv("GEO_SOURCE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return layers / "src"


def replace_line(path: Path, start: str, new: str | None) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith(start))
    if new is None:
        del lines[number]
    else:
        lines[number] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1


@pytest.mark.parametrize(("file", "start", "new", "message"), [
    ("border_times.csv", "torugart,2020-01-01,freight", "torugart,2020-01-01,freight,-3,https://a.org,x",
     "hours: -3 is out of range"),
    ("border_times.csv", "torugart,2020-01-01,freight", "atlantis,2020-01-01,freight,3,https://a.org,x",
     "unknown crossing 'atlantis'"),
    ("border_times.csv", "torugart,2015-01-01,freight", "torugart,2015-01-01,freight,4,default,x",
     "leave empty on a default row"),
    ("border_times.csv", "ak-tilek,2015-01-01,freight", "ak-tilek,2015-01-01,passengers,,default,x",
     "does not handle passengers"),
    ("border_times.csv", "torugart,2021-01-01,freight", "torugart,2019-01-01,freight,3,https://a.org,x",
     "out of date order"),
    ("crossing_status.csv", "kyzyl-bel,2025-03-17", "kyzyl-bel,2025-03-17,open,,everyone,x,https://a.org,2025-03-17,x,",
     "'everyone' is not one of international"),
    ("border_time_defaults.csv", "KG-TJ,freight", "KG-TJ,freight,2.7,,https://a.org", "basis: missing"),
    ("road_speeds.csv", "KG,mountain,passengers", "KG,mountain,passengers,500,default,x", "out of range"),
    ("road_speeds.csv", "KG,mountain,passengers", "KG,mountain,passengers,55,default,", "must say how"),
])
def test_bad_travel_time_data_is_reported_with_file_and_line(workspace, capsys, file, start, new, message):
    number = replace_line(workspace / file, start, new)
    code, out, _ = run(capsys, "check")
    assert code == 1 and f"{file}:{number}:" in out and message in out


@pytest.mark.parametrize(("file", "start", "message"), [
    ("border_times.csv", "kulma,2015-01-01,freight", "has no border time for freight"),
    ("road_speeds.csv", "TM,unpaved,freight", "no speed for TM unpaved freight"),
])
def test_missing_travel_time_facts_are_reported(workspace, capsys, file, start, message):
    replace_line(workspace / file, start, None)
    code, out, _ = run(capsys, "check")
    assert code == 1 and message in out
