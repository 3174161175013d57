"""Dated status histories: the status of a feature on any day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

UNKNOWN = "unknown"


def status_on(history: Sequence[dict[str, Any]], day: dt.date) -> dict[str, Any]:
    """Return the history entry in force on ``day``.

    Parameters
    ----------
    history
        Entries with an ISO ``date`` and a ``status``, in date order.
    day
        The day asked about.

    Returns
    -------
    The latest entry dated on or before ``day``; before the first entry, an ``unknown`` entry
    with ``date`` None.

    Examples
    --------
    >>> h = [{"date": "2021-05-21", "status": "closed"}, {"date": "2025-03-13", "status": "open"}]
    >>> status_on(h, dt.date(2023, 6, 1))["status"], status_on(h, dt.date(2025, 8, 1))["status"]
    ('closed', 'open')
    >>> status_on(h, dt.date(2020, 1, 1))["status"]
    'unknown'
    """
    current: dict[str, Any] = {"date": None, "status": UNKNOWN, "note": "no dated status before this day",
                               "source": None}
    key = day.isoformat()
    for entry in history:
        if str(entry["date"]) <= key:
            current = dict(entry)
        else:
            break
    return current


def last_verified(history: Sequence[dict[str, Any]]) -> str | None:
    """Return the date of the most recent entry (when the status was last confirmed by a source)."""
    return max((str(e["date"]) for e in history), default=None)
