"""Where the data lives: ``layers/`` (built layers) and ``layers/src/`` (curated files)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def layers_dir() -> Path:
    """Return the folder of built layers (``$GEO_LAYERS_DIR`` overrides ``<repo>/layers``)."""
    return Path(os.environ.get("GEO_LAYERS_DIR", REPO_ROOT / "layers"))


def source_dir() -> Path:
    """Return the folder of curated files (``$GEO_SOURCE_DIR`` overrides ``<layers>/src``)."""
    return Path(os.environ.get("GEO_SOURCE_DIR", layers_dir() / "src"))


def cache_dir() -> Path:
    """Return the folder for downloaded upstream datasets (``$GEO_CACHE_DIR`` overrides)."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "central-asia-geo"
    return Path(os.environ.get("GEO_CACHE_DIR", default))
