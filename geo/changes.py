"""What changed between two dates: crossings' status and traffic, pipelines' stage, with the dated facts.

A feature *changed* when its status (or, for crossings, the traffic it handles) on the second date differs
from the first; it *changed and changed back* when a fact dated between the two says otherwise but both
ends agree (a post that closed and reopened); it was *confirmed* when new facts repeat what was already
in force. Every fact carries its source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo.layers.status import facts as dated_facts
from geo.layers.status import status_on

CHANGED = "changed"
CHANGED_BACK = "changed and back"
CONFIRMED = "confirmed"
FIRST = "first dated"
KINDS: tuple[str, ...] = (CHANGED, CHANGED_BACK, FIRST, CONFIRMED)


@dataclass(frozen=True)
class Fact:
    """One dated status entry and the source that reports it."""

    date: str
    status: str
    traffic: tuple[str, ...]
    note: str
    source: str | None
    evidence: str | None = None
    """The quote from the source that states the fact (facts since 2018 have one)."""
    published: str | None = None
    """The source's publication date."""

    def to_dict(self) -> dict[str, Any]:
        """Return the fact as plain JSON data."""
        return {"date": self.date, "status": self.status, "traffic": list(self.traffic), "note": self.note,
                "source": self.source, "published": self.published, "evidence": self.evidence}


@dataclass(frozen=True)
class State:
    """The status in force on a day, the traffic it allows and the fact it rests on (``since`` None: no fact)."""

    status: str
    traffic: tuple[str, ...]
    since: str | None
    source: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the state as plain JSON data."""
        return {"status": self.status, "traffic": list(self.traffic), "since": self.since, "source": self.source}

    def same(self, other: State | Fact) -> bool:
        """Return whether another state or fact has the same status and traffic."""
        return self.status == other.status and self.traffic == other.traffic


@dataclass(frozen=True)
class Change:
    """How one feature's status moved between two dates."""

    layer: str
    id: str
    name: str
    countries: str | None
    kind: str
    before: State
    after: State
    facts: tuple[Fact, ...]

    @property
    def status_changed(self) -> bool:
        """Whether the status differs between the two dates."""
        return self.before.status != self.after.status

    @property
    def traffic_changed(self) -> bool:
        """Whether the traffic handled differs between the two dates."""
        return self.before.traffic != self.after.traffic

    def to_dict(self) -> dict[str, Any]:
        """Return the change as plain JSON data."""
        return {"layer": self.layer, "id": self.id, "name": self.name, "countries": self.countries,
                "kind": self.kind, "status_changed": self.status_changed, "traffic_changed": self.traffic_changed,
                "before": self.before.to_dict(), "after": self.after.to_dict(),
                "facts": [f.to_dict() for f in self.facts]}


@dataclass(frozen=True)
class Changes:
    """Every change between two dates, crossings and pipelines apart."""

    start: dt.date
    end: dt.date
    crossings: tuple[Change, ...]
    pipelines: tuple[Change, ...]
    crossings_compared: int
    pipelines_compared: int

    def of_kind(self, kind: str, layer: str = "crossings") -> list[Change]:
        """Return the changes of one kind in one layer."""
        return [c for c in (self.crossings if layer == "crossings" else self.pipelines) if c.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON data (no NaN anywhere)."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "crossings_compared": self.crossings_compared, "pipelines_compared": self.pipelines_compared,
                "crossings": [c.to_dict() for c in self.crossings],
                "pipelines": [c.to_dict() for c in self.pipelines]}


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _traffic(value: Any) -> tuple[str, ...]:
    if value is None or isinstance(value, float | str):
        return (value,) if isinstance(value, str) and value else ()
    return tuple(sorted(str(v) for v in value))


def state_on(history: Sequence[dict[str, Any]], day: dt.date, own_traffic: Sequence[str] = ()) -> State:
    """Return the state in force on ``day``; an entry without traffic allows the feature's own traffic.

    Examples
    --------
    >>> h = [{"date": "2021-05-21", "status": "closed", "source": "https://a"}]
    >>> state_on(h, dt.date(2022, 1, 1), ["passengers"])
    State(status='closed', traffic=('passengers',), since='2021-05-21', source='https://a')
    >>> state_on(h, dt.date(2020, 1, 1)).status
    'unknown'
    """
    entry = status_on(history, day)
    since = _text(entry.get("date"))
    traffic = _traffic(entry.get("traffic")) or (_traffic(own_traffic) if since else ())
    return State(str(entry["status"]), traffic, since, _text(entry.get("source")))


def compare_history(history: Sequence[dict[str, Any]], start: dt.date, end: dt.date,
                    own_traffic: Sequence[str] = ()) -> tuple[str, State, State, tuple[Fact, ...]] | None:
    """Return the kind of change between two dates, both states and the facts dated in between.

    Returns
    -------
    ``(kind, before, after, facts)``, or None when no fact is dated after ``start`` and on or before ``end``.
    Planned entries (announced events) and a pipeline's section entries are not facts of the feature.
    """
    before = state_on(history, start, own_traffic)
    after = state_on(history, end, own_traffic)
    low, high = start.isoformat(), end.isoformat()
    facts = tuple(
        Fact(str(e["date"]), str(e["status"]), _traffic(e.get("traffic")) or _traffic(own_traffic),
             _text(e.get("note")) or "", _text(e.get("source")), _text(e.get("evidence")), _text(e.get("published")))
        for e in dated_facts(history) if low < str(e["date"]) <= high
    )
    if before.since is None:
        if not facts:
            return None
        moved = any((f.status, f.traffic) != (facts[0].status, facts[0].traffic) for f in facts[1:])
        return (CHANGED if moved else FIRST), before, after, facts
    if not before.same(after):
        return CHANGED, before, after, facts
    if any(not before.same(f) for f in facts):
        return CHANGED_BACK, before, after, facts
    if facts:
        return CONFIRMED, before, after, facts
    return None


