"""Stated reasons for missing reference roads: strict loading, matching to stretches, and the real layers."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import pytest
import shapely

from geo.cli import main
from geo.cli import report as reportcli
from geo.errors import DataError
from geo.layers import store
from geo.layers.build import country_index
from geo.measure import CountryIndex
from geo.paths import source_dir
from geo.reference.coverage import coverage
from geo.reference.coverage_notes import NOTE_COLUMNS, REASONS, Note, explain, load_notes

COUNTRIES = CountryIndex({"KZ": shapely.box(60, 44, 64, 47)})
NO_NETWORK = gpd.GeoDataFrame({"id": []}, geometry=[], crs=4326)
WEST = [(61.0, 45.0), (61.5, 45.0)]  # about 39 km each, 0.5° apart
EAST = [(62.0, 45.0), (62.5, 45.0)]
KM_PER_DEG_LAT = 111.1


def stretches():
    reference = gpd.GeoDataFrame({"class": ["trunk", "trunk"]},
                                 geometry=[shapely.LineString(WEST), shapely.LineString(EAST)], crs=4326)
    return coverage(reference, NO_NETWORK, COUNTRIES).stretches


def note(note_id: str, lon: float, lat: float, reason: str = "bypass") -> Note:
    return Note(note_id, note_id, (lon, lat), reason, "why", (), "notes.csv", 2)


def write(tmp_path, *rows: str):
    path = tmp_path / "coverage_notes.csv"
    path.write_text(",".join(NOTE_COLUMNS) + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_note_names_the_stretch_its_point_lies_on_and_no_other():
    found = stretches()
    explained = explain(found, [note("west", 61.25, 45.0 + 1.0 / KM_PER_DEG_LAT)])  # 1 km north of WEST
    by_start = {round(s.start[0] + s.end[0], 1): n for s, n in zip(found, explained.notes)}
    assert by_start[122.5] is not None and by_start[122.5].id == "west"
    assert by_start[124.5] is None
    assert [s.start[0] + s.end[0] for s in explained.unexplained(found)] == pytest.approx([124.5])
    assert explained.stale == []


def test_a_note_farther_than_the_match_distance_is_stale():
    found = stretches()
    far = note("far", 61.25, 45.0 + 5.0 / KM_PER_DEG_LAT)  # 5 km north of WEST
    explained = explain(found, [far])
    assert explained.notes == [None, None]
    assert explained.stale == [far]
    assert explain(found, [far], match_km=6.0).notes.count(far) == 1


def test_of_two_notes_on_one_stretch_the_nearer_is_kept_and_the_other_is_stale():
    found = stretches()
    near, less_near = note("near", 61.2, 45.0), note("less-near", 61.3, 45.0 + 2.0 / KM_PER_DEG_LAT)
    for order in ([near, less_near], [less_near, near]):
        explained = explain(found, order)
        assert near in explained.notes and less_near not in explained.notes
        assert explained.stale == [less_near]


def test_notes_load_with_their_reasons(tmp_path):
    path = write(tmp_path, 'kz-ring,Ring road,61.25,45.0,bypass,"Both ends nearest X",https://example.org/ring',
                 "kz-other,Other,62.2,45.0,no-source,No source found,")
    notes = load_notes(path)
    assert [(n.id, n.reason, n.point, n.sources, n.line) for n in notes] == [
        ("kz-ring", "bypass", (61.25, 45.0), ("https://example.org/ring",), 2),
        ("kz-other", "no-source", (62.2, 45.0), (), 3)]


@pytest.mark.parametrize(("row", "message"), [
    ("Bad Id,X,61,45,bypass,why,", "id: 'Bad Id' is not a lowercase slug"),
    ("a,X,261,45,bypass,why,", "lon: 261 is out of range"),
    ("a,X,61,45,because,why,", "reason: 'because' is not one of"),
    ("a,X,61,45,bypass,,", "detail: missing"),
    ("a,,61,45,bypass,why,", "name: missing"),
    ("a,X,61,45,bypass,why,not-a-url", "source"),
])
def test_a_bad_note_is_reported_with_file_and_line(tmp_path, row, message):
    path = write(tmp_path, "ok,X,61,45,gap,why,", row)
    with pytest.raises(DataError) as error:
        load_notes(path)
    assert ":3: " in str(error.value) and message in str(error.value)


def test_a_repeated_id_is_a_problem(tmp_path):
    with pytest.raises(DataError, match="duplicate id 'a'"):
        load_notes(write(tmp_path, "a,X,61,45,gap,why,", "a,Y,62,45,gap,why,"))


def test_the_committed_notes_load_with_reasons_from_the_vocabulary():
    notes = load_notes(source_dir() / "roads" / "coverage_notes.csv")
    assert notes
    assert {n.reason for n in notes} <= set(REASONS)
    assert [n.id for n in notes if n.reason == "no-source"] == []  # a missing trunk road is added, not excused


def test_the_report_shows_each_reason_or_says_there_is_none(tmp_path, capsys):
    path = tmp_path / "reference.geojson"
    gpd.GeoDataFrame({"class": ["trunk", "trunk"]},
                     geometry=[shapely.LineString([(64.0, 48.5), (64.8, 48.5)]),
                               shapely.LineString([(64.0, 49.5), (64.8, 49.5)])], crs=4326).to_file(path)
    notes = write(tmp_path, "kz-steppe,Steppe road,64.4,48.5,outside-scope,Joins no network places,",
                  "kz-stale,Gone,70.0,40.0,gap,Was missing,")
    assert main(["report", "coverage", "--reference", str(path), "--notes", str(notes), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    reasons = {s["start"][1]: s["reason"] for s in result["stretches"]}
    assert reasons[48.5]["id"] == "kz-steppe" and reasons[48.5]["reason"] == "outside-scope"
    assert reasons[49.5] is None
    assert result["unexplained"] == 1
    assert [n["id"] for n in result["stale_notes"]] == ["kz-stale"]
    assert main(["report", "coverage", "--reference", str(path), "--notes", str(notes)]) == 0
    out = capsys.readouterr().out
    assert "outside-scope: Joins no network places" in out and "no stated reason" in out
    assert "Stale note" in out and "kz-stale" in out


def test_the_report_rejects_bad_notes_in_one_line(tmp_path, capsys):
    notes = write(tmp_path, "a,X,61,45,because,why,")
    assert main(["report", "coverage", "--notes", str(notes)]) == 1
    err = capsys.readouterr().err.strip()
    assert "coverage_notes.csv:2" in err and "because" in err


@pytest.mark.skipif(not reportcli.DEFAULT_REFERENCE.exists(),
                    reason="../shared/data/osm-roads (the reference road network) is absent from this checkout")
def test_no_missing_reference_trunk_road_of_20_km_lacks_a_stated_reason():
    reference = reportcli.read_reference(reportcli.DEFAULT_REFERENCE)
    roads, _ = store.read_layer("roads")
    places, _ = store.read_layer("places")
    borders, _ = store.read_layer("borders")
    result = coverage(reference, roads, country_index(borders), places=places)
    explained = explain(result.stretches, load_notes(source_dir() / "roads" / "coverage_notes.csv"))
    missing = [(s.country, round(s.km), s.near) for s in explained.unexplained(result.stretches)]
    assert missing == [], "missing stretches without a stated reason (add a row to coverage_notes.csv)"
    assert [n.id for n in explained.stale] == [], "notes matching no missing stretch (remove or move them)"


def test_check_reports_a_bad_note_with_its_line(tmp_path):
    import shutil

    from geo.layers import build

    source = tmp_path / "src"
    shutil.copytree(source_dir(), source)
    with (source / "roads" / "coverage_notes.csv").open("a", encoding="utf-8") as f:
        f.write("bad,X,61,45,because,why,\n")
    result = build.run(as_of=dt.date(2026, 1, 1), source=source, upstream=False, references=[])
    assert any(p.file.endswith("coverage_notes.csv") and "because" in p.message for p in result.problems)
