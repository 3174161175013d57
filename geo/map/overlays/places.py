"""Towns, junctions and passes of the road network (crossings have their own overlay)."""

from __future__ import annotations

from geo.i18n import ENGLISH, N_, Translator
from geo.map import text as t
from geo.map.geometry import Band, collection, feature, rows
from geo.map.spec import Frames, OverlaySpec, Part, Swatch

PALETTE = (
    Swatch("capital", N_("capital"), {"radius": 5, "fillColor": "#333"}, shape="marker",
           css="border-radius: 50%; background: #333;"),
    Swatch("place", N_("town, junction, pass"), {"radius": 3, "fillColor": "#fff"}, shape="marker",
           css="border-radius: 50%; border: 1px solid #333;"),
)


def build(frames: Frames, band: Band, tr: Translator = ENGLISH, /) -> tuple[Part, ...]:
    """Return the places that are not crossings."""
    features = []
    for r in rows(frames["places"]):
        if r.kind == "crossing":
            continue
        name = tr.name(r.name, r.aliases)
        aliases = t.names([n for n in [r.name, *t.as_list(r.aliases)] if n != name])
        tip = (f"<b>{t.text(name)}</b> ({t.text(tr.word(r.kind))}, {t.text(r.country)})"
               + (f"<br>{aliases}" if aliases else ""))
        features.append(feature(r.geometry, {"k": ["capital" if r.capital else "place"], "tip": tip}))
    return (Part(collection(features), marker="place", base={"weight": 1, "color": "#333", "fillOpacity": 1}),)


SPEC = OverlaySpec(
    id="places", title=N_("Towns and passes"), layers=("places",), build=build, palette=PALETTE,
    legend_title=N_("Places"), default=False, css_prefix="place-",
)
