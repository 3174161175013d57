"""The app in Russian (``?lang=ru``), headless with AppTest: no English interface text on the Map, Tables and Sources
pages (widgets, help, captions, warnings, table headers, the map's legend, tooltips and popup labels)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geoapp import component
from tests.common import open_tab
from tests.conftest import APP, problems
from tests.i18n_check import data_values, english_words

TEXT_FIELDS = {"label", "body", "help", "placeholder", "options", "default_text", "caption", "text"}
"""Proto fields that hold what the reader sees (ids, keys, formats and icons are left out)."""
RUSSIAN_ROUTE = {"lang": "ru", "from": "khujand", "to": "batken", "date": "2023-06-01", "date2": "2025-08-01",
                 "changes": "2021-01-01", "layers": "countries,roads,pipelines,crossings,places", "alt": "1",
                 "citizen": "TJ"}


def proto_texts(message: Any) -> Iterator[str]:
    """Yield the shown strings of an element's proto (recursively; a dataframe's column labels too)."""
    for field, value in message.ListFields():
        single = isinstance(value, str | bytes | int | float) or hasattr(value, "ListFields")
        values = [value] if single else list(value)  # a repeated field
        for item in values:
            if hasattr(item, "ListFields"):
                yield from proto_texts(item)
            elif field.name == "columns" and isinstance(item, str):
                try:
                    config = json.loads(item)
                except ValueError:
                    continue
                yield from (str(c.get("label")) for c in config.values()
                            if isinstance(c, dict) and c.get("label") and not c.get("hidden"))
            elif field.name in TEXT_FIELDS and isinstance(item, str):
                yield item


def shown_texts(at: AppTest) -> list[str]:
    """Return every string the page shows: element protos, dataframe headers (from the data) and tab labels."""
    texts: list[str] = []
    for root in (at.main, at.sidebar):
        for node in root:
            proto = getattr(node, "proto", None)
            if proto is not None and hasattr(proto, "ListFields"):
                texts.extend(proto_texts(proto))
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns) if frame.proto.columns else {}
        texts.extend(str(c) for c in frame.value.columns if not (config.get(str(c)) or {}).get("label")
                     and not (config.get(str(c)) or {}).get("hidden"))
    return texts


def document_texts(documents: Iterable[dict[str, Any]]) -> list[str]:
    """Return the map's words: legend, map.js words, tooltips and popup labels of every drawn feature."""
    texts: list[str] = []
    for document in documents:
        texts.append(re.sub(r"<[^>]+>", " ", document["legend"]))
        texts.extend(str(v) for v in document["base"]["text"].values() if isinstance(v, str))
        for group in document["groups"]:
            for part in json.loads(group["json"])["parts"]:
                for feature in part["fc"]["features"]:
                    properties = feature["properties"]
                    texts.append(str(properties.get("tip") or ""))
                    popup = properties.get("pop") or {}
                    texts.extend(row[0] for row in popup.get("r", []))
                    texts.extend(entry[1] for entry in popup.get("h", []))  # status (traffic) of each dated fact
    return texts


@pytest.fixture(scope="module")
def data(app_layers: Path) -> list[str]:
    return data_values(app_layers)


