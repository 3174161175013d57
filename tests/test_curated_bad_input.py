"""Bad curated files: `geo check` reports file:line for each, `geo build` refuses and touches nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A copy of the built borders and of every curated file, used through GEO_LAYERS_DIR."""
    layers = tmp_path / "layers"
    shutil.copytree(REPO / "layers" / "src", layers / "src")
    for name in ("borders.geojson", "boundaries.geojson"):
        shutil.copy(REPO / "layers" / name, layers / name)
    monkeypatch.setenv("GEO_LAYERS_DIR", str(layers))
    monkeypatch.delenv("GEO_SOURCE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return layers


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def run_check(capsys) -> tuple[int, str]:
    code = main(["check"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out


def first_row_id(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[1].split(",")[0]


def test_duplicate_crossing_id(workspace, capsys):
    path = workspace / "src" / "crossings.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines + [lines[1]]), encoding="utf-8")
    code, out = run_check(capsys)
    assert code == 1
    assert f"src/crossings.csv:{len(lines) + 1}: duplicate id {first_row_id(path)!r}" in out


def test_swapped_coordinates_are_caught_on_the_border_check(workspace, capsys):
    path = workspace / "src" / "crossings.csv"
    row = path.read_text(encoding="utf-8").splitlines()[1].split(",")
    lon, lat = row[6], row[7]
    edit(path, f",{lon},{lat},", f",{lat},{lon},")
    code, out = run_check(capsys)
    assert code == 1 and "src/crossings.csv:2:" in out and "km from the" in out


@pytest.mark.parametrize(
    ("needle", "new", "message"),
    [
        ("2025-03-13,open", "2025-02-30,open", "is not a real date"),
        ("2025-03-13,open", "2025-03-13,opened", "is not one of open"),
        ("2025-03-13,open,,", "2025-03-13,open,cars,", "'cars' is not one of passengers"),
    ],
)
def test_bad_status_rows(workspace, capsys, needle, new, message):
    path = workspace / "src" / "crossing_status.csv"
    number = line_of(path, needle)
    edit(path, needle, new)
    code, out = run_check(capsys)
    assert code == 1 and f"src/crossing_status.csv:{number}:" in out and message in out


def test_history_out_of_order(workspace, capsys):
    path = workspace / "src" / "crossing_status.csv"
    edit(path, "kyzyl-bel,2025-03-13,open", "kyzyl-bel,2019-03-13,open")
    code, out = run_check(capsys)
    assert code == 1 and "out of date order" in out


def test_missing_source(workspace, capsys):
    path = workspace / "src" / "crossing_status.csv"
    number = line_of(path, "kyzyl-bel,2025-03-13,open")
    text = path.read_text(encoding="utf-8").splitlines()
    parts = text[number - 1].rsplit(",", 1)
    text[number - 1] = parts[0] + ","
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    code, out = run_check(capsys)
    assert code == 1 and f"crossing_status.csv:{number}: source: missing source URL" in out


def test_unknown_place_reference_in_segments(workspace, capsys):
    path = next((workspace / "src" / "roads").glob("segments_*.csv"))
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    lines[1] = ",".join(cells[:4] + ["atlantis"] + cells[5:])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = run_check(capsys)
    assert code == 1 and "from_place: unknown place 'atlantis'" in out and f"{path.name}:2:" in out


def test_missing_column_and_wrong_delimiter(workspace, capsys):
    path = workspace / "src" / "pipelines.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",", ";"), encoding="utf-8")
    code, out = run_check(capsys)
    assert code == 1 and "pipelines.csv:1: wrong delimiter" in out


def test_non_utf8_file(workspace, capsys):
    path = workspace / "src" / "enclaves.csv"
    path.write_bytes(path.read_bytes().replace(b"Sokh", b"S\xf6kh", 1))
    code, out = run_check(capsys)
    assert code == 1 and "enclaves.csv:2: not UTF-8" in out


def test_truncated_file(workspace, capsys):
    path = workspace / "src" / "crossings.csv"
    data = path.read_bytes()
    cut = data.index(b'"', data.index(b"\n")) + 5  # inside the first quoted cell
    path.write_bytes(data[:cut])
    code, out = run_check(capsys)
    assert code == 1 and "crossings.csv:" in out


def test_projected_metres_in_place_coordinates(workspace, capsys):
    path = next((workspace / "src" / "roads").glob("places_*.csv"))
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    lon_i = header.index("lon")
    cells[lon_i], cells[lon_i + 1] = "512345.6", "4567890.1"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = run_check(capsys)
    assert code == 1 and f"{path.name}:2: lon:" in out and "out of range" in out


def test_build_refuses_and_leaves_built_layers_untouched(workspace, capsys):
    before = {p.name: p.read_bytes() for p in workspace.glob("*.geojson")}
    edit(workspace / "src" / "crossing_status.csv", "2025-03-13,open", "2025-13-13,open")
    code = main(["build", "--no-upstream"])
    captured = capsys.readouterr()
    assert code == 1 and "nothing written" in captured.err
    assert {p.name: p.read_bytes() for p in workspace.glob("*.geojson")} == before
    assert not list(workspace.glob(".*.tmp"))


def test_three_dimensional_via_point(workspace, capsys):
    path = next((workspace / "src" / "roads").glob("segments_*.csv"))
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    via = header.index("via")
    for number, line in enumerate(lines[1:], 2):
        cells = line.split(",")
        if len(cells) == len(header) and cells[via].strip():
            first = cells[via].split(";")[0]
            cells[via] = cells[via].replace(first, first.strip() + " 1250", 1)
            lines[number - 1] = ",".join(cells)
            break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = run_check(capsys)
    assert code == 1 and f"{path.name}:{number}: via: point 1" in out


def test_unknown_country_code_in_crossing(workspace, capsys):
    path = workspace / "src" / "crossings.csv"
    edit(path, ",KG-TJ,", ",KG-XX,")
    code, out = run_check(capsys)
    assert code == 1 and "countries: unknown country code in 'KG-XX'" in out


def test_hostile_text_in_names_is_data_not_markup(workspace, capsys):
    path = workspace / "src" / "crossings.csv"
    edit(path, "Kyzyl-Bel – Guliston", '"<img src=x onerror=alert(1)>"')
    code, _ = run_check(capsys)
    assert code == 0  # a name is free text: it is escaped where it is shown (see test_render, test_browser)
