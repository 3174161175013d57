"""The road graph behind routing: scenarios, edges, crossings as gates, and shortest paths.

The graph is built once per data version as a compressed sparse row matrix whose structure is shared by every
query; a :class:`Scenario` only masks and weights its entries (closed crossings, avoided countries, traffic mode,
transit rules), so it never copies the graph. Border time is a node cost: it is added to each directed entry
*into* a crossing, so a route through a crossing pays it once.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Self

import numpy as np
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geo import vocab
from geo.errors import NoRouteError, UsageError
from geo.i18n import N_
from geo.layers import store
from geo.layers.crossings import border_time_in, border_times_for
from geo.layers.entry_rules import EntryRules
from geo.layers.status import facts, latest
from geo.messages import Message
from geo.paths import REPO_ROOT, source_dir
from geo.routing import speeds as speed_table

MODES = vocab.ROUTE_MODES
TRAFFIC_OF_MODE = vocab.TRAFFIC_OF_ROUTE_MODE
PASSABLE = vocab.PASSABLE
OPTIMIZE = vocab.ROUTE_OPTIMIZE
UNKNOWN_CHOICES = vocab.UNKNOWN_CHOICES
MAX_ALTERNATIVES = vocab.MAX_ALTERNATIVES
UNIFORM_KMH = 60.0
"""Speed of every segment in a graph built without a speed table (synthetic graphs and tests)."""
NO_PREDECESSOR = -9999
"""A predecessor array's value for a node off the tree (scipy's)."""
KIND_RANK = {"city": 0, "town": 1, "pass": 2, "junction": 3, "crossing": 4}
"""Which place a shared name means first: a city before a crossing named after it."""
FOREIGN_ACCESS = {"international"}
"""Transit rules that admit a vehicle registered in neither of a crossing's two countries."""


