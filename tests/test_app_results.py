"""geoapp.results: the core's typed route results in the app, and the dicts only at the edges."""

from __future__ import annotations

import datetime as dt
import json

import pyogrio
import pytest

from geo.io import formats
from geo.routing.graph import Scenario
from geo.routing.results import Comparison, Route, RouteFailure
from geoapp.results import RouteError, download_record, route_files, route_outcome, routes_of


@pytest.fixture(scope="module")
def engine(app_layers):
    from geo.routing import RouteEngine

    return RouteEngine.load(app_layers)


def test_route_is_the_core_route_and_draws_its_record(engine) -> None:
    outcome = route_outcome(engine, "dushanbe", "almaty", Scenario(dt.date(2025, 8, 1), optimize="time"), None)
    assert isinstance(outcome, Route)
    assert outcome.distance_km > outcome.geodesic_km > 0
    assert outcome.duration_h == pytest.approx(outcome.road_h + outcome.border_h) and outcome.road_h > 0
    assert sum(outcome.by_country_km.values()) == pytest.approx(outcome.distance_km, rel=0.01)
    [record] = routes_of(outcome)
    assert record["distance_km"] == round(outcome.distance_km, 1) and record["geometry"]["type"] == "LineString"
    json.dumps(download_record(outcome), allow_nan=False)


def test_alternatives_are_drawn_and_downloadable(engine, tmp_path) -> None:
    outcome = route_outcome(engine, "dushanbe", "almaty", Scenario(dt.date(2023, 6, 1), optimize="time"), None,
                            alternatives=2)
    assert isinstance(outcome, Route) and len(outcome.alternatives) == 2
    sets = [outcome.crossing_ids] + [a.crossing_ids for a in outcome.alternatives]
    assert len(set(sets)) == 3
    [record] = routes_of(outcome)
    assert [a["geometry"]["type"] for a in record["alternatives"]] == ["LineString", "LineString"]
    assert all("geometry" not in a for a in download_record(outcome)["alternatives"])  # type: ignore[index]
    files = route_files(outcome)
    assert [f.stem for f in files] == ["route", "route-alternative-1", "route-alternative-2"]
    for fmt in formats.ROUTE_FORMATS:
        path = tmp_path / f"route{formats.SUFFIXES[fmt]}"
        path.write_bytes(formats.route_bytes(files[1].line, files[1].properties, fmt))
        frame = pyogrio.read_dataframe(path, layer="routes" if fmt == "gpx" else None)
        assert len(frame) == 1 and frame.geometry.iloc[0].length > 1


def test_via_is_kept(engine) -> None:
    outcome = route_outcome(engine, "dushanbe", "almaty", Scenario(dt.date(2025, 8, 1)), None, via=["tashkent"])
    assert isinstance(outcome, Route) and outcome.via == ["tashkent"]
    assert routes_of(outcome)[0]["via"] == ["tashkent"]


def test_comparison_with_a_cut_off_scenario(engine) -> None:
    first = Scenario(dt.date(2023, 6, 1), avoid=frozenset({"UZ"}), optimize="time")
    second = Scenario(dt.date(2025, 8, 1), avoid=frozenset({"UZ"}), optimize="time")
    outcome = route_outcome(engine, "dushanbe", "almaty", first, second)
    assert isinstance(outcome, Comparison)
    assert isinstance(outcome.first, RouteFailure) and outcome.first.reason
    assert isinstance(outcome.second, Route) and outcome.delta_km is None and outcome.delta_h is None
    assert routes_of(outcome) == [outcome.second.to_dict()]
    assert [f.stem for f in route_files(outcome)] == ["route-scenario-2"]


def test_comparison_has_delta_hours(engine) -> None:
    outcome = route_outcome(engine, "khujand", "batken", Scenario(dt.date(2023, 6, 1), optimize="time"),
                            Scenario(dt.date(2025, 8, 1), optimize="time"))
    assert isinstance(outcome, Comparison) and outcome.delta_h is not None and outcome.delta_h < 0
    assert len(routes_of(outcome)) == 2


def test_failures_are_one_line_messages(engine) -> None:
    same = route_outcome(engine, "dushanbe", "dushanbe", Scenario(dt.date(2025, 8, 1)), None)
    assert isinstance(same, RouteError) and "same place" in str(same.message)
    unknown = route_outcome(engine, "<nowhere>", "almaty", Scenario(dt.date(2025, 8, 1)), None)
    assert isinstance(unknown, RouteError) and "\n" not in str(unknown.message)
    via_end = route_outcome(engine, "dushanbe", "almaty", Scenario(dt.date(2025, 8, 1)), None, via=["almaty"])
    assert isinstance(via_end, RouteError) and "end" in str(via_end.message)
    assert routes_of(unknown) == [] and download_record(unknown) is None and routes_of(None) == []
    assert route_files(unknown) == []


def test_no_route_is_not_a_failure(engine) -> None:
    cut = route_outcome(engine, "dushanbe", "almaty", Scenario(dt.date(2023, 6, 1), avoid=frozenset({"UZ"})), None)
    assert isinstance(cut, RouteFailure) and cut.scenario.as_of == dt.date(2023, 6, 1) and cut.reason
