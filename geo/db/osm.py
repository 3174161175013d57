"""``geo db import-osm``: a full OpenStreetMap road network in PostGIS, routable with pgRouting.

Stages: read the lines (:func:`geo.reference.read_lines`: a user's ``.osm.pbf``/``.osm`` through GDAL's OSM driver,
``highway`` motorway, trunk, primary, secondary, tertiary and their ``_link``; or a reference network of
``shared/data/osm-roads``) → a topology (:func:`geo.reference.build_graph`: every vertex a node, identical vertices
one node, so real junctions are nodes; line ends within the dataset's tolerance joined, tile-edge gaps bridged and
counted) → each node's country from the borders layer → each edge's cost → the curated crossings matched to the edges
that cross their border near them → one transaction that writes :data:`STAGING` and switches it in as
:data:`NETWORK` (a failed import leaves the previous network served).

Tables (schema ``geo_osm``):

- ``nodes`` (``id``, ``country``, ``geom`` Point);
- ``edges`` (``id``, ``source``, ``target``, ``class``, ``km`` geodesic on WGS84, ``hours_passenger`` and
  ``hours_freight``, ``country`` of the edge's middle, ``source_country``/``target_country``, ``border`` (its two ends
  lie in different countries), ``crossing_id`` (the curated crossing it was matched to, or null), ``gate`` (it
  carries the crossing's border hours: one edge per chain, see :func:`gate_edges`), ``geom`` LineString) with a
  GiST index for the nearest-road search;
- ``route_edges``: what ``pgr_dijkstra`` reads (:func:`write_route_edges`): the routing columns of ``edges``
  without the line, a ``main`` flag (a road of :data:`MAIN_CLASSES` or a border edge) and each edge's bounding
  ``bbox`` (PostgreSQL's ``box``) with a GiST index for the corridor, so a search over a million edges reads a narrow
  table;
- ``country_parts``: the borders layer's countries and enclaves cut into small polygons (``ST_Subdivide``), indexed,
  for a route's km per country (:func:`write_country_parts`; fixed at import, as the nodes' countries are);
- ``crossing_match``: per curated crossing, how many edges it was matched to, or why none;
- ``network_info``: source, dataset, licence, attribution, counts, tolerances, when.

Licence and attribution are in each table's comment (OpenStreetMap: ODbL-1.0, "© OpenStreetMap contributors").
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.db import connect, drop_schemas, first_line, require_extensions
from geo.errors import DataError, Problem, UsageError
from geo.vocab import shorten_path

if TYPE_CHECKING:
    import geopandas as gpd
    import psycopg

    from geo.reference import Dataset, RoadGraph
    from geo.routing.speeds import SpeedTable

NETWORK = "geo_osm"
"""The schema the imported network is served from (apart from the layers' schema, so the two load independently)."""
STAGING = "geo_osm_staging"
RETIRED = "geo_osm_retired"
LOCK_KEY = 7_421_002
"""The advisory lock that serialises imports into one database."""
IMPORT_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")
"""OpenStreetMap ``highway`` values kept from a user's extract (and their ``_link``)."""
MAIN_CLASSES = ("motorway", "trunk", "primary", "secondary", "bridge")
"""Road classes a long route may use anywhere (``bridge``: a straight link over a tile-edge gap); tertiary roads only
near its two ends (:mod:`geo.db.coords`), as drivers leave the minor roads for the main ones on a long trip."""
MATCH_KM = 5.0
"""A curated crossing is matched to the border edges of its two countries within this distance of its point."""
LICENCE = "ODbL-1.0"
TERRAIN_OF_CLASS = {"motorway": "trunk", "trunk": "trunk", "primary": "trunk", "bridge": "trunk",
                    "secondary": "mountain", "tertiary": "mountain"}
"""Which row of the project's speed table each road class takes (``road_speeds.csv`` has speeds by country, terrain
and traffic, not by road class): motorways, trunk and primary roads (the CAREC corridors the table's trunk speeds were
measured on) and the straight links bridging tile-edge gaps take the country's ``trunk`` speed; secondary and tertiary
roads, for which the project has no measured speed, take its slower ``mountain`` speed (a modelling choice)."""


@dataclass(frozen=True)
class CrossingMatch:
    """A curated crossing and the imported edges matched to it (none: ``reason`` says why)."""

    crossing_id: str
    name: str
    countries: str
    edges: int
    distance_km: float | None
    reason: str


@dataclass(frozen=True)
class ImportSummary:
    """What an import made: counts and how the topology was repaired."""

    source: str
    edges: int
    nodes: int
    km: float
    joined: int
    split: int
    bridged: int
    bridged_km: float
    parts: int
    border_edges: int
    matched: list[CrossingMatch]
    seconds: float = 0.0

    @property
    def matched_count(self) -> int:
        """Return how many crossings were matched to at least one edge."""
        return sum(1 for m in self.matched if m.edges)

    def line(self) -> str:
        """Return the one-line summary the command prints."""
        unmatched = [m for m in self.matched if not m.edges]
        reasons: dict[str, int] = {}
        for m in unmatched:
            key = m.reason.split(" (")[0]
            reasons[key] = reasons.get(key, 0) + 1
        why = "; ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
        return (f"imported {self.source}: {self.edges:,} edges, {self.nodes:,} nodes, {self.km:,.0f} km; "
                f"{self.joined:,} vertex pairs joined, {self.split:,} ends joined onto a line, "
                f"{self.bridged:,} gaps bridged "
                f"({self.bridged_km:,.1f} km); {self.parts:,} parts; {self.border_edges:,} border edges; "
                f"crossings matched {self.matched_count}, unmatched {len(unmatched)}" + (f" ({why})" if why else "")
                + f"; {self.seconds:.1f} s")

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as plain data (``--json``)."""
        out = asdict(self)
        out["matched_count"] = self.matched_count
        return out


def dataset_for(path: Path) -> Dataset:
    """Return the dataset of a file: a known reference network by its name, else a user's extract.

    Raises
    ------
    UsageError
        The file does not exist or is not a road file this command reads.
    """
    from geo import reference

    if not path.is_file():
        raise UsageError(f"import-osm {shorten_path(path)}: " + ("not a file" if path.exists() else "no such file"))
    name = path.name.lower()
    if not name.endswith((".osm", ".pbf", ".geojson", ".geojson.gz", ".json")):
        raise UsageError(f"import-osm {shorten_path(path)}: not an OpenStreetMap extract (.osm.pbf, .osm) or a "
                         "reference network (.geojson.gz)")
    known = {d.path.name: d for d in reference.default_datasets(path.parent)}
    return known.get(path.name) or reference.extract_dataset(path)


def read_network(path: Path) -> tuple[Dataset, RoadGraph]:
    """Read a road file and build its topology (see the module's stages).

    Raises
    ------
    UsageError
        The file does not exist or has the wrong kind of name.
    DataError
        It cannot be read or holds no road of :data:`IMPORT_CLASSES`.
    """
    from geo import reference

    dataset = dataset_for(path)
    lines = reference.read_lines(path, IMPORT_CLASSES)
    is_osm = path.name.lower().endswith(reference.OSM_SUFFIXES)
    # an extract's ways share their junction nodes exactly: nothing to bridge; tiles are cut at their edges
    graph = reference.build_graph(lines, dataset, bridge_km=0.0 if is_osm else reference.BRIDGE_KM)
    return dataset, graph


def node_countries(lonlat: NDArray[np.float64], borders: gpd.GeoDataFrame) -> list[str | None]:
    """Return the ISO2 code of the country (enclaves included) each point lies in, None outside every polygon."""
    polygons = borders[borders["kind"].isin(("country", "enclave"))]
    out: list[str | None] = [None] * len(lonlat)
    if not len(lonlat):
        return out
    codes = np.full(len(lonlat), "", dtype=object)
    ordered = sorted(zip(polygons["kind"] == "enclave", polygons["country"], polygons.geometry),
                     key=lambda row: bool(row[0]))
    for _, code, polygon in ordered:  # an enclave wins over a country polygon that still covers it
        west, south, east, north = polygon.bounds
        inside = np.flatnonzero((lonlat[:, 0] >= west) & (lonlat[:, 0] <= east)
                                & (lonlat[:, 1] >= south) & (lonlat[:, 1] <= north))
        if not len(inside):
            continue
        shapely.prepare(polygon)
        hit = shapely.intersects_xy(polygon, lonlat[inside, 0], lonlat[inside, 1])
        codes[inside[hit]] = str(code)
    return [str(c) if c else None for c in codes]


def edge_hours(km: NDArray[np.float64], classes: Sequence[str], countries: Sequence[str | None],
               speeds: SpeedTable, traffic: str) -> NDArray[np.float64]:
    """Return each edge's hours for a traffic: km over its country's speed for its class (:data:`TERRAIN_OF_CLASS`).

    A country without speeds in the table (outside the routable five) takes the lowest speed the table has for that
    terrain and traffic.
    """
    lowest: dict[str, float] = {}
    for (_, terrain, kind), speed in speeds.speeds.items():
        if kind == traffic:
            lowest[terrain] = min(lowest.get(terrain, speed.kmh), speed.kmh)
    kmh = np.empty(len(km))
    for i, (cls, country) in enumerate(zip(classes, countries)):
        terrain = TERRAIN_OF_CLASS[cls]
        known = speeds.speeds.get((country or "", terrain, traffic))
        kmh[i] = known.kmh if known is not None else lowest[terrain]
    return km / kmh


def match_crossings(graph: RoadGraph, source_country: Sequence[str | None], target_country: Sequence[str | None],
                    crossings: gpd.GeoDataFrame, match_km: float = MATCH_KM) -> tuple[
        list[str | None], list[CrossingMatch]]:
    """Match each curated crossing to the edges that cross its border within ``match_km`` of its point.

    An edge crosses a border when its two ends lie in different countries; it is matched to the nearest road crossing
    of that pair of countries within ``match_km`` (distances in the metric projection of :mod:`geo.reference`, used
    only for this tolerance). Rail-only crossings (``modes`` without ``road``) are not matched.

    Returns
    -------
    The crossing id of every edge (None for most), and one record per crossing.
    """
    from geo import reference

    border = [i for i in range(len(graph.u))
              if source_country[i] and target_country[i] and source_country[i] != target_country[i]]
    pair_of = {i: frozenset((str(source_country[i]), str(target_country[i]))) for i in border}
    segments = np.asarray(shapely.linestrings(np.stack([graph.xy[graph.u], graph.xy[graph.v]], axis=1)), dtype=object)
    edge_tree = shapely.STRtree(segments)
    points = reference.to_metric(np.array([[p.x, p.y] for p in crossings.geometry], dtype=float).reshape(-1, 2))
    best: dict[int, tuple[float, int]] = {}  # edge → (distance m, crossing row)
    nearest_border: dict[int, tuple[float, int]] = {}  # crossing row → (distance m, edge)
    modes = list(crossings["modes"]) if "modes" in crossings.columns else [["road"]] * len(crossings)
    by_road = [not isinstance(m, list) or "road" in m for m in modes]
    for row, (countries, xy) in enumerate(zip(crossings["countries"], points)):
        if not by_road[row]:
            continue
        pair = frozenset(str(countries).split("-"))
        point = shapely.points(xy)
        candidates = [i for i in border if pair_of[i] == pair]
        if candidates:
            distances = shapely.distance(point, segments[candidates])
            nearest_border[row] = (float(distances.min()), candidates[int(np.argmin(distances))])
            for i, d in zip(candidates, distances):
                if d <= match_km * 1000 and (i not in best or d < best[i][0]):
                    best[i] = (float(d), row)
    crossing_of: list[str | None] = [None] * len(graph.u)
    per_row: dict[int, list[float]] = {}
    ids = list(crossings["id"])
    for i, (d, row) in best.items():
        crossing_of[i] = str(ids[row])
        per_row.setdefault(row, []).append(d)
    matches = []
    for row, (cid, name, countries) in enumerate(zip(ids, crossings["name"], crossings["countries"])):
        found = per_row.get(row, [])
        if not by_road[row]:
            matches.append(CrossingMatch(str(cid), str(name), str(countries), 0, None,
                                         "a rail-only crossing: not matched to roads"))
            continue
        if found:
            matches.append(CrossingMatch(str(cid), str(name), str(countries), len(found),
                                         round(min(found) / 1000, 3), "matched"))
            continue
        near = len(edge_tree.query(shapely.points(points[row]), predicate="dwithin", distance=match_km * 1000))
        reason = (f"no edge crosses the {countries} border within {match_km:g} km" if near
                  else f"no road of the network within {match_km:g} km")
        if row in nearest_border:
            metres, edge = nearest_border[row]
            reason += f" (nearest {countries} border edge {metres / 1000:,.1f} km)"
            if edge in best:
                reason = (f"its border edges within {match_km:g} km are nearer another crossing "
                          f"({ids[best[edge][1]]}, {metres / 1000:,.1f} km)")
        elif near:
            reason = f"no edge of the network crosses the {countries} border"
        matches.append(CrossingMatch(str(cid), str(name), str(countries), 0,
                                     round(nearest_border[row][0] / 1000, 3) if row in nearest_border else None,
                                     reason))
    return crossing_of, matches


@dataclass
class Prepared:
    """A network ready to write: the topology, each node's and edge's countries, costs, and the crossings matched."""

    dataset: Dataset
    graph: RoadGraph
    node_country: list[str | None]
    source_country: list[str | None]
    target_country: list[str | None]
    edge_country: list[str | None]
    classes: list[str]
    hours: dict[str, NDArray[np.float64]]
    crossing_of: list[str | None]
    gate: list[bool]
    summary: ImportSummary


def prepare(path: Path, match_km: float = MATCH_KM, progress: Callable[[str], None] | None = None) -> Prepared:
    """Read a road file, build its topology, place it in countries, cost its edges and match the crossings.

    Raises
    ------
    UsageError
        The file is missing or of the wrong kind.
    DataError
        The file cannot be read or holds no road; the layers or the speed table are broken.
    """
    from geo import reference
    from geo.layers import store
    from geo.routing import speeds as speed_table
    from geo.routing.graph import speeds_folder

    say = progress or (lambda _line: None)
    dataset, graph = read_network(path)  # nothing said before: an unreadable file is one line, the error
    say(graph.summary())
    borders, _ = store.read_layer("borders")
    crossings, _ = store.read_layer("crossings")
    speeds = speed_table.load(speeds_folder())
    node_country = node_countries(graph.lonlat, borders)
    source_country = [node_country[int(i)] for i in graph.u]
    target_country = [node_country[int(i)] for i in graph.v]
    differ = np.flatnonzero([a != b for a, b in zip(source_country, target_country)])
    middle = node_countries((graph.lonlat[graph.u[differ]] + graph.lonlat[graph.v[differ]]) / 2, borders)
    edge_country = list(source_country)  # the country of the edge's middle (only computed where its ends differ)
    for k, i in enumerate(differ):
        edge_country[int(i)] = middle[k]
    classes = [reference.ALL_CLASSES[int(c)] if c >= 0 else "bridge" for c in graph.cls]
    hours = {mode: edge_hours(graph.km, classes, edge_country, speeds, traffic)
             for mode, traffic in (("passenger", "passengers"), ("freight", "freight"))}
    crossing_of, matches = match_crossings(graph, source_country, target_country, crossings, match_km)
    summary = ImportSummary(
        source=path.name, edges=len(graph.u), nodes=len(graph.lonlat), km=round(float(graph.km.sum()), 1),
        joined=graph.joined, split=graph.split, bridged=len(graph.bridges),
        bridged_km=round(sum(b.km for b in graph.bridges), 2), parts=graph.components,
        border_edges=sum(1 for a, b in zip(source_country, target_country) if a and b and a != b), matched=matches)
    return Prepared(dataset, graph, node_country, source_country, target_country, edge_country, classes, hours,
                    crossing_of, gate_edges(graph, crossing_of, crossings), summary)


def gate_edges(graph: RoadGraph, crossing_of: Sequence[str | None], crossings: gpd.GeoDataFrame) -> list[bool]:
    """Return which matched edges carry their crossing's border hours: one per chain of matched edges.

    A road that zigzags across the border near a crossing gives that crossing several matched edges in a row; a
    route passes them all, and must wait at the border once. Of each chain (matched edges of one crossing joined
    end to end through nodes where nothing else meets, so that a route through one passes them all) the edge
    nearest the crossing carries the hours; where another road branches off between two matched edges, each keeps
    its hours (a route may use either alone); parallel roads (a dual carriageway) each keep theirs.
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    from geo import reference

    gate = [cid is not None for cid in crossing_of]
    matched = [i for i, cid in enumerate(crossing_of) if cid is not None]
    if not matched:
        return gate
    position = {str(cid): xy for cid, xy in zip(crossings["id"], reference.to_metric(
        np.array([[p.x, p.y] for p in crossings.geometry], dtype=float).reshape(-1, 2)))}
    # edges are linked when they share a crossing and a node of degree 2 (a chain: no road branches off there)
    degree = np.bincount(np.concatenate([graph.u, graph.v]), minlength=len(graph.lonlat))
    by_node: dict[tuple[int, str], list[int]] = {}
    for k, i in enumerate(matched):
        for node in (int(graph.u[i]), int(graph.v[i])):
            if degree[node] == 2:
                by_node.setdefault((node, str(crossing_of[i])), []).append(k)
    links = [(group[0], other) for group in by_node.values() for other in group[1:]]
    n = len(matched)
    pairs = np.array(links, dtype=np.int64).reshape(-1, 2)
    _, label = connected_components(coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)),
                                    directed=False)
    best: dict[int, tuple[float, int]] = {}
    for k, i in enumerate(matched):
        segment = shapely.LineString([graph.xy[graph.u[i]], graph.xy[graph.v[i]]])
        distance = float(segment.distance(shapely.Point(position[str(crossing_of[i])])))
        if int(label[k]) not in best or distance < best[int(label[k])][0]:
            best[int(label[k])] = (distance, i)
        gate[i] = False
    for _, i in best.values():
        gate[i] = True
    return gate


