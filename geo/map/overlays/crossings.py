"""Border crossings: a marker coloured and marked (glyph) by the status on the as-of date, shaped by the mode.

Status colours and glyphs come from :mod:`geo.palette`, which the report figures use as well.
"""

from __future__ import annotations

from typing import Any

from geo.i18n import ENGLISH, N_, Translator
from geo.map import text as t
from geo.map.geometry import Band, collection, feature, rows
from geo.map.spec import Frames, OverlaySpec, Part, Swatch
from geo.palette import STATUS_STYLES
from geo.vocab import STATUSES

COLOURS = {s: STATUS_STYLES[s].colour for s in STATUSES}
SHAPES = {"road": "circle", "rail": "square", "pedestrian": "diamond"}
"""Marker shape per crossing mode (rail wins over road, road over pedestrian)."""
PALETTE = (
    *(Swatch(s, s, shape="marker", css=f"background: {COLOURS[s]}; --glyph: '{STATUS_STYLES[s].glyph}';",
             legend_class=f"xing xing-circle xing-{s}")
      for s in STATUSES),
    *(Swatch(shape, mode, shape="marker", legend_class=f"xing xing-{shape} xing-blank")
      for mode, shape in SHAPES.items()),
)


def crossing_shape(modes: Any) -> str:
    """Return the marker shape of a crossing from its modes (rail, then road, then pedestrian).

    Examples
    --------
    >>> crossing_shape(["road", "rail"]), crossing_shape(["pedestrian"]), crossing_shape(None)
    ('square', 'diamond', 'circle')
    """
    found = {str(m) for m in t.as_list(modes)}
    for mode in ("rail", "road", "pedestrian"):
        if mode in found:
            return SHAPES[mode]
    return SHAPES["road"]


def build(frames: Frames, band: Band, tr: Translator = ENGLISH, /) -> tuple[Part, ...]:
    """Return the crossings, statuses as already dated on the frame."""
    _ = tr.gettext
    features = []
    for r in rows(frames["crossings"]):
        status = str(r.status or "unknown")
        status = status if status in COLOURS else "unknown"
        state = (_("{status} since {date}").format(status=tr.word(status), date=r.status_since) if r.status_since
                 else tr.word(status))
        modes = tr.words(map(str, t.as_list(r.modes)))
        name = tr.name(r.name, r.names)
        tip = (f"<b>{t.text(name)}</b> ({t.text(r.countries)})<br>"
               f"{t.text(STATUS_STYLES[status].glyph)} {t.text(state)} · {t.text(modes)}")
        traffic = tr.words(map(str, t.as_list(r.status_traffic) or t.as_list(r.traffic)))
        details = [
            t.row(_("Names"), t.names(r.names)),
            t.row(_("Countries"), t.text(r.countries)),
            t.row(_("Modes"), t.text(modes)),
            t.row(_("Status"), t.text(state) + (f" — {t.text(r.status_note)}" if r.status_note else "")
                  + (" " + t.link(r.status_source, _("source")) if r.status_source else "")
                  + t.in_force_quote(r.status_history, r.status_since)),
            t.row(_("Traffic"), t.text(traffic)),
            t.row(_("Last verified"), t.text(r.last_verified)),
            t.row(_("Position"), t.text(r.coord_source) if not t.safe_url(r.coord_source)
                  else t.link(r.coord_source, _("source"))),
            t.row(_("Notes"), t.text(r.notes)),
            t.row(_("Sources"), t.sources(r.sources)),
        ]
        geometry = None if r.geometry is None or r.geometry.is_empty else r.geometry
        features.append(feature(geometry, {"k": [status, crossing_shape(r.modes)], "tip": tip,
                                           "pop": t.popup(name, details, r.status_history, tr)}))
    return (Part(collection(features), marker="crossing"),)


SPEC = OverlaySpec(
    id="crossings", title=N_("Border crossings"), layers=("crossings",), build=build, palette=PALETTE,
    legend_title=N_("Crossings"), dated=True, css_prefix="xing-",
)
