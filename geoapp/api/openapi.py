"""The API's OpenAPI 3.0 document: every path of ``/api/v1`` and ``/ogc``, built from the same tuples they read."""

from __future__ import annotations

from typing import Any

from geo import __version__
from geo.io import formats
from geo.vocab import BY_ISO2, ROUTABLE, ROUTE_MODES, ROUTE_OPTIMIZE, UNKNOWN_CHOICES
from geoapp.api.ogc import DEFAULT_LIMIT, MAX_LIMIT
from geoapp.api.params import MAX_LIST, MAX_VIA
from geoapp.api.v1 import LAYER_IDS

STRING = {"type": "string"}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _query(name: str, description: str, schema: dict[str, Any], required: bool = False,
           explode: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "in": "query", "required": required, "description": description,
                             "schema": schema}
    if schema.get("type") == "array":
        found.update(style="form", explode=explode)
    return found


def _path(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema or STRING}


def _list(items: dict[str, Any], most: int) -> dict[str, Any]:
    return {"type": "array", "items": items, "maxItems": most}


def _ok(media: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": schema or {"type": "object"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "a bad parameter", 404: "no such collection, layer or feature", 405: "not GET",
            413: "a request body", 414: "a query longer than 2048 bytes", 422: "no route under the scenario",
            503: "the layers are not built"}
    return {str(c): {"description": text[c], "content": PROBLEM} for c in (*codes, 405, 413, 414, 503)}


F = _query("f", "the encoding: json (default) or html", {"type": "string", "enum": ["json", "html"]})
DATETIME = _query("datetime", "the as-of date of statuses (YYYY-MM-DD or an RFC 3339 date-time; default today)",
                  STRING)
COLLECTION = _path("collectionId", "a layer id", {"type": "string", "enum": list(LAYER_IDS)})
COUNTRY = {"type": "string", "enum": sorted(BY_ISO2)}


def _operation(summary: str, operation: str, parameters: list[dict[str, Any]], ok: dict[str, Any],
               *codes: int) -> dict[str, Any]:
    return {"get": {"summary": summary, "operationId": operation, "parameters": parameters,
                    "responses": {"200": ok, **_errors(*codes)}}}