def import_osm(url: str, path: Path, progress: Callable[[str], None] | None = None,
               before_switch: Callable[[], None] | None = None, match_km: float = MATCH_KM) -> ImportSummary:
    """Import a road file into the database as a routable network, switched in atomically.

    Parameters
    ----------
    url
        The database URL.
    path
        A user's ``.osm.pbf``/``.osm`` extract or a reference network (``.geojson.gz``).
    progress
        Called with a line per stage.
    before_switch
        Called after everything is written, before the switch (tests inject a failure here).
    match_km
        How far from a curated crossing its border edges may be.

    Returns
    -------
    The counts (edges, nodes, joined ends, bridged gaps, crossings matched and unmatched with the reason).

    Raises
    ------
    UsageError
        The file is missing or of the wrong kind; the database cannot be reached or lacks an extension; the import
        failed in the database (the previous network stays served).
    DataError
        The file cannot be read or holds no road; the layers or the speed table are broken.
    """
    import time

    start = time.perf_counter()
    say = progress or (lambda _line: None)
    conn = connect(url, autocommit=True)  # a wrong URL fails before the file is read
    try:
        require_extensions(conn)
        dataset_for(path)
        prepared = prepare(path, match_km, say)
        try:
            with conn.transaction():
                _switch_in(conn, path, prepared, match_km, before_switch, say)
        except _psycopg_error() as exc:
            raise UsageError(f"import failed, the previous network stays served: {first_line(exc)}") from None
    finally:
        conn.close()
    return ImportSummary(**{**prepared.summary.__dict__, "seconds": round(time.perf_counter() - start, 2)})


