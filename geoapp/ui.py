"""Small helpers shared by the pages: the reader's language, Markdown escaping, panels that fail alone, today's date.

Interface text goes through :func:`_` (and :func:`ngettext` where a count appears): the catalogs of
:mod:`geo.i18n` in the language the sidebar (and the link's ``lang``) chose.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import streamlit as st

from geo.errors import LayerMissing
from geo.i18n import Translator, translator
from geo.messages import Message

LOG = logging.getLogger("geoapp")
MD_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"
LANG = "lang"
"""Session key (and the sidebar selectbox's key) of the interface language."""


def tr() -> Translator:
    """Return the translator of the session's language (English until one is chosen)."""
    return translator(st.session_state.get(LANG))


def _(message: str) -> str:
    """Return interface text in the session's language."""
    return tr().gettext(message)


def say(message: Message) -> str:
    """Return a message of the core (an id and its parameters) in the reader's language, worded for the app."""
    return message.render(tr().gettext, app=True)


def labels(messages: Mapping[str, str]) -> Callable[[str], str]:
    """Return a widget's ``format_func``: key → its marked label in the session's language at this run.

    The language is taken now, not when Streamlit calls the function (that may be outside the script run).
    """
    words = tr()
    return lambda key: words.gettext(messages[key]) if key in messages else str(key)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Return the form of interface text for a count in the session's language (fill ``{n}`` with ``format``)."""
    return tr().ngettext(singular, plural, n)


def md(value: Any) -> str:
    r"""Escape text from data for Streamlit Markdown (no links, images or formatting can be injected).

    >>> md("[x](http://e)")
    '\\[x\\]\\(http\\://e\\)'
    """
    out = str(value if value is not None else "")
    return "".join("\\" + ch if ch in MD_SPECIALS else ch for ch in out.replace("\n", " "))


@contextmanager
def panel(name: str) -> Iterator[None]:
    """Show a short message instead of a panel that fails; the rest of the page keeps working.

    ``name`` is English, marked with ``N_`` where it is written, and shown translated.
    """
    try:
        yield
    except LayerMissing as exc:
        LOG.warning("panel %s: %s", name, exc)
        st.warning(_("The {name} panel needs the {layer} layer, which is missing or unreadable: run `python -m geo "
                     "build` to rebuild the layers. The rest of the page still works.")
                   .format(name=_(name), layer=exc.layer_id))
    except Exception as exc:
        if type(exc).__module__.startswith("streamlit"):
            raise
        LOG.exception("panel %s failed", name)
        st.error(_("The {name} panel could not be shown (internal error). The rest of the page still works.")
                 .format(name=_(name)))


def today() -> dt.date:
    """Return today's date (the latest as-of date)."""
    return dt.date.today()
