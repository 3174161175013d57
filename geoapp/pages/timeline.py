"""The "Through time" tab: the chosen trip's route period by period, from the app's first day to today.

A step chart of travel time (hovering a period shows its km, crossings and the facts that started it; clicking one
sets the as-of date to its first day, so the map draws that period's route), the period list to choose from, the
table, and CSV and PNG downloads. The periods come from :func:`geo.routing.timeline.timeline` under the route
tab's scenario (its date aside).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from geo.errors import GeoError
from geo.palette import CHANGED_RING, STATUS_STYLES
from geo.routing.graph import Scenario, Trip
from geo.routing.timeline import Period, Timeline, periods_csv, periods_table
from geoapp import data, share
from geoapp.ui import _, today

PERIOD = "time_period"
"""The period list's widget key (its value is a period's index)."""
CHART = "time_chart"
"""The chart's widget key (its selection names the clicked period's first day)."""
SELECTION = "period"


@st.cache_data(show_spinner=False, max_entries=32)
def compute(path: str, version: str, origin: str, dest: str, scenario: Scenario, via: tuple[str, ...],
            start: dt.date, until: dt.date) -> Timeline:
    """Return a trip's timeline (cached on plain values)."""
    from geo.routing.timeline import timeline

    engine = data.engine(path, version)
    return timeline(engine, Trip(origin, dest, dataclasses.replace(scenario, as_of=start), via), start, until)


def frame(line: Timeline, names: Mapping[str, str]) -> pd.DataFrame:
    """Return one chart row per period: dates, values, and the texts a hover shows."""
    rows = []
    for n, p in enumerate(line.periods):
        rows.append({"n": n, "start": p.start.isoformat(), "end": p.end.isoformat(),
                     "hours": p.hours, "km": None if p.km is None else round(p.km, 1),
                     "route": (" → ".join(names.get(c, n_) for c, n_ in zip(p.crossings, p.crossing_names))
                               or _("no crossing")) if p.reachable else _("no route"),
                     "event": p.label() or _("start of the period shown"),
                     "reachable": p.reachable, "colour": colour(p)})
    return pd.DataFrame(rows)


def colour(period: Period) -> str:
    """Return the palette colour of a period's first status fact (the project's blue otherwise)."""
    for fact in period.facts:
        status = fact.value.split(" ")[0].rstrip(",")
        if fact.kind == "status" and status in STATUS_STYLES:
            return STATUS_STYLES[status].colour
    return CHANGED_RING


def chart(table: pd.DataFrame) -> alt.LayerChart:
    """Return the step chart: one thick segment per period at its hours, no-route periods shaded, clickable."""
    pick = alt.selection_point(name=SELECTION, fields=["n"], on="click")
    base = alt.Chart(table)
    tooltip = [alt.Tooltip("start:T", title=_("from")), alt.Tooltip("end:T", title=_("until (excl.)")),
               alt.Tooltip("hours:Q", title=_("hours"), format=".1f"),
               alt.Tooltip("km:Q", title=_("km"), format=",.0f"),
               alt.Tooltip("route:N", title=_("crossings")), alt.Tooltip("event:N", title=_("what changed"))]
    shade = base.transform_filter("!datum.reachable").mark_rect(
        color=STATUS_STYLES["closed"].colour, opacity=0.15).encode(x="start:T", x2="end:T", y=alt.value(0),
                                                                   y2=alt.value(220), tooltip=tooltip)
    steps = base.transform_filter("datum.reachable").mark_rule(strokeWidth=7, color=CHANGED_RING).encode(
        x=alt.X("start:T", title=None), x2="end:T",
        y=alt.Y("hours:Q", title=_("travel time (h)"), scale=alt.Scale(zero=False, padding=12)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)), tooltip=tooltip).add_params(pick)
    marks = base.transform_filter("datum.n > 0").mark_rule(strokeDash=[4, 3]).encode(
        x="start:T", color=alt.Color("colour:N", scale=None), tooltip=tooltip)
    return alt.LayerChart(layer=[shade, marks, steps], height=220)


