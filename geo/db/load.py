"""``geo db load|status|drop``: the built layers and the curated tables in a PostGIS schema.

A load writes everything into :data:`geo.db.STAGING`, then renames the served schema away, the staging schema to
:data:`geo.db.SCHEMA`, and drops the old one, all in one transaction: readers see the previous data until the
commit and the new data after it, never a half-loaded schema. A load that fails or is killed (client or server)
rolls back whole and leaves the previous data served.

Tables (in schema ``geo``):

- one per layer (``borders``, ``boundaries``, ``roads``, ``places``, ``pipelines``, ``crossings``): one column per
  property (lists and objects as ``json``, which keeps their text exactly), ``geom geometry(<type>, 4326)`` with a
  GiST index, ``id`` the primary key, ``fid`` the order of the built file; licence and attribution in the table's
  comment; ``roads.from_place``/``to_place`` reference ``places``;
- ``layers``: each layer's title, licence, attribution and the metadata of its file;
- ``crossing_status`` and ``pipeline_status`` (the dated status history), ``border_times``: one row per entry,
  referencing their crossing or pipeline;
- ``road_speeds`` and ``entry_rules``: the curated tables; ``curated_files`` keeps their text, from which the route
  engine reads them exactly as from the files;
- ``route_nodes`` and ``route_edges``: the route engine's directed graph for pgRouting (see ``geo.db.pgrouting``);
- ``load_info``: when, from where and which data version.

Functions: ``crossings_on(day date)`` and ``pipelines_on(day date)``: every crossing (pipeline) with its status,
the date of that status, its note and source on ``day``, and its geometry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo import __version__
from geo.db import RETIRED, SCHEMA, STAGING, connect, drop_schemas, first_line, require_extensions, schema_sql
from geo.errors import DataError, Problem, UsageError
from geo.layers import entry_rules, registry, store
from geo.routing import speeds as speed_table

if TYPE_CHECKING:
    import psycopg

CURATED_FILES = ("road_speeds.csv", entry_rules.FILE)
"""The curated tables the route engine reads, loaded as tables and kept as text."""
LOCK_KEY = 7_421_001
"""The advisory lock that serialises loads into one database."""


@dataclass(frozen=True)
class Column:
    """A layer property's column: its name and SQL type."""

    name: str
    sql_type: str


def column_type(values: Sequence[Any]) -> str:
    """Return the SQL type that keeps a property's values exactly.

    >>> column_type(["a", None]), column_type([1, 2]), column_type([1.5, None]), column_type([1, 1.5])
    ('text', 'bigint', 'double precision', 'json')
    >>> column_type([True]), column_type([["x"]]), column_type([None])
    ('boolean', 'json', 'text')
    """
    kinds = {type(v) for v in values if v is not None}
    if not kinds or kinds == {str}:
        return "text"
    if kinds == {bool}:
        return "boolean"
    if kinds == {int}:
        return "bigint"
    if kinds == {float} and all(math.isfinite(v) for v in values if v is not None):
        return "double precision"
    return "json"  # lists, objects, mixed numbers: json keeps the text (and so int versus float) exactly


def _cell(value: Any, sql_type: str) -> Any:
    if value is None:
        return None
    if sql_type == "json":
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    return value


def _source_folder(folder: Path | None) -> Path:
    from geo.routing.graph import speeds_folder

    return speeds_folder(folder)


