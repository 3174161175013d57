"""Routing inside the database: ``--engine pgrouting``.

The load writes the route engine's directed graph into ``route_nodes`` and ``route_edges`` (one row per direction
of a segment, km and hours per mode). A scenario becomes the edge query that pgRouting runs:

- the cost is the mode's hours plus the border hours of the crossing an edge enters (time), or the km (distance);
- edges into or out of a crossing that is impassable under the scenario are left out (except at the route's own
  ends and via places), and so are edges in an avoided country and, for a traveller, edges from a crossing into a
  country that wants a visa not held.

Which crossings are impassable and how long each takes on the date comes from the same rules as the in-memory
engine (:meth:`geo.routing.graph.RoadGraph.gate_state`: the status on the date, traffic, the vehicle's and the
citizen's access), passed into the query as arrays. What the searches find is then read by the in-memory engine's
code, so both engines print the same results:

- a route: each leg is a ``pgr_dijkstra`` search, described as the in-memory engine describes its paths;
- alternatives: per leg, one ``pgr_dijkstra`` from the start to the end and every crossing, and one from the end to
  every crossing (on the reversed edges when visa borders make some roads one way), chosen among by
  :meth:`geo.routing.graph.RoadGraph.alternatives`, the in-memory engine's definition;
- a matrix: per date, one ``pgr_drivingDistance`` from every source without a limit (a multi-source Dijkstra
  returning each node reached with the edge it is reached by): the shortest-path trees, summed per pair by
  :mod:`geo.routing.matrix`.

Node numbers go to pgRouting shifted by one (``route_nodes`` starts at 0, which newer pgRouting versions ignore as a
start vertex).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from geo.db import SCHEMA, connect, first_line, schema_sql
from geo.errors import DataError, Problem, UsageError
from geo.routing import RouteEngine
from geo.routing.graph import NO_PREDECESSOR, LegSearch, Scenario

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql

ENGINES = ("memory", "pgrouting")
"""The route engines ``geo route --engine`` offers."""


class PgRoutingEngine(RouteEngine):
    """A route engine whose searches run in the database (``pgr_dijkstra`` on ``route_edges``).

    Build it with :meth:`connect_to`: the layers must be read from the same database (so the graph's node numbers are
    those of ``route_nodes``).
    """

    url: str = ""
    _conn: psycopg.Connection[Any] | None = None

    @classmethod
    def connect_to(cls, url: str) -> PgRoutingEngine:
        """Return the engine on the data loaded in the database at ``url``.

        Raises
        ------
        UsageError
            The database cannot be reached, holds no loaded data, or lacks pgRouting.
        DataError
            The database's route graph is not the one its layers make (load again).
        """
        from geo.db.source import DatabaseSource
        from geo.layers import store

        previous = store.source()
        store.use_source(DatabaseSource(url))
        try:
            base = RouteEngine.load()
        finally:
            store.use_source(previous)
        engine = cls(base.graph, base.names)
        engine.url = url
        nodes = [str(row[0]) for row in engine._query(
            schema_sql("SELECT place_id FROM {}.route_nodes ORDER BY node"), ())]
        if nodes != engine.graph.node_ids:
            engine.close()
            raise DataError([Problem(f"{SCHEMA}.route_nodes", 0, "the route graph does not match the layers: "
                                     "run `geo db load` again")])
        return engine

    def _query(self, query: str | sql.Composed, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self._table(query, params)[1]

    def _table(self, query: str | sql.Composed,
               params: tuple[Any, ...]) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
        """Return the position of each result column by name, and the rows."""
        import psycopg

        try:
            cursor = self._connection().execute(query, params)
            rows = cursor.fetchall()
        except psycopg.Error as exc:
            raise UsageError(f"pgRouting query failed: {first_line(exc)}") from None
        return {column.name: k for k, column in enumerate(cursor.description or ())}, rows

    def close(self) -> None:
        """Close the engine's database connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def edge_query(self, stops: list[str], scenario: Scenario) -> str:
        """Return the edge query (id, source, target, cost) of a scenario, as ``pgr_dijkstra`` takes it."""
        from psycopg import sql

        g = self.graph
        states = g.states(scenario)
        kept = set(stops)
        blocked = sorted(cid for cid, state in states.items() if not state.passable and cid not in kept)
        by_time = scenario.optimize == "time"
        gates = sorted(states)
        hours = [float(states[cid].hours) for cid in gates]
        visa = sorted(f"{cid} {code}" for cid, code in g.visa_barred(scenario))
        cost = (sql.SQL("e.{} + coalesce(g.hours, 0)").format(sql.Identifier(f"hours_{scenario.mode}")) if by_time
                else sql.SQL("e.km"))
        query = sql.SQL(
            "SELECT e.id, e.source, e.target, {cost} AS cost FROM {schema}.route_edges e "
            "LEFT JOIN unnest({gates}::text[], {hours}::float8[]) AS g(place, hours) ON g.place = e.target_place "
            "WHERE e.country <> ALL({avoid}::text[]) "
            "AND NOT (e.source_place = ANY({blocked}::text[]) OR e.target_place = ANY({blocked}::text[])) "
            "AND NOT (e.source_place || ' ' || e.country = ANY({visa}::text[]))"
        ).format(cost=cost, schema=sql.Identifier(SCHEMA), gates=sql.Literal(gates), hours=sql.Literal(hours),
                 avoid=sql.Literal(sorted(scenario.avoid)), blocked=sql.Literal(blocked), visa=sql.Literal(visa))
        return query.as_string(self._connection())

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.url, autocommit=True)
        return self._conn

    def plan(self, stops: list[str], scenario: Scenario, alternatives: int) -> list[list[int]]:
        """Return the best node path through ``stops``, then up to ``alternatives`` more, searched in the database.

        Each leg is a ``pgr_dijkstra`` search on the scenario's edge query; alternatives follow the in-memory engine's
        definition (:meth:`geo.routing.graph.RoadGraph.plan`), on two more searches per leg (see the module).

        Raises
        ------
        NoRouteError
            A leg cannot be completed under the scenario (the message is the in-memory engine's, naming the cut).
        DataError
            pgRouting finds no route where the in-memory engine does (the database's graph is stale).
        """
        g = self.graph
        edges = self.edge_query(stops, scenario)
        gates = [int(x) for x in g.gate_nodes]
        legs: list[tuple[int, int, dict[int, tuple[list[int], float]]]] = []
        for a, b in zip(stops, stops[1:]):
            s, t = g.index[a], g.index[b]
            forward = self._paths(edges, s, [t, *(x for x in gates if x not in (s, t))] if alternatives else [t])
            if t not in forward:
                g.plan(stops, scenario, 0)  # raises NoRouteError with the cut-off message
                raise DataError([Problem(f"{SCHEMA}.route_edges", 0, f"pgRouting finds no route {a} → {b} "
                                         "where the in-memory engine does: run `geo db load` again")])
            legs.append((s, t, forward))
        path: list[int] = []
        for _, t, forward in legs:
            path.extend(forward[t][0] if not path else forward[t][0][1:])
        if not alternatives:
            return [path]
        searches = []
        for s, t, forward in legs:
            back = self._paths(edges, t, [x for x in gates if x not in (s, t)], reverse=g.one_way(scenario))
            searches.append(LegSearch(
                s, t, forward[t][0], forward[t][1],
                np.array([forward[x][1] if x in forward else np.inf for x in gates]),
                np.array([back[x][1] if x in back else np.inf for x in gates]),
                partial(_path_to, forward), partial(_path_back_from, back)))
        return [path, *g.alternatives(searches, scenario, alternatives)]

    def _paths(self, edges: str, start: int, targets: list[int],
               reverse: bool = False) -> dict[int, tuple[list[int], float]]:
        """Return the node path and cost from ``start`` to each target reached (one-to-many ``pgr_dijkstra``).

        ``reverse`` searches the reversed edges (each still costing what it costs forwards): the paths found run
        from the targets to ``start``, listed from ``start``.
        """
        query = ("SELECT end_vid - 1, node - 1, agg_cost FROM pgr_dijkstra(%s, %s::bigint, %s::bigint[], "
                 "directed => true) ORDER BY end_vid, path_seq")
        found: dict[int, tuple[list[int], float]] = {}
        for end, node, cost in self._query(query, (_shifted(edges, reverse), start + 1, [t + 1 for t in targets])):
            nodes, _ = found.get(int(end), ([], 0.0))
            nodes.append(int(node))
            found[int(end)] = (nodes, float(cost))
        return found

    def trees(self, scenario: Scenario, sources: np.ndarray) -> np.ndarray:
        """Return the shortest-path trees from ``sources`` as predecessor arrays, searched in the database.

        One ``pgr_drivingDistance`` from every source without a limit on the scenario's edge query (no end kept open,
        as :meth:`geo.routing.graph.RoadGraph.trees`): each node reached comes with the edge it is reached by,
        whose start is the node's predecessor.

        Raises
        ------
        DataError
            An edge pgRouting returns is not the route graph's (the database's graph is stale).
        """
        g = self.graph
        roots, inverse = np.unique(np.asarray(sources, dtype=np.int64), return_inverse=True)
        query = "SELECT * FROM pgr_drivingDistance(%s, %s::bigint[], 'Infinity'::float8, directed => true)"
        at, rows = self._table(query, (_shifted(self.edge_query([], scenario)), [int(r) + 1 for r in roots]))
        root = at["start_vid"] if "start_vid" in at else at["from_v"]  # from_v before pgRouting 3.6
        node, edge = at["node"], at["edge"]
        reached = np.array([(r[root] - 1, r[node] - 1, r[edge]) for r in rows if r[edge] >= 0],
                           dtype=np.int64).reshape(-1, 3)
        starts, nodes, edge_ids = reached.T
        if ((edge_ids >= len(g.rows)) | (g.cols[np.minimum(edge_ids, len(g.rows) - 1)] != nodes)).any():
            raise DataError([Problem(f"{SCHEMA}.route_edges", 0, "pgRouting returns edges the route graph does not "
                                     "have: run `geo db load` again")])
        pred = np.full((len(roots), g.n), NO_PREDECESSOR, dtype=np.int32)
        pred[np.searchsorted(roots, starts), nodes] = g.rows[edge_ids]
        return pred[inverse.reshape(-1)]


def _shifted(edges: str, reverse: bool = False) -> str:
    """Return an edge query with node numbers shifted by one (and each edge turned around when ``reverse``)."""
    from psycopg import sql

    source, target = ("target", "source") if reverse else ("source", "target")
    return sql.SQL("SELECT id, {} + 1 AS source, {} + 1 AS target, cost FROM ({}) AS edges").format(
        sql.Identifier(source), sql.Identifier(target), sql.SQL(edges)).as_string(None)


def _path_to(paths: dict[int, tuple[list[int], float]], node: int) -> list[int]:
    """Return the path a search from a leg's start found to ``node``."""
    return paths[node][0]


def _path_back_from(paths: dict[int, tuple[list[int], float]], node: int) -> list[int]:
    """Return the path ``node`` → a leg's end, from a search that started at the end (its paths run end → node)."""
    return paths[node][0][::-1]
