"""The validate stage of the road network, and the run calibration that build and validate share.

:func:`validate` checks each built segment against its places and the country polygons (how far it strays
abroad or into water, whether it is shorter than the straight line between its ends), each run's calibration
factor, and that the network is connected; :func:`unjoined_crossings` checks that every road crossing meets the
network on each Central Asian side; :func:`trace_problem` judges a trace before the build accepts it.
:func:`run_scales` and :func:`run_checks` compare runs (published lengths covering several segments) with the
network's km along them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from geo import vocab
from geo.layers.tables import Problems
from geo.measure import OUTSIDE, CountryIndex, distance_km, geodesic_km

if TYPE_CHECKING:
    from geo.layers.crossings import Crossing
    from geo.layers.roads.model import Network, Segment

MAX_KM_OUTSIDE = 3.0
"""A segment may stray this far outside its country (schematic lines near borders and crossings)."""
MAX_SHARE_OUTSIDE_TRACED = 0.15
"""A traced segment may stray this share of its length abroad: the trace keeps within 2 km of its country, so this
is a border river or a generalised border line, not another road."""
MAX_WATER_SHARE = 0.25
"""Land polygons leave out lakes and reservoirs: a shore road may cut across water, but not for long."""
RUN_SCALE = (0.97, 1.6)
"""Accepted range of the factor that scales a run's drawn length to its published length."""


def run_scales(network: Network, drawn: dict[str, float], traced: dict[str, float] | None = None) -> dict[str, float]:
    """Return, per run, the factor from schematic length to published length for its untraced segments.

    A run's traced segments keep their traced length; what the published length leaves is shared among the
    others in proportion to their schematic length. Runs whose segments are all traced have no factor.
    """
    traced = traced or {}
    schematic: dict[str, float] = defaultdict(float)
    fixed: dict[str, float] = defaultdict(float)
    for s in network.segments:
        if not s.run:
            continue
        if s.id in traced:
            fixed[s.run] += traced[s.id]
        else:
            schematic[s.run] += drawn[s.id]
    return {rid: (network.runs[rid].length_km - fixed[rid]) / total for rid, total in schematic.items() if total > 0}


@dataclass(frozen=True)
class RunCheck:
    """A run's published length beside the network's km along it."""

    id: str
    published_km: float
    traced_km: float
    schematic_km: float

    @property
    def ratio(self) -> float:
        """Return network km / published km."""
        return (self.traced_km + self.schematic_km) / self.published_km


def run_checks(network: Network, roads: gpd.GeoDataFrame) -> list[RunCheck]:
    """Compare each run's published length with the network's km along it (traced, calibrated or drawn)."""
    km = dict(zip(roads["id"], roads["length_km"]))
    method = dict(zip(roads["id"], roads["length_method"]))
    checks = []
    for rid, run in network.runs.items():
        members = [s.id for s in network.segments if s.run == rid]
        traced = sum(km[m] for m in members if method[m] == "traced")
        drawn = sum(km[m] for m in members if method[m] != "traced")
        checks.append(RunCheck(rid, run.length_km, round(traced, 1), round(drawn, 1)))
    return checks


