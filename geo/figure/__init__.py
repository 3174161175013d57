"""Static report maps (PNG, PDF, SVG) drawn with geopandas and matplotlib.

Stages: :func:`request_from` (command-line values → a checked :class:`FigureRequest`) → :func:`load` (the
layers, re-dated, and the route if asked) → :func:`draw` (a matplotlib figure) → :func:`save` (atomic).

The map is drawn in a Lambert conformal conic projection centred on the extent, so shapes are true; the
scale bar is measured on the WGS84 ellipsoid at its own latitude. Crossing status is shown by marker shape
and by colour from the Okabe–Ito palette, which colour-blind readers can tell apart.

The layers are drawn by :mod:`geo.figure.layers`; labels, legend, scale bar, title, attribution and label
placement live in :mod:`geo.figure.text`; the request and the data drawn in :mod:`geo.figure.model`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geo.errors import UsageError
from geo.figure.layers import (
    BORDER_COLOUR,
    ROAD_COLOUR,
    WATER,
    draw_borders,
    draw_crossings,
    draw_pipelines,
    draw_places,
    draw_route,
    line_handle,
)
from geo.figure.model import DEFAULT_LAYERS, DPI, EXTENSIONS, WIDTH_IN, FigureRequest, MapData
from geo.figure.text import (
    attribution_line,
    declutter,
    draw_attribution,
    draw_legend,
    draw_scale_bar,
    draw_title,
)
from geo.layers import registry
from geo.vocab import FOCUS, shorten

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from geo.routing import RouteEngine
    from geo.routing.graph import Trip

# --- request -------------------------------------------------------------------------------------------------------


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse ``W,S,E,N`` in degrees.

    Raises
    ------
    UsageError
        Not four numbers, out of range, or west/south not less than east/north.

    Examples
    --------
    >>> parse_bbox("69, 39.6, 73.6, 41.6")
    (69.0, 39.6, 73.6, 41.6)
    """
    parts = [p.strip() for p in text.split(",")]
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise UsageError(f"--bbox {shorten(text)!r}: give W,S,E,N as four numbers in degrees") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise UsageError(f"--bbox {shorten(text)!r}: numbers must be finite")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise UsageError(f"--bbox {shorten(text)!r}: longitudes must be within ±180 and latitudes within ±90")
    if west >= east or south >= north:
        raise UsageError(f"--bbox {shorten(text)!r}: west must be less than east and south less than north")
    return west, south, east, north


def request_from(*, output: Path, as_of: dt.date | None = None, layers: Sequence[str] | None = None,
                 bbox: str | None = None, route: Trip | None = None,
                 title: str | None = None) -> FigureRequest:
    """Return a checked request from command-line values (layers may be comma-separated).

    Raises
    ------
    UsageError
        Unknown extension or layer, or a bad bounding box.
    """
    if output.suffix.lower() not in EXTENSIONS:
        raise UsageError(f"-o {shorten(str(output))}: the file name must end in {', '.join(EXTENSIONS)}")
    chosen: list[str] = []
    for item in layers or DEFAULT_LAYERS:
        for name in item.split(","):
            if name.strip():
                chosen.append(registry.get(name.strip()).id)
    if not chosen:
        raise UsageError("--layers: name at least one layer")
    return FigureRequest(output, as_of or dt.date.today(), tuple(dict.fromkeys(chosen)),
                         parse_bbox(bbox) if bbox is not None else None, route, title)


# --- load ----------------------------------------------------------------------------------------------------------


def load(request: FigureRequest, folder: Path | None = None) -> MapData:
    """Read the requested layers (re-dated to ``as_of``) and compute the route, if asked.

    Raises
    ------
    UsageError
        Unknown place names in the route.
    NoRouteError
        The route is cut on that date.
    """
    from geo.layers import store

    frames = {}
    for layer_id in request.layers:
        frame, _ = store.read_layer(layer_id, folder)
        frames[layer_id] = store.redate(frame, request.as_of)
    data = MapData(frames, attributions=[registry.get(i).attribution for i in request.layers])
    if request.route:
        from geo.routing import RouteEngine

        add_route(data, RouteEngine.load(folder), request.route)
    return data


def add_route(data: MapData, engine: RouteEngine, trip: Trip) -> None:
    """Compute a trip's route on an engine and add it to the data drawn, with its ends' names and attributions.

    Raises
    ------
    UsageError
        Unknown place names.
    NoRouteError
        The scenario cuts the places apart.
    """
    data.route = engine.trip(trip)
    data.names = {pid: engine.names.labels[pid] for pid in (data.route.source, data.route.target)}
    data.attributions += [registry.get(i).attribution for i in ("roads", "crossings")]


