import math

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.measure import CountryIndex, area_km2, distance_km, geodesic_km, point_to_line_km

A_WGS84 = 6378137.0
QUARTER_MERIDIAN_M = 10_001_965.729_3127  # WGS84 equator-to-pole distance (GeographicLib)


def test_one_degree_of_equator_is_exact_to_a_millimetre():
    expected_m = A_WGS84 * math.pi / 180
    assert abs(geodesic_km(shapely.LineString([(0, 0), (1, 0)])) * 1000 - expected_m) < 1e-3


def test_quarter_meridian_matches_geographiclib_to_a_millimetre():
    assert abs(geodesic_km(shapely.LineString([(10, 0), (10, 90)])) * 1000 - QUARTER_MERIDIAN_M) < 1e-3


def test_distance_is_symmetric_and_matches_line_length():
    a, b = (69.24, 41.31), (76.95, 43.24)
    assert distance_km(a, b) == pytest.approx(distance_km(b, a), abs=1e-9)
    assert distance_km(a, b) == pytest.approx(geodesic_km(shapely.LineString([a, b])), abs=1e-9)


def test_empty_and_none_measure_zero():
    assert geodesic_km(None) == 0.0
    assert geodesic_km(shapely.LineString()) == 0.0
    assert area_km2(None) == 0.0


def test_area_of_one_degree_cell_at_equator():
    # 1°×1° at the equator on WGS84 ≈ 12,308 km²
    assert area_km2(shapely.box(0, 0, 1, 1)) == pytest.approx(12308.8, rel=1e-3)


def test_length_by_country_splits_at_the_border(two_squares):
    index = CountryIndex(dict(zip(two_squares["country"], two_squares.geometry)))
    line = shapely.LineString([(0.5, 0.5), (1.5, 0.5)])
    split = index.length_by_country(line)
    assert set(split) == {"AA", "BB"}
    assert split["AA"] == pytest.approx(split["BB"], rel=1e-3)
    assert sum(split.values()) == pytest.approx(geodesic_km(line), rel=1e-9)


def test_length_outside_every_country_is_reported(two_squares):
    index = CountryIndex(dict(zip(two_squares["country"], two_squares.geometry)))
    split = index.length_by_country(shapely.LineString([(1.5, 0.5), (2.5, 0.5)]))
    assert split["??"] == pytest.approx(split["BB"], rel=1e-3)


SQUARES = CountryIndex({"AA": shapely.box(0, 0, 1, 1), "BB": shapely.box(1, 0, 2, 1)})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-0.5, 2.5), st.floats(-0.5, 1.5)), min_size=2, max_size=8))
def test_splitting_preserves_length(points):
    index = SQUARES
    line = shapely.LineString(points)
    split = index.length_by_country(line)
    assert sum(split.values()) == pytest.approx(geodesic_km(line), rel=1e-6, abs=1e-6)
    assert all(v >= 0 for v in split.values())


def test_point_to_line_distance():
    line = shapely.LineString([(0, 0), (0, 1)])
    assert point_to_line_km((0.01, 0.5), line) == pytest.approx(1.113, rel=1e-2)


def test_split_of_a_line_through_an_enclave_adds_up():
    host = shapely.box(0, 0, 3, 1).difference(shapely.box(1, 0.2, 2, 0.8))
    index = CountryIndex({"HO": host, "EN": shapely.box(1, 0.2, 2, 0.8)})
    line = shapely.LineString([(0.5, 0.5), (2.5, 0.5)])
    split = index.length_by_country(line)
    assert sum(split.values()) == pytest.approx(geodesic_km(line), rel=1e-6)
    assert split["EN"] == pytest.approx(geodesic_km(line) / 2, rel=1e-3)
