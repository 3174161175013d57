"""The fault suite, missing and unreadable built layers: each page and panel names the layer it lacks and keeps
drawing everything else, never "internal error"; the command line names it in one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251

from geo.cli import main
from geo.layers import registry

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def page_script(name: str) -> None:
    import streamlit as st  # noqa: TID251

    from geoapp.pages import sources, table

    st.set_page_config(layout="wide")
    {"tables": table.table_page, "sources": sources.sources_page}[name]()


def folder_without(app_layers: Path, target: Path, layer: str, how: str) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for path in app_layers.glob("*.geojson"):
        shutil.copyfile(path, target / path.name)
    broken = target / f"{layer}.geojson"
    if how == "missing":
        broken.unlink(missing_ok=True)
    elif how == "truncated":
        broken.write_bytes(broken.read_bytes()[:5000])
    else:
        broken.write_text('{"type": "FeatureCollection", "features": 5}')
    return target


def complaints(at: AppTest) -> tuple[list[str], list[str]]:
    errors = [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]
    notes = [str(e.value) for e in at.warning] + [str(e.value) for e in at.info]
    return errors, notes


CASES = [("crossings", "missing", {"changes": "2025-08-01"}), ("roads", "truncated", {"from": "khujand",
                                                                                       "to": "batken"}),
         ("borders", "missing", {"tab": "measure"}), ("places", "missing", {"tab": "download"}),
         ("pipelines", "malformed", {})]


@pytest.mark.parametrize(("layer", "how", "link"), CASES)
def test_the_map_page_names_a_missing_layer_and_draws_the_rest(app_layers, tmp_path, monkeypatch, layer, how, link):
    monkeypatch.setenv("GEO_LAYERS_DIR", str(folder_without(app_layers, tmp_path / "layers", layer, how)))
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in link.items():
        at.query_params[key] = value
    at.run()
    errors, notes = complaints(at)
    assert errors == [] and not any("internal error" in n for n in notes)
    assert any(layer in n for n in notes), notes
    assert len(at.get("iframe")) + len(at.get("component_instance")) >= 1 or at.title  # the page is still there


@pytest.mark.slow
@pytest.mark.parametrize("how", ["missing", "truncated"])
@pytest.mark.parametrize("layer", registry.ids())
@pytest.mark.parametrize("page", ["tables", "sources"])
def test_the_other_pages_name_a_missing_layer(app_layers, tmp_path, monkeypatch, page, layer, how):
    monkeypatch.setenv("GEO_LAYERS_DIR", str(folder_without(app_layers, tmp_path / "layers", layer, how)))
    at = AppTest.from_function(page_script, args=(page,), default_timeout=120)
    at.run()
    errors, notes = complaints(at)
    assert errors == [] and not any("internal error" in n for n in notes)
    assert any(layer in n for n in notes), notes


@pytest.mark.parametrize(("argv", "layer"), [
    (["route", "Khujand", "Batken"], "roads"),
    (["measure", "--coords", "70,40 71,41"], "borders"),
    (["export", "crossings", "-o", "{t}/c.kml"], "crossings"),
    (["changes", "--from", "2021-01-01", "--to", "2025-08-01"], "crossings"),
    (["places"], "places"),
])
def test_commands_name_the_missing_layer_in_one_line(app_layers, tmp_path, monkeypatch, capsys, argv, layer):
    monkeypatch.setenv("GEO_LAYERS_DIR", str(folder_without(app_layers, tmp_path / "layers", layer, "missing")))
    try:
        code = main([a.format(t=tmp_path) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert code == 1 and f"{layer}.geojson" in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in out + err
