"""``geo bench --db``: pgRouting's latency on the curated network and on a synthetic grid, beside the in-memory engine.

- the curated network: random pairs of places under today's default scenario, ``pgr_dijkstra`` on ``route_edges``
  through :class:`geo.db.pgrouting.PgRoutingEngine` (the edge query included), and the in-memory engine on the
  same pairs, with no alternative and with 3; the matrix of every routable place on today's date, both ways;
- a synthetic grid of about ``edges`` two-way edges (default 10⁶), made in the database by ``generate_series`` in
  schema ``geo_bench`` (dropped afterwards) with the tables and indexes of an imported network, primary roads every
  tenth row and column: *corridor* and *region-wide* routes through :func:`geo.db.coords.route_points` (the code a
  user's route from coordinates runs), the region-wide ones against the exact optimum; one search of the whole grid on
  every road; the in-memory engine's search on the same grid (see :func:`synthetic`);
- an imported OpenStreetMap network (``geo db import-osm``): the one the database serves, or else the 2017 reference
  network of ``shared/data/osm-roads`` when present (imported for the run and dropped afterwards): routes from
  coordinates (:func:`geo.db.coords.route_points`), a corridor route (a village near Isfara to the Dostuk crossing)
  and region-wide ones, each timed whole and in the database alone.
"""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np
from psycopg import sql

from geo.db import connect
from geo.db.coords import Step
from geo.errors import NoRouteError

SEED = 20261207
BENCH_SCHEMA = "geo_bench"
CELL_DEG = 0.01
"""The synthetic grid's spacing in degrees (about 1 km)."""


def _stats(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "max_ms": round(float(ms.max()), 2), "n": len(samples)}


def curated(url: str, pairs: int) -> dict[str, Any]:
    """Time the curated network through pgRouting and in memory on the same random pairs, and the full matrix."""
    from geo.db.pgrouting import PgRoutingEngine
    from geo.layers import store
    from geo.routing import RouteEngine
    from geo.routing import matrix as mx
    from geo.routing.graph import Scenario

    pg = PgRoutingEngine.connect_to(url)
    memory = RouteEngine(pg.graph, pg.names)
    places = sorted(p for p in pg.graph.node_ids if not p.startswith("~"))
    scenario = Scenario()
    rng = random.Random(SEED)
    chosen = [tuple(rng.sample(places, 2)) for _ in range(pairs)]
    out: dict[str, Any] = {"alternatives_3": {}, "matrix": {}}
    try:
        for name, engine in (("pgrouting", pg), ("memory", memory)):
            for alternatives, report in ((0, out), (3, out["alternatives_3"])):
                samples = []
                for a, b in chosen:
                    start = time.perf_counter()
                    try:
                        engine.plan([a, b], scenario, alternatives)
                    except NoRouteError:
                        pass
                    samples.append(time.perf_counter() - start)
                report[name] = _stats(samples)
        everywhere = mx.routable_places(pg.graph, store.read_layer("places")[0])
        out["matrix"]["places"] = len(everywhere)
        for name, engine in (("pgrouting", pg), ("memory", memory)):
            start = time.perf_counter()
            mx.matrix_on(engine.graph, scenario, everywhere, everywhere, engine.trees)
            out["matrix"][f"{name}_s"] = round(time.perf_counter() - start, 3)
    finally:
        pg.close()
    out["edges"] = len(pg.graph.rows)
    return out


