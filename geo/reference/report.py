"""Reports on the built layers: how much of the road network is traced, and where it disagrees with sources.

``python -m geo report roads`` prints :func:`roads_report` for the committed layers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import geopandas as gpd
import shapely

from geo.layers.roads.checks import RunCheck
from geo.measure import point_to_line_km

MISMATCH = 0.10
"""Traced and published lengths that differ by more than this share are listed."""
PLACE_KM = 2.0
"""Places farther than this from the traced roads they join are listed."""


def traced_share(roads: gpd.GeoDataFrame, key: str) -> dict[str, tuple[float, float]]:
    """Return, per value of ``key``, the traced km and the total km of the network."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in roads.itertuples():
        value = getattr(row, key)
        if not isinstance(value, str) or not value:
            continue
        totals[value][1] += row.length_km
        if row.geometry_accuracy == "traced":
            totals[value][0] += row.length_km
    return {k: (v[0], v[1]) for k, v in sorted(totals.items())}


def places_off_the_road(roads: gpd.GeoDataFrame, places: gpd.GeoDataFrame) -> list[tuple[str, str, float]]:
    """Return (place, kind, km) for each place farther than :data:`PLACE_KM` from the traced roads it joins.

    The straight connector from a place to the road is not road: distances are measured to the traced line
    without its first and last step.
    """
    lines: dict[str, list[shapely.LineString]] = defaultdict(list)
    for row in roads[roads["geometry_accuracy"] == "traced"].itertuples():
        coords = list(row.geometry.coords)
        road = shapely.LineString(coords[1:-1]) if len(coords) > 3 else row.geometry
        lines[row.from_place].append(road)
        lines[row.to_place].append(road)
    far = []
    for row in places.itertuples():
        if row.id not in lines:
            continue
        km = min(point_to_line_km((row.lon, row.lat), line) for line in lines[row.id])
        if km > PLACE_KM:
            far.append((row.id, row.kind, round(km, 1)))
    return sorted(far, key=lambda item: -item[2])


def roads_report(roads: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                 runs: Sequence[RunCheck] = ()) -> list[str]:
    """Return the lines of the roads report.

    It gives the traced share per country and Soviet route, traced lengths that disagree with published ones,
    places off the traced roads, and every segment left schematic with its reason.
    """
    lines = ["Traced share of the network (km traced / km in all):"]
    everything = [0.0, 0.0]
    for country, (traced, total) in traced_share(roads, "country").items():
        everything[0] += traced
        everything[1] += total
        lines.append(f"  {country}  {traced:9,.0f} / {total:9,.0f} km  {traced / total:6.1%}")
    lines.append(f"  all {everything[0]:9,.0f} / {everything[1]:9,.0f} km  {everything[0] / everything[1]:6.1%}")
    lines.append("Soviet routes (km traced / km in all):")
    for ref, (traced, total) in traced_share(roads, "soviet_ref").items():
        lines.append(f"  {ref:<5} {traced:8,.0f} / {total:8,.0f} km  {traced / total:6.1%}")
    checked = roads[roads["traced_to_published"].notna()]
    off = checked[(checked["traced_to_published"] - 1).abs() > MISMATCH]
    lines.append(f"Traced segments with a published length: {len(checked)}; differing by more than {MISMATCH:.0%}: "
                 f"{len(off)}")
    for row in off.itertuples():
        lines.append(f"  {row.id}: traced {row.length_km:,.1f} km, published {row.published_km:,.1f} km "
                     f"(×{row.traced_to_published:.2f}) {row.length_source or ''}")
    if runs:
        lines.append("Published run lengths against the network (traced + schematic km):")
        for run in runs:
            lines.append(f"  {run.id}: published {run.published_km:,.0f} km, network "
                         f"{run.traced_km + run.schematic_km:,.0f} km (×{run.ratio:.2f}; "
                         f"{run.traced_km:,.0f} km traced)")
    far = places_off_the_road(roads, places)
    lines.append(f"Places more than {PLACE_KM:g} km from the traced roads they join: {len(far)}")
    lines.extend(f"  {pid} ({kind}): {km:.1f} km" for pid, kind, km in far)
    schematic = roads[roads["geometry_accuracy"] != "traced"].sort_values("length_km", ascending=False)
    lines.append(f"Segments left schematic: {len(schematic)} ({schematic['length_km'].sum():,.0f} km)")
    for row in schematic.itertuples():
        lines.append(f"  {row.id} [{row.country}, {row.length_km:,.0f} km, {row.length_method}]: {row.trace_note}")
    return lines
