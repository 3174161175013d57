"""The map document: what ``assets/map.js`` draws, as JSON-ready data (the map component's protocol).

A document has a ``base`` (view, controls, attribution, CSS: the map itself, built once per browser page),
a ``basemap`` (tiles or none), ``groups`` (one per overlay, route or track: ``{"id", "key", "json"}`` with the
group's JSON text prepared once per data version and band) and the ``legend`` markup. The app's component
and the standalone page (:func:`page_html`) draw the same document with the same JavaScript.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from geo.i18n import ENGLISH, N_, Translator
from geo.layers import registry as layer_registry
from geo.layers.spec import OSM_COPYRIGHT_URL
from geo.map import extras
from geo.map.geometry import BANDS
from geo.map.registry import OVERLAYS
from geo.map.spec import Basemap, OverlaySpec, Part, View
from geo.map.text import text

DEFAULT_VIEW = View(41.0, 66.5, 5)
"""Fits Kazakhstan to Turkmenistan and the Fergana Valley on a laptop screen."""
MIN_ZOOM, MAX_ZOOM = 3, 19
"""The map's zoom range, whatever the basemap (the basemap is a layer: changing it keeps the map)."""
LEGEND_WIDE_PX = 1600
"""The legend starts open in windows at least this wide, folded in narrower ones (it would cover the map's middle)."""

OSM_ATTRIBUTION_HTML = (f'&copy; <a href="{OSM_COPYRIGHT_URL}" target="_blank" rel="noopener">OpenStreetMap</a> '
                        "contributors")
HOLDER_LINKS = {"OpenStreetMap contributors": OSM_ATTRIBUTION_HTML}
"""Attribution holders shown as a link rather than as plain text."""

BASEMAPS: dict[str, Basemap] = {
    "osm": Basemap(N_("OpenStreetMap"), "https://tile.openstreetmap.org/{z}/{x}/{y}.png", OSM_ATTRIBUTION_HTML, 19),
    "light": Basemap(
        N_("Light (CARTO Positron)"),
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://carto.com/attributions" target="_blank" rel="noopener">CARTO</a>',
        20,
    ),
    "none": Basemap(N_("None (vector layers only, works offline)"), None, ""),
}
DEFAULT_BASEMAP = "osm"
ASSETS = resources.files("geo.map") / "assets"
"""The map's static files: ``map.js``, ``map.css``, the component's ``index.html`` and the vendored Leaflet."""

Group = dict[str, str]
"""A drawn group as the protocol carries it: ``id``, ``key`` (changes with the content) and ``json``."""


def asset_text(name: str) -> str:
    """Return the text of one of the map's asset files."""
    return (ASSETS / name).read_text(encoding="utf-8")


def holders(attribution: str) -> list[str]:
    """Return the ``©`` holders named in a layer attribution, in order.

    >>> holders("© OpenStreetMap contributors (via geo-maps); © GeoNames (CC BY 4.0) town positions")
    ['OpenStreetMap contributors', 'GeoNames']
    """
    return [m.strip() for m in re.findall(r"©\s*([^;(©]+?)(?=\s*(?:\(|;|©|$))", attribution)]


def osm_attribution(tr: Translator = ENGLISH) -> str:
    """Return "© OpenStreetMap contributors" with its link, in a language ("© участники OpenStreetMap")."""
    if tr.lang == ENGLISH.lang:
        return OSM_ATTRIBUTION_HTML
    link = f'<a href="{OSM_COPYRIGHT_URL}" target="_blank" rel="noopener">OpenStreetMap</a>'
    return "&copy; " + text(tr.gettext("{OpenStreetMap} contributors")).replace("{OpenStreetMap}", link)


def attribution_html(layer_ids: Iterable[str], tr: Translator = ENGLISH) -> list[str]:
    """Return the map attribution of some layers (from their specs; OpenStreetMap always first)."""
    names = ["OpenStreetMap contributors"]
    for layer_id in layer_ids:
        names.extend(holders(layer_registry.get(layer_id).attribution))
    links = {**HOLDER_LINKS, "OpenStreetMap contributors": osm_attribution(tr)}
    return [links.get(n) or f"&copy; {text(n)}" for n in dict.fromkeys(names)]


