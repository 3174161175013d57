"""The download tab: layers in every format, status history, report figure, interactive map, route and zip.

Every layer in every format of ``geo.io.formats.FORMATS`` (as ``geo export`` writes it), the crossings' status
history, a report figure of the current view (PNG, PDF), an interactive map (HTML), the route, the drawing
and a zip of everything.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st
import streamlit.components.v1 as components

from geo.errors import GeoError
from geo.i18n import N_
from geo.io import bundle, formats
from geo.io.formats import FORMATS, MEDIA_TYPES, SUFFIXES
from geo.layers import registry
from geo.map.document import BASEMAPS, DEFAULT_BASEMAP
from geo.map.registry import IDS, OVERLAYS
from geo.map.spec import View
from geo.vocab import shorten
from geoapp import data, share, urls
from geoapp.pages.measure import drawing_file
from geoapp.results import Outcome, RouteFile, download_record, route_files, routes_of, shown_routes
from geoapp.ui import _, labels, ngettext, today

if TYPE_CHECKING:
    from geo.routing.graph import Trip

FORMAT_LABELS = {"geojson": "GeoJSON", "gpkg": N_("GeoPackage (QGIS)"), "kml": N_("KML (Google Earth)"),
                 "csv": N_("CSV (spreadsheets, WKT)"), "fgb": "FlatGeobuf"}
"""How each of ``geo.io.formats.FORMATS`` is named in the format choice."""
FORMAT_KEY = "dl_format"
FIGURE_KEY = "_figure_drawn"
"""Session key: the figure request (view, layers, day, route) last drawn in this session."""
FIGURE_LAYERS = ("borders", "roads", "pipelines", "crossings", "places")
"""Layers the report figure draws for the shown overlays (the countries overlay draws ``borders``)."""
VIEW_WIDTH_PX, VIEW_HEIGHT_PX = 1000, 620
"""The map's size on a laptop screen in the wide layout: the figure's extent around the view's centre."""
HISTORY_LAYER = "crossings"
FIGURE_BUTTON = "fig_draw"
"""Widget key of the button that draws the figure (its value: the view the map showed when clicked)."""
FIGURE_HANDLED = "_figure_click"
"""Session key: the last click of the figure button already drawn."""

_view_button = components.declare_component("geo_view_button", path=str(Path(__file__).resolve().parent.parent
                                                                           / "view_button"))


def view_bbox(view: View, width_px: int = VIEW_WIDTH_PX, height_px: int = VIEW_HEIGHT_PX
              ) -> tuple[float, float, float, float]:
    """Return the extent (W, S, E, N, degrees) a Web Mercator map of this size shows around a view.

    Examples
    --------
    >>> [round(v, 2) for v in view_bbox(View(0.0, 0.0, 3), 256, 256)]
    [-22.5, -21.94, 22.5, 21.94]
    """
    world_px = 256 * 2 ** view.zoom
    half_lon = width_px / 2 * 360 / world_px
    y = math.log(math.tan(math.pi / 4 + math.radians(view.lat) / 2))
    half_y = height_px / 2 * 2 * math.pi / world_px

    def lat(value: float) -> float:
        return math.degrees(2 * math.atan(math.exp(value)) - math.pi / 2)

    return (max(-180.0, view.lon - half_lon), max(-85.0, lat(y - half_y)), min(180.0, view.lon + half_lon),
            min(85.0, lat(y + half_y)))


def bounds_of(value: Any) -> tuple[float, float, float, float] | None:
    """Return W, S, E, N degrees reported by the browser, or None unless four finite numbers in range, W < E, S < N.

    >>> bounds_of([68.6, 39.3, 74.1, 41.9]), bounds_of([1, 2, 3]), bounds_of([-190, 0, 10, 5])
    ((68.6, 39.3, 74.1, 41.9), None, None)
    """
    if not isinstance(value, list) or len(value) != 4:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        return None
    west, south, east, north = (float(v) for v in value)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return west, south, east, north


