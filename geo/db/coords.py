"""Routes between any two points on an imported network: ``geo route --from-coords … --to-coords …``.

Stages: each point is snapped to the nearest edge of ``geo_osm.edges`` that the scenario leaves usable (a KNN search
on the GiST index, then the geodesic distance; farther than :data:`MAX_SNAP_KM` is refused) → the scenario becomes
the edge query (crossings impassable on the date, from the curated status history through
:meth:`geo.routing.graph.RoadGraph.gate_state`, leave out the edges matched to them; each passable crossing's border
hours are added to the cost of its gate edges, one per chain of matched edges (:func:`geo.db.osm.gate_edges`);
avoided countries leave out every edge that touches them; entering a country whose visa the traveller lacks is
refused per direction; with ``unknown="closed"`` border edges matched to no curated crossing are left out too) →
one ``pgr_dijkstra`` (on ``route_edges``, the narrow copy of the edges) from a virtual start joined to both ends of
the start edge to a virtual end joined from both ends of the end edge, on the edges inside a corridor (the box around
the two snapped points plus a margin), widened (:data:`CORRIDOR_STEPS`) only when no route is found; on a long route
(ends more than :data:`LONG_SPAN_DEG` apart) the minor roads count only near the two ends (:data:`LOCAL_DEG`) and the
main roads everywhere, and every road is searched as a last step when that finds nothing (:func:`search_steps`) → the
route's line: geodesic km on WGS84, cut by the network's ``country_parts`` for km per country as :mod:`geo.measure`
cuts it.

The distance from a given point to its snapped road is reported, not counted in the route's km.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, LiteralString

import shapely

from geo.db import borrowed, first_line, safe_url
from geo.db.osm import NETWORK, imported
from geo.errors import NoRouteError, UsageError
from geo.vocab import shorten

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql

    from geo.messages import Message
    from geo.routing.graph import GateState, RoadGraph, Scenario
    from geo.routing.timeline import Fact

MAX_SNAP_KM = 50.0
"""A point farther than this from every usable road of the network is refused (outside the network)."""
CORRIDOR_STEPS: tuple[float | None, ...] = (0.25, 1.0, None)
"""Corridor margins tried in turn, as a share of the larger side of the box around both ends (at least
:data:`MIN_MARGIN_DEG`); None: the whole network."""
MIN_MARGIN_DEG = 0.2
LONG_SPAN_DEG = 1.0
"""Ends farther apart than this (the larger side of their box; about 100 km) make a long route."""
LOCAL_DEG = 0.25
"""On a long route, roads outside :data:`geo.db.osm.MAIN_CLASSES` count only within this of either end."""


@dataclass(frozen=True)
class Step:
    """One search: the corridor's margin (None: the whole network); how near the ends minor roads count (None: all)."""

    margin: float | None
    local: float | None = None

    def describe(self) -> str:
        """Return the search in words.

        >>> Step(0.5, 0.25).describe()
        'a corridor of ±0.50° around both ends, minor roads within 0.25° of the ends only'
        """
        where = "the whole network" if self.margin is None else f"a corridor of ±{self.margin:.2f}° around both ends"
        return where + ("" if self.local is None else f", minor roads within {self.local:g}° of the ends only")


def search_steps(span: float) -> list[Step]:
    """Return the searches tried in turn for ends ``span`` degrees apart (the larger side of their box).

    >>> [s.margin for s in search_steps(0.4)]
    [0.2, 0.4, None]
    >>> [(s.margin, s.local) for s in search_steps(4.0)]
    [(1.0, 0.25), (4.0, 0.25), (None, 0.25), (None, None)]
    """
    margins = [None if step is None else max(MIN_MARGIN_DEG, step * span) for step in CORRIDOR_STEPS]
    if span <= LONG_SPAN_DEG:
        return [Step(margin) for margin in margins]
    return [*(Step(margin, LOCAL_DEG) for margin in margins), Step(None)]


