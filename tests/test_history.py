"""The history report (geo/layers/history.py) and planned facts, on data written in code."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from geo.changes import compare_history
from geo.cli import main
from geo.layers import history, store
from geo.layers.status import facts, last_verified, section_status, status_on
from tests.common import CuratedWorkspace

SOURCE = "https://example.org/h"
TODAY = dt.date(2026, 12, 7)


def entry(date: str, status: str, **extra: object) -> dict[str, object]:
    return {"date": date, "status": status, "source": SOURCE, **extra}


HISTORY = [
    entry("2013-05-01", "open"),
    entry("2020-03-20", "closed", traffic=None, access="unknown"),
    entry("2021-01-01", "unknown"),
    entry("2022-03-16", "open", traffic=["passengers"], access="bilateral"),
    entry("2026-07-31", "closed", kind="planned"),
]


def test_a_planned_entry_never_changes_the_status():
    for day in (dt.date(2026, 7, 31), dt.date(2026, 12, 7)):
        assert status_on(HISTORY, day)["status"] == "open"
    assert last_verified(HISTORY) == "2022-03-16"
    assert [e["date"] for e in facts(HISTORY)] == ["2013-05-01", "2020-03-20", "2021-01-01", "2022-03-16"]
    found = compare_history(HISTORY, dt.date(2025, 1, 1), dt.date(2026, 12, 1), ["passengers"])
    assert found is None  # no fact between the dates: the announcement is not a change


def test_sections_read_their_own_facts_and_the_whole_line():
    line = [entry("2014-09-13", "under-construction"), entry("2023-12-21", "stalled"),
            entry("2019-08-21", "planned", section="UZ"), entry("2024-02-06", "stalled", section="TJ"),
            entry("2024-12-31", "operating", section="TJ", kind="planned")]
    line.sort(key=lambda e: str(e["date"]))
    assert status_on(line, dt.date(2025, 1, 1))["status"] == "stalled"
    assert status_on(line, dt.date(2020, 1, 1))["status"] == "under-construction"  # section facts not the line's
    assert section_status(line, dt.date(2020, 1, 1)) == {"UZ": {"status": "planned", "date": "2019-08-21"},
                                                         "TJ": {"status": "under-construction",
                                                                "date": "2014-09-13"}}
    assert section_status(line, dt.date(2025, 6, 1))["TJ"] == {"status": "stalled", "date": "2024-02-06"}


def test_periods_spans_and_checkpoints():
    gaps = [history.Gap("x", dt.date(2021, 1, 1), dt.date(2022, 3, 15), ("q",), TODAY)]
    report = history.crossing_history({"id": "x", "name": "X", "countries": "KG-TJ", "status_history": HISTORY},
                                      gaps, TODAY)
    assert [(p.start.isoformat(), p.status) for p in report.periods] == [
        ("2013-05-01", "open"), ("2020-03-20", "closed"), ("2021-01-01", "unknown"), ("2022-03-16", "open")]
    assert report.periods[-1].end is None and report.periods[-1].traffic == ("passengers",)
    assert [(s.start.isoformat(), s.end.isoformat(), bool(s.gaps)) for s in report.unknown] == [
        ("2021-01-01", "2022-03-16", True)]
    # 2018-01-01 (the window) to the 2020 fact, and the last fact to today: both over two years
    assert [(s.start.isoformat(), s.end.isoformat()) for s in report.stale] == [
        ("2018-01-01", "2020-03-20"), ("2022-03-16", "2026-12-07")]
    marks = {c.day.isoformat(): c.mark() for c in report.checkpoints}
    assert marks["2020-04-01"] == "" and marks["2021-06-01"] == "*" and marks["2022-06-01"] == ""
    assert marks["2025-06-01"] == "~" and report.planned == 1
    assert not report.missing


def test_an_unknown_day_without_a_gap_is_missing():
    report = history.crossing_history({"id": "y", "name": "Y", "countries": "KG-TJ",
                                       "status_history": [entry("2022-01-01", "open")]}, [], TODAY)
    missing = [c.day.isoformat() for c in report.missing]
    assert missing == ["2020-04-01", "2021-06-01"]
    assert [(s.start.isoformat(), s.end.isoformat()) for s in report.unknown] == [("2018-01-01", "2022-01-01")]


def test_report_history_on_the_synthetic_world(curated: CuratedWorkspace, capsys):
    assert main(["report", "history", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["recorded_gaps"] == 1
    by_id = {c["id"]: c for c in report["crossings"]}
    rail = {c["day"]: c for c in by_id["rail-halt"]["checkpoints"]}
    assert rail["2022-06-01"]["only_recorded_gap"] and rail["2022-06-01"]["status"] == "open"
    assert by_id["test-pass"]["planned"] == 1
    assert by_id["test-pass"]["checkpoints"][-1]["status"] == "closed"  # the announced reopening is not a fact
    assert report["facts_per_year"]["KG-TJ"]["2022"] == 1
    assert main(["report", "history"]) == 0
    text = capsys.readouterr().out
    assert "Test Pass [KG-TJ] (test-pass), 1 announced" in text and "Facts per border and year" in text


def test_planned_rows_leave_exports_and_routes_alone(curated: CuratedWorkspace, capsys, tmp_path):
    """The synthetic Test Pass closed in 2022 has a reopening announced for 2026-07-31: it stays closed."""
    assert main(["build", "--no-upstream"]) == 0
    capsys.readouterr()
    frame, _ = store.read_layer("crossings", curated.root)
    dated = store.redate(frame, dt.date(2026, 8, 1)).set_index("id")
    assert dated.loc["test-pass", "status"] == "closed"
    assert dated.loc["test-pass", "last_verified"] == "2022-06-01"
    assert main(["route", "Alpha", "Beta", "--as-of", "2026-08-01"]) == 3
    assert "test-pass" in capsys.readouterr().err


@pytest.mark.parametrize("evidence", ["<script>alert(1)</script>", "`${x}`"])
def test_popups_show_planned_rows_and_escaped_quotes(evidence):
    from geo.map import text as t

    rows = t.history([entry("2022-06-01", "closed", evidence=evidence),
                      entry("2026-07-31", "open", kind="planned", evidence="откроется")], quotes=True)
    assert rows[1][0] == "announced for 2026-07-31" and "<q>откроется</q>" in rows[1][2]
    assert "<script" not in rows[0][2] and "${" not in rows[0][2] and "<q>" in rows[0][2]
    assert t.in_force_quote(HISTORY + [entry("2023-01-01", "open", evidence=evidence)], "2023-01-01") \
        == t.quote(evidence)
