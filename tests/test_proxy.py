"""Two app processes behind nginx (scripts/serve_behind_proxy.py): a browser's session sticks to one process.

Browser test (``-m browser``), skipped without nginx or Chromium; it starts two apps, so it runs only where
browser tests run.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.common import DRAWN

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium"))
FRAME = 'iframe[title*="geo_map"]'

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed")
if not CHROMIUM.exists() or not Path("/usr/sbin/nginx").exists():
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):  # scripts/test.sh installs both
        pytest.fail("CI must run the proxy test: Chromium or nginx is missing", pytrace=False)
    pytest.skip("needs Chromium and nginx (apt-get install nginx-light)", allow_module_level=True)
_spec = importlib.util.spec_from_file_location("serve_behind_proxy", ROOT / "scripts" / "serve_behind_proxy.py")
assert _spec is not None and _spec.loader is not None
proxy_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proxy_script)


@pytest.fixture(scope="module")
def proxy() -> Iterator[tuple[str, list[str]]]:
    with proxy_script.serve(apps=2) as found:
        yield found


def test_sessions_stick_to_one_app_and_the_api_reaches_both(proxy: tuple[str, list[str]]) -> None:
    url, backends = proxy
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu",
                                                                          "--disable-dev-shm-usage"])
        try:
            for _ in range(2):
                context = chromium.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                seen: set[str] = set()

                def note(response: Any, seen: set[str] = seen) -> None:
                    backend = response.headers.get("x-backend")
                    if backend and response.url.startswith(url) and "/api/" not in response.url:
                        seen.add(backend)

                page.on("response", note)
                page.goto(url)
                page.frame_locator(FRAME).locator(DRAWN).first.wait_for(timeout=120_000)
                assert len(seen) == 1, seen
                assert seen <= {b.removeprefix("http://") for b in backends}
                context.close()
            request = chromium.new_context().request
            answered = {request.get(f"{url}/ogc/collections").headers["x-backend"] for _ in range(4)}
            assert answered == {b.removeprefix("http://") for b in backends}
            route = request.get(f"{url}/api/v1/route?from=Dushanbe&to=Khujand")
            assert route.status == 200 and route.json()["type"] == "Feature"
        finally:
            chromium.close()