def parse_point(text: str, option: str) -> tuple[float, float]:
    """Return ``(lon, lat)`` from ``"LON,LAT"``, or raise a one-line :class:`UsageError` naming the option.

    >>> parse_point(" 70.5, 40.1 ", "--from-coords")
    (70.5, 40.1)
    """
    parts = text.replace(";", ",").split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise UsageError(f"{option} {shorten(text, 40)!r}: not LON,LAT in degrees (e.g. 70.94,40.10)") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise UsageError(f"{option} {shorten(text, 40)!r}: longitude must be within ±180 and latitude within ±90")
    return lon, lat


@dataclass(frozen=True)
class Snap:
    """A given point and where it meets the network: the edge, how far along it (0 at its source), the distance."""

    given: tuple[float, float]
    at: tuple[float, float]
    edge: int
    source: int
    target: int
    fraction: float
    distance_km: float
    road_class: str
    cost: float
    hours: float

    def to_dict(self) -> dict[str, Any]:
        """Return the snap as plain data."""
        return {"given": list(self.given), "snapped": [round(self.at[0], 6), round(self.at[1], 6)],
                "distance_km": round(self.distance_km, 3), "road_class": self.road_class, "edge": self.edge}


@dataclass(frozen=True)
class CrossingUse:
    """A curated crossing a route passes, with its status on the date and its border hours."""

    id: str
    name: str
    countries: str
    status: str
    hours: float


@dataclass(frozen=True)
class PointRoute:
    """A route between two points on the imported network."""

    start: Snap
    end: Snap
    scenario: Scenario
    distance_km: float
    road_h: float
    border_h: float
    by_country_km: dict[str, float]
    crossings: list[CrossingUse]
    uncurated_borders: list[dict[str, Any]]
    corridor_deg: float | None
    searches: int
    seconds: float
    network: str
    attribution: str
    geometry: shapely.LineString
    edges: int = 0
    warnings: list[str] = field(default_factory=list)
    search_s: float = 0.0
    """Seconds the database took to snap both points and find the path (the rest: reading the scenario's data)."""
    local_deg: float | None = None
    """Minor roads were searched only within this of the ends (a long route); None: every road."""

    @property
    def duration_h(self) -> float:
        """Return road and border hours."""
        return self.road_h + self.border_h

    def to_dict(self) -> dict[str, Any]:
        """Return the route as plain data (``--json``): the same keys as a place-to-place route where they apply."""
        s = self.scenario
        return {
            "from": self.start.to_dict(), "to": self.end.to_dict(),
            "distance_km": round(self.distance_km, 3), "duration_h": round(self.duration_h, 3),
            "road_h": round(self.road_h, 3), "border_h": round(self.border_h, 3),
            "by_country_km": {k: round(v, 3) for k, v in self.by_country_km.items()},
            "crossings": [{"id": c.id, "name": c.name, "countries": c.countries, "status": c.status,
                           "hours": round(c.hours, 3)} for c in self.crossings],
            "uncurated_borders": self.uncurated_borders,
            "scenario": {"as_of": s.as_of.isoformat(), "mode": s.mode, "optimize": s.optimize,
                         "close": sorted(s.close), "open": sorted(s.open), "avoid": sorted(s.avoid),
                         "unknown": s.unknown},
            "corridor_margin_deg": self.corridor_deg, "minor_roads_within_deg": self.local_deg,
            "searches": self.searches, "edges": self.edges,
            "seconds": round(self.seconds, 3), "search_seconds": round(self.search_s, 3), "network": self.network,
            "attribution": self.attribution,
            "licence": "ODbL-1.0", "warnings": self.warnings,
            "geometry": {"type": "LineString",
                         "coordinates": [[round(x, 6), round(y, 6)] for x, y in self.geometry.coords]},
        }