def layer_changes(frame: pd.DataFrame, layer: str, start: dt.date, end: dt.date) -> list[Change]:
    """Return the changes of every feature of a layer with ``status_history``, ordered by kind and name."""
    out = []
    with_traffic = "traffic" in frame.columns
    for record in frame.to_dict("records"):
        history = list(record.get("status_history") or [])
        own = list(_traffic(record["traffic"])) if with_traffic else []
        found = compare_history(history, start, end, own)
        if found is None:
            continue
        kind, before, after, facts = found
        out.append(Change(layer, str(record["id"]), str(record["name"]), _text(record.get("countries")), kind,
                          before, after, facts))
    return sorted(out, key=lambda c: (KINDS.index(c.kind), c.countries or "", c.name))


def find_changes(crossings: pd.DataFrame, pipelines: pd.DataFrame | None, start: dt.date,
                 end: dt.date) -> Changes:
    """Return what changed between ``start`` and ``end`` in the crossings and pipelines layers.

    Raises
    ------
    ValueError
        ``start`` is after ``end``.
    """
    if start > end:
        raise ValueError(f"the first date ({start}) is after the second ({end})")
    pipes = pipelines if pipelines is not None else pd.DataFrame(columns=["id", "name", "status_history"])
    return Changes(start, end, tuple(layer_changes(crossings, "crossings", start, end)),
                   tuple(layer_changes(pipes, "pipelines", start, end)), len(crossings), len(pipes))


def _state_text(state: State, day: dt.date, with_traffic: bool) -> str:
    if state.since is None:
        return f"{state.status} (no dated fact before {day})"
    traffic = f" [{', '.join(state.traffic)}]" if with_traffic and state.traffic else ""
    return f"{state.status}{traffic}"


def _fact_lines(facts: Iterable[Fact], with_traffic: bool) -> list[str]:
    lines = []
    for f in facts:
        traffic = f" [{', '.join(f.traffic)}]" if with_traffic and f.traffic else ""
        lines.append(f"    {f.date} {f.status}{traffic}: {f.note}")
        lines.append(f"      source: {f.source or 'none cited'}" + (f" ({f.published})" if f.published else ""))
        if f.evidence:
            lines.append(f"      quote: {f.evidence}")
    return lines


def _change_lines(change: Change, changes: Changes) -> list[str]:
    traffic = change.layer == "crossings" and change.traffic_changed
    where = f" [{change.countries}]" if change.countries else ""
    head = (f"  {change.name}{where}: {_state_text(change.before, changes.start, traffic)} → "
            f"{_state_text(change.after, changes.end, traffic)}")
    lines = [head]
    if change.before.since is not None:
        lines.append(f"    in force on {changes.start}: {change.before.status} since {change.before.since}"
                     f" (source: {change.before.source or 'none cited'})")
    return lines + _fact_lines(change.facts, traffic)


def format_changes(changes: Changes) -> str:
    """Return a human-readable report of the changes."""
    lines = [f"Changes between {changes.start} and {changes.end} "
             f"({changes.crossings_compared} crossings, {changes.pipelines_compared} pipelines compared)"]
    sections = (
        ("crossings", CHANGED, "Crossings whose status or traffic differs"),
        ("crossings", CHANGED_BACK, "Crossings that changed in between and changed back"),
        ("pipelines", CHANGED, "Pipeline stage changes"),
        ("pipelines", CHANGED_BACK, "Pipelines whose stage changed in between and changed back"),
    )
    for layer, kind, title in sections:
        items = changes.of_kind(kind, layer)
        if items:
            lines += ["", f"{title} ({len(items)}):"]
            for change in items:
                lines += _change_lines(change, changes)
    for layer in ("crossings", "pipelines"):
        first = changes.of_kind(FIRST, layer)
        if first:
            shown = "; ".join(f"{c.name} [{c.countries}] {c.after.status} (first fact {c.facts[0].date})"
                              if c.countries else f"{c.name} {c.after.status} (first fact {c.facts[0].date})"
                              for c in first)
            lines += ["", f"{layer.capitalize()} with no dated fact before {changes.start}, so no known change "
                          f"({len(first)}; facts in --json): {shown}"]
        confirmed = changes.of_kind(CONFIRMED, layer)
        if confirmed:
            shown = "; ".join(f"{c.name} ({c.after.status}, {', '.join(f.date for f in c.facts)})" for c in confirmed)
            lines += ["", f"Unchanged {layer}, confirmed by new facts ({len(confirmed)}): {shown}"]
    if not changes.crossings and not changes.pipelines:
        lines += ["", "No dated fact between these dates."]
    return "\n".join(lines)
