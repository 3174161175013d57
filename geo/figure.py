"""Static report maps (PNG, PDF, SVG) drawn with geopandas and matplotlib.

Stages: :func:`request_from` (command-line values → a checked :class:`FigureRequest`) → :func:`load` (the
layers, re-dated, and the route if asked) → :func:`draw` (a matplotlib figure) → :func:`save` (atomic).

The map is drawn in a Lambert conformal conic projection centred on the extent, so shapes are true; the
scale bar is measured on the WGS84 ellipsoid at its own latitude. Crossing status is shown by marker shape
and by colour from the Okabe–Ito palette, which colour-blind readers can tell apart.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.ops import polylabel

from geo import registry
from geo.errors import UsageError
from geo.palette import STATUS_STYLES
from geo.vocab import FOCUS, shorten

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from geo.routing import Route

EXTENSIONS: tuple[str, ...] = (".png", ".pdf", ".svg")
"""Output formats, by file suffix."""
DEFAULT_LAYERS: tuple[str, ...] = ("borders", "roads", "pipelines", "crossings", "places")
"""Layers drawn when ``--layers`` is not given."""
DPI = 200
WIDTH_IN = 11.0
GEOD = pyproj.Geod(ellps="WGS84")


STAGE_LINESTYLES: dict[str, Any] = {
    "operating": "-", "under-construction": (0, (5, 2)), "stalled": (0, (1, 1.5)), "planned": (0, (6, 2, 1, 2)),
    "unknown": (0, (1, 3)),
}
"""Pipeline stage → line style."""
PIPELINE_COLOUR = "#CC79A7"
ROUTE_COLOUR = "#0072B2"
ROAD_COLOUR = "#5f5f5f"
LAND_FOCUS = "#f6f3ec"
LAND_OTHER = "#e4e4e2"
WATER = "#dbe7ef"
BORDER_COLOUR = "#7a7a7a"
TEXT_HALO = 2.6
PLACEMENTS: tuple[tuple[float, float, str, str], ...] = (
    (4, 3, "left", "bottom"), (-4, 3, "right", "bottom"), (4, -3, "left", "top"), (-4, -3, "right", "top"),
    (0, 6, "center", "bottom"), (0, -6, "center", "top"), (7, 0, "left", "center"), (-7, 0, "right", "center"))
"""Where a point label may go, in order: offset in points and alignment."""


@dataclass(frozen=True)
class FigureRequest:
    """What to draw and where to write it."""

    output: Path
    as_of: dt.date
    layers: tuple[str, ...] = DEFAULT_LAYERS
    bbox: tuple[float, float, float, float] | None = None
    route: tuple[str, str] | None = None
    title: str | None = None

    @property
    def fmt(self) -> str:
        """Return the output format (``png``, ``pdf`` or ``svg``)."""
        return self.output.suffix.lower().lstrip(".")


@dataclass
class MapData:
    """The layers to draw (EPSG:4326, re-dated) and the route, if any."""

    frames: dict[str, gpd.GeoDataFrame]
    route: Route | None = None
    attributions: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    """Display names of place ids (the route's ends)."""


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
                 bbox: str | None = None, route: Sequence[str] | None = None,
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
    pair = (route[0], route[1]) if route else None
    return FigureRequest(output, as_of or dt.date.today(), tuple(dict.fromkeys(chosen)),
                         parse_bbox(bbox) if bbox is not None else None, pair, title)


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
    from geo import store

    frames = {}
    for layer_id in request.layers:
        frame, _ = store.read_layer(layer_id, folder)
        frames[layer_id] = store.redate(frame, request.as_of)
    data = MapData(frames, attributions=[registry.get(i).attribution for i in request.layers])
    if request.route:
        from geo.routing import RouteEngine, Scenario

        engine = RouteEngine.load(folder)
        data.route = engine.route(request.route[0], request.route[1], Scenario(as_of=request.as_of))
        data.names = {pid: engine.names.labels[pid] for pid in (data.route.source, data.route.target)}
        data.attributions += [registry.get(i).attribution for i in ("roads", "crossings")]
    return data


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


def nice_length_km(span_km: float) -> float:
    """Return a round scale-bar length near a fifth of the map width.

    Examples
    --------
    >>> nice_length_km(2600), nice_length_km(430), nice_length_km(70)
    (500.0, 50.0, 10.0)
    """
    target = span_km / 5
    power = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return float(step * power)
    return float(power)


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
        labels += _draw_borders(ax, shown["borders"], span, frame_box)
        handles.append(_line_handle(BORDER_COLOUR, "-", 0.8, "International border (generalised)"))
    if "boundaries" in shown and len(shown["boundaries"]):
        shown["boundaries"].plot(ax=ax, color="#444444", linewidth=1.1, zorder=2)
        handles.append(_line_handle("#444444", "-", 1.1, "International boundary (line layer)"))
    if "roads" in shown and len(shown["roads"]):
        width = 0.55 if span > 12 else 1.0
        shown["roads"].plot(ax=ax, color=ROAD_COLOUR, linewidth=width, zorder=3)
        handles.append(_line_handle(ROAD_COLOUR, "-", width + 0.3, "Trunk road"))
    if "pipelines" in shown and len(shown["pipelines"]):
        handles += _draw_pipelines(ax, shown["pipelines"], visible["pipelines"])
    if data.route is not None:
        handles.insert(0, _draw_route(ax, data, crs, labels))
    if "places" in shown:
        ends = {data.route.source, data.route.target} if data.route is not None else set()
        handles_places, place_labels = _draw_places(ax, shown["places"][~shown["places"]["id"].isin(ends)], span)
        handles += handles_places
        labels += place_labels
    status_handles: list[Any] = []
    obstacles: list[tuple[float, float]] = []
    route_points: list[tuple[float, float]] = []
    if "crossings" in shown and len(shown["crossings"]):
        status_handles, crossing_labels = _draw_crossings(ax, shown["crossings"], visible["crossings"], span,
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
    backdrop = _scale_bar(ax, crs, extent)
    _title(ax, request, data, span)
    _attribution(ax, data)
    _legend(side, request, status_handles, handles)
    fig.canvas.draw()
    _declutter(fig, ax, labels, obstacles, [backdrop.get_window_extent()], route_points)
    return fig


def _legend(side: Axes, request: FigureRequest, status_handles: list[Any], handles: list[Any]) -> None:
    from matplotlib.lines import Line2D

    def header(text: str) -> Any:
        return Line2D([], [], linestyle="none", label=text)

    entries: list[Any] = []
    if status_handles:
        entries += [header(f"Border crossings on {request.as_of:%-d %b %Y}"), *status_handles]
    if handles:
        entries += ([header("")] if entries else []) + [header("Network"), *handles]
    for entry in entries:
        entry.set_label(textwrap.fill(str(entry.get_label()), 30, break_on_hyphens=False))
    legend = side.legend(handles=entries, loc="upper left", bbox_to_anchor=(0, 1), frameon=False, fontsize=8.5,
                         handlelength=2.2, borderaxespad=0, labelspacing=0.6)
    for entry, text in zip(entries, legend.get_texts()):
        if not entry.get_marker() or entry.get_marker() == "None":
            if entry.get_linestyle() in ("None", "none", "") and text.get_text():
                text.set_fontweight("bold")


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


def _line_handle(colour: str, style: Any, width: float, label: str) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, linestyle=style, linewidth=width, label=label)


def _halo() -> list[Any]:
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=TEXT_HALO, foreground="white")]


