"""``geo bench --db``: pgRouting's latency on the curated network and on a synthetic grid, beside the in-memory engine.

- the curated network: random pairs of places under today's default scenario, ``pgr_dijkstra`` on ``route_edges``
  through :class:`geo.db.pgrouting.PgRoutingEngine` (the edge query included), and the in-memory engine on the
  same pairs;
- a synthetic grid of about ``edges`` edges (default 10⁶), made in the database by ``generate_series`` in schema
  ``geo_bench`` (dropped afterwards), with a GiST index on the edges' geometry: *corridor* routes between nodes a few
  cells apart, whose edge query keeps the edges in a box around the two ends (widened when no route is found), and a
  few *region-wide* routes between opposite corners on every edge; the in-memory engine's search on the same grid.
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
    """Time the curated network through pgRouting and in memory on the same random pairs."""
    from geo.db.pgrouting import PgRoutingEngine
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario

    pg = PgRoutingEngine.connect_to(url)
    memory = RouteEngine(pg.graph, pg.names)
    places = sorted(p for p in pg.graph.node_ids if not p.startswith("~"))
    scenario = Scenario()
    rng = random.Random(SEED)
    chosen = [tuple(rng.sample(places, 2)) for _ in range(pairs)]
    out: dict[str, Any] = {}
    try:
        for name, engine in (("pgrouting", pg), ("memory", memory)):
            samples = []
            for a, b in chosen:
                start = time.perf_counter()
                try:
                    engine.plan([a, b], scenario, 0)
                except NoRouteError:
                    pass
                samples.append(time.perf_counter() - start)
            out[name] = _stats(samples)
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


def run(url: str, pairs: int = 200, edges: int = 1_000_000, corridor_pairs: int = 100,
        region_pairs: int = 5) -> dict[str, Any]:
    """Return the curated and synthetic numbers."""
    return {"curated": curated(url, pairs), "synthetic": synthetic(url, edges, corridor_pairs, region_pairs)}


def format_report(report: dict[str, Any]) -> str:
    """Return the report as text lines."""
    c, s = report["curated"], report["synthetic"]
    lines = [f"curated network ({c['edges']} directed edges), {c['pgrouting']['n']} random pairs:",
             f"  pgRouting  p50 {c['pgrouting']['p50_ms']} ms  p95 {c['pgrouting']['p95_ms']} ms",
             f"  in memory  p50 {c['memory']['p50_ms']} ms  p95 {c['memory']['p95_ms']} ms",
             f"synthetic grid {s['side']}×{s['side']} ({s['edges_directed']:,} directed edges, made in "
             f"{s['build_s']} s):"]
    for kind, label in (("corridor", "corridor routes"), ("region", "region-wide routes")):
        if kind in s:
            lines.append(f"  pgRouting {label}: p50 {s[kind]['p50_ms']} ms  p95 {s[kind]['p95_ms']} ms "
                         f"(n={s[kind]['n']}); in memory p95 {s['memory_' + kind]['p95_ms']} ms")
    return "\n".join(lines)
