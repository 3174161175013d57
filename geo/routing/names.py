"""Resolve place names typed by users: any script, any case, with or without diacritics and hyphens."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz, process

from geo.errors import UsageError
from geo.i18n import N_
from geo.messages import Message
from geo.vocab import shorten

UNKNOWN_PLACE = N_("unknown place {name}{hint}")
UNKNOWN_PLACE_OR_CROSSING = N_("unknown place or crossing {name}{hint}")
AMBIGUOUS_PLACE = N_("ambiguous place {name}: could be {options}")
EMPTY_NAME = N_("empty place name {name}")


def did_you_mean(suggestion: str | None) -> Message | str:
    """Return the hint that ends an unknown-name message (empty when there is no close match)."""
    return Message.of(N_(" — did you mean {suggestion}?"), suggestion=suggestion) if suggestion else ""


_DROP = re.compile(r"[\s\-\u2010-\u2015\u2018\u2019\u02bb\u02bc\u0060\u00b4'\"().,]+")


def normalise(text: str) -> str:
    """Return a search key: case-folded, diacritics and hyphens, spaces and apostrophes removed.

    Examples
    --------
    >>> normalise("Kyzyl-Bel"), normalise("Qo‘qon"), normalise("Хужанд")
    ('kyzylbel', 'qoqon', 'хужанд')
    >>> normalise("Khorugh") == normalise("KHORUGH ")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text)
    # keep Cyrillic letters whole (й, ё decompose too): recompose after dropping Latin diacritics only
    kept: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            base = kept[-1] if kept else ""
            if base and "CYRILLIC" in unicodedata.name(base, ""):
                kept[-1] = unicodedata.normalize("NFC", base + ch)
            continue
        kept.append(ch)
    return _DROP.sub("", "".join(kept).casefold())


class NameIndex:
    """Map normalised names and aliases to ids.

    Parameters
    ----------
    entries
        ``(id, display name, aliases)`` for every place.
    ranks
        Optional ``id → rank``: when a name fits several places, the one with the single lowest
        rank wins (a city before a border crossing named after it).
    """

    def __init__(self, entries: Iterable[tuple[str, str, Iterable[str]]],
                 ranks: Mapping[str, int] | None = None) -> None:
        self.ranks = dict(ranks or {})
        self.labels: dict[str, str] = {}
        self.keys: dict[str, set[str]] = defaultdict(set)
        self.primary: dict[str, set[str]] = defaultdict(set)
        self.slugs: dict[str, set[str]] = defaultdict(set)
        for pid, name, aliases in entries:
            self.labels[pid] = name
            self.slugs[normalise(pid)].add(pid)
            self.primary[normalise(name)].add(pid)
            for alias in aliases:
                key = normalise(alias)
                if key:
                    self.keys[key].add(pid)
        self.choices = sorted(set(self.keys) | set(self.primary) | set(self.slugs))

    def resolve(self, text: str) -> str:
        """Return the id a typed name stands for.

        Raises
        ------
        UsageError
            Unknown (with the closest match as a suggestion), ambiguous or empty names.
        """
        shown = shorten(text)
        if text.strip() in self.labels:
            return text.strip()
        key = normalise(text)
        if not key:
            raise UsageError(Message.of(EMPTY_NAME, name=repr(shown)))
        for table in (self.primary, self.slugs, self.keys):
            ids = table.get(key)
            if ids and len(ids) == 1:
                return next(iter(ids))
            best = self._preferred(ids or set())
            if best is not None:
                return best
            if ids:
                options = ", ".join(f"{self.labels[i]} ({i})" for i in sorted(ids))
                raise UsageError(Message.of(AMBIGUOUS_PLACE, name=repr(shown), options=options))
        suggestion = self.suggest(text)
        raise UsageError(Message.of(UNKNOWN_PLACE, name=repr(shown), hint=did_you_mean(suggestion)))

    def _preferred(self, ids: set[str]) -> str | None:
        if not ids or not self.ranks:
            return None
        ranked = sorted(ids, key=lambda i: self.ranks.get(i, 99))
        first, second = (self.ranks.get(i, 99) for i in ranked[:2])
        return ranked[0] if first < second else None

    def suggest(self, text: str) -> str | None:
        """Return the display name of the closest known place, if any is close enough."""
        key = normalise(text)[:80]
        if not key or not self.choices:
            return None
        match = process.extractOne(key, self.choices, scorer=fuzz.ratio, score_cutoff=60)
        if match is None:
            return None
        ids = self.primary.get(match[0]) or self.slugs.get(match[0]) or self.keys.get(match[0]) or set()
        return self.labels[sorted(ids)[0]] if ids else None

    def _ids(self, key: str) -> set[str]:
        return self.primary.get(key, set()) | self.slugs.get(key, set()) | self.keys.get(key, set())

    def search(self, text: str, limit: int = 10) -> list[tuple[str, str]]:
        """Return up to ``limit`` ``(id, label)`` pairs matching a partial name, best first."""
        key = normalise(text)[:80]
        if not key:
            return []
        scored: dict[str, float] = {}
        for choice in self.choices:
            if choice.startswith(key):
                score = 200.0 - len(choice)
            elif key in choice:
                score = 100.0 - len(choice)
            else:
                continue
            for pid in self._ids(choice):
                scored[pid] = max(scored.get(pid, -1e9), score)
        if len(scored) < limit:
            for choice, score, _ in process.extract(key, self.choices, scorer=fuzz.WRatio, limit=limit,
                                                    score_cutoff=70):
                for pid in self._ids(choice):
                    scored.setdefault(pid, score - 100)
        ranked = sorted(scored, key=lambda pid: (-scored[pid], self.labels[pid]))[:limit]
        return [(pid, self.labels[pid]) for pid in ranked]

