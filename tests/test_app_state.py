"""geoapp.state: a link's state, the session keys and back (pure round trips, no Streamlit run)."""

from __future__ import annotations

import datetime as dt
from dataclasses import Field, field, fields, make_dataclass, replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.i18n import languages
from geo.map.registry import IDS
from geo.map.spec import View
from geo.routing.graph import Scenario
from geo.vocab import BY_ISO2, MAX_ALTERNATIVES, ROUTABLE
from geoapp import share, state

TODAY = dt.date(2026, 1, 1)
CROSSINGS = ["kyzyl-bel", "oybek", "dostuk"]
PLACES = ["khujand", "batken", "osh", "bishkek"]
days = st.dates(min_value=share.FIRST_DAY, max_value=TODAY)
ids = st.frozensets(st.sampled_from(CROSSINGS))
codes = st.frozensets(st.sampled_from(ROUTABLE))


def field_values(f: Field[Any]) -> st.SearchStrategy[Any]:
    """Values of a scenario field, drawn from the set its ``kind`` names."""
    return {"date": days, "crossings": ids, "countries": codes,
            "country": st.none() | st.sampled_from(sorted(BY_ISO2)),
            "choice": st.sampled_from(list(f.metadata.get("choices", ())))}[f.metadata["kind"]]


def scenarios(kind: type[Scenario] = Scenario) -> st.SearchStrategy[Scenario]:
    """Scenarios of a class, every field drawn from its declared set (a new field needs no edit here), made
    consistent as a form's values are (a crossing both closed and opened stays closed…)."""
    values = st.fixed_dictionaries({f.name: field_values(f) for f in fields(kind)})
    return values.map(lambda v: kind.consistent(**v))


states = st.builds(
    share.AppState, overlays=st.frozensets(st.sampled_from(IDS)), basemap=st.sampled_from(["osm", "light", "none"]),
    view=st.builds(View, st.floats(-80, 80), st.floats(-170, 170), st.integers(3, 18)),
    origin=st.sampled_from([None, "khujand"]), dest=st.sampled_from([None, "batken"]),
    scenario=scenarios(), second=st.none() | scenarios(), changes=st.none() | days,
    via=st.lists(st.sampled_from(PLACES), max_size=share.MAX_VIA).map(tuple),
    alternatives=st.integers(0, MAX_ALTERNATIVES), lang=st.sampled_from(sorted(languages())),
    tab=st.sampled_from(share.TABS))
KNOWN = share.Known(place=lambda v: v if v in PLACES else None, crossings=set(CROSSINGS), countries=set(ROUTABLE),
                    today=TODAY)


def normalised(s: share.AppState) -> share.AppState:
    """What a state looks like once it went through the widgets: a comparison's second scenario differs from the
    first only in the fields a comparison may change."""
    if s.second is None:
        return s
    return replace(s, second=replace(s.scenario, **{name: getattr(s.second, name) for name in share.SECOND_FIELDS}))


@given(states)
def test_session_round_trip(s: share.AppState) -> None:
    assert state.from_session(state.to_session(s), TODAY) == normalised(s)


@given(states)
def test_link_round_trip_through_the_session(s: share.AppState) -> None:
    through = state.from_session(state.to_session(s), TODAY)
    parsed, notices = share.parse(share.to_params(through, today=TODAY), KNOWN)
    assert notices == []
    assert parsed == share.AppState(**{**through.__dict__, "view": parsed.view})


def test_a_new_scenario_field_round_trips_without_other_edits() -> None:
    """A field added to (a copy of) the Scenario dataclass travels through the link and the session as declared."""
    extended = make_dataclass("Extended", [("citizen", str | None, field(default=None, metadata={"kind": "country"}))],
                              bases=(Scenario,), frozen=True)

    @given(scenarios(extended))
    def round_trip(s: Scenario) -> None:
        base = extended(as_of=TODAY)
        assert state.session_scenario(state.scenario_session(s), base) == s
        refused: list[str] = []
        params = share.scenario_params(s, base)
        assert ("citizen" in params) == (s.citizen is not None)
        assert share.parse_scenario(params, KNOWN, base, refused.append) == s and refused == []

    round_trip()


