"""Dated distance matrices equal `geo route` pair by pair; bad input is one line, exit 2, and nothing written."""

import datetime as dt
import io
import random
from functools import cache

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_timeline import histories, world

from geo.cli import main
from geo.errors import NoRouteError, UsageError
from geo.routing import RouteEngine
from geo.routing import matrix as mx
from geo.routing.graph import Scenario


def agrees(engine, row, scenario) -> None:
    """Assert a matrix row equals `geo route` for its pair on its day."""
    try:
        route = engine.route(row["from"], row["to"], scenario)
    except NoRouteError:
        assert not bool(row["reachable"])
        return
    assert bool(row["reachable"])
    assert float(row["km"]) == pytest.approx(route.distance_km, abs=1e-3)
    assert float(row["hours"]) == pytest.approx(route.duration_h, abs=1e-3)
    assert float(row["border_h"]) == pytest.approx(route.border_h, abs=1e-3)
    assert int(row["crossings"]) == len(route.crossings)
    assert set(str(row["countries"]).split()) == set(route.by_country_km)


def synthetic_places(engine) -> list[mx.Place]:
    return [mx.Place(p, p, "AA", "town") for p in ("x", "y", "z", "detour")]


@settings(max_examples=40, deadline=None)
@given(histories(), st.sampled_from(["2008-01-01", "2016-06-01", "2021-05-21", "2024-01-01"]),
       st.sampled_from(["time", "distance"]), st.sampled_from(["open", "closed"]))
def test_matrix_on_a_tiny_world_equals_route_for_every_pair(hist, day, optimize, unknown):
    engine = world(hist)
    scenario = Scenario(as_of=dt.date.fromisoformat(day), optimize=optimize, unknown=unknown)
    places = synthetic_places(engine)
    frame = mx.matrix_on(engine.graph, scenario, places, places)
    assert len(frame) == 12
    for _, row in frame.iterrows():
        agrees(engine, row, scenario)


@cache
def engine() -> RouteEngine:
    return RouteEngine.load()


DATES = ["2012-06-01", "2021-06-01", "2025-06-01"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_matrix_file_equals_route_on_a_sample_of_pairs_and_dates(tmp_path, capsys, suffix):
    out = tmp_path / f"m{suffix}"
    assert main(["matrix", "--kind", "city", "--dates", *DATES, "--mode", "freight", "-o", str(out)]) == 0
    if suffix == ".csv":
        text = out.read_text(encoding="utf-8")
        assert text.startswith("# generated_by: geo matrix\n") and "# licence: " in text
        frame = pd.read_csv(io.StringIO(text), comment="#", keep_default_na=False, na_values=[""])
    else:
        table = pq.read_table(out)
        assert b"data_version" in table.schema.metadata[b"geo"]
        frame = table.to_pandas()
    assert list(frame.columns) == list(mx.COLUMNS)
    cities = frame["from"].nunique()
    assert len(frame) == cities * (cities - 1) * len(DATES)
    rng = random.Random(19)
    for index in rng.sample(range(len(frame)), 60):
        row = frame.iloc[index]
        agrees(engine(), row, Scenario(as_of=dt.date.fromisoformat(str(row["date"])), mode="freight"))


def test_summary_is_one_row_per_country_pair_between_capitals(capsys):
    assert main(["matrix", "--summary", "--dates", "2023-01-01", "--main", "Almaty"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), comment="#")
    assert list(frame.columns) == list(mx.SUMMARY_COLUMNS)
    pairs = set(zip(frame["from_country"], frame["to_country"]))
    assert len(pairs) == len(frame) == 20 and ("TJ", "KZ") in pairs
    assert set(frame.loc[frame["to_country"] == "KZ", "to"]) == {"almaty"}


def test_jobs_give_the_same_table_as_one_process(capsys):
    args = ["matrix", "--country", "TJ", "--kind", "city", "--from", "2019-01-01", "--to", "2022-01-01",
            "--step", "year", "--no-progress"]
    assert main(args) == 0
    one = capsys.readouterr().out
    assert main([*args, "--jobs", "2"]) == 0
    assert capsys.readouterr().out == one


def test_events_and_steps_choose_the_days():
    assert mx.dates_between(dt.date(2020, 1, 15), dt.date(2022, 6, 1), "year") == [
        dt.date(2020, 1, 15), dt.date(2021, 1, 15), dt.date(2022, 1, 15)]
    days = mx.event_dates(engine().graph, Scenario(), dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert dt.date(2021, 5, 21) in days and all(d.year == 2021 for d in days)


def test_selection_errors():
    places = mx.routable_places(engine().graph, pd.DataFrame(
        {"id": ["dushanbe", "khujand"], "name": ["D", "K"], "country": ["TJ", "TJ"], "kind": ["city", "city"],
         "capital": ["national", None]}))
    assert [p.id for p in places] == ["dushanbe", "khujand"]
    with pytest.raises(UsageError, match="at least two"):
        mx.select(places, kinds=["town"])
    with pytest.raises(UsageError, match="not a routable place"):
        mx.select(places, ids=["kyzyl-bel"])


@pytest.mark.parametrize("argv, needle", [
    (["--places", "Nowhere", "Dushanbe"], "unknown place"),
    (["--places", "Kyzyl-Bel", "Dushanbe"], "not a routable place"),
    (["--country", "TM", "--kind", "pass"], "at least two"),
    (["--dates", "1990-01-01"], "before the history"),
    (["--step", "year"], "--step needs --from"),
    (["--from", "2020-01-01"], "need --step"),
    (["--dates", "2020-01-01", "--events"], "exclude each other"),
    (["--country", "XX"], "not a country code"),
    (["-o", "m.xlsx"], "must end in"),
    (["--step", "week", "--from", "2020-01-01"], "invalid choice"),
    (["--jobs", "0"], "--jobs"),
])
def test_matrix_bad_input_is_one_line_exit_2_and_nothing_written(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if "-o" not in argv:
        argv = [*argv, "-o", "m.csv"]
    try:
        code = main(["matrix", *argv])
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    assert code == 2 and needle in captured.err and len(captured.err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == [] and captured.out == ""
