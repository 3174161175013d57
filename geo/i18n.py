"""Interface languages: gettext message catalogs, one per language, and names in the reader's script.

The catalogs are Babel ``.po`` files in ``geo/locale/<code>/LC_MESSAGES/messages.po`` (the one source of truth;
they ship in the wheel). Each is compiled in memory with Babel when first used, so there is no ``.mo`` file to
keep in step. English is the source language (the msgids); a third language is a new catalog, no new code:
:func:`languages` lists every catalog found.

Code marks interface text with ``_("…")`` / ``tr.gettext("…")`` (and ``ngettext`` where a count appears),
constants with :func:`N_`; ``pybabel extract -F babel.cfg`` (see README "Languages") collects them. Pure: no
Streamlit; the app and the map builders are handed a :class:`Translator`.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from babel import Locale
from babel.core import get_global
from babel.messages import mofile, pofile
from babel.numbers import format_decimal

SOURCE = "en"
"""The language of the msgids (no catalog)."""
DOMAIN = "messages"
LOCALE = resources.files("geo") / "locale"
"""Folder of the catalogs: ``<code>/LC_MESSAGES/messages.po``."""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention, known to every extractor
    """Mark a constant for extraction; it is translated where it is shown.

    >>> N_("Roads")
    'Roads'
    """
    return message


def catalog_file(code: str) -> Any:
    """Return the ``.po`` file of a language (a traversable; it may not exist)."""
    return LOCALE / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def languages() -> dict[str, str]:
    """Return language code → its own name ("English", "Русский"): English, then every catalog found.

    >>> languages()["en"], languages()["ru"]
    ('English', 'Русский')
    """
    found = sorted(d.name for d in LOCALE.iterdir() if d.is_dir() and catalog_file(d.name).is_file()) \
        if LOCALE.is_dir() else []
    codes = [SOURCE, *(c for c in found if c != SOURCE)]
    return {code: native_name(code) for code in codes}


def native_name(code: str) -> str:
    """Return a language's name in that language, capitalised (Babel's CLDR data).

    >>> native_name("ru"), native_name("kk")
    ('Русский', 'Қазақ тілі')
    """
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def parse_lang(value: Any) -> str | None:
    """Return a known language code from a link's value (case and spaces ignored), else None.

    >>> parse_lang("RU"), parse_lang("xx"), parse_lang(None)
    ('ru', None, None)
    """
    if not isinstance(value, str):
        return None
    code = value.strip().lower()
    return code if code in languages() else None


@dataclass(frozen=True)
class Translator:
    """The messages of one language: ``gettext`` and ``ngettext`` (Russian has three plural forms)."""

    lang: str
    translations: gettext_module.NullTranslations

    def gettext(self, message: str) -> str:
        """Return a message in this language (the English msgid when the catalog lacks it)."""
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Return the form of a message for a count.

        >>> [translator("ru").ngettext("{n} feature", "{n} features", n).format(n=n) for n in (1, 3, 5)]
        ['1 объект', '3 объекта', '5 объектов']
        """
        return self.translations.ngettext(singular, plural, n)

    def number(self, value: float, decimals: int = 0) -> str:
        r"""Return a number with this language's separators.

        >>> translator("en").number(1234.56, 1), translator("ru").number(1234.56, 1)
        ('1,234.6', '1\xa0234,6')
        """
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        return str(format_decimal(value, format=pattern, locale=self.lang))

    def word(self, value: Any) -> str:
        """Return a vocabulary word from data (a status, mode, kind…) in this language; other values unchanged.

        >>> translator("ru").word("closed"), translator("ru").word("M41")
        ('закрыт', 'M41')
        """
        key = "" if value is None else str(value)
        return self.gettext(key) if key in VOCABULARY else key

    def words(self, values: Iterable[Any]) -> str:
        """Return vocabulary words joined by commas (:meth:`word` each)."""
        return ", ".join(self.word(v) for v in values)

    def country(self, code: Any) -> str:
        """Return a country's name in this language from its ISO2 code (the code itself when unknown).

        >>> translator("ru").country("KG"), translator("en").country("KG")
        ('Киргизия', 'Kyrgyzstan')
        """
        from geo.vocab import BY_ISO2

        found = BY_ISO2.get(str(code or ""))
        if found is None:
            return str(code or "")
        return str(getattr(found, f"name_{self.lang}", None) or found.name)  # geo.vocab: name, name_ru

    def name(self, name: Any, others: Any = ()) -> str:
        """Return a place's or crossing's name as the reader's script has it (see :func:`local_name`).

        A closing qualifier from the vocabulary, as in ``"Altynkol – Khorgos (rail)"``, is translated.

        >>> translator("ru").name("Altynkol – Khorgos (rail)", ["Altynkol", "Алтынколь", "Khorgos", "Хоргос"])
        'Алтынколь – Хоргос (железнодорожный)'
        """
        shown = "" if name is None else str(name)
        qualifier = QUALIFIER.search(shown)
        if qualifier is None or qualifier["word"] not in VOCABULARY:
            return local_name(shown, others, self.lang)
        base = local_name(shown[:qualifier.start()], others, self.lang)
        return f"{base} ({self.word(qualifier['word'])})"


