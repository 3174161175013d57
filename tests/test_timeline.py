"""Route timelines: exact periods over a date range, on tiny graphs built in code and on the real layers."""

import dataclasses
import datetime as dt

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import NoRouteError, UsageError
from geo.routing import RouteEngine
from geo.routing.graph import CrossingInfo, Edge, RoadGraph, Scenario, Trip
from geo.routing.names import NameIndex
from geo.routing.timeline import timeline

START, UNTIL = dt.date(2010, 1, 1), dt.date(2025, 12, 31)
SRC = "https://example.org/"


def edge(eid: str, a, b, km: float, country="AA") -> Edge:
    return Edge(eid, eid, None, (), country, km, "geodesic", shapely.LineString([a, b]), ())


def entry(day: str, status: str, **more) -> dict:
    return {"date": day, "status": status, "note": "", "source": SRC + day, **more}


def world(histories: dict[str, list[dict]]) -> RouteEngine:
    """x — gate — y (240 km), x — detour — y through CC (600 km), and a far gate on a spur (never on a route)."""
    nodes = {"x": (0.0, 0.0), "gate": (1.0, 0.0), "y": (2.0, 0.0), "detour": (1.0, 1.0), "far": (3.0, 0.0),
             "z": (4.0, 0.0), "dgate": (1.0, 2.0)}
    edges = [
        ("x", "gate", edge("x-gate", nodes["x"], nodes["gate"], 120, "AA")),
        ("gate", "y", edge("gate-y", nodes["gate"], nodes["y"], 120, "BB")),
        ("x", "detour", edge("x-detour", nodes["x"], nodes["detour"], 300, "AA")),
        ("detour", "dgate", edge("detour-dgate", nodes["detour"], nodes["dgate"], 1, "AA")),
        ("dgate", "y", edge("dgate-y", nodes["dgate"], nodes["y"], 300, "CC")),
        ("y", "far", edge("y-far", nodes["y"], nodes["far"], 50, "BB")),
        ("far", "z", edge("far-z", nodes["far"], nodes["z"], 50, "DD")),
    ]
    pairs = {"gate": "AA-BB", "dgate": "AA-CC", "far": "BB-DD"}
    infos = {cid: CrossingInfo(cid, cid.title(), pairs[cid], ("passengers", "freight"),
                               tuple(histories.get(cid, [entry("2005-01-01", "open")])))
             for cid in pairs}
    return RouteEngine(RoadGraph(nodes, edges, infos), NameIndex((n, n, []) for n in nodes))


def test_a_status_change_makes_a_boundary_exactly_on_its_day_and_nowhere_else():
    engine = world({"gate": [entry("2005-01-01", "open"), entry("2021-05-21", "closed"), entry("2025-03-13", "open")],
                    "far": [entry("2005-01-01", "open"), entry("2015-06-01", "closed")],
                    "dgate": [entry("2005-01-01", "open"), entry("2023-01-01", "restricted")]})
    line = timeline(engine, Trip("x", "y"), START, UNTIL)
    assert [p.start for p in line.periods] == [START, dt.date(2021, 5, 21), dt.date(2025, 3, 13)]
    assert [p.end for p in line.periods] == [dt.date(2021, 5, 21), dt.date(2025, 3, 13), dt.date(2026, 1, 1)]
    assert [p.km for p in line.periods] == [240, 601, 240]
    assert [p.crossings for p in line.periods] == [("gate",), ("dgate",), ("gate",)]
    closure, reopening = line.periods[1].facts, line.periods[2].facts
    assert [(f.subject, f.value, f.source) for f in closure] == [("gate", "closed", SRC + "2021-05-21")]
    assert [(f.subject, f.value) for f in reopening] == [("gate", "open")]
    assert line.periods[0].facts == ()


def test_a_closure_without_an_alternative_is_a_no_route_period_with_its_reason():
    engine = world({"gate": [entry("2005-01-01", "open"), entry("2021-05-21", "closed")],
                    "dgate": [entry("2005-01-01", "closed")]})
    line = timeline(engine, Trip("x", "y"), START, UNTIL)
    assert [p.reachable for p in line.periods] == [True, False]
    assert "closed crossings" in str(line.periods[1].reason) and "2021" not in str(line.periods[1].reason)
    assert line.to_dict()["periods"][1]["km"] is None


def test_planned_rows_and_overridden_crossings_start_no_period():
    engine = world({"gate": [entry("2005-01-01", "open"), entry("2030-01-01", "closed", kind="planned"),
                             entry("2020-01-01", "closed", kind="planned")]})
    assert len(timeline(engine, Trip("x", "y"), START, UNTIL).periods) == 1
    engine = world({"gate": [entry("2005-01-01", "open"), entry("2021-05-21", "closed")]})
    forced = Trip("x", "y", Scenario(open=frozenset({"gate"})))
    assert len(timeline(engine, forced, START, UNTIL).periods) == 1


def test_a_range_ending_before_it_starts_is_a_usage_error():
    with pytest.raises(UsageError, match="before --from"):
        timeline(world({}), Trip("x", "y"), UNTIL, START)


DAYS = ["2006-03-01", "2012-07-15", "2016-01-01", "2019-09-09", "2021-05-21", "2023-02-02", "2025-03-13"]