def period_of(line: Timeline, day: dt.date) -> int:
    """Return the index of the period holding ``day`` (the first when it is before the timeline)."""
    for n, p in enumerate(line.periods):
        if p.start <= day < p.end:
            return n
    return 0


def choose(line: Timeline, n: int) -> None:
    """Set the as-of date to a period's first day (kept within the app's dates): the map draws its route."""
    if 0 <= n < len(line.periods):
        st.session_state["as_of"] = min(max(line.periods[n].start, share.FIRST_DAY), today())


def on_period(line: Timeline) -> None:
    """Set the as-of date to the period just chosen in the list (callback)."""
    choose(line, int(st.session_state.get(PERIOD) or 0))


def on_chart(line: Timeline) -> None:
    """Set the as-of date to the period just clicked on the chart (callback)."""
    state: Any = st.session_state.get(CHART) or {}
    picked = (state.get("selection") or {}).get(SELECTION) or []
    if picked and "n" in picked[0]:
        choose(line, int(picked[0]["n"]))


def time_panel(app_state: share.AppState, version: str, places: Mapping[str, str],
               crossings: Mapping[str, str]) -> None:
    """Draw the "Through time" tab."""
    st.subheader(_("Through time"))
    if not (app_state.origin and app_state.dest):
        st.info(_("Choose a start and an end in the Route tab to see how their route changed over the years."))
        return
    try:
        line = compute(data.folder(), version, app_state.origin, app_state.dest, app_state.scenario,
                       app_state.via, share.FIRST_DAY, today())
    except GeoError as exc:
        st.warning(str(exc))
        return
    from geoapp.pages.route import place_names

    names = place_names(data.folder(), version, app_state.lang)
    origin, dest = names.get(app_state.origin, app_state.origin), names.get(app_state.dest, app_state.dest)
    st.caption(_("{origin} → {dest}: {count} period(s) from {start} to today; each starts on the day a fact "
                 "changed the route. Click a period (or choose it below) to see its route on the map.")
               .format(origin=origin, dest=dest, count=len(line.periods), start=line.start.isoformat()))
    table = frame(line, crossings)
    st.altair_chart(chart(table), width="stretch", key=CHART, on_select=lambda: on_chart(line),
                    selection_mode=SELECTION)
    st.session_state[PERIOD] = period_of(line, app_state.as_of)
    st.selectbox(_("Period"), list(range(len(line.periods))), key=PERIOD, on_change=on_period, args=(line,),
                 format_func=lambda n: label(line.periods[n]))
    st.dataframe(shown_periods(periods_table(line, crossings)), hide_index=True, width="stretch")
    name = f"timeline-{app_state.origin}-{app_state.dest}"
    a, b = st.columns(2)
    a.download_button(_("Periods (.csv)"), data=periods_csv(line), file_name=f"{name}.csv", mime="text/csv",
                      on_click="ignore")
    b.download_button(_("Chart (.png)"), data=lambda: png(line, names), file_name=f"{name}.png",
                      mime="image/png", on_click="ignore")


def shown_periods(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Return period rows (a place or a point timeline's) as the app shows them, with translated column titles."""
    return pd.DataFrame(rows).rename(columns={
        "start": _("from"), "end": _("until (excl.)"), "reachable": _("route"), "km": _("km"), "hours": _("hours"),
        "border_h": _("border hours"), "crossings": _("crossings"), "countries": _("countries"),
        "no_route": _("no route"), "event": _("what changed"), "sources": _("sources")})


def label(period: Period) -> str:
    """Return a period as the list shows it: dates, then km and hours (or no route)."""
    last = (period.end - dt.timedelta(days=1)).isoformat()
    if period.km is None or period.hours is None:
        return f"{period.start.isoformat()} – {last}: {_('no route')}"
    return f"{period.start.isoformat()} – {last}: {period.km:,.0f} km, {period.hours:,.1f} h"


def png(line: Timeline, places: Mapping[str, str]) -> bytes:
    """Return the chart of :mod:`geo.figure.chart` as PNG bytes (drawn only when downloaded)."""
    from geo.figure import chart as figure_chart

    return figure_chart.image_bytes(figure_chart.draw(line, places), "png")
