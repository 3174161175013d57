"""The Streamlit app, headless with ``streamlit.testing.v1.AppTest``: smoke, widgets, routes, bad links."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geoapp import component, data
from geoapp.pages import measure
from tests.common import open_tab
from tests.conftest import APP, problems


def has_layer(folder: Path, *ids: str) -> bool:
    return all((folder / f"{i}.geojson").is_file() for i in ids)


def test_smoke(app: AppTest) -> None:
    app.run()
    assert problems(app) == []
    assert app.title[0].value.startswith("Central Asia")
    assert [c.label for c in app.sidebar.checkbox] == [
        "Countries, borders and enclaves", "Soviet-era trunk roads", "Gas pipelines (Line D)", "Border crossings",
        "Towns and passes", "Show what changed"]
    assert [c.value for c in app.sidebar.checkbox] == [True, True, True, True, False, False]
    assert app.query_params == {} or "view" not in app.query_params
    assert not app.warning


def test_toggle_overlay_updates_link(app: AppTest) -> None:
    app.run()
    app.sidebar.checkbox[1].uncheck().run()
    assert problems(app) == []
    assert app.query_params["layers"] == "countries,pipelines,crossings"
    app.sidebar.checkbox[1].check().run()
    assert "layers" not in app.query_params


def test_date_drives_link_and_statuses(app: AppTest) -> None:
    app.run()
    app.sidebar.date_input[0].set_value(dt.date(2023, 6, 1)).run()
    assert problems(app) == []
    assert app.query_params["date"] == "2023-06-01"


def test_route_panel_and_preset_comparison(app: AppTest, app_layers: Path) -> None:
    if not has_layer(app_layers, "roads", "places", "crossings"):
        pytest.skip("routing layers not built yet")
    app.run()
    app.button(key="preset_0").click().run()
    assert problems(app) == []
    labels = [m.label for m in app.metric]
    assert "Road distance" in labels and "Δ distance" in labels and "Detour" in labels
    assert app.query_params["from"] == "khujand" and app.query_params["to"] == "batken"
    assert app.query_params["date"] == "2023-06-01" and app.query_params["date2"] == "2025-08-01"
    delta = next(m.value for m in app.metric if m.label == "Δ distance")
    assert delta.endswith("km")
    app.button(key="preset_1").click().run()
    assert problems(app) == []
    assert app.query_params["from"] == "dushanbe" and "date2" not in app.query_params
    distance = next(m.value for m in app.metric if m.label == "Road distance")
    assert float(distance.replace(",", "").split()[0]) > 1000


def test_route_selectboxes_and_avoid(app: AppTest, app_layers: Path) -> None:
    if not has_layer(app_layers, "roads", "places", "crossings"):
        pytest.skip("routing layers not built yet")
    app.run()
    app.selectbox(key="r_from").set_value("dushanbe")
    app.selectbox(key="r_to").set_value("almaty").run()
    assert problems(app) == []
    first = next(m.value for m in app.metric if m.label == "Road distance")
    app.multiselect(key="r_avoid").set_value(["KG"]).run()
    assert problems(app) == []
    assert app.query_params["avoid"] == "KG"
    assert not app.warning  # Dushanbe → Almaty has a route around Kyrgyzstan (through Uzbekistan)
    avoiding = next(m.value for m in app.metric if m.label == "Road distance")

    def km(value: str) -> float:
        return float(value.replace(",", "").split()[0])

    assert km(first) <= km(avoiding) <= km(first) * 1.25  # avoiding a country never shortens a route
    app.multiselect(key="r_avoid").set_value(["KG", "UZ", "KZ"]).run()  # Almaty is in Kazakhstan
    assert [w.value for w in app.warning][0].startswith("No route")
    assert "Road distance" not in [m.label for m in app.metric]


def test_unreadable_layer_is_left_out(app_layers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in app_layers.glob("*.geojson"):
        shutil.copyfile(path, tmp_path / path.name)
    if not (tmp_path / "crossings.geojson").is_file():
        pytest.skip("no crossings layer")
    collection = json.loads((tmp_path / "crossings.geojson").read_text(encoding="utf-8"))
    collection["features"][0]["properties"]["status_history"] = "garbage"
    (tmp_path / "crossings.geojson").write_text(json.dumps(collection), encoding="utf-8")
    monkeypatch.setenv("GEO_LAYERS_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert problems(at) == []
    assert any("crossings" in i.value for i in at.sidebar.info)


def test_failing_panel_does_not_blank_the_page(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.map import legend

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(legend, "legend_html", broken)
    app.run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert errors == ["The map panel could not be shown (internal error). The rest of the page still works."]
    assert app.title and app.sidebar.checkbox and app.button(key="preset_0")


# --- uploading a track (Measure tab) ------------------------------------------------------------------

LINE = {"type": "Feature", "properties": {"name": "Tashkent → Khujand"},
        "geometry": {"type": "LineString", "coordinates": [[69.24, 41.31], [69.62, 40.28]]}}
GPX_TRACK = b"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Osh</name><trkseg>
<trkpt lat="40.53" lon="72.80"><ele>1000</ele></trkpt><trkpt lat="40.06" lon="70.82"/></trkseg></trk></gpx>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><gpx><trk><trkseg>&lol2;</trkseg></trk></gpx>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx>&x;</gpx>"""


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    if not any(getattr(e, "key", None) == "track_file" for e in at.get("file_uploader")):
        open_tab(at, "measure")
    at.file_uploader(key="track_file").set_value((name, data, "application/octet-stream")).run()
    return at


