"""Geodesic measurement on the WGS84 ellipsoid (Karney's algorithm through ``pyproj.Geod``).

Lengths are never taken in degrees or in one projection for the whole region; they are always
computed on the geometry as given (full resolution).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
import shapely.ops
from pyproj import Geod
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

WGS84 = Geod(ellps="WGS84")
OUTSIDE = "??"
AREAL = ("Polygon", "MultiPolygon")
DECIMALS = 3
"""Decimals of km and km² in :meth:`Measurement.to_dict` (a metre)."""
BATCH = 16_384
"""Segments split at borders at once (bounds the temporary geometries of one batch)."""
PIECE = 8
"""Segments per indexed piece of a country outline."""
RUN = 16
"""Consecutive segments queried as one line (see ``CountryIndex._near``)..."""
RUN_EXTENT = 0.05
"""...when they lie within this many degrees (about 5 km)."""
EPS = 1e-9
"""Slack of the segment intersection test (in fractions of a segment)."""


@dataclass(frozen=True)
class Measurement:
    """The geodesic measurement of a line or polygon, split by country.

    Attributes
    ----------
    geom_type
        The measured geometry's type (``LineString``, ``MultiPolygon``…).
    length_km
        Length of a line, or of a polygon's outline, on the WGS84 ellipsoid.
    by_country_km
        Kilometres of that length per country code, largest first; outside every country under ``"??"``.
    vertices
        Number of coordinates measured.
    area_km2
        Geodesic area of a polygon; ``None`` for a line.
    """

    geom_type: str
    length_km: float
    by_country_km: dict[str, float]
    vertices: int
    area_km2: float | None = None

    @property
    def is_area(self) -> bool:
        """Whether a polygon was measured (an area and its outline) rather than a line."""
        return self.area_km2 is not None

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON data, km rounded to the metre (``area_km2`` only for polygons)."""
        out: dict[str, Any] = {"type": self.geom_type}
        if self.area_km2 is not None:
            out["area_km2"] = round(self.area_km2, DECIMALS)
        out["length_km"] = round(self.length_km, DECIMALS)
        out["by_country_km"] = {k: round(v, DECIMALS) for k, v in self.by_country_km.items()}
        out["vertices"] = self.vertices
        return out


def geodesic_km(geometry: BaseGeometry | None) -> float:
    """Return the geodesic length of a (multi)line, or the perimeter of a polygon, in km.

    Every segment is measured at once (one vectorised ``Geod.inv``), so the time grows with the number of
    vertices, whatever the number of parts.

    Parameters
    ----------
    geometry
        Geometry in EPSG:4326; ``None`` and empty geometry measure 0.

    Returns
    -------
    Kilometres on the WGS84 ellipsoid.

    Examples
    --------
    >>> from shapely import LineString
    >>> round(geodesic_km(LineString([(0, 0), (1, 0)])), 6)
    111.319491
    >>> geodesic_km(None), geodesic_km(LineString())
    (0.0, 0.0)
    """
    if geometry is None or geometry.is_empty:
        return 0.0
    start, end = segments(geometry)
    return float(_metres(start, end).sum()) / 1000.0


def linework(geometry: BaseGeometry) -> npt.NDArray[np.object_]:
    """Return the lines and rings a geometry is drawn with: its lines, and its polygons' rings.

    Examples
    --------
    >>> [g.geom_type for g in linework(shapely.box(0, 0, 1, 1).union(shapely.Point(5, 5)))]
    ['LinearRing']
    """
    parts = shapely.get_parts(np.asarray([geometry], dtype=object))
    while True:  # a collection may hold multi-part geometries and other collections
        kinds = shapely.get_type_id(parts)
        nested = kinds >= 4
        if not nested.any():
            break
        parts = np.concatenate([parts[~nested], shapely.get_parts(parts[nested])])
    lines = parts[(kinds == 1) | (kinds == 2)]
    rings = shapely.get_rings(parts[kinds == 3])
    return np.concatenate([lines, rings])


