"""A non-editable install, used from outside the checkout: the ``geo`` command finds its layers in the package.

Builds the wheel with pip (``pip install --no-deps --target``; the dependencies are those of the running
environment) and runs the installed console script from an empty folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from geo.layers import registry
from tests.common import app_server

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check",
                    str(ROOT), "-w", str(wheels)], check=True, timeout=600)
    (wheel,) = wheels.glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                    "--target", str(target), str(wheel)], check=True, timeout=600)
    (target / "wheel.txt").write_text(str(wheel))
    return target


def geo(installed: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_")}
    env["PYTHONPATH"] = str(installed)
    return subprocess.run([str(installed / "bin" / "geo"), *argv], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def test_the_wheel_carries_every_built_layer_and_the_licence(installed):
    names = set(zipfile.ZipFile((installed / "wheel.txt").read_text()).namelist())
    assert {f"geo/data/{layer_id}.geojson" for layer_id in registry.ids()} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "geo/data/src/road_speeds.csv" in names  # the route engine's speeds
    assert "geo/data/src/entry_rules.csv" in names  # and its travel documents
    assert "geoapp/view_button/index.html" in names  # the app's figure button component
    assert "geo/locale/ru/LC_MESSAGES/messages.po" in names  # the interface's Russian catalog
    assert not any(n.startswith(("tests/", "geo/data/src/")) for n in names - {"geo/data/src/road_speeds.csv",
                                                                                 "geo/data/src/entry_rules.csv"})


def test_installed_geo_runs_outside_the_checkout(installed, tmp_path):
    where = geo(installed, "layers", "--json", cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert all(row["feature_count"] for row in json.loads(where.stdout))
    route = geo(installed, "route", "Dushanbe", "Almaty", "--json", cwd=tmp_path)
    assert route.returncode == 0 and json.loads(route.stdout)["distance_km"] > 1000
    out = tmp_path / "roads.geojson"
    export = geo(installed, "export", "roads", "-o", str(out), cwd=tmp_path)
    assert export.returncode == 0 and json.loads(out.read_text())["features"]


def test_installed_package_reads_its_own_data(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_")}
    env["PYTHONPATH"] = str(installed)
    code = "import geo, geo.paths as p; print(geo.__file__); print(p.layers_dir())"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=120, check=True)
    module, layers = proc.stdout.split()
    assert Path(module).is_relative_to(installed) and Path(layers) == installed / "geo" / "data"
    code = "from geo.i18n import languages, translator; print(languages()['ru'], translator('ru').gettext('Map'))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=120, check=True)
    assert proc.stdout.split() == ["Русский", "Карта"]


def test_installed_check_explains_that_it_needs_a_checkout(installed, tmp_path):
    proc = geo(installed, "check", cwd=tmp_path)
    assert proc.returncode == 2 and "no curated files" in proc.stderr and "Traceback" not in proc.stderr


def test_installed_app_serves_outside_the_checkout(installed, tmp_path):
    """``python -m geoapp`` from an empty folder: the packaged app starts, with its map frame and preloads."""
    import urllib.request

    env = {k: v for k, v in os.environ.items() if not k.startswith("GEO_")}
    env["PYTHONPATH"] = str(installed)
    env["GEO_CACHE_DIR"] = str(tmp_path / "cache")

    def get(path: str) -> bytes:
        with urllib.request.urlopen(url + path, timeout=10) as answer:  # noqa: S310 (loopback http)
            assert answer.status == 200, path
            return bytes(answer.read())

    with app_server(["geoapp", "--server.fileWatcherType=none"], env=env, log=tmp_path / "app.log",
                    cwd=tmp_path) as url:
        assert b"ComponentInstance." in get("/")  # Streamlit's page, told to preload the map's mounting code
        frame = get("/component/geoapp.component.geo_map/index.html")
        assert b"streamlit:componentReady" in frame
        assert get("/component/geoapp.component.geo_map/map.js").startswith(b"/*")