Extent = tuple[float, float, float, float]
"""West, south, east, north in degrees."""


def clicked_extent(value: Any, handled: Any, fallback: View) -> tuple[Extent, Any] | None:
    """Return the extent of a new click of the figure button and the click's stamp (None: no new click).

    The extent is the one the map showed (its bounds), else the one around the view in the page address, else
    around ``fallback`` (the state's view).

    >>> from geo.map.document import DEFAULT_VIEW
    >>> clicked_extent({"bounds": [68.6, 39.3, 74.1, 41.9], "clicked": 5}, 4, DEFAULT_VIEW)
    ((68.6, 39.3, 74.1, 41.9), 5)
    >>> clicked_extent({"view": "40.6,71.4,8", "clicked": 5}, 5, DEFAULT_VIEW) is None
    True
    """
    if not isinstance(value, Mapping) or value.get("clicked") in (None, handled):
        return None
    bounds = bounds_of(value.get("bounds"))
    if bounds is None:
        view = share.parse_view(value["view"]) if isinstance(value.get("view"), str) else None
        bounds = view_bbox(view or fallback)
    return bounds, value.get("clicked")


def figure_layers(overlays: frozenset[str]) -> tuple[str, ...]:
    """Return the layers (``geo figure --layers``) of the shown overlays, in drawing order."""
    return tuple(dict.fromkeys(layer for spec in OVERLAYS if spec.id in overlays
                               for layer in spec.layers if layer in FIGURE_LAYERS))


def route_key(outcome: Outcome | None) -> Trip | None:
    """Return the trip of the shown route (the first of a comparison), or None when no route is drawn."""
    shown = shown_routes(outcome)
    return shown[0].trip if shown else None


def _deferred(layer_id: str, fmt: str, version: str, day: str, exported: str) -> Callable[[], bytes]:
    path = data.folder()
    return lambda: data.layer_file(layer_id, fmt, path, version, day, exported)


def layers_section(app_state: share.AppState, version: str, outcome: Outcome | None,
                   drawings: Sequence[Mapping[str, Any]] = ()) -> None:
    """Offer every layer in the chosen format, the status history and the zip of everything."""
    day, exported = app_state.as_of.isoformat(), today().isoformat()
    fmt = st.segmented_control(_("Format"), FORMATS, key=FORMAT_KEY, default=FORMATS[0],
                               format_func=labels(FORMAT_LABELS)) or FORMATS[0]
    suffix = SUFFIXES[fmt]
    option = "" if fmt == "geojson" else f" --format {fmt} -o LAYER{suffix}"
    st.caption(_("Statuses as of {day}: the same bytes as `{command}`. Licences and sources are in each file's "
                 "metadata and on the Sources page.")
               .format(day=day, command=f"python -m geo export LAYER{option} --as-of {day}"))
    cols = st.columns(3)
    available: list[str] = []
    missing = data.absent()
    for layer_id in registry.ids():
        if layer_id in missing:
            continue
        cols[len(available) % 3].download_button(
            f"{layer_id}{suffix}", data=_deferred(layer_id, fmt, version, day, exported),
            file_name=f"{layer_id}{suffix}", mime=MEDIA_TYPES[fmt], key=f"dl_{layer_id}", on_click="ignore",
            use_container_width=True)
        available.append(layer_id)
    path = data.folder()
    history = HISTORY_LAYER in available
    a, b, c = st.columns(3)
    if history:
        a.download_button(_("Crossings status history (.csv)"),
                          data=lambda: data.history_file(HISTORY_LAYER, path, version, day),
                          file_name=bundle.HISTORY_FILE, mime="text/csv", key="dl_history", on_click="ignore",
                          use_container_width=True, help=_("One row per dated status fact, with its source."))
    record = download_record(outcome)
    route = bundle.route_geojson(record) if record is not None else None
    drawing = drawing_file(drawings, version)
    if drawing is not None:
        c.download_button("drawing.geojson", data=drawing, file_name="drawing.geojson",
                          mime="application/geo+json", key="dl_drawing", on_click="ignore", use_container_width=True)

    def everything() -> bytes:
        layers = {i: data.layer_file(i, fmt, path, version, day, exported) for i in available}
        return bundle.zip_all(layers, as_of=app_state.as_of, exported=today(), route=route, drawing=drawing,
                              folder=data.where(path), fmt=fmt,
                              history=data.history_file(HISTORY_LAYER, path, version, day) if history else None)

    st.download_button(_("Every layer as {format} (.zip)").format(format=_(FORMAT_LABELS[fmt])), data=everything,
                       file_name=f"central-asia-{day}-{fmt}.zip", mime="application/zip", key="dl_zip",
                       on_click="ignore")
    if available:
        layer_links(available, app_state, fmt)


