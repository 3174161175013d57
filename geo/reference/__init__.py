"""Reference road networks: traced OpenStreetMap lines read into a routable graph.

Stages: :func:`read_lines` (a line file with a road class: the project's gzipped GeoJSON tiles or an
OpenStreetMap ``.osm``/``.osm.pbf`` extract through GDAL's OSM driver) → :func:`build_graph` (vertices become
nodes; line ends within a small tolerance are joined, gaps up to a stated limit bridged and reported).

The graph is plain arrays (node coordinates, edge ends, geodesic km, class); :mod:`geo.reference.trace` builds
``scipy.sparse`` matrices from it per segment.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geo.errors import DataError, Problem
from geo.layers.spec import OSM_ATTRIBUTION, OSM_COPYRIGHT_URL, Upstream
from geo.measure import WGS84
from geo.paths import REPO_ROOT

CLASSES = ("motorway", "trunk", "primary", "secondary")
"""Road classes read from any reference (OpenStreetMap ``highway`` values; ``_link`` roads count as their class)."""
ALL_CLASSES = (*CLASSES, "tertiary")
"""Every class a graph may hold (``geo db import-osm`` also keeps ``tertiary``); ``RoadGraph.cls`` indexes it."""
OSM_SUFFIXES = (".osm", ".pbf")
BRIDGE_KM = 2.0
"""Longest gap bridged with a straight link between two otherwise disconnected parts of a reference network."""
METRIC = Transformer.from_crs(
    "EPSG:4326", "+proj=eqdc +lat_0=42 +lon_0=68 +lat_1=37 +lat_2=50 +datum=WGS84 +units=m", always_xy=True)
"""An equidistant conic for Central Asia, used only for tolerances and corridors (never for lengths)."""

OSM_2017 = "central-asia-major-roads-osm2017-z7.geojson.gz"
OSM_2021 = "tj-kg-uz-tm-major-roads-osm2021-z10.geojson.gz"


@dataclass(frozen=True)
class Dataset:
    """A reference road file and what is known about it.

    Parameters
    ----------
    path
        The file (``.geojson``, ``.geojson.gz``, ``.osm`` or ``.osm.pbf``).
    label
        Short name written into each traced segment's ``geometry_source``.
    vintage
        When the OpenStreetMap data was taken (year or date).
    countries
        ISO2 codes the file covers completely; empty for "everything it contains".
    join_m
        Line ends within this many metres of another line are joined to it (tile edges, quantisation).
    attribution
        The credit the data requires.
    """

    path: Path
    label: str
    vintage: str
    countries: tuple[str, ...] = ()
    join_m: float = 1.0
    attribution: str = OSM_ATTRIBUTION

    @property
    def source(self) -> str:
        """Return the text recorded per segment: dataset and vintage."""
        return f"{self.label} (OpenStreetMap {self.vintage})"

    def covers(self, country: str) -> bool:
        """Return whether the file is meant to cover a whole country."""
        return not self.countries or country in self.countries


OSM_ROADS_2017 = Upstream(
    name="OpenStreetMap major roads, OpenMapTiles 3.6.1 vector tiles at zoom 7 (shared/data/osm-roads/"
         + OSM_2017 + ")",
    version="OpenStreetMap about 2017; tiles from GitHub bothness/basemaps @ dfd9e8cf",
    url=OSM_COPYRIGHT_URL,
    licence="ODbL-1.0; " + OSM_ATTRIBUTION + ", © OpenMapTiles",
)
OSM_ROADS_2021 = Upstream(
    name="OpenStreetMap trunk, primary and secondary roads of TJ, KG, UZ, TM at zoom 10 (shared/data/osm-roads/"
         + OSM_2021 + ")",
    version="OpenStreetMap August 2021 (Geofabrik extracts via tilemaker; GitHub tokenless-tiles gh-pages)",
    url=OSM_COPYRIGHT_URL,
    licence="ODbL-1.0; " + OSM_ATTRIBUTION,
)


def shared_dir() -> Path:
    """Return the folder of shared reference data (``$GEO_SHARED_DIR`` overrides ``<repo>/../shared``)."""
    return Path(os.environ.get("GEO_SHARED_DIR", REPO_ROOT.parent / "shared"))


def default_datasets(folder: Path | None = None) -> list[Dataset]:
    """Return the reference road files found in ``shared/data/osm-roads``, most detailed first.

    Missing files are left out, so the list is empty where the shared data is absent.
    """
    folder = folder or shared_dir() / "data" / "osm-roads"
    known = [
        Dataset(folder / OSM_2021, "osm-roads 2021 z10", "2021-08", ("TJ", "KG", "UZ", "TM"), 50.0),
        Dataset(folder / OSM_2017, "osm-roads 2017 z7", "2017", (), 100.0,
                OSM_ATTRIBUTION + ", © OpenMapTiles"),
    ]
    return [d for d in known if d.path.is_file()]


def extract_dataset(path: Path) -> Dataset:
    """Describe a user's OpenStreetMap extract or other line file given with ``--roads-from``.

    Raises
    ------
    DataError
        The file does not exist.
    """
    if not path.is_file():
        raise DataError([Problem(str(path), 0, "reference road file not found")])
    day = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
    join = 1.0 if path.name.endswith(OSM_SUFFIXES) else 30.0
    return Dataset(path, f"OpenStreetMap extract {path.name}", f"file of {day}", (), join)


def read_lines(path: Path, classes: Sequence[str] = CLASSES) -> gpd.GeoDataFrame:
    """Read the road lines of a reference file with their class.

    Parameters
    ----------
    path
        GeoJSON (optionally gzipped) with a ``class`` property, or an OpenStreetMap ``.osm``/``.osm.pbf`` file
        read through GDAL's OSM driver (``lines`` layer, ``highway`` in ``classes`` or their ``_link``).
    classes
        The road classes kept (a subset of :data:`ALL_CLASSES`).

    Returns
    -------
    One LineString per row (multi-lines split), column ``class`` in ``classes``.

    Raises
    ------
    DataError
        The file cannot be read or holds no road line.
    """
    name = str(path)
    try:
        if name.endswith(OSM_SUFFIXES):
            wanted = ", ".join(f"'{c}', '{c}_link'" for c in classes)
            frame = pyogrio.read_dataframe(name, layer="lines", columns=["highway"], where=f"highway IN ({wanted})")
            frame = frame.rename(columns={"highway": "class"})
            frame["class"] = frame["class"].str.removesuffix("_link")
        else:
            frame = pyogrio.read_dataframe("/vsigzip/" + name if name.endswith(".gz") else name, columns=["class"])
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise DataError([Problem(name, 0, f"cannot read reference roads ({type(exc).__name__}: {exc})")]) from None
    if "class" not in frame.columns:
        raise DataError([Problem(name, 0, "reference roads need a 'class' property")])
    frame = frame[frame["class"].isin(classes)].explode(index_parts=False)
    frame = frame[frame.geom_type == "LineString"]
    frame = frame[~frame.geometry.is_empty]
    if frame.empty:
        raise DataError([Problem(name, 0, f"no road line of class {', '.join(classes)}")])
    return gpd.GeoDataFrame(frame[["class"]].reset_index(drop=True), geometry=frame.geometry.to_numpy(), crs=4326)


@dataclass(frozen=True)
class Bridge:
    """A straight link added between two parts of a reference network."""

    start: tuple[float, float]
    end: tuple[float, float]
    km: float


@dataclass
class RoadGraph:
    """A reference road network as arrays.

    ``lonlat`` and ``xy`` (metres in :data:`METRIC`) give each node's position; edge ``i`` joins nodes ``u[i]``
    and ``v[i]`` with geodesic length ``km[i]`` and road class ``cls[i]`` (an index into :data:`ALL_CLASSES`, -1 for
    a bridge).
    """

    dataset: Dataset
    lonlat: NDArray[np.float64]
    xy: NDArray[np.float64]
    u: NDArray[np.int64]
    v: NDArray[np.int64]
    km: NDArray[np.float64]
    cls: NDArray[np.int64]
    joined: int = 0
    split: int = 0
    bridges: list[Bridge] = field(default_factory=list)
    components: int = 0
    _tree: shapely.STRtree | None = None
    _points: NDArray[np.object_] | None = None
    _edge_tree: shapely.STRtree | None = None

    @property
    def total_km(self) -> float:
        """Return the length of every road edge (bridges excluded)."""
        return float(self.km[self.cls >= 0].sum())

    def node_points(self) -> NDArray[np.object_]:
        """Return the nodes as shapely points (metric coordinates)."""
        if self._points is None:
            self._points = np.asarray(shapely.points(self.xy), dtype=object)
        return self._points

    def node_tree(self) -> shapely.STRtree:
        """Return a spatial index over the nodes (metric coordinates)."""
        if self._tree is None:
            self._tree = shapely.STRtree(self.node_points())
        return self._tree

    def edge_tree(self) -> shapely.STRtree:
        """Return a spatial index over the edges as straight segments (metric coordinates)."""
        if self._edge_tree is None:
            segments = shapely.linestrings(np.stack([self.xy[self.u], self.xy[self.v]], axis=1))
            self._edge_tree = shapely.STRtree(np.asarray(segments, dtype=object))
        return self._edge_tree

    def summary(self) -> str:
        """Return one line on how the graph was made: joins, splits, bridges."""
        longest = max((b.km for b in self.bridges), default=0.0)
        return (f"{self.dataset.source}: {len(self.lonlat):,} nodes, {len(self.u):,} edges, {self.total_km:,.0f} km; "
                f"{self.joined:,} vertex pairs joined within {self.dataset.join_m:g} m, {self.split:,} onto a line; "
                f"{len(self.bridges)} gaps bridged (≤ {BRIDGE_KM:g} km, longest {longest:.2f} km, "
                f"{sum(b.km for b in self.bridges):.1f} km in all); {self.components} parts left")


def to_metric(lonlat: NDArray[np.float64]) -> NDArray[np.float64]:
    """Project ``(lon, lat)`` rows into :data:`METRIC` metres."""
    x, y = METRIC.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def from_metric(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return :data:`METRIC` metres to ``(lon, lat)`` rows."""
    lon, lat = METRIC.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
    return np.column_stack([lon, lat])


