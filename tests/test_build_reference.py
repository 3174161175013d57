"""The build without reference data keeps the committed traces: the project builds without ../shared."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from geo.layers import build, store


def features(layer_id: str, frame, day: dt.date) -> list:
    return json.loads(build.encode(layer_id, frame, as_of=day, exported=day))["features"]


def test_a_build_without_reference_files_gives_the_committed_roads_and_pipelines(tmp_path: Path):
    roads, metadata = store.read_layer("roads")
    day = dt.date.fromisoformat(metadata["as_of"])
    result = build.run(as_of=day, references=[], pipeline_path=tmp_path / "absent.geojson")
    assert not result.problems
    assert any("kept the committed traces" in n for n in result.notes)
    assert features("roads", result.frames["roads"], day) == features("roads", roads, day)
    pipelines, _ = store.read_layer("pipelines")
    assert features("pipelines", result.frames["pipelines"], day) == features("pipelines", pipelines, day)
