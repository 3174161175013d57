"""Countries, borders and enclaves: country fills, boundary lines and the Fergana enclaves."""

from __future__ import annotations

from typing import Any

from geo.i18n import ENGLISH, N_, Translator
from geo.map import text as t
from geo.map.geometry import Band, collection, display_geometry, feature, rows
from geo.map.spec import Frames, OverlaySpec, Part, Swatch
from geo.vocab import FOCUS

BORDER = "#4d4d4d"
PALETTE = (
    Swatch("core", "", {"stroke": False, "fillColor": "#fdf6e3", "fillOpacity": 0.25}, shape="none"),
    Swatch("other", "", {"stroke": False, "fillColor": "#bdbdbd", "fillOpacity": 0.35}, shape="none"),
    Swatch("border", N_("international border"), {"color": BORDER, "weight": 2.2, "opacity": 0.9}),
    Swatch("neighbour", N_("border with a neighbour"), {"color": BORDER, "weight": 1.4, "opacity": 0.9,
                                                    "dashArray": "4 3"}),
    Swatch("enclave", N_("enclave"), {"color": "#7b3294", "weight": 2, "fillColor": "#e66101", "fillOpacity": 0.55},
           shape="fill"),
)

POLYGON_TOLERANCE = {"core": 0.006, "other": 0.02}
"""Country fills have no outline (the boundary lines draw it): coarse at every zoom."""
POLYGON_MIN_AREA = {"core": 0.005, "other": 0.05}
"""Holes and parts smaller than this (deg²) are dropped from the fills (lakes, islands)."""
CORE = frozenset(FOCUS)


def countries(frames: Frames, band: Band, tr: Translator = ENGLISH) -> Part:
    """Return the country fills and the enclaves (outlined, at the band's line tolerance)."""
    _ = tr.gettext
    features = []
    for r in rows(frames["borders"]):
        code = str(r.country or "")
        enclave = r.kind == "enclave"
        group = "core" if code in CORE or enclave else "other"
        name = tr.name(r.name, r.names) if enclave or tr.lang == "en" else tr.country(code)
        if enclave:
            geometry = display_geometry(r.geometry, band.tolerance, decimals=band.decimals)
            tip = f"<b>{t.text(name)}</b> — " + t.text(_("enclave of {country} inside {surrounding}").format(
                country=t.country(code, tr), surrounding=t.country(r.surrounded_by, tr)))
        else:
            geometry = display_geometry(r.geometry, POLYGON_TOLERANCE[group], min_area=POLYGON_MIN_AREA[group],
                                        decimals=min(band.decimals, 4 if group == "core" else 3))
            tip = f"<b>{t.text(name)}</b> ({t.text(code)})"
        details = [
            t.row(_("Names"), t.names(r.names)),
            t.row(_("Country"), t.text(f"{t.country(code, tr)} ({code})")),
            t.row(_("Surrounded by"), t.text(t.country(r.surrounded_by, tr)) if enclave else ""),
            t.row(_("Area (computed)"), t.text(_("{area} km²").format(area=tr.number(float(r.area_km2), 1)))
                  if t.is_number(r.area_km2) else ""),
            t.row(_("Notes"), t.text(r.notes)),
            t.row(_("Sources"), t.sources(r.sources)),
        ]
        features.append(feature(geometry, {"k": ["enclave" if enclave else group], "tip": tip,
                                           "pop": t.popup(name, details, tr=tr)}))
    return Part(collection(features))


def boundaries(frames: Frames, band: Band, tr: Translator = ENGLISH) -> Part:
    """Return the boundary lines: between Central Asian states solid, with neighbours dashed and coarser."""
    _ = tr.gettext
    features = []
    for r in rows(frames["boundaries"]):
        codes = set(str(r.countries or "").split("-"))
        core = codes <= CORE
        official = ""
        if t.is_number(r.official_length_km):
            official = t.text(t.km(r.official_length_km, tr)) + (
                " " + t.link(r.official_length_source, _("source")) if r.official_length_source else "")
        details = [
            t.row(_("Countries"), t.text(r.countries)),
            t.row(_("Length (computed, geodesic)"), t.text(t.km(r.length_km, tr))),
            t.row(_("Official length"), official),
            t.row(_("Notes"), t.text(r.notes)),
            t.row(_("Sources"), t.sources(r.sources)),
        ]
        title = _("{name} border").format(name=_border_name(r.countries, r.name, tr))
        tip = f"<b>{t.text(title)}</b> · " + t.text(_("{length} (computed)").format(length=t.km(r.length_km, tr)))
        geometry = display_geometry(r.geometry, band.tolerance * (1 if core else 2), decimals=band.decimals)
        features.append(feature(geometry, {"k": ["border" if codes & CORE else "neighbour"], "tip": tip,
                                           "pop": t.popup(title, details, tr=tr)}))
    return Part(collection(features))


def _border_name(countries: Any, name: Any, tr: Translator) -> str:
    """Return a boundary's name: its countries' names in the reader's language ("Kyrgyzstan – Tajikistan").

    English keeps the layer's own name; other languages name the two countries of its ``KG-TJ`` pair.
    """
    codes = [c for c in str(countries or "").split("-") if c]
    if tr.lang == "en" or len(codes) != 2:
        return str(name or "")
    return " – ".join(tr.country(c) for c in codes)


def build(frames: Frames, band: Band, tr: Translator = ENGLISH, /) -> tuple[Part, ...]:
    """Return the fills, then the boundary lines on top (either may be missing)."""
    parts = []
    if "borders" in frames:
        parts.append(countries(frames, band, tr))
    if "boundaries" in frames:
        parts.append(boundaries(frames, band, tr))
    return tuple(parts)


SPEC = OverlaySpec(
    id="countries", title=N_("Countries, borders and enclaves"), layers=("borders", "boundaries"), build=build,
    palette=PALETTE, legend_title=N_("Borders"),
)
