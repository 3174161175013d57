"""A trip through time: the exact periods ``[start, end)`` over which its route stays the same.

The route can only change on a day a fact it depends on starts: a status (with its traffic and access) of any
crossing, a border-time row, or, when the scenario has a citizen, an entry rule of that citizen. :func:`timeline`
gathers those days, recomputes the state of the crossings whose facts start there, evaluates the route only where
some state changed, and merges equal neighbours (same crossings, countries, km and hours), so each period holds
one route and starts with the fact(s) that changed it. Planned facts (``kind=planned``) never change routing and
never start a period.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from geo.errors import NoRouteError, UsageError
from geo.i18n import N_
from geo.messages import Message
from geo.routing.graph import GateState, RoadGraph, Scenario, Trip
from geo.routing.results import Route

PLANNED = "planned"
"""The ``kind`` of a status row that announces a future change: it never changes a route."""
ONE_DAY = dt.timedelta(days=1)
R = TypeVar("R")


@dataclass(frozen=True)
class Fact:
    """One dated fact that starts a period: a crossing's new status or border time, or a new entry rule.

    ``kind`` is ``status``, ``border-time`` or ``entry-rule``; ``value`` is the new status (with its traffic or
    access when given), the new hours, or the document; ``subject`` is the crossing id (or the destination country
    of an entry rule) and ``name`` its label.
    """

    date: dt.date
    kind: str
    subject: str
    name: str
    value: str
    source: str | None
    note: str = ""

    def describe(self) -> str:
        """Return the fact in one line, e.g. ``Kyzyl-Bel: closed``."""
        return f"{self.name}: {self.value}"

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data."""
        return {"date": self.date.isoformat(), "kind": self.kind, "subject": self.subject, "name": self.name,
                "value": self.value, "source": self.source, "note": self.note}


@dataclass(frozen=True)
class Period:
    """Days ``[start, end)`` over which a trip has one route (or none), and the facts that started them.

    ``route`` is the route computed on ``start`` (None when there is none; ``reason`` then says why).
    """

    start: dt.date
    end: dt.date
    route: Route | None
    reason: Message | None
    facts: tuple[Fact, ...]

    @property
    def reachable(self) -> bool:
        """Return whether the trip has a route in this period."""
        return self.route is not None

    @property
    def km(self) -> float | None:
        """Return the route's road km (None without a route)."""
        return None if self.route is None else self.route.distance_km

    @property
    def hours(self) -> float | None:
        """Return the route's travel time (None without a route)."""
        return None if self.route is None else self.route.duration_h

    @property
    def border_h(self) -> float | None:
        """Return the route's border hours (None without a route)."""
        return None if self.route is None else self.route.border_h

    @property
    def crossings(self) -> tuple[str, ...]:
        """Return the ids of the crossings the route passes, in order."""
        return () if self.route is None else tuple(c.id for c in self.route.crossings)

    @property
    def crossing_names(self) -> tuple[str, ...]:
        """Return the names of the crossings the route passes, in order."""
        return () if self.route is None else tuple(c.name for c in self.route.crossings)

    @property
    def countries(self) -> tuple[str, ...]:
        """Return the countries the route enters, most km first."""
        return () if self.route is None else tuple(self.route.by_country_km)

    @property
    def days(self) -> int:
        """Return the period's length in days."""
        return (self.end - self.start).days

    def label(self) -> str:
        """Return the facts that started the period in one line (empty for the first period)."""
        return "; ".join(f.describe() for f in self.facts)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data (``end`` exclusive)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "reachable": self.reachable,
                "km": None if self.km is None else round(self.km, 1),
                "hours": None if self.hours is None else round(self.hours, 2),
                "border_h": None if self.border_h is None else round(self.border_h, 2),
                "crossings": list(self.crossings), "crossing_names": list(self.crossing_names),
                "countries": list(self.countries), "no_route": None if self.reason is None else str(self.reason),
                "facts": [f.to_dict() for f in self.facts]}


