"""geo.i18n: catalogs complete for every interface string, the app's text through the translator, names in Cyrillic."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from geo import i18n, vocab
from geo.i18n import N_, local_name, translator
from geo.map import document, legend
from geo.map.overlays import pipelines
from geo.map.registry import OVERLAYS

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = [code for code in i18n.languages() if code != i18n.SOURCE]


def extracted() -> dict[str | tuple[str, str], list[str]]:
    """Return every msgid marked in geo/ and geoapp/ (as babel.cfg and README's pybabel command extract them)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str | tuple[str, str], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        key = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def fields(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name is not None}


def test_there_is_a_russian_catalog() -> None:
    assert CATALOGS == ["ru"] and i18n.languages() == {"en": "English", "ru": "Русский"}


@pytest.mark.parametrize("code", CATALOGS)
def test_every_interface_string_has_a_translation(code: str) -> None:
    wanted = extracted()
    assert len(wanted) > 250  # the extraction found the app's text (not an empty walk)
    with i18n.catalog_file(code).open("rb") as handle:
        catalog = read_po(handle, locale=code)
    assert not catalog.obsolete, f"obsolete entries: {list(catalog.obsolete)[:5]}"
    have = {}
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        key = message.id if isinstance(message.id, str) else (message.id[0], message.id[1])
        have[key] = message.string
    missing = [f"{where[0]}: {key!r}" for key, where in wanted.items()
               if key not in have or not all(have[key] if isinstance(have[key], tuple) else [have[key]])]
    assert not missing, "no translation for:\n" + "\n".join(missing)
    stale = [key for key in have if key not in wanted]
    assert not stale, f"translated but no longer in the code: {stale}"
    plural_forms = catalog.num_plurals
    for key, translated in have.items():
        forms = translated if isinstance(translated, tuple) else (translated,)
        assert len(forms) == (plural_forms if isinstance(key, tuple) else 1), key
        source = fields(key if isinstance(key, str) else key[1])
        assert all(fields(form) == source for form in forms), f"{key!r}: placeholders differ in {forms!r}"


def test_the_catalog_compiles_and_translates() -> None:
    ru = translator("ru")
    assert ru.gettext("Map") == "Карта" and ru.word("closed") == "закрыт" and ru.word("M41") == "M41"
    assert [ru.ngettext("{n} feature", "{n} features", n).format(n=n) for n in (1, 2, 5, 11, 21)] == [
        "1 объект", "2 объекта", "5 объектов", "11 объектов", "21 объект"]
    assert translator(None).gettext("Map") == "Map" and translator("xx").lang == "en"
    assert ru.number(1234.5, 1) == "1\xa0234,5" and translator("en").number(1234.5, 1) == "1,234.5"


def test_the_vocabulary_the_interface_shows_is_translatable() -> None:
    shown = (*vocab.STATUSES, *vocab.TRAFFIC, *vocab.ROUTE_MODES, *vocab.ACCESS, *pipelines.STATUSES)
    assert set(shown) <= set(i18n.VOCABULARY)
    ru = translator("ru")
    assert all(ru.word(w) != w for w in shown)


def test_names_in_cyrillic_come_from_the_data_only() -> None:
    assert local_name("Khujand", ["Leninabad", "Худжанд", "Ленинабад"], "ru") == "Худжанд"
    assert local_name("Khujand", ["Худжанд"], "en") == "Khujand"
    assert local_name("Pap", ["Pap", "Papp"], "ru") == "Pap"  # no Cyrillic name: never transliterated
    assert local_name("Dostuk – Dustlik", ["Dostuk", "Достук", "Dustlik"], "ru") == "Достук – Dustlik"
    assert local_name(None, [], "ru") == ""


def test_real_places_and_crossings_have_cyrillic_names() -> None:
    from geo.layers import store

    places, _ = store.read_layer("places", ROOT / "layers")
    crossings, _ = store.read_layer("crossings", ROOT / "layers")
    ru = translator("ru")
    named = {r.id: ru.name(r.name, r.aliases) for r in places.itertuples()}
    assert named["dushanbe"] == "Душанбе" and named["almaty"] == "Алматы"
    kyzyl_bel = crossings.set_index("id").loc["kyzyl-bel"]
    assert ru.name(kyzyl_bel["name"], kyzyl_bel["names"]) == "Кызыл-Бел – Гулистон"
    cyrillic = [n for n in named.values() if i18n.in_script(n, "CYRILLIC")]
    assert len(cyrillic) > 0.8 * len(named)


def test_the_legend_and_map_words_are_russian() -> None:
    ru = translator("ru")
    sections = "".join(legend.section(spec, {s.key for s in spec.palette}, None, ru) for spec in OVERLAYS)
    shown = re.sub(r"<[^>]+>", " ", sections)
    assert "Пункты пропуска" in shown and "закрыт" in shown and "Газопроводы" in shown
    assert not re.search(r"[A-Za-z]{3,}", shown.replace("OpenStreetMap", "")), shown
    words = document.map_text(ru)
    assert words["history"] == "История статуса" and words["legend"] == "Легенда"
    assert words["draw"]["toolbar"]["buttons"]["polyline"] == "Нарисовать линию"
    assert document.map_text()["legend"] == "Legend"


WIDGETS = {"title", "header", "subheader", "caption", "markdown", "write", "text", "info", "warning", "error",
           "success", "toast", "button", "download_button", "checkbox", "toggle", "selectbox", "multiselect", "radio",
           "slider", "select_slider", "text_input", "text_area", "number_input", "date_input", "time_input",
           "file_uploader", "metric", "tabs", "expander", "spinner", "segmented_control", "pills", "popover",
           "set_page_config", "Page", "LinkColumn", "TextColumn", "Column"}
"""Streamlit calls whose first argument (and ``help``, ``placeholder``, ``page_title``, ``title``) is shown."""
LOGGERS = {"LOG", "log", "logger", "logging"}
"""``LOG.warning(...)`` writes to the server log, not to the page."""
SHOWN_KEYWORDS = {"label", "help", "placeholder", "page_title", "title", "display_text", "body"}


def literal_text(node: ast.AST) -> str | None:
    """Return a string literal's (or f-string's literal parts') text when it holds a word, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = " ".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    elif isinstance(node, ast.List | ast.Tuple):
        found = [literal_text(e) for e in node.elts]
        return next((f for f in found if f), None)
    elif isinstance(node, ast.BinOp):
        return literal_text(node.left) or literal_text(node.right)
    else:
        return None
    if re.fullmatch(r"[\w.-]+\.(?:geojson|gpkg|kml|csv|fgb|zip|png|pdf|html|gpx)", text.strip()):
        return None  # a file name
    return text if re.search(r"[A-Za-z]{2,}", text) else None


def untranslated(source: str, filename: str) -> list[str]:
    """Return ``file:line: text`` for each shown argument of a Streamlit call that is a bare literal."""
    problems = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WIDGETS):
            continue
        if isinstance(node.func.value, ast.Name) and node.func.value.id in LOGGERS:
            continue
        shown = node.args[:1] + [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for argument in shown:
            text = literal_text(argument)
            if text:
                problems.append(f"{filename}:{node.lineno}: {text!r}")
    return problems


def test_app_text_goes_through_the_translator() -> None:
    files = sorted((ROOT / "geoapp").rglob("*.py"))
    problems = [p for f in files for p in untranslated(f.read_text(encoding="utf-8"), str(f.relative_to(ROOT)))]
    assert not problems, "interface text not passed through _():\n" + "\n".join(problems)


def test_the_translator_check_finds_bare_literals() -> None:
    bad = 'st.caption("Route date"); a.metric(f"Travel {x}", 1); st.tabs(["Route", "Measure"]); st.x(help="Why")'
    good = ('st.caption(_("Route date")); st.dataframe(t); st.download_button(f"{layer}{suffix}", data=b); '
            'LOG.warning("cache %s"); c.download_button("drawing.geojson", data=d)')
    assert len(untranslated(bad, "bad.py")) == 3 and untranslated(good, "good.py") == []


def test_marking_does_not_change_text() -> None:
    assert N_("Roads") == "Roads"
