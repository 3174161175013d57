"""Command line: ``python -m geo …`` (also installed as ``geo``).

Every user error ends in a one-line message and an exit code (1 data, 2 usage, 3 no route);
no traceback reaches the terminal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geo import registry
from geo.errors import DataError, GeoError, UsageError

MAX_ECHO = 60


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """Return text safe to echo in a one-line message: printable, at most ``limit`` characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def iso_date(text: str) -> dt.date:
    """Parse a ``YYYY-MM-DD`` argument into a real calendar date."""
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{shorten(text)!r} is not a real date YYYY-MM-DD") from None


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors exit 2 with one line of usage and one of error."""

    def error(self, message: str) -> Any:  # noqa: D102
        self.exit(2, f"{self.prog}: error: {shorten(message, 300)}\n")


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="geo", description="Central Asia infrastructure layers: build, check, export, route.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("layers", help="list the layers with licence, attribution and sources")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("export", help="write a layer as RFC 7946 GeoJSON (or GeoPackage)")
    p.add_argument("layer", help="layer id (see `geo layers`)")
    p.add_argument("-o", "--output", type=Path, help="output file (default: standard output for GeoJSON)")
    p.add_argument("--format", choices=("geojson", "gpkg"), default="geojson")
    p.add_argument("--as-of", type=iso_date, help="date for status fields (default: today)")

    p = sub.add_parser("check", help="validate the curated files; print file:line: problem")
    p.add_argument("--as-of", type=iso_date, help=argparse.SUPPRESS)

    p = sub.add_parser("build", help="rebuild the layers in layers/ from the curated files")
    p.add_argument("--no-upstream", action="store_true",
                   help="reuse the committed borders instead of rebuilding them from the upstream dataset")
    p.add_argument("--roads-from", type=Path, action="append", metavar="PATH",
                   help="trace the roads on this OpenStreetMap extract (.osm.pbf/.osm) or line file instead of "
                        "../shared/data/osm-roads (repeat for several, most preferred first)")

    p = sub.add_parser("report", help="print a report on a built layer (roads: traced share, mismatches, schematic)")
    p.add_argument("layer", choices=("roads",))

    p = sub.add_parser("places", help="list the places routes can start and end at")
    p.add_argument("--json", action="store_true", help="print JSON")

    from geo import routecli

    routecli.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = COMMANDS.get(args.command) or args.handler
    try:
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


def today() -> dt.date:
    """Return today's date (the default as-of date)."""
    return dt.date.today()


def cmd_layers(args: argparse.Namespace) -> int:
    """List the layers."""
    from geo import store

    rows = []
    for spec in registry.LAYERS:
        try:
            collection = store.read_collection(spec.id)
            count: int | None = len(collection["features"])
            sources = collection.get("metadata", {}).get("sources", [])
        except DataError:
            count, sources = None, []
        rows.append({"id": spec.id, "title": spec.title, "geometry_type": spec.geometry_type, "feature_count": count,
                     "licence": spec.licence, "attribution": spec.attribution,
                     "upstream": [u.as_dict() for u in spec.upstream], "sources": sources})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        shown = "missing" if row["feature_count"] is None else f"{row['feature_count']} features"
        print(f"{row['id']:<11} {row['geometry_type']:<16} {shown:<13} {row['licence']:<9} {row['title']}")
        print(f"{'':<11} attribution: {row['attribution']}")
        print(f"{'':<11} sources: {len(row['sources'])} URLs cited (see `geo layers --json`)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write one layer."""
    from geo import build, export, store

    layer = args.layer.strip()
    spec = registry.get(layer)
    as_of = args.as_of or today()
    if args.format == "gpkg" and args.output is None:
        raise UsageError("--format gpkg needs -o PATH")
    if args.output is not None:
        _check_output(args.output)
    frame, _ = store.read_layer(spec.id)
    frame = store.redate(frame, as_of)
    if args.format == "gpkg":
        export.write_gpkg(frame, args.output, spec.id)
        print(f"wrote {args.output} ({len(frame)} features)", file=sys.stderr)
        return 0
    data = build.encode(spec.id, frame, as_of=as_of, exported=today())
    if args.output is None:
        sys.stdout.buffer.write(data)
        return 0
    export.write_atomic(args.output, data)
    print(f"wrote {args.output} ({len(frame)} features, {len(data):,} bytes)", file=sys.stderr)
    return 0


def _check_output(path: Path) -> None:
    if path.is_dir():
        raise UsageError(f"-o {shorten(str(path))}: is a folder, give a file name")
    if not path.parent.exists():
        raise UsageError(f"-o {shorten(str(path))}: folder {shorten(str(path.parent))} does not exist")


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the curated files."""
    from geo import build

    result = build.run(as_of=args.as_of or today(), upstream=False)
    for problem in result.problems:
        print(problem)
    if result.problems:
        print(f"{len(result.problems)} problem(s) found", file=sys.stderr)
        return 1
    counts = ", ".join(f"{k} {len(v)}" for k, v in result.frames.items())
    print(f"all curated files are valid ({counts})", file=sys.stderr)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    """Rebuild and write every layer, or none."""
    from geo import build

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    from geo import reference

    as_of = today()
    references = [reference.extract_dataset(p) for p in args.roads_from] if args.roads_from else None
    result = build.run(as_of=as_of, upstream=not args.no_upstream, references=references, progress=progress)
    for note in result.notes:
        progress(note)
    if result.problems:
        for problem in result.problems:
            print(problem)
        print(f"{len(result.problems)} problem(s): nothing written; the built layers are unchanged", file=sys.stderr)
        return 1
    for path in build.write(result, as_of=as_of):
        progress(f"wrote {path}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Print the report on a built layer."""
    from geo import report, store
    from geo.layers import crossings
    from geo.layers import roads as road_layer
    from geo.paths import source_dir

    roads, _ = store.read_layer("roads")
    places, _ = store.read_layer("places")
    network = road_layer.load(source_dir(), crossings.load(source_dir()))
    print("\n".join(report.roads_report(roads, places, road_layer.run_checks(network, roads))))
    return 0


def cmd_places(args: argparse.Namespace) -> int:
    """List the places of the road network."""
    from geo import store

    frame, _ = store.read_layer("places")
    rows = [{"id": r.id, "name": r.name, "aliases": list(r.aliases or []), "country": r.country, "kind": r.kind,
             "capital": r.capital, "lon": r.lon, "lat": r.lat} for r in frame.itertuples()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for row in sorted(rows, key=lambda r: (r["country"], r["name"])):
        aliases = ", ".join(row["aliases"][:4])
        print(f"{row['id']:<28} {row['country']:<6} {row['kind']:<9} {row['name']}" + (f"  ({aliases})" if aliases
                                                                                          else ""))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "layers": cmd_layers,
    "export": cmd_export,
    "check": cmd_check,
    "build": cmd_build,
    "places": cmd_places,
    "report": cmd_report,
}
