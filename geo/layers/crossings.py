"""Border crossings with a dated status history.

Stages: :func:`load` (curated CSVs → records, every problem located by file and line) →
:func:`build` (records → GeoDataFrame with the status on a day) → :func:`validate` (points on
the shared border of their two countries).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.measure import point_to_line_km
from geo.spec import CURATED, GEO_MAPS, ODBL, ODBL_URL, OSM_ATTRIBUTION, LayerSpec
from geo.status import last_verified, status_on
from geo.tables import (
    Problems,
    Row,
    check_unique,
    parse_choice,
    parse_choices,
    parse_date,
    parse_list,
    parse_lonlat,
    parse_slug,
    parse_urls,
    read_table,
)

COLUMNS = ("id", "name", "names", "countries", "modes", "traffic", "lon", "lat", "coord_source", "sources", "notes")
STATUS_COLUMNS = ("crossing_id", "date", "status", "traffic", "note", "source")
STATUSES = ("open", "restricted", "closed", "unknown")
MODES = ("road", "rail", "pedestrian")
TRAFFIC = ("passengers", "freight")
MAX_KM_FROM_BORDER = 2.0

SPEC = LayerSpec(
    id="crossings",
    title="Border crossings of Central Asia with dated status",
    geometry_type="Point",
    licence=ODBL,
    licence_url=ODBL_URL,
    attribution=OSM_ATTRIBUTION + " (border positions via geo-maps; road positions on OpenStreetMap roads); facts from "
                                  "the sources cited per feature",
    upstream=(CURATED, GEO_MAPS),
    method=(
        "Curated from cited reports (layers/src/crossings.csv, crossing_status.csv). Each point is checked to lie "
        f"within {MAX_KM_FROM_BORDER:g} km of the shared border of its two countries in the borders layer. "
        "`status` is the latest dated entry on or before the as-of date; `unknown` before the first entry."
    ),
    properties=("id", "name", "names", "countries", "modes", "traffic", "status", "status_since", "status_note",
                "status_source", "status_traffic", "last_verified", "status_history", "coord_source", "sources",
                "notes"),
    notes=("Road crossings sit where their OpenStreetMap road crosses the border of the borders layer where a "
           "reference road was found (scripts/place_crossings.py); the rest are estimates snapped to the border "
           "near the road. coord_source says which, and keeps any earlier position."),
    curated_files=("crossings.csv", "crossing_status.csv"),
)


@dataclass
class Crossing:
    """A curated crossing with its history."""

    row: Row
    id: str
    name: str
    names: list[str]
    countries: str
    modes: list[str]
    traffic: list[str]
    point: tuple[float, float]
    coord_source: str
    sources: list[str]
    notes: str
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pair(self) -> tuple[str, str]:
        """Return the two country codes."""
        a, b = self.countries.split("-")
        return a, b


def load(source: Path, known_countries: set[str] | None = None) -> list[Crossing]:
    """Read ``crossings.csv`` and ``crossing_status.csv``.

    Parameters
    ----------
    source
        The folder of curated files.
    known_countries
        ISO2 codes allowed in ``countries`` (by default any two-letter pair).

    Returns
    -------
    The crossings, each with its status history in date order.

    Raises
    ------
    DataError
        Listing every problem found, with file and line.
    """
    problems = Problems()
    rows = read_table(source / "crossings.csv", COLUMNS)
    status_rows = read_table(source / "crossing_status.csv", STATUS_COLUMNS)
    check_unique(rows, "id", problems)
    crossings: dict[str, Crossing] = {}
    for row in rows:
        crossing = _crossing(row, problems, known_countries)
        if crossing is not None and crossing.id not in crossings:
            crossings[crossing.id] = crossing
    _attach_history(status_rows, crossings, {r["id"] for r in rows}, problems)
    for crossing in crossings.values():
        if not crossing.history:
            problems.add(crossing.row, f"crossing {crossing.id!r} has no dated status in crossing_status.csv")
    problems.raise_if_any()
    return list(crossings.values())


def _crossing(row: Row, problems: Problems, known: set[str] | None) -> Crossing | None:
    before = len(problems.items)
    slug = parse_slug(row, "id", problems)
    if not row["name"]:
        problems.add(row, "name: missing")
    pair = row["countries"]
    codes = pair.split("-")
    if len(codes) != 2 or not all(len(c) == 2 and c.isupper() and c.isalpha() for c in codes):
        problems.add(row, f"countries: {pair!r} is not two ISO codes like 'KG-TJ'")
    elif codes[0] >= codes[1]:
        problems.add(row, f"countries: write the pair in alphabetical order ({'-'.join(sorted(codes))})")
    elif known is not None and not set(codes) <= known:
        problems.add(row, f"countries: unknown country code in {pair!r}")
    modes = parse_choices(row, "modes", MODES, problems)
    traffic = parse_choices(row, "traffic", TRAFFIC, problems)
    point = parse_lonlat(row, problems)
    sources = parse_urls(row, "sources", problems)
    if len(problems.items) > before or slug is None or point is None:
        return None
    return Crossing(row, slug, row["name"], parse_list(row["names"]), pair, modes, traffic, point,
                    row["coord_source"], sources, row["notes"])


def _attach_history(rows: list[Row], crossings: dict[str, Crossing], ids: set[str], problems: Problems) -> None:
    last_date: dict[str, dt.date] = {}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        cid = row["crossing_id"]
        if cid not in ids:
            problems.add(row, f"crossing_id: unknown crossing {cid!r}")
            continue
        day = parse_date(row, "date", problems)
        status = parse_choice(row, "status", STATUSES, problems)
        traffic = parse_choices(row, "traffic", TRAFFIC, problems, required=False)
        source = parse_urls(row, "source", problems)
        if day is None or status is None or not source:
            continue
        if cid in last_date and day < last_date[cid]:
            problems.add(row, f"status history of {cid!r} out of date order ({day} after {last_date[cid]})")
        last_date[cid] = max(day, last_date.get(cid, day))
        grouped[cid].append({"date": day.isoformat(), "status": status, "traffic": traffic or None,
                             "note": row["note"], "source": source[0]})
    for cid, history in grouped.items():
        if cid in crossings:
            crossings[cid].history = sorted(history, key=lambda e: e["date"])


def build(crossings: list[Crossing], as_of: dt.date) -> gpd.GeoDataFrame:
    """Return the crossings layer with each crossing's status on ``as_of``."""
    records = []
    for c in crossings:
        current = status_on(c.history, as_of)
        records.append({
            "id": c.id, "name": c.name, "names": c.names, "countries": c.countries, "modes": c.modes,
            "traffic": c.traffic, "status": current["status"], "status_since": current["date"],
            "status_note": current.get("note"), "status_source": current.get("source"),
            "status_traffic": current.get("traffic") or (c.traffic if current["date"] else None),
            "last_verified": last_verified(c.history), "status_history": c.history,
            "coord_source": c.coord_source, "sources": c.sources, "notes": c.notes,
            "geometry": shapely.Point(c.point),
        })
    return gpd.GeoDataFrame(records, geometry="geometry", crs=4326)


