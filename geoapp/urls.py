"""The app's data by URL: where the app's own server answers a layer or a route (:mod:`geoapp.api`).

A layer is ``/api/v1/layers/{id}`` (the bytes of ``geo export``) and the OGC API – Features collection
``/ogc/collections/{id}``; a route is ``/api/v1/route`` with the query :func:`geoapp.share.route_params` makes
from the route's trip (the scenario's fields walked as the shareable link walks them).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode, urlsplit

import streamlit as st

from geo.routing.graph import Trip
from geoapp import share
from geoapp.ui import _


def root() -> str:
    """Return the app's address with a trailing slash (``/`` plus the base path when the browser's is unknown)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    path = f"/{base}/" if base else "/"
    try:
        url = st.context.url
    except Exception:  # outside a script run with a browser (tests): a path on the same server
        url = None
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}{path}"
    return path


def layer_url(layer_id: str, as_of: dt.date, fmt: str = "geojson", base: str | None = None) -> str:
    """Return the API address of a layer's file on a date (the bytes the download button gives).

    >>> layer_url("roads", dt.date(2024, 1, 1), "gpkg", base="http://h/")
    'http://h/api/v1/layers/roads?as_of=2024-01-01&format=gpkg'
    """
    query = urlencode({"as_of": as_of.isoformat(), **({"format": fmt} if fmt != "geojson" else {})})
    return f"{root() if base is None else base}api/v1/layers/{layer_id}?{query}"


def collection_url(layer_id: str, base: str | None = None) -> str:
    """Return the OGC API – Features collection of a layer (what QGIS and ArcGIS add by URL).

    >>> collection_url("roads", base="http://h/")
    'http://h/ogc/collections/roads'
    """
    return f"{root() if base is None else base}ogc/collections/{layer_id}"


def route_url(trip: Trip, alternatives: int = 0, base: str | None = None) -> str:
    """Return the ``/api/v1/route`` address that computes the same route (a GeoJSON Feature)."""
    return f"{root() if base is None else base}api/v1/route?{urlencode(share.route_params(trip, alternatives))}"


def link(url: str) -> str:
    """Return Markdown that shows an address and links to it (our own addresses only: ids, dates, codes).

    >>> link("http://h/ogc/collections/roads")
    '[`http://h/ogc/collections/roads`](http://h/ogc/collections/roads)'
    """
    return f"[`{url}`]({url})"


def show_layer(layer_id: str, as_of: dt.date, fmt: str = "geojson") -> None:
    """Show a layer's API and OGC API – Features addresses."""
    base = root()
    st.caption(_("By URL: {api} · OGC API – Features (QGIS, ArcGIS): {ogc}").format(
        api=link(layer_url(layer_id, as_of, fmt, base)), ogc=link(collection_url(layer_id, base))))