def format_point_route(route: PointRoute) -> str:
    """Return a human-readable account of a point-to-point route (as ``geo route`` prints a place-to-place one)."""
    s = route.scenario

    def point(xy: tuple[float, float]) -> str:
        return f"{xy[0]:.5f},{xy[1]:.5f}"

    lines = [f"{point(route.start.given)} → {point(route.end.given)}: {route.distance_km:,.1f} km by road, "
             f"{route.duration_h:,.1f} h (as of {s.as_of.isoformat()}, {s.mode}, by {s.optimize})",
             f"  start snapped {route.start.distance_km:,.2f} km to a {route.start.road_class} road at "
             f"{point(route.start.at)}; end snapped {route.end.distance_km:,.2f} km to a {route.end.road_class} road "
             f"at {point(route.end.at)} (not counted in the km)",
             f"  travel time: road {route.road_h:,.1f} h + borders {route.border_h:,.1f} h"
             + (" (" + "; ".join(f"{c.name} {round(c.hours, 2):g} h" for c in route.crossings) + ")"
                if route.crossings else ""),
             "  by country: " + ", ".join(f"{k} {v:,.1f} km" for k, v in route.by_country_km.items()),
             "  crossings: " + ("; ".join(f"{c.name} [{c.countries}, {c.status}]" for c in route.crossings)
                                if route.crossings else "none")]
    for border in route.uncurated_borders:
        lines.append(f"  border crossed where no curated crossing is known: {border['countries']} at "
                     f"{border['lon']:.4f},{border['lat']:.4f}")
    corridor = Step(route.corridor_deg, route.local_deg).describe()
    lines.append(f"  searched {corridor} ({route.searches} search{'es' if route.searches > 1 else ''}, "
                 f"{route.edges:,} edges: {route.search_s * 1000:,.0f} ms in the database, "
                 f"{route.seconds * 1000:,.0f} ms in all)")
    lines.append(f"  network: {route.network}; {route.attribution} (ODbL-1.0)")
    for warning in route.warnings:
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)


@dataclass
class _Filter:
    """The scenario as SQL: which edges are usable, and what each costs in each direction."""

    usable: sql.Composable
    cost: sql.Composable
    reverse_cost: sql.Composable
    gate_join: sql.Composable


def _scenario_sql(scenario: Scenario, states: dict[str, GateState], visa: list[tuple[str, str]]) -> _Filter:
    from psycopg import sql

    blocked = sorted(cid for cid, state in states.items() if not state.passable)
    gates = sorted(states)
    hours = [float(states[c].hours) if scenario.optimize == "time" else 0.0 for c in gates]
    base = (sql.SQL("e.{} + coalesce(g.hours, 0)").format(sql.Identifier(f"hours_{scenario.mode}"))
            if scenario.optimize == "time" else sql.SQL("e.km"))
    barred = sql.Literal(sorted(f"{cid} {code}" for cid, code in visa))
    usable = sql.SQL("NOT (coalesce(e.country, '') = ANY({avoid}::text[]) "
                     "OR coalesce(e.source_country, '') = ANY({avoid}::text[]) "
                     "OR coalesce(e.target_country, '') = ANY({avoid}::text[])) "
                     "AND (e.crossing_id IS NULL OR e.crossing_id <> ALL({blocked}::text[]))").format(
        avoid=sql.Literal(sorted(scenario.avoid)), blocked=sql.Literal(blocked))
    if scenario.unknown == "closed":
        usable = sql.SQL("{} AND NOT (e.border AND e.crossing_id IS NULL)").format(usable)
    return _Filter(
        usable=usable,
        cost=sql.SQL("CASE WHEN e.crossing_id || ' ' || e.target_country = ANY({}::text[]) THEN -1 ELSE {} END"
                     ).format(barred, base),
        reverse_cost=sql.SQL("CASE WHEN e.crossing_id || ' ' || e.source_country = ANY({}::text[]) THEN -1 "
                             "ELSE {} END").format(barred, base),
        gate_join=sql.SQL("LEFT JOIN unnest({}::text[], {}::float8[]) AS g(cid, hours) "
                          "ON g.cid = e.crossing_id AND e.gate"
                          ).format(sql.Literal(gates), sql.Literal(hours)))


