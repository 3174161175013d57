"""Typed route results: a route, a failure, a comparison of two scenarios, and the border times passed.

They become dicts only at the edges (``to_dict`` for ``--json``, downloads and caches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely

from geo.messages import Message
from geo.routing.graph import Scenario, Trip


@dataclass(frozen=True)
class BorderTime:
    """The time to cross one crossing on a route: cited, or the documented default of its country pair."""

    crossing_id: str
    name: str
    traffic: str
    hours: float
    source: str
    since: str | None
    note: str

    @property
    def is_default(self) -> bool:
        """Return whether the hours are the pair default rather than a figure cited for this crossing."""
        return self.source == "default"

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data."""
        return {"id": self.crossing_id, "name": self.name, "traffic": self.traffic, "hours": round(self.hours, 2),
                "source": self.source, "since": self.since, "note": self.note}


@dataclass(frozen=True)
class RouteCrossing:
    """A border crossing a route passes, with its status on the route's date."""

    id: str
    name: str
    countries: str
    status: str
    status_since: str | None
    override: str | None
    """``open`` or ``closed`` when the scenario overrides the dated status, else None."""
    access: str
    source: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data."""
        return {"id": self.id, "name": self.name, "countries": self.countries, "status": self.status,
                "status_since": self.status_since, "override": self.override, "access": self.access,
                "source": self.source}


@dataclass(frozen=True)
class RouteRoad:
    """A road segment a route uses (its whole length, even where the route joins it half-way)."""

    id: str
    name: str
    soviet_ref: str | None
    refs: tuple[str, ...]
    country: str
    length_km: float
    length_method: str
    terrain: str

    @property
    def numbers(self) -> tuple[str, ...]:
        """Return the Soviet number (first, if any) and the current ones."""
        return ((self.soviet_ref,) if self.soviet_ref else ()) + self.refs

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data."""
        return {"id": self.id, "name": self.name, "soviet_ref": self.soviet_ref, "refs": list(self.refs),
                "country": self.country, "length_km": self.length_km, "length_method": self.length_method,
                "terrain": self.terrain}


@dataclass(frozen=True)
class DocumentNeed:
    """The document a route's traveller needs at one border crossed: the rule of the country entered, on the date.

    ``document`` is ``visa``, ``passport``, ``id-card`` or ``unknown`` (no dated rule covers the date); ``since`` and
    ``source`` are the rule's date and URL (None when unknown or when the country is the traveller's own, which
    never needs more than a passport or national ID card).
    """

    crossing_id: str
    name: str
    country: str
    document: str
    since: str | None
    source: str | None
    days: int | None = None
    evidence: str | None = None
    own_country: bool = False
    visa_held: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data."""
        return {"id": self.crossing_id, "name": self.name, "enters": self.country, "document": self.document,
                "since": self.since, "source": self.source, "days": self.days, "evidence": self.evidence,
                "own_country": self.own_country, "visa_held": self.visa_held}


@dataclass
class Route:
    """A computed route and everything the user is told about it."""

    source: str
    target: str
    scenario: Scenario
    distance_km: float
    by_country_km: dict[str, float]
    crossings: list[RouteCrossing]
    roads: list[RouteRoad]
    geodesic_km: float
    cited_share: float
    geometry: shapely.LineString
    warnings: list[Message]
    road_h: float = 0.0
    border_times: list[BorderTime] = field(default_factory=list)
    via: list[str] = field(default_factory=list)
    unknown_crossings: list[str] = field(default_factory=list)
    alternatives: list[Route] = field(default_factory=list)
    schematic_km: float = 0.0
    """Km whose length is measured on schematic geometry: neither a traced road nor a published length."""
    documents: list[DocumentNeed] = field(default_factory=list)
    """Per border crossed, the document the scenario's citizen needs (empty without a citizen)."""

    @property
    def trip(self) -> Trip:
        """Return the request this route answers (ends, via places, scenario): it computes the same route."""
        return Trip(self.source, self.target, self.scenario, tuple(self.via))

    @property
    def traced_share(self) -> float:
        """Share of the km measured on traced road geometry or resting on a published length."""
        return 1.0 - self.schematic_km / self.distance_km if self.distance_km > 0 else 0.0

    @property
    def detour_ratio(self) -> float | None:
        """Road distance over straight-line distance."""
        return self.distance_km / self.geodesic_km if self.geodesic_km > 0 else None

    @property
    def border_h(self) -> float:
        """Hours spent crossing borders."""
        return sum(b.hours for b in self.border_times)

    @property
    def duration_h(self) -> float:
        """Travel time: road hours plus border hours."""
        return self.road_h + self.border_h

    @property
    def crossing_ids(self) -> frozenset[str]:
        """The crossings the route passes."""
        return frozenset(c.id for c in self.crossings)

    def line(self) -> dict[str, Any]:
        """Return the route's line as GeoJSON geometry (coordinates on a 1e-6 degree grid)."""
        mapped: dict[str, Any] = shapely.geometry.mapping(shapely.set_precision(self.geometry, 1e-6))
        return mapped

    def to_dict(self, *, geometry: bool = True) -> dict[str, Any]:
        """Return the route as plain JSON data (alternatives nested with the same keys).

        Without ``geometry``, the route's own line is left out (its alternatives keep theirs).
        """
        record = {
            "from": self.source,
            "to": self.target,
            "as_of": self.scenario.as_of.isoformat(),
            "mode": self.scenario.mode,
            "closed": sorted(self.scenario.close),
            "opened": sorted(self.scenario.open),
            "avoid": sorted(self.scenario.avoid),
            "distance_km": round(self.distance_km, 1),
            "by_country_km": {k: round(v, 1) for k, v in self.by_country_km.items()},
            "crossings": [c.to_dict() for c in self.crossings],
            "roads": [r.to_dict() for r in self.roads],
            "geodesic_km": round(self.geodesic_km, 1),
            "detour_ratio": None if self.detour_ratio is None else round(self.detour_ratio, 3),
            "cited_share": round(self.cited_share, 3),
            "schematic_km": round(self.schematic_km, 1),
            "traced_share": round(self.traced_share, 3),
            "geometry": None,
            "warnings": [str(w) for w in self.warnings],
            "optimize": self.scenario.optimize,
            "unknown": self.scenario.unknown,
            "vehicle": self.scenario.vehicle,
            "citizen": self.scenario.citizen,
            "visas": sorted(self.scenario.visas),
            "documents": [d.to_dict() for d in self.documents],
            "duration_h": round(self.duration_h, 2),
            "road_h": round(self.road_h, 2),
            "border_h": round(self.border_h, 2),
            "border_times": [b.to_dict() for b in self.border_times],
            "via": list(self.via),
            "unknown_crossings": list(self.unknown_crossings),
            "alternatives": [a.to_dict() for a in self.alternatives],
        }
        if geometry:
            record["geometry"] = self.line()
        else:
            del record["geometry"]
        return record


