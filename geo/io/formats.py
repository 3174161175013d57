"""Write layers and routes in the formats analysts use, through pyogrio/GDAL drivers.

Layers: GeoJSON (the project's own RFC 7946 writer, see :mod:`geo.io.geojson`), GeoPackage (licence,
attribution and sources in the layer metadata), KML for Google Earth, CSV (geometry as WKT, lists and
status histories flattened into readable columns, plus an optional second CSV with one row per dated
status fact) and FlatGeobuf. Routes: GeoJSON, GPX and KML.

Every file is written into a temporary folder beside the target and renamed into place: a failed
write never leaves a half-written file.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import GeoError, UsageError
from geo.io.geojson import dumps, feature_collection
from geo.io.tabular import (
    LIST_SEPARATOR,
    as_json_text,
    history_table,
    readable,
)
from geo.layers import registry
from geo.layers.spec import LayerSpec
from geo.vocab import shorten

FORMATS: tuple[str, ...] = ("geojson", "gpkg", "kml", "csv", "fgb")
"""Layer export formats (``geo export --format``; the app's download choices)."""
ROUTE_FORMATS: tuple[str, ...] = ("geojson", "gpx", "kml")
"""Route download formats."""
SUFFIXES: dict[str, str] = {"geojson": ".geojson", "gpkg": ".gpkg", "kml": ".kml", "csv": ".csv", "fgb": ".fgb",
                            "gpx": ".gpx"}
"""The file suffix of each format."""
MEDIA_TYPES: dict[str, str] = {
    "geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3",
    "kml": "application/vnd.google-earth.kml+xml", "csv": "text/csv", "fgb": "application/octet-stream",
    "gpx": "application/gpx+xml",
}
"""The media type of each format (for downloads)."""
_DRIVERS = {"gpkg": "GPKG", "kml": "KML", "csv": "CSV", "fgb": "FlatGeobuf", "gpx": "GPX"}
# The KML driver, not LIBKML: LIBKML wraps names in CDATA without splitting "]]>", which makes the file
# malformed XML for a name containing "]]>"; the KML driver escapes every character entity.
DECIMALS = 6


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def format_of(path: Path | None, chosen: str | None) -> str:
    """Return the export format: the one chosen, else the one the file suffix names, else GeoJSON.

    Examples
    --------
    >>> format_of(Path("a.kml"), None), format_of(Path("a.kml"), "csv"), format_of(None, None)
    ('kml', 'csv', 'geojson')
    """
    if chosen:
        return chosen
    if path is not None:
        for fmt in FORMATS:
            if path.suffix.lower() == SUFFIXES[fmt]:
                return fmt
    return "geojson"


# --- metadata ------------------------------------------------------------------------------------------------------


def metadatalist_items(spec: LayerSpec, sources: Sequence[str], as_of: dt.date | None,
                   exported: dt.date | None = None) -> dict[str, str]:
    """Return the layer metadata as GDAL metadata items (text keys and values).

    These go into a GeoPackage's ``gpkg_metadata`` table and a FlatGeobuf header.
    """
    items = {
        "TITLE": spec.title,
        "LICENCE": spec.licence,
        "LICENCE_URL": spec.licence_url,
        "ATTRIBUTION": spec.attribution,
        "UPSTREAM": "\n".join(f"{u.name} {u.version} ({u.licence}): {u.url}" for u in spec.upstream),
        "METHOD": spec.method,
        "NOTES": spec.notes,
        "SOURCES": "\n".join(sources),
        "AS_OF": as_of.isoformat() if as_of else "",
        "EXPORTED": (exported or dt.date.today()).isoformat(),
    }
    return {k: v for k, v in items.items() if v}


def description(spec: LayerSpec, sources: Sequence[str], as_of: dt.date | None) -> str:
    """Return the human-readable layer description (GeoPackage ``gpkg_contents.description``; QGIS abstract)."""
    parts = [
        f"{spec.title}.",
        f"Licence: {spec.licence} ({spec.licence_url}).",
        f"Attribution: {spec.attribution}.",
        f"Status as of {as_of.isoformat()}." if as_of and "status" in spec.properties else "",
        spec.method,
        spec.notes,
        "Upstream: " + "; ".join(f"{u.name} {u.version} ({u.licence}) {u.url}" for u in spec.upstream) + ".",
        f"Sources ({len(sources)}): " + " ".join(sources) if sources else "",
    ]
    return "\n".join(p for p in parts if p)


# --- flattening ----------------------------------------------------------------------------------------------------


def rounded(geometries: gpd.GeoSeries) -> gpd.GeoSeries:
    """Return the geometries with coordinates rounded to 6 decimals (about 0.1 m)."""
    values = shapely.transform(np.asarray(geometries.values), lambda xy: np.round(xy, DECIMALS))
    return gpd.GeoSeries(values, index=geometries.index, crs=geometries.crs)


# --- KML -----------------------------------------------------------------------------------------------------------


def _link_or_text(value: str) -> str:
    text = html.escape(value)
    if value.startswith(("https://", "http://")):
        return f'<a href="{text}">{text}</a>'
    return text


def description_html(record: Mapping[str, Any], licence_line: str) -> str:
    """Return a placemark's description: an HTML table of its fields, every value escaped.

    Google Earth renders descriptions as HTML, so values are HTML-escaped here and the KML driver then
    escapes the whole text for XML: a name such as ``<script>`` shows as text and never runs.
    """
    rows = []
    for key, value in record.items():
        if key in ("name", "geometry") or value is None or value == "":
            continue
        shown = str(value)
        if key in ("sources", "status_source", "length_source", "official_length_source", "source"):
            cell = "<br/>".join(_link_or_text(v) for v in shown.split(LIST_SEPARATOR))
        else:
            cell = html.escape(shown)
        rows.append(f"<tr><th align=\"left\">{html.escape(str(key))}</th><td>{cell}</td></tr>")
    return f"<table>{''.join(rows)}</table><p><i>{html.escape(licence_line)}</i></p>"


def kml_frame(frame: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """Return the columns written to KML: ``Name``, ``Description`` (escaped HTML) and readable fields."""
    flat = readable(frame)
    licence_line = f"{spec.attribution}. Licence {spec.licence} ({spec.licence_url})."
    records = flat.drop(columns=flat.geometry.name).to_dict("records")
    out = gpd.GeoDataFrame({
        "Name": [str(r.get("name") or r.get("id") or "") for r in records],
        "Description": [description_html(r, licence_line) for r in records],
    }, geometry=flat.geometry.values, crs=flat.crs)
    for column in flat.columns:
        if column not in ("name", flat.geometry.name):
            out.insert(len(out.columns) - 1, column, flat[column].values)
    return out


# --- writing -------------------------------------------------------------------------------------------------------


def write_atomic_with(path: Path, write: Callable[[Path], object], suffix: str | None = None) -> None:
    """Call ``write`` on a temporary path beside ``path``, then rename the result into place.

    The temporary file ends in ``suffix`` (default: the target's), so a driver that checks the extension
    is satisfied even when the target is named otherwise.

    Raises
    ------
    GeoError
        The folder is missing or not writable, or the driver failed; nothing is left behind.
    """
    target = Path(path)
    try:
        folder = tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise GeoError(f"cannot write {shorten(str(target))}: {exc.strerror or exc}") from None
    try:
        temporary = Path(folder) / f"out{suffix if suffix is not None else target.suffix}"
        write(temporary)
        os.chmod(temporary, _file_mode())
        os.replace(temporary, target)
    except (OSError, RuntimeError, ValueError) as exc:  # pyogrio's errors derive from RuntimeError
        raise GeoError(f"cannot write {shorten(str(target))}: {shorten(str(exc), 200)}") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_GDAL_DATE_LOCK = threading.Lock()


def _with_gdal_date(day: dt.date, write: Callable[[], object]) -> None:
    """Run a GDAL write with the GeoPackage ``last_change`` stamp set to ``day`` (same day, same bytes)."""
    with _GDAL_DATE_LOCK:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{day.isoformat()}T00:00:00.000Z"})
        try:
            write()
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def write_layer(frame: gpd.GeoDataFrame, layer_id: str, path: Path, fmt: str, *,
                sources: Sequence[str] = (), as_of: dt.date | None = None, exported: dt.date | None = None) -> None:
    """Write a layer in one of :data:`FORMATS`.

    Parameters
    ----------
    frame
        The layer (EPSG:4326), re-dated to ``as_of`` if it has statuses.
    layer_id
        Its registry id: the licence, attribution and sources come from its spec.
    path
        The file to write (replaced atomically).
    fmt
        One of :data:`FORMATS`.
    sources
        The layer's cited source URLs (the ``sources`` of its GeoJSON metadata).
    as_of
        The date its statuses are for.
    exported
        The export date written into the metadata (default: today); the same layer, date and export date
        give the same bytes in every format.
    """
    spec = registry.get(layer_id)
    exported = exported or dt.date.today()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {shorten(fmt)!r}: choose one of {', '.join(FORMATS)}")
    ordered = frame[[*(c for c in spec.properties if c in frame.columns), frame.geometry.name]]
    if fmt == "geojson":
        from geo.layers.build import encode

        day = as_of or dt.date.today()
        data = encode(layer_id, ordered, as_of=day, exported=exported)
        write_atomic_with(path, lambda p: p.write_bytes(data))
        return
    items = metadatalist_items(spec, sources, as_of, exported)
    if fmt == "gpkg":
        out = as_json_text(ordered)
        options = {"IDENTIFIER": spec.title, "DESCRIPTION": description(spec, sources, as_of)}
        write_atomic_with(path, lambda p: _with_gdal_date(exported, lambda: pyogrio.write_dataframe(
            out, p, layer=spec.id, driver="GPKG", layer_options=options, layer_metadata=items)), ".gpkg")
    elif fmt == "fgb":
        out = as_json_text(ordered)
        options = {"TITLE": spec.title, "DESCRIPTION": description(spec, sources, as_of)}
        write_atomic_with(path, lambda p: pyogrio.write_dataframe(
            out, p, layer=spec.id, driver="FlatGeobuf", layer_options=options, layer_metadata=items), ".fgb")
    elif fmt == "kml":
        out = kml_frame(ordered, spec)
        write_atomic_with(path, lambda p: pyogrio.write_dataframe(
            out, p, layer=spec.id, driver="KML",
            dataset_options={"NameField": "Name", "DescriptionField": "Description"}), ".kml")
    else:
        out = readable(ordered)
        out["licence"] = spec.licence
        out["attribution"] = spec.attribution
        out = out.set_geometry(rounded(out.geometry))
        write_atomic_with(path, lambda p: pyogrio.write_dataframe(
            out, p, driver="CSV", layer_options={"GEOMETRY": "AS_WKT"}), ".csv")


def _bytes_via(write: Callable[[Path], object], suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="geo-formats-") as folder:
        path = Path(folder) / f"out{suffix}"
        write(path)
        return path.read_bytes()


def layer_bytes(frame: gpd.GeoDataFrame, layer_id: str, fmt: str, *, sources: Sequence[str] = (),
                as_of: dt.date | None = None, exported: dt.date | None = None) -> bytes:
    """Return a layer file's bytes in one of :data:`FORMATS` (for downloads); same bytes as :func:`write_layer`."""
    return _bytes_via(lambda p: write_layer(frame, layer_id, p, fmt, sources=sources, as_of=as_of,
                                            exported=exported), SUFFIXES[fmt])


def history_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return the status-history CSV's bytes (one row per dated fact)."""
    return _bytes_via(lambda p: write_history_csv(frame, p), ".csv")


def route_bytes(line: shapely.LineString, properties: Mapping[str, Any], fmt: str) -> bytes:
    """Return a route file's bytes in one of :data:`ROUTE_FORMATS` (for downloads)."""
    _route_check(line, fmt)
    return _bytes_via(lambda p: write_route(line, properties, p, fmt), SUFFIXES[fmt])


def write_history_csv(frame: pd.DataFrame, path: Path) -> int:
    """Write the status history of a layer as CSV, one row per dated fact; return the number of rows."""
    table = history_table(frame)
    write_atomic_with(path, lambda p: pyogrio.write_dataframe(table, p, driver="CSV"), ".csv")
    return len(table)


# --- routes --------------------------------------------------------------------------------------------------------


def route_attribution() -> str:
    """Return the attribution line of a route: the roads' and crossings' layers."""
    return "; ".join(dict.fromkeys(registry.get(i).attribution for i in ("roads", "crossings")))


def route_name(properties: Mapping[str, Any]) -> str:
    """Return a route's display name (``name``, else ``from → to``)."""
    if properties.get("name"):
        return str(properties["name"])
    return f"{properties.get('from', '?')} → {properties.get('to', '?')}"


def route_summary(properties: Mapping[str, Any]) -> str:
    """Return one plain-text paragraph describing a route from its properties.

    Examples
    --------
    >>> route_summary({"distance_km": 250.4, "as_of": "2025-08-01", "by_country_km": {"KG": 100.0, "TJ": 150.4},
    ...                "crossings": [{"name": "Kyzyl-Bel", "status": "open"}]})
    '250.4 km by road as of 2025-08-01. By country: KG 100.0 km, TJ 150.4 km. Crossings: Kyzyl-Bel (open).'
    """
    parts = []
    if properties.get("distance_km") is not None:
        head = f"{float(properties['distance_km']):,.1f} km by road"
        if properties.get("as_of"):
            head += f" as of {properties['as_of']}"
        if properties.get("duration_h") is not None:
            head += (f", {float(properties['duration_h']):,.1f} h (road {float(properties.get('road_h') or 0):,.1f} h"
                     f" + borders {float(properties.get('border_h') or 0):,.1f} h)")
        parts.append(head + ".")
    by_country = properties.get("by_country_km") or {}
    if by_country:
        parts.append("By country: " + ", ".join(f"{k} {float(v):,.1f} km" for k, v in by_country.items()) + ".")
    crossings = properties.get("crossings")
    if crossings is not None:
        shown = ", ".join(f"{c.get('name')} ({c.get('status')})" for c in crossings) or "none"
        parts.append(f"Crossings: {shown}.")
    for warning in properties.get("warnings") or []:
        parts.append(f"Warning: {warning}")
    return " ".join(parts)


def _route_check(line: shapely.LineString, fmt: str) -> None:
    if fmt not in ROUTE_FORMATS:
        raise UsageError(f"unknown route format {shorten(fmt)!r}: choose one of {', '.join(ROUTE_FORMATS)}")
    if not isinstance(line, shapely.LineString) or line.is_empty:
        raise UsageError("a route must be a non-empty LineString")


def route_geojson(line: shapely.LineString, properties: Mapping[str, Any]) -> bytes:
    """Return a route as an RFC 7946 FeatureCollection of one Feature, with attribution in ``metadata``."""
    _route_check(line, "geojson")
    props = {k: v for k, v in properties.items() if k != "geometry"}
    frame = gpd.GeoDataFrame({k: [v] for k, v in props.items()}, geometry=[line], crs=4326)
    metadata = {"title": route_name(properties), "description": route_summary(properties),
                "attribution": route_attribution(), "licence": registry.get("roads").licence,
                "licence_url": registry.get("roads").licence_url}
    return dumps(feature_collection(frame, metadata))


def write_route(line: shapely.LineString, properties: Mapping[str, Any], path: Path, fmt: str) -> None:
    """Write a route as GeoJSON, GPX (a ``<rte>`` with name, description and source) or KML.

    Parameters
    ----------
    line
        The route in EPSG:4326.
    properties
        What the route engine says about it (``Route.to_dict()`` without the geometry is enough).
    path
        The file to write (replaced atomically).
    fmt
        One of :data:`ROUTE_FORMATS`.
    """
    _route_check(line, fmt)
    if fmt == "geojson":
        data = route_geojson(line, properties)
        write_atomic_with(path, lambda p: p.write_bytes(data))
        return
    name, summary, attribution = route_name(properties), route_summary(properties), route_attribution()
    if fmt == "gpx":
        frame = gpd.GeoDataFrame({"name": [name], "desc": [summary], "src": [attribution], "type": ["road"]},
                                 geometry=[line], crs=4326)
        write_atomic_with(path, lambda p: pyogrio.write_dataframe(frame, p, layer="routes", driver="GPX"), ".gpx")
        return
    body = html.escape(summary) + f"<p><i>{html.escape(attribution)}</i></p>"
    # OGR_STYLE becomes a KML <LineStyle>: a visible blue line in Google Earth instead of the default thin white
    frame = gpd.GeoDataFrame({"Name": [name], "Description": [body], "OGR_STYLE": ["PEN(c:#0072B2,w:4px)"]},
                             geometry=[line], crs=4326)
    write_atomic_with(path, lambda p: pyogrio.write_dataframe(
        frame, p, layer="route", driver="KML",
        dataset_options={"NameField": "Name", "DescriptionField": "Description"}), ".kml")
