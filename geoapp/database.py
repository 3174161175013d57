"""The app's layers from PostGIS when a database URL is set (``$GEO_DATABASE_URL``), as the command line reads them.

With a URL, every page, the map, the downloads and the route engine read the layers loaded by ``geo db load``
through one :class:`geo.db.source.DatabaseSource` installed as the layer source (:func:`geo.layers.store.use_source`),
so several app processes serve one store. The load's data version is checked at most every
:data:`RECHECK_S` seconds: a new load is picked up by the next run after it (a new source, new caches), never
mixed with the old. A database that cannot be read is named in one line, and the app goes on with the built files.
"""

from __future__ import annotations

import threading
import time

from geo.db import database_url
from geo.errors import GeoError
from geo.layers import store

DATABASE = "database"
"""What :func:`geoapp.data.folder` returns instead of a folder while the layers come from the database."""
RECHECK_S = 5.0
"""Seconds between two checks of the database's data version."""
_LOCK = threading.Lock()
_CHECKED: dict[str, float] = {}
_PROBLEM: dict[str, str] = {}


def in_use() -> bool:
    """Return whether the layers come from the database now (installing or renewing its source when due).

    False without a database URL, and when the database cannot be read (see :func:`problem`).
    """
    from geo.db.source import DatabaseSource

    url = database_url()
    current = store.source()
    if url is None:
        if isinstance(current, DatabaseSource):
            store.use_source(None)
        return False
    with _LOCK:
        now = time.monotonic()
        served = isinstance(current, DatabaseSource) and current.url == url
        if now - _CHECKED.get(url, -RECHECK_S) < RECHECK_S:  # checked a moment ago (or failed a moment ago)
            return served
        _CHECKED[url] = now
        try:
            fresh = DatabaseSource(url)
        except GeoError as exc:
            _PROBLEM[url] = str(exc.message)
            if isinstance(current, DatabaseSource):
                store.use_source(None)
            return False
        _PROBLEM.pop(url, None)
        if not (served and isinstance(current, DatabaseSource) and current.version() == fresh.version()):
            store.use_source(fresh)
        return True


def problem() -> str | None:
    """Return why the database named by the URL is not read (one line), or None."""
    url = database_url()
    return _PROBLEM.get(url) if url else None
