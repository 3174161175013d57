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
import numpy as np
import pyogrio
import shapely

from geo import vocab
from geo.errors import DataError, Problem
from geo.layers.spec import CURATED, GEO_MAPS, ODBL, ODBL_URL, OSM_ATTRIBUTION, OSM_COPYRIGHT_URL, LayerSpec, Upstream
from geo.layers.status import last_verified, section_status, status_on
from geo.layers.tables import (
    EVIDENCE_COLUMNS,
    Problems,
    Row,
    check_unique,
    parse_choice,
    parse_date,
    parse_evidence,
    parse_float,
    parse_list,
    parse_lonlat,
    parse_slug,
    parse_urls,
    read_table,
)
from geo.measure import CountryIndex, geodesic_km
from geo.reference import shared_dir

COLUMNS = ("id", "name", "operator", "capacity_bcm_y", "official_length_km", "official_length_by_country_km",
           "geometry_accuracy", "sources", "notes")
VERTEX_COLUMNS = ("pipeline_id", "seq", "lon", "lat", "place", "source")
STATUS_COLUMNS = ("pipeline_id", "section", "date", "status", "note", "source", *EVIDENCE_COLUMNS)
STATUSES = ("planned", "under-construction", "stalled", "operating", "unknown")
ACCURACY = ("traced", "schematic")
TOLERANCE = 0.15
LENGTH_CHECKED = ("cagp-line-d",)
"""Lines drawn to reproduce their official per-country lengths (within ``TOLERANCE``). The other lines are
context sketches: their measured lengths are published next to the official ones, not held to them."""

TRACE_FILE = "gem-P1124-cagp-lines-abc-osm.geojson"
TRACED_LINES = ("cagp-line-a", "cagp-line-b", "cagp-line-c")
"""Lines drawn with the one OpenStreetMap trace of the three parallel lines, when it is at hand."""
TRACED_TOLERANCE = 0.05
"""A traced line's per-country length must be within this share of the official figure."""
GEM_CAGP = Upstream(
    name="Central Asia–China Gas Pipeline Lines A/B/C route (Global Energy Monitor P1124, from OpenStreetMap relation "
         "8165751; shared/data/pipelines/" + TRACE_FILE + ")",
    version="OpenStreetMap 2024-05-20 (GitHub GlobalEnergyMonitor/GOIT-GGIT-pipeline-routes @ 6bfab45)",
    url=OSM_COPYRIGHT_URL,
    licence="ODbL-1.0; " + OSM_ATTRIBUTION,
)

SPEC = LayerSpec(
    id="pipelines",
    title="Central Asia – China Gas Pipeline: Line D, with Lines A, B and C",
    geometry_type="LineString",
    licence=ODBL,
    licence_url=ODBL_URL,
    attribution=OSM_ATTRIBUTION + " (Lines A/B/C route via Global Energy Monitor; borders used for per-country "
                                  "lengths); facts from the sources cited per feature",
    upstream=(CURATED, GEM_CAGP, GEO_MAPS),
    method=(
        "Lines A, B and C follow the OpenStreetMap trace of the pipeline (one line for the three parallel lines, "
        "from shared/data/pipelines/; the build keeps the committed trace when that file is absent). Line D is a "
        "schematic line through the towns the sources name (layers/src/pipeline_vertices.csv). length_km and "
        "length_by_country_km are geodesic on WGS84 (pyproj.Geod) on the full line, split by the country polygons "
        "of the borders layer; official lengths are quoted from the sources where cited, and "
        "length_in_official_scope_km adds up the measured km of the countries the official figures cover. "
        "status is the whole line's latest dated fact on or before the as-of date; section_status gives each "
        "country section's (its own facts and the whole line's, the latest first); entries of kind `planned` "
        "(announced milestones) never count."
    ),
    properties=("id", "name", "operator", "status", "status_since", "status_note", "section_status", "last_verified",
                "status_history", "capacity_bcm_y", "length_km", "length_by_country_km", "official_length_km",
                "official_length_by_country_km", "length_in_official_scope_km", "official_comparison",
                "geometry_accuracy", "geometry_source", "places", "sources", "notes"),
    notes=(
        "Lines A, B and C are traced (OpenStreetMap, 2024); each country's measured length is within 5 % of the "
        "official one. Line D is schematic (no public trace exists): it follows the named towns and valleys, drawn "
        "so that each country's measured length is within 15 % of the official one; its Turkmen stretch from the "
        "Galkynysh field lies outside the official 966 km (UZ 205, TJ 391, KG 215, CN 155 km), so it is compared "
        "without that stretch."
    ),
    curated_files=("pipelines.csv", "pipeline_vertices.csv", "pipeline_status.csv"),
)


def trace_path() -> Path:
    """Return where the traced route of Lines A/B/C is looked for."""
    return shared_dir() / "data" / "pipelines" / TRACE_FILE


