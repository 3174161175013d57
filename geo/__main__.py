"""Run the command line: ``python -m geo``."""

from __future__ import annotations

import sys

from geo.cli import main

sys.exit(main())