def validate(network: Network, roads: gpd.GeoDataFrame, countries: CountryIndex) -> Problems:
    """Check countries, lengths, runs and connectivity of the network."""
    problems = Problems()
    places = network.places
    lengths = dict(zip(roads["id"], roads["length_km"]))
    drawn = dict(zip(roads["id"], roads["drawn_length_km"]))
    lines = dict(zip(roads["id"], roads.geometry))
    traced = {sid: km for sid, km, m in zip(roads["id"], roads["length_km"], roads["length_method"])
              if m == "traced"}
    for s in network.segments:
        a, b = places[s.from_place], places[s.to_place]
        for end in (a, b):
            if s.country not in end.countries():
                problems.add(s.row, f"{s.id}: lies in {s.country} but ends at {end.id} in {end.country}")
        line = lines[s.id]
        split = countries.length_by_country(line)
        foreign = {code: km for code, km in split.items() if code not in (s.country, OUTSIDE)}
        if sum(foreign.values()) > km_abroad_allowed(lengths[s.id], s.id in traced):
            where = ", ".join(f"{km:.1f} km in {code}" for code, km in foreign.items())
            problems.add(s.row, f"{s.id}: line in {s.country} strays abroad ({where})")
        water = split.get(OUTSIDE, 0.0)
        if water > max(MAX_KM_OUTSIDE, MAX_WATER_SHARE * lengths[s.id]):
            problems.add(s.row, f"{s.id}: {water:.1f} km of the line lie outside every land polygon (in a lake or "
                                "the sea?)")
        straight = distance_km(a.point, b.point)
        if lengths[s.id] < straight - 0.01:
            problems.add(s.row, f"{s.id}: length {lengths[s.id]:.1f} km is shorter than the straight line "
                                f"{straight:.1f} km between its ends")
        if a.id == b.id:
            problems.add(s.row, f"{s.id}: starts and ends at the same place")
    with_traces = {s.run for s in network.segments if s.run and s.id in traced}
    for rid, factor in run_scales(network, drawn, traced).items():
        low, high = RUN_SCALE
        if rid not in with_traces and not low <= factor <= high:
            problems.add(network.runs[rid].row, f"run {rid}: its schematic segments would be scaled by "
                                                f"{factor:.2f} (outside {low}–{high}) to match the published "
                                                f"{network.runs[rid].length_km:g} km")
    used = {s.run for s in network.segments if s.run}
    for rid, run in network.runs.items():
        if rid not in used:
            problems.add(run.row, f"run {rid}: no segment uses it")
    problems.extend(_connectivity(network))
    return problems


def km_abroad_allowed(length_km: float, traced: bool) -> float:
    """Return how many km of a segment may lie outside its country."""
    return max(MAX_KM_OUTSIDE, MAX_SHARE_OUTSIDE_TRACED * length_km) if traced else MAX_KM_OUTSIDE


def trace_problem(segment: Segment, line: shapely.LineString, countries: CountryIndex) -> str | None:
    """Return why a trace cannot stand for a segment (abroad or in water beyond the limits), or None."""
    km = geodesic_km(line)
    split = countries.length_by_country(line)
    foreign = {code: v for code, v in split.items() if code not in (segment.country, OUTSIDE)}
    if sum(foreign.values()) > km_abroad_allowed(km, True):
        where = ", ".join(f"{v:.1f} km in {code}" for code, v in foreign.items())
        return f"the trace strays abroad ({where})"
    if split.get(OUTSIDE, 0.0) > max(MAX_KM_OUTSIDE, MAX_WATER_SHARE * km):
        return f"{split[OUTSIDE]:.1f} km of the trace lie outside every land polygon"
    return None


def _connectivity(network: Network) -> Problems:
    problems = Problems()
    ids = list(network.places)
    index = {pid: i for i, pid in enumerate(ids)}
    ends = np.array([(index[s.from_place], index[s.to_place]) for s in network.segments], dtype=np.int64).reshape(-1, 2)
    matrix = coo_array((np.ones(len(ends)), (ends[:, 0], ends[:, 1])), shape=(len(ids), len(ids)))
    _, label = connected_components(matrix, directed=False)
    road_places = {s.from_place for s in network.segments} | {s.to_place for s in network.segments}
    members: dict[int, list[str]] = defaultdict(list)
    for pid in road_places:
        members[int(label[index[pid]])].append(pid)
    components = sorted(members.values(), key=len, reverse=True)
    for component in components[1:]:
        names = sorted(component)
        first = next(s for s in network.segments if s.from_place in names or s.to_place in names)
        problems.add(first.row, f"network is not connected: {len(names)} place(s) cut off ({', '.join(names[:6])}"
                                f"{'…' if len(names) > 6 else ''})")
    for place in network.places.values():
        if place.row is not None and place.id not in road_places:
            problems.add(place.row, f"place {place.id!r} is on no road segment")
    return problems


def unjoined_crossings(network: Network, crossings: list[Crossing]) -> Problems:
    """Check that every road crossing is joined to the network on each Central Asian side."""
    problems = Problems()
    sides: dict[str, set[str]] = defaultdict(set)
    for s in network.segments:
        for end in (s.from_place, s.to_place):
            sides[end].add(s.country)
    focus = set(vocab.FOCUS)
    for c in crossings:
        if "road" not in c.modes:
            continue
        missing = [code for code in c.pair if code in focus and code not in sides[c.id]]
        if missing:
            problems.add(c.row, f"road crossing {c.id!r} is not joined to the road network on the "
                                f"{'/'.join(missing)} side")
    return problems
