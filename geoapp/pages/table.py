"""The table view: crossings, roads and places as sortable, filterable tables beside the map.

Choosing a row centres the map beside the table on it (and, since the view lives in the app's state, the Map
page opens there too). Choosing a crossing also shows its status history as a timeline with the sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from geo.i18n import ENGLISH, N_, Translator
from geo.layers.entry_rules import EntryRules
from geo.layers.status import PLANNED, is_planned
from geo.layers.store import redate
from geo.map.geometry import rows as records
from geo.map.text import safe_url
from geo.palette import STATUS_STYLES
from geo.vocab import FOCUS, STATUSES
from geoapp import component, data, state, urls
from geoapp.pages import changes, map_page, search
from geoapp.ui import _, labels, md, panel, today, tr

KINDS = {"crossings": N_("Crossings"), "roads": N_("Roads"), "places": N_("Places"),
         "documents": N_("Travel documents")}
COLUMNS = {"name": N_("name"), "countries": N_("countries"), "status": N_("status"), "since": N_("since"),
           "traffic": N_("traffic"), "mode": N_("mode"), "access": N_("access"), "designation": N_("designation"),
           "soviet_ref": N_("Soviet no."), "country": N_("country"), "length_km": N_("length, km"),
           "geometry_accuracy": N_("geometry"), "other names": N_("other names"), "kind": N_("kind"),
           "from": N_("from"), "to": N_("until"), "note": N_("note"), "source": N_("source"),
           "citizen": N_("citizens of"), "destination": N_("entering"), "document": N_("document"),
           "days": N_("days"), "published": N_("published"), "evidence": N_("evidence")}
"""Column headers of the tables as the reader sees them (the frames keep their English column names)."""
TABLE_KEY = "tbl_{}"
"""Session key of a table's row selection."""
ZOOM = {"crossings": 11, "roads": 9, "places": 11}
"""Zoom of the map centred on a chosen row."""


def _items(value: Any) -> list[str]:
    if value is None or isinstance(value, float):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def _text(value: Any) -> str:
    return ", ".join(_items(value))


def status_label(status: Any, tr: Translator = ENGLISH) -> str:
    """Return a status as text with its glyph (the map's marker glyph), e.g. ``✕ closed``.

    >>> status_label("closed"), status_label(None)
    ('✕ closed', '? unknown')
    """
    key = str(status) if status in STATUS_STYLES else "unknown"
    return f"{STATUS_STYLES[key].glyph} {tr.word(key)}"


