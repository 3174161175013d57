"""The route tab: places, closures, openings, avoided countries, mode, presets and a second scenario."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from geo import share
from geo.map.text import safe_url
from geo.vocab import ROUTABLE, ROUTE_MODES
from geoapp import data, state
from geoapp.results import Comparison, NoRoute, Outcome, Route, RouteFailure, Scenario, route_outcome
from geoapp.ui import md, today


@st.cache_data(show_spinner=False, max_entries=128)
def compute(path: str, version: str, origin: str, dest: str, first: Scenario, second: Scenario | None) -> Outcome:
    """Return the route (or comparison) of a scenario: typed, cached on plain values."""
    return route_outcome(data.engine(path, version), origin, dest, first, second)


def outcome(app_state: share.AppState, version: str) -> Outcome | None:
    """Return the route outcome the state asks for, or None when from and to are not both set."""
    if not (app_state.origin and app_state.dest):
        return None
    first = Scenario(app_state.as_of, app_state.close, app_state.open, app_state.avoid, app_state.mode)
    second = None
    if app_state.compare is not None:
        c = app_state.compare
        second = Scenario(c.as_of, c.close, c.open, c.avoid, app_state.mode)
    return compute(data.folder(), version, app_state.origin, app_state.dest, first, second)


def route_inputs(places: Mapping[str, str], crossings: Mapping[str, str]) -> None:
    """Draw the route controls."""
    cols = st.columns(len(share.PRESETS))
    for number, (col, preset) in enumerate(zip(cols, share.PRESETS)):
        col.button(preset.title, key=f"preset_{number}", on_click=state.on_preset, args=(number, today()),
                   use_container_width=True)
    keys = state.ROUTE_KEYS | {f"{k}2": v for k, v in state.SECOND_KEYS.items()}
    for key in (keys["origin"], keys["dest"]):
        if st.session_state.get(key) not in places:
            st.session_state[key] = None
    for key in (keys["close"], keys["open"], keys["close2"], keys["open2"]):
        st.session_state[key] = [c for c in st.session_state.get(key) or [] if c in crossings]

    def crossing(k: str) -> str:
        return crossings.get(k, k)

    a, b, c = st.columns([2, 2, 1])
    a.selectbox("From", list(places), key=keys["origin"], placeholder="Type a place (any script, aliases too)",
                format_func=lambda k: places.get(k, k))
    b.selectbox("To", list(places), key=keys["dest"], placeholder="Type a place (any script, aliases too)",
                format_func=lambda k: places.get(k, k))
    c.radio("Traffic", ROUTE_MODES, key=keys["mode"], horizontal=True)
    a, b, c = st.columns(3)
    a.multiselect("Close crossings", list(crossings), key=keys["close"], format_func=crossing)
    b.multiselect("Open crossings", list(crossings), key=keys["open"], format_func=crossing)
    c.multiselect("Avoid countries", list(ROUTABLE), key=keys["avoid"])
    st.caption("Route date: the map's as-of date in the sidebar.")
    st.checkbox("Compare with a second scenario", key=keys["compare"])
    if st.session_state.get(keys["compare"]):
        a, b, c, d = st.columns(4)
        a.date_input("Second date", key=keys["as_of2"], min_value=share.FIRST_DAY, max_value=today(),
                     format="YYYY-MM-DD")
        b.multiselect("Close (second)", list(crossings), key=keys["close2"], format_func=crossing)
        c.multiselect("Open (second)", list(crossings), key=keys["open2"], format_func=crossing)
        d.multiselect("Avoid (second)", list(ROUTABLE), key=keys["avoid2"])


def _name(places: Mapping[str, str], place_id: str) -> str:
    return md(places.get(place_id, place_id).split(" — ")[0])


def show_route(result: Route | NoRoute, places: Mapping[str, str]) -> None:
    """Show a route's numbers: distance, km per country, crossings, roads, detour, warnings."""
    st.markdown(f"**{_name(places, result.origin)} → {_name(places, result.dest)}** on {md(result.as_of)}")
    if isinstance(result, NoRoute):
        st.warning("No route: " + md(result.reason))
        return
    a, b, c, d = st.columns(4)
    a.metric("Road distance", f"{result.distance_km:,.0f} km")
    b.metric("Straight line", f"{result.geodesic_km:,.0f} km")
    c.metric("Detour", f"×{result.detour_ratio:.2f}" if result.detour_ratio else "—")
    d.metric("On published lengths", f"{result.cited_share:.0%}")
    by_country = result.by_country_km
    if by_country:
        st.bar_chart(pd.DataFrame({"km": list(by_country.values())}, index=list(by_country.keys())),
                     horizontal=True, height=60 + 28 * len(by_country))
    if result.crossings:
        st.dataframe(pd.DataFrame([{
            "crossing": x.name, "countries": x.countries, "status": x.status, "since": x.since,
            "override": x.override or "", "source": safe_url(x.source),
        } for x in result.crossings]), hide_index=True, column_config={"source": st.column_config.LinkColumn(
            "source", display_text="source")})
    if result.roads:
        st.dataframe(pd.DataFrame([{
            "Soviet no.": r.soviet_ref, "current": ", ".join(r.refs), "road": r.name, "country": r.country,
            "km": r.length_km, "length": r.method,
        } for r in result.roads]), hide_index=True, height=min(36 * (len(result.roads) + 1), 300))
    for warning in result.warnings:
        st.caption("⚠ " + md(warning))


def show_comparison(result: Comparison, places: Mapping[str, str], crossings: Mapping[str, str]) -> None:
    """Show two scenarios side by side and what changes between them."""
    left, right = st.columns(2)
    with left:
        show_route(result.first, places)
    with right:
        show_route(result.second, places)
    st.subheader("Second scenario against the first")
    a, b, c = st.columns(3)
    a.metric("Δ distance", "—" if result.delta_km is None else f"{result.delta_km:+,.0f} km")
    b.metric("Countries added", ", ".join(result.countries_added) or "none")
    c.metric("Countries removed", ", ".join(result.countries_removed) or "none")
    st.caption("Crossings added: " + md(", ".join(crossings.get(c, c) for c in result.crossings_added) or "none")
               + " · removed: " + md(", ".join(crossings.get(c, c) for c in result.crossings_removed) or "none"))


def route_panel(app_state: share.AppState, result: Outcome | None, places: Mapping[str, str],
                crossings: Mapping[str, str]) -> None:
    """Draw the route tab."""
    if not places:
        st.info("Routing needs the roads, places and crossings layers (not built yet).")
        return
    route_inputs(places, crossings)
    if result is None:
        st.caption("Choose where from and where to, or a preset.")
    elif isinstance(result, RouteFailure):
        st.warning(md(result.message))
    elif isinstance(result, Comparison):
        show_comparison(result, places, crossings)
    else:
        show_route(result, places)



