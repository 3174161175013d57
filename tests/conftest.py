"""Shared fixtures: tiny synthetic layers built in code."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely


@pytest.fixture
def two_squares() -> gpd.GeoDataFrame:
    """Two 1°×1° countries side by side at the equator: AA (0..1) and BB (1..2)."""
    return gpd.GeoDataFrame(
        {"country": ["AA", "BB"], "kind": ["country", "country"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=4326,
    )
