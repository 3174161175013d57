"""Run the installed app: ``python -m geoapp [streamlit options]``.

Starts ``streamlit run`` on the packaged script with the shipped settings (``geoapp/config.toml``: headless,
no error details for users, 5 MB uploads…), so an install outside the checkout behaves like
``streamlit run app.py`` inside it. Options given on the command line come last and win. Like ``app.py``, the
script is served as an ``st.App`` whose start-up warms the caches (:mod:`geoapp.server`).
"""

from __future__ import annotations

import sys
import tomllib
from importlib import resources
from typing import Any


def flags(config: dict[str, Any]) -> list[str]:
    """Return ``--section.option=value`` flags for every setting of a Streamlit config.

    >>> flags({"server": {"headless": True, "maxUploadSize": 5}, "client": {"toolbarMode": "minimal"}})
    ['--server.headless=true', '--server.maxUploadSize=5', '--client.toolbarMode=minimal']
    """
    out = []
    for section, options in config.items():
        for name, value in options.items():
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            out.append(f"--{section}.{name}={shown}")
    return out


def main() -> int:
    """Run the app with the shipped settings."""
    from streamlit.web import cli

    package = resources.files("geoapp")
    config = tomllib.loads((package / "config.toml").read_text(encoding="utf-8"))
    script = str(package / "streamlit_app.py")
    sys.argv = ["streamlit", "run", script, *flags(config), *sys.argv[1:]]
    result: int = cli.main()
    return result


if __name__ == "__main__":
    raise SystemExit(main())
