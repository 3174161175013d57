"""Countries, borders and enclaves: country fills, boundary lines and the Fergana enclaves."""

from __future__ import annotations

from geo.map import text as t
from geo.map.geometry import Band, collection, display_geometry, feature, rows
from geo.map.spec import Frames, OverlaySpec, Part, Swatch
from geo.vocab import FOCUS

BORDER = "#4d4d4d"
PALETTE = (
    Swatch("core", "", {"stroke": False, "fillColor": "#fdf6e3", "fillOpacity": 0.25}, shape="none"),
    Swatch("other", "", {"stroke": False, "fillColor": "#bdbdbd", "fillOpacity": 0.35}, shape="none"),
    Swatch("border", "international border", {"color": BORDER, "weight": 2.2, "opacity": 0.9}),
    Swatch("neighbour", "border with a neighbour", {"color": BORDER, "weight": 1.4, "opacity": 0.9,
                                                    "dashArray": "4 3"}),
    Swatch("enclave", "enclave", {"color": "#7b3294", "weight": 2, "fillColor": "#e66101", "fillOpacity": 0.55},
           shape="fill"),
)

POLYGON_TOLERANCE = {"core": 0.006, "other": 0.02}
"""Country fills have no outline (the boundary lines draw it): coarse at every zoom."""
POLYGON_MIN_AREA = {"core": 0.005, "other": 0.05}
"""Holes and parts smaller than this (deg²) are dropped from the fills (lakes, islands)."""
CORE = frozenset(FOCUS)


def countries(frames: Frames, band: Band) -> Part:
    """Return the country fills and the enclaves (outlined, at the band's line tolerance)."""
    features = []
    for r in rows(frames["borders"]):
        code = str(r.country or "")
        enclave = r.kind == "enclave"
        group = "core" if code in CORE or enclave else "other"
        if enclave:
            geometry = display_geometry(r.geometry, band.tolerance, decimals=band.decimals)
            tip = (f"<b>{t.text(r.name)}</b> — enclave of {t.text(t.country(code))} "
                   f"inside {t.text(t.country(r.surrounded_by))}")
        else:
            geometry = display_geometry(r.geometry, POLYGON_TOLERANCE[group], min_area=POLYGON_MIN_AREA[group],
                                        decimals=min(band.decimals, 4 if group == "core" else 3))
            tip = f"<b>{t.text(r.name)}</b> ({t.text(code)})"
        details = [
            t.row("Names", t.names(r.names)),
            t.row("Country", t.text(f"{t.country(code)} ({code})")),
            t.row("Surrounded by", t.text(t.country(r.surrounded_by)) if enclave else ""),
            t.row("Area (computed)", t.text(f"{float(r.area_km2):,.1f} km²") if t.is_number(r.area_km2) else ""),
            t.row("Notes", t.text(r.notes)),
            t.row("Sources", t.sources(r.sources)),
        ]
        features.append(feature(geometry, {"k": ["enclave" if enclave else group], "tip": tip,
                                           "pop": t.popup(str(r.name), details)}))
    return Part(collection(features))


def boundaries(frames: Frames, band: Band) -> Part:
    """Return the boundary lines: between Central Asian states solid, with neighbours dashed and coarser."""
    features = []
    for r in rows(frames["boundaries"]):
        codes = set(str(r.countries or "").split("-"))
        core = codes <= CORE
        official = ""
        if t.is_number(r.official_length_km):
            official = t.text(t.km(r.official_length_km)) + (
                " " + t.link(r.official_length_source, "source") if r.official_length_source else "")
        details = [
            t.row("Countries", t.text(r.countries)),
            t.row("Length (computed, geodesic)", t.text(t.km(r.length_km))),
            t.row("Official length", official),
            t.row("Notes", t.text(r.notes)),
            t.row("Sources", t.sources(r.sources)),
        ]
        tip = f"<b>{t.text(r.name)}</b> border · {t.text(t.km(r.length_km))} (computed)"
        geometry = display_geometry(r.geometry, band.tolerance * (1 if core else 2), decimals=band.decimals)
        features.append(feature(geometry, {"k": ["border" if codes & CORE else "neighbour"], "tip": tip,
                                           "pop": t.popup(f"{r.name} border", details)}))
    return Part(collection(features))


def build(frames: Frames, band: Band) -> tuple[Part, ...]:
    """Return the fills, then the boundary lines on top (either may be missing)."""
    parts = []
    if "borders" in frames:
        parts.append(countries(frames, band))
    if "boundaries" in frames:
        parts.append(boundaries(frames, band))
    return tuple(parts)


SPEC = OverlaySpec(
    id="countries", title="Countries, borders and enclaves", layers=("borders", "boundaries"), build=build,
    palette=PALETTE, legend_title="Borders",
)
