"""The Download tab: every layer in every format (the bytes of ``geo export``), the status history, the zip,
the report figure of the current view and the interactive map."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pyogrio
import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251 (an app test)

from geo.io import bundle
from geo.io.formats import FORMATS, SUFFIXES
from geo.map.document import DEFAULT_VIEW
from geo.map.spec import View
from geoapp import data
from geoapp.pages import downloads

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DAY = dt.date(2023, 6, 1)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def layers_env(app_layers: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    return app_layers


@pytest.fixture
def app(layers_env: Path) -> AppTest:
    """The app opened by a link to its Download tab (only the open tab runs)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["tab"] = "download"
    return at


def layer_ids(folder: Path) -> list[str]:
    from geo.layers import registry

    return [i for i in registry.ids() if (folder / f"{i}.geojson").is_file()]


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.get("download_button")]


def test_every_format_is_offered_for_every_layer_and_the_zip(app: AppTest, layers_env: Path) -> None:
    app.run()
    assert not app.exception
    choice = next(g for g in app.get("button_group") if g.label == "Format")
    assert choice.options == [downloads.FORMAT_LABELS[f] for f in FORMATS]
    for fmt in FORMATS:
        choice = next(g for g in app.get("button_group") if g.label == "Format")
        choice.set_value(fmt).run()
        assert not app.exception
        shown = labels(app)
        for layer_id in layer_ids(layers_env):
            assert f"{layer_id}{SUFFIXES[fmt]}" in shown
        assert f"Every layer as {downloads.FORMAT_LABELS[fmt]} (.zip)" in shown
        if "crossings" in layer_ids(layers_env):
            assert "Crossings status history (.csv)" in shown
        assert "Interactive map (HTML)" in shown


def cli_export(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "geo", "export", *args], capture_output=True, check=True,
                          env=dict(os.environ, GEO_LAYERS_DIR=str(folder)), cwd=Path(APP).parent)


@pytest.mark.parametrize("fmt", FORMATS)
def test_layer_download_is_the_same_bytes_as_geo_export(fmt: str, layers_env: Path, tmp_path: Path) -> None:
    layer = "crossings" if "crossings" in layer_ids(layers_env) else "borders"
    ours = data.layer_file(layer, fmt, str(layers_env), "test", DAY.isoformat(), dt.date.today().isoformat())
    target = tmp_path / f"cli{SUFFIXES[fmt]}"
    cli_export(layers_env, layer, "--format", fmt, "-o", str(target), "--as-of", DAY.isoformat())
    assert ours == target.read_bytes()
    if fmt == "geojson":
        assert json.loads(ours)["features"]
    else:
        downloaded = tmp_path / f"app{SUFFIXES[fmt]}"
        downloaded.write_bytes(ours)
        assert len(pyogrio.read_dataframe(downloaded)) > 0


def test_history_csv_is_the_same_bytes_as_geo_export(layers_env: Path, tmp_path: Path) -> None:
    if "crossings" not in layer_ids(layers_env):
        pytest.skip("no crossings layer")
    ours = data.history_file("crossings", str(layers_env), "test", DAY.isoformat())
    history = tmp_path / "history.csv"
    cli_export(layers_env, "crossings", "--format", "csv", "-o", str(tmp_path / "c.csv"), "--history", str(history),
               "--as-of", DAY.isoformat())
    assert ours == history.read_bytes()
    rows = ours.decode("utf-8").splitlines()
    assert rows[0].startswith("id,name,countries,date") and len(rows) > 10


def test_zip_in_a_chosen_format_opens(layers_env: Path, tmp_path: Path) -> None:
    path = str(layers_env)
    layers = {i: data.layer_file(i, "gpkg", path, "test", DAY.isoformat(), DAY.isoformat())
              for i in layer_ids(layers_env)[:2]}
    archive = bundle.zip_all(layers, as_of=DAY, exported=DAY, folder=layers_env, fmt="gpkg", history=b"id\n")
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        names = opened.namelist()
        readme = opened.read("README.md").decode()
        for name in names:
            if name.endswith(".gpkg"):
                (tmp_path / name).write_bytes(opened.read(name))
                assert len(pyogrio.read_dataframe(tmp_path / name)) > 0
    assert [n for n in names if n.endswith(".gpkg")] == [f"{i}.gpkg" for i in layers]
    assert bundle.HISTORY_FILE in names
    assert "GeoPackage" in readme and "--format gpkg" in readme and "`borders.geojson`" not in readme


def test_view_bbox_and_figure_layers() -> None:
    west, south, east, north = downloads.view_bbox(View(40.6, 71.4, 8))
    assert west < 70.0 < 72.8 < east and south < 40.0 < 41.2 < north  # Khujand to Osh
    assert east - west == pytest.approx(1000 * 360 / (256 * 2 ** 8))
    wide = downloads.view_bbox(DEFAULT_VIEW)
    assert wide[0] < 52 and wide[2] > 80  # the Caspian to Lake Balkhash
    assert downloads.figure_layers(frozenset({"countries", "crossings"})) == ("borders", "crossings")
    assert downloads.figure_layers(frozenset()) == ()


