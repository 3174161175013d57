"""Dated distance matrices: km, hours, border hours, crossings and countries between many places on many dates.

One multi-source shortest-path run per date over the shared graph (:meth:`RoadGraph.trees`:
:func:`scipy.sparse.csgraph.dijkstra` with ``indices`` = every source, on the scenario's weights; or an engine's own
search of the same trees, as ``geo.db.pgrouting`` runs it in the database), then the values of every path are summed
along the shortest-path trees at once (pointer jumping over the predecessor arrays), so no pair is routed on its own.
The values equal :meth:`geo.routing.RouteEngine.route` between the same places on the same day.

Places are the routable ones (on a road, not a crossing: a crossing as an end is unblocked by ``geo route`` only
for its own trip, which a shared run cannot do). The places layer has no population, so there is no
"above N people" selector; choose by ids, country or kind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo import vocab
from geo.errors import UsageError
from geo.routing.graph import RoadGraph, Scenario
from geo.routing.timeline import fact_days

COLUMNS = ("from", "to", "date", "km", "hours", "border_h", "crossings", "countries", "reachable",
           "from_country", "to_country")
"""The long table's columns: one row per ordered pair and date (``km``, ``hours``, ``border_h`` empty when
unreachable; ``crossings`` is the number of border crossings passed; ``countries`` the countries entered)."""
SUMMARY_COLUMNS = ("from_country", "to_country", "date", "from", "to", "km", "hours", "border_h", "crossings",
                   "countries", "reachable")
KINDS = ("city", "town", "junction", "pass")
"""Place kinds a matrix can hold (crossings are not ends of a shared run)."""
STEPS = ("month", "year")
Trees = Callable[[Scenario, np.ndarray], np.ndarray]
"""A multi-source shortest-path search: (scenario, source nodes) → predecessor arrays, as :meth:`RoadGraph.trees`."""


@dataclass(frozen=True)
class Place:
    """A routable place: id, name, country and kind."""

    id: str
    name: str
    country: str
    kind: str
    capital: str | None = None


def routable_places(graph: RoadGraph, places: pd.DataFrame) -> list[Place]:
    """Return the places on the road graph that a matrix can hold, in layer order."""
    connected = set(graph.node_ids[i] for i in np.flatnonzero(np.diff(graph.indptr) > 0))
    out = []
    for pid, name, country, kind, capital in zip(places["id"], places["name"], places["country"], places["kind"],
                                                 places["capital"]):
        if pid in connected and kind in KINDS:
            out.append(Place(str(pid), str(name), str(country), str(kind),
                             capital if isinstance(capital, str) and capital else None))
    return out


def select(places: Sequence[Place], ids: Iterable[str] = (), countries: Iterable[str] = (),
           kinds: Iterable[str] = ()) -> list[Place]:
    """Return the places chosen by ids (all when none), then kept by country and kind (any when none).

    Raises
    ------
    UsageError
        An id that is not a routable place, a country code or kind not known, or an empty selection.
    """
    by_id = {p.id: p for p in places}
    chosen = list(places)
    wanted = list(ids)
    if wanted:
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise UsageError(f"--places {vocab.shorten(missing[0], 40)!r}: not a routable place (a city, town, "
                             "junction or pass on the road network)")
        chosen = [by_id[i] for i in dict.fromkeys(wanted)]
    codes = {c.strip().upper() for c in countries}
    bad = sorted(codes - set(vocab.BY_ISO2))
    if bad:
        raise UsageError(f"--country {vocab.shorten(bad[0], 20)!r}: not a country code on the map "
                         f"({', '.join(c.iso2 for c in vocab.COUNTRIES)})")
    kind_set = set(kinds)
    bad = sorted(kind_set - set(KINDS))
    if bad:
        raise UsageError(f"--kind {vocab.shorten(bad[0], 20)!r}: not one of {', '.join(KINDS)}")
    chosen = [p for p in chosen if (not codes or p.country in codes) and (not kind_set or p.kind in kind_set)]
    if len(chosen) < 2:
        raise UsageError(f"the selection holds {len(chosen)} place(s): a matrix needs at least two")
    return chosen


def main_cities(places: Sequence[Place], chosen: Iterable[str] = ()) -> dict[str, Place]:
    """Return one main city per country: the given ids first, else the national capital.

    Raises
    ------
    UsageError
        A given id is not a routable place, or two are given for one country.
    """
    by_id = {p.id: p for p in places}
    out: dict[str, Place] = {}
    for pid in chosen:
        if pid not in by_id:
            raise UsageError(f"--main {vocab.shorten(pid, 40)!r}: not a routable place")
        place = by_id[pid]
        if place.country in out:
            raise UsageError(f"--main: two places of {place.country} ({out[place.country].id}, {pid})")
        out[place.country] = place
    for place in places:
        if place.capital == "national" and place.country not in out:
            out[place.country] = place
    return dict(sorted(out.items()))


def dates_between(start: dt.date, until: dt.date, step: str) -> list[dt.date]:
    """Return ``start`` and every month or year after it up to ``until`` (the day of month clamped to 28).

    >>> dates_between(dt.date(2020, 1, 31), dt.date(2020, 4, 1), "month")
    [datetime.date(2020, 1, 31), datetime.date(2020, 2, 28), datetime.date(2020, 3, 28)]
    """
    if step not in STEPS:
        raise UsageError(f"--step must be one of {', '.join(STEPS)}, not {vocab.shorten(step, 20)!r}")
    out = [start]
    year, month = start.year, start.month
    while True:
        if step == "month":
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        else:
            year += 1
        day = dt.date(year, month, min(start.day, 28))
        if day > until:
            return out
        out.append(day)


def event_dates(graph: RoadGraph, scenario: Scenario, start: dt.date | None, until: dt.date | None) -> list[dt.date]:
    """Return every day a fact routing depends on starts, within ``[start, until]`` when given."""
    return [d for d in sorted(fact_days(graph, scenario))
            if (start is None or d >= start) and (until is None or d <= until)]


def _tree_sums(graph: RoadGraph, scenario: Scenario, pred: np.ndarray,
               border: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return km, road hours, border hours, crossings and a country bit mask from each source to every node.

    Pointer jumping: each node starts with the values of the edge from its predecessor; ``log2(depth)`` rounds of
    adding the ancestor's sum and jumping to the ancestor's ancestor give the sums over whole paths.
    """
    sources, n = pred.shape
    valid = pred >= 0
    parent = np.where(valid, pred, 0)
    nodes = np.broadcast_to(np.arange(n), pred.shape)
    keys = graph.rows.astype(np.int64) * n + graph.cols
    entry = np.searchsorted(keys, parent.astype(np.int64) * n + nodes)
    entry = np.where(valid, entry, 0)
    edge = graph.entry_edge[entry]
    lengths = np.array([e.length_km for e in graph.edges], dtype=float)
    codes = sorted({e.country for e in graph.edges})
    bits = np.array([1 << codes.index(e.country) for e in graph.edges], dtype=np.int64)
    gate = graph._is_gate[nodes].astype(np.int64)
    km = np.where(valid, lengths[edge], 0.0)
    road = np.where(valid, graph.edge_hours[scenario.mode][edge], 0.0)
    border_h = np.where(valid, border[nodes], 0.0)
    crossings = np.where(valid, gate, 0)
    mask = np.where(valid, bits[edge], 0)
    ancestor = np.where(valid, pred, -1)
    while (ancestor >= 0).any():
        has = ancestor >= 0
        at = np.where(has, ancestor, 0)
        km = np.where(has, km + np.take_along_axis(km, at, 1), km)
        road = np.where(has, road + np.take_along_axis(road, at, 1), road)
        border_h = np.where(has, border_h + np.take_along_axis(border_h, at, 1), border_h)
        crossings = np.where(has, crossings + np.take_along_axis(crossings, at, 1), crossings)
        mask = np.where(has, mask | np.take_along_axis(mask, at, 1), mask)
        ancestor = np.where(has, np.take_along_axis(ancestor, at, 1), -1)
    # the last node of a path is its target: its own border time and gate do not count (as in geo route)
    return km, road, border_h - np.where(valid, border[nodes], 0.0), crossings - np.where(valid, gate, 0), mask


