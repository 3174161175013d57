"""The download tab: every layer (as ``geo export`` writes it), the route, the drawing and a zip of everything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from geo import bundle, registry, share
from geoapp import data
from geoapp.pages.measure import DRAWING
from geoapp.results import Outcome, download_record
from geoapp.ui import today


def _deferred(layer_id: str, version: str, day: str, exported: str) -> Callable[[], bytes]:
    path = data.folder()
    return lambda: data.layer_bytes(layer_id, path, version, day, exported)


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
    a, b, c = st.columns(3)
    if route is not None:
        a.download_button("route.geojson", data=route, file_name="route.geojson", mime="application/geo+json",
                          key="dl_route", on_click="ignore", use_container_width=True)
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
