"""Coverage: which roads of a reference network the project's road network lacks.

A reference line counts as covered where it lies within ``buffer_km`` of a network segment. What
is left is measured on the WGS84 ellipsoid per country, and grouped into stretches (pieces whose
ends meet within ``join_km``, as tile-cut reference lines do) so that the long missing roads can
be listed.

The buffer is drawn in one Lambert conformal conic projection of Central Asia (standard parallels
38° and 50° N): its scale error stays within about 2 % over 35–56° N, which moves a buffer edge
by metres, not kilometres. Lengths are always taken on the unprojected lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

from geo.measure import OUTSIDE, CountryIndex, distance_km, geodesic_km
from geo.vocab import FOCUS

REGION_CRS = CRS.from_proj4("+proj=lcc +lat_1=38 +lat_2=50 +lat_0=44 +lon_0=66 +datum=WGS84 +units=m +no_defs")
"""Conformal projection used only to draw buffers around the network."""
TRUNK_CLASSES: tuple[str, ...] = ("motorway", "trunk")
"""Reference road classes the network is expected to cover."""
BUFFER_KM = 5.0
"""A reference road within this distance of a network segment counts as covered (schematic lines stray)."""
JOIN_KM = 0.2
"""Missing pieces whose ends lie this close are one stretch (tile edges, short covered gaps do not join)."""
MIN_STRETCH_KM = 20.0
"""Missing stretches at least this long are listed one by one."""


@dataclass(frozen=True)
class Stretch:
    """A connected piece of reference road that the network does not cover.

    Attributes
    ----------
    country
        ISO2 code of the country holding most of its km (``"??"`` outside every polygon).
    km
        Geodesic length of the stretch.
    km_by_country
        Its km per country code.
    start, end
        The two ends farthest apart, ``(lon, lat)``.
    near
        Ids of the network places nearest to ``start`` and ``end`` (empty without places).
    geometry
        The missing lines (EPSG:4326).
    """

    country: str
    km: float
    km_by_country: dict[str, float]
    start: tuple[float, float]
    end: tuple[float, float]
    near: tuple[str, ...]
    geometry: BaseGeometry = field(repr=False)

    def to_dict(self) -> dict[str, object]:
        """Return the stretch without geometry, for JSON."""
        return {"country": self.country, "km": round(self.km, 1),
                "km_by_country": {k: round(v, 1) for k, v in self.km_by_country.items()},
                "start": [round(c, 4) for c in self.start], "end": [round(c, 4) for c in self.end],
                "near": list(self.near)}


@dataclass(frozen=True)
class Coverage:
    """The result of :func:`coverage`.

    Attributes
    ----------
    reference_km, missing_km
        Per focus country: km of reference road, and km of it farther than ``buffer_km`` from the network.
    stretches
        Missing stretches of at least ``min_stretch_km`` in a focus country, longest first.
    """

    classes: tuple[str, ...]
    buffer_km: float
    min_stretch_km: float
    reference_km: dict[str, float]
    missing_km: dict[str, float]
    stretches: list[Stretch]

    def missing_share(self, country: str) -> float:
        """Return the share of the country's reference km that the network misses (0 without reference)."""
        total = self.reference_km.get(country, 0.0)
        return self.missing_km.get(country, 0.0) / total if total else 0.0

    def to_dict(self) -> dict[str, object]:
        """Return the result as plain data, for JSON."""
        return {"classes": list(self.classes), "buffer_km": self.buffer_km, "min_stretch_km": self.min_stretch_km,
                "reference_km": {k: round(v, 1) for k, v in self.reference_km.items()},
                "missing_km": {k: round(v, 1) for k, v in self.missing_km.items()},
                "stretches": [s.to_dict() for s in self.stretches]}


def coverage(reference: gpd.GeoDataFrame, network: gpd.GeoDataFrame, countries: CountryIndex, *,
             classes: Sequence[str] = TRUNK_CLASSES, buffer_km: float = BUFFER_KM, join_km: float = JOIN_KM,
             min_stretch_km: float = MIN_STRETCH_KM, places: gpd.GeoDataFrame | None = None,
             focus: Sequence[str] = FOCUS) -> Coverage:
    """Measure the reference roads of ``classes`` that lie farther than ``buffer_km`` from the network.

    Parameters
    ----------
    reference
        Lines in EPSG:4326 with a ``class`` column (e.g. ``motorway``, ``trunk``, ``primary``).
    network
        The network's segments (lines in EPSG:4326).
    countries
        Country polygons; km are counted for the ``focus`` codes only.
    classes
        Reference classes to compare.
    buffer_km
        Distance within which a reference road counts as covered.
    join_km
        Missing pieces whose ends are this close form one stretch.
    min_stretch_km
        Shortest stretch listed in ``stretches``.
    places
        Optional network places (``id`` column, points) to name the ends of each stretch.
    focus
        Country codes reported.

    Returns
    -------
    Reference and missing km per focus country, and the missing stretches. The inputs are not changed.
    Missing km never exceed reference km, and a network that is the reference misses nothing.
    """
    chosen = reference[reference["class"].isin(list(classes))]
    lines = _linear_parts(chosen.geometry.to_numpy())
    cover = _cover(network, buffer_km)
    if cover is None or len(lines) == 0:
        missing = lines
    else:
        shapely.prepare(cover)
        inside = shapely.covered_by(lines, cover)
        missing = _linear_parts(shapely.difference(lines[~inside], cover))
    reference_km = _by_country(lines, countries, focus)
    missing_km = _by_country(missing, countries, focus)
    stretches = [s for s in _stretches(missing, countries, join_km, places)
                 if s.km >= min_stretch_km and s.country in focus]
    stretches.sort(key=lambda s: -s.km)
    return Coverage(tuple(classes), buffer_km, min_stretch_km, reference_km, missing_km, stretches)