def _switch_in(conn: psycopg.Connection[Any], path: Path, prepared: Prepared, match_km: float,
               before_switch: Callable[[], None] | None, say: Callable[[str], None]) -> None:
    """Write the network into the staging schema and switch it in (inside the caller's transaction)."""
    graph, dataset = prepared.graph, prepared.dataset
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
    conn.execute(f"DROP SCHEMA IF EXISTS {STAGING} CASCADE")
    conn.execute(f"CREATE SCHEMA {STAGING}")
    conn.execute(f"SET LOCAL search_path TO {STAGING}, public")
    say(f"writing {len(graph.lonlat):,} nodes and {len(graph.u):,} edges")
    create_tables(conn)
    _write(conn, prepared)
    index_tables(conn)
    write_country_parts(conn)
    credit = dataset.attribution
    conn.execute("INSERT INTO network_info VALUES (now(), %s, %s, %s, %s, %s, %s, %s)",
                 (str(path), dataset.source, LICENCE, credit, dataset.join_m, match_km,
                  json.dumps(prepared.summary.to_dict(), ensure_ascii=False)))
    note = (f"Licence: {LICENCE} (https://www.openstreetmap.org/copyright). Attribution: {credit}. "
            f"Source: {dataset.source}")
    for table, what in (("nodes", "Nodes of the imported road network (vertices; junctions and joined ends)"),
                        ("edges", "Edges of the imported road network: geodesic km, hours by mode, the "
                                  "curated crossing matched to a border edge"),
                        ("route_edges", "The routing columns of edges, for pgRouting: no line, the bounding box "
                                        "for the corridor, main roads flagged"),
                        ("country_parts", "The borders layer's countries and enclaves, subdivided, for km per "
                                          "country (© OpenStreetMap contributors, as the borders layer)"),
                        ("crossing_match", "Curated crossings matched to the imported network's border edges"),
                        ("network_info", "What was imported, when, and under which licence")):
        conn.execute(f"COMMENT ON TABLE {table} IS " + _literal(f"{what}. {note}"))
    if before_switch is not None:
        before_switch()
    say(f"switching the new network in as schema {NETWORK}")
    conn.execute(f"DROP SCHEMA IF EXISTS {RETIRED} CASCADE")
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (NETWORK,)).fetchone() is not None:
        conn.execute(f"ALTER SCHEMA {NETWORK} RENAME TO {RETIRED}")
    conn.execute(f"ALTER SCHEMA {STAGING} RENAME TO {NETWORK}")
    conn.execute(f"DROP SCHEMA IF EXISTS {RETIRED} CASCADE")


