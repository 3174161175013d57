"""Command line: ``python -m geo …`` (also installed as ``geo``).

Every user error ends in a one-line message and an exit code (1 data, 2 usage, 3 no route);
no traceback reaches the terminal.

Commands live in modules that define ``add_commands(sub)``; each subcommand names its handler
with :func:`geo.cli.common.command` (or ``set_defaults(handler=…)``). Adding a module of commands
is one line in :data:`COMMAND_MODULES`. The modules are imported when the parser is built, and
they import :mod:`geo.cli.common`, never this package, so there is no import cycle.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from geo import __version__
from geo.cli.common import Handler, Parser, layer_source
from geo.errors import GeoError
from geo.vocab import shorten

COMMAND_MODULES: tuple[str, ...] = (
    "geo.cli.layers",  # layers, export, check, build, places
    "geo.cli.route",  # route, compare, measure, bench
    "geo.cli.time",  # timeline, matrix
    "geo.cli.analysis",  # figure, changes
    "geo.cli.report",  # report coverage, report roads
    "geo.cli.db",  # db load, db status, db drop
)
"""Modules whose ``add_commands(sub)`` registers subcommands, in the order ``geo --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every command (each subcommand carries its ``handler``)."""
    parser = Parser(prog="geo", description="Central Asia infrastructure layers: build, check, export, route.")
    parser.add_argument("--version", action="version", version=f"geo {__version__}")
    parser.add_argument("--db", metavar="URL",
                        help="read the layers from this PostGIS database (loaded by `geo db load`) instead of the "
                             "files; default: $GEO_DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        with layer_source(args):
            return handler(args)
    except GeoError as exc:
        print(f"geo {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"geo {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: never a traceback for the user
        if os.environ.get("GEO_DEBUG"):
            raise
        print(f"geo {args.command}: internal error ({type(exc).__name__}: {shorten(str(exc), 200)})",
              file=sys.stderr)
        return 70
