#!/usr/bin/env bash
# The README's test command: installs what the test suite needs into the active Python (use a virtual
# environment: .ci/run makes a new one each time), then runs ruff, mypy (strict) and pytest.
#   - Debian's chromium for the browser tests, if missing (apt-get, with sudo when not root);
#   - this package, editable, with its [test] extras: every import the code and tests make is declared there.
# Arguments go to pytest, e.g. `bash scripts/test.sh -m "not browser"`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (browser tests) …"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

"$PYTHON" -m pip install -q --disable-pip-version-check -e ".[test]"

"$PYTHON" -m ruff check
"$PYTHON" -m mypy
"$PYTHON" -m pytest "$@"