def _psycopg_error() -> type[Exception]:
    import psycopg

    return psycopg.Error


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_tables(conn: psycopg.Connection[Any]) -> None:
    """Create the network's empty tables (in the schema first on the search path; see the module's Tables)."""
    conn.execute("CREATE TABLE nodes (id bigint PRIMARY KEY, country text, geom geometry(Point, 4326) NOT NULL)")
    conn.execute("""CREATE TABLE edges (id bigint PRIMARY KEY, source bigint NOT NULL REFERENCES nodes,
                    target bigint NOT NULL REFERENCES nodes, class text NOT NULL, km double precision NOT NULL,
                    hours_passenger double precision NOT NULL, hours_freight double precision NOT NULL,
                    country text, source_country text, target_country text, border boolean NOT NULL,
                    crossing_id text, gate boolean NOT NULL, geom geometry(LineString, 4326) NOT NULL)""")
    conn.execute("""CREATE TABLE crossing_match (crossing_id text PRIMARY KEY, name text NOT NULL,
                    countries text NOT NULL, edges integer NOT NULL, distance_km double precision,
                    reason text NOT NULL)""")
    conn.execute("CREATE TABLE network_info (imported_at timestamptz NOT NULL, source text NOT NULL, "
                 "dataset text NOT NULL, licence text NOT NULL, attribution text NOT NULL, "
                 "join_m double precision NOT NULL, match_km double precision NOT NULL, summary json NOT NULL)")


