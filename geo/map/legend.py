"""The legend: built from the palettes of exactly what is drawn (one palette feeds styles, CSS and legend)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from geo.i18n import ENGLISH, Translator
from geo.map import extras
from geo.map.spec import OverlaySpec, Part, Swatch
from geo.map.text import text


def used_keys(parts: Iterable[Part]) -> set[str]:
    """Return the style keys the features of some parts carry."""
    return {k for part in parts for f in part.features["features"] for k in f["properties"].get("k", ())}


def swatch_html(swatch: Swatch, prefix: str = "", tr: Translator = ENGLISH) -> str:
    """Return one legend line: the swatch drawn in its own style, then its escaped label (translated)."""
    label = tr.gettext(swatch.label) if swatch.label else ""
    style: Mapping[str, Any] = {**swatch.style, **(swatch.legend_style or {})}
    if swatch.shape == "marker":
        classes = swatch.legend_class or f"{prefix}{swatch.key}"
        return f"<div><span class='mk {text(classes)}'></span>{text(label)}</div>"
    if swatch.shape == "fill":
        css = (f"background: {style.get('fillColor', '#888')}; opacity: .7; "
               f"border: 2px solid {style.get('color', '#555')}")
    else:
        line = "dashed" if style.get("dashArray") else "solid"
        css = f"border-top: {style.get('weight', 3)}px {line} {style.get('color', '#555')}; height: 0"
    return f"<div><span class='sw' style='{text(css)}'></span>{text(label)}</div>"


def section(spec: OverlaySpec, used: Iterable[str], as_of: dt.date | None, tr: Translator = ENGLISH) -> str:
    """Return an overlay's legend section: the palette entries its features use (empty when none is used)."""
    used = set(used)
    if not used:
        return ""
    lines = [swatch_html(s, spec.css_prefix, tr) for s in spec.palette
             if s.key in used and s.label and s.shape != "none"]
    note = f"<div><i>{text(tr.gettext(spec.note))}</i></div>" if spec.note else ""
    return f"<b>{text(spec.heading(as_of, tr))}</b>" + "".join(lines) + note


def legend_html(sections: Iterable[str], routes: Sequence[str] = (), track: str | None = None,
                changed: str | None = None, alternatives: int = 0, tr: Translator = ENGLISH) -> str:
    """Return the whole legend (empty string when nothing is shown).

    Parameters
    ----------
    sections
        Overlay sections from :func:`section`, in drawing order.
    routes
        The as-of date of each drawn route (the second is a comparison).
    track
        The name of an uploaded track drawn on the map (None when there is none).
    changed
        The label of the rings around changed crossings (None when none is drawn).
    alternatives
        How many alternatives of the first route are drawn.
    tr
        The reader's language.
    """
    _ = tr.gettext
    parts = [s for s in sections if s]
    if changed is not None:
        ring = f"border: 3px solid {extras.CHANGED.style['color']}; border-radius: 50%"
        parts.append("<b>" + text(_("What changed")) + "</b>"
                     f"<div><span class='mk' style='{text(ring)}'></span>{text(changed)}</div>")
    if routes:
        parts.append("<b>" + text(_("Route")) + "</b>")
        first = extras.ROUTE
        parts.append(swatch_html(Swatch(first.key, _("on {date}").format(date=routes[0]), first.style)))
        if len(routes) > 1:
            parts.append(swatch_html(Swatch(extras.ROUTE2.key, _("on {date} (comparison)").format(date=routes[1]),
                                            extras.ROUTE2.style)))
        for swatch in extras.ALTERNATIVES[:alternatives]:
            parts.append(swatch_html(swatch, tr=tr))
    if track is not None:
        parts.append("<b>" + text(_("Your track")) + "</b>")
        parts.append(swatch_html(Swatch(extras.TRACK.key, track or _("uploaded track"), extras.TRACK.style)))
    return "".join(parts)
