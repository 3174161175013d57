"""geoapp.component: the value the map reports is parsed defensively; the frontend ships in the package."""

from __future__ import annotations

from geo.map.document import ASSETS
from geoapp.component import MapValue, parse_value


def test_value_parsing() -> None:
    feature = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}
    assert parse_value({"drawings": [feature, "x", 3], "band": 2}) == MapValue((feature,), 2)
    assert parse_value(None) == MapValue()
    assert parse_value({"drawings": "nope", "band": True}) == MapValue()
    assert parse_value({"band": 99}).band is None and parse_value({"band": -1}).band is None


def test_frontend_files_are_package_data() -> None:
    import re

    for name in ("index.html", "map.js", "map.css", "page.html", "vendor/leaflet/leaflet.js",
                 "vendor/leaflet-draw/leaflet.draw.js", "vendor/leaflet.fullscreen/Control.FullScreen.js"):
        assert (ASSETS / name).is_file(), name
    index = (ASSETS / "index.html").read_text(encoding="utf-8")
    assert "http" not in index  # nothing from the internet
    bridge = index.split("<script>", 1)[1].split("</script>", 1)[0]  # the protocol, written in the page
    assert "streamlit:componentReady" in bridge and "event.source !== window.parent" in bridge
    scripts = re.findall(r"'([\w./-]+\.js)'", bridge)  # the scripts it loads, in order
    assert scripts[0] == "vendor/leaflet/leaflet.js" and scripts[-1] == "map.js" and "http" not in bridge
    assert all((ASSETS / name).is_file() for name in scripts)


def test_no_private_names_of_dependencies() -> None:
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    for path in [*root.joinpath("geoapp").rglob("*.py"), *root.joinpath("geo", "map").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        assert "streamlit_folium" not in source, path
        assert not re.search(r"\b(?:st|sf|folium|branca|components)\._[a-z]", source), path


def test_installed_app_runs_with_the_shipped_settings() -> None:
    import pathlib
    import tomllib

    from geoapp.__main__ import flags

    root = pathlib.Path(__file__).resolve().parent.parent
    shipped = (root / "geoapp" / "config.toml").read_text(encoding="utf-8")
    assert (root / ".streamlit" / "config.toml").read_text(encoding="utf-8") == shipped  # one config, two places
    given = flags(tomllib.loads(shipped))
    assert "--client.showErrorDetails=none" in given and "--server.headless=true" in given
    assert "--server.maxUploadSize=5" in given


def test_display_cache_round_trip_and_pruning(tmp_path, monkeypatch) -> None:
    from map_factories import layers

    from geo.map.geometry import BANDS
    from geo.map.prepare import prepare
    from geo.map.registry import OVERLAYS
    from geoapp import data

    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path))
    built = prepare(OVERLAYS[1], layers(), BANDS[0])
    file = data._cache_file("roads", "v1", 0, "")
    data._write_cached(built, file)
    assert data._read_cached(OVERLAYS[1], file) == built
    file.write_text('{"group": {"id": 1}, "used": []}', encoding="utf-8")  # tampered: ignored, rebuilt
    assert data._read_cached(OVERLAYS[1], file) is None
    for number in range(data.KEEP_VERSIONS + 3):
        data._write_cached(built, data._cache_file("roads", f"old{number}", 0, ""))
    assert len(list((tmp_path / "display").iterdir())) <= data.KEEP_VERSIONS + 1


def test_served_folder_holds_the_frontend_and_publishes_overlay_groups(tmp_path) -> None:
    import gzip
    import json

    from map_factories import layers

    from geo.map.geometry import BANDS
    from geo.map.prepare import build_document, prepare
    from geo.map.registry import OVERLAYS
    from geoapp import frontend

    served = frontend.served_folder(tmp_path)
    assert served is not None and served.parent == tmp_path
    for name in ("index.html", "map.js", "vendor/leaflet/leaflet.js"):
        assert (served / name).read_bytes() == (ASSETS / name).read_bytes()
    assert frontend.served_folder(tmp_path) == served  # made once per frontend version
    route = {"as_of": "2025-08-01", "geometry": {"type": "LineString", "coordinates": [[69.6, 40.3], [70.5, 40.2]]}}
    document = build_document([prepare(s, layers(), BANDS[0]) for s in OVERLAYS], as_of=None, routes=[route])
    groups = document.args()["groups"]
    published = [frontend.publish(g, served) for g in groups]
    for group, sent in zip(groups, published, strict=True):
        if group["id"] == "route":  # per session: stays inline
            assert sent == group
            continue
        assert sent == {"id": group["id"], "key": group["key"], "src": f"g/{group['key']}.json.gz",
                        "raw": f"g/{group['key']}.json"}
        assert gzip.decompress((served / sent["src"]).read_bytes()).decode() == group["json"]
        assert json.loads((served / sent["raw"]).read_text(encoding="utf-8")) == json.loads(group["json"])
    assert frontend.publish(None, served) is None


def test_groups_stay_inline_without_a_served_folder(tmp_path, monkeypatch) -> None:
    from map_factories import layers

    from geo.map.geometry import BANDS
    from geo.map.prepare import prepare
    from geo.map.registry import OVERLAYS
    from geoapp import frontend

    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert frontend.served_folder(blocker / "component") is None  # cannot be made: the map still works
    monkeypatch.setattr(frontend, "SERVED", None)
    group = prepare(OVERLAYS[1], layers(), BANDS[0]).group
    assert group is not None and frontend.publish(group) == group


def test_a_new_server_makes_its_served_folder_and_prunes_stale_ones(tmp_path) -> None:
    import os
    import subprocess
    import sys

    stale = tmp_path / "component" / "0123456789ab"
    stale.mkdir(parents=True)
    os.utime(stale, (0, 0))
    code = "from geoapp import frontend; print(frontend.SERVED)"
    shown = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, GEO_CACHE_DIR=str(tmp_path)),
                           capture_output=True, text=True, check=True).stdout.strip()
    assert shown.startswith(str(tmp_path / "component")) and (tmp_path / "component" / shown[-12:] / "map.js").is_file()
    assert not stale.exists()
