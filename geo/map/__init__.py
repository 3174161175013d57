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
