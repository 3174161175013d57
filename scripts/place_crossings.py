"""Move each road crossing in layers/src/crossings.csv to where its road crosses the border on the reference.

Usage: ``python scripts/place_crossings.py [--dry-run]``. Reads the reference roads found by
``geo.reference.default_datasets()`` and the committed borders layer; for each road crossing traces the road from
the place before it to the place after it (see ``geo.reference.trace.locate_crossing``) and writes the border
point of that road as the crossing's position, keeping the old position and its source in ``coord_source``.
Prints every move.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

import shapely

from geo import reference
from geo.io.geojson import write_atomic
from geo.layers import crossings, roads, store
from geo.paths import source_dir
from geo.reference import trace


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the moves without writing")
    args = parser.parse_args()
    datasets = reference.default_datasets()
    if not datasets:
        print("no reference road network found", file=sys.stderr)
        return 1
    graphs = reference.load_graphs(datasets)
    source = source_dir()
    loaded = crossings.load(source)
    network = roads.load(source, loaded)
    borders, _ = store.read_layer("borders")
    countries = borders[borders["kind"] == "country"].set_index("country").geometry
    positions = {}
    for c in loaded:
        if "road" not in c.modes or not set(c.pair) <= set(countries.index):
            continue
        touching = [s for s in network.segments if c.id in (s.from_place, s.to_place)]
        sides = {}
        for s in touching:
            sides.setdefault(s.country, s)
        lines = []
        for s in list(sides.values())[:2]:
            line = roads.segment_line(s, network.places)
            coords = list(line.coords)
            lines.append(coords if s.to_place == c.id else coords[::-1])
        if not lines:
            continue
        if len(lines) < 2:
            lines = []  # one side only: the nearest road crossing the border (see trace.locate_crossing)
            through = [c.point, c.point]
        else:
            through = lines[0] + lines[1][::-1][1:]
        outlines = (shapely.boundary(countries[c.pair[0]]), shapely.boundary(countries[c.pair[1]]))
        area = shapely.buffer(shapely.union(countries[c.pair[0]], countries[c.pair[1]]), trace.MARGIN_KM / 111.0)

        def covered(graph: reference.RoadGraph, pair: tuple[str, str] = c.pair) -> bool:
            return any(graph.dataset.covers(code) for code in pair)

        found = trace.locate_crossing(graphs, c.point, shapely.LineString(through), outlines, area, covered)
        positions[c.id] = (c, found)
        shown = f"{found.moved_km:6.1f} km  {found.how} ({found.source})" if found.point else f"kept: {found.how}"
        print(f"{c.id:<24} {c.countries:<6} {shown}")
    path = source / "crossings.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0])
    for row in rows:
        c, found = positions.get(row["id"], (None, None))
        if c is None or found is None or found.point is None or found.moved_km < 0.05:
            continue
        row["coord_source"] = (
            f"on the OpenStreetMap road ({found.source}) {found.how} of the geo-maps 10m polygons; moved "
            f"{found.moved_km:.1f} km from the earlier position {row['lon']} {row['lat']} ({row['coord_source']})")
        row["lon"], row["lat"] = f"{found.point[0]:.5f}", f"{found.point[1]:.5f}"
    if not args.dry_run:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        write_atomic(path, out.getvalue().encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