def layer_links(available: Sequence[str], app_state: share.AppState, fmt: str) -> None:
    """List each layer's addresses on the app's server: the file of the chosen format and date, and the OGC API."""
    base = urls.root()
    with st.expander(_("Every layer by URL (HTTP API, OGC API – Features)")):
        st.caption(_("The same bytes as the buttons above, for scripts; QGIS and ArcGIS add the OGC API – Features "
                     "collections by URL (the service: {service}).").format(service=urls.link(f"{base}ogc")))
        layer, file = _("Layer"), _("File")
        rows = [f"| {layer} | {file} | OGC API – Features |", "|---|---|---|"]
        rows += [f"| `{layer_id}` | {urls.link(urls.layer_url(layer_id, app_state.as_of, fmt, base))} | "
                 f"{urls.link(urls.collection_url(layer_id, base))} |" for layer_id in available]
        st.markdown("\n".join(rows))


def route_links(app_state: share.AppState, outcome: Outcome | None) -> None:
    """Show the API address of each shown route (the same route, as a GeoJSON Feature)."""
    shown = shown_routes(outcome)
    if not shown:
        return
    asked = app_state.alternatives if app_state.second is None else 0
    base = urls.root()
    st.caption(ngettext("The same route from the HTTP API (a GeoJSON Feature):",
                        "The same routes from the HTTP API (GeoJSON Features):", len(shown)))
    for route in shown:
        st.code(urls.route_url(route.trip, asked, base), language=None, wrap_lines=True)


def figure_section(app_state: share.AppState, version: str, outcome: Outcome | None) -> None:
    """Offer the report figure of the view the map shows: drawn on demand, then PNG and PDF downloads."""
    st.markdown(_("**Report figure** of the map as you see it: the shown overlays, route and date, with legend, "
                  "scale bar and attribution."))
    layers = figure_layers(app_state.overlays)
    if not layers:
        st.caption(_("Show at least one overlay to draw a figure."))
        return
    content = (layers, app_state.as_of.isoformat(), route_key(outcome))
    value = _view_button(label=_("Draw the current view"),
                         help=_("Takes a few seconds; draw again after moving the map."),
                         key=FIGURE_BUTTON, default=None)
    click = clicked_extent(value, st.session_state.get(FIGURE_HANDLED), app_state.view)
    if click is not None:
        st.session_state[FIGURE_HANDLED] = click[1]
        west, south, east, north = (round(v, 2) for v in click[0])
        request = ((west, south, east, north), *content)
        try:
            with st.spinner(_("Drawing the figure…")):
                data.figure_images(data.folder(), version, *request)
            st.session_state[FIGURE_KEY] = request
        except GeoError as exc:  # the command line's option names mean nothing here: keep the reason
            reason = str(exc).split(": ", 1)[1] if str(exc).startswith("--bbox") else str(exc)
            st.error(_("The figure could not be drawn: {reason}. Move the map and draw again.")
                     .format(reason=shorten(reason, 200)))
            return
    drawn = st.session_state.get(FIGURE_KEY)
    if drawn is None or tuple(drawn[1:]) != content:
        return
    images = data.figure_images(data.folder(), version, *drawn)
    w, s_, e, n = drawn[0]
    st.caption(_("Drawn for {west}–{east}° E, {south}–{north}° N on {date}; draw again after moving the map.")
               .format(west=f"{w:g}", east=f"{e:g}", south=f"{s_:g}", north=f"{n:g}", date=app_state.as_of.isoformat()))
    name = f"central-asia-map-{app_state.as_of.isoformat()}"
    a, b, _rest = st.columns(3)
    a.download_button(_("Figure (.png)"), data=images["png"], file_name=f"{name}.png", mime="image/png",
                      key="dl_fig_png", on_click="ignore", use_container_width=True)
    b.download_button(_("Figure (.pdf)"), data=images["pdf"], file_name=f"{name}.pdf", mime="application/pdf",
                      key="dl_fig_pdf", on_click="ignore", use_container_width=True)


