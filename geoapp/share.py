"""The app's state as URL query parameters: parse (never trusting the link) and write back.

Every value of a link is checked against a closed set (overlay ids, basemaps, known places, crossings
and country codes) or parsed into a bounded number or date; anything else falls back to the default
and adds a notice that names the parameter but never repeats its value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from geo.i18n import N_, SOURCE, parse_lang
from geo.map import BASEMAPS, DEFAULT_BASEMAP, DEFAULT_OVERLAYS, DEFAULT_VIEW, View
from geo.map import IDS as OVERLAYS
from geo.vocab import BY_ISO2, MAX_ALTERNATIVES, ROUTE_MODES, ROUTE_OPTIMIZE, UNKNOWN_CHOICES

FIRST_DAY = dt.date(2015, 1, 1)
"""The earliest as-of date the app offers."""
MAX_VALUE = 2000
"""Longer parameter values are refused whole."""
MAX_ITEMS = 40
MAX_VIA = 8
"""Most via places a link (and the route panel) holds."""
NONE = "-"
"""The value of ``layers`` when no overlay is shown."""
TABS = ("route", "measure", "download")
"""The map page's tabs as a link names them (``tab=``); the first is open when the link names none."""
CHOICES: dict[str, Collection[str]] = {"basemap": BASEMAPS, "mode": ROUTE_MODES, "optimize": ROUTE_OPTIMIZE,
                                      "unknown": UNKNOWN_CHOICES, "tab": TABS}
"""Link parameters whose value is one of a closed set, each named as its :class:`AppState` field."""
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ISO2 = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Comparison:
    """The second scenario of a route comparison (same places and mode)."""

    as_of: dt.date
    close: frozenset[str] = frozenset()
    open: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AppState:
    """Everything a shareable link restores."""

    overlays: frozenset[str] = DEFAULT_OVERLAYS
    basemap: str = DEFAULT_BASEMAP
    as_of: dt.date = field(default_factory=dt.date.today)
    view: View = DEFAULT_VIEW
    origin: str | None = None
    dest: str | None = None
    close: frozenset[str] = frozenset()
    open: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()
    mode: str = ROUTE_MODES[0]
    compare: Comparison | None = None
    changes: dt.date | None = None
    """The second date of "what changed" (crossings whose status differs from the as-of date); None: off."""
    optimize: str = ROUTE_OPTIMIZE[0]
    via: tuple[str, ...] = ()
    """Place ids passed in this order."""
    alternatives: int = 0
    unknown: str = UNKNOWN_CHOICES[0]
    vehicle: str | None = None
    """ISO2 code of the country the vehicle is registered in (None: no transit rule applies)."""
    citizen: str | None = None
    """ISO2 code of the traveller's citizenship (None: no travel document is checked)."""
    visas: frozenset[str] = frozenset()
    """Countries whose visa the traveller holds (only with a citizenship)."""
    lang: str = SOURCE
    """Interface language (a code of :func:`geo.i18n.languages`)."""
    tab: str = TABS[0]
    """The map page's open tab (one of :data:`TABS`)."""


@dataclass(frozen=True)
class Known:
    """The closed sets a link's values are checked against.

    Parameters
    ----------
    place
        Returns the place id of an id or name, or None when unknown (must not raise).
    crossings
        Crossing ids.
    countries
        ISO 3166-1 alpha-2 codes that can be avoided.
    today
        The last date offered.
    """

    place: Callable[[str], str | None]
    crossings: Collection[str]
    countries: Collection[str]
    today: dt.date


def parse_date(value: str, today: dt.date) -> dt.date | None:
    """Return a ``YYYY-MM-DD`` date between :data:`FIRST_DAY` and ``today``, else None.

    Examples
    --------
    >>> parse_date("2023-06-01", dt.date(2025, 1, 1)), parse_date("2023-02-30", dt.date(2025, 1, 1))
    (datetime.date(2023, 6, 1), None)
    """
    if len(value) != 10:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= today else None


def parse_view(value: str) -> View | None:
    """Return ``lat,lon,zoom`` as a view inside the region's reach, else None.

    Examples
    --------
    >>> parse_view("40.5,70.9,8"), parse_view("nan,1,2"), parse_view("1e999,0,5")
    (View(lat=40.5, lon=70.9, zoom=8), None, None)
    """
    parts = value.split(",")
    if len(parts) != 3 or len(value) > 60:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
        zoom = int(parts[2])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (-85 <= lat <= 85 and -180 <= lon <= 180):
        return None
    if not 3 <= zoom <= 18:
        return None
    return View(round(lat, 5), round(lon, 5), zoom)


