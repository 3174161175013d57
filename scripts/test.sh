#!/usr/bin/env bash
# The README's test command: installs what the test suite needs into the active Python (use a virtual
# environment: .ci/run makes a new one each time), then runs ruff, mypy (strict) and pytest.
#   - Debian's chromium (and nginx-light, for the proxy test) for the browser tests, if missing (apt-get, with sudo
#     when not root);
#   - Debian's PostgreSQL, PostGIS, pgRouting and gdal-bin (ogrinfo) for the database tests, if missing; then a
#     throwaway cluster in a temporary folder (as the unprivileged user `nobody` when run as root), listening only
#     on a unix socket inside that folder, with GEO_DATABASE_URL pointing at it; stopped and removed at exit.
#     GEO_NO_DB=1 skips that (the database tests then skip, except under CI=true, where they fail);
#   - this package, editable, with its [test] extras: every import the code and tests make is declared there.
# Arguments go to pytest, e.g. `bash scripts/test.sh -m "not browser"`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

browser_packages=""
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  browser_packages="chromium fonts-dejavu-core"
fi
[ -x /usr/sbin/nginx ] || browser_packages="$browser_packages nginx-light"  # the proxy test (two apps behind nginx)
if [ -n "$browser_packages" ]; then
  echo "installing$browser_packages (browser tests) …"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $browser_packages >/dev/null
fi

PG_VERSION="${PG_VERSION:-15}"
pg_bin="/usr/lib/postgresql/$PG_VERSION/bin"
pg_dir=""
as_pg=()
stop_pg() {
  if [ -n "$pg_dir" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
start_pg() {  # installs what is missing, starts the throwaway cluster, exports GEO_DATABASE_URL; fails on any error
  local SUDO="" pkg pg_packages=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  for pkg in "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3" "postgresql-$PG_VERSION-pgrouting" gdal-bin; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || pg_packages="$pg_packages $pkg"
  done
  if [ -n "$pg_packages" ]; then
    echo "installing$pg_packages (database tests) …"
    $SUDO apt-get update -qq || return 1
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $pg_packages >/dev/null \
      || return 1
  fi
  pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/geo-pg.XXXXXX")" || return 1
  if [ "$(id -u)" -eq 0 ]; then  # PostgreSQL refuses to run as root: the cluster belongs to nobody
    chown nobody "$pg_dir" && chmod 700 "$pg_dir" || return 1
    as_pg=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  fi
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U geo --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null || return 1
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -s start \
    -o "-k $pg_dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" || return 1
  "${as_pg[@]}" "$pg_bin/createdb" -h "$pg_dir" -U geo geo || return 1
  export GEO_DATABASE_URL="postgresql://geo@/geo?host=$pg_dir"
  echo "database tests: PostgreSQL $PG_VERSION at $GEO_DATABASE_URL"
}
if [ -z "${GEO_NO_DB:-}" ]; then
  trap stop_pg EXIT
  if ! start_pg; then
    if [ "${CI:-}" = "true" ]; then
      echo "CI: could not start the test database (PostgreSQL $PG_VERSION, PostGIS, pgRouting)" >&2
      exit 1
    fi
    echo "could not start a test database: the database tests will skip" >&2
    unset GEO_DATABASE_URL
  fi
fi

"$PYTHON" -m pip install -q --disable-pip-version-check -e ".[test]"

"$PYTHON" -m ruff check
"$PYTHON" -m mypy
"$PYTHON" -m pytest "$@"