def _without_specks(geometry: Any, min_area: float) -> Any:
    """Drop holes and parts smaller than ``min_area`` (display only: lengths are never measured on this)."""
    polygons = shapely.get_parts(geometry)
    kept = [shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= min_area])
            for p in polygons if p.geom_type == "Polygon" and p.area >= min_area]
    return shapely.MultiPolygon(kept) if kept else shapely.Polygon()


def _draw_borders(ax: Axes, borders: gpd.GeoDataFrame, span: float,
                  view: shapely.Polygon) -> list[tuple[float, Any]]:
    borders = borders.copy()
    min_area = view.area * 1e-4
    tolerance = math.sqrt(view.area) / 4000
    borders["geometry"] = [shapely.simplify(_without_specks(g, min_area), tolerance) for g in borders.geometry]
    borders = borders[~borders.geometry.is_empty]
    focus = borders["country"].isin(FOCUS)
    for part, fill, width in ((borders[~focus], LAND_OTHER, 0.5), (borders[focus], LAND_FOCUS, 0.7)):
        if len(part):
            part.plot(ax=ax, color=fill, edgecolor=BORDER_COLOUR, linewidth=width, zorder=1)
    enclaves = borders[(borders["kind"] != "country") & ~borders.geometry.is_empty]
    if len(enclaves):
        enclaves.boundary.plot(ax=ax, color="#505050", linewidth=0.8, linestyle=(0, (2, 1)), zorder=1.5)
    from geo.vocab import country_name

    labels = []
    size = 11 if span > 12 else 10
    for row in borders[borders["kind"] == "country"].itertuples():
        inside = shapely.intersection(shapely.make_valid(row.geometry), view)
        if inside.is_empty or inside.area < (0.002 if row.country in FOCUS else 0.03) * view.area:
            continue
        largest = inside if inside.geom_type == "Polygon" else max(
            (g for g in shapely.get_parts(inside) if g.geom_type == "Polygon"), key=lambda g: g.area)
        point = polylabel(largest, tolerance=math.sqrt(view.area) / 200)
        text = ax.text(point.x, point.y, country_name(row.country).upper(), ha="center", va="center",
                       fontsize=size if row.country in FOCUS else size - 2, color="#8a8a8a", fontstyle="normal",
                       fontweight="bold" if row.country in FOCUS else "normal", zorder=2.5, clip_on=True)
        text.set_path_effects(_halo())
        labels.append((0.5 if row.country in FOCUS else 4, text))
    if span <= 12:
        for row in enclaves.itertuples():
            if row.geometry.intersects(view) and not row.geometry.is_empty:
                point = row.geometry.representative_point()
                text = ax.text(point.x, point.y, f"{row.name}\n({row.country})", ha="center", va="center",
                               fontsize=7, color="#555555", fontstyle="italic", zorder=2.5, clip_on=True)
                text.set_path_effects(_halo())
                labels.append((2, text))
    return labels