def index_tables(conn: psycopg.Connection[Any]) -> None:
    """Index the written tables and make ``route_edges`` from ``edges`` (:func:`write_route_edges`)."""
    conn.execute("CREATE INDEX edges_geom ON edges USING gist (geom)")
    conn.execute("CREATE INDEX nodes_geom ON nodes USING gist (geom)")
    conn.execute("CREATE INDEX edges_crossing ON edges (crossing_id) WHERE crossing_id IS NOT NULL")
    conn.execute("ANALYZE edges")
    write_route_edges(conn)


def _write(conn: psycopg.Connection[Any], prepared: Prepared) -> None:
    p = prepared
    graph, node_country, source_country, target_country = p.graph, p.node_country, p.source_country, p.target_country
    edge_country, classes, hours, crossing_of = p.edge_country, p.classes, p.hours, p.crossing_of
    with conn.cursor().copy("COPY nodes (id, country, geom) FROM STDIN") as copy:
        for i, ((lon, lat), country) in enumerate(zip(graph.lonlat, node_country)):
            copy.write_row((i, country, f"SRID=4326;POINT({lon:.7f} {lat:.7f})"))
    with conn.cursor().copy("COPY edges FROM STDIN") as copy:
        for i in range(len(graph.u)):
            a, b = graph.lonlat[graph.u[i]], graph.lonlat[graph.v[i]]
            sc, tc = source_country[i], target_country[i]
            copy.write_row((i, int(graph.u[i]), int(graph.v[i]), classes[i], float(graph.km[i]),
                            float(hours["passenger"][i]), float(hours["freight"][i]), edge_country[i], sc, tc,
                            bool(sc and tc and sc != tc), crossing_of[i], p.gate[i],
                            f"SRID=4326;LINESTRING({a[0]:.7f} {a[1]:.7f}, {b[0]:.7f} {b[1]:.7f})"))
    with conn.cursor().copy("COPY crossing_match FROM STDIN") as copy:
        for m in p.summary.matched:
            copy.write_row((m.crossing_id, m.name, m.countries, m.edges, m.distance_km, m.reason))


