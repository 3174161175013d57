"""Command-line parts for routes through time: ``timeline`` (one trip's periods) and ``matrix`` (many, dated)."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.cli.common import add_scenario_options, check_output, iso_date, print_json, scenario_from, today
from geo.cli.route import ENGINES, add_point_options, engine_loader, load_engine, point_ends, require_places
from geo.errors import UsageError
from geo.vocab import shorten

if TYPE_CHECKING:
    from geo.routing import RouteEngine
    from geo.routing.timeline import Timeline

CHART_SUFFIXES = (".png", ".svg", ".pdf")


def add_commands(sub: Any) -> None:
    """Register ``timeline`` and ``matrix``."""
    p = sub.add_parser("timeline", help="a route's exact periods over the years: km, hours, crossings, and the "
                                        "facts that changed it")
    p.add_argument("origin", metavar="FROM", nargs="?", help="place name or id (any script, aliases accepted)")
    p.add_argument("destination", metavar="TO", nargs="?", help="place name or id")
    p.add_argument("--from", dest="start", type=iso_date, metavar="DATE",
                   help="first day (default: the history's first fact)")
    p.add_argument("--to", dest="until", type=iso_date, metavar="DATE", help="last day (default: today)")
    add_scenario_options(p)
    add_point_options(p)
    p.add_argument("--engine", choices=ENGINES, default=None,
                   help="search in memory (default) or with pgRouting in the database of --db / GEO_DATABASE_URL "
                        "(loaded by `geo db load`): the same periods; --from-coords always routes with pgRouting")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--csv", action="store_true", help="print one CSV row per period")
    p.add_argument("-o", "--output", type=Path, metavar="CHART",
                   help="also write a step chart of hours and km over time (.png, .svg or .pdf)")
    p.set_defaults(handler=cmd_timeline)

    p = sub.add_parser("matrix", help="dated distance matrix: km, hours, border hours, crossings and countries "
                                      "between many places on many dates (CSV or Parquet)")
    pick = p.add_argument_group("places (default: every routable city, town, junction and pass)")
    pick.add_argument("--places", nargs="+", default=[], metavar="PLACE", help="place names or ids")
    pick.add_argument("--country", nargs="+", default=[], metavar="ISO2", help="keep places of these countries")
    pick.add_argument("--kind", nargs="+", default=[], metavar="KIND",
                      help="keep places of these kinds (city, town, junction, pass)")
    when = p.add_argument_group("dates (default: today)")
    when.add_argument("--dates", nargs="+", type=iso_date, default=[], metavar="DATE", help="these days")
    when.add_argument("--from", dest="start", type=iso_date, metavar="DATE", help="first day (with --step or --events)")
    when.add_argument("--to", dest="until", type=iso_date, metavar="DATE", help="last day (default: today)")
    when.add_argument("--step", choices=("month", "year"), help="one day per month or year from --from")
    when.add_argument("--events", action="store_true",
                      help="every day a fact routing depends on starts (within --from/--to when given)")
    add_scenario_options(p)
    p.add_argument("--summary", action="store_true",
                   help="one row per country pair and date, between each country's main city")
    p.add_argument("--main", nargs="+", default=[], metavar="PLACE",
                   help="with --summary: a country's main city (default: its national capital)")
    p.add_argument("--engine", choices=ENGINES, default=ENGINES[0],
                   help="search in memory (default) or with pgRouting in the database of --db / GEO_DATABASE_URL "
                        "(loaded by `geo db load`; one pgr_drivingDistance per date): the same table")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="processes (default 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on standard error")
    p.add_argument("-o", "--output", type=Path, metavar="PATH",
                   help="write .csv (metadata in # header lines) or .parquet (metadata in the schema) "
                        "instead of CSV on standard output")
    p.set_defaults(handler=cmd_matrix)


def _check_range(args: argparse.Namespace) -> None:
    if args.as_of is not None:
        raise UsageError("--as-of: a timeline covers --from … --to, give those instead")
    if args.start is not None and args.until is not None and args.until < args.start:
        raise UsageError(f"--to {args.until.isoformat()} is before --from {args.start.isoformat()}")


def build_timeline(engine: RouteEngine, args: argparse.Namespace) -> Timeline:
    """Return the timeline the command's arguments ask for."""
    from geo.routing.graph import Trip
    from geo.routing.timeline import first_fact, timeline

    scenario = scenario_from(args, as_of=today())
    engine.check_crossings(scenario.close | scenario.open)
    trip = Trip(engine.resolve(args.origin), engine.resolve(args.destination), scenario, tuple(args.via))
    start = args.start or first_fact(engine.graph, scenario) or today()
    until = args.until or today()
    if until < start:
        raise UsageError(f"--to {until.isoformat()} is before the first day {start.isoformat()}")
    return timeline(engine, trip, start, until)


