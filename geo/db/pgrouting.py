"""Routing inside the database: ``--engine pgrouting``.

The load writes the route engine's directed graph into ``route_nodes`` and ``route_edges`` (one row per direction
of a segment, km and hours per mode). A scenario becomes the edge query that ``pgr_dijkstra`` runs:

- the cost is the mode's hours plus the border hours of the crossing an edge enters (time), or the km (distance);
- edges into or out of a crossing that is impassable under the scenario are left out (except at the route's own
  ends and via places), and so are edges in an avoided country and, for a traveller, edges from a crossing into a
  country that wants a visa not held.

Which crossings are impassable and how long each takes on the date comes from the same rules as the in-memory
engine (:meth:`geo.routing.graph.RoadGraph.gate_state`: the status on the date, traffic, the vehicle's and the
citizen's access), passed into the query as arrays. The path found is then described by the in-memory engine's code,
so both engines print the same kind of route.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geo.db import SCHEMA, connect, first_line, schema_sql
from geo.errors import DataError, Problem, UsageError
from geo.routing import RouteEngine
from geo.routing.graph import Scenario

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
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = connect(self.url, autocommit=True)
        try:
            return self._conn.execute(query, params).fetchall()
        except psycopg.Error as exc:
            raise UsageError(f"pgRouting query failed: {first_line(exc)}") from None

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
        """Return the best node path through ``stops``, each leg found by ``pgr_dijkstra`` in the database.

        Raises
        ------
        UsageError
            ``alternatives`` asked for (the in-memory engine finds them).
        NoRouteError
            A leg cannot be completed under the scenario (the message is the in-memory engine's, naming the cut).
        """
        if alternatives:
            raise UsageError("--alternatives needs the in-memory engine (--engine memory)")
        edges = self.edge_query(stops, scenario)
        index = self.graph.index
        path: list[int] = []
        for a, b in zip(stops, stops[1:]):
            rows = self._query("SELECT node FROM pgr_dijkstra(%s, %s::bigint, %s::bigint, directed => true) "
                               "ORDER BY path_seq", (edges, index[a], index[b]))
            if not rows:
                self.graph.plan(stops, scenario, 0)  # raises NoRouteError with the cut-off message
                raise DataError([Problem(f"{SCHEMA}.route_edges", 0, f"pgRouting finds no route {a} → {b} "
                                         "where the in-memory engine does: run `geo db load` again")])
            leg = [int(row[0]) for row in rows]
            path.extend(leg if not path else leg[1:])
        return [path]
