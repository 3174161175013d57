"""QGIS styles of the layers (QML), made from the map's own palettes, so QGIS draws the data as the map does.

Each layer gets a rule-based renderer: one rule per swatch of the overlay that draws it, with a QGIS expression
over the layer's own columns that picks the same features the overlay's ``build`` gives that key, and a symbol
with the swatch's colour, width, opacity and dash. Crossings are drawn by status with the colour *and* the marker
shape of :data:`geo.palette.STATUS_STYLES` (the report figures' shapes), so colour never carries the status alone.
The styles go beside the data: ``geo styles -o DIR`` writes ``LAYER.qml`` files (Layer Properties → Style → Load
Style), a GeoPackage export carries them in its ``layer_styles`` table and ``geo db load`` in PostGIS's, where
QGIS finds them as each layer's default style.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.layers import registry
from geo.map.overlays import countries, pipelines, places, roads
from geo.map.spec import Swatch
from geo.palette import STATUS_STYLES
from geo.vocab import STATUSES

QGIS_VERSION = "3.22.0"
"""The QGIS version the QML declares: Debian 12's QGIS (3.22) and later read it."""
MARKERS = {"o": "circle", "D": "diamond", "X": "cross_fill", "s": "square"}
"""matplotlib marker of :data:`~geo.palette.STATUS_STYLES` → QGIS simple marker name."""


@dataclass(frozen=True)
class Rule:
    """One rule of a layer's renderer: a legend label, a QGIS filter expression and what it draws.

    Attributes
    ----------
    label
        Legend text (English, as the map's legend).
    expression
        QGIS expression over the layer's columns; ``ELSE`` for the features no other rule took.
    kind
        ``line``, ``fill`` or ``marker``.
    style
        Leaflet-style options of the swatch (``color``, ``weight``, ``opacity``, ``fillColor``, ``dashArray``…).
    marker
        For markers: the QGIS marker name.
    """

    label: str
    expression: str
    kind: str
    style: Mapping[str, Any]
    marker: str = "circle"


def _quoted(values: Any) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _rules() -> dict[str, tuple[Rule, ...]]:
    """Return each layer's rules, from the overlays' palettes (one place for every colour)."""
    def swatch(palette: tuple[Swatch, ...], key: str) -> Swatch:
        return next(s for s in palette if s.key == key)

    country = countries.PALETTE
    core = _quoted(sorted(countries.CORE))
    line_d = swatch(pipelines.PALETTE, "lined")
    other_lines = swatch(pipelines.PALETTE, "line")
    dashes = {s.key: s.style.get("dashArray") for s in pipelines.PALETTE if s.key in pipelines.STATUSES}
    pipeline_rules = tuple(
        Rule(f"{line.label}, {status}", f"{which} AND coalesce(\"status\", 'unknown') = '{status}'", "line",
             {**line.style, "dashArray": dashes[status]})
        for line, which in ((line_d, f"\"id\" = '{pipelines.LINE_D_ID}'"),
                            (other_lines, f"\"id\" <> '{pipelines.LINE_D_ID}'"))
        for status in pipelines.STATUSES)
    return {
        "borders": (
            Rule("enclave", "\"kind\" = 'enclave'", "fill", swatch(country, "enclave").style),
            Rule("Central Asia", f"\"country\" IN ({core})", "fill", {**swatch(country, "core").style,
                                                                     "color": countries.BORDER, "weight": 0.6}),
            Rule("other countries", "ELSE", "fill", {**swatch(country, "other").style, "color": countries.BORDER,
                                                     "weight": 0.4}),
        ),
        "boundaries": (Rule(swatch(country, "border").label, "ELSE", "line", swatch(country, "border").style),),
        "roads": (
            Rule(swatch(roads.PALETTE, "soviet").label, "coalesce(\"soviet_ref\", '') <> ''", "line",
                 swatch(roads.PALETTE, "soviet").style),
            Rule(swatch(roads.PALETTE, "other").label, "ELSE", "line", swatch(roads.PALETTE, "other").style),
        ),
        "places": (
            Rule(swatch(places.PALETTE, "capital").label, "\"capital\"", "marker",
                 {**swatch(places.PALETTE, "capital").style, "color": "#333"}),
            Rule(swatch(places.PALETTE, "place").label, "ELSE", "marker",
                 {**swatch(places.PALETTE, "place").style, "color": "#333"}),
        ),
        "pipelines": pipeline_rules,
        "crossings": tuple(
            Rule(status, f"\"status\" = '{status}'" if status != "unknown" else "ELSE", "marker",
                 {"fillColor": STATUS_STYLES[status].colour, "color": "#222", "radius": 6},
                 MARKERS[STATUS_STYLES[status].marker])
            for status in sorted(STATUSES, key=lambda s: s == "unknown")),
    }


