"""Travel documents: which document a citizen needs to enter a country on a date, dated and cited.

Stages: :func:`load` (``entry_rules.csv`` → :class:`EntryRules`, every problem located by file and line) and
:meth:`EntryRules.on` (the rule in force on a day: the latest row dated on or before it; before the first row
there is none, and the document is ``unknown``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo import vocab
from geo.layers.tables import Problems, Row, parse_choice, parse_date, parse_float, parse_urls, read_table

FILE = "entry_rules.csv"
COLUMNS = ("citizen", "destination", "date", "document", "days", "note", "source", "published", "evidence")
DOCUMENTS = vocab.DOCUMENTS
UNKNOWN = "unknown"
"""The document on a day no dated rule covers."""
MAX_EVIDENCE = 300
"""Longest quote a row may hold (characters)."""
MAX_DAYS = 3650


@dataclass(frozen=True)
class EntryRule:
    """One dated fact: from ``date``, a ``citizen`` of one country needs ``document`` to enter ``destination``.

    ``days`` is the longest stay the source gives (None when it gives none); ``evidence`` quotes the source
    (published on ``published``) in its own language.
    """

    citizen: str
    destination: str
    date: dt.date
    document: str
    days: int | None
    note: str
    source: str
    published: dt.date
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data (dates as ISO strings)."""
        return {"citizen": self.citizen, "destination": self.destination, "date": self.date.isoformat(),
                "document": self.document, "days": self.days, "note": self.note, "source": self.source,
                "published": self.published.isoformat(), "evidence": self.evidence}


class EntryRules:
    """Every entry rule, by citizen and destination, each pair's rules in date order.

    Parameters
    ----------
    rules
        The rules (any order).
    """

    def __init__(self, rules: tuple[EntryRule, ...] | list[EntryRule] = ()) -> None:
        grouped: dict[tuple[str, str], list[EntryRule]] = defaultdict(list)
        for rule in rules:
            grouped[(rule.citizen, rule.destination)].append(rule)
        self._pairs = {pair: tuple(sorted(items, key=lambda r: r.date)) for pair, items in grouped.items()}
        self.rules: tuple[EntryRule, ...] = tuple(r for pair in sorted(self._pairs) for r in self._pairs[pair])

    def __len__(self) -> int:
        return len(self.rules)

    def history(self, citizen: str, destination: str) -> tuple[EntryRule, ...]:
        """Return a pair's rules in date order (empty when no source was found)."""
        return self._pairs.get((citizen, destination), ())

    def on(self, citizen: str, destination: str, day: dt.date) -> EntryRule | None:
        """Return the rule in force on ``day``: the latest dated on or before it, else None (unknown).

        Examples
        --------
        >>> def rule(day, document):
        ...     return EntryRule("KG", "UZ", dt.date.fromisoformat(day), document, None, "", "https://e.org",
        ...                      dt.date(2024, 1, 1), "quote")
        >>> rules = EntryRules([rule("2023-08-25", "id-card"), rule("2018-02-04", "passport")])
        >>> [rules.document("KG", "UZ", dt.date(y, 1, 1)) for y in (2017, 2023, 2024)]
        ['unknown', 'passport', 'id-card']
        >>> rules.on("UZ", "KG", dt.date(2024, 1, 1)) is None
        True
        """
        current = None
        for rule in self.history(citizen, destination):
            if rule.date > day:
                break
            current = rule
        return current

    def document(self, citizen: str, destination: str, day: dt.date) -> str:
        """Return the document a citizen needs to enter a country on ``day`` (``unknown`` without a rule)."""
        rule = self.on(citizen, destination, day)
        return rule.document if rule is not None else UNKNOWN


def load(path: Path) -> EntryRules:
    """Read ``entry_rules.csv``.

    Every row needs a known citizen and destination (two different countries on the map), a real ``date``, a
    ``document`` of :data:`DOCUMENTS`, ``days`` empty or a whole number, one ``source`` URL, the source's
    ``published`` date (not before ``date``) and an ``evidence`` quote of at most :data:`MAX_EVIDENCE`
    characters; the rows of one citizen and destination are in date order, one per day.

    Raises
    ------
    DataError
        Listing every problem found, with file and line.
    """
    problems = Problems()
    parsed = [found for row in read_table(path, COLUMNS) if (found := _rule(row, problems)) is not None]
    last: dict[tuple[str, str], EntryRule] = {}
    for rule, row in parsed:
        pair = (rule.citizen, rule.destination)
        before = last.get(pair)
        if before is not None and rule.date <= before.date:
            what = "a second rule on" if rule.date == before.date else "out of date order:"
            problems.add(row, f"rules of {rule.citizen} citizens entering {rule.destination}: {what} {rule.date} "
                              f"(after {before.date})")
        last[pair] = rule if before is None or rule.date > before.date else before
    problems.raise_if_any()
    return EntryRules([rule for rule, _ in parsed])


def load_optional(path: Path) -> EntryRules:
    """Read ``entry_rules.csv`` where it exists; without the file no rule is known (every document ``unknown``).

    Raises
    ------
    DataError
        The file exists and has problems.
    """
    return load(path) if path.is_file() else EntryRules()


def _rule(row: Row, problems: Problems) -> tuple[EntryRule, Row] | None:
    before = len(problems.items)
    codes = tuple(sorted(vocab.BY_ISO2))
    citizen = parse_choice(row, "citizen", codes, problems)
    destination = parse_choice(row, "destination", codes, problems)
    if citizen is not None and citizen == destination:
        problems.add(row, f"destination: {destination} is the citizen's own country")
    day = parse_date(row, "date", problems)
    document = parse_choice(row, "document", DOCUMENTS, problems)
    days = parse_float(row, "days", problems, required=False, low=1, high=MAX_DAYS)
    if days is not None and not days.is_integer():
        problems.add(row, f"days: {row['days']!r} is not a whole number of days")
    urls = parse_urls(row, "source", problems)
    if len(urls) > 1:
        problems.add(row, "source: give one URL, the page the evidence quotes")
    published = parse_date(row, "published", problems)
    if day is not None and published is not None and day > published:
        problems.add(row, f"date: {day} is after its source's publication ({published}): a source cannot "
                          "report a later day")
    evidence = row["evidence"]
    if not evidence:
        problems.add(row, "evidence: missing (quote the source's words that state the rule)")
    elif len(evidence) > MAX_EVIDENCE:
        problems.add(row, f"evidence: {len(evidence)} characters, at most {MAX_EVIDENCE} (quote the sentence that "
                          "states the rule)")
    if (len(problems.items) > before or citizen is None or destination is None or day is None or document is None
            or published is None or not urls):
        return None
    return EntryRule(citizen, destination, day, document, None if days is None else int(days), row["note"], urls[0],
                     published, evidence), row
