"""Trace the curated road segments on a reference road network.

For each segment, the shortest path on the reference graph between its two end places, inside a corridor
around its schematic line (from place through its ``via`` points to place): edges farther than
:data:`CORRIDOR_FREE_KM` from the schematic line cost more, edges beyond :data:`CORRIDOR_KM` are not used, so the
trace follows the same road rather than a shortcut through another valley. The trace starts and ends exactly at
the place coordinates (a short straight connector joins each place to the nearest reference road), so segments
that share a place stay joined. A trace is accepted only when its length is plausible against the schematic
line (:data:`RATIO`); otherwise the segment keeps its schematic line and the reason is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry.base import BaseGeometry

from geo.layers.tables import Problems, Row, parse_choice, parse_float, parse_urls, read_table
from geo.measure import geodesic_km
from geo.reference import RoadGraph, from_metric, to_metric

CORRIDORS_KM = (10.0, 20.0, 35.0)
"""Corridor half-widths tried in turn: no trace leaves the widest from the segment's schematic line."""
CORRIDOR_KM = CORRIDORS_KM[0]
CORRIDOR_FREE_KM = 2.0
"""Within this distance of the schematic line a road costs its length; farther out it costs more."""
DETOUR = 1.08
"""A preferred reference's trace is set aside when it is this much longer than another reference's trace."""
BRIDGE_COST = 3.0
"""A straight link bridging a gap in the reference costs this many times its length (a road is preferred)."""
OUTER = 1.5
"""A long edge (sparse vertices on straight roads) may reach this multiple of the corridor if one end is inside."""
PENALTY = 1.5
"""Extra cost factor of a road at the corridor's edge (rising linearly from the free zone)."""
END_KM = 15.0
"""A place joins the reference roads within this distance (a city centre off the trunk road, a side valley)."""
CONNECTOR_SHARE = 0.2
"""Straight connectors from the places to the roads may make up at most this share of a trace (or 2 km)."""
END_COST = 3.0
"""A connector from a place to a road costs this many times its length, so the nearest road wins."""
END_CANDIDATES = 4
"""Number of nearby reference edges a place may join."""
RATIO = (0.8, 1.8)
"""Accepted range of traced length / schematic length."""
MARGIN_KM = 2.0
"""A segment's trace may use roads this far outside its country (generalised border lines, border rivers)."""
ROUND = 6
"""Decimals of traced coordinates (about 0.1 m), so a rebuilt trace and its committed copy measure the same."""

EXCEPTION_COLUMNS = ("segment", "action", "value", "reason", "source")
ACTIONS = ("schematic", "corridor_km", "reference", "max_ratio")
SOURCED = ("schematic", "max_ratio")
"""Actions that overrule the references: a row with one of them must cite a source."""


@dataclass(frozen=True)
class Trace:
    """The outcome of tracing one segment.

    ``line`` is the traced geometry (None when the segment stays schematic), ``source`` the dataset and vintage it
    came from, ``reason`` why the segment stays schematic.
    """

    line: shapely.LineString | None
    source: str | None
    reason: str | None = None
    connectors_km: tuple[float, float] = (0.0, 0.0)

    @property
    def traced(self) -> bool:
        """Return whether a trace was accepted."""
        return self.line is not None


@dataclass(frozen=True)
class Exception_:
    """A curated instruction for one segment (``layers/src/roads/trace_exceptions.csv``)."""

    row: Row
    segment: str
    action: str
    value: str
    reason: str
    source: str


def load_exceptions(path: Path, segment_ids: set[str]) -> dict[str, list[Exception_]]:
    """Read the per-segment tracing instructions; raise :class:`~geo.errors.DataError` listing every problem.

    Actions: ``schematic`` (keep the schematic line: the road was built or renumbered since the reference, or the
    reference lacks it and its trace goes round), ``corridor_km`` (a wider or narrower corridor, ``value`` in km),
    ``reference`` (only use the reference whose label starts with ``value``) and ``max_ratio`` (the schematic line
    is known to cut a corner the road goes round: accept a trace up to ``value`` times its length). ``schematic``
    and ``max_ratio`` overrule what the references say, so they need a source.
    """
    problems = Problems()
    result: dict[str, list[Exception_]] = {}
    if not path.is_file():
        return result
    for row in read_table(path, EXCEPTION_COLUMNS):
        before = len(problems.items)
        if row["segment"] not in segment_ids:
            problems.add(row, f"segment: unknown segment {row['segment']!r}")
        action = parse_choice(row, "action", ACTIONS, problems)
        if action == "corridor_km":
            parse_float(row, "value", problems, low=1, high=60)
        if action == "max_ratio":
            parse_float(row, "value", problems, low=1, high=5)
        if action == "reference" and not row["value"]:
            problems.add(row, "value: name the reference (e.g. 'osm-roads 2017')")
        if not row["reason"]:
            problems.add(row, "reason: missing")
        sources = parse_urls(row, "source", problems, required=action in SOURCED)
        if len(problems.items) == before and action is not None:
            result.setdefault(row["segment"], []).append(
                Exception_(row, row["segment"], action, row["value"], row["reason"], sources[0] if sources else ""))
    problems.raise_if_any()
    return result


