"""Where the data lives: the built layers, the curated files and the download cache.

The built layers are found in ``geo/data``: in a checkout that is a link to ``layers/`` at the
repository root (the source of truth, which ``geo build`` writes); in an installed wheel it is a
folder holding copies of the built ``*.geojson`` files, so ``pip install .`` gives a working
``geo`` command and app without the checkout. The curated files (``layers/src``) exist only in a
checkout: ``geo check`` and ``geo build`` need one (or ``$GEO_LAYERS_DIR`` pointing at a copy).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The checkout's root (meaningless in an installed wheel)."""
PACKAGE_DATA = Path(__file__).resolve().parent / "data"
"""The built layers shipped with the package (a link to ``layers/`` in a checkout)."""


def layers_dir() -> Path:
    """Return the folder of built layers (``$GEO_LAYERS_DIR`` overrides the package's data folder)."""
    override = os.environ.get("GEO_LAYERS_DIR")
    return Path(override) if override else PACKAGE_DATA.resolve()


def source_dir() -> Path:
    """Return the folder of curated files (``$GEO_SOURCE_DIR`` overrides ``<layers>/src``)."""
    return Path(os.environ.get("GEO_SOURCE_DIR", layers_dir() / "src"))


def cache_dir() -> Path:
    """Return the folder for downloaded upstream datasets (``$GEO_CACHE_DIR`` overrides)."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "central-asia-geo"
    return Path(os.environ.get("GEO_CACHE_DIR", default))
