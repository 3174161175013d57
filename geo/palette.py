"""The one colour-blind-safe palette of crossing statuses: the map, its legend and the report figures use it.

Colours are from Okabe & Ito (2008), which readers with any common colour-vision deficiency can tell apart;
each status also has its own figure marker shape and its own glyph on the map, so colour never carries the
meaning alone. The ring that marks a crossing changed between two dates comes from the same palette.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusStyle:
    """How one crossing status is drawn: colour, figure marker and map glyph, so that no channel stands alone.

    Attributes
    ----------
    colour
        Fill colour (hex).
    marker
        matplotlib marker of the report figures (circle, diamond, cross, square).
    size
        Figure marker area (points²).
    glyph
        The character drawn inside the map's marker and its legend swatch.
    """

    colour: str
    marker: str
    size: float
    glyph: str


STATUS_STYLES: dict[str, StatusStyle] = {
    "open": StatusStyle("#009E73", "o", 34, "✓"),
    "restricted": StatusStyle("#E69F00", "D", 30, "!"),
    "closed": StatusStyle("#D55E00", "X", 52, "✕"),
    "unknown": StatusStyle("#999999", "s", 26, "?"),
}
"""Crossing status → style, for every status of :data:`geo.vocab.STATUSES`."""
CHANGED_RING = "#0072B2"
"""Okabe–Ito blue: the halo around crossings whose status or traffic changed between two dates."""
