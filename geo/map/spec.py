"""What an overlay is: id, title, source layers, how it draws its features, and its palette.

A palette is a tuple of :class:`Swatch`: each is a style key that features carry in their ``k`` property,
the Leaflet style it stands for, and its legend label. The same swatch feeds the drawing (``map.js`` merges
the styles of a feature's keys), the CSS of marker classes, and the legend: a colour is written once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import geopandas as gpd

from geo.i18n import ENGLISH, Translator
from geo.map.geometry import Band, Collection

Shape = Literal["line", "fill", "marker", "none"]
Marker = Literal["path", "crossing", "label", "place", "end", "found"]
"""How a part's points are drawn (``path``: lines and polygons only); see ``assets/map.js``."""


@dataclass(frozen=True)
class Swatch:
    """One style key of a palette.

    Attributes
    ----------
    key
        The value features carry in their ``k`` list.
    label
        Legend text ("" keeps the key out of the legend).
    style
        Leaflet path options merged into the feature's style (``color``, ``weight``, ``dashArray``…).
    shape
        How the legend draws it: a line, a filled box, a marker (``css`` class), or not at all.
    css
        For markers: the CSS declarations of the class ``<css_prefix><key>`` (e.g. a status colour).
    legend_style
        Style the legend draws instead of ``style`` (e.g. a dash pattern shown in neutral grey).
    legend_class
        For markers: the classes of the legend's marker (default: the overlay's ``css_prefix`` and the key).
    """

    key: str
    label: str
    style: Mapping[str, Any] = field(default_factory=dict)
    shape: Shape = "line"
    css: str = ""
    legend_style: Mapping[str, Any] | None = None
    legend_class: str = ""


@dataclass(frozen=True)
class Part:
    """One drawn collection of an overlay (an overlay may draw several, e.g. road lines and their labels)."""

    features: Collection
    marker: Marker = "path"
    base: Mapping[str, Any] = field(default_factory=dict)
    """Style every feature starts from; its keys' swatches are merged on top."""
    bind: bool = True
    """Bind the ``tip`` tooltip and ``pop`` popup of each feature."""


Frames = Mapping[str, gpd.GeoDataFrame]


class Builder(Protocol):
    """Builds an overlay's parts from its source layers (dated already when the overlay is dated).

    Every word it writes for the reader (tooltips, popup labels) is in the language of ``tr``.
    """

    def __call__(self, frames: Frames, band: Band, tr: Translator = ENGLISH, /) -> tuple[Part, ...]:
        """Return the overlay's parts."""
        ...



@dataclass(frozen=True)
class OverlaySpec:
    """Everything the map knows about one overlay.

    Attributes
    ----------
    id, title
        Identifier (links, widgets) and the checkbox label (English, marked with ``N_``; translated where shown).
    layers
        Source layer ids (``geo.layers.registry``), read and handed to ``build``.
    build
        The display builder.
    palette
        Style keys with their styles and legend entries.
    legend_title
        Heading of the overlay's legend section (dated overlays add "on" the as-of date).
    dated
        Statuses depend on the as-of date (the layers are re-dated before ``build``).
    default
        Shown when a link does not say otherwise.
    css_prefix
        Class prefix of marker swatches (their CSS is generated from the palette).
    note
        A line in italics closing the legend section.
    """

    id: str
    title: str
    layers: tuple[str, ...]
    build: Builder
    palette: tuple[Swatch, ...]
    legend_title: str
    dated: bool = False
    default: bool = True
    css_prefix: str = ""
    note: str = ""

    def styles(self) -> dict[str, Mapping[str, Any]]:
        """Return style key → Leaflet style, as ``map.js`` merges them."""
        return {s.key: s.style for s in self.palette if s.style}

    def css(self) -> str:
        """Return the CSS rules of the palette's marker classes."""
        return "".join(f".{self.css_prefix}{s.key} {{ {s.css} }}\n" for s in self.palette if s.css)

    def heading(self, as_of: dt.date | None, tr: Translator = ENGLISH) -> str:
        """Return the legend heading (plain text) in the language of ``tr``.

        >>> from geo.map.registry import get
        >>> get("crossings").heading(dt.date(2025, 8, 1)), get("roads").heading(dt.date(2025, 8, 1))
        ('Crossings on 2025-08-01', 'Roads')
        """
        title = tr.gettext(self.legend_title)
        if as_of is None or not self.dated:
            return title
        return tr.gettext("{title} on {date}").format(title=title, date=as_of.isoformat())


@dataclass(frozen=True)
class Basemap:
    """A tile basemap (``tiles`` None: vector layers only)."""

    title: str
    tiles: str | None
    attribution: str
    max_zoom: int = 18


@dataclass(frozen=True)
class View:
    """Map centre and zoom level."""

    lat: float
    lon: float
    zoom: int
