"""The download tab: every layer (as ``geo export`` writes it), the route, the drawing and a zip of everything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from geo import bundle, formats, registry, share
from geoapp import data
from geoapp.pages.measure import DRAWING
from geoapp.results import Outcome, RouteFile, download_record, route_files
from geoapp.ui import today


def _deferred(layer_id: str, version: str, day: str, exported: str) -> Callable[[], bytes]:
    path = data.folder()
    return lambda: data.layer_bytes(layer_id, path, version, day, exported)


FORMAT_KEY = "dl_route_format"
FORMAT_LABELS = {"geojson": "GeoJSON", "gpx": "GPX", "kml": "KML"}


def _route_bytes(file: RouteFile, fmt: str) -> Callable[[], bytes]:
    return lambda: formats.route_bytes(file.line, file.properties, fmt)


def route_downloads(outcome: Outcome | None) -> None:
    """Offer each route shown (the route and its alternatives, or both scenarios) as GeoJSON, GPX or KML."""
    files = route_files(outcome)
    if not files:
        return
    fmt = st.radio("Route file format", formats.ROUTE_FORMATS, key=FORMAT_KEY, horizontal=True,
                   format_func=lambda f: FORMAT_LABELS.get(f, f))
    fmt = fmt if fmt in formats.ROUTE_FORMATS else formats.ROUTE_FORMATS[0]
    cols = st.columns(max(len(files), 2))
    for number, (col, file) in enumerate(zip(cols, files)):
        name = file.stem + formats.SUFFIXES[fmt]
        col.download_button(name, data=_route_bytes(file, fmt), file_name=name, mime=formats.MEDIA_TYPES[fmt],
                            key=f"dl_route_{number}", on_click="ignore", use_container_width=True,
                            help=f"The {file.title} with its figures and sources (GPX and KML: name and summary).")


def downloads_panel(app_state: share.AppState, version: str, outcome: Outcome | None) -> None:
    """Offer the downloads of the state's day."""
    day, exported = app_state.as_of.isoformat(), today().isoformat()
    st.caption(f"Layers are RFC 7946 GeoJSON dated {day}: the same bytes as `python -m geo export LAYER "
               f"--as-of {day}`. Licences and sources are in each file's metadata and on the Sources page.")
    cols = st.columns(3)
    available = []
    for number, layer_id in enumerate(registry.ids()):
        if not (Path(data.folder()) / f"{layer_id}.geojson").is_file():
            continue
        available.append(layer_id)
        cols[number % 3].download_button(
            f"{layer_id}.geojson", data=_deferred(layer_id, version, day, exported), file_name=f"{layer_id}.geojson",
            mime="application/geo+json", key=f"dl_{layer_id}", on_click="ignore", use_container_width=True)
    record = download_record(outcome)
    route = bundle.route_geojson(record) if record is not None else None
    drawing = st.session_state.get(DRAWING)
    route_downloads(outcome)
    b, c = st.columns(2)
    if drawing is not None:
        b.download_button("drawing.geojson", data=drawing, file_name="drawing.geojson",
                          mime="application/geo+json", key="dl_drawing", on_click="ignore", use_container_width=True)
    path = data.folder()

    def everything() -> bytes:
        layers = {i: data.layer_bytes(i, path, version, day, exported) for i in available}
        return bundle.zip_all(layers, as_of=app_state.as_of, exported=today(), route=route, drawing=drawing,
                              folder=Path(path))

    c.download_button("Everything (.zip)", data=everything, file_name=f"central-asia-{day}.zip",
                      mime="application/zip", key="dl_zip", on_click="ignore", use_container_width=True)
