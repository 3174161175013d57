"""Road routing under dated crossing scenarios, by travel time or by distance.

The graph is built once per data version (:meth:`RouteEngine.from_frames`) as a compressed sparse
row matrix whose structure is shared by every query; a :class:`Scenario` only masks and weights
its entries (closed crossings, avoided countries, traffic mode, transit rules), so it never copies the graph.

Travel time is road time (length over the speed of the segment's country, terrain and traffic) plus
the border time of every crossing passed. Border time is a node cost: it is added to each directed
entry *into* a crossing, so a route through a crossing pays it once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo import vocab
from geo.errors import NoRouteError, UsageError
from geo.i18n import N_
from geo.layers import entry_rules, store
from geo.measure import distance_km
from geo.messages import Message
from geo.routing import speeds as speed_table
from geo.routing.graph import (
    KIND_RANK,
    MAX_ALTERNATIVES,
    CrossingInfo,
    Edge,
    RoadGraph,
    Scenario,
    Trip,
    as_items,
    as_text,
    speeds_folder,
)
from geo.routing.names import NameIndex
from geo.routing.results import (
    BorderTime,
    Comparison,
    DocumentNeed,
    Route,
    RouteCrossing,
    RouteFailure,
    RouteRoad,
)

SCHEMATIC_WARNING_SHARE = 0.1
"""A route warns when more than this share of its km is measured on schematic geometry."""


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
    def from_frames(cls, roads: gpd.GeoDataFrame, places: gpd.GeoDataFrame, crossings: gpd.GeoDataFrame,
                    speeds: speed_table.SpeedTable | None = None,
                    rules: entry_rules.EntryRules | None = None) -> RouteEngine:
        """Build the engine from the ``roads``, ``places`` and ``crossings`` layers, the speeds and the entry rules.

        ``speeds`` and ``rules`` default to the tables found by :func:`speeds_folder`.
        """
        speeds = speeds if speeds is not None else speed_table.load(speeds_folder())
        rules = rules if rules is not None else entry_rules.load_optional(speeds_folder() / entry_rules.FILE)
        nodes = {pid: (float(x), float(y)) for pid, x, y in zip(places["id"], places.geometry.x, places.geometry.y)}
        passes = set(places.loc[places["kind"] == "pass", "id"])
        edges = [
            (r.from_place, r.to_place,
             Edge(r.id, r.name, as_text(r.soviet_ref), tuple(as_items(r.refs)), r.country, float(r.length_km),
                  r.length_method, r.geometry, tuple(as_items(r.features)),
                  speed_table.terrain_of(as_items(r.features), bool({r.from_place, r.to_place} & passes))))
            for r in roads.itertuples()
        ]
        times = crossings["border_times"] if "border_times" in crossings.columns else [None] * len(crossings)
        infos = {
            r.id: CrossingInfo(r.id, r.name, r.countries, tuple(as_items(r.traffic)), tuple(as_items(r.status_history)),
                               tuple(as_items(t)))
            for r, t in zip(crossings.itertuples(), times)
        }
        graph = RoadGraph(nodes, edges, infos, speeds, rules)
        names = NameIndex(((pid, name, as_items(aliases)) for pid, name, aliases in
                           zip(places["id"], places["name"], places["aliases"])),
                          ranks={pid: KIND_RANK.get(kind, 9) for pid, kind in zip(places["id"], places["kind"])})
        return cls(graph, names)

    @classmethod
    def load(cls, folder: Path | None = None) -> RouteEngine:
        """Build the engine from the built layers in ``layers/`` and ``road_speeds.csv``, ``entry_rules.csv``."""
        roads, _ = store.read_layer("roads", folder)
        places, _ = store.read_layer("places", folder)
        crossings, _ = store.read_layer("crossings", folder)
        curated = speeds_folder(folder)
        return cls.from_frames(roads, places, crossings, speed_table.load(curated),
                               entry_rules.load_optional(curated / entry_rules.FILE))

    def close(self) -> None:
        """Release what the engine holds (nothing, in memory; a database engine closes its connection)."""

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

    def _stops(self, source: str, target: str, via: Sequence[str]) -> list[str]:
        a, b = self.resolve(source), self.resolve(target)
        stops = [a]
        for text in via:
            try:
                pid = self.resolve(text)
            except UsageError as exc:
                raise UsageError(Message.of("--via: {message}", N_("via place: {message}"),
                                            message=exc.message)) from None
            if pid in (a, b):
                end = Message.of(N_("start") if pid == a else N_("end"))
                raise UsageError(Message.of("--via {name} is the route's {end} ({place})",
                                            N_("via place {name} is the route's {end} ({place})"),
                                            name=repr(vocab.shorten(text)), end=end, place=self.names.labels[pid]))
            if pid == stops[-1]:
                raise UsageError(Message.of("--via {place} twice in a row", N_("via place {place} twice in a row"),
                                            place=self.names.labels[pid]))
            stops.append(pid)
        if a == b and not via:
            raise UsageError(Message.of(N_("from and to are the same place ({place})"), place=self.names.labels[a]))
        stops.append(b)
        return stops

    def trip(self, trip: Trip, alternatives: int = 0) -> Route:
        """Return the best road route of a trip (see :meth:`route`)."""
        return self.route(trip.origin, trip.dest, trip.scenario, via=trip.via, alternatives=alternatives)

    def route(self, source: str, target: str, scenario: Scenario | None = None, via: Sequence[str] = (),
              alternatives: int = 0) -> Route:
        """Return the best road route between two places under a scenario.

        Parameters
        ----------
        source, target
            Place names (any script, aliases accepted) or ids.
        scenario
            Date, overrides, avoided countries, mode, objective, unknown-status rule, vehicle.
        via
            Places to pass in this order.
        alternatives
            How many more routes (0 to 3) through other sets of crossings to add to the result.

        Raises
        ------
        UsageError
            Unknown place names or crossing ids, the same place twice, a via place equal to an end, or
            ``alternatives`` out of range.
        NoRouteError
            The scenario cuts the places apart.
        """
        scenario = scenario or Scenario()
        if not 0 <= alternatives <= MAX_ALTERNATIVES:
            raise UsageError(f"--alternatives must be between 0 and {MAX_ALTERNATIVES}, not {alternatives}")
        stops = self._stops(source, target, via)
        self.check_crossings(scenario.close | scenario.open)
        unknown_codes = scenario.avoid - set(self.graph._country_entries) - set(vocab.BY_ISO2)
        if unknown_codes:
            raise UsageError(f"unknown country code(s) to avoid: {', '.join(sorted(unknown_codes))}")
        paths = self.plan(stops, scenario, alternatives)
        routes = [self._describe(stops, scenario, path) for path in paths]
        best = routes[0]
        best.alternatives = routes[1:]
        return best

    def plan(self, stops: list[str], scenario: Scenario, alternatives: int) -> list[list[int]]:
        """Return the node paths (best first) through ``stops`` under a scenario: the engine's search.

        The in-memory engine searches its sparse graph; ``geo.db.pgrouting`` overrides this to search in the database.

        Raises
        ------
        NoRouteError
            A leg cannot be completed under the scenario.
        """
        return self.graph.plan(stops, scenario, alternatives)[0]

    def trees(self, scenario: Scenario, sources: np.ndarray) -> np.ndarray:
        """Return the shortest-path trees from many sources as predecessor arrays: the engine's bulk search.

        The in-memory engine runs :meth:`RoadGraph.trees`; ``geo.db.pgrouting`` overrides this to search in the
        database. ``geo matrix`` sums each pair's values along these trees (:mod:`geo.routing.matrix`).
        """
        return self.graph.trees(scenario, sources)

    def _describe(self, stops: list[str], scenario: Scenario, path: list[int]) -> Route:
        g = self.graph
        a, b = stops[0], stops[-1]
        by_country: dict[str, float] = defaultdict(float)
        roads: list[RouteRoad] = []
        lines: list[np.ndarray] = []
        cited = 0.0
        schematic = 0.0
        distance = 0.0
        road_h = 0.0
        hours = g.edge_hours[scenario.mode]
        warnings: list[Message] = []
        seen_edges: set[str] = set()
        for u, v in zip(path, path[1:]):
            edge, backwards, k = g.edge_between(u, v)
            by_country[edge.country] += edge.length_km
            distance += edge.length_km
            road_h += float(hours[k])
            if edge.method in ("cited", "calibrated"):
                cited += edge.length_km
            elif edge.method == "geodesic":
                schematic += edge.length_km
            coords = g.edge_coords[k]
            if edge.id in seen_edges and (g.node_ids[v].startswith("~") or g.node_ids[u].startswith("~")):
                continue
            lines.append(coords[::-1] if backwards else coords)
            if edge.id in seen_edges:
                continue
            seen_edges.add(edge.id)
            full = edge.length_km * (2 if g.node_ids[v].startswith("~") or g.node_ids[u].startswith("~") else 1)
            roads.append(RouteRoad(edge.id, edge.name, edge.soviet_ref, tuple(edge.refs), edge.country,
                                   round(full, 1), edge.method, edge.terrain))
            for feature in edge.features:
                if any(word in feature.lower() for word in ("seasonal", "winter", "closed")):
                    warnings.append(Message.of("{road}: {feature}", road=edge.name, feature=feature))
        crossings, border_times, unknown = self._crossings(path, scenario, warnings)
        documents = self._documents(path, scenario)
        path_coords = np.concatenate([lines[0], *(part[1:] for part in lines[1:])]) if lines else np.empty((0, 2))
        geodesic = distance_km(g.coords[a], g.coords[b])
        share = cited / distance if distance > 0 else 0.0
        if distance > 0 and schematic / distance > SCHEMATIC_WARNING_SHARE:
            warnings.append(Message.of(
                N_("{km} km ({share}) of this route are measured on schematic geometry (straight lines between places, "
                   "no traced road or published length) and may run short of the real road"),
                km=f"{schematic:,.0f}", share=f"{schematic / distance:.0%}"))
        return Route(a, b, scenario, distance, dict(sorted(by_country.items(), key=lambda kv: -kv[1])), crossings,
                     roads, geodesic, share, shapely.LineString(path_coords), warnings, road_h, border_times,
                     stops[1:-1], unknown, schematic_km=schematic, documents=documents)

    def _documents(self, path: list[int], scenario: Scenario) -> list[DocumentNeed]:
        """Return the document the scenario's citizen needs at each border the path crosses (none without one)."""
        citizen = scenario.citizen
        if citizen is None:
            return []
        g = self.graph
        needs = []
        for position in range(1, len(path) - 1):
            pid = g.node_ids[path[position]]
            if pid not in g.crossings:
                continue
            left = g.edge_between(path[position - 1], path[position])[0].country
            entered = g.edge_between(path[position], path[position + 1])[0].country
            if entered == left:  # in and out on the same side: no border crossed
                continue
            name = g.crossings[pid].name
            if entered == citizen:
                needs.append(DocumentNeed(pid, name, entered, "passport", None, None, own_country=True))
                continue
            rule = g.rules.on(citizen, entered, scenario.as_of)
            if rule is None:
                needs.append(DocumentNeed(pid, name, entered, entry_rules.UNKNOWN, None, None))
                continue
            needs.append(DocumentNeed(pid, name, entered, rule.document, rule.date.isoformat(), rule.source, rule.days,
                                      rule.evidence, visa_held=rule.document == "visa" and entered in scenario.visas))
        return needs

    def _crossings(self, path: list[int], scenario: Scenario,
                   warnings: list[Message]) -> tuple[list[RouteCrossing], list[BorderTime], list[str]]:
        """Describe the crossings on a path; border time counts for every crossing passed (not the route's ends)."""
        g = self.graph
        states = g.states(scenario)
        crossings: list[RouteCrossing] = []
        border_times: list[BorderTime] = []
        unknown: list[str] = []
        day = scenario.as_of.isoformat()
        for position, node in enumerate(path):
            pid = g.node_ids[node]
            if pid not in g.crossings:
                continue
            state = states[pid]
            entry, info = state.entry, g.crossings[pid]
            crossings.append(RouteCrossing(pid, info.name, info.countries, str(entry["status"]), entry.get("date"),
                                           entry.get("override"), entry.get("access") or "unknown",
                                           entry.get("source")))
            if 0 < position < len(path) - 1 and state.border is not None:
                border = state.border
                border_times.append(BorderTime(pid, info.name, scenario.traffic, state.hours, str(border["source"]),
                                               border.get("date"), str(border.get("note") or "")))
            if state.unknown_status and not entry.get("override"):
                unknown.append(pid)
                warnings.append(Message.of(
                    "crossing {name}: status unknown on {day} (treated as open; --unknown closed avoids it)",
                    N_("crossing {name}: status unknown on {day} (treated as open; choose “treated as closed” for "
                       "crossings of unknown status to avoid it)"), name=info.name, day=day))
            elif entry["status"] == "restricted" and not entry.get("override"):
                note = entry.get("note") or Message.of(N_("see its status history"))
                warnings.append(Message.of(N_("crossing {name}: restricted on {day} ({note})"), name=info.name, day=day,
                                           note=note))
            if state.unknown_access and not entry.get("override"):
                if pid not in unknown:
                    unknown.append(pid)
                pair = info.countries.split("-")
                if scenario.vehicle and scenario.vehicle not in pair:
                    warnings.append(Message.of(
                        "crossing {name}: no source says whether it admits {vehicle}-registered vehicles on {day} "
                        "(treated as open; --unknown closed avoids it)",
                        N_("crossing {name}: no source says whether it admits {vehicle}-registered vehicles on {day} "
                           "(treated as open; choose “treated as closed” for crossings of unknown status to avoid "
                           "it)"), name=info.name, vehicle=scenario.vehicle, day=day))
                else:
                    warnings.append(Message.of(
                        "crossing {name}: no source says whether it admits {citizen} citizens on {day} "
                        "(treated as open; --unknown closed avoids it)",
                        N_("crossing {name}: no source says whether it admits {citizen} citizens on {day} (treated as "
                           "open; choose “treated as closed” for crossings of unknown status to avoid it)"),
                        name=info.name, citizen=scenario.citizen, day=day))
        return crossings, border_times, unknown

    def comparison(self, source: str, target: str, first: Scenario, second: Scenario,
                   via: Sequence[str] = ()) -> Comparison:
        """Return the same trip under two scenarios; a scenario without a route becomes a :class:`RouteFailure`."""
        results: list[Route | RouteFailure] = []
        for scenario in (first, second):
            try:
                results.append(self.route(source, target, scenario, via))
            except NoRouteError as exc:
                results.append(RouteFailure(self.resolve(source), self.resolve(target), scenario, exc.message))
        return Comparison(results[0], results[1])

    def compare(self, source: str, target: str, first: Scenario, second: Scenario) -> dict[str, Any]:
        """Return :meth:`comparison` as plain data (kept for callers that consume dicts)."""
        return self.comparison(source, target, first, second).to_dict()


def measure_geojson(obj: Any, countries: Any) -> dict[str, Any]:
    """Measure a GeoJSON line or polygon (geometry, Feature or FeatureCollection) per country.

    Raises
    ------
    geo.io.tracks.TrackError
        The object is not a measurable line or polygon in WGS84.
    """
    from geo.io import tracks

    return tracks.measure(tracks.geometry_from_geojson(obj), countries)

