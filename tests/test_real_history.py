"""The committed crossings' history, period by period (facts chosen from the 2018–2026 research of issue 17).

Each period is checked on the built layer (what the map, exports and routes read) and, where it matters, on a
route under a scenario of that day.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from geo.errors import NoRouteError
from geo.layers import crossings, history, store
from geo.layers.status import status_on
from geo.paths import source_dir
from geo.routing import RouteEngine
from geo.routing.graph import Scenario

D = dt.date


@cache
def frame():
    return store.read_layer("crossings")[0].set_index("id")


@cache
def engine() -> RouteEngine:
    return RouteEngine.load()


def state(cid: str, day: dt.date) -> tuple[str, tuple[str, ...], str]:
    entry = status_on(frame().loc[cid, "status_history"], day)
    return entry["status"], tuple(entry.get("traffic") or ()), entry.get("access") or "unknown"


def passengers_may_cross(cid: str, day: dt.date) -> bool:
    status, traffic, access = state(cid, day)
    return status in ("open", "restricted") and (not traffic or "passengers" in traffic) \
        and not (status == "restricted" and access == "other")


def ids(countries: str) -> list[str]:
    return sorted(frame().index[frame()["countries"] == countries])


@pytest.mark.parametrize("day", [D(2020, 4, 1), D(2021, 6, 1), D(2022, 1, 7), D(2022, 3, 14)])
def test_tj_uz_posts_carried_no_ordinary_passengers_from_2020_to_march_2022(day):
    """Of 17 posts only three kept working, for freight (from Feb 2021 students too); all reopened 15/16 Mar 2022."""
    assert len(ids("TJ-UZ")) >= 13
    for cid in ids("TJ-UZ"):
        assert not passengers_may_cross(cid, day), (cid, state(cid, day))
    working = {cid for cid in ids("TJ-UZ") if state(cid, day)[0] == "restricted"}
    assert {"dousti-sariosiyo", "fotehobod-oybek", "bekabad"} <= working


def test_tj_uz_posts_reopened_in_march_2022():
    for cid in ids("TJ-UZ"):
        assert state(cid, D(2022, 6, 1))[0] == "open", cid


@pytest.mark.parametrize(("cid", "passengers_back"), [
    ("irkeshtam", D(2023, 1, 8)), ("nur-zholy-khorgos", D(2023, 1, 8)), ("kulma", D(2023, 1, 8)),
    ("torugart", D(2023, 2, 20)), ("dostyk-alashankou", D(2023, 2, 20)), ("bakhty", D(2023, 2, 20)),
])
def test_chinese_posts_were_freight_only_until_january_2023_then_open(cid, passengers_back):
    for day in (D(2021, 6, 1), D(2022, 1, 7), D(2022, 6, 1)):
        assert state(cid, day)[:2] == ("restricted", ("freight",)), (cid, day)
    assert state(cid, passengers_back)[0] == "open"
    assert state(cid, D(2023, 6, 1))[0] == "open"


def test_kazakhstan_closed_most_kyrgyz_posts_on_7_january_2022():
    day = D(2022, 1, 7)
    closed = {cid for cid in ids("KG-KZ") if state(cid, day)[0] == "closed"}
    assert {"korday-ak-zhol", "ak-tilek", "kegen-karkyra", "aukhatty-ken-bulun", "sartobe-tokmok"} <= closed
    assert {"chaldybar", "chon-kapka"}.isdisjoint(closed)  # the two posts that kept working
    assert state("korday-ak-zhol", D(2022, 1, 6))[0] == "open"


@pytest.mark.parametrize("cid", ["kyzyl-bel", "kairagach"])
def test_kg_tj_posts_closed_in_2021_and_reopened_in_2025(cid):
    for day in (D(2021, 6, 1), D(2022, 6, 1), D(2023, 6, 1), D(2025, 3, 12)):
        assert state(cid, day)[0] == "closed", day
    assert state(cid, D(2025, 3, 13))[0] == "open"
    assert state(cid, D(2025, 6, 1))[0] == "open"


@pytest.mark.parametrize(("start", "end"), [("Khujand", "Tashkent"), ("Dushanbe", "Samarkand")])
def test_a_tajik_to_uzbek_passenger_route_in_mid_2021_uses_no_post_closed_to_passengers(start, end):
    day = D(2021, 6, 1)
    try:
        route = engine().route(start, end, Scenario(as_of=day))
    except NoRouteError:
        return
    for crossing in route.crossings:
        assert passengers_may_cross(crossing.id, day), crossing


def test_a_tajik_to_uzbek_passenger_route_returns_with_the_reopening():
    route = engine().route("Khujand", "Tashkent", Scenario(as_of=D(2022, 6, 1)))
    assert {c.id for c in route.crossings} & set(ids("TJ-UZ"))


def test_every_crossing_has_a_status_or_a_recorded_gap_on_each_checkpoint_day():
    loaded = crossings.load(source_dir())
    gaps = history.load_gaps(source_dir(), [c.id for c in loaded])
    records = [{"id": c.id, "name": c.name, "countries": c.countries, "status_history": c.history} for c in loaded]
    report = history.history_report(records, gaps, D(2026, 12, 7))
    missing = {h.id: [c.day.isoformat() for c in h.missing] for h in report.crossings if h.missing}
    assert missing == {}
    assert len(report.crossings) == len(frame())


def test_every_fact_since_2018_carries_its_evidence():
    for cid, row in frame().iterrows():
        for e in row["status_history"]:
            if e["date"] >= "2018-01-01":
                assert e["published"] and e["evidence"] and len(e["evidence"]) <= 300, (cid, e["date"])
                assert e["kind"] == "planned" or e["date"] <= e["published"], (cid, e["date"])


def test_the_named_crossings_are_in_the_layer_or_out_of_scope():
    out = {o.name for o in history.load_out_of_scope(source_dir())}
    for cid in ("chon-kapka", "kaitpas", "otukchu", "qushtegirmon"):
        assert cid in frame().index
    for name in ("Kichi-Kapka", "Kamyshanovka", "Bek-Abad", "Kara-Bagysh"):
        assert any(name in o for o in out), name
    assert "Maktaaral" in frame().loc["atameken", "notes"] and "Gulistan" in frame().loc["atameken", "name"]