def _snap(conn: psycopg.Connection[Any], point: tuple[float, float], option: str, where: _Filter,
          scenario: Scenario, network: str) -> Snap:
    from psycopg import sql

    query = sql.SQL(
        "SELECT e.id, e.source, e.target, e.class, ST_LineLocatePoint(e.geom, p.g), ST_X(ST_ClosestPoint(e.geom, p.g)),"
        " ST_Y(ST_ClosestPoint(e.geom, p.g)), ST_Distance(e.geom::geography, p.g::geography) / 1000, "
        "{base}, e.{hours} "
        "FROM (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326) AS g) p, {edges} e {gates} "
        "WHERE {usable} ORDER BY e.geom <-> p.g LIMIT 8").format(
        base=sql.SQL("e.{} + coalesce(g.hours, 0)").format(sql.Identifier(f"hours_{scenario.mode}"))
        if scenario.optimize == "time" else sql.SQL("e.km"),
        hours=sql.Identifier(f"hours_{scenario.mode}"), edges=sql.Identifier(network, "edges"),
        gates=where.gate_join, usable=where.usable)
    rows = conn.execute(query, point).fetchall()
    if not rows:
        raise UsageError(f"{option}: the imported network has no usable road under the scenario")
    best = min(rows, key=lambda r: float(r[7]))
    distance = float(best[7])
    if distance > MAX_SNAP_KM:
        raise UsageError(f"{option} {point[0]:g},{point[1]:g}: the nearest road of the imported network is "
                         f"{distance:,.0f} km away (more than {MAX_SNAP_KM:g} km): outside the network")
    return Snap(point, (float(best[5]), float(best[6])), int(best[0]), int(best[1]), int(best[2]),
                float(best[4]), distance, str(best[3]), float(best[8]), float(best[9]))


def network_served(url: str, network: str = NETWORK) -> bool:
    """Return whether the database at ``url`` serves an imported network (False when it cannot be reached)."""
    try:
        with borrowed(url) as conn:
            return imported(conn, network)
    except UsageError:
        return False


def route_points(url: str, start: tuple[float, float], end: tuple[float, float], scenario: Scenario,
                 network: str = NETWORK, graph: RoadGraph | None = None) -> PointRoute:
    """Route between two points on the network imported into the database at ``url``.

    Parameters
    ----------
    url
        The database URL (its ``geo_osm`` schema, made by ``geo db import-osm``).
    start, end
        ``(lon, lat)`` in degrees.
    scenario
        The date, overrides, avoided countries, mode, objective and traveller.
    network
        The schema of the imported network (``geo bench --db`` routes on its synthetic one).
    graph
        The curated network's graph, for the crossings' status on the date (default: read from the layers; a caller
        that holds a route engine passes its graph and saves reading them, about 0.1 s).

    Returns
    -------
    The route: km (geodesic), hours, km per country, crossings used, the snaps and the corridor searched.

    Raises
    ------
    UsageError
        No database, no imported network, a point too far from every road, an unknown crossing id.
    NoRouteError
        No route under the scenario on the whole network.
    """
    began = time.perf_counter()
    with borrowed(url) as conn:
        return _route_points(conn, url, start, end, scenario, network, graph, began)


def _route_points(conn: psycopg.Connection[Any], url: str, start: tuple[float, float], end: tuple[float, float],
                  scenario: Scenario, network: str, graph: RoadGraph | None, began: float) -> PointRoute:
    import psycopg

    from geo.routing import RouteEngine

    try:
        if not imported(conn, network):
            raise UsageError(f"no imported road network in {shorten(safe_url(url), 80)}: run "
                             "`geo db import-osm FILE` (an .osm.pbf extract or a reference network)")
        info = conn.execute(_in_network("SELECT dataset, attribution FROM {}", network, "network_info")).fetchone()
        matched = {str(r[0]): (str(r[1]), str(r[2])) for r in conn.execute(
            _in_network("SELECT crossing_id, name, countries FROM {} WHERE edges > 0", network, "crossing_match"))}
        if graph is None:
            graph = RouteEngine.load().graph
        unknown = sorted((scenario.close | scenario.open) - set(graph.crossings))
        if unknown:
            raise UsageError(f"unknown crossing id {shorten(unknown[0], 40)!r} (the curated crossings: "
                             "`geo export crossings`)")
        states = {cid: graph.gate_state(cid, scenario) for cid in matched if cid in graph.crossings}
        visa = [(cid, code) for cid, code in graph.visa_barred(scenario) if cid in states]
        where = _scenario_sql(scenario, states, visa)
        searching = time.perf_counter()
        a = _snap(conn, start, "--from-coords", where, scenario, network)
        b = _snap(conn, end, "--to-coords", where, scenario, network)
        found = _search(conn, a, b, where, network)
        search_s = time.perf_counter() - searching
        if found is None:
            closed = sorted(cid for cid, state in states.items() if not state.passable)
            barred = sorted({code for _, code in visa})
            unknown_out = "; border roads of unknown status left out" if scenario.unknown == "closed" else ""
            raise NoRouteError(f"no road route between the two points on the imported network under the scenario "
                               f"(as of {scenario.as_of.isoformat()}; crossings closed: "
                               f"{', '.join(closed) if closed else 'none'}"
                               f"{'; avoiding ' + ', '.join(sorted(scenario.avoid)) if scenario.avoid else ''}"
                               f"{'; no visa held for ' + ', '.join(barred) if barred else ''}"
                               f"{unknown_out})")
        nodes, edges, step, searches, corridor_edges = found
        route = _describe(conn, network, a, b, nodes, edges, step.margin, searches, corridor_edges, scenario, states,
                          matched, str(info[0]) if info else network,
                          str(info[1]) if info else "© OpenStreetMap contributors", began)
        return dataclasses.replace(route, search_s=search_s, local_deg=step.local)
    except psycopg.Error as exc:
        raise UsageError(f"route on the imported network failed: {first_line(exc)}") from None


