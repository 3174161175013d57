"""The one adapter between a shareable link, the app's state and the widgets' session keys.

link (query parameters) --:func:`geoapp.share.parse`--> :class:`~geoapp.share.AppState` --:func:`to_session`-->
session keys --:func:`from_session`--> AppState --:func:`geoapp.share.to_params`--> link.

:func:`to_session` and :func:`from_session` are pure and inverse to each other (tested); the functions below
them apply them to ``st.session_state`` and ``st.query_params``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from dataclasses import fields, replace
from typing import Any

import streamlit as st

from geo.i18n import SOURCE, parse_lang
from geo.map.document import DEFAULT_BASEMAP, DEFAULT_VIEW
from geo.map.registry import IDS
from geo.map.spec import View
from geo.routing.graph import Scenario
from geo.vocab import BY_ISO2, MAX_ALTERNATIVES, ROUTABLE
from geoapp import share
from geoapp.ui import LANG

READY = "_ready"
NOTICES = "_notices"
VIEW = "map_view"
OVERLAY = "ov_{}"
"""Session key of an overlay's checkbox."""


def session_key(name: str, second: bool = False) -> str:
    """Return the widget key of a scenario field (of the second scenario with ``second``).

    The first scenario's date is the sidebar's as-of date; the others are ``r_`` and the link parameter's name.

    >>> session_key("as_of"), session_key("close"), session_key("as_of", second=True)
    ('as_of', 'r_close', 'r_date2')
    """
    return "as_of" if name == "as_of" and not second else "r_" + share.link_name(name, second)


ROUTE_KEYS = {"origin": "r_from", "dest": "r_to", "compare": "r_compare", "via": "r_via", "alternatives": "r_alt",
              **{f.name: session_key(f.name) for f in share.scenario_fields() if f.name != "as_of"}}
SECOND_KEYS = {f.name: session_key(f.name, second=True) for f in share.scenario_fields(second=True)}
CHANGES_KEYS = {"on": "chg_on", "date": "chg_date"}
"""What changed: the checkbox and the second date."""
TAB_OPEN = "tab_open"
"""The map page's open tab, as the link names it (the tabs widget itself holds the shown, translated title)."""


def scenario_session(scenario: Scenario, *, second: bool = False) -> dict[str, Any]:
    """Return the widget values of a scenario's fields (sets as sorted lists, as the multiselects hold them)."""
    return {session_key(f.name, second): sorted(value) if isinstance(value := getattr(scenario, f.name), frozenset)
            else value for f in share.scenario_fields(type(scenario), second=second)}


def session_scenario(values: Mapping[str, Any], base: Scenario, *, second: bool = False) -> Scenario:
    """Return ``base`` with the fields the widget values hold (a value outside the field's set is dropped)."""
    changes: dict[str, Any] = {}
    for f in share.scenario_fields(type(base), second=second):
        key = session_key(f.name, second)
        if key not in values:
            continue
        value, kind = values[key], f.metadata["kind"]
        if kind in ("crossings", "countries"):
            changes[f.name] = frozenset(str(v) for v in value or [])
        elif kind == "date" and isinstance(value, dt.date):
            changes[f.name] = value
        elif kind == "choice" and value in f.metadata["choices"]:
            changes[f.name] = value
        elif kind == "country":
            changes[f.name] = value if value in BY_ISO2 else None
    return type(base).consistent(**{**{f.name: getattr(base, f.name) for f in fields(base)}, **changes})


def to_session(state: share.AppState) -> dict[str, Any]:
    """Return the session values (widget keys) that show a state."""
    values: dict[str, Any] = {OVERLAY.format(o): o in state.overlays for o in IDS}
    values.update(scenario_session(state.scenario))
    values.update(scenario_session(state.second or state.scenario, second=True))
    values.update({
        "basemap": state.basemap, VIEW: (state.view.lat, state.view.lon, state.view.zoom),
        ROUTE_KEYS["origin"]: state.origin, ROUTE_KEYS["dest"]: state.dest,
        ROUTE_KEYS["compare"]: state.second is not None, ROUTE_KEYS["via"]: list(state.via),
        ROUTE_KEYS["alternatives"]: state.alternatives,
        CHANGES_KEYS["on"]: state.changes is not None, CHANGES_KEYS["date"]: state.changes or share.FIRST_DAY,
        LANG: state.lang, TAB_OPEN: state.tab,
    })
    return values


def from_session(values: Mapping[str, Any], today: dt.date) -> share.AppState:
    """Return the state the session values show (missing keys give the defaults)."""
    first = session_scenario(values, Scenario(as_of=today))
    second = session_scenario(values, replace(first, as_of=today), second=True) if values.get(
        ROUTE_KEYS["compare"]) else None
    view = values.get(VIEW) or (DEFAULT_VIEW.lat, DEFAULT_VIEW.lon, DEFAULT_VIEW.zoom)
    alternatives = values.get(ROUTE_KEYS["alternatives"])
    tab = values.get(TAB_OPEN)
    return share.AppState(
        overlays=frozenset(o for o in IDS if values.get(OVERLAY.format(o))),
        basemap=values.get("basemap") or DEFAULT_BASEMAP, view=View(*view),
        origin=values.get(ROUTE_KEYS["origin"]), dest=values.get(ROUTE_KEYS["dest"]),
        via=tuple(str(v) for v in values.get(ROUTE_KEYS["via"]) or [])[:share.MAX_VIA],
        alternatives=alternatives if isinstance(alternatives, int) and 0 <= alternatives <= MAX_ALTERNATIVES else 0,
        scenario=first, second=second,
        changes=(values.get(CHANGES_KEYS["date"]) or share.FIRST_DAY) if values.get(CHANGES_KEYS["on"]) else None,
        lang=parse_lang(values.get(LANG)) or SOURCE,
        tab=tab if tab in share.TABS else share.TABS[0],
    )


