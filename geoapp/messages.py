"""The core's one-line messages (unknown place, no route…) in the reader's language.

The core (``geo.routing``, ``geo.routing.names``) writes its messages in English for the command line. The app shows
them translated: each known message shape is a pattern with named parts, and its template is translated, then
filled with the parts (place names, ids, codes: data, never translated). A message of no known shape is shown
as the core wrote it. ``tests/test_app_messages.py`` makes the real engine write each shape, so a change of
wording in the core fails a test instead of silently showing English.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from geo.i18n import N_, Translator

Fill = Callable[[re.Match[str], Translator], dict[str, str]]


def _plain(match: re.Match[str], tr: Translator) -> dict[str, str]:
    return {k: v for k, v in match.groupdict().items() if v is not None}


def _hint(match: re.Match[str], tr: Translator) -> dict[str, str]:
    parts = _plain(match, tr)
    hint = parts.pop("hint", None)
    parts["hint"] = tr.gettext(" — did you mean {suggestion}?").format(suggestion=hint) if hint else ""
    return parts


def _inner(match: re.Match[str], tr: Translator) -> dict[str, str]:
    return {"message": core_message(match["message"], tr)}


def _end(match: re.Match[str], tr: Translator) -> dict[str, str]:
    parts = _plain(match, tr)
    parts["end"] = tr.gettext("start") if match["end"] == "start" else tr.gettext("end")
    return parts


def _note(match: re.Match[str], tr: Translator) -> dict[str, str]:
    parts = _plain(match, tr)
    if parts.get("note") == "see its status history":
        parts["note"] = tr.gettext("see its status history")
    return parts


def _why(match: re.Match[str], tr: Translator) -> dict[str, str]:
    parts = _plain(match, tr)
    parts["why"] = tr.gettext(" and ").join(_reason(r, tr) for r in match["why"].split(" and "))
    return parts


def _reason(reason: str, tr: Translator) -> str:
    closed = re.fullmatch(r"closed crossings(?: \(or closed to (?P<vehicle>\w+)-registered vehicles\))? (?P<ids>.+)",
                          reason)
    if closed and closed["vehicle"]:
        return tr.gettext("closed crossings (or closed to {vehicle}-registered vehicles) {ids}").format(
            vehicle=closed["vehicle"], ids=closed["ids"])
    if closed:
        return tr.gettext("closed crossings {ids}").format(ids=closed["ids"])
    avoided = re.fullmatch(r"avoided countries (?P<codes>.+)", reason)
    if avoided:
        return tr.gettext("avoided countries {codes}").format(codes=avoided["codes"])
    if reason == "the network has no road between them":
        return tr.gettext("the network has no road between them")
    return reason


SHAPES: tuple[tuple[re.Pattern[str], str, Fill], ...] = (
    (re.compile(r"unknown place or crossing (?P<name>.+?)(?: — did you mean (?P<hint>.+)\?)?"),
     N_("unknown place or crossing {name}{hint}"), _hint),
    (re.compile(r"unknown place (?P<name>.+?)(?: — did you mean (?P<hint>.+)\?)?"),
     N_("unknown place {name}{hint}"), _hint),
    (re.compile(r"ambiguous place (?P<name>.+?): could be (?P<options>.+)"),
     N_("ambiguous place {name}: could be {options}"), _plain),
    (re.compile(r"empty place name (?P<name>.+)"), N_("empty place name {name}"), _plain),
    (re.compile(r"from and to are the same place \((?P<place>.+)\)"),
     N_("from and to are the same place ({place})"), _plain),
    (re.compile(r"--via: (?P<message>.+)"), N_("via place: {message}"), _inner),
    (re.compile(r"--via (?P<name>.+) is the route's (?P<end>start|end) \((?P<place>.+)\)"),
     N_("via place {name} is the route's {end} ({place})"), _end),
    (re.compile(r"--via (?P<place>.+) twice in a row"), N_("via place {place} twice in a row"), _plain),
    (re.compile(r"(?P<km>[\d,]+) km \((?P<share>\d+%)\) of this route are measured on schematic geometry \(straight "
                r"lines between places, no traced road or published length\) and may run short of the real road"),
     N_("{km} km ({share}) of this route are measured on schematic geometry (straight lines between places, no traced "
        "road or published length) and may run short of the real road"), _plain),
    (re.compile(r"crossing (?P<name>.+?): status unknown on (?P<day>\S+) \(treated as open; --unknown closed avoids "
                r"it\)"),
     N_("crossing {name}: status unknown on {day} (treated as open; choose “treated as closed” for crossings of "
        "unknown status to avoid it)"), _plain),
    (re.compile(r"crossing (?P<name>.+?): restricted on (?P<day>\S+) \((?P<note>.*)\)"),
     N_("crossing {name}: restricted on {day} ({note})"), _note),
    (re.compile(r"crossing (?P<name>.+?): no source says whether it admits (?P<vehicle>\w+)-registered vehicles on "
                r"(?P<day>\S+) \(treated as open; --unknown closed avoids it\)"),
     N_("crossing {name}: no source says whether it admits {vehicle}-registered vehicles on {day} (treated as open; "
        "choose “treated as closed” for crossings of unknown status to avoid it)"), _plain),
    (re.compile(r"no route from (?P<source>.+?) to (?P<target>.+?) \((?P<scenario>.*)\): cut off by (?P<why>.+)"),
     N_("no route from {source} to {target}: cut off by {why}"), _why),
)
"""Known message shapes: pattern (matched whole), the template shown, and how its parts are filled."""


def core_message(message: str, tr: Translator) -> str:
    """Return a core message in the reader's language (unchanged when its shape is unknown).

    Examples
    --------
    >>> from geo.i18n import translator
    >>> core_message("unknown place 'Xyz' — did you mean Osh?", translator("ru"))
    "неизвестный пункт 'Xyz' — возможно, вы имели в виду Osh?"
    >>> core_message("something new", translator("ru"))
    'something new'
    """
    for pattern, template, fill in SHAPES:
        match = pattern.fullmatch(message)
        if match:
            return tr.gettext(template).format(**fill(match, tr))
    return message


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