VIRTUAL_START, VIRTUAL_END = -1, -2
"""The search's own nodes: the start point and the end point (a network's nodes are numbered from 0)."""


def _search(conn: psycopg.Connection[Any], a: Snap, b: Snap, where: _Filter, network: str) -> tuple[
        list[int], list[int], Step, int, int] | None:
    """Return (nodes, edges, the search that found it, searches made, edges searched) of the cheapest path, or None."""
    from psycopg import sql

    first = {a.source: a.fraction * a.cost, a.target: (1 - a.fraction) * a.cost}
    last = {b.source: b.fraction * b.cost, b.target: (1 - b.fraction) * b.cost}
    west, east = sorted((a.at[0], b.at[0]))
    south, north = sorted((a.at[1], b.at[1]))
    for searches, step in enumerate(search_steps(max(east - west, north - south)), 1):
        body = sql.SQL("FROM {edges} e {gates} WHERE {usable}").format(
            edges=_search_edges(network, step, a, b), gates=where.gate_join, usable=where.usable)
        # one search from a virtual start (-1) joined to both ends of the start edge, to a virtual end (-2) joined
        # from both ends of the end edge, each join costing the part of the edge it stands for
        virtual = sql.SQL(", ").join(sql.SQL("({}::bigint, {}::bigint, {}::bigint, {}::float8, -1::float8)").format(
            sql.Literal(-1 - k), sql.Literal(u), sql.Literal(v), sql.Literal(cost)) for k, (u, v, cost) in enumerate(
            [*((VIRTUAL_START, node, cost) for node, cost in first.items()),
             *((node, VIRTUAL_END, cost) for node, cost in last.items())]))
        edges_sql = sql.SQL("SELECT e.id, e.source, e.target, {cost} AS cost, {reverse} AS reverse_cost {body} "
                            "UNION ALL SELECT * FROM (VALUES {virtual}) v").format(
            cost=where.cost, reverse=where.reverse_cost, body=body, virtual=virtual).as_string(conn)
        rows = conn.execute("SELECT node, edge, agg_cost FROM pgr_dijkstra(%s, %s::bigint, %s::bigint, "
                            "directed => true) ORDER BY path_seq", (edges_sql, VIRTUAL_START, VIRTUAL_END)).fetchall()
        options: list[tuple[float, list[int], list[int]]] = []
        if rows:
            options.append((float(rows[-1][2]), [int(r[0]) for r in rows[1:-1]], [int(r[1]) for r in rows[1:-2]]))
        if a.edge == b.edge:  # along the one edge
            options.append((abs(a.fraction - b.fraction) * a.cost, [], []))
        if options:
            _, nodes, edges = min(options, key=lambda o: o[0])
            counted = conn.execute(sql.SQL("SELECT count(*) {}").format(body)).fetchone()
            return nodes, edges, step, searches, int(counted[0]) if counted else 0
    return None


