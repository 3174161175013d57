"""Command-line parts for routing: ``route``, ``compare``, ``measure``, ``bench``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.cli.common import add_scenario_options, iso_date, print_json, scenario_from
from geo.errors import UsageError
from geo.io.geojson import to_json
from geo.vocab import shorten_path

if TYPE_CHECKING:
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario
    from geo.routing.results import Route


def add_commands(sub: Any) -> None:
    """Register ``route``, ``compare``, ``measure`` and ``bench``."""
    p = sub.add_parser("route", help="fastest (or shortest) road route between two places (or two points, on an "
                                     "imported OpenStreetMap network) under a scenario")
    _scenario_args(p, places_optional=True)
    add_point_options(p)
    p.add_argument("--alternatives", type=int, default=0, metavar="N",
                   help="also show up to N (0-3) routes through other sets of border crossings")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--geojson", type=Path, metavar="PATH", help="also write the route as a GeoJSON Feature")
    p.add_argument("--gpx", type=Path, metavar="PATH", help="also write the route as GPX (a <rte> with its summary)")
    p.add_argument("--kml", type=Path, metavar="PATH", help="also write the route as KML (a styled line with its "
                                                           "summary, attribution and licence)")
    p.set_defaults(handler=cmd_route)

    p = sub.add_parser("compare", help="the same route under two scenarios (e.g. two dates)")
    _scenario_args(p)
    p.add_argument("--vs-as-of", type=iso_date, required=True, help="date of the second scenario")
    p.add_argument("--vs-close", nargs="+", default=[], metavar="ID", help="crossings closed in the second scenario")
    p.add_argument("--vs-open", nargs="+", default=[], metavar="ID", help="crossings opened in the second scenario")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_compare)

    p = sub.add_parser("measure", help="geodesic length (or area) of a line with km per country")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--coords", metavar="'LON,LAT LON,LAT …'", help="coordinates of a line")
    group.add_argument("--file", type=Path, metavar="PATH", help="a GeoJSON or GPX file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_measure)

    p = sub.add_parser("bench", help="time graph build and route queries (real and synthetic 50k-edge graphs), "
                       "and reading and measuring GPS tracks of 10^4-10^6 vertices")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--only", choices=("routing", "tracks"), help="run one of the two benchmarks")
    p.add_argument("--pairs", type=int, default=1000, help="random pairs per run (default 1000)")
    p.add_argument("--db", dest="bench_db", nargs="?", const="", metavar="URL",
                   help="time pgRouting in this database instead (the curated network, loaded by `geo db load`, "
                        "a synthetic grid of --edges edges made there, and routes from coordinates on the imported "
                        "network, or on the shared 2017 reference network imported for the run); without URL: --db "
                        "before the command or $GEO_DATABASE_URL")
    p.add_argument("--edges", type=int, default=1_000_000, help="edges of the synthetic grid with --db "
                                                                "(default 1000000)")
    p.set_defaults(handler=cmd_bench)


ENGINES = ("memory", "pgrouting")
"""The route engines: the in-memory sparse graph, or pgRouting in the database (``geo.db.pgrouting``)."""


def add_point_options(p: argparse.ArgumentParser) -> None:
    """Add ``--from-coords`` and ``--to-coords`` (two points on an imported network instead of two places)."""
    p.add_argument("--from-coords", metavar="LON,LAT",
                   help="start at a point instead of a place: snapped to the nearest road of the network imported by "
                        "`geo db import-osm` (routes with pgRouting in the database of --db / GEO_DATABASE_URL)")
    p.add_argument("--to-coords", metavar="LON,LAT", help="end at a point (with --from-coords)")


def point_ends(args: argparse.Namespace) -> tuple[tuple[float, float], tuple[float, float]]:
    """Return the two points of ``--from-coords``/``--to-coords``, checked against the command's other arguments.

    Raises
    ------
    UsageError
        One point without the other, points with places, via places or alternatives, ``--engine memory``, or a
        point that is not LON,LAT.
    """
    from geo.db.coords import parse_point

    if args.from_coords is None or args.to_coords is None:
        raise UsageError("--from-coords and --to-coords go together (LON,LAT each)")
    if args.origin is not None or args.destination is not None:
        raise UsageError("give either two places (FROM TO) or two points (--from-coords, --to-coords), not both")
    for flag, value in (("--via", args.via), ("--alternatives", getattr(args, "alternatives", 0))):
        if value:
            raise UsageError(f"{flag} needs place names: a route between points has no via places or alternatives")
    if args.engine == "memory":  # an explicit choice; without --engine points route with pgRouting
        raise UsageError("--from-coords routes with pgRouting on an imported network: use --engine pgrouting")
    return parse_point(args.from_coords, "--from-coords"), parse_point(args.to_coords, "--to-coords")


def require_places(args: argparse.Namespace) -> None:
    """Raise a one-line :class:`UsageError` when FROM or TO is missing (and no points stand instead)."""
    if args.origin is None or args.destination is None:
        raise UsageError(f"{'FROM and TO are' if args.origin is None else 'TO is'} required: give two places "
                         "(FROM TO), or two points (--from-coords LON,LAT --to-coords LON,LAT)")


def _scenario_args(p: argparse.ArgumentParser, places_optional: bool = False) -> None:
    if places_optional:  # two points may stand instead (--from-coords, --to-coords)
        p.add_argument("origin", metavar="FROM", nargs="?", help="place name or id (any script, aliases accepted)")
        p.add_argument("destination", metavar="TO", nargs="?", help="place name or id")
    else:
        p.add_argument("origin", metavar="FROM", help="place name or id (any script, aliases accepted)")
        p.add_argument("destination", metavar="TO", help="place name or id")
    add_scenario_options(p)
    p.add_argument("--engine", choices=ENGINES, default=None if places_optional else ENGINES[0],
                   help="search in memory (default) or with pgRouting in the database of --db / GEO_DATABASE_URL "
                        "(loaded by `geo db load`)" + ("; --from-coords always routes with pgRouting" if places_optional
                                                      else ""))


def route_files(args: argparse.Namespace) -> dict[str, Path]:
    """Return the route files asked for (``--geojson``, ``--gpx``, ``--kml``; format → path), checked before any work.

    Raises
    ------
    UsageError
        A folder, a missing parent folder, or a suffix the format does not match.
    """
    from geo.io.formats import check_suffix

    asked = {"geojson": args.geojson, "gpx": args.gpx, "kml": args.kml}
    files: dict[str, Path] = {fmt: path for fmt, path in asked.items() if path is not None}
    for fmt, path in files.items():
        if path.is_dir() or not path.parent.exists():
            raise UsageError(f"--{fmt} {shorten_path(path)}: not a writable file path")
        check_suffix(path, fmt, f"--{fmt}")
    return files


def engine_loader(args: argparse.Namespace) -> Callable[[], RouteEngine]:
    """Return a function building the route engine the arguments choose (picklable: worker processes call it too).

    Raises
    ------
    UsageError
        ``--engine pgrouting`` without a database (``--db`` or ``$GEO_DATABASE_URL``).
    """
    from geo.routing import RouteEngine

    if getattr(args, "engine", ENGINES[0]) == "pgrouting":
        from geo.db import require_url
        from geo.db.pgrouting import PgRoutingEngine

        return partial(PgRoutingEngine.connect_to, require_url(getattr(args, "db", None)))
    return RouteEngine.load


def load_engine(args: argparse.Namespace) -> RouteEngine:
    """Return the route engine the arguments choose (``--engine``; the database of ``--db`` for pgRouting)."""
    return engine_loader(args)()


def cmd_route(args: argparse.Namespace) -> int:
    """Print the route between two places."""
    from geo.io.formats import write_route
    from geo.io.geojson import write_atomic
    from geo.routing.graph import MAX_ALTERNATIVES

    scenario = scenario_from(args)
    if args.from_coords is not None or args.to_coords is not None:
        return _route_points(args, scenario)
    require_places(args)
    if not 0 <= args.alternatives <= MAX_ALTERNATIVES:
        raise UsageError(f"--alternatives must be between 0 and {MAX_ALTERNATIVES}, not {args.alternatives}")
    files = route_files(args)
    engine = load_engine(args)
    try:
        route = engine.route(args.origin, args.destination, scenario, via=args.via, alternatives=args.alternatives)
    finally:
        engine.close()
    result = route.to_dict()
    if args.geojson is not None:
        feature = {"type": "Feature", "properties": {k: v for k, v in result.items() if k != "geometry"},
                   "geometry": result["geometry"]}
        write_atomic(args.geojson, to_json(feature).encode("utf-8"))
    properties = {k: v for k, v in result.items() if k not in ("geometry", "alternatives")}
    properties["name"] = f"{engine.names.labels[route.source]} → {engine.names.labels[route.target]}"
    for fmt in ("gpx", "kml"):
        if fmt in files:
            write_route(route.geometry, properties, files[fmt], fmt)
    if args.json:
        print_json(result)
        return 0
    print(format_route(route, engine))
    return 0


def _route_points(args: argparse.Namespace, scenario: Scenario) -> int:
    """Route between two points on the imported network (``--from-coords``, ``--to-coords``)."""
    from geo.db import require_url
    from geo.db.coords import format_point_route, route_points
    from geo.io.formats import write_route
    from geo.io.geojson import write_atomic

    start, end = point_ends(args)
    files = route_files(args)
    route = route_points(require_url(getattr(args, "db", None)), start, end, scenario)
    result = route.to_dict()
    properties = {k: v for k, v in result.items() if k != "geometry"}
    if args.geojson is not None:
        feature = {"type": "Feature", "properties": properties, "geometry": result["geometry"]}
        write_atomic(args.geojson, to_json(feature).encode("utf-8"))
    flat = {"name": f"{args.from_coords} → {args.to_coords}", "distance_km": result["distance_km"],
            "duration_h": result["duration_h"], "attribution": route.attribution, "licence": "ODbL-1.0"}
    for fmt in ("gpx", "kml"):
        if fmt in files:
            write_route(route.geometry, flat, files[fmt], fmt)
    if args.json:
        print_json(result)
    else:
        print(format_point_route(route))
    return 0


def format_route(route: Route, engine: RouteEngine) -> str:
    """Return a human-readable account of a route."""
    label = engine.names.labels
    scenario = route.scenario
    lines = [f"{label[route.source]} → {label[route.target]}: {route.distance_km:,.1f} km by road, "
             f"{route.duration_h:,.1f} h (as of {scenario.as_of.isoformat()}, {scenario.mode}, by {scenario.optimize})"]
    if route.via:
        lines.append("  via: " + " → ".join(label[v] for v in route.via))
    lines.append(f"  travel time: road {route.road_h:,.1f} h + borders {route.border_h:,.1f} h"
                 + (" (" + "; ".join(f"{b.name} {round(b.hours, 2):g} h" + (" [pair default]" if b.is_default else "")
                                     for b in route.border_times) + ")" if route.border_times else ""))
    lines.append("  by country: " + ", ".join(f"{k} {v:,.1f} km" for k, v in route.by_country_km.items()))
    if scenario.citizen:
        lines.append(format_documents(route))
    if route.crossings:
        lines.append("  crossings: " + "; ".join(f"{c.name} [{c.countries}, {c.status}"
                                                 + (f", {c.override} by you" if c.override else "") + "]"
                                                 for c in route.crossings))
    else:
        lines.append("  crossings: none")
    detour = route.detour_ratio or 0.0
    lines.append(f"  straight line {route.geodesic_km:,.1f} km; detour ratio {detour:.2f}; "
                 f"{route.traced_share:.0%} of km on traced roads or published lengths")
    lines.append("  roads:")
    for road in route.roads:
        refs = ", ".join(road.numbers)
        lines.append(f"    {road.name} ({refs or 'no number'}) {road.length_km:,.1f} km [{road.country}]")
    for warning in route.warnings:
        lines.append(f"  warning: {warning}")
    for number, alt in enumerate(route.alternatives, 1):
        names = ", ".join(c.name for c in alt.crossings) or "no crossing"
        more_h, more_km = alt.duration_h - route.duration_h, alt.distance_km - route.distance_km
        lines.append(f"  alternative {number}: {alt.distance_km:,.1f} km, {alt.duration_h:,.1f} h "
                     f"({more_h:+,.1f} h, {more_km:+,.1f} km)"
                     f" through {names}; by country: "
                     + ", ".join(f"{k} {v:,.1f} km" for k, v in alt.by_country_km.items()))
    return "\n".join(lines)


DOCUMENT_TEXT = {"visa": "visa", "passport": "passport (no visa)", "id-card": "national ID card"}
"""How the text output names each document."""


def format_documents(route: Route) -> str:
    """Return the line that names the document a route's citizen needs at each border crossed."""
    scenario = route.scenario
    visas = f", visas held: {', '.join(sorted(scenario.visas))}" if scenario.visas else ""
    head = f"  documents ({scenario.citizen} citizen{visas}): "
    if not route.documents:
        return head + "no border crossed"
    parts = []
    for d in route.documents:
        if d.own_country:
            parts.append(f"{d.name} → {d.country}: own country (passport or national ID card)")
        elif d.document == "unknown":
            parts.append(f"{d.name} → {d.country}: unknown (no dated rule found for {scenario.as_of.isoformat()})")
        else:
            held = " (held)" if d.visa_held else ""
            days = f", up to {d.days} days" if d.days else ""
            parts.append(f"{d.name} → {d.country}: {DOCUMENT_TEXT.get(d.document, d.document)}{held}{days} "
                         f"since {d.since} <{d.source}>")
    return head + "; ".join(parts)


