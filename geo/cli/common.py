"""What every command module shares: the parser class, argument types, JSON printing and output checks.

Command modules import from here (never from :mod:`geo.cli` itself), so the package has no import cycle.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import UsageError
from geo.io.geojson import to_json
from geo.vocab import BY_ISO2, COUNTRIES, ROUTABLE, ROUTE_MODES, ROUTE_OPTIMIZE, UNKNOWN_CHOICES, shorten, shorten_path

if TYPE_CHECKING:
    from geo.routing.graph import Scenario

Handler = Callable[[argparse.Namespace], int]
"""A command: takes the parsed arguments, returns the exit code."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors exit 2 with one line of usage and one of error."""

    def error(self, message: str) -> Any:  # noqa: D102
        self.exit(2, f"{self.prog}: error: {shorten(message, 300)}\n")


def command(sub: Any, name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` that runs ``handler``; return its parser for the arguments.

    Parameters
    ----------
    sub
        The subparsers object that :func:`geo.cli.build_parser` passes to every ``add_commands``.
    name, help
        The subcommand and its one-line description.
    handler
        Runs the command.
    """
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help)
    parser.set_defaults(handler=handler)
    return parser


FILE_COMMANDS = frozenset({"db", "build", "check"})
"""Commands that work on the built files (or write them) even when a database URL is given."""


@contextlib.contextmanager
def layer_source(args: argparse.Namespace) -> Iterator[None]:
    """Read the layers from the database of ``--db`` (or ``$GEO_DATABASE_URL``) while a command runs, if one is given.

    Raises
    ------
    UsageError
        The database cannot be reached or holds no loaded data.
    """
    from geo.db import database_url

    url = database_url(getattr(args, "db", None))
    if url is None or getattr(args, "command", None) in FILE_COMMANDS:
        yield
        return
    from geo.db.source import DatabaseSource
    from geo.layers import store

    store.use_source(DatabaseSource(url))
    try:
        yield
    finally:
        store.use_source(None)


def iso_date(text: str) -> dt.date:
    """Parse a ``YYYY-MM-DD`` argument into a real calendar date.

    >>> iso_date("2024-02-29")
    datetime.date(2024, 2, 29)
    """
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shorten(text)!r} is not a real date YYYY-MM-DD") from None


def today() -> dt.date:
    """Return today's date (the default as-of date)."""
    return dt.date.today()


def print_json(value: Any, indent: int | None = None) -> None:
    """Print ``value`` as strict JSON (RFC 8259: NaN and missing values become null)."""
    print(to_json(value, indent=indent))


def check_output(path: Path, option: str = "-o") -> None:
    """Refuse an output path that is a folder or whose folder is missing or not writable, before any work (exit 2).

    Raises
    ------
    UsageError
        The path cannot be written.
    """
    if path.is_dir():
        raise UsageError(f"{option} {shorten_path(path)}: is a folder, give a file name")
    folder = path.parent
    if not folder.exists():
        raise UsageError(f"{option} {shorten_path(path)}: folder {shorten_path(folder)} does not exist")
    if not folder.is_dir():
        raise UsageError(f"{option} {shorten_path(path)}: {shorten_path(folder)} is not a folder")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"{option} {shorten_path(path)}: folder {shorten_path(folder)} is not writable")


def progress(message: str) -> None:
    """Print a progress line on standard error."""
    print(message, file=sys.stderr, flush=True)


def add_scenario_options(p: argparse.ArgumentParser) -> None:
    """Add the options that make a route's scenario (the same names and defaults for every command that routes)."""
    p.add_argument("--as-of", type=iso_date, help="date for crossing statuses (default: today)")
    p.add_argument("--close", nargs="+", default=[], metavar="ID", help="crossing ids to treat as closed")
    p.add_argument("--open", nargs="+", default=[], metavar="ID", help="crossing ids to treat as open")
    p.add_argument("--avoid", nargs="+", default=[], metavar="ISO2",
                   help=f"countries to avoid ({', '.join(ROUTABLE)})")
    p.add_argument("--mode", choices=ROUTE_MODES, default=ROUTE_MODES[0])
    p.add_argument("--optimize", choices=ROUTE_OPTIMIZE, default=ROUTE_OPTIMIZE[0],
                   help="minimise travel time (road + border hours, default) or road km")
    p.add_argument("--via", nargs="+", default=[], metavar="PLACE", help="places to pass, in this order")
    p.add_argument("--unknown", choices=UNKNOWN_CHOICES, default=UNKNOWN_CHOICES[0],
                   help="treat crossings of unknown status on the date as open (default, with a warning) or closed")
    p.add_argument("--vehicle", metavar="ISO2",
                   help="country the vehicle is registered in: never use a crossing closed to it on the date")
    p.add_argument("--citizen", metavar="ISO2",
                   help="the traveller's citizenship (passenger routes): list the document needed at each border, "
                        "and avoid crossings closed to this citizen and countries that want a visa not held")
    p.add_argument("--visa", nargs="+", default=[], metavar="ISO2",
                   help="countries whose visa the traveller holds (with --citizen)")


def _avoid(codes: list[str]) -> frozenset[str]:
    out = set()
    for code in codes:
        upper = code.strip().upper()
        if upper not in ROUTABLE:
            raise UsageError(f"--avoid {shorten(code, 20)!r}: not one of {', '.join(ROUTABLE)}")
        out.add(upper)
    return frozenset(out)


def _country(option: str, code: str | None) -> str | None:
    """Return an ISO2 code of a country on the map (``--vehicle``, ``--citizen``), or None when not given."""
    if code is None:
        return None
    upper = code.strip().upper()
    if upper not in BY_ISO2:
        raise UsageError(f"{option} {shorten(code, 20)!r}: not a country code on the map "
                         f"({', '.join(c.iso2 for c in COUNTRIES)})")
    return upper


def _visas(codes: list[str]) -> frozenset[str]:
    out = set()
    for code in codes:
        upper = code.strip().upper()
        if upper not in BY_ISO2:
            raise UsageError(f"--visa {shorten(code, 20)!r}: not a country code on the map "
                             f"({', '.join(c.iso2 for c in COUNTRIES)})")
        out.add(upper)
    return frozenset(out)


def scenario_from(args: argparse.Namespace, as_of: dt.date | None = None, close: list[str] | None = None,
                  open_: list[str] | None = None) -> Scenario:
    """Return the scenario the options of :func:`add_scenario_options` describe (date and overrides may be given).

    Raises
    ------
    UsageError
        An unknown country code, a crossing both closed and opened, ``--visa`` without ``--citizen``, or
        ``--citizen`` on a freight route.
    """
    from geo.routing.graph import Scenario

    return Scenario(as_of=as_of or args.as_of or today(),
                    close=frozenset(c.strip() for c in (args.close if close is None else close)),
                    open=frozenset(c.strip() for c in (args.open if open_ is None else open_)),
                    avoid=_avoid(args.avoid), mode=args.mode, optimize=args.optimize, unknown=args.unknown,
                    vehicle=_country("--vehicle", args.vehicle), citizen=_country("--citizen", args.citizen),
                    visas=_visas(args.visa))