def synthetic(url: str, edges: int, corridor_pairs: int, region_pairs: int) -> dict[str, Any]:
    """Make a grid network of about ``edges`` two-way edges in the imported network's layout; time routes on it.

    The grid (:func:`make_grid`) is written into schema :data:`BENCH_SCHEMA` with the tables and indexes of
    :mod:`geo.db.osm`, and routed with :func:`geo.db.coords.route_points`, the code a user's ``--from-coords`` route
    runs: *corridor* routes between grid nodes 5–20 cells apart, *region-wide* routes between opposite corners (a
    long route: minor roads near its ends, main roads between). Each route is timed whole and in the database alone
    (snap and search); a region-wide route's hours are compared with the exact optimum (scipy's Dijkstra on every
    edge). Beside them: the whole grid searched on every road by one ``pgr_dijkstra`` (the last resort of a long
    route), and the in-memory engine's search of the whole grid.
    """
    from datetime import date

    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from geo.db.coords import route_points
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario

    side = max(int((edges / 2) ** 0.5), 12)  # 2·side·(side − 1) edges: right and up from every node
    conn = connect(url, autocommit=True)
    report: dict[str, Any] = {"side": side}
    try:
        start = time.perf_counter()
        make_grid(conn, side)
        rows = conn.execute(sql.SQL("SELECT source, target, hours_passenger, main FROM {}").format(
            sql.Identifier(BENCH_SCHEMA, "route_edges"))).fetchall()
        report["build_s"] = round(time.perf_counter() - start, 1)
        report["edges"] = len(rows)
        report["edges_directed"] = 2 * len(rows)
        report["main_edges"] = sum(1 for r in rows if r[3])
        src, dst = (np.array([r[k] for r in rows], dtype=np.int64) for k in (0, 1))
        cost = np.array([r[2] for r in rows], dtype=float)
        n = side * side
        matrix = csr_matrix((np.concatenate([cost, cost]), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
                            shape=(n, n))
        rng = random.Random(SEED)
        scenario = Scenario(as_of=date.today())
        graph = RouteEngine.load().graph
        samples: dict[str, list[float]] = {k: [] for k in ("corridor", "corridor_db", "region", "region_db",
                                                           "region_every_road", "memory_corridor", "memory_region")}
        losses: list[float] = []
        every_road = sql.SQL("SELECT id, source, target, hours_passenger AS cost, hours_passenger AS reverse_cost "
                             "FROM {}").format(sql.Identifier(BENCH_SCHEMA, "route_edges")).as_string(conn)
        for kind, count in (("corridor", corridor_pairs), ("region", region_pairs)):
            for _ in range(count):
                if kind == "corridor":
                    i, j = rng.randrange(side - 20), rng.randrange(side - 20)
                    a, b = (i, j), (i + rng.randrange(5, 20), j + rng.randrange(5, 20))
                else:
                    a, b = (0, rng.randrange(side)), (side - 1, rng.randrange(side))
                route = route_points(url, _lonlat(*a), _lonlat(*b), scenario, network=BENCH_SCHEMA, graph=graph)
                samples[kind].append(route.seconds)
                samples[f"{kind}_db"].append(route.search_s)
                started = time.perf_counter()
                exact = dijkstra(matrix, directed=True, indices=a[0] * side + a[1], limit=np.inf)
                samples[f"memory_{kind}"].append(time.perf_counter() - started)
                if kind == "region":
                    losses.append(route.road_h / float(exact[b[0] * side + b[1]]) - 1)
                    started = time.perf_counter()
                    conn.execute("SELECT count(*) FROM pgr_dijkstra(%s, %s::bigint, %s::bigint, directed => true)",
                                 (every_road, a[0] * side + a[1], b[0] * side + b[1]))
                    samples["region_every_road"].append(time.perf_counter() - started)
                    report["region_searched_edges"] = route.edges
        report.update({kind: _stats(values) for kind, values in samples.items() if values})
        if losses:
            report["region_hours_over_optimum_pct"] = round(100 * max(losses), 3)
    finally:
        conn.execute(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")
        conn.close()
    return report


MAIN_EVERY = 10
"""Every tenth row and column of the synthetic grid is a primary road (80 km/h), the rest tertiary (40 km/h)."""
GRID_ORIGIN = (60.0, 38.0)


def _lonlat(i: int, j: int) -> tuple[float, float]:
    return GRID_ORIGIN[0] + i * CELL_DEG, GRID_ORIGIN[1] + j * CELL_DEG


def make_grid(conn: Any, side: int) -> None:
    """Write a ``side`` × ``side`` grid network into :data:`BENCH_SCHEMA`, laid out as an imported network.

    Nodes every :data:`CELL_DEG` from :data:`GRID_ORIGIN`; an edge to the right and one up from every node, two-way;
    every :data:`MAIN_EVERY`-th row and column primary, the rest tertiary; geodesic km; hours from the class's speed
    with up to 25 % of noise (so the shortest path is unique); no country or crossing (the borders layer still cuts a
    route's km by country).
    """
    from geo.db import osm

    last, cell, (x0, y0) = side - 1, CELL_DEG, GRID_ORIGIN
    conn.execute(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")
    conn.execute(f"CREATE SCHEMA {BENCH_SCHEMA}")
    with conn.transaction():
        conn.execute(f"SET LOCAL search_path TO {BENCH_SCHEMA}, public")
        osm.create_tables(conn)
        conn.execute(sql.SQL(
            "INSERT INTO nodes SELECT i * {side} + j, NULL, ST_SetSRID(ST_MakePoint({x0} + i * {cell}, "
            "{y0} + j * {cell}), 4326) FROM generate_series(0, {last}) i, generate_series(0, {last}) j").format(
            side=sql.Literal(side), x0=sql.Literal(x0), y0=sql.Literal(y0), cell=sql.Literal(cell),
            last=sql.Literal(last)))
        conn.execute(sql.SQL("""INSERT INTO edges
            WITH steps AS (
                SELECT i, j, i + di AS i2, j + dj AS j2,
                       CASE WHEN (dj = 0 AND j % {every} = 0) OR (di = 0 AND i % {every} = 0) THEN 'primary'
                            ELSE 'tertiary' END AS class
                FROM generate_series(0, {last}) i, generate_series(0, {last}) j, (VALUES (1, 0), (0, 1)) d(di, dj)
                WHERE i + di <= {last} AND j + dj <= {last}),
            lines AS (
                SELECT row_number() OVER () AS id, i * {side} + j AS source, i2 * {side} + j2 AS target, class,
                       ST_SetSRID(ST_MakeLine(ST_MakePoint({x0} + i * {cell}, {y0} + j * {cell}),
                                              ST_MakePoint({x0} + i2 * {cell}, {y0} + j2 * {cell})), 4326) AS geom,
                       1 + (hashint4(i * 7919 + j * 104729 + i2) & 1023) / 4096.0 AS noise
                FROM steps),
            costed AS (SELECT *, ST_Length(geom::geography) / 1000 AS km FROM lines)
            SELECT id, source, target, class, km,
                   km / CASE class WHEN 'primary' THEN 80 ELSE 40 END * noise,
                   km / CASE class WHEN 'primary' THEN 80 ELSE 40 END * noise * 1.25,
                   NULL, NULL, NULL, false, NULL, false, geom
            FROM costed""").format(every=sql.Literal(MAIN_EVERY), last=sql.Literal(last), side=sql.Literal(side),
                                   x0=sql.Literal(x0), y0=sql.Literal(y0), cell=sql.Literal(cell)))
        conn.execute("INSERT INTO network_info VALUES (now(), 'synthetic grid', %s, 'none (synthetic)', "
                     "'synthetic', 0, 0, '{}')", (f"synthetic grid {side}×{side}",))
        osm.index_tables(conn)
        osm.write_country_parts(conn)


NETWORK_ROUTES: tuple[tuple[str, tuple[float, float], tuple[float, float]], ...] = (
    ("village near Isfara → Dostuk (corridor)", (70.58, 40.05), (72.7446, 40.5814)),
    ("Ashgabat → Almaty (region-wide)", (58.38, 37.95), (76.95, 43.24)),
    ("Termez → Bishkek (region-wide)", (67.28, 37.23), (74.59, 42.87)),
    ("Nukus → Khorog (region-wide)", (59.61, 42.46), (71.55, 37.49)),
)
"""Routes timed on an imported network: names and (lon, lat) ends."""


def network(url: str, repeat: int = 3) -> dict[str, Any]:
    """Time routes from coordinates on the imported network (or on the 2017 reference network, imported for the run).

    Returns
    -------
    Per route: km, hours, the corridor searched, the median seconds whole and in the database; or why not.
    """
    from datetime import date

    from geo import reference
    from geo.db import osm
    from geo.db.coords import route_points
    from geo.errors import GeoError
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario

    report: dict[str, Any] = {}
    served = osm.info(url)
    reference_file = reference.shared_dir() / "data" / "osm-roads" / reference.OSM_2017
    if served is None:
        if not reference_file.is_file():
            return {"skipped": f"no imported network and no reference network at {reference_file}"}
        summary = osm.import_osm(url, reference_file)
        report["imported"] = {"source": summary.source, "seconds": summary.seconds, "edges": summary.edges,
                              "nodes": summary.nodes, "crossings_matched": summary.matched_count}
    try:
        info = osm.info(url)
        report["network"] = info["dataset"] if info else None
        scenario = Scenario(as_of=date.today())
        graph = RouteEngine.load().graph
        routes: list[dict[str, Any]] = []
        for name, start, end in NETWORK_ROUTES:
            whole: list[float] = []
            inside: list[float] = []
            try:
                for _ in range(repeat):
                    route = route_points(url, start, end, scenario, graph=graph)
                    whole.append(route.seconds)
                    inside.append(route.search_s)
            except GeoError as exc:
                routes.append({"name": name, "failed": str(exc)})
                continue
            routes.append({"name": name, "km": round(route.distance_km, 1), "hours": round(route.duration_h, 2),
                           "corridor_margin_deg": route.corridor_deg, "minor_roads_within_deg": route.local_deg,
                           "searches": route.searches,
                           "edges": route.edges, "seconds": round(float(np.median(whole)), 3),
                           "database_ms": round(float(np.median(inside)) * 1000, 1)})
        report["routes"] = routes
    finally:
        if served is None:
            osm.drop(url)
    return report


def run(url: str, pairs: int = 200, edges: int = 1_000_000, corridor_pairs: int = 100,
        region_pairs: int = 5) -> dict[str, Any]:
    """Return the curated, synthetic and imported-network numbers."""
    return {"curated": curated(url, pairs), "synthetic": synthetic(url, edges, corridor_pairs, region_pairs),
            "network": network(url)}


def format_report(report: dict[str, Any]) -> str:
    """Return the report as text lines."""
    c, s = report["curated"], report["synthetic"]
    alt, m = c["alternatives_3"], c["matrix"]
    lines = [f"curated network ({c['edges']} directed edges), {c['pgrouting']['n']} random pairs:",
             f"  pgRouting  p50 {c['pgrouting']['p50_ms']} ms  p95 {c['pgrouting']['p95_ms']} ms",
             f"  in memory  p50 {c['memory']['p50_ms']} ms  p95 {c['memory']['p95_ms']} ms",
             f"  with 3 alternatives: pgRouting p50 {alt['pgrouting']['p50_ms']} ms  "
             f"p95 {alt['pgrouting']['p95_ms']} ms; in memory p50 {alt['memory']['p50_ms']} ms  "
             f"p95 {alt['memory']['p95_ms']} ms",
             f"  matrix of every routable place ({m['places']}) on one date: pgRouting {m['pgrouting_s']} s, "
             f"in memory {m['memory_s']} s",
             f"synthetic grid {s['side']}×{s['side']} ({s['edges']:,} two-way edges, {s['main_edges']:,} of them "
             f"primary; made in {s['build_s']} s):"]
    for kind, label in (("corridor", "corridor routes"), ("region", "region-wide routes")):
        if kind in s:
            lines.append(f"  {label}: in the database p50 {s[kind + '_db']['p50_ms']} ms  p95 "
                         f"{s[kind + '_db']['p95_ms']} ms; whole route p50 {s[kind]['p50_ms']} ms  p95 "
                         f"{s[kind]['p95_ms']} ms (n={s[kind]['n']}); in memory p95 {s['memory_' + kind]['p95_ms']} ms")
    if "region" in s:
        lines.append(f"  region-wide: {s['region_searched_edges']:,} edges searched, hours at most "
                     f"{s['region_hours_over_optimum_pct']} % over the optimum on every edge; one pgr_dijkstra on "
                     f"every road of the grid p95 {s['region_every_road']['p95_ms']} ms")
    lines.extend(_network_lines(report.get("network", {})))
    return "\n".join(lines)


def _network_lines(n: dict[str, Any]) -> list[str]:
    if "skipped" in n:
        return [f"imported network: skipped ({n['skipped']})"]
    lines = [f"imported network: {n.get('network')}"]
    if "imported" in n:
        i = n["imported"]
        lines[0] += (f" (imported for the run in {i['seconds']} s: {i['edges']:,} edges, {i['nodes']:,} nodes, "
                     f"{i['crossings_matched']} crossings matched; dropped afterwards)")
    for r in n.get("routes", []):
        if "failed" in r:
            lines.append(f"  {r['name']}: {r['failed']}")
            continue
        corridor = Step(r["corridor_margin_deg"], r["minor_roads_within_deg"]).describe()
        lines.append(f"  {r['name']}: {r['km']:,} km, {r['hours']} h; {r['database_ms']} ms in the database "
                     f"({corridor}, {r['edges']:,} edges, {r['searches']} search(es)), {r['seconds'] * 1000:,.0f} ms "
                     "in all")
    return lines