def write_route_edges(conn: psycopg.Connection[Any]) -> None:
    """Make ``route_edges`` from ``edges`` (in the schema first on the search path): what the searches read.

    The routing columns only (no line: a search over the whole network reads a table about half as wide), the
    ``main`` flag of :data:`MAIN_CLASSES` and border edges, and each edge's bounding box ``bbox`` (PostgreSQL's own
    ``box``, 32 bytes), indexed, for the corridor. The rows are stored main roads first, each kind in geohash order,
    so a long route's search reads the main roads' pages alone, and a corridor's edges lie on few pages.
    """
    from psycopg import sql

    conn.execute(sql.SQL(
        "CREATE TABLE route_edges AS SELECT id, source, target, km, hours_passenger, hours_freight, country, "
        "source_country, target_country, border, crossing_id, gate, (class = ANY({}::text[]) OR border) AS main, "
        "box(point(ST_XMin(geom), ST_YMin(geom)), point(ST_XMax(geom), ST_YMax(geom))) AS bbox FROM edges "
        "ORDER BY main DESC, ST_GeoHash(ST_StartPoint(geom), 5)").format(
        sql.Literal(list(MAIN_CLASSES))))
    conn.execute("ALTER TABLE route_edges ADD PRIMARY KEY (id)")
    conn.execute("CREATE INDEX route_edges_bbox ON route_edges USING gist (bbox)")
    conn.execute("CREATE INDEX route_edges_main ON route_edges USING gist (bbox) WHERE main")
    conn.execute("ANALYZE route_edges")


