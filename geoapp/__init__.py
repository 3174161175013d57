"""The Streamlit app of the Central Asia infrastructure map (``streamlit run app.py``).

``geo`` is the pure core and never imports Streamlit; this package is its only Streamlit user.

Layout
------
``main``       page config and navigation (``app.py``, run as a script, calls :func:`geoapp.main.main`)
``state``      the one adapter between shareable links, :class:`geoapp.share.AppState` and session keys
``data``       cached data: layers, prepared overlays (once per data version and zoom band), route engine
``results``    typed results; the one boundary that turns the core's dicts into them
``component``  the map component: declared with the static frontend in ``geo/map/assets``
``frontend``   the component's served folder: a copy of that frontend and the published overlay groups
``server``     ``st.App`` start-up warming and static files from memory (``app.py`` hands them to Streamlit)
``api/``       the HTTP API and OGC API – Features, served by the app's server (``server.routes``)
``urls``       the addresses of a layer and a route on that API, shown where the pages offer them
``ui``         small widgets helpers (Markdown escaping, failing panels)
``pages/``     one module per page or panel
"""
