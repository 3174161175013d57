"""The map page: sidebar (overlays, basemap, date), the map, and the route, measure, download and time tabs."""

from __future__ import annotations

from typing import Any

import streamlit as st

from geo.db.coords import PointRoute
from geo.errors import GeoError, LayerMissing
from geo.i18n import N_, languages
from geo.map.document import BASEMAPS, DEFAULT_BASEMAP, Document
from geo.map.geometry import BANDS, band_of
from geo.map.prepare import build_document
from geo.map.registry import OVERLAYS
from geo.messages import Message
from geoapp import component, data, database, share, state
from geoapp.pages import changes, downloads, measure, points, route, search, timeline
from geoapp.results import Outcome, routes_of
from geoapp.ui import LANG, _, labels, md, panel, today, tr

MAP_HEIGHT = 620
"""The map's height where the page cannot be measured; in a browser it fills the window below the header."""
SITE_PATH = "site/"
"""Where the app's server serves the static viewer (``geo site``, :mod:`geoapp.server`)."""
COMPACT = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 0.5rem; padding-bottom: 1rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.05rem; line-height: 1.3; padding: 0; margin: 0;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
[data-testid="stHeader"] { height: 0; background: transparent; }
</style>"""
"""The map-first layout: the title on one line in small type, no empty band above it, so the map gets the window."""
TAB = "tab"
"""The tabs' widget key (its value is the open tab's shown title; :data:`geoapp.state.TAB_OPEN` holds its id)."""
TAB_TITLES = {"route": N_("Route"), "measure": N_("Measure"), "download": N_("Download"),
              "time": N_("Through time")}
"""The tabs under the map, by the id a link gives them (:data:`geoapp.share.TABS`). Only the open one runs: a hidden
tab's widgets would cost every new visitor's first paint (the browser renders them, and loads their code, before
it creates the map's frame)."""


def sidebar(version: str, missing: list[str]) -> None:
    """Draw the overlay, basemap and date controls."""
    with st.sidebar:
        names = languages()
        st.selectbox(_("Language"), list(names), key=LANG, format_func=lambda code: names.get(code, code))
        st.header(_("Map"))
        for spec in OVERLAYS:
            st.checkbox(_(spec.title), key=state.OVERLAY.format(spec.id))
        st.selectbox(_("Basemap"), list(BASEMAPS), key="basemap",
                     format_func=labels({k: b.title for k, b in BASEMAPS.items()}))
        st.date_input(_("As of"), key="as_of", min_value=share.FIRST_DAY, max_value=today(), format="YYYY-MM-DD",
                      help=_("Crossing and pipeline statuses, and routes, as they were on this day."))
        changes.controls()
        if database.problem():
            st.warning(_("The database is not read ({problem}); the map shows the built files.")
                       .format(problem=md(database.problem() or "")))
        if missing:
            st.info(_("Not shown (missing or unreadable): {layers}. Run `python -m geo build` to rebuild the layers.")
                    .format(layers=", ".join(sorted(set(missing)))))
        st.caption(_("Data version `{version}`. Pan and zoom never reload the page; the address always holds a link "
                     "to what you see.").format(version=version))
        st.link_button(_("Static map: for sharing and embedding"), SITE_PATH, type="tertiary", icon=":material/public:",
                       help=_("The same map as static files: no session, any number of readers, an embeddable "
                              "page."))


def band(app_state: share.AppState) -> int:
    """Return the zoom band to draw: the one the map reported, else the one of the state's view."""
    reported = component.current_value(st.session_state.to_dict()).band
    if reported is not None and reported < len(BANDS):
        return reported
    return band_of(app_state.view.zoom).number


def map_document(app_state: share.AppState, version: str, outcome: Outcome | None,
                 from_points: PointRoute | Message | None = None) -> Document:
    """Return the document of the map the state shows (overlays prepared once per data version and band).

    ``from_points`` is the route between two points placed on the map (:mod:`geoapp.pages.points`), drawn after the
    place-to-place route (as its comparison when both are shown).
    """
    shown, _missing = data.overlays(app_state.overlays, app_state.as_of, version, band(app_state), app_state.lang)
    track = st.session_state.get(measure.TRACK) or {}
    basemap = app_state.basemap if app_state.basemap in BASEMAPS else DEFAULT_BASEMAP
    try:
        found = changes.result(app_state, version)
    except LayerMissing:  # the "what changed" panel names the missing layer; the map draws everything else
        found = None
    return build_document(
        shown, as_of=app_state.as_of, view=app_state.view, basemap=basemap,
        routes=route.local_names(routes_of(outcome), version)
        + ([points.record(from_points)] if isinstance(from_points, PointRoute) else []),
        track=(track.get("name", ""), track["display"]) if track.get("display") else None, height=MAP_HEIGHT,
        changes=changes.rings(found, version) if found is not None else None, found=search.found(version),
        points=points.network() is not None, tr=tr())


def start() -> tuple[str, share.AppState]:
    """Fill the state from the link once, show its notices and the sidebar; return the data version and state.

    Every page that shows the map calls it first, so the sidebar's widgets (and so the state) live on every page.
    """
    version = data.version()
    places = data.place_options(data.folder(), version)
    crossings = data.crossing_options(data.folder(), version)

    def place(value: str) -> str | None:
        if value in places:
            return value
        try:
            return str(data.engine(data.folder(), version).resolve(value[:100]))
        except GeoError:  # an unknown name, or no routing data: the link's value is ignored
            return None

    state.init(state.known(place, crossings, today()))
    for key in st.session_state.get(state.NOTICES, []):
        st.warning(_(share.NOTICE).format(key=key))
    current = state.current(today())
    _shown, missing = data.overlays(current.overlays, current.as_of, version, band(current), current.lang)
    with panel(N_("sidebar")):
        sidebar(version, missing + data.absent())
    return version, state.current(today())


def on_tab() -> None:
    """Keep the id of the tab just opened (callback: the link and the next runs follow it)."""
    ids = {_(title): tab for tab, title in TAB_TITLES.items()}
    st.session_state[state.TAB_OPEN] = ids.get(str(st.session_state.get(TAB)), share.TABS[0])


def map_page() -> None:
    """Draw the map page: sidebar, map and the route, measure and download panels."""
    version, current = start()
    places = data.place_options(data.folder(), version, current.lang)
    crossings = data.crossing_options(data.folder(), version, current.lang)
    st.html(COMPACT)
    title, find = st.columns([3, 2], vertical_alignment="center")
    with title:
        st.title(_("Central Asia: borders, roads, pipelines and crossings"), anchor=False)
    with find, panel(N_("search")):
        search.search_box(version)
    outcome: Outcome | None = None
    with panel(N_("route")):
        outcome = route.outcome(current, version)
    from_points: PointRoute | Message | None = None
    with panel(N_("route from points")):
        placed = points.ends(component.current_value({component.KEY: st.session_state.get(component.KEY)}).drawings)
        from_points = points.outcome(current.scenario, version, placed)
    drawings: tuple[Any, ...] = ()
    with panel(N_("map")):
        drawings = component.show(map_document(current, version, outcome, from_points)).drawings
    with panel(N_("what changed")):
        found = changes.result(current, version)
        if found is not None:
            changes.changes_list(found)
    st.session_state[TAB] = _(TAB_TITLES[current.tab])  # the link's (or the kept) tab, titled in today's language
    tab_route, tab_measure, tab_download, tab_time = st.tabs([_(TAB_TITLES[t]) for t in share.TABS], key=TAB,
                                                   on_change=on_tab)
    if tab_route.open:
        with tab_route, panel(N_("route")):
            route.route_panel(current, outcome, places, crossings)
        with tab_route, panel(N_("route from points")):
            points.panel(current, from_points, version)
    if tab_measure.open:
        with tab_measure, panel(N_("measure")):
            measure.measure_panel(drawings, version)
        with tab_measure, panel(N_("track")):
            measure.track_panel(version)
    if tab_download.open:
        with tab_download, panel(N_("download")):
            downloads.downloads_panel(state.current(today()), version, outcome, drawings)
    if tab_time.open:
        with tab_time, panel(N_("through time")):
            timeline.time_panel(current, version, places, crossings)
    with panel(N_("link")):
        state.write_link(state.current(today()), today())
    data.warm(version, today())
