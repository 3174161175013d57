"""Command-line reports on the data: ``report roads``, ``report coverage`` and ``report history``.

``report roads``: traced share, traced vs published, schematic segments; ``report coverage``: reference trunk
roads the network lacks; ``report history``: each crossing's status periods and what is missing from them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geo.cli.common import print_json, today
from geo.errors import GeoError
from geo.reference import OSM_2017, shared_dir

REFERENCE_NAME = OSM_2017
DEFAULT_REFERENCE = shared_dir() / "data" / "osm-roads" / REFERENCE_NAME
"""The 2017 zoom-7 OpenStreetMap road network of the whole region (the only reference that covers Kazakhstan)."""


def add_commands(sub: Any) -> None:
    """Register ``report`` and its reports."""
    report = sub.add_parser("report", help="reports on the data (e.g. `report coverage`)")
    report.set_defaults(handler=lambda _: report.print_help() or 2)
    reports = report.add_subparsers(dest="report", required=True, parser_class=type(report))
    p = reports.add_parser("roads", help="traced share per country and Soviet route, traced vs published > 10 %%, "
                                         "places off the traced roads, and every schematic segment with its reason")
    p.set_defaults(handler=cmd_roads)
    p = reports.add_parser("coverage", help="km of reference motorway/trunk road the network lacks, per country")
    p.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, metavar="PATH",
                   help="reference road lines with a `class` column (default: ../shared/data/osm-roads/"
                        f"{REFERENCE_NAME})")
    p.add_argument("--classes", nargs="+", default=["motorway", "trunk"], metavar="CLASS",
                   help="reference classes to compare (default: motorway trunk)")
    p.add_argument("--buffer-km", type=_positive, default=5.0,
                   help="a reference road this close to a segment counts as covered (default 5)")
    p.add_argument("--min-km", type=_positive, default=20.0,
                   help="list missing stretches at least this long (default 20)")
    p.add_argument("--notes", type=Path, default=None, metavar="PATH",
                   help="stated reasons for missing stretches (default: layers/src/roads/coverage_notes.csv)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_coverage)
    p = reports.add_parser("history", help="per crossing its status periods, unknown spans, spans over two years "
                                           "without a fact and the status on the checkpoint days; facts per border "
                                           "and year")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_history)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number") from None
    if not 0 < value < 1000:
        raise argparse.ArgumentTypeError(f"{value:g} is not between 0 and 1000")
    return value


def read_reference(path: Path) -> Any:
    """Read a reference road network (any format GDAL reads; ``.gz`` through ``/vsigzip/``).

    Raises
    ------
    GeoError
        When the file is missing (saying that ``../shared`` is absent for the default path), unreadable, or has no
        ``class`` column.
    """
    import geopandas as gpd
    import pyogrio

    if not path.exists():
        if path == DEFAULT_REFERENCE:
            message = (f"the reference road network is not here: {path} (../shared/data is absent from this checkout; "
                       "give --reference PATH to a line file with a `class` column)")
        else:
            message = f"no such file: {path}"
        raise GeoError(message)
    source = f"/vsigzip/{path}" if path.suffix == ".gz" else str(path)
    try:
        frame = gpd.read_file(source, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise GeoError(f"{path}: cannot read it as a line dataset ({str(exc)[:120]})") from None
    if "class" not in frame.columns:
        raise GeoError(f"{path}: has no `class` column (motorway, trunk, primary …)")
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return frame


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print the km of reference road the network lacks, per country, and the long missing stretches."""
    from geo.layers import store
    from geo.layers.build import country_index
    from geo.paths import source_dir
    from geo.reference.coverage import coverage
    from geo.reference.coverage_notes import explain, load_notes

    notes = load_notes(args.notes or source_dir() / "roads" / "coverage_notes.csv")
    reference = read_reference(args.reference)
    roads, _ = store.read_layer("roads")
    places, _ = store.read_layer("places")
    borders, _ = store.read_layer("borders")
    result = coverage(reference, roads, country_index(borders), classes=args.classes, buffer_km=args.buffer_km,
                      min_stretch_km=args.min_km, places=places)
    explained = explain(result.stretches, notes)
    if args.json:
        body = result.to_dict()
        body["stretches"] = [{**s.to_dict(), "reason": n.to_dict() if n else None}
                             for s, n in zip(result.stretches, explained.notes)]
        body["unexplained"] = len(explained.unexplained(result.stretches))
        body["stale_notes"] = [n.to_dict() for n in explained.stale]
        print_json({"reference": str(args.reference), **body}, indent=1)
        return 0
    print(f"Reference {', '.join(result.classes)} roads farther than {result.buffer_km:g} km from the network "
          f"({args.reference.name})")
    print(f"{'country':<8}{'reference km':>14}{'missing km':>12}{'missing %':>11}")
    for code, total in result.reference_km.items():
        print(f"{code:<8}{total:>14,.0f}{result.missing_km[code]:>12,.0f}{100 * result.missing_share(code):>10.1f}%")
    print(f"\nMissing stretches of at least {result.min_stretch_km:g} km: {len(result.stretches)}")
    for s, note in zip(result.stretches, explained.notes):
        near = " … ".join(s.near)
        print(f"  {s.country} {s.km:7.1f} km  near {near:<40} ({s.start[0]:.3f} {s.start[1]:.3f} → "
              f"{s.end[0]:.3f} {s.end[1]:.3f})")
        print(f"      {note.reason}: {note.detail}" if note else "      no stated reason")
    counts: dict[str, int] = {}
    for note in explained.notes:
        key = note.reason if note else "no stated reason"
        counts[key] = counts.get(key, 0) + 1
    print("\nReasons: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])))
    for note in explained.stale:
        print(f"Stale note {note.file}:{note.line} ({note.id}): no missing stretch within a few km of its point")
    return 0


def cmd_roads(args: argparse.Namespace) -> int:
    """Print the report on the built roads layer."""
    from geo.layers import crossings, store
    from geo.layers import roads as road_layer
    from geo.layers.roads import checks as road_checks
    from geo.paths import source_dir
    from geo.reference import report

    roads, _ = store.read_layer("roads")
    places, _ = store.read_layer("places")
    network = road_layer.load(source_dir(), crossings.load(source_dir()))
    print("\n".join(report.roads_report(roads, places, road_checks.run_checks(network, roads))))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Print the crossings' status history: periods, unknown spans, spans without a fact, checkpoint days."""
    from geo.layers import crossings, history
    from geo.paths import source_dir

    source = source_dir()
    if not (source / "crossings.csv").is_file():
        raise GeoError(f"no curated files at {source}: run this in a checkout (or set GEO_LAYERS_DIR)")
    loaded = crossings.load(source)
    gaps = history.load_gaps(source, [c.id for c in loaded])
    records = [{"id": c.id, "name": c.name, "countries": c.countries, "status_history": c.history} for c in loaded]
    report = history.history_report(records, gaps, today())
    if args.json:
        print_json(report.as_dict(), indent=1)
        return 0
    print("\n".join(history.format_history(report)))
    return 0