def cmd_compare(args: argparse.Namespace) -> int:
    """Print the same route under two scenarios."""
    from geo.routing.results import Route

    first = scenario_from(args)
    second = scenario_from(args, args.vs_as_of, args.vs_close or args.close, args.vs_open or args.open)
    engine = load_engine(args)
    try:
        comparison = engine.comparison(args.origin, args.destination, first, second, via=args.via)
    finally:
        engine.close()
    if args.json:
        print_json(comparison.to_dict())
        return 0
    for result in (comparison.first, comparison.second):
        shown = format_route(result, engine) if isinstance(result, Route) else str(result.reason)
        print(f"[{result.scenario.as_of.isoformat()}] {shown}")
    if comparison.delta_km is not None and comparison.delta_h is not None:
        print(f"difference: {comparison.delta_km:+,.1f} km, {comparison.delta_h:+,.1f} h")
    for name, ids in (("countries added", comparison.countries_added),
                      ("countries removed", comparison.countries_removed),
                      ("crossings added", comparison.crossings_added),
                      ("crossings removed", comparison.crossings_removed)):
        if ids:
            print(f"{name}: {', '.join(ids)}")
    return 0


def cmd_measure(args: argparse.Namespace) -> int:
    """Print the geodesic length of a line per country."""
    from geo.io import tracks
    from geo.layers import store
    from geo.layers.build import country_index
    from geo.measure import measure_geometry

    geometry = tracks.parse_coordinates(args.coords) if args.coords is not None else tracks.read_track(args.file)
    borders, _ = store.read_layer("borders")
    result = measure_geometry(geometry, country_index(borders))
    if args.json:
        print_json(result.to_dict())
        return 0
    if result.area_km2 is not None:
        print(f"area {result.area_km2:,.3f} km², outline {result.length_km:,.3f} km")
    else:
        print(f"length {result.length_km:,.3f} km (geodesic, WGS84)")
    for code, km in result.by_country_km.items():
        print(f"  {code if code != '??' else 'outside any country'}: {km:,.3f} km")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the routing and track benchmarks (exit 1 when a track is over its budget)."""
    from geo.io import track_bench
    from geo.routing import bench

    if not 10 <= args.pairs <= 100_000:
        raise UsageError("--pairs must be between 10 and 100000")
    if args.bench_db is not None:
        from geo.db import bench as db_bench
        from geo.db import require_url

        if not 1_000 <= args.edges <= 5_000_000:
            raise UsageError("--edges must be between 1000 and 5000000")
        url = require_url(args.bench_db or getattr(args, "db", None))
        db_report = db_bench.run(url, pairs=min(args.pairs, 1000), edges=args.edges)
        if args.json:
            print_json(db_report)
        else:
            print(db_bench.format_report(db_report))
        return 0
    report: dict[str, Any] = {}
    if args.only != "tracks":
        report = bench.run(pairs=args.pairs)
    if args.only != "routing":
        report["tracks"] = track_bench.run()
    if args.json:
        print_json(report)
    else:
        text = [bench.format_report(report)] if args.only != "tracks" else []
        text += [track_bench.format_report(report["tracks"])] if "tracks" in report else []
        print("\n".join(text))
    sys.stdout.flush()
    return 0 if "tracks" not in report or track_bench.within_budget(report["tracks"]) else 1
