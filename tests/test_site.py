"""geo.map.site: the static viewer's files (content-hashed, the same bytes from the same data), the status history
the browser re-derives statuses from, escaping, ``geo site`` on bad input, and the app's server serving it."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from map_factories import HOSTILE, crossings, layers
from test_map_html_export import hostile_layers

from geo.cli import main as geo_main
from geo.layers.status import status_on
from geo.map.site import build_site, fact_dates, hashed
from geoapp.server import IMMUTABLE, SiteFiles

TODAY = dt.date(2025, 8, 1)


def manifest_of(page: Path) -> dict[str, Any]:
    found = re.search(r'id="manifest">(.*?)</script>', page.read_text(encoding="utf-8"))
    assert found is not None
    return dict(json.loads(found.group(1)))


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_data_gives_the_same_bytes_and_names_carry_digests(tmp_path: Path) -> None:
    first = build_site(layers().__getitem__, tmp_path / "a", today=TODAY)
    second = build_site(layers().__getitem__, tmp_path / "b", today=TODAY)
    assert tree(tmp_path / "a") == tree(tmp_path / "b") and first.files == second.files
    again = build_site(layers().__getitem__, tmp_path / "a", today=TODAY)  # rebuilt in place: the same files
    assert tree(tmp_path / "a") == tree(tmp_path / "b") and again.files == first.files
    files = tree(tmp_path / "a")
    assert {"index.html", "embed.html"} <= set(files)
    for name, body in files.items():
        if name.endswith((".html", ".png")):
            continue
        assert name == hashed(re.sub(r"\.[0-9a-f]{12}(?=\.\w+$)", "", name), body), name
    changed = build_site(layers(crossings=crossings(status="closed")).__getitem__, tmp_path / "c", today=TODAY)
    assert set(changed.files) != set(first.files)  # other data, other names: a host may cache forever


def test_pages_reference_only_files_that_exist(tmp_path: Path) -> None:
    build_site(layers().__getitem__, tmp_path, today=TODAY)
    for page in ("index.html", "embed.html"):
        html = (tmp_path / page).read_text(encoding="utf-8")
        manifest = manifest_of(tmp_path / page)
        assert manifest["embed"] is (page == "embed.html")
        referenced = re.findall(r'(?:src|href)="([^"]+)"', html) + [manifest["history"], *manifest["docs"].values()]
        for name in referenced:
            assert (tmp_path / name).is_file(), name
        for lang, name in manifest["docs"].items():
            document = json.loads((tmp_path / name).read_text(encoding="utf-8"))
            for overlay in document["overlays"]:
                assert all((tmp_path / f).is_file() for f in overlay["files"])
            assert lang in ("en", "ru") and document["search"]


def test_history_gives_the_status_on_every_day_as_status_on(tmp_path: Path) -> None:
    build_site(layers().__getitem__, tmp_path, today=TODAY)
    history = json.loads((tmp_path / manifest_of(tmp_path / "index.html")["history"]).read_text(encoding="utf-8"))
    entries = crossings()["status_history"].iloc[0]
    for day in ("2020-01-01", "2021-05-21", "2023-06-01", "2025-03-13", "2025-08-01"):
        dates = history["crossings"]["kyzyl-bel"]
        k = sum(1 for d, _ in dates if d <= day)  # what site.js does
        browser = "unknown" if k == 0 else dates[k - 1][1]
        assert browser == status_on(entries, dt.date.fromisoformat(day))["status"], day
    # every state of the dated group is drawn: one per distinct date, plus before the first
    name = next(n for n in tree(tmp_path) if n.startswith("d/en-crossings-0."))
    group = json.loads((tmp_path / name).read_text(encoding="utf-8"))
    states = group["rows"][0]["s"]
    assert len(states) == 3 and [s[0][0]["properties"]["k"][0] for s in states] == ["unknown", "closed", "open"]


def test_fact_dates_leave_out_announcements() -> None:
    history = [{"date": "2024-01-01", "status": "open"}, {"date": "2025-01-01", "status": "closed", "kind": "planned"}]
    assert fact_dates(history) == [("2024-01-01", "open")]
    assert fact_dates(None) == [] and fact_dates(float("nan")) == []


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_never_reach_markup_unescaped(tmp_path: Path, name: str) -> None:
    build_site(hostile_layers(name).__getitem__, tmp_path, today=TODAY)
    for file, body in tree(tmp_path).items():
        if file.endswith((".json", ".html")):
            text = body.decode("utf-8")
            if file.startswith("d/doc-"):  # the search index holds names as text (site.js writes textContent)
                document = json.loads(text)
                assert any(name in entry[0] for entry in document.pop("search"))
                text = json.dumps(document, ensure_ascii=False)
            for raw in ("<img", "<script>alert", "</script><b>"):
                assert raw not in text.replace("<script src=", "").replace(
                    '<script type="application/json"', ""), (file, raw)


def test_geo_site_refuses_bad_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "a.txt"
    file.write_text("x", encoding="utf-8")
    assert geo_main(["site", "-o", str(file)]) == 2
    other = tmp_path / "other"
    other.mkdir()
    (other / "mine.txt").write_text("x", encoding="utf-8")
    assert geo_main(["site", "-o", str(other)]) == 2
    err = capsys.readouterr().err
    assert "not a folder" in err and "other files" in err and "Traceback" not in err


def call(middleware: Any, path: str, method: str = "GET") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    asyncio.run(middleware({"type": "http", "method": method, "path": path, "headers": []}, receive, send))
    return sent


async def downstream(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "passed", "path": scope["path"]})


def test_the_app_server_serves_the_site_under_a_path(tmp_path: Path) -> None:
    written = build_site(layers().__getitem__, tmp_path, today=TODAY)
    folder: list[Path] = []
    for base, prefix in (("", ""), ("/maps/", "/maps")):
        middleware = SiteFiles(downstream, base=base, folder=lambda: folder[0] if folder else None)
        folder.clear()
        assert call(middleware, f"{prefix}/site/")[0]["status"] == 503  # not built yet
        folder.append(tmp_path)
        start, body = call(middleware, f"{prefix}/site/")
        assert start["status"] == 200 and body["body"] == (tmp_path / "index.html").read_bytes()
        assert dict(start["headers"])[b"cache-control"] == b"no-cache"
        script = next(n for n in written.files if n.startswith("a/site."))
        start, body = call(middleware, f"{prefix}/site/{script}")
        assert dict(start["headers"])[b"cache-control"] == IMMUTABLE.encode()
        assert body["body"] == (tmp_path / script).read_bytes()
        assert call(middleware, f"{prefix}/site")[0]["status"] == 308
        assert call(middleware, f"{prefix}/site/../app.py")[0]["status"] == 404
        assert call(middleware, f"{prefix}/site/{script}", "HEAD")[1]["body"] == b""
        assert call(middleware, f"{prefix}/other") == [{"type": "passed", "path": f"{prefix}/other"}]
