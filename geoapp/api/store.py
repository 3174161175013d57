"""What the API answers from: the built layers, re-dated and serialised once per data version and date.

Nothing here uses Streamlit's caches (the API runs outside script runs): small ``functools.lru_cache`` tables
keyed by the data version (the built files' sizes and modification times), the date and the format, so a rebuilt
layer is read again on the next request and every answer is the bytes ``geo export`` writes for that day.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import shapely
from starlette.concurrency import run_in_threadpool

from geo.io import formats
from geo.io.geojson import feature_collection, to_json
from geo.layers import build, registry, store
from geo.paths import layers_dir
from geo.routing import RouteEngine
from geo.routing.graph import Scenario, Trip
from geo.routing.results import Route

LOG = logging.getLogger("geoapp.api")
ROUTE_CACHE = 512
"""Route answers kept (each a few to a few hundred kB)."""
STAMP_SECONDS = 1.0
"""How long a data version is trusted before the layer files are looked at again."""
V = TypeVar("V")


class Memo(Generic[V]):
    """A bounded least-recently-used table of a function's results that can be read without computing.

    The server reads it on the event loop (:meth:`peek`) and computes a miss in a worker thread (a call), so an
    answer already made costs no thread switch.
    """

    def __init__(self, function: Callable[..., V], size: int) -> None:
        self.function, self.size = function, size
        self.table: OrderedDict[tuple[Hashable, ...], V] = OrderedDict()
        self.lock = threading.Lock()

    def peek(self, *args: Hashable) -> V | None:
        """Return the stored result for these arguments, or ``None``."""
        with self.lock:
            found = self.table.get(args)
            if found is not None:
                self.table.move_to_end(args)
            return found

    def __call__(self, *args: Hashable) -> V:
        """Return the result for these arguments, computing and storing it if needed."""
        found = self.peek(*args)
        if found is not None:
            return found
        value = self.function(*args)
        with self.lock:
            self.table[args] = value
            while len(self.table) > self.size:
                self.table.popitem(last=False)
        return value


async def answer(memo: Memo[V], *args: Hashable) -> V:
    """Return a stored result at once, or compute it in a worker thread."""
    found = memo.peek(*args)
    return found if found is not None else await run_in_threadpool(memo, *args)


_stamp: tuple[float, str] = (0.0, "")


def version() -> str:
    """Return a cheap stamp of the built layers (looked at once a second): changes when a layer is rewritten."""
    global _stamp
    now = time.monotonic()
    if now - _stamp[0] < STAMP_SECONDS:
        return _stamp[1]
    _stamp = (now, _version())
    return _stamp[1]


def _version() -> str:
    parts = []
    for spec in registry.LAYERS:
        try:
            info = store.layer_path(spec.id).stat()
        except OSError:
            parts.append(f"{spec.id}:-")
            continue
        parts.append(f"{spec.id}:{info.st_size}:{info.st_mtime_ns}")
    return f"{layers_dir()}|" + "|".join(parts)


@functools.lru_cache(maxsize=2)
def engine(data: str) -> RouteEngine:
    """Return the route engine of one data version."""
    del data  # the cache key
    return RouteEngine.load()


def point_feature(data: str, start: tuple[float, float], end: tuple[float, float], scenario: Scenario) -> bytes:
    """Return the route between two points on the database's imported network as a GeoJSON Feature.

    Its properties are ``geo route --from-coords … --json``'s (geometry apart). Not kept: a new import changes it.

    Raises
    ------
    NotFound
        The server has no database, or its database no imported network.
    """
    from geo.db import database_url
    from geo.db.coords import network_served, route_points
    from geoapp.api.http import NotFound

    url = database_url()
    if url is None or not network_served(url):
        raise NotFound("routes between points need a road network imported into the server's database "
                           "(GEO_DATABASE_URL, `geo db import-osm`): none is available here")
    record = route_points(url, start, end, scenario, graph=engine(data).graph).to_dict()
    geometry = record.pop("geometry")
    return to_json({"type": "Feature", "properties": record, "geometry": geometry}).encode("utf-8")


def _route_feature(data: str, trip: Trip, alternatives: int) -> bytes:
    """Return a route as a GeoJSON Feature whose properties are ``geo route --json``'s (geometry apart).

    The same Feature ``geo route --geojson`` writes. A route record is plain JSON data keyed by text, so it is
    encoded as it is (the bytes :func:`~geo.io.geojson.to_json` writes, without its walk over every value), and
    the line's text is kept per line: routes on other dates or scenarios often take the same roads.
    """
    route = engine(data).trip(trip, alternatives=alternatives)
    try:
        properties = json.dumps(route.to_dict(geometry=False), ensure_ascii=False, allow_nan=False)
        line = _line_text(route.geometry.wkb, route)
    except (TypeError, ValueError):  # a value JSON does not take as it is (a date, a NaN…): the strict encoder
        result = route.to_dict()
        feature = {"type": "Feature", "properties": {k: v for k, v in result.items() if k != "geometry"},
                   "geometry": result["geometry"]}
        return to_json(feature).encode("utf-8")
    return f'{{"type": "Feature", "properties": {properties}, "geometry": {line}}}'.encode()


_lines: OrderedDict[bytes, str] = OrderedDict()
_lines_lock = threading.Lock()


def _line_text(key: bytes, route: Route) -> str:
    """Return the JSON text of a route's line, kept by the line's WKB for the last :data:`ROUTE_CACHE` lines."""
    with _lines_lock:
        found = _lines.get(key)
        if found is not None:
            _lines.move_to_end(key)
            return found
    text = json.dumps(route.line(), ensure_ascii=False, allow_nan=False)
    with _lines_lock:
        _lines[key] = text
        while len(_lines) > ROUTE_CACHE:
            _lines.popitem(last=False)
    return text


@functools.lru_cache(maxsize=12)
def _layer(data: str, layer_id: str) -> tuple[Any, dict[str, Any]]:
    del data
    return store.read_layer(layer_id)


@functools.lru_cache(maxsize=24)
def export_bytes(data: str, layer_id: str, as_of: dt.date, fmt: str, exported: dt.date) -> bytes:
    """Return the bytes ``geo export LAYER --as-of AS_OF --format FMT`` writes on ``exported``."""
    frame, metadata = _layer(data, layer_id)
    frame = store.redate(frame, as_of)
    if fmt == "geojson":
        return build.encode(layer_id, frame, as_of=as_of, exported=exported)
    return formats.layer_bytes(frame, layer_id, fmt, sources=metadata.get("sources", []), as_of=as_of,
                               exported=exported)


@dataclass(frozen=True)
class Collection:
    """A layer ready for OGC API paging: each feature serialised once, and the features' bounds.

    Attributes
    ----------
    ids
        Feature ids in file order.
    features
        Each feature as compact JSON (the object ``geo export`` writes for it).
    bounds
        An (n, 4) array of the features' bounds (west, south, east, north).
    geometries
        The features' geometries (for the exact ``bbox`` test).
    extent
        The layer's bounds.
    """

    ids: tuple[str, ...]
    features: tuple[str, ...]
    bounds: np.ndarray[Any, np.dtype[np.float64]]
    geometries: np.ndarray[Any, np.dtype[np.object_]]
    extent: tuple[float, float, float, float]

    def select(self, parts: list[tuple[float, float, float, float]] | None) -> list[int]:
        """Return the positions of the features whose geometry meets any of the boxes (all when ``None``)."""
        if parts is None:
            return list(range(len(self.ids)))
        chosen = np.zeros(len(self.ids), dtype=bool)
        for west, south, east, north in parts:
            near = ((self.bounds[:, 0] <= east) & (self.bounds[:, 2] >= west)
                    & (self.bounds[:, 1] <= north) & (self.bounds[:, 3] >= south))
            if near.any():
                box = shapely.box(west, south, east, north)
                near[near] = shapely.intersects(self.geometries[near], box)
            chosen |= near
        return [int(i) for i in np.flatnonzero(chosen)]


def _collection(data: str, layer_id: str, as_of: dt.date, exported: dt.date) -> Collection:
    """Return a layer's features re-dated to ``as_of``, as ``geo export`` writes them."""
    frame, metadata = _layer(data, layer_id)
    frame = store.redate(frame, as_of)
    spec = registry.get(layer_id)
    ordered = frame[[*spec.properties, "geometry"]]
    encoded = feature_collection(ordered, build.layer_metadata(layer_id, frame, as_of=as_of, exported=exported))
    features = tuple(json.dumps(f, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
                     for f in encoded["features"])
    geometries = np.asarray(frame.geometry.values, dtype=object)
    bounds = shapely.bounds(geometries) if len(frame) else np.zeros((0, 4))
    extent = tuple(float(v) for v in frame.total_bounds) if len(frame) else (-180.0, -90.0, 180.0, 90.0)
    return Collection(tuple(str(i) for i in frame["id"]), features, np.asarray(bounds, dtype=float), geometries,
                      (extent[0], extent[1], extent[2], extent[3]))


@functools.lru_cache(maxsize=12)
def extent(data: str, layer_id: str) -> tuple[float, float, float, float]:
    """Return a layer's bounds (west, south, east, north); the whole world for an empty layer."""
    frame, _ = _layer(data, layer_id)
    if not len(frame):
        return (-180.0, -90.0, 180.0, 90.0)
    west, south, east, north = (float(v) for v in frame.total_bounds)
    return (west, south, east, north)


route_feature = Memo(_route_feature, ROUTE_CACHE)
"""Routes by (data version, trip, alternatives)."""
collection = Memo(_collection, 24)
"""Collections by (data version, layer, as-of date, export date)."""


def layer_rows(data: str) -> list[dict[str, Any]]:
    """Return what ``geo layers --json`` lists: each layer's id, title, counts, licence and sources."""
    from geo.cli.layers import layer_rows as rows

    del data
    return rows()


WARM_PAIR = ("dushanbe", "almaty")
"""A route computed at start-up (its answer is kept; the code paths of every later route are warm)."""


def warm(day: dt.date | None = None, *, wait: bool = False) -> threading.Thread | None:
    """Prepare what the API's first requests would otherwise wait for, in a background thread.

    The data version, the route engine and one route, every layer's collection on ``day`` (today: what
    ``/ogc/collections/{id}/items`` pages without a ``datetime``) and each layer's extent.
    Returns the started thread (None with ``wait``: done in this thread).
    """
    def run() -> None:
        try:
            today = day or dt.date.today()
            data = version()
            engine(data)
            try:
                route_feature(data, Trip(*WARM_PAIR, Scenario(as_of=today)), 0)
            except Exception as exc:  # routing data without these places: the engine is still loaded
                LOG.info("warming: no route %s → %s (%s)", *WARM_PAIR, exc)
            for spec in registry.LAYERS:
                try:
                    collection(data, spec.id, today, today)
                    extent(data, spec.id)
                except Exception as exc:  # a layer missing or unreadable: its requests answer as before
                    LOG.info("warming: layer %s not prepared (%s)", spec.id, exc)
        except Exception:  # warming is an optimisation: requests prepare what they need themselves
            LOG.exception("warming the API's caches failed")

    if wait:
        run()
        return None
    thread = threading.Thread(target=run, name="geoapp-api-warm", daemon=True)
    thread.start()
    return thread
