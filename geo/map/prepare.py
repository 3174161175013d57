"""Prepare overlays for display: read and date their layers, build their parts once per data version and band."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd

from geo.i18n import ENGLISH, Translator
from geo.map import document as doc
from geo.map import extras, legend
from geo.map.geometry import Band
from geo.map.registry import OVERLAYS
from geo.map.spec import OverlaySpec, View
from geo.map.text import as_list


@dataclass(frozen=True)
class Prepared:
    """An overlay ready to draw: its protocol group (None: nothing to draw) and the style keys it uses."""

    spec: OverlaySpec
    group: doc.Group | None
    used: frozenset[str]


def status_epoch(histories: Iterable[Any], day: dt.date) -> str:
    """Return the date of the latest status entry on or before ``day`` ("" when there is none).

    Two days with the same epoch show the same statuses, so a dated overlay is prepared once per epoch,
    not once per day.

    >>> status_epoch([[{"date": "2020-01-01"}, {"date": "2024-05-01"}]], dt.date(2023, 1, 1))
    '2020-01-01'
    """
    iso = day.isoformat()
    dates = [str(e.get("date")) for h in histories for e in as_list(h) if isinstance(e, Mapping) and e.get("date")]
    return max((d for d in dates if d <= iso), default="")


def prepare(spec: OverlaySpec, frames: Mapping[str, gpd.GeoDataFrame], band: Band, tr: Translator = ENGLISH
            ) -> Prepared:
    """Build an overlay from its (already dated) layers in a language; layers missing from ``frames`` are left out."""
    present = {k: v for k, v in frames.items() if k in spec.layers}
    parts = spec.build(present, band, tr) if present else ()
    return Prepared(spec, doc.overlay_group(spec, parts), frozenset(legend.used_keys(parts)))


def dated_frames(spec: OverlaySpec, read: Callable[[str], gpd.GeoDataFrame], day: dt.date
                 ) -> dict[str, gpd.GeoDataFrame]:
    """Return an overlay's layers, re-dated to ``day`` when the overlay is dated."""
    from geo.layers.store import redate

    frames = {layer: read(layer) for layer in spec.layers}
    return {k: redate(v, day) for k, v in frames.items()} if spec.dated else frames


def build_document(prepared: Sequence[Prepared], *, as_of: dt.date | None, view: View = doc.DEFAULT_VIEW,
                   basemap: str = doc.DEFAULT_BASEMAP, routes: Sequence[Mapping[str, Any]] = (),
                   track: tuple[str, Mapping[str, Any]] | None = None, height: int = 640, draw: bool = True,
                   changes: tuple[str, Mapping[str, Any]] | None = None,
                   found: tuple[str, float, float] | None = None, points: bool = False,
                   tr: Translator = ENGLISH) -> doc.Document:
    """Return the document of a map: overlays in registry order, then routes, the track and the legend.

    Parameters
    ----------
    prepared
        The shown overlays.
    routes
        Routes with a GeoJSON ``geometry`` (the second is a comparison; the first one's ``alternatives`` are drawn
        too).
    track
        An uploaded track's name and display collection.
    changes
        The legend label and rings (:func:`geo.map.extras.changes_display`) of crossings changed between two dates.
    points
        Offer the tool that places route ends (see :func:`geo.map.document.base_config`).
    tr
        The reader's language: the legend, the routes' tooltips and the map's own words (``base.text``). The
        overlays were prepared in it already.
    """
    order = {s.id: n for n, s in enumerate(OVERLAYS)}
    shown = sorted(prepared, key=lambda p: order.get(p.spec.id, len(order)))
    groups = [p.group for p in shown if p.group is not None]
    drawn = [r for r in routes if r.get("geometry")]
    extra = [doc.changes_group(changes[1]) if changes else None, doc.routes_group(drawn, tr) if drawn else None,
             doc.track_group(track[1]) if track else None, doc.found_group(*found) if found else None]
    groups += [g for g in extra if g is not None]
    track_name = track[0] if track and doc.track_group(track[1]) is not None else None
    markup = legend.legend_html((legend.section(p.spec, p.used, as_of, tr) for p in shown if p.group is not None),
                                routes=[str(r.get("as_of")) for r in drawn], track=track_name,
                                changed=changes[0] if changes and doc.changes_group(changes[1]) else None,
                                alternatives=len(extras.drawn_alternatives(drawn)), tr=tr)
    return doc.Document(doc.base_config(view, height=height, draw=draw, points=points, tr=tr),
                        doc.basemap_config(basemap, tr), groups, markup, as_of)
