"""The map of Central Asia's infrastructure: ``streamlit run app.py`` (the app is the ``geoapp`` package)."""

from geoapp.main import main

main()
