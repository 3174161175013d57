"""Soviet-era trunk roads: lines by Soviet number, and one number label per road and country."""

from __future__ import annotations

from typing import Any

from geo.i18n import ENGLISH, N_, Translator
from geo.map import text as t
from geo.map.geometry import Band, collection, display_geometry, feature, rows
from geo.map.spec import Frames, OverlaySpec, Part, Swatch

PALETTE = (
    Swatch("soviet", N_("Soviet-era trunk road (M/A number)"), {"color": "#b35806", "weight": 3.5, "opacity": 0.9}),
    Swatch("other", N_("other trunk road"), {"color": "#e08214", "weight": 2.2, "opacity": 0.9}),
)


def build(frames: Frames, band: Band, tr: Translator = ENGLISH, /) -> tuple[Part, ...]:
    """Return the road lines and their Soviet-number labels (at the middle of each number's longest segment)."""
    _ = tr.gettext
    features = []
    longest: dict[tuple[str, str], tuple[float, Any]] = {}
    for r in rows(frames["roads"]):
        ref = str(r.soviet_ref or "")
        refs = [str(x) for x in t.as_list(r.refs) if x]
        label = ref or (refs[0] if refs else "")
        current = ", ".join(refs) if refs else _("none recorded")
        tip = (f"<b>{t.text(label or r.name)}</b> {t.text(r.name)}<br>"
               + t.text(_("current: {numbers}").format(numbers=current)) + f" · {t.text(t.km(r.length_km, tr))}")
        method = tr.word(str(r.length_method or ""))
        details = [
            t.row(_("Soviet number"), t.text(ref or "—")),
            t.row(_("Current numbers"), t.text(current)),
            t.row(_("Country"), t.text(r.country)),
            t.row(_("Length"), t.text(f"{t.km(r.length_km, tr)} ({method})") + (
                " " + t.link(r.length_source, _("source")) if r.length_source else "")),
            t.row(_("Drawn line (geodesic)"), t.text(t.km(r.drawn_length_km, tr))),
            t.row(_("Geometry"), t.text(tr.word(r.geometry_accuracy))),
            t.row(_("Features"), t.text(", ".join(map(str, t.as_list(r.features))))),
            t.row(_("Notes"), t.text(r.notes)),
            t.row(_("Sources"), t.sources(r.sources)),
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
    id="roads", title=N_("Soviet-era trunk roads"), layers=("roads",), build=build, palette=PALETTE,
    legend_title=N_("Roads"),
)
