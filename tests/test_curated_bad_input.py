"""Bad curated files: `geo check` reports file:line for each, `geo build` refuses and touches nothing.

Every case starts from the synthetic world of ``tests/common.py`` (valid as written: see the first test), changes
one cell or one row through the csv module, and expects the problem at the line that row was written on.
"""

from __future__ import annotations

import csv

import pytest

from geo.cli import main
from tests.common import CuratedWorkspace

CROSSING = {"id": "test-pass"}
STATUS = {"crossing_id": "test-pass", "date": "2022-06-01"}
SEGMENT = {"id": "tj-alpha-pass"}
PLACE = {"id": "alpha"}


def run_check(capsys) -> tuple[int, str]:
    code = main(["check"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out


def test_the_synthetic_world_is_valid(curated, capsys):
    code, out = run_check(capsys)
    assert code == 0 and out == ""


def test_duplicate_crossing_id(curated: CuratedWorkspace, capsys):
    number = curated.append("crossings.csv", dict(curated.find("crossings.csv", **CROSSING)[1]))
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"src/crossings.csv:{number}: duplicate id 'test-pass'" in out


def test_swapped_coordinates_are_caught_on_the_border_check(curated, capsys):
    number = curated.set("crossings.csv", CROSSING, lon="40.0", lat="70.0")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"src/crossings.csv:{number}: test-pass:" in out and "km from the KG-TJ border" in out


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"date": "2022-02-30"}, "date: '2022-02-30' is not a real date"),
        ({"status": "opened"}, "is not one of open"),
        ({"traffic": "cars"}, "'cars' is not one of passengers"),
        ({"source": ""}, "source: missing source URL"),
        ({"source": "javascript:alert(1)"}, "source:"),
    ],
)
def test_bad_status_rows(curated, capsys, cells, message):
    number = curated.set("crossing_status.csv", STATUS, **cells)
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"src/crossing_status.csv:{number}: " in out and message in out


def test_history_out_of_order(curated, capsys):
    curated.set("crossing_status.csv", STATUS, date="2019-03-13")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and "status history of 'test-pass' out of date order (2019-03-13 after 2020-01-01)" in out


def test_crossing_without_status(curated, capsys):
    rows = curated.rows("crossing_status.csv")
    rows[:] = [r for r in rows if r["crossing_id"] != "rail-halt"]
    number = curated.line("crossings.csv", id="rail-halt")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"crossings.csv:{number}: crossing 'rail-halt' has no dated status" in out


def test_unknown_place_reference_in_segments(curated, capsys):
    number = curated.set("roads/segments_a.csv", SEGMENT, from_place="atlantis")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"segments_a.csv:{number}: from_place: unknown place 'atlantis'" in out


def test_road_crossing_not_joined_on_one_side(curated, capsys):
    rows = curated.rows("roads/segments_a.csv")
    rows[:] = [r for r in rows if r["id"] != "kg-pass-beta"]
    curated.rows("roads/runs_a.csv").clear()
    curated.rows("roads/places_a.csv")[:] = [r for r in curated.rows("roads/places_a.csv") if r["id"] != "beta"]
    number = curated.line("crossings.csv", **CROSSING)
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"crossings.csv:{number}: road crossing 'test-pass' is not joined" in out and "KG side" in out


def test_wrong_delimiter(curated, capsys):
    path = curated.path("pipelines.csv")
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, delimiter=";").writerows(rows)
    code, out = run_check(capsys)
    assert code == 1 and "pipelines.csv:1: wrong delimiter" in out


def test_non_utf8_file(curated, capsys):
    path = curated.path("enclaves.csv")
    path.write_bytes(path.read_bytes().replace(b"Gamma", b"G\xe4mma", 1))
    code, out = run_check(capsys)
    assert code == 1 and "enclaves.csv:2: not UTF-8" in out


def test_truncated_inside_a_quoted_cell(curated, capsys):
    path = curated.path("pipelines.csv")
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b'"Test Line,') + 8])
    code, out = run_check(capsys)
    assert code == 1 and "pipelines.csv:2:" in out


def test_projected_metres_in_place_coordinates(curated, capsys):
    number = curated.set("roads/places_a.csv", PLACE, lon="512345.6", lat="4567890.1")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"places_a.csv:{number}: lon:" in out and "out of range" in out


def test_three_dimensional_via_point(curated, capsys):
    number = curated.set("roads/segments_a.csv", SEGMENT, via="69.5 40.02 1250; 69.8 40.01")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"segments_a.csv:{number}: via: point 1 '69.5 40.02 1250'" in out


def test_cited_length_shorter_than_the_straight_line(curated, capsys):
    number = curated.set("roads/segments_a.csv", SEGMENT, length_km="50")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"segments_a.csv:{number}: tj-alpha-pass: length 50.0 km is shorter than the straight" in out


def test_unknown_country_code_in_crossing(curated, capsys):
    number = curated.set("crossings.csv", CROSSING, countries="KG-XX")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"crossings.csv:{number}: countries: unknown country code in 'KG-XX'" in out


def test_every_problem_is_reported_in_one_pass(curated, capsys):
    first = curated.set("crossings.csv", CROSSING, countries="KG-XX")
    second = curated.set("pipeline_vertices.csv", {"seq": "2"}, lat="95")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"crossings.csv:{first}:" in out and f"pipeline_vertices.csv:{second}: lat" in out


def test_build_refuses_and_leaves_built_layers_untouched(curated, capsys):
    assert main(["build", "--no-upstream"]) == 0
    capsys.readouterr()
    before = {p.name: p.read_bytes() for p in curated.layers()}
    assert {"crossings.geojson", "roads.geojson", "places.geojson", "pipelines.geojson"} <= set(before)
    curated.set("crossing_status.csv", STATUS, date="2025-13-13")
    curated.write()
    code = main(["build", "--no-upstream"])
    captured = capsys.readouterr()
    assert code == 1 and "nothing written" in captured.err
    assert {p.name: p.read_bytes() for p in curated.layers()} == before
    assert not list(curated.root.glob(".*.tmp"))


@pytest.mark.parametrize("text", ['<img src=x onerror=alert(1)>', '"><script>x()</script>', "a, \"b\"\nc"])
def test_hostile_text_in_names_is_data_not_markup(curated, capsys, text):
    curated.set("crossings.csv", CROSSING, name=text)
    curated.write()
    code, _ = run_check(capsys)
    assert code == 0  # a name is free text: it is escaped where it is shown (see test_render, test_browser)
