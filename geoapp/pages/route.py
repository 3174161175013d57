"""The route tab: places, via places, objective, closures, avoided countries, alternatives and a second scenario."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st

from geo.errors import GeoError
from geo.i18n import N_, SOURCE, Translator, translator
from geo.map import extras
from geo.map.text import safe_url
from geo.routing.graph import Scenario
from geo.routing.results import Comparison, DocumentNeed, Route, RouteFailure
from geo.vocab import BY_ISO2, MAX_ALTERNATIVES, ROUTABLE, ROUTE_MODES, ROUTE_OPTIMIZE, UNKNOWN_CHOICES
from geoapp import data, share, state
from geoapp.results import Outcome, RouteError, route_outcome
from geoapp.ui import _, labels, md, ngettext, say, today, tr

OPTIMIZE_LABELS = {"time": N_("fastest (hours)"), "distance": N_("shortest (km)")}
UNKNOWN_LABELS = {"open": N_("passable, with a warning"), "closed": N_("treated as closed")}


@st.cache_data(show_spinner=False, max_entries=8)
def place_names(path: str, version: str, lang: str) -> dict[str, str]:
    """Return place id → name in the language's script (the data's own name where it has one)."""
    frame = data.layer("places", path, version)
    names = translator(lang)
    return {str(r.id): names.name(r.name, r.aliases) for r in frame.itertuples(index=False)}


def local_names(routes: list[dict[str, object]] | list[Mapping[str, object]], version: str
                ) -> list[Mapping[str, object]]:
    """Return route records (to draw) whose ends are named in the reader's script."""
    lang = tr().lang
    if lang == SOURCE or not routes:
        return list(routes)
    try:
        names = place_names(data.folder(), version, lang)
    except GeoError:  # no places layer: the core's names stay
        return list(routes)

    def named(record: Mapping[str, object]) -> dict[str, object]:
        out = dict(record)
        for end in ("from", "to"):
            if str(record.get(end)) in names:
                out[f"{end}_name"] = names[str(record.get(end))]
        return out

    def with_alternatives(record: Mapping[str, object]) -> dict[str, object]:
        out, alternatives = named(record), record.get("alternatives")
        if isinstance(alternatives, list) and alternatives:
            out["alternatives"] = [named(a) for a in alternatives]
        return out

    return [with_alternatives(r) for r in routes]




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
    return app_state.scenario, app_state.second


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
        col.button(_(preset.title), key=f"preset_{number}", on_click=state.on_preset, args=(number, today()),
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
    names = tr()

    def country(k: str) -> str:
        return f"{names.country(k)} ({k})"

    a, b, c = st.columns([2, 2, 1])
    # index=None: with no place chosen the widget is empty, as the session says (not the first place)
    a.selectbox(_("From"), list(places), key=keys["origin"], placeholder=_("Type a place (any script, aliases too)"),
                format_func=place, index=None)
    b.selectbox(_("To"), list(places), key=keys["dest"], placeholder=_("Type a place (any script, aliases too)"),
                format_func=place, index=None)
    c.radio(_("Traffic"), ROUTE_MODES, key=keys["mode"], horizontal=True, format_func=tr().word)
    a, b = st.columns([4, 1])
    a.multiselect(_("Via (in the order chosen)"), list(places), key=keys["via"], format_func=place,
                  max_selections=share.MAX_VIA, placeholder=_("Type a place to pass (any script, aliases too)"),
                  help=_("The route passes these places in the order you pick them; remove one and pick it again "
                         "to move it to the end."))
    b.radio(_("Optimise for"), ROUTE_OPTIMIZE, key=keys["optimize"], format_func=labels(OPTIMIZE_LABELS),
            help=_("Fastest: road hours (speed by country, terrain and traffic) plus the time to cross each border "
                   "post. Shortest: road km only."))
    a, b, c = st.columns(3)
    a.multiselect(_("Close crossings"), list(crossings), key=keys["close"], format_func=crossing,
                  placeholder=_("Choose crossings"))
    b.multiselect(_("Open crossings"), list(crossings), key=keys["open"], format_func=crossing,
                  placeholder=_("Choose crossings"))
    c.multiselect(_("Avoid countries"), list(ROUTABLE), key=keys["avoid"], format_func=country,
                  placeholder=_("Choose countries"))
    a, b, c = st.columns(3)
    # a radio, not a slider: four choices, and a slider's code (with its number and date formatting) would be loaded
    # by every new visitor before the map is drawn
    a.radio(_("Alternative routes"), range(MAX_ALTERNATIVES + 1), key=keys["alternatives"], horizontal=True,
            help=_("Up to three more routes, each through a different set of border crossings."))
    b.radio(_("Crossings of unknown status"), UNKNOWN_CHOICES, key=keys["unknown"], format_func=labels(UNKNOWN_LABELS),
            horizontal=True, help=_("A crossing whose status (or, for a foreign vehicle, whose transit rule) no "
                                    "source gives for the date."))
    c.selectbox(_("Vehicle registered in"), list(BY_ISO2), key=keys["vehicle"], index=None,
                format_func=country, placeholder=_("any country (no transit rule)"),
                help=_("A route never uses a crossing closed to vehicles of this country on the date (e.g. a "
                       "bilateral post between two other countries)."))
    a, b = st.columns(2)
    a.selectbox(_("Citizenship (passenger routes)"), list(BY_ISO2), key=keys["citizen"], index=None,
                format_func=country, placeholder=_("not given (no document check)"),
                help=_("Lists the document this citizen needs at each border crossed on the date (visa, passport or "
                       "national ID card, with its source), and avoids crossings closed to this citizen and countries "
                       "that want a visa the traveller does not hold."))
    citizen = st.session_state.get(keys["citizen"])
    visa_options = [c for c in BY_ISO2 if c != citizen]
    st.session_state[keys["visas"]] = [v for v in st.session_state.get(keys["visas"]) or [] if v in visa_options]
    b.multiselect(_("Visas held"), visa_options, key=keys["visas"], format_func=country, disabled=citizen is None,
                  placeholder=_("none"),
                  help=_("Countries whose visa the traveller holds: their visa borders stay open to the route."))
    if citizen and st.session_state.get(keys["mode"]) != "passenger":
        st.caption(_("Citizenship applies to passenger routes: it is not used for freight."))
    st.caption(_("Route date: the map's as-of date in the sidebar."))
    st.checkbox(_("Compare with a second scenario"), key=keys["compare"])
    if st.session_state.get(keys["compare"]):
        a, b, c, d = st.columns(4)
        a.date_input(_("Second date"), key=keys["as_of2"], min_value=share.FIRST_DAY, max_value=today(),
                     format="YYYY-MM-DD")
        b.multiselect(_("Close (second)"), list(crossings), key=keys["close2"], format_func=crossing,
                      placeholder=_("Choose crossings"))
        c.multiselect(_("Open (second)"), list(crossings), key=keys["open2"], format_func=crossing,
                      placeholder=_("Choose crossings"))
        d.multiselect(_("Avoid (second)"), list(ROUTABLE), key=keys["avoid2"], format_func=country,
                      placeholder=_("Choose countries"))


def _name(places: Mapping[str, str], place_id: str) -> str:
    return md(places.get(place_id, place_id).split(" — ")[0])


def _hours(value: float) -> str:
    return _("{h} h").format(h=tr().number(value, 1))


def _km(value: float) -> str:
    return _("{km} km").format(km=tr().number(value, 0))


def _signed(value: float, shown: Callable[[float], str]) -> str:
    return ("+" if value > 0 else "-" if value < 0 else "") + shown(abs(value))


def _countries(route: Route) -> str:
    return ", ".join(f"{k} {tr().number(v, 0)}" for k, v in route.by_country_km.items())


def show_unknowns(route: Route | RouteFailure, crossings: Mapping[str, str]) -> None:
    """Warn about the crossings of unknown status the route uses (or, with ``closed``, that the scenario shut)."""
    day = route.scenario.as_of.isoformat()
    if isinstance(route, Route) and route.unknown_crossings:
        names = ", ".join(crossings.get(c, c) for c in route.unknown_crossings)
        st.warning(md(_("Uses crossings whose status or transit rule is unknown on {day}, treated as passable: "
                        "{names}. Choose “treated as closed” for crossings of unknown status to route around them.")
                      .format(day=day, names=names)))
    if route.scenario.unknown == "closed":
        closed = unknown_closed(data.folder(), data.version(), route.scenario)
        names = ", ".join(crossings.get(c, c) for c in closed) or _("none")
        vehicle = route.scenario.vehicle
        if vehicle:
            message = _("Crossings whose status or whose transit rule for {vehicle}-registered vehicles is unknown "
                        "on {day}, treated as closed ({n}): {names}.")
        else:
            message = _("Crossings whose status is unknown on {day}, treated as closed ({n}): {names}.")
        st.info(md(message.format(vehicle=vehicle, day=day, n=len(closed), names=names)))


def _crossing(crossings: Mapping[str, str], crossing_id: str, name: object) -> str:
    """Return a crossing's name as the crossing choices show it (in the reader's script), else the core's name."""
    label = crossings.get(crossing_id)
    return label.rsplit(" (", 1)[0] if label else str(name)


def show_border_times(route: Route, crossings: Mapping[str, str] | None = None) -> None:
    """Show the time to cross each border post the route passes, with its source or the pair default."""
    if not route.border_times:
        return
    st.caption(_("Time to cross each border post: a figure cited for the post, or the documented default of its "
                 "country pair."))
    st.dataframe(pd.DataFrame([{
        _("crossing"): _crossing(crossings or {}, b.crossing_id, b.name), _("hours"): round(b.hours, 2),
        _("figure"): _("default") if b.is_default else _("cited"),
        _("since"): b.since, _("source"): "" if b.is_default else safe_url(b.source) or "", _("note"): b.note,
    } for b in route.border_times]), hide_index=True, column_config={
        _("source"): st.column_config.LinkColumn(_("source"), display_text=_("source")),
        _("figure"): st.column_config.TextColumn(_("figure"), help=_("cited for this post, or the documented "
                                                                     "default of its country pair"))})


def document_label(need: DocumentNeed, tr_: Translator) -> str:
    """Return the document a border wants, as the route panel shows it (unknown and own country labelled).

    >>> from geo.i18n import translator
    >>> need = DocumentNeed("dostuk", "Dostuk", "UZ", "unknown", None, None)
    >>> document_label(need, translator("en")), document_label(need, translator("ru"))
    ('unknown: no dated rule found', 'неизвестно: датированное правило не найдено')
    """
    if need.own_country:
        return tr_.gettext("own country: passport or national ID card")
    if need.document == "unknown":
        return tr_.gettext("unknown: no dated rule found")
    if need.document == "id-card":
        return tr_.gettext("national ID card")
    if need.document == "passport":
        return tr_.gettext("passport (no visa)")
    return tr_.gettext("visa (held)") if need.visa_held else tr_.word(need.document)


def show_documents(route: Route, crossings: Mapping[str, str] | None = None) -> None:
    """Show the document the scenario's citizen needs at each border the route crosses, with its source."""
    citizen = route.scenario.citizen
    if not citizen:
        return
    names = tr()
    day = route.scenario.as_of.isoformat()
    if not route.documents:
        st.caption(_("Travel documents: the route crosses no border."))
        return
    st.caption(_("Travel documents for a citizen of {country} on {day}: the rule of the country entered at each "
                 "border (the latest dated rule on or before the day; unknown where no source was found).")
               .format(country=names.country(citizen), day=day))
    st.dataframe(pd.DataFrame([{
        _("crossing"): _crossing(crossings or {}, d.crossing_id, d.name),
        _("enters"): f"{names.country(d.country)} ({d.country})", _("document"): document_label(d, names),
        _("days"): d.days, _("since"): d.since, _("source"): safe_url(d.source) or "", _("evidence"): d.evidence or "",
    } for d in route.documents]), hide_index=True, column_config={
        _("source"): st.column_config.LinkColumn(_("source"), display_text=_("source"))})


def show_alternatives(route: Route, asked: int, crossings: Mapping[str, str] | None = None) -> None:
    """List the route and its alternatives (as drawn on the map) with km, hours, border hours and countries."""
    if asked <= 0:
        return
    rows = [(extras.ROUTE.key, _("best"), route)]
    rows += [(swatch.key, _(swatch.label), alt) for swatch, alt in zip(extras.ALTERNATIVES, route.alternatives)]
    st.markdown(_("**Alternatives** through other sets of border crossings"))
    st.dataframe(pd.DataFrame([{
        _("route"): label, _("line"): _(extras.LOOKS[key]), _("km"): round(r.distance_km),
        _("hours"): round(r.duration_h, 1), _("border hours"): round(r.border_h, 1),
        _("countries (km)"): _countries(r),
        _("crossings"): ", ".join(_crossing(crossings or {}, c.id, c.name) for c in r.crossings)
        or _("none"),
    } for key, label, r in rows]), hide_index=True)
    if len(route.alternatives) < asked:
        st.caption(ngettext("Only {found} of the {n} alternative asked for passes a different set of crossings "
                            "under this scenario.",
                            "Only {found} of the {n} alternatives asked for pass a different set of crossings "
                            "under this scenario.", asked).format(found=len(route.alternatives), n=asked))


def show_route(result: Route | RouteFailure, places: Mapping[str, str], crossings: Mapping[str, str],
               alternatives: int = 0, *, compact: bool = False) -> None:
    """Show a route's numbers: time, distance, km per country, border times, crossings, roads, warnings.

    ``compact`` (half the page wide, in a comparison) puts the figures on two rows.
    """
    via = ", ".join(_name(places, v) for v in result.via) if isinstance(result, Route) else ""
    scenario = result.scenario
    st.markdown(f"**{_name(places, result.source)} → {_name(places, result.target)}**"
                + (" " + _("via {places}").format(places=via) if via else "") + " "
                + _("on {date}").format(date=scenario.as_of.isoformat())
                + f" · {tr().word(scenario.mode)} · {labels(OPTIMIZE_LABELS)(scenario.optimize)}"
                + (" · " + _("{country}-registered vehicle").format(country=scenario.vehicle)
                   if scenario.vehicle else "")
                + (" · " + _("{country} citizen").format(country=scenario.citizen) if scenario.citizen else ""))
    if isinstance(result, RouteFailure):
        st.warning(_("No route: {reason}").format(reason=md(say(result.reason))))
        show_unknowns(result, crossings)
        return
    a, b, c, d, e = st.columns(5) if not compact else (*st.columns(2), *st.columns(3))
    a.metric(_("Travel time"), _hours(result.duration_h),
             help=_("Road hours plus the typical time to cross each border post (queues are not modelled)."))
    b.metric(_("Road distance"), _km(result.distance_km))
    c.metric(_("Straight line"), _km(result.geodesic_km))
    d.metric(_("Detour"), f"×{tr().number(result.detour_ratio, 2)}" if result.detour_ratio else "—")
    e.metric(_("On traced roads"), f"{tr().number(result.traced_share * 100, 0)} %",
             help=_("Share of the km measured on OpenStreetMap-traced road geometry or resting on a published length; "
                    "the rest is schematic (straight lines between places)."))
    n = len(result.border_times)
    st.caption(ngettext("Travel time = road {road} + borders {border} ({n} crossing).",
                        "Travel time = road {road} + borders {border} ({n} crossings).", n)
               .format(road=_hours(result.road_h), border=_hours(result.border_h), n=n))
    show_unknowns(result, crossings)
    show_alternatives(result, alternatives, crossings)
    by_country = result.by_country_km
    if by_country:
        st.bar_chart(pd.DataFrame({_("km"): list(by_country.values())}, index=list(by_country.keys())),
                     horizontal=True, height=60 + 28 * len(by_country))
    show_border_times(result, crossings)
    show_documents(result, crossings)
    word = tr().word
    if result.crossings:
        st.dataframe(pd.DataFrame([{
            _("crossing"): _crossing(crossings, x.id, x.name), _("countries"): x.countries,
            _("status"): word(x.status), _("since"): x.status_since, _("access"): word(x.access),
            _("override"): word(x.override or ""), _("source"): safe_url(x.source),
        } for x in result.crossings]), hide_index=True, column_config={_("source"): st.column_config.LinkColumn(
            _("source"), display_text=_("source"))})
    if result.roads:
        st.dataframe(pd.DataFrame([{
            _("Soviet no."): r.soviet_ref or "", _("current numbers"): ", ".join(r.refs),
            _("road segment"): r.name, _("country"): r.country, _("km"): r.length_km,
            _("length"): word(r.length_method),
        } for r in result.roads]), hide_index=True, height=min(36 * (len(result.roads) + 1), 300))
    for warning in result.warnings:
        st.caption("⚠ " + md(say(warning)))


def show_comparison(result: Comparison, places: Mapping[str, str], crossings: Mapping[str, str],
                    alternatives: int = 0) -> None:
    """Show two scenarios side by side and what changes between them."""
    left, right = st.columns(2)
    with left:
        show_route(result.first, places, crossings, compact=True)
    with right:
        show_route(result.second, places, crossings, compact=True)
    st.subheader(_("Second scenario against the first"))
    a, b, c, d = st.columns(4)
    a.metric(_("Δ travel time"), "—" if result.delta_h is None else _signed(result.delta_h, _hours))
    b.metric(_("Δ distance"), "—" if result.delta_km is None else _signed(result.delta_km, _km))
    c.metric(_("Countries added"), ", ".join(result.countries_added) or _("none"))
    d.metric(_("Countries removed"), ", ".join(result.countries_removed) or _("none"))
    added = ", ".join(crossings.get(c, c) for c in result.crossings_added) or _("none")
    removed = ", ".join(crossings.get(c, c) for c in result.crossings_removed) or _("none")
    st.caption(md(_("Crossings added: {added} · removed: {removed}").format(added=added, removed=removed)))
    if alternatives:
        st.caption(_("Alternative routes are listed for a single scenario: turn the comparison off to see them."))


def route_panel(app_state: share.AppState, result: Outcome | None, places: Mapping[str, str],
                crossings: Mapping[str, str]) -> None:
    """Draw the route tab."""
    if not places:
        st.info(_("Routing needs the roads, places and crossings layers (not built yet)."))
        return
    route_inputs(places, crossings)
    if result is None:
        st.caption(_("Choose where from and where to, or a preset."))
    elif isinstance(result, RouteError):
        st.warning(md(say(result.message)))
    elif isinstance(result, Comparison):
        show_comparison(result, places, crossings, app_state.alternatives)
    else:
        show_route(result, places, crossings, app_state.alternatives)

