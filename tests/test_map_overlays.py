"""geo.map.overlays and geo.map.registry: every overlay builds, uses only its palette's keys, escapes its text."""

from __future__ import annotations

import json

import pytest
from map_factories import HOSTILE, borders, crossings, layers, pipelines, roads

from geo.layers import registry as layer_registry
from geo.map.geometry import BANDS
from geo.map.overlays import countries as countries_overlay
from geo.map.overlays import crossings as crossings_overlay
from geo.map.overlays import pipelines as pipelines_overlay
from geo.map.overlays import roads as roads_overlay
from geo.map.prepare import prepare
from geo.map.registry import DATED_LAYERS, OVERLAYS, get


@pytest.mark.parametrize("spec", OVERLAYS, ids=lambda s: s.id)
def test_every_overlay_builds_from_its_layers_with_its_own_palette(spec) -> None:
    assert all(layer in layer_registry.ids() for layer in spec.layers)
    prepared = prepare(spec, layers(), BANDS[0])
    assert prepared.group is not None and prepared.group["id"] == spec.id
    palette = {s.key for s in spec.palette}
    assert prepared.used and prepared.used <= palette, prepared.used - palette
    assert len(palette) == len(spec.palette)  # a key is defined once


def test_registry_ids_and_dated_layers() -> None:
    assert [s.id for s in OVERLAYS] == ["countries", "roads", "pipelines", "crossings", "places"]
    assert DATED_LAYERS == {"crossings", "pipelines"}
    with pytest.raises(Exception, match="choose one of countries"):
        get("<nope>")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_never_reaches_the_document_raw(hostile: str) -> None:
    frames = layers(borders=borders(hostile), crossings=crossings(hostile), roads=roads(hostile))
    for spec in OVERLAYS:
        encoded = prepare(spec, frames, BANDS[1]).group["json"]
        for raw in ("<img", "<script", "${", "</script>"):
            assert raw not in encoded, (spec.id, raw)
        assert 'href=\\"javascript' not in encoded
        if spec.id == "crossings":
            assert 'href=\\"https://example.org/c\\"' in encoded  # good links stay links


def test_crossing_keys_follow_status_and_mode() -> None:
    feature = crossings_overlay.build({"crossings": crossings(status="closed")}, BANDS[0])[0].features["features"][0]
    assert feature["properties"]["k"] == ["closed", "square"]
    odd = crossings_overlay.build({"crossings": crossings(status="<b>")}, BANDS[0])[0].features["features"][0]
    assert odd["properties"]["k"] == ["unknown", "square"]
    assert crossings_overlay.SPEC.css().count("background: #D55E00") == 1  # the colour of "closed", from the palette


def test_popup_has_names_history_lengths_and_sources() -> None:
    part = crossings_overlay.build({"crossings": crossings()}, BANDS[0])[0]
    popup = part.features["features"][0]["properties"]["pop"]
    rows = dict((label, value) for label, value in popup["r"])
    assert "Кызыл-Бел" in rows["Names"]
    assert [h[0] for h in popup["h"]] == ["2021-05-21", "2025-03-13"]
    assert 'href="https://example.org/c"' in popup["h"][0][2]
    assert "href" not in rows["Sources"].split("<br>")[1]  # the javascript: source is text, not a link
    lines, labels = roads_overlay.build({"roads": roads()}, BANDS[0])
    road = lines.features["features"][0]["properties"]
    road_rows = dict((label, value) for label, value in road["pop"]["r"])
    assert "240.0 km (cited)" in road_rows["Length"] and "221.3 km" in road_rows["Drawn line (geodesic)"]
    assert "ЭМ-16, AH65" in road["tip"] and "M41" in road["tip"]
    assert [f["properties"]["lbl"] for f in labels.features["features"]] == ["M41"] and labels.marker == "label"


def test_pipeline_status_picks_the_dash_from_the_palette() -> None:
    stalled = pipelines_overlay.build({"pipelines": pipelines("stalled")}, BANDS[0])[0]
    assert stalled.features["features"][0]["properties"]["k"] == ["lined", "stalled"]
    styles = pipelines_overlay.SPEC.styles()
    assert styles["lined"]["weight"] == 6 and styles["stalled"]["dashArray"]
    assert styles["operating"]["dashArray"] is None
    assert "schematic" in stalled.features["features"][0]["properties"]["tip"]


def test_enclaves_are_highlighted_and_neighbour_borders_coarser() -> None:
    fills, lines = countries_overlay.build(layers(), BANDS[0])
    assert [f["properties"]["k"] for f in fills.features["features"]] == [["core"], ["enclave"]]
    styles = countries_overlay.SPEC.styles()
    assert styles["enclave"]["fillColor"] != styles["core"]["fillColor"]
    assert lines.features["features"][0]["properties"]["k"] == ["border"]
    assert "1,006.8 km" in dict(lines.features["features"][0]["properties"]["pop"]["r"])["Official length"]


def test_missing_values_from_pandas_are_not_shown_as_nan() -> None:
    layer = roads()
    layer.loc[0, "soviet_ref"] = float("nan")
    lines, labels = roads_overlay.build({"roads": layer}, BANDS[0])
    assert lines.features["features"][0]["properties"]["k"] == ["other"]
    assert "nan" not in json.dumps(lines.features) and labels.features["features"] == []


def test_an_overlay_draws_with_part_of_its_layers() -> None:
    only_lines = prepare(countries_overlay.SPEC, {"boundaries": layers()["boundaries"]}, BANDS[0])
    assert only_lines.group is not None and only_lines.used == {"border"}
    assert prepare(countries_overlay.SPEC, {}, BANDS[0]).group is None


@pytest.mark.parametrize("layer_id", sorted(layers()))
def test_the_synthetic_layers_follow_the_registry(layer_id: str) -> None:
    """The map tests' tiny layers have only properties their layer declares, and its geometry type."""
    from geo.layers import registry

    spec, frame = registry.get(layer_id), layers()[layer_id]
    assert set(frame.columns) - {"geometry"} <= set(spec.properties), set(frame.columns) - set(spec.properties)
    kinds = {spec.geometry_type, spec.geometry_type.removeprefix("Multi"), "Multi" + spec.geometry_type}
    assert set(frame.geom_type) <= kinds
def test_the_pipeline_popup_shows_each_sections_status_on_the_date() -> None:
    line = pipelines("stalled")
    line["status_history"] = [[
        {"date": "2022-01-01", "status": "stalled", "note": "", "source": "https://example.org/d",
         "evidence": "работы приостановлены"},
        {"date": "2024-02-06", "section": "TJ", "status": "stalled", "note": "", "source": "https://example.org/t"},
        {"date": "2025-06-26", "section": "CN", "status": "operating", "note": "", "source": "https://example.org/c",
         "kind": "planned"}]]
    line["section_status"] = [{"TJ": {"status": "stalled", "date": "2024-02-06"},
                               "CN": {"status": "unknown", "date": None}}]
    feature = pipelines_overlay.build({"pipelines": line}, BANDS[0])[0].features["features"][0]
    rows = dict(feature["properties"]["pop"]["r"])
    assert rows["Status by section"] == "Tajikistan: stalled since 2024-02-06<br>China: unknown"
    assert "<q>работы приостановлены</q>" in rows["Status"]
    history = feature["properties"]["pop"]["h"]
    assert history[1][1].startswith("Tajikistan: ") and history[2][0] == "announced for 2025-06-26"