def matrix_on(graph: RoadGraph, scenario: Scenario, sources: Sequence[Place],
              targets: Sequence[Place], trees: Trees | None = None) -> pd.DataFrame:
    """Return the long table of every ordered pair (source ≠ target) on the scenario's date, one shortest-path run.

    Unreachable pairs have ``reachable`` False and empty values. ``trees`` runs the search (default: the graph's own,
    :meth:`RoadGraph.trees`).
    """
    src = np.array([graph.index[p.id] for p in sources], dtype=np.int64)
    tgt = np.array([graph.index[p.id] for p in targets], dtype=np.int64)
    pred = (trees or graph.trees)(scenario, src)
    km, road, border, crossings, mask = _tree_sums(graph, scenario, pred, graph.border_hours(scenario))
    codes = sorted({e.country for e in graph.edges})
    reach = (pred[:, tgt] >= 0)
    same = src[:, None] == tgt[None, :]
    keep = ~same
    i, j = np.nonzero(keep)
    reachable = reach[i, j]
    masks = mask[:, tgt][i, j]
    names = {m: " ".join(c for b, c in enumerate(codes) if m >> b & 1) for m in set(masks.tolist())}
    frame = pd.DataFrame({
        "from": np.array([p.id for p in sources], dtype=object)[i],
        "to": np.array([p.id for p in targets], dtype=object)[j],
        "date": scenario.as_of.isoformat(),
        "km": np.where(reachable, km[:, tgt][i, j], np.nan),
        "hours": np.where(reachable, (road + border)[:, tgt][i, j], np.nan),
        "border_h": np.where(reachable, border[:, tgt][i, j], np.nan),
        "crossings": pd.array(np.where(reachable, crossings[:, tgt][i, j], 0), dtype="Int64"),
        "countries": [names[m] if r else "" for m, r in zip(masks.tolist(), reachable.tolist())],
        "reachable": reachable,
        "from_country": np.array([p.country for p in sources], dtype=object)[i],
        "to_country": np.array([p.country for p in targets], dtype=object)[j],
    })
    frame.loc[~frame["reachable"], "crossings"] = pd.NA
    return frame


