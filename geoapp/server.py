"""The app's server side: warm the caches when the server starts, answer Streamlit's own static files from memory.

``app.py`` (and the packaged ``streamlit_app.py``) hand these to ``st.App`` when ``streamlit run`` imports them
(Streamlit's ASGI mode); run as scripts they draw the app. Two costs are removed from every new visitor:

- The first visitor no longer waits for the imports, the layers and the default view: :func:`lifespan` prepares
  them before the server answers its health check (the rest is warmed in the background afterwards).
- Streamlit's frontend is about 120 content-hashed files per new visitor, and the map's frame about 15 more;
  through Streamlit's handlers each costs the server 1–3 ms of CPU (middleware, a thread for the file, gzip of
  the map's scripts every time), so :class:`StaticFromMemory` answers them from a dictionary, filled on first
  request, with the same bytes and cache headers.

And one wait is removed from every new visitor's first paint: Streamlit's page loads the code that mounts a
component only when the script run's map arrives, from a server then busy running that script (0.2–0.3 s on
2 cores). :class:`PreloadMapCode` names that code in Streamlit's page (``modulepreload``), so the browser has it
before the script runs.

The server also answers the HTTP API (:mod:`geoapp.api`): :func:`routes` hands its routes to ``st.App`` and
:class:`ApiFirst` answers them before Streamlit's middleware; :func:`no_delay` turns Nagle's algorithm off on
the listening socket, so no small answer waits for a delayed acknowledgement.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import importlib
import inspect
import mimetypes
import os
import re
import socket
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


Headers = list[tuple[bytes, bytes]]
GROUP_NAME = re.compile(r"g/[0-9a-f]{16}\.json(?:\.gz)?")
"""A published overlay group (:func:`geoapp.frontend.publish`): written while the server runs, never changed."""


class StaticFromMemory:
    """ASGI middleware answering GET and HEAD of static files from memory; everything else passes on.

    Two folders are answered: Streamlit's hashed frontend at ``<base>/static/`` (uncompressed, cached for a
    year, as Streamlit sends them) and the map component's served folder at ``<base>/component/<name>/``
    (``no-cache`` for HTML and ``public`` otherwise, gzipped when the browser accepts it, as Streamlit sends
    them; the gzip is made once). Only names listed when the middleware starts, or published overlay groups,
    are answered: a request's path is looked up, never joined onto a folder. Anything else (a missing file
    included) passes on to Streamlit, which answers as before.
    """

    def __init__(self, app: ASGIApp, base: str = "", component: str = "", served: Path | None = None) -> None:
        self.app = app
        root = "/" + "/".join(p for p in (base.strip("/"),) if p)
        self.mounts: list[tuple[str, Path, set[str], bool]] = [
            (root.rstrip("/") + "/static/", STATIC / "static", files(STATIC / "static"), False)]
        if component and served is not None:
            self.mounts.append((root.rstrip("/") + f"/component/{component}/", served, files(served), True))
        self.cache: dict[tuple[str, str], tuple[bytes, Headers, bytes | None]] = {}

    def _file(self, mount: int, name: str) -> tuple[bytes, Headers, bytes | None] | None:
        prefix, folder, names, component = self.mounts[mount]
        found = self.cache.get((prefix, name))
        if found is not None:
            return found
        if name not in names and not (component and GROUP_NAME.fullmatch(name)):
            return None
        try:
            body = (folder / name).read_bytes()
        except OSError:  # not (or no longer) there: Streamlit answers
            return None
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if name.endswith(".gz"):
            kind = "application/gzip"
        elif kind.startswith("text/") or kind.endswith(("javascript", "json", "+xml")):
            kind += "; charset=utf-8"
        cache = IMMUTABLE if not component else "no-cache" if name.endswith(".html") else "public"
        packed = (gzip.compress(body, compresslevel=9, mtime=0)
                  if component and len(body) >= 500 and kind.startswith(("text/", "application/javascript",
                                                                            "application/json", "image/svg"))
                  else None)
        found = body, [(b"content-type", kind.encode()), (b"cache-control", cache.encode())], packed
        self.cache[(prefix, name)] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a known static file, or pass the request on."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope.get("method") in ("GET", "HEAD"):
            for number, (prefix, *_) in enumerate(self.mounts):
                if not path.startswith(prefix):
                    continue
                found = self._file(number, path[len(prefix):])
                if found is None:
                    break
                body, headers, packed = found
                accepts = b"gzip" in dict(scope.get("headers") or []).get(b"accept-encoding", b"")
                if packed is not None and accepts:
                    body, headers = packed, [*headers, (b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
                headers = [*headers, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
                return
        await self.app(scope, receive, send)


COMPONENT_CHUNK = re.compile(r"ComponentInstance\.[\w-]+\.js")
"""The file of Streamlit's frontend that mounts a declared component (its name carries a content hash)."""
IMPORT = re.compile(r"""(?:from|import)\s*["']\./([\w.-]+\.js)["']""")
"""A static import of a sibling file in Streamlit's built frontend (``from"./x.Hash.js"``)."""
PRELOADED = re.compile(r'(?:href|src)="\./static/js/([\w.-]+\.js)"')
"""A script Streamlit's page already loads or preloads."""