# --- extent and projection -----------------------------------------------------------------------------------------


def extent_of(request: FigureRequest, data: MapData) -> tuple[float, float, float, float]:
    """Return the map extent in degrees: the bbox, else the route with a margin, else the five states.

    Raises
    ------
    UsageError
        The bbox does not overlap the data.
    """
    borders = data.frames.get("borders")
    if request.bbox is not None:
        data_box = _data_bounds(data)
        if data_box is not None and not shapely.box(*request.bbox).intersects(shapely.box(*data_box)):
            w, s, e, n = data_box
            shown = ",".join(f"{v:g}" for v in request.bbox)
            raise UsageError(f"--bbox {shown}: outside the map's data ({w:g}–{e:g}° E, {s:g}–{n:g}° N)")
        return request.bbox
    if data.route is not None:
        w, s, e, n = data.route.geometry.bounds
        pad_x = max(0.35, 0.15 * (e - w))
        pad_y = max(0.3, 0.15 * (n - s))
        return w - pad_x, s - pad_y, e + pad_x, n + pad_y
    if borders is not None:
        focus = borders[(borders["kind"] == "country") & borders["country"].isin(FOCUS)]
        if len(focus):
            w, s, e, n = focus.total_bounds
            return float(w) - 0.6, float(s) - 0.4, float(e) + 0.6, float(n) + 0.4
    bounds = _data_bounds(data)
    if bounds is None:
        raise UsageError("nothing to draw: the chosen layers are empty")
    w, s, e, n = bounds
    return w - 0.3, s - 0.3, e + 0.3, n + 0.3


def _data_bounds(data: MapData) -> tuple[float, float, float, float] | None:
    boxes = [f.total_bounds for f in data.frames.values() if len(f)]
    if data.route is not None:
        boxes.append(np.array(data.route.geometry.bounds))
    if not boxes:
        return None
    stacked = np.vstack(boxes)
    return (float(stacked[:, 0].min()), float(stacked[:, 1].min()), float(stacked[:, 2].max()),
            float(stacked[:, 3].max()))


def projection_for(extent: tuple[float, float, float, float]) -> pyproj.CRS:
    """Return a Lambert conformal conic projection whose standard parallels cut the extent at 1/6 and 5/6."""
    w, s, e, n = extent
    lat_1, lat_2 = s + (n - s) / 6, n - (n - s) / 6
    return pyproj.CRS.from_proj4(f"+proj=lcc +lat_0={(s + n) / 2:.4f} +lon_0={(w + e) / 2:.4f} +lat_1={lat_1:.4f} "
                                 f"+lat_2={lat_2:.4f} +datum=WGS84 +units=m +no_defs")


# --- draw ----------------------------------------------------------------------------------------------------------


def draw(request: FigureRequest, data: MapData) -> Figure:
    """Return the map as a matplotlib figure (not yet written).

    Every text is plain: ``$`` in a title or a place name is shown as typed, never parsed as mathtext.
    """
    import matplotlib

    with matplotlib.rc_context({"text.parse_math": False}):
        return _draw(request, data)


def _draw(request: FigureRequest, data: MapData) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    extent = extent_of(request, data)
    crs = projection_for(extent)
    frame_box = _projected_box(extent, crs)
    x0, y0, x1, y1 = frame_box.bounds
    height = float(np.clip(WIDTH_IN * 0.74 * (y1 - y0) / (x1 - x0) + 1.6, 5.0, 10.5))
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax, side = fig.subplots(1, 2, width_ratios=[3.7, 1])
    side.set_axis_off()
    ax.set_facecolor(WATER if "borders" in data.frames else "white")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    span = max(extent[2] - extent[0], extent[3] - extent[1])
    clip = _clip_box(extent)
    shown = {k: _clip(v, clip).to_crs(crs) for k, v in data.frames.items()}
    visible = {k: v[v.intersects(frame_box)] for k, v in shown.items()}
    handles: list[Any] = []
    labels: list[tuple[float, Any]] = []
    if "borders" in shown:
        labels += draw_borders(ax, shown["borders"], span, frame_box)
        handles.append(line_handle(BORDER_COLOUR, "-", 0.8, "International border (generalised)"))
    if "boundaries" in shown and len(shown["boundaries"]):
        shown["boundaries"].plot(ax=ax, color="#444444", linewidth=1.1, zorder=2)
        handles.append(line_handle("#444444", "-", 1.1, "International boundary (line layer)"))
    if "roads" in shown and len(shown["roads"]):
        width = 0.55 if span > 12 else 1.0
        shown["roads"].plot(ax=ax, color=ROAD_COLOUR, linewidth=width, zorder=3)
        handles.append(line_handle(ROAD_COLOUR, "-", width + 0.3, "Trunk road"))
    if "pipelines" in shown and len(shown["pipelines"]):
        handles += draw_pipelines(ax, shown["pipelines"], visible["pipelines"])
    if data.route is not None:
        handles.insert(0, draw_route(ax, data, crs, labels))
    if "places" in shown:
        ends = {data.route.source, data.route.target} if data.route is not None else set()
        handles_places, place_labels = draw_places(ax, shown["places"][~shown["places"]["id"].isin(ends)], span)
        handles += handles_places
        labels += place_labels
    status_handles: list[Any] = []
    obstacles: list[tuple[float, float]] = []
    route_points: list[tuple[float, float]] = []
    if "crossings" in shown and len(shown["crossings"]):
        status_handles, crossing_labels = draw_crossings(ax, shown["crossings"], visible["crossings"], span,
                                                         data.route)
        labels += crossing_labels
        obstacles = list(zip(shown["crossings"].geometry.x, shown["crossings"].geometry.y))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    if data.route is not None:
        route_line = gpd.GeoSeries([shapely.segmentize(data.route.geometry, 0.02)], crs=4326).to_crs(crs).iloc[0]
        route_points = [(x, y) for x, y in route_line.coords]
    backdrop = draw_scale_bar(ax, crs, extent)
    draw_title(ax, request, data, span)
    draw_attribution(ax, data)
    draw_legend(side, request, status_handles, handles)
    fig.canvas.draw()
    declutter(fig, ax, labels, obstacles, [backdrop.get_window_extent()], route_points)
    return fig


