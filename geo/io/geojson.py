"""Write layers as RFC 7946 GeoJSON (or GeoPackage), atomically.

RFC 7946: longitude/latitude on WGS84, polygon exterior rings counter-clockwise and holes
clockwise, no ``crs`` member; coordinates are rounded to 6 decimals (about 0.1 m). The layer's
metadata goes into a top-level ``metadata`` member, which RFC 7946 readers ignore.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import GeoError, WriteError
from geo.vocab import shorten, shorten_path

DECIMALS = 6


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def rfc7946_geometry(geometry: BaseGeometry) -> dict[str, Any]:
    """Return a GeoJSON geometry object: 2-D, rounded to 6 decimals, exterior rings counter-clockwise.

    An empty geometry has empty ``coordinates`` (or ``geometries``), which RFC 7946 readers may take as null.

    Examples
    --------
    >>> from shapely import Polygon
    >>> rfc7946_geometry(Polygon([(0, 0), (0, 1), (1, 1), (0, 0)]))["coordinates"][0]
    [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    """
    if geometry.is_empty:
        member = "geometries" if geometry.geom_type == "GeometryCollection" else "coordinates"
        return {"type": geometry.geom_type, member: []}
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, DECIMALS))
    if rounded.geom_type in ("Polygon", "MultiPolygon"):
        rounded = shapely.orient_polygons(rounded, exterior_cw=False)
    mapped: dict[str, Any] = json.loads(shapely.to_geojson(rounded))
    return mapped


def json_value(value: Any) -> Any:
    """Return ``value`` as plain JSON data (RFC 8259): the one place values become JSON-safe.

    NaN, ±Infinity, ``pandas.NA`` and ``NaT`` become ``None``; numpy scalars and arrays become
    Python numbers and lists; dates become ISO strings; mappings, lists, tuples and sets are
    converted item by item (sets sorted); objects with an ``to_dict()`` method are converted through it.

    Examples
    --------
    >>> json_value({"a": float("nan"), "b": np.int64(3), "c": (1.5, float("inf")), "d": dt.date(2025, 3, 13)})
    {'a': None, 'b': 3, 'c': [1.5, None], 'd': '2025-03-13'}
    """
    kind = type(value)  # the plain types first, by exact type: a route's coordinates are thousands of them
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is str or kind is int:
        return value
    if kind is list or kind is tuple:
        if all(type(v) is float for v in value):  # a coordinate pair (or a list of numbers)
            return [v if math.isfinite(v) else None for v in value]
        return [json_value(v) for v in value]
    if kind is dict:
        return {str(k): json_value(v) for k, v in value.items()}
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, int | str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return [json_value(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, set | frozenset):
        return [json_value(v) for v in sorted(value)]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return json_value(to_dict())
    return value


def to_json(value: Any, *, indent: int | None = None, compact: bool = False) -> str:
    """Serialise ``value`` as strict JSON text (UTF-8 characters kept; NaN and Infinity never written).

    Parameters
    ----------
    value
        Anything :func:`json_value` accepts.
    indent
        Pretty-print with this indent.
    compact
        No spaces after separators (for files).

    Raises
    ------
    ValueError
        ``value`` holds something JSON cannot express (never a non-finite number: those become null).

    Examples
    --------
    >>> to_json({"capital": float("nan"), "km": 1.5})
    '{"capital": null, "km": 1.5}'
    """
    separators = (",", ":") if compact else None
    return json.dumps(json_value(value), ensure_ascii=False, indent=indent, separators=separators, allow_nan=False)


def feature_collection(frame: gpd.GeoDataFrame, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Return the layer as a GeoJSON FeatureCollection with a ``metadata`` member.

    Parameters
    ----------
    frame
        Layer features in EPSG:4326 with an ``id`` column.
    metadata
        Layer-level metadata (licence, attribution, sources, dates).
    """
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise GeoError("a layer must be in EPSG:4326 to be written as GeoJSON")
    columns = [c for c in frame.columns if c != frame.geometry.name]
    features = []
    for values, geometry in zip(frame[columns].itertuples(index=False, name=None), frame.geometry):
        properties = {k: json_value(v) for k, v in zip(columns, values)}
        features.append({
            "type": "Feature",
            "id": properties.get("id"),
            "properties": properties,
            "geometry": rfc7946_geometry(geometry),
        })
    return {"type": "FeatureCollection", "metadata": json_value(dict(metadata)), "features": features}


def dumps(collection: Mapping[str, Any]) -> bytes:
    """Serialise a FeatureCollection deterministically (UTF-8, one feature per line)."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
             for f in collection["features"]]
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"), allow_nan=False)[:-1]
    text += ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    return text.encode("utf-8")


TEMPORARY = ".tmp"
"""Temporary files are named ``.<target name>.<random><TEMPORARY>`` beside their target."""


def failure(target: Path | str, exc: OSError) -> WriteError:
    """Return the one-line error for a failed write: the file and the cause in plain words.

    Examples
    --------
    >>> import errno
    >>> str(failure("out/x.kml", OSError(errno.ENOSPC, "No space left on device")))
    'cannot write out/x.kml: no space left on device'
    """
    cause = exc.strerror or (os.strerror(exc.errno) if exc.errno else shorten(str(exc), 120))
    cause = cause[:1].lower() + cause[1:]
    return WriteError(f"cannot write {shorten_path(target)}: {cause}")


def _write_all(handle: int, data: bytes) -> None:
    """Write every byte (``os.write`` may write fewer than asked)."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def stage(target: Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file beside ``target``: written, flushed to disk, size checked.

    Returns
    -------
    The temporary file, ready to be renamed over ``target``.

    Raises
    ------
    WriteError
        The folder is missing or not writable, the disk is full, or fewer bytes reached the disk; nothing is left.
    """
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMPORARY, dir=target.parent)
    except OSError as exc:
        raise failure(target, exc) from None
    temporary = Path(name)
    try:
        try:
            _write_all(handle, data)
            os.fsync(handle)
            os.fchmod(handle, _FILE_MODE)
            size = os.fstat(handle).st_size
        finally:
            os.close(handle)
        if size != len(data):
            raise OSError(errno.EIO, f"{size:,} of {len(data):,} bytes reached the disk")
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise failure(target, exc) from None
    return temporary


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (renames) to disk; a no-op where folders cannot be opened."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` all or nothing: the project's one way to write a file.

    The bytes go to a temporary file in the target's folder, which is flushed to disk, checked (its size) and
    renamed over the target. Whatever fails, the previous file is left byte for byte as it was and no temporary
    file remains.

    Raises
    ------
    WriteError
        One line naming the file and the cause (``no space left on device``, ``permission denied``…).
    """
    target = Path(path)
    temporary = stage(target, data)
    try:
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise failure(target, exc) from None
    sync_folder(target.parent)


SWITCH = ".switch.json"
"""The journal of a switch in progress: which staged file replaces which (see :func:`replace_all`)."""


def pending(folder: Path) -> dict[str, Path]:
    """Return the staged files of a committed switch not yet renamed: target name → staged file.

    A reader that finds one reads the staged file instead of its target, so it sees the complete new set even
    when a switch was killed between two renames.
    """
    journal = Path(folder) / SWITCH
    try:
        pairs = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):  # no switch in progress (or not ours to read)
        return {}
    out: dict[str, Path] = {}
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) and "/" not in p for p in pair):
            staged = Path(folder) / pair[0]
            if staged.is_file():
                out[pair[1]] = staged
    return out


