"""Gas pipelines: Line D of the Central Asia – China Gas Pipeline, with Lines A, B and C as context.

Stages: :func:`load` → :func:`build` (geodesic lengths per country against the borders layer) →
:func:`validate` (each country's computed length within 15 % of the official figure, where cited).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from geo.measure import CountryIndex, geodesic_km
from geo.spec import CURATED, GEO_MAPS, ODBL, ODBL_URL, OSM_ATTRIBUTION, LayerSpec
from geo.status import last_verified, status_on
from geo.tables import (
    Problems,
    Row,
    check_unique,
    parse_choice,
    parse_date,
    parse_float,
    parse_list,
    parse_lonlat,
    parse_slug,
    parse_urls,
    read_table,
)

COLUMNS = ("id", "name", "operator", "capacity_bcm_y", "official_length_km", "official_length_by_country_km",
           "geometry_accuracy", "sources", "notes")
VERTEX_COLUMNS = ("pipeline_id", "seq", "lon", "lat", "place", "source")
STATUS_COLUMNS = ("pipeline_id", "date", "status", "note", "source")
STATUSES = ("planned", "under-construction", "stalled", "operating", "unknown")
ACCURACY = ("traced", "schematic")
TOLERANCE = 0.15
LENGTH_CHECKED = ("cagp-line-d",)
"""Lines drawn to reproduce their official per-country lengths (within ``TOLERANCE``). The other lines are
context sketches: their measured lengths are published next to the official ones, not held to them."""

SPEC = LayerSpec(
    id="pipelines",
    title="Central Asia – China Gas Pipeline: Line D, with Lines A, B and C",
    geometry_type="LineString",
    licence=ODBL,
    licence_url=ODBL_URL,
    attribution=OSM_ATTRIBUTION + " (borders used for per-country lengths); facts from the sources cited per feature",
    upstream=(CURATED, GEO_MAPS),
    method=(
        "Schematic lines drawn through the towns the sources name (layers/src/pipeline_vertices.csv). length_km and "
        "length_by_country_km are geodesic on WGS84 (pyproj.Geod) on the full line, split by the country polygons "
        "of the borders layer; official lengths are quoted from the sources where cited."
    ),
    properties=("id", "name", "operator", "status", "status_since", "status_note", "last_verified",
                "status_history", "capacity_bcm_y", "length_km", "length_by_country_km", "official_length_km",
                "official_length_by_country_km", "geometry_accuracy", "places", "sources", "notes"),
    notes=(
        "Geometry is schematic: it follows the named towns and valleys, not a surveyed route. Line D is drawn so "
        "that each country's measured length is within 15 % of the official one; Lines A, B and C are context "
        "sketches whose measured lengths run short of the official ones (about 1,100 km in Kazakhstan against "
        "1,300 km)."
    ),
    curated_files=("pipelines.csv", "pipeline_vertices.csv", "pipeline_status.csv"),
)


@dataclass
class Pipeline:
    """A curated pipeline."""

    row: Row
    id: str
    name: str
    operator: str
    capacity: float | None
    official_km: float | None
    official_by_country: dict[str, float]
    accuracy: str
    sources: list[str]
    notes: str
    vertices: list[tuple[float, float]] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)


def load(source: Path) -> list[Pipeline]:
    """Read the three pipeline files; raise :class:`~geo.errors.DataError` listing every problem."""
    problems = Problems()
    rows = read_table(source / "pipelines.csv", COLUMNS)
    vertex_rows = read_table(source / "pipeline_vertices.csv", VERTEX_COLUMNS)
    status_rows = read_table(source / "pipeline_status.csv", STATUS_COLUMNS)
    check_unique(rows, "id", problems)
    pipelines: dict[str, Pipeline] = {}
    for row in rows:
        pipeline = _pipeline(row, problems)
        if pipeline is not None:
            pipelines.setdefault(pipeline.id, pipeline)
    _attach_vertices(vertex_rows, pipelines, problems)
    _attach_history(status_rows, pipelines, problems)
    for p in pipelines.values():
        if len(p.vertices) < 2:
            problems.add(p.row, f"pipeline {p.id!r} needs at least 2 vertices in pipeline_vertices.csv")
        if not p.history:
            problems.add(p.row, f"pipeline {p.id!r} has no dated status in pipeline_status.csv")
    problems.raise_if_any()
    return list(pipelines.values())


def _pipeline(row: Row, problems: Problems) -> Pipeline | None:
    before = len(problems.items)
    slug = parse_slug(row, "id", problems)
    if not row["name"]:
        problems.add(row, "name: missing")
    capacity = parse_float(row, "capacity_bcm_y", problems, required=False, low=0, high=500)
    official = parse_float(row, "official_length_km", problems, required=False, low=0, high=20000)
    by_country: dict[str, float] = {}
    for item in parse_list(row["official_length_by_country_km"]):
        code, _, km = item.partition(":")
        try:
            value = float(km)
        except ValueError:
            value = -1.0
        if len(code) != 2 or not code.isupper() or value <= 0:
            problems.add(row, f"official_length_by_country_km: {item!r} is not like 'TJ:391'")
        else:
            by_country[code] = value
    accuracy = parse_choice(row, "geometry_accuracy", ACCURACY, problems)
    sources = parse_urls(row, "sources", problems)
    if len(problems.items) > before or slug is None or accuracy is None:
        return None
    return Pipeline(row, slug, row["name"], row["operator"], capacity, official, by_country, accuracy, sources,
                    row["notes"])


def _attach_vertices(rows: list[Row], pipelines: dict[str, Pipeline], problems: Problems) -> None:
    grouped: dict[str, list[tuple[float, tuple[float, float], str, Row]]] = defaultdict(list)
    for row in rows:
        pid = row["pipeline_id"]
        if pid not in pipelines:
            problems.add(row, f"pipeline_id: unknown pipeline {pid!r}")
            continue
        seq = parse_float(row, "seq", problems, low=0)
        point = parse_lonlat(row, problems)
        parse_urls(row, "source", problems, required=bool(row["place"]))
        if seq is not None and point is not None:
            grouped[pid].append((seq, point, row["place"], row))
    for pid, items in grouped.items():
        items.sort(key=lambda item: item[0])
        seqs = [s for s, _, _, _ in items]
        for (s, _, _, row), previous in zip(items[1:], seqs):
            if s == previous:
                problems.add(row, f"seq: duplicate {s:g} for pipeline {pid!r}")
        pipelines[pid].vertices = [p for _, p, _, _ in items]
        pipelines[pid].places = [name for _, _, name, _ in items if name]


def _attach_history(rows: list[Row], pipelines: dict[str, Pipeline], problems: Problems) -> None:
    last: dict[str, dt.date] = {}
    for row in rows:
        pid = row["pipeline_id"]
        if pid not in pipelines:
            problems.add(row, f"pipeline_id: unknown pipeline {pid!r}")
            continue
        day = parse_date(row, "date", problems)
        status = parse_choice(row, "status", STATUSES, problems)
        source = parse_urls(row, "source", problems)
        if day is None or status is None or not source:
            continue
        if pid in last and day < last[pid]:
            problems.add(row, f"status history of {pid!r} out of date order ({day} after {last[pid]})")
        last[pid] = max(day, last.get(pid, day))
        pipelines[pid].history.append({"date": day.isoformat(), "status": status, "note": row["note"],
                                       "source": source[0]})
    for p in pipelines.values():
        p.history.sort(key=lambda e: e["date"])


def build(pipelines: list[Pipeline], countries: CountryIndex, as_of: dt.date) -> gpd.GeoDataFrame:
    """Return the pipelines layer with computed lengths and the status on ``as_of``."""
    records = []
    for p in pipelines:
        line = shapely.LineString(p.vertices)
        by_country = {k: round(v, 1) for k, v in countries.length_by_country(line).items()}
        current = status_on(p.history, as_of)
        records.append({
            "id": p.id, "name": p.name, "operator": p.operator or None, "status": current["status"],
            "status_since": current["date"], "status_note": current.get("note"),
            "last_verified": last_verified(p.history), "status_history": p.history,
            "capacity_bcm_y": p.capacity, "length_km": round(geodesic_km(line), 1),
            "length_by_country_km": by_country, "official_length_km": p.official_km,
            "official_length_by_country_km": p.official_by_country or None, "geometry_accuracy": p.accuracy,
            "places": p.places, "sources": p.sources, "notes": p.notes, "geometry": line,
        })
    return gpd.GeoDataFrame(records, geometry="geometry", crs=4326)


def validate(pipelines: list[Pipeline], layer: gpd.GeoDataFrame) -> Problems:
    """Check each cited per-country length of the lines in ``LENGTH_CHECKED`` (within 15 %)."""
    problems = Problems()
    computed = dict(zip(layer["id"], layer["length_by_country_km"]))
    for p in pipelines:
        if p.id not in LENGTH_CHECKED:
            continue
        measured = computed.get(p.id, {})
        for code, official in p.official_by_country.items():
            km = measured.get(code, 0.0)
            if abs(km - official) > TOLERANCE * official:
                problems.add(p.row, f"{p.id}: {km:.0f} km in {code} against the official {official:g} km "
                                    f"(more than {TOLERANCE:.0%} apart)")
    return problems
