"""What the map draws besides the overlays: routes, an uploaded track and the rings of changed crossings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from geo.i18n import ENGLISH, N_, Translator
from geo.map import text as t
from geo.map.geometry import BANDS, Collection, collection, display_geometry, feature, simplify_in_pieces, thin
from geo.map.spec import Part, Swatch
from geo.palette import CHANGED_RING

ROUTE = Swatch("route", N_("route"), {"color": "#1f4fd1", "weight": 6, "opacity": 0.85})
ROUTE2 = Swatch("route2", N_("comparison"), {"color": "#00a6a6", "weight": 4, "opacity": 0.9, "dashArray": "8 6"})
ROUTE_END = Swatch("end", "", {"radius": 7, "weight": 3, "color": ROUTE.style["color"], "fillColor": "#fff",
                               "fillOpacity": 1}, shape="none")
TRACK = Swatch("track", N_("Your track"), {"color": "#6a3d9a", "weight": 4, "opacity": 0.95, "fillColor": "#6a3d9a",
                                       "fillOpacity": 0.15, "smoothFactor": 0})
"""Uploaded tracks, like drawings, are purple. ``smoothFactor: 0`` turns off Leaflet's own Douglas–Peucker: the
track arrives lightened already (:func:`track_shape`), and Leaflet's recursive one overflowed the browser's stack
("Maximum call stack size exceeded") on a dense zigzag, so the track was not drawn at all."""
CHANGED = Swatch("changed", N_("changed"), {"radius": 13, "weight": 4, "color": CHANGED_RING, "opacity": 1,
                                       "fill": False}, shape="none")
"""A ring around each crossing whose status or traffic changed between two dates (drawn under its marker)."""
ALTERNATIVES = (
    Swatch("alt1", N_("alternative 1"), {"color": "#111111", "weight": 3, "opacity": 0.9, "dashArray": "12 8"}),
    Swatch("alt2", N_("alternative 2"), {"color": "#00bfff", "weight": 5, "opacity": 1, "dashArray": "1 8",
                                     "lineCap": "round"}),
    Swatch("alt3", N_("alternative 3"), {"color": "#d7301f", "weight": 3, "opacity": 0.9, "dashArray": "16 6 3 6"}),
)
"""Alternative routes (through other sets of border crossings): each a colour and a dash of its own, drawn thin
over the route, so a stretch they share shows the dashes inside the route's blue and a stretch of their own shows
the dashes alone."""
LOOKS = {"route": N_("blue, solid"), "route2": N_("teal, dashed"), "alt1": N_("black, long dashes"),
         "alt2": N_("sky blue, dotted"), "alt3": N_("red, dash-dot")}
"""How each route line looks, in words (tables that list the lines next to the map)."""
FOUND = Swatch("found", N_("search result"), {"radius": 9, "weight": 3, "color": "#d7301f", "fillColor": "#ffffff",
                                             "fillOpacity": 0.9}, shape="none")
"""The place or crossing a search found: a red ring labelled with its name."""
PALETTE = (ROUTE, ROUTE2, ROUTE_END, TRACK, CHANGED, FOUND, *ALTERNATIVES)
DETAIL = BANDS[1]
"""Routes and tracks are a few features: drawn at the middle band's detail at every zoom."""


def route_display(route: Mapping[str, Any], key: str = "route", tr: Translator = ENGLISH) -> Collection:
    """Return a route (its GeoJSON ``geometry`` and names) as the line and its two ends."""
    geometry = shapely.geometry.shape(route["geometry"]) if route.get("geometry") else None
    line = display_geometry(geometry, DETAIL.tolerance, decimals=DETAIL.decimals)
    name = f"{route.get('from_name') or route.get('from')} → {route.get('to_name') or route.get('to')}"
    title = next((tr.gettext(s.label).capitalize() for s in ALTERNATIVES if s.key == key), tr.gettext("Route"))
    hours = (" · " + tr.gettext("{h} h").format(h=tr.number(float(route["duration_h"]), 1))
             if t.is_number(route.get("duration_h")) else "")
    when = tr.gettext("on {date}").format(date=route.get("as_of"))
    tip = (f"<b>{t.text(title)}</b> {t.text(name)}<br>{t.text(t.km(route.get('distance_km'), tr))}{t.text(hours)} "
           f"{t.text(when)}")
    features = [feature(line, {"k": [key], "tip": tip})]
    if key == "route" and geometry is not None and geometry.geom_type == "LineString" and not geometry.is_empty:
        coords = list(geometry.coords)
        for point in (coords[0], coords[-1]):
            features.append(feature(shapely.Point(point[:2]), {"k": ["end"], "tip": tip}))
    return collection(features)


