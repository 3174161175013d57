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


# --- evidence rules of a dated fact (crossing_status.csv and pipeline_status.csv share them) ------------------

LONG_QUOTE = ("Пункт пропуска закрыт. " * 14).strip()  # 321 characters


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"published": ""}, "published: missing (every fact dated 2018-01-01 or later needs"),
        ({"evidence": ""}, "evidence: missing (every fact dated 2018-01-01 or later needs"),
        ({"published": "2022-05-31"}, "date: 2022-06-01 is after its source's publication (2022-05-31)"),
        ({"published": "2023-01-15", "evidence": "The post is closed."},
         "date: 2022-06-01 is 228 days before its source's publication (2023-01-15) and the evidence does not name"),
        ({"evidence": LONG_QUOTE}, f"evidence: {len(LONG_QUOTE)} characters (at most 300"),
        ({"kind": "rumour"}, "kind: 'rumour' is not one of planned"),
        ({"published": "2022-06-31"}, "published: '2022-06-31' is not a real date"),
    ],
)
@pytest.mark.parametrize("table", ["crossing_status.csv", "pipeline_status.csv"])
def test_facts_need_their_evidence(curated, capsys, table, cells, message):
    match = STATUS if table == "crossing_status.csv" else {"pipeline_id": "test-line", "section": "KG"}
    if table == "pipeline_status.csv":
        curated.set(table, match, date="2022-06-01", published="2022-06-01")
    number = curated.set(table, match, **cells)
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"src/{table}:{number}: {message}" in out, out


@pytest.mark.parametrize("evidence", ["Закрыт с июня 2022 года.", "closed since 01.06.2022", "с 1/6/22 закрыт",
                                      "2022年6月1日起关闭"])
def test_an_old_fact_whose_quote_names_its_date_is_accepted(curated, capsys, evidence):
    curated.set("crossing_status.csv", STATUS, published="2023-01-15", evidence=evidence)
    curated.write()
    assert run_check(capsys) == (0, "")


def test_a_planned_row_may_be_dated_after_its_publication(curated, capsys):
    curated.set("crossing_status.csv", STATUS, published="2022-05-01", kind="planned")
    curated.write()
    assert run_check(capsys) == (0, "")


def test_rows_before_2018_need_no_evidence(curated, capsys):
    curated.set("pipeline_status.csv", {"pipeline_id": "test-line", "section": ""}, published="", evidence="")
    curated.write()
    assert run_check(capsys) == (0, "")


def test_unknown_pipeline_section(curated, capsys):
    number = curated.set("pipeline_status.csv", {"pipeline_id": "test-line", "section": "KG"}, section="XX")
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"pipeline_status.csv:{number}: section: 'XX' is not a country code" in out


@pytest.mark.parametrize("table", ["pipeline_status.csv", "crossing_status.csv", "history_gaps.csv",
                                   "crossings_out_of_scope.csv", "roads/segments_a.csv"])
def test_a_file_without_its_final_newline_is_truncated(curated, capsys, table):
    path = curated.path(table)
    data = path.read_bytes()
    path.write_bytes(data[:-1])  # the last row still parses: only the missing newline shows the cut
    code, out = run_check(capsys)
    lines = data.count(b"\n")
    assert code == 1 and f"{table}:{lines}: file does not end with a newline: truncated file?" in out


def test_a_file_cut_at_sixty_percent_is_refused(curated, capsys):
    curated.rows("pipeline_status.csv")[-1]["source"] = "https://example.org/a/very/long/path/" + "x" * 200
    curated.write()
    path = curated.path("pipeline_status.csv")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    code, out = run_check(capsys)
    assert code == 1 and "pipeline_status.csv:" in out and "truncated" in out


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"crossing_id": "atlantis"}, "crossing_id: unknown crossing 'atlantis'"),
        ({"period_end": "2021-01-01"}, "period_end: 2021-01-01 is before period_start 2022-01-01"),
        ({"queries": ""}, "queries: missing"),
        ({"searched_on": "yesterday"}, "searched_on: 'yesterday' is not an ISO date"),
    ],
)
def test_bad_gap_records(curated, capsys, cells, message):
    number = curated.set("history_gaps.csv", {"crossing_id": "rail-halt"}, **cells)
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"src/history_gaps.csv:{number}: {message}" in out


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"reason": ""}, "reason: missing"),
        ({"countries": "TJ-KG"}, "countries: 'TJ-KG' is not two known ISO codes in alphabetical order"),
        ({"source": ""}, "source: missing source URL"),
    ],
)
def test_bad_out_of_scope_rows(curated, capsys, cells, message):
    number = curated.set("crossings_out_of_scope.csv", {"name": "Test Footpath"}, **cells)
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"src/crossings_out_of_scope.csv:{number}: {message}" in out


@pytest.mark.parametrize("text", ['<img src=x onerror=alert(1)>', '"><script>x()</script>', "`${alert(1)}`"])
def test_hostile_evidence_is_data_not_markup(curated, capsys, text):
    from geo.map import text as t

    curated.set("crossing_status.csv", STATUS, evidence=text)
    curated.write()
    assert run_check(capsys) == (0, "")
    shown = t.history([{"date": "2022-06-01", "status": "closed", "source": "https://a.org/x", "evidence": text}])
    assert "<script" not in shown[0][2] and "<img" not in shown[0][2] and "${" not in shown[0][2]
    assert t.text(text) in shown[0][2]