@st.composite
def histories(draw):
    out = {}
    for cid in ("gate", "dgate", "far"):
        days = sorted(draw(st.sets(st.sampled_from(DAYS), max_size=4)))
        out[cid] = [entry(d, draw(st.sampled_from(["open", "closed", "restricted", "unknown"]))) for d in days]
    return out


def values(route) -> tuple:
    return (tuple(c.id for c in route.crossings), round(route.distance_km, 6), round(route.duration_h, 6),
            round(route.border_h, 6), tuple(route.by_country_km))


@settings(max_examples=60, deadline=None)
@given(histories(), st.sampled_from([("x", "y"), ("y", "x"), ("x", "z"), ("z", "detour")]),
       st.sampled_from(["open", "closed"]), st.data())
def test_a_periods_values_equal_the_route_on_any_day_inside_it(hist, ends, unknown, data):
    engine = world(hist)
    trip = Trip(*ends, Scenario(unknown=unknown))
    line = timeline(engine, trip, START, UNTIL)
    assert line.periods[0].start == START and line.periods[-1].end == UNTIL + dt.timedelta(days=1)
    for before, after in zip(line.periods, line.periods[1:]):
        assert before.end == after.start
        assert (before.route is None and after.route is None) is False  # equal neighbours were merged
        if before.route is not None and after.route is not None:
            assert values(before.route) != values(after.route)
    for period in line.periods:
        day = period.start + dt.timedelta(days=data.draw(st.integers(0, period.days - 1)))
        scenario = dataclasses.replace(trip.scenario, as_of=day)
        try:
            route = engine.route(trip.origin, trip.dest, scenario)
        except NoRouteError:
            assert period.route is None
            continue
        assert period.route is not None and values(route) == values(period.route)


def test_khujand_batken_shows_the_2021_closure_and_the_2025_reopening():
    """Freight (passengers were already cut off by the COVID-19 closures of March 2020): the post closed after the
    clashes of April 2021 and reopened with the border treaty of 13 March 2025, each a boundary with its source."""
    engine = RouteEngine.load()
    trip = Trip("Khujand", "Batken", Scenario(mode="freight"))
    line = timeline(engine, trip, dt.date(2015, 1, 1), dt.date(2026, 1, 1))
    closure = next(p for p in line.periods if p.start.year == 2021 and "kyzyl-bel" not in p.crossings)
    reopening = next(p for p in line.periods if p.start == dt.date(2025, 3, 13))
    assert closure.start in (dt.date(2021, 4, 29), dt.date(2021, 5, 21)) and "kyzyl-bel" in reopening.crossings
    for period, status in ((closure, "closed"), (reopening, "open")):
        fact = next(f for f in period.facts if f.subject == "kyzyl-bel")
        assert fact.value.startswith(status) and fact.source and fact.source.startswith("https://")


def test_cli_timeline_text_json_csv_and_chart(capsys, tmp_path):
    import csv
    import json

    from geo.cli import main

    assert main(["timeline", "Khujand", "Batken", "--from", "2015-01-01", "--to", "2025-12-31", "--json",
                 "--mode", "freight"]) == 0
    data = json.loads(capsys.readouterr().out)
    starts = [p["start"] for p in data["periods"]]
    assert any(s.startswith("2021-") for s in starts) and "2025-03-13" in starts
    assert data["periods"][-1]["end"] == "2026-01-01"
    assert main(["timeline", "Khujand", "Batken", "--from", "2015-01-01", "--csv", "--mode", "freight"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert rows[0]["start"] == "2015-01-01" and {"km", "hours", "border_h", "event", "sources"} <= set(rows[0])
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        chart = tmp_path / f"chart{suffix}"
        assert main(["timeline", "Khujand", "Batken", "--from", "2015-01-01", "-o", str(chart)]) == 0
        assert chart.read_bytes().startswith(magic)
    assert "Kyzyl-Bel" in capsys.readouterr().out


@pytest.mark.parametrize("argv, needle", [
    (["Khujand", "Nowhere"], "unknown place"),
    (["Khujand", "Batken", "--from", "2020-01-01", "--to", "2019-01-01"], "before --from"),
    (["Khujand", "Batken", "--as-of", "2020-01-01"], "--as-of"),
    (["Khujand", "Batken", "-o", "chart.txt"], "must end in"),
    (["Khujand", "Batken", "--from", "2020-02-30"], "not a real date"),
    (["Khujand", "Batken", "--close", "no-such-post"], "unknown crossing"),
])
def test_cli_timeline_bad_input_is_one_line_and_exit_2(argv, needle, capsys, tmp_path, monkeypatch):
    from geo.cli import main

    monkeypatch.chdir(tmp_path)
    try:
        code = main(["timeline", *argv])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert code == 2 and needle in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_the_readme_chart_command_runs_as_documented(tmp_path):
    import re
    import shlex
    from pathlib import Path

    from geo.cli import main

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    line = re.search(r"^geo timeline Dushanbe Almaty .*-o docs/dushanbe-almaty-timeline\.png$", readme, re.M)
    assert line, "the README's worked example has no chart command"
    argv = shlex.split(line.group())[1:]
    argv[argv.index("-o") + 1] = str(tmp_path / "chart.png")
    assert main(argv) == 0 and (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
    assert (Path(__file__).resolve().parent.parent / "docs" / "dushanbe-almaty-timeline.png").is_file()
