"""Show a folium map through streamlit-folium's component with the expensive rendering cached.

``st_folium`` renders the whole map to HTML and JavaScript on every rerun (0.6 s for this map). Here the
base map (basemap, controls, view) and each overlay group are rendered once per cache key into the strings
the component takes, and each rerun only passes the cached strings. The component keeps its Leaflet map
(and the user's view) while only the overlay groups change, because its key is the hash of the base map.

This uses streamlit-folium's private helpers (checked against 0.27.4): ``_get_html``, ``_get_header``,
``_get_map_string``, ``_get_feature_group_string``, ``generate_js_hash`` and ``_component_func``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import folium
import streamlit_folium as sf

RETURNED = ("all_drawings",)
"""Only a finished drawing reruns the app; panning, zooming and clicking do not."""


def base_args(fig: folium.Map, *, height: int, returned: Sequence[str] = RETURNED) -> dict[str, Any]:
    """Return the component arguments of a map without overlays (as ``st_folium`` computes them)."""
    fig.get_root().render()
    fig.render()  # type: ignore[no-untyped-call]
    html = sf._get_html(fig)
    header = sf._get_header(fig)
    leaflet = sf._get_map_string(fig)
    css: list[str] = []
    js: list[str] = []
    for element in _walk(fig):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return {
        "script": leaflet, "header": header, "html": html, "id": sf.get_full_id(fig),
        "key": sf.generate_js_hash(leaflet, None, False), "height": height, "width": None,
        "returned_objects": list(returned), "default": {k: None for k in returned}, "zoom": None, "center": None,
        "return_on_hover": False, "layer_control": None, "pixelated": False,
        "css_links": list(dict.fromkeys(css)), "js_links": list(dict.fromkeys(js)), "wrap_longitude": False,
    }


def group_script(group: folium.FeatureGroup, slot: int) -> str:
    """Return the JavaScript that adds one feature group to the component's map.

    Parameters
    ----------
    group
        The group (consumed: it is attached to a throwaway map).
    slot
        A number unique to this kind of group (its JavaScript variable is ``feature_group_feature_group_<slot>``).
    """
    scratch = folium.Map(tiles=None)
    return str(sf._get_feature_group_string(group, map=scratch, idx=slot))


def show(args: dict[str, Any], groups: Iterable[str], *, on_change: Callable[[], None] | None = None) -> Any:
    """Draw the map with its overlay groups and return what the component reports (drawings)."""
    script = "".join(groups)
    return sf._component_func(**args, feature_group=script or None, on_change=on_change)


def _walk(element: Any) -> Iterable[Any]:
    if isinstance(element, folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)