def test_upload_geojson_is_measured_drawn_and_downloadable(app: AppTest) -> None:
    app.run()
    upload(app, "line.geojson", json.dumps(LINE).encode())
    assert problems(app) == []
    metrics = {m.label: m.value for m in app.metric}
    length = float(metrics["Length"].split()[0].replace(",", ""))
    assert 110 < length < 130 and metrics["Area"] == "—"
    track = app.session_state["_track"]
    assert set(track["measured"]["by_country_km"]) >= {"UZ", "TJ"}
    assert track["display"]["features"][0]["properties"]["tip"].startswith("<b>Your track</b> line.geojson")
    assert app.session_state["map_view"][2] >= 7  # the map was moved to the track
    table = app.dataframe[-1].value
    assert {"UZ", "TJ"} <= set(table["code"]) and abs(table["km"].sum() - length) < 1
    out = json.loads(track["geojson"])
    assert out["type"] == "FeatureCollection" and out["features"][0]["geometry"]["type"] == "LineString"
    assert out["features"][0]["properties"]["length_km"] == track["measured"]["length_km"]
    assert app.get("download_button")  # the download is offered
    app.sidebar.checkbox[1].uncheck().run()  # the track survives other interactions
    assert problems(app) == [] and app.session_state["_track"]["digest"] == track["digest"]


def test_upload_gpx_is_measured(app: AppTest) -> None:
    app.run()
    upload(app, "osh.gpx", GPX_TRACK)
    assert problems(app) == []
    measured = app.session_state["_track"]["measured"]
    assert measured["type"] == "LineString" and "KG" in measured["by_country_km"]
    assert {m.label for m in app.metric} >= {"Length", "Countries"}


def test_upload_polygon_gives_area(app: AppTest) -> None:
    app.run()
    ring = [[70.0, 40.0], [71.0, 40.0], [71.0, 41.0], [70.0, 41.0], [70.0, 40.0]]
    upload(app, "area.json", json.dumps({"type": "Polygon", "coordinates": [ring]}).encode())
    assert problems(app) == []
    metrics = {m.label: m.value for m in app.metric}
    assert "Outline" in metrics and metrics["Area"].endswith("km²")