@dataclass(frozen=True)
class Scenario:
    """What is passable and what is minimised.

    Crossings on a date, overrides, avoided countries, traffic mode, the objective (``time`` or
    ``distance``), how unknown statuses count (``open`` or ``closed``), the ISO2 code of the
    country the vehicle is registered in (None: no transit rule applies), and the traveller's
    citizenship with the visas held (passenger routes only; None: no document is checked). The
    defaults are the command line's and the app's: fastest route, passengers, today, nothing overridden.

    Each field's ``metadata["kind"]`` names the set its values come from (``date``, ``crossings``: crossing ids,
    ``countries``: ISO2 codes the network enters, ``country``: one ISO2 code or None, ``choice``: one of
    ``metadata["choices"]``), so the app's link and session read and write every field by walking them: a new
    field is declared here once.
    """

    as_of: dt.date = field(default_factory=dt.date.today, metadata={"kind": "date"})
    close: frozenset[str] = field(default=frozenset(), metadata={"kind": "crossings"})
    open: frozenset[str] = field(default=frozenset(), metadata={"kind": "crossings"})
    avoid: frozenset[str] = field(default=frozenset(), metadata={"kind": "countries"})
    mode: str = field(default=MODES[0], metadata={"kind": "choice", "choices": MODES})
    optimize: str = field(default=OPTIMIZE[0], metadata={"kind": "choice", "choices": OPTIMIZE})
    unknown: str = field(default=UNKNOWN_CHOICES[0], metadata={"kind": "choice", "choices": UNKNOWN_CHOICES})
    vehicle: str | None = field(default=None, metadata={"kind": "country"})
    citizen: str | None = field(default=None, metadata={"kind": "country"})
    """ISO2 code of the traveller's citizenship: crossings closed to it and visa borders without a visa are avoided."""
    visas: frozenset[str] = field(default=frozenset(), metadata={"kind": "countries"})
    """Countries whose visa the traveller holds (only with ``citizen``)."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"mode must be one of {', '.join(MODES)}, not {vocab.shorten(self.mode, 20)!r}")
        if self.optimize not in OPTIMIZE:
            raise UsageError(f"optimize must be one of {', '.join(OPTIMIZE)}, not {vocab.shorten(self.optimize, 20)!r}")
        if self.unknown not in UNKNOWN_CHOICES:
            raise UsageError(f"unknown must be one of {', '.join(UNKNOWN_CHOICES)}, "
                             f"not {vocab.shorten(self.unknown, 20)!r}")
        if self.vehicle is not None and self.vehicle not in vocab.BY_ISO2:
            raise UsageError(f"vehicle {vocab.shorten(self.vehicle, 20)!r}: not a country code on the map "
                             f"({', '.join(c.iso2 for c in vocab.COUNTRIES)})")
        if self.citizen is not None and self.citizen not in vocab.BY_ISO2:
            raise UsageError(f"--citizen {vocab.shorten(self.citizen, 20)!r}: not a country code on the map "
                             f"({', '.join(c.iso2 for c in vocab.COUNTRIES)})")
        bad_visas = sorted(c for c in self.visas if c not in vocab.BY_ISO2)
        if bad_visas:
            raise UsageError(f"--visa {vocab.shorten(bad_visas[0], 20)!r}: not a country code on the map "
                             f"({', '.join(c.iso2 for c in vocab.COUNTRIES)})")
        if self.visas and self.citizen is None:
            raise UsageError("--visa needs --citizen (the traveller's citizenship, e.g. --citizen KG)")
        if self.citizen is not None and self.citizen in self.visas:
            raise UsageError(f"--visa {self.citizen}: the citizen's own country needs no visa")
        if self.citizen is not None and self.mode != "passenger":
            raise UsageError(f"--citizen applies to passenger routes, not --mode {self.mode} (for a truck's transit "
                             "rules give --vehicle)")
        both = self.close & self.open
        if both:
            raise UsageError(f"crossing(s) both closed and opened: {', '.join(sorted(both))}")

    @classmethod
    def consistent(cls, **values: Any) -> Self:
        """Return a scenario from values a form or a link holds, dropping what contradicts the rest.

        A crossing both closed and opened stays closed; a citizenship on a freight route goes, and so do visas
        without a citizenship or of the citizen's own country. Other bad values still raise :class:`UsageError`.
        """
        values["open"] = frozenset(values.get("open", ())) - frozenset(values.get("close", ()))
        if values.get("mode", MODES[0]) != "passenger":
            values["citizen"] = None
        citizen = values.get("citizen")
        values["visas"] = frozenset(values.get("visas", ())) - {citizen} if citizen else frozenset()
        return cls(**values)

    @property
    def traffic(self) -> str:
        """Return the crossing traffic this scenario's mode needs."""
        return TRAFFIC_OF_MODE[self.mode]

    def describe(self) -> str:
        """Return a short human description of the scenario."""
        parts = [f"as of {self.as_of.isoformat()}", self.mode, f"by {self.optimize}"]
        if self.close:
            parts.append("closed: " + ", ".join(sorted(self.close)))
        if self.open:
            parts.append("opened: " + ", ".join(sorted(self.open)))
        if self.avoid:
            parts.append("avoiding " + ", ".join(sorted(self.avoid)))
        if self.unknown == "closed":
            parts.append("unknown statuses closed")
        if self.vehicle:
            parts.append(f"{self.vehicle}-registered vehicle")
        if self.citizen:
            parts.append(f"{self.citizen} citizen" + (" with visas " + ", ".join(sorted(self.visas))
                                                      if self.visas else ""))
        return "; ".join(parts)

    def needs_visa(self, country: str, document: str) -> bool:
        """Return whether this traveller cannot enter ``country``: its rule on the date is a visa they do not hold.

        >>> held = Scenario(citizen="UZ", visas=frozenset({"TM"}))
        >>> Scenario(citizen="UZ").needs_visa("TM", "visa"), held.needs_visa("TM", "visa"), held.needs_visa("KZ", "?")
        (True, False, False)
        """
        return (self.citizen is not None and country != self.citizen and document == "visa"
                and country not in self.visas)


@dataclass(frozen=True)
class Trip:
    """Where a route goes: its two ends, the places it passes in order, and the scenario it runs under.

    The one description of a route request that the command line, the app, the report figure and the
    downloads share, so a figure draws the route that the page and the text show.
    """

    origin: str
    dest: str
    scenario: Scenario = field(default_factory=Scenario)
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class Edge:
    """One road segment as an edge of the graph."""

    id: str
    name: str
    soviet_ref: str | None
    refs: tuple[str, ...]
    country: str
    length_km: float
    method: str
    line: shapely.LineString
    features: tuple[str, ...]
    terrain: str = "trunk"


