"""Geodesic measurement on the WGS84 ellipsoid (Karney's algorithm through ``pyproj.Geod``).

Lengths are never taken in degrees or in one projection for the whole region; they are always
computed on the geometry as given (full resolution).
"""

from __future__ import annotations

from collections.abc import Mapping

import shapely
import shapely.ops
from pyproj import Geod
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

WGS84 = Geod(ellps="WGS84")
OUTSIDE = "??"


def geodesic_km(geometry: BaseGeometry | None) -> float:
    """Return the geodesic length of a (multi)line, or the perimeter of a polygon, in km.

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
    return float(WGS84.geometry_length(geometry)) / 1000.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Return the geodesic distance between two ``(lon, lat)`` points in km."""
    _, _, metres = WGS84.inv(a[0], a[1], b[0], b[1])
    return float(metres) / 1000.0


def area_km2(geometry: BaseGeometry | None) -> float:
    """Return the geodesic area of a (multi)polygon in km² (0 for other geometry)."""
    if geometry is None or geometry.is_empty:
        return 0.0
    area, _ = WGS84.geometry_area_perimeter(geometry)
    return abs(float(area)) / 1e6


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

    def length_by_country(self, line: BaseGeometry) -> dict[str, float]:
        """Split a line at borders and measure each part on the WGS84 ellipsoid.

        Parameters
        ----------
        line
            A (multi)line in EPSG:4326.

        Returns
        -------
        Kilometres per country code, largest first; the part outside every polygon under ``"??"``.
        The parts add up to :func:`geodesic_km` of the line (to rounding).
        """
        total = geodesic_km(line)
        result: dict[str, float] = {}
        if total == 0.0:
            return result
        inside = 0.0
        for index in self.tree.query(line):
            part = shapely.intersection(line, self.geometries[int(index)])
            km = geodesic_km(_lines_of(part))
            if km > 0:
                code = self.codes[int(index)]
                result[code] = result.get(code, 0.0) + km
                inside += km
        rest = total - inside
        if rest > 1e-6:
            result[OUTSIDE] = result.get(OUTSIDE, 0.0) + rest
        return dict(sorted(result.items(), key=lambda kv: -kv[1]))


def _lines_of(geometry: BaseGeometry) -> BaseGeometry:
    """Keep only the linear parts of an intersection result."""
    lines = [p for g in shapely.get_parts(geometry) for p in shapely.get_parts(g)
             if p.geom_type in ("LineString", "LinearRing") and not p.is_empty]
    return shapely.MultiLineString(lines) if lines else shapely.LineString()
