"""The app's server side: warm the caches when the server starts, answer Streamlit's own static files from memory.

``app.py`` (and the packaged ``streamlit_app.py``) hand these to ``st.App`` when ``streamlit run`` imports them
(Streamlit's ASGI mode); run as scripts they draw the app. Two costs are removed from every new visitor:

- The first visitor no longer waits for the imports, the layers and the default view: :func:`lifespan` prepares
  them before the server answers its health check (the rest is warmed in the background afterwards).
- Streamlit's frontend is about 120 content-hashed files per new visitor; through Streamlit's static handler each
  costs the server 1–3 ms of CPU (middleware, a thread for the file), so :class:`StaticFromMemory` answers them
  from a dictionary, filled on first request, with the same bytes and cache headers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import mimetypes
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import streamlit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STATIC = Path(streamlit.__file__).resolve().parent / "static"
"""Streamlit's frontend: ``index.html`` and ``static/`` (js, css, media), all named by content hash."""
IMMUTABLE = "public, immutable, max-age=31536000"
"""What Streamlit sends for its hashed files: a year, never revalidated."""


class StaticFromMemory:
    """ASGI middleware answering GET and HEAD of ``<base>/static/…`` from memory; everything else passes on.

    Only names that exist under Streamlit's ``static/static`` folder are answered (looked up in a dictionary
    of files read once, never joined onto a path from the request); a missing file passes on to Streamlit,
    which answers as before.
    """

    def __init__(self, app: ASGIApp, base: str = "") -> None:
        self.app = app
        self.prefix = "/" + "/".join(p for p in (base.strip("/"), "static/") if p)
        self.root = STATIC / "static"
        self.names = {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()}
        self.files: dict[str, tuple[bytes, list[tuple[bytes, bytes]]]] = {}

    def _file(self, name: str) -> tuple[bytes, list[tuple[bytes, bytes]]] | None:
        if name not in self.names:
            return None
        if name not in self.files:
            body = (self.root / name).read_bytes()
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            if kind.startswith("text/") or kind.endswith(("javascript", "json")):
                kind += "; charset=utf-8"
            self.files[name] = body, [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode()),
                                      (b"cache-control", IMMUTABLE.encode())]
        return self.files[name]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a known static file, or pass the request on."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope.get("method") in ("GET", "HEAD") and path.startswith(self.prefix):
            found = self._file(path[len(self.prefix):])
            if found is not None:
                body, headers = found
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
                return
        await self.app(scope, receive, send)


def middleware() -> list[Any]:
    """Return the middleware ``st.App`` runs before Streamlit's own."""
    from starlette.middleware import Middleware

    return [Middleware(StaticFromMemory, base=str(streamlit.get_option("server.baseUrlPath") or ""))]


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Warm every cache before the server answers its first request.

    Imports, layers, every band of every overlay, the route engine and the country index: the server starts a few
    seconds later, and no visitor waits for them (nor shares the interpreter with a warm-up thread).
    """
    from geoapp import data  # not the pages: their components must be declared inside a script run

    data.warm(data.version(), dt.date.today(), measuring=True, wait=True)
    yield
