"""The project's vocabulary: countries, crossing statuses, traffic and modes, written once.

CLI choices, link validation, widgets, the legend and layer validation derive their lists from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """A country on the map.

    Attributes
    ----------
    iso2, iso3
        ISO 3166-1 alpha-2 and alpha-3 codes.
    name, name_ru
        English and Russian short names.
    focus
        One of the five Central Asian states the product is about.
    routable
        The road network has places in it, so a route can enter it (and a scenario can avoid it).
    """

    iso2: str
    iso3: str
    name: str
    name_ru: str
    focus: bool = False
    routable: bool = False


COUNTRIES: tuple[Country, ...] = (
    Country("KZ", "KAZ", "Kazakhstan", "Казахстан", focus=True, routable=True),
    Country("KG", "KGZ", "Kyrgyzstan", "Киргизия", focus=True, routable=True),
    Country("TJ", "TJK", "Tajikistan", "Таджикистан", focus=True, routable=True),
    Country("UZ", "UZB", "Uzbekistan", "Узбекистан", focus=True, routable=True),
    Country("TM", "TKM", "Turkmenistan", "Туркменистан", focus=True, routable=True),
    Country("AF", "AFG", "Afghanistan", "Афганистан", routable=True),
    Country("CN", "CHN", "China", "Китай", routable=True),
    Country("RU", "RUS", "Russia", "Россия"),
    Country("IR", "IRN", "Iran", "Иран"),
    Country("PK", "PAK", "Pakistan", "Пакистан"),
    Country("IN", "IND", "India", "Индия"),
    Country("MN", "MNG", "Mongolia", "Монголия"),
    Country("AZ", "AZE", "Azerbaijan", "Азербайджан"),
    Country("AM", "ARM", "Armenia", "Армения"),
    Country("GE", "GEO", "Georgia", "Грузия"),
    Country("IQ", "IRQ", "Iraq", "Ирак"),
)
"""Every country drawn on the map (the borders layer's extent), focus countries first."""

BY_ISO2: dict[str, Country] = {c.iso2: c for c in COUNTRIES}
BY_ISO3: dict[str, Country] = {c.iso3: c for c in COUNTRIES}
FOCUS: tuple[str, ...] = tuple(c.iso2 for c in COUNTRIES if c.focus)
"""The five Central Asian states, as ISO2 codes."""
ROUTABLE: tuple[str, ...] = tuple(c.iso2 for c in COUNTRIES if c.routable)
"""Countries the road network enters: the codes a route scenario may avoid and a segment may lie in."""

STATUSES: tuple[str, ...] = ("open", "restricted", "closed", "unknown")
"""A crossing's status on a date."""
PASSABLE: frozenset[str] = frozenset({"open", "restricted", "unknown"})
"""Statuses a route may pass (unknown only when the scenario allows it)."""
TRAFFIC: tuple[str, ...] = ("passengers", "freight")
"""Traffic a crossing handles."""
CROSSING_MODES: tuple[str, ...] = ("road", "rail", "pedestrian")
"""How a crossing is crossed."""
ROUTE_MODES: tuple[str, ...] = ("passenger", "freight")
"""What a route carries."""
TRAFFIC_OF_ROUTE_MODE: dict[str, str] = {"passenger": "passengers", "freight": "freight"}
"""The crossing traffic a route mode needs."""
ACCESS: tuple[str, ...] = ("international", "bilateral", "other", "unknown")
"""Who a crossing admits on a date: everyone, only its two countries' citizens and vehicles, other restricted
traffic (e.g. local residents only), or not known."""

DOCUMENTS: tuple[str, ...] = ("visa", "passport", "id-card")
"""What a citizen needs to enter a country on a date: a visa, a passport (no visa; no source says an ID card is
enough), or the national ID card (a passport serves too). A day without a dated rule is ``unknown``."""

ROUTE_OPTIMIZE: tuple[str, ...] = ("time", "distance")
"""What a route minimises: travel time (road plus border hours, the default) or road kilometres."""
UNKNOWN_CHOICES: tuple[str, ...] = ("open", "closed")
"""How a route treats a crossing whose status (or transit rule) is unknown on the date (default first)."""
MAX_ALTERNATIVES = 3
"""Most alternative routes (through other sets of border crossings) a route may add."""

MAX_ECHO = 60
"""Longest piece of user input echoed back in a message."""


def country_name(code: str) -> str:
    """Return a country's English name, or the code itself when it is not on the map.

    >>> country_name("TJ"), country_name("XX")
    ('Tajikistan', 'XX')
    """
    country = BY_ISO2.get(code)
    return country.name if country else code


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    r"""Cut text to ``limit`` characters with an ellipsis, for echoing user input in one line.

    Runs of whitespace become one space and other unprintable characters ``?``.

    >>> shorten("Dushanbe"), shorten("x" * 70, 5), shorten("a\x00b\n c")
    ('Dushanbe', 'xxxx…', 'a?b c')
    """
    printable = "".join(ch if ch.isprintable() or ch.isspace() else "?" for ch in str(text))
    flat = " ".join(printable.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def shorten_path(path: object, limit: int = 160) -> str:
    """Cut a path to ``limit`` characters from its start, so the file's name is always shown.

    >>> shorten_path("/tmp/" + "x" * 80 + "/out.kml", 20)
    '…xxxxxxxxxxx/out.kml'
    """
    text = shorten(str(path), 100_000)
    return text if len(text) <= limit else "…" + text[-(limit - 1):]
