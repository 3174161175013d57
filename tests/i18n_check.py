"""Find English interface text in what the app shows in another language (AppTest and browser tests share it).

Text is checked after removing what is data, not interface: every string value of the built layers (names,
aliases, notes, sources…) except the words of the closed vocabularies the interface must translate
(:data:`geo.i18n.VOCABULARY`), the Sources page's dataset records, URLs, file names and code spans. What is left
may hold no Latin word but the few proper names of :data:`ALLOWED` and country codes.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from geo.i18n import VOCABULARY, languages
from geo.io import bundle

ALLOWED = frozenset({
    # formats and programs (proper names)
    "GeoJSON", "GeoPackage", "QGIS", "KML", "Google", "Earth", "CSV", "WKT", "FlatGeobuf", "GPX", "PNG", "PDF",
    "HTML", "Leaflet", "Streamlit", "ArcGIS",
    "HTTP", "API", "OGC", "Features",  # the standard's name: OGC API – Features
    # data and licences (proper names)
    "OpenStreetMap", "OpenMapTiles", "OSM", "CARTO", "Positron", "ODbL", "Open", "Database", "License", "WGS",
    "GeoNames",
    "Feature", "FeatureCollection",  # GeoJSON's type names
    *languages().values(),  # each language is offered under its own name ("English")
})
WORD = re.compile(r"(?<![0-9A-Za-z])[A-Za-z][A-Za-z'’]+(?![0-9A-Za-z])")
"""A Latin word (not letters inside a code such as a data version's digest)."""
HOST = re.compile(r"\b[\w-]+(?:\.[\w-]+)*\.(?:org|com|net|info|kz|kg|tj|uz|tm|ru|cn|af|gov|int|io|edu)\b",
                  re.IGNORECASE)
"""A source's web host (popups label source links with it)."""
URL = re.compile(r"https?://\S+|www\.\S+")
FILE = re.compile(r"\S+\.(?:geojson|gpkg|kml|csv|fgb|zip|png|pdf|html|gpx|json)\b")
CODE = re.compile(r"`[^`]*`")
OWN = re.compile(r"(?:https?://[^\s/]+)?/(?:api/v1|ogc)(?:/\S*)?")
"""An address on the app's own server (its HTTP API and OGC API), never data: removed before the data is."""
TARGET = re.compile(r"\]\([^)\s]*\)")
"""A Markdown link's target (the app's own addresses, ``[`/ogc`](/ogc)``)."""
TAG = re.compile(r"<[^>]+>")


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def data_values(layers: Path) -> list[str]:
    """Return the strings of the layers and of the Sources page's records, longest first (removed before checking)."""
    found: set[str] = set()
    for path in sorted(layers.glob("*.geojson")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for feature in document.get("features", []):
            found.update(_strings(feature.get("properties") or {}))
        found.update(_strings(document.get("metadata") or {}))
    for record in bundle.sources(layers):
        found.update(_strings(record))
    vocabulary = {w.casefold() for w in VOCABULARY}
    kept = {" ".join(v.split()) for v in found if v.strip() and v.strip().casefold() not in vocabulary}
    return sorted(kept, key=len, reverse=True)


def english_words(texts: Iterable[str], data: list[str]) -> list[tuple[str, str]]:
    """Return ``(word, text)`` for each Latin word left in the texts once data, URLs, files and code are removed."""
    found = []
    for original in texts:
        text = TAG.sub(" ", re.sub(r"\\(.)", r"\1", OWN.sub(" ", TARGET.sub("] ", original))))  # escapes undone
        text = " ".join(html.unescape(text).split())
        if FILE.fullmatch(text):
            continue  # a download button named after its file
        for value in data:
            if value in text:  # a whole data value, not letters inside a word
                text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
        text = HOST.sub(" ", FILE.sub(" ", CODE.sub(" ", URL.sub(" ", text))))
        for word in WORD.findall(text):
            if word in ALLOWED or (word.isupper() and len(word) <= 3):
                continue
            found.append((word, original[:160]))
    return found