COUNTRY_PART_VERTICES = 256
"""``ST_Subdivide``'s limit on each part of a country (a route's line is cut by a few small parts, not a whole
country of a hundred thousand vertices)."""


def write_country_parts(conn: psycopg.Connection[Any]) -> None:
    """Make ``country_parts`` (in the schema first on the search path) from the borders layer's countries and enclaves.

    Raises
    ------
    DataError
        The borders layer is missing or broken.
    """
    from psycopg import sql

    from geo.layers import store

    borders, _ = store.read_layer("borders")
    polygons = borders[borders["kind"].isin(("country", "enclave"))]
    conn.execute("CREATE TEMP TABLE country_whole (country text NOT NULL, geom geometry NOT NULL) ON COMMIT DROP")
    with conn.cursor().copy("COPY country_whole FROM STDIN") as copy:
        for code, geometry in zip(polygons["country"], polygons.geometry):
            copy.write_row((str(code), shapely.to_wkb(shapely.set_srid(geometry, 4326), hex=True, include_srid=True)))
    conn.execute(sql.SQL("CREATE TABLE country_parts AS SELECT country, "
                         "ST_Subdivide(geom, {})::geometry(Polygon, 4326) AS geom FROM country_whole").format(
        sql.Literal(COUNTRY_PART_VERTICES)))
    conn.execute("CREATE INDEX country_parts_geom ON country_parts USING gist (geom)")
    conn.execute("DROP TABLE country_whole")
    conn.execute("ANALYZE country_parts")


