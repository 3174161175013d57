"""The app's script inside the installed package (``python -m geoapp`` runs it; ``app.py`` in a checkout)."""

from geoapp.main import main

main()
