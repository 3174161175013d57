"""The fault suite, writes: on a full disk, in a folder that cannot be written, or when the rename fails, every
writer exits non-zero with one line naming the cause, and the previous file stays byte for byte as it was.

Tests run as root in CI, where chmod does not stop a write: the faults are injected (``os.write``/``fsync``/
``mkstemp``/``os.replace`` raising the errors a full disk or a read-only folder raise).
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import WriteError
from geo.io import geojson

PREVIOUS = b"previous good file\n"


def full_disk_midway(handle: int, data: bytes) -> None:
    """Write 64 KB (or half), then fail as a full disk does."""
    os.write(handle, data[:min(65_536, len(data) // 2)])
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def fail_fsync(handle: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def read_only_folder(*args, **kwargs):
    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))


def read_only_filesystem(source, target):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


FAULTS = {
    "full disk while writing": ("_write_all", full_disk_midway, "no space left on device"),
    "full disk at fsync": ("fsync", fail_fsync, "no space left on device"),
    "folder not writable": ("mkstemp", read_only_folder, "permission denied"),
    "read-only file system at rename": ("replace", read_only_filesystem, "read-only file system"),
}


def inject(monkeypatch: pytest.MonkeyPatch, fault: str) -> str:
    name, fake, cause = FAULTS[fault]
    if name == "_write_all":
        monkeypatch.setattr(geojson, "_write_all", fake)
    elif name == "mkstemp":
        monkeypatch.setattr(tempfile, "mkstemp", fake)
    else:
        monkeypatch.setattr(os, name, fake)
    return cause


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(geojson.TEMPORARY))


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_write_atomic_keeps_the_previous_file_and_names_the_cause(tmp_path, monkeypatch, fault):
    target = tmp_path / "x.geojson"
    target.write_bytes(PREVIOUS)
    cause = inject(monkeypatch, fault)
    with pytest.raises(WriteError, match=f"cannot write .*x.geojson: {cause}$"):
        geojson.write_atomic(target, b"{}" * 100_000)
    monkeypatch.undo()
    assert target.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


def test_fewer_bytes_on_disk_than_written_is_a_failure(tmp_path, monkeypatch):
    target = tmp_path / "x.csv"
    target.write_bytes(PREVIOUS)
    monkeypatch.setattr(geojson, "_write_all", lambda handle, data: os.write(handle, data[:10]))
    with pytest.raises(WriteError, match="10 of 1,000 bytes reached the disk"):
        geojson.write_atomic(target, b"x" * 1000)
    monkeypatch.undo()
    assert target.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


def disk_fills_on_the_second_write(monkeypatch) -> None:
    """Let the first file write through; the disk fills half-way through the second."""
    calls = []

    def second_fails(handle, data):
        calls.append(1)
        if len(calls) == 2:
            full_disk_midway(handle, data)
        os.write(handle, data)

    monkeypatch.setattr(geojson, "_write_all", second_fails)


def test_replace_all_writes_none_when_one_fails(tmp_path, monkeypatch):
    a, b = tmp_path / "a.geojson", tmp_path / "b.geojson"
    a.write_bytes(PREVIOUS)
    b.write_bytes(PREVIOUS)
    disk_fills_on_the_second_write(monkeypatch)
    with pytest.raises(WriteError, match="no space left on device"):
        geojson.replace_all(tmp_path, [("a.geojson", b"new a"), ("b.geojson", b"new b" * 1000)])
    assert a.read_bytes() == PREVIOUS and b.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


def run(capsys, argv: list[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in out + err
    return code, err


WRITERS = {
    "export geojson": (["export", "crossings", "-o", "{t}/out.geojson"], "out.geojson"),
    "export gpkg": (["export", "crossings", "-o", "{t}/out.gpkg"], "out.gpkg"),
    "export kml": (["export", "roads", "--format", "kml", "-o", "{t}/out.kml"], "out.kml"),
    "export csv": (["export", "crossings", "-o", "{t}/out.csv"], "out.csv"),
    "export fgb": (["export", "crossings", "-o", "{t}/out.fgb"], "out.fgb"),
}
SLOW_WRITERS = {
    "route --geojson": (["route", "Khujand", "Batken", "--geojson", "{t}/out.geojson"], "out.geojson"),
    "route --gpx": (["route", "Khujand", "Batken", "--gpx", "{t}/out.gpx"], "out.gpx"),
    "route --kml": (["route", "Khujand", "Batken", "--kml", "{t}/out.kml"], "out.kml"),
    "figure png": (["figure", "-o", "{t}/out.png", "--layers", "borders"], "out.png"),
    "figure pdf": (["figure", "-o", "{t}/out.pdf", "--layers", "borders"], "out.pdf"),
    "export-map": (["export-map", "-o", "{t}/out.html", "--overlays", "countries"], "out.html"),
}


def check_writer(tmp_path, monkeypatch, capsys, argv, name, fault):
    target = tmp_path / name
    target.write_bytes(PREVIOUS)
    cause = inject(monkeypatch, fault)
    code, err = run(capsys, [a.format(t=tmp_path) for a in argv])
    monkeypatch.undo()
    lines = [line for line in err.strip().splitlines() if not line.startswith("wrote ")]
    assert code == 4, err
    assert len(lines) == 1 and cause in lines[0] and name in lines[0], err
    assert target.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


@pytest.mark.parametrize("fault", ["full disk while writing", "folder not writable"])
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_export_fails_whole_with_its_cause(tmp_path, monkeypatch, capsys, writer, fault):
    check_writer(tmp_path, monkeypatch, capsys, *WRITERS[writer], fault)


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("writer", sorted(SLOW_WRITERS) + sorted(WRITERS))
def test_every_writer_on_every_fault(tmp_path, monkeypatch, capsys, writer, fault):
    argv, name = {**WRITERS, **SLOW_WRITERS}[writer]
    check_writer(tmp_path, monkeypatch, capsys, argv, name, fault)


def test_a_history_that_cannot_be_written_leaves_the_previous_history(tmp_path, monkeypatch, capsys):
    history = tmp_path / "history.csv"
    history.write_bytes(PREVIOUS)
    disk_fills_on_the_second_write(monkeypatch)
    code, err = run(capsys, ["export", "crossings", "-o", str(tmp_path / "c.csv"), "--history", str(history)])
    assert code == 4 and err.strip().splitlines()[-1].endswith("history.csv: no space left on device")
    assert history.read_bytes() == PREVIOUS and (tmp_path / "c.csv").stat().st_size > 0 and leftovers(tmp_path) == []


@pytest.mark.parametrize(("argv", "message"), [
    (["export", "borders", "-o", "{t}/x.pdf"], "-o {t}/x.pdf: .pdf names no export format"),
    (["export", "borders", "--format", "kml", "-o", "{t}/x.geojson"], "a kml file must end in .kml, not .geojson"),
    (["export", "crossings", "-o", "{t}/c.csv", "--history", "{t}/h.txt"], "--history {t}/h.txt: a csv file must end"),
    (["route", "Khujand", "Batken", "--gpx", "{t}/r.kml"], "--gpx {t}/r.kml: a gpx file must end in .gpx, not .kml"),
    (["route", "Khujand", "Batken", "--geojson", "{t}/r.gpx"], "--geojson {t}/r.gpx: a geojson file must end in"),
    (["export-map", "-o", "{t}/map.pdf"], "the map is HTML"),
    (["figure", "-o", "{t}/map.html"], "must end in .png, .pdf, .svg"),
])
def test_an_output_suffix_the_format_does_not_match_is_refused(tmp_path, capsys, argv, message):
    code, err = run(capsys, [a.format(t=tmp_path) for a in argv])
    assert code == 2 and message.format(t=tmp_path) in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
