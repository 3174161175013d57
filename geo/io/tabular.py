"""Flatten layer attributes for tabular formats: lists, per-country figures and status histories as readable text.

CSV, KML and GeoPackage hold one value per cell; these helpers turn the layers' nested values (lists, dicts, the
dated status history) into text a spreadsheet reader can read, and the history into one row per dated fact.
"""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import UsageError
from geo.io.geojson import json_value

LIST_SEPARATOR = "; "
"""Between the items of a list flattened into one cell."""
OUTSIDE = "outside"
"""Column suffix for kilometres outside every country polygon (``??`` in the layers)."""


def has_history(frame: pd.DataFrame) -> bool:
    """Return whether a layer carries dated status histories (crossings, pipelines)."""
    return "status_history" in frame.columns


def is_nested(value: Any) -> bool:
    """Return whether a cell holds a list, tuple or dict (not one value)."""
    return isinstance(value, list | tuple | dict | np.ndarray)


def nested_columns(frame: pd.DataFrame) -> list[str]:
    """Return the attribute columns that hold lists or dicts in some row."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [c for c in frame.columns if c != geometry and frame[c].map(is_nested).any()]


def as_json_text(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy whose list and object values are JSON text (for GeoPackage and FlatGeobuf)."""
    out = frame.copy()
    for column in nested_columns(out):
        out[column] = [None if v is None else json.dumps(json_value(v), ensure_ascii=False, allow_nan=False)
                       for v in out[column]]
    return out


def history_text(history: Any) -> str:
    """Return a status history as one readable line.

    Examples
    --------
    >>> history_text([{"date": "2021-05-21", "status": "closed"},
    ...               {"date": "2025-03-13", "status": "open", "traffic": ["freight"]}])
    '2021-05-21 closed; 2025-03-13 open (freight)'
    >>> history_text([{"date": "2026-07-31", "status": "open", "kind": "planned"}])
    '2026-07-31 open (announced)'
    """
    parts = []
    for entry in list_items(history):
        traffic = list_items(entry.get("traffic"))
        where = f"{entry['section']} " if entry.get("section") else ""
        parts.append(f"{entry['date']} {where}{entry['status']}" + (f" ({', '.join(traffic)})" if traffic else "")
                     + (" (announced)" if entry.get("kind") == "planned" else ""))
    return LIST_SEPARATOR.join(parts)


def list_items(value: Any) -> list[Any]:
    """Return the items of a list-like cell as a list (None and NaN: no items)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, np.ndarray):
        return list(value.tolist())
    return list(value)


def readable_value(value: Any) -> Any:
    """Return a cell as one value: a list's items joined by ``LIST_SEPARATOR``, anything else JSON-safe."""
    if is_nested(value):
        return LIST_SEPARATOR.join(str(json_value(v)) for v in list_items(value))
    return json_value(value)


def readable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy with only plain columns: lists joined with ``"; "``, objects one column per key.

    ``status_history`` becomes one line (``2021-05-21 closed; 2025-03-13 open``); per-country figures such as
    ``length_by_country_km`` become ``length_by_country_km_KZ``, ``…_UZ`` (``…_outside`` for ``??``).
    """
    out = frame.copy()
    for column in nested_columns(out):
        values = list(out[column])
        if column == "status_history":
            out[column] = [history_text(v) for v in values]
        elif any(isinstance(v, dict) for v in values):
            keys = sorted({k for v in values if isinstance(v, dict) for k in v}, key=lambda k: (k == "??", k))
            position = list(out.columns).index(column)
            for offset, key in enumerate(keys):
                name = f"{column}_{OUTSIDE if key == '??' else key}"
                out.insert(position + 1 + offset, name,
                           [json_value(v.get(key)) if isinstance(v, dict) else None for v in values])
            out = out.drop(columns=column)
        else:
            out[column] = [readable_value(v) for v in values]
    return out


def history_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Return one row per dated status fact of a layer with status histories.

    Columns: ``id``, ``name``, ``countries`` (when the layer has it), ``section`` (pipelines: the country
    section, empty for the whole line), ``date``, ``status``, ``traffic``, ``note``, ``source``, ``published``,
    ``evidence``, ``kind`` (``planned``: an announced event, never in force); in feature order, then date order.
    """
    if not has_history(frame):
        raise UsageError("this layer has no status history (only crossings and pipelines have one)")
    with_countries = "countries" in frame.columns
    with_sections = "section_status" in frame.columns
    rows = []
    for record in frame.to_dict("records"):
        for entry in list_items(record["status_history"]):
            row = {"id": record["id"], "name": record["name"]}
            if with_countries:
                row["countries"] = record["countries"]
            if with_sections:
                row["section"] = entry.get("section") or ""
            row.update({
                "date": str(entry["date"]), "status": entry["status"],
                "traffic": LIST_SEPARATOR.join(list_items(entry.get("traffic"))),
                "note": entry.get("note") or "", "source": entry.get("source") or "",
                "published": entry.get("published") or "", "evidence": entry.get("evidence") or "",
                "kind": entry.get("kind") or "",
            })
            rows.append(row)
    columns = ["id", "name", *(["countries"] if with_countries else []), *(["section"] if with_sections else []),
               "date", "status", "traffic", "note", "source", "published", "evidence", "kind"]
    return pd.DataFrame(rows, columns=columns)
