"""Geodesic measurement on the WGS84 ellipsoid (Karney's algorithm through ``pyproj.Geod``).

Lengths are never taken in degrees or in one projection for the whole region; they are always
computed on the geometry as given (full resolution).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
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
        The parts add up to :func:`geodesic_km` of the line (to a few parts per million: a cut at a
        border adds a vertex on the straight lon/lat line). A stretch that runs along a shared border
        counts once, for the country listed first.
        """
        total = geodesic_km(line)
        result: dict[str, float] = {}
        if total == 0.0:
            return result
        inside = 0.0
        remaining = line
        for index in sorted(int(i) for i in self.tree.query(line)):
            part = _lines_of(shapely.intersection(remaining, self.geometries[index]))
            km = geodesic_km(part)
            if km > 0:
                code = self.codes[index]
                result[code] = result.get(code, 0.0) + km
                inside += km
                with np.errstate(divide="ignore", invalid="ignore"):  # GEOS on near-zero coordinates
                    remaining = shapely.difference(remaining, part)
        rest = total - inside
        if rest > 1e-6:
            result[OUTSIDE] = result.get(OUTSIDE, 0.0) + rest
        return dict(sorted(result.items(), key=lambda kv: -kv[1]))


def _lines_of(geometry: BaseGeometry) -> BaseGeometry:
    """Keep only the linear parts of an intersection result."""
    lines = [p for g in shapely.get_parts(geometry) for p in shapely.get_parts(g)
             if p.geom_type in ("LineString", "LinearRing") and not p.is_empty]
    return shapely.MultiLineString(lines) if lines else shapely.LineString()


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
    line = geometry.boundary if areal else geometry
    return Measurement(
        geom_type=geometry.geom_type,
        length_km=geodesic_km(line),
        by_country_km=countries.length_by_country(line),
        vertices=int(shapely.get_num_coordinates(geometry)),
        area_km2=area_km2(geometry) if areal else None,
    )
