"""The crossings' history as a whole: recorded gaps, posts left out of the layer, and the history report.

Two curated files sit beside ``crossing_status.csv``: ``history_gaps.csv`` records the periods that stayed unknown
after searching (with the queries tried, so nobody repeats them) and ``crossings_out_of_scope.csv`` the posts found
but not carried by the layer, each with its reason. :func:`history_report` reads a crossing's history as periods
and finds what is missing: spans of ``unknown``, spans longer than two years without a fact, and the status on
the checkpoint days, each marked when only a recorded gap covers it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo import vocab
from geo.layers.status import UNKNOWN, facts, is_planned, status_on
from geo.layers.tables import Problems, Row, parse_date, parse_list, parse_slug, parse_urls, read_table

OUT_OF_SCOPE_FILE = "crossings_out_of_scope.csv"
GAPS_FILE = "history_gaps.csv"
OUT_OF_SCOPE_COLUMNS = ("name", "countries", "reason", "source")
GAP_COLUMNS = ("crossing_id", "period_start", "period_end", "queries", "searched_on")
WINDOW_START = dt.date(2018, 1, 1)
"""The history is complete from this day on: spans before it are not reported."""
CHECKPOINTS = (dt.date(2020, 4, 1), dt.date(2021, 6, 1), dt.date(2022, 1, 7), dt.date(2022, 6, 1),
               dt.date(2023, 6, 1), dt.date(2025, 6, 1))
"""The days every crossing needs a cited status on (COVID-19, the Kyrgyz–Tajik clashes, January 2022 in
Kazakhstan, China's reopening, the 2025 treaty); today is added when the report is made."""
STALE_DAYS = 730
"""A span longer than this (two years) without a fact is reported."""


@dataclass(frozen=True)
class OutOfScope:
    """A crossing point found in the sources that the layer does not carry, and why."""

    name: str
    countries: str
    reason: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    """A period of a crossing's history that stayed unknown after searching."""

    crossing_id: str
    start: dt.date
    end: dt.date
    queries: tuple[str, ...]
    searched_on: dt.date

    def covers(self, day: dt.date) -> bool:
        """Return whether the gap's period includes ``day`` (both ends included)."""
        return self.start <= day <= self.end

    def as_dict(self) -> dict[str, Any]:
        """Return the gap as plain JSON data."""
        return {"crossing_id": self.crossing_id, "period_start": self.start.isoformat(),
                "period_end": self.end.isoformat(), "queries": list(self.queries),
                "searched_on": self.searched_on.isoformat()}


def _pair(row: Row, problems: Problems) -> str | None:
    pair = row["countries"]
    codes = pair.split("-")
    if len(codes) != 2 or not set(codes) <= set(vocab.BY_ISO2) or codes[0] >= codes[1]:
        problems.add(row, f"countries: {pair!r} is not two known ISO codes in alphabetical order like 'KG-TJ'")
        return None
    return pair


def load_out_of_scope(source: Path) -> list[OutOfScope]:
    """Read ``crossings_out_of_scope.csv``: every row names a post, its country pair, a reason and a source.

    Raises
    ------
    DataError
        Listing every problem found, with file and line.
    """
    problems = Problems()
    out = []
    for row in read_table(source / OUT_OF_SCOPE_FILE, OUT_OF_SCOPE_COLUMNS):
        before = len(problems.items)
        if not row["name"]:
            problems.add(row, "name: missing")
        if not row["reason"]:
            problems.add(row, "reason: missing (say why the map does not carry this post)")
        pair = _pair(row, problems)
        urls = parse_urls(row, "source", problems)
        if len(problems.items) == before and pair is not None:
            out.append(OutOfScope(row["name"], pair, row["reason"], tuple(urls)))
    problems.raise_if_any()
    return out


def load_gaps(source: Path, crossing_ids: Iterable[str] | None = None) -> list[Gap]:
    """Read ``history_gaps.csv``: a crossing, the period that stayed unknown, the queries tried and when.

    Parameters
    ----------
    source
        The folder of curated files.
    crossing_ids
        The crossings a gap may name (by default any slug).

    Raises
    ------
    DataError
        Listing every problem found, with file and line.
    """
    problems = Problems()
    known = set(crossing_ids) if crossing_ids is not None else None
    gaps = []
    for row in read_table(source / GAPS_FILE, GAP_COLUMNS):
        cid = parse_slug(row, "crossing_id", problems)
        if cid is not None and known is not None and cid not in known:
            problems.add(row, f"crossing_id: unknown crossing {cid!r}")
            cid = None
        start = parse_date(row, "period_start", problems)
        end = parse_date(row, "period_end", problems)
        searched = parse_date(row, "searched_on", problems)
        queries = parse_list(row["queries"])
        if not queries:
            problems.add(row, "queries: missing (list what was searched, |-separated)")
        if start is not None and end is not None and end < start:
            problems.add(row, f"period_end: {end} is before period_start {start}")
            continue
        if cid is not None and start is not None and end is not None and searched is not None and queries:
            gaps.append(Gap(cid, start, end, tuple(queries), searched))
    problems.raise_if_any()
    return gaps


# --- the report -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A status in force from a fact's date until the next fact (``end`` None: still in force)."""

    start: dt.date
    end: dt.date | None
    status: str
    traffic: tuple[str, ...]
    access: str
    source: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return the period as plain JSON data."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat() if self.end else None,
                "status": self.status, "traffic": list(self.traffic), "access": self.access, "source": self.source}


