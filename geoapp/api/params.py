"""Query parameters into the core's typed requests, with the command line's own validation.

A route's query (``from``, ``to`` and the options of ``geo route``, ``-`` spelled ``_``) is turned into the
arguments ``geo route`` would parse and read by a parser made with :func:`geo.cli.common.add_scenario_options`,
then :func:`geo.cli.common.scenario_from`: the same names, defaults, choices and messages. List options take
repeated parameters or commas (``close=a,b`` or ``close=a&close=b``). Everything here raises
:class:`~geo.errors.UsageError` with a one-line message naming the parameter; nothing is parsed from text twice.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from geo.cli.common import add_scenario_options, scenario_from
from geo.errors import UsageError
from geo.routing.graph import Scenario, Trip
from geo.vocab import shorten

MAX_QUERY = 2048
"""Longest query string answered (bytes); longer ones get 414."""
MAX_LIST = 50
"""Most values a list parameter (``close``, ``open``, ``via`` …) takes."""
MAX_VIA = 8
"""Most places a route may pass."""
LIST_OPTIONS = ("via", "close", "open", "avoid", "visa")
"""Route parameters that take several values."""
SCALAR_OPTIONS = ("from", "to", "as_of", "mode", "optimize", "unknown", "vehicle", "citizen", "alternatives")
"""Route parameters that take one value."""
ROUTE_PARAMETERS = (*SCALAR_OPTIONS, *LIST_OPTIONS)
"""Every parameter of ``/api/v1/route``: ``geo route``'s arguments and options (not its output files)."""
POINT_PARAMETERS = tuple(p for p in ROUTE_PARAMETERS if p not in ("via", "alternatives"))
"""Every parameter of ``/api/v1/route/coords``: ``from`` and ``to`` are points (LON,LAT), no via or alternatives."""


OPTION = re.compile(r"--([a-z][a-z-]*)")
"""An option's name in the command line's messages, shown as the query parameter's name."""


class _Parser(argparse.ArgumentParser):
    """The command line's parser, raising :class:`UsageError` instead of exiting."""

    def error(self, message: str) -> NoReturn:  # noqa: D102
        raise UsageError(shorten(OPTION.sub(lambda m: m.group(1).replace("-", "_"), message), 300))


def _route_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="route", add_help=False, allow_abbrev=False)
    parser.add_argument("--from", dest="origin", required=True)
    parser.add_argument("--to", dest="destination", required=True)
    add_scenario_options(parser)
    parser.add_argument("--alternatives", type=int, default=0)
    return parser


ROUTE_PARSER = _route_parser()


def _values(items: Sequence[tuple[str, str]], known: Sequence[str]) -> dict[str, list[str]]:
    """Group a query's items by name, refusing unknown names and oversized lists."""
    grouped: dict[str, list[str]] = {}
    for key, value in items:
        if key not in known:
            raise UsageError(f"unknown query parameter {shorten(key, 40)!r} (known: {', '.join(known)})")
        grouped.setdefault(key, []).append(value)
    return grouped


def route_trip(items: Sequence[tuple[str, str]]) -> tuple[Trip, int]:
    """Return the trip and the number of alternatives a route query asks for.

    Parameters
    ----------
    items
        The query's (name, value) pairs in order.

    Raises
    ------
    UsageError
        An unknown parameter, a scalar given twice, a bad value (the CLI's message), too many values.
    """
    args = _parsed(items, ROUTE_PARAMETERS, "a place name or id")
    scenario = scenario_from(args)
    if not 0 <= args.alternatives <= 3:
        raise UsageError(f"alternatives must be between 0 and 3, not {args.alternatives}")
    return Trip(args.origin, args.destination, scenario, tuple(args.via)), int(args.alternatives)


def point_request(items: Sequence[tuple[str, str]]) -> tuple[tuple[float, float], tuple[float, float], Scenario]:
    """Return the two points and the scenario a route query between points asks for (``from``/``to`` LON,LAT).

    Raises
    ------
    UsageError
        As :func:`route_trip`; a point that is not LON,LAT in range.
    """
    from geo.db.coords import parse_point

    args = _parsed(items, POINT_PARAMETERS, "a point: LON,LAT")
    return parse_point(args.origin, "from"), parse_point(args.destination, "to"), scenario_from(args)


