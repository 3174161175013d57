"""geo.map.geometry: display copies per zoom band; a dense layer stays within the default view's budget."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely
from map_factories import square

from geo.map import geometry as g
from geo.map.overlays import roads


def test_display_geometry_simplifies_and_rounds() -> None:
    line = shapely.LineString([(0, 0), (0.5, 0.0001), (1, 0)])
    assert g.display_geometry(line, 0.001).wkt == "LINESTRING (0 0, 1 0)"
    wiggle = shapely.LineString([(0.1234567, 0), (1, 0.98765432)])
    assert g.display_geometry(wiggle, 0.0).coords[0] == (0.12346, 0.0)
    holes = shapely.Polygon(square(0, 0, 10).exterior, [square(1, 1, 0.01).exterior, square(3, 3, 2).exterior])
    assert len(g.display_geometry(holes, 0.001, min_area=0.01).interiors) == 1
    assert g.display_geometry(shapely.LineString(), 0.001) is None
    assert g.display_geometry(None, 0.001) is None


def test_bands_cover_every_zoom_widest_first() -> None:
    assert [b.number for b in g.BANDS] == list(range(len(g.BANDS)))
    assert all(a.tolerance > b.tolerance and a.max_zoom < b.max_zoom for a, b in zip(g.BANDS, g.BANDS[1:]))
    assert g.band_of(3) == g.BANDS[0] and g.band_of(19) == g.BANDS[-1] and g.band_of(99) == g.BANDS[-1]


def dense_roads(total_km: float = 25_000, step_km: float = 0.3, seed: int = 1) -> gpd.GeoDataFrame:
    """Synthetic traced roads: ~25,000 km of gently winding lines with a vertex every 0.3 km."""
    rng = np.random.default_rng(seed)
    records, lines = [], []
    count = 100
    per_road = total_km / count
    for number in range(count):
        n = int(per_road / step_km)
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.05, n))
        step = step_km / 111.0
        x = 60 + (number % 10) * 2 + np.cumsum(np.cos(heading) * step)
        y = 38 + (number // 10) * 1.2 + np.cumsum(np.sin(heading) * step)
        lines.append(shapely.LineString(np.column_stack([x, y])))
        records.append({"id": f"r{number}", "name": f"Road {number}", "soviet_ref": f"M{number}", "refs": [],
                        "country": "KZ", "length_km": per_road, "drawn_length_km": per_road,
                        "length_method": "geodesic", "length_source": None, "features": [],
                        "geometry_accuracy": "traced", "sources": [], "notes": ""})
    return gpd.GeoDataFrame(records, geometry=lines, crs=4326)


def test_dense_layer_default_view_is_light_and_full_geometry_untouched() -> None:
    frame = dense_roads()
    vertices = int(shapely.get_num_coordinates(frame.geometry).sum())
    assert vertices > 80_000
    before = frame.geometry.copy()
    sizes = {}
    for band in g.BANDS:
        parts = roads.build({"roads": frame}, band)
        sizes[band.number] = len(json.dumps([f["geometry"] for f in parts[0].features["features"]]).encode())
    assert sizes[0] < 150_000, sizes  # the default view's road geometry, whatever the input density
    assert sizes[0] < sizes[1] < sizes[2]
    assert frame.geometry.equals(before)  # the measured geometry is never simplified
