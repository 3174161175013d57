"""Typed results the pages show, and the one boundary where the core's dict results become them.

The route engine (``geo.routing``) returns dicts today (``Route.as_dict()``, ``compare()``); the measurement
of a drawing returns a dict too (``geo.tracks.measure``). :func:`route_outcome` and :func:`measure_drawing`
are the only places that read those dicts, so typed core results replace them here and nowhere else. The
original records are kept for the downloads (JSON is an edge).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from geo.errors import GeoError


@dataclass(frozen=True)
class Scenario:
    """A route scenario as plain, hashable values (the cache key of a route)."""

    as_of: dt.date
    close: frozenset[str] = frozenset()
    open: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()
    mode: str = "passenger"


@dataclass(frozen=True)
class CrossingPass:
    """A border crossing a route passes, with its status on the route's date."""

    id: str
    name: str
    countries: str
    status: str
    since: str | None
    override: str | None
    source: str | None


@dataclass(frozen=True)
class RoadPart:
    """A road segment a route follows."""

    name: str
    soviet_ref: str
    refs: tuple[str, ...]
    country: str
    length_km: float | None
    method: str


@dataclass(frozen=True)
class Route:
    """A road route between two places under a scenario."""

    origin: str
    dest: str
    as_of: str
    distance_km: float
    geodesic_km: float
    detour_ratio: float | None
    cited_share: float
    by_country_km: Mapping[str, float]
    crossings: tuple[CrossingPass, ...]
    roads: tuple[RoadPart, ...]
    warnings: tuple[str, ...]
    record: Mapping[str, Any] = field(repr=False)
    """The route as JSON data (drawing and download edge)."""


@dataclass(frozen=True)
class NoRoute:
    """A scenario that cuts the two places apart, with the reason."""

    origin: str
    dest: str
    as_of: str
    reason: str


@dataclass(frozen=True)
class Comparison:
    """The same pair of places under two scenarios, and what changes between them."""

    first: Route | NoRoute
    second: Route | NoRoute
    delta_km: float | None
    countries_added: tuple[str, ...]
    countries_removed: tuple[str, ...]
    crossings_added: tuple[str, ...]
    crossings_removed: tuple[str, ...]
    record: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class RouteFailure:
    """A route that could not be asked (unknown place, same place twice…), with a one-line message."""

    message: str


Outcome = Route | NoRoute | Comparison | RouteFailure


def routes_of(outcome: Outcome | None) -> list[Mapping[str, Any]]:
    """Return the route records to draw: one, or two for a comparison (scenarios without a route left out)."""
    if isinstance(outcome, Route):
        return [outcome.record]
    if isinstance(outcome, Comparison):
        return [r.record for r in (outcome.first, outcome.second) if isinstance(r, Route)]
    return []


def download_record(outcome: Outcome | None) -> Mapping[str, Any] | None:
    """Return the JSON record the route download is written from (None when there is no route)."""
    if isinstance(outcome, Route | Comparison):
        return outcome.record
    return None


# --- the boundary -------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _route(data: Mapping[str, Any]) -> Route | NoRoute:
    if "no_route" in data:
        return NoRoute(str(data.get("from")), str(data.get("to")), str(data.get("as_of")), str(data["no_route"]))
    crossings = tuple(CrossingPass(
        str(c.get("id")), str(c.get("name")), str(c.get("countries")), str(c.get("status")),
        _text(c.get("status_since")), _text(c.get("override")), _text(c.get("source")),
    ) for c in data.get("crossings") or [])
    roads = tuple(RoadPart(
        str(r.get("name")), _text(r.get("soviet_ref")) or "", tuple(str(x) for x in r.get("refs") or []),
        str(r.get("country")), r.get("length_km"), str(r.get("length_method") or ""),
    ) for r in data.get("roads") or [])
    return Route(str(data["from"]), str(data["to"]), str(data["as_of"]), float(data["distance_km"]),
                 float(data["geodesic_km"]), data.get("detour_ratio"), float(data.get("cited_share") or 0.0),
                 dict(data.get("by_country_km") or {}), crossings, roads,
                 tuple(str(w) for w in data.get("warnings") or []), dict(data))


def route_outcome(engine: Any, origin: str, dest: str, first: Scenario, second: Scenario | None) -> Outcome:
    """Ask the route engine for a route (or a comparison of two scenarios) and return a typed outcome.

    This is the one place that knows the engine's dict results.
    """
    from geo.errors import NoRouteError
    from geo.routing import Scenario as CoreScenario

    def core(s: Scenario) -> CoreScenario:
        return CoreScenario(as_of=s.as_of, close=s.close, open=s.open, avoid=s.avoid, mode=s.mode)

    try:
        if second is None:
            try:
                return _route(engine.route(origin, dest, core(first)).as_dict())
            except NoRouteError as exc:
                return NoRoute(origin, dest, first.as_of.isoformat(), str(exc))
        data = engine.compare(origin, dest, core(first), core(second))
    except GeoError as exc:
        return RouteFailure(str(exc))
    return Comparison(_route(data["first"]), _route(data["second"]), data.get("delta_km"),
                      tuple(data.get("countries_added") or ()), tuple(data.get("countries_removed") or ()),
                      tuple(data.get("crossings_added") or ()), tuple(data.get("crossings_removed") or ()),
                      dict(data))


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
    message: str


def measure_drawing(number: int, geometry: Mapping[str, Any], countries: Any) -> Measurement | MeasureFailure:
    """Measure one drawn GeoJSON geometry; the one place that reads the core's measurement dict."""
    from geo import tracks

    try:
        data = tracks.measure(tracks.geometry_from_geojson(geometry), countries)
    except GeoError as exc:
        return MeasureFailure(number, str(exc))
    area = data.get("area_km2")
    return Measurement(number, geometry, str(data.get("type")), float(data["length_km"]),
                       None if area is None else float(area), dict(data.get("by_country_km") or {}), dict(data))


def measure_drawings(features: Sequence[Mapping[str, Any]], countries: Any, *, limit: int = 50
                     ) -> list[Measurement | MeasureFailure]:
    """Measure each drawn feature; each result carries its drawing's number and geometry."""
    drawn = [f for f in features if isinstance(f, Mapping) and isinstance(f.get("geometry"), Mapping)]
    return [measure_drawing(n, f["geometry"], countries) for n, f in enumerate(drawn[:limit], start=1)]
