"""Read the curated CSV files strictly, keeping line numbers for error messages.

A curated file is UTF-8, comma-separated, with exactly the declared header. Each cell is parsed
by a small function named after what it parses; a bad cell becomes a :class:`~geo.errors.Problem`
with the file and line, so ``geo check`` can report every problem at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from geo.errors import DataError, Problem

ISO2 = re.compile(r"^[A-Z]{2}$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
URL = re.compile(r"^https?://[^\s<>\"']+\.[^\s<>\"']+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_FILE_BYTES = 20_000_000


@dataclass(frozen=True)
class Row:
    """One data row of a curated file."""

    file: str
    line: int
    values: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.values[key]


@dataclass
class Problems:
    """Collect problems while a file is parsed, then raise them together."""

    items: list[Problem] = field(default_factory=list)

    def add(self, row: Row | tuple[str, int], message: str) -> None:
        """Record a problem at a row (or at an explicit file and line)."""
        file, line = (row.file, row.line) if isinstance(row, Row) else row
        self.items.append(Problem(file, line, message))

    def extend(self, other: Problems) -> None:
        """Take over the problems of another collector."""
        self.items.extend(other.items)

    def raise_if_any(self) -> None:
        """Raise :class:`DataError` with every problem, if any was recorded."""
        if self.items:
            raise DataError(self.items)


def display_path(path: Path) -> str:
    """Return a short path for messages: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_table(path: Path, columns: Sequence[str]) -> list[Row]:
    """Read a curated CSV file whose header must be exactly ``columns``.

    Parameters
    ----------
    path
        The CSV file.
    columns
        The expected header, in order.

    Returns
    -------
    The data rows with their line numbers; blank lines are skipped.

    Raises
    ------
    DataError
        The file is missing, not UTF-8, truncated inside a quoted cell, has another header (a
        missing, extra or misnamed column, or another delimiter) or a row with another number of cells.
    """
    name = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError([Problem(name, 0, f"cannot read file: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise DataError([Problem(name, 0, f"file is larger than {MAX_FILE_BYTES} bytes")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError([Problem(name, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})")]) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataError([Problem(name, line, "NUL byte in text")])
    return list(_rows(name, text, columns))


def _rows(name: str, text: str, columns: Sequence[str]) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems = Problems()
    if text and not text.endswith("\n"):
        problems.add((name, text.count("\n") + 1), "file does not end with a newline: truncated file?")
    try:
        header = next(reader, None)
        if header is None:
            raise DataError([Problem(name, 1, "empty file: expected header " + ",".join(columns))])
        header = [h.strip() for h in header]
        if header != list(columns):
            raise DataError([Problem(name, 1, _header_problem(header, columns))])
        rows: list[Row] = []
        start = reader.line_num + 1
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not cells or all(not c.strip() for c in cells):
                continue
            if len(cells) != len(columns):
                problems.add((name, line), f"expected {len(columns)} cells, found {len(cells)}")
                continue
            rows.append(Row(name, line, {k: v.strip() for k, v in zip(columns, cells)}))
    except csv.Error as exc:
        raise DataError([Problem(name, reader.line_num, f"malformed CSV ({exc}); truncated file?")]) from None
    problems.raise_if_any()
    yield from rows


def _header_problem(header: list[str], columns: Sequence[str]) -> str:
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        return "wrong delimiter: expected comma-separated columns " + ",".join(columns)
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    parts = []
    if missing:
        parts.append("missing column " + ", ".join(missing))
    if extra:
        parts.append("unexpected column " + ", ".join(extra))
    if not parts:
        parts.append("columns out of order")
    return "; ".join(parts) + " (expected " + ",".join(columns) + ")"


# --- cell parsers: each returns the value or records a problem and returns None -------------


def parse_list(text: str) -> list[str]:
    """Split a ``|``-separated cell into stripped, non-empty items."""
    return [item.strip() for item in text.split("|") if item.strip()]