def _search_edges(network: str, step: Step, a: Snap, b: Snap) -> sql.Composed:
    """Return the edges a search reads, as a FROM item.

    Those in the corridor; on a long route, of these, the main roads (through their own partial index) and the minor
    ones near either end.
    """
    from psycopg import sql

    table = sql.Identifier(network, "route_edges")
    west, east = sorted((a.at[0], b.at[0]))
    south, north = sorted((a.at[1], b.at[1]))
    box = sql.SQL("TRUE") if step.margin is None else _in_box(west, south, east, north, step.margin)
    if step.local is None:
        return sql.SQL("(SELECT * FROM {} e WHERE {})").format(table, box)
    return sql.SQL("(SELECT * FROM {table} e WHERE e.main AND {box} UNION ALL SELECT * FROM {table} e "
                   "WHERE NOT e.main AND {box} AND (e.id IN ({a}, {b}) OR {near_a} OR {near_b}))").format(
        table=table, box=box, a=sql.Literal(a.edge), b=sql.Literal(b.edge),
        near_a=_in_box(*a.at, *a.at, step.local), near_b=_in_box(*b.at, *b.at, step.local))


def _in_box(west: float, south: float, east: float, north: float, margin: float) -> sql.Composed:
    """Return the condition that an edge's bounding box meets the box widened by ``margin`` degrees."""
    from psycopg import sql

    return sql.SQL("e.bbox && box(point({}, {}), point({}, {}))").format(
        *(sql.Literal(v) for v in (west - margin, south - margin, east + margin, north + margin)))


def _describe(conn: psycopg.Connection[Any], schema: str, a: Snap, b: Snap, nodes: list[int], edges: list[int],
              margin: float | None, searches: int, corridor_edges: int, scenario: Scenario,
              states: dict[str, GateState], matched: dict[str, tuple[str, str]], network: str, attribution: str,
              began: float) -> PointRoute:
    from psycopg import sql

    rows = {int(r[0]): r for r in conn.execute(sql.SQL(
        "SELECT id, {}, crossing_id, border, source_country, target_country, ST_X(ST_Centroid(geom)), "
        "ST_Y(ST_Centroid(geom)) FROM {} WHERE id = ANY(%s)").format(
        sql.Identifier(f"hours_{scenario.mode}"), sql.Identifier(schema, "edges")), (edges,))}
    where = {int(r[0]): (float(r[1]), float(r[2])) for r in conn.execute(
        _in_network("SELECT id, ST_X(geom), ST_Y(geom) FROM {} WHERE id = ANY(%s)", schema, "nodes"), (nodes,))}
    coords = [a.at, *(where[n] for n in nodes), b.at]
    line = shapely.LineString(coords if len(coords) > 1 else [a.at, b.at])
    length_km, by_country = _km_by_country(conn, schema, line)
    road_h = sum(float(rows[e][1]) for e in edges)
    if nodes:
        road_h += (a.fraction if nodes[0] == a.source else 1 - a.fraction) * a.hours
        road_h += (b.fraction if nodes[-1] == b.source else 1 - b.fraction) * b.hours
    else:
        road_h += abs(a.fraction - b.fraction) * a.hours
    used: list[CrossingUse] = []
    uncurated: list[dict[str, Any]] = []
    for e in edges:
        _, _, cid, border, sc, tc, x, y = rows[e]
        if cid is not None and all(c.id != cid for c in used):
            state = states.get(str(cid))
            name, countries = matched.get(str(cid), (str(cid), ""))
            used.append(CrossingUse(str(cid), name, countries, str(state.entry.get("status", "unknown"))
                                    if state else "unknown", float(state.hours) if state else 0.0))
        elif cid is None and border:
            uncurated.append({"countries": f"{sc}-{tc}", "lon": round(float(x), 5), "lat": round(float(y), 5)})
    warnings = []
    if uncurated:
        warnings.append(f"{len(uncurated)} border crossing(s) on roads with no curated crossing: their status is "
                        "unknown (--unknown closed avoids them)")
    return PointRoute(a, b, scenario, length_km, road_h, sum(c.hours for c in used), by_country, used, uncurated,
                      margin, searches, time.perf_counter() - began, network, attribution, line, corridor_edges,
                      warnings)