@pytest.fixture
def documents(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []
    real = component.show
    monkeypatch.setattr(component, "show", lambda document, **kw: (shown.append(document.args()),
                                                                     real(document, **kw))[1])
    return shown


def assert_russian(texts: list[str], data: list[str]) -> None:
    left = english_words(texts, data)
    assert not left, "English interface text:\n" + "\n".join(f"{w!r} in {t!r}" for w, t in left[:40])
    assert sum(bool(re.search("[а-яА-Я]", t)) for t in texts) > 10  # and the page did show Russian text


def tables_script() -> None:
    from geoapp import state
    from geoapp.pages.table import table_page

    state.init_lang()
    table_page()


def sources_script() -> None:
    from geoapp import state
    from geoapp.pages.sources import sources_page

    state.init_lang()
    sources_page()


def test_map_page_in_russian_has_no_english_interface_text(app_layers: Path, data: list[str],
                                                            documents: list[dict[str, Any]],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({**RUSSIAN_ROUTE, "basemap": "nowhere"})  # a bad value: its notice is shown too
    at.run()
    assert problems(at) == []
    texts = shown_texts(at)
    assert "Центральная Азия: границы, дороги, трубопроводы и пункты пропуска" in texts
    assert any("Значение `basemap` в ссылке неверно" in t for t in texts)  # the notice, translated
    assert any(t.startswith("Что изменилось") for t in texts)  # the changes list
    assert any("Время в пути" in t for t in texts)  # the route's figures
    assert any(t.startswith("Документы для въезда гражданина страны") for t in texts)  # and the travel documents
    assert_russian(texts + document_texts(documents), data)
    legend = documents[-1]["legend"]
    assert "Пункты пропуска на 2023-06-01" in legend and "Маршрут" in legend
    assert at.query_params["lang"] == ["ru"] or at.query_params["lang"] == "ru"
    for tab, shown in (("measure", "Свой трек"), ("download", "Формат")):  # only the open tab runs
        open_tab(at, tab)
        assert problems(at) == []
        texts = shown_texts(at)
        assert any(shown in t for t in texts), tab
        assert_russian(texts, data)


def test_map_page_with_no_route_and_an_unknown_place_is_russian(app_layers: Path, data: list[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"lang": "ru", "from": "khujand", "to": "khujand"})
    at.run()
    at.text_input(key="find").input("Nowhereabad").run()
    assert problems(at) == []
    texts = shown_texts(at)
    assert any("неизвестный пункт или пункт пропуска" in t for t in texts)
    assert_russian(texts, ["'Nowhereabad'", *data])  # what the reader typed is echoed back


def test_tables_page_in_russian_has_no_english_interface_text(app_layers: Path, data: list[str],
                                                               documents: list[dict[str, Any]],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    if not (app_layers / "crossings.geojson").is_file():
        pytest.skip("no crossings layer")
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    at = AppTest.from_function(tables_script, default_timeout=120)
    at.query_params.update({"lang": "ru", "date": "2023-06-01"})
    at.run()
    at.session_state["tbl_crossings"] = {"selection": {"rows": [0], "columns": []}}  # a chosen crossing's history
    at.run()
    texts = shown_texts(at)
    assert any(t.startswith("**История статуса: ") for t in texts)
    for kind in ("crossings", "roads", "places", "documents"):
        at.radio(key="tbl_kind").set_value(kind).run()
        assert problems(at) == []
        texts += shown_texts(at)
    assert [o for o in at.radio(key="tbl_kind").options] == ["Пункты пропуска", "Дороги", "Населённые пункты",
                                                              "Документы для въезда"]
    assert_russian(texts + document_texts(documents), data)


def test_sources_page_in_russian_has_no_english_interface_text(app_layers: Path, data: list[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    at = AppTest.from_function(sources_script, default_timeout=120)
    at.query_params["lang"] = "ru"
    at.run()
    assert problems(at) == []
    texts = shown_texts(at)
    assert "Источники и лицензии" in texts and "Правила цитирования" in texts
    assert_russian(texts, data)


def test_english_is_the_default_and_switching_keeps_the_state(app_layers: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"date": "2023-06-01"})
    at.run()
    assert at.title[0].value.startswith("Central Asia") and at.selectbox(key="lang").value == "en"
    assert list(at.selectbox(key="lang").options) == ["English", "Русский"]
    at.selectbox(key="lang").set_value("ru").run()
    assert problems(at) == []
    assert at.title[0].value.startswith("Центральная Азия") and at.query_params["lang"] in ("ru", ["ru"])
    assert at.sidebar.date_input[0].value.isoformat() == "2023-06-01"  # the rest of the state is kept
    at.selectbox(key="lang").set_value("en").run()
    assert at.title[0].value.startswith("Central Asia") and "lang" not in at.query_params
