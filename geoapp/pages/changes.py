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
from geo.errors import GeoError
from geo.map import extras
from geo.map.text import safe_url
from geoapp import data, share, state
from geoapp.ui import _, md, ngettext, today, tr


def controls() -> None:
    """Draw the second-date controls (in the sidebar, below the as-of date)."""
    on = st.checkbox(_("Show what changed"), key=state.CHANGES_KEYS["on"],
                     help=_("Ring the crossings whose status or traffic differs between the as-of date and a second "
                            "date, and list them with the dated facts and their sources."))
    if on:
        st.date_input(_("Compared with"), key=state.CHANGES_KEYS["date"], min_value=share.FIRST_DAY,
                      max_value=today(), format="YYYY-MM-DD",
                      help=_("The second date (before or after the as-of date)."))


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
    except GeoError:  # no pipelines layer: crossings only
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
    label = _("changed {start} → {end} ({n})").format(start=found.start, end=found.end, n=len(items))
    names = _names(version)
    return label, extras.changes_display([(points.get(c.id), names.get(c.id, c.name), c.before.status,
                                           c.after.status) for c in items], tr())


def _names(version: str) -> dict[str, str]:
    """Return crossing id → name in the reader's script."""
    return {k: v.rsplit(" (", 1)[0] for k, v in data.crossing_options(data.folder(), version, tr().lang).items()}


def source_link(url: str | None) -> str:
    """Return a Markdown link to a source (escaped text when the URL is not http(s))."""
    good = safe_url(url)
    if good is None:
        return md(url or _("no source cited"))
    label = _("source")
    return f"[{label}]({quote(good, safe=':/?#[]@!$&*+,;=%~-._')})"


def _state(value: geochanges.State, day: dt.date) -> str:
    if value.since is None:
        return _("{status} (no dated fact before {day})").format(status=tr().word(value.status), day=day)
    return tr().word(value.status) + (f" [{tr().words(value.traffic)}]" if value.traffic else "")


def changes_list(found: geochanges.Changes) -> None:
    """List the changed crossings with the facts dated between the two dates and their sources."""
    items = changed(found)
    word = tr().word
    names = _names_or_empty()
    st.subheader(_("What changed between {start} and {end}").format(start=found.start, end=found.end))
    st.caption(ngettext("{n} of {total} crossing has another status or traffic on {end} than on {start} "
                        "(ringed on the map).",
                        "{n} of {total} crossings have another status or traffic on {end} than on {start} "
                        "(ringed on the map).", len(items))
               .format(n=len(items), total=found.crossings_compared, start=found.start, end=found.end))
    for change in items:
        where = f" ({md(change.countries)})" if change.countries else ""
        lines = [f"**{md(names.get(change.id, change.name))}**{where}: {md(_state(change.before, found.start))} → "
                 f"{md(_state(change.after, found.end))}"]
        if change.before.since is not None:
            lines.append("- " + _("in force on {start}: {status} since {since}").format(
                start=found.start, status=md(word(change.before.status)), since=md(change.before.since))
                + f" — {source_link(change.before.source)}")
        for fact in change.facts:
            traffic = f" [{md(tr().words(fact.traffic))}]" if fact.traffic else ""
            lines.append(f"- {md(fact.date)} **{md(word(fact.status))}**{traffic}: {md(fact.note)} — "
                         f"{source_link(fact.source)}")
        st.markdown("\n".join(lines))
    back = found.of_kind(geochanges.CHANGED_BACK)
    if back:
        with st.expander(_("Changed in between and changed back ({n}, not ringed)").format(n=len(back))):
            for change in back:
                facts = "; ".join(f"{md(f.date)} {md(word(f.status))} ({source_link(f.source)})" for f in change.facts)
                st.markdown(f"**{md(names.get(change.id, change.name))}**: {facts}")
    pipes = found.of_kind(geochanges.CHANGED, "pipelines")
    if pipes:
        st.markdown(_("**Pipelines**: {changes}").format(changes="; ".join(
            f"{md(c.name)} {md(word(c.before.status))} → {md(word(c.after.status))}" for c in pipes)))


def _names_or_empty() -> dict[str, str]:
    try:
        return _names(data.version())
    except GeoError:  # no crossings layer: the changes' own names
        return {}

