"""The explicit list of layers. Nothing registers itself by being imported."""

from __future__ import annotations

from geo.errors import UsageError
from geo.layers import borders, crossings, pipelines, roads
from geo.layers.spec import LayerSpec
from geo.vocab import shorten

LAYERS: tuple[LayerSpec, ...] = (
    borders.SPEC,
    borders.BOUNDARIES_SPEC,
    roads.SPEC,
    roads.PLACES_SPEC,
    pipelines.SPEC,
    crossings.SPEC,
)


def ids() -> list[str]:
    """Return the ids of every layer, in display order."""
    return [spec.id for spec in LAYERS]


def get(layer_id: str) -> LayerSpec:
    """Return a layer's spec.

    Raises
    ------
    UsageError
        The id is unknown; the message lists the valid ids.
    """
    for spec in LAYERS:
        if spec.id == layer_id:
            return spec
    raise UsageError(f"unknown layer {shorten(layer_id, 40)!r}: choose one of {', '.join(ids())}")
