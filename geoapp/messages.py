"""Messages about a drawing or an uploaded track in the reader's language."""

from __future__ import annotations

import re

from geo.i18n import N_, Translator

TRACK_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), template) for pattern, template in (
    (r"file is (?P<size>[\d,]+) bytes; at most (?P<most>[\d,]+)", N_("file is {size} bytes; at most {most}")),
    (r"file is empty", N_("file is empty")),
    (r"nested too deeply to be a track", N_("nested too deeply to be a track")),
    (r"JSON nested too deeply", N_("JSON nested too deeply")),
    (r"not a GeoJSON or GPX line or polygon that can be read",
     N_("not a GeoJSON or GPX line or polygon that can be read")),
    (r"not GeoJSON or GPX \((?P<kind>\w+)\)", N_("not GeoJSON or GPX ({kind})")),
    (r"GeoJSON must be an object", N_("GeoJSON must be an object")),
    (r"GeoJSON uses CRS (?P<crs>.+); give WGS84 longitude/latitude \(RFC 7946\)",
     N_("GeoJSON uses CRS {crs}; give WGS84 longitude/latitude (RFC 7946)")),
    (r"the FeatureCollection has no features", N_("the FeatureCollection has no features")),
    (r"the Feature has no geometry", N_("the Feature has no geometry")),
    (r"geometry type (?P<kind>.+) cannot be measured: draw a line or a polygon",
     N_("geometry type {kind} cannot be measured: draw a line or a polygon")),
    (r"malformed (?P<kind>\w+) coordinates", N_("malformed {kind} coordinates")),
    (r"the geometry is empty", N_("the geometry is empty")),
    (r"too many vertices \((?P<n>[\d,]+); at most (?P<most>[\d,]+)\)", N_("too many vertices ({n}; at most {most})")),
    (r"too many parts \((?P<n>[\d,]+); at most (?P<most>[\d,]+)\)", N_("too many parts ({n}; at most {most})")),
    (r"too many features \((?P<n>[\d,]+); at most (?P<most>[\d,]+)\)", N_("too many features ({n}; at most {most})")),
    (r"too many values \((?P<n>[\d,]+); at most (?P<most>[\d,]+) for (?P<vertices>[\d,]+) vertices\)",
     N_("too many values ({n}; at most {most} for {vertices} vertices)")),
    (r"a number with (?P<digits>[\d,]+) digits cannot be a coordinate",
     N_("a number with {digits} digits cannot be a coordinate")),
    (r"(?P<name>NaN|-?Infinity) is not a finite number", N_("{name} is not a finite number")),
    (r"coordinate (?P<n>\d+) is not a finite number", N_("coordinate {n} is not a finite number")),
    (r"malformed (?P<kind>\w+) coordinates: coordinate (?P<n>\d+) has (?P<value>.+), not a number",
     N_("malformed {kind} coordinates: coordinate {n} has {value}, not a number")),
    (r"malformed (?P<kind>\w+) coordinates: a number too large for a coordinate",
     N_("malformed {kind} coordinates: a number too large for a coordinate")),
    (r"the polygon is not valid \(self-intersecting or unclosed ring\)",
     N_("the polygon is not valid (self-intersecting or unclosed ring)")),
    (r"mix of lines and polygons: measure them separately", N_("mix of lines and polygons: measure them separately")),
    (r"GPX with DOCTYPE or ENTITY declarations is refused", N_("GPX with DOCTYPE or ENTITY declarations is refused")),
    (r"malformed GPX \((?P<detail>.*)\)", N_("malformed GPX ({detail})")),
    (r"GPX point (?P<n>\d+) has no numeric lat/lon", N_("GPX point {n} has no numeric lat/lon")),
    (r"the GPX file has no track or route with two or more points",
     N_("the GPX file has no track or route with two or more points")),
))
"""Shapes of ``geo.io.tracks`` / ``geo.io.upload`` messages about a drawing or an uploaded file (after its name)."""


def track_message(message: str, tr: Translator) -> str:
    """Return a message about a drawing or an uploaded track in the reader's language (``file: problem`` too).

    >>> from geo.i18n import translator
    >>> track_message("route.gpx: the GPX file has no track or route with two or more points", translator("ru"))
    'route.gpx: в файле GPX нет трека или маршрута из двух и более точек'
    """
    for pattern, template in TRACK_SHAPES:
        match = pattern.fullmatch(message)
        if match:
            return tr.gettext(template).format(**match.groupdict())
    name, sep, rest = message.partition(": ")
    if sep and rest and any(pattern.fullmatch(rest) for pattern, _ in TRACK_SHAPES):
        return f"{name}: {track_message(rest, tr)}"
    return message