def test_every_widget_key_is_written_and_defaults_fill_gaps() -> None:
    values = state.to_session(share.AppState(scenario=Scenario(as_of=TODAY)))
    assert {state.OVERLAY.format(o) for o in IDS} <= set(values)
    assert set(state.ROUTE_KEYS.values()) <= set(values) and set(state.SECOND_KEYS.values()) <= set(values)
    assert set(state.CHANGES_KEYS.values()) <= set(values) and empty_changes(values) is None
    empty = state.from_session({}, TODAY)
    assert empty.overlays == frozenset() and empty.as_of == TODAY and empty.scenario.mode == "passenger"
    assert state.from_session({state.ROUTE_KEYS["mode"]: "rocket"}, TODAY).scenario.mode == "passenger"


def test_load_into_a_plain_mapping() -> None:
    session: dict = {}
    state.load(share.AppState(scenario=Scenario(as_of=TODAY), origin="khujand"), session)
    assert session["r_from"] == "khujand" and session["as_of"] == TODAY


@pytest.mark.parametrize("code", ["RU", "IR", "ZZ"])
def test_only_routable_countries_can_be_avoided_in_a_link(code: str) -> None:
    known = state.known(lambda v: None, {}, TODAY)
    parsed, notices = share.parse({"avoid": code}, known)
    assert parsed.scenario.avoid == frozenset() and len(notices) == 1


def empty_changes(values: dict) -> dt.date | None:
    return state.from_session(values, TODAY).changes


@pytest.mark.parametrize("value", ["2021-13-01", "1999-01-01", "2030-01-01", "yesterday", "2021-01-01<script>"])
def test_bad_second_date_in_a_link_is_ignored_with_a_notice(value: str) -> None:
    parsed, notices = share.parse({"changes": value}, state.known(lambda v: None, {}, TODAY))
    assert parsed.changes is None
    assert notices == ["changes"]  # the parameter's name: the app shows share.NOTICE about it, translated


def test_second_date_round_trips_through_link_and_session() -> None:
    parsed, notices = share.parse({"changes": "2021-01-01", "date": "2025-08-01"},
                                  state.known(lambda v: None, {}, TODAY))
    assert notices == [] and parsed.changes == dt.date(2021, 1, 1)
    session = state.to_session(parsed)
    assert session[state.CHANGES_KEYS["on"]] is True and session[state.CHANGES_KEYS["date"]] == dt.date(2021, 1, 1)
    assert share.to_params(state.from_session(session, TODAY), today=TODAY)["changes"] == "2021-01-01"


def test_new_route_keys_default_and_fall_back() -> None:
    empty = state.from_session({}, TODAY)
    assert (empty.scenario.optimize, empty.via, empty.alternatives, empty.scenario.unknown,
            empty.scenario.vehicle) == ("time", (), 0, "open", None)
    odd = state.from_session({state.ROUTE_KEYS["optimize"]: "speed", state.ROUTE_KEYS["alternatives"]: 7,
                              state.ROUTE_KEYS["unknown"]: "maybe", state.ROUTE_KEYS["vehicle"]: "XX"}, TODAY)
    assert (odd.scenario.optimize, odd.alternatives, odd.scenario.unknown, odd.scenario.vehicle) == (
        "time", 0, "open", None)


@pytest.mark.parametrize(("key", "value"), [("optimize", "speed"), ("alt", "4"), ("alt", "-1"), ("alt", "1.5"),
                                            ("unknown", "maybe"), ("vehicle", "XX"), ("vehicle", "KAZ"),
                                            ("via", "khujand,<nowhere>"), ("via", ",".join(["osh"] * 9)),
                                            ("tab", "settings"), ("tab", "Measure")])
