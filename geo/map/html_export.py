"""The interactive map as one self-contained HTML file, drawn with folium (a download beside the live map).

The same overlay builders, palettes, CSS and legend as the live map (``geo/map/overlays/``): each part of an
overlay becomes a ``folium.GeoJson`` whose features are styled by their palette keys, with the overlay's
tooltips and popups. Every string from data is already escaped by :func:`geo.map.text.text` when the builders
write it; it travels inside folium's JSON and is shown as the markup this package wrote. Attribution: "©
OpenStreetMap contributors" always, and the holders of every drawn layer.

Pure: reads layers through a callable, writes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd

from geo.layers import registry as layer_registry
from geo.map import document as doc
from geo.map import extras, legend
from geo.map.geometry import BANDS, Band
from geo.map.prepare import dated_frames
from geo.map.registry import OVERLAYS
from geo.map.spec import Part, View
from geo.map.text import NEW_TAB, Popup, text

KEY = re.compile(r"^[a-z0-9-]+$")
"""Style keys that may become CSS classes (as ``map.js`` filters them)."""
DETAIL: Band = BANDS[1]
"""Display detail of the file (≈ 100 m): sharp when zoomed into a valley, light enough to share."""
CROSSING_SIZE = 14
"""Crossing marker size in pixels (as on the live map)."""


def popup_html(popup: Popup) -> str:
    """Return a popup (title, rows, status history: escaped HTML already) laid out as the live map does.

    Examples
    --------
    >>> popup_html({"t": "A &amp; B", "r": [["Status", "open"]]})
    "<div class='geo-popup'><b>A &amp; B</b><table><tr><th>Status</th><td>open</td></tr></table></div>"
    """
    rows = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in popup.get("r", []))
    history = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in entry) + "</tr>" for entry in popup.get("h", []))
    foot = f"<div class='geo-foot'>Status history</div><table class='geo-history'>{history}</table>" if history else ""
    html = f"<div class='geo-popup'><b>{popup.get('t', '')}</b><table>{rows}</table>{foot}</div>"
    return html.replace("<a href=", f"<a{NEW_TAB} href=")  # only text.link writes "<a": data text is escaped


def _keys(feature: Mapping[str, Any]) -> list[str]:
    return [k for k in feature.get("properties", {}).get("k", []) if isinstance(k, str) and KEY.match(k)]


def _style(base: Mapping[str, Any], styles: Mapping[str, Mapping[str, Any]], feature: Mapping[str, Any]
           ) -> dict[str, Any]:
    out = dict(base)
    for key in _keys(feature):
        out.update(styles.get(key, {}))
    return out


def _features(part: Part) -> list[dict[str, Any]]:
    """Return a part's features with an ``id`` each and the popup as markup (folium shows properties as HTML)."""
    out = []
    for number, item in enumerate(part.features["features"]):
        properties = dict(item.get("properties") or {})
        if isinstance(properties.get("pop"), Mapping):
            properties["pop"] = popup_html(properties["pop"])
        out.append({"type": "Feature", "id": number, "properties": properties, "geometry": item.get("geometry")})
    return out


