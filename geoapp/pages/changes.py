"""What changed between the as-of date and a second date: rings on the map and the list with dated facts.

The changes themselves come from :func:`geo.changes.find_changes` (the same as ``geo changes``); this module
only picks the dates, draws and lists them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import streamlit as st

from geo import changes as geochanges
from geo import share
from geo.map import extras
from geo.map.text import safe_url
from geoapp import data, state
from geoapp.ui import md, today


def controls() -> None:
    """Draw the second-date controls (in the sidebar, below the as-of date)."""
    on = st.checkbox("Show what changed", key=state.CHANGES_KEYS["on"],
                     help="Ring the crossings whose status or traffic differs between the as-of date and a second "
                          "date, and list them with the dated facts and their sources.")
    if on:
        st.date_input("Compared with", key=state.CHANGES_KEYS["date"], min_value=share.FIRST_DAY,
                      max_value=today(), format="YYYY-MM-DD", help="The second date (before or after the as-of date).")


def dates(app_state: share.AppState) -> tuple[dt.date, dt.date] | None:
    """Return the two dates compared, earlier first (None when "what changed" is off)."""
    if app_state.changes is None:
        return None
    return min(app_state.changes, app_state.as_of), max(app_state.changes, app_state.as_of)


@st.cache_resource(show_spinner=False, max_entries=16)
def find(path: str, version: str, start: str, end: str) -> geochanges.Changes:
    """Return the changes between two ISO dates (once per data version and pair of dates)."""
    pipelines: Any = None
    try:
        pipelines = data.layer("pipelines", path, version)
    except Exception:  # no pipelines layer: crossings only
        pipelines = None
    return geochanges.find_changes(data.layer("crossings", path, version), pipelines,
                                   dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def result(app_state: share.AppState, version: str) -> geochanges.Changes | None:
    """Return the changes the state asks for (None when "what changed" is off)."""
    pair = dates(app_state)
    if pair is None:
        return None
    return find(data.folder(), version, pair[0].isoformat(), pair[1].isoformat())


def changed(found: geochanges.Changes) -> list[geochanges.Change]:
    """Return the crossings whose status or traffic differs between the two dates (the ones ringed)."""
    return found.of_kind(geochanges.CHANGED)


def rings(found: geochanges.Changes, version: str) -> tuple[str, dict[str, Any]]:
    """Return the legend label and the rings of the changed crossings."""
    frame = data.layer("crossings", data.folder(), version)
    points = dict(zip(frame["id"], frame.geometry, strict=True))
    items = changed(found)
    label = f"changed {found.start} → {found.end} ({len(items)})"
    return label, extras.changes_display([(points.get(c.id), c.name, c.before.status, c.after.status)
                                          for c in items])


def source_link(url: str | None) -> str:
    """Return a Markdown link to a source (escaped text when the URL is not http(s))."""
    good = safe_url(url)
    if good is None:
        return md(url or "no source cited")
    return f"[source]({quote(good, safe=':/?#[]@!$&*+,;=%~-._')})"


def _state(value: geochanges.State, day: dt.date) -> str:
    if value.since is None:
        return f"{value.status} (no dated fact before {day})"
    return value.status + (f" [{', '.join(value.traffic)}]" if value.traffic else "")


def changes_list(found: geochanges.Changes) -> None:
    """List the changed crossings with the facts dated between the two dates and their sources."""
    items = changed(found)
    st.subheader(f"What changed between {found.start} and {found.end}")
    st.caption(f"{len(items)} of {found.crossings_compared} crossings have another status or traffic on "
               f"{found.end} than on {found.start} (ringed on the map).")
    for change in items:
        where = f" ({md(change.countries)})" if change.countries else ""
        lines = [f"**{md(change.name)}**{where}: {md(_state(change.before, found.start))} → "
                 f"{md(_state(change.after, found.end))}"]
        if change.before.since is not None:
            lines.append(f"- in force on {found.start}: {md(change.before.status)} since "
                         f"{md(change.before.since)} — {source_link(change.before.source)}")
        for fact in change.facts:
            traffic = f" [{md(', '.join(fact.traffic))}]" if fact.traffic else ""
            lines.append(f"- {md(fact.date)} **{md(fact.status)}**{traffic}: {md(fact.note)} — "
                         f"{source_link(fact.source)}")
        st.markdown("\n".join(lines))
    back = found.of_kind(geochanges.CHANGED_BACK)
    if back:
        with st.expander(f"Changed in between and changed back ({len(back)}, not ringed)"):
            for change in back:
                facts = "; ".join(f"{md(f.date)} {md(f.status)} ({source_link(f.source)})" for f in change.facts)
                st.markdown(f"**{md(change.name)}**: {facts}")
    pipes = found.of_kind(geochanges.CHANGED, "pipelines")
    if pipes:
        st.markdown("**Pipelines**: " + "; ".join(
            f"{md(c.name)} {md(c.before.status)} → {md(c.after.status)}" for c in pipes))