def test_bad_route_link_values_give_one_notice(key: str, value: str) -> None:
    known = state.known(lambda v: v if v in PLACES else None, {}, TODAY)
    parsed, notices = share.parse({key: value}, known)
    assert parsed == share.AppState(scenario=Scenario(as_of=TODAY)) and notices == [key]
    assert value not in notices[0]


def test_citizenship_and_visas_keep_the_link() -> None:
    known = state.known(lambda v: None, {}, TODAY)
    parsed, notices = share.parse({"citizen": "kg", "visa": "tm,cn"}, known)
    assert notices == [] and (parsed.scenario.citizen, parsed.scenario.visas) == ("KG", frozenset({"TM", "CN"}))
    assert share.to_params(parsed, today=TODAY) == {"citizen": "KG", "visa": "CN,TM"}
    session = state.to_session(parsed)
    assert session[state.ROUTE_KEYS["citizen"]] == "KG" and session[state.ROUTE_KEYS["visas"]] == ["CN", "TM"]
    assert state.from_session(session, TODAY) == parsed


@pytest.mark.parametrize(("params", "notices", "citizen", "visas"), [
    ({"citizen": "XX"}, ["citizen"], None, frozenset()),
    ({"citizen": "KGZ", "visa": "TM"}, ["citizen", "visa"], None, frozenset()),  # no citizenship: the visa goes too
    ({"visa": "TM"}, ["visa"], None, frozenset()),
    ({"citizen": "KG", "visa": "TM,QQ"}, ["visa"], "KG", frozenset()),
    ({"citizen": "KG", "visa": "KG"}, ["visa"], "KG", frozenset()),
])
def test_bad_citizen_link_values_are_ignored_with_a_notice(params, notices, citizen, visas) -> None:
    known = state.known(lambda v: None, {}, TODAY)
    parsed, found = share.parse(params, known)
    assert found == notices and (parsed.scenario.citizen, parsed.scenario.visas) == (citizen, visas)


def test_good_route_link_values() -> None:
    known = state.known(lambda v: v if v in PLACES else None, {}, TODAY)
    parsed, notices = share.parse({"optimize": "distance", "via": "osh,bishkek", "alt": "3", "unknown": "closed",
                                   "vehicle": "tj", "tab": "download"}, known)
    assert notices == []
    assert (parsed.scenario.optimize, parsed.via, parsed.alternatives, parsed.scenario.unknown,
            parsed.scenario.vehicle, parsed.tab) == ("distance", ("osh", "bishkek"), 3, "closed", "TJ", "download")
    default_tab = share.AppState(scenario=Scenario(as_of=TODAY), tab="route")
    assert share.to_params(default_tab, today=TODAY) == {}  # the default tab: not written
    assert state.from_session({state.TAB_OPEN: "settings"}, TODAY).tab == "route"


def test_the_language_is_kept_in_the_link_and_the_session() -> None:
    known = state.known(lambda v: None, {}, TODAY)
    russian = share.AppState(scenario=Scenario(as_of=TODAY), lang="ru")
    assert share.to_params(russian, today=TODAY) == {"lang": "ru"}
    english = share.AppState(scenario=Scenario(as_of=TODAY))
    assert share.to_params(english, today=TODAY) == {}  # English is the default: not written
    assert state.to_session(russian)["lang"] == "ru" and state.from_session({"lang": "ru"}, TODAY).lang == "ru"
    parsed, notices = share.parse({"lang": "RU"}, known)
    assert parsed.lang == "ru" and notices == []


@pytest.mark.parametrize("value", ["xx", "", "<script>", "ru-RU", "english"])
def test_a_bad_language_in_a_link_falls_back_to_english_with_a_notice(value: str) -> None:
    parsed, notices = share.parse({"lang": value, "date": "2023-06-01"}, state.known(lambda v: None, {}, TODAY))
    assert parsed.lang == "en" and notices == ["lang"] and parsed.as_of == dt.date(2023, 6, 1)
    assert state.from_session({"lang": value}, TODAY).lang == "en"
