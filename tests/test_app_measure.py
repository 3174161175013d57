"""geoapp.pages.measure: drawings are measured one by one and downloaded each with its own numbers."""

from __future__ import annotations

import json

import pytest

from geoapp.pages.measure import drawing_download
from geoapp.results import MeasureFailure, Measurement, measure_drawings

POINT = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [69.0, 40.0]}}
LINE = {"type": "Feature", "properties": {},
        "geometry": {"type": "LineString", "coordinates": [[69.0, 40.0], [72.0, 41.0]]}}
SHORT = {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[70.0, 40.0], [70.1, 40.0]]}}


@pytest.fixture(scope="module")
def countries(app_layers):
    from geo.layers import store
    from geo.layers.build import country_index

    frame, _ = store.read_layer("borders", app_layers)
    return country_index(frame)


def test_a_failed_drawing_does_not_shift_the_others(countries) -> None:
    drawings = [POINT, LINE, SHORT]
    results = measure_drawings(drawings, countries)
    assert [type(r) for r in results] == [MeasureFailure, Measurement, Measurement]
    assert [r.number for r in results] == [1, 2, 3]
    data = json.loads(drawing_download(results))
    features = data["features"]
    assert [f["geometry"] for f in features] == [LINE["geometry"], SHORT["geometry"]]
    assert features[0]["properties"]["length_km"] > 250 > 10 > features[1]["properties"]["length_km"]


def test_nothing_measured_gives_no_download(countries) -> None:
    results = measure_drawings([POINT], countries)
    assert isinstance(results[0], MeasureFailure) and results[0].message
    assert drawing_download(results) is None
    assert measure_drawings([{"geometry": "junk"}, 3], countries) == []  # type: ignore[list-item]


def test_a_drawing_with_more_vertices_than_a_hand_draws_is_refused_alone(countries) -> None:
    # drawings are measured on every rerun: a browser sending 50 shapes of 250,000 vertices cost seconds each time
    many = [[70.0 + i * 1e-5, 40.0] for i in range(20_000)]
    huge = {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": many}}
    results = measure_drawings([huge, SHORT], countries)
    assert isinstance(results[0], MeasureFailure)
    assert str(results[0].message) == "too many vertices (20,000; at most 10,000)"
    assert isinstance(results[1], Measurement) and results[1].number == 2