def _items(value: str) -> list[str] | None:
    if value in ("", NONE):
        return []
    items = [v.strip() for v in value.split(",")]
    if len(items) > MAX_ITEMS or any(not v for v in items):
        return None
    return items


def _first(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    if value is None:
        return None
    return str(value)


def parse(params: Mapping[str, Any], known: Known) -> tuple[AppState, list[str]]:
    """Return the state a link describes and a notice for each value that was ignored.

    Parameters
    ----------
    params
        Query parameters (``st.query_params.to_dict()`` or any mapping of str to str or list of str).
    known
        What the values may refer to.

    Returns
    -------
    The state (defaults wherever the link was missing or wrong) and the names of the parameters ignored, one
    each (:data:`NOTICE` is the sentence to show for each, translated where it is shown).
    """
    state = AppState(as_of=known.today)
    notices: list[str] = []
    values: dict[str, str] = {}
    for key in ("layers", "basemap", "date", "view", "from", "to", "close", "open", "avoid", "mode",
                "date2", "close2", "open2", "avoid2", "changes", "optimize", "via", "alt", "unknown", "vehicle",
                "citizen", "visa", "lang", "tab"):
        raw = _first(params, key)
        if raw is None:
            continue
        if len(raw) > MAX_VALUE or any(not ch.isprintable() for ch in raw):
            notices.append(_notice(key))
            continue
        values[key] = raw.strip()

    def bad(key: str) -> None:
        notices.append(_notice(key))

    if "layers" in values:
        items = _items(values["layers"])
        if items is None or any(i not in OVERLAYS for i in items):
            bad("layers")
        else:
            state = replace(state, overlays=frozenset(items))
    for key, allowed in CHOICES.items():  # a value from a closed set, kept as it is
        if key in values:
            if values[key] in allowed:
                field_value: dict[str, Any] = {key: values[key]}
                state = replace(state, **field_value)
            else:
                bad(key)
    if "date" in values:
        day = parse_date(values["date"], known.today)
        if day is None:
            bad("date")
        else:
            state = replace(state, as_of=day)
    if "view" in values:
        view = parse_view(values["view"])
        if view is None:
            bad("view")
        else:
            state = replace(state, view=view)
    for key in ("from", "to"):
        if key in values:
            place = known.place(values[key]) if values[key] else None
            if place is None:
                bad(key)
            elif key == "from":
                state = replace(state, origin=place)
            else:
                state = replace(state, dest=place)
    if "alt" in values:
        if values["alt"] in [str(n) for n in range(MAX_ALTERNATIVES + 1)]:
            state = replace(state, alternatives=int(values["alt"]))
        else:
            bad("alt")
    if "vehicle" in values:
        if values["vehicle"].upper() in BY_ISO2:
            state = replace(state, vehicle=values["vehicle"].upper())
        else:
            bad("vehicle")
    if "citizen" in values:
        if values["citizen"].upper() in BY_ISO2:
            state = replace(state, citizen=values["citizen"].upper())
        else:
            bad("citizen")
    if "visa" in values:
        visas = _codes(values, "visa", BY_ISO2, notices)
        if state.citizen is None or state.citizen in visas:  # a visa only means something for another citizenship
            if visas:
                bad("visa")
        else:
            state = replace(state, visas=visas)
    if "via" in values:
        items = _items(values["via"])
        via = [known.place(i) if i else None for i in items or []]
        if items is None or len(via) > MAX_VIA or any(v is None for v in via):
            bad("via")
        else:
            state = replace(state, via=tuple(v for v in via if v is not None))
    close = _ids(values, "close", known.crossings, notices)
    opened = _ids(values, "open", known.crossings, notices) - close
    avoid = _codes(values, "avoid", known.countries, notices)
    state = replace(state, close=close, open=opened, avoid=avoid)
    if "date2" in values:
        day = parse_date(values["date2"], known.today)
        if day is None:
            bad("date2")
        else:
            close2 = _ids(values, "close2", known.crossings, notices)
            state = replace(state, compare=Comparison(
                as_of=day, close=close2, open=_ids(values, "open2", known.crossings, notices) - close2,
                avoid=_codes(values, "avoid2", known.countries, notices)))
    if "changes" in values:
        day = parse_date(values["changes"], known.today)
        if day is None:
            bad("changes")
        else:
            state = replace(state, changes=day)
    if "lang" in values:
        lang = parse_lang(values["lang"])
        if lang is None:
            bad("lang")
        else:
            state = replace(state, lang=lang)
    return state, notices


NOTICE = N_("The link's `{key}` value was not valid and was ignored (the default is used).")
"""What the app says about each parameter :func:`parse` ignored (``{key}``: the parameter's name)."""


def _notice(key: str) -> str:
    return key


def _ids(values: Mapping[str, str], key: str, allowed: Collection[str], notices: list[str]) -> frozenset[str]:
    if key not in values:
        return frozenset()
    items = _items(values[key])
    if items is None or any(not _ID.match(i) or i not in allowed for i in items):
        notices.append(_notice(key))
        return frozenset()
    return frozenset(items)


def _codes(values: Mapping[str, str], key: str, allowed: Collection[str], notices: list[str]) -> frozenset[str]:
    if key not in values:
        return frozenset()
    items = _items(values[key].upper())
    if items is None or any(not _ISO2.match(i) or i not in allowed for i in items):
        notices.append(_notice(key))
        return frozenset()
    return frozenset(items)


def to_params(state: AppState, *, today: dt.date) -> dict[str, str]:
    """Return the query parameters of a state, leaving out values equal to the defaults.

    ``view`` is kept by the map itself (it writes the current view into the address without a rerun).
    """
    params: dict[str, str] = {}
    if state.overlays != DEFAULT_OVERLAYS:
        params["layers"] = ",".join(o for o in OVERLAYS if o in state.overlays) or NONE
    if state.basemap != DEFAULT_BASEMAP:
        params["basemap"] = state.basemap
    if state.as_of != today:
        params["date"] = state.as_of.isoformat()
    if state.origin:
        params["from"] = state.origin
    if state.dest:
        params["to"] = state.dest
    if state.close:
        params["close"] = ",".join(sorted(state.close))
    if state.open:
        params["open"] = ",".join(sorted(state.open))
    if state.avoid:
        params["avoid"] = ",".join(sorted(state.avoid))
    if state.mode != ROUTE_MODES[0]:
        params["mode"] = state.mode
    if state.optimize != ROUTE_OPTIMIZE[0]:
        params["optimize"] = state.optimize
    if state.via:
        params["via"] = ",".join(state.via)
    if state.alternatives:
        params["alt"] = str(state.alternatives)
    if state.unknown != UNKNOWN_CHOICES[0]:
        params["unknown"] = state.unknown
    if state.vehicle:
        params["vehicle"] = state.vehicle
    if state.citizen:
        params["citizen"] = state.citizen
        if state.visas:
            params["visa"] = ",".join(sorted(state.visas))
    if state.compare is not None:
        params["date2"] = state.compare.as_of.isoformat()
        if state.compare.close:
            params["close2"] = ",".join(sorted(state.compare.close))
        if state.compare.open:
            params["open2"] = ",".join(sorted(state.compare.open))
        if state.compare.avoid:
            params["avoid2"] = ",".join(sorted(state.compare.avoid))
    if state.changes is not None:
        params["changes"] = state.changes.isoformat()
    if state.lang != SOURCE:
        params["lang"] = state.lang
    if state.tab != TABS[0]:
        params["tab"] = state.tab
    return params


@dataclass(frozen=True)
class Preset:
    """A ready-made route that tells part of the region's story."""

    title: str
    origin: str
    dest: str
    as_of: dt.date | None
    compare: Comparison | None = None
    view: View | None = None


PRESETS: tuple[Preset, ...] = (
    Preset(
        N_("Khujand → Batken: Tajik–Kyrgyz border closed (2023-06-01) vs reopened (2025-08-01)"),
        "khujand", "batken", dt.date(2023, 6, 1), Comparison(as_of=dt.date(2025, 8, 1)), View(40.25, 70.4, 8),
    ),
    Preset(N_("Dushanbe → Almaty"), "dushanbe", "almaty", None, None, View(41.0, 72.5, 6)),
)


def apply_preset(state: AppState, preset: Preset, *, today: dt.date) -> AppState:
    """Return the state with a preset's route, dates and comparison (overlays and basemap kept)."""
    day = preset.as_of or today
    return replace(state, origin=preset.origin, dest=preset.dest, as_of=min(max(day, FIRST_DAY), today),
                   close=frozenset(), open=frozenset(), avoid=frozenset(), compare=preset.compare, via=(),
                   view=preset.view or state.view)
