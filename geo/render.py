"""Build the folium map from the layers: pure (no Streamlit), tested on the rendered HTML.

Every text that comes from data reaches the browser only through :func:`text` (HTML-escaped, and with
``$``, backquote and backslash turned into entities so that no JavaScript template literal can
interpolate it) inside JSON that Jinja's ``tojson`` writes (``<``, ``>``, ``&`` and ``'`` escaped), and
is put into Leaflet tooltips and popups as markup this module wrote. Labels on the map are set with
``textContent``. folium's own ``Tooltip``, ``Popup``, ``GeoJsonTooltip`` and ``GeoJsonPopup`` are not
used: they insert raw HTML.

Geometry is simplified for display only (lengths are measured on the full geometry elsewhere).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.template import Template
from folium.utilities import JsCode
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.spec import OSM_COPYRIGHT_URL

OVERLAYS: tuple[str, ...] = ("countries", "roads", "pipelines", "crossings", "places")
"""Overlay ids in drawing order (bottom to top)."""

OVERLAY_TITLES: dict[str, str] = {
    "countries": "Countries, borders and enclaves",
    "roads": "Soviet-era trunk roads",
    "pipelines": "Gas pipelines (Line D)",
    "crossings": "Border crossings",
    "places": "Towns and passes",
}
OVERLAY_LAYERS: dict[str, tuple[str, ...]] = {
    "countries": ("borders", "boundaries"),
    "roads": ("roads",),
    "pipelines": ("pipelines",),
    "crossings": ("crossings",),
    "places": ("places",),
}
"""The layers each overlay draws."""

DEFAULT_OVERLAYS = frozenset({"countries", "roads", "pipelines", "crossings"})

CENTRAL_ASIA = frozenset({"KZ", "KG", "TJ", "UZ", "TM"})

OSM_ATTRIBUTION_HTML = (f'&copy; <a href="{OSM_COPYRIGHT_URL}" target="_blank" rel="noopener">OpenStreetMap</a> '
                        "contributors")


@dataclass(frozen=True)
class Basemap:
    """A tile basemap (``tiles`` None: vector layers only)."""

    title: str
    tiles: str | None
    attribution: str
    max_zoom: int = 18


BASEMAPS: dict[str, Basemap] = {
    "osm": Basemap("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", OSM_ATTRIBUTION_HTML, 19),
    "light": Basemap(
        "Light (CARTO Positron)",
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://carto.com/attributions" target="_blank" rel="noopener">CARTO</a>',
        20,
    ),
    "none": Basemap("None (vector layers only, works offline)", None, ""),
}
DEFAULT_BASEMAP = "osm"


@dataclass(frozen=True)
class View:
    """Map centre and zoom level."""

    lat: float
    lon: float
    zoom: int


DEFAULT_VIEW = View(41.0, 66.5, 5)
"""Fits Kazakhstan to Turkmenistan and the Fergana Valley on a laptop screen."""

STATUS_COLOURS: dict[str, str] = {
    "open": "#1a9850",
    "restricted": "#f39c12",
    "closed": "#d7191c",
    "unknown": "#8c8c8c",
}
MODE_SHAPES: dict[str, str] = {"road": "circle", "rail": "square", "pedestrian": "diamond"}
"""Marker shape per crossing mode (rail wins over road, road over pedestrian)."""

PIPELINE_STYLES: dict[str, tuple[str, str | None]] = {
    "operating": ("solid", None),
    "under-construction": ("dashed", "10 7"),
    "stalled": ("dashed", "3 7"),
    "planned": ("dashed", "1 8"),
    "unknown": ("dashed", "1 8"),
}
LINE_D_ID = "cagp-line-d"
ROUTE_COLOUR = "#1f4fd1"
ROUTE2_COLOUR = "#00a6a6"
TRACK_COLOUR = "#6a3d9a"
"""Uploaded tracks, like drawings, are purple."""
COUNTRY_NAMES = {
    "KZ": "Kazakhstan", "KG": "Kyrgyzstan", "TJ": "Tajikistan", "UZ": "Uzbekistan", "TM": "Turkmenistan",
    "AF": "Afghanistan", "CN": "China", "IR": "Iran", "RU": "Russia", "??": "outside every country polygon",
}

LINE_TOLERANCE = 0.001
"""Display simplification of lines in degrees (~100 m); lengths are measured on the full lines."""
NEIGHBOUR_LINE_TOLERANCE = 0.004
"""Borders with countries outside Central Asia are drawn coarser (~400 m)."""
BORDER_LINE_TOLERANCE = 0.002
"""Borders between Central Asian states (~200 m: crisp at the zooms the map is read at, half the payload)."""
DECIMALS = 5
POLYGON_TOLERANCE = {"core": 0.006, "other": 0.02}
POLYGON_MIN_AREA = {"core": 0.005, "other": 0.05}
"""Holes and parts smaller than this (deg²) are dropped from the display of country fills (lakes, islands)."""


# --- safe text ---------------------------------------------------------------------------------


def text(value: Any) -> str:
    """Return a value as HTML-safe text, also inert inside a JavaScript template literal.

    Examples
    --------
    >>> text('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> text("`${x}`"), text(None)
    ('&#96;&#36;{x}&#96;', '')
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    escaped = html.escape(str(value), quote=True)
    return escaped.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def safe_url(url: Any) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL without spaces or control characters, else None.

    Examples
    --------
    >>> safe_url("https://example.org/a?b=1"), safe_url("javascript:alert(1)"), safe_url(None)
    ('https://example.org/a?b=1', None, None)
    """
    if not isinstance(url, str) or len(url) > 2000:
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def link(url: Any, label: Any = None) -> str:
    """Return an escaped link opening in a new tab, or the escaped text when the URL is not http(s)."""
    good = safe_url(url)
    shown = text(label if label is not None else url)
    if good is None:
        return shown
    return f'<a href="{text(good)}" target="_blank" rel="noopener noreferrer">{shown}</a>'


def _km(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):,.1f} km"


def _row(label: str, value_html: str) -> list[str] | None:
    return [text(label), value_html] if value_html else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, np.ndarray):
        return list(value.tolist())
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, float) and math.isnan(value):
        return []
    return [value]


def _sources(value: Any) -> str:
    items = [link(u, _short_url(u)) for u in _as_list(value) if u]
    return "<br>".join(items)


def _short_url(url: Any) -> str:
    good = safe_url(url)
    if good is None:
        return str(url)
    host = urlsplit(good).netloc
    return host[4:] if host.startswith("www.") else host


def _names(value: Any) -> str:
    return text(" · ".join(str(n) for n in dict.fromkeys(_as_list(value)) if n))


def _history(history: Any) -> list[list[str]]:
    rows = []
    for e in _as_list(history):
        if not isinstance(e, Mapping):
            continue
        traffic = _as_list(e.get("traffic"))
        extra = f" ({text(', '.join(map(str, traffic)))})" if traffic else ""
        source = " " + link(e.get("source"), "source") if e.get("source") else ""
        rows.append([text(e.get("date")), text(e.get("status")) + extra, text(e.get("note")) + source])
    return rows


def _popup(title: str, rows: Sequence[list[str] | None], history: Any = None) -> dict[str, Any]:
    """Return a popup as data: every string is escaped HTML; the map's ``geoPopup`` lays it out."""
    popup: dict[str, Any] = {"t": text(title), "r": [r for r in rows if r]}
    dated = _history(history)
    if dated:
        popup["h"] = dated
    return popup


# --- display geometry --------------------------------------------------------------------------


def display_geometry(geometry: BaseGeometry | None, tolerance: float, *, min_area: float = 0.0,
                     decimals: int = DECIMALS) -> BaseGeometry | None:
    """Return a lighter copy of a geometry for drawing only.

    Parameters
    ----------
    geometry
        Geometry in EPSG:4326 (``None`` and empty give ``None``).
    tolerance
        Douglas–Peucker tolerance in degrees (topology preserved).
    min_area
        Polygon parts and holes smaller than this (deg²) are dropped, unless that would drop everything.
    decimals
        Coordinates are rounded to this many decimals.

    Examples
    --------
    >>> from shapely import LineString
    >>> display_geometry(LineString([(0, 0), (0.5, 0.0000001), (1, 0)]), 0.001).wkt
    'LINESTRING (0 0, 1 0)'
    >>> display_geometry(None, 0.001) is None
    True
    """
    if geometry is None or geometry.is_empty:
        return None
    if min_area > 0 and geometry.geom_type in ("Polygon", "MultiPolygon"):
        geometry = _drop_small(geometry, min_area)
    simple = shapely.simplify(geometry, tolerance, preserve_topology=True)
    rounded = shapely.transform(simple, lambda xy: np.round(xy, decimals))
    return None if rounded.is_empty else rounded


def _drop_small(geometry: BaseGeometry, min_area: float) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geometry) if isinstance(p, Polygon)]
    kept = [Polygon(p.exterior, [h for h in p.interiors if Polygon(h).area >= min_area])
            for p in parts if p.area >= min_area]
    if not kept:
        return geometry
    return MultiPolygon(kept) if len(kept) > 1 else kept[0]


