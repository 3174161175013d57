"""Routing benchmark: graph build time and query latency on the real and a synthetic 50k-edge graph."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

from geo.errors import NoRouteError
from geo.layers.store import read_layer
from geo.routing import RouteEngine
from geo.routing.graph import CrossingInfo, Edge, RoadGraph, Scenario

SEED = 20261127


def _percentiles(samples: list[float], cpu: list[float]) -> dict[str, float]:
    ms, cpu_ms = np.array(samples) * 1000, np.array(cpu) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 3), "p95_ms": round(float(np.percentile(ms, 95)), 3),
            "max_ms": round(float(ms.max()), 3), "cpu_p95_ms": round(float(np.percentile(cpu_ms, 95)), 3),
            "n": len(samples)}


def _time(query: Callable[[str, str], object], nodes: list[str], pairs: int) -> dict[str, float]:
    """Time ``query(a, b)`` over random pairs drawn with a fixed seed (no-route answers count too)."""
    rng = random.Random(SEED)
    samples, cpu = [], []
    for _ in range(pairs):
        a, b = rng.sample(nodes, 2)
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            query(a, b)
        except NoRouteError:
            pass
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return _percentiles(samples, cpu)


def _time_queries(graph: RoadGraph, nodes: list[str], scenario: Scenario, pairs: int) -> dict[str, float]:
    return _time(lambda a, b: graph.shortest(a, b, scenario), nodes, pairs)


def _time_routes(engine: RouteEngine, nodes: list[str], scenario: Scenario, pairs: int,
                 alternatives: int = 0) -> dict[str, float]:
    return _time(lambda a, b: engine.route(a, b, scenario, alternatives=alternatives), nodes, pairs)


def synthetic_graph(edges: int = 50_000, seed: int = SEED) -> RoadGraph:
    """Return a connected grid-like graph with about ``edges`` edges and 1 % of nodes as crossings."""
    return RoadGraph(*synthetic_inputs(edges, seed))


def synthetic_inputs(edges: int = 50_000, seed: int = SEED) -> tuple[
        dict[str, tuple[float, float]], list[tuple[str, str, Edge]], dict[str, CrossingInfo]]:
    """Return the nodes, edges and crossings of :func:`synthetic_graph`."""
    rng = random.Random(seed)
    side = int((edges / 2) ** 0.5) + 1
    nodes = {f"n{i}-{j}": (60 + i * 0.05, 38 + j * 0.05) for i in range(side) for j in range(side)}
    edge_list: list[tuple[str, str, Edge]] = []
    for i in range(side):
        for j in range(side):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < side and j + dj < side and len(edge_list) < edges:
                    a, b = f"n{i}-{j}", f"n{i + di}-{j + dj}"
                    line = shapely.linestrings([nodes[a], nodes[b]])
                    edge_list.append((a, b, Edge(f"e{len(edge_list)}", f"{a}–{b}", None, (), "KZ",
                                                 5.0 * rng.uniform(1.0, 1.5), "geodesic", line, ())))
    crossings = {}
    for name in rng.sample(sorted(nodes), len(nodes) // 100):
        history = ({"date": "2015-01-01", "status": rng.choice(["open", "closed"]), "note": "", "source": None},)
        times = tuple({"date": "2015-01-01", "traffic": t, "hours": round(rng.uniform(0.5, 12.0), 1),
                       "source": "default", "note": ""} for t in ("passengers", "freight"))
        crossings[name] = CrossingInfo(name, name, "KZ-UZ", ("passengers", "freight"), history, times)
    return nodes, edge_list, crossings


def run(pairs: int = 1000) -> dict[str, Any]:
    """Measure graph build and query times; return a report dictionary."""
    start = time.perf_counter()
    roads, _ = read_layer("roads")
    places, _ = read_layer("places")
    crossings, _ = read_layer("crossings")
    loaded = time.perf_counter()
    engine = RouteEngine.from_frames(roads, places, crossings)
    built = time.perf_counter()
    nodes = [p for p in places["id"] if p in engine.graph.index]
    plain = Scenario(as_of=dt.date(2025, 8, 1))
    closed = Scenario(as_of=dt.date(2023, 6, 1), close=frozenset(list(engine.graph.crossings)[:3]),
                      avoid=frozenset({"TM"}), mode="freight")
    by_time = Scenario(as_of=dt.date(2025, 8, 1), optimize="time")
    report: dict[str, Any] = {
        "real": {
            "places": len(nodes), "edges": len(engine.graph.edges),
            "layer_read_s": round(loaded - start, 3), "graph_build_s": round(built - loaded, 4),
            "query_default": _time_queries(engine.graph, nodes, plain, pairs),
            "query_scenario": _time_queries(engine.graph, nodes, closed, pairs),
            "route_full_result_scenario": _time_routes(engine, nodes, closed, pairs),
            "query_time": _time_queries(engine.graph, nodes, by_time, pairs),
            "route_time_3_alternatives": _time_routes(engine, nodes, by_time, pairs, alternatives=3),
        }
    }
    report["history"] = time_history(engine, places, nodes, max(pairs // 50, 10))
    inputs = synthetic_inputs()
    start = time.perf_counter()
    synthetic = RoadGraph(*inputs)
    built = time.perf_counter()
    names = [n for n in synthetic.node_ids if not n.startswith("~")]
    report["synthetic_50k"] = {
        "nodes": synthetic.n, "edges": len(synthetic.edges), "graph_build_s": round(built - start, 3),
        "query_default": _time_queries(synthetic, names, Scenario(as_of=dt.date(2025, 8, 1)), max(pairs // 5, 10)),
        "query_scenario": _time_queries(synthetic, names, Scenario(as_of=dt.date(2025, 8, 1), mode="freight",
                                                                   close=frozenset(list(synthetic.crossings)[:20])),
                                        max(pairs // 5, 10)),
        "query_time": _time_queries(synthetic, names, Scenario(as_of=dt.date(2025, 8, 1), optimize="time"),
                                    max(pairs // 5, 10)),
    }
    report["budgets"] = {"real_p95_ms": 5.0, "synthetic_p95_ms": 20.0, "graph_build_s": 1.0,
                         "timeline_p95_ms": TIMELINE_P95_MS, "matrix_1_date_s": MATRIX_ONE_S,
                         "matrix_24_dates_s": MATRIX_24_S}
    return report


TIMELINE_P95_MS = 200.0
MATRIX_ONE_S = 2.0
MATRIX_24_S = 30.0


def time_history(engine: RouteEngine, places: Any, nodes: list[str], pairs: int) -> dict[str, Any]:
    """Time timelines over the whole history for random pairs, and the full matrix for one date and for 24 dates."""
    from geo.routing.graph import Trip
    from geo.routing.matrix import routable_places, run
    from geo.routing.timeline import first_fact, timeline

    first = first_fact(engine.graph, Scenario()) or dt.date(2000, 1, 1)
    last = dt.date(2026, 1, 1)
    cities = [p for p in places.loc[places["kind"] == "city", "id"] if p in engine.graph.index]
    rng = random.Random(SEED)
    samples, cpu, periods = [], [], []
    for _ in range(pairs):
        a, b = rng.sample(cities, 2)
        start, start_cpu = time.perf_counter(), time.process_time()
        line = timeline(engine, Trip(a, b, Scenario()), first, last)
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        periods.append(len(line.periods))
    report: dict[str, Any] = {"timeline": {**_percentiles(samples, cpu), "from": first.isoformat(),
                                           "to": last.isoformat(), "mean_periods": round(float(np.mean(periods)), 1)}}
    everywhere = routable_places(engine.graph, places)
    start = time.perf_counter()
    one = run(engine.graph, Scenario(), [dt.date(2025, 8, 1)], everywhere)
    report["matrix_1_date"] = {"places": len(everywhere), "rows": len(one), "s": round(time.perf_counter() - start, 3)}
    dates = [dt.date(2024 + m // 12, m % 12 + 1, 1) for m in range(24)]
    start = time.perf_counter()
    many = run(engine.graph, Scenario(), dates, everywhere)
    report["matrix_24_dates"] = {"places": len(everywhere), "rows": len(many),
                                 "s": round(time.perf_counter() - start, 3)}
    return report


def format_report(report: dict[str, Any]) -> str:
    """Return the report as aligned text."""
    real, syn = report["real"], report["synthetic_50k"]
    lines = [
        f"real network: {real['places']} places, {real['edges']} edges; layers read {real['layer_read_s']} s, "
        f"graph build {real['graph_build_s']} s (budget 1 s)",
    ]
    for key in ("query_default", "query_scenario", "route_full_result_scenario", "query_time",
                "route_time_3_alternatives"):
        q = real[key]
        lines.append(f"  {key:<28} p50 {q['p50_ms']:.3f} ms  p95 {q['p95_ms']:.3f} ms  max {q['max_ms']:.3f} ms "
                     f"cpu p95 {q['cpu_p95_ms']:.3f} ms (n={q['n']}; budget p95 5 ms)")
    lines.append(f"synthetic: {syn['nodes']} nodes, {syn['edges']} edges; graph build {syn['graph_build_s']} s")
    for key in ("query_default", "query_scenario", "query_time"):
        q = syn[key]
        lines.append(f"  {key:<28} p50 {q['p50_ms']:.3f} ms  p95 {q['p95_ms']:.3f} ms  max {q['max_ms']:.3f} ms "
                     f"cpu p95 {q['cpu_p95_ms']:.3f} ms (n={q['n']}; budget p95 20 ms)")
    history = report["history"]
    t = history["timeline"]
    lines.append(f"timeline {t['from']} – {t['to']} (random city pairs, {t['mean_periods']} periods on average): "
                 f"p50 {t['p50_ms']:.1f} ms  p95 {t['p95_ms']:.1f} ms  max {t['max_ms']:.1f} ms "
                 f"(n={t['n']}; budget p95 {TIMELINE_P95_MS:g} ms)")
    for key, budget in (("matrix_1_date", MATRIX_ONE_S), ("matrix_24_dates", MATRIX_24_S)):
        m = history[key]
        lines.append(f"{key.replace('_', ' ')}: every routable place ({m['places']}), {m['rows']:,} rows in "
                     f"{m['s']:.2f} s (budget {budget:g} s)")
    return "\n".join(lines)