def cmd_timeline(args: argparse.Namespace) -> int:
    """Print a trip's periods (and write its chart)."""
    from geo.io.geojson import write_atomic
    from geo.routing.timeline import periods_csv

    _check_range(args)
    if args.from_coords is not None or args.to_coords is not None:
        return _point_timeline(args)
    require_places(args)
    if args.output is not None:
        check_output(args.output)
        if args.output.suffix.lower() not in CHART_SUFFIXES:
            raise UsageError(f"-o {shorten(str(args.output))}: the chart's name must end in "
                             f"{', '.join(CHART_SUFFIXES)}")
    engine = load_engine(args)
    try:
        line = build_timeline(engine, args)
    finally:
        engine.close()
    labels = engine.names.labels
    if args.output is not None:
        from geo.figure import chart

        fig = chart.draw(line, labels)
        write_atomic(args.output, chart.image_bytes(fig, args.output.suffix.lower()[1:]))
    if args.json:
        print_json(line.to_dict())
    elif args.csv:
        sys.stdout.write(periods_csv(line))
    else:
        print(format_timeline(line, labels))
    return 0


def _point_timeline(args: argparse.Namespace) -> int:
    """Print the periods of the route between two points on the imported network (``--from-coords``)."""
    from geo.db import require_url
    from geo.db.coords import format_point_timeline, point_periods_table, point_timeline
    from geo.routing.timeline import rows_csv

    start, end = point_ends(args)
    if args.output is not None:
        raise UsageError("-o: the chart is drawn for a route between places (FROM TO), not between points")
    line = point_timeline(require_url(getattr(args, "db", None)), start, end, scenario_from(args, as_of=today()),
                          args.start, args.until)
    if args.json:
        print_json(line.to_dict())
    elif args.csv:
        sys.stdout.write(rows_csv(point_periods_table(line)))
    else:
        print(format_point_timeline(line))
    return 0


def format_timeline(line: Timeline, labels: dict[str, str]) -> str:
    """Return a human-readable account of a timeline: one block per period."""
    trip, scenario = line.trip, line.trip.scenario
    last = line.end - dt.timedelta(days=1)
    out = [f"{labels.get(trip.origin, trip.origin)} → {labels.get(trip.dest, trip.dest)}, "
           f"{line.start.isoformat()} – {last.isoformat()} ({scenario.mode}, by {scenario.optimize}): "
           f"{len(line.periods)} period(s), the route computed on {line.evaluated} day(s)"]
    for period in line.periods:
        span = f"{period.start.isoformat()} – {(period.end - dt.timedelta(days=1)).isoformat()}"
        if period.route is None:
            out.append(f"{span}  no route: {period.reason}")
        else:
            via = ", ".join(period.crossing_names) or "no crossing"
            out.append(f"{span}  {period.km:,.1f} km, {period.hours:,.1f} h (borders {period.border_h:,.1f} h) "
                       f"via {via}; countries {' '.join(period.countries)}")
        for fact in period.facts:
            out.append(f"    since {fact.date.isoformat()}: {fact.describe()}"
                       + (f" <{fact.source}>" if fact.source else ""))
    return "\n".join(out)


MATRIX_SUFFIXES = (".csv", ".parquet")


def matrix_dates(engine: RouteEngine, args: argparse.Namespace, scenario: Any) -> list[dt.date]:
    """Return the days a matrix command asks for, checked against the history.

    Raises
    ------
    UsageError
        ``--step`` without ``--from``, ``--from`` or ``--to`` alone, options that exclude each other, a range
        that ends before it starts, no day at all, or a day before the history's first fact.
    """
    from geo.routing.matrix import dates_between, event_dates
    from geo.routing.timeline import first_fact

    chosen = [name for name, on in (("--dates", bool(args.dates)), ("--step", bool(args.step)),
                                    ("--events", args.events)) if on]
    if len(chosen) > 1:
        raise UsageError(f"{chosen[0]} and {chosen[1]} exclude each other: choose one way to give dates")
    if args.step and args.start is None:
        raise UsageError("--step needs --from (the first day)")
    if (args.start or args.until) and not (args.step or args.events):
        raise UsageError("--from/--to need --step month|year or --events")
    if args.start and args.until and args.until < args.start:
        raise UsageError(f"--to {args.until.isoformat()} is before --from {args.start.isoformat()}")
    if args.as_of is not None:
        raise UsageError("--as-of: a matrix takes --dates (or --from/--to with --step or --events)")
    if args.dates:
        dates = sorted(set(args.dates))
    elif args.step:
        dates = dates_between(args.start, args.until or today(), args.step)
    elif args.events:
        dates = event_dates(engine.graph, scenario, args.start, args.until)
    else:
        dates = [today()]
    if not dates:
        raise UsageError("no day to compute: no fact starts between --from and --to")
    first = first_fact(engine.graph, scenario)
    if first is not None and dates[0] < first:
        raise UsageError(f"date {dates[0].isoformat()} is before the history (its first fact is "
                         f"{first.isoformat()})")
    return dates