def settle(folder: Path) -> None:
    """Finish a switch that was killed between its renames (rename what is left, then drop the journal).

    Raises
    ------
    WriteError
        The folder cannot be written.
    """
    folder = Path(folder)
    journal = folder / SWITCH
    if not journal.exists():
        return
    try:
        for target, staged in pending(folder).items():
            os.replace(staged, folder / target)
        journal.unlink()
    except OSError as exc:
        raise failure(journal, exc) from None
    sync_folder(folder)


def remove_stale(folder: Path, names: Iterable[str]) -> list[Path]:
    """Remove temporary files left beside these targets by a write or a switch that was killed; return them."""
    removed = []
    for name in names:
        for stale in Path(folder).glob(f".{name}.*{TEMPORARY}"):
            try:
                stale.unlink()
                removed.append(stale)
            except OSError:
                continue
    return removed


def replace_all(folder: Path, files: Iterable[tuple[str, bytes]]) -> list[Path]:
    """Replace several files of one folder so that readers see either the old set or the new one, never a mix.

    A switch that was killed earlier is finished first and stale temporary files are removed. Then every file is
    staged (written, flushed, checked) beside its target; if one fails, none is replaced. The switch is committed
    by writing a journal (:data:`SWITCH`, atomically) that names each staged file and its target; the renames
    follow, and the journal is removed. Killed between two renames, the folder holds the journal: readers take the
    staged files it names (:func:`pending`), and the next switch (or :func:`settle`) finishes the renames.

    Parameters
    ----------
    folder
        The folder of the files.
    files
        ``(file name, bytes)`` of each file.

    Returns
    -------
    The paths written.

    Raises
    ------
    WriteError
        A file could not be staged, or the journal written: the old set is left as it was.
    """
    folder = Path(folder)
    items = list(files)
    settle(folder)
    remove_stale(folder, [SWITCH, *(name for name, _ in items)])
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in items:
            staged.append((stage(folder / name, data), folder / name))
        write_atomic(folder / SWITCH, json.dumps([[t.name, p.name] for t, p in staged]).encode("utf-8"))
    except WriteError:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    settle(folder)
    return [target for _, target in staged]
