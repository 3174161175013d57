import datetime as dt
import json
import math

import pandas as pd
import pytest

from geo.changes import CHANGED, CHANGED_BACK, CONFIRMED, FIRST, compare_history, find_changes, format_changes
from geo.cli import main
from geo.layers import store

D1, D2 = dt.date(2021, 1, 1), dt.date(2025, 8, 1)


def fact(date: str, status: str, source: str = "", traffic: list[str] | None = None) -> dict[str, object]:
    return {"date": date, "status": status, "traffic": traffic, "note": f"{status} on {date}",
            "source": source or f"https://example.org/{date}"}


def frame(histories: dict[str, list[dict[str, object]]], traffic: object = ("passengers", "freight")) -> pd.DataFrame:
    return pd.DataFrame([{"id": cid, "name": cid.title(), "countries": "KG-TJ", "traffic": list(traffic)
                          if isinstance(traffic, tuple) else traffic, "status_history": h}
                         for cid, h in histories.items()])


def test_closed_then_reopened_is_a_change_with_every_fact_and_source() -> None:
    history = [fact("2020-03-17", "restricted"), fact("2021-05-21", "closed"), fact("2025-03-13", "open")]
    kind, before, after, facts = compare_history(history, D1, D2, ["passengers"]) or (None, None, None, ())
    assert kind == CHANGED
    assert before is not None and after is not None
    assert (before.status, before.since, before.source) == ("restricted", "2020-03-17", "https://example.org/2020-03-17")
    assert (after.status, after.since) == ("open", "2025-03-13")
    assert [(f.date, f.status, f.source) for f in facts] == [
        ("2021-05-21", "closed", "https://example.org/2021-05-21"),
        ("2025-03-13", "open", "https://example.org/2025-03-13")]


def test_open_at_both_ends_but_closed_between_is_changed_and_back() -> None:
    history = [fact("2019-01-01", "open"), fact("2022-01-01", "closed"), fact("2023-01-01", "open")]
    found = compare_history(history, D1, D2)
    assert found is not None and found[0] == CHANGED_BACK


def test_traffic_alone_is_a_change() -> None:
    history = [fact("2019-01-01", "open"), fact("2022-01-01", "open", traffic=["freight"])]
    changes = find_changes(frame({"a": history}), None, D1, D2)
    (change,) = changes.crossings
    assert change.kind == CHANGED and change.traffic_changed and not change.status_changed
    assert change.before.traffic == ("freight", "passengers") and change.after.traffic == ("freight",)


def test_new_facts_repeating_the_status_only_confirm_it() -> None:
    history = [fact("2020-05-20", "closed"), fact("2021-05-21", "closed")]
    found = compare_history(history, D1, D2)
    assert found is not None and found[0] == CONFIRMED


def test_no_fact_before_the_first_date_is_not_a_known_change_unless_the_facts_disagree() -> None:
    agree = compare_history([fact("2024-01-01", "open")], D1, D2)
    assert agree is not None and agree[0] == FIRST and agree[1].status == "unknown"
    disagree = compare_history([fact("2023-05-29", "closed"), fact("2024-09-12", "open")], D1, D2)
    assert disagree is not None and disagree[0] == CHANGED


def test_nothing_dated_in_between_and_same_status_is_left_out() -> None:
    assert compare_history([fact("2019-01-01", "open")], D1, D2) is None
    assert compare_history([fact("2026-01-01", "open")], D1, D2) is None


def test_a_fact_on_the_first_date_counts_as_before_and_on_the_second_as_after() -> None:
    history = [fact("2021-01-01", "closed"), fact("2025-08-01", "open")]
    found = compare_history(history, D1, D2)
    assert found is not None
    kind, before, after, facts = found
    assert (kind, before.status, after.status) == (CHANGED, "closed", "open")
    assert [f.date for f in facts] == ["2025-08-01"]


def test_reversed_dates_are_refused() -> None:
    with pytest.raises(ValueError):
        find_changes(frame({}), None, D2, D1)