@dataclass(frozen=True)
class Span:
    """A span of days (``end`` excluded) whose status is not known from a fresh fact."""

    start: dt.date
    end: dt.date
    gaps: tuple[Gap, ...]
    """The recorded gaps overlapping it (searched for, still unknown)."""

    @property
    def days(self) -> int:
        """The span's length in days."""
        return (self.end - self.start).days

    def as_dict(self) -> dict[str, Any]:
        """Return the span as plain JSON data."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days,
                "recorded_gap": bool(self.gaps)}


@dataclass(frozen=True)
class Checkpoint:
    """The status on a checkpoint day, the fact it rests on, and whether only a recorded gap covers the day."""

    day: dt.date
    status: str
    since: dt.date | None
    source: str | None
    gap: bool
    """A recorded gap includes the day."""

    @property
    def known(self) -> bool:
        """Whether a fact gives the status on the day (not ``unknown``)."""
        return self.status != UNKNOWN and self.since is not None

    @property
    def fresh(self) -> bool:
        """Whether the fact it rests on is at most two years old."""
        return self.known and self.since is not None and (self.day - self.since).days <= STALE_DAYS

    @property
    def only_gap(self) -> bool:
        """Whether only a recorded gap covers the day: no fresh fact, but the period was searched."""
        return not self.fresh and self.gap

    @property
    def missing(self) -> bool:
        """Whether the status is unknown on the day and no recorded gap says it was searched for."""
        return not self.known and not self.gap

    def mark(self) -> str:
        """Return the day's mark in the text report: ``*`` only a recorded gap, ``!`` missing, ``~`` stale fact."""
        return "*" if self.only_gap else "!" if self.missing else "" if self.fresh else "~"

    def as_dict(self) -> dict[str, Any]:
        """Return the checkpoint as plain JSON data."""
        return {"day": self.day.isoformat(), "status": self.status,
                "since": self.since.isoformat() if self.since else None, "source": self.source,
                "known": self.known, "fresh": self.fresh, "recorded_gap": self.gap,
                "only_recorded_gap": self.only_gap}


@dataclass(frozen=True)
class CrossingHistory:
    """One crossing's history read as periods, with what is missing from it."""

    id: str
    name: str
    countries: str
    periods: tuple[Period, ...]
    unknown: tuple[Span, ...]
    stale: tuple[Span, ...]
    checkpoints: tuple[Checkpoint, ...]
    planned: int

    @property
    def missing(self) -> list[Checkpoint]:
        """The checkpoint days with an unknown status and no recorded gap."""
        return [c for c in self.checkpoints if c.missing]

    def as_dict(self) -> dict[str, Any]:
        """Return the history as plain JSON data."""
        return {"id": self.id, "name": self.name, "countries": self.countries,
                "periods": [p.as_dict() for p in self.periods], "unknown_spans": [s.as_dict() for s in self.unknown],
                "spans_without_fact": [s.as_dict() for s in self.stale],
                "checkpoints": [c.as_dict() for c in self.checkpoints], "planned": self.planned}