def _short_pipeline(name: str) -> str:
    return name.rsplit(", ", 1)[-1] if ", " in name else name


def _draw_pipelines(ax: Axes, pipelines: gpd.GeoDataFrame, visible: gpd.GeoDataFrame) -> list[Any]:
    handles = []
    for stage, group in pipelines.groupby("status", sort=False):
        style = STAGE_LINESTYLES.get(str(stage), STAGE_LINESTYLES["unknown"])
        group.plot(ax=ax, color=PIPELINE_COLOUR, linewidth=2.0, linestyle=style, zorder=4)
        seen = visible[visible["status"] == stage]
        if not len(seen):
            continue
        names = ", ".join(_short_pipeline(n) for n in seen["name"])
        handles.append(_line_handle(PIPELINE_COLOUR, style, 2.0, f"Gas pipeline, {stage} ({names})"))
    return handles


def _draw_route(ax: Axes, data: MapData, crs: pyproj.CRS, labels: list[tuple[float, Any]]) -> Any:
    route = data.route
    assert route is not None
    line = gpd.GeoSeries([route.geometry], crs=4326).to_crs(crs)
    line.plot(ax=ax, color="white", linewidth=6.0, zorder=5)
    line.plot(ax=ax, color=ROUTE_COLOUR, linewidth=3.4, zorder=5.1)
    geometry = line.iloc[0]
    ends = [shapely.Point(geometry.coords[0]), shapely.Point(geometry.coords[-1])]
    for point, name in zip(ends, (route.source, route.target)):
        ax.scatter([point.x], [point.y], s=90, marker="o", facecolor="white", edgecolor=ROUTE_COLOUR,
                   linewidth=2.4, zorder=8)
        labels.append((0, _label(ax, point.x, point.y, data.names.get(name, name), 10.5, "bold", "#0b3c5d")))
    return _line_handle(ROUTE_COLOUR, "-", 3.4, f"Route, {route.distance_km:,.0f} km by road")


def _label(ax: Axes, x: float, y: float, text: str, size: float, weight: str = "normal",
           colour: str = "#222222", style: str = "normal") -> Any:
    label = ax.annotate(text, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=size, fontweight=weight,
                        color=colour, fontstyle=style, zorder=6.8, clip_on=True, annotation_clip=True)
    label.set_path_effects(_halo())
    return label


