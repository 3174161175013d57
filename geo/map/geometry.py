"""Display geometry: lighter copies for drawing only, simplified per zoom band.

Lengths and areas are always measured on the full geometry elsewhere (``geo.measure``); nothing here is
ever measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

Feature = dict[str, Any]
Collection = dict[str, Any]


@dataclass(frozen=True)
class Band:
    """A zoom range the display copy is simplified for.

    Attributes
    ----------
    number
        0 for the widest view.
    max_zoom
        Deepest zoom level of the band.
    tolerance
        Douglas–Peucker tolerance of lines, in degrees (well under a screen pixel at ``max_zoom``).
    decimals
        Coordinates are rounded to this many decimals.
    """

    number: int
    max_zoom: int
    tolerance: float
    decimals: int


BANDS: tuple[Band, ...] = (
    Band(0, 6, 0.004, 3),    # a pixel is ≥ 1.9 km at zoom 6 and 40° N: 0.004° (≈ 400 m) is invisible
    Band(1, 9, 0.001, 4),    # ≥ 230 m per pixel at zoom 9
    Band(2, 19, 0.0002, 5),  # close up: ≈ 20 m
)
"""Zoom bands, widest first: the map asks for a band's copy when its zoom crosses ``max_zoom``."""


def band_of(zoom: int) -> Band:
    """Return the band a zoom level falls in.

    >>> band_of(5).number, band_of(7).number, band_of(12).number
    (0, 1, 2)
    """
    for band in BANDS:
        if zoom <= band.max_zoom:
            return band
    return BANDS[-1]


def display_geometry(geometry: BaseGeometry | None, tolerance: float, *, min_area: float = 0.0,
                     decimals: int = 5) -> BaseGeometry | None:
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
        geometry = drop_small(geometry, min_area)
    simple = shapely.simplify(geometry, tolerance, preserve_topology=True)
    rounded = shapely.transform(simple, lambda xy: np.round(xy, decimals))
    if rounded.geom_type in ("LineString", "MultiLineString"):
        rounded = shapely.remove_repeated_points(rounded)
    return None if rounded.is_empty else rounded


def drop_small(geometry: BaseGeometry, min_area: float) -> BaseGeometry:
    """Return a polygon without the parts and holes smaller than ``min_area`` (deg²), or unchanged if all are."""
    parts = [p for p in shapely.get_parts(geometry) if isinstance(p, Polygon)]
    kept = [Polygon(p.exterior, [h for h in p.interiors if Polygon(h).area >= min_area])
            for p in parts if p.area >= min_area]
    if not kept:
        return geometry
    return MultiPolygon(kept) if len(kept) > 1 else kept[0]


def feature(geometry: BaseGeometry | None, properties: dict[str, Any]) -> Feature | None:
    """Return a GeoJSON feature, or None when there is no geometry to draw."""
    if geometry is None:
        return None
    return {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(geometry)}


def collection(features: Iterable[Feature | None]) -> Collection:
    """Return a FeatureCollection of the features that exist."""
    return {"type": "FeatureCollection", "features": [f for f in features if f is not None]}


def rows(frame: gpd.GeoDataFrame) -> Iterator[SimpleNamespace]:
    """Yield the rows of a layer with NaN (pandas' missing value) turned into None."""
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield SimpleNamespace(**{c: None if isinstance(v, float) and math.isnan(v) else v
                                 for c, v in zip(columns, values)})