@dataclass(frozen=True)
class Timeline:
    """A trip's periods from ``start`` up to ``end`` (exclusive), in order, covering every day once."""

    trip: Trip
    start: dt.date
    end: dt.date
    periods: tuple[Period, ...]
    evaluated: int
    """How many days the route was computed on (the rest were known not to change it)."""

    def period_on(self, day: dt.date) -> Period:
        """Return the period holding ``day``.

        Raises
        ------
        UsageError
            The day is outside the timeline.
        """
        for period in self.periods:
            if period.start <= day < period.end:
                return period
        raise UsageError(f"{day.isoformat()} is outside the timeline {self.start.isoformat()} – {self.end.isoformat()}")

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data."""
        s = self.trip.scenario
        return {"from": self.trip.origin, "to": self.trip.dest, "via": list(self.trip.via),
                "start": self.start.isoformat(), "end": self.end.isoformat(), "mode": s.mode,
                "optimize": s.optimize, "unknown": s.unknown, "closed": sorted(s.close), "opened": sorted(s.open),
                "avoid": sorted(s.avoid), "vehicle": s.vehicle, "citizen": s.citizen, "visas": sorted(s.visas),
                "evaluated_days": self.evaluated, "periods": [p.to_dict() for p in self.periods]}


def fact_days(graph: RoadGraph, scenario: Scenario) -> dict[dt.date, list[Fact]]:
    """Return every fact a route under ``scenario`` can depend on, by the day it starts.

    Status rows (not planned ones) and border-time rows of every crossing; with a citizen, that citizen's entry rules.
    """
    facts: dict[dt.date, list[Fact]] = defaultdict(list)
    for cid, info in graph.crossings.items():
        for entry in info.history:
            if entry.get("kind") == PLANNED:
                continue
            value = str(entry["status"])
            if entry.get("traffic"):
                value += f" ({'|'.join(entry['traffic'])} only)"
            if entry.get("access") and entry.get("access") != "unknown":
                value += f", access {entry['access']}"
            facts[dt.date.fromisoformat(str(entry["date"]))].append(
                Fact(dt.date.fromisoformat(str(entry["date"])), "status", cid, info.name, value,
                     _text(entry.get("source")), str(entry.get("note") or "")))
        for entry in info.border_times:
            day = dt.date.fromisoformat(str(entry["date"]))
            facts[day].append(Fact(day, "border-time", cid, info.name,
                                   f"{entry['traffic']} {float(entry['hours']):g} h at the border",
                                   _text(entry.get("source")), str(entry.get("note") or "")))
    if scenario.citizen is not None:
        for rule in graph.rules.rules:
            if rule.citizen == scenario.citizen:
                facts[rule.date].append(Fact(rule.date, "entry-rule", rule.destination, rule.destination,
                                             f"{rule.citizen} citizens need {rule.document}", rule.source, rule.note))
    return dict(facts)


def first_fact(graph: RoadGraph, scenario: Scenario) -> dt.date | None:
    """Return the day of the earliest fact a route under ``scenario`` depends on (None: no fact at all)."""
    return min(fact_days(graph, scenario), default=None)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _gate_key(state: GateState) -> tuple[bool, float]:
    return state.passable, round(state.hours, 9)


def _ids(route: Route | None) -> set[str]:
    return set() if route is None else {c.id for c in route.crossings}


def _route_key(route: Route | None) -> tuple[object, ...]:
    if route is None:
        return ("no route",)
    return (tuple(c.id for c in route.crossings), tuple(route.by_country_km), round(route.distance_km, 6),
            round(route.duration_h, 6), round(route.border_h, 6))


def timeline(engine: Any, trip: Trip, start: dt.date, until: dt.date) -> Timeline:
    """Return the exact periods of a trip's route from ``start`` to ``until`` (both included).

    Parameters
    ----------
    engine
        A :class:`geo.routing.RouteEngine` (its graph and its routes).
    trip
        The ends, via places and scenario; the scenario's ``as_of`` is ignored.
    start, until
        The first and the last day; the last period ends the day after ``until``.

    Returns
    -------
    The periods, each with its route (or none and why) and the facts that started it.

    Raises
    ------
    UsageError
        ``until`` before ``start``, unknown places or crossings (as :meth:`RouteEngine.route` raises them).
    """
    def route_on(scenario: Scenario) -> Route:
        route: Route = engine.trip(dataclasses.replace(trip, scenario=scenario))
        return route

    found, evaluated = changes(engine.graph, trip.scenario, start, until, route_on, _route_key, _ids)
    end = until + ONE_DAY
    out = tuple(Period(c.start, (found[i + 1].start if i + 1 < len(found) else end), c.route, c.reason, c.facts)
                for i, c in enumerate(found))
    return Timeline(trip, start, end, out, evaluated)


@dataclass(frozen=True)
class Change(Generic[R]):
    """The day a route changed (or the first day), its new route (None: none, ``reason`` says why) and the facts."""

    start: dt.date
    route: R | None
    reason: Message | None
    facts: tuple[Fact, ...]


def changes(graph: RoadGraph, base: Scenario, start: dt.date, until: dt.date, route_on: Callable[[Scenario], R],
            key: Callable[[R | None], tuple[object, ...]], ids: Callable[[R | None], set[str]],
            crossings: Collection[str] | None = None) -> tuple[list[Change[R]], int]:
    """Return the days from ``start`` to ``until`` on which a route changes, and how many days it was computed on.

    The engine-neutral core of :func:`timeline` (and of :func:`geo.db.coords.point_timeline`): on each day a fact
    starts, the state of the crossings whose facts start there is recomputed (only those of ``crossings`` when
    given: the ones a network can use); the route is computed (``route_on``, which raises
    :class:`~geo.errors.NoRouteError` for none) only where some state changed, and kept only when its ``key``
    differs from the last one's. Each change holds the facts that started it, narrowed to the crossings of the
    routes before and after (``ids``) when any are.

    Raises
    ------
    UsageError
        ``until`` before ``start``.
    """
    if until < start:
        raise UsageError(f"--to {until.isoformat()} is before --from {start.isoformat()}")
    watched = set(graph.crossings) if crossings is None else set(crossings) & set(graph.crossings)
    facts = fact_days(graph, base)
    by_day: dict[dt.date, set[str]] = defaultdict(set)
    rule_days: set[dt.date] = set()
    for day, items in facts.items():
        for fact in items:
            if fact.kind == "entry-rule":
                rule_days.add(day)
            elif fact.subject in watched:
                by_day[day].add(fact.subject)
    days = sorted(d for d in set(by_day) | rule_days if start < d <= until)

    def scenario_on(day: dt.date) -> Scenario:
        return dataclasses.replace(base, as_of=day)

    def computed(day: dt.date) -> tuple[R | None, Message | None]:
        try:
            return route_on(scenario_on(day)), None
        except NoRouteError as exc:
            return None, _reason(exc.message)

    first_scenario = scenario_on(start)
    gates = {cid: _gate_key(graph.gate_state(cid, first_scenario)) for cid in watched}
    barred = frozenset(graph.visa_barred(first_scenario))
    route, reason = computed(start)
    found = [Change(start, route, reason, ())]
    evaluated = 1
    for day in days:
        scenario = scenario_on(day)
        changed: set[str] = set()
        for cid in by_day.get(day, ()):
            now = _gate_key(graph.gate_state(cid, scenario))
            if now != gates[cid]:
                gates[cid] = now
                changed.add(cid)
        rules_changed = False
        if day in rule_days:
            now_barred = frozenset(graph.visa_barred(scenario))
            rules_changed, barred = now_barred != barred, now_barred
        if not changed and not rules_changed:
            continue
        evaluated += 1
        route, reason = computed(day)
        if key(route) == key(found[-1].route):
            continue
        started = tuple(f for f in facts[day] if f.subject in changed or (rules_changed and f.kind == "entry-rule"))
        on_routes = ids(route) | ids(found[-1].route)
        started = tuple(f for f in started if f.subject in on_routes) or started
        found.append(Change(day, route, reason, started))
    return found, evaluated


def _reason(message: Message) -> Message:
    """Return a no-route message without its scenario's date, so equal reasons read the same on every day."""
    values = message.values
    if "why" in values and message.template.startswith("no route from"):
        return Message.of(N_("cut off by {why}"), why=values["why"])
    return message


def periods_table(line: Timeline, labels: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Return one flat row per period (for CSV and the app's table): dates, values, crossings, the starting facts."""
    rows = []
    for p in line.periods:
        names = [labels.get(c, c) for c in p.crossings] if labels else list(p.crossing_names)
        rows.append({"start": p.start.isoformat(), "end": p.end.isoformat(), "reachable": p.reachable,
                     "km": None if p.km is None else round(p.km, 1),
                     "hours": None if p.hours is None else round(p.hours, 2),
                     "border_h": None if p.border_h is None else round(p.border_h, 2),
                     "crossings": "; ".join(names), "countries": " ".join(p.countries),
                     "no_route": "" if p.reason is None else str(p.reason),
                     "event": p.label(), "sources": " ".join(f.source for f in p.facts if f.source)})
    return rows


def periods_csv(line: Timeline) -> str:
    """Return the periods as CSV text (one row per period, ``end`` exclusive)."""
    return rows_csv(periods_table(line))


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """Return period rows (:func:`periods_table`'s, or a point timeline's of the same keys) as CSV text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
