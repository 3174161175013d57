"""Commands on the layers: ``layers``, ``export``, ``styles``, ``check``, ``build``, ``places``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from geo.cli.analysis import add_export_options, export_file
from geo.cli.common import check_output, command, iso_date, print_json, progress, today
from geo.errors import DataError, UsageError, WriteError
from geo.io import formats
from geo.layers import registry
from geo.vocab import shorten


def add_commands(sub: Any) -> None:
    """Register ``layers``, ``export``, ``styles``, ``check``, ``build`` and ``places``."""
    p = command(sub, "layers", cmd_layers, "list the layers with licence, attribution and sources")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command(sub, "export", cmd_export, "write a layer as GeoJSON, GeoPackage, KML, CSV or FlatGeobuf")
    p.add_argument("layer", help="layer id (see `geo layers`)")
    p.add_argument("-o", "--output", type=Path, help="output file (default: standard output for GeoJSON)")
    p.add_argument("--format", choices=formats.FORMATS, help="file format (default: from the -o suffix, else geojson)")
    add_export_options(p)
    p.add_argument("--as-of", type=iso_date, help="date for status fields (default: today)")

    p = command(sub, "styles", cmd_styles, "write a QGIS style (LAYER.qml) per layer, drawn as the map draws it")
    p.add_argument("-o", "--output", type=Path, required=True, help="folder to write the .qml files into")
    p.add_argument("layers", nargs="*", metavar="LAYER", help="layer ids (default: every layer)")

    p = command(sub, "check", cmd_check, "validate the curated files; print file:line: problem")
    p.add_argument("--as-of", type=iso_date, help=argparse.SUPPRESS)

    p = command(sub, "build", cmd_build, "rebuild the layers in layers/ from the curated files")
    p.add_argument("--no-upstream", action="store_true",
                   help="reuse the committed borders instead of rebuilding them from the upstream dataset")
    p.add_argument("--roads-from", type=Path, action="append", metavar="PATH",
                   help="trace the roads on this OpenStreetMap extract (.osm.pbf/.osm) or line file instead of "
                        "../shared/data/osm-roads (repeat for several, most preferred first)")

    p = command(sub, "places", cmd_places, "list the places routes can start and end at")
    p.add_argument("--json", action="store_true", help="print JSON")


def layer_rows() -> list[dict[str, Any]]:
    """Return each layer's id, title, geometry type, feature count, licence, attribution and sources."""
    from geo.layers import store

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
                     "upstream": [u.to_dict() for u in spec.upstream], "sources": sources})
    return rows


def cmd_layers(args: argparse.Namespace) -> int:
    """List the layers."""
    rows = layer_rows()
    if args.json:
        print_json(rows, indent=2)
        return 0
    for row in rows:
        shown = "missing" if row["feature_count"] is None else f"{row['feature_count']} features"
        print(f"{row['id']:<11} {row['geometry_type']:<16} {shown:<13} {row['licence']:<9} {row['title']}")
        print(f"{'':<11} attribution: {row['attribution']}")
        print(f"{'':<11} sources: {len(row['sources'])} URLs cited (see `geo layers --json`)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write one layer."""
    from geo.io import geojson as export
    from geo.layers import build, store

    spec = registry.get(args.layer.strip())
    as_of = args.as_of or today()
    if (fmt := formats.format_of(args.output, args.format)) != "geojson" or args.history is not None:
        return export_file(args, fmt, as_of)
    if args.output is not None:
        check_output(args.output)
    frame, _ = store.read_layer(spec.id)
    frame = store.redate(frame, as_of)
    data = build.encode(spec.id, frame, as_of=as_of, exported=today())
    if args.output is None:
        sys.stdout.buffer.write(data)
        return 0
    export.write_atomic(args.output, data)
    print(f"wrote {args.output} ({len(frame)} features, {len(data):,} bytes)", file=sys.stderr)
    return 0


def _curated_files() -> None:
    """Refuse to check or build where the curated files are not (an installed wheel ships only built layers)."""
    from geo.paths import source_dir

    if not (source_dir() / "crossings.csv").is_file():  # a wheel ships src/road_speeds.csv alone
        raise UsageError(f"no curated files at {shorten(str(source_dir()), 120)}: run this in a checkout of the "
                         "repository, or set GEO_LAYERS_DIR to a layers folder that has src/")


def cmd_styles(args: argparse.Namespace) -> int:
    """Write each layer's QGIS style (QML) into a folder, each file all or nothing."""
    from geo.io.geojson import write_atomic
    from geo.map.qgis import qml

    ids = args.layers or registry.ids()
    for layer_id in ids:
        registry.get(layer_id)  # an unknown id is refused before anything is written
    folder: Path = args.output
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o {shorten(str(folder))}: not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"cannot create the folder {shorten(str(folder))}: {exc.strerror}") from None
    for layer_id in ids:
        path = folder / f"{layer_id}.qml"
        write_atomic(path, qml(layer_id).encode("utf-8"))
        progress(f"wrote {path}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the curated files."""
    from geo.layers import build

    _curated_files()
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
    from geo import reference
    from geo.layers import build

    _curated_files()
    for stale in build.begin():
        progress(f"removed {stale.name}, left by a build that was stopped")
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


def cmd_places(args: argparse.Namespace) -> int:
    """List the places of the road network."""
    from geo.layers import store

    frame, _ = store.read_layer("places")
    rows = [{"id": r.id, "name": r.name, "aliases": list(r.aliases or []), "country": r.country, "kind": r.kind,
             "capital": r.capital, "lon": r.lon, "lat": r.lat} for r in frame.itertuples()]
    if args.json:
        print_json(rows, indent=1)
        return 0
    for row in sorted(rows, key=lambda r: (r["country"], r["name"])):
        aliases = ", ".join(row["aliases"][:4])
        print(f"{row['id']:<28} {row['country']:<6} {row['kind']:<9} {row['name']}" + (f"  ({aliases})" if aliases
                                                                                          else ""))
    return 0