def load(url: str, folder: Path | None = None, progress: Callable[[str], None] | None = None,
         before_switch: Callable[[], None] | None = None) -> dict[str, int]:
    """Load every built layer and curated table into the database; switch it in atomically.

    Parameters
    ----------
    url
        The database URL.
    folder
        The built layers folder (default: the package's, see :func:`geo.paths.layers_dir`); the files are read,
        never a database source.
    progress
        Called with a line per stage.
    before_switch
        Called after everything is written, before the switch (tests inject a failure or a kill here).

    Returns
    -------
    Rows loaded per table.

    Raises
    ------
    UsageError
        The database cannot be reached or lacks an extension.
    DataError
        A built layer is missing or unreadable (nothing is changed in the database).
    """
    say = progress or (lambda _line: None)
    layers_folder = folder or _files_folder()
    collections = {spec.id: store.read_collection(spec.id, layers_folder) for spec in registry.LAYERS}
    curated = _source_folder(folder)
    texts = {name: (curated / name).read_text(encoding="utf-8") for name in CURATED_FILES if (curated / name).is_file()}
    if "road_speeds.csv" not in texts:
        raise DataError([Problem(str(curated / "road_speeds.csv"), 0, "missing: the route engine needs it")])
    speed_table.load(curated)  # refuse a broken table before touching the database
    entry_rules.load_optional(curated / entry_rules.FILE)
    conn = connect(url, autocommit=True)  # the transaction below is then a real one, not a savepoint
    counts: dict[str, int] = {}
    try:
        require_extensions(conn)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            conn.execute(f"DROP SCHEMA IF EXISTS {STAGING} CASCADE")
            conn.execute(f"CREATE SCHEMA {STAGING}")
            conn.execute(f"SET LOCAL search_path TO {STAGING}, public")
            counts.update(_write_layers(conn, collections, say))
            counts.update(_write_history(conn, collections))
            counts.update(_write_curated(conn, texts))
            counts.update(_write_route_graph(conn, layers_folder, curated))
            _write_functions(conn)
            conn.execute("INSERT INTO load_info VALUES (now(), %s, %s, %s)",
                         (store.data_version(layers_folder), str(layers_folder), __version__))
            if before_switch is not None:
                before_switch()
            say("switching the new schema in")
            conn.execute(f"DROP SCHEMA IF EXISTS {RETIRED} CASCADE")
            served = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone()
            if served is not None:
                conn.execute(f"ALTER SCHEMA {SCHEMA} RENAME TO {RETIRED}")
            conn.execute(f"ALTER SCHEMA {STAGING} RENAME TO {SCHEMA}")
            conn.execute(f"DROP SCHEMA IF EXISTS {RETIRED} CASCADE")
            counts["layer_styles"] = _write_styles(conn)
    except _psycopg_error() as exc:
        raise UsageError(f"load failed, the previous data stays served: {first_line(exc)}") from None
    finally:
        conn.close()
    return counts


LAYER_STYLES = """CREATE TABLE IF NOT EXISTS public.layer_styles (
    id serial PRIMARY KEY, f_table_catalog varchar, f_table_schema varchar, f_table_name varchar,
    f_geometry_column varchar, stylename text, styleqml xml, stylesld xml, useasdefault boolean, description text,
    owner varchar(63) DEFAULT CURRENT_USER, ui xml, update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar)"""
"""QGIS's own table of styles saved in a PostgreSQL database (the columns QGIS creates): QGIS opens each layer with
the style marked ``useasdefault`` for its schema, table and geometry column."""
QGIS_TYPES = {"Point": "Point", "LineString": "Line", "MultiLineString": "Line", "MultiPolygon": "Polygon"}


def _write_styles(conn: psycopg.Connection[Any]) -> int:
    """Store each layer's QGIS style (:func:`geo.map.qgis.qml`) as its default in ``public.layer_styles``.

    Only this project's rows (schema :data:`geo.db.SCHEMA`) are replaced; styles a user saved for other tables stay.
    """
    from geo.map.qgis import qml

    conn.execute(LAYER_STYLES)
    conn.execute("DELETE FROM public.layer_styles WHERE f_table_schema = %s AND stylename = %s",
                 (SCHEMA, STYLE_NAME))
    for spec in registry.LAYERS:
        conn.execute(
            "INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
            "stylename, styleqml, useasdefault, description, type) "
            "VALUES (current_database(), %s, %s, 'geom', %s, XMLPARSE(DOCUMENT %s), true, %s, %s)",
            (SCHEMA, spec.id, STYLE_NAME, qml(spec.id), f"{spec.title}: drawn as the map draws it",
             QGIS_TYPES[spec.geometry_type]))
    return len(registry.LAYERS)


STYLE_NAME = "central-asia-geo"
"""The name of this project's styles in ``layer_styles``."""


def _psycopg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error


def _files_folder() -> Path:
    from geo.paths import layers_dir

    return layers_dir()


