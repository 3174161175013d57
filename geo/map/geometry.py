"""Display geometry: lighter copies for drawing only, simplified per zoom band.

Lengths and areas are always measured on the full geometry elsewhere (``geo.measure``); nothing here is
ever measured.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
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


PIECE = 2_000
"""GEOS simplifies by recursive Douglas–Peucker: a zigzag of 10⁵ vertices recursed deep enough to overflow a thread's
stack and crash the process (measured: 50,000 passed, 100,000 crashed with an 8 MB stack), and its work grows with
the square of a zigzag's length. Long lines and rings are therefore simplified in pieces of at most this many
vertices, which bounds both."""

Rings = Callable[[np.ndarray, bool], np.ndarray]
"""What is done to each line or ring: its vertices and whether it is closed → the vertices kept."""


def simplify_in_pieces(geometry: BaseGeometry, tolerance: float) -> BaseGeometry:
    """Return a Douglas–Peucker copy of a line or polygon, each part simplified in pieces of at most :data:`PIECE`.

    Pieces share their end vertices, which DP always keeps. Polygons are rebuilt from their simplified rings
    without a topology check (display only): a hole that collapses is dropped, a shell that collapses keeps four
    of its points.

    Examples
    --------
    >>> zigzag = shapely.LineString(np.c_[np.arange(200_001) * 1e-5, np.arange(200_001) % 2 * 1e-2])
    >>> int(shapely.get_num_coordinates(simplify_in_pieces(zigzag, 0.1)))
    101
    >>> square = shapely.box(0, 0, 1, 1)
    >>> simplify_in_pieces(square, 0.01).equals(square)
    True
    """
    return map_rings(geometry, lambda coords, closed: _simplified(coords, tolerance, closed))


def thin(geometry: BaseGeometry, most: int) -> BaseGeometry:
    """Return a copy of at most about ``most`` vertices: per block of k, the first and the farthest from its chord.

    Each part keeps its ends. Linear in the vertices (one vectorised pass): the first step for a display copy of a
    track of 10⁵–10⁶ points, before Douglas–Peucker. Keeping each block's farthest vertex keeps the track's swings:
    a plain every-k-th vertex aliased a zigzag into a straight line.

    Examples
    --------
    >>> zigzag = shapely.LineString(np.c_[np.arange(10_001) * 1e-3, np.arange(10_001) % 2])
    >>> light = thin(zigzag, 100)
    >>> int(shapely.get_num_coordinates(light)) <= 101, light.bounds == zigzag.bounds
    (True, True)
    >>> thin(zigzag, 20_000).equals(zigzag)
    True
    """
    step = -(-2 * int(shapely.get_num_coordinates(geometry)) // max(most, 4))
    if step <= 2:
        return geometry
    return map_rings(geometry, lambda coords, closed: _farthest_per_block(coords, step, closed))


def map_rings(geometry: BaseGeometry, change: Rings) -> BaseGeometry:
    """Return a line or polygon (or a collection of them) with ``change`` applied to each of its lines and rings."""
    kind = geometry.geom_type
    if kind == "LineString":
        return shapely.LineString(change(shapely.get_coordinates(geometry), False))
    if kind == "Polygon":
        rings = [change(shapely.get_coordinates(r), True) for r in shapely.get_rings(geometry)]
        return shapely.Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4])
    if kind in ("MultiLineString", "MultiPolygon", "GeometryCollection"):
        parts = [map_rings(part, change) for part in shapely.get_parts(geometry)]
        if kind == "MultiLineString":
            return shapely.MultiLineString([p for p in parts if isinstance(p, shapely.LineString)])
        if kind == "MultiPolygon":
            return MultiPolygon([p for p in parts if isinstance(p, Polygon)])
        return shapely.GeometryCollection(parts)
    return geometry


def _farthest_per_block(coords: np.ndarray, step: int, closed: bool) -> np.ndarray:
    """Return each block's first vertex and its vertex farthest from the chord to the next block, and the last."""
    last = len(coords) - 1
    if last < 2:
        return coords
    starts = np.arange(0, last, step)
    ends = np.minimum(starts + step, last)
    inner = np.minimum(starts[:, None] + np.arange(1, step)[None, :], last)  # each block's vertices after its first
    a, chord = coords[starts][:, None, :], (coords[ends] - coords[starts])[:, None, :]
    offset = coords[inner] - a
    length = np.hypot(chord[..., 0], chord[..., 1])
    across = np.abs(chord[..., 0] * offset[..., 1] - chord[..., 1] * offset[..., 0]) / np.where(length > 0, length, 1)
    distance = np.where(length > 0, across, np.hypot(offset[..., 0], offset[..., 1]))
    distance = np.where(inner < ends[:, None], distance, -1.0)  # past the block's end: not a candidate
    far = inner[np.arange(len(starts)), distance.argmax(axis=1)]
    kept = coords[np.unique(np.r_[starts, far[distance.max(axis=1) >= 0], last])]
    return _closed_enough(kept, coords) if closed else kept


def _simplified(coords: np.ndarray, tolerance: float, closed: bool) -> np.ndarray:
    """Return one line's (or ring's) vertices simplified piece by piece (see :func:`simplify_in_pieces`)."""
    last = len(coords) - 1
    if last < 2:
        return coords
    lines = np.array([shapely.LineString(coords[i:i + PIECE + 1]) for i in range(0, last, PIECE)])
    kept = [shapely.get_coordinates(piece) for piece in shapely.simplify(lines, tolerance)]
    joined = np.concatenate([kept[0]] + [k[1:] for k in kept[1:]])
    return _closed_enough(joined, coords) if closed else joined


def _closed_enough(kept: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Return ``kept``, or four of the ring's own points (closed) when fewer than four are kept."""
    return kept if len(kept) >= 4 else ring[np.linspace(0, len(ring) - 1, 4).round().astype(int)]


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