def _draw_places(ax: Axes, places: gpd.GeoDataFrame, span: float) -> tuple[list[Any], list[tuple[float, Any]]]:
    from matplotlib.lines import Line2D

    kinds = ("city",) if span > 12 else ("city", "town")
    shown = places[places["kind"].isin(kinds)]
    capital = shown["capital"].fillna("").astype(str)
    national = shown[capital == "national"]
    major = shown[capital.str.contains("republican significance")]
    regional = shown[capital.str.startswith("region") & ~capital.str.contains("republican significance")]
    other = shown[capital == ""]
    labels: list[tuple[float, Any]] = []
    handles: list[Any] = []
    if len(other):
        ax.scatter(other.geometry.x, other.geometry.y, s=7, color="#333333", zorder=6, linewidths=0)
    if len(regional) or len(major):
        centres = shown[capital.str.startswith("region")]
        ax.scatter(centres.geometry.x, centres.geometry.y, s=12, color="#333333", zorder=6, linewidths=0)
    if len(national):
        ax.scatter(national.geometry.x, national.geometry.y, s=60, marker="*", color="#111111", zorder=6.5,
                   linewidths=0)
        handles.append(Line2D([], [], marker="*", color="#111111", linestyle="none", markersize=9,
                              label="National capital"))
    if len(shown) - len(national):
        handles.append(Line2D([], [], marker="o", color="#333333", linestyle="none", markersize=3.5,
                              label="City" if span > 12 else "City or town"))
    small = 7.5 if span > 12 else 8.0
    for rows, priority, size, weight in ((national, 0, 9.5, "bold"), (major, 0.8, 8.5, "normal"),
                                         (regional, 3, small, "normal"), (other, 5, 7.5, "normal")):
        for row in rows.itertuples():
            labels.append((priority, _label(ax, row.geometry.x, row.geometry.y, str(row.name), size, weight)))
    return handles, labels


def _crossing_name(name: str) -> str:
    return name.split(" – ")[0].split(" (")[0]


def _draw_crossings(ax: Axes, crossings: gpd.GeoDataFrame, visible: gpd.GeoDataFrame, span: float,
                    route: Route | None) -> tuple[list[Any], list[tuple[float, Any]]]:
    from matplotlib.lines import Line2D

    handles = []
    scale = 1.0 if span > 12 else 1.7
    for status, style in STATUS_STYLES.items():
        group = crossings[crossings["status"] == status]
        if len(group):
            ax.scatter(group.geometry.x, group.geometry.y, s=style.size * scale, marker=style.marker,
                       color=style.colour, edgecolor="black", linewidth=0.6, zorder=7)
        handles.append(Line2D([], [], marker=style.marker, color=style.colour, markeredgecolor="black",
                              markeredgewidth=0.6, linestyle="none", markersize=7.5,
                              label=f"{status} ({int((visible['status'] == status).sum())} on this map)"))
    labels: list[tuple[float, Any]] = []
    on_route = {c["id"] for c in route.crossings} if route is not None else set()
    if span <= 12 or on_route:
        for row in crossings.itertuples():
            if span > 12 and row.id not in on_route:
                continue
            colour = "#111111" if row.id in on_route else "#4a4a4a"
            labels.append((2 if row.id in on_route else 6,
                           _label(ax, row.geometry.x, row.geometry.y, _crossing_name(str(row.name)), 7.5,
                                  "bold" if row.id in on_route else "normal", colour, "italic")))
    return handles, labels


def scale_bar_units(crs: pyproj.CRS, lon: float, lat: float, km: float) -> float:
    """Return how many map units ``km`` kilometres span eastwards from a point, measured on the WGS84 ellipsoid.

    The end point is found with a geodesic (pyproj.Geod) and both ends are projected, so the bar is true at
    that latitude whatever the projection's scale factor there.
    """
    to_map = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    end_lon, end_lat, _ = GEOD.fwd(lon, lat, 90.0, km * 1000)
    (x0, x1), (y0, y1) = to_map.transform([lon, end_lon], [lat, end_lat])
    return math.hypot(x1 - x0, y1 - y0)


