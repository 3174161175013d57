"""The HTTP edge of the API: problem responses, CORS for GET, request limits, format negotiation.

Every API handler is wrapped by :func:`endpoint`: it answers ``OPTIONS`` (the CORS preflight), refuses other
methods than GET and HEAD (405), oversized queries (414) and request bodies (413), turns the project's errors
into ``application/problem+json`` (RFC 9457) with 400, 404 or 422, and adds ``Access-Control-Allow-Origin: *``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response

from geo.errors import GeoError, NoRouteError, UsageError
from geo.io.geojson import to_json
from geo.vocab import shorten
from geoapp.api.params import MAX_QUERY

LOG = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
CORS = {"access-control-allow-origin": "*", "access-control-expose-headers": "content-disposition, link"}
PREFLIGHT = {**CORS, "access-control-allow-methods": "GET, HEAD, OPTIONS",
             "access-control-allow-headers": "accept, accept-language, content-type", "access-control-max-age": "86400"}
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"
"""HTML pages run nothing: no script may load, whatever a feature's name holds."""

Handler = Callable[[Request], Awaitable[Response]]


class NotFound(GeoError):
    """A collection, layer, feature or path that does not exist (404)."""


def problem(status: int, detail: str) -> Response:
    """Return an RFC 9457 problem response."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    return Response(to_json(body, compact=True), status_code=status, media_type=PROBLEM, headers=CORS)


def status_of(error: GeoError) -> int:
    """Return the HTTP status of one of the project's errors: 404 unknown thing, 422 no route, 400 bad input."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, NoRouteError):
        return 422
    if isinstance(error, UsageError):
        return 400
    return 503  # data that cannot be read (layers not built): the server's state, not the request


def endpoint(handler: Handler) -> Handler:
    """Wrap a handler with the limits, CORS and problem responses every API path shares."""

    async def run(request: Request) -> Response:
        method = request.method
        if method == "OPTIONS":
            return Response(status_code=204, headers=PREFLIGHT)
        if method not in ("GET", "HEAD"):
            response = problem(405, f"{shorten(method, 20)} is not answered here: the API is read-only (GET)")
            response.headers["allow"] = "GET, HEAD, OPTIONS"
            return response
        if len(request.scope.get("query_string", b"")) > MAX_QUERY:
            return problem(414, f"query longer than {MAX_QUERY} bytes")
        length = request.headers.get("content-length", "0")
        if (not length.isdigit() or int(length) > 0) or "transfer-encoding" in request.headers:
            return problem(413, "a GET request takes no body")
        try:
            response = await handler(request)
        except GeoError as error:
            return problem(status_of(error), str(error.message))
        except UnicodeError:
            return problem(400, "the request is not valid UTF-8")
        for key, value in CORS.items():
            response.headers.setdefault(key, value)
        return response

    run.__name__ = run.__qualname__ = getattr(handler, "__name__", "endpoint")
    run.__doc__ = handler.__doc__
    return run


def wants_html(request: Request, f: str | None) -> bool:
    """Return whether the answer should be HTML: ``f=html``, or a browser's ``Accept`` without JSON in it.

    Raises
    ------
    UsageError
        ``f`` is neither ``json`` nor ``html``.
    """
    if f is not None:
        if f not in ("json", "html"):
            raise UsageError(f"f: {shorten(f, 20)!r} is not one of json, html")
        return f == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def html_response(page: str) -> Response:
    """Return an HTML page with a policy that runs no script."""
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={**CORS, "content-security-policy": HTML_POLICY})
