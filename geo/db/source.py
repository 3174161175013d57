"""Read the layers back from a loaded schema, as the built files hold them (a :class:`geo.layers.store.LayerSource`).

Each layer is one query (its rows in file order, the geometry as WKB); the collections are kept for the life of the
source, so a command reads each table at most once. The curated tables are written, from ``curated_files``, into a
private temporary folder the route engine reads as it reads ``layers/src``.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

from geo.db import SCHEMA, connect, first_line, safe_url, schema_sql
from geo.errors import UsageError
from geo.layers import registry


class DatabaseSource:
    """The layers of the schema :data:`geo.db.SCHEMA` in the database at ``url``.

    Parameters
    ----------
    url
        The database URL.

    Raises
    ------
    UsageError
        The database cannot be reached, or holds no loaded data (run ``geo db load``).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._collections: dict[str, dict[str, Any]] = {}
        self._folder: Path | None = None
        with connect(url) as conn:
            row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone()
            if row is None:
                raise UsageError(f"the database at {safe_url(url)} holds no layers: run `geo db load` first")
            info = conn.execute(schema_sql("SELECT data_version FROM {}.load_info")).fetchone()
        self._version = str(info[0]) if info else ""

    def version(self) -> str:
        """Return the data version recorded by the load (the hash of the built files it read)."""
        return self._version

    def collection(self, layer_id: str) -> dict[str, Any]:
        """Return a layer as the FeatureCollection its built file holds (properties, order and metadata alike)."""
        if layer_id not in self._collections:
            self._collections[layer_id] = self._read(layer_id)
        return self._collections[layer_id]

    def _read(self, layer_id: str) -> dict[str, Any]:
        import psycopg
        import shapely
        from psycopg import sql

        spec = registry.get(layer_id)
        try:
            with connect(self.url) as conn:
                meta = conn.execute(schema_sql("SELECT collection_keys, metadata FROM {}.layers WHERE id = %s"),
                                    (layer_id,)).fetchone()
                rows = conn.execute(sql.SQL("SELECT {}, ST_AsBinary(geom) FROM {}.{} ORDER BY fid").format(
                    sql.SQL(", ").join(sql.Identifier(p) for p in spec.properties), sql.Identifier(SCHEMA),
                    sql.Identifier(layer_id))).fetchall()
        except psycopg.Error as exc:
            raise UsageError(f"cannot read layer {layer_id} from the database: {first_line(exc)}") from None
        if meta is None:
            raise UsageError(f"the database holds no layer {layer_id}: run `geo db load` again")
        keys, metadata = meta
        if not isinstance(keys, list):
            raise UsageError(f"the database's layer {layer_id} has no collection keys: run `geo db load` again")
        geometries = shapely.from_wkb([_bytes(row[-1]) for row in rows])
        features = [{"type": "Feature", "id": row[0], "properties": dict(zip(spec.properties, row[:-1])),
                     "geometry": _geojson(geometry)} for row, geometry in zip(rows, geometries)]
        parts = {"type": "FeatureCollection", "metadata": metadata, "features": features}
        return {key: parts[key] for key in [*keys, "features"] if key in parts}

    def curated_folder(self) -> Path:
        """Return a private folder holding the curated tables (``road_speeds.csv``, ``entry_rules.csv``)."""
        if self._folder is None:
            with connect(self.url) as conn:
                files = conn.execute(schema_sql("SELECT name, content FROM {}.curated_files")).fetchall()
            folder = Path(tempfile.mkdtemp(prefix="geo-db-curated-"))
            atexit.register(shutil.rmtree, folder, True)
            for name, content in files:
                (folder / str(name)).write_text(str(content), encoding="utf-8")
            self._folder = folder
        return self._folder


def _bytes(value: object) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise UsageError("the database returned a geometry that is not WKB: run `geo db load` again")
    return bytes(value)


def _geojson(geometry: Any) -> dict[str, Any]:
    """Return a shapely geometry as a GeoJSON geometry with lists (as ``json.loads`` of the file gives)."""
    import shapely.geometry

    mapped = shapely.geometry.mapping(geometry)
    return {"type": mapped["type"], "coordinates": _lists(mapped["coordinates"])}


def _lists(value: Any) -> Any:
    return [_lists(v) for v in value] if isinstance(value, list | tuple) else value