@dataclass(frozen=True)
class RouteFailure:
    """A scenario under which there is no route, with the reason."""

    source: str
    target: str
    scenario: Scenario
    reason: Message

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data."""
        return {"from": self.source, "to": self.target, "as_of": self.scenario.as_of.isoformat(),
                "mode": self.scenario.mode, "optimize": self.scenario.optimize, "no_route": str(self.reason)}


@dataclass(frozen=True)
class Comparison:
    """The same trip under two scenarios and what changes between them."""

    first: Route | RouteFailure
    second: Route | RouteFailure

    @property
    def delta_km(self) -> float | None:
        """Second minus first distance, when both have a route."""
        if isinstance(self.first, Route) and isinstance(self.second, Route):
            return self.second.distance_km - self.first.distance_km
        return None

    @property
    def delta_h(self) -> float | None:
        """Second minus first travel time, when both have a route."""
        if isinstance(self.first, Route) and isinstance(self.second, Route):
            return self.second.duration_h - self.first.duration_h
        return None

    def _sets(self, part: str) -> tuple[set[str], set[str]]:
        def of(result: Route | RouteFailure) -> set[str]:
            if not isinstance(result, Route):
                return set()
            return set(result.by_country_km) if part == "countries" else set(result.crossing_ids)

        return of(self.first), of(self.second)

    @property
    def countries_added(self) -> list[str]:
        """Countries the second route enters and the first does not."""
        first, second = self._sets("countries")
        return sorted(second - first)

    @property
    def countries_removed(self) -> list[str]:
        """Countries the first route enters and the second does not."""
        first, second = self._sets("countries")
        return sorted(first - second)

    @property
    def crossings_added(self) -> list[str]:
        """Crossings the second route passes and the first does not."""
        first, second = self._sets("crossings")
        return sorted(second - first)

    @property
    def crossings_removed(self) -> list[str]:
        """Crossings the first route passes and the second does not."""
        first, second = self._sets("crossings")
        return sorted(first - second)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data."""
        return {
            "first": self.first.to_dict(),
            "second": self.second.to_dict(),
            "delta_km": None if self.delta_km is None else round(self.delta_km, 1),
            "delta_h": None if self.delta_h is None else round(self.delta_h, 2),
            "countries_added": self.countries_added,
            "countries_removed": self.countries_removed,
            "crossings_added": self.crossings_added,
            "crossings_removed": self.crossings_removed,
        }

