"""Command-line parts for routes through time: ``timeline`` (one trip's periods) and ``matrix`` (many, dated)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.cli.common import add_scenario_options, check_output, iso_date, print_json, scenario_from, today
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
    p.add_argument("origin", metavar="FROM", help="place name or id (any script, aliases accepted)")
    p.add_argument("destination", metavar="TO", help="place name or id")
    p.add_argument("--from", dest="start", type=iso_date, metavar="DATE",
                   help="first day (default: the history's first fact)")
    p.add_argument("--to", dest="until", type=iso_date, metavar="DATE", help="last day (default: today)")
    add_scenario_options(p)
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--csv", action="store_true", help="print one CSV row per period")
    p.add_argument("-o", "--output", type=Path, metavar="CHART",
                   help="also write a step chart of hours and km over time (.png, .svg or .pdf)")
    p.set_defaults(handler=cmd_timeline)


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
    from geo.routing import RouteEngine

    _check_range(args)
    if args.output is not None:
        check_output(args.output)
        if args.output.suffix.lower() not in CHART_SUFFIXES:
            raise UsageError(f"-o {shorten(str(args.output))}: the chart's name must end in "
                             f"{', '.join(CHART_SUFFIXES)}")
    engine = RouteEngine.load()
    line = build_timeline(engine, args)
    labels = engine.names.labels
    if args.output is not None:
        from geo.figure import chart

        fig = chart.draw(line, labels)
        write_atomic(args.output, chart.image_bytes(fig, args.output.suffix.lower()[1:]))
    if args.json:
        print_json(line.to_dict())
    elif args.csv:
        sys.stdout.write(timeline_csv(line))
    else:
        print(format_timeline(line, labels))
    return 0


def timeline_csv(line: Timeline) -> str:
    """Return the periods as CSV text (one row per period, ``end`` exclusive)."""
    from geo.routing.timeline import periods_table

    rows = periods_table(line)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


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
