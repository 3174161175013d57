"""Border crossings with a dated status history.

Stages: :func:`load` (curated CSVs → records, every problem located by file and line) →
:func:`build` (records → GeoDataFrame with the status on a day) → :func:`validate` (points on
the shared border of their two countries).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from geo import vocab
from geo.layers.spec import CURATED, GEO_MAPS, ODBL, ODBL_URL, OSM_ATTRIBUTION, LayerSpec
from geo.layers.status import last_verified, status_on
from geo.layers.tables import (
    EVIDENCE_COLUMNS,
    Problems,
    Row,
    check_unique,
    parse_choice,
    parse_choices,
    parse_date,
    parse_evidence,
    parse_float,
    parse_list,
    parse_lonlat,
    parse_slug,
    parse_urls,
    read_table,
)
from geo.measure import point_to_line_km

COLUMNS = ("id", "name", "names", "countries", "modes", "traffic", "lon", "lat", "coord_source", "sources", "notes")
STATUS_COLUMNS = ("crossing_id", "date", "status", "traffic", "access", "note", "source", *EVIDENCE_COLUMNS)
TIME_COLUMNS = ("crossing_id", "date", "traffic", "hours", "source", "note")
DEFAULT_COLUMNS = ("countries", "traffic", "hours", "basis", "sources")
STATUSES = vocab.STATUSES
MODES = vocab.CROSSING_MODES
TRAFFIC = vocab.TRAFFIC
ACCESS = vocab.ACCESS
DEFAULT = "default"
"""The ``source`` of a border-time row that takes its country pair's default."""
MAX_KM_FROM_BORDER = 2.0
MAX_BORDER_HOURS = 24 * 60.0

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
        "`status` is the latest dated fact on or before the as-of date (an entry of kind `planned`, an announced "
        "event, never counts); `unknown` before the first fact. Every fact since 2018 carries its source's "
        "publication date (`published`) and a quote from it (`evidence`)."
    ),
    properties=("id", "name", "names", "countries", "modes", "traffic", "status", "status_since", "status_note",
                "status_source", "status_traffic", "status_access", "last_verified", "status_history", "border_times",
                "coord_source", "sources", "notes"),
    notes=("Road crossings sit where their OpenStreetMap road crosses the border of the borders layer where a "
           "reference road was found (scripts/place_crossings.py); the rest are estimates snapped to the border "
           "near the road. coord_source says which, and keeps any earlier position."),
    curated_files=("crossings.csv", "crossing_status.csv", "border_times.csv", "border_time_defaults.csv",
                   "history_gaps.csv", "crossings_out_of_scope.csv"),
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
    border_times: list[dict[str, Any]] = field(default_factory=list)

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
    The crossings, each with its status history and its border times in date order.

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
    defaults = _pair_defaults(read_table(source / "border_time_defaults.csv", DEFAULT_COLUMNS), problems)
    _attach_border_times(read_table(source / "border_times.csv", TIME_COLUMNS), crossings, defaults,
                         {r["id"] for r in rows}, problems)
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
        access = parse_choice(row, "access", ACCESS, problems)
        source = parse_urls(row, "source", problems)
        evidence = parse_evidence(row, day, problems)
        if day is None or status is None or access is None or not source:
            continue
        if cid in last_date and day < last_date[cid]:
            problems.add(row, f"status history of {cid!r} out of date order ({day} after {last_date[cid]})")
        last_date[cid] = max(day, last_date.get(cid, day))
        grouped[cid].append({"date": day.isoformat(), "status": status, "traffic": traffic or None,
                             "access": access, "note": row["note"], "source": source[0], **evidence.entry()})
    for cid, history in grouped.items():
        if cid in crossings:
            crossings[cid].history = sorted(history, key=lambda e: e["date"])


def _pair_defaults(rows: list[Row], problems: Problems) -> dict[tuple[str, str], dict[str, Any]]:
    """Parse ``border_time_defaults.csv``: one documented default per country pair and traffic."""
    defaults: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        pair = row["countries"]
        codes = pair.split("-")
        if len(codes) != 2 or codes[0] >= codes[1] or not set(codes) <= set(vocab.BY_ISO2):
            problems.add(row, f"countries: {pair!r} is not two known ISO codes in alphabetical order like 'KG-TJ'")
            continue
        traffic = parse_choice(row, "traffic", TRAFFIC, problems)
        hours = parse_float(row, "hours", problems, low=0.0, high=MAX_BORDER_HOURS)
        sources = parse_urls(row, "sources", problems, required=False)
        if not row["basis"]:
            problems.add(row, "basis: missing (say how the default was derived)")
        if traffic is None or hours is None:
            continue
        if (pair, traffic) in defaults:
            problems.add(row, f"duplicate default for {pair} {traffic}")
            continue
        defaults[(pair, traffic)] = {"hours": hours, "basis": row["basis"], "sources": sources}
    return defaults


