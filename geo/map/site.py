"""The static viewer (``geo site -o DIR``): the map as files any static host serves, for any number of readers.

What is written
---------------
``index.html``, ``embed.html``
    The full viewer and the compact one for iframes. Both hold a small manifest (the names of the other files)
    and are the only files whose names do not change; every other file is named by its content
    (``name.<sha256[:12]>.ext``), so a host may cache it forever.
``a/``
    ``map.js`` (the app's drawing code), ``site.js`` (the viewer: date, language, search, address),
    ``site.css``, Leaflet and its images.
``d/``
    Per language, a document (base map, legend, the viewer's words, the search index) and per overlay and zoom
    band the overlay's group; ``history`` holds every dated feature's status history.

Dated overlays (crossings, pipelines) are written once for every date: each feature carries one drawing per
state of its history (before the first entry, then one per distinct date), built by the overlay's own builder
from the layer re-dated to that state's date (:func:`geo.layers.store.redate`). The browser picks each
feature's state from ``history`` by the rule of :func:`geo.layers.status.status_on` (the latest entry on or
before the day; entries of ``kind`` "planned" are no facts and are left out), so changing the date re-derives
every status without a server.

The same layers give the same bytes: nothing depends on the clock but the date control's last day (``today``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.i18n import N_, Translator, translator
from geo.map import document as doc
from geo.map import legend
from geo.map.geometry import BANDS, Band
from geo.map.registry import DEFAULT_OVERLAYS, OVERLAYS
from geo.map.spec import OverlaySpec
from geo.map.text import text

LOG = logging.getLogger("geo.map.site")
LANGS = ("en", "ru")
"""The viewer's languages (the first is the default)."""
FIRST_DAY = dt.date(2000, 1, 1)
"""The earliest date the date control offers."""
SITE_TEXT = {
    "title": N_("Central Asia: borders, roads, pipelines and crossings"),
    "date": N_("As of"),
    "search": N_("Find a place or crossing"),
    "notFound": N_("Nothing found for “{query}”"),
    "fullMap": N_("Open the full map"),
    "language": N_("Language"),
}
"""The viewer's own words (``site.js`` has no English of its own)."""
LANG_NAMES = {"en": "English", "ru": "Русский"}
VENDOR = ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css")
NOT_FACTS = frozenset({"planned"})
"""History entries of these kinds are announcements, not facts: the status rule skips them."""


@dataclass(frozen=True)
class Written:
    """What :func:`build_site` wrote: the folder and the files, relative names, sorted."""

    folder: Path
    files: tuple[str, ...]


def hashed(name: str, body: bytes) -> str:
    """Return a file name carrying a digest of its content.

    >>> hashed("a/map.js", b"x")
    'a/map.2d711642b726.js'
    """
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:12]}{dot}{ext}"


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, sort_keys=False).encode()


def fact_dates(history: Any) -> list[tuple[str, str]]:
    """Return a status history as ``(date, status)`` per distinct date, in date order, announcements left out.

    For a date given twice the later entry counts, as :func:`geo.layers.status.status_on` takes it.

    >>> fact_dates([{"date": "2020-01-01", "status": "open"}, {"date": "2021-01-01", "status": "closed"},
    ...             {"date": "2021-01-01", "status": "open"}, {"date": "2022-01-01", "status": "x", "kind": "planned"}])
    [('2020-01-01', 'open'), ('2021-01-01', 'open')]
    """
    out: dict[str, str] = {}
    for entry in facts(history):
        out[str(entry["date"])] = str(entry.get("status") or "unknown")
    return sorted(out.items())


def facts(history: Any) -> list[dict[str, Any]]:
    """Return the entries of a history that are facts (not ``kind`` "planned"), in their order."""
    entries = list(history) if history is not None and not isinstance(history, (str, float)) else []
    return [dict(e) for e in entries if isinstance(e, Mapping) and e.get("date") and e.get("kind") not in NOT_FACTS]


def _parts_meta(spec: OverlaySpec, parts: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"marker": p.marker, "base": dict(p.base), "styles": spec.styles(), "bind": p.bind} for p in parts]


