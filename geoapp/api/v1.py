"""``/api/v1``: routes as GeoJSON Features, the layer list and each layer's export bytes."""

from __future__ import annotations

import datetime as dt
import functools

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from geo.errors import UsageError
from geo.io import formats
from geo.io.geojson import to_json
from geo.layers import registry
from geo.vocab import shorten
from geoapp.api import params, store
from geoapp.api.http import NotFound

GEOJSON = "application/geo+json"
LAYER_PARAMETERS = ("as_of", "format")
LAYER_IDS = tuple(spec.id for spec in registry.LAYERS)


async def route(request: Request) -> Response:
    """Answer ``/api/v1/route``: the route ``geo route`` finds with the same options, as a GeoJSON Feature."""
    trip, alternatives = params.route_trip(params.query_items(request.query_params))
    data = store.version()
    body = await store.answer(store.route_feature, data, trip, alternatives)
    return Response(body, media_type=GEOJSON)


async def route_coords(request: Request) -> Response:
    """Answer ``/api/v1/route/coords``: ``geo route --from-coords … --to-coords … --json`` as a GeoJSON Feature."""
    start, end, scenario = params.point_request(params.query_items(request.query_params))
    body = await run_in_threadpool(store.point_feature, store.version(), start, end, scenario)
    return Response(body, media_type=GEOJSON)


@functools.lru_cache(maxsize=2)
def _layers_json(data: str, base: str) -> bytes:
    rows = store.layer_rows(data)
    for row in rows:
        row["links"] = [{"rel": "item", "type": formats.MEDIA_TYPES[fmt], "title": fmt,
                         "href": f"{base}api/v1/layers/{row['id']}?format={fmt}"} for fmt in formats.FORMATS]
    return to_json({"layers": rows, "formats": list(formats.FORMATS)}).encode("utf-8")


async def layers(request: Request) -> Response:
    """Answer ``/api/v1/layers``: what ``geo layers --json`` lists, with a link per export format."""
    params.single(params.query_items(request.query_params), ())
    body = await run_in_threadpool(_layers_json, store.version(), str(request.base_url))
    return Response(body, media_type="application/json")


def layer_id(text: str) -> str:
    """Return a registered layer id, or raise :class:`NotFound`."""
    if text not in LAYER_IDS:
        raise NotFound(f"no layer {shorten(text, 40)!r} (layers: {', '.join(LAYER_IDS)})")
    return text


async def layer(request: Request) -> Response:
    """Answer ``/api/v1/layers/{id}``: the bytes ``geo export ID --as-of AS_OF --format FORMAT`` writes today."""
    found = layer_id(request.path_params["layer"])
    query = params.single(params.query_items(request.query_params), LAYER_PARAMETERS)
    fmt = query.get("format", "geojson")
    if fmt not in formats.FORMATS:
        raise UsageError(f"format: {shorten(fmt, 20)!r} is not one of {', '.join(formats.FORMATS)}")
    today = dt.date.today()
    as_of = params.as_of(query.get("as_of")) or today
    body = await run_in_threadpool(store.export_bytes, store.version(), found, as_of, fmt, today)
    name = f"{found}-{as_of.isoformat()}{formats.SUFFIXES[fmt]}"
    disposition = "inline" if fmt == "geojson" else "attachment"
    return Response(body, media_type=formats.MEDIA_TYPES[fmt],
                    headers={"content-disposition": f'{disposition}; filename="{name}"'})