@functools.cache
def translator(lang: str | None) -> Translator:
    """Return the translator of a language (English for ``None`` or an unknown code)."""
    code = parse_lang(lang) or SOURCE
    if code == SOURCE:
        return Translator(SOURCE, gettext_module.NullTranslations())
    return Translator(code, gettext_module.GNUTranslations(io.BytesIO(compiled(code))))


def compiled(code: str) -> bytes:
    """Return a language's catalog compiled to ``.mo`` bytes with Babel (fuzzy entries left out)."""
    with catalog_file(code).open("rb") as handle:
        catalog = pofile.read_po(handle, locale=code, domain=DOMAIN)
    out = io.BytesIO()
    mofile.write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


ENGLISH = translator(SOURCE)
"""The source language (the default of every builder that takes a translator)."""

QUALIFIER = re.compile(r" \((?P<word>[a-z]+)\)$")
"""A name's closing vocabulary word in brackets (``" (rail)"``)."""
SCRIPT_NAMES = {"Cyrl": "CYRILLIC", "Arab": "ARABIC", "Grek": "GREEK", "Hans": "CJK", "Hant": "CJK"}
"""ISO 15924 script → the prefix of its letters' Unicode names (Latin needs none: the data's names are Latin)."""


@functools.cache
def script(lang: str) -> str | None:
    """Return the Unicode script prefix of a language's usual script (CLDR likely subtags), None for Latin.

    >>> script("ru"), script("kk"), script("en"), script("uz")
    ('CYRILLIC', 'CYRILLIC', None, None)
    """
    likely = str(get_global("likely_subtags").get(lang, ""))
    parts = likely.split("_")
    return SCRIPT_NAMES.get(parts[1]) if len(parts) > 2 else None


def in_script(text: str, script: str) -> bool:
    """Return whether every letter of a text is of one script (Unicode name prefix, e.g. ``CYRILLIC``).

    >>> in_script("Худжанд", "CYRILLIC"), in_script("Khujand", "CYRILLIC"), in_script("Кызыл-Бел'", "CYRILLIC")
    (True, False, True)
    """
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch, "").startswith(script) for ch in letters)


def _as_list(value: Any) -> list[str]:
    if value is None or isinstance(value, float | str):
        return [value] if isinstance(value, str) and value else []
    return [str(v) for v in value if v]


def local_name(name: Any, others: Any, lang: str) -> str:
    """Return a name in the reader's script: the data's own name in that script where it has one.

    For a language written in another script than Latin (Russian: Cyrillic, from CLDR), the first name in that
    script among ``others`` (a place's aliases, a crossing's names). A crossing
    named for its two sides (``"A – B"``) gets each side's first Cyrillic name listed after that side's Latin
    name. Nothing is transliterated: a name (or side) without one stays as it is.

    Examples
    --------
    >>> local_name("Khujand", ["Хуҷанд", "Leninabad", "Худжанд"], "ru"), local_name("Khujand", ["Худжанд"], "en")
    ('Хуҷанд', 'Khujand')
    >>> local_name("Kyzyl-Bel – Guliston", ["Kyzyl-Bel", "Кызыл-Бел", "Guliston", "Гулистон"], "ru")
    'Кызыл-Бел – Гулистон'
    >>> local_name("Pap", ["Pap"], "ru")
    'Pap'
    """
    shown = "" if name is None else str(name)
    letters = script(lang)
    if letters is None or not shown or in_script(shown, letters):
        return shown
    names = _as_list(others)
    sides = shown.split(" – ")
    if len(sides) > 1:
        return " – ".join(_side(side, names, sides, letters) for side in sides)
    return next((n for n in names if in_script(n, letters)), shown)


def _side(side: str, names: Sequence[str], sides: Sequence[str], letters: str) -> str:
    """Return one side of a two-sided crossing name in a script (the names listed after it, before the next side)."""
    if side not in names:
        return side
    start = names.index(side)
    later = [names.index(s) for s in sides if s in names and names.index(s) > start]
    end = min(later, default=len(names))
    return next((n for n in names[start + 1:end] if in_script(n, letters)), side)


VOCABULARY: dict[str, str] = {word: word for word in (
    # crossing statuses (geo.vocab.STATUSES) and pipeline stages
    N_("open"), N_("restricted"), N_("closed"), N_("unknown"),
    N_("operating"), N_("under construction"), N_("under-construction"), N_("stalled"), N_("planned"),
    # traffic, route modes, crossing modes, access (geo.vocab)
    N_("passengers"), N_("freight"), N_("passenger"), N_("road"), N_("rail"), N_("pedestrian"),
    N_("international"), N_("bilateral"), N_("other"),
    # travel documents (geo.vocab.DOCUMENTS)
    N_("visa"), N_("passport"), N_("id-card"),
    # place kinds, geometry accuracy, length methods
    N_("city"), N_("town"), N_("junction"), N_("pass"), N_("crossing"), N_("enclave"), N_("country"),
    N_("traced"), N_("schematic"), N_("geodesic"), N_("calibrated"), N_("cited"),
    # measured geometry types (geo.measure)
    N_("LineString"), N_("MultiLineString"), N_("Polygon"), N_("MultiPolygon"),
)}
"""Words of the data's closed vocabularies that the interface shows: translated by :meth:`Translator.word`."""
