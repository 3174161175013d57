"""The measure tab: drawn lines and polygons, and an uploaded GeoJSON or GPX track, measured per country."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo.errors import GeoError
from geo.i18n import Translator
from geo.io import bundle, tracks, upload
from geo.io.tracks import TrackError
from geo.map.extras import track_display
from geo.measure import CountryIndex
from geoapp import data, guard, state
from geoapp.results import MeasureFailure, Measurement, measure_drawings
from geoapp.ui import _, md, say, tr

TRACK = "_track"
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


def drawing_file(drawings: Sequence[Mapping[str, Any]], version: str) -> bytes | None:
    """Return the drawings on the map, measured, as GeoJSON (None: nothing drawn, or nothing measurable).

    Measured where the file is offered, so the Download tab does not depend on the Measure tab having run (only
    the open tab runs).
    """
    if not drawings:
        return None
    return drawing_download(measure_drawings(drawings, data.countries(data.folder(), version)))


def measure_panel(drawings: Sequence[Mapping[str, Any]], version: str) -> None:
    """Measure the lines and polygons drawn on the map (geodesic, per country)."""
    st.caption(_("Draw a line or a polygon with the tools on the map's left; lengths and areas are geodesic "
                 "(WGS84), split by country with the borders layer."))
    if not drawings:
        return
    results = measure_drawings(drawings, data.countries(data.folder(), version))
    rows = []
    number = tr().number
    for result in results:
        if isinstance(result, MeasureFailure):
            problem = md(say(result.message))
            st.warning(_("Drawing {n}: {message}").format(n=result.number, message=problem))
            continue
        by_country = ", ".join(f"{k} " + _("{km} km").format(km=number(v, 1)) for k, v in result.by_country_km.items())
        length = _("{km} km").format(km=number(result.length_km, 1))
        area = (", " + _("area {area} km²").format(area=number(result.area_km2, 1))
                if result.area_km2 is not None else "")
        st.markdown(_("**Drawing {n}**").format(n=result.number) + f" ({md(tr().word(result.kind))}): {length}{area} — "
                    + md(by_country))
        rows.append({_("drawing"): result.number, _("type"): tr().word(result.kind),
                     _("length km"): round(result.length_km, 2),
                     _("area km²"): round(result.area_km2, 1) if result.area_km2 is not None else None,
                     _("km per country"): by_country})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)


def read_and_measure(name: str, raw: bytes, countries: CountryIndex, words: Translator) -> dict[str, Any]:
    """Read an uploaded track's bytes and measure it: the values the tab and the map show (run guarded)."""
    geometry = upload.read_upload(name, raw)
    measured = tracks.measure(geometry, countries)
    return {"name": name, "measured": measured, "display": track_display(geometry, name, measured, words),
            "geojson": upload.track_geojson(name, geometry, measured), "view": upload.view_of(geometry)}


def on_track_upload(version: str) -> None:
    """Read, measure and place the uploaded track (callback: the map of this very run draws it).

    The work runs in a child process within :data:`geoapp.guard.TRACK` (time and memory), so no file can stall
    or take down the server.
    """
    ss = st.session_state
    file = ss.get("track_file")
    if file is None:
        ss.pop(TRACK, None)
        return
    name = upload.clean_name(getattr(file, "name", ""))
    try:
        size = int(getattr(file, "size", 0) or 0)
        if size > upload.MAX_UPLOAD_BYTES:  # refused before the bytes are even read
            raise TrackError(tracks.of_file(name, tracks.too_big(size, upload.MAX_UPLOAD_BYTES)))
        raw = file.getvalue()
        key = upload.digest(raw)
        if (ss.get(TRACK) or {}).get("digest") == key:
            return
        track = guard.run(guard.TRACK, read_and_measure, name, raw, data.countries(data.folder(), version), tr())
    except GeoError as exc:
        ss[TRACK] = {"name": name, "error": exc.message}
        return
    ss[state.VIEW] = track.pop("view")
    ss[TRACK] = {**track, "digest": key}


def forget_track() -> None:
    """Remove the uploaded track (callback)."""
    st.session_state.pop(TRACK, None)


def track_panel(version: str) -> None:
    """Upload a GeoJSON or GPX track: measure it per country, draw it, give it back as GeoJSON."""
    most = upload.MAX_UPLOAD_BYTES // 1_000_000
    st.file_uploader(_("Your own track: GeoJSON or GPX, at most {mb} MB").format(mb=most),
                     type=TRACK_TYPES, key="track_file", on_change=on_track_upload, args=(version,),
                     help=_("A line or polygon in WGS84 longitude/latitude (GeoJSON geometry, Feature or "
                            "FeatureCollection; GPX tracks and routes). It stays in your session only."))
    track = st.session_state.get(TRACK)
    if not track:
        return
    if st.session_state.get("track_file") is None:  # uploaded before the tab (or page) was left: its file is gone
        st.button(_("Remove the track from the map"), key="track_remove", on_click=forget_track)
    if "error" in track:
        st.error(md(say(track["error"])))
        return
    measured = track["measured"]
    by_country = measured.get("by_country_km") or {}
    a, b, c = st.columns(3)
    area = measured.get("area_km2")
    number = tr().number
    a.metric(_("Outline") if area is not None else _("Length"),
             _("{km} km").format(km=number(measured["length_km"], 1)))
    b.metric(_("Area"), _("{area} km²").format(area=number(area, 1)) if area is not None else "—")
    c.metric(_("Countries"), len([k for k in by_country if k != "??"]))
    st.caption(f"**{md(track['name'])}** ({md(tr().word(measured.get('type')))}, "
               + _("{n} points): geodesic on WGS84, split by country with the borders layer; `??` is outside every "
                   "country.").format(n=number(measured.get("vertices", 0))))
    if by_country:
        names = [tr().country(k) if k != "??" else _("outside every country") for k in by_country]
        table = pd.DataFrame({_("country"): names, _("code"): list(by_country),
                              _("km"): [round(v, 1) for v in by_country.values()]})
        left, right = st.columns([2, 3])
        left.dataframe(table, hide_index=True)
        right.bar_chart(pd.DataFrame({_("km"): list(by_country.values())}, index=list(by_country.keys())),
                        horizontal=True, height=60 + 28 * len(by_country))
    stem = Path(track["name"]).stem or "track"
    st.download_button(_("Download the track as GeoJSON"), data=track["geojson"], file_name=f"{stem}.geojson",
                       mime="application/geo+json", key="dl_track", on_click="ignore")
