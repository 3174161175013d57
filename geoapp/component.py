"""The map component: a declared Streamlit component whose static frontend is ``geo/map/assets``.

Protocol (Streamlit components v1, spoken by the script in ``assets/index.html``):

- arguments: a :class:`geo.map.Document` (``base``, ``basemap``, ``groups``, ``legend``). The browser builds
  its Leaflet map once, then on each rerun changes only the basemap, the groups whose ``key`` changed and the
  legend, and moves the map only when ``base.view`` changes (a preset, an uploaded track).
- overlay groups are not sent with the arguments: each is written once (per content, so per data version, band
  and status epoch) as ``g/<key>.json.gz`` into the component's served folder, and the group carries
  ``{"id", "key", "src", "raw"}`` instead of ``json``; the browser fetches it (``raw``, the same JSON
  uncompressed, for browsers without ``DecompressionStream``). So a new visitor costs the server a few file
  reads instead of encoding and compressing a megabyte on the websocket, and the browser parses the document
  in the map's frame instead of Streamlit's page. Routes, tracks and rings (per session, small) stay inline.
- value: ``{"drawings": [GeoJSON Feature, …], "band": zoom band}``, sent when a drawing is finished or
  deleted and when the zoom crosses into another band (panning and clicking never rerun the app).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit.components.v1 as components

from geo.map.document import ASSETS, Document
from geoapp.frontend import SERVED, publish

KEY = "map"
"""The component's widget key: its identity (and so the browser's map) survives every rerun."""

_map = components.declare_component("geo_map", path=str(SERVED or ASSETS))
"""Declared when this module is first imported, which must be inside a script run (Streamlit registers the
component with its runtime only there): so :mod:`geoapp.data` uses :mod:`geoapp.frontend`, never this module."""


@dataclass(frozen=True)
class MapValue:
    """What the map reports: finished drawings (GeoJSON Features) and its zoom band (None: not reported yet)."""

    drawings: tuple[Mapping[str, Any], ...] = field(default=())
    band: int | None = None


def parse_value(value: Any) -> MapValue:
    """Return the component's value as a :class:`MapValue`, ignoring anything malformed.

    >>> parse_value({"drawings": [{"type": "Feature"}, 3], "band": 1})
    MapValue(drawings=({'type': 'Feature'},), band=1)
    >>> parse_value("junk")
    MapValue(drawings=(), band=None)
    """
    if not isinstance(value, Mapping):
        return MapValue()
    drawings = value.get("drawings")
    band = value.get("band")
    return MapValue(
        tuple(d for d in drawings if isinstance(d, Mapping)) if isinstance(drawings, list) else (),
        band if isinstance(band, int) and not isinstance(band, bool) and 0 <= band < 10 else None,
    )


def show(document: Document, *, on_change: Callable[[], None] | None = None) -> MapValue:
    """Draw the map document and return what the map reports."""
    args = document.args()
    args["groups"] = [publish(g) for g in args["groups"]]
    value = _map(**args, key=KEY, default=None, on_change=on_change)
    return parse_value(value)


def current_value(session: Mapping[str, Any]) -> MapValue:
    """Return the map's last reported value from the session (before the map is drawn in this run)."""
    return parse_value(session.get(KEY))
