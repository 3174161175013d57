"""The map layers of a static report figure: borders, pipelines, the route, places and crossings.

Each ``draw_*`` function plots one layer on a matplotlib axes in the figure's projection and returns its legend
handles and/or its labels as ``(priority, text)`` pairs for :func:`geo.figure.text.declutter` (lower priority
numbers are placed first). Colours and line styles of the layers live here, once.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pyproj
import shapely
from shapely.ops import polylabel

from geo.figure.text import halo, point_label
from geo.palette import STATUS_STYLES
from geo.vocab import FOCUS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from geo.figure.model import MapData
    from geo.routing.results import Route

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


def line_handle(colour: str, style: Any, width: float, label: str) -> Any:
    """Return a legend handle for a line of this colour, style and width."""
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, linestyle=style, linewidth=width, label=label)


def _without_specks(geometry: Any, min_area: float) -> Any:
    """Drop holes and parts smaller than ``min_area`` (display only: lengths are never measured on this)."""
    polygons = shapely.get_parts(geometry)
    kept = [shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= min_area])
            for p in polygons if p.geom_type == "Polygon" and p.area >= min_area]
    return shapely.MultiPolygon(kept) if kept else shapely.Polygon()


def draw_borders(ax: Axes, borders: gpd.GeoDataFrame, span: float,
                 view: shapely.Polygon) -> list[tuple[float, Any]]:
    """Fill the countries, outline the enclaves and return the country (and, zoomed in, enclave) labels."""
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
        text.set_path_effects(halo())
        labels.append((0.5 if row.country in FOCUS else 4, text))
    if span <= 12:
        for row in enclaves.itertuples():
            if row.geometry.intersects(view) and not row.geometry.is_empty:
                point = row.geometry.representative_point()
                text = ax.text(point.x, point.y, f"{row.name}\n({row.country})", ha="center", va="center",
                               fontsize=7, color="#555555", fontstyle="italic", zorder=2.5, clip_on=True)
                text.set_path_effects(halo())
                labels.append((2, text))
    return labels


def _short_pipeline(name: str) -> str:
    return name.rsplit(", ", 1)[-1] if ", " in name else name


def draw_pipelines(ax: Axes, pipelines: gpd.GeoDataFrame, visible: gpd.GeoDataFrame) -> list[Any]:
    """Draw the pipelines, styled by stage; return one legend handle per stage visible on the map."""
    handles = []
    for stage, group in pipelines.groupby("status", sort=False):
        style = STAGE_LINESTYLES.get(str(stage), STAGE_LINESTYLES["unknown"])
        group.plot(ax=ax, color=PIPELINE_COLOUR, linewidth=2.0, linestyle=style, zorder=4)
        seen = visible[visible["status"] == stage]
        if not len(seen):
            continue
        names = ", ".join(_short_pipeline(n) for n in seen["name"])
        handles.append(line_handle(PIPELINE_COLOUR, style, 2.0, f"Gas pipeline, {stage} ({names})"))
    return handles


def draw_route(ax: Axes, data: MapData, crs: pyproj.CRS, labels: list[tuple[float, Any]]) -> Any:
    """Draw the route and its end markers, add the ends' labels to ``labels``; return its legend handle."""
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
        labels.append((0, point_label(ax, point.x, point.y, data.names.get(name, name), 10.5, "bold", "#0b3c5d")))
    return line_handle(ROUTE_COLOUR, "-", 3.4, f"Route, {route.distance_km:,.0f} km by road")


def draw_places(ax: Axes, places: gpd.GeoDataFrame, span: float) -> tuple[list[Any], list[tuple[float, Any]]]:
    """Draw cities (and towns when zoomed in) by rank; return legend handles and labels."""
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
            labels.append((priority, point_label(ax, row.geometry.x, row.geometry.y, str(row.name), size, weight)))
    return handles, labels


def _crossing_name(name: str) -> str:
    return name.split(" – ")[0].split(" (")[0]


def draw_crossings(ax: Axes, crossings: gpd.GeoDataFrame, visible: gpd.GeoDataFrame, span: float,
                   route: Route | None) -> tuple[list[Any], list[tuple[float, Any]]]:
    """Draw crossings by status with counts in the legend; return legend handles and labels."""
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
    on_route = set(route.crossing_ids) if route is not None else set()
    if span <= 12 or on_route:
        for row in crossings.itertuples():
            if span > 12 and row.id not in on_route:
                continue
            colour = "#111111" if row.id in on_route else "#4a4a4a"
            labels.append((2 if row.id in on_route else 6,
                           point_label(ax, row.geometry.x, row.geometry.y, _crossing_name(str(row.name)), 7.5,
                                  "bold" if row.id in on_route else "normal", colour, "italic")))
    return handles, labels