@dataclass(frozen=True)
class CrossingInfo:
    """What routing needs to know about a crossing."""

    id: str
    name: str
    countries: str
    traffic: tuple[str, ...]
    history: tuple[Mapping[str, Any], ...]
    border_times: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class GateState:
    """A crossing under a scenario: passable or not, its status entry, its border time, and what is unknown."""

    passable: bool
    entry: dict[str, Any]
    hours: float
    border: dict[str, Any] | None
    unknown_status: bool
    unknown_access: bool


@dataclass(frozen=True)
class LegSearch:
    """One leg of a trip searched for alternatives: its best path and cost, and the best paths via each crossing.

    ``to_gate`` and ``from_gate`` hold one cost per node of :attr:`RoadGraph.gate_nodes` (inf where not reached):
    the search from the leg's start, and the search from its end, run on the reversed graph when
    :meth:`RoadGraph.one_way` (then the cost gate → end), else on the graph itself (the cost end → gate).
    ``head(g)`` is the best path start → g of the first search, ``tail(g)`` the best path g → end of the second.
    """

    start: int
    end: int
    best: list[int]
    cost: float
    to_gate: np.ndarray
    from_gate: np.ndarray
    head: Callable[[int], list[int]]
    tail: Callable[[int], list[int]]


class RoadGraph:
    """An undirected road graph on places, with crossings as gate nodes.

    Parameters
    ----------
    nodes
        ``place id → (lon, lat)``.
    edges
        Road segments with ``from`` and ``to`` place ids.
    crossings
        Crossing records by id (each also a node).
    speeds
        Road speeds by country, terrain and traffic; None gives every segment :data:`UNIFORM_KMH`.
    rules
        Travel documents by citizenship, destination and date; None: no rule is known.

    Raises
    ------
    KeyError
        A segment's country and terrain have no speed in ``speeds``.
    """

    def __init__(self, nodes: Mapping[str, tuple[float, float]], edges: Sequence[tuple[str, str, Edge]],
                 crossings: Mapping[str, CrossingInfo], speeds: speed_table.SpeedTable | None = None,
                 rules: EntryRules | None = None) -> None:
        self.rules = rules if rules is not None else EntryRules()
        self.node_ids: list[str] = list(nodes)
        self.coords = dict(nodes)
        self.crossings = dict(crossings)
        index = {pid: i for i, pid in enumerate(self.node_ids)}
        self.edges: list[Edge] = []
        rows: list[int] = []
        cols: list[int] = []
        seen: set[tuple[int, int]] = set()
        self.edge_ends: list[tuple[int, int]] = []
        self._entry_edge: list[int] = []
        for a, b, edge in edges:
            u, v = index[a], index[b]
            pair = (min(u, v), max(u, v))
            if pair in seen or u == v:
                # a parallel edge gets a virtual middle node so the matrix keeps one entry per pair
                mid = len(self.node_ids)
                self.node_ids.append(f"~{edge.id}")
                half = Edge(edge.id, edge.name, edge.soviet_ref, edge.refs, edge.country, edge.length_km / 2,
                            edge.method, edge.line, edge.features, edge.terrain)
                for x, y in ((u, mid), (mid, v)):
                    self._add(rows, cols, x, y, half)
                continue
            seen.add(pair)
            self._add(rows, cols, u, v, edge)
        self.index = {pid: i for i, pid in enumerate(self.node_ids)}
        n = len(self.node_ids)
        order = np.lexsort((np.array(cols), np.array(rows))) if rows else np.array([], dtype=int)
        self.rows = np.array(rows, dtype=np.int32)[order]
        self.cols = np.array(cols, dtype=np.int32)[order]
        self.entry_edge = np.array(self._entry_edge, dtype=np.int32)[order]
        self.base = np.maximum(np.array([self.edges[e].length_km for e in self.entry_edge], dtype=float), 1e-9)
        self.edge_hours = {mode: self._edge_hours(speeds, TRAFFIC_OF_MODE[mode]) for mode in MODES}
        self.base_hours = {mode: np.maximum(hours[self.entry_edge], 1e-9) for mode, hours in self.edge_hours.items()}
        self.indptr = np.searchsorted(self.rows, np.arange(n + 1)).astype(np.int32)
        self.n = n
        self.entry_country = np.array([self.edges[e].country for e in self.entry_edge], dtype=object)
        self._gate_entries = self._entries_by_gate()
        self._gate_in = {cid: np.flatnonzero(self.cols == self.index[cid]) for cid in self._gate_entries}
        self._gate_out = {cid: np.flatnonzero(self.rows == self.index[cid]) for cid in self._gate_entries}
        self._country_entries = {c: np.flatnonzero(self.entry_country == c) for c in set(self.entry_country)}
        self.gate_nodes = np.array(sorted(self.index[c] for c in self._gate_entries), dtype=np.int64)
        self._is_gate = np.zeros(n, dtype=bool)
        self._is_gate[self.gate_nodes] = True
        self._scenario_cache: dict[tuple[Scenario, int],
                                   tuple[np.ndarray, list[str], dict[str, GateState], np.ndarray]] = {}
        self._facts: dict[str, list[dict[str, Any]]] = {}
        self._border_times: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        self._dates: tuple[EntryRules, list[str]] | None = None
        self._pair_edge: dict[tuple[int, int], tuple[int, bool]] = {}
        for k, (first, last) in enumerate(self.edge_ends):
            self._pair_edge[(first, last)] = (k, False)
            self._pair_edge[(last, first)] = (k, True)
        self.edge_coords = [np.asarray(e.line.coords, dtype=float) for e in self.edges]

    def _add(self, rows: list[int], cols: list[int], u: int, v: int, edge: Edge) -> None:
        self.edges.append(edge)
        self.edge_ends.append((u, v))
        k = len(self.edges) - 1
        rows.extend((u, v))
        cols.extend((v, u))
        self._entry_edge.extend((k, k))

    def _edge_hours(self, speeds: speed_table.SpeedTable | None, traffic: str) -> np.ndarray:
        kmh = [UNIFORM_KMH if speeds is None else speeds.kmh(e.country, e.terrain, traffic) for e in self.edges]
        lengths = np.array([e.length_km for e in self.edges], dtype=float)
        return np.asarray(lengths / np.array(kmh, dtype=float), dtype=float)

    def _entries_by_gate(self) -> dict[str, np.ndarray]:
        is_gate = np.array([pid in self.crossings for pid in self.node_ids], dtype=bool)
        gates: dict[str, list[int]] = defaultdict(list)
        for end in (self.rows, self.cols):
            for position in np.flatnonzero(is_gate[end]):
                gates[self.node_ids[int(end[position])]].append(int(position))
        return {pid: np.array(sorted(set(p)), dtype=np.int64) for pid, p in gates.items()}

    # --- scenario ---------------------------------------------------------------------------

    def gate_state(self, cid: str, scenario: Scenario) -> GateState:
        """Return a crossing's state under a scenario: passable, status entry, border time, unknowns.

        A crossing is impassable when the scenario closes it, when its status on the date is closed (or unknown,
        with ``unknown="closed"``), when its traffic on the date excludes the scenario's mode, for passengers when
        it is restricted to listed categories on the date (access ``other``: students, residents), or when the
        scenario's vehicle is registered in neither of its two countries (or its traveller is a citizen of neither)
        and its transit rule on the date is bilateral or other restricted (or unknown, with ``unknown="closed"``).
        Opening it overrides all of these. (Entering a country that wants a visa the traveller does not hold is
        refused per direction, in the weights: see :meth:`visa_barred`.)
        """
        info = self.crossings[cid]
        entry = latest(self._facts_of(cid), scenario.as_of)
        border = border_time_in(self._border_times_of(cid, scenario.traffic), scenario.as_of)
        if border is None:  # a crossing forced open for traffic it does not handle: its other traffic's time
            others = [border_time_in(self._border_times_of(cid, t), scenario.as_of) for t in vocab.TRAFFIC]
            border = max((o for o in others if o), key=lambda o: float(o["hours"]), default=None)
        hours = float(border["hours"]) if border else 0.0
        unknown_status = entry["status"] == "unknown"
        pair = info.countries.split("-")
        foreign = ((scenario.vehicle is not None and scenario.vehicle not in pair)
                   or (scenario.citizen is not None and scenario.citizen not in pair))
        access = entry.get("access") or "unknown"
        unknown_access = foreign and access == "unknown"
        if cid in scenario.close:
            return GateState(False, {**entry, "override": "closed"}, hours, border, unknown_status, unknown_access)
        if cid in scenario.open:
            return GateState(True, {**entry, "override": "opened"}, hours, border, False, False)
        passable = entry["status"] in PASSABLE and not (unknown_status and scenario.unknown == "closed")
        allowed = entry.get("traffic") or info.traffic
        if allowed and scenario.traffic not in allowed:
            passable = False
        if scenario.traffic == "passengers" and entry["status"] == "restricted" and access == "other":
            passable = False  # listed categories only: no general traveller crosses there
        if foreign and access not in FOREIGN_ACCESS and not (access == "unknown" and scenario.unknown == "open"):
            passable = False
        return GateState(passable, entry, hours, border, unknown_status, unknown_access)

    def _epoch(self, day: dt.date) -> int:
        """Return how many dated changes lie on or before ``day``.

        The dates of every crossing's status history and border times and of every entry rule: whatever a
        scenario's states read on its date changes only on one of them, so two days with the same epoch give the
        same states (the dates are compared as the readers compare them, as ISO text).
        """
        if self._dates is None or self._dates[0] is not self.rules:
            dates = {str(e["date"]) for info in self.crossings.values() for e in (*info.history, *info.border_times)}
            dates |= {rule.date.isoformat() for rule in self.rules.rules}
            self._dates = (self.rules, sorted(dates))
        return bisect.bisect_right(self._dates[1], day.isoformat())

    def _border_times_of(self, cid: str, traffic: str) -> list[Mapping[str, Any]]:
        """Return a crossing's border times for a traffic in date order (sorted once)."""
        found = self._border_times.get((cid, traffic))
        if found is None:
            found = self._border_times[(cid, traffic)] = border_times_for(self.crossings[cid].border_times, traffic)
        return found

    def _facts_of(self, cid: str) -> list[dict[str, Any]]:
        """Return a crossing's status facts (read once: every scenario's date is looked up in them)."""
        found = self._facts.get(cid)
        if found is None:
            found = self._facts[cid] = facts(self.crossings[cid].history)
        return found

    def crossing_state(self, cid: str, scenario: Scenario) -> tuple[bool, dict[str, Any]]:
        """Return whether a crossing is passable under a scenario, and its status entry on the date."""
        state = self.gate_state(cid, scenario)
        return state.passable, state.entry

    def _scenario(self, scenario: Scenario) -> tuple[np.ndarray, list[str], dict[str, GateState], np.ndarray]:
        """Return (weights with every gate open, blocked gate ids, gate states, border hours per node), cached.

        Cached per scenario and date epoch (:meth:`_epoch`): two dates between the same dated changes give the
        same states, so a route on another day of an unchanged period reuses them.
        """
        key = (replace(scenario, as_of=dt.date.min), self._epoch(scenario.as_of))
        cached = self._scenario_cache.get(key)
        if cached is not None:
            return cached
        by_time = scenario.optimize == "time"
        weights = (self.base_hours[scenario.mode] if by_time else self.base).copy()
        states = {cid: self.gate_state(cid, scenario) for cid in self._gate_entries}
        border = np.zeros(self.n)
        for cid, state in states.items():
            if by_time:
                weights[self._gate_in[cid]] += state.hours
                border[self.index[cid]] = state.hours
        for code in scenario.avoid:
            if code in self._country_entries:
                weights[self._country_entries[code]] = np.inf
        for cid, code in self.visa_barred(scenario):
            out = self._gate_out[cid]
            weights[out[self.entry_country[out] == code]] = np.inf
        blocked = [cid for cid, state in states.items() if not state.passable]
        if len(self._scenario_cache) > 64:
            self._scenario_cache.clear()
        self._scenario_cache[key] = (weights, blocked, states, border)
        return weights, blocked, states, border

    def visa_barred(self, scenario: Scenario) -> list[tuple[str, str]]:
        """Return (crossing id, country) for every crossing into a country the traveller may not enter on the date.

        A country is barred when its rule for the scenario's citizen on the date is ``visa`` and the scenario
        holds no visa for it; leaving it stays allowed (a route may start there). No citizen: nothing is barred.
        """
        if scenario.citizen is None:
            return []
        barred = []
        for cid in self._gate_entries:
            for code in self.crossings[cid].countries.split("-"):
                if scenario.needs_visa(code, self.rules.document(scenario.citizen, code, scenario.as_of)):
                    barred.append((cid, code))
        return barred

    def states(self, scenario: Scenario) -> dict[str, GateState]:
        """Return every crossing's state under a scenario."""
        return self._scenario(scenario)[2]

    def weights(self, scenario: Scenario, keep: Iterable[str] = ()) -> tuple[np.ndarray, list[str]]:
        """Return the entry weights under a scenario (blocked = inf) and the blocked crossing ids.

        Weights are hours (road time, plus the border time on every entry into a crossing) when the
        scenario optimises time, kilometres when it optimises distance. ``keep`` lists nodes never
        blocked (the route's own ends and via places).
        """
        unblocked, blocked, _, _ = self._scenario(scenario)
        weights = unblocked.copy()
        kept = set(keep)
        for cid in blocked:
            if cid not in kept:
                weights[self._gate_entries[cid]] = np.inf
        return weights, blocked

    def matrix(self, scenario: Scenario) -> csr_matrix:
        """Return the scenario's weighted sparse matrix (blocked crossings and barred entries left out)."""
        return self._matrix(self.weights(scenario)[0])

    def trees(self, scenario: Scenario, sources: np.ndarray) -> np.ndarray:
        """Return the shortest-path trees from ``sources`` under a scenario, as predecessor arrays.

        One row per source, one column per node: the node's predecessor on its best path from the source, or
        :data:`NO_PREDECESSOR` where the node is not reached and at the source itself (as
        :func:`scipy.sparse.csgraph.dijkstra` returns them). Crossings impassable under the scenario are left out
        (none is an end kept open).
        """
        _, pred = dijkstra(self.matrix(scenario), directed=True, indices=sources, return_predecessors=True)
        return np.asarray(pred, dtype=np.int32)

    def border_hours(self, scenario: Scenario) -> np.ndarray:
        """Return the border hours of every node under a scenario (0 for places that are not crossings)."""
        hours = np.zeros(self.n)
        for cid, state in self.states(scenario).items():
            hours[self.index[cid]] = state.hours
        return hours

    def _matrix(self, weights: np.ndarray) -> csr_matrix:
        finite = np.isfinite(weights)
        if finite.all():
            return csr_matrix((weights, self.cols, self.indptr), shape=(self.n, self.n))
        return csr_matrix((weights[finite], self.cols[finite], _indptr(self.rows[finite], self.n)),
                          shape=(self.n, self.n))

    def shortest(self, source: str, target: str, scenario: Scenario) -> tuple[float, list[int], list[str]]:
        """Return the cost (hours or km), the node path and the blocked crossings for one pair.

        Raises
        ------
        NoRouteError
            The target cannot be reached; the message names the closed crossings and avoided
            countries that cut it off.
        """
        paths, cost, blocked = self._plan([source, target], scenario, 0)
        return cost, paths[0], blocked

    def plan(self, stops: Sequence[str], scenario: Scenario, alternatives: int = 0) -> tuple[list[list[int]], float]:
        """Return the best node path through ``stops`` in order, then up to ``alternatives`` more.

        Each alternative passes a set of crossings different from the best path's and from every other
        alternative's: for every leg and every crossing, the best path of that leg forced through the
        crossing is a candidate (two searches per leg, one from each end); candidates that revisit a node
        or repeat a crossing set already chosen are skipped; the cheapest remaining ones win.

        Returns
        -------
        The paths (best first) and the best path's cost.

        Raises
        ------
        NoRouteError
            A leg cannot be completed under the scenario.
        """
        paths, cost, _ = self._plan(stops, scenario, alternatives)
        return paths, cost

    def _plan(self, stops: Sequence[str], scenario: Scenario,
              alternatives: int) -> tuple[list[list[int]], float, list[str]]:
        weights, blocked = self.weights(scenario, keep=stops)
        matrix = self._matrix(weights)
        legs = []
        for a, b in zip(stops, stops[1:]):
            s, t = self.index[a], self.index[b]
            dist, pred = dijkstra(matrix, directed=True, indices=s, return_predecessors=True)
            if not np.isfinite(dist[t]):
                raise NoRouteError(self._cut_off_message(a, b, scenario, dist, blocked))
            legs.append((s, t, dist, pred, _walk(pred, s, t)))
        cost = float(sum(leg[2][leg[1]] for leg in legs))
        paths = [_join([leg[4] for leg in legs])]
        if alternatives <= 0:
            return paths, cost, blocked
        searches = []
        for s, t, dist, pred, best in legs:
            back, back_pred = dijkstra(matrix.T if self.one_way(scenario) else matrix, directed=True, indices=t,
                                       return_predecessors=True)
            searches.append(LegSearch(s, t, best, float(dist[t]), dist[self.gate_nodes], back[self.gate_nodes],
                                      partial(_walk, pred, s), partial(_walk_to_root, back_pred, root=t)))
        return paths + self.alternatives(searches, scenario, alternatives), cost, blocked

    @staticmethod
    def one_way(scenario: Scenario) -> bool:
        """Return whether a scenario refuses some roads in one direction only (visa borders, with a citizen).

        The search back from a leg's end then runs on the reversed graph (see :class:`LegSearch`); otherwise every
        road costs the same both ways but for the border time of the crossing entered.
        """
        return scenario.citizen is not None

    def alternatives(self, legs: Sequence[LegSearch], scenario: Scenario, count: int) -> list[list[int]]:
        """Return up to ``count`` paths through sets of crossings other than the best path's, cheapest first.

        The definition :meth:`plan` documents, on the searches of each leg however an engine ran them: for every leg
        and every crossing, the leg's best path forced through the crossing (its best path to the crossing, then the
        crossing's best path to the leg's end) is a candidate; candidates that revisit a node or repeat a crossing
        set already chosen are skipped.
        """
        border = self._scenario(scenario)[3]
        gates = self.gate_nodes
        candidates: list[tuple[float, int, int]] = []
        for i, leg in enumerate(legs):
            if self.one_way(scenario):  # from_gate: the cost gate → end (border time of the end in, of the gate not)
                through = leg.to_gate + leg.from_gate
            else:  # from_gate: the cost end → gate, the same roads (border time of the gate in, of the end not)
                through = leg.to_gate + leg.from_gate - border[gates] + border[leg.end]
            for g, extra in zip(gates, through - leg.cost):
                if np.isfinite(extra) and g not in (leg.start, leg.end):
                    candidates.append((float(extra), i, int(g)))
        best_legs = [leg.best for leg in legs]
        chosen = [self._crossing_set(_join(best_legs))]
        paths: list[list[int]] = []
        for _, i, g in sorted(candidates, key=lambda c: (c[0], c[2])):
            if len(paths) >= count:
                break
            head, tail = legs[i].head(g), legs[i].tail(g)
            if set(head[:-1]) & set(tail):
                continue
            path = _join(best_legs[:i] + [head + tail[1:]] + best_legs[i + 1:])
            crossing_set = self._crossing_set(path)
            if crossing_set in chosen:
                continue
            chosen.append(crossing_set)
            paths.append(path)
        return paths

    def _crossing_set(self, path: list[int]) -> frozenset[int]:
        inner = np.array(path[1:-1], dtype=np.int64)
        return frozenset(int(x) for x in inner[self._is_gate[inner]]) if len(inner) else frozenset()

    def _cut_off_message(self, source: str, target: str, scenario: Scenario, dist: np.ndarray,
                         blocked: list[str]) -> Message:
        reached = {self.node_ids[i] for i in np.flatnonzero(np.isfinite(dist))}
        at_edge = []
        for cid in blocked:
            position = self._gate_entries[cid]
            neighbours = {self.node_ids[int(self.rows[p])] for p in position} | {
                self.node_ids[int(self.cols[p])] for p in position}
            if neighbours & reached:
                at_edge.append(cid)
        reasons = []
        if at_edge:
            if scenario.vehicle and scenario.citizen:
                closed = Message.of(N_("closed crossings (or closed to {vehicle}-registered vehicles or {citizen} "
                                       "citizens) {ids}"), vehicle=scenario.vehicle, citizen=scenario.citizen,
                                    ids=", ".join(sorted(at_edge)))
            elif scenario.vehicle:
                closed = Message.of(N_("closed crossings (or closed to {vehicle}-registered vehicles) {ids}"),
                                    vehicle=scenario.vehicle, ids=", ".join(sorted(at_edge)))
            elif scenario.citizen:
                closed = Message.of(N_("closed crossings (or closed to {citizen} citizens) {ids}"),
                                    citizen=scenario.citizen, ids=", ".join(sorted(at_edge)))
            else:
                closed = Message.of(N_("closed crossings {ids}"), ids=", ".join(sorted(at_edge)))
            reasons.append(closed)
        if scenario.avoid:
            reasons.append(Message.of(N_("avoided countries {codes}"), codes=", ".join(sorted(scenario.avoid))))
        visa = sorted({code for _, code in self.visa_barred(scenario)})
        if visa:
            reasons.append(Message.of(N_("countries that want a visa of {citizen} citizens {codes}"),
                                      citizen=scenario.citizen, codes=", ".join(visa)))
        why = tuple(reasons) or (Message.of(N_("the network has no road between them")),)
        return Message.of("no route from {source} to {target} ({scenario}): cut off by {why}",
                          N_("no route from {source} to {target}: cut off by {why}"),
                          source=source, target=target, scenario=scenario.describe(), why=why)

    def edge_between(self, u: int, v: int) -> tuple[Edge, bool, int]:
        """Return the edge joining two adjacent nodes, whether it is walked backwards, and its index."""
        k, backwards = self._pair_edge[(u, v)]
        return self.edges[k], backwards, k


