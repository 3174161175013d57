"""``geo bench --db``: pgRouting's latency on the curated network and on a synthetic grid, beside the in-memory engine.

- the curated network: random pairs of places under today's default scenario, ``pgr_dijkstra`` on ``route_edges``
  through :class:`geo.db.pgrouting.PgRoutingEngine` (the edge query included), and the in-memory engine on the
  same pairs, with no alternative and with 3; the matrix of every routable place on today's date, both ways;
- a synthetic grid of about ``edges`` edges (default 10⁶), made in the database by ``generate_series`` in schema
  ``geo_bench`` (dropped afterwards), with a GiST index on the edges' geometry: *corridor* routes between nodes a few
  cells apart, whose edge query keeps the edges in a box around the two ends (widened when no route is found), and a
  few *region-wide* routes between opposite corners on every edge; the in-memory engine's search on the same grid;
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
from geo.errors import NoRouteError

SEED = 20261207
BENCH_SCHEMA = "geo_bench"
CELL_DEG = 0.01
"""The synthetic grid's spacing in degrees (about 1 km)."""
_EDGES = sql.Identifier(BENCH_SCHEMA, "edges")


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
    """Make a grid of about ``edges`` directed edges in the database; time corridor and region-wide routes."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    side = max(int((edges / 4) ** 0.5), 40)  # 4 directed edges per node: right, up and back
    conn = connect(url, autocommit=True)
    report: dict[str, Any] = {"side": side}
    try:
        start = time.perf_counter()
        conn.execute(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {BENCH_SCHEMA}")
        conn.execute(sql.SQL("""CREATE UNLOGGED TABLE {edges} AS
            WITH cells AS (SELECT i, j FROM generate_series(0, {last}) i, generate_series(0, {last}) j),
            steps AS (SELECT i, j, i + di AS i2, j + dj AS j2 FROM cells, (VALUES (1, 0), (0, 1)) d(di, dj)
                      WHERE i + di <= {last} AND j + dj <= {last})
            SELECT row_number() OVER () AS id, (i * {side} + j)::bigint AS source,
                   (i2 * {side} + j2)::bigint AS target, 1.0 + (hashint4(i * 7919 + j * 104729 + i2) & 1023) / 2048.0
                   AS cost, ST_MakeLine(ST_MakePoint(60 + i * {cell}, 38 + j * {cell}),
                                        ST_MakePoint(60 + i2 * {cell}, 38 + j2 * {cell})) AS geom
            FROM steps""").format(edges=_EDGES, last=sql.Literal(side - 1), side=sql.Literal(side),
                                  cell=sql.Literal(CELL_DEG)))
        conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(_EDGES))
        conn.execute(sql.SQL("ANALYZE {}").format(_EDGES))
        rows = conn.execute(sql.SQL("SELECT source, target, cost::float8 FROM {}").format(_EDGES)).fetchall()
        report["build_s"] = round(time.perf_counter() - start, 1)
        report["edges_directed"] = 2 * len(rows)
        src = np.array([r[0] for r in rows], dtype=np.int64)
        dst = np.array([r[1] for r in rows], dtype=np.int64)
        cost = np.array([r[2] for r in rows], dtype=float)
        n = side * side
        matrix = csr_matrix((np.concatenate([cost, cost]), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
                            shape=(n, n))
        rng = random.Random(SEED)
        samples: dict[str, list[float]] = {"corridor": [], "region": [], "memory_corridor": [], "memory_region": []}
        full = sql.SQL("SELECT id, source, target, cost, cost AS reverse_cost FROM {}").format(_EDGES).as_string(conn)
        for kind, count in (("corridor", corridor_pairs), ("region", region_pairs)):
            for _ in range(count):
                if kind == "corridor":
                    i, j = rng.randrange(side - 20), rng.randrange(side - 20)
                    a, b = i * side + j, (i + rng.randrange(5, 20)) * side + j + rng.randrange(5, 20)
                else:
                    a, b = rng.randrange(side), n - 1 - rng.randrange(side)
                started = time.perf_counter()
                found = _corridor(conn, a, b, side) if kind == "corridor" else conn.execute(
                    "SELECT count(*) FROM pgr_dijkstra(%s, %s::bigint, %s::bigint, directed => false)",
                    (full, a, b)).fetchone()
                samples[kind].append(time.perf_counter() - started)
                if not found:
                    raise NoRouteError(f"synthetic grid: no route {a} → {b}")
                started = time.perf_counter()
                dijkstra(matrix, directed=True, indices=a, limit=np.inf)
                samples[f"memory_{kind}"].append(time.perf_counter() - started)
        report.update({kind: _stats(values) for kind, values in samples.items() if values})
    finally:
        conn.execute(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")
        conn.close()
    return report


def _corridor(conn: Any, a: int, b: int, side: int) -> bool:
    """Route ``a`` → ``b`` on the edges in a box around both ends, widened until a route is found."""
    ai, aj, bi, bj = divmod(a, side) + divmod(b, side)
    margin = 5
    while True:
        box = (60 + (min(ai, bi) - margin) * CELL_DEG, 38 + (min(aj, bj) - margin) * CELL_DEG,
               60 + (max(ai, bi) + margin) * CELL_DEG, 38 + (max(aj, bj) + margin) * CELL_DEG)
        edges = sql.SQL("SELECT id, source, target, cost, cost AS reverse_cost FROM {} "
                        "WHERE geom && ST_MakeEnvelope({}, {}, {}, {}, 4326)").format(
            _EDGES, *(sql.Literal(v) for v in box)).as_string(conn)
        row = conn.execute("SELECT count(*) FROM pgr_dijkstra(%s, %s::bigint, %s::bigint, directed => false)",
                           (edges, a, b)).fetchone()
        if row and row[0]:
            return True
        if margin > side:
            return False
        margin *= 4


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
        routes: list[dict[str, Any]] = []
        for name, start, end in NETWORK_ROUTES:
            whole: list[float] = []
            inside: list[float] = []
            try:
                for _ in range(repeat):
                    route = route_points(url, start, end, scenario)
                    whole.append(route.seconds)
                    inside.append(route.search_s)
            except GeoError as exc:
                routes.append({"name": name, "failed": str(exc)})
                continue
            routes.append({"name": name, "km": round(route.distance_km, 1), "hours": round(route.duration_h, 2),
                           "corridor_margin_deg": route.corridor_deg, "searches": route.searches,
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
             f"synthetic grid {s['side']}×{s['side']} ({s['edges_directed']:,} directed edges, made in "
             f"{s['build_s']} s):"]
    for kind, label in (("corridor", "corridor routes"), ("region", "region-wide routes")):
        if kind in s:
            lines.append(f"  pgRouting {label}: p50 {s[kind]['p50_ms']} ms  p95 {s[kind]['p95_ms']} ms "
                         f"(n={s[kind]['n']}); in memory p95 {s['memory_' + kind]['p95_ms']} ms")
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
        corridor = "whole network" if r["corridor_margin_deg"] is None else f"±{r['corridor_margin_deg']:.2f}°"
        lines.append(f"  {r['name']}: {r['km']:,} km, {r['hours']} h; {r['database_ms']} ms in the database "
                     f"({corridor}, {r['edges']:,} edges, {r['searches']} search(es)), {r['seconds'] * 1000:,.0f} ms "
                     "in all")
    return lines
