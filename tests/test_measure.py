import json
import math

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from geo.io.geojson import to_json
from geo.measure import CountryIndex, area_km2, distance_km, geodesic_km, measure_geometry, point_to_line_km
from tests import common

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
@given(st.lists(st.tuples(st.floats(-0.5, 2.5, allow_subnormal=False), st.floats(-0.5, 1.5, allow_subnormal=False)),
                min_size=2, max_size=8))
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


# --- every named geometry (tests/common.py) ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(common.GEOMETRIES))
def test_lengths_and_areas_are_finite_and_never_negative(name):
    geometry = common.GEOMETRIES[name]
    assert math.isfinite(geodesic_km(geometry)) and geodesic_km(geometry) >= 0
    assert math.isfinite(area_km2(geometry)) and area_km2(geometry) >= 0


@pytest.mark.parametrize("name", sorted(common.EMPTY))
def test_empty_geometry_measures_zero(name):
    assert geodesic_km(common.EMPTY[name]) == 0.0 and area_km2(common.EMPTY[name]) == 0.0


@pytest.mark.parametrize("name", sorted(set(common.GEOMETRIES) - set(common.AREAL)))
def test_only_polygons_have_an_area(name):
    # pyproj closes a line into a ring and returns that ring's area: a line must measure 0 km²
    assert area_km2(common.GEOMETRIES[name]) == 0.0


@pytest.mark.parametrize("name", sorted(common.THREE_D))
def test_heights_do_not_change_lengths_or_areas(name):
    geometry = common.THREE_D[name]
    flat = shapely.force_2d(geometry)
    assert geodesic_km(geometry) == pytest.approx(geodesic_km(flat), rel=1e-12)
    assert area_km2(geometry) == pytest.approx(area_km2(flat), rel=1e-12)


def test_a_hole_is_not_area():
    hole = shapely.Polygon(common.polygon_with_hole.interiors[0])
    assert area_km2(common.polygon_with_hole) == pytest.approx(area_km2(common.polygon) - area_km2(hole), rel=1e-9)


WORLD = CountryIndex({"TJ": common.WEST, "KG": common.EAST})


@pytest.mark.parametrize("name", sorted(common.LINEAR | common.AREAL))
def test_measurement_adds_up_and_says_what_it_measured(name):
    geometry = common.GEOMETRIES[name]
    m = measure_geometry(geometry, WORLD)
    assert m.geom_type == geometry.geom_type
    assert m.is_area == (name in common.AREAL)
    # a border cut adds a vertex on the lon/lat straight line, a few metres off the geodesic: ~6 ppm on 178 km
    assert sum(m.by_country_km.values()) == pytest.approx(m.length_km, rel=1e-4)
    assert m.vertices == shapely.get_num_coordinates(geometry)
    if m.is_area:
        assert m.area_km2 == pytest.approx(area_km2(geometry)) and m.length_km == pytest.approx(
            geodesic_km(geometry.boundary))
    else:
        assert m.area_km2 is None and m.length_km == pytest.approx(geodesic_km(geometry))


def test_measurement_to_dict_is_the_json_edge():
    line = measure_geometry(common.line_string, WORLD).to_dict()
    assert set(line) == {"type", "length_km", "by_country_km", "vertices"}
    assert set(line["by_country_km"]) == {"TJ", "KG"}
    area = measure_geometry(common.polygon, WORLD).to_dict()
    assert area["area_km2"] == round(area_km2(common.polygon), 3)
    json.loads(to_json(area), parse_constant=lambda c: pytest.fail(c))


def test_a_line_along_a_shared_border_counts_once():
    along = shapely.LineString([(70.0, 39.5), (70.0, 40.5)])  # the TJ/KG border of the synthetic world
    split = WORLD.length_by_country(along)
    assert sum(split.values()) == pytest.approx(geodesic_km(along), rel=1e-9) and len(split) == 1


def _overlay_split(index, line):
    """The split by whole-line overlay (the old method, quadratic in self-crossings): the independent answer."""
    remaining, result = line, {}
    for number, code in enumerate(index.codes):
        part = shapely.intersection(remaining, index.geometries[number])
        lines = [p for p in shapely.get_parts(part) if p.geom_type == "LineString" and not p.is_empty]
        km = geodesic_km(shapely.MultiLineString(lines))
        if km > 0:
            result[code] = km
            remaining = shapely.difference(remaining, part)
    return result


ENCLAVES = CountryIndex({"HO": shapely.box(0, 0, 3, 1).difference(shapely.box(1, 0.2, 2, 0.8)),
                         "EN": shapely.box(1, 0.2, 2, 0.8),
                         "TR": shapely.Polygon([(0, 1), (3, 1), (1.5, 2.2)])})


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 350), st.integers(-50, 250)), min_size=2, max_size=30))
def test_split_per_segment_matches_the_overlay_of_the_whole_line(points):
    line = shapely.LineString(np.array(points) / 100)  # on a grid: no stretches a hair apart, which the overlay merges
    assume(shapely.unary_union(line).length >= line.length * (1 - 1e-9))  # the overlay merges retraced stretches
    split = ENCLAVES.length_by_country(line)
    expected = _overlay_split(ENCLAVES, line)
    for code in ENCLAVES.codes:
        assert split.get(code, 0.0) == pytest.approx(expected.get(code, 0.0), rel=1e-6, abs=1e-6), code


def test_a_self_crossing_zigzag_splits_like_the_overlay():
    xs = np.tile([0.1, 2.9], 200)
    line = shapely.LineString(np.c_[xs, np.linspace(0.05, 2.0, 400)])
    split = ENCLAVES.length_by_country(line)
    expected = _overlay_split(ENCLAVES, line)
    assert split == pytest.approx(expected | {"??": split.get("??", 0.0)}, rel=1e-6)
    assert sum(split.values()) == pytest.approx(geodesic_km(line), rel=1e-6)


def test_parts_and_duplicated_features_are_each_measured():
    # 4,000 copies of one two-point feature: the overlay merged them into one; a track's repeats count every time
    one = shapely.LineString([(0.5, 0.5), (1.5, 0.5)])
    split = SQUARES.length_by_country(shapely.MultiLineString([one] * 4000))
    assert split["AA"] == pytest.approx(4000 * SQUARES.length_by_country(one)["AA"], rel=1e-9)


def test_empty_and_point_like_lines_split_to_nothing():
    assert SQUARES.length_by_country(shapely.LineString()) == {}
    assert SQUARES.length_by_country(shapely.LineString([(0.5, 0.5), (0.5, 0.5)])) == {}


def test_short_and_long_segments_mixed_split_like_the_overlay():
    # runs of short GPS-like steps (queried as one line) between long jumps (queried one by one), over several parts
    rng = np.random.default_rng(3)
    parts = []
    for start in ([0.2, 0.5], [0.9, 0.3], [1.7, 0.9], [2.9, 1.2]):
        walk = rng.normal(0, 0.004, (300, 2)).cumsum(axis=0) + start
        walk[::37] = rng.uniform([-0.5, -0.5], [3.5, 2.5], (len(walk[::37]), 2))
        parts.append(shapely.LineString(walk))
    line = shapely.MultiLineString(parts)
    split = ENCLAVES.length_by_country(line)
    expected = {code: sum(_overlay_split(ENCLAVES, p).get(code, 0.0) for p in parts) for code in ENCLAVES.codes}
    for code in ENCLAVES.codes:
        assert split.get(code, 0.0) == pytest.approx(expected[code], rel=1e-6, abs=1e-6), code
