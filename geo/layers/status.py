"""Dated status histories: the status of a feature on any day.

A history is a list of entries (dicts) with an ISO ``date`` and a ``status``. An entry of ``kind`` ``planned``
is an announced future event: shown with the history, never in force. A pipeline's entries may name a country
``section``; the whole line's status reads only the entries without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

UNKNOWN = "unknown"
PLANNED = "planned"


def is_planned(entry: Mapping[str, Any]) -> bool:
    """Return whether an entry is an announced future event (``kind`` ``planned``), not a fact.

    >>> is_planned({"kind": "planned"}), is_planned({"kind": None}), is_planned({})
    (True, False, False)
    """
    return entry.get("kind") == PLANNED


def facts(history: Sequence[Mapping[str, Any]] | None, section: str | None = None) -> list[dict[str, Any]]:
    """Return the entries in force on their dates: planned ones left out; those of the section (or whole line).

    Parameters
    ----------
    history
        Entries in date order.
    section
        None: the entries without a ``section`` (a crossing's every fact, a pipeline's whole line); a country
        code: those of the whole line and of that section.

    Examples
    --------
    >>> h = [{"date": "2020-01-01", "status": "open"}, {"date": "2026-07-31", "status": "open", "kind": "planned"},
    ...      {"date": "2021-01-01", "status": "stalled", "section": "TJ"}]
    >>> [e["date"] for e in facts(h)], [e["date"] for e in facts(h, "TJ")]
    (['2020-01-01'], ['2020-01-01', '2021-01-01'])
    """
    return [dict(e) for e in history or [] if not is_planned(e) and e.get("section") in (None, "", section)]


def status_on(history: Sequence[Mapping[str, Any]], day: dt.date, section: str | None = None) -> dict[str, Any]:
    """Return the history entry in force on ``day``.

    Parameters
    ----------
    history
        Entries with an ISO ``date`` and a ``status``, in date order.
    day
        The day asked about.
    section
        A pipeline's country section (see :func:`facts`); None for the whole line or a crossing.

    Returns
    -------
    The latest fact dated on or before ``day`` (planned entries never count); before the first fact, an
    ``unknown`` entry with ``date`` None.

    Examples
    --------
    >>> h = [{"date": "2021-05-21", "status": "closed"}, {"date": "2025-03-13", "status": "open"}]
    >>> status_on(h, dt.date(2023, 6, 1))["status"], status_on(h, dt.date(2025, 8, 1))["status"]
    ('closed', 'open')
    >>> status_on(h, dt.date(2020, 1, 1))["status"]
    'unknown'
    >>> status_on(h + [{"date": "2025-06-01", "status": "closed", "kind": "planned"}], dt.date(2025, 8, 1))["status"]
    'open'
    """
    return latest(facts(history, section), day)


def latest(entries: Sequence[Mapping[str, Any]], day: dt.date) -> dict[str, Any]:
    """Return a copy of the fact in force on ``day`` among facts already chosen (:func:`facts`), in date order.

    :func:`status_on` in two steps, for a caller that asks about many days of the same history (the route
    engine keeps each crossing's facts and asks for every scenario's date).

    >>> latest([{"date": "2021-05-21", "status": "closed"}], dt.date(2020, 1, 1))["status"]
    'unknown'
    """
    current: Mapping[str, Any] = {"date": None, "status": UNKNOWN, "note": "no dated status before this day",
                                  "source": None}
    key = day.isoformat()
    for entry in entries:
        if str(entry["date"]) <= key:
            current = entry
        else:
            break
    return dict(current)


def sections(history: Sequence[Mapping[str, Any]] | None) -> list[str]:
    """Return the country sections a history names, in order of first mention."""
    return list(dict.fromkeys(str(e["section"]) for e in history or [] if e.get("section")))


def section_status(history: Sequence[Mapping[str, Any]] | None, day: dt.date) -> dict[str, dict[str, Any]]:
    """Return each section's status on ``day``: ``{code: {"status", "date"}}`` (empty without sections)."""
    out = {}
    for code in sections(history):
        entry = status_on(history or [], day, code)
        out[code] = {"status": entry["status"], "date": entry["date"]}
    return out


def last_verified(history: Sequence[Mapping[str, Any]]) -> str | None:
    """Return the date of the most recent fact (when the status was last confirmed by a source)."""
    return max((str(e["date"]) for e in history if not is_planned(e)), default=None)
