"""Write layers and routes in the formats analysts use, through pyogrio/GDAL drivers.

Layers: GeoJSON (the project's own RFC 7946 writer, see :mod:`geo.io.geojson`), GeoPackage (licence,
attribution and sources in the layer metadata), KML for Google Earth, CSV (geometry as WKT, lists and
status histories flattened into readable columns, plus an optional second CSV with one row per dated
status fact) and FlatGeobuf. Routes: GeoJSON, GPX and KML.

Every file is made in memory (GDAL's drivers write to ``/vsimem``), then written all or nothing by
:func:`geo.io.geojson.write_atomic`: a failed write names its cause and leaves the previous file as it was.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import GeoError, UsageError
from geo.io.geojson import dumps, feature_collection, write_atomic
from geo.io.tabular import (
    LIST_SEPARATOR,
    as_json_text,
    history_table,
    readable,
)
from geo.layers import registry
from geo.layers.spec import LayerSpec
from geo.vocab import shorten, shorten_path

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


ALIASES: dict[str, tuple[str, ...]] = {"geojson": (".geojson", ".json")}
"""Other suffixes a format's files may have."""


def suffixes_of(fmt: str) -> tuple[str, ...]:
    """Return the file suffixes a format's files may have (its own first).

    Examples
    --------
    >>> suffixes_of("geojson"), suffixes_of("kml")
    (('.geojson', '.json'), ('.kml',))
    """
    return ALIASES.get(fmt, (SUFFIXES[fmt],))


def check_suffix(path: Path, fmt: str, option: str = "-o") -> None:
    """Refuse an output file whose suffix another format's files have, or no format's (exit 2).

    Examples
    --------
    >>> check_suffix(Path("a.KML"), "kml")
    >>> check_suffix(Path("x.pdf"), "geojson")
    Traceback (most recent call last):
    geo.errors.UsageError: -o x.pdf: a geojson file must end in .geojson or .json, not .pdf
    """
    if path.suffix.lower() not in suffixes_of(fmt):
        shown = " or ".join(suffixes_of(fmt))
        raise UsageError(f"{option} {shorten_path(path)}: a {fmt} file must end in {shown}, not "
                         f"{shorten(path.suffix, 20) or 'no suffix'}")


def format_of(path: Path | None, chosen: str | None) -> str:
    """Return the export format: the one chosen, else the one the file suffix names, else GeoJSON.

    A suffix that does not match the chosen format, or that names no format, is refused.

    Examples
    --------
    >>> format_of(Path("a.kml"), None), format_of(Path("a.kml"), "kml"), format_of(None, None)
    ('kml', 'kml', 'geojson')
    >>> format_of(Path("a.kml"), "csv")
    Traceback (most recent call last):
    geo.errors.UsageError: -o a.kml: a csv file must end in .csv, not .kml
    """
    if path is None:
        return chosen or "geojson"
    if chosen is None:
        chosen = next((f for f in FORMATS if path.suffix.lower() in suffixes_of(f)), None)
        if chosen is None:
            raise UsageError(f"-o {shorten_path(path)}: {shorten(path.suffix, 20) or 'no suffix'} names no export "
                             f"format: end the file in {', '.join(SUFFIXES[f] for f in FORMATS)}")
    check_suffix(path, chosen)
    return chosen


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


def gdal_bytes(frame: pd.DataFrame, driver: str, **options: Any) -> bytes:
    """Return the bytes GDAL writes for a frame with one of its drivers, made in memory (``/vsimem``), never on disk.

    A failure of the driver is a :class:`~geo.errors.GeoError`: no file is written from a half-made one.
    """
    buffer = io.BytesIO()
    try:
        pyogrio.write_dataframe(frame, buffer, driver=driver, **options)
    except (RuntimeError, ValueError) as exc:  # pyogrio's errors derive from RuntimeError
        raise GeoError(f"cannot make the {driver} file: {shorten(str(exc), 200)}") from None
    data = buffer.getvalue()
    if not data:
        raise GeoError(f"cannot make the {driver} file: the driver wrote nothing")
    return data


_GDAL_DATE_LOCK = threading.Lock()


