"""What every command module shares: the parser class, argument types, JSON printing and output checks.

Command modules import from here (never from :mod:`geo.cli` itself), so the package has no import cycle.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geo.errors import UsageError
from geo.io.geojson import to_json
from geo.vocab import shorten

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


def check_output(path: Path, flag: str = "-o") -> None:
    """Refuse an output path that is a folder or whose folder does not exist, before any work is done.

    Raises
    ------
    UsageError
        The path cannot be written.
    """
    if path.is_dir():
        raise UsageError(f"{flag} {shorten(str(path))}: is a folder, give a file name")
    if not path.parent.exists():
        raise UsageError(f"{flag} {shorten(str(path))}: folder {shorten(str(path.parent))} does not exist")


def progress(message: str) -> None:
    """Print a progress line on standard error."""
    print(message, file=sys.stderr, flush=True)
