"""Read user lines and tracks (coordinates, GeoJSON, GPX) and measure them per country.

Anything that is not a valid line or polygon in WGS84 longitude/latitude raises
:class:`TrackError` with a one-line reason; nothing else escapes.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import GeoError
from geo.i18n import N_
from geo.measure import AREAL, CountryIndex, measure_geometry
from geo.messages import Message
from geo.vocab import shorten

LINEAR = ("LineString", "MultiLineString")
CRS84 = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"}
MAX_DIGITS = 20
"""A JSON integer longer than this is refused while parsing (never converted)."""


@dataclass(frozen=True)
class Limits:
    """What one file (or drawing) may hold; each is checked while it is read, before any geometry is built.

    Attributes
    ----------
    bytes
        File size; reading stops after this many bytes whatever the file claims.
    vertices
        Coordinates in all parts together.
    parts
        Lines, rings, GPX segments and routes.
    features
        GeoJSON features (or geometries).
    """

    bytes: int
    vertices: int
    parts: int
    features: int


CLI_LIMITS = Limits(bytes=128_000_000, vertices=1_000_000, parts=100_000, features=100_000)
"""``geo measure --file``: a million-vertex track (about 25 MB of GeoJSON, 95 MB of GPX with heights and times)."""
VALUES_PER_VERTEX = 4
VALUES_PER_FEATURE = 20
"""A GeoJSON file with more commas than ``VALUES_PER_VERTEX`` × vertices + ``VALUES_PER_FEATURE`` × features
allowed is refused before it is parsed (its parsed objects would take many times its size)."""
UPLOAD_LIMITS = Limits(bytes=5_000_000, vertices=250_000, parts=20_000, features=20_000)
"""The app's uploads (5 MB: ``server.maxUploadSize``)."""
DRAWING_LIMITS = Limits(bytes=1_000_000, vertices=10_000, parts=100, features=1)
"""One shape drawn on the app's map: drawn by hand, tens of vertices; measured on every rerun (up to 50 of them),
so a browser that sends more is refused per drawing instead of costing seconds each time."""
MAX_BYTES = CLI_LIMITS.bytes
MAX_VERTICES = CLI_LIMITS.vertices


class TrackError(GeoError):
    """A user track or drawing that cannot be measured (exit code 2)."""

    exit_code = 2


TOO_MANY = {"vertices": N_("too many vertices ({n}; at most {most})"),
            "parts": N_("too many parts ({n}; at most {most})"),
            "features": N_("too many features ({n}; at most {most})")}
"""What a count over its limit says, per thing counted."""


FILE = "{name}: {problem}"
"""A problem with the file it is about (the name is data, never translated)."""


def of_file(name: str, problem: Message) -> Message:
    """Return a problem with the file it is about (``name: problem``)."""
    return Message.of(FILE, name=name, problem=problem)


def too_big(size: int, most: int) -> Message:
    """Return the message about a file over its byte limit."""
    return Message.of(N_("file is {size} bytes; at most {most}"), size=f"{size:,}", most=f"{most:,}")


def malformed(kind: str) -> Message:
    """Return the message about coordinates that are not numbers in the shape a geometry type needs."""
    return Message.of(N_("malformed {kind} coordinates"), kind=kind)


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
            raise TrackError(Message.of("coordinate {n} {pair} is not 'lon,lat'", n=i + 1,
                                        pair=repr(shorten(pair, 30)))) from None
        points.append(_checked((lon, lat), i))
    if len(points) < 2:
        raise TrackError(Message.of("a line needs at least two 'lon,lat' points"))
    return shapely.LineString(points)


def _checked(point: tuple[float, ...], i: int) -> tuple[float, float]:
    lon, lat = point[0], point[1]
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise TrackError(Message.of(N_("coordinate {n} is not a finite number"), n=i + 1))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        hint = " (projected metres? give WGS84 degrees)" if max(abs(lon), abs(lat)) > 1000 else ""
        raise TrackError(Message.of("coordinate {n} ({lon}, {lat}) is outside longitude/latitude range{hint}", n=i + 1,
                                    lon=f"{lon:g}", lat=f"{lat:g}", hint=hint))
    return lon, lat


