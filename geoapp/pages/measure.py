"""The measure tab: drawn lines and polygons, and an uploaded GeoJSON or GPX track, measured per country."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import streamlit as st

from geo import bundle, tracks, upload
from geo.map.extras import track_display
from geo.tracks import TrackError
from geo.vocab import country_name
from geoapp import data, state
from geoapp.results import MeasureFailure, Measurement, measure_drawings
from geoapp.ui import LOG, md

TRACK = "_track"
DRAWING = "_drawing"
TRACK_TYPES = ["geojson", "json", "gpx"]


def drawing_download(results: Sequence[Measurement | MeasureFailure]) -> bytes | None:
    """Return the measured drawings as GeoJSON, each with its own geometry and measurement.

    Each :class:`~geoapp.results.Measurement` carries the geometry it measured, so a drawing that failed
    cannot shift the others (they were once paired by position after the failures were skipped).
    Returns None when no drawing was measured.
    """
    measured = [r for r in results if isinstance(r, Measurement)]
    if not measured:
        return None
    return bundle.drawing_geojson([{"geometry": m.geometry} for m in measured], [m.record for m in measured])


def measure_panel(drawings: Sequence[Mapping[str, Any]], version: str) -> None:
    """Measure the lines and polygons drawn on the map (geodesic, per country)."""
    st.caption("Draw a line or a polygon with the tools on the map's left; lengths and areas are geodesic "
               "(WGS84), split by country with the borders layer.")
    if not drawings:
        return
    results = measure_drawings(drawings, data.countries(data.folder(), version))
    rows = []
    for result in results:
        if isinstance(result, MeasureFailure):
            st.warning(f"Drawing {result.number}: " + md(result.message))
            continue
        by_country = ", ".join(f"{k} {v:,.1f} km" for k, v in result.by_country_km.items())
        area = f", area {result.area_km2:,.1f} km²" if result.area_km2 is not None else ""
        st.markdown(f"**Drawing {result.number}** ({md(result.kind)}): {result.length_km:,.1f} km{area} — "
                    + md(by_country))
        rows.append({"drawing": result.number, "type": result.kind, "length km": round(result.length_km, 2),
                     "area km²": round(result.area_km2, 1) if result.area_km2 is not None else None,
                     "km per country": by_country})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.session_state[DRAWING] = drawing_download(results)


def on_track_upload(version: str) -> None:
    """Read, measure and place the uploaded track (callback: the map of this very run draws it)."""
    ss = st.session_state
    file = ss.get("track_file")
    if file is None:
        ss.pop(TRACK, None)
        return
    name = upload.clean_name(getattr(file, "name", ""))
    try:
        size = int(getattr(file, "size", 0) or 0)
        if size > upload.MAX_UPLOAD_BYTES:  # refused before the bytes are even read
            raise TrackError(f"{name}: file is {size:,} bytes; at most {upload.MAX_UPLOAD_BYTES:,}")
        raw = file.getvalue()
        key = upload.digest(raw)
        if (ss.get(TRACK) or {}).get("digest") == key:
            return
        geometry = upload.read_upload(name, raw)
        measured = tracks.measure(geometry, data.countries(data.folder(), version))
    except TrackError as exc:
        ss[TRACK] = {"name": name, "error": str(exc)}
        return
    except Exception:  # never a traceback for a user's file
        LOG.exception("track %s could not be measured", name)
        ss[TRACK] = {"name": name, "error": f"{name}: the track could not be measured (internal error)."}
        return
    mapping = shapely.geometry.mapping(geometry)
    ss[TRACK] = {"name": name, "digest": key, "measured": measured,
                 "display": track_display(mapping, name, measured),
                 "geojson": upload.track_geojson(name, geometry, measured)}
    ss[state.VIEW] = upload.view_of(geometry)


def track_panel(version: str) -> None:
    """Upload a GeoJSON or GPX track: measure it per country, draw it, give it back as GeoJSON."""
    st.file_uploader(f"Your own track: GeoJSON or GPX, at most {upload.MAX_UPLOAD_BYTES // 1_000_000} MB",
                     type=TRACK_TYPES, key="track_file", on_change=on_track_upload, args=(version,),
                     help="A line or polygon in WGS84 longitude/latitude (GeoJSON geometry, Feature or "
                          "FeatureCollection; GPX tracks and routes). It stays in your session only.")
    track = st.session_state.get(TRACK)
    if not track:
        return
    if "error" in track:
        st.error(md(track["error"]))
        return
    measured = track["measured"]
    by_country = measured.get("by_country_km") or {}
    a, b, c = st.columns(3)
    area = measured.get("area_km2")
    a.metric("Outline" if area is not None else "Length", f"{measured['length_km']:,.1f} km")
    b.metric("Area", f"{area:,.1f} km²" if area is not None else "—")
    c.metric("Countries", len([k for k in by_country if k != "??"]))
    st.caption(f"**{md(track['name'])}** ({md(measured.get('type'))}, {measured.get('vertices', 0):,} points): "
               "geodesic on WGS84, split by country with the borders layer; `??` is outside every country.")
    if by_country:
        names = [country_name(k) if k != "??" else "outside every country" for k in by_country]
        table = pd.DataFrame({"country": names, "code": list(by_country),
                              "km": [round(v, 1) for v in by_country.values()]})
        left, right = st.columns([2, 3])
        left.dataframe(table, hide_index=True)
        right.bar_chart(pd.DataFrame({"km": list(by_country.values())}, index=list(by_country.keys())),
                        horizontal=True, height=60 + 28 * len(by_country))
    stem = Path(track["name"]).stem or "track"
    st.download_button("Download the track as GeoJSON", data=track["geojson"], file_name=f"{stem}.geojson",
                       mime="application/geo+json", key="dl_track", on_click="ignore")
