"""Shared fixtures: tiny synthetic layers and curated workspaces built in code (see tests/common.py), and a
complete layers folder for the app tests."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.layers import registry
from geo.paths import layers_dir
from tests.common import HOSTILE, CuratedWorkspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")
"""The app's entry point, as ``streamlit run`` starts it."""

if "GEO_DATABASE_URL" in os.environ:
    # the test database (scripts/test.sh starts one) is taken out of the environment so that no other test's command
    # line reads its layers from it; the database tests (tests/test_db.py) find it here and pass it explicitly
    os.environ["GEO_TEST_DATABASE_URL"] = os.environ.pop("GEO_DATABASE_URL")


@pytest.fixture
def two_squares() -> gpd.GeoDataFrame:
    """Two 1°×1° countries side by side at the equator: AA (0..1) and BB (1..2)."""
    return gpd.GeoDataFrame(
        {"country": ["AA", "BB"], "kind": ["country", "country"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=4326,
    )




def _complete_layers(target: Path) -> Path:
    """Copy the built layers into ``target``; build the missing ones from the curated files in memory."""
    target.mkdir(parents=True, exist_ok=True)
    source = layers_dir()
    missing = []
    for layer_id in registry.ids():
        path = source / f"{layer_id}.geojson"
        if path.is_file():
            shutil.copyfile(path, target / path.name)
        else:
            missing.append(layer_id)
    if missing:
        from geo.io.geojson import write_atomic
        from geo.layers import build

        day = dt.date.today()
        result = build.run(as_of=day, folder=target)
        for layer_id in missing:
            if layer_id in result.frames:
                write_atomic(target / f"{layer_id}.geojson",
                             build.encode(layer_id, result.frames[layer_id], as_of=day, exported=day))
    return target


@pytest.fixture(scope="session")
def app_layers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a layers folder with every layer that exists or can be built now."""
    return _complete_layers(tmp_path_factory.mktemp("layers"))


@pytest.fixture(scope="session")
def hostile_layers(app_layers: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a copy of the layers whose first crossings carry hostile names, notes and URLs."""
    target = tmp_path_factory.mktemp("hostile")
    for path in app_layers.glob("*.geojson"):
        shutil.copyfile(path, target / path.name)
    crossings = target / "crossings.geojson"
    if not crossings.is_file():
        pytest.skip("the crossings layer is neither built nor buildable")
    collection = json.loads(crossings.read_text(encoding="utf-8"))
    for feature, text in zip(collection["features"], HOSTILE):
        props = feature["properties"]
        props["name"] = text
        props["names"] = [text]
        props["notes"] = text
        props["status_note"] = text
        props["sources"] = ["javascript:window.__xss=4", "https://example.org/\"onmouseover=\"window.__xss=5"]
        props["status_source"] = "javascript:window.__xss=6"
        for entry in props.get("status_history") or []:
            entry["note"] = text
            entry["evidence"] = text
            entry["source"] = "javascript:window.__xss=7"
    crossings.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.fixture
def curated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CuratedWorkspace:
    """A synthetic layers folder (curated files written in code, borders built in code) used through GEO_LAYERS_DIR.

    Change rows with ``curated.set(…)`` and call ``curated.write()`` again before running a command.
    """
    workspace = CuratedWorkspace(tmp_path / "layers").write()
    monkeypatch.setenv("GEO_LAYERS_DIR", str(workspace.root))
    monkeypatch.delenv("GEO_SOURCE_DIR", raising=False)
    monkeypatch.setenv("GEO_SHARED_DIR", str(tmp_path / "no-shared"))  # synthetic roads stay schematic
    monkeypatch.chdir(tmp_path)
    return workspace


@pytest.fixture
def app(app_layers: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The whole app, headless, on the complete layers folder (``streamlit.testing.v1.AppTest``)."""
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    return AppTest.from_file(APP, default_timeout=90)


def problems(at: AppTest) -> list[str]:
    """Return every exception and error a script run showed (an empty list when the page is clean)."""
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]
