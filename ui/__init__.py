"""Streamlit glue for ``app.py`` (the only code besides app.py that imports Streamlit)."""