def drawn_alternatives(routes: Sequence[Mapping[str, Any]]) -> list[tuple[Swatch, Mapping[str, Any]]]:
    """Return the first route's alternatives that have a line, each with its swatch (at most three)."""
    alternatives = [a for a in (routes[0].get("alternatives") or []) if a.get("geometry")] if routes else []
    return list(zip(ALTERNATIVES, alternatives))


def route_parts(routes: Sequence[Mapping[str, Any]], tr: Translator = ENGLISH) -> tuple[Part, ...]:
    """Return the parts of one or two routes and the first one's alternatives.

    The second route (a comparison) is dashed and drawn below the first; the first route's ``alternatives`` (at
    most ``len(ALTERNATIVES)``) each get a swatch of :data:`ALTERNATIVES` and are drawn over it, the first on top.
    """
    parts = []
    for number, route in reversed(list(enumerate(routes))):
        if route.get("geometry"):
            parts.append(Part(route_display(route, "route" if number == 0 else "route2", tr), marker="end"))
    parts += [Part(route_display(alternative, swatch.key, tr))
              for swatch, alternative in reversed(drawn_alternatives(routes))]
    return tuple(parts)


TRACK_POINTS = 5_000
"""At most this many points of an uploaded track are sent to the map (the measure uses every one)."""


def track_shape(geometry: BaseGeometry, most: int = TRACK_POINTS) -> BaseGeometry | None:
    """Return a track lightened for the map: at most ``most`` points.

    Every k-th vertex first (:func:`~geo.map.geometry.thin`, linear) down to four times ``most``, then
    Douglas–Peucker at the map's detail in pieces (:func:`~geo.map.geometry.simplify_in_pieces`: GEOS's
    recursion crashed on long zigzags), without topology checks (a self-crossing track stays linear in time);
    thinned again if that still leaves more than ``most``.

    Examples
    --------
    >>> import numpy as np
    >>> zigzag = shapely.LineString(np.c_[np.arange(100_000) * 1e-4, np.arange(100_000) % 2 * 1e-3])
    >>> bool(shapely.get_num_coordinates(track_shape(zigzag, 1000)) <= 1000)
    True
    """
    if geometry.is_empty:
        return None
    simple = simplify_in_pieces(thin(geometry, 4 * most), DETAIL.tolerance)
    return display_geometry(thin(simple, most), DETAIL.tolerance, decimals=DETAIL.decimals)


def track_display(geometry: Mapping[str, Any] | BaseGeometry, name: str, measured: Mapping[str, Any],
                  tr: Translator = ENGLISH) -> Collection:
    """Return an uploaded track (GeoJSON geometry or shapely, WGS84), lightened by :func:`track_shape`, tooltipped."""
    shape = track_shape(geometry if isinstance(geometry, BaseGeometry) else shapely.geometry.shape(dict(geometry)))
    area: Any = measured.get("area_km2")
    length = t.km(measured.get("length_km"), tr)
    size = t.text(tr.gettext("{length} outline · {area} km²").format(length=length, area=tr.number(float(area), 1))
                  if t.is_number(area) else length)
    by_country = ", ".join(f"{k} {t.km(v, tr)}" for k, v in (measured.get("by_country_km") or {}).items())
    tip = ("<b>" + t.text(tr.gettext("Your track")) + f"</b> {t.text(name)}<br>{size}"
           + (f"<br>{t.text(by_country)}" if by_country else ""))
    return collection([feature(shape, {"k": ["track"], "tip": tip})])


def track_parts(display: Mapping[str, Any]) -> tuple[Part, ...]:
    """Return the part of an uploaded track (from :func:`track_display`), none when it is empty."""
    return (Part(dict(display)),) if display.get("features") else ()


def changes_display(changed: Sequence[tuple[Any, str, str, str]], tr: Translator = ENGLISH) -> Collection:
    """Return the rings of changed crossings.

    Parameters
    ----------
    changed
        ``(point, name, before, after)`` per crossing: a shapely point (None: not drawn) and the status text on
        the first and the second date.
    """
    return collection(feature(point if point is not None and not point.is_empty else None,
                              {"k": ["changed"], "tip": f"<b>{t.text(name)}</b><br>" + t.text(
                                  tr.gettext("changed: {before} → {after}").format(before=tr.word(before),
                                                                                   after=tr.word(after)))})
                      for point, name, before, after in changed)


def changes_parts(display: Mapping[str, Any]) -> tuple[Part, ...]:
    """Return the part of the changed crossings' rings (none when there are none)."""
    return (Part(dict(display), marker="end"),) if display.get("features") else ()


def found_parts(name: str, lat: float, lon: float) -> tuple[Part, ...]:
    """Return the part marking a search result: a ring at ``(lat, lon)`` labelled with ``name``.

    The label is written with ``textContent`` by ``map.js`` (``lbl``), so the name is passed unescaped.
    """
    point = shapely.Point(float(lon), float(lat))
    return (Part(collection([feature(point, {"k": ["found"], "lbl": str(name)})]), marker="found"),)
