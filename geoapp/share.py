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
from dataclasses import Field, dataclass, field, fields, replace
from typing import Any

from geo.i18n import N_, SOURCE, parse_lang
from geo.map.document import BASEMAPS, DEFAULT_BASEMAP, DEFAULT_VIEW
from geo.map.registry import DEFAULT_OVERLAYS
from geo.map.registry import IDS as OVERLAYS
from geo.map.spec import View
from geo.routing.graph import Scenario, Trip
from geo.vocab import BY_ISO2, MAX_ALTERNATIVES

FIRST_DAY = dt.date(2015, 1, 1)
"""The earliest as-of date the app offers."""
MAX_VALUE = 2000
"""Longer parameter values are refused whole."""
MAX_ITEMS = 40
MAX_VIA = 8
"""Most via places a link (and the route panel) holds."""
NONE = "-"
"""The value of ``layers`` when no overlay is shown."""
TABS = ("route", "measure", "download", "time")
"""The map page's tabs as a link names them (``tab=``); the first is open when the link names none."""
CHOICES: dict[str, Collection[str]] = {"basemap": BASEMAPS, "tab": TABS}
"""Link parameters whose value is one of a closed set, each named as its :class:`AppState` field (the scenario's
closed sets are declared on its fields)."""
LINK_NAMES = {"as_of": "date", "visas": "visa"}
"""Link parameters named otherwise than their :class:`~geo.routing.graph.Scenario` field."""
API_NAMES = {"visas": "visa"}
"""``/api/v1/route`` parameters named otherwise than their scenario field (the command line's options)."""
SECOND_FIELDS = ("as_of", "close", "open", "avoid")
"""The fields a comparison's second scenario may change; the others follow the first scenario."""
SECOND = "2"
"""The suffix of the second scenario's link parameters (``date2``, ``close2``…)."""
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ISO2 = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class AppState:
    """Everything a shareable link restores."""

    overlays: frozenset[str] = DEFAULT_OVERLAYS
    basemap: str = DEFAULT_BASEMAP
    view: View = DEFAULT_VIEW
    origin: str | None = None
    dest: str | None = None
    via: tuple[str, ...] = ()
    """Place ids passed in this order."""
    alternatives: int = 0
    scenario: Scenario = field(default_factory=Scenario)
    """The route's scenario; its date is the map's as-of date."""
    second: Scenario | None = None
    """A comparison's second scenario (the first with the :data:`SECOND_FIELDS` changed); None: no comparison."""
    changes: dt.date | None = None
    """The second date of "what changed" (crossings whose status differs from the as-of date); None: off."""
    lang: str = SOURCE
    """Interface language (a code of :func:`geo.i18n.languages`)."""
    tab: str = TABS[0]
    """The map page's open tab (one of :data:`TABS`)."""

    @property
    def as_of(self) -> dt.date:
        """Return the as-of date (the map's and the route's)."""
        return self.scenario.as_of

    def on(self, day: dt.date) -> AppState:
        """Return the state with another as-of date."""
        return replace(self, scenario=replace(self.scenario, as_of=day))

    def comparing(self, second: Scenario | None) -> AppState:
        """Return the state with a second scenario (None: no comparison)."""
        return replace(self, second=second)


def link_name(name: str, second: bool = False) -> str:
    """Return the link parameter of a scenario field (of the second scenario with ``second``).

    >>> link_name("as_of"), link_name("close", second=True)
    ('date', 'close2')
    """
    return LINK_NAMES.get(name, name) + (SECOND if second else "")


def scenario_fields(kind: type[Scenario] = Scenario, *, second: bool = False) -> list[Field[Any]]:
    """Return the fields of a scenario class the link and the session carry (of the second scenario: fewer)."""
    return [f for f in fields(kind) if not second or f.name in SECOND_FIELDS]


def encode(f: Field[Any], value: Any) -> str:
    """Return a scenario field's value as link text (sets sorted and comma-joined; empty sets as ``-``)."""
    kind = f.metadata["kind"]
    if kind == "date":
        return str(value.isoformat())
    if kind in ("crossings", "countries"):
        return ",".join(sorted(value)) or NONE
    return str(value)


def decode(f: Field[Any], text: str, known: Known) -> Any:
    """Return a scenario field's value from link text, or raise ``ValueError`` when it is not valid."""
    kind = f.metadata["kind"]
    if kind == "date":
        day = parse_date(text, known.today)
        if day is None:
            raise ValueError(text)
        return day
    if kind in ("crossings", "countries"):
        items = _items(text if kind == "crossings" else text.upper())
        allowed, pattern = (known.crossings, _ID) if kind == "crossings" else (known.countries, _ISO2)
        if items is None or any(not pattern.match(i) or i not in allowed for i in items):
            raise ValueError(text)
        return frozenset(items)
    if kind == "country":
        if text.upper() not in BY_ISO2:
            raise ValueError(text)
        return text.upper()
    if kind == "choice":
        if text not in f.metadata["choices"]:
            raise ValueError(text)
        return text
    raise ValueError(f"no link format for the scenario field kind {kind!r}")


def scenario_params(scenario: Scenario, base: Scenario, *, second: bool = False, api: bool = False
                    ) -> dict[str, str]:
    """Return the link parameters of the fields where a scenario differs from ``base``.

    With ``api``: the parameters of ``/api/v1/route`` (the command line's option names, see :data:`API_NAMES`).
    """
    return {API_NAMES.get(f.name, f.name) if api else link_name(f.name, second): encode(f, getattr(scenario, f.name))
            for f in scenario_fields(type(scenario), second=second)
            if getattr(scenario, f.name) != getattr(base, f.name)}


