"""Routes from any point: two route ends placed on the map, routed on a full road network in the database.

Offered when a database URL is set and it serves a network imported by ``geo db import-osm`` (pgRouting,
:func:`geo.db.coords.route_points`): the map's drawing tools then have a tool that places route ends; the first two
placed are the start and the end, routed under the page's scenario (date, mode, objective, closures, avoided
countries, traveller). The route is drawn on the map and described in the Route tab; removing a point (the
drawing tools' delete) removes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import shapely.geometry
import streamlit as st

from geo.db import database_url
from geo.db.coords import PointRoute, PointTimeline
from geo.errors import GeoError
from geo.messages import Message
from geo.routing.graph import Scenario
from geoapp import share
from geoapp.ui import LOG, _, md, say, today, tr

Point = tuple[float, float]


@st.cache_data(show_spinner=False, ttl=30, max_entries=4)
def _network(url: str) -> dict[str, Any] | None:
    from geo.db import osm

    try:
        return osm.info(url)
    except GeoError as exc:
        LOG.warning("no imported network at the database: %s", exc)
        return None


def network_cache_clear() -> None:
    """Forget what is known of the databases' networks (a new import is otherwise seen within 30 s)."""
    _network.clear()


def network() -> tuple[str, dict[str, Any]] | None:
    """Return the database URL and its imported network's description, or None when routes from points are off."""
    url = database_url()
    if url is None:
        return None
    info = _network(url)
    return (url, info) if info else None


def ends(drawings: Sequence[Mapping[str, Any]]) -> tuple[Point, Point] | None:
    """Return the first two points placed on the map (longitude, latitude), or None when fewer are placed.

    >>> pin = lambda x, y: {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]}}
    >>> ends([pin(70.5, 40.1), {"geometry": {"type": "LineString"}}, pin(72.8, 40.5), pin(1, 2)])
    ((70.5, 40.1), (72.8, 40.5))
    >>> ends([pin(70.5, 40.1)]) is None
    True
    """
    found: list[Point] = []
    for drawing in drawings:
        geometry = drawing.get("geometry") if isinstance(drawing, Mapping) else None
        if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
            continue
        coordinates = geometry.get("coordinates")
        if (isinstance(coordinates, list | tuple) and len(coordinates) >= 2
                and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])):
            found.append((round(float(coordinates[0]), 6), round(float(coordinates[1]), 6)))
    return (found[0], found[1]) if len(found) >= 2 else None


@st.cache_data(show_spinner=False, max_entries=64)
def _route(url: str, data_version: str, start: Point, end: Point, scenario: Scenario) -> PointRoute:
    from geo.db.coords import route_points
    from geoapp import data

    return route_points(url, start, end, scenario, graph=data.engine(data.folder(), data_version).graph)


def outcome(scenario: Scenario, data_version: str, placed: tuple[Point, Point] | None) -> PointRoute | Message | None:
    """Return the route between the two placed points under the scenario, why there is none, or None (not asked)."""
    served = network()
    if served is None or placed is None:
        return None
    try:
        return _route(served[0], data_version, placed[0], placed[1], scenario)
    except GeoError as exc:
        return exc.message


def _where(point: Point) -> str:
    return f"{point[0]:.4f}, {point[1]:.4f}"


def record(result: PointRoute) -> dict[str, Any]:
    """Return the route as the map draws a route: its line, ends, km, hours and date."""
    return {"geometry": shapely.geometry.mapping(result.geometry), "from_name": _where(result.start.given),
            "to_name": _where(result.end.given), "distance_km": result.distance_km, "duration_h": result.duration_h,
            "as_of": result.scenario.as_of.isoformat()}


@st.cache_data(show_spinner=False, max_entries=16)
def _timeline(url: str, data_version: str, start: Point, end: Point, scenario: Scenario,
              until: dt.date) -> PointTimeline:
    from geo.db.coords import point_timeline
    from geoapp import data

    return point_timeline(url, start, end, scenario, share.FIRST_DAY, until,
                          graph=data.engine(data.folder(), data_version).graph)


def panel(app_state: share.AppState, result: PointRoute | Message | None, data_version: str) -> None:
    """Describe routes from points in the Route tab: how to place them, then the route or why there is none."""
    served = network()
    if served is None:
        return
    st.subheader(_("From any point"))
    st.caption(_("Place two route ends with the map's point tool (left, under the line and polygon tools): the "
                 "route between them runs on the full road network {network} under this page's scenario. Delete "
                 "the points to route between places only.").format(network=md(Path(str(served[1]["source"])).name)))
    if result is None:
        return
    if isinstance(result, Message):
        st.warning(md(say(result)))
        return
    number = tr().number
    a, b, c = st.columns(3)
    a.metric(_("Travel time"), _("{h} h").format(h=number(result.duration_h, 1)))
    b.metric(_("Road distance"), _("{km} km").format(km=number(result.distance_km, 0)))
    c.metric(_("Border crossings"), len(result.crossings))
    st.markdown(_("From {start} (snapped {a} km to a {road_a} road) to {end} (snapped {b} km to a {road_b} road), "
                  "on {date}: by country {countries}.").format(
        start=md(_where(result.start.given)), a=number(result.start.distance_km, 2),
        road_a=md(tr().word(result.start.road_class)), end=md(_where(result.end.given)),
        b=number(result.end.distance_km, 2), road_b=md(tr().word(result.end.road_class)),
        date=app_state.as_of.isoformat(),
        countries=md(", ".join(f"{k} " + _("{km} km").format(km=number(v, 1))
                               for k, v in result.by_country_km.items()))))
    for crossing in result.crossings:
        st.markdown("- " + _("{name} ({countries}): {status}, {h} h at the border").format(
            name=md(crossing.name), countries=md(crossing.countries), status=md(tr().word(crossing.status)),
            h=number(crossing.hours, 1)))
    for border in result.uncurated_borders:
        st.markdown("- " + _("border {countries} crossed where no curated crossing is known, at {where}").format(
            countries=md(str(border.get("countries"))), where=md(_where((float(border["lon"]), float(border["lat"]))))))
    if result.uncurated_borders:
        st.warning(_("The status of a border crossed where no curated crossing is known is unknown: choose "
                     "\"treated as closed\" for crossings of unknown status above to route around them."))
    st.caption(md(f"{result.network}; {result.attribution} (ODbL-1.0)"))
    if st.toggle(_("Through time"), key="points_through_time"):
        time_table(served[0], data_version, result)


def time_table(url: str, data_version: str, result: PointRoute) -> None:
    """Show the route between the two points period by period, from the app's first day to today."""
    undated = dataclasses.replace(result.scenario, as_of=share.FIRST_DAY)  # the date is the timeline's own
    try:
        with st.spinner(_("Routing on each day a crossing's status changed …")):
            line = _timeline(url, data_version, result.start.given, result.end.given, undated, today())
    except GeoError as exc:
        st.warning(md(say(exc.message)))
        return
    st.caption(_("{count} period(s) from {start} to today, each starting on the day a fact changed the route "
                 "between the two points.").format(count=len(line.periods), start=line.start.isoformat()))
    from geo.db.coords import point_periods_table
    from geoapp.pages.timeline import shown_periods

    st.dataframe(shown_periods(point_periods_table(line)), hide_index=True, width="stretch")
