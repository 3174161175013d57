"""Small helpers shared by the pages: Markdown escaping, panels that fail alone, today's date."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

LOG = logging.getLogger("geoapp")
MD_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"


def md(value: Any) -> str:
    r"""Escape text from data for Streamlit Markdown (no links, images or formatting can be injected).

    >>> md("[x](http://e)")
    '\\[x\\]\\(http\\://e\\)'
    """
    out = str(value if value is not None else "")
    return "".join("\\" + ch if ch in MD_SPECIALS else ch for ch in out.replace("\n", " "))


@contextmanager
def panel(name: str) -> Iterator[None]:
    """Show a short message instead of a panel that fails; the rest of the page keeps working."""
    try:
        yield
    except Exception as exc:
        if type(exc).__module__.startswith("streamlit"):
            raise
        LOG.exception("panel %s failed", name)
        st.error(f"The {name} panel could not be shown (internal error). The rest of the page still works.")


def today() -> dt.date:
    """Return today's date (the latest as-of date)."""
    return dt.date.today()