def component_chunks(js: Path, page: str) -> list[str]:
    """Return the files (names in ``js``) that mount a component and that ``page`` does not already preload.

    The component's own file and its static imports, transitively; empty when Streamlit's frontend has no single
    such file (another Streamlit version): the page is then served as Streamlit made it.
    """
    found = [p.name for p in js.glob("ComponentInstance.*.js") if COMPONENT_CHUNK.fullmatch(p.name)]
    if len(found) != 1:
        return []
    preloaded = set(PRELOADED.findall(page))
    wanted, todo = [], [found[0]]
    while todo:
        name = todo.pop()
        if name in wanted or name in preloaded or not (js / name).is_file():
            continue
        wanted.append(name)
        todo += IMPORT.findall((js / name).read_text(encoding="utf-8"))
    return wanted


def with_preloads(page: bytes, names: list[str]) -> bytes:
    """Return Streamlit's page with a ``modulepreload`` link per file name, placed before ``</head>``."""
    links = "".join(f'<link rel="modulepreload" crossorigin href="./static/js/{n}">' for n in names)
    return page.replace(b"</head>", links.encode() + b"</head>", 1) if links else page


class PreloadMapCode:
    """ASGI middleware adding ``modulepreload`` links for the component-mounting code to Streamlit's page.

    Streamlit answers its page (``index.html``) at the app's root and at every page's path; a response whose body
    is exactly that file is sent with the links added (and its length changed). Every other response, a
    compressed or partial one included, passes through byte for byte.
    """

    def __init__(self, app: ASGIApp, index: Path = STATIC / "index.html") -> None:
        self.app = app
        try:
            self.page = index.read_bytes()
        except OSError:
            self.page = b""
        self.changed = with_preloads(self.page, component_chunks(index.parent / "static" / "js",
                                                                 self.page.decode("utf-8", "replace")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; swap Streamlit's page for the one with the links when it is the answer."""
        if scope["type"] != "http" or scope.get("method") != "GET" or self.changed == self.page:
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        passing = False
        body = bytearray()

        async def hold(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await send(message)
            elif message["type"] == "http.response.start":
                named = dict(message.get("headers") or [])
                passing = (message.get("status") != 200 or b"content-encoding" in named
                           or not named.get(b"content-type", b"").startswith(b"text/html"))
                if passing:
                    await send(message)
                else:
                    start = message
            else:
                body.extend(message.get("body", b""))
                if message.get("more_body") or start is None:
                    return
                if bytes(body) != self.page:  # another page: as it was (in one piece)
                    await send(start)
                    await send({"type": "http.response.body", "body": bytes(body)})
                    return
                headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
                await send(dict(start, headers=[*headers, (b"content-length", str(len(self.changed)).encode())]))
                await send({"type": "http.response.body", "body": self.changed})

        await self.app(scope, receive, hold)


class SiteFiles:
    """ASGI middleware answering GET and HEAD under ``<base>/site/`` with the static viewer's files.

    The folder comes from a callable (:func:`geoapp.frontend.site_folder`: None while the viewer is built, then
    the folder, which changes with the data version); a path is looked up among the folder's files, never joined
    onto it. Content-hashed files are cached for a year, the two pages revalidated. While the viewer is not
    built the answer is 503 with ``Retry-After``; anything outside the path passes on.
    """

    def __init__(self, app: ASGIApp, base: str = "", folder: Callable[[], Path | None] | None = None) -> None:
        self.app = app
        self.prefix = "/" + "/".join(p for p in (base.strip("/"), "site") if p) + "/"
        self.folder = folder or (lambda: None)
        self.names: tuple[Path | None, set[str]] = (None, set())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a file of the static viewer, or pass the request on."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope.get("method") not in ("GET", "HEAD") or not (path + "/").startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if path + "/" == self.prefix:  # /site → /site/
            await self._answer(scope, send, 308, b"", [(b"location", self.prefix.encode())])
            return
        folder = self.folder()
        if folder is None:
            await self._answer(scope, send, 503, b"The static map is being built; try again in a minute.\n",
                               [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"30")])
            return
        if self.names[0] != folder:
            self.names = (folder, files(folder))
        name = path[len(self.prefix):] or "index.html"
        if name not in self.names[1]:
            await self._answer(scope, send, 404, b"Not found\n", [(b"content-type", b"text/plain; charset=utf-8")])
            return
        body = (folder / name).read_bytes()
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith(("javascript", "json")):
            kind += "; charset=utf-8"
        cache = "no-cache" if name.endswith(".html") else IMMUTABLE
        await self._answer(scope, send, 200, body, [(b"content-type", kind.encode()),
                                                     (b"cache-control", cache.encode())])

    @staticmethod
    async def _answer(scope: Scope, send: Send, status: int, body: bytes, headers: Headers) -> None:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})


