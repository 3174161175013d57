"""Read user lines and tracks (coordinates, GeoJSON, GPX) and measure them per country.

Anything that is not a valid line or polygon in WGS84 longitude/latitude raises
:class:`TrackError` with a one-line reason; nothing else escapes.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import shapely
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from shapely.geometry.base import BaseGeometry

from geo.errors import GeoError
from geo.measure import AREAL, CountryIndex, measure_geometry
from geo.vocab import shorten

MAX_BYTES = 10_000_000
MAX_VERTICES = 200_000
LINEAR = ("LineString", "MultiLineString")
CRS84 = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"}


class TrackError(GeoError):
    """A user track or drawing that cannot be measured (exit code 2)."""

    exit_code = 2


def parse_coordinates(text: str) -> shapely.LineString:
    """Parse ``"lon,lat lon,lat …"`` (or ``;``-separated pairs) into a line.

    Examples
    --------
    >>> parse_coordinates("69.24,41.31 71.47,51.17").geom_type
    'LineString'
    """
    pairs = [p for p in re.split(r"[;\s]+", text.strip()) if p]
    points = []
    for i, pair in enumerate(pairs):
        parts = pair.split(",")
        try:
            lon, lat = float(parts[0]), float(parts[1])
            if len(parts) != 2:
                raise ValueError
        except (ValueError, IndexError):
            raise TrackError(f"coordinate {i + 1} {shorten(pair, 30)!r} is not 'lon,lat'") from None
        points.append(_checked((lon, lat), i))
    if len(points) < 2:
        raise TrackError("a line needs at least two 'lon,lat' points")
    return shapely.LineString(points)


def _checked(point: tuple[float, ...], i: int) -> tuple[float, float]:
    lon, lat = point[0], point[1]
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise TrackError(f"coordinate {i + 1} is not a finite number")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        hint = " (projected metres? give WGS84 degrees)" if max(abs(lon), abs(lat)) > 1000 else ""
        raise TrackError(f"coordinate {i + 1} ({lon:g}, {lat:g}) is outside longitude/latitude range{hint}")
    return lon, lat


def geometry_from_geojson(obj: Any) -> BaseGeometry:
    """Return the line or polygon geometry of a GeoJSON geometry, Feature or FeatureCollection.

    Raises
    ------
    TrackError
        Not GeoJSON, another CRS, no line or polygon, bad coordinates, or too many vertices.
    """
    if not isinstance(obj, dict):
        raise TrackError("GeoJSON must be an object")
    if "crs" in obj:
        crs = obj["crs"]
        props = crs.get("properties") if isinstance(crs, dict) else None
        name = props.get("name") if isinstance(props, dict) else None
        if not isinstance(name, str) or name not in CRS84:
            shown = shorten(str(name), 40) if name is not None else "unreadable"
            raise TrackError(f"GeoJSON uses CRS {shown!r}; give WGS84 longitude/latitude (RFC 7946)")
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or not features:
            raise TrackError("the FeatureCollection has no features")
        parts = [geometry_from_geojson(f) for f in features]
        return _combine(parts)
    if kind == "Feature":
        if not isinstance(obj.get("geometry"), dict):
            raise TrackError("the Feature has no geometry")
        return geometry_from_geojson(obj["geometry"])
    if kind not in LINEAR + AREAL:
        raise TrackError(f"geometry type {shorten(str(kind), 30)!r} cannot be measured: draw a line or a polygon")
    try:
        geometry = shapely.geometry.shape(obj)
    except Exception:  # shapely raises several types for malformed coordinates
        raise TrackError(f"malformed {kind} coordinates") from None
    return _validated(geometry)


def _validated(geometry: BaseGeometry) -> BaseGeometry:
    if geometry.is_empty:
        raise TrackError("the geometry is empty")
    coords = shapely.get_coordinates(geometry, include_z=False)
    if len(coords) > MAX_VERTICES:
        raise TrackError(f"too many vertices ({len(coords):,}; at most {MAX_VERTICES:,})")
    for i, (lon, lat) in enumerate(coords):
        _checked((float(lon), float(lat)), i)
    flat = shapely.force_2d(geometry)
    if flat.geom_type in AREAL and not flat.is_valid:
        raise TrackError("the polygon is not valid (self-intersecting or unclosed ring)")
    return flat


def _combine(parts: list[BaseGeometry]) -> BaseGeometry:
    kinds = {("line" if p.geom_type in LINEAR else "area") for p in parts}
    if len(kinds) > 1:
        raise TrackError("mix of lines and polygons: measure them separately")
    if kinds == {"line"}:
        return shapely.MultiLineString([ls for p in parts for ls in shapely.get_parts(p)])
    return shapely.MultiPolygon([pg for p in parts for pg in shapely.get_parts(p)])


def geometry_from_gpx(data: bytes) -> BaseGeometry:
    """Return the tracks and routes of a GPX file as a (multi)line.

    DOCTYPE and entity declarations are refused (no entity expansion attacks).
    """
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise TrackError("GPX with DOCTYPE or ENTITY declarations is refused") from None
    except ParseError as exc:
        raise TrackError(f"malformed GPX ({shorten(str(exc), 80)})") from None
    lines = []
    for segment in [e for e in root.iter() if _local(e.tag) in ("trkseg", "rte")]:
        points = []
        for i, point in enumerate(e for e in segment if _local(e.tag) in ("trkpt", "rtept")):
            try:
                lon, lat = float(point.attrib["lon"]), float(point.attrib["lat"])
            except (KeyError, ValueError):
                raise TrackError(f"GPX point {i + 1} has no numeric lat/lon") from None
            points.append(_checked((lon, lat), i))
        if len(points) >= 2:
            lines.append(shapely.LineString(points))
    if not lines:
        raise TrackError("the GPX file has no track or route with two or more points")
    return _validated(shapely.MultiLineString(lines) if len(lines) > 1 else lines[0])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_track(path: Path) -> BaseGeometry:
    """Read a GeoJSON or GPX file (at most 10 MB) into a line or polygon geometry."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise TrackError(f"{path.name}: file is {size:,} bytes; at most {MAX_BYTES:,}")
        data = path.read_bytes()
    except OSError as exc:
        raise TrackError(f"cannot read {shorten(str(path))}: {exc.strerror or exc}") from None
    return read_track_bytes(path.name, data)


