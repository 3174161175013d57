"""A trip's timeline as a step chart: travel time and road km over the years, the changes marked and named.

One figure, two panels sharing the date axis (hours above, km below); each period is a flat step, periods without
a route are shaded, and every boundary is a numbered line whose facts (crossing, new status, source) are listed
under the chart, above the attribution. Colours are the project's palette (:mod:`geo.palette`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

from geo.errors import UsageError
from geo.figure.model import DPI, EXTENSIONS
from geo.figure.text import attribution_line
from geo.layers import registry
from geo.palette import CHANGED_RING, STATUS_STYLES
from geo.vocab import shorten

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from geo.routing.timeline import Period, Timeline

HOURS_COLOUR = CHANGED_RING
KM_COLOUR = "#000000"
NO_ROUTE = STATUS_STYLES["closed"].colour
EPOCH = dt.date(1970, 1, 1)
"""matplotlib's default date epoch."""
MAX_LISTED = 14
"""Events listed under the chart by number; the rest are counted."""


def attribution() -> str:
    """Return the attribution of the data a timeline rests on (roads and crossings)."""
    return attribution_line([registry.get(i).attribution for i in ("roads", "crossings")])


def event_colour(period: Period) -> str:
    """Return the palette colour of the status a period's first status fact sets (blue for other facts)."""
    for fact in period.facts:
        if fact.kind == "status":
            status = fact.value.split(" ")[0].rstrip(",")
            if status in STATUS_STYLES:
                return STATUS_STYLES[status].colour
    return CHANGED_RING


def draw(line: Timeline, labels: Mapping[str, str] | None = None) -> Figure:
    """Return the timeline's step chart (not yet written).

    Parameters
    ----------
    line
        The periods.
    labels
        Place id → name, for the title.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = labels or {}
    events = [(n, p) for n, p in enumerate(line.periods[1:], 1)]
    listed = events[:MAX_LISTED]
    height = 5.2 + 0.19 * (len(listed) + (1 if len(events) > MAX_LISTED else 0))
    with matplotlib.rc_context({"text.parse_math": False}):
        fig = Figure(figsize=(11.0, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        top, bottom, notes = fig.subplots(3, 1, height_ratios=[2.2, 2.2, 0.35 + 0.19 * len(listed)],
                                          gridspec_kw={"hspace": 0.05})
        bottom.sharex(top)
        _steps(top, line, "hours", HOURS_COLOUR, "travel time (h)")
        _steps(bottom, line, "km", KM_COLOUR, "road km")
        for ax in (top, bottom):
            for period in line.periods:
                if not period.reachable:
                    ax.axvspan(_x(period.start), _x(period.end), color=NO_ROUTE, alpha=0.14, hatch="//", linewidth=0)
            for _, period in events:
                ax.axvline(_x(period.start), color=event_colour(period), linestyle="--", linewidth=0.9)
        for number, period in events:
            top.annotate(str(number), (_x(period.start), 1.0), xycoords=("data", "axes fraction"), xytext=(0, 2),
                         textcoords="offset points", ha="center", va="bottom", fontsize=8, fontweight="bold",
                         color=event_colour(period))
        top.tick_params(labelbottom=False)
        trip = line.trip
        title = (f"{names.get(trip.origin, trip.origin)} → {names.get(trip.dest, trip.dest)}: the route through time "
                 f"({line.start.isoformat()} – {(line.end - dt.timedelta(days=1)).isoformat()}, "
                 f"{trip.scenario.mode}, by {trip.scenario.optimize})")
        top.set_title(shorten(title, 140), loc="left", fontsize=10, pad=14)
        notes.set_axis_off()
        rows = [f"{n}. {p.start.isoformat()}: " + shorten(_event_text(p), 150) for n, p in listed]
        if len(events) > MAX_LISTED:
            rows.append(f"… and {len(events) - MAX_LISTED} more changes (see --csv)")
        if any(not p.reachable for p in line.periods):
            rows.append("shaded: no route")
        notes.text(0.0, 1.0, "\n".join(rows), va="top", ha="left", fontsize=7, transform=notes.transAxes)
        fig.text(0.005, 0.003, shorten(attribution(), 230), fontsize=6, color="#444444", ha="left", va="bottom")
    return fig


def _x(day: dt.date) -> float:
    """Return a day as matplotlib's date number (days since its default epoch, 1970-01-01)."""
    return float((day - EPOCH).days)


def _event_text(period: Period) -> str:
    route = ("no route" if not period.reachable else
             f"{period.km:,.0f} km, {period.hours:,.1f} h via " + (", ".join(period.crossing_names) or "no crossing"))
    sources = sorted({f.source for f in period.facts if f.source})
    return f"{period.label() or 'change'} → {route}" + (f" [{sources[0]}]" if sources else "")


def _steps(ax: Axes, line: Timeline, field: str, colour: str, label: str) -> None:
    for period in line.periods:
        value = period.hours if field == "hours" else period.km
        if value is not None:
            ax.plot([_x(period.start), _x(period.end)], [value, value], color=colour, linewidth=2.0,
                    solid_capstyle="butt")
    pairs = list(zip(line.periods, line.periods[1:]))
    for before, after in pairs:
        a = before.hours if field == "hours" else before.km
        b = after.hours if field == "hours" else after.km
        if a is not None and b is not None:
            ax.plot([_x(after.start), _x(after.start)], [a, b], color=colour, linewidth=1.0)
    ax.set_ylabel(label)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_xlim(_x(line.start), _x(line.end))
    ax.xaxis_date()
    values = [v for p in line.periods for v in ((p.hours if field == "hours" else p.km),) if v is not None]
    if values:
        low, high = min(values), max(values)
        pad = max((high - low) * 0.15, high * 0.05, 1.0)
        ax.set_ylim(max(0.0, low - pad), high + pad)


def image_bytes(fig: Figure, fmt: str) -> bytes:
    """Return the chart as PNG, PDF or SVG bytes with title and rights in the file's metadata."""
    if f".{fmt}" not in EXTENSIONS:
        raise UsageError(f"unknown image format {shorten(fmt)!r}: choose one of {', '.join(EXTENSIONS)}")
    title = fig.axes[0].get_title(loc="left") if fig.axes else "timeline"
    rights = attribution()
    metadata = {"png": {"Title": title, "Copyright": rights}, "pdf": {"Title": title, "Subject": rights},
                "svg": {"Title": title, "Rights": rights}}[fmt]
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=DPI if fmt == "png" else 100, metadata=metadata, facecolor="white")
    return buffer.getvalue()
