"""Command-line parts for routing: ``route``, ``compare``, ``measure``, ``bench``."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(sub: Any) -> None:
    """Register the routing subcommands (filled in by the routing module)."""