def css() -> str:
    """Return the map's CSS: ``assets/map.css`` and the marker classes generated from the palettes."""
    return asset_text("map.css") + "".join(spec.css() for spec in OVERLAYS)


MAP_TEXT = {"history": N_("Status history"), "legend": N_("Legend"), "legendHide": N_("Hide the legend"),
            "legendShow": N_("Show the legend"), "fullscreen": N_("Full screen"),
            "fullscreenExit": N_("Exit full screen"), "km": N_("km"), "m": N_("m"), "mi": N_("mi"), "ft": N_("ft")}
"""The words ``map.js`` writes itself (``base.text``): it has no English of its own."""
DRAW_TEXT: dict[str, Any] = {
    "draw": {"toolbar": {"actions": {"title": N_("Cancel drawing"), "text": N_("Cancel")},
                         "finish": {"title": N_("Finish drawing"), "text": N_("Finish")},
                         "undo": {"title": N_("Delete last point drawn"), "text": N_("Delete last point")},
                         "buttons": {"polyline": N_("Draw a line"), "polygon": N_("Draw a polygon"),
                                     "circlemarker": N_("Place a route end (two make a route from point to point)")}},
             "handlers": {"circlemarker": {"tooltip": {"start": N_("Click the map to place a route end.")}},
                          "polygon": {"tooltip": {"start": N_("Click to start drawing the shape."),
                                                  "cont": N_("Click to continue drawing the shape."),
                                                  "end": N_("Click the first point to close the shape.")}},
                          "polyline": {"error": N_("The line cannot cross itself."),
                                       "tooltip": {"start": N_("Click to start drawing the line."),
                                                   "cont": N_("Click to continue drawing the line."),
                                                   "end": N_("Click the last point to finish the line.")}}}},
    "edit": {"toolbar": {"actions": {"save": {"title": N_("Save changes"), "text": N_("Save")},
                                     "cancel": {"title": N_("Cancel editing, discarding all changes"),
                                                "text": N_("Cancel")},
                                     "clearAll": {"title": N_("Delete every drawing"), "text": N_("Delete all")}},
                         "buttons": {"edit": N_("Edit drawings"), "editDisabled": N_("No drawings to edit"),
                                     "remove": N_("Delete drawings"), "removeDisabled": N_("No drawings to delete")}},
             "handlers": {"remove": {"tooltip": {"text": N_("Click a drawing to delete it.")}}}},
}
"""The drawing tools' words, shaped as Leaflet.draw's documented ``L.drawLocal`` (map.js merges them in)."""


def _translated(messages: Mapping[str, Any], tr: Translator) -> dict[str, Any]:
    return {key: _translated(value, tr) if isinstance(value, Mapping) else text(tr.gettext(value))
            for key, value in messages.items()}


def map_text(tr: Translator = ENGLISH) -> dict[str, Any]:
    """Return the words of ``map.js`` (and of its drawing tools, HTML-escaped) in a language."""
    return {**{key: tr.gettext(message) for key, message in MAP_TEXT.items()}, **_translated(DRAW_TEXT, tr)}


def base_config(view: View = DEFAULT_VIEW, *, height: int = 640, draw: bool = True, points: bool = False,
                tr: Translator = ENGLISH) -> dict[str, Any]:
    """Return the map itself: initial view, controls, attribution of every layer, CSS, zoom bands.

    ``points`` adds a tool to the drawing tools that places route ends (GeoJSON points), for routes from any point
    where a full road network is available.

    It depends neither on the overlays nor on the basemap, so the browser keeps its map (and the view the
    user panned to) while they change. ``fitRoute`` says the view is the default regional one: a route drawn while
    the map still shows it is zoomed to, even when it fits (a link or a preset that names its own view keeps it).
    """
    layers = dict.fromkeys(layer for spec in OVERLAYS for layer in spec.layers)
    return {
        "view": [view.lat, view.lon, view.zoom], "minZoom": MIN_ZOOM, "maxZoom": MAX_ZOOM, "height": int(height),
        "fitRoute": view == DEFAULT_VIEW, "draw": bool(draw), "points": bool(draw and points),
        "drawColour": extras.TRACK.style["color"],
        "attribution": attribution_html(layers, tr),
        "legendWide": LEGEND_WIDE_PX, "bands": [b.max_zoom for b in BANDS], "css": css(), "text": map_text(tr),
    }


