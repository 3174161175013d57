"""The map of Central Asia's infrastructure: ``streamlit run app.py``.

Widgets and layout only. Layers, routes, measurements, downloads and the map itself come from ``geo``;
everything cached is keyed by strings (layer id, data version, date), never by a GeoDataFrame.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import streamlit as st

from geo import bundle, registry, render, share, store, tracks, upload
from geo.errors import GeoError
from geo.paths import layers_dir
from geo.tracks import TrackError
from ui import folium_component

LOG = logging.getLogger("geo.app")
ASSETS = "../../app/static/vendor"
"""The vendored Leaflet files, relative to the map component's frame (``/component/<name>/index.html``)."""
MAP_HEIGHT = 620
SLOTS = {**{o: i for i, o in enumerate(render.OVERLAYS)}, "route": 8, "legend": 9, "track": 10, "basemap": 11}
MD_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"


# --- cached data (keys are strings and tuples of strings) -------------------------------------------


def folder() -> str:
    """Return the layers folder (``$GEO_LAYERS_DIR`` or ``layers/``)."""
    return str(layers_dir())


def version() -> str:
    """Return the data version: changes as soon as a layer file changes."""
    stamp = []
    for layer_id in registry.ids():
        path = Path(folder()) / f"{layer_id}.geojson"
        try:
            info = path.stat()
            stamp.append(f"{layer_id}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            stamp.append(f"{layer_id}:missing")
    return _version(folder(), "|".join(stamp))


@st.cache_data(show_spinner=False, max_entries=8)
def _version(path: str, stamp: str) -> str:
    return store.data_version(Path(path))


@st.cache_resource(show_spinner=False, max_entries=24)
def layer(layer_id: str, path: str, data: str) -> Any:
    """Return a layer's GeoDataFrame (shared: never changed in place)."""
    frame, _ = store.read_layer(layer_id, Path(path))
    return frame


@st.cache_resource(show_spinner=False, max_entries=64)
def display(layer_id: str, path: str, data: str, day: str) -> dict[str, dict[str, Any]]:
    """Return a layer's display collections on a day (``day`` is empty for layers without statuses)."""
    frame = layer(layer_id, path, data)
    if day:
        frame = store.redate(frame, dt.date.fromisoformat(day))
    return render.display_layer(layer_id, frame)


DATED = {"crossings", "pipelines"}


def collections(overlays: frozenset[str], day: dt.date, data: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Return the display collections of the shown overlays, and the ids of layers that could not be read."""
    found: dict[str, dict[str, Any]] = {}
    missing = []
    for overlay in render.OVERLAYS:
        if overlay not in overlays:
            continue
        for layer_id in render.OVERLAY_LAYERS[overlay]:
            try:
                found.update(display(layer_id, folder(), data, day.isoformat() if layer_id in DATED else ""))
            except GeoError:
                missing.append(layer_id)
            except Exception:  # malformed data in a built file: draw the rest of the map without it
                LOG.exception("layer %s could not be displayed", layer_id)
                missing.append(layer_id)
    return found, missing


@st.cache_resource(show_spinner=False, max_entries=4)
def engine(path: str, data: str) -> Any:
    """Return the route engine of a data version."""
    from geo.routing import RouteEngine

    return RouteEngine.load(Path(path))


@st.cache_resource(show_spinner=False, max_entries=4)
def countries(path: str, data: str) -> Any:
    """Return the country index used to split measurements by country."""
    from geo.build import country_index

    return country_index(layer("borders", path, data))


@st.cache_data(show_spinner=False, max_entries=128)
def compute_route(path: str, data: str, origin: str, dest: str, scenario: tuple[Any, ...],
                  second: tuple[Any, ...] | None) -> dict[str, Any]:
    """Return ``{"route": …}`` or ``{"compare": …}``, or ``{"error": message}``."""
    from geo.routing import Scenario

    def make(s: tuple[Any, ...]) -> Scenario:
        day, close, opened, avoid, mode = s
        return Scenario(as_of=dt.date.fromisoformat(day), close=frozenset(close), open=frozenset(opened),
                        avoid=frozenset(avoid), mode=mode)

    try:
        eng = engine(path, data)
        if second is None:
            return {"route": eng.route(origin, dest, make(scenario)).as_dict()}
        return {"compare": eng.compare(origin, dest, make(scenario), make(second))}
    except GeoError as exc:
        return {"error": str(exc)}


@st.cache_resource(show_spinner=False, max_entries=8)
def base_args(view: tuple[float, float, int], height: int) -> dict[str, Any]:
    """Return the component arguments of the base map (controls, initial view; no basemap, no overlays)."""
    options = render.MapOptions(view=render.View(*view), assets=ASSETS, height=height)
    return folium_component.base_args(render.base_map(options), height=height)


@st.cache_resource(show_spinner=False, max_entries=8)
def basemap_script(basemap: str) -> str:
    """Return the JavaScript of the basemap's tile group (empty for ``"none"``)."""
    group = render.basemap_group(basemap)
    return folium_component.group_script(group, SLOTS["basemap"]) if group is not None else ""


@st.cache_resource(show_spinner=False, max_entries=64)
def overlay_script(overlay: str, path: str, data: str, day: str) -> str:
    """Return the JavaScript of one overlay group."""
    shown, _ = collections(frozenset({overlay}), dt.date.fromisoformat(day), data)
    group = render.overlay_group(overlay, shown)
    return folium_component.group_script(group, SLOTS[overlay]) if group is not None else ""


@st.cache_resource(show_spinner=False, max_entries=64)
def extra_script(kind: str, payload: str) -> str:
    """Return the JavaScript of the route group or the legend group (``payload`` is their JSON input)."""
    import json

    value = json.loads(payload)
    if kind == "route":
        group = render.routes_group(value)
    elif kind == "track":
        group = render.track_group(value)
    else:
        group = render.legend_from_html(value)
    return folium_component.group_script(group, SLOTS[kind]) if group is not None else ""


@st.cache_data(show_spinner=False, max_entries=64)
def layer_bytes(layer_id: str, path: str, data: str, day: str, exported: str) -> bytes:
    """Return a layer file exactly as ``geo export`` writes it for ``day``."""
    return bundle.export_layer(layer_id, dt.date.fromisoformat(day), exported=dt.date.fromisoformat(exported),
                               folder=Path(path))


# --- small helpers -----------------------------------------------------------------------------------


def md(value: Any) -> str:
    """Escape text from data for Streamlit Markdown (no links, images or formatting can be injected)."""
    out = str(value if value is not None else "")
    return "".join("\\" + ch if ch in MD_SPECIALS else ch for ch in out.replace("\n", " "))


@contextmanager
def panel(name: str) -> Iterator[None]:
    """Show a short message instead of a panel that fails; the rest of the page keeps working."""
    try:
        yield
    except Exception as exc:
        if type(exc).__module__.startswith("streamlit"):
            raise
        LOG.exception("panel %s failed", name)
        st.error(f"The {name} panel could not be shown (internal error). The rest of the page still works.")


def today() -> dt.date:
    """Return today's date (the latest as-of date)."""
    return dt.date.today()


# --- state: URL → session (once) → widgets → URL -------------------------------------------------------


def place_options(data: str) -> dict[str, str]:
    """Return place id → label with aliases (type-to-search matches any of them)."""
    try:
        frame = layer("places", folder(), data)
    except GeoError:
        return {}
    labels = {}
    for row in frame.itertuples(index=False):
        aliases = [a for a in dict.fromkeys(row.aliases or []) if a and a != row.name]
        kind = f", {row.kind}" if row.kind in ("crossing", "pass", "junction") else ""
        labels[row.id] = f"{row.name} ({row.country}{kind})" + (f" — {', '.join(aliases)}" if aliases else "")
    return dict(sorted(labels.items(), key=lambda kv: kv[1].lower()))


def crossing_options(data: str) -> dict[str, str]:
    """Return crossing id → label."""
    try:
        frame = layer("crossings", folder(), data)
    except GeoError:
        return {}
    return dict(sorted(((r.id, f"{r.name} ({r.countries})") for r in frame.itertuples(index=False)),
                       key=lambda kv: kv[1].lower()))


COUNTRY_CODES = ("KZ", "KG", "TJ", "UZ", "TM", "AF", "CN", "RU", "IR")


def known(data: str, places: Mapping[str, str], crossings: Mapping[str, str]) -> share.Known:
    """Return what a link's values may refer to."""

    def place(value: str) -> str | None:
        if value in places:
            return value
        try:
            return str(engine(folder(), data).resolve(value[:100]))
        except Exception:  # an unknown name, or no routing data: the link's value is ignored
            return None

    return share.Known(place=place, crossings=set(crossings), countries=set(COUNTRY_CODES), today=today())


def init_session(data: str, places: Mapping[str, str], crossings: Mapping[str, str]) -> None:
    """Fill the widgets' state from the link, once per session."""
    if "_ready" in st.session_state:
        return
    try:
        params = st.query_params.to_dict()
    except Exception:
        params = {}
    state, notices = share.parse(params, known(data, places, crossings))
    load_state(state)
    st.session_state["_notices"] = notices
    st.session_state["_ready"] = True


def load_state(state: share.AppState) -> None:
    """Put a state into the widgets' session keys (before the widgets are drawn, or in a callback)."""
    ss = st.session_state
    for overlay in render.OVERLAYS:
        ss[f"ov_{overlay}"] = overlay in state.overlays
    ss["basemap"] = state.basemap
    ss["as_of"] = state.as_of
    ss["map_view"] = (state.view.lat, state.view.lon, state.view.zoom)
    ss["r_from"] = state.origin
    ss["r_to"] = state.dest
    ss["r_close"] = sorted(state.close)
    ss["r_open"] = sorted(state.open)
    ss["r_avoid"] = sorted(state.avoid)
    ss["r_mode"] = state.mode
    ss["r_compare"] = state.compare is not None
    second = state.compare or share.Comparison(as_of=state.as_of)
    ss["r_date2"] = second.as_of
    ss["r_close2"] = sorted(second.close)
    ss["r_open2"] = sorted(second.open)
    ss["r_avoid2"] = sorted(second.avoid)


def current_state() -> share.AppState:
    """Return the state the widgets show."""
    ss = st.session_state
    second = None
    if ss.get("r_compare"):
        close2 = frozenset(ss.get("r_close2") or [])
        second = share.Comparison(as_of=ss.get("r_date2") or today(), close=close2,
                                  open=frozenset(ss.get("r_open2") or []) - close2,
                                  avoid=frozenset(ss.get("r_avoid2") or []))
    close = frozenset(ss.get("r_close") or [])
    view = ss.get("map_view") or (render.DEFAULT_VIEW.lat, render.DEFAULT_VIEW.lon, render.DEFAULT_VIEW.zoom)
    return share.AppState(
        overlays=frozenset(o for o in render.OVERLAYS if ss.get(f"ov_{o}")), basemap=ss.get("basemap") or "osm",
        as_of=ss.get("as_of") or today(), view=render.View(*view), origin=ss.get("r_from"), dest=ss.get("r_to"),
        close=close, open=frozenset(ss.get("r_open") or []) - close, avoid=frozenset(ss.get("r_avoid") or []),
        mode=ss.get("r_mode") or "passenger", compare=second,
    )


def write_link(state: share.AppState) -> None:
    """Keep the address bar's query parameters equal to the state (``view`` is kept by the map)."""
    params = share.to_params(state, today=today())
    current = st.query_params.to_dict()
    view = current.get("view")
    if isinstance(view, str) and share.parse_view(view) is not None:
        params["view"] = view
    if current != params:
        st.query_params.from_dict(params)


def on_preset(number: int) -> None:
    """Load a preset route (callback: runs before the widgets are drawn)."""
    state = share.apply_preset(current_state(), share.PRESETS[number], today=today())
    load_state(state)


# --- the map page --------------------------------------------------------------------------------------


def sidebar(data: str, missing: list[str]) -> None:
    """Draw the overlay, basemap and date controls."""
    with st.sidebar:
        st.header("Map")
        for overlay in render.OVERLAYS:
            st.checkbox(render.OVERLAY_TITLES[overlay], key=f"ov_{overlay}")
        st.selectbox("Basemap", list(render.BASEMAPS), key="basemap",
                     format_func=lambda k: render.BASEMAPS[k].title)
        st.date_input("As of", key="as_of", min_value=share.FIRST_DAY, max_value=today(), format="YYYY-MM-DD",
                      help="Crossing and pipeline statuses, and routes, as they were on this day.")
        if missing:
            st.info("Not shown (missing or unreadable): " + ", ".join(sorted(set(missing)))
                    + ". Run `python -m geo build` to rebuild the layers.")
        st.caption(f"Data version `{data}`. Pan and zoom never reload the page; the address always holds a link "
                   "to what you see.")


def map_panel(state: share.AppState, data: str, routes: list[dict[str, Any]]) -> Any:
    """Draw the map; return what it reports (drawings)."""
    day = state.as_of.isoformat()
    # The basemap is a group like the overlays: changing it keeps the browser's map and the view panned to.
    # (Streamlit's frontend sends its own copy of the query string on reruns, not the `view=` the map wrote
    # into the address, so the view cannot be read back reliably once the map has been rebuilt.)
    scripts = [basemap_script(state.basemap if state.basemap in render.BASEMAPS else render.DEFAULT_BASEMAP)]
    scripts += [overlay_script(o, folder(), data, day) for o in render.OVERLAYS if o in state.overlays]
    import json

    drawn = [r for r in routes if r.get("geometry")]
    if drawn:
        scripts.append(extra_script("route", json.dumps(drawn, sort_keys=True, default=str)))
    track = st.session_state.get("_track") or {}
    if track.get("display"):
        scripts.append(extra_script("track", json.dumps(track["display"], sort_keys=True)))
    shown, _ = collections(state.overlays, state.as_of, data)
    legend = render.legend_html(render.shown_collections(shown, state.overlays), state.as_of, routes=drawn,
                                track=track.get("name") if track.get("display") else None)
    if legend:
        scripts.append(extra_script("legend", json.dumps(legend)))
    view = st.session_state.get("map_view") or (render.DEFAULT_VIEW.lat, render.DEFAULT_VIEW.lon,
                                                render.DEFAULT_VIEW.zoom)
    args = base_args(tuple(view), MAP_HEIGHT)
    return folium_component.show(args, scripts)


def scenario_key(day: dt.date, close: frozenset[str], opened: frozenset[str], avoid: frozenset[str],
                 mode: str) -> tuple[Any, ...]:
    """Return a scenario as a hashable tuple of strings."""
    return (day.isoformat(), tuple(sorted(close)), tuple(sorted(opened)), tuple(sorted(avoid)), mode)


def route_inputs(places: Mapping[str, str], crossings: Mapping[str, str]) -> None:
    """Draw the route controls."""
    cols = st.columns(len(share.PRESETS))
    for number, (col, preset) in enumerate(zip(cols, share.PRESETS)):
        col.button(preset.title, key=f"preset_{number}", on_click=on_preset, args=(number,),
                   use_container_width=True)
    ids = list(places)
    for key in ("r_from", "r_to"):
        if st.session_state.get(key) not in places:
            st.session_state[key] = None
    for key in ("r_close", "r_open", "r_close2", "r_open2"):
        st.session_state[key] = [c for c in st.session_state.get(key) or [] if c in crossings]
    a, b, c = st.columns([2, 2, 1])
    a.selectbox("From", ids, key="r_from", placeholder="Type a place (any script, aliases too)",
                format_func=lambda k: places.get(k, k))
    b.selectbox("To", ids, key="r_to", placeholder="Type a place (any script, aliases too)",
                format_func=lambda k: places.get(k, k))
    c.radio("Traffic", share.MODES, key="r_mode", horizontal=True)
    a, b, c = st.columns(3)
    a.multiselect("Close crossings", list(crossings), key="r_close", format_func=lambda k: crossings.get(k, k))
    b.multiselect("Open crossings", list(crossings), key="r_open", format_func=lambda k: crossings.get(k, k))
    c.multiselect("Avoid countries", list(COUNTRY_CODES), key="r_avoid")
    st.caption("Route date: the map's as-of date in the sidebar.")
    st.checkbox("Compare with a second scenario", key="r_compare")
    if st.session_state.get("r_compare"):
        a, b, c, d = st.columns(4)
        a.date_input("Second date", key="r_date2", min_value=share.FIRST_DAY, max_value=today(),
                     format="YYYY-MM-DD")
        b.multiselect("Close (second)", list(crossings), key="r_close2", format_func=lambda k: crossings.get(k, k))
        c.multiselect("Open (second)", list(crossings), key="r_open2", format_func=lambda k: crossings.get(k, k))
        d.multiselect("Avoid (second)", list(COUNTRY_CODES), key="r_avoid2")


def route_result(state: share.AppState, data: str) -> dict[str, Any] | None:
    """Return the computed route (or comparison) of the state, or None when from/to are not both set."""
    if not (state.origin and state.dest):
        return None
    first = scenario_key(state.as_of, state.close, state.open, state.avoid, state.mode)
    second = None
    if state.compare is not None:
        c = state.compare
        second = scenario_key(c.as_of, c.close, c.open, c.avoid, state.mode)
    return compute_route(folder(), data, state.origin, state.dest, first, second)


def show_route(result: Mapping[str, Any], places: Mapping[str, str]) -> None:
    """Show a route's numbers: distance, km per country, crossings, roads, detour, warnings."""
    st.markdown(f"**{md(places.get(result['from'], result['from']).split(' — ')[0])} → "
                f"{md(places.get(result['to'], result['to']).split(' — ')[0])}** on {md(result.get('as_of'))}")
    if "no_route" in result:
        st.warning("No route: " + md(result["no_route"]))
        return
    a, b, c, d = st.columns(4)
    a.metric("Road distance", f"{result['distance_km']:,.0f} km")
    b.metric("Straight line", f"{result['geodesic_km']:,.0f} km")
    ratio = result.get("detour_ratio")
    c.metric("Detour", f"×{ratio:.2f}" if ratio else "—")
    d.metric("On published lengths", f"{result.get('cited_share', 0):.0%}")
    by_country = result.get("by_country_km") or {}
    if by_country:
        st.bar_chart(pd.DataFrame({"km": list(by_country.values())}, index=list(by_country.keys())),
                     horizontal=True, height=60 + 28 * len(by_country))
    crossings = result.get("crossings") or []
    if crossings:
        st.dataframe(pd.DataFrame([{
            "crossing": c.get("name"), "countries": c.get("countries"), "status": c.get("status"),
            "since": c.get("status_since"), "override": c.get("override") or "",
            "source": render.safe_url(c.get("source")),
        } for c in crossings]), hide_index=True, column_config={"source": st.column_config.LinkColumn(
            "source", display_text="source")})
    roads = result.get("roads") or []
    if roads:
        st.dataframe(pd.DataFrame([{
            "Soviet no.": r.get("soviet_ref") if isinstance(r.get("soviet_ref"), str) else "",
            "current": ", ".join(map(str, r.get("refs") or [])), "road": r.get("name"),
            "country": r.get("country"), "km": r.get("length_km"), "length": r.get("length_method"),
        } for r in roads]), hide_index=True, height=min(36 * (len(roads) + 1), 300))
    for warning in result.get("warnings") or []:
        st.caption("⚠ " + md(warning))


def route_panel(state: share.AppState, result: dict[str, Any] | None, places: Mapping[str, str],
                crossings: Mapping[str, str]) -> None:
    """Draw the route tab."""
    if not places:
        st.info("Routing needs the roads, places and crossings layers (not built yet).")
        return
    route_inputs(places, crossings)
    if result is None:
        st.caption("Choose where from and where to, or a preset.")
        return
    if "error" in result:
        st.warning(md(result["error"]))
        return
    if "route" in result:
        show_route(result["route"], places)
        return
    compare = result["compare"]
    left, right = st.columns(2)
    with left:
        show_route(compare["first"], places)
    with right:
        show_route(compare["second"], places)
    delta = compare.get("delta_km")
    added = ", ".join(compare.get("countries_added") or []) or "none"
    removed = ", ".join(compare.get("countries_removed") or []) or "none"
    st.subheader("Second scenario against the first")
    a, b, c = st.columns(3)
    a.metric("Δ distance", "—" if delta is None else f"{delta:+,.0f} km")
    b.metric("Countries added", added)
    c.metric("Countries removed", removed)
    names = {k: v for k, v in crossings.items()}
    st.caption("Crossings added: " + md(", ".join(names.get(c, c) for c in compare.get("crossings_added") or [])
                                        or "none")
               + " · removed: " + md(", ".join(names.get(c, c) for c in compare.get("crossings_removed") or [])
                                     or "none"))


def routes_of(result: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Return the route geometries to draw (one, or two for a comparison)."""
    if not result or "error" in result:
        return []
    if "route" in result:
        return [result["route"]]
    return [r for r in (result["compare"]["first"], result["compare"]["second"]) if "geometry" in r]


TRACK_TYPES = ["geojson", "json", "gpx"]


def on_track_upload(data: str) -> None:
    """Read, measure and place the uploaded track (callback: the map of this very run draws it)."""
    ss = st.session_state
    file = ss.get("track_file")
    if file is None:
        ss.pop("_track", None)
        return
    name = upload.clean_name(getattr(file, "name", ""))
    try:
        size = int(getattr(file, "size", 0) or 0)
        if size > upload.MAX_UPLOAD_BYTES:  # refused before the bytes are even read
            raise TrackError(f"{name}: file is {size:,} bytes; at most {upload.MAX_UPLOAD_BYTES:,}")
        raw = file.getvalue()
        key = upload.digest(raw)
        if (ss.get("_track") or {}).get("digest") == key:
            return
        geometry = upload.read_upload(name, raw)
        measured = tracks.measure(geometry, countries(folder(), data))
    except TrackError as exc:
        ss["_track"] = {"name": name, "error": str(exc)}
        return
    except Exception:  # never a traceback for a user's file
        LOG.exception("track %s could not be measured", name)
        ss["_track"] = {"name": name, "error": f"{name}: the track could not be measured (internal error)."}
        return
    mapping = shapely.geometry.mapping(geometry)
    ss["_track"] = {"name": name, "digest": key, "measured": measured,
                    "display": render.track_display(mapping, name, measured),
                    "geojson": upload.track_geojson(name, geometry, measured)}
    ss["map_view"] = upload.view_of(geometry)


def track_panel(data: str) -> None:
    """Upload a GeoJSON or GPX track: measure it per country, draw it, give it back as GeoJSON."""
    st.file_uploader(f"Your own track: GeoJSON or GPX, at most {upload.MAX_UPLOAD_BYTES // 1_000_000} MB",
                     type=TRACK_TYPES, key="track_file", on_change=on_track_upload, args=(data,),
                     help="A line or polygon in WGS84 longitude/latitude (GeoJSON geometry, Feature or "
                          "FeatureCollection; GPX tracks and routes). It stays in your session only.")
    track = st.session_state.get("_track")
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
        table = pd.DataFrame({"country": [render.COUNTRY_NAMES.get(k, k) for k in by_country],
                              "code": list(by_country), "km": [round(v, 1) for v in by_country.values()]})
        left, right = st.columns([2, 3])
        left.dataframe(table, hide_index=True)
        right.bar_chart(pd.DataFrame({"km": list(by_country.values())}, index=list(by_country.keys())),
                        horizontal=True, height=60 + 28 * len(by_country))
    stem = Path(track["name"]).stem or "track"
    st.download_button("Download the track as GeoJSON", data=track["geojson"], file_name=f"{stem}.geojson",
                       mime="application/geo+json", key="dl_track", on_click="ignore")


def measure_panel(drawings: Any, data: str) -> None:
    """Measure the lines and polygons drawn on the map (geodesic, per country)."""
    st.caption("Draw a line or a polygon with the tools on the map's left; lengths and areas are geodesic "
               "(WGS84), split by country with the borders layer.")
    features = [f for f in (drawings or []) if isinstance(f, Mapping) and isinstance(f.get("geometry"), Mapping)]
    if not features:
        return
    from geo.routing import measure_geojson

    rows, measured = [], []
    for number, feature in enumerate(features[:50], start=1):
        try:
            result = measure_geojson(feature["geometry"], countries(folder(), data))
        except GeoError as exc:
            st.warning(f"Drawing {number}: " + md(exc))
            continue
        measured.append(result)
        by_country = ", ".join(f"{k} {v:,.1f} km" for k, v in (result.get("by_country_km") or {}).items())
        area = f", area {result['area_km2']:,.1f} km²" if result.get("area_km2") is not None else ""
        st.markdown(f"**Drawing {number}** ({md(result.get('type'))}): {result['length_km']:,.1f} km{area} — "
                    + md(by_country))
        rows.append({"drawing": number, "type": result.get("type"), "length km": round(result["length_km"], 2),
                     "area km²": round(result["area_km2"], 1) if result.get("area_km2") is not None else None,
                     "km per country": by_country})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        kept = [f for f, _ in zip(features, measured)]
        st.session_state["_drawing"] = bundle.drawing_geojson(kept, measured)


def downloads_panel(state: share.AppState, data: str, result: dict[str, Any] | None) -> None:
    """Offer every layer (as ``geo export`` writes it), the route, the drawing and a zip of everything."""
    day, exported = state.as_of.isoformat(), today().isoformat()
    st.caption(f"Layers are RFC 7946 GeoJSON dated {day}: the same bytes as `python -m geo export LAYER "
               f"--as-of {day}`. Licences and sources are in each file's metadata and on the Sources page.")
    cols = st.columns(3)
    available = []
    for number, layer_id in enumerate(registry.ids()):
        if not (Path(folder()) / f"{layer_id}.geojson").is_file():
            continue
        available.append(layer_id)
        cols[number % 3].download_button(
            f"{layer_id}.geojson", data=_deferred(layer_id, data, day, exported), file_name=f"{layer_id}.geojson",
            mime="application/geo+json", key=f"dl_{layer_id}", on_click="ignore", use_container_width=True)
    route = bundle.route_geojson(result["route"] if "route" in result else result["compare"]) if (
        result and "error" not in result) else None
    drawing = st.session_state.get("_drawing")
    a, b, c = st.columns(3)
    if route is not None:
        a.download_button("route.geojson", data=route, file_name="route.geojson", mime="application/geo+json",
                          key="dl_route", on_click="ignore", use_container_width=True)
    if drawing is not None:
        b.download_button("drawing.geojson", data=drawing, file_name="drawing.geojson",
                          mime="application/geo+json", key="dl_drawing", on_click="ignore", use_container_width=True)
    path = folder()

    def everything() -> bytes:
        layers = {i: layer_bytes(i, path, data, day, exported) for i in available}
        return bundle.zip_all(layers, as_of=state.as_of, exported=today(), route=route, drawing=drawing,
                              folder=Path(path))

    c.download_button("Everything (.zip)", data=everything, file_name=f"central-asia-{day}.zip",
                      mime="application/zip", key="dl_zip", on_click="ignore", use_container_width=True)


def _deferred(layer_id: str, data: str, day: str, exported: str) -> Any:
    path = folder()
    return lambda: layer_bytes(layer_id, path, data, day, exported)


def map_page() -> None:
    """Draw the map page: sidebar, map and the route, measure and download panels."""
    data = version()
    places = place_options(data)
    crossings = crossing_options(data)
    init_session(data, places, crossings)
    for notice in st.session_state.get("_notices", []):
        st.warning(notice)
    state = current_state()
    _, missing = collections(state.overlays, state.as_of, data)
    with panel("sidebar"):
        sidebar(data, missing)
    state = current_state()
    st.title("Central Asia: borders, roads, pipelines and crossings")
    result = None
    with panel("route"):
        result = route_result(state, data)
    drawings = None
    with panel("map"):
        value = map_panel(state, data, routes_of(result))
        drawings = value.get("all_drawings") if isinstance(value, Mapping) else None
    tab_route, tab_measure, tab_download = st.tabs(["Route", "Measure", "Download"])
    with tab_route, panel("route"):
        route_panel(state, result, places, crossings)
    with tab_measure, panel("measure"):
        measure_panel(drawings, data)
    with tab_measure, panel("track"):
        track_panel(data)
    with tab_download, panel("download"):
        downloads_panel(current_state(), data, result)
    with panel("link"):
        write_link(current_state())


def sources_page() -> None:
    """Every dataset with licence, attribution, method and data date; the citation policy."""
    st.title("Sources and licences")
    st.markdown("Map data © [OpenStreetMap contributors](https://www.openstreetmap.org/copyright), "
                "available under the Open Database License (ODbL). Basemap tiles: © OpenStreetMap contributors; "
                "light basemap © CARTO.")
    with panel("sources"):
        for record in bundle.sources(Path(folder())):
            with st.container(border=True):
                st.subheader(f"{record['title']}")
                st.markdown(f"Layer `{md(record['id'])}` · {record['feature_count'] or 'not built'} features · "
                            f"built {md(record['built'] or '—')} · {record['cited_urls']} cited URLs")
                st.markdown(f"**Licence:** [{md(record['licence'])}]({record['licence_url']})  \n"
                            f"**Attribution:** {md(record['attribution'])}")
                st.markdown(f"**Method:** {md(record['method'])}")
                if record["notes"]:
                    st.markdown(f"**Notes:** {md(record['notes'])}")
                for upstream in record["upstream"]:
                    st.markdown(f"- {md(upstream['name'])}, {md(upstream['version'])} — {md(upstream['url'])} "
                                f"({md(upstream['licence'])})")
        st.subheader("Citation policy")
        st.markdown(md(bundle.CITATION_POLICY))


def main() -> None:
    """Run the app."""
    st.set_page_config(page_title="Central Asia infrastructure map", page_icon="🗺️", layout="wide")
    page = st.navigation([st.Page(map_page, title="Map", icon=":material/map:", default=True),
                          st.Page(sources_page, title="Sources", icon=":material/menu_book:", url_path="sources")])
    page.run()


main()