def html_section(app_state: share.AppState, version: str, outcome: Outcome | None) -> None:
    """Offer the interactive map of the shown overlays and date as one HTML file (made when clicked)."""
    overlays = tuple(i for i in IDS if i in app_state.overlays)
    view = app_state.view
    basemap = app_state.basemap if app_state.basemap in BASEMAPS else DEFAULT_BASEMAP
    routes = tuple(routes_of(outcome))
    path, day = data.folder(), app_state.as_of.isoformat()
    st.download_button(_("Interactive map (HTML)"), data=lambda: data.map_html(
        path, version, overlays, day, (view.lat, view.lon, view.zoom), basemap, routes),
        file_name=f"central-asia-map-{day}.html", mime="text/html", key="dl_html", on_click="ignore",
        disabled=not overlays, help=_("The shown overlays, route and legend as one web page (opens in any browser, "
                                      "offline too: only the basemap needs the internet; in English)."))


ROUTE_FORMAT_KEY = "dl_route_format"
ROUTE_FORMAT_LABELS = {"geojson": "GeoJSON", "gpx": "GPX", "kml": "KML"}


def _route_bytes(file: RouteFile, fmt: str) -> Callable[[], bytes]:
    return lambda: formats.route_bytes(file.line, file.properties, fmt)


def route_downloads(outcome: Outcome | None) -> None:
    """Offer each route shown (the route and its alternatives, or both scenarios) as GeoJSON, GPX or KML."""
    files = route_files(outcome)
    if not files:
        return
    fmt = st.radio(_("Route file format"), formats.ROUTE_FORMATS, key=ROUTE_FORMAT_KEY, horizontal=True,
                   format_func=lambda f: ROUTE_FORMAT_LABELS.get(f, f))
    fmt = fmt if fmt in formats.ROUTE_FORMATS else formats.ROUTE_FORMATS[0]
    cols = st.columns(max(len(files), 2))
    for number, (col, file) in enumerate(zip(cols, files)):
        name = file.stem + formats.SUFFIXES[fmt]
        col.download_button(name, data=_route_bytes(file, fmt), file_name=name, mime=formats.MEDIA_TYPES[fmt],
                            key=f"dl_route_{number}", on_click="ignore", use_container_width=True,
                            help=_("The {route} with its figures and sources (GPX and KML: name and summary).")
                            .format(route=file.shown_title(_)))


def downloads_panel(app_state: share.AppState, version: str, outcome: Outcome | None,
                    drawings: Sequence[Mapping[str, Any]] = ()) -> None:
    """Offer the downloads of the state's day (and the drawings on the map)."""
    layers_section(app_state, version, outcome, drawings)
    route_downloads(outcome)
    route_links(app_state, outcome)
    st.divider()
    figure_section(app_state, version, outcome)
    html_section(app_state, version, outcome)