def parse_date(row: Row, key: str, problems: Problems, *, required: bool = True) -> dt.date | None:
    """Parse an ISO ``YYYY-MM-DD`` date that exists in the calendar."""
    text = row[key]
    if not text:
        if required:
            problems.add(row, f"{key}: missing date")
        return None
    if not DATE.match(text):
        problems.add(row, f"{key}: {text!r} is not an ISO date YYYY-MM-DD")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.add(row, f"{key}: {text!r} is not a real date")
        return None


def parse_urls(row: Row, key: str, problems: Problems, *, required: bool = True) -> list[str]:
    """Parse a ``|``-separated list of http(s) URLs."""
    urls = parse_list(row[key])
    if required and not urls:
        problems.add(row, f"{key}: missing source URL")
    for url in urls:
        if not URL.match(url):
            problems.add(row, f"{key}: {url!r} is not an http(s) URL")
    return [u for u in urls if URL.match(u)]


def parse_float(
    row: Row, key: str, problems: Problems, *, required: bool = True, low: float = -math.inf,
    high: float = math.inf,
) -> float | None:
    """Parse a finite number within ``[low, high]``."""
    text = row[key]
    if not text:
        if required:
            problems.add(row, f"{key}: missing number")
        return None
    try:
        value = float(text)
    except ValueError:
        problems.add(row, f"{key}: {text!r} is not a number")
        return None
    if not math.isfinite(value):
        problems.add(row, f"{key}: {text!r} is not a finite number")
        return None
    if not low <= value <= high:
        problems.add(row, f"{key}: {value:g} is out of range [{low:g}, {high:g}]")
        return None
    return value


def parse_lonlat(
    row: Row, problems: Problems, lon_key: str = "lon", lat_key: str = "lat"
) -> tuple[float, float] | None:
    """Parse a longitude/latitude pair in WGS84 degrees."""
    lon = parse_float(row, lon_key, problems, low=-180, high=180)
    lat = parse_float(row, lat_key, problems, low=-90, high=90)
    if lon is None or lat is None:
        return None
    return lon, lat


def parse_choice(
    row: Row, key: str, choices: Sequence[str], problems: Problems, *, required: bool = True
) -> str | None:
    """Parse one value from a closed vocabulary."""
    text = row[key]
    if not text:
        if required:
            problems.add(row, f"{key}: missing value (one of {', '.join(choices)})")
        return None
    if text not in choices:
        problems.add(row, f"{key}: {text!r} is not one of {', '.join(choices)}")
        return None
    return text


def parse_choices(
    row: Row, key: str, choices: Sequence[str], problems: Problems, *, required: bool = True
) -> list[str]:
    """Parse a ``|``-separated list of values from a closed vocabulary."""
    items = parse_list(row[key])
    if required and not items:
        problems.add(row, f"{key}: missing value (any of {', '.join(choices)})")
    bad = [i for i in items if i not in choices]
    for item in bad:
        problems.add(row, f"{key}: {item!r} is not one of {', '.join(choices)}")
    return [i for i in items if i in choices]


def parse_slug(row: Row, key: str, problems: Problems) -> str | None:
    """Parse an id: a lowercase ASCII slug."""
    text = row[key]
    if not SLUG.match(text):
        problems.add(row, f"{key}: {text!r} is not a lowercase slug like 'kyzyl-bel'")
        return None
    return text


def check_unique(rows: Sequence[Row], key: str, problems: Problems) -> None:
    """Record a problem for every repeated value of ``key``."""
    seen: dict[str, int] = {}
    for row in rows:
        value = row[key]
        if value in seen:
            problems.add(row, f"duplicate {key} {value!r} (first at line {seen[value]})")
        else:
            seen[value] = row.line


# --- evidence: the rules every dated fact of a status history follows ---------------------------------------

