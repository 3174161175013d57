"""The map of Central Asia's infrastructure: ``streamlit run app.py`` (the app is the ``geoapp`` package).

Run as a script (each session, ``AppTest``) it draws the app. ``streamlit run`` first imports it to find ``app``
and serves that (Streamlit's ASGI mode), so the server warms the caches when it starts and answers Streamlit's
static files from memory (:mod:`geoapp.server`).
"""

if __name__ == "__main__":
    from geoapp.main import main

    main()
else:
    import streamlit as st

    from geoapp import server

    app = st.App(__file__, lifespan=server.lifespan, routes=server.routes(), middleware=server.middleware())
