"""Road speeds by country, terrain and traffic, for travel times on the road network.

Stages: :func:`load` (``road_speeds.csv`` → :class:`SpeedTable`, every problem located by file and
line, every routable country × terrain × traffic present) and :func:`terrain_of` (which terrain a
segment is, from its cited features and the places it joins).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from geo import vocab
from geo.layers.tables import Problems, Row, parse_choice, parse_float, parse_urls, read_table

COLUMNS = ("country", "terrain", "traffic", "kmh", "source", "note")
TERRAINS: tuple[str, ...] = ("trunk", "mountain", "unpaved")
"""Road terrain classes: a trunk road in the plains, a mountain road (passes, tunnels, gorges), an unpaved road."""
DEFAULT = "default"
MOUNTAIN_WORDS = ("pass", "tunnel", "gorge", "avalanche")
UNPAVED_WORDS = ("unpaved", "gravel")


@dataclass(frozen=True)
class Speed:
    """One speed fact: km/h with its source URL, or ``default`` with the note saying how it was derived."""

    kmh: float
    source: str
    note: str

    @property
    def is_default(self) -> bool:
        """Return whether the speed is a documented default rather than a cited figure."""
        return self.source == DEFAULT


@dataclass(frozen=True)
class SpeedTable:
    """Speeds keyed by ``(country, terrain, traffic)``."""

    speeds: dict[tuple[str, str, str], Speed]

    def kmh(self, country: str, terrain: str, traffic: str) -> float:
        """Return the speed for a segment.

        Raises
        ------
        KeyError
            No speed for that country, terrain and traffic.
        """
        return self.speeds[(country, terrain, traffic)].kmh


def load(source: Path) -> SpeedTable:
    """Read ``road_speeds.csv`` from the folder of curated files.

    Raises
    ------
    DataError
        Listing every problem found, with file and line (bad cells, duplicates, and any routable
        country, terrain and traffic without a speed).
    """
    problems = Problems()
    rows = read_table(source / "road_speeds.csv", COLUMNS)
    speeds: dict[tuple[str, str, str], Speed] = {}
    for row in rows:
        parsed = _speed(row, problems)
        if parsed is None:
            continue
        key, speed = parsed
        if key in speeds:
            problems.add(row, f"duplicate speed for {' '.join(key)}")
            continue
        speeds[key] = speed
    where = (rows[-1].file, rows[-1].line) if rows else (str(source / "road_speeds.csv"), 1)
    for country in vocab.ROUTABLE:
        for terrain in TERRAINS:
            for traffic in vocab.TRAFFIC:
                if (country, terrain, traffic) not in speeds:
                    problems.add(where, f"no speed for {country} {terrain} {traffic} (cite one or add a default)")
    problems.raise_if_any()
    return SpeedTable(speeds)


def _speed(row: Row, problems: Problems) -> tuple[tuple[str, str, str], Speed] | None:
    country = parse_choice(row, "country", vocab.ROUTABLE, problems)
    terrain = parse_choice(row, "terrain", TERRAINS, problems)
    traffic = parse_choice(row, "traffic", vocab.TRAFFIC, problems)
    kmh = parse_float(row, "kmh", problems, low=1.0, high=130.0)
    if row["source"] == DEFAULT:
        source = DEFAULT
        if not row["note"]:
            problems.add(row, "note: a default speed must say how it was derived")
    else:
        urls = parse_urls(row, "source", problems)
        source = urls[0] if urls else ""
    if country is None or terrain is None or traffic is None or kmh is None or not source:
        return None
    return (country, terrain, traffic), Speed(kmh, source, row["note"])


def terrain_of(features: Iterable[str], joins_pass: bool) -> str:
    """Return a segment's terrain class from its cited features and whether it ends at a pass.

    >>> terrain_of(["Khaburabot (Sagirdasht) pass 3,252 m; unpaved; seasonal"], False)
    'unpaved'
    >>> terrain_of(["Taldyk pass 3615 m"], False), terrain_of([], True), terrain_of(["4-lane"], False)
    ('mountain', 'mountain', 'trunk')
    """
    text = " ".join(features).lower()
    if any(word in text for word in UNPAVED_WORDS):
        return "unpaved"
    if joins_pass or any(word in text for word in MOUNTAIN_WORDS):
        return "mountain"
    return "trunk"
