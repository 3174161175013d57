"""Commands on the PostGIS store: ``db load``, ``db status``, ``db drop``, ``db import-osm`` (see :mod:`geo.db`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geo.cli.common import Parser, print_json, progress


def add_commands(sub: Any) -> None:
    """Register ``db`` and its subcommands ``load``, ``status``, ``drop`` and ``import-osm``."""
    db = sub.add_parser("db", help="load the layers into a PostGIS database, show what it serves, drop it")
    db.set_defaults(handler=cmd_status)  # each action sets its own; an action is required
    actions = db.add_subparsers(dest="action", required=True, parser_class=Parser)

    p = actions.add_parser("load", help="load every built layer and curated table into schema `geo`, switched in "
                                        "atomically (a failed load leaves the previous data served)")
    p.add_argument("--layers-dir", type=Path, metavar="PATH",
                   help="the built layers folder to load (default: the package's, or $GEO_LAYERS_DIR)")
    p.set_defaults(handler=cmd_load)

    p = actions.add_parser("status", help="what the database serves: load time, data version, features per layer")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_status)

    p = actions.add_parser("drop", help="drop the schema `geo` (and any staging schema left over)")
    p.add_argument("--network", action="store_true", help="drop the imported road network (schema `geo_osm`) instead")
    p.set_defaults(handler=cmd_drop)

    p = actions.add_parser("import-osm", help="import a full OpenStreetMap road network (a .osm.pbf/.osm extract, or "
                                              "a reference network .geojson.gz) into schema `geo_osm` as a routable "
                                              "pgRouting topology, matched to the curated crossings; switched in "
                                              "atomically")
    p.add_argument("source", type=Path, metavar="SOURCE", help="the .osm.pbf, .osm or .geojson.gz file")
    p.add_argument("--match-km", type=float, default=None, metavar="KM",
                   help="how far from a curated crossing its border edges may be (default 5)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=cmd_import_osm)
    for parser in (db, *actions.choices.values()):
        parser.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                            help="libpq URL of the database (default: $GEO_DATABASE_URL)")


def cmd_load(args: argparse.Namespace) -> int:
    """Load the layers into the database."""
    import time

    from geo.db import load, require_url, safe_url
    from geo.errors import UsageError
    from geo.vocab import shorten

    url = require_url(getattr(args, "db", None))
    folder = args.layers_dir
    if folder is not None and not folder.is_dir():
        raise UsageError(f"--layers-dir {shorten(str(folder))}: not a folder")
    start = time.perf_counter()
    counts = load.load(url, folder, progress=progress)
    rows = sum(counts.values())
    progress(f"loaded {rows:,} rows into schema geo at {safe_url(url)} in {time.perf_counter() - start:.1f} s")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Print what the database serves."""
    from geo.db import load, osm, require_url, safe_url

    url = require_url(getattr(args, "db", None))
    report = load.status(url)
    network = osm.info(url)
    report["network"] = network
    if args.json:
        print_json(report, indent=2)
        return 0
    if network is not None:
        summary = network["summary"]
        imported = (f"  road network: {network['dataset']}, {summary['edges']:,} edges, {summary['nodes']:,} nodes, "
                    f"crossings matched {summary['matched_count']}; imported {network['imported_at']} from "
                    f"{network['source']} ({network['licence']}, {network['attribution']})")
    else:
        imported = "  road network: none imported (run `geo db import-osm FILE` for routes from coordinates)"
    if not report["loaded"]:
        print(f"{safe_url(url)}: nothing loaded (run `geo db load`)")
        print(imported)
        return 0
    print(f"{safe_url(url)}: schema {report['schema']}, data version {report['data_version']}, loaded "
          f"{report['loaded_at']} from {report['source']} (geo {report['geo_version']})")
    for layer, info in report["layers"].items():
        print(f"  {layer:<11} {info['features']:>5} features  {info['licence']}")
    print("  extensions: " + ", ".join(f"{k} {v}" for k, v in sorted(report["extensions"].items())))
    print(imported)
    return 0


def cmd_drop(args: argparse.Namespace) -> int:
    """Drop the loaded data (or, with ``--network``, the imported road network)."""
    from geo.db import load, osm, require_url, safe_url

    url = require_url(getattr(args, "db", None))
    if args.network:
        existed = osm.drop(url)
        progress(f"dropped the road network (schema {osm.NETWORK}) at {safe_url(url)}" if existed
                 else f"no road network imported at {safe_url(url)}")
        return 0
    existed = load.drop(url)
    progress(f"dropped schema geo at {safe_url(url)}" if existed else f"nothing loaded at {safe_url(url)}")
    return 0


def cmd_import_osm(args: argparse.Namespace) -> int:
    """Import a road network into the database and print its one-line summary."""
    import math

    from geo.db import osm, require_url
    from geo.errors import UsageError

    url = require_url(getattr(args, "db", None))
    match_km = osm.MATCH_KM if args.match_km is None else args.match_km
    if not (math.isfinite(match_km) and 0 < match_km <= 50):
        raise UsageError(f"--match-km must be between 0 and 50, not {args.match_km}")
    summary = osm.import_osm(url, args.source, progress=None if args.json else progress, match_km=match_km)
    if args.json:
        print_json(summary.to_dict(), indent=2)
        return 0
    for m in summary.matched:
        if not m.edges:
            progress(f"  crossing {m.crossing_id} ({m.countries}) not matched: {m.reason}")
    print(summary.line())
    return 0
