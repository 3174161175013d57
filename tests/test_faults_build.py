"""The fault suite, ``geo build``: killed at any point of its switch, the layers are the old set or the complete new
set, never a mix; the next build finishes or discards what was left and removes stale temporary files."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from geo.errors import WriteError
from geo.io import geojson
from geo.layers import build, registry, store

OLD, NEW = dt.date(2020, 1, 1), dt.date(2030, 1, 1)


class Killed(BaseException):
    """The process dies here: nothing after this line runs, no handler cleans up."""


@pytest.fixture(scope="module")
def frames(app_layers: Path) -> dict:
    return {i: store.read_layer(i, app_layers)[0] for i in registry.ids()}


@pytest.fixture
def folder(tmp_path: Path, frames: dict) -> Path:
    """A layers folder whose every layer was built on OLD."""
    build.write(build.Result(frames=dict(frames)), as_of=OLD, folder=tmp_path)
    return tmp_path


def dates(folder: Path) -> set[str]:
    """The build dates of the layers a reader sees."""
    return {store.read_collection(i, folder)["metadata"]["as_of"] for i in registry.ids()}


def kill_at(monkeypatch: pytest.MonkeyPatch, rename: int) -> None:
    """Kill the process at the ``rename``-th call of ``os.replace`` (0: the journal's commit)."""
    real, calls = os.replace, []

    def replace(source, target):
        if len(calls) == rename:
            raise Killed
        calls.append(target)
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)


RENAMES = len(registry.ids()) + 1  # the journal, then one per layer


@pytest.mark.parametrize("rename", [r if r in (0, 3) else pytest.param(r, marks=pytest.mark.slow)
                                    for r in range(RENAMES)])
def test_a_build_killed_between_renames_leaves_the_old_or_the_new_set(folder, frames, monkeypatch, rename):
    kill_at(monkeypatch, rename)
    with pytest.raises(Killed):
        build.write(build.Result(frames=dict(frames)), as_of=NEW, folder=folder)
    monkeypatch.undo()
    seen = dates(folder)
    assert seen == ({OLD.isoformat()} if rename == 0 else {NEW.isoformat()})
    version = store.data_version(folder)
    # the next build (here: its first step) finishes the switch and removes what a killed one left
    geojson.settle(folder)
    geojson.remove_stale(folder, [geojson.SWITCH, *(f"{i}.geojson" for i in registry.ids())])
    assert dates(folder) == seen and store.data_version(folder) == version
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{i}.geojson" for i in registry.ids())


def test_the_next_build_after_a_kill_writes_the_new_set_and_leaves_nothing_else(folder, frames, monkeypatch):
    kill_at(monkeypatch, 3)
    with pytest.raises(Killed):
        build.write(build.Result(frames=dict(frames)), as_of=NEW, folder=folder)
    monkeypatch.undo()
    (folder / ".roads.geojson.stale123.tmp").write_bytes(b"cut")
    build.write(build.Result(frames=dict(frames)), as_of=OLD, folder=folder)
    assert dates(folder) == {OLD.isoformat()}
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{i}.geojson" for i in registry.ids())


def test_a_build_that_cannot_stage_a_layer_changes_nothing(folder, frames, monkeypatch):
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real, calls = geojson._write_all, []

    def fourth_fails(handle, data):
        calls.append(1)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        real(handle, data)

    monkeypatch.setattr(geojson, "_write_all", fourth_fails)
    with pytest.raises(WriteError, match="no space left on device"):
        build.write(build.Result(frames=dict(frames)), as_of=NEW, folder=folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_killed_switch_in_a_read_only_copy_is_still_read_whole(folder, frames, monkeypatch, tmp_path_factory):
    kill_at(monkeypatch, 2)
    with pytest.raises(Killed):
        build.write(build.Result(frames=dict(frames)), as_of=NEW, folder=folder)
    monkeypatch.undo()
    copy = tmp_path_factory.mktemp("copy")
    for path in folder.iterdir():
        shutil.copyfile(path, copy / path.name)
    assert dates(copy) == {NEW.isoformat()}  # readers never rename: they read the staged files the journal names
    assert (copy / geojson.SWITCH).exists()


def test_build_begins_by_removing_stale_temporary_files(folder):
    (folder / ".borders.geojson.abc123.tmp").write_bytes(b"half")
    (folder / "..switch.json.def456.tmp").write_bytes(b"[")
    (folder / "notes.txt").write_bytes(b"kept")
    removed = build.begin(folder)
    assert sorted(p.name for p in removed) == ["..switch.json.def456.tmp", ".borders.geojson.abc123.tmp"]
    assert (folder / "notes.txt").exists()