def load(state: share.AppState, session: MutableMapping[str, Any] | None = None) -> None:
    """Put a state into the session (before the widgets are drawn, or in a callback)."""
    for key, value in to_session(state).items():
        if session is None:
            st.session_state[key] = value
        else:
            session[key] = value


def keep(today: dt.date) -> None:
    """Keep the state's widget values across a page switch (call before the page runs).

    Streamlit drops the value of a widget that the page being run does not draw (and the same key on another
    page is another widget); assigning the values again makes them plain session values that survive.
    """
    if READY not in st.session_state:
        return
    for key in to_session(share.AppState(scenario=Scenario(as_of=today))):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def current(today: dt.date) -> share.AppState:
    """Return the state the widgets show."""
    return from_session(st.session_state.to_dict(), today)


def known(place: Any, crossings: Mapping[str, str], today: dt.date) -> share.Known:
    """Return what a link's values may refer to (``place`` resolves an id or name, or returns None)."""
    return share.Known(place=place, crossings=set(crossings), countries=set(ROUTABLE), today=today)


def _params() -> dict[str, Any]:
    try:
        return dict(st.query_params.to_dict())
    except Exception:
        return {}


def init_lang() -> None:
    """Set the session's language from the link before anything is drawn (page titles included), once."""
    if LANG not in st.session_state:
        st.session_state[LANG] = parse_lang(_params().get(LANG)) or SOURCE


def init(known_values: share.Known) -> None:
    """Fill the widgets' state from the link, once per session."""
    if READY in st.session_state:
        return
    params = _params()
    state, notices = share.parse(params, known_values)
    load(state)
    st.session_state[NOTICES] = notices
    st.session_state[READY] = True


def link_params(app_state: share.AppState, today: dt.date, address: Mapping[str, Any],
                last_view: str | None) -> tuple[dict[str, str] | None, str]:
    """Return the query parameters to write (None: the address already says it all) and the view the link carries.

    The map keeps ``view`` in the address without a rerun, so the view a run sees is the one the browser sent
    with it (when valid), else the last one the session saw, else the state's own view. Every write carries
    that view: a write without it would leave the address without a view until the map's next move, and a
    reader copying the link then would lose what they were looking at.

    Parameters
    ----------
    app_state
        What the widgets show.
    today
        The latest date (the defaults the link leaves out).
    address
        The query parameters the browser sent with this run.
    last_view
        The view the session saw last (None: none yet).

    Examples
    --------
    >>> day = dt.date(2026, 1, 1)
    >>> state = share.AppState(overlays=frozenset({"roads"}), scenario=Scenario(as_of=day))
    >>> link_params(state, day, {"view": "40.3,70.7,7"}, None)
    ({'layers': 'roads', 'view': '40.3,70.7,7'}, '40.3,70.7,7')
    >>> link_params(state, day, {}, "40.3,70.7,7")
    ({'layers': 'roads', 'view': '40.3,70.7,7'}, '40.3,70.7,7')
    >>> link_params(state, day, {"layers": "roads", "view": "40.3,70.7,7"}, None)
    (None, '40.3,70.7,7')
    >>> link_params(share.AppState(scenario=Scenario(as_of=day)), day, {"layers": "roads"}, None)
    ({'view': '41.0000,66.5000,5'}, '41.0000,66.5000,5')
    """
    sent = address.get("view")
    if isinstance(sent, str) and share.parse_view(sent) is not None:
        view = sent
    elif last_view is not None and share.parse_view(last_view) is not None:
        view = last_view
    else:
        view = share.view_text(app_state.view)
    params = share.to_params(app_state, today=today)
    if {k: v for k, v in address.items() if k != "view"} == params:  # nothing to change: the map keeps the view
        return None, view
    return {**params, "view": view}, view


LINK_VIEW = "_link_view"
"""Session key: the view the link carried last (what the map last wrote into the address, as the run saw it)."""


def write_link(app_state: share.AppState, today: dt.date) -> None:
    """Keep the address bar's query parameters equal to the state, always with the map's view."""
    params, view = link_params(app_state, today, st.query_params.to_dict(), st.session_state.get(LINK_VIEW))
    st.session_state[LINK_VIEW] = view
    if params is not None:
        st.query_params.from_dict(params)


PRESET_HELD = "_preset_held"
"""Session key: a preset just loaded, and how many more runs to hold it (see :func:`hold_preset`)."""


def on_preset(number: int, today: dt.date) -> None:
    """Load a preset route (callback: runs before the widgets are drawn)."""
    chosen = share.apply_preset(current(today), share.PRESETS[number], today=today)
    load(chosen)
    st.session_state[PRESET_HELD] = (chosen, 2)  # the preset's own run and the one after it


def _route_of(app_state: share.AppState) -> tuple[Any, ...]:
    return app_state.as_of, app_state.origin, app_state.dest, app_state.second


def hold_preset(today: dt.date) -> None:
    """Load a preset again if the run after it brought back the browser's older widget values.

    A preset moves the map, and the map reports the new zoom band at once; that report can start a run
    carrying the widget values the browser held before the preset's run reached it, which cleared the places
    just chosen (seen in the browser test about one run in three). Call before the page draws its widgets.
    """
    held = st.session_state.get(PRESET_HELD)
    if held is None:
        return
    chosen, runs = held
    if _route_of(current(today)) != _route_of(chosen):
        load(chosen)
    if runs > 1:
        st.session_state[PRESET_HELD] = (chosen, runs - 1)
    else:
        del st.session_state[PRESET_HELD]
