"""The PostGIS store: connections, and the names every module of ``geo.db`` shares.

Layout
------
``__init__``  connecting (one-line errors), the schema names, the extensions
``load``      ``geo db load|status|drop``: every layer and curated table into a fresh schema, switched in atomically
``source``    reading the layers back (:class:`geo.layers.store.LayerSource` over a loaded schema)
``pgrouting`` routing inside the database (routes, alternatives, matrices): a scenario becomes the edge query
``osm``       ``geo db import-osm``: a full OpenStreetMap road network as a pgRouting topology (schema ``geo_osm``),
              matched to the curated crossings
``coords``    routes between any two points on the imported network (``geo route --from-coords``)
``bench``     ``geo bench --db``

A database is named by a libpq URL (``postgresql://user@host:port/db``, or ``postgresql:///db?host=/socket/dir``),
given as ``--db`` or in the environment variable :data:`URL_ENV`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from geo.errors import UsageError
from geo.vocab import shorten

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql

URL_ENV = "GEO_DATABASE_URL"
"""The environment variable holding the database URL."""
SCHEMA = "geo"
"""The schema the loaded data is served from."""
STAGING = "geo_staging"
"""The schema a load is written into before it is switched in."""
RETIRED = "geo_retired"
"""The name the served schema takes for the instant of the switch (dropped in the same transaction)."""
EXTENSIONS = ("postgis", "pgrouting")
"""The extensions the store needs (PostGIS for geometry, pgRouting for ``--engine pgrouting``)."""
DEBIAN_PACKAGE = {"postgis": "postgresql-NN-postgis-3", "pgrouting": "postgresql-NN-pgrouting"}
"""The Debian package that provides each extension (NN: the server's major version)."""
CONNECT_TIMEOUT_S = 5


def database_url(explicit: str | None = None) -> str | None:
    """Return the database URL: ``explicit`` (``--db``), else :data:`URL_ENV`, else None."""
    url = explicit if explicit is not None else os.environ.get(URL_ENV)
    return url.strip() if url and url.strip() else None


def require_url(explicit: str | None = None) -> str:
    """Return the database URL, or raise a one-line :class:`UsageError` naming both ways to give one."""
    url = database_url(explicit)
    if url is None:
        raise UsageError(f"no database: give --db URL or set {URL_ENV} (e.g. postgresql://user@localhost/geo)")
    return url


def safe_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***`` (for messages)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def connect(url: str, autocommit: bool = False) -> psycopg.Connection[tuple[object, ...]]:
    """Open a connection, or raise a one-line :class:`UsageError` (bad URL, unreachable server, refused login).

    Raises
    ------
    UsageError
        The URL is malformed, or the server cannot be reached or refuses the connection.
    """
    import psycopg

    if not re.match(r"^(postgres(ql)?://|\w+=)", url):
        raise UsageError(f"database URL {shorten(safe_url(url), 80)!r}: not a libpq URL "
                         "(postgresql://user@host:port/database)")
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="geo")
    except psycopg.ProgrammingError as exc:  # a malformed URL
        raise UsageError(f"database URL {shorten(safe_url(url), 80)!r}: {_first_line(exc)}") from None
    except psycopg.OperationalError as exc:  # unreachable server, refused login, no such database
        raise UsageError(f"cannot connect to {shorten(safe_url(url), 80)}: {_first_line(exc)}") from None


IDLE_PER_URL = 4
"""Warm connections kept per database for :func:`borrowed` (a route from coordinates opens none of its own)."""
_idle: dict[str, list[psycopg.Connection[tuple[object, ...]]]] = {}
_idle_lock = threading.Lock()
_inherited: list[object] = []
"""A forked child's copies of the parent's idle connections: kept referenced, never used or closed (closing one
would end the parent's session on the shared socket)."""


def _forget_idle_in_child() -> None:
    _inherited.append(dict(_idle))
    _idle.clear()


os.register_at_fork(after_in_child=_forget_idle_in_child)


@contextmanager
def borrowed(url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """Yield an autocommit connection to ``url``: an idle one a previous call gave back, or a new one.

    A warm server backend saves the connection and PostGIS's first use in a backend (together about 15 ms of a
    10 ms route). The connection goes back to the idle list when it is usable (not closed, no transaction open);
    at most :data:`IDLE_PER_URL` are kept, the rest closed. Safe across threads: each caller has the connection
    to itself.

    Raises
    ------
    UsageError
        A new connection cannot be opened (see :func:`connect`).
    """
    from psycopg.pq import TransactionStatus

    with _idle_lock:
        idle = _idle.get(url)
        conn = idle.pop() if idle else None
    if conn is None or conn.closed or conn.broken:
        conn = connect(url, autocommit=True)
    try:
        yield conn
    finally:
        reusable = not conn.closed and not conn.broken and conn.info.transaction_status == TransactionStatus.IDLE
        with _idle_lock:
            kept = _idle.setdefault(url, [])
            if reusable and len(kept) < IDLE_PER_URL:
                kept.append(conn)
                conn = None
        if conn is not None:
            conn.close()


def require_extensions(conn: psycopg.Connection[tuple[object, ...]], names: tuple[str, ...] = EXTENSIONS) -> None:
    """Create the extensions the store needs where they are missing, or raise a one-line :class:`UsageError`.

    Raises
    ------
    UsageError
        An extension is not installed on the server (the message names the Debian package), or the user may
        not create it.
    """
    import psycopg
    from psycopg import sql

    for name in names:
        row = conn.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (name,)).fetchone()
        if row is not None:
            continue
        available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)).fetchone()
        if available is None:
            conn.rollback()
            raise UsageError(f"the database server has no {name} extension: install {DEBIAN_PACKAGE.get(name, name)} "
                             "on the server (Debian), then retry")
        try:
            with conn.transaction():
                conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise UsageError(f"cannot create extension {name}: {_first_line(exc)} (ask the database owner to run "
                             f"CREATE EXTENSION {name})") from None


def drop_schemas(url: str, lock: int, served: str, others: tuple[str, ...]) -> bool:
    """Drop a served schema and its staging or retired copies under a load's lock; return whether it was served.

    Raises
    ------
    UsageError
        The database cannot be reached.
    """
    with connect(url) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
        existed = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (served,)).fetchone() is not None
        for schema in (served, *others):
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return existed


def schema_sql(query: str) -> sql.Composed:
    """Return ``query`` with each ``{}`` replaced by the served schema's name, composed as SQL (quoted identifier).

    >>> schema_sql("SELECT 1 FROM {}.layers").as_string(None)
    'SELECT 1 FROM "geo".layers'
    """
    from psycopg import sql

    return sql.SQL(query).format(*[sql.Identifier(SCHEMA)] * query.count("{}"))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return shorten(text[0] if text else type(exc).__name__, 200)


def first_line(exc: BaseException) -> str:
    """Return the first line of an exception's message, shortened (for one-line errors)."""
    return _first_line(exc)