def _write_layers(conn: psycopg.Connection[Any], collections: dict[str, dict[str, Any]],
                  say: Callable[[str], None]) -> dict[str, int]:
    conn.execute("""CREATE TABLE layers (id text PRIMARY KEY, position integer NOT NULL, title text NOT NULL,
                    geometry_type text NOT NULL, licence text NOT NULL, licence_url text NOT NULL,
                    attribution text NOT NULL, feature_count integer NOT NULL, collection_keys json NOT NULL,
                    metadata json NOT NULL)""")
    counts = {}
    for position, spec in enumerate(registry.LAYERS):
        collection = collections[spec.id]
        features = collection["features"]
        say(f"loading {spec.id} ({len(features)} features)")
        conn.execute("INSERT INTO layers VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                     (spec.id, position, spec.title, spec.geometry_type, spec.licence, spec.licence_url,
                      spec.attribution, len(features), json.dumps([k for k in collection if k != "features"]),
                      json.dumps(collection.get("metadata", {}), ensure_ascii=False, allow_nan=False)))
        columns = [Column(name, column_type([f["properties"].get(name) for f in features]))
                   for name in spec.properties]
        definition = ", ".join(f'"{c.name}" {c.sql_type}' for c in columns)
        conn.execute(f'CREATE TABLE "{spec.id}" (fid integer NOT NULL UNIQUE, {definition}, '
                     f"geom geometry({spec.geometry_type}, 4326) NOT NULL, PRIMARY KEY (id))")
        names = ", ".join(f'"{c.name}"' for c in columns)
        with conn.cursor().copy(f'COPY "{spec.id}" (fid, {names}, geom) FROM STDIN') as copy:
            for fid, feature in enumerate(features):
                props = feature["properties"]
                copy.write_row([fid, *(_cell(props.get(c.name), c.sql_type) for c in columns),
                                _ewkt(feature["geometry"])])
        conn.execute(f'CREATE INDEX "{spec.id}_geom" ON "{spec.id}" USING gist (geom)')
        comment = (f"{spec.title}. Licence: {spec.licence} ({spec.licence_url}). Attribution: {spec.attribution}. "
                   f"Method: {spec.method}")
        conn.execute(f'COMMENT ON TABLE "{spec.id}" IS ' + _literal(comment))
        counts[spec.id] = len(features)
    conn.execute('ALTER TABLE roads ADD FOREIGN KEY (from_place) REFERENCES places (id), '
                 'ADD FOREIGN KEY (to_place) REFERENCES places (id)')
    return counts