def dated_group(spec: OverlaySpec, frames: Mapping[str, gpd.GeoDataFrame], band: Band, tr: Translator
                ) -> tuple[dict[str, Any], set[str]]:
    """Return a dated overlay's group with every feature's drawing per state of its history, and the keys used.

    The group is ``{"layer", "parts": [part without features], "rows": [{"id", "s": [state → [features per
    part]]}]}``; state 0 is before the history's first fact, state ``k`` the ``k``-th distinct date's. The rows
    in state ``k`` are built together when the builder gives one feature per row and part (crossings and
    pipelines do), else one by one.
    """
    from geo.layers.store import redate, redate_each

    layer = spec.layers[0]
    frame = frames[layer]
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)].reset_index(drop=True).copy()
    frame["status_history"] = [facts(h) for h in frame["status_history"]]
    days = [[dt.date.min] + [dt.date.fromisoformat(d) for d, _ in fact_dates(h)] for h in frame["status_history"]]
    states: list[list[list[list[Any]]]] = [[] for _ in range(len(frame))]
    meta: list[dict[str, Any]] | None = None
    used: set[str] = set()
    for k in range(max((len(d) for d in days), default=0)):
        numbers = [n for n in range(len(frame)) if k < len(days[n])]
        dated = redate_each(frame.iloc[numbers], [days[n][k] for n in numbers])
        parts = spec.build({**frames, layer: dated}, band, tr)
        if not all(len(p.features["features"]) == len(numbers) for p in parts):
            parts = ()
            for n in numbers:
                one = spec.build({**frames, layer: redate(frame.iloc[[n]], days[n][k])}, band, tr)
                used |= set(legend.used_keys(one))
                meta = meta or _parts_meta(spec, one)
                states[n].append([p.features["features"] for p in one])
            continue
        meta = meta or _parts_meta(spec, parts)
        used |= set(legend.used_keys(parts))
        for i, n in enumerate(numbers):
            states[n].append([[p.features["features"][i]] for p in parts])
    rows = [{"id": str(i), "s": s} for i, s in zip(frame["id"], states)]
    return {"layer": layer, "parts": meta or [], "rows": rows}, used


def plain_group(spec: OverlaySpec, frames: Mapping[str, gpd.GeoDataFrame], band: Band, tr: Translator
                ) -> tuple[dict[str, Any], set[str]]:
    """Return an undated overlay's group (``{"parts": [part with its features]}``) and the keys it uses."""
    parts = spec.build(frames, band, tr)
    meta = _parts_meta(spec, parts)
    for entry, part in zip(meta, parts):
        entry["fc"] = part.features
    return {"parts": meta}, set(legend.used_keys(parts))


def search_index(places: gpd.GeoDataFrame | None, tr: Translator) -> list[list[Any]]:
    """Return ``[label, lat, lon, searchable text]`` per place with a position, in the reader's script."""
    if places is None:
        return []
    out = []
    for row in places.itertuples(index=False):
        point = row.geometry
        if point is None or point.is_empty:
            continue
        aliases = [str(a) for a in (row.aliases if row.aliases is not None else []) if a]
        name = tr.name(row.name, aliases)
        words = " ".join(dict.fromkeys([name, str(row.name), *aliases])).casefold()
        out.append([name, round(float(point.y), 5), round(float(point.x), 5), words])
    return sorted(out, key=lambda r: (str(r[0]).casefold(), r[1], r[2]))