BAD_TRACKS = {
    "empty.geojson": (b"  \n", "empty"),
    "huge.geojson": (b" " * 5_000_001, "at most 5,000,000"),
    "mercator.geojson": (json.dumps({"type": "LineString", "crs": {"type": "name", "properties": {
        "name": "EPSG:3857"}}, "coordinates": [[7700000, 4900000], [7800000, 4950000]]}).encode(), "CRS"),
    "projected.geojson": (json.dumps({"type": "LineString", "coordinates": [[500000, 4500000], [500100, 4500100]]}
                                     ).encode(), "projected metres"),
    "point.geojson": (json.dumps({"type": "Point", "coordinates": [69.2, 41.3]}).encode(), "cannot be measured"),
    "broken.geojson": (b'{"type": "LineString", "coordinates": [[69, 41], [70', "not GeoJSON"),
    "latin1.geojson": ('{"type": "LineString", "name": "Ö"}'.encode("latin-1"), "not GeoJSON"),
    "nested.json": (b"[" * 200_000 + b"]" * 200_000, "nested"),
    "crs-list.geojson": (b'{"type": "LineString", "crs": {"properties": {"name": []}}, "coordinates": []}',
                         "CRS"),
    "laughs.gpx": (BILLION_LAUGHS, "DOCTYPE"),
    "xxe.gpx": (EXTERNAL_ENTITY, "DOCTYPE"),
    "broken.gpx": (b"<gpx><trk><trkseg><trkpt lat='1' lon='2'>", "malformed GPX"),
    "nopoints.gpx": (b"<gpx><trk><trkseg><trkpt lat='40' lon='70'/></trkseg></trk></gpx>", "two or more points"),
    "<img src=x onerror=alert(1)>.geojson": (b"", "empty"),
}


@pytest.mark.parametrize("name", list(BAD_TRACKS))
def test_bad_upload_shows_one_line_error(app: AppTest, name: str) -> None:
    data, expected = BAD_TRACKS[name]
    app.run()
    upload(app, name, data)
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1, errors
    assert expected in errors[0] and "\n" not in errors[0] and "Traceback" not in errors[0]
    assert "<img" not in errors[0].replace("\\<", "")  # the file name is escaped Markdown (shown as text)
    assert "_track" in app.session_state and "display" not in app.session_state["_track"]
    assert app.title and app.sidebar.checkbox  # the rest of the page still works
    upload(app, "line.geojson", json.dumps(LINE).encode())  # a good file replaces the error
    assert problems(app) == [] and "display" in app.session_state["_track"]


def test_a_track_past_its_budget_is_stopped_with_one_line_and_the_page_stays(app: AppTest, monkeypatch) -> None:
    from geoapp import guard

    monkeypatch.setattr(guard, "TRACK", guard.Budget(0.0, 1200, guard.TRACK.what))  # no time at all
    app.run()
    upload(app, "line.geojson", json.dumps(LINE).encode())
    assert not app.exception
    assert [e.value.replace("\\", "") for e in app.error] == ["Measuring the track took longer than 0 s and was "
                                                                  "stopped; try a smaller file or view."]
    assert app.title and app.sidebar.checkbox  # the rest of the page still works
    monkeypatch.undo()
    upload(app, "line2.geojson", json.dumps(LINE).encode())  # and the next file is measured
    assert problems(app) == [] and "display" in app.session_state["_track"]


def test_a_link_opens_its_tab_and_the_link_follows_the_open_tab(app: AppTest) -> None:
    app.query_params["tab"] = "measure"
    app.run()
    assert problems(app) == [] and app.get("file_uploader")  # the Measure tab ran, not the Route tab
    assert not [s for s in app.selectbox if s.key == "r_from"]
    assert app.query_params["tab"] in ("measure", ["measure"])
    open_tab(app, "route")
    assert problems(app) == [] and "tab" not in app.query_params and not app.get("file_uploader")
    app.session_state["lang"] = "ru"
    app.run()  # another language: the same tab, titled in it
    assert app.session_state["tab"] == "Маршрут" and [s for s in app.selectbox if s.key == "r_from"]


def test_a_track_kept_after_its_tab_was_left_can_be_removed(app: AppTest) -> None:
    app.run()
    upload(app, "line.geojson", json.dumps(LINE).encode())
    assert not app.get("button") or "track_remove" not in [b.key for b in app.get("button")]
    open_tab(app, "route")
    open_tab(app, "measure")  # the uploader is empty again (its file went with the tab), the track is still drawn
    assert problems(app) == [] and "display" in app.session_state["_track"] and app.metric
    app.button(key="track_remove").click().run()
    assert problems(app) == [] and "_track" not in app.session_state and not app.metric


