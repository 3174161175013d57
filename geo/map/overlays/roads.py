"""Soviet-era trunk roads: lines by Soviet number, and one number label per road and country."""

from __future__ import annotations

from typing import Any

from geo.map import text as t
from geo.map.geometry import Band, collection, display_geometry, feature, rows
from geo.map.spec import Frames, OverlaySpec, Part, Swatch

PALETTE = (
    Swatch("soviet", "Soviet-era trunk road (M/A number)", {"color": "#b35806", "weight": 3.5, "opacity": 0.9}),
    Swatch("other", "other trunk road", {"color": "#e08214", "weight": 2.2, "opacity": 0.9}),
)


def build(frames: Frames, band: Band) -> tuple[Part, ...]:
    """Return the road lines and their Soviet-number labels (at the middle of each number's longest segment)."""
    features = []
    longest: dict[tuple[str, str], tuple[float, Any]] = {}
    for r in rows(frames["roads"]):
        ref = str(r.soviet_ref or "")
        refs = [str(x) for x in t.as_list(r.refs) if x]
        label = ref or (refs[0] if refs else "")
        current = ", ".join(refs) if refs else "none recorded"
        tip = (f"<b>{t.text(label or r.name)}</b> {t.text(r.name)}<br>current: {t.text(current)} · "
               f"{t.text(t.km(r.length_km))}")
        method = str(r.length_method or "")
        details = [
            t.row("Soviet number", t.text(ref or "—")),
            t.row("Current numbers", t.text(current)),
            t.row("Country", t.text(r.country)),
            t.row("Length", t.text(f"{t.km(r.length_km)} ({method})") + (
                " " + t.link(r.length_source, "source") if r.length_source else "")),
            t.row("Drawn line (geodesic)", t.text(t.km(r.drawn_length_km))),
            t.row("Geometry", t.text(r.geometry_accuracy)),
            t.row("Features", t.text(", ".join(map(str, t.as_list(r.features))))),
            t.row("Notes", t.text(r.notes)),
            t.row("Sources", t.sources(r.sources)),
        ]
        geometry = display_geometry(r.geometry, band.tolerance, decimals=band.decimals)
        features.append(feature(geometry, {"k": ["soviet" if ref else "other"], "tip": tip,
                                           "pop": t.popup(f"{label} {r.name}".strip(), details)}))
        if ref and geometry is not None:
            key = (ref, str(r.country))
            length = float(r.geometry.length)
            if length > longest.get(key, (-1.0, None))[0]:
                longest[key] = (length, r.geometry)
    labels = [feature(display_geometry(line.interpolate(0.5, normalized=True), 0.0, decimals=band.decimals),
                      {"lbl": ref}) for (ref, _), (_, line) in sorted(longest.items())]
    return Part(collection(features)), Part(collection(labels), marker="label", bind=False)


SPEC = OverlaySpec(
    id="roads", title="Soviet-era trunk roads", layers=("roads",), build=build, palette=PALETTE,
    legend_title="Roads",
)
