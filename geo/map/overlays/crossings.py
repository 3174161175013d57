"""Border crossings: a marker coloured and marked (glyph) by the status on the as-of date, shaped by the mode.

Status colours and glyphs come from :mod:`geo.palette`, which the report figures use as well.
"""

from __future__ import annotations

from typing import Any

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


def build(frames: Frames, band: Band) -> tuple[Part, ...]:
    """Return the crossings, statuses as already dated on the frame."""
    features = []
    for r in rows(frames["crossings"]):
        status = str(r.status or "unknown")
        status = status if status in COLOURS else "unknown"
        since = f" since {r.status_since}" if r.status_since else ""
        modes = ", ".join(map(str, t.as_list(r.modes)))
        tip = (f"<b>{t.text(r.name)}</b> ({t.text(r.countries)})<br>"
               f"{t.text(STATUS_STYLES[status].glyph)} {t.text(status)}{t.text(since)} · {t.text(modes)}")
        traffic = ", ".join(map(str, t.as_list(r.status_traffic) or t.as_list(r.traffic)))
        details = [
            t.row("Names", t.names(r.names)),
            t.row("Countries", t.text(r.countries)),
            t.row("Modes", t.text(modes)),
            t.row("Status", t.text(f"{status}{since}") + (f" — {t.text(r.status_note)}" if r.status_note else "")
                  + (" " + t.link(r.status_source, "source") if r.status_source else "")),
            t.row("Traffic", t.text(traffic)),
            t.row("Last verified", t.text(r.last_verified)),
            t.row("Position", t.text(r.coord_source) if not t.safe_url(r.coord_source)
                  else t.link(r.coord_source, "source")),
            t.row("Notes", t.text(r.notes)),
            t.row("Sources", t.sources(r.sources)),
        ]
        geometry = None if r.geometry is None or r.geometry.is_empty else r.geometry
        features.append(feature(geometry, {"k": [status, crossing_shape(r.modes)], "tip": tip,
                                           "pop": t.popup(str(r.name), details, r.status_history)}))
    return (Part(collection(features), marker="crossing"),)


SPEC = OverlaySpec(
    id="crossings", title="Border crossings", layers=("crossings",), build=build, palette=PALETTE,
    legend_title="Crossings{as_of}", dated=True, css_prefix="xing-",
)