@dataclass(frozen=True)
class HistoryReport:
    """Every crossing's history and the facts per border and year."""

    today: dt.date
    crossings: tuple[CrossingHistory, ...]
    facts_per_year: dict[str, dict[int, int]]
    gaps: int

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON data."""
        return {
            "today": self.today.isoformat(), "checkpoints": [d.isoformat() for d in checkpoint_days(self.today)],
            "recorded_gaps": self.gaps,
            "unknown_spans": sum(len(c.unknown) for c in self.crossings),
            "unknown_spans_without_gap": sum(not s.gaps for c in self.crossings for s in c.unknown),
            "spans_without_fact": sum(len(c.stale) for c in self.crossings),
            "checkpoints_only_recorded_gap": sum(c.only_gap for h in self.crossings for c in h.checkpoints),
            "checkpoints_missing": sum(len(h.missing) for h in self.crossings),
            "checkpoints_stale": sum(c.known and not c.fresh and not c.gap for h in self.crossings
                                     for c in h.checkpoints),
            "crossings": [c.as_dict() for c in self.crossings],
            "facts_per_year": {b: {str(y): n for y, n in years.items()} for b, years in self.facts_per_year.items()},
        }


def checkpoint_days(today: dt.date) -> tuple[dt.date, ...]:
    """Return the checkpoint days up to ``today``, with ``today`` last."""
    return (*(d for d in CHECKPOINTS if d < today), today)


def _traffic(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(str(v) for v in value or ())


def periods(history: Sequence[Mapping[str, Any]]) -> list[Period]:
    """Return the facts of a history as periods, each ending where the next fact starts.

    Examples
    --------
    >>> h = [{"date": "2020-03-20", "status": "closed", "source": "https://a"},
    ...      {"date": "2022-03-16", "status": "open", "traffic": ["passengers"], "access": "bilateral"}]
    >>> [(p.start.isoformat(), p.end and p.end.isoformat(), p.status) for p in periods(h)]
    [('2020-03-20', '2022-03-16', 'closed'), ('2022-03-16', None, 'open')]
    """
    dated = facts(history)
    out = []
    for number, entry in enumerate(dated):
        end = dt.date.fromisoformat(str(dated[number + 1]["date"])) if number + 1 < len(dated) else None
        out.append(Period(dt.date.fromisoformat(str(entry["date"])), end, str(entry["status"]),
                          _traffic(entry.get("traffic")), str(entry.get("access") or UNKNOWN),
                          entry.get("source") or None))
    return out


def _overlapping(gaps: Sequence[Gap], start: dt.date, end: dt.date) -> tuple[Gap, ...]:
    return tuple(g for g in gaps if g.start < end and g.end >= start)


def crossing_history(record: Mapping[str, Any], gaps: Sequence[Gap], today: dt.date) -> CrossingHistory:
    """Return one crossing's periods, unknown spans, spans without a fact, and checkpoint statuses.

    Parameters
    ----------
    record
        ``id``, ``name``, ``countries`` and ``status_history`` (entries in date order).
    gaps
        The crossing's recorded gaps.
    today
        The report's last day.
    """
    history = list(record.get("status_history") or [])
    found = periods(history)
    unknown = []
    stale = []
    first = found[0].start if found else today
    if first > WINDOW_START:
        unknown.append(Span(WINDOW_START, first, _overlapping(gaps, WINDOW_START, first)))
    for period in found:
        start, end = max(period.start, WINDOW_START), min(period.end or today, today)
        if end <= start:
            continue
        if period.status == UNKNOWN:
            unknown.append(Span(start, end, _overlapping(gaps, start, end)))
        if (end - start).days > STALE_DAYS:
            stale.append(Span(start, end, _overlapping(gaps, start, end)))
    checkpoints = []
    for day in checkpoint_days(today):
        entry = status_on(history, day)
        since = dt.date.fromisoformat(str(entry["date"])) if entry.get("date") else None
        checkpoints.append(Checkpoint(day, str(entry["status"]), since, entry.get("source") or None,
                                      any(g.covers(day) for g in gaps)))
    return CrossingHistory(str(record["id"]), str(record["name"]), str(record["countries"]), tuple(found),
                           tuple(unknown), tuple(stale), tuple(checkpoints), sum(map(is_planned, history)))


def history_report(records: Iterable[Mapping[str, Any]], gaps: Sequence[Gap], today: dt.date) -> HistoryReport:
    """Return the history report of every crossing, ordered by border and name, and the facts per border and year.

    Facts dated before :data:`WINDOW_START` are counted under that year's predecessor (one bucket, 2017).
    """
    by_crossing: dict[str, list[Gap]] = defaultdict(list)
    for gap in gaps:
        by_crossing[gap.crossing_id].append(gap)
    out = []
    per_year: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for record in records:
        out.append(crossing_history(record, by_crossing.get(str(record["id"]), []), today))
        for entry in facts(record.get("status_history") or []):
            year = max(int(str(entry["date"])[:4]), WINDOW_START.year - 1)
            per_year[str(record["countries"])][year] += 1
    years = range(WINDOW_START.year - 1, today.year + 1)
    table = {border: {y: per_year[border].get(y, 0) for y in years} for border in sorted(per_year)}
    return HistoryReport(today, tuple(sorted(out, key=lambda c: (c.countries, c.name))), table, len(gaps))


def format_history(report: HistoryReport) -> list[str]:
    """Return the report as text lines: per crossing its periods and what is missing, then facts per border."""
    days = checkpoint_days(report.today)
    lines = [f"Crossing status history to {report.today} ({len(report.crossings)} crossings, {report.gaps} recorded "
             f"gaps). Checkpoints: {', '.join(d.isoformat() for d in days)}.",
             "Marks: * no fact of the last two years, only a recorded gap covers the day; ! unknown and no recorded "
             "gap; ~ the fact is over two years old (no recorded gap)."]
    for c in report.crossings:
        lines += ["", f"{c.name} [{c.countries}] ({c.id})" + (f", {c.planned} announced" if c.planned else "")]
        for p in c.periods:
            traffic = f" [{', '.join(p.traffic)}]" if p.traffic else ""
            end = p.end.isoformat() if p.end else "today"
            lines.append(f"  {p.start} – {end:<10} {p.status}{traffic}, {p.access}: {p.source or 'no source'}")
        for span in c.unknown:
            lines.append(f"  unknown {span.start} – {span.end} ({span.days} days)"
                         + (" — recorded gap" if span.gaps else ""))
        for span in c.stale:
            lines.append(f"  no fact {span.start} – {span.end} ({span.days} days)"
                         + (" — recorded gap" if span.gaps else ""))
        lines.append("  on: " + "; ".join(f"{p.day} {p.status}{p.mark()}" for p in c.checkpoints))
    years = sorted({y for counts in report.facts_per_year.values() for y in counts})
    head = "".join(f"{('<' + str(y + 1)) if y < WINDOW_START.year else str(y):>6}" for y in years)
    lines += ["", "Facts per border and year", f"{'border':<8}{head}"]
    for border, counts in report.facts_per_year.items():
        lines.append(f"{border:<8}" + "".join(f"{counts.get(y, 0):>6}" for y in years))
    summary = report.as_dict()
    lines += ["", f"Unknown spans: {summary['unknown_spans']} ({summary['unknown_spans_without_gap']} without a "
                  f"recorded gap); spans over two years without a fact: "
                  f"{summary['spans_without_fact']}; checkpoint days covered only by a recorded gap: "
                  f"{summary['checkpoints_only_recorded_gap']}; unknown without a recorded gap: "
                  f"{summary['checkpoints_missing']}; resting on a fact over two years old: "
                  f"{summary['checkpoints_stale']}."]
    return lines
