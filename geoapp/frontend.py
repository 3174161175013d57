"""The map component's served folder: its frontend (a copy of ``geo/map/assets``) and the overlay groups.

Streamlit serves a declared component's files from one folder, so the groups the browser fetches
(``g/<key>.json.gz``, see :mod:`geoapp.component`) are written beside a copy of the frontend in the cache folder
(the installed package may be read-only). No Streamlit here: the warm-up thread publishes groups too.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from importlib import resources
from pathlib import Path

from geo.errors import WriteError
from geo.io.geojson import write_atomic
from geo.map.document import ASSETS, Group
from geo.map.registry import IDS
from geo.paths import cache_dir

LOG = logging.getLogger("geoapp.frontend")

COMPONENT = "geoapp.component.geo_map"
"""The component's name as Streamlit serves it (``/component/<name>/``): ``geo_map`` declared in
:mod:`geoapp.component`."""
GROUPS = "g"
"""Subfolder of the served folder holding the overlay groups (``<key>.json.gz`` and ``<key>.json``)."""
KEEP_GROUPS = 400
"""Group files beyond the newest few hundred (about 40 data versions' worth) are removed."""


def assets_digest() -> str:
    """Return a digest of the frontend's files (names and bytes): the served folder is one per digest."""
    digest = hashlib.sha256()
    with resources.as_file(ASSETS) as root:
        for file in sorted(p for p in Path(root).rglob("*") if p.is_file()):
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


def served_folder(parent: Path | None = None) -> Path | None:
    """Return the component's served folder (a copy of ``geo/map/assets`` plus ``g/``), made if needed.

    It lives in ``geo.paths.cache_dir()/component/<assets digest>`` because the groups are written beside the
    frontend (Streamlit serves a component's files from one folder) and the package may be read-only.
    None when it cannot be made: the map then sends its groups inline, as the standalone page does.
    """
    try:
        parent = parent or cache_dir() / "component"
        folder = parent / assets_digest()
        if not (folder / "index.html").is_file():
            parent.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(dir=parent, prefix=".new-"))
            with resources.as_file(ASSETS) as root:
                shutil.copytree(root, scratch, dirs_exist_ok=True)
            try:
                scratch.rename(folder)
            except OSError:  # another server made it meanwhile
                shutil.rmtree(scratch, ignore_errors=True)
            _prune_folders(parent, folder)
        (folder / GROUPS).mkdir(exist_ok=True)
        os.utime(folder)
        return folder if (folder / "index.html").is_file() else None
    except OSError:
        LOG.warning("could not make the map's served folder; groups are sent inline")
        return None


STALE_S = 14 * 86400
"""Served folders of other frontend versions unused this long are removed (servers of other checkouts may share
the cache folder, so a newer version does not remove the folder an older server still serves)."""


def _prune_folders(parent: Path, current: Path) -> None:
    """Remove the served folders of other frontend versions unused for :data:`STALE_S`."""
    now = time.time()
    for old in parent.iterdir():
        try:
            if old.is_dir() and old != current and now - old.stat().st_mtime > STALE_S:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:  # removed meanwhile
            continue


def _prune(folder: Path) -> None:
    """Keep the newest :data:`KEEP_GROUPS` groups (by when they were written)."""
    try:
        files = sorted(folder.glob("*.json.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_GROUPS:]:
            old.unlink(missing_ok=True)
            old.with_suffix("").unlink(missing_ok=True)
    except OSError:  # another server is pruning too
        return


SERVED = served_folder()
"""This process's served folder (None: groups are sent inline)."""
_PUBLISHED: set[tuple[Path, str]] = set()
_PUBLISH_LOCK = threading.Lock()


def publish(group: Group | None, served: Path | None = None) -> Group | None:
    """Return an overlay group as the protocol sends it: a reference to its file once written, else inline.

    Writes ``g/<key>.json.gz`` and ``g/<key>.json`` the first time a key is seen (once per content: the key is a
    digest of the JSON). Groups other than overlays (routes, tracks, rings) and every group when there is no
    served folder are returned unchanged.
    """
    served = served or SERVED
    if group is None or served is None or group["id"] not in IDS:
        return group
    key = group["key"]
    reference = {"id": group["id"], "key": key, "src": f"{GROUPS}/{key}.json.gz", "raw": f"{GROUPS}/{key}.json"}
    if (served, key) in _PUBLISHED:
        return reference
    with _PUBLISH_LOCK:
        folder = served / GROUPS
        file = folder / f"{key}.json.gz"
        try:
            if not (file.is_file() and file.with_suffix("").is_file()):
                encoded = group["json"].encode("utf-8")
                write_atomic(file.with_suffix(""), encoded)
                write_atomic(file, gzip.compress(encoded, compresslevel=9, mtime=0))
                _prune(folder)
                os.utime(served)
        except (OSError, WriteError):
            LOG.warning("could not write the map group %s; sent inline", file)
            return group
        _PUBLISHED.add((served, key))
    return reference




SITE = "site"
"""The static viewer's path under the app's server (``/site/``) and its folder's name in the cache folder."""
SITE_BUILD = "import os, sys\nos.nice(10)\nfrom geo.cli import main\nsys.exit(main(['site', '-o', sys.argv[1]]))"
"""The child process that builds the static viewer: ``geo site -o FOLDER`` at a lower priority."""
_SITE_FOLDER: list[Path] = []
_SITE_LOCK = threading.Lock()


def site_folder() -> Path | None:
    """Return the folder of the static viewer the server serves, None until it is built."""
    return _SITE_FOLDER[0] if _SITE_FOLDER else None


def build_site(version: str, parent: Path | None = None) -> Path | None:
    """Build the static viewer (:func:`geo.map.site.build_site`) for a data version, once per version and frontend.

    Written in ``cache_dir()/site/<version>-<assets digest>`` (kept across restarts) by ``geo site`` in a child
    process at low priority, so the build (about ten CPU-seconds) never holds the server's interpreter and yields
    the cores to visitors; the server serves it from :func:`site_folder` once built. None when it cannot be built
    (the app works without it).
    """
    import subprocess
    import sys

    with _SITE_LOCK:
        try:
            parent = parent or cache_dir() / SITE
            folder = parent / f"{version}-{assets_digest()}"
            if not (folder / "index.html").is_file():
                parent.mkdir(parents=True, exist_ok=True)
                scratch = Path(tempfile.mkdtemp(dir=parent, prefix=".new-"))
                subprocess.run([sys.executable, "-c", SITE_BUILD, str(scratch)], check=True, capture_output=True,
                               timeout=1800)
                try:
                    scratch.rename(folder)
                except OSError:  # another server made it meanwhile
                    shutil.rmtree(scratch, ignore_errors=True)
                _prune_folders(parent, folder)
            os.utime(folder)
        except Exception:  # noqa: BLE001 - the app works without the static viewer
            LOG.exception("could not build the static viewer")
            return None
        _SITE_FOLDER[:] = [folder]
        return folder


def start_site(version: str) -> threading.Thread:
    """Build the static viewer in a background thread (the server answers meanwhile)."""
    thread = threading.Thread(target=build_site, args=(version,), name="geo-site", daemon=True)
    thread.start()
    return thread
