"""The HTTP API, served by the app's own server (``st.App(routes=…)``): no second server.

Layout
------
``params``    query parameters into typed requests (the CLI's parser and validation for routes)
``store``     the built layers and routes, re-dated and serialised once per data version and date
``http``      problem responses, CORS, limits, JSON or HTML
``v1``        ``/api/v1``: ``route``, ``layers``, ``layers/{id}`` (the bytes of ``geo export``)
``ogc``       OGC API – Features – Part 1: Core at ``/ogc``
``openapi``   the OpenAPI 3.0 document (``/api/v1/openapi.json`` and ``/ogc/api``)

:func:`routes` returns Starlette routes; ``app.py`` hands them to ``st.App``, whose user routes are matched
before Streamlit's own, and a test runs the same routes in a bare Starlette app.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from geo.io.geojson import to_json
from geoapp.api import ogc, openapi, v1
from geoapp.api.http import Handler, NotFound, endpoint
from geoapp.api.params import single

METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
"""Every method reaches the handler's wrapper, which answers GET, HEAD and OPTIONS and refuses the rest (405)."""


async def _openapi(request: Request) -> Response:
    single([(str(k), str(v)) for k, v in request.query_params.multi_items()], ("f",))
    return Response(to_json(openapi.document(), compact=True), media_type=ogc.OPENAPI)


async def _missing(request: Request) -> Response:
    raise NotFound(f"no such path: {request.url.path[:80]} (see /api/v1/openapi.json)")


def routes(base: str = "") -> list[BaseRoute]:
    """Return the API's routes under ``base`` (Streamlit's ``server.baseUrlPath``, empty by default)."""
    root = "/" + base.strip("/") if base.strip("/") else ""
    table: list[tuple[str, Handler]] = [
        ("/api/v1/route", v1.route), ("/api/v1/route/coords", v1.route_coords),
        ("/api/v1/layers", v1.layers), ("/api/v1/layers/{layer}", v1.layer),
        ("/api/v1/openapi.json", _openapi),
        ("/ogc", ogc.landing), ("/ogc/", ogc.landing), ("/ogc/conformance", ogc.conformance), ("/ogc/api", _openapi),
        ("/ogc/collections", ogc.collections), ("/ogc/collections/{collection}", ogc.collection),
        ("/ogc/collections/{collection}/items", ogc.items),
        ("/ogc/collections/{collection}/items/{feature}", ogc.item),
        ("/api/{rest:path}", _missing), ("/ogc/{rest:path}", _missing),
    ]
    return [Route(root + path, endpoint(handler), methods=METHODS) for path, handler in table]
