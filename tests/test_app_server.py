"""geoapp.server: Streamlit's static files answered from memory, everything else passed on unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

from geoapp.server import IMMUTABLE, STATIC, StaticFromMemory


def call(middleware: StaticFromMemory, method: str, path: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    asyncio.run(middleware({"type": "http", "method": method, "path": path}, receive, send))
    return sent


async def downstream(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "passed", "path": scope["path"]})


def test_static_files_come_from_memory_with_streamlit_headers() -> None:
    name = next(p for p in (STATIC / "static" / "js").iterdir() if p.suffix == ".js")
    for base, prefix in (("", ""), ("/maps/", "/maps")):
        middleware = StaticFromMemory(downstream, base=base)
        start, body = call(middleware, "GET", f"{prefix}/static/js/{name.name}")
        headers = dict(start["headers"])
        assert start["status"] == 200 and body["body"] == name.read_bytes()
        assert headers[b"cache-control"] == IMMUTABLE.encode()
        assert headers[b"content-type"].startswith(b"text/javascript") or b"javascript" in headers[b"content-type"]
        assert headers[b"content-length"] == str(name.stat().st_size).encode()
        assert call(middleware, "HEAD", f"{prefix}/static/js/{name.name}")[1]["body"] == b""


def test_everything_else_passes_on() -> None:
    middleware = StaticFromMemory(downstream)
    name = next((STATIC / "static" / "js").iterdir()).name
    for method, path in (("GET", "/"), ("GET", "/static/js/missing.js"), ("GET", "/static/../index.html"),
                         ("GET", "/static/js/../../index.html"), ("POST", f"/static/js/{name}"),
                         ("GET", "/component/geoapp.component.geo_map/map.js"), ("GET", "/_stcore/health")):
        assert call(middleware, method, path) == [{"type": "passed", "path": path}], path
