"""Read the built layers in ``layers/`` (or from a :class:`LayerSource`, e.g. a PostGIS store) and re-date statuses."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd

from geo.errors import LayerMissing
from geo.io.geojson import pending
from geo.layers import registry
from geo.layers.status import section_status, status_on
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
    _SOURCE[:] = [] if source is None else [source]  # one assignment: a reader in another thread sees old or new


def source() -> LayerSource | None:
    """Return the source in use instead of the files, or None."""
    return _SOURCE[0] if _SOURCE else None


def layer_path(layer_id: str, folder: Path | None = None) -> Path:
    """Return the path to read a built layer from.

    That is ``<folder>/<id>.geojson``, unless a ``geo build`` was killed between the renames of its switch: then
    the staged file its journal names (:func:`geo.io.geojson.pending`), so every reader sees the whole new set.
    """
    registry.get(layer_id)
    folder = folder or layers_dir()
    name = f"{layer_id}.geojson"
    return pending(folder).get(name, folder / name)


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
        raise LayerMissing(layer_id, str(path), type(exc).__name__) from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" or not isinstance(
            collection.get("features"), list):
        raise LayerMissing(layer_id, str(path), "not a GeoJSON FeatureCollection")
    return collection


def read_layer(layer_id: str, folder: Path | None = None) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Return a built layer as a GeoDataFrame (list and object properties kept) and its metadata."""
    collection = read_collection(layer_id, folder)
    try:
        frame = gpd.GeoDataFrame.from_features(collection["features"], crs=4326)
    except Exception as exc:  # shapely and pandas raise several types for malformed features
        raise LayerMissing(layer_id, str(layer_path(layer_id, folder)), f"malformed features: {type(exc).__name__}"
                           ) from None
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
    return redate_each(frame, [as_of] * len(frame))


def redate_each(frame: gpd.GeoDataFrame, days: Sequence[dt.date]) -> gpd.GeoDataFrame:
    """Return a copy whose ``status`` fields are those in force on each row's own day (:func:`redate` per row)."""
    out = frame.copy()
    if "status_history" not in out.columns:
        return out
    entries = [status_on(h or [], day) for h, day in zip(out["status_history"], days)]
    out["status"] = [e["status"] for e in entries]
    out["status_since"] = [e["date"] for e in entries]
    out["status_note"] = [e.get("note") for e in entries]
    if "status_source" in out.columns:
        out["status_source"] = [e.get("source") for e in entries]
    if "status_traffic" in out.columns:
        out["status_traffic"] = [
            (e.get("traffic") or own) if e["date"] else None for e, own in zip(entries, out["traffic"])
        ]
    if "section_status" in out.columns:
        out["section_status"] = [section_status(h or [], day) or None for h, day in zip(out["status_history"], days)]
    return out
