"""Gas pipelines: Line D drawn prominently, Lines A, B and C as context; the dash pattern shows the status."""

from __future__ import annotations

from collections.abc import Mapping

from geo.map import text as t
from geo.map.geometry import Band, collection, display_geometry, feature, rows
from geo.map.spec import Frames, OverlaySpec, Part, Swatch

LINE_D_ID = "cagp-line-d"
NEUTRAL = {"color": "#555", "weight": 3}
PALETTE = (
    Swatch("lined", "Line D", {"color": "#c51b7d", "weight": 6}),
    Swatch("line", "Lines A, B, C", {"color": "#4d9221", "weight": 3}),
    Swatch("operating", "operating", {"dashArray": None}, legend_style=NEUTRAL),
    Swatch("under-construction", "under construction", {"dashArray": "10 7"}, legend_style=NEUTRAL),
    Swatch("stalled", "stalled", {"dashArray": "3 7"}, legend_style=NEUTRAL),
    Swatch("planned", "planned", {"dashArray": "1 8"}, legend_style=NEUTRAL),
    Swatch("unknown", "status unknown", {"dashArray": "1 8"}, legend_style=NEUTRAL),
)
STATUSES = tuple(s.key for s in PALETTE[2:])


def build(frames: Frames, band: Band) -> tuple[Part, ...]:
    """Return the pipelines, statuses as already dated on the frame."""
    features = []
    for r in rows(frames["pipelines"]):
        status = str(r.status or "unknown")
        status = status if status in STATUSES else "unknown"
        schematic = str(r.geometry_accuracy or "") == "schematic"
        since = f" since {r.status_since}" if r.status_since else ""
        tip = (f"<b>{t.text(r.name)}</b><br>{t.text(status)}{t.text(since)}"
               + (" · <i>schematic geometry</i>" if schematic else ""))
        by_country = r.length_by_country_km if isinstance(r.length_by_country_km, Mapping) else {}
        official = r.official_length_by_country_km if isinstance(r.official_length_by_country_km, Mapping) else {}
        details = [
            t.row("Status", t.text(f"{status}{since}") + (f" — {t.text(r.status_note)}" if r.status_note else "")),
            t.row("Operator", t.text(r.operator)),
            t.row("Capacity", t.text(f"{float(r.capacity_bcm_y):g} bcm/year") if t.is_number(r.capacity_bcm_y)
                  else ""),
            t.row("Length (computed, geodesic)", t.text(t.km(r.length_km))),
            t.row("By country (computed)", t.text(", ".join(f"{k} {float(v):,.0f} km" for k, v in by_country.items()))),
            t.row("Official length", t.text(t.km(r.official_length_km)) if t.is_number(r.official_length_km) else ""),
            t.row("Official by country", t.text(", ".join(f"{k} {float(v):,.0f} km" for k, v in official.items()))),
            t.row("Geometry", t.text("schematic: drawn through the named places, not surveyed" if schematic
                                     else f"{r.geometry_accuracy}: {r.geometry_source or 'source unknown'}")),
            t.row("Through", t.text(", ".join(map(str, t.as_list(r.places))))),
            t.row("Notes", t.text(r.notes)),
            t.row("Sources", t.sources(r.sources)),
        ]
        features.append(feature(display_geometry(r.geometry, band.tolerance, decimals=band.decimals), {
            "k": ["lined" if r.id == LINE_D_ID else "line", status], "tip": tip,
            "pop": t.popup(str(r.name), details, r.status_history),
        }))
    return (Part(collection(features), base={"opacity": 0.95, "lineCap": "butt"}),)


SPEC = OverlaySpec(
    id="pipelines", title="Gas pipelines (Line D)", layers=("pipelines",), build=build, palette=PALETTE,
    legend_title="Gas pipelines", dated=True,
    note="Line D schematic (no public trace); Lines A, B, C traced on OpenStreetMap",
)