def _xy(transformer: Transformer) -> Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]:
    """Wrap a transformer for :func:`shapely.transform` (an ``(n, 2)`` array of x, y in and out)."""
    def apply(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
    return apply


def _linear_parts(geometries: Iterable[BaseGeometry | None]) -> np.ndarray:
    """Return the non-empty LineStrings of the given geometries as an array."""
    parts = [p for g in geometries if g is not None for p in shapely.get_parts(g)
             if p.geom_type == "LineString" and not p.is_empty]
    return np.array(parts, dtype=object)


def _cover(network: gpd.GeoDataFrame, buffer_km: float) -> BaseGeometry | None:
    """Return the area within ``buffer_km`` of the network, in EPSG:4326.

    The buffer is drawn in :data:`REGION_CRS` and densified (vertices every 500 m) before it is brought back, so
    that its straight projected edges stay true in lon/lat; the reference lines are then cut in lon/lat, and what
    is missing is always a part of the reference as given.
    """
    segments = [g for g in network.geometry if g is not None and not g.is_empty]
    if not segments:
        return None
    to_region = Transformer.from_crs(4326, REGION_CRS, always_xy=True)
    to_wgs84 = Transformer.from_crs(REGION_CRS, 4326, always_xy=True)
    projected = shapely.transform(shapely.segmentize(np.array(segments, dtype=object), 0.01), _xy(to_region))
    area = shapely.union_all(shapely.buffer(projected, buffer_km * 1000.0, quad_segs=8))
    return shapely.transform(shapely.segmentize(area, 500.0), _xy(to_wgs84))


def _by_country(lines: np.ndarray, countries: CountryIndex, focus: Sequence[str]) -> dict[str, float]:
    totals = dict.fromkeys(focus, 0.0)
    if len(lines) == 0:
        return totals
    split = countries.length_by_country(shapely.MultiLineString(list(lines)))
    for code in focus:
        totals[code] = split.get(code, 0.0)
    return totals


def _stretches(lines: np.ndarray, countries: CountryIndex, join_km: float,
               places: gpd.GeoDataFrame | None) -> list[Stretch]:
    """Group missing pieces whose ends meet within ``join_km`` and describe each group."""
    if len(lines) == 0:
        return []
    ends = np.array([[line.coords[0], line.coords[-1]] for line in lines])  # (n, 2 ends, lon/lat)
    flat = ends.reshape(-1, 2)
    points = np.asarray(shapely.points(flat), dtype=object)
    tree = shapely.STRtree(points)
    tolerance_deg = join_km / 111.0 * 2.0  # generous in lon at 56° N; checked geodesically below
    left, right = tree.query(points, predicate="dwithin", distance=tolerance_deg)
    keep = [i for i, (a, b) in enumerate(zip(left, right))
            if a // 2 != b // 2 and distance_km(tuple(flat[a]), tuple(flat[b])) <= join_km]
    n = len(lines)
    graph = coo_matrix((np.ones(len(keep)), (left[keep] // 2, right[keep] // 2)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    result = []
    for label in np.unique(labels):
        members = lines[labels == label]
        geometry = shapely.MultiLineString(list(members))
        km = geodesic_km(geometry)
        split = countries.length_by_country(geometry)
        country = max(split, key=lambda code: split[code]) if split else OUTSIDE
        start, end = _farthest_ends(ends[labels == label].reshape(-1, 2))
        near = _nearest_places(places, (start, end)) if places is not None else ()
        result.append(Stretch(country, km, split, start, end, near, geometry))
    return result


def _farthest_ends(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Return the two points farthest apart (exhaustively; a group has few pieces)."""
    if len(points) > 400:  # keep the pairwise search small: the extremes of a long road are among the hull's
        hull = shapely.convex_hull(shapely.multipoints(points))
        points = np.array(shapely.get_coordinates(hull))
    best = (0.0, 0, 0)
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            d = distance_km(tuple(points[i]), tuple(points[j]))
            if d > best[0]:
                best = (d, i, j)
    a, b = points[best[1]], points[best[2]]
    return (float(a[0]), float(a[1])), (float(b[0]), float(b[1]))


def _nearest_places(places: gpd.GeoDataFrame, ends: Sequence[tuple[float, float]]) -> tuple[str, ...]:
    names = []
    for lon, lat in ends:
        nearest = min(places.itertuples(), key=lambda p: distance_km((lon, lat), (p.geometry.x, p.geometry.y)))
        names.append(str(nearest.id))
    return tuple(names)
