"""Search on the map: a place or crossing typed in any script or under an old name centres the map on it.

Names resolve exactly as the route fields resolve them (:meth:`geo.routing.RouteEngine.resolve`, built on
:class:`geo.routing.names.NameIndex`); unknown text gives one line with the closest name as a suggestion.
"""

from __future__ import annotations

import streamlit as st

from geo.errors import GeoError
from geo.messages import Message
from geo.routing.names import UNKNOWN_PLACE, UNKNOWN_PLACE_OR_CROSSING
from geo.vocab import shorten
from geoapp import data, state
from geoapp.ui import _, md, say, tr

KEY = "find"
MESSAGE = "_find_message"
FOUND = "_found"
"""Session key of the last search result drawn on the map: ``(place id, lat, lon)``."""
ZOOM = 11
"""Zoom of the map centred on a found place."""


def centre(lat: float, lon: float, zoom: int) -> None:
    """Centre the map (and the link's view) on a point: the map moves when its document's view changes."""
    st.session_state[state.VIEW] = (round(float(lat), 5), round(float(lon), 5), int(zoom))


def place_point(place_id: str, version: str) -> tuple[float, float] | None:
    """Return a place's ``(lat, lon)`` from the places layer (None when it has no position)."""
    frame = data.layer("places", data.folder(), version)
    found = frame[frame["id"] == place_id]
    if found.empty or found.geometry.iloc[0] is None or found.geometry.iloc[0].is_empty:
        return None
    point = found.geometry.iloc[0]
    return float(point.y), float(point.x)


def find(text: str, version: str) -> str | None:
    """Centre the map on the place or crossing a text names; return a one-line message when it cannot.

    The message is in the reader's language at the time of the search.
    """
    text = text.strip()
    if not text:  # an emptied field takes the mark off the map
        st.session_state.pop(FOUND, None)
        return None
    try:
        place_id = str(data.engine(data.folder(), version).resolve(text[:100]))
    except GeoError as exc:
        message = exc.message
        if message.template == UNKNOWN_PLACE:  # the search finds crossings too
            message = Message(UNKNOWN_PLACE_OR_CROSSING, message.params)
        return say(message)
    point = place_point(place_id, version)
    if point is None:
        return _("{name} has no position on the map.").format(name=repr(shorten(text)))
    centre(point[0], point[1], ZOOM)
    st.session_state[FOUND] = (place_id, point[0], point[1])
    return None


def found(version: str) -> tuple[str, float, float] | None:
    """Return the last search result to mark on the map: its name in the reader's language and position."""
    kept = st.session_state.get(FOUND)
    if not kept:
        return None
    place_id, lat, lon = kept
    frame = data.layer("places", data.folder(), version)
    rows = frame[frame["id"] == place_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return str(tr().name(row["name"], row.get("aliases"))), float(lat), float(lon)


def search_box(version: str) -> None:
    """Draw the search field; pressing Enter centres the map on what it names."""

    def on_enter() -> None:
        st.session_state[MESSAGE] = find(str(st.session_state.get(KEY) or ""), version)

    st.text_input(_("Find on the map"), key=KEY, on_change=on_enter, label_visibility="collapsed",
                  placeholder=_("Find on the map: place or crossing, e.g. Ходжент, Frunze"),
                  help=_("Any script, old names and aliases, as the route fields accept them."))
    message = st.session_state.get(MESSAGE)
    if message:
        st.caption(f"⚠️ {md(message)}")