def crossings_table(frame: pd.DataFrame, day: dt.date, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Return one row per crossing: names, country pair, status on ``day`` with its date, traffic, mode, access."""
    dated = redate(frame, day)
    rows = []
    for r in records(dated):
        point = r.geometry
        rows.append({
            "id": r.id, "name": tr.name(r.name, r.names), "countries": r.countries,
            "status": status_label(r.status, tr),
            "since": r.status_since if isinstance(r.status_since, str) else None,
            "traffic": tr.words(_items(r.status_traffic) or _items(r.traffic)), "mode": tr.words(_items(r.modes)),
            "access": tr.word(r.status_access) if isinstance(r.status_access, str) else None,
            "lat": None if point is None or point.is_empty else round(float(point.y), 5),
            "lon": None if point is None or point.is_empty else round(float(point.x), 5),
        })
    return pd.DataFrame(rows, columns=["id", "name", "countries", "status", "since", "traffic", "mode", "access",
                                       "lat", "lon"])


def roads_table(frame: pd.DataFrame, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Return one row per road segment: designations, Soviet reference, country, length, geometry accuracy.

    ``lat``/``lon`` is the segment's midpoint along its line (where the map centres).
    """
    rows = []
    for r in records(frame):
        line = r.geometry
        mid = None if line is None or line.is_empty else line.interpolate(0.5, normalized=True)
        rows.append({
            "id": r.id, "name": r.name, "designation": _text(r.refs), "soviet_ref": r.soviet_ref or None,
            "country": r.country, "length_km": None if r.length_km is None else round(float(r.length_km), 1),
            "geometry_accuracy": tr.word(r.geometry_accuracy) if r.geometry_accuracy else None,
            "lat": None if mid is None else round(float(mid.y), 5),
            "lon": None if mid is None else round(float(mid.x), 5),
        })
    return pd.DataFrame(rows, columns=["id", "name", "designation", "soviet_ref", "country", "length_km",
                                       "geometry_accuracy", "lat", "lon"])


def places_table(frame: pd.DataFrame, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Return one row per place: name (in the reader's script where the data has it), other names, kind, country."""
    rows = [{"id": r.id, "name": tr.name(r.name, r.aliases),
             "other names": ", ".join(n for n in [r.name, *_items(r.aliases)] if n != tr.name(r.name, r.aliases)),
             "kind": tr.word(r.kind), "country": r.country,
             "lat": round(float(r.geometry.y), 5), "lon": round(float(r.geometry.x), 5)}
            for r in records(frame) if r.geometry is not None and not r.geometry.is_empty]
    return pd.DataFrame(rows, columns=["id", "name", "other names", "kind", "country", "lat", "lon"])


def countries_of(table: pd.DataFrame, column: str) -> list[str]:
    """Return the country codes a table's column holds (``KG-TJ`` pairs split), sorted."""
    return sorted({code for value in table[column].dropna() for code in str(value).split("-") if code})


def filtered(table: pd.DataFrame, *, text: str = "", countries: Iterable[str] = (), column: str = "country",
             values: dict[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Return the rows matching every filter: text in any column, any of the countries, chosen column values.

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["Oybek", "Dostuk"], "countries": ["TJ-UZ", "KG-UZ"], "kind": ["a", "b"]})
    >>> list(filtered(t, countries=["KG"], column="countries")["name"])
    ['Dostuk']
    >>> list(filtered(t, text="oyb")["name"]), list(filtered(t, values={"kind": ["a"]})["name"])
    (['Oybek'], ['Oybek'])
    """
    keep = pd.Series(True, index=table.index)
    needle = text.strip().casefold()
    if needle:
        joined = table.astype(object).where(table.notna(), "").astype(str).agg(" ".join, axis=1).str.casefold()
        keep &= joined.str.contains(needle, regex=False)
    wanted = set(countries)
    if wanted:
        keep &= table[column].fillna("").astype(str).map(lambda v: bool(wanted & set(v.split("-"))))
    for name, chosen in (values or {}).items():
        if chosen:
            keep &= table[name].isin(list(chosen))
    return table[keep]


def history_frame(history: Any, day: dt.date) -> pd.DataFrame:
    """Return a crossing's status history as periods: start, end (the next fact or ``day``), status, note, source.

    Planned entries (announced events) are rows of their own that start and end on their date, with ``kind``
    ``planned``; they never end a period. ``evidence`` is the quote from the source.
    """
    entries = sorted((dict(e) for e in (history if history is not None else [])), key=lambda e: str(e.get("date")))
    in_force = [e for e in entries if not is_planned(e)]
    rows = []
    for entry in entries:
        start = dt.date.fromisoformat(str(entry["date"])[:10])
        end = start
        if not is_planned(entry):
            later = [e for e in in_force if str(e["date"]) > str(entry["date"])]
            end = dt.date.fromisoformat(str(later[0]["date"])[:10]) if later else day
        status = str(entry.get("status")) if entry.get("status") in STATUS_STYLES else "unknown"
        rows.append({"from": start, "to": max(end, start), "status": status, "note": str(entry.get("note") or ""),
                     "source": safe_url(entry.get("source")), "evidence": str(entry.get("evidence") or ""),
                     "kind": str(entry.get("kind") or "")})
    return pd.DataFrame(rows, columns=["from", "to", "status", "note", "source", "evidence", "kind"])


def shown_status(periods: pd.DataFrame, translator: Translator = ENGLISH) -> pd.Series:
    """Return the status column as read: translated, a planned row as "announced for DATE: status"."""
    return pd.Series([
        translator.gettext("announced for {date}").format(date=start) + ": " + translator.word(status)
        if kind == PLANNED else translator.word(status)
        for start, status, kind in zip(periods["from"], periods["status"], periods["kind"])
    ], index=periods.index, dtype=object)


def timeline(periods: pd.DataFrame, tr: Translator = ENGLISH) -> alt.Chart:
    """Return the status timeline: one bar per period, on the row of its status, in the status colour."""
    words = [tr.word(s) for s in STATUSES]
    periods = periods.assign(status=periods["status"].map(tr.word))
    colours = alt.Scale(domain=words, range=[STATUS_STYLES[s].colour for s in STATUSES])
    chart: alt.Chart = alt.Chart(periods).mark_bar(height=16, stroke="#222", strokeWidth=0.5).encode(
        x=alt.X("from:T", title=None, axis=alt.Axis(format="%Y", tickCount="year")), x2="to:T",
        y=alt.Y("status:N", sort=words, title=None, scale=alt.Scale(domain=words)),
        color=alt.Color("status:N", scale=colours, legend=None),
        tooltip=[alt.Tooltip("from:T", title=tr.gettext("from")), alt.Tooltip("to:T", title=tr.gettext("until")),
             alt.Tooltip("status:N", title=tr.gettext("status")), alt.Tooltip("note:N", title=tr.gettext("note"))],
    ).properties(height=150)
    return chart


def crossing_details(row: pd.Series, frame: pd.DataFrame, day: dt.date) -> None:
    """Show a chosen crossing's status history: the timeline and the dated facts with their sources."""
    found = frame[frame["id"] == row["id"]]
    if found.empty:
        return
    periods = history_frame(found.iloc[0]["status_history"], day)
    st.markdown("**" + _("Status history: {name}").format(name=md(row["name"])) + "**")
    if periods.empty:
        st.caption(_("No dated status fact."))
        return
    st.altair_chart(timeline(periods[periods["kind"] != PLANNED], tr()), width="stretch")
    shown = periods.assign(status=shown_status(periods, tr())).drop(columns="kind")
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        **headers(shown), "source": st.column_config.LinkColumn(_("source"), display_text=_("source"))})


def headers(table: pd.DataFrame) -> dict[str, Any]:
    """Return the column configuration that shows a table's headers in the reader's language."""
    return {c: st.column_config.Column(_(COLUMNS[c])) for c in table.columns if c in COLUMNS}


def keep_options(key: str, options: Sequence[str]) -> list[str]:
    """Return the options of a filter, first dropping chosen values it no longer offers (another language)."""
    st.session_state[key] = [v for v in st.session_state.get(key) or [] if v in options]
    return list(options)


def chosen(table: pd.DataFrame, key: str) -> pd.Series | None:
    """Return the row a table's selection points at (None when nothing is selected)."""
    selection = st.session_state.get(key)
    rows = []
    try:
        rows = list(selection["selection"]["rows"]) if selection else []
    except (KeyError, TypeError):
        rows = []
    if not rows or not 0 <= int(rows[0]) < len(table):
        return None
    return table.iloc[int(rows[0])]


def show_table(kind: str, table: pd.DataFrame) -> pd.Series | None:
    """Draw a table with row selection; return the chosen row after centring the map on it."""
    key = TABLE_KEY.format(kind)
    config = {**headers(table), "lat": None, "lon": None, "id": None}
    st.dataframe(table, key=key, on_select="rerun", selection_mode="single-row", hide_index=True,
                 width="stretch", height=420, column_config=config)
    row = chosen(table, key)
    if row is not None and pd.notna(row["lat"]) and pd.notna(row["lon"]):
        current = st.session_state.get(state.VIEW)
        target = (round(float(row["lat"]), 5), round(float(row["lon"]), 5), ZOOM[kind])
        if current != target:
            search.centre(*target)
    return row


def crossings_tab(version: str, day: dt.date) -> None:
    """Draw the crossings table with its filters and the chosen crossing's history."""
    frame = data.layer("crossings", data.folder(), version)
    table = crossings_table(frame, day, tr())
    left, middle, right = st.columns(3)
    text = left.text_input(_("Filter crossings"), key="tbl_x_text", placeholder=_("name, traffic, access…"))
    countries = middle.multiselect(_("Country"), countries_of(table, "countries"), key="tbl_x_country",
                                   placeholder=_("Choose countries"))
    options = keep_options("tbl_x_status", [status_label(s, tr()) for s in STATUSES])
    statuses = right.multiselect(_("Status on {day}").format(day=day), options, key="tbl_x_status",
                                 placeholder=_("Choose statuses"))
    shown = filtered(table, text=text, countries=countries, column="countries", values={"status": statuses})
    st.caption(_("{shown} of {total} crossings; status on {day} (the sidebar's date). Click a column to sort, a row "
                 "to centre the map on it.").format(shown=len(shown), total=len(table), day=day))
    row = show_table("crossings", shown.reset_index(drop=True))
    urls.show_layer("crossings", day)
    if row is not None:
        crossing_details(row, frame, day)


def documents_table(rules: EntryRules, tr: Translator = ENGLISH) -> pd.DataFrame:
    """Return one row per dated entry rule: who, where, from when until the next rule, which document, the quote.

    >>> from geo.layers.entry_rules import EntryRule
    >>> rule = EntryRule("KG", "UZ", dt.date(2023, 8, 25), "id-card", 60, "", "https://e.org",
    ...                  dt.date(2023, 8, 25), "quote")
    >>> documents_table(EntryRules([rule]))[["citizen", "document", "to"]].values.tolist()
    [['Kyrgyzstan (KG)', 'id-card', None]]
    """
    rows = []
    for rule in rules.rules:
        later = [r.date for r in rules.history(rule.citizen, rule.destination) if r.date > rule.date]
        rows.append({
            "citizen": f"{tr.country(rule.citizen)} ({rule.citizen})",
            "destination": f"{tr.country(rule.destination)} ({rule.destination})",
            "from": rule.date.isoformat(), "to": later[0].isoformat() if later else None,
            "document": tr.word(rule.document), "days": rule.days, "note": rule.note,
            "source": safe_url(rule.source), "published": rule.published.isoformat(), "evidence": rule.evidence,
        })
    return pd.DataFrame(rows, columns=["citizen", "destination", "from", "to", "document", "days", "evidence",
                                       "source", "published", "note"])


def unknown_pairs(rules: EntryRules, countries: Sequence[str] = FOCUS) -> list[tuple[str, str]]:
    """Return the (citizen, destination) pairs among ``countries`` that no rule covers on any day."""
    return [(a, b) for a in countries for b in countries if a != b and not rules.history(a, b)]


def documents_tab(version: str) -> None:
    """Draw the travel documents table: every dated rule with its source and quote, and the pairs still unknown."""
    rules = data.entry_rules(data.folder(), version)
    table = documents_table(rules, tr())
    left, middle, right = st.columns(3)
    text = left.text_input(_("Filter rules"), key="tbl_d_text", placeholder=_("visa, passport, a word of a quote…"))
    citizens = middle.multiselect(_("Citizens of"), keep_options("tbl_d_citizen", sorted(table["citizen"].unique())),
                                  key="tbl_d_citizen", placeholder=_("Choose countries"))
    entering = right.multiselect(_("Entering"), keep_options("tbl_d_dest", sorted(table["destination"].unique())),
                                 key="tbl_d_dest", placeholder=_("Choose countries"))
    shown = filtered(table, text=text, values={"citizen": citizens, "destination": entering})
    st.caption(_("{shown} of {total} dated rules: the document a citizen needs to enter a country, from the rule's "
                 "date until the next rule's. A day before a pair's first rule is unknown.")
               .format(shown=len(shown), total=len(table)))
    st.dataframe(shown.reset_index(drop=True), hide_index=True, width="stretch", height=420, column_config={
        **headers(shown), "source": st.column_config.LinkColumn(_("source"), display_text=_("source")),
        "evidence": st.column_config.TextColumn(_("evidence"), help=_("the source's own words, in its language"))})
    missing = unknown_pairs(rules)
    if missing:
        st.caption(_("Unknown on every day (no source found yet): {pairs}.").format(
            pairs=", ".join(f"{a} → {b}" for a, b in missing)))


def roads_tab(version: str, day: dt.date) -> None:
    """Draw the roads table with its filters."""
    table = roads_table(data.layer("roads", data.folder(), version), tr())
    left, middle, right = st.columns(3)
    text = left.text_input(_("Filter roads"), key="tbl_r_text", placeholder=_("M41, E40, Osh…"))
    countries = middle.multiselect(_("Country"), countries_of(table, "country"), key="tbl_r_country",
                                   placeholder=_("Choose countries"))
    options = keep_options("tbl_r_accuracy", sorted(table["geometry_accuracy"].dropna().unique()))
    accuracy = right.multiselect(_("Geometry accuracy"), options, key="tbl_r_accuracy", placeholder=_("Choose"))
    shown = filtered(table, text=text, countries=countries, values={"geometry_accuracy": accuracy})
    st.caption(_("{shown} of {total} road segments; lengths in km. Click a row to centre the map on it.")
               .format(shown=len(shown), total=len(table)))
    show_table("roads", shown.reset_index(drop=True))
    urls.show_layer("roads", day)


def places_tab(version: str, day: dt.date) -> None:
    """Draw the places table with its filters."""
    table = places_table(data.layer("places", data.folder(), version), tr())
    left, middle, right = st.columns(3)
    text = left.text_input(_("Filter places"), key="tbl_p_text", placeholder=_("any name or alias"))
    countries = middle.multiselect(_("Country"), countries_of(table, "country"), key="tbl_p_country",
                                   placeholder=_("Choose countries"))
    options = keep_options("tbl_p_kind", sorted(table["kind"].dropna().unique()))
    kinds = right.multiselect(_("Kind"), options, key="tbl_p_kind", placeholder=_("Choose"))
    shown = filtered(table, text=text, countries=countries, values={"kind": kinds})
    st.caption(_("{shown} of {total} places. Click a row to centre the map on it.")
               .format(shown=len(shown), total=len(table)))
    show_table("places", shown.reset_index(drop=True))
    urls.show_layer("places", day)


def table_page() -> None:
    """Draw the table view: sidebar, the tables on the left and the map on the right."""
    version, current = map_page.start()
    st.title(_("Tables: crossings, roads and places"))
    left, right = st.columns([3, 2], gap="medium")
    with left:
        kind = st.radio(_("Table"), list(KINDS), key="tbl_kind", horizontal=True, format_func=labels(KINDS),
                        label_visibility="collapsed")
        with panel(N_("table")):
            if kind == "crossings":
                crossings_tab(version, current.as_of)
            elif kind == "roads":
                roads_tab(version, current.as_of)
            elif kind == "documents":
                documents_tab(version)
            else:
                places_tab(version, current.as_of)
    current = state.current(today())
    with right:
        with panel(N_("search")):
            search.search_box(version)
        with panel(N_("map")):
            component.show(map_page.map_document(current, version, None))
        with panel(N_("what changed")):
            found = changes.result(current, version)
            if found is not None:
                changes.changes_list(found)
    with panel(N_("link")):
        state.write_link(state.current(today()), today())

