"""The map: overlays as declarative specs, drawn by one JavaScript file from a JSON document.

Layout
------
``spec``      OverlaySpec (id, title, source layers, builder, palette, legend), Swatch, Part, Basemap, View
``registry``  OVERLAYS in drawing order (beside ``geo.layers.registry``'s layers)
``overlays/`` one module per overlay: palette + display builder + SPEC
``extras``    routes, uploaded tracks and the rings of changed crossings
``text``      escaping and popup helpers; ``geometry``: display copies simplified per zoom band
``legend``    the legend from the palettes of what is drawn
``document``  the protocol: base map, basemap, groups, legend; the standalone page
``prepare``   layers → dated frames → prepared overlays → a document
``site``      the static viewer (``geo site``): content-hashed files, dated overlays drawn per history state
``assets/``   map.js, map.css, page.html, the component's index.html (with its protocol script), site.js and
              site.css (the static viewer), vendored Leaflet

Pure: no Streamlit. Everything from data is escaped by :func:`geo.map.text.text` before it reaches the browser.
"""

from geo.map.document import (
    BASEMAPS,
    DEFAULT_BASEMAP,
    DEFAULT_VIEW,
    Document,
    base_config,
    basemap_config,
    page_html,
)
from geo.map.geometry import BANDS, Band, band_of
from geo.map.prepare import Prepared, build_document, dated_frames, prepare, status_epoch
from geo.map.registry import DATED_LAYERS, DEFAULT_OVERLAYS, IDS, OVERLAYS
from geo.map.spec import OverlaySpec, View

__all__ = [
    "BANDS", "BASEMAPS", "DATED_LAYERS", "DEFAULT_BASEMAP", "DEFAULT_OVERLAYS", "DEFAULT_VIEW", "IDS", "OVERLAYS",
    "Band", "Document", "OverlaySpec", "Prepared", "View", "band_of", "base_config", "basemap_config",
    "build_document", "dated_frames", "page_html", "prepare", "status_epoch",
]
