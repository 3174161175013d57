"""Typed results the pages show: the core's route results as they are, and the measurement of drawings.

A route is the core's own :class:`geo.routing.results.Route` (with its alternatives), a scenario without a route its
:class:`geo.routing.RouteFailure`, two scenarios its :class:`geo.routing.Comparison`. :func:`route_outcome` asks
the engine and turns a question it refuses (unknown place, a via place equal to an end…) into a
:class:`RouteError`. Dicts appear only at the edges: :func:`routes_of` (the map document), :func:`route_files`
and :func:`download_record` (downloads).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import shapely

from geo.errors import GeoError
from geo.i18n import N_
from geo.messages import Message
from geo.routing.graph import Scenario
from geo.routing.results import Comparison, Route, RouteFailure


@dataclass(frozen=True)
class RouteError:
    """A route that could not be asked (unknown place, same place twice, via equal to an end…): one line."""

    message: Message


Outcome = Route | RouteFailure | Comparison | RouteError


def route_outcome(engine: Any, origin: str, dest: str, first: Scenario, second: Scenario | None,
                  via: Sequence[str] = (), alternatives: int = 0) -> Outcome:
    """Ask the route engine for a route (with alternatives) or, with ``second``, a comparison of two scenarios.

    Alternatives are asked for a single scenario only (a comparison shows one route per scenario).
    """
    from geo.errors import NoRouteError

    try:
        if second is None:
            try:
                route: Route = engine.route(origin, dest, first, via=tuple(via), alternatives=alternatives)
            except NoRouteError as exc:
                return RouteFailure(origin, dest, first, exc.message)
            return route
        comparison: Comparison = engine.comparison(origin, dest, first, second, via=tuple(via))
    except GeoError as exc:
        return RouteError(exc.message)
    return comparison


def shown_routes(outcome: Outcome | None) -> list[Route]:
    """Return the routes an outcome shows: one, or one per scenario of a comparison that has a route."""
    if isinstance(outcome, Route):
        return [outcome]
    if isinstance(outcome, Comparison):
        return [r for r in (outcome.first, outcome.second) if isinstance(r, Route)]
    return []


def routes_of(outcome: Outcome | None) -> list[Mapping[str, Any]]:
    """Return the route records to draw (the map document is JSON): each with its alternatives nested."""
    return [route.to_dict() for route in shown_routes(outcome)]


def _without_lines(record: Mapping[str, Any]) -> dict[str, Any]:
    """Return a route record whose alternatives keep their figures but not their geometry."""
    return {**record, "alternatives": [{k: v for k, v in a.items() if k != "geometry"}
                                       for a in record.get("alternatives") or []]}


def download_record(outcome: Outcome | None) -> Mapping[str, Any] | None:
    """Return the JSON record the route GeoJSON of the zip is written from (None when there is no route)."""
    if isinstance(outcome, Route):
        return _without_lines(outcome.to_dict())
    if isinstance(outcome, Comparison):
        return outcome.to_dict()
    return None


@dataclass(frozen=True)
class RouteFile:
    """One route to download as a file: its name stem, line and properties (JSON data)."""

    stem: str
    title: str
    """English, with ``{n}``/``{date}`` filled from ``title_args`` (translated where shown)."""
    line: shapely.LineString
    properties: Mapping[str, Any] = field(repr=False)
    title_args: Mapping[str, str] = field(default_factory=dict)

    def shown_title(self, gettext: Any = None) -> str:
        """Return the title in a language (``gettext``: a translation function; None: English)."""
        return (gettext(self.title) if gettext else self.title).format(**self.title_args)


def _properties(route: Route) -> dict[str, Any]:
    return {k: v for k, v in route.to_dict().items() if k not in ("geometry", "alternatives")}


def route_files(outcome: Outcome | None) -> list[RouteFile]:
    """Return the routes an outcome offers as files: the route and each alternative, or both scenarios."""
    if isinstance(outcome, Route):
        files = [RouteFile("route", N_("route"), outcome.geometry, _properties(outcome))]
        files += [RouteFile(f"route-alternative-{n}", N_("alternative {n}"), alt.geometry, _properties(alt),
                            {"n": str(n)})
                  for n, alt in enumerate(outcome.alternatives, start=1)]
        return [f for f in files if not f.line.is_empty]
    if isinstance(outcome, Comparison):
        return [RouteFile(f"route-scenario-{n}", N_("scenario {n} ({date})"), r.geometry, _properties(r),
                          {"n": str(n), "date": r.scenario.as_of.isoformat()})
                for n, r in enumerate((outcome.first, outcome.second), start=1)
                if isinstance(r, Route) and not r.geometry.is_empty]
    return []


@dataclass(frozen=True)
class Measurement:
    """A drawing measured on the WGS84 ellipsoid, split by country, kept with its own geometry."""

    number: int
    geometry: Mapping[str, Any]
    kind: str
    length_km: float
    area_km2: float | None
    by_country_km: Mapping[str, float]
    record: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class MeasureFailure:
    """A drawing that could not be measured, with a one-line message."""

    number: int
    message: Message


def measure_drawing(number: int, geometry: Mapping[str, Any], countries: Any) -> Measurement | MeasureFailure:
    """Measure one drawn GeoJSON geometry; the one place that reads the core's measurement dict."""
    from geo.io import tracks

    try:
        data = tracks.measure(tracks.geometry_from_geojson(geometry, tracks.DRAWING_LIMITS), countries)
    except GeoError as exc:
        return MeasureFailure(number, exc.message)
    area = data.get("area_km2")
    return Measurement(number, geometry, str(data.get("type")), float(data["length_km"]),
                       None if area is None else float(area), dict(data.get("by_country_km") or {}), dict(data))


def measure_drawings(features: Sequence[Mapping[str, Any]], countries: Any, *, limit: int = 50
                     ) -> list[Measurement | MeasureFailure]:
    """Measure each drawn feature; each result carries its drawing's number and geometry."""
    drawn = [f for f in features if isinstance(f, Mapping) and isinstance(f.get("geometry"), Mapping)]
    return [measure_drawing(n, f["geometry"], countries) for n, f in enumerate(drawn[:limit], start=1)]