def _ewkt(geometry: dict[str, Any]) -> str:
    """Return hex EWKB (exact doubles, unlike WKT) with SRID 4326."""
    import shapely

    shape = shapely.set_srid(shapely.geometry.shape(geometry), 4326)
    return str(shapely.to_wkb(shape, hex=True, include_srid=True))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _write_history(conn: psycopg.Connection[Any], collections: dict[str, dict[str, Any]]) -> dict[str, int]:
    conn.execute("""CREATE TABLE crossing_status (crossing_id text NOT NULL REFERENCES crossings (id),
                    position integer NOT NULL, date date NOT NULL, status text NOT NULL, traffic json, access text,
                    note text, source text, published date, evidence text, kind text,
                    PRIMARY KEY (crossing_id, position))""")
    conn.execute("""CREATE TABLE pipeline_status (pipeline_id text NOT NULL REFERENCES pipelines (id),
                    position integer NOT NULL, date date NOT NULL, status text NOT NULL, note text, source text,
                    section text, published date, evidence text, kind text, PRIMARY KEY (pipeline_id, position))""")
    conn.execute("""CREATE TABLE border_times (crossing_id text NOT NULL REFERENCES crossings (id),
                    position integer NOT NULL, date date NOT NULL, traffic text NOT NULL, hours double precision,
                    source text, note text, is_default boolean, default_sources json,
                    PRIMARY KEY (crossing_id, position))""")
    rows: dict[str, list[tuple[Any, ...]]] = {"crossing_status": [], "pipeline_status": [], "border_times": []}
    for feature in collections["crossings"]["features"]:
        props = feature["properties"]
        for i, e in enumerate(props.get("status_history") or []):
            rows["crossing_status"].append((props["id"], i, e["date"], e["status"], _json(e.get("traffic")),
                                            e.get("access"), e.get("note"), e.get("source"), e.get("published"),
                                            e.get("evidence"), e.get("kind") or None))
        for i, e in enumerate(props.get("border_times") or []):
            rows["border_times"].append((props["id"], i, e["date"], e["traffic"], e.get("hours"), e.get("source"),
                                         e.get("note"), e.get("default"), _json(e.get("default_sources"))))
    for feature in collections["pipelines"]["features"]:
        props = feature["properties"]
        for i, e in enumerate(props.get("status_history") or []):
            rows["pipeline_status"].append((props["id"], i, e["date"], e["status"], e.get("note"), e.get("source"),
                                            e.get("section") or None, e.get("published"), e.get("evidence"),
                                            e.get("kind") or None))
    for table, values in rows.items():
        _copy(conn, table, values)
    conn.execute("CREATE INDEX crossing_status_date ON crossing_status (crossing_id, date)")
    conn.execute("COMMENT ON TABLE crossing_status IS 'Dated status history of the border crossings (one row per "
                 "sourced fact, with the publication date of its source and a quote; kind planned: an announced event, "
                 "never in force). Licence: ODbL-1.0. Attribution: see the crossings table'")
    conn.execute("COMMENT ON TABLE border_times IS 'Dated border-crossing times by traffic, hours per crossing. "
                 "Licence: ODbL-1.0'")
    return {table: len(values) for table, values in rows.items()}


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _copy(conn: psycopg.Connection[Any], table: str, rows: Iterable[Sequence[Any]]) -> None:
    with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _write_curated(conn: psycopg.Connection[Any], texts: dict[str, str]) -> dict[str, int]:
    conn.execute("CREATE TABLE curated_files (name text PRIMARY KEY, content text NOT NULL)")
    _copy(conn, "curated_files", texts.items())
    conn.execute("""CREATE TABLE road_speeds (country text NOT NULL, terrain text NOT NULL, traffic text NOT NULL,
                    kmh double precision NOT NULL, source text, note text, PRIMARY KEY (country, terrain, traffic))""")
    speeds = [(r["country"], r["terrain"], r["traffic"], float(r["kmh"]), r["source"], r["note"])
              for r in csv.DictReader(io.StringIO(texts["road_speeds.csv"]))]
    _copy(conn, "road_speeds", speeds)
    conn.execute("""CREATE TABLE entry_rules (citizen text NOT NULL, destination text NOT NULL, date date NOT NULL,
                    document text NOT NULL, days integer, note text, source text, published date, evidence text,
                    PRIMARY KEY (citizen, destination, date))""")
    rules = [(r["citizen"], r["destination"], r["date"], r["document"], int(r["days"]) if r["days"] else None,
              r["note"], r["source"], r["published"] or None, r["evidence"])
             for r in csv.DictReader(io.StringIO(texts.get(entry_rules.FILE, ""))) if r.get("citizen")]
    _copy(conn, "entry_rules", rules)
    conn.execute("COMMENT ON TABLE road_speeds IS 'Road speeds (km/h) by country, terrain and traffic; "
                 "each row cites its source'")
    conn.execute("COMMENT ON TABLE entry_rules IS 'Travel documents by citizenship, destination and date; "
                 "each row cites its source'")
    conn.execute("CREATE TABLE load_info (loaded_at timestamptz NOT NULL, data_version text NOT NULL, "
                 "source text NOT NULL, geo_version text NOT NULL)")
    return {"road_speeds": len(speeds), "entry_rules": len(rules)}