def _attach_border_times(rows: list[Row], crossings: dict[str, Crossing],
                         defaults: dict[tuple[str, str], dict[str, Any]], ids: set[str], problems: Problems) -> None:
    """Attach dated border times; ``default`` rows take their pair's hours; every traffic must be covered."""
    last_date: dict[tuple[str, str], dt.date] = {}
    for row in rows:
        cid = row["crossing_id"]
        if cid not in ids:
            problems.add(row, f"crossing_id: unknown crossing {cid!r}")
            continue
        day = parse_date(row, "date", problems)
        traffic = parse_choice(row, "traffic", TRAFFIC, problems)
        crossing = crossings.get(cid)
        if day is None or traffic is None or crossing is None:
            continue
        if traffic not in crossing.traffic:
            problems.add(row, f"traffic: {cid!r} does not handle {traffic} (its traffic: {'|'.join(crossing.traffic)})")
            continue
        key = (cid, traffic)
        if key in last_date and day < last_date[key]:
            problems.add(row, f"border times of {cid!r} ({traffic}) out of date order ({day} after {last_date[key]})")
        last_date[key] = max(day, last_date.get(key, day))
        if row["source"] == DEFAULT:
            if row["hours"]:
                problems.add(row, "hours: leave empty on a default row (the pair default in "
                                  "border_time_defaults.csv applies)")
                continue
            default = defaults.get((crossing.countries, traffic))
            if default is None:
                problems.add(row, f"source: no default for {crossing.countries} {traffic} in border_time_defaults.csv")
                continue
            entry = {"date": day.isoformat(), "traffic": traffic, "hours": default["hours"], "source": DEFAULT,
                     "note": default["basis"], "default": True, "default_sources": default["sources"]}
        else:
            hours = parse_float(row, "hours", problems, low=0.0, high=MAX_BORDER_HOURS)
            urls = parse_urls(row, "source", problems)
            if hours is None or not urls:
                continue
            entry = {"date": day.isoformat(), "traffic": traffic, "hours": hours, "source": urls[0],
                     "note": row["note"], "default": False, "default_sources": []}
        crossing.border_times.append(entry)
    for crossing in crossings.values():
        crossing.border_times.sort(key=lambda e: (e["traffic"], e["date"]))
        covered = {e["traffic"] for e in crossing.border_times}
        for traffic in crossing.traffic:
            if traffic not in covered:
                problems.add(crossing.row, f"crossing {crossing.id!r} has no border time for {traffic} in "
                                           "border_times.csv (cite one or add a 'default' row)")


def border_time_on(times: Sequence[Mapping[str, Any]], traffic: str, day: dt.date) -> dict[str, Any] | None:
    """Return the border-time entry for a traffic in force on ``day``.

    Parameters
    ----------
    times
        Entries with ``date``, ``traffic`` and ``hours``.
    traffic
        ``passengers`` or ``freight``.
    day
        The day asked about.

    Returns
    -------
    The latest entry dated on or before ``day``; before the first entry, the earliest one (marked
    ``"before_first": True``); None when the traffic has no entry.

    Examples
    --------
    >>> t = [{"date": "2020-01-01", "traffic": "freight", "hours": 8.2},
    ...      {"date": "2022-01-01", "traffic": "freight", "hours": 2.8}]
    >>> [border_time_on(t, "freight", dt.date(y, 6, 1))["hours"] for y in (2021, 2025)]
    [8.2, 2.8]
    >>> border_time_on(t, "freight", dt.date(2016, 1, 1))["before_first"]
    True
    >>> border_time_on(t, "passengers", dt.date(2025, 1, 1)) is None
    True
    """
    return border_time_in(border_times_for(times, traffic), day)


def border_times_for(times: Sequence[Mapping[str, Any]], traffic: str) -> list[Mapping[str, Any]]:
    """Return a traffic's border-time entries in date order (what :func:`border_time_in` reads)."""
    return sorted((e for e in times if e["traffic"] == traffic), key=lambda e: str(e["date"]))


def border_time_in(own: Sequence[Mapping[str, Any]], day: dt.date) -> dict[str, Any] | None:
    """Return :func:`border_time_on`'s entry from one traffic's entries already in date order."""
    if not own:
        return None
    key = day.isoformat()
    current = [e for e in own if str(e["date"]) <= key]
    return dict(current[-1]) if current else {**own[0], "before_first": True}


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
            "status_access": current.get("access", "unknown"),
            "last_verified": last_verified(c.history), "status_history": c.history, "border_times": c.border_times,
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
