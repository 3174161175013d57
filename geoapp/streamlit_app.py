"""The app's script inside the installed package (``python -m geoapp`` runs it; ``app.py`` in a checkout).

Like ``app.py``: run as a script it draws the app; imported by ``streamlit run`` it is the server
(:mod:`geoapp.server`: caches warmed at start, Streamlit's static files served from memory).
"""

if __name__ == "__main__":
    from geoapp.main import main

    main()
else:
    import streamlit as st

    from geoapp import server

    app = st.App(__file__, lifespan=server.lifespan, routes=server.routes(), middleware=server.middleware())