def summary_on(graph: RoadGraph, scenario: Scenario, mains: dict[str, Place],
               trees: Trees | None = None) -> pd.DataFrame:
    """Return, per ordered country pair, the values between the two countries' main cities on the date."""
    cities = list(mains.values())
    frame = matrix_on(graph, scenario, cities, cities, trees)
    return frame[list(SUMMARY_COLUMNS)]


_WORKER: dict[str, Any] = {}


def _init_worker(load: Callable[[], Any]) -> None:
    _WORKER["engine"] = load()


def _run_one(task: tuple[Scenario, Sequence[Place], Sequence[Place], dict[str, Place] | None]) -> pd.DataFrame:
    scenario, sources, targets, mains = task
    engine = _WORKER["engine"]
    graph: RoadGraph = engine.graph
    trees: Trees = engine.trees
    return (summary_on(graph, scenario, mains, trees) if mains is not None
            else matrix_on(graph, scenario, sources, targets, trees))


def run(graph: RoadGraph, scenario: Scenario, dates: Sequence[dt.date], places: Sequence[Place],
        mains: dict[str, Place] | None = None, jobs: int = 1, load: Callable[[], Any] | None = None,
        progress: Callable[[int, int], None] | None = None, trees: Trees | None = None) -> pd.DataFrame:
    """Return the long table over every date (a summary between main cities when ``mains`` is given).

    Parameters
    ----------
    graph
        The road graph (used in this process when ``jobs`` is 1).
    scenario
        Every option but the date.
    dates
        The days, in the order the rows come.
    places
        Sources and targets.
    mains
        Country → main city: one row per country pair instead of one per place pair.
    jobs
        Processes; more than one needs ``load`` (a picklable function returning a :class:`RouteEngine`, whose
        ``trees`` each process searches with).
    progress
        Called with (done, total) after each date.
    trees
        The search in this process (default: the graph's own, :meth:`RoadGraph.trees`).
    """
    scenarios = [dataclasses.replace(scenario, as_of=d) for d in dates]
    frames: list[pd.DataFrame] = []
    if jobs > 1 and load is not None and len(dates) > 1:
        tasks = [(s, places, places, mains) for s in scenarios]
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(load,)) as pool:
            for done, frame in enumerate(pool.map(_run_one, tasks), 1):
                frames.append(frame)
                if progress:
                    progress(done, len(dates))
    else:
        for done, s in enumerate(scenarios, 1):
            frames.append(summary_on(graph, s, mains, trees) if mains is not None
                          else matrix_on(graph, s, places, places, trees))
            if progress:
                progress(done, len(dates))
    return pd.concat(frames, ignore_index=True)