def trace_segment(graph: RoadGraph, schematic: shapely.LineString, *, corridor_km: float = CORRIDOR_KM,
                  area: BaseGeometry | None = None, max_ratio: float = RATIO[1]) -> Trace:
    """Trace one schematic line on a reference graph.

    Parameters
    ----------
    graph
        The reference network.
    schematic
        The segment's line in EPSG:4326, from its first place through its via points to its last place.
    corridor_km
        Half-width of the corridor around ``schematic``.
    area
        Where the road may run, in :data:`~geo.reference.METRIC` metres (the segment's country with a margin).
    max_ratio
        Longest accepted trace, as a multiple of the schematic line's length.

    Returns
    -------
    The accepted trace (starting and ending exactly at the schematic line's ends), or the reason there is none.
    """
    label = graph.dataset.source
    ends = np.asarray(schematic.coords)[[0, -1]]
    line_xy = shapely.LineString(to_metric(np.asarray(schematic.coords)))
    reach = corridor_km * OUTER
    nodes = graph.node_tree().query(line_xy, predicate="dwithin", distance=reach * 1000.0)
    if len(nodes) < 2:
        return Trace(None, None, f"{label}: no road within the {corridor_km:g} km corridor")
    distance = np.full(len(graph.xy), np.inf)
    distance[nodes] = shapely.distance(graph.node_points()[nodes], line_xy) / 1000.0
    if area is not None:
        outside = nodes[~shapely.contains_xy(area, graph.xy[nodes, 0], graph.xy[nodes, 1])]
        distance[outside] = np.inf
    near, far = np.minimum(distance[graph.u], distance[graph.v]), np.maximum(distance[graph.u], distance[graph.v])
    edges = np.flatnonzero((near <= corridor_km) & (far <= reach))
    if not len(edges):
        return Trace(None, None, f"{label}: no road within the {corridor_km:g} km corridor")
    free = min(CORRIDOR_FREE_KM, corridor_km / 2)
    factor = 1.0 + PENALTY * np.clip((far[edges] - free) / (corridor_km - free), 0.0, 1.0)
    factor[graph.cls[edges] < 0] *= BRIDGE_COST
    local = _LocalGraph(graph, edges, graph.km[edges] * factor)
    start = local.attach(ends[0])
    end = local.attach(ends[1])
    if start is None or end is None:
        which = "start" if start is None else "end"
        return Trace(None, None, f"{label}: no road within {END_KM:g} km of the segment's {which}")
    path = local.shortest_path(start, end)
    if path is None:
        return Trace(None, None, f"{label}: no connected road between the ends inside the {corridor_km:g} km corridor")
    full = np.round(local.lonlat_of(path), ROUND)
    line = shapely.LineString(_dedupe(full))
    traced, drawn = geodesic_km(line), geodesic_km(schematic)
    gaps = (geodesic_km(shapely.LineString(full[:2])), geodesic_km(shapely.LineString(full[-2:])))
    if sum(gaps) > max(2.0, CONNECTOR_SHARE * traced):
        return Trace(None, None, f"{label}: the places lie {gaps[0]:.1f} and {gaps[1]:.1f} km from the nearest "
                                 f"reference road (more than {CONNECTOR_SHARE:.0%} of the {traced:.0f} km trace)",
                     gaps)
    ratio = traced / drawn if drawn else float("inf")
    low, high = RATIO[0], max_ratio
    if not low <= ratio <= high:
        return Trace(None, None, f"{label}: traced {traced:.0f} km is {ratio:.2f}× the schematic {drawn:.0f} km "
                                 f"(accepted {low}–{high})")
    return Trace(line, label, None, gaps)


