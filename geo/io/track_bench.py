"""Track benchmark: a GPS track of 10⁴–10⁶ vertices read from GeoJSON and measured per country, timed.

Each track is a seeded random walk through the Fergana Valley (it crosses the borders of Uzbekistan, Kyrgyzstan and
Tajikistan and their enclaves many times, and itself more often still), written as GeoJSON bytes, then read with
the command line's limits (:data:`geo.io.tracks.CLI_LIMITS`) and measured on the real borders layer, as
``geo measure --file`` does. Peak memory is tracemalloc's (Python objects and numpy arrays) and the growth of the
process's maximum resident size (GEOS memory included).
"""

from __future__ import annotations

import json
import resource
import time
import tracemalloc
from typing import Any

import numpy as np
import shapely

from geo.io import tracks
from geo.layers.build import country_index
from geo.layers.store import read_layer
from geo.measure import CountryIndex, measure_geometry

SEED = 20261207
SIZES = (10_000, 100_000, 1_000_000)
BUDGETS = {"100000": {"seconds": 1.0, "peak_mb": 200.0}, "1000000": {"seconds": 10.0}}
"""Seconds and peak MB above the baseline, per vertex count (issue 22)."""
START = (70.9, 40.6)
"""Kokand: the walk starts in the Fergana Valley."""


def walk(vertices: int, seed: int = SEED) -> np.ndarray:
    """Return a GPS-like track: ``vertices`` points, steps of about 80 m, drifting east 2° in all.

    Examples
    --------
    >>> walk(3).shape
    (3, 2)
    """
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 0.0007, (vertices, 2)).cumsum(axis=0) + START
    steps[:, 0] += np.linspace(0.0, 2.0, vertices)
    return np.asarray(steps.round(6))


def track_bytes(coords: np.ndarray) -> bytes:
    """Return a track as a GeoJSON Feature (what a phone app exports)."""
    return json.dumps({"type": "Feature", "properties": {"name": "bench"},
                       "geometry": {"type": "LineString", "coordinates": coords.tolist()}}).encode("utf-8")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def time_track(data: bytes, countries: CountryIndex) -> dict[str, Any]:
    """Read and measure one track file's bytes twice: timed, then under tracemalloc for the peak memory."""
    rss = _max_rss_mb()
    start = time.perf_counter()
    geometry = tracks.read_track_bytes("bench.geojson", data, tracks.CLI_LIMITS)
    read = time.perf_counter()
    measured = measure_geometry(geometry, countries)
    done = time.perf_counter()
    del geometry
    tracemalloc.start()
    measure_geometry(tracks.read_track_bytes("bench.geojson", data, tracks.CLI_LIMITS), countries)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"vertices": measured.vertices, "bytes": len(data), "read_s": round(read - start, 3),
            "measure_s": round(done - read, 3), "seconds": round(done - start, 3),
            "peak_mb": round(peak / 1e6, 1), "max_rss_growth_mb": round(_max_rss_mb() - rss, 1),
            "km": round(measured.length_km, 1), "countries": len(measured.by_country_km)}


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    """Time reading and measuring tracks of each size (smallest first); return a report dictionary."""
    borders, _ = read_layer("borders")
    start = time.perf_counter()
    countries = country_index(borders)
    indexed = time.perf_counter() - start
    countries.length_by_country(shapely.LineString(walk(100)))  # the first query builds GEOS's point locators
    report: dict[str, Any] = {"index_s": round(indexed, 3), "tracks": {}}
    for size in sizes:
        data = track_bytes(walk(size))
        report["tracks"][str(size)] = time_track(data, countries)
        del data
    report["budgets"] = BUDGETS
    return report


def within_budget(report: dict[str, Any]) -> bool:
    """Whether every measured size is within its budget."""
    for size, budget in BUDGETS.items():
        row = report["tracks"].get(size)
        if row is None:
            continue
        if row["seconds"] > budget["seconds"] or row["peak_mb"] > budget.get("peak_mb", float("inf")):
            return False
    return True


def format_report(report: dict[str, Any]) -> str:
    """Return the report as aligned text."""
    lines = [f"tracks (GeoJSON read + measured per country on the borders layer; index built in "
             f"{report['index_s']} s):"]
    for size, row in report["tracks"].items():
        budget = BUDGETS.get(size, {})
        shown = " and ".join(f"{v:g} {'s' if k == 'seconds' else 'MB'}" for k, v in budget.items())
        lines.append(f"  {int(size):>9,} vertices ({row['bytes'] / 1e6:.1f} MB): {row['seconds']:.2f} s "
                     f"(read {row['read_s']:.2f} s, measure {row['measure_s']:.2f} s), peak {row['peak_mb']:.0f} MB, "
                     f"max RSS +{row['max_rss_growth_mb']:.0f} MB" + (f" (budget {shown})" if shown else ""))
    return "\n".join(lines)
