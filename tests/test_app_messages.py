"""geoapp.messages: the real route engine's messages, translated by their shape (names inside stay as they are)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from geo.errors import GeoError
from geo.i18n import translator
from geo.io import upload
from geo.routing import RouteEngine, Scenario
from geoapp.messages import SHAPES, TRACK_SHAPES, core_message, track_message

ROOT = Path(__file__).resolve().parent.parent
RU = translator("ru")


@pytest.fixture(scope="module")
def engine() -> RouteEngine:
    if not (ROOT / "layers" / "roads.geojson").is_file():
        pytest.skip("no roads layer")
    return RouteEngine.load(ROOT / "layers")


def message(call: object) -> str:
    try:
        call()  # type: ignore[operator]
    except GeoError as exc:
        return str(exc)
    raise AssertionError("the engine accepted the question")


def test_engine_messages_are_translated(engine: RouteEngine) -> None:
    unknown = message(lambda: engine.resolve("Nowhereabad"))
    same = message(lambda: engine.route("khujand", "khujand"))
    via_end = message(lambda: engine.route("khujand", "batken", via=("batken",)))
    twice = message(lambda: engine.route("khujand", "batken", via=("osh", "osh")))
    cut = message(lambda: engine.route("khujand", "batken", Scenario(as_of=dt.date(2023, 6, 1),
                                                                      avoid=frozenset({"UZ"}))))
    shown = [core_message(m, RU) for m in (unknown, same, via_end, twice, cut)]
    assert shown[0].startswith("неизвестный пункт 'Nowhereabad'")
    assert shown[1].startswith("начальный и конечный пункты совпадают (")
    assert shown[2].startswith("промежуточный пункт 'batken' является конечным пунктом маршрута (")
    assert shown[3].startswith("промежуточный пункт ") and shown[3].endswith(" дважды подряд")
    assert shown[4].startswith("нет маршрута из khujand в batken: путь отрезан — ")
    assert "объезжаемые страны UZ" in shown[4]
    english = translator("en")
    assert core_message(unknown, english) == unknown and core_message(same, english) == same
    assert core_message(twice, english).startswith("via place ")  # not the command line's option name


def test_an_unknown_shape_is_shown_as_written() -> None:
    assert core_message("a message of a new shape", RU) == "a message of a new shape"


def test_every_shape_has_a_russian_template() -> None:
    assert all(RU.gettext(template) != template for _, template, _ in SHAPES)


@pytest.mark.parametrize(("name", "data", "russian"), [
    ("empty.gpx", b"  ", "empty.gpx: файл пуст"),
    ("point.geojson", b'{"type": "Point", "coordinates": [70, 40]}',
     "point.geojson: геометрию типа 'Point' нельзя измерить: нарисуйте линию или полигон"),
    ("none.gpx", b'<gpx xmlns="http://www.topografix.com/GPX/1/1"></gpx>',
     "none.gpx: в файле GPX нет трека или маршрута из двух и более точек"),
    ("list.geojson", b"[1, 2]", "list.geojson: GeoJSON должен быть объектом"),
    ("big.geojson", b'{"type": "LineString", "coordinates": [[1' + b"0" * 5000 + b', 1], [2, 3]]}',
     "big.geojson: число из 5,001 цифр не может быть координатой"),
    ("bool.geojson", b'{"type": "LineString", "coordinates": [[70, 40], [true, 41]]}',
     "bool.geojson: неверные координаты LineString: в координате 2 стоит true, а не число"),
    ("nan.geojson", b'{"type": "LineString", "coordinates": [[NaN, 40], [70, 41]]}',
     "nan.geojson: NaN не является конечным числом"),
])
def test_upload_messages_are_translated(name: str, data: bytes, russian: str) -> None:
    assert track_message(message(lambda: upload.read_upload(name, data)), RU) == russian


def test_every_track_shape_has_a_russian_template() -> None:
    assert all(RU.gettext(template) != template for _, template in TRACK_SHAPES)


def test_the_schematic_warning_of_a_real_route_is_translated(engine: RouteEngine) -> None:
    warnings = [w for w in engine.route("astana", "ruzaevka").warnings if "schematic" in w]
    if not warnings:
        pytest.skip("the Astana – Ruzaevka road is traced now: no schematic km to warn about")
    shown = core_message(warnings[0], RU)
    assert shown != warnings[0] and "схематичной геометрии" in shown