def files(folder: Path) -> set[str]:
    """Return the names (relative, with ``/``) of the files under a folder."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def middleware() -> list[Any]:
    """Return the middleware ``st.App`` runs before Streamlit's own."""
    from starlette.middleware import Middleware

    from geoapp import frontend

    return [Middleware(ApiFirst, base=str(streamlit.get_option("server.baseUrlPath") or "")),
            Middleware(PreloadMapCode),
            Middleware(SiteFiles, base=str(streamlit.get_option("server.baseUrlPath") or ""),
                       folder=frontend.site_folder),
            Middleware(StaticFromMemory, base=str(streamlit.get_option("server.baseUrlPath") or ""),
                       component=frontend.COMPONENT, served=frontend.SERVED)]


PRELOAD = ("altair", "streamlit.components.v1", "geo.io.bundle", "geo.io.formats", "geo.routing.names",
           "geoapp.share", "geo.io.tracks", "geoapp.results", "geoapp.state", "geoapp.ui")
"""What the pages import, imported at start-up; not the pages themselves, whose components Streamlit registers
only when they are declared inside a script run."""


def no_delay() -> int:
    """Turn Nagle's algorithm off on this process's listening TCP sockets; return how many were changed.

    Streamlit binds its socket itself, without the protocol number asyncio looks for before it sets
    ``TCP_NODELAY`` on each connection, and uvicorn writes a response's head and body separately: every small
    answer then waits for the client's delayed acknowledgement (about 40 ms on Linux). Connections accepted on a
    listening socket inherit the option.
    """
    changed = 0
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # not Linux: leave the sockets as they are
        return 0
    for fd in fds:
        try:
            found = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        with found:
            try:
                if (found.type == socket.SOCK_STREAM and found.family in (socket.AF_INET, socket.AF_INET6)
                        and found.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)):
                    found.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    changed += 1
            except OSError:
                continue
    return changed


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Warm every cache before the server answers its first request.

    Imports, layers, every band of every overlay, the route engine and the country index: the server starts a few
    seconds later, and no visitor waits for them (nor shares the interpreter with a warm-up thread).
    """
    from geoapp import data, frontend
    from geoapp.api import store

    no_delay()
    for module in PRELOAD:
        importlib.import_module(module)
    # Declaring a component finds its module with inspect.getmodule, whose first call indexes every loaded module
    # (~0.1 s): done here, the first visitor's run declares the pages' components in milliseconds.
    inspect.getmodule(inspect.currentframe())
    data.warm(data.version(), dt.date.today(), measuring=True, wait=True)
    frontend.start_site(data.version())  # the static viewer at /site/, built once per data version
    store.warm()  # the API's engine, collections and extents, in a background thread: the server answers meanwhile
    yield


class ApiFirst:
    """ASGI middleware answering the HTTP API's paths (``/api/``, ``/ogc``) before Streamlit's own middleware.

    The same routes are handed to ``st.App`` (:func:`routes`); answered here, a request skips Streamlit's path
    checks, session cookie, gzip and route table, which triples the requests a second the API answers (about 380
    → 1,000 on 2 shared cores, ``scripts/bench_api.py``). Every other path passes on untouched.
    """

    def __init__(self, app: ASGIApp, base: str = "") -> None:
        from starlette.routing import Router

        from geoapp import api

        self.app = app
        root = "/" + base.strip("/") if base.strip("/") else ""
        self.prefixes = (root + "/api/", root + "/ogc/")
        self.exact = root + "/ogc"
        self.router = Router(routes=api.routes(base))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route an API request to the API; pass anything else on."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path and (path == self.exact or path.startswith(self.prefixes)):
            await self.router(scope, receive, send)
            return
        await self.app(scope, receive, send)


def routes() -> list[Any]:
    """Return the routes ``st.App`` matches before Streamlit's own: the HTTP API (:mod:`geoapp.api`)."""
    from geoapp import api

    return api.routes(str(streamlit.get_option("server.baseUrlPath") or ""))
