"""The downloads bundle (geo/io/bundle.py): the sources records, a layer download equal to ``geo export``, the zip."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from geo.io import bundle


def has_layer(folder: Path, *ids: str) -> bool:
    return all((folder / f"{i}.geojson").is_file() for i in ids)


def test_sources_records(app_layers: Path) -> None:
    records = bundle.sources(app_layers)
    assert [r["id"] for r in records][:2] == ["borders", "boundaries"]
    for record in records:
        assert record["licence"] and record["attribution"] and record["method"] and record["upstream"]
    assert records[0]["built"] and records[0]["feature_count"]


def test_layer_download_is_the_same_bytes_as_geo_export(app_layers: Path) -> None:
    day = dt.date(2023, 6, 1)
    ours = bundle.export_layer("crossings" if has_layer(app_layers, "crossings") else "borders", day,
                               folder=app_layers)
    layer = "crossings" if has_layer(app_layers, "crossings") else "borders"
    cli = subprocess.run([sys.executable, "-m", "geo", "export", layer, "--as-of", day.isoformat()],
                         capture_output=True, check=True, env=dict(os.environ, GEO_LAYERS_DIR=str(app_layers)))
    assert ours == cli.stdout


def test_zip_has_readme_and_layers(app_layers: Path) -> None:
    import io
    import zipfile

    day = dt.date(2025, 8, 1)
    layers = {"boundaries": bundle.export_layer("boundaries", day, folder=app_layers)}
    data = bundle.zip_all(layers, as_of=day, exported=day, route=b"{}", folder=app_layers)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        readme = archive.read("README.md").decode()
    assert names == ["README.md", "boundaries.geojson", "route.geojson"]
    assert "ODbL" in readme and "OpenStreetMap contributors" in readme and "Citation policy" in readme
