"""The command line with good and bad arguments: one-line messages, the right exit codes, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from geo.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_layers_lists_every_layer_with_licence(capsys):
    code, out, _ = run(capsys, "layers", "--json")
    rows = json.loads(out)
    assert code == 0 and {r["id"] for r in rows} >= {"borders", "boundaries", "roads", "pipelines", "crossings"}
    assert all(r["licence"] and r["attribution"] for r in rows)


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["export", "railways"], 2, "unknown layer 'railways': choose one of"),
        (["export", ""], 2, "unknown layer ''"),
        (["export", "<script>alert(1)</script>" * 20], 2, "unknown layer"),
        (["export", "crossings", "--as-of", "2023-02-30"], 2, "is not a real date"),
        (["export", "crossings", "--as-of", "tomorrow"], 2, "is not a real date"),
        (["export", "crossings", "-o", "/nonexistent/dir/x.geojson"], 2, "does not exist"),
        (["export", "crossings", "--format", "shp"], 2, "invalid choice"),
        (["export", "crossings", "--format", "gpkg"], 2, "needs -o"),
        (["route", "Dushanbe"], 2, "required"),
        (["route", "Dushanbee", "Almaty"], 2, "unknown place 'Dushanbee' — did you mean Dushanbe?"),
        (["route", "", "Almaty"], 2, "empty place name"),
        (["route", "Душанбе", "Алматы", "--as-of", "2025-13-01"], 2, "is not a real date"),
        (["route", "Dushanbe", "Almaty", "--close", "no-such-crossing"], 2, "unknown crossing id 'no-such-crossing'"),
        (["route", "Dushanbe", "Almaty", "--avoid", "XX"], 2, "--avoid 'XX'"),
        (["route", "Dushanbe", "Almaty", "--mode", "bicycle"], 2, "invalid choice"),
        (["route", "Dushanbe", "Almaty", "--close", "kyzyl-bel", "--open", "kyzyl-bel"], 2, "both closed and opened"),
        (["route", "Dushanbe", "Almaty", "--geojson", "/nonexistent/x.geojson"], 2, "not a writable file path"),
        (["route", "Dushanbe", "Dushanbe"], 2, "same place"),
        (["measure", "--coords", "1,2"], 2, "at least two"),
        (["measure", "--coords", "abc"], 2, "is not 'lon,lat'"),
        (["measure", "--file", "/nonexistent.gpx"], 2, "cannot read"),
        (["bench", "--pairs", "1"], 2, "--pairs"),
        (["frobnicate"], 2, "invalid choice"),
        ([], 2, "required"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_code(capsys, argv, code, message):
    got, out, err = run(capsys, *argv)
    assert got == code
    assert message in err
    assert len(err.strip().splitlines()) <= 2


def test_route_json_has_the_documented_keys(capsys):
    code, out, _ = run(capsys, "route", "Dushanbe", "Almaty", "--as-of", "2023-06-01", "--json")
    result = json.loads(out)
    assert code == 0
    assert {"from", "to", "as_of", "distance_km", "by_country_km", "crossings", "roads", "geodesic_km",
            "detour_ratio", "cited_share", "geometry", "warnings"} <= set(result)
    assert result["from"] == "dushanbe" and result["as_of"] == "2023-06-01"


def test_route_writes_geojson(capsys, tmp_path):
    target = tmp_path / "route.geojson"
    code, _, _ = run(capsys, "route", "Khujand", "Batken", "--as-of", "2025-08-01", "--geojson", str(target))
    feature = json.loads(target.read_text())
    assert code == 0 and feature["geometry"]["type"] == "LineString"


def test_no_route_exits_3_and_names_the_cut(capsys):
    code, _, err = run(capsys, "route", "Dushanbe", "Osh", "--as-of", "2023-06-01", "--avoid", "UZ", "KZ")
    assert code == 3 and "cut off by" in err and "avoided countries" in err


def test_compare_khujand_batken(capsys):
    code, out, _ = run(capsys, "compare", "Khujand", "Batken", "--as-of", "2023-06-01", "--vs-as-of", "2025-08-01",
                       "--json")
    result = json.loads(out)
    assert code == 0 and result["delta_km"] < 0 and "kyzyl-bel" in result["crossings_added"]


def test_places_json(capsys):
    code, out, _ = run(capsys, "places", "--json")
    places = json.loads(out)
    assert code == 0 and {"id", "name", "aliases", "country", "kind", "lon", "lat"} <= set(places[0])
    assert "kyzyl-bel" in {p["id"] for p in places}


def test_measure_coordinates(capsys):
    code, out, _ = run(capsys, "measure", "--coords", "69.24,41.31 68.78,38.56", "--json")
    result = json.loads(out)
    assert code == 0 and result["length_km"] > 300 and "UZ" in result["by_country_km"]


def test_module_entry_point_runs_without_traceback():
    proc = subprocess.run([sys.executable, "-m", "geo", "export", "nope"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "unknown layer" in proc.stderr