class _LocalGraph:
    """The corridor's part of a reference graph, with places attached as extra nodes."""

    def __init__(self, graph: RoadGraph, edges: NDArray[np.int64], weights: NDArray[np.float64]) -> None:
        self.graph = graph
        self.nodes, inverse = np.unique(np.concatenate([graph.u[edges], graph.v[edges]]), return_inverse=True)
        self.u = list(inverse[: len(edges)])
        self.v = list(inverse[len(edges):])
        self.w = list(weights)
        self.xy = [*graph.xy[self.nodes]]
        self.exact: dict[int, tuple[float, float]] = {}
        self.segments = np.asarray(
            shapely.linestrings(np.stack([graph.xy[graph.u[edges]], graph.xy[graph.v[edges]]], axis=1)), dtype=object)
        self.edge_km = graph.km[edges]
        self.edge_w = weights
        self.tree = shapely.STRtree(self.segments)
        count = len(self.nodes)
        matrix = coo_array((np.ones(len(edges)), (self.u, self.v)), shape=(count, count))
        self.part = connected_components(matrix, directed=False)[1][np.array(self.u, dtype=np.int64)]

    def _add_node(self, xy: NDArray[np.float64]) -> int:
        self.xy.append(xy)
        return len(self.xy) - 1

    def attach(self, lonlat: NDArray[np.float64]) -> int | None:
        """Add a place as a node joined to the nearest reference edges; return its index or None if none is near."""
        xy = to_metric(lonlat.reshape(1, 2))[0]
        point = shapely.points(xy)
        near = self.tree.query(point, predicate="dwithin", distance=END_KM * 1000.0)
        if not len(near):
            return None
        gaps = shapely.distance(self.segments[near], point)
        ranked = near[np.argsort(gaps)]
        # the nearest few edges, and the nearest edge of every other connected part (a fragment must not trap the end)
        _, first_of_part = np.unique(self.part[ranked], return_index=True)
        order = np.unique(np.concatenate([ranked[:END_CANDIDATES], ranked[first_of_part]]))
        place = self._add_node(xy)
        self.exact[place] = (float(lonlat[0]), float(lonlat[1]))
        for edge in order:
            segment = self.segments[edge]
            share = float(shapely.line_locate_point(segment, point, normalized=True))
            foot = shapely.get_coordinates(shapely.line_interpolate_point(segment, share, normalized=True))[0]
            node = self._add_node(foot)
            a, b = self.u[edge], self.v[edge]
            weight = float(self.edge_w[edge])
            self.u += [a, node]
            self.v += [node, b]
            self.w += [max(weight * share, 1e-9), max(weight * (1 - share), 1e-9)]
            gap_km = float(np.hypot(*(foot - xy))) / 1000.0
            self.u.append(place)
            self.v.append(node)
            self.w.append(max(gap_km * END_COST, 1e-9))
        return place

    def shortest_path(self, start: int, end: int) -> list[int] | None:
        """Return the node indices of the cheapest path from ``start`` to ``end``, or None."""
        n = len(self.xy)
        u, v, w = np.array(self.u), np.array(self.v), np.array(self.w)
        low, high = np.minimum(u, v), np.maximum(u, v)
        order = np.lexsort((w, high, low))
        low, high, w = low[order], high[order], w[order]
        first = np.ones(len(low), dtype=bool)
        first[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
        matrix = coo_array((w[first], (low[first], high[first])), shape=(n, n)).tocsr()
        _, predecessors = dijkstra(matrix, directed=False, indices=start, return_predecessors=True)
        if predecessors[end] < 0:
            return None
        path = [end]
        while path[-1] != start:
            path.append(int(predecessors[path[-1]]))
        return path[::-1]

    def lonlat_of(self, path: list[int]) -> NDArray[np.float64]:
        """Return the coordinates of a path: exact for places, projected back for everything else."""
        xy = np.array([self.xy[i] for i in path])
        lonlat = from_metric(xy)
        for k, node in enumerate(path):
            if node < len(self.nodes):
                lonlat[k] = self.graph.lonlat[self.nodes[node]]
            elif node in self.exact:
                lonlat[k] = self.exact[node]
        return lonlat


def _dedupe(coords: NDArray[np.float64]) -> NDArray[np.float64]:
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
    return coords[keep]


def trace_all(schematic: Mapping[str, shapely.LineString], countries: Mapping[str, str],
              graphs: Sequence[RoadGraph], exceptions: Mapping[str, list[Exception_]],
              check: Callable[[str, shapely.LineString], str | None] | None = None,
              areas: Mapping[str, BaseGeometry] | None = None) -> dict[str, Trace]:
    """Trace every segment on the first reference that covers its country and gives an accepted trace.

    Parameters
    ----------
    schematic
        Segment id → schematic line.
    countries
        Segment id → ISO2 country.
    graphs
        Reference graphs in order of preference.
    exceptions
        Curated instructions per segment (see :func:`load_exceptions`).
    check
        Called with a segment id and an accepted trace; a returned reason rejects the trace.
    areas
        ISO2 → area (EPSG:4326) a segment of that country must stay in (its country with a margin).
    """
    metric_areas = {code: shapely.transform(area, to_metric) for code, area in (areas or {}).items()}
    result: dict[str, Trace] = {}
    for sid, line in schematic.items():
        rules = exceptions.get(sid, [])
        keep = next((r for r in rules if r.action == "schematic"), None)
        if keep is not None:
            result[sid] = Trace(None, None, f"kept schematic: {keep.reason} ({keep.source})")
            continue
        fixed = next((float(r.value) for r in rules if r.action == "corridor_km"), None)
        corridors = (fixed,) if fixed else CORRIDORS_KM
        only = next((r.value for r in rules if r.action == "reference"), None)
        max_ratio = next((float(r.value) for r in rules if r.action == "max_ratio"), RATIO[1])
        reasons = []
        accepted: list[Trace] = []
        for graph in graphs:
            if only and not graph.dataset.label.startswith(only):
                continue
            if not graph.dataset.covers(countries[sid]):
                continue
            attempt = Trace(None, None, graph.dataset.source)
            for corridor in corridors:
                attempt = trace_segment(graph, line, corridor_km=corridor, area=metric_areas.get(countries[sid]),
                                        max_ratio=max_ratio)
                problem = check(sid, attempt.line) if check and attempt.line is not None else None
                if problem:
                    attempt = Trace(None, None, f"{graph.dataset.source}: {problem}")
                if attempt.traced:
                    break
            if attempt.traced:
                accepted.append(attempt)
            else:
                reasons.append(attempt.reason or "")
        trace = _preferred(accepted)
        result[sid] = trace or Trace(None, None, "; ".join(reasons) or "no reference covers the segment")
    return result


def _preferred(accepted: list[Trace]) -> Trace | None:
    """Return the first (most preferred) accepted trace, unless it detours: longer than another by :data:`DETOUR`.

    A more detailed reference with a gap makes the path go round it; the coarser reference then has the road.
    """
    if not accepted:
        return None
    lengths = [geodesic_km(t.line) for t in accepted]
    shortest = min(lengths)
    return next(t for t, km in zip(accepted, lengths) if km <= DETOUR * shortest)


def from_committed(committed: gpd.GeoDataFrame, schematic: Mapping[str, shapely.LineString],
                   reason: str) -> dict[str, Trace]:
    """Reuse the traces of a built roads layer when no reference network is at hand.

    A committed trace is kept only if it still starts and ends at the segment's places; otherwise, and for
    segments the layer does not have, the segment stays schematic with ``reason``.
    """
    rows = {row.id: row for row in committed.itertuples()} if len(committed) else {}
    result: dict[str, Trace] = {}
    for sid, line in schematic.items():
        row = rows.get(sid)
        if row is None:
            result[sid] = Trace(None, None, reason)
            continue
        if getattr(row, "geometry_accuracy", None) != "traced":
            result[sid] = Trace(None, None, getattr(row, "trace_note", None) or reason)
            continue
        geometry = row.geometry
        ends = np.round(np.asarray(line.coords)[[0, -1]], ROUND)
        kept = np.asarray(geometry.coords)[[0, -1]]
        if not np.allclose(ends, kept, atol=10 ** -ROUND):
            result[sid] = Trace(None, None, f"the committed trace no longer ends at its places; {reason}")
            continue
        result[sid] = Trace(shapely.LineString(geometry.coords), row.geometry_source)
    return result


CROSSING_CORRIDORS_KM = (5.0, 10.0)
"""Corridors for the road through a crossing: narrow, so that it is this crossing's road and not a neighbour's."""
MOVE_KM = 12.0
"""A crossing moves onto its road's border crossing only when that is at most this far from its old position."""
NEAR_ROAD_KM = 5.0
"""Without a traced road through a crossing, the nearest road crossing the border within this distance is used."""


@dataclass(frozen=True)
class CrossingPosition:
    """Where a crossing's road crosses the shared border, found on a reference network."""

    point: tuple[float, float] | None
    moved_km: float
    source: str | None
    how: str


def locate_crossing(graphs: Sequence[RoadGraph], old: tuple[float, float], through: shapely.LineString,
                    outlines: tuple[BaseGeometry, BaseGeometry], area: BaseGeometry | None,
                    covered: Callable[[RoadGraph], bool]) -> CrossingPosition:
    """Find where the road through a crossing crosses the border of its two countries.

    Parameters
    ----------
    graphs
        Reference networks in order of preference.
    old
        The crossing's current position.
    through
        The schematic line through the crossing: from the place before it on one side to the place after it on
        the other (or from one place to the crossing when only one side is on the network).
    outlines
        The boundaries (EPSG:4326) of the two countries.
    area
        Where the road may run (both countries with a margin), in EPSG:4326.
    covered
        Whether a reference covers the crossing's countries.

    Returns
    -------
    The border point of the traced road nearest to ``old`` (None if there is none within :data:`MOVE_KM`), how
    far it is from ``old`` and which reference it came from.
    """
    from geo.measure import distance_km, point_to_line_km

    metric_area = shapely.transform(area, to_metric) if area is not None else None
    notes = []
    for graph in graphs:
        if not covered(graph):
            continue
        options: list[tuple[float, tuple[float, float], str]] = []
        trace = None
        for corridor in CROSSING_CORRIDORS_KM if through.length > 0 else ():
            trace = trace_segment(graph, through, corridor_km=corridor, area=metric_area)
            if trace.line is not None:
                break
        if trace is not None and trace.line is not None:
            coords = np.asarray(trace.line.coords)
            road = shapely.LineString(coords[1:-1]) if len(coords) > 3 else trace.line
            crossing = shapely.get_coordinates(shapely.intersection(road, outlines[0]))
            hits = [(float(h[0]), float(h[1])) for h in crossing]
            options += [(distance_km(old, h), h, "where the traced road crosses the border") for h in hits
                        if point_to_line_km(h, outlines[1]) <= 2.0]
        elif trace is not None:
            notes.append(trace.reason or "")
        nearer = nearest_road_crossing(graph, old, outlines)
        if nearer is not None:
            options.append((distance_km(old, nearer), nearer, "where the nearest reference road crosses the border"))
        options = [o for o in options if o[0] <= MOVE_KM]
        if options:
            km, best, how = min(options)
            point = (round(best[0], 5), round(best[1], 5))
            return CrossingPosition(point, km, graph.dataset.source, how)
        notes.append(f"{graph.dataset.source}: no road crosses the border within {MOVE_KM:g} km on the trace or "
                     f"within {NEAR_ROAD_KM:g} km of the crossing")
    return CrossingPosition(None, 0.0, None, "; ".join(n for n in notes if n) or "no reference covers it")


def nearest_road_crossing(graph: RoadGraph, old: tuple[float, float],
                          outlines: tuple[BaseGeometry, BaseGeometry]) -> tuple[float, float] | None:
    """Return the point nearest to ``old`` where a reference edge crosses the border, within :data:`NEAR_ROAD_KM`."""
    from geo.measure import distance_km, point_to_line_km

    xy = to_metric(np.array([old]))[0]
    edges = graph.edge_tree().query(shapely.points(xy), predicate="dwithin", distance=NEAR_ROAD_KM * 1000.0)
    edges = edges[graph.cls[edges] >= 0]
    if not len(edges):
        return None
    lines = shapely.linestrings(np.stack([graph.lonlat[graph.u[edges]], graph.lonlat[graph.v[edges]]], axis=1))
    hits = shapely.get_coordinates(shapely.intersection(lines, outlines[0]))
    candidates = [(float(h[0]), float(h[1])) for h in hits if point_to_line_km((h[0], h[1]), outlines[1]) <= 2.0]
    candidates = [c for c in candidates if distance_km(old, c) <= NEAR_ROAD_KM]
    return min(candidates, key=lambda c: distance_km(old, c)) if candidates else None
