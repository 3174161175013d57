"""Cached data: every cache key is a string or a tuple of strings (layer id, data version, band, epoch).

Display layers are prepared once per data version and zoom band (dated overlays once per status epoch, not
per day or per session) and shared by every session; :func:`warm` prepares all of them (and publishes them
for the browser, :mod:`geoapp.frontend`) when the server starts (:mod:`geoapp.server`), or in the background
after a page when the data version changed since.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from geo import i18n
from geo import map as geomap
from geo.errors import GeoError
from geo.i18n import SOURCE, languages, translator
from geo.io.geojson import write_atomic
from geo.layers import registry
from geo.map import registry as map_registry
from geo.map.geometry import BANDS
from geo.map.prepare import Prepared, dated_frames, prepare, status_epoch
from geo.map.registry import OVERLAYS
from geo.map.spec import OverlaySpec, View
from geo.paths import cache_dir, layers_dir
from geoapp import database, guard

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.layers.entry_rules import EntryRules
    from geo.measure import CountryIndex
    from geo.routing import RouteEngine
    from geo.routing.graph import Trip

LOG = logging.getLogger("geoapp.data")


def folder() -> str:
    """Return the layers folder (``$GEO_LAYERS_DIR`` or the default), or :data:`~geoapp.database.DATABASE`.

    The latter while a database URL is set and its store can be read (:mod:`geoapp.database`).
    """
    return database.DATABASE if database.in_use() else str(layers_dir())


def where(path: str) -> Path | None:
    """Return the folder to read layers from, or None for the layer source in use (the database)."""
    return None if path == database.DATABASE else Path(path)


def version() -> str:
    """Return the data version: changes as soon as a layer file (or the database's load) changes."""
    from geo.layers import store

    if folder() == database.DATABASE:
        return "db-" + store.data_version(None)
    stamp = []
    for layer_id in registry.ids():
        path = store.layer_path(layer_id, Path(folder()))
        try:
            info = path.stat()
            stamp.append(f"{layer_id}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            stamp.append(f"{layer_id}:missing")
    return _version(folder(), "|".join(stamp))


@st.cache_data(show_spinner=False, max_entries=8)
def _version(path: str, stamp: str) -> str:
    from geo.layers import store

    return store.data_version(where(path))


@st.cache_resource(show_spinner=False, max_entries=24)
def layer(layer_id: str, path: str, data_version: str) -> gpd.GeoDataFrame:
    """Return a layer's GeoDataFrame (shared: never changed in place)."""
    from geo.layers import store

    frame, _ = store.read_layer(layer_id, where(path))
    return frame


@st.cache_data(show_spinner=False, max_entries=256)
def epoch(overlay_id: str, path: str, data_version: str, day: str) -> str:
    """Return the status epoch of a dated overlay on a day ("" for undated overlays)."""
    spec = map_registry.get(overlay_id)
    if not spec.dated:
        return ""
    histories: list[Any] = []
    for layer_id in spec.layers:
        frame = layer(layer_id, path, data_version)
        if "status_history" in frame.columns:
            histories.extend(frame["status_history"])
    return status_epoch(histories, dt.date.fromisoformat(day))


@functools.cache
def code_version() -> str:
    """Return a digest of the map package's Python sources and the interface catalogs (prepared overlays use them)."""
    digest = hashlib.sha256()
    root = Path(geomap.__file__).parent
    words = Path(i18n.__file__).parent
    for source in [*sorted(root.rglob("*.py")), Path(i18n.__file__), *sorted((words / "locale").rglob("*.po"))]:
        digest.update(source.relative_to(words).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:12]


def _cache_file(overlay_id: str, data_version: str, band: int, status_epoch: str, lang: str = SOURCE) -> Path:
    name = f"{overlay_id}-{band}-{status_epoch or 'all'}" + ("" if lang == SOURCE else f"-{lang}")
    return cache_dir() / "display" / f"{data_version}-{code_version()}" / f"{name}.json"


def _read_cached(spec: OverlaySpec, file: Path) -> Prepared | None:
    try:
        stored = json.loads(file.read_text(encoding="utf-8"))
        group, used = stored["group"], stored["used"]
        if group is not None and not (isinstance(group, dict) and all(isinstance(group.get(k), str)
                                                                       for k in ("id", "key", "json"))):
            return None
        return Prepared(spec, group, frozenset(str(k) for k in used))
    except (OSError, ValueError, KeyError, TypeError):
        return None


KEEP_VERSIONS = 4
"""Display caches of older data or code versions beyond the newest few are removed."""


def _prune(folder: Path) -> None:
    """Remove all but the :data:`KEEP_VERSIONS` most recently written version folders of the display cache."""
    try:
        versions = sorted((p for p in folder.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in versions[KEEP_VERSIONS:]:
            for child in old.iterdir():
                child.unlink()
            old.rmdir()
    except OSError:  # another server is pruning too, or the folder is not ours to clean
        return


def _write_cached(prepared_overlay: Prepared, file: Path) -> None:
    try:
        if not file.parent.is_dir():
            file.parent.mkdir(parents=True, exist_ok=True)
            _prune(file.parent.parent)
        write_atomic(file, json.dumps({"group": prepared_overlay.group, "used": sorted(prepared_overlay.used)}
                                      ).encode("utf-8"))
    except (OSError, GeoError):  # a read-only or full cache folder only costs speed
        LOG.warning("could not write the display cache %s", file)


@st.cache_resource(show_spinner=False, max_entries=96)
def prepared(overlay_id: str, path: str, data_version: str, band: int, status_epoch: str, lang: str = SOURCE
             ) -> Prepared:
    """Return an overlay prepared for a zoom band (dated overlays: on their status epoch) in a language.

    Prepared once per data version, map code version, band and epoch, and kept in memory and in the cache
    folder (``geo.paths.cache_dir()/display``), so a restarted server does not prepare it again.

    Raises
    ------
    GeoError
        One of its layers cannot be read (callers leave the overlay out and name the layer).
    """
    spec = map_registry.get(overlay_id)
    file = _cache_file(overlay_id, data_version, band, status_epoch, lang)
    cached = _read_cached(spec, file)
    if cached is not None:
        return cached
    day = dt.date.fromisoformat(status_epoch) if status_epoch else dt.date.min
    frames = dated_frames(spec, lambda layer_id: layer(layer_id, path, data_version), day)
    result = prepare(spec, frames, BANDS[band], translator(lang))
    _write_cached(result, file)
    return result


def overlays(shown: frozenset[str], day: dt.date, data_version: str, band: int, lang: str = SOURCE
             ) -> tuple[list[Prepared], list[str]]:
    """Return the shown overlays prepared for a band, day and language, and the ids of unreadable layers."""
    found: list[Prepared] = []
    missing: list[str] = []
    for spec in OVERLAYS:
        if spec.id not in shown:
            continue
        try:
            status_epoch = epoch(spec.id, folder(), data_version, day.isoformat())
            found.append(prepared(spec.id, folder(), data_version, band, status_epoch, lang))
        except GeoError:
            missing.extend(_unreadable(spec))
        except Exception:  # malformed data in a built file: draw the rest of the map without it
            LOG.exception("overlay %s could not be displayed", spec.id)
            missing.extend(_unreadable(spec))
    return found, missing


def absent() -> list[str]:
    """Return the ids of the layers whose built file is missing or unreadable.

    A stat each, and a read through the cache of :func:`layer` (free once read; a broken file is read again on
    each run until it is rebuilt).
    """
    from geo.layers import store

    path, data_version = folder(), version()
    missing = []
    for layer_id in registry.ids():
        if path != database.DATABASE and not store.layer_path(layer_id, Path(path)).is_file():
            missing.append(layer_id)
            continue
        try:
            layer(layer_id, path, data_version)
        except GeoError:
            missing.append(layer_id)
    return missing


def _unreadable(spec: OverlaySpec) -> list[str]:
    bad = []
    for layer_id in spec.layers:
        try:
            layer(layer_id, folder(), version())
        except GeoError:
            bad.append(layer_id)
    return bad or list(spec.layers)


@st.cache_resource(show_spinner=False, max_entries=4)
def engine(path: str, data_version: str) -> RouteEngine:
    """Return the route engine of a data version."""
    from geo.routing import RouteEngine

    return RouteEngine.load(where(path))


@st.cache_resource(show_spinner=False, max_entries=4)
def entry_rules(path: str, data_version: str) -> EntryRules:
    """Return the travel-document rules the route engine reads (``entry_rules.csv`` beside its speeds)."""
    from geo.layers import entry_rules as rules
    from geo.routing.graph import speeds_folder

    return rules.load_optional(speeds_folder(where(path)) / rules.FILE)


@st.cache_resource(show_spinner=False, max_entries=4)
def countries(path: str, data_version: str) -> CountryIndex:
    """Return the country index used to split measurements by country."""
    from geo.layers.build import country_index

    return country_index(layer("borders", path, data_version))


@st.cache_data(show_spinner=False, max_entries=8)
def place_options(path: str, data_version: str, lang: str = SOURCE) -> dict[str, str]:
    """Return place id → label with aliases (type-to-search matches any of them), names in the language's script."""
    try:
        frame = layer("places", path, data_version)
    except GeoError:
        return {}
    tr = translator(lang)
    labels = {}
    for row in frame.itertuples(index=False):
        name = tr.name(row.name, row.aliases)
        aliases = [a for a in dict.fromkeys([row.name, *(row.aliases or [])]) if a and a != name]
        kind = f", {tr.word(row.kind)}" if row.kind in ("crossing", "pass", "junction") else ""
        labels[row.id] = f"{name} ({row.country}{kind})" + (f" — {', '.join(aliases)}" if aliases else "")
    return dict(sorted(labels.items(), key=lambda kv: kv[1].lower()))


@st.cache_data(show_spinner=False, max_entries=8)
def crossing_options(path: str, data_version: str, lang: str = SOURCE) -> dict[str, str]:
    """Return crossing id → label (the name in the language's script where the data has one)."""
    try:
        frame = layer("crossings", path, data_version)
    except GeoError:
        return {}
    tr = translator(lang)
    return dict(sorted(((r.id, f"{tr.name(r.name, r.names)} ({r.countries})") for r in frame.itertuples(index=False)),
                       key=lambda kv: kv[1].lower()))


@st.cache_data(show_spinner=False, max_entries=64)
def layer_bytes(layer_id: str, path: str, data_version: str, day: str, exported: str) -> bytes:
    """Return a layer file exactly as ``geo export`` writes it for ``day``."""
    from geo.io import bundle

    return bundle.export_layer(layer_id, dt.date.fromisoformat(day), exported=dt.date.fromisoformat(exported),
                               folder=where(path))


def settle() -> None:
    """Move everything alive now (modules, layers, prepared overlays, the route engine) out of the collector's view.

    Streamlit runs a full garbage collection after every script run (``runner.postScriptGC``); with the layers
    and the route engine in memory that costs about 0.1 s of CPU per run, so per visitor. Frozen objects are
    not scanned (they are long-lived caches); what sessions create afterwards is still collected.
    """
    gc.collect()
    gc.freeze()


_WARMED: set[str] = set()
_WARM_LOCK = threading.Lock()


WARM_AFTER_S = 3.0
"""Warming starts this long after the first page was sent: the first visitor's map is drawn meanwhile
(warming holds the interpreter lock and would slow the server's replies)."""


def warm(data_version: str, day: dt.date, *, after: float = WARM_AFTER_S, measuring: bool = False,
         wait: bool = False) -> None:
    """Prepare, in a background thread started ``after`` seconds from now, what visitors and routes will need.

    Every band of every overlay in every interface language (from the display cache when it has them, published
    for the browser), the place lists and the route engine, once per data version and process; with
    ``measuring``, also the country index that measurements need (it reads the full borders layer: seconds of
    CPU, so only when no visitor is waiting, at server start). With ``wait``, now and in this thread (the
    server's start-up, :func:`geoapp.server.lifespan`). Then the long-lived objects are frozen out of the
    collector (:func:`settle`).
    """
    with _WARM_LOCK:
        if data_version in _WARMED:
            return
        _WARMED.add(data_version)
    path = folder()

    def run() -> None:
        from geoapp import frontend

        try:
            for lang in languages():
                place_options(path, data_version, lang)
                crossing_options(path, data_version, lang)
                for band in BANDS:
                    for spec in OVERLAYS:
                        frontend.publish(prepared(spec.id, path, data_version, band.number,
                                                   epoch(spec.id, path, data_version, day.isoformat()), lang).group)
            engine(path, data_version)
            if measuring:
                countries(path, data_version)
        except Exception:  # warming is an optimisation: the pages prepare what they need themselves
            LOG.exception("warming the caches failed")
        settle()

    if wait:
        run()
        return
    timer = threading.Timer(after, run)
    timer.name, timer.daemon = "geoapp-warm", True
    timer.start()


@st.cache_data(show_spinner=False, max_entries=128)
def layer_file(layer_id: str, fmt: str, path: str, data_version: str, day: str, exported: str) -> bytes:
    """Return a layer in one of ``geo.io.formats.FORMATS``: the bytes ``geo export LAYER --format FMT`` writes.

    Cached per layer, format, data version, day and export date, shared by every session.
    """
    if fmt == "geojson":
        return layer_bytes(layer_id, path, data_version, day, exported)
    from geo.io import formats
    from geo.layers import store

    frame, metadata = store.read_layer(layer_id, where(path))
    as_of = dt.date.fromisoformat(day)
    return formats.layer_bytes(store.redate(frame, as_of), layer_id, fmt, sources=metadata.get("sources", []),
                               as_of=as_of, exported=dt.date.fromisoformat(exported))


@st.cache_data(show_spinner=False, max_entries=16)
def history_file(layer_id: str, path: str, data_version: str, day: str) -> bytes:
    """Return a layer's status history as CSV, one row per dated fact (``geo export … --history``)."""
    from geo.io import formats
    from geo.layers import store

    frame, _ = store.read_layer(layer_id, where(path))
    return formats.history_csv_bytes(store.redate(frame, dt.date.fromisoformat(day)))


"""A route scenario as plain values: from, to, closed, opened, avoided countries, mode."""


@st.cache_data(show_spinner=False, max_entries=12)
def figure_images(path: str, data_version: str, bbox: tuple[float, float, float, float], layers: tuple[str, ...],
                  day: str, route: Trip | None) -> dict[str, bytes]:
    """Return the report figure of a view as PNG and PDF bytes (drawn once; seconds of CPU, so on demand).

    Cached per extent, layers, day and the shown route's trip (ends, via places, whole scenario), shared by every
    session: the figure draws the route the page shows. Drawn in a child process within
    :data:`geoapp.guard.FIGURE` (time and memory); a failure is not cached.

    Raises
    ------
    GeoError
        The extent shows none of the data, or the route is cut on that day.
    """
    return guard.run(guard.FIGURE, draw_figure, where(path), engine(path, data_version) if route is not None else None,
                     bbox, layers, dt.date.fromisoformat(day), route)


def draw_figure(folder: Path | None, routes: RouteEngine | None, bbox: tuple[float, float, float, float],
                layers: tuple[str, ...], as_of: dt.date, route: Trip | None) -> dict[str, bytes]:
    """Draw the report figure as PNG and PDF bytes (in a guarded child: see :func:`figure_images`)."""
    from geo import figure
    from geo.figure.model import FigureRequest
    from geo.figure.text import attribution_line

    request = FigureRequest(Path("view.png"), as_of, layers, bbox)
    drawn = figure.load(request, folder)
    if route is not None and routes is not None:
        figure.add_route(drawn, routes, route)
    fig = figure.draw(request, drawn)
    attribution = attribution_line(drawn.attributions)
    return {fmt: figure.image_bytes(fig, fmt, attribution) for fmt in ("png", "pdf")}


@st.cache_data(show_spinner=False, max_entries=12)
def map_html(path: str, data_version: str, overlays: tuple[str, ...], day: str, view: tuple[float, float, int],
             basemap: str, routes: tuple[Any, ...] = ()) -> bytes:
    """Return the interactive map (folium HTML) of some overlays on a day, opening at a view, with the routes.

    Cached per overlays, day, view, basemap and routes, shared by every session.
    """
    from geo.map.html_export import map_html as page

    html = page(lambda layer_id: layer(layer_id, path, data_version), overlays, as_of=dt.date.fromisoformat(day),
                view=View(*view), basemap=basemap, routes=list(routes))
    return html.encode("utf-8")
