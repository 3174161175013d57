"""The Soviet-era trunk road network: places (nodes) and road segments (edges).

Stages: :func:`load` (places, segments and calibration runs from ``layers/src/roads/``) →
:func:`build` (geometry through the places, lengths cited, calibrated or geodesic) →
:func:`validate` (references, countries, lengths, designations, connectivity).

The types shared with the checks live in :mod:`geo.layers.roads.model`; the validate stage and the run
calibration in :mod:`geo.layers.roads.checks`.

Segments reference places by id, so junctions share exact coordinates by construction.
Crossings of the ``crossings`` layer are places too (``kind`` = ``crossing``).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import shapely

from geo import vocab
from geo.layers.crossings import Crossing
from geo.layers.roads.checks import RUN_SCALE, run_scales
from geo.layers.roads.model import Network, Place, Run, Segment
from geo.layers.spec import CURATED, GEO_MAPS, GEONAMES, ODBL, ODBL_URL, OSM_ATTRIBUTION, LayerSpec
from geo.layers.tables import (
    Problems,
    Row,
    check_unique,
    parse_choice,
    parse_float,
    parse_list,
    parse_lonlat,
    parse_slug,
    parse_urls,
    read_table,
)
from geo.measure import geodesic_km
from geo.reference import OSM_ROADS_2017, OSM_ROADS_2021
from geo.reference.trace import CORRIDORS_KM, RATIO, Trace

PLACE_COLUMNS = ("id", "name", "aliases", "country", "kind", "capital", "lon", "lat", "elevation_m", "coord_source",
                 "sources")
SEGMENT_COLUMNS = ("id", "name", "soviet_ref", "refs", "from_place", "to_place", "country", "via", "run", "length_km",
                   "length_source", "features", "geometry_accuracy", "sources", "notes")
RUN_COLUMNS = ("id", "name", "length_km", "source", "notes")
KINDS = ("city", "town", "junction", "pass")
COUNTRIES = vocab.ROUTABLE
ACCURACY = ("schematic", "traced")
SOVIET_REF = re.compile(r"^(M\d{2}|A\d{3})$")
REF_PATTERNS = {
    "Asian Highway": re.compile(r"^AH\d{1,3}$"),
    "E-road": re.compile(r"^E\d{2,3}$"),
    "CAREC corridor": re.compile(r"^CAREC-\d{1,2}[a-f]?$"),
    "Kazakh": re.compile(r"^(A\d{1,2}|KAZ\d{2}|KZ\d{2}-\d{2}|R-?\d{1,3})$"),
    "Kyrgyz": re.compile(r"^(ЭМ|ЭР)-\d{2}$"),
    "Tajik": re.compile(r"^РБ\d{2}$"),
    "Uzbek": re.compile(r"^(M\d{2}|A\d{3}|4R\d{1,3}|R\d{1,3})$"),
    "Turkmen": re.compile(r"^(M\d{2}|P-\d{1,3}|A\d{3})$"),
}

SPEC = LayerSpec(
    id="roads",
    title="Soviet-era trunk roads of Central Asia with their current designations",
    geometry_type="LineString",
    licence=ODBL,
    licence_url=ODBL_URL,
    attribution=(OSM_ATTRIBUTION + " (traced road geometry, borders); © OpenMapTiles (segments traced on the 2017 "
                 "tiles); © GeoNames (CC BY 4.0) town positions; facts from the cited sources"),
    upstream=(CURATED, OSM_ROADS_2021, OSM_ROADS_2017, GEONAMES, GEO_MAPS),
    method=(
        "Curated network (layers/src/roads/): each segment joins two places and has a schematic line through "
        "hand-placed `via` points. The build traces each segment on OpenStreetMap's road network (the 2021 zoom-10 "
        "roads of TJ/KG/UZ/TM where they give a trace, the 2017 zoom-7 roads elsewhere, or a user's extract given "
        "with `geo build --roads-from`): the shortest road between the two places inside a corridor of "
        f"{'/'.join(f'{c:g}' for c in CORRIDORS_KM)} km around the schematic line, roads far from it costing more; "
        f"accepted when its length is {RATIO[0]}–{RATIO[1]}× the schematic line's. Traced segments start and end "
        "exactly at their places (a straight connector joins a place to the road). length_km is `traced` (geodesic "
        "on WGS84 on the full-resolution trace, pyproj.Geod); for segments left schematic it is `cited` (a published "
        "length), `calibrated` (the schematic segments of a run scaled so that the run matches its published length "
        "after its traced segments are counted) or `geodesic` (the schematic line). published_km and "
        "traced_to_published compare a traced length with the published one where a source gives it."
    ),
    properties=("id", "name", "soviet_ref", "refs", "from_place", "to_place", "country", "length_km",
                "drawn_length_km", "length_method", "length_source", "published_km", "traced_to_published", "run",
                "features", "geometry_accuracy", "geometry_source", "trace_note", "sources", "notes"),
    notes=(
        "Traced segments follow OpenStreetMap roads as they were mapped in 2017 or 2021 (geometry_source); roads "
        "built or renumbered since stay schematic. Schematic segments (geometry_accuracy = schematic, reason in "
        "trace_note) are drawn through towns and passes: use them for corridors and distances, not for navigation."
    ),
    curated_files=("roads/places_*.csv", "roads/segments_*.csv", "roads/runs_*.csv", "roads/trace_exceptions.csv",
                   "roads/coverage_notes.csv"),
)

PLACES_SPEC = LayerSpec(
    id="places",
    title="Places of the road network: capitals, towns, junctions, passes and crossings",
    geometry_type="Point",
    licence=ODBL,
    licence_url=ODBL_URL,
    attribution="© GeoNames (CC BY 4.0) town positions; " + OSM_ATTRIBUTION + " (crossing positions via geo-maps)",
    upstream=(CURATED, GEONAMES),
    method="Curated place list (layers/src/roads/places_*.csv) plus every crossing of the crossings layer.",
    properties=("id", "name", "aliases", "country", "kind", "capital", "elevation_m", "lon", "lat", "coord_source",
                "sources"),
)


def load(source: Path, crossings: list[Crossing]) -> Network:
    """Read every ``places_*.csv``, ``segments_*.csv`` and ``runs_*.csv`` under ``source/roads``.

    Raises
    ------
    DataError
        Listing every problem found, with file and line.
    """
    folder = source / "roads"
    problems = Problems()
    place_rows = [r for p in sorted(folder.glob("places_*.csv")) for r in read_table(p, PLACE_COLUMNS)]
    segment_rows = [r for p in sorted(folder.glob("segments_*.csv")) for r in read_table(p, SEGMENT_COLUMNS)]
    run_rows = [r for p in sorted(folder.glob("runs_*.csv")) for r in read_table(p, RUN_COLUMNS)]
    places = {c.id: _crossing_place(c) for c in crossings}
    for row in place_rows:
        place = _place(row, problems)
        if place is None:
            continue
        if place.id in places:
            first = places[place.id].row
            where = f"line {first.line} of {first.file}" if first else "crossings.csv"
            problems.add(row, f"duplicate place id {place.id!r} (also at {where})")
            continue
        places[place.id] = place
    runs: dict[str, Run] = {}
    check_unique(run_rows, "id", problems)
    for row in run_rows:
        run = _run(row, problems)
        if run is not None:
            runs.setdefault(run.id, run)
    check_unique(segment_rows, "id", problems)
    segments = [s for s in (_segment(row, problems, places, runs) for row in segment_rows) if s is not None]
    problems.raise_if_any()
    return Network(places, segments, runs)


def _crossing_place(c: Crossing) -> Place:
    return Place(None, c.id, c.name, tuple(c.names), c.countries, "crossing", "", c.point, None, c.coord_source,
                 tuple(c.sources))


def _place(row: Row, problems: Problems) -> Place | None:
    before = len(problems.items)
    slug = parse_slug(row, "id", problems)
    if not row["name"]:
        problems.add(row, "name: missing")
    country = parse_choice(row, "country", COUNTRIES, problems)
    kind = parse_choice(row, "kind", KINDS, problems)
    capital = row["capital"]
    if capital and capital != "national" and not re.match(r"^region:\S.*$", capital):
        problems.add(row, f"capital: {capital!r} is not 'national' or 'region:<name>'")
    point = parse_lonlat(row, problems)
    elevation = parse_float(row, "elevation_m", problems, required=False, low=-500, high=9000)
    sources = parse_urls(row, "sources", problems)
    if len(problems.items) > before or slug is None or point is None or country is None or kind is None:
        return None
    return Place(row, slug, row["name"], tuple(parse_list(row["aliases"])), country, kind, capital, point, elevation,
                 row["coord_source"], tuple(sources))


def _run(row: Row, problems: Problems) -> Run | None:
    slug = parse_slug(row, "id", problems)
    km = parse_float(row, "length_km", problems, low=0.1, high=10000)
    source = parse_urls(row, "source", problems)
    if slug is None or km is None or not source:
        return None
    return Run(row, slug, row["name"], km, source[0])


def _segment(row: Row, problems: Problems, places: dict[str, Place], runs: dict[str, Run]) -> Segment | None:
    before = len(problems.items)
    slug = parse_slug(row, "id", problems)
    for key in ("from_place", "to_place"):
        if row[key] not in places:
            problems.add(row, f"{key}: unknown place {row[key]!r}")
    country = parse_choice(row, "country", COUNTRIES, problems)
    soviet = row["soviet_ref"] or None
    if soviet and not SOVIET_REF.match(soviet):
        problems.add(row, f"soviet_ref: {soviet!r} is not a Soviet number like 'M41' or 'A373'")
    refs = parse_list(row["refs"])
    for ref in refs:
        if not any(p.match(ref) for p in REF_PATTERNS.values()):
            problems.add(row, f"refs: {ref!r} is not a well-formed designation (e.g. ЭМ-04, РБ01, A2, KAZ06, AH7, "
                              "E40, CAREC-3)")
    via = _parse_via(row, problems)
    run = row["run"] or None
    if run and run not in runs:
        problems.add(row, f"run: unknown run {run!r}")
    cited = parse_float(row, "length_km", problems, required=False, low=0.01, high=5000)
    length_source = parse_urls(row, "length_source", problems, required=cited is not None)
    if cited is not None and run:
        problems.add(row, "a segment has either a cited length_km or a run, not both")
    accuracy = parse_choice(row, "geometry_accuracy", ACCURACY, problems)
    sources = parse_urls(row, "sources", problems)
    if len(problems.items) > before or slug is None or country is None or accuracy is None or via is None:
        return None
    return Segment(row, slug, row["name"], soviet, refs, row["from_place"], row["to_place"], country, via, run,
                   cited, length_source[0] if length_source else None, parse_list(row["features"]), accuracy,
                   sources, row["notes"])


def _parse_via(row: Row, problems: Problems) -> list[tuple[float, float]] | None:
    points: list[tuple[float, float]] = []
    for i, chunk in enumerate(c for c in row["via"].split(";") if c.strip()):
        parts = chunk.split()
        try:
            lon, lat = (float(parts[0]), float(parts[1])) if len(parts) == 2 else (float("nan"), float("nan"))
        except ValueError:
            lon = lat = float("nan")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.add(row, f"via: point {i + 1} {chunk.strip()!r} is not 'lon lat' in degrees")
            return None
        points.append((lon, lat))
    return points


def segment_line(segment: Segment, places: dict[str, Place]) -> shapely.LineString:
    """Return the segment's geometry: from_place → via points → to_place."""
    return shapely.LineString([places[segment.from_place].point, *segment.via, places[segment.to_place].point])