def _scale_bar(ax: Axes, crs: pyproj.CRS, extent: tuple[float, float, float, float]) -> Any:
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    to_geo = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    start_x, start_y = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    lon, lat = to_geo.transform(start_x, start_y)
    mid = (extent[1] + extent[3]) / 2
    _, _, span_m = GEOD.inv(extent[0], mid, extent[2], mid)
    length_km = nice_length_km(span_m / 1000)
    bar = scale_bar_units(crs, lon, lat, length_km)
    height = 0.012 * (y1 - y0)
    pad = 0.012 * (x1 - x0)
    backdrop = Rectangle((start_x - pad, start_y - 2.2 * height), bar + 2 * pad, 6.2 * height, facecolor="white",
                         edgecolor="none", alpha=0.8, zorder=10)
    backdrop.set_gid("scale-bar")
    ax.add_patch(backdrop)
    for i in range(2):
        ax.add_patch(Rectangle((start_x + i * bar / 2, start_y), bar / 2, height, zorder=11, linewidth=0.6,
                               facecolor="black" if i == 0 else "white", edgecolor="black", gid=f"scale-bar-{i}"))
    for fraction in (0, 0.5, 1):
        value = length_km * fraction
        text = f"{value:g}" + (" km" if fraction == 1 else "")
        ax.text(start_x + fraction * bar, start_y + 1.5 * height, text, ha="center", va="bottom", fontsize=7.5,
                zorder=11)
    ax.text(start_x, start_y - 0.6 * height, f"true at {abs(lat):.1f}° {'N' if lat >= 0 else 'S'}", ha="left",
            va="top", fontsize=6.5, color="#444444", zorder=11)
    return backdrop


def _title(ax: Axes, request: FigureRequest, data: MapData, span: float) -> None:
    route = data.route
    if request.title:
        title = request.title
    elif route is not None:
        ends = [data.names.get(pid, pid) for pid in (route.source, route.target)]
        title = f"Road route {ends[0]} → {ends[1]}"
    elif span > 12:
        title = "Central Asia: regional infrastructure"
    else:
        w, s_, e, n = request.bbox or (0.0, 0.0, 0.0, 0.0)
        title = f"Central Asia: regional infrastructure, {w:g}–{e:g}° E, {s_:g}–{n:g}° N"
    dated = [name for name in ("crossings", "pipelines") if name in data.frames]
    subtitle = (f"Status of {' and '.join(dated)} as of {request.as_of:%-d %B %Y}" if dated
                else f"As of {request.as_of:%-d %B %Y}")
    if route is not None:
        via = ", ".join(f"{c['name']} ({c['status']})" for c in route.crossings) or "no border crossing"
        subtitle += f". Route: {route.distance_km:,.0f} km by road via {via}"
    wrapped = textwrap.fill(subtitle, 115)
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold", pad=9 + 11.5 * (wrapped.count("\n") + 1))
    ax.annotate(wrapped, (0, 1), xycoords="axes fraction", xytext=(0, 5),
                textcoords="offset points", va="bottom", ha="left", fontsize=9, color="#333333")


def attribution_line(attributions: Sequence[str]) -> str:
    """Return the layers' attributions merged into one line, each holder once (first wording kept).

    Examples
    --------
    >>> attribution_line(["© OpenStreetMap contributors (via geo-maps)",
    ...                   "© OpenStreetMap contributors (borders); © GeoNames (CC BY 4.0) towns; facts from sources"])
    '© OpenStreetMap contributors (via geo-maps); © GeoNames (CC BY 4.0) towns; facts from sources'
    """
    pieces: dict[str, str] = {}
    for attribution in attributions:
        for piece in attribution.split("; "):
            key = piece.split(" (")[0] if piece.startswith("©") else "facts"
            pieces.setdefault(key, piece)
    return "; ".join(pieces.values())


def _attribution(ax: Axes, data: MapData) -> None:
    notes = []
    if "roads" in data.frames or data.route:
        notes.append("Roads traced on OpenStreetMap where a reference road exists, else schematic.")
    if "pipelines" in data.frames:
        notes.append("Lines A/B/C traced on OpenStreetMap; Line D schematic.")
    if "crossings" in data.frames:
        notes.append("Many crossing positions are estimated (see coord_source).")
    text = (f"Data: {attribution_line(data.attributions)}. Licence ODbL-1.0 (opendatacommons.org/licenses/odbl). "
            + " ".join(notes) + " Lambert conformal conic projection.")
    ax.annotate(textwrap.fill(text, 150), (0, 0), xycoords="axes fraction", xytext=(0, -5),
                textcoords="offset points", va="top", ha="left", fontsize=6.5, color="#333333")