def _write_route_graph(conn: psycopg.Connection[Any], folder: Path, curated: Path) -> dict[str, int]:
    from geo.routing import RouteEngine

    engine = RouteEngine.load(folder)
    g = engine.graph
    conn.execute("CREATE TABLE route_nodes (node bigint PRIMARY KEY, place_id text NOT NULL UNIQUE, "
                 "is_crossing boolean NOT NULL, geom geometry(Point, 4326))")
    _copy(conn, "route_nodes", ((i, pid, pid in g.crossings, None) for i, pid in enumerate(g.node_ids)))
    conn.execute("UPDATE route_nodes n SET geom = p.geom FROM places p WHERE p.id = n.place_id")
    hours = ", ".join(f"hours_{mode} double precision NOT NULL" for mode in g.edge_hours)
    conn.execute(f"""CREATE TABLE route_edges (id bigint PRIMARY KEY, source bigint NOT NULL REFERENCES route_nodes,
                     target bigint NOT NULL REFERENCES route_nodes, source_place text NOT NULL,
                     target_place text NOT NULL, road_id text NOT NULL REFERENCES roads (id), country text NOT NULL,
                     km double precision NOT NULL, {hours})""")
    rows = []
    for k in range(len(g.rows)):
        u, v, e = int(g.rows[k]), int(g.cols[k]), int(g.entry_edge[k])
        rows.append((k, u, v, g.node_ids[u], g.node_ids[v], g.edges[e].id, g.edges[e].country, float(g.base[k]),
                     *(float(h[k]) for h in g.base_hours.values())))
    _copy(conn, "route_edges", rows)
    conn.execute("CREATE INDEX route_edges_source ON route_edges (source)")
    conn.execute("COMMENT ON TABLE route_edges IS 'The route engine''s directed graph: one row per direction of a "
                 "road segment (a parallel segment is split at a virtual middle node ~<road id>); km and hours by "
                 "mode; see geo.db.pgrouting'")
    return {"route_nodes": len(g.node_ids), "route_edges": len(rows)}


def _write_functions(conn: psycopg.Connection[Any]) -> None:
    from psycopg import sql

    # SQL-standard bodies are bound to the tables when created, so they follow the schema through its rename
    for layer, table, key in (("crossings", "crossing_status", "crossing_id"),
                              ("pipelines", "pipeline_status", "pipeline_id")):
        conn.execute(sql.SQL("""
            CREATE FUNCTION {function}(day date)
            RETURNS TABLE (id text, name text, status text, status_since date, status_note text,
                           status_source text, geom geometry)
            LANGUAGE sql STABLE
            BEGIN ATOMIC
              SELECT c.id, c.name, coalesce(s.status, 'unknown'), s.date, s.note, s.source, c.geom
              FROM {layer} c
              LEFT JOIN LATERAL (SELECT h.status, h.date, h.note, h.source FROM {table} h
                                 WHERE h.{key} = c.id AND h.date <= day
                                   AND h.kind IS DISTINCT FROM 'planned' AND {whole}
                                 ORDER BY h.date DESC, h.position DESC LIMIT 1) s ON true
              ORDER BY c.fid;
            END""").format(function=sql.Identifier(f"{layer}_on"), layer=sql.Identifier(STAGING, layer),
                           table=sql.Identifier(STAGING, table), key=sql.Identifier(key),
                           whole=sql.SQL("h.section IS NULL" if table == "pipeline_status" else "true")))
        conn.execute(f"COMMENT ON FUNCTION {layer}_on(date) IS "
                     f"'Every {layer[:-1]} with its status, the date of that status, its note and source on a day'")


def status(url: str) -> dict[str, Any]:
    """Return what the database serves: load time, data version, rows per layer; ``loaded`` False when nothing.

    Raises
    ------
    UsageError
        The database cannot be reached.
    """
    with connect(url) as conn:
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone() is None:
            return {"loaded": False, "schema": SCHEMA}
        info = conn.execute(schema_sql("SELECT loaded_at, data_version, source, geo_version FROM {}.load_info")
                            ).fetchone()
        layers = conn.execute(schema_sql("SELECT id, feature_count, licence FROM {}.layers ORDER BY position")
                              ).fetchall()
        extensions = {str(k): str(v) for k, v in conn.execute("SELECT extname, extversion FROM pg_extension")}
    loaded_at, version, source, geo_version = info if info is not None else (None, "", "", "")
    return {"loaded": True, "schema": SCHEMA,
            "loaded_at": loaded_at.isoformat() if isinstance(loaded_at, dt.datetime) else None,
            "data_version": version, "source": source, "geo_version": geo_version,
            "layers": {str(i): {"features": n, "licence": lic} for i, n, lic in layers},
            "extensions": extensions}


def drop(url: str) -> bool:
    """Drop the served schema (and any staging left over); return whether there was one.

    Raises
    ------
    UsageError
        The database cannot be reached.
    """
    return drop_schemas(url, LOCK_KEY, SCHEMA, (STAGING, RETIRED))
