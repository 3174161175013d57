"""Read the built layers in ``layers/`` (or from a :class:`LayerSource`, e.g. a PostGIS store) and re-date statuses."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd

from geo.errors import DataError, Problem
from geo.layers import registry
from geo.layers.status import status_on
from geo.paths import layers_dir


class LayerSource(Protocol):
    """Where the layers come from instead of the files, when one is in use (see :func:`use_source`)."""

    def collection(self, layer_id: str) -> dict[str, Any]:
        """Return a layer as a GeoJSON FeatureCollection, exactly as its built file holds it."""

    def curated_folder(self) -> Path:
        """Return a folder holding the curated tables the route engine reads (``road_speeds.csv`` and the rest)."""

    def version(self) -> str:
        """Return a short hash that changes whenever the data changes."""


_SOURCE: list[LayerSource] = []


def use_source(source: LayerSource | None) -> None:
    """Read layers from ``source`` (None: from the built files again) wherever no folder is given explicitly.

    The command line installs a PostGIS source when a database URL is given (``geo.db.source``); this module never
    imports it, so the data tier does not depend on the database.
    """
    _SOURCE.clear()
    if source is not None:
        _SOURCE.append(source)


def source() -> LayerSource | None:
    """Return the source in use instead of the files, or None."""
    return _SOURCE[0] if _SOURCE else None


def layer_path(layer_id: str, folder: Path | None = None) -> Path:
    """Return the path of a built layer file."""
    registry.get(layer_id)
    return (folder or layers_dir()) / f"{layer_id}.geojson"


def read_collection(layer_id: str, folder: Path | None = None) -> dict[str, Any]:
    """Return a built layer as a parsed GeoJSON FeatureCollection.

    Raises
    ------
    DataError
        The file is missing or is not a FeatureCollection.
    """
    if folder is None and _SOURCE:
        registry.get(layer_id)
        return _SOURCE[0].collection(layer_id)
    path = layer_path(layer_id, folder)
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError([Problem(str(path), 0, f"cannot read built layer ({type(exc).__name__}); "
                                               "run `python -m geo build`")]) from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise DataError([Problem(str(path), 0, "not a GeoJSON FeatureCollection")])
    return collection


def read_layer(layer_id: str, folder: Path | None = None) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Return a built layer as a GeoDataFrame (list and object properties kept) and its metadata."""
    collection = read_collection(layer_id, folder)
    frame = gpd.GeoDataFrame.from_features(collection["features"], crs=4326)
    columns = list(registry.get(layer_id).properties)
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    frame = frame[[*columns, "geometry"]]
    return frame, dict(collection.get("metadata", {}))


def data_version(folder: Path | None = None) -> str:
    """Return a short hash of every built layer file: changes whenever the data changes."""
    if folder is None and _SOURCE:
        return _SOURCE[0].version()
    digest = hashlib.sha256()
    for spec in registry.LAYERS:
        path = layer_path(spec.id, folder)
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def redate(frame: gpd.GeoDataFrame, as_of: dt.date) -> gpd.GeoDataFrame:
    """Return a copy whose ``status`` fields are those in force on ``as_of``.

    Layers without a ``status_history`` column are returned unchanged (as a copy).
    """
    out = frame.copy()
    if "status_history" not in out.columns:
        return out
    entries = [status_on(h or [], as_of) for h in out["status_history"]]
    out["status"] = [e["status"] for e in entries]
    out["status_since"] = [e["date"] for e in entries]
    out["status_note"] = [e.get("note") for e in entries]
    if "status_source" in out.columns:
        out["status_source"] = [e.get("source") for e in entries]
    if "status_traffic" in out.columns:
        out["status_traffic"] = [
            (e.get("traffic") or own) if e["date"] else None for e, own in zip(entries, out["traffic"])
        ]
    return out
