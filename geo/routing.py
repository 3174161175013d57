"""Road routing under dated crossing scenarios.

The graph is built once per data version (:meth:`RoadGraph.from_frames`) as a compressed sparse
row matrix whose structure is shared by every query; a :class:`Scenario` only masks edge weights
(closed crossings, avoided countries, traffic mode), so it never copies the graph.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo import store
from geo.errors import NoRouteError, UsageError
from geo.measure import distance_km
from geo.names import NameIndex
from geo.status import status_on

MODES = ("passenger", "freight")
TRAFFIC_OF_MODE = {"passenger": "passengers", "freight": "freight"}
PASSABLE = {"open", "restricted", "unknown"}
KIND_RANK = {"city": 0, "town": 1, "pass": 2, "junction": 3, "crossing": 4}
"""Which place a shared name means first: a city before a crossing named after it."""


@dataclass(frozen=True)
class Scenario:
    """What is passable: crossings on a date, overrides, avoided countries and the kind of traffic."""

    as_of: dt.date = field(default_factory=dt.date.today)
    close: frozenset[str] = frozenset()
    open: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()
    mode: str = "passenger"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"mode must be one of {', '.join(MODES)}, not {self.mode[:20]!r}")
        both = self.close & self.open
        if both:
            raise UsageError(f"crossing(s) both closed and opened: {', '.join(sorted(both))}")

    def describe(self) -> str:
        """Return a short human description of the scenario."""
        parts = [f"as of {self.as_of.isoformat()}", self.mode]
        if self.close:
            parts.append("closed: " + ", ".join(sorted(self.close)))
        if self.open:
            parts.append("opened: " + ", ".join(sorted(self.open)))
        if self.avoid:
            parts.append("avoiding " + ", ".join(sorted(self.avoid)))
        return "; ".join(parts)


@dataclass(frozen=True)
class Edge:
    """One road segment as an edge of the graph."""

    id: str
    name: str
    soviet_ref: str | None
    refs: tuple[str, ...]
    country: str
    length_km: float
    method: str
    line: shapely.LineString
    features: tuple[str, ...]


@dataclass(frozen=True)
class CrossingInfo:
    """What routing needs to know about a crossing."""

    id: str
    name: str
    countries: str
    traffic: tuple[str, ...]
    history: tuple[Mapping[str, Any], ...]


class RoadGraph:
    """An undirected road graph on places, with crossings as gate nodes.

    Parameters
    ----------
    nodes
        ``place id → (lon, lat)``.
    edges
        Road segments with ``from`` and ``to`` place ids.
    crossings
        Crossing records by id (each also a node).
    """

    def __init__(self, nodes: Mapping[str, tuple[float, float]], edges: Sequence[tuple[str, str, Edge]],
                 crossings: Mapping[str, CrossingInfo]) -> None:
        self.node_ids: list[str] = list(nodes)
        self.coords = dict(nodes)
        self.crossings = dict(crossings)
        index = {pid: i for i, pid in enumerate(self.node_ids)}
        self.edges: list[Edge] = []
        rows: list[int] = []
        cols: list[int] = []
        seen: set[tuple[int, int]] = set()
        self.edge_ends: list[tuple[int, int]] = []
        self._entry_edge: list[int] = []
        for a, b, edge in edges:
            u, v = index[a], index[b]
            pair = (min(u, v), max(u, v))
            if pair in seen or u == v:
                # a parallel edge gets a virtual middle node so the matrix keeps one entry per pair
                mid = len(self.node_ids)
                self.node_ids.append(f"~{edge.id}")
                half = Edge(edge.id, edge.name, edge.soviet_ref, edge.refs, edge.country, edge.length_km / 2,
                            edge.method, edge.line, edge.features)
                for x, y, part in ((u, mid, 0), (mid, v, 1)):
                    self._add(rows, cols, x, y, half, part)
                continue
            seen.add(pair)
            self._add(rows, cols, u, v, edge, None)
        self.index = {pid: i for i, pid in enumerate(self.node_ids)}
        n = len(self.node_ids)
        order = np.lexsort((np.array(cols), np.array(rows))) if rows else np.array([], dtype=int)
        self.rows = np.array(rows, dtype=np.int32)[order]
        self.cols = np.array(cols, dtype=np.int32)[order]
        self.entry_edge = np.array(self._entry_edge, dtype=np.int32)[order]
        self.base = np.maximum(np.array([self.edges[e].length_km for e in self.entry_edge], dtype=float), 1e-9)
        self.indptr = np.searchsorted(self.rows, np.arange(n + 1)).astype(np.int32)
        self.n = n
        self.entry_country = np.array([self.edges[e].country for e in self.entry_edge], dtype=object)
        self._gate_entries = self._entries_by_gate()
        self._country_entries = {c: np.flatnonzero(self.entry_country == c) for c in set(self.entry_country)}

    def _add(self, rows: list[int], cols: list[int], u: int, v: int, edge: Edge, part: int | None) -> None:
        self.edges.append(edge)
        self.edge_ends.append((u, v))
        k = len(self.edges) - 1
        rows.extend((u, v))
        cols.extend((v, u))
        self._entry_edge.extend((k, k))

    def _entries_by_gate(self) -> dict[str, np.ndarray]:
        is_gate = np.array([pid in self.crossings for pid in self.node_ids], dtype=bool)
        gates: dict[str, list[int]] = defaultdict(list)
        for end in (self.rows, self.cols):
            for position in np.flatnonzero(is_gate[end]):
                gates[self.node_ids[int(end[position])]].append(int(position))
        return {pid: np.array(sorted(set(p)), dtype=np.int64) for pid, p in gates.items()}

    # --- scenario ---------------------------------------------------------------------------

    def crossing_state(self, cid: str, scenario: Scenario) -> tuple[bool, dict[str, Any]]:
        """Return whether a crossing is passable under a scenario, and its status entry on the date."""
        info = self.crossings[cid]
        entry = status_on([dict(e) for e in info.history], scenario.as_of)
        if cid in scenario.close:
            return False, {**entry, "override": "closed"}
        if cid in scenario.open:
            return True, {**entry, "override": "opened"}
        if entry["status"] not in PASSABLE:
            return False, entry
        allowed = entry.get("traffic") or info.traffic
        if allowed and TRAFFIC_OF_MODE[scenario.mode] not in allowed:
            return False, entry
        return True, entry

    def weights(self, scenario: Scenario, keep: Iterable[str] = ()) -> tuple[np.ndarray, list[str]]:
        """Return the edge weights under a scenario (blocked = inf) and the blocked crossing ids.

        ``keep`` lists nodes never blocked (the route's own ends).
        """
        weights = self.base.copy()
        blocked = []
        kept = set(keep)
        for cid in self._gate_entries:
            if cid in kept:
                continue
            passable, _ = self.crossing_state(cid, scenario)
            if not passable:
                blocked.append(cid)
                weights[self._gate_entries[cid]] = np.inf
        for code in scenario.avoid:
            if code in self._country_entries:
                weights[self._country_entries[code]] = np.inf
        return weights, blocked

    def shortest(self, source: str, target: str, scenario: Scenario) -> tuple[float, list[int], list[str]]:
        """Return the distance, the node path and the blocked crossings for one pair.

        Raises
        ------
        NoRouteError
            The target cannot be reached; the message names the closed crossings and avoided
            countries that cut it off.
        """
        s, t = self.index[source], self.index[target]
        weights, blocked = self.weights(scenario, keep=(source, target))
        finite = np.isfinite(weights)
        if finite.all():
            matrix = csr_matrix((weights, self.cols, self.indptr), shape=(self.n, self.n))
        else:
            matrix = csr_matrix((weights[finite], self.cols[finite], _indptr(self.rows[finite], self.n)),
                                shape=(self.n, self.n))
        dist, pred = dijkstra(matrix, directed=True, indices=s, return_predecessors=True)
        if not np.isfinite(dist[t]):
            raise NoRouteError(self._cut_off_message(source, target, scenario, dist, blocked))
        path = [t]
        while path[-1] != s:
            path.append(int(pred[path[-1]]))
        path.reverse()
        return float(dist[t]), path, blocked

    def _cut_off_message(self, source: str, target: str, scenario: Scenario, dist: np.ndarray,
                         blocked: list[str]) -> str:
        reached = {self.node_ids[i] for i in np.flatnonzero(np.isfinite(dist))}
        at_edge = []
        for cid in blocked:
            position = self._gate_entries[cid]
            neighbours = {self.node_ids[int(self.rows[p])] for p in position} | {
                self.node_ids[int(self.cols[p])] for p in position}
            if neighbours & reached:
                at_edge.append(cid)
        reasons = []
        if at_edge:
            reasons.append("closed crossings " + ", ".join(sorted(at_edge)))
        if scenario.avoid:
            reasons.append("avoided countries " + ", ".join(sorted(scenario.avoid)))
        why = " and ".join(reasons) if reasons else "the network has no road between them"
        return f"no route from {source} to {target} ({scenario.describe()}): cut off by {why}"

    def edge_between(self, u: int, v: int) -> tuple[Edge, bool]:
        """Return the edge joining two adjacent nodes and whether it is walked backwards."""
        start, stop = self.indptr[u], self.indptr[u + 1]
        hits = np.flatnonzero(self.cols[start:stop] == v)
        k = int(self.entry_edge[start + int(hits[0])])
        a, _ = self.edge_ends[k]
        return self.edges[k], a != u


def _text(value: Any) -> str | None:
    """Return a non-empty string, or None for missing values (None, NaN, "")."""
    return value if isinstance(value, str) and value else None


def _items(value: Any) -> list[Any]:
    """Return a list property as a list (missing values as an empty list)."""
    return list(value) if isinstance(value, list | tuple) else []


def _indptr(rows: np.ndarray, n: int) -> np.ndarray:
    return np.searchsorted(rows, np.arange(n + 1)).astype(np.int32)


@dataclass
class Route:
    """A computed route and everything the user is told about it."""

    source: str
    target: str
    scenario: Scenario
    distance_km: float
    by_country_km: dict[str, float]
    crossings: list[dict[str, Any]]
    roads: list[dict[str, Any]]
    geodesic_km: float
    cited_share: float
    geometry: shapely.LineString
    warnings: list[str]

    @property
    def detour_ratio(self) -> float | None:
        """Road distance over straight-line distance."""
        return self.distance_km / self.geodesic_km if self.geodesic_km > 0 else None

    def as_dict(self) -> dict[str, Any]:
        """Return the route as plain JSON data."""
        return {
            "from": self.source,
            "to": self.target,
            "as_of": self.scenario.as_of.isoformat(),
            "mode": self.scenario.mode,
            "closed": sorted(self.scenario.close),
            "opened": sorted(self.scenario.open),
            "avoid": sorted(self.scenario.avoid),
            "distance_km": round(self.distance_km, 1),
            "by_country_km": {k: round(v, 1) for k, v in self.by_country_km.items()},
            "crossings": self.crossings,
            "roads": self.roads,
            "geodesic_km": round(self.geodesic_km, 1),
            "detour_ratio": None if self.detour_ratio is None else round(self.detour_ratio, 3),
            "cited_share": round(self.cited_share, 3),
            "geometry": shapely.geometry.mapping(shapely.set_precision(self.geometry, 1e-6)),
            "warnings": self.warnings,
        }


class RouteEngine:
    """Routes between named places on the road network.

    Parameters
    ----------
    graph
        The road graph.
    names
        Name index over the graph's places.
    """

    def __init__(self, graph: RoadGraph, names: NameIndex) -> None:
        self.graph = graph
        self.names = names

    @classmethod
    def from_frames(cls, roads: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                    crossings: gpd.GeoDataFrame) -> RouteEngine:
        """Build the engine from the ``roads``, ``places`` and ``crossings`` layers."""
        nodes = {pid: (float(x), float(y)) for pid, x, y in zip(places["id"], places.geometry.x, places.geometry.y)}
        edges = [
            (r.from_place, r.to_place, Edge(r.id, r.name, _text(r.soviet_ref), tuple(_items(r.refs)), r.country,
                                            float(r.length_km), r.length_method, r.geometry, tuple(_items(r.features))))
            for r in roads.itertuples()
        ]
        infos = {
            r.id: CrossingInfo(r.id, r.name, r.countries, tuple(_items(r.traffic)), tuple(_items(r.status_history)))
            for r in crossings.itertuples()
        }
        graph = RoadGraph(nodes, edges, infos)
        names = NameIndex(((pid, name, _items(aliases)) for pid, name, aliases in
                           zip(places["id"], places["name"], places["aliases"])),
                          ranks={pid: KIND_RANK.get(kind, 9) for pid, kind in zip(places["id"], places["kind"])})
        return cls(graph, names)

    @classmethod
    def load(cls, folder: Path | None = None) -> RouteEngine:
        """Build the engine from the built layers in ``layers/``."""
        roads, _ = store.read_layer("roads", folder)
        places, _ = store.read_layer("places", folder)
        crossings, _ = store.read_layer("crossings", folder)
        return cls.from_frames(roads, places, crossings)

    def resolve(self, text: str) -> str:
        """Return the place id for a typed name (see :meth:`NameIndex.resolve`)."""
        return self.names.resolve(text)

    def search(self, text: str, limit: int = 10) -> list[tuple[str, str]]:
        """Return places matching a partial name, best first."""
        return self.names.search(text, limit)

    def check_crossings(self, ids: Iterable[str]) -> None:
        """Raise :class:`UsageError` for any id that is not a crossing."""
        for cid in ids:
            if cid not in self.graph.crossings:
                hint = NameIndex((c, c, []) for c in self.graph.crossings).suggest(cid)
                shown = cid if len(cid) <= 40 else cid[:39] + "…"
                raise UsageError(f"unknown crossing id {shown!r}" + (f" — did you mean {hint}?" if hint else ""))

    def route(self, source: str, target: str, scenario: Scenario | None = None) -> Route:
        """Return the shortest road route between two places under a scenario.

        Raises
        ------
        UsageError
            Unknown place names or crossing ids, or the same place twice.
        NoRouteError
            The scenario cuts the two places apart.
        """
        scenario = scenario or Scenario()
        a, b = self.resolve(source), self.resolve(target)
        self.check_crossings(scenario.close | scenario.open)
        unknown_codes = scenario.avoid - set(self.graph._country_entries) - {"AF", "CN", "RU", "IR"}
        if unknown_codes:
            raise UsageError(f"unknown country code(s) to avoid: {', '.join(sorted(unknown_codes))}")
        if a == b:
            raise UsageError(f"from and to are the same place ({self.names.labels[a]})")
        distance, path, _ = self.graph.shortest(a, b, scenario)
        return self._describe(a, b, scenario, distance, path)

    def _describe(self, a: str, b: str, scenario: Scenario, distance: float, path: list[int]) -> Route:
        g = self.graph
        by_country: dict[str, float] = defaultdict(float)
        roads: list[dict[str, Any]] = []
        lines: list[list[tuple[float, ...]]] = []
        cited = 0.0
        warnings: list[str] = []
        seen_edges: set[str] = set()
        for u, v in zip(path, path[1:]):
            edge, backwards = g.edge_between(u, v)
            by_country[edge.country] += edge.length_km
            if edge.method in ("cited", "calibrated"):
                cited += edge.length_km
            if edge.id in seen_edges:
                continue
            seen_edges.add(edge.id)
            full = edge.length_km * (2 if g.node_ids[v].startswith("~") or g.node_ids[u].startswith("~") else 1)
            roads.append({"id": edge.id, "name": edge.name, "soviet_ref": edge.soviet_ref, "refs": list(edge.refs),
                          "country": edge.country, "length_km": round(full, 1), "length_method": edge.method})
            coords = list(edge.line.coords)
            lines.append(coords[::-1] if backwards else coords)
            for feature in edge.features:
                if any(word in feature.lower() for word in ("seasonal", "winter", "closed")):
                    warnings.append(f"{edge.name}: {feature}")
        crossings = []
        for node in path:
            pid = g.node_ids[node]
            if pid not in g.crossings:
                continue
            _, entry = g.crossing_state(pid, scenario)
            info = g.crossings[pid]
            crossings.append({"id": pid, "name": info.name, "countries": info.countries, "status": entry["status"],
                              "status_since": entry.get("date"), "override": entry.get("override"),
                              "source": entry.get("source")})
            if entry["status"] == "unknown" and not entry.get("override"):
                warnings.append(f"crossing {info.name}: status unknown on {scenario.as_of.isoformat()} "
                                "(treated as passable)")
            elif entry["status"] == "restricted" and not entry.get("override"):
                warnings.append(f"crossing {info.name}: restricted on {scenario.as_of.isoformat()} "
                                f"({entry.get('note') or 'see its status history'})")
        path_coords: list[tuple[float, ...]] = []
        for part in lines:
            path_coords.extend(part if not path_coords else part[1:])
        geodesic = distance_km(g.coords[a], g.coords[b])
        share = cited / distance if distance > 0 else 0.0
        if share < 0.5:
            warnings.append(f"only {share:.0%} of this route's km rest on published lengths; the rest is measured "
                            "on schematic geometry and runs short of the real road")
        return Route(a, b, scenario, distance, dict(sorted(by_country.items(), key=lambda kv: -kv[1])), crossings,
                     roads, geodesic, share, shapely.LineString(path_coords), warnings)

    def compare(self, source: str, target: str, first: Scenario, second: Scenario) -> dict[str, Any]:
        """Return the same pair under two scenarios and what changes between them.

        A scenario without a route is reported with its reason instead of failing the comparison.
        """
        results: list[dict[str, Any]] = []
        for scenario in (first, second):
            try:
                results.append(self.route(source, target, scenario).as_dict())
            except NoRouteError as exc:
                results.append({"from": self.resolve(source), "to": self.resolve(target),
                                "as_of": scenario.as_of.isoformat(), "no_route": str(exc)})
        one, two = results
        countries = [set(r.get("by_country_km", {})) for r in results]
        crossings = [{c["id"] for c in r.get("crossings", [])} for r in results]
        both = "distance_km" in one and "distance_km" in two
        return {
            "first": one,
            "second": two,
            "delta_km": round(two["distance_km"] - one["distance_km"], 1) if both else None,
            "countries_added": sorted(countries[1] - countries[0]),
            "countries_removed": sorted(countries[0] - countries[1]),
            "crossings_added": sorted(crossings[1] - crossings[0]),
            "crossings_removed": sorted(crossings[0] - crossings[1]),
        }


def measure_geojson(obj: Any, countries: Any) -> dict[str, Any]:
    """Measure a GeoJSON line or polygon (geometry, Feature or FeatureCollection) per country.

    Raises
    ------
    geo.tracks.TrackError
        The object is not a measurable line or polygon in WGS84.
    """
    from geo import tracks

    return tracks.measure(tracks.geometry_from_geojson(obj), countries)
