"""The app's pages show the data's addresses on its own server, and those addresses answer the same data.

The download tab lists every layer's API file and OGC API – Features collection and the shown route's
``/api/v1/route`` address; the Tables and Sources pages show their layers' addresses. Each shown address is
fetched from the API's routes (the list ``app.py`` hands to ``st.App``) in a bare Starlette app, in process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from streamlit.testing.v1 import AppTest  # noqa: TID251 (an app test)

from geo.io.geojson import to_json
from geoapp import api
from geoapp.pages import downloads
from geoapp.results import Outcome, shown_routes
from tests.conftest import APP, problems

API = Starlette(routes=api.routes())
ADDRESS = re.compile(r"\]\((/(?:api/v1|ogc)/[^)\s]+)\)")
"""A Markdown link to one of the API's paths (the pages write each address as a link to itself)."""


def get(path: str) -> tuple[int, dict[str, str], bytes]:
    """Return the status, headers and body the API's routes answer for a GET of ``path`` (with its query)."""
    parts = urlsplit(path)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": parts.path, "raw_path": parts.path.encode(), "query_string": parts.query.encode(),
             "root_path": "", "headers": [(b"host", b"localhost")], "server": ("localhost", 80),
             "client": ("127.0.0.1", 1)}
    asyncio.run(API(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def shown_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


@pytest.fixture
def layers_env(app_layers: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    return app_layers


ROUTES = [
    {"from": "dushanbe", "to": "almaty", "date": "2025-06-01", "optimize": "distance", "alt": "1"},
    {"from": "khujand", "to": "batken", "date": "2023-06-01", "date2": "2025-08-01", "mode": "freight",
     "vehicle": "TJ"},
    {"from": "khujand", "to": "bishkek", "via": "tashkent", "citizen": "TJ", "visa": "KZ"},
]


@pytest.mark.parametrize("link", ROUTES)
def test_download_tab_shows_addresses_that_answer_the_same_data(layers_env: Path, link: dict[str, str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes: list[Outcome | None] = []
    real = downloads.route_links
    monkeypatch.setattr(downloads, "route_links", lambda state, outcome: (outcomes.append(outcome),
                                                                         real(state, outcome))[1])
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({**link, "tab": "download"})
    at.run()
    assert problems(at) == []
    text = shown_text(at)
    addresses = ADDRESS.findall(text)
    layer_files = [a for a in addresses if a.startswith("/api/v1/layers/")]
    collections = [a for a in addresses if a.startswith("/ogc/collections/")]
    assert layer_files and len(layer_files) == len(collections)
    for address in layer_files:
        assert parse_qs(urlsplit(address).query)["as_of"] == [link.get("date", dt_today())]
    for address in [*layer_files[:2], *collections[:2], "/ogc"]:
        status, _headers, body = get(address)
        assert status == 200, (address, body[:200])
    routes = shown_routes(outcomes[-1])
    assert routes
    shown = [c.value for c in at.code if "/api/v1/route?" in c.value]
    assert len(shown) == len(routes)
    for address, route in zip(shown, routes):
        status, headers, body = get(address)
        assert status == 200, body[:300]
        assert headers["content-type"] == "application/geo+json"
        feature = json.loads(body)
        expected = json.loads(to_json(route.to_dict()))
        assert feature["geometry"] == expected.pop("geometry")
        assert feature["properties"] == expected


def dt_today() -> str:
    return dt.date.today().isoformat()


def tables_script() -> None:
    import streamlit as st  # noqa: TID251

    from geoapp.pages.table import table_page

    st.set_page_config(layout="wide")
    table_page()


def sources_script() -> None:
    from geoapp.pages.sources import sources_page

    sources_page()


def test_tables_and_sources_pages_show_the_layers_addresses(layers_env: Path) -> None:
    tables = AppTest.from_function(tables_script, default_timeout=120)
    tables.query_params["date"] = "2024-01-01"
    tables.run()
    assert problems(tables) == []
    shown = {"crossings"}
    for kind in ("roads", "places"):
        assert {a for a in ADDRESS.findall(shown_text(tables)) if a.startswith("/api")} == {
            f"/api/v1/layers/{layer}?as_of=2024-01-01" for layer in shown}
        tables.radio(key="tbl_kind").set_value(kind).run()
        shown = {kind}
    sources = AppTest.from_function(sources_script, default_timeout=120)
    sources.run()
    assert problems(sources) == []
    addresses = ADDRESS.findall(shown_text(sources))
    built = sorted(p.stem for p in layers_env.glob("*.geojson"))
    assert sorted(a.rsplit("/", 1)[1] for a in addresses if a.startswith("/ogc/")) == built
    for address in addresses:
        status, _headers, body = get(address)
        assert status == 200, (address, body[:200])