def speeds_folder(layers: Path | None = None) -> Path:
    """Return the curated folder whose ``road_speeds.csv`` the engine reads.

    The first that has the file: ``<layers>/src`` for an explicit layers folder, the configured
    curated folder (:func:`geo.paths.source_dir`), then the checkout's own ``layers/src`` (a layers
    folder holding built layers only, as tests and the app may use, still gets the speeds). Without a layers folder,
    a layer source in use (:func:`geo.layers.store.use_source`, e.g. a PostGIS store) gives its own.
    """
    if layers is None and (source := store.source()) is not None:
        return source.curated_folder()
    candidates = ([layers / "src"] if layers is not None else []) + [source_dir(), REPO_ROOT / "layers" / "src"]
    return next((c for c in candidates if (c / "road_speeds.csv").is_file()), candidates[-1])


def _walk(pred: np.ndarray, s: int, t: int) -> list[int]:
    """Return the node path s → t from a predecessor array rooted at s."""
    path = [t]
    while path[-1] != s:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return path


def _walk_to_root(pred: np.ndarray, g: int, root: int) -> list[int]:
    """Return the node path g → root from a predecessor array rooted at ``root``."""
    path = [g]
    while path[-1] != root:
        path.append(int(pred[path[-1]]))
    return path


def _join(legs: Sequence[list[int]]) -> list[int]:
    """Join leg paths that share their end and start nodes."""
    path: list[int] = []
    for leg in legs:
        path.extend(leg if not path else leg[1:])
    return path


def as_text(value: Any) -> str | None:
    """Return a non-empty string, or None for missing values (None, NaN, "")."""
    return value if isinstance(value, str) and value else None


def as_items(value: Any) -> list[Any]:
    """Return a list property as a list (missing values as an empty list)."""
    return list(value) if isinstance(value, list | tuple) else []


def _indptr(rows: np.ndarray, n: int) -> np.ndarray:
    return np.searchsorted(rows, np.arange(n + 1)).astype(np.int32)


