"""The explicit list of overlays, in drawing order (bottom to top), beside the layer registry ``geo.layers.registry``.

Adding an overlay: write ``geo/map/overlays/<name>.py`` with a ``SPEC`` and add it to :data:`OVERLAYS`.
"""

from __future__ import annotations

from geo.errors import UsageError
from geo.map.overlays import countries, crossings, pipelines, places, roads
from geo.map.spec import OverlaySpec
from geo.vocab import shorten

OVERLAYS: tuple[OverlaySpec, ...] = (
    countries.SPEC,
    roads.SPEC,
    pipelines.SPEC,
    crossings.SPEC,
    places.SPEC,
)

IDS: tuple[str, ...] = tuple(s.id for s in OVERLAYS)
"""Overlay ids in drawing order."""
DEFAULT_OVERLAYS: frozenset[str] = frozenset(s.id for s in OVERLAYS if s.default)
DATED_LAYERS: frozenset[str] = frozenset(layer for s in OVERLAYS if s.dated for layer in s.layers)
"""Layers whose statuses depend on the as-of date."""


def get(overlay_id: str) -> OverlaySpec:
    """Return an overlay's spec.

    Raises
    ------
    UsageError
        The id is unknown; the message lists the valid ids.
    """
    for spec in OVERLAYS:
        if spec.id == overlay_id:
            return spec
    raise UsageError(f"unknown overlay {shorten(overlay_id, 40)!r}: choose one of {', '.join(IDS)}")
