"""Orchestrate the stages: load curated files → build layers → validate → write, I/O at the ends.

``check`` runs the same stages without writing; ``build`` writes every layer or none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo import reference
from geo.errors import DataError, Problem
from geo.io.geojson import SWITCH, dumps, feature_collection, remove_stale, replace_all, settle
from geo.layers import borders, crossings, entry_rules, history, pipelines, registry, roads, store
from geo.layers.roads import checks as road_checks
from geo.layers.roads import model as road_model
from geo.measure import CountryIndex
from geo.paths import layers_dir, source_dir
from geo.reference import trace
from geo.reference.coverage_notes import load_notes
from geo.routing import speeds

Progress = Callable[[str], None]


@dataclass
class Result:
    """The layers built from the curated files, and every problem found on the way."""

    frames: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def quiet(_: str) -> None:
    """Discard progress messages."""


def country_index(frame: gpd.GeoDataFrame) -> CountryIndex:
    """Index the ``kind`` = ``country`` polygons of a borders layer."""
    countries = frame[frame["kind"] == "country"]
    return CountryIndex(dict(zip(countries["country"], countries.geometry)))


def build_borders(source: Path, folder: Path, *, upstream: bool, progress: Progress) -> tuple[
        gpd.GeoDataFrame, gpd.GeoDataFrame, str]:
    """Build ``borders`` and ``boundaries`` from upstream, or reuse the committed layers.

    Returns
    -------
    The two layers and a note saying which way they were obtained.
    """
    enclaves = borders.load_enclaves(source / "enclaves.csv")
    path = borders.locate_upstream(progress) if upstream else None
    if path is None:
        frame, _ = store.read_layer("borders", folder)
        bounds, _ = store.read_layer("boundaries", folder)
        return frame, bounds, "borders: upstream dataset not used; kept the committed borders and boundaries"
    progress(f"borders: reading {path} (takes ~15 s) …")
    countries = borders.build_countries(borders.read_upstream(path))
    progress("borders: repairing polygons, naming enclaves, tracing boundaries …")
    named = borders.build_enclaves(countries, enclaves)
    countries = borders.cut_enclaves(countries, named)
    frame = gpd.GeoDataFrame(pd.concat([countries, named], ignore_index=True), geometry="geometry", crs=4326)
    return frame, borders.build_boundaries(countries), f"borders: rebuilt from {path}"


def _committed(layer_id: str, folder: Path) -> gpd.GeoDataFrame:
    """Return the committed built layer, or an empty frame where none was ever built (a new layers folder)."""
    if not store.layer_path(layer_id, folder).is_file():
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    frame, _ = store.read_layer(layer_id, folder)
    return frame


def trace_roads(network: road_model.Network, source: Path, folder: Path, references: Sequence[reference.Dataset],
                countries: CountryIndex, progress: Progress) -> tuple[dict[str, trace.Trace], list[str]]:
    """Trace every segment on the reference networks, or reuse the committed traces when there is none.

    Returns
    -------
    The traces by segment id, and notes on what was read, joined and bridged.
    """
    schematic = {s.id: roads.segment_line(s, network.places) for s in network.segments}
    exceptions = trace.load_exceptions(source / "roads" / "trace_exceptions.csv", set(schematic))
    if not references:
        committed = _committed("roads", folder)
        reason = "no reference road network found (see README: rebuilding the traced roads)"
        return trace.from_committed(committed, schematic, reason), [
            "roads: no reference road network found; kept the committed traces"]
    notes = []
    graphs = []
    for dataset in references:
        progress(f"roads: reading {dataset.path} …")
        graph = reference.load_graph(dataset)
        notes.append("roads: " + graph.summary())
        graphs.append(graph)
    progress("roads: tracing each segment …")
    segments = {s.id: s for s in network.segments}
    codes = {s.country for s in network.segments}
    areas = {code: shapely.buffer(countries.geometries[countries.codes.index(code)], trace.MARGIN_KM / 111.0)
             for code in codes if code in countries.codes}

    def check(sid: str, line: shapely.LineString) -> str | None:
        return road_checks.trace_problem(segments[sid], line, countries)

    traces = trace.trace_all(schematic, {s.id: s.country for s in network.segments}, graphs, exceptions, check,
                             areas)
    return traces, notes


def pipeline_trace(folder: Path, path: Path | None) -> tuple[shapely.LineString | None, str | None, str]:
    """Return the traced route of Lines A/B/C: from ``path`` if it exists, else from the committed layer.

    Returns
    -------
    The line (None if neither exists), its ``geometry_source`` and a note on where it came from.
    """
    if path is not None and path.is_file():
        source = f"OpenStreetMap relation 8165751 via Global Energy Monitor P1124 ({path.name}, 2024-05-20)"
        return pipelines.read_trace(path), source, f"pipelines: Lines A/B/C traced from {path}"
    committed = _committed("pipelines", folder)
    if committed.empty:
        return None, None, "pipelines: no trace of Lines A/B/C found; drawn from their vertices"
    rows = committed[committed["id"].isin(pipelines.TRACED_LINES) & (committed["geometry_accuracy"] == "traced")]
    if rows.empty:
        return None, None, "pipelines: no trace of Lines A/B/C found; drawn from their vertices"
    first = rows.iloc[0]
    return (shapely.LineString(first.geometry.coords), first["geometry_source"],
            "pipelines: trace file not found; kept the committed trace of Lines A/B/C")


def run(*, as_of: dt.date, upstream: bool = False, source: Path | None = None, folder: Path | None = None,
        references: Sequence[reference.Dataset] | None = None, pipeline_path: Path | None = None,
        progress: Progress = quiet) -> Result:
    """Load, build and validate every layer; collect problems instead of stopping at the first.

    Parameters
    ----------
    as_of
        The day statuses are evaluated on.
    upstream
        Rebuild the borders from the upstream dataset (fetching it if needed) instead of reusing
        the committed borders layer.
    source, folder
        Curated files and built layers (defaults: ``layers/src`` and ``layers``).
    references
        Reference road files to trace the roads on, in order of preference (default: those found in
        ``../shared/data/osm-roads``); none means keeping the traces of the committed roads layer.
    pipeline_path
        The traced route of Lines A/B/C (default: ``../shared/data/pipelines/``); where it is missing the
        committed trace is kept.
    progress
        Receives one-line progress messages.
    """
    source = source or source_dir()
    folder = folder or layers_dir()
    pipeline_path = pipelines.trace_path() if pipeline_path is None else pipeline_path
    result = Result()
    try:
        frame, bounds, note = build_borders(source, folder, upstream=upstream, progress=progress)
    except DataError as exc:
        result.problems.extend(exc.problems)
        return result
    result.notes.append(note)
    result.frames["borders"], result.frames["boundaries"] = frame, bounds
    index = country_index(frame)
    known = set(frame["country"])

    progress("crossings: loading and checking positions on the borders …")
    loaded_crossings = _stage(result, lambda: crossings.load(source, known))
    if loaded_crossings is not None:
        result.frames["crossings"] = crossings.build(loaded_crossings, as_of)
        result.problems.extend(crossings.validate(loaded_crossings, frame).items)
    _stage(result, lambda: history.load_out_of_scope(source))  # checked here, read by the history report
    _stage(result, lambda: history.load_gaps(source, [c.id for c in loaded_crossings or []] or None))

    _stage(result, lambda: speeds.load(source))  # road_speeds.csv: checked here, read by the route engine
    _stage(result, lambda: entry_rules.load(source / entry_rules.FILE))  # the same: travel documents
    _stage(result, lambda: load_notes(source / "roads" / "coverage_notes.csv"))  # checked here, read by reports

    progress("pipelines: loading and measuring per country …")
    loaded_pipelines = _stage(result, lambda: pipelines.load(source))
    pipe_trace = _stage(result, lambda: pipeline_trace(folder, pipeline_path))
    if loaded_pipelines is not None and pipe_trace is not None:
        line, where, note = pipe_trace
        result.notes.append(note)
        result.frames["pipelines"] = pipelines.build(loaded_pipelines, index, as_of, line, where)
        result.problems.extend(pipelines.validate(loaded_pipelines, result.frames["pipelines"]).items)

    progress("roads: loading, measuring and checking the network …")
    if loaded_crossings is not None:
        network = _stage(result, lambda: roads.load(source, loaded_crossings))
        refs = reference.default_datasets() if references is None else list(references)
        traced = (_stage(result, lambda: trace_roads(network, source, folder, refs, index, progress))
                  if network else None)
        if network is not None and traced is not None:
            traces, notes = traced
            result.notes.extend(notes)
            result.frames["roads"], result.frames["places"] = roads.build(network, traces)
            result.problems.extend(road_checks.validate(network, result.frames["roads"], index).items)
            result.problems.extend(road_checks.unjoined_crossings(network, loaded_crossings).items)
    return result


def _stage(result: Result, load: Callable[[], Any]) -> Any:
    try:
        return load()
    except DataError as exc:
        result.problems.extend(exc.problems)
        return None


def layer_metadata(layer_id: str, frame: gpd.GeoDataFrame, *, as_of: dt.date, exported: dt.date) -> dict[str, Any]:
    """Return the metadata of a layer file: the spec's record plus dates, count and every cited URL."""
    spec = registry.get(layer_id)
    sources: list[str] = []
    for column in ("sources", "length_source", "status_source"):
        if column in frame.columns:
            for value in frame[column]:
                items = value if isinstance(value, list) else [value]
                sources.extend(str(v) for v in items if isinstance(v, str) and v)
    if "status_history" in frame.columns:
        sources.extend(e["source"] for h in frame["status_history"] for e in (h or []) if e.get("source"))
    if "border_times" in frame.columns:  # cited border times and the sources of the pair defaults
        sources.extend(u for h in frame["border_times"] for e in (h or []) for u in
                       ([e["source"]] if not e.get("default") else []) + list(e.get("default_sources") or []))
    metadata = spec.metadata()
    metadata.update({
        "geometry_type": spec.geometry_type,
        "feature_count": len(frame),
        "export_date": exported.isoformat(),
        "as_of": as_of.isoformat(),
        "status_policy": (
            "status is the latest dated entry of status_history on or before as_of; each entry cites its source; "
            "last_verified is the date of the latest entry" if "status_history" in frame.columns else None
        ),
        "sources": sorted(set(sources)),
    })
    return metadata