def build(network: Network, traces: dict[str, Trace] | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the ``roads`` and ``places`` layers.

    Parameters
    ----------
    network
        The loaded network.
    traces
        Segment id → outcome of tracing (see :mod:`geo.reference.trace`); a segment without an accepted trace keeps its
        schematic line.

    Notes
    -----
    Lengths: a traced segment measures its trace. Otherwise a cited ``length_km`` wins; else the schematic length
    times its run's scale (what the run's published length leaves after its traced segments, over the schematic
    length of the rest); else the schematic geodesic length.
    """
    traces = traces or {}
    drawn = {s.id: geodesic_km(segment_line(s, network.places)) for s in network.segments}
    traced = {sid: geodesic_km(t.line) for sid, t in traces.items() if t.line is not None}
    low, high = RUN_SCALE
    scale = {rid: f for rid, f in run_scales(network, drawn, traced).items() if low <= f <= high}
    records = []
    for s in network.segments:
        trace = traces.get(s.id)
        published = s.cited_km
        if s.id in traced and trace is not None:
            km, method, source, line = traced[s.id], "traced", s.length_source, trace.line
        elif s.cited_km is not None:
            km, method, source, line = s.cited_km, "cited", s.length_source, segment_line(s, network.places)
        elif s.run and s.run in scale:
            run = network.runs[s.run]
            km, method, source = drawn[s.id] * scale[s.run], "calibrated", run.source
            line = segment_line(s, network.places)
        else:
            km, method, source, line = drawn[s.id], "geodesic", None, segment_line(s, network.places)
        records.append({
            "id": s.id, "name": s.name, "soviet_ref": s.soviet_ref, "refs": s.refs, "from_place": s.from_place,
            "to_place": s.to_place, "country": s.country, "length_km": round(km, 2),
            "drawn_length_km": round(drawn[s.id], 2), "length_method": method, "length_source": source,
            "published_km": published,
            "traced_to_published": round(km / published, 3) if published and method == "traced" else None,
            "run": s.run, "features": s.features,
            "geometry_accuracy": "traced" if method == "traced" else "schematic",
            "geometry_source": trace.source if method == "traced" and trace else None,
            "trace_note": None if method == "traced" else (trace.reason if trace else "not traced"),
            "sources": s.sources, "notes": s.notes, "geometry": line,
        })
    roads = gpd.GeoDataFrame(records, geometry="geometry", crs=4326)
    places = gpd.GeoDataFrame([
        {"id": p.id, "name": p.name, "aliases": list(p.aliases), "country": p.country, "kind": p.kind,
         "capital": p.capital or None, "elevation_m": p.elevation_m, "lon": p.point[0], "lat": p.point[1],
         "coord_source": p.coord_source, "sources": list(p.sources), "geometry": shapely.Point(p.point)}
        for p in network.places.values()
    ], geometry="geometry", crs=4326)
    return roads, places


DISPLAY_TOLERANCE = 0.002
"""Simplification for display only (degrees, about 200 m): never used for measuring."""


def display_copy(roads: gpd.GeoDataFrame, tolerance: float = DISPLAY_TOLERANCE) -> gpd.GeoDataFrame:
    """Return a copy of the roads layer with simplified lines for drawing a map (ends kept; lengths unchanged).

    Examples
    --------
    >>> frame = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.LineString([(0, 0), (0.5, 0.0001), (1, 0)])])
    >>> list(display_copy(frame).geometry.iloc[0].coords)
    [(0.0, 0.0), (1.0, 0.0)]
    """
    out = roads.copy()
    out["geometry"] = shapely.simplify(roads.geometry.to_numpy(), tolerance, preserve_topology=True)
    return out