def _feature(geometry: BaseGeometry | None, properties: dict[str, Any]) -> dict[str, Any] | None:
    if geometry is None:
        return None
    return {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(geometry)}


def _collection(features: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    kept = [f for f in features if f is not None]
    for number, feature in enumerate(kept):
        feature["id"] = number
    return {"type": "FeatureCollection", "features": kept}


# --- per-layer display collections --------------------------------------------------------------


def countries_display(borders: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the countries and enclaves as a display FeatureCollection (``tip``, ``pop``, ``kind``, ``core``)."""
    features = []
    for row in _rows(borders):
        code = str(row.country or "")
        enclave = row.kind == "enclave"
        group = "core" if code in CENTRAL_ASIA or enclave else "other"
        geometry = display_geometry(row.geometry, POLYGON_TOLERANCE[group] if not enclave else LINE_TOLERANCE,
                                    min_area=0.0 if enclave else POLYGON_MIN_AREA[group],
                                    decimals=DECIMALS if group == "core" else 3)
        if enclave:
            tip = (f"<b>{text(row.name)}</b> — enclave of {text(_country(code))} "
                   f"inside {text(_country(row.surrounded_by))}")
        else:
            tip = f"<b>{text(row.name)}</b> ({text(code)})"
        rows = [
            _row("Names", _names(row.names)),
            _row("Country", text(f"{_country(code)} ({code})")),
            _row("Surrounded by", text(_country(row.surrounded_by)) if enclave else ""),
            _row("Area (computed)", text(f"{float(row.area_km2):,.1f} km²") if _number(row.area_km2) else ""),
            _row("Notes", text(row.notes)),
            _row("Sources", _sources(row.sources)),
        ]
        features.append(_feature(geometry, {"kind": "enclave" if enclave else group, "tip": tip,
                                            "pop": _popup(str(row.name), rows)}))
    return _collection(features)


def boundaries_display(boundaries: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the boundary lines as a display FeatureCollection."""
    features = []
    for row in _rows(boundaries):
        codes = set(str(row.countries or "").split("-"))
        rows = [
            _row("Countries", text(row.countries)),
            _row("Length (computed, geodesic)", text(_km(row.length_km))),
            _row("Official length", text(_km(row.official_length_km)) + (
                " " + link(row.official_length_source, "source") if row.official_length_source else "")
                if _number(row.official_length_km) else ""),
            _row("Notes", text(row.notes)),
            _row("Sources", _sources(row.sources)),
        ]
        tip = f"<b>{text(row.name)}</b> border · {text(_km(row.length_km))} (computed)"
        tolerance = BORDER_LINE_TOLERANCE if codes <= CENTRAL_ASIA else NEIGHBOUR_LINE_TOLERANCE
        features.append(_feature(display_geometry(row.geometry, tolerance),
                                 {"kind": "core" if codes & CENTRAL_ASIA else "other", "tip": tip,
                                  "pop": _popup(f"{row.name} border", rows)}))
    return _collection(features)


def roads_display(roads: gpd.GeoDataFrame) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the road lines and their Soviet-number labels as two display FeatureCollections.

    One label is placed per Soviet number and country, at the middle of the longest segment.
    """
    features = []
    longest: dict[tuple[str, str], tuple[float, Any]] = {}
    for row in _rows(roads):
        ref = str(row.soviet_ref or "")
        refs = [str(r) for r in _as_list(row.refs) if r]
        label = ref or (refs[0] if refs else "")
        current = ", ".join(refs) if refs else "none recorded"
        tip = (f"<b>{text(label or row.name)}</b> {text(row.name)}<br>current: {text(current)} · "
               f"{text(_km(row.length_km))}")
        method = str(row.length_method or "")
        rows = [
            _row("Soviet number", text(ref or "—")),
            _row("Current numbers", text(current)),
            _row("Country", text(row.country)),
            _row("Length", text(f"{_km(row.length_km)} ({method})") + (
                " " + link(row.length_source, "source") if row.length_source else "")),
            _row("Drawn line (geodesic)", text(_km(row.drawn_length_km))),
            _row("Geometry", text(row.geometry_accuracy)),
            _row("Features", text(", ".join(map(str, _as_list(row.features))))),
            _row("Notes", text(row.notes)),
            _row("Sources", _sources(row.sources)),
        ]
        geometry = display_geometry(row.geometry, LINE_TOLERANCE)
        features.append(_feature(geometry, {"kind": "soviet" if ref else "other", "tip": tip,
                                            "pop": _popup(f"{label} {row.name}".strip(), rows)}))
        if ref and geometry is not None:
            key = (ref, str(row.country))
            length = float(row.geometry.length) if row.geometry is not None else 0.0
            if length > longest.get(key, (-1.0, geometry))[0]:
                longest[key] = (length, row.geometry)
    labels = []
    for (ref, _), (_, line) in sorted(longest.items()):
        point = line.interpolate(0.5, normalized=True)
        labels.append(_feature(display_geometry(point, 0.0), {"lbl": ref}))
    return _collection(features), _collection(labels)


def pipelines_display(pipelines: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the pipelines (statuses as already dated on the frame) as a display FeatureCollection."""
    features = []
    for row in _rows(pipelines):
        status = str(row.status or "unknown")
        schematic = str(row.geometry_accuracy or "") == "schematic"
        since = f" since {row.status_since}" if row.status_since else ""
        tip = (f"<b>{text(row.name)}</b><br>{text(status)}{text(since)}"
               + (" · <i>schematic geometry</i>" if schematic else ""))
        by_country = row.length_by_country_km if isinstance(row.length_by_country_km, Mapping) else {}
        official = (row.official_length_by_country_km if isinstance(row.official_length_by_country_km, Mapping)
                    else {})
        rows = [
            _row("Status", text(f"{status}{since}") + (f" — {text(row.status_note)}" if row.status_note else "")),
            _row("Operator", text(row.operator)),
            _row("Capacity", text(f"{float(row.capacity_bcm_y):g} bcm/year") if _number(row.capacity_bcm_y) else ""),
            _row("Length (computed, geodesic)", text(_km(row.length_km))),
            _row("By country (computed)", text(", ".join(f"{k} {float(v):,.0f} km" for k, v in by_country.items()))),
            _row("Official length", text(_km(row.official_length_km)) if _number(row.official_length_km) else ""),
            _row("Official by country", text(", ".join(f"{k} {float(v):,.0f} km" for k, v in official.items()))),
            _row("Geometry", text("schematic: drawn through the named places, not surveyed" if schematic
                                  else row.geometry_accuracy)),
            _row("Through", text(", ".join(map(str, _as_list(row.places))))),
            _row("Notes", text(row.notes)),
            _row("Sources", _sources(row.sources)),
        ]
        dash = PIPELINE_STYLES.get(status, PIPELINE_STYLES["unknown"])[1]
        features.append(_feature(display_geometry(row.geometry, LINE_TOLERANCE), {
            "kind": "lined" if row.id == LINE_D_ID else "line", "status": status, "dash": dash,
            "tip": tip, "pop": _popup(str(row.name), rows, history=row.status_history),
        }))
    return _collection(features)


def crossing_shape(modes: Any) -> str:
    """Return the marker shape of a crossing from its modes (rail, then road, then pedestrian).

    Examples
    --------
    >>> crossing_shape(["road", "rail"]), crossing_shape(["pedestrian"]), crossing_shape(None)
    ('square', 'diamond', 'circle')
    """
    found = {str(m) for m in _as_list(modes)}
    for mode in ("rail", "road", "pedestrian"):
        if mode in found:
            return MODE_SHAPES[mode]
    return MODE_SHAPES["road"]


def crossings_display(crossings: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the crossings (statuses as already dated on the frame) as a display FeatureCollection."""
    features = []
    for row in _rows(crossings):
        status = str(row.status or "unknown")
        if status not in STATUS_COLOURS:
            status = "unknown"
        shape = crossing_shape(row.modes)
        since = f" since {row.status_since}" if row.status_since else ""
        modes = ", ".join(map(str, _as_list(row.modes)))
        tip = f"<b>{text(row.name)}</b> ({text(row.countries)})<br>{text(status)}{text(since)} · {text(modes)}"
        traffic = ", ".join(map(str, _as_list(row.status_traffic) or _as_list(row.traffic)))
        rows = [
            _row("Names", _names(row.names)),
            _row("Countries", text(row.countries)),
            _row("Modes", text(modes)),
            _row("Status", text(f"{status}{since}") + (f" — {text(row.status_note)}" if row.status_note else "")
                 + (" " + link(row.status_source, "source") if row.status_source else "")),
            _row("Traffic", text(traffic)),
            _row("Last verified", text(row.last_verified)),
            _row("Position", text(row.coord_source) if not safe_url(row.coord_source)
                 else link(row.coord_source, "source")),
            _row("Notes", text(row.notes)),
            _row("Sources", _sources(row.sources)),
        ]
        features.append(_feature(row.geometry, {
            "cls": f"xing xing-{status} xing-{shape}", "tip": tip,
            "pop": _popup(str(row.name), rows, history=row.status_history),
        }))
    return _collection(features)


def places_display(places: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the towns, junctions and passes (crossings are drawn by their own overlay)."""
    features = []
    for row in _rows(places):
        if row.kind == "crossing":
            continue
        aliases = _names(row.aliases)
        tip = f"<b>{text(row.name)}</b> ({text(row.kind)}, {text(row.country)})" + (f"<br>{aliases}" if aliases else "")
        features.append(_feature(row.geometry, {"kind": "capital" if row.capital else str(row.kind), "tip": tip}))
    return _collection(features)


def route_display(route: Mapping[str, Any]) -> dict[str, Any]:
    """Return a route (``RouteResult.as_dict()``) as a display FeatureCollection: the line and its two ends."""
    geometry = shapely.geometry.shape(route["geometry"]) if route.get("geometry") else None
    line = display_geometry(geometry, LINE_TOLERANCE)
    name = f"{route.get('from_name') or route.get('from')} → {route.get('to_name') or route.get('to')}"
    tip = f"<b>Route</b> {text(name)}<br>{text(_km(route.get('distance_km')))} on {text(route.get('as_of'))}"
    features = [_feature(line, {"kind": "route", "tip": tip})]
    if geometry is not None and geometry.geom_type == "LineString" and not geometry.is_empty:
        coords = list(geometry.coords)
        for end, point in (("start", coords[0]), ("end", coords[-1])):
            features.append(_feature(shapely.Point(point[:2]), {"kind": end, "tip": tip}))
    return _collection(features)


def _rows(frame: gpd.GeoDataFrame) -> Iterator[SimpleNamespace]:
    """Yield the rows of a layer with NaN (pandas' missing value) turned into None."""
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield SimpleNamespace(**{c: None if isinstance(v, float) and math.isnan(v) else v
                                 for c, v in zip(columns, values)})


def _country(code: Any) -> str:
    return COUNTRY_NAMES.get(str(code), str(code or ""))


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(float(value))


# --- folium pieces -----------------------------------------------------------------------------

_BIND = JsCode("""function (feature, layer) {
    var p = feature.properties || {};
    if (p.tip) { layer.bindTooltip(p.tip, {sticky: true, className: 'geo-tip'}); }
    if (p.pop) { layer.bindPopup(function () { return window.geoPopup(p.pop); }, {maxWidth: 380, maxHeight: 360}); }
}""")

_CROSSING_MARKER = JsCode("""function (feature, latlng) {
    return L.marker(latlng, {icon: L.divIcon({className: feature.properties.cls, iconSize: [14, 14]}),
                             riseOnHover: true});
}""")

_LABEL_MARKER = JsCode("""function (feature, latlng) {
    var span = document.createElement('span');
    span.textContent = feature.properties.lbl;
    return L.marker(latlng, {icon: L.divIcon({className: 'road-label', html: span, iconSize: null}),
                             interactive: false, keyboard: false});
}""")

_PLACE_MARKER = JsCode("""function (feature, latlng) {
    var capital = feature.properties.kind === 'capital';
    return L.circleMarker(latlng, {radius: capital ? 5 : 3, weight: 1, color: '#333',
                                   fillColor: capital ? '#333' : '#fff', fillOpacity: 1});
}""")

_ROUTE_END = JsCode("""function (feature, latlng) {
    return L.circleMarker(latlng, {radius: 7, weight: 3, color: '#1f4fd1', fillColor: '#fff', fillOpacity: 1});
}""")

CSS = """
<style>
.geo-tip { font-size: 12px; width: max-content; max-width: 320px; white-space: normal; }
.geo-popup { font-size: 12px; }
.geo-popup table { border-collapse: collapse; margin-top: 4px; }
.geo-popup th { text-align: left; vertical-align: top; padding: 1px 6px 1px 0; color: #555; font-weight: 600; }
.geo-popup td { vertical-align: top; padding: 1px 0; }
.geo-history td { padding: 1px 6px 1px 0; border-top: 1px solid #eee; }
.geo-foot { margin-top: 6px; font-weight: 600; }
.xing { border: 1.5px solid #222; box-sizing: border-box; }
.xing-circle { border-radius: 50%; }
.xing-square { border-radius: 1px; }
.xing-diamond { transform-origin: center; clip-path: polygon(50% 0, 100% 50%, 50% 100%, 0 50%); border: 0; }
.xing-open { background: #1a9850; }
.xing-restricted { background: #f39c12; }
.xing-closed { background: #d7191c; }
.xing-unknown { background: #8c8c8c; }
.road-label { background: transparent; border: 0; }
.road-label span { display: inline-block; transform: translate(-50%, -50%); background: #fff8e6;
  border: 1.5px solid #b35806; border-radius: 3px; padding: 0 3px; font: bold 10px/14px sans-serif;
  color: #7f3b08; white-space: nowrap; }
.geo-labels-off .road-label { display: none; }
.geo-legend { background: rgba(255, 255, 255, 0.92); padding: 6px 8px; border-radius: 4px; font: 11px/1.35 sans-serif;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); max-width: 230px; }
.geo-legend-body { max-height: 360px; overflow-y: auto; }
.geo-legend-toggle { display: block; width: 100%; margin: 0; padding: 0; border: 0; background: none;
  font: bold 11px/1.35 sans-serif; text-align: left; cursor: pointer; color: #222; }
.geo-legend-toggle:focus-visible { outline: 2px solid #1f4fd1; }
.geo-legend.geo-collapsed { padding: 3px 8px; }
.geo-legend.geo-collapsed .geo-legend-body { display: none; }
.geo-legend b { display: block; margin-top: 3px; }
.geo-legend .sw { display: inline-block; width: 22px; height: 10px; margin-right: 5px; vertical-align: middle; }
.geo-legend .mk { display: inline-block; width: 11px; height: 11px; margin: 0 7px 0 5px; vertical-align: middle; }
.geo-link { background: #fff; padding: 2px 6px; border-radius: 4px; font: 12px sans-serif; cursor: pointer; }
</style>
"""


class _Script(MacroElement):
    """A fixed script run once the map exists (``{map}`` is replaced by the map's variable name)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.code.replace('{map}', this._parent.get_name()) }}
        {% endmacro %}
    """)

    def __init__(self, code: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "GeoScript"
        self.code = code


_ATTRIBUTION_JS = (
    "{map}.attributionControl.setPrefix("
    "'<a href=\"https://leafletjs.com\" target=\"_blank\" rel=\"noopener\">Leaflet</a>');\n"
    "{map}.attributionControl.addAttribution(" + json.dumps(OSM_ATTRIBUTION_HTML) + ");\n"
)

_POPUP_JS = """
window.geoPopup = function (p) {
    /* p.t, p.r[i][0..1] and p.h[i][0..2] are HTML escaped by geo.render.text on the server. */
    var div = document.createElement('div'), title = document.createElement('b');
    var table = document.createElement('table');
    div.className = 'geo-popup';
    title.innerHTML = p.t;
    div.appendChild(title);
    (p.r || []).forEach(function (r) {
        var tr = table.insertRow(), th = document.createElement('th');
        th.innerHTML = r[0];
        tr.appendChild(th);
        tr.insertCell().innerHTML = r[1];
    });
    div.appendChild(table);
    if (p.h && p.h.length) {
        var head = document.createElement('div'), history = document.createElement('table');
        head.className = 'geo-foot';
        head.textContent = 'Status history';
        history.className = 'geo-history';
        p.h.forEach(function (h) {
            var tr = history.insertRow();
            h.forEach(function (cell) { tr.insertCell().innerHTML = cell; });
        });
        div.appendChild(head);
        div.appendChild(history);
    }
    return div;
};
"""

_LABEL_ZOOM_JS = """
(function (m) {
    function toggle() { m.getContainer().classList.toggle('geo-labels-off', m.getZoom() < 6); }
    m.on('zoomend', toggle); toggle();
})({map});
"""

_VIEW_LINK_JS = """
(function (m) {
    /* Keep view=lat,lon,zoom in the page address (the app's shareable link) without a rerun. */
    function view() {
        var c = m.getCenter();
        return c.lat.toFixed(4) + ',' + c.lng.toFixed(4) + ',' + m.getZoom();
    }
    function sync() {
        try {
            var top = window.parent;
            if (!top || top === window || !top.history) { return; }
            var url = new URL(top.location.href);
            if (url.searchParams.get('view') === view()) { return; }
            url.searchParams.set('view', view());
            top.history.replaceState(top.history.state, '', url.toString());
        } catch (e) { /* another origin or no parent: nothing to keep */ }
    }
    m.on('moveend', sync);
    setInterval(sync, 1500);
})({map});
"""


LEGEND_WIDE_PX = 700
"""The legend starts open on maps at least this wide, folded on narrower ones."""


class Legend(MacroElement):
    """A foldable legend control that appears and disappears with the layer group it is added to.

    A button inside the legend folds it to its title; the choice is kept in ``window.geoLegendOpen`` and the
    frame's ``sessionStorage``, so the legend rebuilt by the next rerun (or a new basemap) stays as the user
    left it. Until the user chooses,
    the legend is open on maps at least :data:`LEGEND_WIDE_PX` wide. The markup (from :func:`legend_html`)
    is escaped on the server; the button's label is set with ``textContent``.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new (L.Layer.extend({
            onAdd: function (map) {
                var control = L.control({position: 'bottomright'});
                control.onAdd = function () {
                    var div = L.DomUtil.create('div', 'geo-legend');
                    var button = L.DomUtil.create('button', 'geo-legend-toggle', div);
                    var body = L.DomUtil.create('div', 'geo-legend-body', div);
                    button.type = 'button';
                    body.innerHTML = {{ this.html|tojson }};
                    function show(open) {
                        div.classList.toggle('geo-collapsed', !open);
                        button.textContent = open ? 'Legend \u25BE' : 'Legend \u25B8';
                        button.title = open ? 'Hide the legend' : 'Show the legend';
                        button.setAttribute('aria-expanded', open ? 'true' : 'false');
                    }
                    if (typeof window.geoLegendOpen !== 'boolean') {
                        var kept = null;
                        try { kept = window.sessionStorage.getItem('geoLegendOpen'); } catch (e) { /* none */ }
                        window.geoLegendOpen = kept === null ? map.getSize().x >= {{ this.wide }} : kept === '1';
                    }
                    show(window.geoLegendOpen);
                    L.DomEvent.on(button, 'click', function (e) {
                        L.DomEvent.stop(e);
                        window.geoLegendOpen = !window.geoLegendOpen;
                        try { window.sessionStorage.setItem('geoLegendOpen', window.geoLegendOpen ? '1' : '0'); }
                        catch (err) { /* storage blocked: kept for this map only */ }
                        show(window.geoLegendOpen);
                    });
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                this._control = control.addTo(map);
                return this;
            },
            onRemove: function (map) {
                if (this._control) { map.removeControl(this._control); }
                return this;
            }
        }))().addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, html_text: str, *, wide: int = LEGEND_WIDE_PX) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.html = html_text
        self.wide = int(wide)


@dataclass(frozen=True)
class MapOptions:
    """What the map shows.

    Parameters
    ----------
    overlays
        Overlay ids (see :data:`OVERLAYS`) to draw.
    basemap
        A key of :data:`BASEMAPS`.
    view
        Initial centre and zoom.
    assets
        Base URL of the vendored Leaflet files (``geo/static/vendor``); ``None`` keeps folium's CDN links.
    as_of
        The day statuses are shown for (used in the legend; the frames must already be dated).
    """

    overlays: frozenset[str] = DEFAULT_OVERLAYS
    basemap: str = DEFAULT_BASEMAP
    view: View = DEFAULT_VIEW
    assets: str | None = None
    as_of: dt.date | None = None
    height: int = 640
    draw: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)


def localize(element: Any, assets: str | None) -> None:
    """Point an element's scripts and styles at the vendored copies (or drop folium's unused defaults)."""
    base = (assets or "").rstrip("/")
    local: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
        "Map": ([("leaflet", f"{base}/leaflet/leaflet.js")], [("leaflet_css", f"{base}/leaflet/leaflet.css")]),
        "Draw": ([("leaflet_draw_js", f"{base}/leaflet-draw/leaflet.draw.js")],
                 [("leaflet_draw_css", f"{base}/leaflet-draw/leaflet.draw.css")]),
        "Fullscreen": ([("Control.Fullscreen.js", f"{base}/leaflet.fullscreen/Control.FullScreen.js")],
                       [("Control.FullScreen.css", f"{base}/leaflet.fullscreen/Control.FullScreen.css")]),
    }
    kind = type(element).__name__
    if assets is not None and kind in local:
        element.default_js, element.default_css = local[kind]
    elif kind == "Map":
        # Markers are DivIcons drawn with CSS: jQuery, Bootstrap and the awesome-markers fonts are not needed.
        element.default_js = [j for j in element.default_js if j[0] == "leaflet"]
        element.default_css = [c for c in element.default_css if c[0] == "leaflet_css"]


MAX_ZOOM = 19
"""The map's deepest zoom, whatever the basemap (the basemap is a layer group: changing it keeps the map)."""


def base_map(options: MapOptions) -> folium.Map:
    """Return the map without overlays or basemap: attribution, scale bar, full screen, drawing tools.

    The result depends neither on the layers nor on the basemap (see :func:`basemap_group`), so the browser
    keeps the map, and the view the user panned to, while the overlays or the basemap change. Only
    ``options.view``, ``options.assets``, ``options.height`` and ``options.draw`` are used.
    """
    m = folium.Map(location=[options.view.lat, options.view.lon], zoom_start=options.view.zoom, tiles=None,
                   control_scale=True, min_zoom=3, max_zoom=MAX_ZOOM, width="100%",
                   height=f"{options.height}px", world_copy_jump=True)
    localize(m, options.assets)
    root: Any = m.get_root()
    root.header.add_child(Element(CSS), name="geo_css")
    m.add_child(_Script(_ATTRIBUTION_JS))
    m.add_child(_Script(_POPUP_JS))
    m.add_child(_Script(_LABEL_ZOOM_JS))
    m.add_child(_Script(_VIEW_LINK_JS))
    fullscreen = folium.plugins.Fullscreen(  # type: ignore[no-untyped-call]
        position="topleft", title="Full screen", title_cancel="Exit full screen")
    localize(fullscreen, options.assets)
    fullscreen.add_to(m)
    if options.draw:
        draw = folium.plugins.Draw(  # type: ignore[no-untyped-call]
            export=False, position="topleft",
            draw_options={"polyline": {"shapeOptions": {"color": "#6a3d9a", "weight": 3}},
                          "polygon": {"shapeOptions": {"color": "#6a3d9a"}, "allowIntersection": False},
                          "rectangle": False, "circle": False, "marker": False, "circlemarker": False},
            edit_options={"edit": False},
        )
        localize(draw, options.assets)
        draw.add_to(m)
    return m


def basemap_group(basemap: str) -> folium.FeatureGroup | None:
    """Return the group holding a basemap's tiles (and so their attribution), or None for ``"none"``.

    Unknown keys give the default basemap.
    """
    spec = BASEMAPS.get(basemap, BASEMAPS[DEFAULT_BASEMAP])
    if not spec.tiles:
        return None
    group = folium.FeatureGroup(name="Basemap", control=False)
    folium.TileLayer(spec.tiles, attr=spec.attribution, name=spec.title, max_zoom=MAX_ZOOM,
                     max_native_zoom=min(spec.max_zoom, MAX_ZOOM), control=False).add_to(group)
    return group


def _geojson(data: Mapping[str, Any], *, style: Any = None, point: JsCode | None = None,
             bind: bool = True, name: str = "") -> folium.GeoJson:
    kwargs: dict[str, Any] = {}
    if point is not None:
        kwargs["point_to_layer"] = point
    return folium.GeoJson(dict(data), name=name, style_function=style, on_each_feature=_BIND if bind else None,
                          control=False, smooth_factor=1.0, **kwargs)


def _country_style(feature: Mapping[str, Any]) -> dict[str, Any]:
    kind = feature["properties"]["kind"]
    if kind == "enclave":
        return {"color": "#7b3294", "weight": 2, "fillColor": "#e66101", "fillOpacity": 0.55}
    if kind == "core":
        return {"stroke": False, "fillColor": "#fdf6e3", "fillOpacity": 0.25}
    return {"stroke": False, "fillColor": "#bdbdbd", "fillOpacity": 0.35}


def _boundary_style(feature: Mapping[str, Any]) -> dict[str, Any]:
    core = feature["properties"]["kind"] == "core"
    return {"color": "#4d4d4d", "weight": 2.2 if core else 1.4, "opacity": 0.9, "dashArray": None if core else "4 3"}


def _road_style(feature: Mapping[str, Any]) -> dict[str, Any]:
    soviet = feature["properties"]["kind"] == "soviet"
    return {"color": "#b35806" if soviet else "#e08214", "weight": 3.5 if soviet else 2.2, "opacity": 0.9}


def _pipeline_style(feature: Mapping[str, Any]) -> dict[str, Any]:
    props = feature["properties"]
    line_d = props["kind"] == "lined"
    return {"color": "#c51b7d" if line_d else "#4d9221", "weight": 6 if line_d else 3, "opacity": 0.95,
            "dashArray": props.get("dash"), "lineCap": "butt"}


def _route_style(feature: Mapping[str, Any]) -> dict[str, Any]:
    return {"color": ROUTE_COLOUR, "weight": 6, "opacity": 0.85}


def _route2_style(feature: Mapping[str, Any]) -> dict[str, Any]:
    return {"color": ROUTE2_COLOUR, "weight": 4, "opacity": 0.9, "dashArray": "8 6"}


@dataclass
class Display:
    """The display collections of every layer an overlay needs (see :func:`display_layers`)."""

    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    legend: dict[str, list[str]] = field(default_factory=dict)


def display_layer(layer_id: str, frame: gpd.GeoDataFrame) -> dict[str, dict[str, Any]]:
    """Return the display collections of one layer (statuses must already be dated).

    Returns
    -------
    Collection name → FeatureCollection; ``roads`` also gives ``road_labels`` and ``borders`` gives
    ``countries``.
    """
    if layer_id == "borders":
        return {"countries": countries_display(frame)}
    if layer_id == "boundaries":
        return {"boundaries": boundaries_display(frame)}
    if layer_id == "roads":
        lines, labels = roads_display(frame)
        return {"roads": lines, "road_labels": labels}
    if layer_id == "pipelines":
        return {"pipelines": pipelines_display(frame)}
    if layer_id == "crossings":
        return {"crossings": crossings_display(frame)}
    if layer_id == "places":
        return {"places": places_display(frame)}
    raise ValueError(f"no display for layer {layer_id!r}")


def legend_html(collections: Mapping[str, Mapping[str, Any]], as_of: dt.date | None,
                routes: Sequence[Mapping[str, Any]] = (), track: str | None = None) -> str:
    """Return the legend's markup for exactly the collections given (empty string when nothing is shown).

    ``track`` is the name of an uploaded track drawn on the map (None when there is none).
    """
    parts: list[str] = []

    def swatch(style: str, label: str) -> str:
        return f"<div><span class='sw' style='{style}'></span>{text(label)}</div>"

    countries = collections.get("countries")
    if countries is not None or "boundaries" in collections:
        parts.append("<b>Borders</b>")
        parts.append(swatch("border-top: 2.5px solid #4d4d4d; height: 0", "international border"))
        if countries is not None and any(f["properties"]["kind"] == "enclave" for f in countries["features"]):
            parts.append(swatch("background: #e66101; opacity: .7; border: 2px solid #7b3294", "enclave"))
    roads = collections.get("roads")
    if roads is not None and roads["features"]:
        parts.append("<b>Roads</b>")
        parts.append(swatch("border-top: 3.5px solid #b35806; height: 0", "Soviet-era trunk road (M/A number)"))
        if any(f["properties"]["kind"] == "other" for f in roads["features"]):
            parts.append(swatch("border-top: 2px solid #e08214; height: 0", "other trunk road"))
    pipelines = collections.get("pipelines")
    if pipelines is not None and pipelines["features"]:
        parts.append("<b>Gas pipelines</b>")
        kinds = {f["properties"]["kind"] for f in pipelines["features"]}
        statuses = sorted({f["properties"]["status"] for f in pipelines["features"]},
                          key=lambda s: list(PIPELINE_STYLES).index(s) if s in PIPELINE_STYLES else 99)
        if "lined" in kinds:
            parts.append(swatch("border-top: 6px solid #c51b7d; height: 0", "Line D"))
        if "line" in kinds:
            parts.append(swatch("border-top: 3px solid #4d9221; height: 0", "Lines A, B, C"))
        for status in statuses:
            line = "solid" if PIPELINE_STYLES.get(status, ("dashed", ""))[0] == "solid" else "dashed"
            parts.append(swatch(f"border-top: 3px {line} #555; height: 0", status))
        parts.append("<div><i>all lines schematic</i></div>")
    crossings = collections.get("crossings")
    if crossings is not None and crossings["features"]:
        classes = [str(f["properties"]["cls"]).split() for f in crossings["features"]]
        statuses = [s for s in STATUS_COLOURS if any(f"xing-{s}" in c for c in classes)]
        shapes = [(m, s) for m, s in MODE_SHAPES.items() if any(f"xing-{s}" in c for c in classes)]
        parts.append("<b>Crossings" + (f" on {text(as_of.isoformat())}" if as_of else "") + "</b>")
        for status in statuses:
            parts.append(f"<div><span class='mk xing xing-circle xing-{status}'></span>{text(status)}</div>")
        for mode, shape in shapes:
            parts.append(f"<div><span class='mk xing xing-{shape}' style='background: #fff'></span>{text(mode)}</div>")
    if "places" in collections and collections["places"]["features"]:
        parts.append("<b>Places</b>")
        parts.append("<div><span class='mk' style='border-radius: 50%; background: #333'></span>capital</div>")
        parts.append("<div><span class='mk' style='border-radius: 50%; border: 1px solid #333'></span>"
                     "town, junction, pass</div>")
    if routes:
        parts.append("<b>Route</b>")
        parts.append(swatch(f"border-top: 6px solid {ROUTE_COLOUR}; height: 0", f"on {routes[0].get('as_of')}"))
        if len(routes) > 1:
            parts.append(swatch(f"border-top: 4px dashed {ROUTE2_COLOUR}; height: 0",
                                f"on {routes[1].get('as_of')} (comparison)"))
    if track is not None:
        parts.append("<b>Your track</b>")
        parts.append(swatch(f"border-top: 4px solid {TRACK_COLOUR}; height: 0", track or "uploaded track"))
    return "".join(parts)


def overlay_group(overlay: str, collections: Mapping[str, Mapping[str, Any]]) -> folium.FeatureGroup | None:
    """Return the feature group of one overlay, or None when its collections are missing.

    Parameters
    ----------
    overlay
        An id of :data:`OVERLAYS`.
    collections
        Display collections by name (from :func:`display_layer`).
    """
    group = folium.FeatureGroup(name=OVERLAY_TITLES.get(overlay, overlay), control=False)
    drawn = False
    if overlay == "countries":
        for name, style in (("countries", _country_style), ("boundaries", _boundary_style)):
            if name in collections:
                _geojson(collections[name], style=style).add_to(group)
                drawn = True
    elif overlay == "roads" and "roads" in collections:
        _geojson(collections["roads"], style=_road_style).add_to(group)
        if "road_labels" in collections:
            _geojson(collections["road_labels"], point=_LABEL_MARKER, bind=False).add_to(group)
        drawn = True
    elif overlay == "pipelines" and "pipelines" in collections:
        _geojson(collections["pipelines"], style=_pipeline_style).add_to(group)
        drawn = True
    elif overlay == "crossings" and "crossings" in collections:
        _geojson(collections["crossings"], point=_CROSSING_MARKER).add_to(group)
        drawn = True
    elif overlay == "places" and "places" in collections:
        _geojson(collections["places"], point=_PLACE_MARKER).add_to(group)
        drawn = True
    return group if drawn else None


def shown_collections(collections: Mapping[str, Mapping[str, Any]], overlays: Iterable[str]
                      ) -> dict[str, Mapping[str, Any]]:
    """Return the collections the given overlays draw (what the legend describes)."""
    wanted = set(overlays)
    names = {"countries": ("countries", "boundaries"), "roads": ("roads",), "pipelines": ("pipelines",),
             "crossings": ("crossings",), "places": ("places",)}
    return {n: collections[n] for o in OVERLAYS if o in wanted for n in names[o] if n in collections}


def routes_group(routes: Sequence[Mapping[str, Any]]) -> folium.FeatureGroup | None:
    """Return the feature group of one or two routes (the second, a comparison, is drawn dashed)."""
    group = folium.FeatureGroup(name="Route", control=False)
    drawn = False
    for number, route in reversed(list(enumerate(routes))):
        if not route.get("geometry"):
            continue
        data = route_display(route)
        lines = {"type": "FeatureCollection",
                 "features": [f for f in data["features"] if f["properties"]["kind"] == "route"]}
        ends = {"type": "FeatureCollection",
                "features": [f for f in data["features"] if f["properties"]["kind"] != "route"]}
        _geojson(lines, style=_route_style if number == 0 else _route2_style).add_to(group)
        if ends["features"] and number == 0:
            _geojson(ends, point=_ROUTE_END).add_to(group)
        drawn = True
    return group if drawn else None


def track_display(geometry: Mapping[str, Any], name: str, measured: Mapping[str, Any]) -> dict[str, Any]:
    """Return an uploaded track (GeoJSON geometry, WGS84) as a display FeatureCollection with an escaped tooltip."""
    shape = display_geometry(shapely.geometry.shape(dict(geometry)), LINE_TOLERANCE)
    area = measured.get("area_km2")
    size = text(_km(measured.get("length_km"))) + (f" outline · {text(f'{area:,.1f} km²')}"
                                                    if isinstance(area, int | float) and _number(area) else "")
    by_country = ", ".join(f"{k} {float(v):,.1f} km" for k, v in (measured.get("by_country_km") or {}).items())
    tip = f"<b>Your track</b> {text(name)}<br>{size}" + (f"<br>{text(by_country)}" if by_country else "")
    return _collection([_feature(shape, {"kind": "track", "tip": tip})])


def _track_style(feature: Mapping[str, Any]) -> dict[str, Any]:
    return {"color": TRACK_COLOUR, "weight": 4, "opacity": 0.95, "fillColor": TRACK_COLOUR, "fillOpacity": 0.15}


def track_group(display: Mapping[str, Any]) -> folium.FeatureGroup | None:
    """Return the feature group of an uploaded track (from :func:`track_display`), or None when it is empty."""
    if not display.get("features"):
        return None
    group = folium.FeatureGroup(name="Your track", control=False)
    _geojson(display, style=_track_style).add_to(group)
    return group


def legend_group(shown: Mapping[str, Mapping[str, Any]], routes: Sequence[Mapping[str, Any]],
                 as_of: dt.date | None) -> folium.FeatureGroup | None:
    """Return a group holding the legend of exactly what is drawn, or None when nothing is."""
    described = dict(shown)
    drawn_routes = [r for r in routes if r.get("geometry")]
    return legend_from_html(legend_html(described, as_of, routes=drawn_routes))


def legend_from_html(markup: str) -> folium.FeatureGroup | None:
    """Return a group holding a legend made by :func:`legend_html` (None for an empty legend)."""
    if not markup:
        return None
    group = folium.FeatureGroup(name="Legend", control=False)
    group.add_child(Legend(markup))
    return group


def overlay_groups(collections: Mapping[str, Mapping[str, Any]], options: MapOptions,
                   routes: Sequence[Mapping[str, Any]] = ()) -> list[folium.FeatureGroup]:
    """Return one feature group per shown overlay, then the routes and the legend.

    Parameters
    ----------
    collections
        Display collections by name (from :func:`display_layer`), for at least the shown overlays.
    options
        Which overlays to show.
    routes
        Route results (``as_dict()``): the route, and optionally a second scenario's route.
    """
    groups = [overlay_group(o, collections) for o in OVERLAYS if o in options.overlays]
    groups.append(routes_group(routes))
    groups.append(legend_group(shown_collections(collections, options.overlays), routes, options.as_of))
    return [g for g in groups if g is not None]


def build_map(collections: Mapping[str, Mapping[str, Any]], options: MapOptions,
              routes: Sequence[Mapping[str, Any]] = ()) -> folium.Map:
    """Return the whole map: :func:`base_map` with :func:`overlay_groups` added (standalone HTML, tests)."""
    m = base_map(options)
    tiles = basemap_group(options.basemap)
    if tiles is not None:
        tiles.add_to(m)
    for group in overlay_groups(collections, options, routes):
        group.add_to(m)
    return m


def render_html(m: folium.Map) -> str:
    """Return the standalone HTML page of a map."""
    return str(m.get_root().render())