def _marker_style(part: Part, styles: Mapping[str, Mapping[str, Any]], prefix: str
                  ) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Return the style function of a part's points (applied to the marker or to its icon's options)."""
    if part.marker == "crossing":
        return lambda f: {"className": " ".join(["xing", *(f"{prefix}{k}" for k in _keys(f))]),
                          "iconSize": [CROSSING_SIZE, CROSSING_SIZE]}
    if part.marker == "label":
        return lambda f: {"className": "road-label", "iconSize": None,
                          "html": f"<span>{text(f['properties'].get('lbl'))}</span>"}
    return lambda f: _style(part.base, styles, f)


def add_part(group: folium.FeatureGroup, part: Part, styles: Mapping[str, Mapping[str, Any]], prefix: str = "") -> None:
    """Add one part of an overlay to a folium group: lines and polygons, circles, crossing markers or labels."""
    features = _features(part)
    if not features:
        return
    data = {"type": "FeatureCollection", "features": features}
    bound = part.bind and all(f["properties"].get("tip") for f in features)
    with_popup = part.bind and all(f["properties"].get("pop") for f in features)
    tooltip = folium.GeoJsonTooltip(["tip"], labels=False, sticky=True, class_name="geo-tip") if bound else None
    popup = folium.GeoJsonPopup(["pop"], labels=False, max_width=380) if with_popup else None
    if part.marker == "path":
        folium.GeoJson(data, style_function=lambda f: _style(part.base, styles, f), tooltip=tooltip, popup=popup,
                       highlight_function=None, control=False).add_to(group)
        return
    if part.marker in ("crossing", "label"):
        marker: folium.Marker | folium.CircleMarker = folium.Marker(icon=folium.DivIcon(), interactive=bound)
    else:
        marker = folium.CircleMarker()
    folium.GeoJson(data, marker=marker, style_function=_marker_style(part, styles, prefix), tooltip=tooltip,
                   popup=popup, control=False).add_to(group)


def layers_shown(overlays: Iterable[str]) -> list[str]:
    """Return the source layers of the shown overlays, in drawing order."""
    shown = set(overlays)
    return list(dict.fromkeys(layer for spec in OVERLAYS if spec.id in shown for layer in spec.layers))


def attribution_text(layer_ids: Iterable[str]) -> str:
    """Return the plain attribution line: OpenStreetMap first, then each layer's attribution once.

    >>> attribution_text([]).startswith("© OpenStreetMap contributors")
    True
    """
    lines = ["© OpenStreetMap contributors"]
    lines += [layer_registry.get(i).attribution for i in layer_ids]
    return "; ".join(dict.fromkeys(lines))


def build_map(read: Callable[[str], gpd.GeoDataFrame], overlays: Iterable[str], *, as_of: dt.date,
              view: View = doc.DEFAULT_VIEW, basemap: str = doc.DEFAULT_BASEMAP,
              routes: Sequence[Mapping[str, Any]] = ()) -> folium.Map:
    """Return the folium map of some overlays on a day, with routes (GeoJSON ``geometry``), legend and attribution.

    Parameters
    ----------
    read
        Returns a layer's GeoDataFrame by id (dated overlays are re-dated to ``as_of`` here).
    overlays
        Ids of the overlays to draw (``geo.map.IDS``); unknown ids are ignored.
    """
    shown = [spec for spec in OVERLAYS if spec.id in set(overlays)]
    tiles = doc.basemap_config(basemap)
    fmap = folium.Map(location=[view.lat, view.lon], zoom_start=view.zoom, tiles=None, min_zoom=doc.MIN_ZOOM,
                      max_zoom=doc.MAX_ZOOM, control_scale=True)
    if tiles is not None:
        folium.TileLayer(tiles["url"], attr=tiles["attribution"], name=doc.BASEMAPS[basemap].title,
                         max_native_zoom=tiles["maxNativeZoom"], max_zoom=tiles["maxZoom"]).add_to(fmap)
    sections = []
    for spec in shown:
        frames = dated_frames(spec, read, as_of)
        parts = spec.build(frames, DETAIL)
        group = folium.FeatureGroup(name=text(spec.title))
        for part in parts:
            add_part(group, part, spec.styles(), spec.css_prefix)
        group.add_to(fmap)
        sections.append(legend.section(spec, legend.used_keys(parts), as_of))
    drawn = [r for r in routes if r.get("geometry")]
    if drawn:
        group = folium.FeatureGroup(name="Route")
        for part in extras.route_parts(drawn):
            add_part(group, part, {s.key: s.style for s in extras.PALETTE})
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    self_contained(fmap)
    layers = layers_shown(spec.id for spec in shown) + (["roads", "crossings"] if drawn else [])
    root = fmap.get_root()
    assert isinstance(root, folium.Figure)  # a map's root is its page
    name = fmap.get_name()
    credits = doc.attribution_html(dict.fromkeys(layers))
    root.script.add_child(folium.Element(  # runs once the map (defined later in the same script) exists
        "window.addEventListener('load', function () {\n" + "".join(
            f"  {name}.attributionControl.addAttribution({doc.script_json(c)});\n" for c in credits) + "});\n"))
    root.header.add_child(folium.Element(f"<style>{doc.css()}{EXTRA_CSS}</style>"))
    markup = legend.legend_html(sections, routes=[str(r.get("as_of")) for r in drawn])
    title = (f"<b>Central Asia: borders, roads, pipelines and crossings</b><br>Statuses as of "
             f"{text(as_of.isoformat())}. Map data © OpenStreetMap contributors."
             f"<details><summary>Attribution and licences</summary>{text(attribution_text(layers))}</details>")
    root.html.add_child(folium.Element(
        f"<div class='geo-export-title'>{title}</div>"
        + (f"<div class='geo-legend geo-export-legend'>{markup}</div>" if markup else "")))
    return fmap


def self_contained(fmap: folium.Map) -> None:
    """Make the page open with no internet: Leaflet from the package's own copy, inside the file.

    folium links Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs (``Map.default_js`` and
    ``default_css``); this map uses only Leaflet (its markers are ``DivIcon`` and circle markers), so the others are
    dropped and Leaflet's script and style are written into the page from ``geo/map/assets/vendor/leaflet``.
    """
    vendor = doc.ASSETS / "vendor" / "leaflet"
    script = base64.b64encode((vendor / "leaflet.js").read_bytes()).decode("ascii")
    fmap.default_js = [("leaflet", f"data:text/javascript;base64,{script}")]
    fmap.default_css = []
    style = (vendor / "leaflet.css").read_text(encoding="utf-8")
    root = fmap.get_root()
    assert isinstance(root, folium.Figure)  # a map's root is its page
    root.header.add_child(folium.Element(f"<style>{style}</style>"), name="leaflet_css")


EXTRA_CSS = """
.geo-export-title { position: fixed; top: 10px; left: 60px; z-index: 1000; background: rgba(255,255,255,.92);
  padding: 5px 9px; border-radius: 4px; font: 12px/1.35 sans-serif; max-width: 640px; }
.geo-export-legend { position: fixed; bottom: 30px; right: 10px; z-index: 1000; }
"""


def map_html(read: Callable[[str], gpd.GeoDataFrame], overlays: Iterable[str], *, as_of: dt.date,
             view: View = doc.DEFAULT_VIEW, basemap: str = doc.DEFAULT_BASEMAP,
             routes: Sequence[Mapping[str, Any]] = ()) -> str:
    """Return the interactive map as one self-contained HTML page (see :func:`build_map`; no CDN: it opens offline).

    Only the basemap's tiles need the internet; without it the overlays still draw on a blank background.
    """
    fmap = build_map(read, overlays, as_of=as_of, view=view, basemap=basemap, routes=routes)
    return str(fmap.get_root().render())