def basemap_config(key: str, tr: Translator = ENGLISH) -> dict[str, Any] | None:
    """Return a basemap's tile layer (None for ``"none"``; unknown keys give the default basemap)."""
    spec = BASEMAPS.get(key, BASEMAPS[DEFAULT_BASEMAP])
    if not spec.tiles:
        return None
    attribution = spec.attribution.replace(OSM_ATTRIBUTION_HTML, osm_attribution(tr))
    return {"url": spec.tiles, "attribution": attribution, "maxNativeZoom": min(spec.max_zoom, MAX_ZOOM),
            "maxZoom": MAX_ZOOM}


def group(group_id: str, parts: Sequence[Part], styles: Mapping[str, Mapping[str, Any]]) -> Group | None:
    """Return a group's protocol entry (None when nothing would be drawn).

    The JSON is compact and its ``key`` a digest of it, so the browser redraws a group only when it changed.
    """
    if not any(p.features["features"] for p in parts):
        return None
    data = {"parts": [{"fc": p.features, "marker": p.marker, "base": dict(p.base), "styles": styles,
                       "bind": p.bind} for p in parts]}
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return {"id": group_id, "key": hashlib.sha1(encoded.encode()).hexdigest()[:16], "json": encoded}  # noqa: S324


def overlay_group(spec: OverlaySpec, parts: Sequence[Part]) -> Group | None:
    """Return an overlay's group from its built parts."""
    return group(spec.id, parts, spec.styles())


def routes_group(routes: Sequence[Mapping[str, Any]], tr: Translator = ENGLISH) -> Group | None:
    """Return the group of one or two routes (GeoJSON ``geometry`` plus names, distance and date)."""
    return group("route", extras.route_parts(routes, tr), {s.key: s.style for s in extras.PALETTE})


def found_group(name: str, lat: float, lon: float) -> Group | None:
    """Return the group marking a search result with its name."""
    return group("found", extras.found_parts(name, lat, lon), {s.key: s.style for s in extras.PALETTE})


def track_group(display: Mapping[str, Any]) -> Group | None:
    """Return the group of an uploaded track (from :func:`geo.map.extras.track_display`)."""
    return group("track", extras.track_parts(display), {s.key: s.style for s in extras.PALETTE})


def changes_group(display: Mapping[str, Any]) -> Group | None:
    """Return the group of the changed crossings' rings (from :func:`geo.map.extras.changes_display`)."""
    return group("changes", extras.changes_parts(display), {s.key: s.style for s in extras.PALETTE})


@dataclass(frozen=True)
class Document:
    """Everything one map shows (see the module docstring)."""

    base: Mapping[str, Any]
    basemap: Mapping[str, Any] | None
    groups: Sequence[Group]
    legend: str
    as_of: dt.date | None = None

    def args(self) -> dict[str, Any]:
        """Return the document as the component's arguments."""
        return {"base": dict(self.base), "basemap": self.basemap, "groups": list(self.groups),
                "legend": self.legend}


def script_json(value: Any) -> str:
    """Return JSON that is safe inside an HTML ``<script>`` element (``<``, ``>``, ``&`` as escapes).

    >>> "<" in script_json({"a": "</script>"})
    False
    """
    encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        encoded = encoded.replace(raw, escaped)
    return encoded


def page_html(document: Document, *, assets: str = "") -> str:
    """Return a standalone HTML page drawing the document (tests, offline use).

    Parameters
    ----------
    document
        What to draw.
    assets
        URL of the folder holding ``vendor/`` and ``map.js`` (this package's ``assets`` folder when served).
    """
    base = (assets.rstrip("/") + "/") if assets else ""
    page = asset_text("page.html")
    return page.replace("{{assets}}", text(base)).replace("{{document}}", script_json(document.args()))
