"""Downloads: layers as ``geo export`` writes them, a route, a drawing, and everything as one zip.

Also the records of the Sources page (every dataset with licence, attribution, method and data date).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from geo.errors import DataError
from geo.i18n import N_
from geo.layers import build, registry, store

CITATION_POLICY = N_(
    "Every curated feature carries its own `sources` (URLs). Every dated status (crossings, pipelines) is an entry "
    "of `status_history` with its date and the URL that reports it; the status shown for a day is the latest entry "
    "on or before that day, and `unknown` before the first. Lengths say how they were obtained: `cited` (a "
    "published figure, with its URL), `calibrated` (drawn lengths scaled to a published run length) or "
    "`geodesic` (measured on the WGS84 ellipsoid on the drawn line). Nothing is stated that no source states: "
    "missing facts are left empty and exported as null."
)


def export_layer(layer_id: str, as_of: dt.date, *, exported: dt.date | None = None,
                 folder: Path | None = None) -> bytes:
    """Return a layer dated ``as_of``: the same bytes as ``geo export LAYER --as-of AS_OF`` on ``exported``."""
    frame, _ = store.read_layer(layer_id, folder)
    return build.encode(layer_id, store.redate(frame, as_of), as_of=as_of, exported=exported or dt.date.today())


def route_geojson(route: Mapping[str, Any]) -> bytes:
    """Return a route (``to_dict()``, or a comparison's two routes) as a GeoJSON FeatureCollection."""
    routes = [route["first"], route["second"]] if "first" in route else [route]
    features = []
    for number, item in enumerate(routes, start=1):
        if not item.get("geometry"):
            continue
        properties = {k: v for k, v in item.items() if k != "geometry"}
        properties["scenario"] = number
        features.append({"type": "Feature", "properties": properties, "geometry": item["geometry"]})
    collection = {"type": "FeatureCollection", "metadata": {
        "title": "Route computed on the Soviet-era trunk road network",
        "method": ("shortest path by segment lengths (geodesic on traced road geometry, or published); see each "
                   "route's traced_share, schematic_km and warnings"),
        "attribution": registry.get("roads").attribution,
        "licence": registry.get("roads").licence,
    }, "features": features}
    return (json.dumps(_plain(collection), ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8")


def drawing_geojson(features: Sequence[Mapping[str, Any]], measurements: Sequence[Mapping[str, Any]]) -> bytes:
    """Return drawn lines and polygons as a FeatureCollection with their geodesic measurements."""
    out = []
    for feature, measured in zip(features, measurements):
        out.append({"type": "Feature", "properties": _plain(dict(measured)), "geometry": feature.get("geometry")})
    collection = {"type": "FeatureCollection", "metadata": {
        "method": "geodesic on WGS84 (pyproj.Geod); km per country split by the borders layer",
        "attribution": registry.get("borders").attribution,
    }, "features": out}
    return (json.dumps(collection, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8")


def _plain(value: Any) -> Any:
    """Replace NaN by None so that the JSON is standard."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def sources(folder: Path | None = None) -> list[dict[str, Any]]:
    """Return one record per layer: title, licence, attribution, method, notes, upstream, data date, count."""
    records = []
    for spec in registry.LAYERS:
        try:
            collection = store.read_collection(spec.id, folder)
            metadata = collection.get("metadata", {})
            count: int | None = len(collection.get("features", []))
        except DataError:
            metadata, count = {}, None
        records.append({
            "id": spec.id, "title": spec.title, "licence": spec.licence, "licence_url": spec.licence_url,
            "attribution": spec.attribution, "method": spec.method, "notes": spec.notes,
            "upstream": [u.to_dict() for u in spec.upstream], "built": metadata.get("export_date"),
            "feature_count": count, "cited_urls": len(metadata.get("sources", [])),
        })
    return records


FORMAT_NOTES = {
    "geojson": "RFC 7946 GeoJSON; each file's `metadata` member repeats its licence, attribution, method and every "
               "cited URL",
    "gpkg": "GeoPackage; licence, attribution and sources are in each layer's metadata (QGIS: Layer Properties → "
            "Metadata)",
    "kml": "KML for Google Earth and My Maps; each placemark's description holds its facts, sources and licence",
    "csv": "CSV, one row per feature, geometry as WKT, lists and status histories flattened into readable columns",
    "fgb": "FlatGeobuf; licence, attribution and sources are in each file's header metadata",
}


def readme(records: Sequence[Mapping[str, Any]], *, as_of: dt.date, exported: dt.date,
           extra: Sequence[str] = (), fmt: str = "geojson") -> str:
    """Return the README of the download zip: files, sources, licences and the citation policy."""
    from geo.io.formats import SUFFIXES

    lines = [
        "# Central Asia infrastructure map — data download",
        "",
        f"Statuses are those in force on {as_of.isoformat()}; exported on {exported.isoformat()}.",
        f"Layers are {FORMAT_NOTES.get(fmt, fmt)}: byte for byte what `python -m geo export LAYER "
        + ("" if fmt == "geojson" else f"--format {fmt} -o LAYER{SUFFIXES[fmt]} ")
        + f"--as-of {as_of.isoformat()}` writes that day.",
        "",
        "## Files",
        "",
    ]
    for record in records:
        if record.get("feature_count") is not None:
            lines.append(f"- `{record['id']}{SUFFIXES[fmt]}` — {record['title']} ({record['feature_count']} features)")
    lines.extend(f"- {item}" for item in extra)
    lines += ["", "## Sources and licences", ""]
    for record in records:
        lines.append(f"### {record['id']}: {record['title']}")
        lines.append("")
        lines.append(f"- Licence: {record['licence']} ({record['licence_url']})")
        lines.append(f"- Attribution: {record['attribution']}")
        lines.append(f"- Method: {record['method']}")
        if record.get("notes"):
            lines.append(f"- Notes: {record['notes']}")
        for upstream in record["upstream"]:
            lines.append(f"- Upstream: {upstream['name']}, {upstream['version']} — {upstream['url']} "
                         f"({upstream['licence']})")
        lines.append(f"- Built: {record.get('built') or 'not built'}; {record.get('cited_urls', 0)} cited URLs")
        lines.append("")
    lines += ["## Citation policy", "", CITATION_POLICY, "",
              "Map data © OpenStreetMap contributors, available under the Open Database License (ODbL) "
              "https://www.openstreetmap.org/copyright", ""]
    return "\n".join(lines)


HISTORY_FILE = "crossings-status-history.csv"
"""Name of the crossings' status history (one row per dated fact) in downloads."""


def zip_all(layers: Mapping[str, bytes], *, as_of: dt.date, exported: dt.date, route: bytes | None = None,
            drawing: bytes | None = None, folder: Path | None = None, fmt: str = "geojson",
            history: bytes | None = None) -> bytes:
    """Return one zip with every layer and a README.

    Layers are in ``fmt`` (one of :data:`geo.io.formats.FORMATS`); the route, the drawing and the crossings' status
    history are added when given.
    """
    from geo.io.formats import SUFFIXES

    extra = []
    if history is not None:
        extra.append(f"`{HISTORY_FILE}` — the crossings' status history, one row per dated fact with its source")
    if route is not None:
        extra.append("`route.geojson` — the route (and its comparison) shown in the app")
    if drawing is not None:
        extra.append("`drawing.geojson` — the lines and polygons drawn on the map, with geodesic measurements")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", readme(sources(folder), as_of=as_of, exported=exported, extra=extra, fmt=fmt))
        for layer_id, data in layers.items():
            archive.writestr(f"{layer_id}{SUFFIXES[fmt]}", data)
        if history is not None:
            archive.writestr(HISTORY_FILE, history)
        if route is not None:
            archive.writestr("route.geojson", route)
        if drawing is not None:
            archive.writestr("drawing.geojson", drawing)
    return buffer.getvalue()
