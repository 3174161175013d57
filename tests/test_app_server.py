"""geoapp.server: Streamlit's static files answered from memory, everything else passed on unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

from geoapp.server import IMMUTABLE, STATIC, StaticFromMemory


def call(middleware: StaticFromMemory, method: str, path: str, gzip: bool = False) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    headers = [(b"accept-encoding", b"gzip, deflate")] if gzip else []
    asyncio.run(middleware({"type": "http", "method": method, "path": path, "headers": headers}, receive, send))
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


def test_the_map_frame_and_its_groups_come_from_memory(tmp_path) -> None:
    import gzip

    from map_factories import layers

    from geo.map import BANDS, OVERLAYS, prepare
    from geoapp import component, frontend

    assert component._map.name == frontend.COMPONENT  # noqa: SLF001 (our own module)
    served = frontend.served_folder(tmp_path)
    assert served is not None
    middleware = StaticFromMemory(downstream, component=frontend.COMPONENT, served=served)
    base = f"/component/{frontend.COMPONENT}/"
    start, body = call(middleware, "GET", base + "index.html")
    assert dict(start["headers"])[b"cache-control"] == b"no-cache"
    assert body["body"] == (served / "index.html").read_bytes()
    start, body = call(middleware, "GET", base + "vendor/leaflet/leaflet.js", gzip=True)
    headers = dict(start["headers"])
    assert headers[b"content-encoding"] == b"gzip" and headers[b"cache-control"] == b"public"
    assert gzip.decompress(body["body"]) == (served / "vendor/leaflet/leaflet.js").read_bytes()
    group = frontend.publish(prepare(OVERLAYS[1], layers(), BANDS[0]).group, served)  # written after the start
    assert group is not None
    start, body = call(middleware, "GET", base + group["src"], gzip=True)
    headers = dict(start["headers"])
    assert headers[b"content-type"] == b"application/gzip" and b"content-encoding" not in headers
    assert body["body"] == (served / group["src"]).read_bytes()
    for name in ("g/../index.html", "g/0123456789abcdef.json", "missing.js", "../x"):  # unknown: Streamlit answers
        assert call(middleware, "GET", base + name) == [{"type": "passed", "path": base + name}], name