def encode(layer_id: str, frame: gpd.GeoDataFrame, *, as_of: dt.date, exported: dt.date) -> bytes:
    """Return the bytes of a layer file (RFC 7946 GeoJSON with metadata)."""
    spec = registry.get(layer_id)
    ordered = frame[[*spec.properties, "geometry"]]
    return dumps(feature_collection(ordered, layer_metadata(layer_id, frame, as_of=as_of, exported=exported)))


def begin(folder: Path | None = None) -> list[Path]:
    """Finish a switch a killed build left half done and remove its stale temporary files; return those removed.

    ``geo build`` calls this when it starts (and :func:`write` again before it switches).
    """
    folder = folder or layers_dir()
    settle(folder)
    return remove_stale(folder, [SWITCH, *(f"{i}.geojson" for i in registry.ids())])


def write(result: Result, *, as_of: dt.date, folder: Path | None = None) -> list[Path]:
    """Write every layer of a clean result, all or nothing.

    Raises
    ------
    DataError
        The result has problems or misses a layer: nothing is written.
    """
    if result.problems:
        raise DataError(result.problems)
    missing = [i for i in registry.ids() if i not in result.frames]
    if missing:
        raise DataError([Problem("layers", 0, f"layer {m!r} was not built") for m in missing])
    folder = folder or layers_dir()
    return replace_all(folder, [(f"{i}.geojson", encode(i, result.frames[i], as_of=as_of, exported=as_of))
                                for i in registry.ids()])