def geodesic_edge_km(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the geodesic km between matching rows of two ``(lon, lat)`` arrays."""
    if len(a) == 0:
        return np.zeros(0)
    _, _, metres = WGS84.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    return np.asarray(metres, dtype=float) / 1000.0


def build_graph(lines: gpd.GeoDataFrame, dataset: Dataset, *, bridge_km: float = BRIDGE_KM) -> RoadGraph:
    """Turn road lines into a graph whose nodes are their vertices.

    Identical vertices become one node. A line end that meets no other line exactly is joined to the nearest
    vertex of another line within ``dataset.join_m``, or else to the nearest point of another line within that
    distance (the line is split there). Finally each remaining dead end is bridged to the nearest node of another
    connected part if that is at most ``bridge_km`` away; every bridge is recorded.
    """
    coords, owner = shapely.get_coordinates(lines.geometry.to_numpy(), return_index=True)
    classes = np.array([ALL_CLASSES.index(c) for c in lines["class"]], dtype=np.int64)
    same_line = owner[1:] == owner[:-1]
    first = np.flatnonzero(same_line)
    edge_a, edge_b, edge_cls = first, first + 1, classes[owner[first]]
    _, exact = np.unique(np.round(coords, 7), axis=0, return_inverse=True)
    exact = exact.ravel()
    xy = to_metric(coords)
    is_end = np.ones(len(coords), dtype=bool)
    is_end[1:-1] = ~(same_line[1:] & same_line[:-1])
    lone = np.flatnonzero(is_end & (np.bincount(exact)[exact] == 1))
    pairs, unjoined = _join_to_vertices(xy, owner, lone, dataset.join_m)
    extra, cuts, split_pairs = _join_to_lines(xy, owner, edge_a, edge_b, unjoined, dataset.join_m)
    all_xy = np.vstack([xy, np.array(extra).reshape(-1, 2)])
    edge_a, edge_b, edge_cls = _cut_edges(all_xy, edge_a, edge_b, edge_cls, cuts)
    # one node per group of vertices that are the same place: exact duplicates, joins and splits
    n = len(all_xy)
    first_of = np.zeros(exact.max() + 1, dtype=np.int64)
    first_of[exact[::-1]] = np.arange(len(exact))[::-1]
    same = np.array([*zip(np.arange(len(exact)), first_of[exact]), *pairs, *split_pairs], dtype=np.int64).reshape(-1, 2)
    _, label = connected_components(coo_array((np.ones(len(same)), (same[:, 0], same[:, 1])), shape=(n, n)),
                                    directed=False)
    nodes, first_vertex, node_of = np.unique(label, return_index=True, return_inverse=True)
    node_xy = all_xy[first_vertex]
    node_lonlat = np.vstack([coords, from_metric(np.array(extra).reshape(-1, 2))])[first_vertex]
    u, v = node_of[edge_a], node_of[edge_b]
    keep = u != v
    graph = RoadGraph(dataset, node_lonlat, node_xy, u[keep].astype(np.int64), v[keep].astype(np.int64),
                      geodesic_edge_km(node_lonlat[u[keep]], node_lonlat[v[keep]]), edge_cls[keep],
                      joined=len(pairs), split=len(split_pairs))
    _bridge(graph, bridge_km)
    return graph


def _join_to_vertices(xy: NDArray[np.float64], owner: NDArray[np.int64], lone: NDArray[np.int64],
                      join_m: float) -> tuple[list[tuple[int, int]], list[int]]:
    """Pair vertices of different lines that lie within ``join_m`` of each other.

    Tiles cut roads at their edges; once merged, a dual carriageway often becomes one line that runs to the tile
    edge and back, so the cut is in the middle of a line, not at its end: every vertex is considered.

    Returns
    -------
    The pairs, and the lone line ends that found no partner.
    """
    pairs = [(int(a), int(b)) for a, b in cKDTree(xy).query_pairs(join_m, output_type="ndarray")
             if owner[a] != owner[b]]
    paired = {i for pair in pairs for i in pair}
    return pairs, [int(e) for e in lone if int(e) not in paired]


def _join_to_lines(xy: NDArray[np.float64], owner: NDArray[np.int64], edge_a: NDArray[np.int64],
                   edge_b: NDArray[np.int64], ends: list[int], join_m: float) -> tuple[
        list[NDArray[np.float64]], dict[int, list[int]], list[tuple[int, int]]]:
    """Project each still lone end onto the nearest edge of another line within ``join_m``.

    Returns
    -------
    The new points (metric), the new point indices to cut into each edge, and (end, new point) pairs.
    """
    segments = np.asarray(shapely.linestrings(np.stack([xy[edge_a], xy[edge_b]], axis=1)), dtype=object)
    tree = shapely.STRtree(segments)
    extra: list[NDArray[np.float64]] = []
    cuts: dict[int, list[int]] = {}
    pairs: list[tuple[int, int]] = []
    for end in ends:
        point = shapely.points(xy[end])
        near = [int(i) for i in tree.query(point, predicate="dwithin", distance=join_m)
                if owner[edge_a[int(i)]] != owner[end]]
        if not near:
            continue
        best = min(near, key=lambda i: float(shapely.distance(point, segments[i])))
        at = shapely.line_interpolate_point(segments[best], shapely.line_locate_point(segments[best], point))
        index = len(xy) + len(extra)
        extra.append(shapely.get_coordinates(at)[0])
        cuts.setdefault(best, []).append(index)
        pairs.append((end, index))
    return extra, cuts, pairs


def _cut_edges(all_xy: NDArray[np.float64], edge_a: NDArray[np.int64], edge_b: NDArray[np.int64],
               edge_cls: NDArray[np.int64], cuts: dict[int, list[int]]) -> tuple[
        NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Replace each cut edge by a chain through its new points, in order along the edge."""
    if not cuts:
        return edge_a, edge_b, edge_cls
    keep = np.ones(len(edge_a), dtype=bool)
    new_a: list[int] = []
    new_b: list[int] = []
    new_cls: list[int] = []
    for edge, points in cuts.items():
        keep[edge] = False
        a, b = int(edge_a[edge]), int(edge_b[edge])
        chain = [a, *sorted(points, key=lambda p: float(np.hypot(*(all_xy[p] - all_xy[a])))), b]
        new_a.extend(chain[:-1])
        new_b.extend(chain[1:])
        new_cls.extend([int(edge_cls[edge])] * (len(chain) - 1))
    return (np.concatenate([edge_a[keep], new_a]).astype(np.int64),
            np.concatenate([edge_b[keep], new_b]).astype(np.int64),
            np.concatenate([edge_cls[keep], new_cls]).astype(np.int64))


def _bridge(graph: RoadGraph, bridge_km: float) -> None:
    """Link each dead end to the nearest node within ``bridge_km`` that the roads do not already join closely.

    A node counts as already joined when the network path to it is at most twice the straight distance plus
    1 km; anything else is a gap (a tile edge, a missing piece of road) and gets a straight link. Every link is
    recorded in ``graph.bridges``.
    """
    n = len(graph.lonlat)
    matrix = coo_array((graph.km, (graph.u, graph.v)), shape=(n, n)).tocsr()
    degree = np.bincount(np.concatenate([graph.u, graph.v]), minlength=n)
    dead = np.flatnonzero(degree == 1)
    tree = cKDTree(graph.xy)
    links: dict[tuple[int, int], float] = {}
    limit = 2 * bridge_km + 1.0
    for chunk in np.array_split(dead, max(1, len(dead) // 200)):
        if not len(chunk):
            continue
        reach = dijkstra(matrix, directed=False, indices=chunk, limit=limit)
        for row, end in enumerate(chunk):
            near = [int(k) for k in tree.query_ball_point(graph.xy[end], bridge_km * 1000.0) if int(k) != int(end)]
            gaps = sorted((float(np.hypot(*(graph.xy[k] - graph.xy[end]))) / 1000.0, k) for k in near)
            for straight, node in gaps:
                if reach[row, node] > 2 * straight + 1.0:
                    key = (min(int(end), node), max(int(end), node))
                    links.setdefault(key, straight)
                    break
    if links:
        ends = np.array(sorted(links), dtype=np.int64)
        km = geodesic_edge_km(graph.lonlat[ends[:, 0]], graph.lonlat[ends[:, 1]])
        graph.u = np.concatenate([graph.u, ends[:, 0]])
        graph.v = np.concatenate([graph.v, ends[:, 1]])
        graph.km = np.concatenate([graph.km, km])
        graph.cls = np.concatenate([graph.cls, np.full(len(ends), -1, dtype=np.int64)])
        graph.bridges = [Bridge((float(graph.lonlat[a, 0]), float(graph.lonlat[a, 1])),
                                (float(graph.lonlat[b, 0]), float(graph.lonlat[b, 1])), float(k))
                         for (a, b), k in zip(ends, km)]
    full = coo_array((np.ones(len(graph.u)), (graph.u, graph.v)), shape=(n, n))
    graph.components = int(connected_components(full, directed=False)[0])


_GRAPHS: dict[tuple[Dataset, int, float], RoadGraph] = {}


def load_graph(dataset: Dataset) -> RoadGraph:
    """Read a reference file and build its graph (kept in memory while the file is unchanged)."""
    stat = dataset.path.stat()
    key = (dataset, stat.st_size, stat.st_mtime)
    if key not in _GRAPHS:
        if len(_GRAPHS) >= 4:
            _GRAPHS.clear()
        _GRAPHS[key] = build_graph(read_lines(dataset.path), dataset)
    return _GRAPHS[key]


def load_graphs(datasets: Sequence[Dataset]) -> list[RoadGraph]:
    """Read every reference file, in the order given (the order of preference)."""
    return [load_graph(d) for d in datasets]
