"""A user's uploaded track (GeoJSON or GPX bytes): read, measure, draw and give back as GeoJSON.

Pure: no Streamlit. Every problem with the file ends in :class:`geo.io.tracks.TrackError` with a one-line
message that names the file; nothing else escapes :func:`read_upload`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from geo.i18n import N_
from geo.io.tracks import FILE, TrackError, of_file, read_track_bytes, too_big
from geo.layers import registry
from geo.messages import Message

LOG = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5_000_000
"""Uploads are refused above this size before any parsing (``server.maxUploadSize`` is 5 MB)."""
MAX_NAME = 80


def clean_name(name: Any) -> str:
    r"""Return a file name fit for messages and properties: printable, at most 80 characters.

    Examples
    --------
    >>> clean_name("a\nb.gpx"), clean_name(None)
    ('ab.gpx', 'track')
    """
    text = "".join(ch for ch in str(name or "") if ch.isprintable()).strip()
    if len(text) > MAX_NAME:
        text = text[:MAX_NAME - 1] + "…"
    return text or "track"


def digest(data: bytes) -> str:
    """Return the SHA-256 of an upload (the key its result is kept under)."""
    return hashlib.sha256(data).hexdigest()


def read_upload(name: str, data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> BaseGeometry:
    """Read uploaded GeoJSON or GPX bytes into a line or polygon geometry in WGS84.

    Parameters
    ----------
    name
        The uploaded file's name (its extension chooses GPX; otherwise the content does).
    data
        The file's bytes.
    max_bytes
        Larger files are refused before parsing.

    Returns
    -------
    A (Multi)LineString or (Multi)Polygon, 2-D.

    Raises
    ------
    TrackError
        Empty, too large, not GeoJSON or GPX, hostile XML, another CRS, no line or polygon, bad coordinates.
    """
    label = clean_name(name)
    if len(data) > max_bytes:
        raise TrackError(of_file(label, too_big(len(data), max_bytes)))
    if not data.strip():
        raise TrackError(of_file(label, Message.of(N_("file is empty"))))
    try:
        return read_track_bytes(label, data)
    except TrackError as exc:
        about_this_file = exc.message.template == FILE and exc.message.values.get("name") == label
        raise TrackError(exc.message if about_this_file else of_file(label, exc.message)) from None
    except RecursionError:
        raise TrackError(of_file(label, Message.of(N_("nested too deeply to be a track")))) from None
    except Exception:  # geo.io.tracks lets a few malformed shapes through as other errors: never show them raw
        LOG.exception("upload %s could not be read", label)
        problem = Message.of(N_("not a GeoJSON or GPX line or polygon that can be read"))
        raise TrackError(of_file(label, problem)) from None


def view_of(geometry: BaseGeometry, *, width_px: int = 900, height_px: int = 560) -> tuple[float, float, int]:
    """Return ``(lat, lon, zoom)`` that shows the whole geometry on a map of about this size.

    Examples
    --------
    >>> view_of(shapely.LineString([(69, 40), (72, 41)]))
    (40.5, 70.5, 8)
    """
    minx, miny, maxx, maxy = geometry.bounds
    span_x, span_y = max(maxx - minx, 1e-6), max(maxy - miny, 1e-6)
    zoom_x = math.log2(width_px * 360 / (256 * span_x))
    # Mercator stretches latitude by about 1/cos(lat).
    zoom_y = math.log2(height_px * 360 * math.cos(math.radians((miny + maxy) / 2)) / (256 * span_y))
    zoom = int(max(3, min(14, math.floor(min(zoom_x, zoom_y)))))
    return round((miny + maxy) / 2, 5), round((minx + maxx) / 2, 5), zoom


def track_geojson(name: str, geometry: BaseGeometry, measured: dict[str, Any]) -> bytes:
    """Return the track as an RFC 7946 FeatureCollection with its geodesic measurements.

    The geometry is the parsed one (full resolution, 2-D, WGS84); the properties repeat the measurement.
    """
    properties: dict[str, Any] = {"name": clean_name(name), **measured}
    collection = {"type": "FeatureCollection", "metadata": {
        "title": "Uploaded track, measured on the WGS84 ellipsoid",
        "method": "geodesic on WGS84 (pyproj.Geod); km per country split by the borders layer",
        "attribution": registry.get("borders").attribution,
    }, "features": [{"type": "Feature", "properties": properties,
                     "geometry": shapely.geometry.mapping(geometry)}]}
    return (json.dumps(collection, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8")