def read_trace(path: Path) -> shapely.LineString:
    """Read the traced route of Lines A/B/C (one LineString), rounded to 6 decimals.

    Raises
    ------
    DataError
        The file cannot be read or holds no single line.
    """
    try:
        frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, OSError) as exc:
        raise DataError([Problem(str(path), 0, f"cannot read the pipeline trace ({type(exc).__name__})")]) from None
    lines = [g for g in frame.geometry if g is not None and g.geom_type == "LineString"]
    if len(lines) != 1:
        raise DataError([Problem(str(path), 0, f"expected one LineString, found {len(lines)}")])
    return shapely.LineString(np.round(np.asarray(lines[0].coords)[:, :2], 6))


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
    last: dict[tuple[str, str | None], dt.date] = {}
    for row in rows:
        pid = row["pipeline_id"]
        if pid not in pipelines:
            problems.add(row, f"pipeline_id: unknown pipeline {pid!r}")
            continue
        section = row["section"] or None
        if section is not None and section not in vocab.BY_ISO2:
            problems.add(row, f"section: {section!r} is not a country code (empty for the whole line)")
            continue
        day = parse_date(row, "date", problems)
        status = parse_choice(row, "status", STATUSES, problems)
        source = parse_urls(row, "source", problems)
        evidence = parse_evidence(row, day, problems)
        if day is None or status is None or not source:
            continue
        key = (pid, section)
        if key in last and day < last[key]:
            where = f" section {section}" if section else ""
            problems.add(row, f"status history of {pid!r}{where} out of date order ({day} after {last[key]})")
        last[key] = max(day, last.get(key, day))
        pipelines[pid].history.append({"date": day.isoformat(), "section": section, "status": status,
                                       "note": row["note"], "source": source[0], **evidence.entry()})
    for p in pipelines.values():
        p.history.sort(key=lambda e: (e["date"], e["section"] or ""))


def build(pipelines: list[Pipeline], countries: CountryIndex, as_of: dt.date,
          traced: shapely.LineString | None = None, source: str | None = None) -> gpd.GeoDataFrame:
    """Return the pipelines layer with computed lengths and the status on ``as_of``.

    Parameters
    ----------
    pipelines
        The curated lines.
    countries
        Country polygons for the per-country lengths.
    as_of
        The day statuses are evaluated on.
    traced
        The traced route of Lines A/B/C (see :data:`TRACED_LINES`); without it they are drawn from their vertices.
    source
        Where ``traced`` came from (written to ``geometry_source``).
    """
    records = []
    for p in pipelines:
        use_trace = traced is not None and p.id in TRACED_LINES
        line = traced if use_trace and traced is not None else shapely.LineString(p.vertices)
        by_country = {k: round(v, 1) for k, v in countries.length_by_country(line).items()}
        current = status_on(p.history, as_of)
        scope = sum(by_country.get(code, 0.0) for code in p.official_by_country)
        records.append({
            "id": p.id, "name": p.name, "operator": p.operator or None, "status": current["status"],
            "status_since": current["date"], "status_note": current.get("note"),
            "section_status": section_status(p.history, as_of) or None,
            "last_verified": last_verified(p.history), "status_history": p.history,
            "capacity_bcm_y": p.capacity, "length_km": round(geodesic_km(line), 1),
            "length_by_country_km": by_country, "official_length_km": p.official_km,
            "official_length_by_country_km": p.official_by_country or None,
            "length_in_official_scope_km": round(scope, 1) if p.official_by_country else None,
            "official_comparison": comparison(p, by_country),
            "geometry_accuracy": "traced" if use_trace else "schematic",
            "geometry_source": source if use_trace else None,
            "places": p.places, "sources": p.sources, "notes": p.notes, "geometry": line,
        })
    return gpd.GeoDataFrame(records, geometry="geometry", crs=4326)


def comparison(pipeline: Pipeline, by_country: dict[str, float]) -> str | None:
    """Say how the measured lengths compare with the official ones, and what the official figures leave out."""
    if not pipeline.official_by_country:
        return None
    parts = [f"{code} {by_country.get(code, 0.0):,.0f} km measured / {km:,.0f} official"
             for code, km in pipeline.official_by_country.items()]
    outside = {("outside every land polygon" if code == "??" else code): km for code, km in by_country.items()
               if code not in pipeline.official_by_country and km >= 0.05}
    text = "; ".join(parts)
    scope = sum(by_country.get(code, 0.0) for code in pipeline.official_by_country)
    total = sum(pipeline.official_by_country.values())
    if pipeline.official_km and abs(total - pipeline.official_km) < 1:
        text += f"; {scope:,.0f} km measured in these countries against the official {pipeline.official_km:,.0f} km"
    if outside:
        rest = ", ".join(f"{code} {km:,.1f} km" for code, km in outside.items())
        text += f" (not covered by the official figures, left out of the comparison: {rest})"
    return text


def validate(pipelines: list[Pipeline], layer: gpd.GeoDataFrame) -> Problems:
    """Check each cited per-country length of the schematic lines in ``LENGTH_CHECKED`` and of traced lines.

    Schematic lines must be within 15 % of the official figure, traced lines within 5 %.
    """
    problems = Problems()
    computed = dict(zip(layer["id"], layer["length_by_country_km"]))
    accuracy = dict(zip(layer["id"], layer["geometry_accuracy"]))
    for p in pipelines:
        tolerance = TRACED_TOLERANCE if accuracy.get(p.id) == "traced" else TOLERANCE
        if p.id not in LENGTH_CHECKED and accuracy.get(p.id) != "traced":
            continue
        measured = computed.get(p.id, {})
        for code, official in p.official_by_country.items():
            km = measured.get(code, 0.0)
            if abs(km - official) > tolerance * official:
                problems.add(p.row, f"{p.id}: {km:.0f} km in {code} against the official {official:g} km "
                                    f"(more than {tolerance:.0%} apart)")
    return problems