def test_removing_the_upload_clears_the_track(app: AppTest) -> None:
    app.run()
    upload(app, "line.geojson", json.dumps(LINE).encode())
    assert "_track" in app.session_state
    app.file_uploader(key="track_file").set_value(None).run()
    assert problems(app) == [] and "_track" not in app.session_state


# --- the map component: one browser map per session, changed in place --------------------------------


def test_basemap_change_keeps_the_map_and_its_view(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[dict] = []
    real = component.show
    monkeypatch.setattr(component, "show", lambda document, **kw: (shown.append(document.args()),
                                                                     real(document, **kw))[1])
    app.query_params["view"] = "40.3,70.6,8"
    app.run()
    app.query_params["view"] = "42.8765,74.6,11"  # what the map writes into the address on pan and zoom
    app.sidebar.selectbox(key="basemap").set_value("light").run()
    assert problems(app) == []
    assert app.query_params["basemap"] == "light" and app.query_params["view"] == "42.8765,74.6,11"
    app.sidebar.selectbox(key="basemap").set_value("none").run()
    assert problems(app) == []
    # the base (and so the browser's map and its view) is the same on every run; only the tiles change
    assert len({json.dumps(s["base"], sort_keys=True) for s in shown}) == 1
    assert shown[0]["base"]["view"] == [40.3, 70.6, 8]
    assert "tile.openstreetmap.org" in shown[0]["basemap"]["url"] and "cartocdn" in shown[1]["basemap"]["url"]
    assert shown[2]["basemap"] is None
    assert [g["key"] for g in shown[0]["groups"]] == [g["key"] for g in shown[2]["groups"]]
    assert app.session_state["map_view"] == (40.3, 70.6, 8)


def test_zoom_band_reported_by_the_map_redraws_finer_groups(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[dict] = []
    real = component.show
    monkeypatch.setattr(component, "show", lambda document, **kw: (shown.append(document.args()),
                                                                     real(document, **kw))[1])
    app.run()
    app.session_state[component.KEY] = {"drawings": [], "band": 2}  # what the map sends after zooming in
    app.run()
    assert problems(app) == []
    wide = {g["id"]: g for g in shown[0]["groups"]}
    close = {g["id"]: g for g in shown[-1]["groups"]}
    assert wide.keys() == close.keys()
    assert wide["roads"]["key"] != close["roads"]["key"] and len(close["roads"]["json"]) > len(wide["roads"]["json"])
    assert wide["crossings"]["key"] == close["crossings"]["key"]  # points are the same at every zoom


def test_drawings_reported_by_the_map_are_measured(app: AppTest) -> None:
    app.run()
    line = {"type": "Feature", "properties": {}, "geometry": {"type": "LineString",
                                                              "coordinates": [[69.0, 40.0], [72.0, 41.0]]}}
    point = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [69.0, 40.0]}}
    app.session_state[component.KEY] = {"drawings": [point, line], "band": 0}
    open_tab(app, "measure")
    assert problems(app) == []
    assert [w.value for w in app.warning][0].startswith("Drawing 1:")
    assert any(m.value.startswith("**Drawing 2** (LineString): 277.5 km") for m in app.markdown)
    assert "drawing.geojson" not in [b.label for b in app.get("download_button")]
    open_tab(app, "download")  # offered there without the Measure tab's run (only the open tab runs)
    assert problems(app) == [] and "drawing.geojson" in [b.label for b in app.get("download_button")]
    drawing = json.loads(measure.drawing_file([point, line], data.version()) or b"")
    assert [f["geometry"] for f in drawing["features"]] == [line["geometry"]]


def test_a_preset_survives_the_browser_sending_its_older_widget_values(app: AppTest, app_layers: Path) -> None:
    """The run after a preset may carry the browser's values from before it (a race the browser test hit)."""
    if not has_layer(app_layers, "roads", "places", "crossings"):
        pytest.skip("routing layers not built yet")
    app.run()
    app.button(key="preset_0").click().run()
    app.selectbox(key="r_to").set_value(None).run()  # what the stale browser state sends
    assert problems(app) == []
    assert app.query_params["from"] == "khujand" and app.query_params["to"] == "batken"
    app.selectbox(key="r_to").set_value(None).run()  # later, a user's own change is kept
    assert "to" not in app.query_params
