"""The HTTP API (geoapp.api) on a loopback server, checked against the command line and by real clients.

The routes run in a bare Starlette app under uvicorn (the same list ``app.py`` hands to ``st.App``): GDAL's
OGC API – Features driver reads every collection, routes and layer bytes equal ``geo route`` and ``geo export``,
the OpenAPI document validates, and a bounded property-based fuzzer finds no server error.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest
import requests
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.cli import main
from geo.io.formats import FORMATS, SUFFIXES
from geo.layers import registry
from geoapp import server
from geoapp.api import openapi
from tests.common import api_server

LAYERS = [spec.id for spec in registry.LAYERS]


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """Serve the API routes on a free loopback port for the module's tests."""
    with api_server(os.environ) as url:
        yield url


def cli(capsysbinary: pytest.CaptureFixture[bytes], *argv: str) -> bytes:
    """Run the command line in this process; return its standard output."""
    assert main(list(argv)) == 0
    return capsysbinary.readouterr().out


def test_app_hands_the_api_routes_to_streamlit() -> None:
    paths = {getattr(route, "path", "") for route in server.routes()}
    assert {"/api/v1/route", "/api/v1/layers/{layer}", "/ogc", "/ogc/collections/{collection}/items"} <= paths
    assert "routes=server.routes()" in (Path(__file__).parents[1] / "app.py").read_text(encoding="utf-8")


ROUTES = [
    ("Dushanbe", "Almaty", {}),
    ("Tashkent", "Bishkek", {"as_of": "2019-06-01", "optimize": "distance"}),
    ("Osh", "Khujand", {"as_of": "2015-01-01", "unknown": "closed"}),
    ("Dushanbe", "Tashkent", {"mode": "freight", "avoid": "KG", "alternatives": "2"}),
    ("Khujand", "Bishkek", {"citizen": "TJ", "visa": "KZ", "via": "Tashkent"}),
    ("Samarkand", "Osh", {"as_of": "2024-01-01", "vehicle": "UZ"}),
]


