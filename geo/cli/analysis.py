"""Command-line parts for analysts: ``changes``, ``figure`` and the file formats of ``export``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from geo.cli.common import add_scenario_options, check_output, iso_date, print_json, scenario_from
from geo.errors import UsageError
from geo.vocab import shorten_path

EXCEL_CELL_LIMIT = 32_767
"""Longest text a spreadsheet cell holds in Excel; longer WKT is cut when such a CSV is opened there."""


def add_commands(sub: Any) -> None:
    """Register ``changes`` and ``figure``."""
    p = sub.add_parser("changes", help="crossings and pipelines whose status changed between two dates, with sources")
    p.add_argument("--from", dest="start", type=iso_date, required=True, metavar="D1", help="first date YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=iso_date, required=True, metavar="D2", help="second date YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_changes)

    from geo.figure.model import EXTENSIONS

    p = sub.add_parser("figure", help="draw a static map for a report (PNG, PDF or SVG)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="PATH",
                   help=f"output file ({', '.join(EXTENSIONS)})")
    p.add_argument("--layers", nargs="+", metavar="LAYER",
                   help="layers to draw (default: borders roads pipelines crossings places)")
    p.add_argument("--bbox", metavar="W,S,E,N", help="extent in degrees, e.g. 69,39.6,73.6,41.6 (Fergana Valley)")
    p.add_argument("--route", nargs=2, metavar=("FROM", "TO"),
                   help="draw the road route between two places (the route `geo route` gives with the same options)")
    p.add_argument("--title", help="title (default: what is shown and the date)")
    add_scenario_options(p)
    p.set_defaults(handler=cmd_figure)

    from geo.map.registry import IDS

    p = sub.add_parser("export-map", help="write the interactive map as one HTML file (folium)")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="PATH.html", help="output file")
    p.add_argument("--as-of", type=iso_date, help="date for crossing and pipeline statuses (default: today)")
    p.add_argument("--overlays", nargs="+", choices=IDS, metavar="OVERLAY",
                   help=f"overlays to draw (default: the map's default ones; choose from {', '.join(IDS)})")
    p.set_defaults(handler=cmd_export_map)

    p = sub.add_parser("site", help="write the static map viewer (index.html, embed.html, data) into a folder")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="output folder")
    p.set_defaults(handler=cmd_site)


def add_export_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``export`` that belong to the other formats (``--history``)."""
    p.add_argument("--history", type=Path, metavar="PATH",
                   help="with --format csv: also write the status history, one row per dated fact "
                        "(crossings, pipelines)")


def export_file(args: argparse.Namespace, fmt: str, as_of: dt.date) -> int:
    """Write a layer as GeoPackage, KML, CSV or FlatGeobuf (``geo export --format``)."""
    from geo.io import formats
    from geo.io import tabular as formats_tables
    from geo.layers import registry, store

    spec = registry.get(args.layer.strip())
    if args.output is None:
        raise UsageError(f"--format {fmt} needs -o PATH")
    check_output(args.output)
    history = getattr(args, "history", None)
    if history is not None:
        if fmt != "csv":
            raise UsageError("--history goes with --format csv")
        check_output(history, "--history")
        formats.check_suffix(history, "csv", "--history")
    frame, metadata = store.read_layer(spec.id)
    if history is not None and not formats_tables.has_history(frame):
        raise UsageError(f"--history: layer {spec.id!r} has no status history (crossings and pipelines have one)")
    frame = store.redate(frame, as_of)
    formats.write_layer(frame, spec.id, args.output, fmt, sources=metadata.get("sources", []), as_of=as_of)
    print(f"wrote {args.output} ({len(frame)} features, {fmt})", file=sys.stderr)
    if fmt == "csv":
        long = int(sum(len(g.wkt) > EXCEL_CELL_LIMIT for g in frame.geometry))
        if long:
            print(f"note: {long} geometries are longer than a spreadsheet cell holds ({EXCEL_CELL_LIMIT:,} "
                  "characters); open the CSV in QGIS or use --format gpkg for them", file=sys.stderr)
    if history is not None:
        rows = formats.write_history_csv(frame, history)
        print(f"wrote {history} ({rows} dated status facts)", file=sys.stderr)
    return 0


def cmd_changes(args: argparse.Namespace) -> int:
    """Print what changed between two dates."""
    from geo import changes
    from geo.layers import store

    if args.start > args.end:
        raise UsageError(f"--from {args.start} is after --to {args.end}")
    crossings, _ = store.read_layer("crossings")
    pipelines, _ = store.read_layer("pipelines")
    result = changes.find_changes(crossings, pipelines, args.start, args.end)
    if args.json:
        print_json(result.to_dict())
    else:
        print(changes.format_changes(result))
    return 0


def cmd_figure(args: argparse.Namespace) -> int:
    """Draw a static map."""
    from geo import figure

    trip = None
    if args.route:
        from geo.routing.graph import Trip

        trip = Trip(args.route[0], args.route[1], scenario_from(args), tuple(args.via))
    elif args.via:
        raise UsageError("--via needs --route FROM TO")
    request = figure.request_from(output=args.output, as_of=args.as_of, layers=args.layers, bbox=args.bbox,
                                  route=trip, title=args.title)
    check_output(args.output)
    result = figure.make(request)
    print(f"wrote {args.output} ({result})", file=sys.stderr)
    return 0


def cmd_export_map(args: argparse.Namespace) -> int:
    """Write the interactive map (the app's "interactive map (HTML)" download)."""
    from geo.io.geojson import write_atomic
    from geo.layers import store
    from geo.map.html_export import map_html
    from geo.map.registry import DEFAULT_OVERLAYS

    check_output(args.output)
    if args.output.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"-o {shorten_path(args.output)}: the map is HTML: end the file in .html")
    overlays = args.overlays or sorted(DEFAULT_OVERLAYS)
    page = map_html(lambda layer: store.read_layer(layer)[0], overlays, as_of=args.as_of or dt.date.today())
    write_atomic(args.output, page.encode("utf-8"))
    print(f"wrote {args.output} ({len(page):,} characters; overlays {', '.join(overlays)})", file=sys.stderr)
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    """Write the static viewer (``geo site -o DIR``): any static file host serves it, for every date."""
    from geo.layers import store
    from geo.map.site import build_site

    out: Path = args.output
    if out.exists() and not out.is_dir():
        raise UsageError(f"--output {out}: not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise UsageError(f"--output {out}: a folder with other files in it (give an empty or new folder)")
    written = build_site(lambda layer: store.read_layer(layer)[0], out, today=dt.date.today())
    size = sum((out / name).stat().st_size for name in written.files)
    print(f"wrote {out}: {len(written.files)} files, {size / 1e6:.1f} MB; serve it with any static file host, "
          f"e.g. python -m http.server -d {out}", file=sys.stderr)
    return 0
