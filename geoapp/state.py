"""The one adapter between a shareable link, the app's state and the widgets' session keys.

link (query parameters) --:func:`geoapp.share.parse`--> :class:`~geoapp.share.AppState` --:func:`to_session`-->
session keys --:func:`from_session`--> AppState --:func:`geoapp.share.to_params`--> link.

:func:`to_session` and :func:`from_session` are pure and inverse to each other (tested); the functions below
them apply them to ``st.session_state`` and ``st.query_params``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping
from typing import Any

import streamlit as st

from geo.i18n import SOURCE, parse_lang
from geo.map import DEFAULT_BASEMAP, DEFAULT_VIEW, IDS, View
from geo.vocab import BY_ISO2, MAX_ALTERNATIVES, ROUTABLE, ROUTE_MODES, ROUTE_OPTIMIZE, UNKNOWN_CHOICES
from geoapp import share
from geoapp.ui import LANG

READY = "_ready"
NOTICES = "_notices"
VIEW = "map_view"
OVERLAY = "ov_{}"
"""Session key of an overlay's checkbox."""
ROUTE_KEYS = {"origin": "r_from", "dest": "r_to", "close": "r_close", "open": "r_open", "avoid": "r_avoid",
              "mode": "r_mode", "compare": "r_compare", "optimize": "r_optimize", "via": "r_via",
              "alternatives": "r_alt", "unknown": "r_unknown", "vehicle": "r_vehicle", "citizen": "r_citizen",
              "visas": "r_visas"}
SECOND_KEYS = {"as_of": "r_date2", "close": "r_close2", "open": "r_open2", "avoid": "r_avoid2"}
CHANGES_KEYS = {"on": "chg_on", "date": "chg_date"}
"""What changed: the checkbox and the second date."""
TAB_OPEN = "tab_open"
"""The map page's open tab, as the link names it (the tabs widget itself holds the shown, translated title)."""


def to_session(state: share.AppState) -> dict[str, Any]:
    """Return the session values (widget keys) that show a state."""
    second = state.compare or share.Comparison(as_of=state.as_of)
    values: dict[str, Any] = {OVERLAY.format(o): o in state.overlays for o in IDS}
    values.update({
        "basemap": state.basemap, "as_of": state.as_of, VIEW: (state.view.lat, state.view.lon, state.view.zoom),
        ROUTE_KEYS["origin"]: state.origin, ROUTE_KEYS["dest"]: state.dest,
        ROUTE_KEYS["close"]: sorted(state.close), ROUTE_KEYS["open"]: sorted(state.open),
        ROUTE_KEYS["avoid"]: sorted(state.avoid), ROUTE_KEYS["mode"]: state.mode,
        ROUTE_KEYS["compare"]: state.compare is not None,
        ROUTE_KEYS["optimize"]: state.optimize, ROUTE_KEYS["via"]: list(state.via),
        ROUTE_KEYS["alternatives"]: state.alternatives, ROUTE_KEYS["unknown"]: state.unknown,
        ROUTE_KEYS["vehicle"]: state.vehicle, ROUTE_KEYS["citizen"]: state.citizen,
        ROUTE_KEYS["visas"]: sorted(state.visas),
        SECOND_KEYS["as_of"]: second.as_of, SECOND_KEYS["close"]: sorted(second.close),
        SECOND_KEYS["open"]: sorted(second.open), SECOND_KEYS["avoid"]: sorted(second.avoid),
        CHANGES_KEYS["on"]: state.changes is not None, CHANGES_KEYS["date"]: state.changes or share.FIRST_DAY,
        LANG: state.lang, TAB_OPEN: state.tab,
    })
    return values


def _set(values: Mapping[str, Any], key: str) -> frozenset[str]:
    return frozenset(values.get(key) or [])


def from_session(values: Mapping[str, Any], today: dt.date) -> share.AppState:
    """Return the state the session values show (missing keys give the defaults)."""
    second = None
    if values.get(ROUTE_KEYS["compare"]):
        close2 = _set(values, SECOND_KEYS["close"])
        second = share.Comparison(as_of=values.get(SECOND_KEYS["as_of"]) or today, close=close2,
                                  open=_set(values, SECOND_KEYS["open"]) - close2,
                                  avoid=_set(values, SECOND_KEYS["avoid"]))
    close = _set(values, ROUTE_KEYS["close"])
    view = values.get(VIEW) or (DEFAULT_VIEW.lat, DEFAULT_VIEW.lon, DEFAULT_VIEW.zoom)
    mode = values.get(ROUTE_KEYS["mode"])
    optimize, unknown = values.get(ROUTE_KEYS["optimize"]), values.get(ROUTE_KEYS["unknown"])
    alternatives, vehicle = values.get(ROUTE_KEYS["alternatives"]), values.get(ROUTE_KEYS["vehicle"])
    tab = values.get(TAB_OPEN)
    citizen = values.get(ROUTE_KEYS["citizen"])
    citizen = citizen if citizen in BY_ISO2 else None
    visas = frozenset(c for c in _set(values, ROUTE_KEYS["visas"]) if c in BY_ISO2 and c != citizen) if citizen else (
        frozenset())
    return share.AppState(
        overlays=frozenset(o for o in IDS if values.get(OVERLAY.format(o))),
        basemap=values.get("basemap") or DEFAULT_BASEMAP, as_of=values.get("as_of") or today, view=View(*view),
        origin=values.get(ROUTE_KEYS["origin"]), dest=values.get(ROUTE_KEYS["dest"]), close=close,
        open=_set(values, ROUTE_KEYS["open"]) - close, avoid=_set(values, ROUTE_KEYS["avoid"]),
        mode=mode if mode in ROUTE_MODES else ROUTE_MODES[0], compare=second,
        changes=(values.get(CHANGES_KEYS["date"]) or share.FIRST_DAY) if values.get(CHANGES_KEYS["on"]) else None,
        optimize=optimize if optimize in ROUTE_OPTIMIZE else ROUTE_OPTIMIZE[0],
        via=tuple(str(v) for v in values.get(ROUTE_KEYS["via"]) or [])[:share.MAX_VIA],
        alternatives=alternatives if isinstance(alternatives, int) and 0 <= alternatives <= MAX_ALTERNATIVES else 0,
        unknown=unknown if unknown in UNKNOWN_CHOICES else UNKNOWN_CHOICES[0],
        vehicle=vehicle if vehicle in BY_ISO2 else None, citizen=citizen, visas=visas,
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
    for key in to_session(share.AppState(as_of=today)):
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


def write_link(state: share.AppState, today: dt.date) -> None:
    """Keep the address bar's query parameters equal to the state (``view`` is kept by the map)."""
    params = share.to_params(state, today=today)
    current_params = st.query_params.to_dict()
    view = current_params.get("view")
    if isinstance(view, str) and share.parse_view(view) is not None:
        params["view"] = view
    if current_params != params:
        st.query_params.from_dict(params)


PRESET_HELD = "_preset_held"
"""Session key: a preset just loaded, and how many more runs to hold it (see :func:`hold_preset`)."""


def on_preset(number: int, today: dt.date) -> None:
    """Load a preset route (callback: runs before the widgets are drawn)."""
    chosen = share.apply_preset(current(today), share.PRESETS[number], today=today)
    load(chosen)
    st.session_state[PRESET_HELD] = (chosen, 2)  # the preset's own run and the one after it


def _route_of(app_state: share.AppState) -> tuple[Any, ...]:
    return app_state.as_of, app_state.origin, app_state.dest, app_state.compare


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