@pytest.mark.parametrize(("origin", "dest", "options"), ROUTES)
def test_route_equals_the_cli_route(base: str, capsysbinary: pytest.CaptureFixture[bytes], origin: str, dest: str,
                                    options: dict[str, str]) -> None:
    argv = ["route", origin, dest, "--json"]
    for key, value in options.items():
        argv += [f"--{key.replace('_', '-')}", *value.split(",")]
    expected = json.loads(cli(capsysbinary, *argv))
    answer = requests.get(f"{base}/api/v1/route", params={"from": origin, "to": dest, **options}, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/geo+json"
    assert answer.headers["access-control-allow-origin"] == "*"
    feature = answer.json()
    assert feature["type"] == "Feature"
    assert feature["geometry"] == expected.pop("geometry")
    assert feature["properties"] == expected


@pytest.mark.parametrize(("query", "status", "words"), [
    ({"from": "Dushanbe"}, 400, "to: required"),
    ({"from": "Dushanbe", "to": "Almaty", "mode": "bike"}, 400, "mode: invalid choice"),
    ({"from": "Dushanbe", "to": "Almaty", "as_of": "2024-02-30"}, 400, "not a real date"),
    ({"from": "Dushanbe", "to": "Almaty", "avoid": "XX"}, 400, "avoid 'XX'"),
    ({"from": "Dushanbe", "to": "Almaty", "speed": "1"}, 400, "unknown query parameter 'speed'"),
    ({"from": "Dushanbe", "to": "Atlantis"}, 400, "Atlantis"),
    ({"from": "Dushanbe", "to": "Almaty", "close": "nowhere"}, 400, "unknown crossing id"),
    ({"from": "Dushanbe", "to": "Almaty", "alternatives": "9"}, 400, "between 0 and 3"),
    ({"from": "Dushanbe", "to": "Almaty", "avoid": "UZ,KZ"}, 422, "no route"),
])
def test_route_errors_are_problems(base: str, query: dict[str, str], status: int, words: str) -> None:
    answer = requests.get(f"{base}/api/v1/route", params=query, timeout=30)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status and words in problem["detail"], problem
    assert "\n" not in problem["detail"] and "Traceback" not in problem["detail"]


def test_limits_methods_and_cors(base: str) -> None:
    assert requests.get(f"{base}/ogc/nowhere", timeout=10).status_code == 404
    assert requests.get(f"{base}/api/v1/layers/nowhere", timeout=10).status_code == 404
    assert requests.get(f"{base}/api/v1/route?from={'x' * 3000}&to=y", timeout=10).status_code == 414
    assert requests.get(f"{base}/ogc", data=b"x", timeout=10).status_code == 413
    refused = requests.post(f"{base}/api/v1/layers", timeout=10)
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD, OPTIONS"
    preflight = requests.options(f"{base}/ogc/collections", headers={"Origin": "https://example.org",
                                                                    "Access-Control-Request-Method": "GET"},
                                 timeout=10)
    assert preflight.status_code == 204 and "GET" in preflight.headers["access-control-allow-methods"]
    items = requests.get(f"{base}/ogc/collections/places/items", params={"limit": "100000"}, timeout=30).json()
    assert items["numberReturned"] <= 1000


@pytest.mark.parametrize("fmt", FORMATS)
def test_layer_is_the_bytes_of_geo_export(base: str, capsysbinary: pytest.CaptureFixture[bytes], tmp_path: Path,
                                          fmt: str) -> None:
    day = "2021-03-01"
    target = tmp_path / f"cli{SUFFIXES[fmt]}"
    cli(capsysbinary, "export", "crossings", "--as-of", day, "--format", fmt, "-o", str(target))
    answer = requests.get(f"{base}/api/v1/layers/crossings", params={"as_of": day, "format": fmt}, timeout=60)
    assert answer.status_code == 200
    assert answer.content == target.read_bytes()


@pytest.mark.parametrize("layer", LAYERS)
def test_geojson_layer_and_gdal_reads_every_collection(base: str, capsysbinary: pytest.CaptureFixture[bytes],
                                                       tmp_path: Path, layer: str) -> None:
    exported = cli(capsysbinary, "export", layer)
    assert requests.get(f"{base}/api/v1/layers/{layer}", timeout=60).content == exported
    expected = [f["id"] for f in json.loads(exported)["features"]]
    assert layer in pyogrio.list_layers(f"OAPIF:{base}/ogc")[:, 0]
    read = pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer=layer)
    assert len(read) == len(expected)
    assert sorted(read["id"]) == sorted(expected)


@pytest.mark.parametrize("day", ["2016-01-01", "2021-03-01", "2024-06-01"])
def test_datetime_is_the_as_of_date(base: str, capsysbinary: pytest.CaptureFixture[bytes], day: str) -> None:
    exported = json.loads(cli(capsysbinary, "export", "crossings", "--as-of", day))
    expected = {f["id"]: f["properties"]["status"] for f in exported["features"]}
    page = requests.get(f"{base}/ogc/collections/crossings/items",
                        params={"datetime": day, "limit": "1000"}, timeout=30).json()
    assert {f["id"]: f["properties"]["status"] for f in page["features"]} == expected
    one = next(iter(expected))
    single = requests.get(f"{base}/ogc/collections/crossings/items/{one}", params={"datetime": f"{day}T12:00:00Z"},
                          timeout=30).json()
    assert single["properties"]["status"] == expected[one]