def test_report_figure_of_the_view(app: AppTest, layers_env: Path) -> None:
    if not {"borders", "crossings"} <= set(layer_ids(layers_env)):
        pytest.skip("borders and crossings needed")
    app.query_params["date"] = DAY.isoformat()
    app.run()
    assert not app.exception
    assert "Figure (.png)" not in labels(app)
    # the button reports the view the map shows (the page address), as the browser does when it is clicked
    app.session_state[downloads.FIGURE_BUTTON] = {"view": "40.6,71.4,8", "clicked": 1}
    app.run()
    assert not app.exception and not app.error
    assert {"Figure (.png)", "Figure (.pdf)"} <= set(labels(app))
    shown = app.session_state[downloads.FIGURE_KEY]
    bbox, layers, day, route = shown
    assert bbox == tuple(round(v, 2) for v in downloads.view_bbox(View(40.6, 71.4, 8)))
    assert day == DAY.isoformat() and "crossings" in layers and route is None
    images = data.figure_images(str(layers_env), data.version(), *shown)
    assert images["png"].startswith(PNG_MAGIC)
    assert images["pdf"].startswith(b"%PDF-")
    app.run()  # a rerun keeps the figure while the overlays, date and route stay the same
    assert "Figure (.pdf)" in labels(app)
    app.session_state[downloads.FIGURE_BUTTON] = {"bounds": [70.123, 40.0, 72.0, 41.0], "view": "1,1,8", "clicked": 2}
    app.run()  # the map's own bounds win over the view
    assert app.session_state[downloads.FIGURE_KEY][0] == (70.12, 40.0, 72.0, 41.0)
    app.sidebar.date_input[0].set_value(dt.date(2025, 8, 1)).run()  # another date: draw again
    assert "Figure (.pdf)" not in labels(app)


def test_interactive_map_download(layers_env: Path) -> None:
    page = data.map_html(str(layers_env), "test", ("countries", "crossings"), DAY.isoformat(), (40.6, 71.4, 8),
                         "osm").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "© OpenStreetMap contributors" in page and "Statuses as of 2023-06-01" in page
    assert "Border crossings" in page and "Soviet-era trunk roads" not in page


def test_export_map_command(layers_env: Path, tmp_path: Path) -> None:
    target = tmp_path / "map.html"
    result = subprocess.run([sys.executable, "-m", "geo", "export-map", "-o", str(target), "--as-of", DAY.isoformat(),
                             "--overlays", "crossings"], capture_output=True, text=True,
                            env=dict(os.environ, GEO_LAYERS_DIR=str(layers_env)), cwd=Path(APP).parent)
    assert result.returncode == 0, result.stderr
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Border crossings" in page and "Statuses as of 2023-06-01" in page
    bad = subprocess.run([sys.executable, "-m", "geo", "export-map", "-o", str(tmp_path / "no" / "map.html")],
                         capture_output=True, text=True, env=dict(os.environ, GEO_LAYERS_DIR=str(layers_env)),
                         cwd=Path(APP).parent)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_figure_of_a_view_without_data_explains(app: AppTest) -> None:
    app.run()
    app.session_state[downloads.FIGURE_BUTTON] = {"view": "-30.0,-60.0,8", "clicked": 7}  # the South Atlantic
    app.run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "\n" not in errors[0]
    assert errors[0].startswith("The figure could not be drawn: outside the map's data")
    assert "Figure (.png)" not in labels(app)


@pytest.mark.parametrize("optimize", ["time", "distance"])
def test_the_report_figure_draws_the_route_the_page_shows(optimize: str) -> None:
    """Bishkek – Osh: the fastest route stays in Kyrgyzstan, the shortest goes through Uzbekistan. The PNG/PDF
    download is drawn from the shown route's trip (its ends, via places and whole scenario), so it is that route."""
    from geo import figure
    from geo.figure.model import MapData
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario

    engine = RouteEngine.load()
    shown = engine.route("Bishkek", "Osh", Scenario(as_of=dt.date(2025, 8, 1), optimize=optimize))
    trip = downloads.route_key(shown)
    assert trip is not None and trip.scenario == shown.scenario
    drawn = MapData(frames={})
    figure.add_route(drawn, engine, trip)
    assert drawn.route is not None
    assert (drawn.route.distance_km, drawn.route.crossing_ids) == (shown.distance_km, shown.crossing_ids)
    assert set(drawn.route.by_country_km) == ({"KG"} if optimize == "time" else {"KG", "UZ"})