def write_layer(frame: gpd.GeoDataFrame, layer_id: str, path: Path, fmt: str, *,
                sources: Sequence[str] = (), as_of: dt.date | None = None, exported: dt.date | None = None) -> None:
    """Write a layer in one of :data:`FORMATS`: its bytes are made in memory, then written all or nothing.

    Parameters
    ----------
    frame
        The layer (EPSG:4326), re-dated to ``as_of`` if it has statuses.
    layer_id
        Its registry id: the licence, attribution and sources come from its spec.
    path
        The file to write (replaced atomically by :func:`geo.io.geojson.write_atomic`).
    fmt
        One of :data:`FORMATS`.
    sources
        The layer's cited source URLs (the ``sources`` of its GeoJSON metadata).
    as_of
        The date its statuses are for.
    exported
        The export date written into the metadata (default: today); the same layer, date and export date
        give the same bytes in every format.

    Raises
    ------
    WriteError
        The file could not be written (the cause named); the previous file is intact.
    """
    write_atomic(path, layer_bytes(frame, layer_id, fmt, sources=sources, as_of=as_of, exported=exported))


def layer_bytes(frame: gpd.GeoDataFrame, layer_id: str, fmt: str, *, sources: Sequence[str] = (),
                as_of: dt.date | None = None, exported: dt.date | None = None) -> bytes:
    """Return a layer file's bytes in one of :data:`FORMATS` (downloads and :func:`write_layer`), made in memory."""
    spec = registry.get(layer_id)
    exported = exported or dt.date.today()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {shorten(fmt)!r}: choose one of {', '.join(FORMATS)}")
    ordered = frame[[*(c for c in spec.properties if c in frame.columns), frame.geometry.name]]
    if fmt == "geojson":
        from geo.layers.build import encode

        return encode(layer_id, ordered, as_of=as_of or dt.date.today(), exported=exported)
    items = metadatalist_items(spec, sources, as_of, exported)
    if fmt == "gpkg":
        options = {"IDENTIFIER": spec.title, "DESCRIPTION": description(spec, sources, as_of)}
        with _GDAL_DATE_LOCK:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{exported.isoformat()}T00:00:00.000Z"})
            try:
                return gdal_bytes(as_json_text(ordered), "GPKG", layer=spec.id, layer_options=options,
                                  layer_metadata=items)
            finally:
                pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    if fmt == "fgb":
        options = {"TITLE": spec.title, "DESCRIPTION": description(spec, sources, as_of)}
        return gdal_bytes(as_json_text(ordered), "FlatGeobuf", layer=spec.id, layer_options=options,
                          layer_metadata=items)
    if fmt == "kml":
        return gdal_bytes(kml_frame(ordered, spec), "KML", layer=spec.id,
                          dataset_options={"NameField": "Name", "DescriptionField": "Description"})
    out = readable(ordered)
    out["licence"] = spec.licence
    out["attribution"] = spec.attribution
    out = out.set_geometry(rounded(out.geometry))
    return gdal_bytes(out, "CSV", layer_options={"GEOMETRY": "AS_WKT"})


def history_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return the status-history CSV's bytes (one row per dated fact)."""
    return gdal_bytes(history_table(frame), "CSV")


def route_bytes(line: shapely.LineString, properties: Mapping[str, Any], fmt: str) -> bytes:
    """Return a route file's bytes in one of :data:`ROUTE_FORMATS` (downloads and :func:`write_route`)."""
    _route_check(line, fmt)
    if fmt == "geojson":
        return route_geojson(line, properties)
    name, summary, attribution = route_name(properties), route_summary(properties), route_attribution()
    if fmt == "gpx":
        frame = gpd.GeoDataFrame({"name": [name], "desc": [summary], "src": [attribution], "type": ["road"]},
                                 geometry=[line], crs=4326)
        return gdal_bytes(frame, "GPX", layer="routes")
    body = html.escape(summary) + f"<p><i>{html.escape(attribution)}</i></p>"
    # OGR_STYLE becomes a KML <LineStyle>: a visible blue line in Google Earth instead of the default thin white
    frame = gpd.GeoDataFrame({"Name": [name], "Description": [body], "OGR_STYLE": ["PEN(c:#0072B2,w:4px)"]},
                             geometry=[line], crs=4326)
    return gdal_bytes(frame, "KML", layer="route",
                      dataset_options={"NameField": "Name", "DescriptionField": "Description"})


def write_history_csv(frame: pd.DataFrame, path: Path) -> int:
    """Write the status history of a layer as CSV, one row per dated fact; return the number of rows."""
    write_atomic(path, history_csv_bytes(frame))
    return len(history_table(frame))


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
    """Write a route as GeoJSON, GPX (a ``<rte>`` with name, description and source) or KML, all or nothing.

    Parameters
    ----------
    line
        The route in EPSG:4326.
    properties
        What the route engine says about it (``Route.to_dict()`` without the geometry is enough).
    path
        The file to write (replaced atomically); its suffix must be the format's.
    fmt
        One of :data:`ROUTE_FORMATS`.
    """
    _route_check(line, fmt)
    check_suffix(path, fmt, f"--{fmt}")
    write_atomic(path, route_bytes(line, properties, fmt))