EVIDENCE_COLUMNS = ("published", "evidence", "kind")
"""The columns a dated fact carries after its source: the source's publication date, a quote from it, its kind."""
PLANNED = "planned"
"""The ``kind`` of an announced future event: shown, never in force."""
KINDS = (PLANNED,)
EVIDENCE_SINCE = dt.date(2018, 1, 1)
"""Facts dated on or after this day need ``published`` and ``evidence``."""
MAX_EVIDENCE_CHARS = 300
MAX_PUBLICATION_LAG_DAYS = 180
"""A fact dated longer than this before its source's publication needs a quote that names its date."""
_NUMERIC_DATES = ("{d}.{m}.{yy}", "{d}/{m}/{yy}", "{m}/{d}/{yy}", "{d}-{m}-{yy}")


@dataclass(frozen=True)
class Evidence:
    """What a dated fact rests on: the source's publication date, a verbatim quote, and the fact's kind."""

    published: dt.date | None
    quote: str
    kind: str | None
    """None for a fact, :data:`PLANNED` for an announced future event."""

    def entry(self) -> dict[str, str | None]:
        """Return the keys a status history entry carries for this evidence."""
        return {"published": self.published.isoformat() if self.published else None, "evidence": self.quote or None,
                "kind": self.kind}


def names_date(quote: str, day: dt.date) -> bool:
    """Return whether a quote names a day: its year as digits, or the day in a common numeric form.

    Examples
    --------
    >>> names_date("closed since January 2020", dt.date(2020, 1, 31))
    True
    >>> names_date("закрыт с 07.01.22", dt.date(2022, 1, 7)), names_date("7/1/22", dt.date(2022, 1, 7))
    (True, True)
    >>> names_date("closed since 12020", dt.date(2020, 1, 31)), names_date("the post works", dt.date(2020, 1, 31))
    (False, False)
    """
    if re.search(rf"(?<!\d){day.year}(?!\d)", quote):
        return True
    forms = {f.format(d=d, m=m, yy=f"{day.year % 100:02d}") for f in _NUMERIC_DATES
             for d in (str(day.day), f"{day.day:02d}") for m in (str(day.month), f"{day.month:02d}")}
    return any(re.search(rf"(?<![\d.\-/]){re.escape(form)}(?![\d])", quote) for form in forms)


def parse_evidence(row: Row, day: dt.date | None, problems: Problems) -> Evidence:
    """Parse ``published``, ``evidence`` and ``kind`` and apply the rules of a dated fact.

    A fact dated on or after :data:`EVIDENCE_SINCE` needs both ``published`` and ``evidence``; a fact may not be
    dated after its source was published unless it is ``planned``; a fact dated more than
    :data:`MAX_PUBLICATION_LAG_DAYS` before its publication needs a quote that names the date (:func:`names_date`);
    a quote is at most :data:`MAX_EVIDENCE_CHARS` characters.
    """
    published = parse_date(row, "published", problems, required=False)
    quote = row["evidence"]
    kind = parse_choice(row, "kind", KINDS, problems, required=False)
    if len(quote) > MAX_EVIDENCE_CHARS:
        problems.add(row, f"evidence: {len(quote)} characters (at most {MAX_EVIDENCE_CHARS}: quote only what "
                          "states the fact)")
    if day is None:
        return Evidence(published, quote, kind)
    if day >= EVIDENCE_SINCE and (not row["published"] or not quote):
        missing = " and ".join(k for k in ("published", "evidence") if not row[k])
        problems.add(row, f"{missing}: missing (every fact dated {EVIDENCE_SINCE} or later needs the source's "
                          "publication date and a quote)")
    if published is not None and day > published and kind != PLANNED:
        problems.add(row, f"date: {day} is after its source's publication ({published}); an announced future "
                          f"event is kind {PLANNED!r}")
    if published is not None and (published - day).days > MAX_PUBLICATION_LAG_DAYS and not names_date(quote, day):
        problems.add(row, f"date: {day} is {(published - day).days} days before its source's publication "
                          f"({published}) and the evidence does not name that date")
    return Evidence(published, quote, kind)