def read_track_bytes(name: str, data: bytes) -> BaseGeometry:
    """Parse the bytes of a GeoJSON or GPX file named ``name`` into a line or polygon geometry.

    Raises
    ------
    TrackError
        Empty, too large, not GeoJSON or GPX, too deeply nested, or not a measurable geometry.
    """
    shown = shorten(name)
    if len(data) > MAX_BYTES:
        raise TrackError(f"{shown}: file is {len(data):,} bytes; at most {MAX_BYTES:,}")
    if not data.strip():
        raise TrackError(f"{shown}: file is empty")
    if name.lower().endswith(".gpx") or data.lstrip()[:1] == b"<":
        return geometry_from_gpx(data)
    try:
        obj = json.loads(data.decode("utf-8-sig"))
        return geometry_from_geojson(obj)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrackError(f"{shown}: not GeoJSON or GPX ({type(exc).__name__})") from None
    except RecursionError:
        raise TrackError(f"{shown}: JSON nested too deeply") from None


def measure(geometry: BaseGeometry, countries: CountryIndex) -> dict[str, Any]:
    """Measure a line or polygon and return the result as JSON data (for ``--json`` and downloads).

    Code that uses the numbers should call :func:`geo.measure.measure_geometry`, which returns a
    typed :class:`~geo.measure.Measurement`; this is its edge form, ``measure_geometry(…).to_dict()``.
    """
    return measure_geometry(geometry, countries).to_dict()