def segments(geometry: BaseGeometry) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return the start and end ``(lon, lat)`` of every segment of a geometry's linework, as two (n, 2) arrays.

    Examples
    --------
    >>> start, end = segments(shapely.MultiLineString([[(0, 0), (1, 0), (1, 1)], [(5, 5), (6, 5)]]))
    >>> start.tolist(), end.tolist()
    ([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]], [[1.0, 0.0], [1.0, 1.0], [6.0, 5.0]])
    """
    coords, index = shapely.get_coordinates(linework(geometry), return_index=True)
    same = index[1:] == index[:-1]
    return coords[:-1][same], coords[1:][same]


def _metres(start: npt.NDArray[np.float64], end: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return the geodesic length in metres of each segment from ``start`` to ``end``."""
    if not len(start):
        return np.zeros(0)
    _, _, metres = WGS84.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    return np.asarray(metres, dtype=float)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the geodesic distance between two ``(lon, lat)`` points in km."""
    _, _, metres = WGS84.inv(a[0], a[1], b[0], b[1])
    return float(metres) / 1000.0


def area_km2(geometry: BaseGeometry | None) -> float:
    """Return the geodesic area of the polygons of a geometry in km² (0 for lines, points and empty geometry).

    Examples
    --------
    >>> from shapely import LineString, box
    >>> round(area_km2(box(0, 0, 1, 1)), 1), area_km2(LineString([(0, 0), (1, 0), (1, 1)])), area_km2(None)
    (12308.8, 0.0, 0.0)
    """
    if geometry is None or geometry.is_empty:
        return 0.0
    total = 0.0
    for part in shapely.get_parts(geometry):  # pyproj would close a line into a ring and give it an area
        if part.geom_type in AREAL:
            area, _ = WGS84.geometry_area_perimeter(part)
            total += abs(float(area))
        elif part.geom_type == "GeometryCollection":
            total += area_km2(part) * 1e6
    return total / 1e6


def point_to_line_km(point: tuple[float, float], line: BaseGeometry) -> float:
    """Return the geodesic distance in km from a point to the nearest point of a line.

    The nearest point is found in lon/lat and the distance to it measured on the ellipsoid, which
    is exact to metres at the few-km scale this is used for.
    """
    if line.is_empty:
        return float("inf")
    nearest = shapely.ops.nearest_points(shapely.Point(point), line)[1]
    return distance_km(point, (nearest.x, nearest.y))


class CountryIndex:
    """Country polygons indexed for splitting lines and locating points.

    Besides the (prepared) polygons, their outlines are cut into short pieces of :data:`PIECE` segments held in
    an STRtree, so that finding where a line crosses a border costs a tree query per segment, not an overlay
    of the whole line.

    Parameters
    ----------
    polygons
        ISO 3166-1 alpha-2 code → (multi)polygon in EPSG:4326.
    """

    def __init__(self, polygons: Mapping[str, BaseGeometry]) -> None:
        self.codes = list(polygons)
        self.geometries = [polygons[c] for c in self.codes]
        for geometry in self.geometries:
            shapely.prepare(geometry)
        self.tree = STRtree(self.geometries)
        self.bounds = shapely.bounds(np.asarray(self.geometries, dtype=object)).reshape(-1, 4)
        self.edges, self.outline = _pieces(self.geometries)
        self.edge_tree = STRtree(self.edges)
        self.piece_bounds = shapely.bounds(self.edges).reshape(-1, 4)

    def length_by_country(self, line: BaseGeometry) -> dict[str, float]:
        """Split a line at borders and measure each part on the WGS84 ellipsoid.

        Each segment is cut where it crosses a country outline (found through the index of outline pieces),
        and each part is given to the country its midpoint lies in; all segments are handled at once, in
        batches of :data:`BATCH`, so the time and memory grow linearly with the number of vertices however often
        the line crosses itself.

        Parameters
        ----------
        line
            A (multi)line in EPSG:4326.

        Returns
        -------
        Kilometres per country code, largest first; the part outside every polygon under ``"??"``.
        The parts add up to :func:`geodesic_km` of the line (to a few parts per million: a cut at a
        border adds a vertex on the straight lon/lat line). A stretch that runs along a shared border
        counts once, for the country listed first.
        """
        totals = np.zeros(len(self.codes) + 1)
        start, end = segments(line) if not line.is_empty else (np.zeros((0, 2)), np.zeros((0, 2)))
        for first in range(0, len(start), BATCH):
            self._add(start[first:first + BATCH], end[first:first + BATCH], totals)
        km = totals / 1000.0
        result = {code: float(v) for code, v in zip(self.codes, km[:-1]) if v > 0}
        rest = km[-1] - km[:-1].sum()
        if rest > 1e-6:
            result[OUTSIDE] = float(rest)
        return dict(sorted(result.items(), key=lambda kv: -kv[1]))

    def _add(self, start: npt.NDArray[np.float64], end: npt.NDArray[np.float64],
             totals: npt.NDArray[np.float64]) -> None:
        """Add the metres of these segments' parts to ``totals`` (one slot per country), their whole to the last."""
        count = len(start)
        near, piece = self._near(start, end)
        along = _crossings(start[near], end[near], self.outline[piece])  # (pairs, PIECE): where each edge cuts
        found = ~np.isnan(along)
        cut_segment = np.concatenate([np.arange(count), np.broadcast_to(near[:, None], along.shape)[found],
                                      np.arange(count)])
        cut_t = np.concatenate([np.zeros(count), along[found], np.ones(count)])
        order = np.lexsort((cut_t, cut_segment))
        cut_segment, cut_t = cut_segment[order], cut_t[order]
        same = cut_segment[1:] == cut_segment[:-1]
        owner, t0, t1 = cut_segment[:-1][same], cut_t[:-1][same], cut_t[1:][same]
        step = end[owner] - start[owner]
        a = start[owner] + t0[:, None] * step
        b = start[owner] + t1[:, None] * step
        middle = (a + b) / 2
        country = self.locate(middle[:, 0], middle[:, 1])
        whole = _metres(start, end)
        metres = whole[owner]
        cut = (t0 > 0) | (t1 < 1)
        metres[cut] = _metres(a[cut], b[cut])
        inside = country < len(self.codes)
        totals[:-1] += np.bincount(country[inside], weights=metres[inside], minlength=len(self.codes))
        totals[-1] += float(whole.sum())

    def _near(self, start: npt.NDArray[np.float64], end: npt.NDArray[np.float64]
              ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Return the pairs (segment, outline piece) that may meet: the exact test is :func:`_crossings`.

        The tree is queried with one line per :data:`RUN` consecutive segments when they lie within
        :data:`RUN_EXTENT` degrees (a GPS track: far fewer geometries to make than one per segment), and with each
        segment alone otherwise; a run's segments are then paired with the pieces it meets box by box in numpy.
        """
        count = len(start)
        low, high = np.minimum(start, end), np.maximum(start, end)
        run = np.arange(count) // RUN
        firsts = np.arange(0, count, RUN)
        extent = (np.maximum.reduceat(high, firsts) - np.minimum.reduceat(low, firsts)).max(axis=1)
        grouped = (extent <= RUN_EXTENT)[run]
        group = np.where(grouped, run, count + np.arange(count))  # a wide run's segments each make a group
        ids, group = np.unique(group, return_inverse=True)
        members = np.argsort(group, kind="stable")  # the segments of each group, group by group
        lines = shapely.linestrings(np.stack([start[members], end[members]], axis=1).reshape(-1, 2),
                                    indices=np.repeat(group[members], 2))
        hit_group, hit_piece = self.edge_tree.query(lines, predicate="intersects")
        first_member = np.searchsorted(group[members], np.arange(len(ids)))
        sizes = np.bincount(group, minlength=len(ids))[hit_group]
        segment = members[np.repeat(first_member[hit_group], sizes) + _ranges(sizes)]
        piece = np.repeat(hit_piece, sizes)
        box = self.piece_bounds[piece]
        overlap = ((low[segment, 0] <= box[:, 2]) & (high[segment, 0] >= box[:, 0])
                   & (low[segment, 1] <= box[:, 3]) & (high[segment, 1] >= box[:, 1]))
        return segment[overlap], piece[overlap]

    def locate(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        """Return, for each point, the index of the first country that holds it (its outline included).

        Points outside every country get ``len(self.codes)``.

        Examples
        --------
        >>> index = CountryIndex({"AA": shapely.box(0, 0, 1, 1), "BB": shapely.box(1, 0, 2, 1)})
        >>> index.locate(np.array([0.5, 1.0, 1.5, 5.0]), np.array([0.5, 0.5, 0.5, 5.0])).tolist()
        [0, 0, 1, 2]
        """
        outside = len(self.codes)
        found = np.full(len(x), outside, dtype=np.intp)
        for number, (geometry, (west, south, east, north)) in enumerate(zip(self.geometries, self.bounds)):
            todo = np.flatnonzero((found == outside) & (x >= west) & (x <= east) & (y >= south) & (y <= north))
            if todo.size:
                found[todo[shapely.intersects_xy(geometry, x[todo], y[todo])]] = number
        return found


def _pieces(polygons: list[BaseGeometry]) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """Return the outlines of the polygons cut into lines of at most :data:`PIECE` segments.

    Returns
    -------
    The pieces as lines (for the tree) and their coordinates, ``(pieces, PIECE + 1, 2)`` padded with NaN.
    """
    pieces: list[npt.NDArray[np.float64]] = []
    for polygon in polygons:
        for ring in linework(polygon):
            coords = shapely.get_coordinates(ring)
            pieces.extend(coords[i:i + PIECE + 1] for i in range(0, max(len(coords) - 1, 1), PIECE))
    pieces = [p for p in pieces if len(p) >= 2]
    padded = np.full((len(pieces), PIECE + 1, 2), np.nan)
    for number, coords in enumerate(pieces):
        padded[number, :len(coords)] = coords
    if not pieces:
        return np.asarray([], dtype=object), padded
    sizes = np.array([len(p) for p in pieces])
    lines = shapely.linestrings(np.concatenate(pieces), indices=np.repeat(np.arange(len(pieces)), sizes))
    return np.asarray(lines, dtype=object), padded


def _ranges(sizes: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """Return ``0..size-1`` for each size, concatenated.

    >>> _ranges(np.array([2, 0, 3])).tolist()
    [0, 1, 0, 1, 2]
    """
    ends = np.cumsum(sizes)
    return np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - sizes, sizes)


def _crossings(start: npt.NDArray[np.float64], end: npt.NDArray[np.float64],
               outline: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Return where each segment meets each edge of its outline piece, as a fraction of the segment.

    Parameters
    ----------
    start, end
        ``(n, 2)`` segment ends.
    outline
        ``(n, PIECE + 1, 2)`` the outline piece each segment is tested against (NaN-padded).

    Returns
    -------
    ``(n, PIECE)`` fractions in [0, 1], NaN where an edge does not meet the segment. An edge that runs along
    the segment gives the end of their overlap (the start is given by the edge before or after it). Being
    generous costs nothing: an extra cut only splits a part in two.
    """
    p, r = start[:, None, :], (end - start)[:, None, :]
    q, s = outline[:, :-1, :], outline[:, 1:, :] - outline[:, :-1, :]
    qp = q - p
    denominator = r[..., 0] * s[..., 1] - r[..., 1] * s[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[..., 0] * s[..., 1] - qp[..., 1] * s[..., 0]) / denominator
        u = (qp[..., 0] * r[..., 1] - qp[..., 1] * r[..., 0]) / denominator
        crossing = (t >= -EPS) & (t <= 1 + EPS) & (u >= -EPS) & (u <= 1 + EPS)
        # parallel edges: on the segment's line, they may overlap it; cut where the edge's ends fall on it
        rr = (r * r).sum(axis=-1)
        collinear = (denominator == 0) & (qp[..., 0] * r[..., 1] - qp[..., 1] * r[..., 0] == 0) & (rr > 0)
        t0 = (qp * r).sum(axis=-1) / rr
        t1 = t0 + (s * r).sum(axis=-1) / rr
    result = np.where(crossing, np.clip(t, 0.0, 1.0), np.nan)
    result = np.where(collinear & (t0 >= 0) & (t0 <= 1), t0, result)
    overlap_end = collinear & (t1 >= 0) & (t1 <= 1)
    return np.where(overlap_end & np.isnan(result), t1, result)


def measure_geometry(geometry: BaseGeometry, countries: CountryIndex) -> Measurement:
    """Measure a line (length, km per country) or a polygon (area, and its outline per country).

    Parameters
    ----------
    geometry
        A (multi)line or (multi)polygon in EPSG:4326.
    countries
        The country polygons to split the length by.

    Returns
    -------
    The measurement; its ``by_country_km`` adds up to ``length_km``.

    Examples
    --------
    >>> index = CountryIndex({"AA": shapely.box(0, 0, 1, 1)})
    >>> m = measure_geometry(shapely.LineString([(0.5, 0.5), (1.5, 0.5)]), index)
    >>> m.is_area, round(m.length_km, 3), {k: round(v, 3) for k, v in m.by_country_km.items()}
    (False, 111.315, {'AA': 55.658, '??': 55.658})
    """
    areal = geometry.geom_type in AREAL
    by_country = countries.length_by_country(geometry)
    return Measurement(
        geom_type=geometry.geom_type,
        length_km=geodesic_km(geometry),
        by_country_km=by_country,
        vertices=int(shapely.get_num_coordinates(geometry)),
        area_km2=area_km2(geometry) if areal else None,
    )
