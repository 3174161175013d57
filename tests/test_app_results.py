"""geoapp.results: the one boundary from the route engine's dicts to typed outcomes."""

from __future__ import annotations

import datetime as dt

import pytest

from geoapp.results import (
    Comparison,
    NoRoute,
    Route,
    RouteFailure,
    Scenario,
    download_record,
    route_outcome,
    routes_of,
)


@pytest.fixture(scope="module")
def engine(app_layers):
    from geo.routing import RouteEngine

    return RouteEngine.load(app_layers)


def test_route_is_typed_and_keeps_its_record(engine) -> None:
    outcome = route_outcome(engine, "dushanbe", "almaty", Scenario(dt.date(2025, 8, 1)), None)
    assert isinstance(outcome, Route)
    assert outcome.distance_km == outcome.record["distance_km"] > outcome.geodesic_km > 0
    assert sum(outcome.by_country_km.values()) == pytest.approx(outcome.distance_km, rel=0.01)
    assert outcome.crossings and all(c.status in {"open", "restricted", "unknown"} for c in outcome.crossings)
    assert routes_of(outcome) == [outcome.record] and download_record(outcome) is outcome.record


def test_comparison_with_a_cut_off_scenario(engine) -> None:
    first = Scenario(dt.date(2023, 6, 1), avoid=frozenset({"UZ"}))
    second = Scenario(dt.date(2025, 8, 1), avoid=frozenset({"UZ"}))
    outcome = route_outcome(engine, "dushanbe", "almaty", first, second)
    assert isinstance(outcome, Comparison)
    assert isinstance(outcome.first, NoRoute) and outcome.first.reason
    assert isinstance(outcome.second, Route) and outcome.delta_km is None
    assert routes_of(outcome) == [outcome.second.record]


def test_failures_are_one_line_messages(engine) -> None:
    same = route_outcome(engine, "dushanbe", "dushanbe", Scenario(dt.date(2025, 8, 1)), None)
    assert isinstance(same, RouteFailure) and "same place" in same.message
    unknown = route_outcome(engine, "<nowhere>", "almaty", Scenario(dt.date(2025, 8, 1)), None)
    assert isinstance(unknown, RouteFailure) and "\n" not in unknown.message
    assert routes_of(unknown) == [] and download_record(unknown) is None and routes_of(None) == []


def test_no_route_is_not_a_failure(engine) -> None:
    cut = route_outcome(engine, "dushanbe", "almaty", Scenario(dt.date(2023, 6, 1), avoid=frozenset({"UZ"})), None)
    assert isinstance(cut, NoRoute) and cut.as_of == "2023-06-01" and cut.reason