def route_params(trip: Trip, alternatives: int = 0) -> dict[str, str]:
    """Return the query of ``/api/v1/route`` that computes the same route (the date always given).

    Built from the scenario's fields as the shareable link is (:func:`scenario_params`).

    >>> route_params(Trip("osh", "khujand", Scenario(as_of=dt.date(2024, 1, 1), avoid=frozenset({"UZ"}))))
    {'from': 'osh', 'to': 'khujand', 'as_of': '2024-01-01', 'avoid': 'UZ'}
    """
    params = {"from": trip.origin, "to": trip.dest}
    if trip.via:
        params["via"] = ",".join(trip.via)
    params["as_of"] = trip.scenario.as_of.isoformat()
    params.update(scenario_params(trip.scenario, Scenario(as_of=trip.scenario.as_of), api=True))
    if alternatives:
        params["alternatives"] = str(alternatives)
    return params


def parse_scenario(values: Mapping[str, str], known: Known, base: Scenario, bad: Callable[[str], None], *,
                   second: bool = False) -> Scenario:
    """Return ``base`` with the fields the link names (each refused or contradicted value reported through ``bad``)."""
    changes: dict[str, Any] = {}
    for f in scenario_fields(type(base), second=second):
        key = link_name(f.name, second)
        if key in values:
            try:
                changes[f.name] = decode(f, values[key], known)
            except ValueError:
                bad(key)
    scenario = type(base).consistent(**{**{f.name: getattr(base, f.name) for f in fields(base)}, **changes})
    for name, value in changes.items():  # a value the rest of the link contradicts (a visa without a citizenship…)
        if getattr(scenario, name) != value:
            bad(link_name(name, second))
    return scenario


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


def view_text(view: View) -> str:
    """Return a view as the link writes it (as the map does: four decimals).

    >>> view_text(View(40.25, 70.4, 8))
    '40.2500,70.4000,8'
    """
    return f"{view.lat:.4f},{view.lon:.4f},{view.zoom}"


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
    state = AppState(scenario=Scenario(as_of=known.today))
    notices: list[str] = []
    values: dict[str, str] = {}
    scenario_keys = [link_name(f.name) for f in scenario_fields()]
    scenario_keys += [link_name(f.name, second=True) for f in scenario_fields(second=True)]
    for key in ("layers", "basemap", "view", "from", "to", "changes", "via", "alt", "lang", "tab", *scenario_keys):
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
    if "via" in values:
        items = _items(values["via"])
        via = [known.place(i) if i else None for i in items or []]
        if items is None or len(via) > MAX_VIA or any(v is None for v in via):
            bad("via")
        else:
            state = replace(state, via=tuple(v for v in via if v is not None))
    first = parse_scenario(values, known, state.scenario, bad)
    state = replace(state, scenario=first)
    second_date = link_name("as_of", second=True)
    if second_date in values:
        second = parse_scenario(values, known, first, bad, second=True)
        if second.as_of != first.as_of or values[second_date] == first.as_of.isoformat():
            state = replace(state, second=second)
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


def to_params(state: AppState, *, today: dt.date) -> dict[str, str]:
    """Return the query parameters of a state, leaving out values equal to the defaults.

    ``view`` is kept by the map itself (it writes the current view into the address without a rerun); every
    write of the link adds it (:func:`geoapp.state.link_params`).
    """
    params: dict[str, str] = {}
    if state.overlays != DEFAULT_OVERLAYS:
        params["layers"] = ",".join(o for o in OVERLAYS if o in state.overlays) or NONE
    if state.basemap != DEFAULT_BASEMAP:
        params["basemap"] = state.basemap
    params.update(scenario_params(state.scenario, Scenario(as_of=today)))
    if state.origin:
        params["from"] = state.origin
    if state.dest:
        params["to"] = state.dest
    if state.via:
        params["via"] = ",".join(state.via)
    if state.alternatives:
        params["alt"] = str(state.alternatives)
    if state.second is not None:
        params.update(scenario_params(state.second, state.scenario, second=True))
        params[link_name("as_of", second=True)] = state.second.as_of.isoformat()  # the comparison's switch
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
    second_as_of: dt.date | None = None
    """The comparison's date (None: no comparison)."""
    view: View | None = None


PRESETS: tuple[Preset, ...] = (
    Preset(
        N_("Khujand → Batken: Tajik–Kyrgyz border closed (2023-06-01) vs reopened (2025-08-01)"),
        "khujand", "batken", dt.date(2023, 6, 1), dt.date(2025, 8, 1), View(40.25, 70.4, 8),
    ),
    Preset(N_("Dushanbe → Almaty"), "dushanbe", "almaty", None, None, View(41.0, 72.5, 6)),
)


def apply_preset(state: AppState, preset: Preset, *, today: dt.date) -> AppState:
    """Return the state with a preset's route, dates and comparison (overlays and basemap kept)."""
    day = preset.as_of or today
    first = replace(state.scenario, as_of=min(max(day, FIRST_DAY), today), close=frozenset(), open=frozenset(),
                    avoid=frozenset())
    second = None if preset.second_as_of is None else replace(first, as_of=preset.second_as_of)
    return replace(state, origin=preset.origin, dest=preset.dest, scenario=first, second=second, via=(),
                   view=preset.view or state.view)
