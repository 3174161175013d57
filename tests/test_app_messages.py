"""Messages as data: the real route engine's messages carry a template and parameters; the app translates the template
(names inside stay as they are), the command line shows the English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from geo.errors import GeoError
from geo.i18n import translator
from geo.io import upload
from geo.messages import Message
from geo.routing import RouteEngine
from geo.routing.graph import Scenario

ROOT = Path(__file__).resolve().parent.parent
RU = translator("ru")


@pytest.fixture(scope="module")
def engine() -> RouteEngine:
    if not (ROOT / "layers" / "roads.geojson").is_file():
        pytest.skip("no roads layer")
    return RouteEngine.load(ROOT / "layers")


def error_of(call: Callable[[], object]) -> GeoError:
    try:
        call()
    except GeoError as exc:
        return exc
    raise AssertionError("the engine accepted the question")


def message(call: Callable[[], object]) -> str:
    return str(error_of(call))


def ru(message: Message) -> str:
    return message.render(RU.gettext, app=True)


def test_engine_messages_are_translated(engine: RouteEngine) -> None:
    unknown = error_of(lambda: engine.resolve("Nowhereabad")).message
    same = error_of(lambda: engine.route("khujand", "khujand")).message
    via_end = error_of(lambda: engine.route("khujand", "batken", via=("batken",))).message
    twice = error_of(lambda: engine.route("khujand", "batken", via=("osh", "osh"))).message
    cut = error_of(lambda: engine.route("khujand", "batken", Scenario(as_of=dt.date(2023, 6, 1),
                                                                       avoid=frozenset({"UZ"})))).message
    shown = [ru(m) for m in (unknown, same, via_end, twice, cut)]
    assert shown[0].startswith("неизвестный пункт 'Nowhereabad'")
    assert shown[1].startswith("начальный и конечный пункты совпадают (")
    assert shown[2].startswith("промежуточный пункт 'batken' является конечным пунктом маршрута (")
    assert shown[3].startswith("промежуточный пункт ") and shown[3].endswith(" дважды подряд")
    assert shown[4].startswith("нет маршрута из khujand в batken: путь отрезан — ")
    assert "объезжаемые страны UZ" in shown[4]
    english = translator("en")
    assert unknown.render(english.gettext, app=True) == str(unknown) and str(same).startswith("from and to are")
    assert twice.render(english.gettext, app=True).startswith("via place ")  # not the command line's option name
    assert str(twice).startswith("--via ")  # the command line names its option
    assert str(cut).startswith("no route from khujand to batken (as of 2023-06-01")  # the CLI states the scenario


def test_plain_text_is_shown_as_written() -> None:
    assert ru(Message.text("a message of no template")) == "a message of no template"


def every_template(message: Message) -> list[str]:
    nested = [m for _, v in message.params for m in (v if isinstance(v, tuple) else (v,)) if isinstance(m, Message)]
    return [message.shown or message.template, *(t for m in nested for t in every_template(m))]


def test_every_routing_message_has_a_russian_template(engine: RouteEngine) -> None:
    errors = [error_of(lambda: engine.resolve("Nowhereabad")).message,
              error_of(lambda: engine.route("khujand", "batken", via=("Nowhere",))).message,
              error_of(lambda: engine.route("khujand", "batken", via=("khujand",))).message,
              error_of(lambda: engine.route("khujand", "batken", Scenario(
                  as_of=dt.date(2023, 6, 1), avoid=frozenset({"UZ"}), vehicle="KZ"))).message]
    templates = [t for m in errors for t in every_template(m)]
    assert all(RU.gettext(t) != t for t in templates), [t for t in templates if RU.gettext(t) == t]


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
    assert ru(error_of(lambda: upload.read_upload(name, data)).message) == russian


BAD_UPLOADS = [("empty.gpx", b"  "), ("point.geojson", b'{"type": "Point", "coordinates": [70, 40]}'),
               ("none.gpx", b'<gpx xmlns="http://www.topografix.com/GPX/1/1"></gpx>'), ("list.geojson", b"[1, 2]"),
               ("crs.geojson", b'{"type": "LineString", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},'
                               b' "coordinates": [[0, 0], [1, 1]]}'),
               ("nan.geojson", b'{"type": "LineString", "coordinates": [[70, 40], [NaN, 41]]}'),
               ("bool.geojson", b'{"type": "LineString", "coordinates": [[70, 40], [true, 41]]}'),
               ("entity.gpx", b'<!DOCTYPE gpx [<!ENTITY x "y">]><gpx></gpx>'),
               ("bad.gpx", b"<gpx><trk><trkseg><trkpt lat='x' lon='1'/></trkseg></trk></gpx>"),
               ("text.geojson", b"not json at all")]


@pytest.mark.parametrize(("name", "data"), BAD_UPLOADS)
def test_every_upload_message_has_a_russian_template(name: str, data: bytes) -> None:
    """Uploads are messages as data too: every template the app shows for a bad file is in the catalog."""
    templates = every_template(error_of(lambda: upload.read_upload(name, data)).message)
    assert all(RU.gettext(t) != t for t in templates if t != "{name}: {problem}"), templates


def test_the_schematic_warning_of_a_real_route_is_translated(engine: RouteEngine) -> None:
    warnings = [w for w in engine.route("astana", "ruzaevka").warnings if "schematic" in str(w)]
    if not warnings:
        pytest.skip("the Astana – Ruzaevka road is traced now: no schematic km to warn about")
    shown = ru(warnings[0])
    assert shown != str(warnings[0]) and "схематичной геометрии" in shown