def rules(layer_id: str) -> tuple[Rule, ...]:
    """Return the renderer rules of a layer.

    Raises
    ------
    KeyError
        Not a layer of :mod:`geo.layers.registry`.

    Examples
    --------
    >>> [r.label for r in rules("roads")]
    ['Soviet-era trunk road (M/A number)', 'other trunk road']
    """
    registry.get(layer_id)
    return _rules()[layer_id]


def _rgba(colour: str, opacity: float) -> str:
    """Return QGIS's ``r,g,b,a`` for a CSS hex colour (#rgb or #rrggbb) and an opacity.

    >>> _rgba("#1f4fd1", 0.5)
    '31,79,209,128'
    >>> _rgba("#333", 1)
    '51,51,51,255'
    """
    hex_ = colour.lstrip("#")
    if len(hex_) == 3:
        hex_ = "".join(c * 2 for c in hex_)
    red, green, blue = (int(hex_[i:i + 2], 16) for i in (0, 2, 4))
    return f"{red},{green},{blue},{round(max(0.0, min(1.0, opacity)) * 255)}"


def _options(parent: ET.Element, values: Mapping[str, str]) -> None:
    holder = ET.SubElement(parent, "Option", type="Map")
    for name, value in values.items():
        ET.SubElement(holder, "Option", type="QString", name=name, value=value)


def _symbol(parent: ET.Element, name: str, rule: Rule) -> None:
    style = rule.style
    kind = {"line": "line", "fill": "fill", "marker": "marker"}[rule.kind]
    symbol = ET.SubElement(parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    if rule.kind == "line":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleLine", "pass": "0", "enabled": "1", "locked": "0"})
        dash = str(style.get("dashArray") or "")
        _options(layer, {"line_color": _rgba(str(style.get("color", "#555")), float(style.get("opacity", 1))),
                         "line_width": str(style.get("weight", 2)), "line_width_unit": "Pixel",
                         "line_style": "solid", "capstyle": "round", "joinstyle": "round",
                         "use_custom_dash": "1" if dash else "0", "customdash": dash.replace(" ", ";") or "5;2",
                         "customdash_unit": "Pixel"})
    elif rule.kind == "fill":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "pass": "0", "enabled": "1", "locked": "0"})
        stroke = "color" in style
        _options(layer, {"color": _rgba(str(style.get("fillColor", "#ccc")), float(style.get("fillOpacity", 0.3))),
                         "style": "solid", "outline_color": _rgba(str(style.get("color", "#4d4d4d")),
                                                                 float(style.get("opacity", 1))),
                         "outline_style": "solid" if stroke else "no", "outline_width": str(style.get("weight", 1)),
                         "outline_width_unit": "Pixel"})
    else:
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleMarker", "pass": "0", "enabled": "1", "locked": "0"})
        _options(layer, {"name": rule.marker, "color": _rgba(str(style.get("fillColor", "#fff")), 1.0),
                         "outline_color": _rgba(str(style.get("color", "#222")), 1.0), "outline_style": "solid",
                         "outline_width": "1", "outline_width_unit": "Pixel",
                         "size": str(2 * float(style.get("radius", 4))), "size_unit": "Pixel"})


def qml(layer_id: str) -> str:
    """Return a layer's QGIS style document (QML), its symbology from the map's palettes.

    Examples
    --------
    >>> text = qml("crossings")
    >>> text.startswith("<!DOCTYPE qgis") and "&quot;status&quot; = 'open'" in text
    True
    """
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    renderer = ET.SubElement(root, "renderer-v2", type="RuleRenderer", symbollevels="0", enableorderby="0",
                             forceraster="0")
    tree = ET.SubElement(renderer, "rules", key="root")
    symbols = ET.SubElement(renderer, "symbols")
    for number, rule in enumerate(rules(layer_id)):
        attributes = {"key": f"rule-{number}", "label": rule.label, "symbol": str(number)}
        attributes["filter"] = rule.expression
        ET.SubElement(tree, "rule", attributes)
        _symbol(symbols, str(number), rule)
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode") + "\n"