def _km_by_country(conn: psycopg.Connection[Any], schema: str, line: shapely.LineString) -> tuple[
        float, dict[str, float]]:
    """Return a line's geodesic km (WGS84) and its km per country, largest first (``??``: outside every country).

    The line is cut by the network's ``country_parts`` (the borders layer's countries and enclaves, subdivided; as
    :class:`geo.measure.CountryIndex` cuts it, in longitude and latitude) in the database, and each part measured on
    the WGS84 spheroid.
    """
    from psycopg import sql

    from geo.measure import geodesic_km

    total = geodesic_km(line)
    rows = conn.execute(sql.SQL(
        "SELECT p.country, sum(ST_Length(ST_Intersection(p.geom, l.g)::geography, true)) / 1000 AS km "
        "FROM {} p, (SELECT ST_GeomFromText(%s, 4326) AS g) l WHERE p.geom && l.g GROUP BY 1 ORDER BY 2 DESC").format(
        sql.Identifier(schema, "country_parts")), (line.wkt,)).fetchall()
    by_country = {str(code): float(km) for code, km in rows if km and float(km) > 0.0005}
    rest = total - sum(by_country.values())
    if rest > 0.0005:
        by_country["??"] = rest
    return total, by_country


def _in_network(query: LiteralString, network: str, table: str) -> sql.Composed:
    """Return ``query`` with ``{}`` replaced by the network schema's ``table``."""
    from psycopg import sql

    return sql.SQL(query).format(sql.Identifier(network, table))


@dataclass(frozen=True)
class PointPeriod:
    """Days ``[start, end)`` over which a route between two points stays the same (or has none: ``reason``)."""

    start: dt.date
    end: dt.date
    route: PointRoute | None
    reason: Message | None
    facts: tuple[Fact, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data (``end`` exclusive), as a place-to-place timeline's period."""
        r = self.route
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "reachable": r is not None,
                "km": None if r is None else round(r.distance_km, 1),
                "hours": None if r is None else round(r.duration_h, 2),
                "border_h": None if r is None else round(r.border_h, 2),
                "crossings": [] if r is None else [c.id for c in r.crossings],
                "crossing_names": [] if r is None else [c.name for c in r.crossings],
                "countries": [] if r is None else list(r.by_country_km),
                "uncurated_borders": 0 if r is None else len(r.uncurated_borders),
                "no_route": None if self.reason is None else str(self.reason),
                "facts": [f.to_dict() for f in self.facts]}


