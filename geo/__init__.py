"""Central Asia infrastructure layers: build, validate, measure, route and export.

The package is a pure processing core: it never imports streamlit. The app (``app.py``)
and the command line (``python -m geo``) are thin layers over it.
"""

from __future__ import annotations

__version__ = "0.1.0"