def _range_checked(coords: npt.NDArray[np.float64], first: int = 0) -> npt.NDArray[np.float64]:
    """Refuse non-finite or out-of-range longitudes/latitudes (all at once); ``first`` numbers the messages."""
    finite = np.isfinite(coords).all(axis=1)
    if not finite.all():
        raise TrackError(Message.of(N_("coordinate {n} is not a finite number"), n=first + int(np.argmin(finite)) + 1))
    inside = (np.abs(coords[:, 0]) <= 180) & (np.abs(coords[:, 1]) <= 90)
    if not inside.all():
        i = int(np.argmin(inside))
        _checked((float(coords[i, 0]), float(coords[i, 1])), first + i)
    return coords


def _json_int(text: str) -> float:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise TrackError(Message.of(N_("a number with {digits} digits cannot be a coordinate"), digits=f"{digits:,}"))
    return float(text)


def _json_constant(name: str) -> float:
    raise TrackError(Message.of(N_("{name} is not a finite number"), name=name))


def loads(text: str) -> Any:
    """Parse JSON text strictly: NaN, Infinity and integers of more than :data:`MAX_DIGITS` digits are refused.

    Integers become floats. Floats are parsed by the C scanner (a Python hook per number would triple the time of a
    large track); one too large for a float (``1e999``) becomes infinite and is refused with its coordinate.

    Examples
    --------
    >>> loads('[1, 2.5]')
    [1.0, 2.5]
    >>> loads('[NaN]')
    Traceback (most recent call last):
    geo.io.tracks.TrackError: NaN is not a finite number
    """
    return json.loads(text, parse_int=_json_int, parse_constant=_json_constant)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return shorten(repr(value), 30)