def test_json_is_strict_even_with_missing_values() -> None:
    crossings = frame({"a": [fact("2019-01-01", "open"), fact("2022-01-01", "closed")]}, traffic=float("nan"))
    pipelines = pd.DataFrame([{"id": "p", "name": "Line P", "status_history": [
        {"date": "2020-01-01", "status": "under-construction", "note": float("nan"), "source": "https://p.example"},
        {"date": "2023-12-21", "status": "stalled", "note": "stalled", "source": "https://q.example"}]}])
    result = find_changes(crossings, pipelines, D1, D2).to_dict()
    text = json.dumps(result, allow_nan=False)
    assert "NaN" not in text
    assert result["pipelines"][0]["before"]["status"] == "under-construction"
    assert result["pipelines"][0]["facts"][0]["source"] == "https://q.example"


def test_text_report_names_each_fact_and_source() -> None:
    history = [fact("2020-03-17", "restricted"), fact("2021-05-21", "closed", "https://a.example/closed"),
               fact("2025-03-13", "open", "https://a.example/open")]
    text = format_changes(find_changes(frame({"kyzyl-bel": history}), None, D1, D2))
    assert "Kyzyl-Bel [KG-TJ]: restricted → open" in text
    assert "source: https://a.example/closed" in text and "source: https://a.example/open" in text


# --- real layers --------------------------------------------------------------------------------------------------


def closed_and_reopened(history: list[dict[str, object]], start: dt.date, end: dt.date) -> bool:
    """Independent reading: a 'closed' fact dated in the window, followed later in the window by an 'open' one."""
    inside = [e for e in history if start.isoformat() < str(e["date"]) <= end.isoformat()]
    closed_at = [str(e["date"]) for e in inside if e["status"] == "closed"]
    return bool(closed_at) and any(e["status"] == "open" and str(e["date"]) > closed_at[0] for e in inside)


def test_real_kyrgyz_tajik_posts_that_closed_and_reopened_are_listed_with_sources() -> None:
    crossings, _ = store.read_layer("crossings")
    pipelines, _ = store.read_layer("pipelines")
    kg_tj = crossings[crossings["countries"] == "KG-TJ"]
    expected = {r.id for r in kg_tj.itertuples() if closed_and_reopened(list(r.status_history), D1, D2)}
    assert {"kyzyl-bel", "kairagach", "karamyk", "bor-dobo"} <= expected  # the 2021 closure and 2025 reopenings
    result = find_changes(crossings, pipelines, D1, D2)
    listed = {c.id: c for c in result.crossings if c.kind in (CHANGED, CHANGED_BACK)}
    assert expected <= set(listed)
    for cid in expected:
        change = listed[cid]
        assert change.after.status == "open"
        statuses = [f.status for f in change.facts]
        assert "closed" in statuses and "open" in statuses
        assert all(f.source and f.source.startswith("http") for f in change.facts)
    line_d = [c for c in result.pipelines if c.id == "cagp-line-d"]
    assert line_d and (line_d[0].before.status, line_d[0].after.status) == ("under-construction", "stalled")


def test_real_changes_cli_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["changes", "--from", "2021-01-01", "--to", "2025-08-01"]) == 0
    text = capsys.readouterr().out
    assert "Kyzyl-Bel – Guliston [KG-TJ]: restricted → open" in text
    assert ("https://economist.kg/society/2025/03/17/za-chietyrie-dnia-kyrghyzsko-tadzhikskuiu-ghranitsu-pieriesiekli-"
            "pochti-5-tysiach-chieloviek") in text
    assert "Pipeline stage changes" in text
    assert main(["changes", "--from", "2021-01-01", "--to", "2025-08-01", "--json"]) == 0
    parsed = json.loads(capsys.readouterr().out,
                        parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert parsed["from"] == "2021-01-01" and parsed["crossings_compared"] == len(store.read_layer("crossings")[0])
    for change in parsed["crossings"]:
        assert change["kind"] in (CHANGED, CHANGED_BACK, FIRST, CONFIRMED)
        for item in change["facts"]:
            assert item["source"] is None or item["source"].startswith("http")
            assert not any(isinstance(v, float) and math.isnan(v) for v in item.values())


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse errors
        return int(exc.code or 0)


@pytest.mark.parametrize("argv", [
    ["changes", "--from", "2025-08-01", "--to", "2021-01-01"],
    ["changes", "--from", "2021-02-30", "--to", "2025-08-01"],
    ["changes", "--to", "2025-08-01"],
])
def test_bad_changes_arguments_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) <= 2 and "Traceback" not in err