def _bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    end = "\n" if done == total else ""
    print(f"\rmatrix: [{'#' * filled}{'.' * (width - filled)}] {done}/{total} dates", end=end, file=sys.stderr,
          flush=True)


def cmd_matrix(args: argparse.Namespace) -> int:
    """Write the dated distance matrix (or its country summary)."""
    import json

    from geo.io.geojson import write_atomic
    from geo.layers import registry, store
    from geo.routing import matrix as mx

    if args.output is not None:
        check_output(args.output)
        if args.output.suffix.lower() not in MATRIX_SUFFIXES:
            raise UsageError(f"-o {shorten(str(args.output))}: the file name must end in {', '.join(MATRIX_SUFFIXES)}")
    if not 1 <= args.jobs <= 64:
        raise UsageError(f"--jobs must be between 1 and 64, not {args.jobs}")
    if args.main and not args.summary:
        raise UsageError("--main applies with --summary")
    scenario = scenario_from(args, as_of=today())
    load = engine_loader(args)
    engine = load()
    try:
        engine.check_crossings(scenario.close | scenario.open)
        dates = matrix_dates(engine, args, scenario)
        places_frame, _ = store.read_layer("places")
        routable = mx.routable_places(engine.graph, places_frame)
        ids = [_place_id(engine, text, "--places") for text in args.places]
        chosen = mx.select(routable, ids, args.country, args.kind)
        mains = None
        if args.summary:
            mains = mx.main_cities(chosen, [_place_id(engine, text, "--main") for text in args.main])
            if len(mains) < 2:
                raise UsageError(f"--summary: the selection has a main city in {len(mains)} country: it needs two")
        show = None if args.no_progress or len(dates) < 4 else _bar
        table = mx.run(engine.graph, scenario, dates, chosen, mains, jobs=args.jobs, load=load, progress=show,
                       trees=engine.trees)
    finally:
        engine.close()
    specs = [registry.get(i) for i in ("roads", "crossings", "places")]
    metadata = {
        "generated_by": "geo matrix", "data_version": store.data_version(),
        "options": {"mode": scenario.mode, "optimize": scenario.optimize, "unknown": scenario.unknown,
                    "closed": sorted(scenario.close), "opened": sorted(scenario.open), "avoid": sorted(scenario.avoid),
                    "vehicle": scenario.vehicle, "citizen": scenario.citizen, "visas": sorted(scenario.visas),
                    "dates": [d.isoformat() for d in dates], "places": len(chosen), "summary": args.summary,
                    "main": {c: p.id for c, p in (mains or {}).items()}},
        "licence": "; ".join(sorted({f"{s.licence} <{s.licence_url}>" for s in specs})),
        "attribution": "; ".join(dict.fromkeys(s.attribution for s in specs)),
        "units": "km: road kilometres; hours: road + border hours; border_h: border hours; crossings: border "
                 "crossings passed; countries: ISO2 codes entered; empty values: no route",
    }
    if args.output is not None and args.output.suffix.lower() == ".parquet":
        write_atomic(args.output, _parquet_bytes(table, metadata))
        return 0
    header = "".join(f"# {key}: {json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}\n"
                     for key, value in metadata.items())
    text = header + table.to_csv(index=False, lineterminator="\n", float_format="%.4f")
    if args.output is not None:
        write_atomic(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
    return 0


def _place_id(engine: RouteEngine, text: str, flag: str) -> str:
    try:
        return engine.resolve(text)
    except UsageError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _parquet_bytes(table: Any, metadata: dict[str, Any]) -> bytes:
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                           b"geo": json.dumps(metadata, ensure_ascii=False).encode("utf-8")})
    buffer = io.BytesIO()
    pq.write_table(arrow, buffer)
    return buffer.getvalue()