def imported(conn: psycopg.Connection[Any], network: str = NETWORK) -> bool:
    """Return whether the database serves an imported network (in schema ``network``).

    Raises
    ------
    UsageError
        The network was imported by an older version, without the table the searches read.
    """
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (network,)).fetchone() is None:
        return False
    if conn.execute("SELECT to_regclass(%s)", (f"{network}.route_edges",)).fetchone() in (None, (None,)):
        raise UsageError(f"the road network in schema {network} was imported by an older version (no "
                         "route_edges): run `geo db import-osm` again")
    return True


def info(url: str) -> dict[str, Any] | None:
    """Return the served network's ``network_info`` (None when nothing is imported).

    Raises
    ------
    UsageError
        The database cannot be reached.
    """
    from psycopg import sql

    with connect(url) as conn:
        if not imported(conn):
            return None
        row = conn.execute(sql.SQL("SELECT imported_at, source, dataset, licence, attribution, summary FROM {}")
                           .format(sql.Identifier(NETWORK, "network_info"))).fetchone()
    if row is None:
        raise DataError([Problem(f"{NETWORK}.network_info", 0, "empty: run `geo db import-osm` again")])
    when, source, dataset, licence, credit, summary = row
    return {"imported_at": when.isoformat() if isinstance(when, dt.datetime) else None, "source": source,
            "dataset": dataset, "licence": licence, "attribution": credit, "summary": summary}


def drop(url: str) -> bool:
    """Drop the imported network (and any staging left over); return whether there was one.

    Raises
    ------
    UsageError
        The database cannot be reached.
    """
    return drop_schemas(url, LOCK_KEY, NETWORK, (STAGING, RETIRED))
