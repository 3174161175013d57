"""The Tables page, "what changed" and search on the map, headless with ``streamlit.testing.v1.AppTest``."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251

from geo import changes as geochanges
from geo.layers import store
from geo.palette import CHANGED_RING
from geoapp import component
from geoapp.pages import table
from geoapp.ui import md
from tests.conftest import problems


def table_script() -> None:
    import streamlit as st  # noqa: TID251

    from geoapp.pages.table import table_page

    st.set_page_config(layout="wide")
    table_page()


@pytest.fixture
def tables(app_layers: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    if not (app_layers / "crossings.geojson").is_file():
        pytest.skip("no crossings layer")
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    return AppTest.from_function(table_script, default_timeout=120)


def shown_documents(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    shown: list[dict] = []
    real = component.show
    monkeypatch.setattr(component, "show", lambda document, **kw: (shown.append(document.args()),
                                                                     real(document, **kw))[1])
    return shown


def test_tables_list_crossings_roads_and_places(tables: AppTest, app_layers: Path) -> None:
    tables.query_params["date"] = "2023-06-01"
    tables.run()
    assert problems(tables) == []
    crossings = tables.dataframe[0].value
    frame, _ = store.read_layer("crossings", app_layers)
    assert len(crossings) == len(frame)
    assert {"countries", "status", "traffic", "mode", "access"} <= set(crossings.columns)
    # the status is the one on the sidebar's date, as text with the map's glyph
    dated = store.redate(frame, dt.date(2023, 6, 1)).set_index("id")["status"]
    assert all(row.status.endswith(" " + dated[row.id]) for row in crossings.itertuples())
    tables.radio(key="tbl_kind").set_value("roads").run()
    roads = tables.dataframe[0].value
    assert {"designation", "soviet_ref", "country", "length_km", "geometry_accuracy"} <= set(roads.columns)
    tables.radio(key="tbl_kind").set_value("places").run()
    assert {"kind", "country"} <= set(tables.dataframe[0].value.columns)
    assert problems(tables) == []


def test_table_filters(tables: AppTest) -> None:
    tables.query_params["date"] = "2023-06-01"
    tables.run()
    everything = tables.dataframe[0].value
    tables.multiselect(key="tbl_x_country").set_value(["KG"]).run()
    kyrgyz = tables.dataframe[0].value
    assert 0 < len(kyrgyz) < len(everything) and all("KG" in c.split("-") for c in kyrgyz["countries"])
    tables.multiselect(key="tbl_x_status").set_value([table.status_label("closed")]).run()
    closed = tables.dataframe[0].value
    assert 0 < len(closed) < len(kyrgyz) and set(closed["status"]) == {"✕ closed"}
    tables.text_input(key="tbl_x_text").set_value("no such crossing at all").run()
    assert tables.dataframe[0].value.empty and problems(tables) == []


def test_choosing_a_row_centres_the_map_and_shows_the_history(tables: AppTest, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    shown = shown_documents(monkeypatch)
    tables.run()
    rows = tables.dataframe[0].value
    tables.session_state["tbl_crossings"] = {"selection": {"rows": [2], "columns": []}}  # what a click sends
    tables.run()
    assert problems(tables) == []
    expected = (rows.iloc[2]["lat"], rows.iloc[2]["lon"], table.ZOOM["crossings"])
    assert tables.session_state["map_view"] == expected
    assert shown[-1]["base"]["view"] == list(expected)  # the map moves when its view changes
    assert any(m.value == f"**Status history: {md(rows.iloc[2]['name'])}**" for m in tables.markdown)
    history = tables.dataframe[1].value
    assert list(history.columns) == ["from", "to", "status", "note", "source", "evidence"] and len(history) >= 1


def test_history_periods_end_at_the_next_fact() -> None:
    history = [{"date": "2021-05-01", "status": "closed", "source": "https://a.example/x"},
               {"date": "2020-01-01", "status": "open", "source": "javascript:alert(1)"}]
    periods = table.history_frame(history, dt.date(2025, 1, 1))
    assert list(periods["status"]) == ["open", "closed"]
    assert list(periods["to"]) == [dt.date(2021, 5, 1), dt.date(2025, 1, 1)]
    assert periods["source"].isna().tolist() == [True, False]  # unsafe links dropped
    assert periods["source"].iloc[1] == "https://a.example/x"


def test_planned_rows_are_announcements_beside_the_periods() -> None:
    history = [{"date": "2020-01-01", "status": "open", "source": "https://a.example/x", "evidence": "открыт"},
               {"date": "2021-05-01", "status": "closed", "source": "https://a.example/y", "evidence": "<b>закрыт</b>"},
               {"date": "2024-01-01", "status": "open", "source": "https://a.example/z", "kind": "planned"}]
    periods = table.history_frame(history, dt.date(2025, 1, 1))
    assert list(periods["to"]) == [dt.date(2021, 5, 1), dt.date(2025, 1, 1), dt.date(2024, 1, 1)]
    assert list(periods["kind"]) == ["", "", "planned"] and periods["evidence"].iloc[1] == "<b>закрыт</b>"
    shown = table.shown_status(periods)
    assert list(shown) == ["open", "closed", "announced for 2024-01-01: open"]


def test_second_date_rings_and_lists_changed_crossings(app: AppTest, app_layers: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    shown = shown_documents(monkeypatch)
    app.query_params["date"] = "2025-08-01"
    app.query_params["changes"] = "2021-01-01"
    app.run()
    assert problems(app) == [] and not app.warning
    assert app.sidebar.checkbox(key="chg_on").value is True
    assert app.sidebar.date_input(key="chg_date").value == dt.date(2021, 1, 1)
    frame, _ = store.read_layer("crossings", app_layers)
    expected = geochanges.find_changes(frame, None, dt.date(2021, 1, 1), dt.date(2025, 8, 1))
    changed = expected.of_kind(geochanges.CHANGED)
    assert changed, "the real layers have crossings that changed between 2021 and 2025"
    groups = {g["id"]: json.loads(g["json"]) for g in shown[-1]["groups"]}
    rings = groups["changes"]["parts"][0]
    assert len(rings["fc"]["features"]) == len(changed) and rings["styles"]["changed"]["color"] == CHANGED_RING
    assert "What changed" in shown[-1]["legend"]
    assert app.subheader[0].value == "What changed between 2021-01-01 and 2025-08-01"
    listed = " ".join(m.value for m in app.markdown)
    for change in changed:
        assert change.name.split(" (")[0].split(" – ")[0] in listed.replace("\\", "")
    assert "[source](https://" in listed
    app.sidebar.checkbox(key="chg_on").uncheck().run()
    assert "changes" not in app.query_params and "changes" not in {g["id"] for g in shown[-1]["groups"]}


def test_choosing_the_second_date_keeps_it_in_the_link(app: AppTest) -> None:
    app.run()
    app.sidebar.checkbox(key="chg_on").check().run()
    app.sidebar.date_input(key="chg_date").set_value(dt.date(2022, 3, 1)).run()
    assert problems(app) == [] and app.query_params["changes"] == "2022-03-01"


def test_bad_second_date_gives_a_notice(app: AppTest) -> None:
    app.query_params["changes"] = "2021-02-30"
    app.run()
    assert problems(app) == []
    assert [w.value for w in app.warning] == [
        "The link's `changes` value was not valid and was ignored (the default is used)."]
    assert app.sidebar.checkbox(key="chg_on").value is False and not app.subheader


@pytest.mark.parametrize(("text", "place"), [("Frunze", "bishkek"), ("Ленинабад", "khujand"),
                                             ("kyzyl-bel", "kyzyl-bel")])
def test_search_centres_the_map(app: AppTest, app_layers: Path, text: str, place: str) -> None:
    places, _ = store.read_layer("places", app_layers)
    point = places.set_index("id").geometry[place]
    app.run()
    app.text_input(key="find").input(text).run()
    assert problems(app) == []
    lat, lon, zoom = app.session_state["map_view"]
    assert (lat, lon) == pytest.approx((point.y, point.x), abs=1e-4) and zoom == 11


def test_unknown_search_gives_one_line_with_a_suggestion(app: AppTest) -> None:
    app.run()
    view = app.session_state["map_view"]
    app.text_input(key="find").input("Tashkant").run()
    assert problems(app) == []
    message = [c.value for c in app.caption if "Tashkant" in c.value]
    assert len(message) == 1 and "did you mean Tashkent" in message[0] and "\n" not in message[0]
    assert app.session_state["map_view"] == view


def test_filtered_keeps_rows_matching_every_filter() -> None:
    t = pd.DataFrame({"name": ["A", "B", "C"], "country": ["KG", "KZ", None], "kind": ["x", "y", "x"]})
    assert list(table.filtered(t, countries=["KG", "KZ"], values={"kind": ["x"]})["name"]) == ["A"]


def test_hostile_names_are_escaped_in_the_history_heading(hostile_layers: Path, monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.setenv("GEO_LAYERS_DIR", str(hostile_layers))
    at = AppTest.from_function(table_script, default_timeout=120)
    at.run()
    for row in range(3):
        at.session_state["tbl_crossings"] = {"selection": {"rows": [row], "columns": []}}
        at.run()
        assert problems(at) == []
        heading = [m.value for m in at.markdown if m.value.startswith("**Status history")]
        assert len(heading) == 1 and re.search(r"(?<!\\)[<>`\[\]]", heading[0]) is None  # every special escaped


def test_choosing_a_road_centres_the_map_on_its_midpoint(tables: AppTest, app_layers: Path) -> None:
    tables.run()
    tables.radio(key="tbl_kind").set_value("roads").run()
    tables.multiselect(key="tbl_r_country").set_value(["KG"]).run()
    rows = tables.dataframe[0].value
    assert set(rows["country"]) == {"KG"}
    tables.session_state["tbl_roads"] = {"selection": {"rows": [0], "columns": []}}
    tables.run()
    assert problems(tables) == []
    roads, _ = store.read_layer("roads", app_layers)
    line = roads.set_index("id").geometry[rows.iloc[0]["id"]]
    mid = line.interpolate(0.5, normalized=True)
    lat, lon, zoom = tables.session_state["map_view"]
    assert (lat, lon) == pytest.approx((mid.y, mid.x), abs=1e-4) and zoom == table.ZOOM["roads"]


def test_travel_documents_table_lists_every_dated_rule_with_its_quote(tables: AppTest) -> None:
    from geo.layers import entry_rules
    from geo.paths import REPO_ROOT

    rules = entry_rules.load(REPO_ROOT / "layers" / "src" / entry_rules.FILE)
    tables.run()
    tables.radio(key="tbl_kind").set_value("documents").run()
    assert problems(tables) == []
    shown = tables.dataframe[0].value
    assert len(shown) == len(rules)
    assert {"citizen", "destination", "from", "to", "document", "evidence", "source", "published"} <= set(shown.columns)
    kg_uz = shown[(shown["citizen"] == "Kyrgyzstan (KG)") & (shown["destination"] == "Uzbekistan (UZ)")]
    assert list(kg_uz["document"]) == ["passport", "id-card"]
    assert kg_uz["to"].iloc[0] == "2023-08-25" and pd.isna(kg_uz["to"].iloc[1])  # a rule holds until the next one
    assert any("Unknown on every day" in c.value for c in tables.caption)  # pairs without a source, labelled
    tables.multiselect(key="tbl_d_citizen").set_value(["Uzbekistan (UZ)"]).run()
    assert set(tables.dataframe[0].value["citizen"]) == {"Uzbekistan (UZ)"} and problems(tables) == []


def test_documents_table_and_unknown_pairs() -> None:
    from geo.layers.entry_rules import EntryRule, EntryRules

    rule = EntryRule("UZ", "TM", dt.date(2022, 9, 5), "visa", None, "n", "https://e.org", dt.date(2022, 9, 5), "q")
    frame = table.documents_table(EntryRules([rule]))
    assert frame.to_dict("records")[0]["document"] == "visa"
    assert ("UZ", "TM") not in table.unknown_pairs(EntryRules([rule])) and ("TM", "UZ") in table.unknown_pairs(
        EntryRules([rule]))