@dataclass(frozen=True)
class PointTimeline:
    """A route between two points through time: its periods from ``start`` up to ``end`` (exclusive)."""

    given: tuple[tuple[float, float], tuple[float, float]]
    scenario: Scenario
    start: dt.date
    end: dt.date
    periods: tuple[PointPeriod, ...]
    evaluated: int
    """How many days the route was computed on (the rest were known not to change it)."""

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data."""
        s = self.scenario
        return {"from": list(self.given[0]), "to": list(self.given[1]), "start": self.start.isoformat(),
                "end": self.end.isoformat(), "mode": s.mode, "optimize": s.optimize, "unknown": s.unknown,
                "closed": sorted(s.close), "opened": sorted(s.open), "avoid": sorted(s.avoid),
                "vehicle": s.vehicle, "citizen": s.citizen, "visas": sorted(s.visas),
                "evaluated_days": self.evaluated, "periods": [p.to_dict() for p in self.periods],
                "licence": "ODbL-1.0"}


def _point_key(route: PointRoute | None) -> tuple[object, ...]:
    if route is None:
        return ("no route",)
    return (tuple(c.id for c in route.crossings), tuple(route.by_country_km), round(route.distance_km, 6),
            round(route.duration_h, 6))


def _point_ids(route: PointRoute | None) -> set[str]:
    return set() if route is None else {c.id for c in route.crossings}


def point_timeline(url: str, start: tuple[float, float], end: tuple[float, float], scenario: Scenario,
                   first: dt.date | None = None, until: dt.date | None = None,
                   graph: RoadGraph | None = None) -> PointTimeline:
    """Return the exact periods of the route between two points on the imported network.

    ``geo timeline --from-coords … --to-coords …``. The days are those of :func:`geo.routing.timeline.changes`,
    watching only the curated crossings matched to the network (no other can change the route); on each,
    :func:`route_points` routes under the scenario on that day.

    Parameters
    ----------
    url
        The database URL.
    start, end
        ``(lon, lat)`` in degrees.
    scenario
        Overrides, avoided countries, mode, objective and traveller (its ``as_of`` is ignored).
    first, until
        The first and the last day (defaults: the history's first fact, today).
    graph
        The curated network's graph (default: read from the layers), as :func:`route_points` takes it.

    Raises
    ------
    UsageError
        As :func:`route_points`; ``until`` before ``first``.
    """
    from geo.routing import RouteEngine
    from geo.routing.timeline import ONE_DAY, changes, first_fact

    curated: RoadGraph = graph if graph is not None else RouteEngine.load().graph
    with borrowed(url) as conn:
        matched = ({str(r[0]) for r in conn.execute(_in_network(
            "SELECT crossing_id FROM {} WHERE edges > 0", NETWORK, "crossing_match"))} if imported(conn) else set())
    day_one = first or first_fact(curated, scenario) or dt.date.today()
    last = until or dt.date.today()
    found, evaluated = changes(curated, scenario, day_one, last,
                               lambda on: route_points(url, start, end, on, graph=curated), _point_key, _point_ids,
                               crossings=matched)
    stop = last + ONE_DAY
    periods = tuple(PointPeriod(c.start, found[i + 1].start if i + 1 < len(found) else stop, c.route, c.reason,
                                c.facts) for i, c in enumerate(found))
    return PointTimeline((start, end), scenario, day_one, stop, periods, evaluated)


def point_periods_table(line: PointTimeline) -> list[dict[str, Any]]:
    """Return one flat row per period, with the keys of :func:`geo.routing.timeline.periods_table`."""
    rows = []
    for period in line.periods:
        row = period.to_dict()
        rows.append({"start": row["start"], "end": row["end"], "reachable": row["reachable"], "km": row["km"],
                     "hours": row["hours"], "border_h": row["border_h"],
                     "crossings": "; ".join(row["crossing_names"]), "countries": " ".join(row["countries"]),
                     "no_route": row["no_route"] or "", "event": "; ".join(f.describe() for f in period.facts),
                     "sources": " ".join(f.source for f in period.facts if f.source)})
    return rows


def format_point_timeline(line: PointTimeline) -> str:
    """Return a human-readable account of a point-to-point timeline: one block per period."""
    s = line.scenario
    (ax, ay), (bx, by) = line.given
    out = [f"{ax:.5f},{ay:.5f} → {bx:.5f},{by:.5f}, {line.start.isoformat()} – "
           f"{(line.end - dt.timedelta(days=1)).isoformat()} ({s.mode}, by {s.optimize}): {len(line.periods)} "
           f"period(s), the route computed on {line.evaluated} day(s)"]
    for period in line.periods:
        span = f"{period.start.isoformat()} – {(period.end - dt.timedelta(days=1)).isoformat()}"
        r = period.route
        if r is None:
            out.append(f"{span}  no route: {period.reason}")
        else:
            via = ", ".join(c.name for c in r.crossings) or "no curated crossing"
            if r.uncurated_borders:
                via += (f" and {len(r.uncurated_borders)} border crossing(s) with no curated crossing (status "
                        "unknown)")
            out.append(f"{span}  {r.distance_km:,.1f} km, {r.duration_h:,.1f} h (borders {r.border_h:,.1f} h) via "
                       f"{via}; countries {' '.join(r.by_country_km)}")
        for fact in period.facts:
            out.append(f"    since {fact.date.isoformat()}: {fact.describe()}"
                       + (f" <{fact.source}>" if fact.source else ""))
    network = next((p.route for p in line.periods if p.route is not None), None)
    if network is not None:
        out.append(f"network: {network.network}; {network.attribution} (ODbL-1.0)")
    return "\n".join(out)