def _positions(kind: str, value: Any, first: int) -> npt.NDArray[np.float64]:
    """Return a list of GeoJSON positions as an ``(n, 2)`` float array (heights dropped), strictly typed.

    Booleans, strings, ``null``, nested lists and numbers too large for a float are refused; the type checks run
    over the whole list in C (``map``), never a Python loop per vertex.
    """
    if not isinstance(value, list | tuple):
        raise TrackError(malformed(kind))
    if not value:
        return np.zeros((0, 2))
    try:
        sizes = set(map(len, value))
    except TypeError:
        raise TrackError(malformed(kind)) from None
    if min(sizes) < 2 or max(sizes) > 4:
        raise TrackError(malformed(kind))
    kinds = set(map(type, itertools.chain.from_iterable(value)))
    if not kinds <= {float, int}:
        flat = list(itertools.chain.from_iterable(value))
        number = next(i for i, v in enumerate(flat) if type(v) not in (float, int))
        shown = _shown(flat[number])
        raise TrackError(Message.of(N_("malformed {kind} coordinates: coordinate {n} has {value}, not a number"),
                                    kind=kind, n=first + number // 2 + 1, value=shown))
    try:
        coords = np.array(list(map(operator.itemgetter(0, 1), value)), dtype=float)
    except OverflowError:
        raise TrackError(Message.of(N_("malformed {kind} coordinates: a number too large for a coordinate"),
                                    kind=kind)) from None
    return _range_checked(coords, first)


class _Reader:
    """Walk a GeoJSON object, then build its geometry.

    The walk checks the structure and counts features, parts and vertices against the limits before any
    coordinate is converted; then each part is converted at once.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.geometries: list[tuple[str, Any]] = []
        self.features = self.parts = self.vertices = 0

    def visit(self, obj: Any) -> None:
        if not isinstance(obj, dict):
            raise TrackError(Message.of(N_("GeoJSON must be an object")))
        if "crs" in obj:
            crs = obj["crs"]
            props = crs.get("properties") if isinstance(crs, dict) else None
            name = props.get("name") if isinstance(props, dict) else None
            if not isinstance(name, str) or name not in CRS84:
                shown = shorten(str(name), 40) if name is not None else "unreadable"
                raise TrackError(Message.of(N_("GeoJSON uses CRS {crs}; give WGS84 longitude/latitude (RFC 7946)"),
                                            crs=repr(shown)))
        kind = obj.get("type")
        if kind == "FeatureCollection":
            features = obj.get("features")
            if not isinstance(features, list) or not features:
                raise TrackError(Message.of(N_("the FeatureCollection has no features")))
            self._count("features", len(features), self.limits.features)
            for feature in features:
                self.visit(feature)
            return
        if kind == "Feature":
            if not isinstance(obj.get("geometry"), dict):
                raise TrackError(Message.of(N_("the Feature has no geometry")))
            self.visit(obj["geometry"])
            return
        if kind not in LINEAR + AREAL:
            raise TrackError(Message.of(N_("geometry type {kind} cannot be measured: draw a line or a polygon"),
                                        kind=repr(shorten(str(kind), 30))))
        coordinates = obj.get("coordinates")
        depth = {"LineString": 0, "MultiLineString": 1, "Polygon": 1, "MultiPolygon": 2}[kind]
        parts: list[Any] = [coordinates]
        for _ in range(depth):
            if not all(isinstance(p, list | tuple) for p in parts):
                raise TrackError(malformed(kind))
            parts = [q for p in parts for q in p]
        if not all(isinstance(p, list | tuple) for p in parts):
            raise TrackError(malformed(kind))
        self.parts += len(parts)
        self.vertices += sum(map(len, parts))
        self._count("parts", self.parts, self.limits.parts)
        self._count("vertices", self.vertices, self.limits.vertices)
        self.geometries.append((str(kind), coordinates))

    @staticmethod
    def _count(what: str, count: int, most: int) -> None:
        if count > most:
            raise TrackError(Message.of(TOO_MANY[what], n=f"{count:,}", most=f"{most:,}"))

    def geometry(self) -> BaseGeometry:
        first = 0
        built = []
        for kind, coordinates in self.geometries:
            geometry, first = _build(kind, coordinates, first)
            built.append(geometry)
        if len(built) == 1:
            return _validated(built[0])
        return _validated(_combine(built))


def _build(kind: str, coordinates: Any, first: int) -> tuple[BaseGeometry, int]:
    """Build one checked geometry from its coordinates; return it and the running coordinate number."""
    def line(value: Any) -> shapely.LineString:
        nonlocal first
        coords = _positions(kind, value, first)
        first += len(coords)
        if len(coords) == 1:
            raise TrackError(malformed(kind))
        return shapely.LineString(coords)

    def polygon(rings: Any) -> shapely.Polygon:
        lines = [line(r) for r in rings]
        if not lines or lines[0].is_empty:
            return shapely.Polygon()
        try:
            return shapely.Polygon(lines[0].coords, [r.coords for r in lines[1:] if not r.is_empty])
        except (ValueError, shapely.errors.GEOSException):
            raise TrackError(malformed(kind)) from None

    if kind == "LineString":
        return line(coordinates), first
    if kind == "MultiLineString":
        return shapely.MultiLineString([g for g in map(line, coordinates) if not g.is_empty]), first
    if kind == "Polygon":
        return polygon(coordinates), first
    return shapely.MultiPolygon([g for g in map(polygon, coordinates) if not g.is_empty]), first


def geometry_from_geojson(obj: Any, limits: Limits = UPLOAD_LIMITS) -> BaseGeometry:
    """Return the line or polygon geometry of a GeoJSON geometry, Feature or FeatureCollection.

    Parameters
    ----------
    obj
        Parsed GeoJSON (:func:`loads` keeps its numbers strict).
    limits
        Features, parts and vertices allowed; counted before any geometry is built.

    Raises
    ------
    TrackError
        Not GeoJSON, another CRS, no line or polygon, bad coordinates, or over a limit.
    """
    reader = _Reader(limits)
    reader.visit(obj)
    return reader.geometry()


def _validated(geometry: BaseGeometry) -> BaseGeometry:
    if geometry.is_empty:
        raise TrackError(Message.of(N_("the geometry is empty")))
    flat = shapely.force_2d(geometry)
    if flat.geom_type in AREAL and not flat.is_valid:
        raise TrackError(Message.of(N_("the polygon is not valid (self-intersecting or unclosed ring)")))
    return flat


def _combine(parts: list[BaseGeometry]) -> BaseGeometry:
    kinds = {("line" if p.geom_type in LINEAR else "area") for p in parts if not p.is_empty}
    if len(kinds) > 1:
        raise TrackError(Message.of(N_("mix of lines and polygons: measure them separately")))
    pieces = shapely.get_parts(np.asarray(parts, dtype=object))
    pieces = pieces[~shapely.is_empty(pieces)]
    if kinds == {"area"}:
        return shapely.MultiPolygon(list(pieces))
    return shapely.MultiLineString(list(pieces))


GPX_POINTS = ("trkpt", "rtept")
GPX_PARTS = ("trkseg", "rte")


def _refuse_declarations(*_: Any) -> None:
    raise TrackError(Message.of(N_("GPX with DOCTYPE or ENTITY declarations is refused")))


def _refuse_external(*_: Any) -> int:
    raise TrackError(Message.of(N_("GPX with DOCTYPE or ENTITY declarations is refused")))


def geometry_from_gpx(data: bytes, limits: Limits = UPLOAD_LIMITS) -> BaseGeometry:
    """Return the tracks and routes of a GPX file as a (multi)line, read as a stream.

    Points and segments are counted while the file is read; past a limit nothing more is kept, and the
    message gives the file's count. The file is read by expat with a handler only for the start and end of
    elements; a DOCTYPE (and so any entity declaration) stops the reading at once: no entity expansion attack,
    no external entity.
    """
    parts: list[npt.NDArray[np.float64]] = []
    lons: list[str] = []
    lats: list[str] = []
    points = segments = 0
    kinds: dict[str, str] = {}  # tag as written (with its prefix) → "point", "part" or ""

    def flush() -> None:
        nonlocal lons, lats
        if lons and segments <= limits.parts:
            parts.append(_gpx_coordinates(lons, lats, points - len(lons)))
        lons, lats = [], []

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal points, segments
        kind = kinds.get(tag)
        if kind is None:
            local = tag.rpartition(":")[2]
            kind = kinds[tag] = "point" if local in GPX_POINTS else "part" if local in GPX_PARTS else ""
        if kind == "point":
            points += 1
            if points <= limits.vertices:
                lon, lat = attributes.get("lon"), attributes.get("lat")
                if lon is None or lat is None:
                    raise TrackError(Message.of(N_("GPX point {n} has no numeric lat/lon"), n=points))
                lons.append(lon)
                lats.append(lat)
        elif kind == "part":  # a segment or route starts: the points before it belong to the one before
            flush()
            segments += 1

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_declarations
    parser.EntityDeclHandler = _refuse_declarations
    parser.UnparsedEntityDeclHandler = _refuse_declarations
    parser.ExternalEntityRefHandler = _refuse_external
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise TrackError(Message.of(N_("malformed GPX ({detail})"), detail=shorten(str(exc), 80))) from None
    flush()
    _Reader._count("vertices", points, limits.vertices)
    _Reader._count("parts", segments, limits.parts)
    lines = [p for p in parts if len(p) >= 2]
    if not lines:
        raise TrackError(Message.of(N_("the GPX file has no track or route with two or more points")))
    if len(lines) == 1:
        return shapely.LineString(lines[0])
    return shapely.MultiLineString([shapely.LineString(p) for p in lines])


def _gpx_coordinates(lons: list[str], lats: list[str], first: int) -> npt.NDArray[np.float64]:
    """Convert a segment's lon/lat attribute texts at once (numpy parses every number strictly)."""
    try:
        coords = np.column_stack([np.array(lons, dtype=np.str_).astype(float),
                                  np.array(lats, dtype=np.str_).astype(float)])
    except ValueError:
        bad = next(i for i, (x, y) in enumerate(zip(lons, lats)) if not (_is_number(x) and _is_number(y)))
        raise TrackError(Message.of(N_("GPX point {n} has no numeric lat/lon"), n=first + bad + 1)) from None
    return _range_checked(coords, first)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_limited(path: Path, most: int) -> bytes:
    """Read at most ``most`` bytes of a file; refuse it if it holds more, whatever its stated size.

    ``/dev/zero``, a pipe or a file that grows while read stops at the limit.
    """
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > most:
                raise TrackError(of_file(shorten(path.name), too_big(size, most)))
            data = handle.read(most + 1)
    except OSError as exc:
        raise TrackError(Message.of("cannot read {path}: {cause}", path=shorten(str(path)),
                                    cause=str(exc.strerror or exc))) from None
    if len(data) > most:
        raise TrackError(of_file(shorten(path.name), Message.of("file is more than {size} bytes; at most {most}",
                                                              size=f"{most:,}", most=f"{most:,}")))
    return data


def read_track(path: Path, limits: Limits = CLI_LIMITS) -> BaseGeometry:
    """Read a GeoJSON or GPX file (at most ``limits.bytes``) into a line or polygon geometry."""
    return read_track_bytes(path.name, read_limited(Path(path), limits.bytes), limits)


def read_track_bytes(name: str, data: bytes, limits: Limits = UPLOAD_LIMITS) -> BaseGeometry:
    """Parse the bytes of a GeoJSON or GPX file named ``name`` into a line or polygon geometry.

    Raises
    ------
    TrackError
        Empty, too large, not GeoJSON or GPX, too deeply nested, over a limit, or not a measurable geometry.
    """
    shown = shorten(name)
    if len(data) > limits.bytes:
        raise TrackError(of_file(shown, too_big(len(data), limits.bytes)))
    if not data.strip():
        raise TrackError(of_file(shown, Message.of(N_("file is empty"))))
    if name.lower().endswith(".gpx") or data.lstrip()[:1] == b"<":
        return geometry_from_gpx(data, limits)
    values = data.count(b",") + 1
    most = VALUES_PER_VERTEX * limits.vertices + VALUES_PER_FEATURE * limits.features
    if values > most:
        raise TrackError(of_file(shown, Message.of(N_("too many values ({n}; at most {most} for {vertices} vertices)"),
                                                   n=f"{values:,}", most=f"{most:,}", vertices=f"{limits.vertices:,}")))
    try:
        obj = loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problem = Message.of(N_("not GeoJSON or GPX ({kind})"), kind=type(exc).__name__)
        raise TrackError(of_file(shown, problem)) from None
    except RecursionError:
        raise TrackError(of_file(shown, Message.of(N_("JSON nested too deeply")))) from None
    try:
        return geometry_from_geojson(obj, limits)
    except RecursionError:
        raise TrackError(of_file(shown, Message.of(N_("JSON nested too deeply")))) from None


def measure(geometry: BaseGeometry, countries: CountryIndex) -> dict[str, Any]:
    """Measure a line or polygon and return the result as JSON data (for ``--json`` and downloads).

    Code that uses the numbers should call :func:`geo.measure.measure_geometry`, which returns a
    typed :class:`~geo.measure.Measurement`; this is its edge form, ``measure_geometry(…).to_dict()``.
    """
    return measure_geometry(geometry, countries).to_dict()
