"""Safe text for the map: every string from data reaches the browser through :func:`text`.

:func:`text` HTML-escapes and also turns ``$``, backquote and backslash into entities, so that no JavaScript
template literal can interpolate it. The escaped strings travel inside JSON and are put into tooltips and
popups as markup this package wrote; labels are set with ``textContent`` (see ``assets/map.js``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from geo.i18n import ENGLISH, Translator
from geo.layers.status import is_planned

Popup = dict[str, Any]
"""A popup as data: ``t`` title, ``r`` rows of [label, value], ``h`` status history rows (all escaped HTML)."""


def text(value: Any) -> str:
    """Return a value as HTML-safe text, also inert inside a JavaScript template literal.

    Examples
    --------
    >>> text('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> text("`${x}`"), text(None), text(float("nan"))
    ('&#96;&#36;{x}&#96;', '', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    escaped = html.escape(str(value), quote=True)
    return escaped.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


def safe_url(url: Any) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL without spaces or control characters, else None.

    Examples
    --------
    >>> safe_url("https://example.org/a?b=1"), safe_url("javascript:alert(1)"), safe_url(None)
    ('https://example.org/a?b=1', None, None)
    """
    if not isinstance(url, str) or len(url) > 2000:
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


NEW_TAB = ' target="_blank" rel="noopener noreferrer"'
"""What every link of a popup carries when shown: added by ``map.js`` on the live map and by
:func:`geo.map.html_export.popup_html` in the HTML file, not repeated in the data (about 60 KB of the default
view)."""


def link(url: Any, label: Any = None) -> str:
    """Return an escaped link, or the escaped text when the URL is not http(s); it opens in a new tab when shown.

    Examples
    --------
    >>> link("javascript:alert(1)", "x")
    'x'
    """
    good = safe_url(url)
    shown = text(label if label is not None else url)
    if good is None:
        return shown
    return f'<a href="{text(good)}">{shown}</a>'


def km(value: Any, tr: Translator = ENGLISH, decimals: int = 1) -> str:
    """Return kilometres (one decimal by default) in the reader's language, or a dash when missing.

    >>> km(1234.56), km(None), km(float("nan"))
    ('1,234.6 km', '—', '—')
    """
    if not is_number(value):
        return "—"
    return tr.gettext("{km} km").format(km=tr.number(float(value), decimals))


def is_number(value: Any) -> bool:
    """Return whether a value is a finite-or-infinite real number that is not NaN (and not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(float(value))


def as_list(value: Any) -> list[Any]:
    """Return a property as a list (None and NaN give an empty list, arrays and tuples become lists)."""
    if value is None:
        return []
    if isinstance(value, np.ndarray):
        return list(value.tolist())
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, float) and math.isnan(value):
        return []
    return [value]


def country(code: Any, tr: Translator = ENGLISH) -> str:
    """Return a country's name from its code ("??": outside every country polygon)."""
    if code == "??":
        return tr.gettext("outside every country polygon")
    return tr.country(code)


def row(label: str, value_html: str) -> list[str] | None:
    """Return a popup row, or None when the value is empty (the row is left out)."""
    return [text(label), value_html] if value_html else None


def short_url(url: Any) -> str:
    """Return a URL's host without ``www.`` (the label of a source link)."""
    good = safe_url(url)
    if good is None:
        return str(url)
    host = urlsplit(good).netloc
    return host[4:] if host.startswith("www.") else host


def sources(value: Any) -> str:
    """Return source URLs as escaped links, one per line."""
    return "<br>".join(link(u, short_url(u)) for u in as_list(value) if u)


def names(value: Any) -> str:
    """Return distinct names joined by a middle dot, escaped."""
    return text(" · ".join(str(n) for n in dict.fromkeys(as_list(value)) if n))


def quote(value: Any) -> str:
    """Return an evidence quote as escaped markup to put under its source link (empty when there is none).

    >>> quote('<img src=x onerror=alert(1)>')
    '<br><q>&lt;img src=x onerror=alert(1)&gt;</q>'
    """
    return f"<br><q>{text(value)}</q>" if value else ""


def in_force_quote(history: Any, since: Any) -> str:
    """Return the quote of the fact in force as :func:`quote` does.

    The fact in force is the whole feature's last fact dated ``since`` (the one ``status_on`` returns).

    >>> in_force_quote([{"date": "2022-01-07", "status": "closed", "evidence": "закрыт"}], "2022-01-07")
    '<br><q>закрыт</q>'
    """
    found = ""
    for e in as_list(history):
        if isinstance(e, Mapping) and not is_planned(e) and not e.get("section") and e.get("date") == since:
            found = quote(e.get("evidence"))
    return found


def history(entries: Any, tr: Translator = ENGLISH, quotes: bool = True) -> list[list[str]]:
    """Return status history entries as escaped rows: date, status (traffic), note, source link and quote.

    A planned entry (an announced event) is dated "announced for DATE"; a pipeline section's entry names its
    country; with ``quotes`` the evidence quote goes under the source link (the map's popups leave them to the
    fact in force, to keep the default view within its size budget; the Tables page shows every quote).

    Examples
    --------
    >>> history([{"date": "2026-07-31", "status": "open", "kind": "planned", "note": "",
    ...           "source": "https://a.org/x", "evidence": "<b>откроется</b>"}])[0]
    ['announced for 2026-07-31', 'open', ' <a href="https://a.org/x">source</a><br><q>&lt;b&gt;откроется&lt;/b&gt;</q>']
    """
    rows = []
    for e in as_list(entries):
        if not isinstance(e, Mapping):
            continue
        traffic = as_list(e.get("traffic"))
        extra = f" ({text(tr.words(traffic))})" if traffic else ""
        source = " " + link(e.get("source"), tr.gettext("source")) if e.get("source") else ""
        said = quote(e.get("evidence")) if quotes else ""
        date = text(e.get("date"))
        if is_planned(e):
            date = text(tr.gettext("announced for {date}").format(date=e.get("date")))
        where = f"{text(country(e['section'], tr))}: " if e.get("section") else ""
        rows.append([date, where + text(tr.word(e.get("status"))) + extra, text(e.get("note")) + source + said])
    return rows


def popup(title: str, rows: Sequence[list[str] | None], status_history: Any = None,
          tr: Translator = ENGLISH, quotes: bool = False) -> Popup:
    """Return a popup as data: every string is escaped HTML; the map's ``geoPopup`` lays it out.

    The history rows carry their evidence quotes only with ``quotes`` (see :func:`history`).
    """
    out: Popup = {"t": text(title), "r": [r for r in rows if r]}
    dated = history(status_history, tr, quotes)
    if dated:
        out["h"] = dated
    return out
