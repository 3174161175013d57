"""The command line with good and bad arguments: one-line messages, the right exit codes, no traceback."""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import geo
import geo.cli
from geo import vocab
from geo.cli import build_parser, main
from geo.layers import registry
from tests.common import run_cli

run = run_cli


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


# --- the command package ------------------------------------------------------------------------------------


def subcommands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_module_registers_commands_with_a_handler():
    commands = subcommands()
    assert {"layers", "export", "check", "build", "places", "route", "compare", "measure", "bench"} <= set(commands)
    for name, parser in commands.items():
        assert callable(parser.get_default("handler")), name


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"geo {geo.__version__}"


def test_version_matches_the_installed_metadata():
    try:
        installed = importlib.metadata.version("central-asia-geo")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("the package is not installed (run `pip install -e .`)")
    assert installed == geo.__version__


def test_command_modules_do_not_import_the_package_back():
    """``geo.cli`` imports its command modules; they import ``geo.cli.common``, never ``geo.cli`` (no cycle)."""
    for path in Path(geo.cli.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        if path.name != "__init__.py":
            assert "geo.cli" not in imported, path.name
    for name in geo.cli.COMMAND_MODULES:
        assert callable(importlib.import_module(name).add_commands)


def test_avoid_and_mode_choices_come_from_the_vocabulary(capsys):
    route = subcommands()["route"]
    mode = next(a for a in route._actions if a.dest == "mode")
    assert tuple(mode.choices) == vocab.ROUTE_MODES
    code, _, err = run(capsys, "route", "Dushanbe", "Almaty", "--avoid", "RU")
    assert code == 2 and f"not one of {', '.join(vocab.ROUTABLE)}" in err


# --- strict JSON ------------------------------------------------------------------------------------------


def strict_loads(text: str):
    def refuse(constant: str):
        raise ValueError(f"not JSON (RFC 8259): {constant}")

    return json.loads(text, parse_constant=refuse)


JSON_EXAMPLES = {
    "layers": ["layers", "--json"],
    "places": ["places", "--json"],
    "route": ["route", "Dushanbe", "Almaty", "--as-of", "2023-06-01", "--json"],
    "compare": ["compare", "Khujand", "Batken", "--as-of", "2023-06-01", "--vs-as-of", "2025-08-01", "--json"],
    "measure": ["measure", "--coords", "69.24,41.31 68.78,38.56", "--json"],
    "bench": ["bench", "--pairs", "10", "--only", "routing", "--json"],
    "timeline": ["timeline", "Khujand", "Batken", "--from", "2020-01-01", "--to", "2025-06-01", "--json"],
    "changes": ["changes", "--from", "2021-01-01", "--to", "2025-08-01", "--json"],
}


def test_strict_parser_refuses_nan():
    with pytest.raises(ValueError, match="RFC 8259"):
        strict_loads('{"capital": NaN}')


def test_every_json_command_has_an_example():
    with_json = {name for name, p in subcommands().items() if any("--json" in a.option_strings for a in p._actions)}
    assert with_json == set(JSON_EXAMPLES)


@pytest.mark.parametrize("command", sorted(JSON_EXAMPLES))
def test_every_json_output_parses_strictly(capsys, command):
    code, out, _ = run(capsys, *JSON_EXAMPLES[command])
    assert code == 0
    strict_loads(out)


def test_places_without_a_capital_are_null_not_nan(capsys):
    _, out, _ = run(capsys, "places", "--json")
    capitals = [p["capital"] for p in strict_loads(out)]
    assert None in capitals and "national" in capitals


@pytest.mark.parametrize("layer", registry.ids())
@pytest.mark.parametrize("as_of", [None, "2015-01-01"])
def test_every_export_parses_strictly(capsys, layer, as_of):
    code, out, _ = run(capsys, "export", layer, *(["--as-of", as_of] if as_of else []))
    assert code == 0
    collection = strict_loads(out)
    assert collection["type"] == "FeatureCollection" and collection["features"]


def test_route_geojson_file_parses_strictly(capsys, tmp_path):
    target = tmp_path / "route.geojson"
    assert run(capsys, "route", "Dushanbe", "Almaty", "--geojson", str(target))[0] == 0
    assert strict_loads(target.read_text(encoding="utf-8"))["type"] == "Feature"


def test_route_gpx_and_kml_files_parse(capsys, tmp_path):
    import pyogrio

    gpx, kml = tmp_path / "route.gpx", tmp_path / "route.kml"
    code, out, _ = run(capsys, "route", "Dushanbe", "Almaty", "--as-of", "2023-06-01", "--json", "--gpx", str(gpx),
                       "--kml", str(kml))
    route = strict_loads(out)
    assert code == 0
    for path, layer, name in ((gpx, "routes", "name"), (kml, None, "Name")):
        frame = pyogrio.read_dataframe(path, layer=layer)
        assert len(frame) == 1 and frame[name].iloc[0] == "Dushanbe → Almaty"
        line = frame.geometry.iloc[0]
        assert line.geom_type == "LineString"
        assert line.coords[0] == pytest.approx(route["geometry"]["coordinates"][0], abs=1e-6)
        assert line.coords[-1] == pytest.approx(route["geometry"]["coordinates"][-1], abs=1e-6)
    assert f"{route['duration_h']:,.1f} h" in pyogrio.read_dataframe(gpx, layer="routes")["desc"].iloc[0]
    code, _, err = run(capsys, "route", "Dushanbe", "Almaty", "--kml", str(tmp_path / "missing" / "r.kml"))
    assert code == 2 and "--kml" in err and len(err.strip().splitlines()) == 1


# --- the synthetic world (tests/common.py): commands end to end without the real layers -----------------------


def test_build_then_route_and_export_in_the_synthetic_world(curated, capsys):
    assert run(capsys, "build", "--no-upstream")[0] == 0
    code, out, _ = run(capsys, "route", "Alpha", "Бета", "--as-of", "2021-01-01", "--json")
    route = strict_loads(out)
    assert code == 0 and route["from"] == "alpha" and route["to"] == "beta"
    assert set(route["by_country_km"]) == {"TJ", "KG"} and [c["id"] for c in route["crossings"]] == ["test-pass"]
    assert route["distance_km"] == pytest.approx(90 + 95, abs=0.2)  # cited TJ segment + calibrated KG run
    code, _, err = run(capsys, "route", "Alpha", "Beta", "--as-of", "2023-01-01")
    assert code == 3 and "test-pass" in err
    code, out, _ = run(capsys, "export", "crossings", "--as-of", "2023-01-01")
    statuses = {f["id"]: f["properties"]["status"] for f in strict_loads(out)["features"]}
    assert statuses == {"test-pass": "closed", "rail-halt": "open"}


def test_check_and_build_need_the_curated_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GEO_LAYERS_DIR", str(tmp_path))
    for command in ("check", "build"):
        code, _, err = run(capsys, command, *(["--no-upstream"] if command == "build" else []))
        assert code == 2 and "no curated files" in err



def test_every_command_has_help_that_prints(capsys) -> None:
    # walks the commands as a user does: each --help's usage line names the subcommands ({a,b,c})
    seen, todo = [], [()]
    while todo:
        command = todo.pop()
        code, out, err = run(capsys, *command, "--help")
        assert code == 0 and out.startswith("usage: geo") and err == "", command
        seen.append(command)
        choices = re.search(r"^positional arguments:\n  \{([a-z0-9,-]+)\}", out, re.MULTILINE)  # the subcommands
        todo += [(*command, name) for name in choices.group(1).split(",")] if choices else []
    assert ("report", "roads") in seen and len(seen) > 20
