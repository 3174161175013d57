"""The road network's types, shared by its build (:mod:`geo.layers.roads`) and its checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.layers.tables import Row


@dataclass(frozen=True)
class Place:
    """A node of the road network."""

    row: Row | None
    id: str
    name: str
    aliases: tuple[str, ...]
    country: str
    kind: str
    capital: str
    point: tuple[float, float]
    elevation_m: float | None
    coord_source: str
    sources: tuple[str, ...]

    def countries(self) -> set[str]:
        """Return the country codes the place belongs to (two for a crossing)."""
        return set(self.country.split("-"))


@dataclass
class Segment:
    """An edge of the road network, between two places."""

    row: Row
    id: str
    name: str
    soviet_ref: str | None
    refs: list[str]
    from_place: str
    to_place: str
    country: str
    via: list[tuple[float, float]]
    run: str | None
    cited_km: float | None
    length_source: str | None
    features: list[str]
    accuracy: str
    sources: list[str]
    notes: str


@dataclass(frozen=True)
class Run:
    """A published length covering several consecutive segments."""

    row: Row
    id: str
    name: str
    length_km: float
    source: str


@dataclass
class Network:
    """The loaded road network."""

    places: dict[str, Place]
    segments: list[Segment]
    runs: dict[str, Run] = field(default_factory=dict)