def _projected_box(extent: tuple[float, float, float, float], crs: pyproj.CRS) -> shapely.Polygon:
    box = shapely.segmentize(shapely.box(*extent), 0.1)
    west, south, east, north = gpd.GeoSeries([box], crs=4326).to_crs(crs).total_bounds
    return shapely.Polygon([(west, south), (east, south), (east, north), (west, north)])


def _clip_box(extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    w, s, e, n = extent
    pad_x, pad_y = 0.35 * (e - w) + 0.5, 0.35 * (n - s) + 0.5
    return w - pad_x, s - pad_y, e + pad_x, n + pad_y


def _clip(frame: gpd.GeoDataFrame, box: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    values = shapely.clip_by_rect(np.asarray(frame.geometry.values), *box)
    keep = ~(shapely.is_missing(values) | shapely.is_empty(values))
    clipped = frame.copy()
    clipped["geometry"] = values
    return clipped[keep]


# --- save ----------------------------------------------------------------------------------------------------------


def _metadata(fig: Figure, fmt: str, attribution: str) -> dict[str, str]:
    title = fig.axes[0].get_title(loc="left") if fig.axes else "map"
    return {
        "png": {"Title": title, "Copyright": attribution, "Software": "central-asia-geo (matplotlib)"},
        "pdf": {"Title": title, "Subject": attribution, "Creator": "central-asia-geo (matplotlib)"},
        "svg": {"Title": title, "Rights": attribution, "Creator": "central-asia-geo (matplotlib)"},
    }[fmt]


def save(fig: Figure, request: FigureRequest, attribution: str) -> None:
    """Write the figure all or nothing in the format its file suffix names, with title and rights in its metadata.

    The image is made in memory first, so a full disk or a folder that cannot be written leaves the previous file.
    """
    from geo.io.geojson import write_atomic

    write_atomic(request.output, image_bytes(fig, request.fmt, attribution))


def image_bytes(fig: Figure, fmt: str, attribution: str) -> bytes:
    """Return the figure as PNG, PDF or SVG bytes (for downloads), with the same metadata as :func:`save`."""
    import io

    if f".{fmt}" not in EXTENSIONS:
        raise UsageError(f"unknown image format {shorten(fmt)!r}: choose one of {', '.join(EXTENSIONS)}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=DPI, metadata=_metadata(fig, fmt, attribution), facecolor="white")
    return buffer.getvalue()


def make(request: FigureRequest, folder: Path | None = None) -> str:
    """Load, draw and save a figure; return a one-line description of what was written."""
    data = load(request, folder)
    fig = draw(request, data)
    save(fig, request, attribution_line(data.attributions))
    width, height = (fig.get_size_inches() * DPI).astype(int)
    counts = ", ".join(f"{k} {len(v)}" for k, v in data.frames.items())
    route = (f", route {data.route.distance_km:,.1f} km, {data.route.duration_h:,.1f} h"
             f" ({data.route.scenario.describe()})" if data.route is not None else "")
    size = f"{width}×{height} px" if request.fmt == "png" else request.fmt.upper()
    return f"{size}; {counts}{route}"