def test_paging_links_and_bbox(base: str, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    exported = json.loads(cli(capsysbinary, "export", "places"))["features"]
    box = (69.0, 39.6, 73.6, 41.6)
    inside = [f["id"] for f in exported if shapely.intersects(shapely.geometry.shape(f["geometry"]),
                                                              shapely.box(*box))]
    url: str | None = f"{base}/ogc/collections/places/items?limit=7&bbox={','.join(map(str, box))}"
    seen: list[str] = []
    while url:
        page = requests.get(url, timeout=30).json()
        assert page["numberMatched"] == len(inside) and page["numberReturned"] <= 7
        seen += [f["id"] for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert seen == inside and len(inside) > 7


def test_html_pages_run_nothing(base: str) -> None:
    for path in ("/ogc", "/ogc/collections", "/ogc/collections/crossings",
                 "/ogc/collections/crossings/items", "/ogc/collections/roads/items?limit=3"):
        page = requests.get(base + path, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "script-src" not in page.headers["content-security-policy"]
        assert "<script" not in page.text.lower()
    assert requests.get(f"{base}/ogc?f=xml", timeout=10).status_code == 400


def test_openapi_document_validates(base: str) -> None:
    from openapi_spec_validator import validate

    served = requests.get(f"{base}/api/v1/openapi.json", timeout=10).json()
    assert served == requests.get(f"{base}/ogc/api", timeout=10).json()
    validate(served)
    landing = requests.get(f"{base}/ogc", timeout=10).json()
    assert any(link["rel"] == "service-desc" for link in landing["links"])


def _value(schema: dict) -> st.SearchStrategy[str]:
    """Values a parameter's schema allows, and anything else."""
    text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
    valid: st.SearchStrategy[str]
    if "enum" in schema:
        valid = st.sampled_from([str(v) for v in schema["enum"]])
    elif schema.get("type") == "integer":
        valid = st.integers(-5, 20000).map(str)
    elif schema.get("type") == "array":
        valid = st.lists(_value(schema["items"]), max_size=7).map(",".join)
    elif schema.get("format") == "date":
        valid = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    else:
        valid = st.sampled_from(["Dushanbe", "Almaty", "khavastabad", "2024-01-01", "Osh", "1,2,3,4"])
    return st.one_of(valid, text)


OPERATIONS = [(path, op["get"]["parameters"]) for path, op in openapi.document()["paths"].items()]


@st.composite
def requests_of(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    path, parameters = draw(st.sampled_from(OPERATIONS))
    for parameter in parameters:
        if parameter["in"] == "path":
            value = draw(st.one_of(_value(parameter["schema"]), st.sampled_from(["khavastabad", "dushanbe"])))
            path = path.replace("{" + parameter["name"] + "}", requests.utils.quote(value, safe="") or "x")
    query = {p["name"]: draw(_value(p["schema"])) for p in parameters
             if p["in"] == "query" and (p["required"] or draw(st.booleans()))}
    if draw(st.booleans()):
        query[draw(st.sampled_from(["x", "limit", "f", "bbox-crs"]))] = draw(st.text(max_size=5))
    return path, query


@settings(max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "150")), deadline=None,
          derandomize=not os.environ.get("API_FUZZ_EXAMPLES"), database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=requests_of())
def test_fuzzed_requests_never_fail_on_the_server(base: str, request: tuple[str, dict[str, str]]) -> None:
    path, query = request
    answer = requests.get(base + path, params=query, timeout=60)
    assert answer.status_code < 500, (path, query, answer.text)
    if answer.status_code >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == answer.status_code


def test_no_delay_reaches_connections_accepted_later() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert server.no_delay() >= 1
        with socket.create_connection(listener.getsockname()) as _client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_warming_prepares_the_first_requests(app_layers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.routing.graph import Scenario, Trip
    from geoapp.api import store

    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    monkeypatch.setattr(store, "_stamp", (0.0, ""))  # the version of this folder, not of an earlier test's
    day = dt.date(2024, 5, 1)
    thread = store.warm(day)
    assert thread is not None
    thread.join(120)
    data = store.version()
    assert store.route_feature.peek(data, Trip(*store.WARM_PAIR, Scenario(as_of=day)), 0) is not None
    for layer in LAYERS:
        if (app_layers / f"{layer}.geojson").is_file():
            assert store.collection.peek(data, layer, day, day) is not None, layer
    assert "store.warm()" in inspect.getsource(server.lifespan)
