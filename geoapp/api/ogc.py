"""OGC API – Features – Part 1: Core at ``/ogc``: every layer a collection, ``datetime`` its as-of date.

Landing page, conformance, collections, items (``bbox``, ``limit``, ``offset`` with ``next``/``prev`` links,
``datetime``) and single items, each in JSON (GeoJSON for features) and HTML (``f=html`` or a browser's
``Accept``). A feature is the object ``geo export`` writes for it, re-dated to the ``datetime`` (default today).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from geo.io.geojson import to_json
from geo.layers import registry
from geo.layers.spec import LayerSpec
from geo.vocab import shorten
from geoapp.api import params, store
from geoapp.api.http import NotFound, html_response, wants_html
from geoapp.api.v1 import GEOJSON, layer_id

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
"""Most features one page holds; a larger ``limit`` is lowered to it (as the standard asks)."""
ITEMS_PARAMETERS = ("f", "limit", "offset", "bbox", "datetime")
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


def _root(request: Request) -> str:
    return str(request.base_url) + "ogc"


def _json(value: Any, media: str = "application/json") -> Response:
    return Response(to_json(value, compact=True), media_type=media)


def _link(href: str, rel: str, kind: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": kind, "title": title}


def _query(request: Request, known: tuple[str, ...]) -> dict[str, str]:
    return params.single(params.query_items(request.query_params), known)


def _page(title: str, links: list[dict[str, str]], body: str = "") -> Response:
    """Return a plain HTML page: a title, its links (JSON alternates included) and a body."""
    items = "".join(f'<li><a href="{html.escape(link["href"])}">{html.escape(link["title"])}</a> '
                    f'<small>({html.escape(link["rel"])}, {html.escape(link["type"])})</small></li>'
                    for link in links)
    return html_response(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
                         '</title><meta name="viewport" content="width=device-width, initial-scale=1"><style>'
                         'body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;max-width:70em}'
                         'table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;'
                         'text-align:left;vertical-align:top}</style></head><body>'
                         f'<h1>{html.escape(title)}</h1><ul>{items}</ul>{body}</body></html>')


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    cells = "".join("<tr>" + "".join(f"<td>{html.escape(_text(r.get(c)))}</td>" for c in columns) + "</tr>"
                    for r in rows)
    return f"<table><tr>{head}</tr>{cells}</table>"


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else shorten(json.dumps(value, ensure_ascii=False), 300)


async def landing(request: Request) -> Response:
    """Answer ``/ogc``: the landing page."""
    query = _query(request, ("f",))
    root = _root(request)
    links = [_link(root, "self", "application/json", "this document"),
             _link(root + "?f=html", "alternate", "text/html", "this document as HTML"),
             _link(root + "/api", "service-desc", OPENAPI, "the API definition (OpenAPI 3.0)"),
             _link(root + "/conformance", "conformance", "application/json", "conformance classes"),
             _link(root + "/collections", "data", "application/json", "the layers as collections")]
    title = "Central Asia infrastructure: OGC API – Features"
    description = ("Borders, boundaries, Soviet-era trunk roads, places, pipelines and border crossings with dated "
                   "statuses; datetime=YYYY-MM-DD gives the statuses in force on that date.")
    if wants_html(request, query.get("f")):
        return _page(title, links, f"<p>{html.escape(description)}</p>")
    return _json({"title": title, "description": description, "links": links})


async def conformance(request: Request) -> Response:
    """Answer ``/ogc/conformance``: the conformance classes implemented."""
    query = _query(request, ("f",))
    if wants_html(request, query.get("f")):
        return _page("Conformance", [], "<ul>" + "".join(f"<li>{html.escape(c)}</li>" for c in CONFORMANCE) + "</ul>")
    return _json({"conformsTo": list(CONFORMANCE)})


def _collection(spec: LayerSpec, root: str, extent: tuple[float, float, float, float]) -> dict[str, Any]:
    href = f"{root}/collections/{spec.id}"
    return {
        "id": spec.id, "title": spec.title,
        "description": f"{spec.method} Licence {spec.licence}; attribution: {spec.attribution}.",
        "itemType": "feature", "crs": [CRS84],
        "extent": {"spatial": {"bbox": [list(extent)], "crs": CRS84}},
        "links": [_link(href, "self", "application/json", "this collection"),
                  _link(href + "?f=html", "alternate", "text/html", "this collection as HTML"),
                  _link(href + "/items", "items", GEOJSON, f"{spec.title}: features"),
                  _link(href + "/items?f=html", "items", "text/html", f"{spec.title}: features as HTML"),
                  _link(spec.licence_url, "license", "text/html", spec.licence)],
    }


def _extent(layer: str) -> tuple[float, float, float, float]:
    return store.extent(store.version(), layer)


async def collections(request: Request) -> Response:
    """Answer ``/ogc/collections``: every layer."""
    query = _query(request, ("f",))
    root = _root(request)
    extents = await run_in_threadpool(lambda: [_extent(spec.id) for spec in registry.LAYERS])
    found = [_collection(spec, root, extent) for spec, extent in zip(registry.LAYERS, extents)]
    links = [_link(root + "/collections", "self", "application/json", "the collections"),
             _link(root + "/collections?f=html", "alternate", "text/html", "the collections as HTML")]
    if wants_html(request, query.get("f")):
        rows = [{"id": c["id"], "title": c["title"], "features": c["links"][3]["href"]} for c in found]
        return _page("Collections", links, _table(rows, ["id", "title", "features"]))
    return _json({"collections": found, "links": links})


async def collection(request: Request) -> Response:
    """Answer ``/ogc/collections/{collection}``: one layer."""
    found = registry.get(layer_id(request.path_params["collection"]))
    query = _query(request, ("f",))
    extent = await run_in_threadpool(_extent, found.id)
    result = _collection(found, _root(request), extent)
    if wants_html(request, query.get("f")):
        return _page(found.title, result["links"], f"<p>{html.escape(result['description'])}</p>")
    return _json(result)


def _with(request: Request, **changes: str | int | None) -> str:
    query = dict(request.query_params)
    query.update({k: str(v) for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        query.pop(key, None)
    return str(request.url.replace(query=urlencode(query)))


async def items(request: Request) -> Response:
    """Answer ``/ogc/collections/{collection}/items``: one page of features."""
    layer = layer_id(request.path_params["collection"])
    query = _query(request, ITEMS_PARAMETERS)
    limit = params.integer(query.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = params.integer(query.get("offset"), "offset", 0, 0)
    box = params.bbox(query.get("bbox"))
    today = dt.date.today()
    as_of = params.datetime_date(query.get("datetime")) or today
    html_wanted = wants_html(request, query.get("f"))
    data = store.version()
    layer_data = await store.answer(store.collection, data, layer, as_of, today)
    chosen = layer_data.select(box.parts() if box else None)
    page = chosen[offset:offset + limit]
    links = [_link(_with(request, f=None), "self", GEOJSON, "this page"),
             _link(_with(request, f="html"), "alternate", "text/html", "this page as HTML"),
             _link(f"{_root(request)}/collections/{layer}", "collection", "application/json", "the collection")]
    if offset + limit < len(chosen):
        links.append(_link(_with(request, f=None, offset=offset + limit), "next", GEOJSON, "next page"))
    if offset > 0:
        links.append(_link(_with(request, f=None, offset=max(0, offset - limit)), "prev", GEOJSON, "previous page"))
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if html_wanted:
        rows = [json.loads(layer_data.features[i])["properties"] for i in page]
        columns = [c for c in ("id", "name", "status", "status_since", "countries", "country", "length_km")
                   if any(c in r for r in rows)]
        body = (f"<p>{len(page)} of {len(chosen)} features, as of {as_of.isoformat()}.</p>"
                + _table(rows, columns))
        return _page(registry.get(layer).title, links, body)
    head = to_json({"type": "FeatureCollection", "numberMatched": len(chosen), "numberReturned": len(page),
                    "timeStamp": stamp, "links": links}, compact=True)
    body = head[:-1] + ',"features":[' + ",".join(layer_data.features[i] for i in page) + "]}"
    return Response(body, media_type=GEOJSON)


async def item(request: Request) -> Response:
    """Answer ``/ogc/collections/{collection}/items/{feature}``: one feature."""
    layer = layer_id(request.path_params["collection"])
    wanted = request.path_params["feature"]
    query = _query(request, ("f", "datetime"))
    today = dt.date.today()
    as_of = params.datetime_date(query.get("datetime")) or today
    data = store.version()
    layer_data = await store.answer(store.collection, data, layer, as_of, today)
    try:
        position = layer_data.ids.index(wanted)
    except ValueError:
        raise NotFound(f"no feature {shorten(wanted, 60)!r} in collection {layer!r}") from None
    root = _root(request)
    links = [_link(_with(request, f=None), "self", GEOJSON, "this feature"),
             _link(_with(request, f="html"), "alternate", "text/html", "this feature as HTML"),
             _link(f"{root}/collections/{layer}", "collection", "application/json", "the collection")]
    if wants_html(request, query.get("f")):
        properties = json.loads(layer_data.features[position])["properties"]
        rows = [{"property": k, "value": v} for k, v in properties.items()]
        return _page(f"{registry.get(layer).title}: {properties.get('name') or wanted}", links,
                     _table(rows, ["property", "value"]))
    feature = layer_data.features[position]
    body = feature[:-1] + ',"links":' + to_json(links, compact=True) + "}"
    return Response(body, media_type=GEOJSON)
