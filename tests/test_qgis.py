"""QGIS styles: one QML per layer, well formed, its colours and rules from the map's own palettes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from geo.cli import main
from geo.layers import registry
from geo.map.overlays import pipelines, roads
from geo.map.qgis import MARKERS, qml, rules
from geo.palette import STATUS_STYLES
from geo.vocab import STATUSES


def rgba(colour: str) -> str:
    hex_ = colour.lstrip("#")
    return ",".join(str(int(hex_[i:i + 2], 16)) for i in (0, 2, 4))


@pytest.mark.parametrize("layer_id", registry.ids())
def test_each_layer_has_a_rule_based_style_with_one_symbol_per_rule(layer_id: str) -> None:
    root = ET.fromstring(qml(layer_id).split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "RuleRenderer"
    filters = [r.get("filter") for r in renderer.iter("rule")]
    symbols = {s.get("name") for s in renderer.iter("symbol")}
    assert len(filters) == len(rules(layer_id)) == len(symbols) >= 1
    assert {r.get("symbol") for r in renderer.iter("rule")} == symbols
    assert filters.count("ELSE") <= 1


def test_crossings_are_styled_by_status_with_the_palettes_colour_and_shape() -> None:
    root = ET.fromstring(qml("crossings").split("\n", 1)[1])
    by_label = {r.get("label"): r.get("symbol") for r in root.iter("rule")}
    assert set(by_label) == set(STATUSES)
    for symbol in root.iter("symbol"):
        status = next(label for label, name in by_label.items() if name == symbol.get("name"))
        options = {o.get("name"): o.get("value") for o in symbol.iter("Option") if o.get("name")}
        assert options["color"].startswith(rgba(STATUS_STYLES[status].colour) + ",")
        assert options["name"] == MARKERS[STATUS_STYLES[status].marker]


def test_roads_and_pipelines_take_the_overlays_colours_and_dashes() -> None:
    text = qml("roads")
    for swatch in roads.PALETTE:
        assert rgba(swatch.style["color"]) in text
    lines = {r.label: r.style for r in rules("pipelines")}
    for status in pipelines.STATUSES:
        dash = next(s.style.get("dashArray") for s in pipelines.PALETTE if s.key == status)
        assert lines[f"Line D, {status}"].get("dashArray") == dash


def test_geo_styles_writes_a_qml_per_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["styles", "-o", str(tmp_path / "styles")]) == 0
    written = sorted(p.name for p in (tmp_path / "styles").iterdir())
    assert written == sorted(f"{i}.qml" for i in registry.ids())
    assert (tmp_path / "styles" / "roads.qml").read_text(encoding="utf-8") == qml("roads")


@pytest.mark.parametrize(("argv", "words"), [(["nope"], "unknown layer 'nope'"), ([], "not a folder")])
def test_geo_styles_refuses_bad_arguments_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      argv: list[str], words: str) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep")
    try:
        code = main(["styles", "-o", str(target), *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1
    assert target.read_text() == "keep"