class _Writer:
    """Writes content-hashed files into a folder and remembers their names."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.names: list[str] = []

    def put(self, name: str, body: bytes, *, hash_name: bool = True) -> str:
        final = hashed(name, body) if hash_name else name
        path = self.folder / final
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        if final not in self.names:
            self.names.append(final)
        return final


def build_site(read: Callable[[str], gpd.GeoDataFrame], out: Path, *, today: dt.date,
               langs: Iterable[str] = LANGS) -> Written:
    """Write the static viewer into ``out`` (emptied first when it holds an earlier build).

    Parameters
    ----------
    read
        Returns a layer by id (undated, as built); a layer that cannot be read leaves its overlays out.
    out
        The folder to write.
    today
        The last day the date control offers, and its default.
    langs
        Languages to write (English first).
    """
    if out.exists() and (out / "index.html").is_file():
        for child in ("a", "d", "index.html", "embed.html"):
            target = out / child
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out)
    frames: dict[str, gpd.GeoDataFrame] = {}
    for layer in dict.fromkeys(layer for spec in OVERLAYS for layer in spec.layers):
        try:
            frames[layer] = read(layer)
        except Exception as exc:  # noqa: BLE001 - a layer not built leaves its overlays out
            LOG.warning("static viewer: layer %s left out (%s)", layer, type(exc).__name__)
    shown = [spec for spec in OVERLAYS if all(layer in frames for layer in spec.layers)]
    history = {spec.layers[0]: {str(i): fact_dates(h) for i, h in zip(frames[spec.layers[0]]["id"],
                                                                       frames[spec.layers[0]]["status_history"])}
               for spec in shown if spec.dated and "status_history" in frames[spec.layers[0]].columns}
    history_file = writer.put("d/history.json", _json(history))
    assets = doc.ASSETS
    vendor = {name: writer.put("a/" + name.rsplit("/", 1)[1], (assets / name).read_bytes()) for name in VENDOR}
    images = assets / "vendor" / "leaflet" / "images"
    for image in sorted(p.name for p in images.iterdir()):
        writer.put(f"a/images/{image}", (images / image).read_bytes(), hash_name=False)
    map_js = writer.put("a/map.js", (assets / "map.js").read_bytes())
    site_js = writer.put("a/site.js", (assets / "site.js").read_bytes())
    site_css = writer.put("a/site.css", (assets / "site.css").read_bytes())
    docs = {}
    for lang in langs:
        tr = translator(lang)
        overlays = []
        sections = []
        for spec in shown:
            files = []
            used: set[str] = set()
            for band in BANDS:
                if spec.dated and spec.layers[0] in history:
                    data, keys = dated_group(spec, frames, band, tr)
                else:
                    data, keys = plain_group(spec, frames, band, tr)
                used |= keys
                files.append(writer.put(f"d/{lang}-{spec.id}-{band.number}.json", _json(data)))
            overlays.append({"id": spec.id, "title": tr.gettext(spec.title), "dated": spec.dated,
                             "shown": spec.id in DEFAULT_OVERLAYS, "files": files})
            sections.append(legend.section(spec, used, None, tr))
        document = {
            "base": doc.base_config(doc.DEFAULT_VIEW, draw=False, tr=tr), "basemap": doc.basemap_config("osm", tr),
            "legend": legend.legend_html(sections, tr=tr), "overlays": overlays,
            "words": {key: tr.gettext(message) for key, message in SITE_TEXT.items()},
            "search": search_index(frames.get("places"), tr),
        }
        docs[lang] = writer.put(f"d/doc-{lang}.json", _json(document))
    manifest = {"docs": docs, "langs": {k: LANG_NAMES.get(k, k) for k in docs}, "history": history_file,
                "first": FIRST_DAY.isoformat(), "today": today.isoformat(), "full": "index.html"}
    for page, embed in (("index.html", False), ("embed.html", True)):
        html = page_html(manifest, embed=embed, scripts=[vendor[VENDOR[0]], map_js, site_js],
                         styles=[vendor[VENDOR[1]], site_css])
        writer.put(page, html.encode("utf-8"), hash_name=False)
    return Written(out, tuple(sorted(writer.names)))


def page_html(manifest: Mapping[str, Any], *, embed: bool, scripts: Sequence[str], styles: Sequence[str]) -> str:
    """Return ``index.html`` or ``embed.html``: the manifest, the styles and the scripts (relative names)."""
    title = "Central Asia infrastructure map"
    links = "".join(f'<link rel="stylesheet" href="{text(s)}">\n' for s in styles)
    tags = "".join(f'<script src="{text(s)}"></script>\n' for s in scripts)
    data = doc.script_json(dict(manifest, embed=embed))
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{title}</title>\n{links}</head>\n"
            f"<body class=\"{'geo-embed' if embed else 'geo-full'}\">\n"
            "<div id=\"bar\"></div>\n<div id=\"map\"></div>\n"
            f"<script type=\"application/json\" id=\"manifest\">{data}</script>\n{tags}</body>\n</html>\n")