def document() -> dict[str, Any]:
    """Return the OpenAPI 3.0 document of ``/api/v1`` and ``/ogc`` (paths from the server's root)."""
    route_parameters = [
        _query("from", "start: a place name (any script, aliases accepted) or id", STRING, required=True),
        _query("to", "end: a place name or id", STRING, required=True),
        _query("via", "places to pass, in order (repeat or comma-separate)", _list(STRING, MAX_VIA), explode=True),
        _query("as_of", "date for crossing statuses (YYYY-MM-DD, default today)", {"type": "string",
                                                                                 "format": "date"}),
        _query("close", "crossing ids to treat as closed", _list(STRING, MAX_LIST), explode=True),
        _query("open", "crossing ids to treat as open", _list(STRING, MAX_LIST), explode=True),
        _query("avoid", "countries to avoid", _list({"type": "string", "enum": list(ROUTABLE)}, MAX_LIST),
               explode=True),
        _query("mode", "passenger or freight", {"type": "string", "enum": list(ROUTE_MODES)}),
        _query("optimize", "minimise travel time or road km", {"type": "string", "enum": list(ROUTE_OPTIMIZE)}),
        _query("unknown", "crossings of unknown status: open (with a warning) or closed",
               {"type": "string", "enum": list(UNKNOWN_CHOICES)}),
        _query("vehicle", "country the vehicle is registered in", COUNTRY),
        _query("citizen", "the traveller's citizenship (passenger routes)", COUNTRY),
        _query("visa", "countries whose visa the traveller holds (with citizen)", _list(COUNTRY, MAX_LIST),
               explode=True),
        _query("alternatives", "also give up to N routes through other crossings",
               {"type": "integer", "minimum": 0, "maximum": 3}),
    ]
    point = {"type": "string", "pattern": r"^\s*-?[0-9.]+\s*,\s*-?[0-9.]+\s*$"}
    point_parameters = [
        _query("from", "start: a point LON,LAT in degrees, snapped to the nearest road of the imported network",
               point, required=True),
        _query("to", "end: a point LON,LAT in degrees", point, required=True),
        *(p for p in route_parameters if p["name"] not in ("from", "to", "via", "alternatives")),
    ]
    items_parameters = [
        F, DATETIME,
        _query("limit", f"features per page (default {DEFAULT_LIMIT}; above {MAX_LIMIT} lowered to {MAX_LIMIT})",
               {"type": "integer", "minimum": 1, "maximum": 10000, "default": DEFAULT_LIMIT}),
        _query("offset", "features to skip (the next and prev links carry it)",
               {"type": "integer", "minimum": 0, "default": 0}),
        _query("bbox", "west,south,east,north in degrees (CRS84); six numbers with heights accepted",
               {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
    ]
    feature = _ok("application/geo+json", "a GeoJSON Feature")
    collection = _ok("application/json", "one collection")
    return {
        "openapi": "3.0.3",
        "info": {"title": "Central Asia infrastructure API", "version": __version__,
                 "description": "Routes under a scenario and the layers by URL (the CLI's `geo route` and "
                                "`geo export`), and OGC API – Features – Part 1: Core at /ogc.",
                 "license": {"name": "code MIT; data per layer (ODbL-1.0, CC BY 4.0): see /api/v1/layers"}},
        "servers": [{"url": "/"}],
        "paths": {
            "/api/v1/route": _operation("the route `geo route` finds with the same options", "route",
                                        route_parameters, _ok("application/geo+json", "a GeoJSON Feature whose "
                                                              "properties are `geo route --json`'s"), 400, 422),
            "/api/v1/route/coords": _operation(
                "the route between two points on the road network imported into the server's database, as "
                "`geo route --from-coords … --to-coords …` finds it", "routeCoords", point_parameters,
                _ok("application/geo+json", "a GeoJSON Feature whose properties are `geo route --from-coords "
                    "--json`'s"), 400, 404, 422),
            "/api/v1/layers": _operation("the layers with licence, attribution, sources and export links", "layers",
                                         [], _ok("application/json", "the layer list")),
            "/api/v1/layers/{layerId}": _operation(
                "a layer as `geo export` writes it", "layer",
                [_path("layerId", "a layer id", {"type": "string", "enum": list(LAYER_IDS)}),
                 _query("as_of", "date for statuses (YYYY-MM-DD, default today)", {"type": "string",
                                                                                  "format": "date"}),
                 _query("format", "file format (default geojson)", {"type": "string",
                                                                    "enum": list(formats.FORMATS)})],
                {"description": "the file", "content": {formats.MEDIA_TYPES[f]: {"schema": {
                    "type": "string", "format": "binary"}} for f in formats.FORMATS}}, 400, 404),
            "/api/v1/openapi.json": _operation("this document", "openapi", [],
                                               _ok("application/vnd.oai.openapi+json;version=3.0", "OpenAPI 3.0")),
            "/ogc": _operation("landing page", "getLandingPage", [F], _ok("application/json", "the landing page"),
                               400),
            "/ogc/conformance": _operation("conformance classes", "getConformanceDeclaration", [F],
                                           _ok("application/json", "the conformance classes"), 400),
            "/ogc/api": _operation("this document", "getAPIDefinition", [],
                                   _ok("application/vnd.oai.openapi+json;version=3.0", "OpenAPI 3.0")),
            "/ogc/collections": _operation("the layers as collections", "getCollections", [F],
                                           _ok("application/json", "the collections"), 400),
            "/ogc/collections/{collectionId}": _operation("one collection", "describeCollection",
                                                          [COLLECTION, F], collection, 400, 404),
            "/ogc/collections/{collectionId}/items": _operation(
                "features of a collection, one page", "getFeatures", [COLLECTION, *items_parameters],
                _ok("application/geo+json", "a GeoJSON FeatureCollection with paging links"), 400, 404),
            "/ogc/collections/{collectionId}/items/{featureId}": _operation(
                "one feature", "getFeature", [COLLECTION, _path("featureId", "a feature id"), F, DATETIME],
                feature, 400, 404),
        },
        "components": {"schemas": {"Problem": {
            "type": "object", "required": ["type", "title", "status"],
            "properties": {"type": STRING, "title": STRING, "status": {"type": "integer"}, "detail": STRING}}}},
    }