def _declutter(fig: Figure, ax: Axes, labels: list[tuple[float, Any]], markers: Sequence[tuple[float, float]],
               boxes: Sequence[Any], route_points: Sequence[tuple[float, float]] = ()) -> None:
    """Move or remove labels that would overlap anything drawn before them.

    Obstacles: labels of higher priority (lower number), crossing markers, the route, the given boxes and the
    frame edge. Each label tries several placements around its point; point labels avoid crossing markers (country and
    enclave names lie under the markers and may cross them). Priority 0 labels are never removed.
    """
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    own = {id(label) for _, label in labels}
    placed: list[Any] = [t.get_window_extent(renderer) for t in ax.texts if id(t) not in own] + list(boxes)
    radius = 4.0 * fig.dpi / 72
    points = ax.transData.transform(np.asarray(markers)) if len(markers) else np.empty((0, 2))
    marker_boxes = [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius) for x, y in points]
    line = ax.transData.transform(np.asarray(route_points)) if len(route_points) else np.empty((0, 2))
    half = 2.0 * fig.dpi / 72
    line_boxes = [Bbox.from_extents(x - half, y - half, x + half, y + half) for x, y in line]
    step = 14 * fig.dpi / 72
    shifts = [(0, 0), (0, step), (0, -step), (2 * step, 0), (-2 * step, 0), (0, 2 * step), (0, -2 * step)]
    for priority, label in sorted(labels, key=lambda item: item[0]):
        is_point = hasattr(label, "xyann")
        anchor = ax.transData.transform(label.xy) if is_point else ax.transData.transform(label.get_position())
        candidates = PLACEMENTS if is_point else [(dx, dy, "", "") for dx, dy in shifts]
        scored = []
        for candidate in candidates:
            box = _place(ax, label, candidate, anchor, is_point).get_window_extent(renderer).expanded(1.04, 1.1)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            markers_hit = sum(box.overlaps(m) and not m.contains(*anchor) for m in marker_boxes) if is_point else 0
            route_hit = sum(box.overlaps(m) and not m.contains(*anchor) for m in line_boxes)
            labels_hit = sum(box.overlaps(o) for o in placed)
            score = (0 if inside else 1000) + 3 * labels_hit + 2 * markers_hit + route_hit
            scored.append((score, candidate))
            if score == 0:
                break
        score, best = min(scored, key=lambda item: item[0])
        if score == 0 or (priority == 0 and score < 1000):  # route ends and national capitals always stay
            placed.append(_place(ax, label, best, anchor, is_point).get_window_extent(renderer))
        else:
            label.remove()


def _place(ax: Axes, label: Any, candidate: tuple[float, float, str, str], anchor: Any, is_point: bool) -> Any:
    dx, dy, ha, va = candidate
    if is_point:
        label.xyann = (dx, dy)
        label.set_horizontalalignment(ha)
        label.set_verticalalignment(va)
    else:
        label.set_position(ax.transData.inverted().transform((anchor[0] + dx, anchor[1] + dy)))
    return label


# --- save ----------------------------------------------------------------------------------------------------------


def _metadata(fig: Figure, fmt: str, attribution: str) -> dict[str, str]:
    title = fig.axes[0].get_title(loc="left") if fig.axes else "map"
    return {
        "png": {"Title": title, "Copyright": attribution, "Software": "central-asia-geo (matplotlib)"},
        "pdf": {"Title": title, "Subject": attribution, "Creator": "central-asia-geo (matplotlib)"},
        "svg": {"Title": title, "Rights": attribution, "Creator": "central-asia-geo (matplotlib)"},
    }[fmt]


def save(fig: Figure, request: FigureRequest, attribution: str) -> None:
    """Write the figure atomically in the format its file suffix names, with title and rights in its metadata."""
    from geo.formats import write_atomic_with

    metadata = _metadata(fig, request.fmt, attribution)
    write_atomic_with(request.output, lambda p: fig.savefig(p, format=request.fmt, dpi=DPI, metadata=metadata,
                                                            facecolor="white"))


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
    route = f", route {data.route.distance_km:,.1f} km" if data.route is not None else ""
    size = f"{width}×{height} px" if request.fmt == "png" else request.fmt.upper()
    return f"{size}; {counts}{route}"
