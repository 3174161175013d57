"""What a report figure is asked for and the data it is drawn from (shared by the drawing modules)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

if TYPE_CHECKING:
    from geo.routing.graph import Trip
    from geo.routing.results import Route

EXTENSIONS: tuple[str, ...] = (".png", ".pdf", ".svg")
"""Output formats, by file suffix."""
DEFAULT_LAYERS: tuple[str, ...] = ("borders", "roads", "pipelines", "crossings", "places")
"""Layers drawn when ``--layers`` is not given."""
DPI = 200
WIDTH_IN = 11.0


@dataclass(frozen=True)
class FigureRequest:
    """What to draw and where to write it."""

    output: Path
    as_of: dt.date
    layers: tuple[str, ...] = DEFAULT_LAYERS
    bbox: tuple[float, float, float, float] | None = None
    route: Trip | None = None
    """The route to draw: the same request (ends, via places, scenario) as the route shown or printed."""
    title: str | None = None

    @property
    def fmt(self) -> str:
        """Return the output format (``png``, ``pdf`` or ``svg``)."""
        return self.output.suffix.lower().lstrip(".")


@dataclass
class MapData:
    """The layers to draw (EPSG:4326, re-dated) and the route, if any."""

    frames: dict[str, gpd.GeoDataFrame]
    route: Route | None = None
    attributions: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """Display names of place ids (the route's ends)."""
