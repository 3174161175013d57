"""geoapp.server: Streamlit's static files answered from memory, everything else passed on unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

from geoapp.server import COMPONENT_CHUNK, IMMUTABLE, STATIC, PreloadMapCode, StaticFromMemory, component_chunks


def call(middleware: Any, method: str, path: str, gzip: bool = False) -> list[dict[str, Any]]:
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

    from geo.map.geometry import BANDS
    from geo.map.prepare import prepare
    from geo.map.registry import OVERLAYS
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


# --- Streamlit's page names the code that mounts the map (PreloadMapCode) -----------------------------------------


def test_the_component_code_is_found_in_streamlits_frontend() -> None:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    names = component_chunks(STATIC / "static" / "js", page)
    assert names and COMPONENT_CHUNK.fullmatch(names[0])
    assert all((STATIC / "static" / "js" / n).is_file() and n not in page for n in names)


def test_no_component_code_found_leaves_the_page_alone(tmp_path) -> None:
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "index.html").write_bytes(b"<html><head></head></html>")
    assert component_chunks(tmp_path / "static" / "js", "") == []
    middleware = PreloadMapCode(page_app(b"<html><head></head></html>"), index=tmp_path / "index.html")
    assert call(middleware, "GET", "/")[1]["body"] == b"<html><head></head></html>"


def page_app(body: bytes, kind: bytes = b"text/html", extra: list[tuple[bytes, bytes]] | None = None,
             pieces: int = 1) -> Any:
    """Return an ASGI app answering every request with ``body`` (in ``pieces`` messages), as Streamlit would."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), *(extra or [])]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        size = -(-len(body) // pieces)
        for number in range(pieces):
            await send({"type": "http.response.body", "body": body[number * size:(number + 1) * size],
                        "more_body": number < pieces - 1})

    return app


def test_streamlits_page_gets_the_preload_links_and_its_new_length() -> None:
    page = (STATIC / "index.html").read_bytes()
    names = component_chunks(STATIC / "static" / "js", page.decode())
    links = b"".join(b'<link rel="modulepreload" crossorigin href="./static/js/%s">' % n.encode() for n in names)
    for pieces in (1, 3):
        start, body = call(PreloadMapCode(page_app(page, b"text/html; charset=utf-8", pieces=pieces)), "GET", "/x")
        assert body["body"] == page.replace(b"</head>", links + b"</head>", 1) and len(names) >= 1
        assert [v for k, v in start["headers"] if k == b"content-length"] == [str(len(body["body"])).encode()]


def plain(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return ASGI messages without ``more_body: False`` (the same as leaving it out)."""
    return [{k: v for k, v in m.items() if k != "more_body" or v} for m in messages]


def test_other_answers_pass_through_byte_for_byte() -> None:
    page = (STATIC / "index.html").read_bytes()
    for app in (page_app(b"<html>another page</html>"), page_app(page, b"text/javascript"),
                page_app(page, extra=[(b"content-encoding", b"gzip")])):
        direct: list[dict[str, Any]] = []

        async def collect(message: Any, direct: list[dict[str, Any]] = direct) -> None:
            direct.append(dict(message))

        asyncio.run(app({"type": "http", "method": "GET", "path": "/"}, None, collect))
        assert plain(call(PreloadMapCode(app), "GET", "/")) == plain(direct)
    assert call(PreloadMapCode(downstream), "POST", "/") == [{"type": "passed", "path": "/"}]
