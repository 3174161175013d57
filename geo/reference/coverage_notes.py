"""Stated reasons for reference roads the network lacks (``layers/src/roads/coverage_notes.csv``).

Each curated note names one missing stretch by a representative point on it and says why the network does not
carry it: a reason category and a free-text detail, with a source URL where one exists. A note matches the missing
stretch nearest its point, when that stretch passes within ``MATCH_KM`` of it; a note that matches nothing is
stale (the network now covers that road, or the point is wrong) and is reported as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.ops import nearest_points

from geo.layers.tables import Problems, check_unique, parse_choice, parse_lonlat, parse_slug, parse_urls, read_table
from geo.measure import distance_km
from geo.reference.coverage import Stretch

NOTE_COLUMNS = ("id", "name", "lon", "lat", "reason", "detail", "source")
REASONS: tuple[str, ...] = ("bypass", "parallel", "schematic", "outside-scope", "gap", "no-source", "new-road")
"""Why a missing stretch is not on the network.

``bypass``: a bypass or ring road of a network city; ``parallel``: runs beside a network road (another
carriageway or an alternative route between the same places); ``schematic``: the network carries the road as a
schematic segment that strays farther than the coverage buffer from it; ``outside-scope``: not a trunk route between
network places (e.g. toward a closed or unroutable border); ``gap``: a real road between network places that the
network should carry and does not yet (a known gap, to be added); ``no-source``: no source found for what the
road is; ``new-road``: built since the curated data.
"""
MATCH_KM = 3.0
"""A note's point must lie this close to the stretch it names."""


@dataclass(frozen=True)
class Note:
    """One stated reason for a missing stretch."""

    id: str
    name: str
    point: tuple[float, float]
    reason: str
    detail: str
    sources: tuple[str, ...]
    file: str
    line: int

    def to_dict(self) -> dict[str, object]:
        """Return the note for JSON (without its file position)."""
        return {"id": self.id, "name": self.name, "reason": self.reason, "detail": self.detail,
                "sources": list(self.sources)}


def load_notes(path: Path) -> list[Note]:
    """Read the coverage notes; raise :class:`~geo.errors.DataError` listing every problem (file:line).

    A missing file means no notes.
    """
    if not path.is_file():
        return []
    problems = Problems()
    rows = read_table(path, NOTE_COLUMNS)
    check_unique(rows, "id", problems)
    notes = []
    for row in rows:
        before = len(problems.items)
        slug = parse_slug(row, "id", problems)
        point = parse_lonlat(row, problems)
        reason = parse_choice(row, "reason", REASONS, problems)
        if not row["name"]:
            problems.add(row, "name: missing")
        if not row["detail"]:
            problems.add(row, "detail: missing (say why the network lacks this road)")
        sources = parse_urls(row, "source", problems, required=False)
        if len(problems.items) == before and slug and point and reason:
            notes.append(Note(slug, row["name"], point, reason, row["detail"], tuple(sources), row.file, row.line))
    problems.raise_if_any()
    return notes


def stretch_distance_km(stretch: Stretch, point: tuple[float, float]) -> float:
    """Return the geodesic distance from ``point`` to the nearest point of the stretch."""
    _, nearest = nearest_points(shapely.Point(point), stretch.geometry)
    return distance_km(point, (nearest.x, nearest.y))


@dataclass(frozen=True)
class Explained:
    """Missing stretches with the note that states each one's reason, and the notes that matched nothing."""

    notes: list[Note | None]
    """One per stretch, in the order given (``None``: no stated reason)."""
    stale: list[Note]

    def unexplained(self, stretches: Sequence[Stretch]) -> list[Stretch]:
        """Return the stretches without a stated reason."""
        return [s for s, n in zip(stretches, self.notes) if n is None]


def explain(stretches: Sequence[Stretch], notes: Sequence[Note], match_km: float = MATCH_KM) -> Explained:
    """Match each note to the nearest missing stretch within ``match_km`` of its point.

    A stretch named by several notes keeps the nearest one; the others are stale, like notes near no stretch.
    """
    chosen: dict[int, tuple[float, Note]] = {}
    stale = []
    for note in notes:
        distances = [stretch_distance_km(s, note.point) for s in stretches]
        best = min(range(len(distances)), key=distances.__getitem__) if distances else None
        if best is None or distances[best] > match_km:
            stale.append(note)
            continue
        if best in chosen and chosen[best][0] <= distances[best]:
            stale.append(note)
            continue
        if best in chosen:
            stale.append(chosen[best][1])
        chosen[best] = (distances[best], note)
    return Explained([chosen[i][1] if i in chosen else None for i in range(len(stretches))], stale)
