"""The text of a static report figure: labels, legend, scale bar, title, attribution and decluttering.

:func:`declutter` runs last, once the figure is drawn: it moves or removes labels so that none overlaps
another, a crossing marker, the route or the scale bar.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from geo.figure.model import FigureRequest, MapData

GEOD = pyproj.Geod(ellps="WGS84")
TEXT_HALO = 2.6
PLACEMENTS: tuple[tuple[float, float, str, str], ...] = (
    (4, 3, "left", "bottom"), (-4, 3, "right", "bottom"), (4, -3, "left", "top"), (-4, -3, "right", "top"),
    (0, 6, "center", "bottom"), (0, -6, "center", "top"), (7, 0, "left", "center"), (-7, 0, "right", "center"))
"""Where a point label may go, in order: offset in points and alignment."""


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


def draw_legend(side: Axes, request: FigureRequest, status_handles: list[Any], handles: list[Any]) -> None:
    """Write the legend in the side panel: crossing statuses first, then the network, headers in bold."""
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


def halo() -> list[Any]:
    """Return the white halo path effect that keeps text legible over lines and fills."""
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=TEXT_HALO, foreground="white")]


def point_label(ax: Axes, x: float, y: float, text: str, size: float, weight: str = "normal",
                colour: str = "#222222", style: str = "normal") -> Any:
    """Return a label annotating a point (offset in points so :func:`declutter` can move it)."""
    label = ax.annotate(text, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=size, fontweight=weight,
                        color=colour, fontstyle=style, zorder=6.8, clip_on=True, annotation_clip=True)
    label.set_path_effects(halo())
    return label


def scale_bar_units(crs: pyproj.CRS, lon: float, lat: float, km: float) -> float:
    """Return how many map units ``km`` kilometres span eastwards from a point, measured on the WGS84 ellipsoid.

    The end point is found with a geodesic (pyproj.Geod) and both ends are projected, so the bar is true at
    that latitude whatever the projection's scale factor there.
    """
    to_map = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    end_lon, end_lat, _ = GEOD.fwd(lon, lat, 90.0, km * 1000)
    (x0, x1), (y0, y1) = to_map.transform([lon, end_lon], [lat, end_lat])
    return math.hypot(x1 - x0, y1 - y0)


def draw_scale_bar(ax: Axes, crs: pyproj.CRS, extent: tuple[float, float, float, float]) -> Any:
    """Draw a two-part scale bar in the lower left, true at its latitude; return its backdrop patch."""
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


def draw_title(ax: Axes, request: FigureRequest, data: MapData, span: float) -> None:
    """Write the title and a subtitle with the date of the status shown (and the route's length)."""
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
        via = ", ".join(f"{c.name} ({c.status})" for c in route.crossings) or "no border crossing"
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


def draw_attribution(ax: Axes, data: MapData) -> None:
    """Write the data sources, licence and notes on approximate geometry below the map."""
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


def declutter(fig: Figure, ax: Axes, labels: list[tuple[float, Any]], markers: Sequence[tuple[float, float]],
              boxes: Sequence[Any], route_points: Sequence[tuple[float, float]] = ()) -> None:
    """Move or remove labels that would overlap anything drawn before them.

    Obstacles: labels of higher priority (lower number), crossing markers, the route, the given boxes and the
    frame edge. Each label tries several placements around its point; point labels avoid crossing markers (country and
    enclave names lie under the markers and may cross them). Priority 0 labels are never removed.
    """
    from matplotlib.transforms import Bbox

    renderer = None  # the figure's own renderer (matplotlib >= 3.6 finds it)
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
