"""Gas pipelines: Line D drawn prominently, Lines A, B and C as context; the dash pattern shows the status."""

from __future__ import annotations

from collections.abc import Mapping

from geo.i18n import ENGLISH, N_, Translator
from geo.map import text as t
from geo.map.geometry import Band, collection, display_geometry, feature, rows
from geo.map.spec import Frames, OverlaySpec, Part, Swatch

LINE_D_ID = "cagp-line-d"
NEUTRAL = {"color": "#555", "weight": 3}
PALETTE = (
    Swatch("lined", N_("Line D"), {"color": "#c51b7d", "weight": 6}),
    Swatch("line", N_("Lines A, B, C"), {"color": "#4d9221", "weight": 3}),
    Swatch("operating", N_("operating"), {"dashArray": None}, legend_style=NEUTRAL),
    Swatch("under-construction", N_("under construction"), {"dashArray": "10 7"}, legend_style=NEUTRAL),
    Swatch("stalled", N_("stalled"), {"dashArray": "3 7"}, legend_style=NEUTRAL),
    Swatch("planned", N_("planned"), {"dashArray": "1 8"}, legend_style=NEUTRAL),
    Swatch("unknown", N_("status unknown"), {"dashArray": "1 8"}, legend_style=NEUTRAL),
)
STATUSES = tuple(s.key for s in PALETTE[2:])


def build(frames: Frames, band: Band, tr: Translator = ENGLISH, /) -> tuple[Part, ...]:
    """Return the pipelines, statuses as already dated on the frame."""
    _ = tr.gettext
    features = []
    for r in rows(frames["pipelines"]):
        status = str(r.status or "unknown")
        status = status if status in STATUSES else "unknown"
        schematic = str(r.geometry_accuracy or "") == "schematic"
        state = (_("{status} since {date}").format(status=tr.word(status), date=r.status_since) if r.status_since
                 else tr.word(status))
        tip = (f"<b>{t.text(r.name)}</b><br>{t.text(state)}"
               + (" · <i>" + t.text(_("schematic geometry")) + "</i>" if schematic else ""))
        by_country = r.length_by_country_km if isinstance(r.length_by_country_km, Mapping) else {}
        official = r.official_length_by_country_km if isinstance(r.official_length_by_country_km, Mapping) else {}
        sections = getattr(r, "section_status", None)
        details = [
            t.row(_("Status"), t.text(state) + (f" — {t.text(r.status_note)}" if r.status_note else "")
                  + t.in_force_quote(r.status_history, r.status_since)),
            t.row(_("Status by section"), section_text(sections, tr)),
            t.row(_("Operator"), t.text(r.operator)),
            t.row(_("Capacity"), t.text(_("{bcm} bcm/year").format(bcm=f"{float(r.capacity_bcm_y):g}"))
                  if t.is_number(r.capacity_bcm_y) else ""),
            t.row(_("Length (computed, geodesic)"), t.text(t.km(r.length_km, tr))),
            t.row(_("By country (computed)"),
                  t.text(", ".join(f"{k} {t.km(v, tr, 0)}" for k, v in by_country.items()))),
            t.row(_("Official length"), t.text(t.km(r.official_length_km, tr)) if t.is_number(r.official_length_km)
                  else ""),
            t.row(_("Official by country"), t.text(", ".join(f"{k} {t.km(v, tr, 0)}" for k, v in official.items()))),
            t.row(_("Geometry"), t.text(_("schematic: drawn through the named places, not surveyed") if schematic
                                        else f"{tr.word(r.geometry_accuracy)}: "
                                             + (r.geometry_source or _("source unknown")))),
            t.row(_("Through"), t.text(", ".join(map(str, t.as_list(r.places))))),
            t.row(_("Notes"), t.text(r.notes)),
            t.row(_("Sources"), t.sources(r.sources)),
        ]
        features.append(feature(display_geometry(r.geometry, band.tolerance, decimals=band.decimals), {
            "k": ["lined" if r.id == LINE_D_ID else "line", status], "tip": tip,
            "pop": t.popup(str(r.name), details, r.status_history, tr),
        }))
    return (Part(collection(features), base={"opacity": 0.95, "lineCap": "butt"}),)


def section_text(sections: object, tr: Translator = ENGLISH) -> str:
    """Return each country section's status on the date as escaped lines ("Tajikistan: stalled since …").

    Examples
    --------
    >>> section_text({"TJ": {"status": "stalled", "date": "2024-02-06"}, "KG": {"status": "unknown", "date": None}})
    'Tajikistan: stalled since 2024-02-06<br>Kyrgyzstan: unknown'
    >>> section_text(None)
    ''
    """
    if not isinstance(sections, Mapping):
        return ""
    lines = []
    for code, entry in sections.items():
        status = tr.word(str(entry.get("status") or "unknown"))
        since = entry.get("date")
        state = tr.gettext("{status} since {date}").format(status=status, date=since) if since else status
        lines.append(t.text(f"{t.country(code, tr)}: {state}"))
    return "<br>".join(lines)


SPEC = OverlaySpec(
    id="pipelines", title=N_("Gas pipelines (Line D)"), layers=("pipelines",), build=build, palette=PALETTE,
    legend_title=N_("Gas pipelines"), dated=True,
    note=N_("Line D schematic (no public trace); Lines A, B, C traced on OpenStreetMap"),
)
