"""The route tab: places, via places, objective, closures, avoided countries, alternatives and a second scenario."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import pandas as pd
import streamlit as st

from geo import share
from geo.map import extras
from geo.map.text import safe_url
from geo.vocab import BY_ISO2, MAX_ALTERNATIVES, ROUTABLE, ROUTE_MODES, ROUTE_OPTIMIZE, UNKNOWN_CHOICES
from geoapp import data, state
from geoapp.results import Comparison, Outcome, Route, RouteError, RouteFailure, Scenario, route_outcome
from geoapp.ui import md, today

OPTIMIZE_LABELS = {"time": "fastest (hours)", "distance": "shortest (km)"}
UNKNOWN_LABELS = {"open": "passable, with a warning", "closed": "closed"}


@st.cache_data(show_spinner=False, max_entries=128)
def compute(path: str, version: str, origin: str, dest: str, first: Scenario, second: Scenario | None,
            via: tuple[str, ...] = (), alternatives: int = 0) -> Outcome:
    """Return the route (with alternatives) or comparison of a scenario: typed, cached on plain values."""
    return route_outcome(data.engine(path, version), origin, dest, first, second, via, alternatives)


@st.cache_data(show_spinner=False, max_entries=64)
def unknown_closed(path: str, version: str, scenario: Scenario) -> list[str]:
    """Return the crossings a scenario closes because their status (or transit rule) is unknown on its date."""
    states = data.engine(path, version).graph.states(scenario)
    return sorted(cid for cid, s in states.items()
                  if (s.unknown_status or s.unknown_access) and not s.passable and cid not in scenario.close)


def scenarios(app_state: share.AppState) -> tuple[Scenario, Scenario | None]:
    """Return the core scenarios the state asks for (the second only when comparing)."""
    first = Scenario(as_of=app_state.as_of, close=app_state.close, open=app_state.open, avoid=app_state.avoid,
                     mode=app_state.mode, optimize=app_state.optimize, unknown=app_state.unknown,
                     vehicle=app_state.vehicle)
    c = app_state.compare
    second = None if c is None else replace(first, as_of=c.as_of, close=c.close, open=c.open, avoid=c.avoid)
    return first, second


def outcome(app_state: share.AppState, version: str) -> Outcome | None:
    """Return the route outcome the state asks for, or None when from and to are not both set."""
    if not (app_state.origin and app_state.dest):
        return None
    first, second = scenarios(app_state)
    alternatives = app_state.alternatives if second is None else 0
    return compute(data.folder(), version, app_state.origin, app_state.dest, first, second, app_state.via,
                   alternatives)


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
    st.session_state[keys["via"]] = [v for v in st.session_state.get(keys["via"]) or [] if v in places]

    def crossing(k: str) -> str:
        return crossings.get(k, k)

    def place(k: str) -> str:
        return places.get(k, k)

    a, b, c = st.columns([2, 2, 1])
    # index=None: with no place chosen the widget is empty, as the session says (not the first place)
    a.selectbox("From", list(places), key=keys["origin"], placeholder="Type a place (any script, aliases too)",
                format_func=place, index=None)
    b.selectbox("To", list(places), key=keys["dest"], placeholder="Type a place (any script, aliases too)",
                format_func=place, index=None)
    c.radio("Traffic", ROUTE_MODES, key=keys["mode"], horizontal=True)
    a, b = st.columns([4, 1])
    a.multiselect("Via (in the order chosen)", list(places), key=keys["via"], format_func=place,
                  max_selections=share.MAX_VIA, placeholder="Type a place to pass (any script, aliases too)",
                  help="The route passes these places in the order you pick them; remove one and pick it again "
                       "to move it to the end.")
    b.radio("Optimise for", ROUTE_OPTIMIZE, key=keys["optimize"], format_func=OPTIMIZE_LABELS.get,
            help="Fastest: road hours (speed by country, terrain and traffic) plus the time to cross each border "
                 "post. Shortest: road km only.")
    a, b, c = st.columns(3)
    a.multiselect("Close crossings", list(crossings), key=keys["close"], format_func=crossing)
    b.multiselect("Open crossings", list(crossings), key=keys["open"], format_func=crossing)
    c.multiselect("Avoid countries", list(ROUTABLE), key=keys["avoid"])
    a, b, c = st.columns(3)
    a.slider("Alternative routes", 0, MAX_ALTERNATIVES, key=keys["alternatives"],
             help="Up to three more routes, each through a different set of border crossings.")
    b.radio("Crossings of unknown status", UNKNOWN_CHOICES, key=keys["unknown"], format_func=UNKNOWN_LABELS.get,
            horizontal=True, help="A crossing whose status (or, for a foreign vehicle, whose transit rule) no "
                                  "source gives for the date.")
    c.selectbox("Vehicle registered in", list(BY_ISO2), key=keys["vehicle"], index=None,
                format_func=lambda k: f"{BY_ISO2[k].name} ({k})", placeholder="any country (no transit rule)",
                help="A route never uses a crossing closed to vehicles of this country on the date (e.g. a "
                     "bilateral post between two other countries).")
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


def _hours(value: float) -> str:
    return f"{value:,.1f} h"


def _countries(route: Route) -> str:
    return ", ".join(f"{k} {v:,.0f}" for k, v in route.by_country_km.items())


def show_unknowns(route: Route | RouteFailure, crossings: Mapping[str, str]) -> None:
    """Warn about the crossings of unknown status the route uses (or, with ``closed``, that the scenario shut)."""
    day = route.scenario.as_of.isoformat()
    if isinstance(route, Route) and route.unknown_crossings:
        names = ", ".join(crossings.get(c, c) for c in route.unknown_crossings)
        st.warning(md(f"Uses crossings whose status or transit rule is unknown on {day}, treated as passable: "
                      f"{names}. Choose “closed” for crossings of unknown status to route around them."))
    if route.scenario.unknown == "closed":
        closed = unknown_closed(data.folder(), data.version(), route.scenario)
        names = ", ".join(crossings.get(c, c) for c in closed) or "none"
        vehicle = route.scenario.vehicle
        rule = f" or whose transit rule for {vehicle}-registered vehicles" if vehicle else ""
        st.info(md(f"Crossings whose status{rule} is unknown on {day}, treated as closed ({len(closed)}): {names}."))


def show_border_times(route: Route) -> None:
    """Show the time to cross each border post the route passes, with its source or the pair default."""
    if not route.border_times:
        return
    st.caption("Time to cross each border post: a figure cited for the post, or the documented default of its "
               "country pair.")
    st.dataframe(pd.DataFrame([{
        "crossing": b.name, "hours": round(b.hours, 2), "figure": "default" if b.is_default else "cited",
        "since": b.since, "source": "" if b.is_default else safe_url(b.source) or "", "note": b.note,
    } for b in route.border_times]), hide_index=True, column_config={
        "source": st.column_config.LinkColumn("source", display_text="source"),
        "figure": st.column_config.TextColumn("figure", help="cited for this post, or the documented default "
                                                             "of its country pair")})


def show_alternatives(route: Route, asked: int) -> None:
    """List the route and its alternatives (as drawn on the map) with km, hours, border hours and countries."""
    if asked <= 0:
        return
    rows = [(extras.ROUTE.key, "best", route)]
    rows += [(swatch.key, swatch.label, alt) for swatch, alt in zip(extras.ALTERNATIVES, route.alternatives)]
    st.markdown("**Alternatives** through other sets of border crossings")
    st.dataframe(pd.DataFrame([{
        "route": label, "line": extras.LOOKS[key], "km": round(r.distance_km), "hours": round(r.duration_h, 1),
        "border hours": round(r.border_h, 1), "countries (km)": _countries(r),
        "crossings": ", ".join(str(c["name"]) for c in r.crossings) or "none",
    } for key, label, r in rows]), hide_index=True)
    if len(route.alternatives) < asked:
        st.caption(f"Only {len(route.alternatives)} of the {asked} alternatives asked for pass a different set "
                   "of crossings under this scenario.")


def show_route(result: Route | RouteFailure, places: Mapping[str, str], crossings: Mapping[str, str],
               alternatives: int = 0, *, compact: bool = False) -> None:
    """Show a route's numbers: time, distance, km per country, border times, crossings, roads, warnings.

    ``compact`` (half the page wide, in a comparison) puts the figures on two rows.
    """
    via = ", ".join(_name(places, v) for v in result.via) if isinstance(result, Route) else ""
    st.markdown(f"**{_name(places, result.source)} → {_name(places, result.target)}**"
                + (f" via {via}" if via else "") + f" on "
                f"{result.scenario.as_of.isoformat()} · {result.scenario.mode} · "
                f"{OPTIMIZE_LABELS[result.scenario.optimize]}"
                + (f" · {result.scenario.vehicle}-registered vehicle" if result.scenario.vehicle else ""))
    if isinstance(result, RouteFailure):
        st.warning("No route: " + md(result.reason))
        show_unknowns(result, crossings)
        return
    a, b, c, d, e = st.columns(5) if not compact else (*st.columns(2), *st.columns(3))
    a.metric("Travel time", _hours(result.duration_h),
             help="Road hours plus the typical time to cross each border post (queues are not modelled).")
    b.metric("Road distance", f"{result.distance_km:,.0f} km")
    c.metric("Straight line", f"{result.geodesic_km:,.0f} km")
    d.metric("Detour", f"×{result.detour_ratio:.2f}" if result.detour_ratio else "—")
    e.metric("On published lengths", f"{result.cited_share:.0%}")
    st.caption(f"Travel time = road {_hours(result.road_h)} + borders {_hours(result.border_h)} "
               f"({len(result.border_times)} crossing{'s' if len(result.border_times) != 1 else ''}).")
    show_unknowns(result, crossings)
    show_alternatives(result, alternatives)
    by_country = result.by_country_km
    if by_country:
        st.bar_chart(pd.DataFrame({"km": list(by_country.values())}, index=list(by_country.keys())),
                     horizontal=True, height=60 + 28 * len(by_country))
    show_border_times(result)
    if result.crossings:
        st.dataframe(pd.DataFrame([{
            "crossing": x["name"], "countries": x["countries"], "status": x["status"], "since": x.get("status_since"),
            "access": x.get("access") or "unknown", "override": x.get("override") or "",
            "source": safe_url(x.get("source")),
        } for x in result.crossings]), hide_index=True, column_config={"source": st.column_config.LinkColumn(
            "source", display_text="source")})
    if result.roads:
        st.dataframe(pd.DataFrame([{
            "Soviet no.": r.get("soviet_ref") or "", "current": ", ".join(r.get("refs") or []), "road": r["name"],
            "country": r["country"], "km": r.get("length_km"), "length": r.get("length_method") or "",
        } for r in result.roads]), hide_index=True, height=min(36 * (len(result.roads) + 1), 300))
    for warning in result.warnings:
        st.caption("⚠ " + md(warning))


def show_comparison(result: Comparison, places: Mapping[str, str], crossings: Mapping[str, str],
                    alternatives: int = 0) -> None:
    """Show two scenarios side by side and what changes between them."""
    left, right = st.columns(2)
    with left:
        show_route(result.first, places, crossings, compact=True)
    with right:
        show_route(result.second, places, crossings, compact=True)
    st.subheader("Second scenario against the first")
    a, b, c, d = st.columns(4)
    a.metric("Δ travel time", "—" if result.delta_h is None else f"{result.delta_h:+,.1f} h")
    b.metric("Δ distance", "—" if result.delta_km is None else f"{result.delta_km:+,.0f} km")
    summary = result.to_dict()
    c.metric("Countries added", ", ".join(summary["countries_added"]) or "none")
    d.metric("Countries removed", ", ".join(summary["countries_removed"]) or "none")
    st.caption("Crossings added: " + md(", ".join(crossings.get(c, c) for c in summary["crossings_added"]) or "none")
               + " · removed: " + md(", ".join(crossings.get(c, c) for c in summary["crossings_removed"]) or "none"))
    if alternatives:
        st.caption("Alternative routes are listed for a single scenario: turn the comparison off to see them.")


def route_panel(app_state: share.AppState, result: Outcome | None, places: Mapping[str, str],
                crossings: Mapping[str, str]) -> None:
    """Draw the route tab."""
    if not places:
        st.info("Routing needs the roads, places and crossings layers (not built yet).")
        return
    route_inputs(places, crossings)
    if result is None:
        st.caption("Choose where from and where to, or a preset.")
    elif isinstance(result, RouteError):
        st.warning(md(result.message))
    elif isinstance(result, Comparison):
        show_comparison(result, places, crossings, app_state.alternatives)
    else:
        show_route(result, places, crossings, app_state.alternatives)