def validate(crossings: list[Crossing], borders: gpd.GeoDataFrame) -> Problems:
    """Check that every crossing lies on the shared border of its two countries.

    A crossing is on the border when it is within 2 km of the outline of each of its two countries
    (the two outlines do not coincide everywhere in generalised data, so a shared line alone has gaps).

    Parameters
    ----------
    crossings
        Loaded crossings.
    borders
        The borders layer (``kind`` = ``country`` polygons with ISO2 ``country``).
    """
    problems = Problems()
    countries = borders[borders["kind"] == "country"]
    outlines = {code: shapely.boundary(g) for code, g in zip(countries["country"], countries.geometry)}
    for c in crossings:
        missing = [code for code in c.pair if code not in outlines]
        if missing:
            problems.add(c.row, f"countries: {', '.join(missing)} not in the borders layer")
            continue
        km = border_distance_km(c.point, c.pair, outlines)
        if km > MAX_KM_FROM_BORDER:
            swapped = border_distance_km(c.point[::-1], c.pair, outlines) < 50
            hint = " (latitude and longitude swapped?)" if swapped else ""
            problems.add(c.row, f"{c.id}: {km:.1f} km from the {c.countries} border (max {MAX_KM_FROM_BORDER:g} km)"
                                + hint)
    return problems


def border_distance_km(point: tuple[float, float], pair: tuple[str, str],
                       outlines: dict[str, BaseGeometry]) -> float:
    """Return how far a point is from the border of a pair: the larger distance to either outline."""
    return max(point_to_line_km(point, outlines[code]) for code in pair)
