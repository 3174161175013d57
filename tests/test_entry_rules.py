"""geo.layers.entry_rules: travel documents by citizenship, destination and date; `geo check` on bad rows;
routes that list the document per border and avoid bilateral posts and visa borders (synthetic graphs)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import shapely

from geo.cli import main
from geo.errors import NoRouteError, UsageError
from geo.layers import entry_rules
from geo.layers.entry_rules import EntryRule, EntryRules
from geo.routing import RouteEngine
from geo.routing.graph import CrossingInfo, Edge, RoadGraph, Scenario
from geo.routing.names import NameIndex
from tests.common import CuratedWorkspace, run_cli

REPO = Path(__file__).resolve().parent.parent
RULE = {"citizen": "KG", "destination": "TJ", "date": "2024-01-01"}
"""The second synthetic rule (KG citizens entering TJ with an ID card from 2024)."""


def run_check(capsys) -> tuple[int, str]:
    code = main(["check"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out


# --- the curated file -------------------------------------------------------------------------


def test_the_synthetic_rules_load_in_date_order(curated: CuratedWorkspace) -> None:
    rules = entry_rules.load(curated.path("entry_rules.csv"))
    assert [r.document for r in rules.history("KG", "TJ")] == ["passport", "id-card"]
    assert rules.document("KG", "TJ", dt.date(2018, 12, 31)) == "unknown"  # before the first rule: unknown
    assert rules.document("KG", "TJ", dt.date(2023, 12, 31)) == "passport"
    assert rules.document("KG", "TJ", dt.date(2024, 1, 1)) == "id-card"
    assert rules.document("TJ", "KG", dt.date(2024, 1, 1)) == "unknown"  # no rule for the pair: unknown
    assert rules.on("KG", "TJ", dt.date(2020, 1, 1)).days == 60


@pytest.mark.parametrize(("cells", "message"), [
    ({"document": "e-visa"}, "document: 'e-visa' is not one of visa, passport, id-card"),
    ({"citizen": "XX"}, "citizen: 'XX' is not one of"),
    ({"destination": "KG"}, "destination: KG is the citizen's own country"),
    ({"date": "2024-02-30"}, "date: '2024-02-30' is not a real date"),
    ({"published": "2024-13-01"}, "published: '2024-13-01' is not a real date"),
    ({"published": "2023-12-31"}, "date: 2024-01-01 is after its source's publication (2023-12-31)"),
    ({"evidence": "x" * 301}, "evidence: 301 characters, at most 300"),
    ({"evidence": ""}, "evidence: missing"),
    ({"published": ""}, "published: missing date"),
    ({"source": ""}, "source: missing source URL"),
    ({"source": "https://a.org/1|https://b.org/2"}, "source: give one URL"),
    ({"days": "thirty"}, "days: 'thirty' is not a number"),
    ({"days": "2.5"}, "days: '2.5' is not a whole number of days"),
    ({"date": "2018-06-01"},
     "rules of KG citizens entering TJ: out of date order: 2018-06-01 (after 2019-01-01)"),
    ({"date": "2019-01-01", "published": "2019-01-02"},
     "rules of KG citizens entering TJ: a second rule on 2019-01-01"),
])
def test_geo_check_reports_bad_rules_with_file_and_line(curated: CuratedWorkspace, capsys, cells, message) -> None:
    number = curated.set("entry_rules.csv", RULE, **cells)
    curated.write()
    code, out = run_check(capsys)
    assert code == 1 and f"src/entry_rules.csv:{number}: {message}" in out, out


def test_the_real_rules_pass_the_check_and_quote_their_sources() -> None:
    rules = entry_rules.load(REPO / "layers" / "src" / "entry_rules.csv")
    assert len(rules) >= 30
    assert all(r.source.startswith("http") and 0 < len(r.evidence) <= 300 and r.date <= r.published
               for r in rules.rules)
    # the seed's own fact: Kyrgyz and Uzbek citizens with a national ID card, since the 2023 protocol
    assert rules.document("KG", "UZ", dt.date(2024, 1, 1)) == "id-card"
    assert rules.document("UZ", "KG", dt.date(2024, 1, 1)) == "id-card"
    assert rules.document("KG", "UZ", dt.date(2023, 6, 1)) == "passport"
    # Turkmenistan wants a visa of its neighbours
    assert {rules.document(c, "TM", dt.date(2025, 6, 1)) for c in ("KZ", "KG", "TJ", "UZ")} == {"visa"}


# --- routing (synthetic) -------------------------------------------------------------------------

DAY = dt.date(2024, 6, 1)
OPEN = ({"date": "2020-01-01", "status": "open", "access": "international", "note": "", "source": None},)
BILATERAL = ({"date": "2020-01-01", "status": "open", "access": "bilateral", "note": "", "source": None},)


def rule(citizen: str, destination: str, day: str, document: str) -> EntryRule:
    return EntryRule(citizen, destination, dt.date.fromisoformat(day), document, None, "", f"https://e.org/{document}",
                     dt.date.fromisoformat(day), "quote")


def edge(eid: str, a, b, km: float, country: str) -> Edge:
    return Edge(eid, eid, None, (), country, km, "geodesic", shapely.LineString([a, b]), ())


def gate(cid: str, countries: str, history=OPEN) -> CrossingInfo:
    times = tuple({"date": "2015-01-01", "traffic": t, "hours": 0.0, "source": "default", "note": ""}
                  for t in ("passengers", "freight"))
    return CrossingInfo(cid, cid.title(), countries, ("passengers", "freight"), history, times)


def world(rules: EntryRules, near_history=OPEN) -> RouteEngine:
    """kg-town (KG) – near (KG-UZ) – uz-town (UZ), 120 km; or kg-town – far (KG-UZ) – uz-town, 200 km.

    tm-town (TM) hangs off uz-town through the TM-UZ crossing ``south``.
    """
    nodes = {"kg-town": (0.0, 0.0), "near": (1.0, 0.0), "uz-town": (2.0, 0.0), "far": (1.0, 1.0),
             "south": (2.0, -1.0), "tm-town": (2.0, -2.0)}
    edges = [("kg-town", "near", edge("a", nodes["kg-town"], nodes["near"], 60, "KG")),
             ("near", "uz-town", edge("b", nodes["near"], nodes["uz-town"], 60, "UZ")),
             ("kg-town", "far", edge("c", nodes["kg-town"], nodes["far"], 100, "KG")),
             ("far", "uz-town", edge("d", nodes["far"], nodes["uz-town"], 100, "UZ")),
             ("uz-town", "south", edge("e", nodes["uz-town"], nodes["south"], 50, "UZ")),
             ("south", "tm-town", edge("f", nodes["south"], nodes["tm-town"], 50, "TM"))]
    infos = {"near": gate("near", "KG-UZ", near_history), "far": gate("far", "KG-UZ"), "south": gate("south", "TM-UZ")}
    return RouteEngine(RoadGraph(nodes, edges, infos, None, rules), NameIndex((n, n, []) for n in nodes))


RULES = EntryRules([rule("KG", "UZ", "2018-01-01", "passport"), rule("KG", "UZ", "2023-08-25", "id-card"),
                    rule("KG", "TM", "2020-01-01", "visa"), rule("KZ", "UZ", "2018-01-01", "passport")])


def test_documents_name_the_rule_of_the_country_entered_on_the_date() -> None:
    engine = world(RULES)
    before = engine.route("kg-town", "uz-town", Scenario(as_of=dt.date(2023, 6, 1), citizen="KG"))
    after = engine.route("kg-town", "uz-town", Scenario(as_of=DAY, citizen="KG"))
    assert [(d.crossing_id, d.country, d.document, d.since) for d in before.documents] == [
        ("near", "UZ", "passport", "2018-01-01")]
    assert [(d.document, d.since, d.source) for d in after.documents] == [
        ("id-card", "2023-08-25", "https://e.org/id-card")]
    record = after.to_dict()
    assert record["citizen"] == "KG" and record["documents"][0]["document"] == "id-card"
    assert engine.route("kg-town", "uz-town", Scenario(as_of=DAY)).documents == []  # no citizen: no documents


def test_unknown_stays_unknown_and_the_own_country_needs_no_rule() -> None:
    engine = world(RULES)
    home = engine.route("uz-town", "kg-town", Scenario(as_of=DAY, citizen="KG"))
    assert [(d.document, d.own_country, d.source) for d in home.documents] == [("passport", True, None)]
    tajik = engine.route("kg-town", "uz-town", Scenario(as_of=DAY, citizen="TJ"))
    assert [(d.document, d.since, d.source) for d in tajik.documents] == [("unknown", None, None)]
    early = engine.route("kg-town", "uz-town", Scenario(as_of=dt.date(2017, 1, 1), citizen="KG"))
    assert early.documents[0].document == "unknown"  # before the first rule


def test_a_visa_border_is_closed_to_a_citizen_without_the_visa_but_not_on_the_way_out() -> None:
    engine = world(RULES)
    with pytest.raises(NoRouteError, match="countries that want a visa of KG citizens TM"):
        engine.route("kg-town", "tm-town", Scenario(as_of=DAY, citizen="KG"))
    held = engine.route("kg-town", "tm-town", Scenario(as_of=DAY, citizen="KG", visas=frozenset({"TM"})))
    assert [(d.country, d.document, d.visa_held) for d in held.documents] == [("UZ", "id-card", False),
                                                                             ("TM", "visa", True)]
    leaving = engine.route("tm-town", "kg-town", Scenario(as_of=DAY, citizen="KG"))  # already there: may leave
    assert [d.country for d in leaving.documents] == ["UZ", "KG"]
    assert engine.route("kg-town", "tm-town", Scenario(as_of=DAY)).distance_km == 220  # no citizen: no visa check


def test_alternatives_never_enter_a_visa_country_either() -> None:
    engine = world(RULES)
    route = engine.route("tm-town", "kg-town", Scenario(as_of=DAY, citizen="KG"), alternatives=3)
    assert [a.crossing_ids for a in route.alternatives] == [frozenset({"south", "far"})]


@pytest.mark.parametrize(("citizen", "uses_near"), [("KZ", False), ("KG", True), ("UZ", True), (None, True)])
def test_a_bilateral_post_is_closed_to_citizens_of_other_countries(citizen, uses_near) -> None:
    engine = world(RULES, near_history=BILATERAL)
    route = engine.route("kg-town", "uz-town", Scenario(as_of=DAY, citizen=citizen))
    assert ("near" in route.crossing_ids) is uses_near


def test_scenario_refuses_bad_citizenship_and_visas() -> None:
    with pytest.raises(UsageError, match="--citizen 'XX': not a country code"):
        Scenario(citizen="XX")
    with pytest.raises(UsageError, match="--visa needs --citizen"):
        Scenario(visas=frozenset({"TM"}))
    with pytest.raises(UsageError, match="--visa 'QQ'"):
        Scenario(citizen="KG", visas=frozenset({"QQ"}))
    with pytest.raises(UsageError, match="own country"):
        Scenario(citizen="KG", visas=frozenset({"KG"}))
    with pytest.raises(UsageError, match="passenger routes"):
        Scenario(citizen="KG", mode="freight")


# --- the command line on the real layers -------------------------------------------------------------


run = run_cli


def kg_uz_documents(capsys, day: str) -> list[dict[str, object]]:
    code, out, _ = run(capsys, "route", "Osh", "Andijan", "--citizen", "KG", "--as-of", day, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["citizen"] == "KG" and result["visas"] == []
    return [d for d in result["documents"] if d["enters"] == "UZ"]


def test_osh_andijan_names_the_id_card_at_the_kyrgyz_uzbek_border_from_2023(capsys) -> None:
    later = kg_uz_documents(capsys, "2024-01-01")
    assert [d["document"] for d in later] == ["id-card"]
    assert later[0]["since"] == "2023-08-25" and str(later[0]["source"]).startswith("https://")
    assert later[0]["id"] and "ID-kartasi" in str(later[0]["evidence"])
    earlier = kg_uz_documents(capsys, "2023-06-01")
    assert earlier and all(d["document"] != "id-card" for d in earlier)
    assert [d["document"] for d in earlier] == ["passport"]


def test_the_text_output_has_a_documents_line(capsys) -> None:
    code, out, _ = run(capsys, "route", "Osh", "Andijan", "--citizen", "kg", "--as-of", "2024-01-01")
    lines = [line for line in out.splitlines() if line.strip().startswith("documents (KG citizen)")]
    assert code == 0 and len(lines) == 1 and "national ID card" in lines[0] and "https://" in lines[0]


def test_a_visa_country_is_reached_only_with_the_visa(capsys) -> None:
    code, _, err = run(capsys, "route", "Tashkent", "Ashgabat", "--citizen", "UZ", "--as-of", "2025-06-01")
    assert code == 3 and "countries that want a visa of UZ citizens TM" in err
    code, out, _ = run(capsys, "route", "Tashkent", "Ashgabat", "--citizen", "UZ", "--visa", "tm",
                       "--as-of", "2025-06-01", "--json")
    documents = json.loads(out)["documents"]
    assert code == 0 and [(d["enters"], d["document"], d["visa_held"]) for d in documents] == [("TM", "visa", True)]


@pytest.mark.parametrize(("argv", "message"), [
    (["--citizen", "XX"], "--citizen 'XX': not a country code on the map"),
    (["--visa", "TM"], "--visa needs --citizen"),
    (["--citizen", "KG", "--visa", "ZZ"], "--visa 'ZZ': not a country code on the map"),
    (["--citizen", "KG", "--mode", "freight"], "--citizen applies to passenger routes"),
])
def test_bad_citizen_options_give_one_line_and_exit_2(capsys, argv, message) -> None:
    code, out, err = run(capsys, "route", "Osh", "Andijan", *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and message in err