def _parsed(items: Sequence[tuple[str, str]], known: Sequence[str], ends: str) -> argparse.Namespace:
    """Return the query read by the command line's parser (``ends``: what ``from`` and ``to`` hold)."""
    grouped = _values(items, known)
    argv: list[str] = []
    for key, values in grouped.items():
        option = "--" + key.replace("_", "-")
        if key in SCALAR_OPTIONS:
            if len(values) > 1:
                raise UsageError(f"{key}: given {len(values)} times, give it once")
            argv.append(f"{option}={values[0]}")
            continue
        split = [v.strip() for value in values for v in value.split(",") if v.strip()]
        if not split:
            raise UsageError(f"{key}: give at least one value")
        if len(split) > (MAX_VIA if key == "via" else MAX_LIST):
            raise UsageError(f"{key}: at most {MAX_VIA if key == 'via' else MAX_LIST} values")
        if any(v.startswith("-") for v in split):
            raise UsageError(f"{key}: a value may not start with '-'")
        argv += [option, *split]
    for required in ("from", "to"):
        if required not in grouped:
            raise UsageError(f"{required}: required ({ends})")
    return ROUTE_PARSER.parse_args(argv)


def single(items: Sequence[tuple[str, str]], known: Sequence[str]) -> dict[str, str]:
    """Return a query's parameters, each given at most once and every one known.

    Raises
    ------
    UsageError
        An unknown parameter or one given twice.
    """
    grouped = _values(items, known)
    for key, values in grouped.items():
        if len(values) > 1:
            raise UsageError(f"{key}: given {len(values)} times, give it once")
    return {k: v[0] for k, v in grouped.items()}


def as_of(text: str | None, name: str = "as_of") -> dt.date | None:
    """Return the date a ``YYYY-MM-DD`` parameter names (``None`` when absent).

    >>> as_of("2024-02-29"), as_of(None)
    (datetime.date(2024, 2, 29), None)
    """
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name}: {shorten(text, 40)!r} is not a real date YYYY-MM-DD") from None


def datetime_date(text: str | None) -> dt.date | None:
    """Return the as-of date an OGC ``datetime`` parameter names: a date or an RFC 3339 instant.

    >>> datetime_date("2024-01-01"), datetime_date("2024-01-01T12:00:00Z")
    (datetime.date(2024, 1, 1), datetime.date(2024, 1, 1))

    Raises
    ------
    UsageError
        An interval (``a/b``) or anything else that is not one instant.
    """
    if text is None:
        return None
    if "/" in text:
        raise UsageError("datetime: intervals are not supported; give one date (the as-of date of the statuses)")
    if len(text) == 10:
        return as_of(text, "datetime")
    try:
        moment = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise UsageError(f"datetime: {shorten(text, 40)!r} is not a date or an RFC 3339 date-time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()


@dataclass(frozen=True)
class Box:
    """A bounding box in degrees (CRS84); ``west > east`` crosses the antimeridian."""

    west: float
    south: float
    east: float
    north: float

    def parts(self) -> list[tuple[float, float, float, float]]:
        """Return the box as one or two boxes that do not cross the antimeridian."""
        if self.west <= self.east:
            return [(self.west, self.south, self.east, self.north)]
        return [(self.west, self.south, 180.0, self.north), (-180.0, self.south, self.east, self.north)]


def bbox(text: str | None) -> Box | None:
    """Return the box an OGC ``bbox`` parameter names: four numbers, or six (heights ignored).

    >>> bbox("69,39.6,73.6,41.6")
    Box(west=69.0, south=39.6, east=73.6, north=41.6)

    Raises
    ------
    UsageError
        Not 4 or 6 numbers, latitudes outside ±90 or south above north, longitudes outside ±180.
    """
    if text is None:
        return None
    try:
        numbers = [float(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"bbox: {shorten(text, 60)!r} is not 4 or 6 comma-separated numbers") from None
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise UsageError(f"bbox: {shorten(text, 60)!r} is not 4 or 6 comma-separated numbers")
    west, south, east, north = (numbers[:2] + numbers[3:5]) if len(numbers) == 6 else numbers
    if not (-90 <= south <= north <= 90):
        raise UsageError("bbox: latitudes must lie within -90..90 with the south below the north")
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise UsageError("bbox: longitudes must lie within -180..180")
    return Box(west, south, east, north)


def integer(text: str | None, name: str, default: int, low: int, high: int | None = None) -> int:
    """Return a whole-number parameter, at least ``low``; above ``high`` it is lowered to ``high``.

    >>> integer(None, "limit", 10, 1, 1000), integer("5000", "limit", 10, 1, 1000)
    (10, 1000)
    """
    if text is None:
        return default
    try:
        if len(text) > 12:
            raise ValueError
        value = int(text)
    except ValueError:
        raise UsageError(f"{name}: {shorten(text, 40)!r} is not a whole number") from None
    if value < low:
        raise UsageError(f"{name}: must be at least {low}, not {value}")
    return value if high is None else min(value, high)


def query_items(query: Any) -> list[tuple[str, str]]:
    """Return a Starlette ``QueryParams``' items in order (a typed list for the functions above)."""
    return [(str(k), str(v)) for k, v in query.multi_items()]
