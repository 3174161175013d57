"""The PostGIS store and pgRouting (issue 21), against a real PostgreSQL with PostGIS and pgRouting.

scripts/test.sh starts a throwaway cluster and sets GEO_DATABASE_URL (tests/conftest.py takes it out of the
environment). Without one these tests skip with a one-line reason; under CI=true they fail instead.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import UsageError
from geo.io import formats
from geo.layers import registry, store
from geo.paths import layers_dir
from tests.common import run_cli

DATABASE_URL = os.environ.get("GEO_TEST_DATABASE_URL")  # tests/conftest.py moves GEO_DATABASE_URL here

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-01-01"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the database tests: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def db_url() -> Iterator[str]:
    """The test database with the built layers loaded (skips without one, fails in CI)."""
    if DATABASE_URL is None:
        _unavailable("no test database: GEO_DATABASE_URL is not set (scripts/test.sh starts one)")
    assert DATABASE_URL is not None
    from geo.db import load

    try:
        load.load(DATABASE_URL)
    except UsageError as exc:
        _unavailable(f"test database unusable: {exc.message}")
    yield DATABASE_URL


run = run_cli


# --- store ----------------------------------------------------------------------------------------------------------

def test_every_layer_reads_back_as_its_file(db_url: str) -> None:
    from geo.db.source import DatabaseSource

    source = DatabaseSource(db_url)
    for spec in registry.LAYERS:
        from_file = store.read_collection(spec.id)
        from_db = source.collection(spec.id)
        assert from_db == from_file, spec.id
        assert json.dumps(from_db, ensure_ascii=False) == json.dumps(from_file, ensure_ascii=False), spec.id


def test_schema_has_keys_indexes_comments_and_tables(db_url: str) -> None:
    import psycopg

    with psycopg.connect(db_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'geo'")}
        assert set(registry.ids()) | {"crossing_status", "pipeline_status", "border_times", "road_speeds",
                                      "entry_rules", "layers", "route_edges", "route_nodes"} <= tables
        for spec in registry.LAYERS:
            comment = conn.execute("SELECT obj_description(%s::regclass)", (f'geo."{spec.id}"',)).fetchone()
            assert comment is not None and spec.licence in comment[0] and spec.attribution in comment[0]
            index = conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'geo' AND tablename = %s "
                                 "AND indexdef LIKE '%%gist%%'", (spec.id,)).fetchone()
            assert index is not None, spec.id
        keys = conn.execute("SELECT (SELECT relname FROM pg_class WHERE oid = c.conrelid), contype "
                            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                            "WHERE n.nspname = 'geo'").fetchall()
        foreign = {t for t, kind in keys if kind == "f"}
        assert {"roads", "crossing_status", "border_times", "pipeline_status"} <= foreign
        assert {t for t, kind in keys if kind == "p"} >= set(registry.ids())
        counts = dict(conn.execute("SELECT crossing_id, count(*) FROM geo.crossing_status GROUP BY 1").fetchall())
    crossings, _ = store.read_layer("crossings")
    assert counts == {c: len(h) for c, h in zip(crossings["id"], crossings["status_history"]) if len(h)}


def test_qgis_finds_each_layers_style_as_its_default(db_url: str) -> None:
    import psycopg

    from geo.map.qgis import qml

    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT f_table_name, f_geometry_column, useasdefault, styleqml::text, type "
                            "FROM public.layer_styles WHERE f_table_schema = 'geo' ORDER BY id").fetchall()
    assert [r[0] for r in rows] == registry.ids()  # one default style per layer, loaded again: not duplicated
    assert all(r[1] == "geom" and r[2] for r in rows)
    stored = {r[0]: r[3] for r in rows}
    assert "RuleRenderer" in stored["crossings"] and stored["roads"] == qml("roads")
    assert {r[0]: r[4] for r in rows}["borders"] == "Polygon"


@pytest.mark.parametrize("day", ["2015-06-01", "2021-06-01", AS_OF, "2026-01-01"])
def test_crossings_on_a_date_in_sql_match_redate(db_url: str, day: str) -> None:
    import psycopg

    crossings, _ = store.read_layer("crossings")
    expected = store.redate(crossings, dt.date.fromisoformat(day))
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT id, status, status_since FROM geo.crossings_on(%s)", (day,)).fetchall()
    assert [(i, s, d.isoformat() if d else None) for i, s, d in rows] == [
        (i, s, d if isinstance(d, str) else None) for i, s, d in
        zip(expected["id"], expected["status"], expected["status_since"])]


@pytest.mark.parametrize("layer", registry.ids())
@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_export_from_the_database_equals_export_from_files(db_url: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str], layer: str,
                                                           fmt: str) -> None:
    suffix = formats.SUFFIXES[fmt]
    files, db = tmp_path / f"files{suffix}", tmp_path / f"db{suffix}"
    assert run(capsys, "export", layer, "-o", str(files), "--as-of", AS_OF)[0] == 0
    assert run(capsys, "--db", db_url, "export", layer, "-o", str(db), "--as-of", AS_OF)[0] == 0
    if fmt == "gpkg":  # a GeoPackage records when it was written: compare what it holds
        import pyogrio

        for name in pyogrio.list_layers(files)[:, 0]:
            a = pyogrio.read_dataframe(files, layer=name)
            b = pyogrio.read_dataframe(db, layer=name)
            assert a.equals(b), name
        return
    assert db.read_bytes() == files.read_bytes()


def test_layers_and_places_from_the_database_equal_files(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["layers", "--json"], ["places", "--json"], ["layers"]):
        code, from_files, _ = run(capsys, *argv)
        assert code == 0
        code, from_db, _ = run(capsys, "--db", db_url, *argv)
        assert code == 0 and from_db == from_files


def test_environment_url_reads_the_database(db_url: str, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.db.source import DatabaseSource

    monkeypatch.setenv("GEO_DATABASE_URL", db_url)
    sentinel = {}

    class Spy:
        def __init__(self, url: str) -> None:
            sentinel["url"] = url
            self.inner = DatabaseSource(url)

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    monkeypatch.setattr("geo.db.source.DatabaseSource", Spy)
    code, out, _ = run(capsys, "route", "Osh", "Dushanbe", "--as-of", AS_OF)
    assert code == 0 and sentinel["url"] == db_url and "Osh" in out
    assert store.source() is None  # the command's source ends with it


def test_route_reading_the_database_equals_route_from_files(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["route", "Almaty", "Termez", "--as-of", AS_OF, "--json", "--alternatives", "2"]
    code, from_files, _ = run(capsys, *argv)
    assert code == 0
    code, from_db, _ = run(capsys, "--db", db_url, *argv)
    assert code == 0 and from_db == from_files


# --- the app reading the database -----------------------------------------------------------------------------------

@pytest.fixture
def app_source(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Leave the process reading the files after an app test that read the database."""
    from geoapp import database

    monkeypatch.setattr(database, "RECHECK_S", 0.0)  # each run checks the URL and the load again
    yield monkeypatch
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    database.in_use()
    assert store.source() is None


def _app_route(url: str | None, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, str], object]:
    from streamlit.testing.v1 import AppTest  # noqa: TID251

    if url is None:
        monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("GEO_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in {"from": "khujand", "to": "batken", "date": "2023-06-01", "mode": "freight"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return {m.label: str(m.value) for m in at.metric}, at


def test_the_app_reads_its_layers_and_routes_from_the_database(db_url: str, app_source: pytest.MonkeyPatch) -> None:
    from geo.io import bundle
    from geoapp import data, database

    from_files, _ = _app_route(None, app_source)
    from_db, at = _app_route(db_url, app_source)
    assert from_db == from_files and from_db["Road distance"].endswith("km")
    assert data.folder() == database.DATABASE and data.version().startswith("db-")
    assert not [w.value for w in at.warning if "database" in str(w.value)]
    day = dt.date(2023, 6, 1)
    stored = data.layer_bytes("crossings", database.DATABASE, data.version(), day.isoformat(), AS_OF)
    store.use_source(None)
    assert stored == bundle.export_layer("crossings", day, exported=dt.date.fromisoformat(AS_OF))


def test_the_app_names_a_database_it_cannot_read_and_shows_the_files(db_url: str,
                                                                    app_source: pytest.MonkeyPatch) -> None:
    metrics, at = _app_route("postgresql://nobody@/nowhere?host=/nonexistent", app_source)
    warnings = [str(w.value) for w in at.warning if "database" in str(w.value)]
    assert len(warnings) == 1 and warnings[0].startswith("The database is not read (") and "\n" not in warnings[0]
    assert metrics["Road distance"].endswith("km") and store.source() is None  # the route, from the files


# --- atomic loads ---------------------------------------------------------------------------------------------------

def _renamed_layers(tmp_path: Path) -> Path:
    """A copy of the built layers whose first crossing has another name."""
    folder = tmp_path / "layers"
    shutil.copytree(layers_dir(), folder, ignore=shutil.ignore_patterns("src"))
    shutil.copytree(layers_dir() / "src", folder / "src")
    path = folder / "crossings.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"][0]["properties"]["name"] = "Renamed for the test"
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return folder


def _first_crossing_name(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT name FROM geo.crossings ORDER BY fid LIMIT 1").fetchone()
    assert row is not None
    return str(row[0])


def test_a_failed_load_leaves_the_previous_data_served(db_url: str, tmp_path: Path) -> None:
    from geo.db import load

    before = _first_crossing_name(db_url)
    version = load.status(db_url)["data_version"]
    folder = _renamed_layers(tmp_path)

    def fail() -> None:
        raise RuntimeError("injected failure before the switch")

    with pytest.raises(RuntimeError):
        load.load(db_url, folder, before_switch=fail)
    assert _first_crossing_name(db_url) == before and load.status(db_url)["data_version"] == version
    try:
        load.load(db_url, folder)
        assert _first_crossing_name(db_url) == "Renamed for the test"
        assert load.status(db_url)["data_version"] != version
    finally:
        load.load(db_url)
    assert _first_crossing_name(db_url) == before


LOADER = """
import sys
from pathlib import Path
from geo.db import load
from geo.errors import UsageError
try:  # after writing everything, waits for a line on standard input before the switch
    load.load(sys.argv[1], Path(sys.argv[2]),
              before_switch=lambda: (print("written", flush=True), sys.stdin.readline()))
except UsageError as exc:
    print(exc, file=sys.stderr)
    sys.exit(2)
"""


@pytest.mark.parametrize("how", ["kill the loading process", "terminate its database backend"])
def test_a_killed_load_leaves_the_previous_data_served(db_url: str, tmp_path: Path, how: str) -> None:
    import psycopg

    from geo.db import load

    before = _first_crossing_name(db_url)
    version = load.status(db_url)["data_version"]
    folder = _renamed_layers(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-c", LOADER, db_url, str(folder)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "written"  # everything written, the switch not yet made
            if how == "kill the loading process":
                proc.send_signal(signal.SIGKILL)
                proc.communicate(timeout=60)
            else:
                with psycopg.connect(db_url, autocommit=True) as conn:
                    ended = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         "WHERE application_name = 'geo' AND pid <> pg_backend_pid() "
                                         "AND state <> 'idle'").fetchall()
                assert ended == [(True,)]
                _, err = proc.communicate("go on\n", timeout=60)  # the loader goes on to the switch, and fails
                assert proc.returncode == 2 and "the previous data stays served" in err, err
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the server notices the dead client and rolls its transaction back
        try:
            if load.status(db_url)["data_version"] == version:
                break
        except UsageError:
            pass
        time.sleep(0.2)
    assert _first_crossing_name(db_url) == before and load.status(db_url)["data_version"] == version
    load.load(db_url)  # a later load is not blocked by the dead one


# --- errors ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["not a url", "postgresql://nobody@/nowhere?host=/nonexistent-socket-dir",
                                 "postgresql://geo@127.0.0.1:1/geo", "postgresql://h:notaport/db"])
@pytest.mark.parametrize("argv", [["db", "status"], ["db", "load"], ["layers"], ["route", "Osh", "Dushanbe"]])
def test_a_bad_or_unreachable_database_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], url: str,
                                                          argv: list[str]) -> None:
    code, out, err = run(capsys, "--db", url, *argv)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and not out


def test_no_database_given_is_one_line_exit_2(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    code, _, err = run(capsys, "db", "status")
    assert code == 2 and "GEO_DATABASE_URL" in err and len(err.strip().splitlines()) == 1


def test_a_missing_extension_is_one_line(db_url: str) -> None:
    from geo.db import connect, require_extensions

    with connect(db_url) as conn, pytest.raises(UsageError, match="no no_such_extension extension") as info:
        require_extensions(conn, ("no_such_extension",))
    assert "\n" not in str(info.value)


def test_a_database_without_a_load_says_so(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS geo_empty_test")
        conn.execute("CREATE DATABASE geo_empty_test")
    empty = psycopg.conninfo.make_conninfo(db_url, dbname="geo_empty_test")
    try:
        code, out, err = run(capsys, "--db", empty, "layers")
        assert code == 2 and "geo db load" in err
        code, out, _ = run(capsys, "db", "status", "--db", empty)
        assert code == 0 and "nothing loaded" in out
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS geo_empty_test")


# --- GDAL -----------------------------------------------------------------------------------------------------------

def test_gdal_lists_and_reads_every_table(db_url: str) -> None:
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        _unavailable("no ogrinfo (Debian's gdal-bin): GDAL's PostgreSQL driver cannot be tested")
    assert ogrinfo is not None
    import psycopg

    info = psycopg.conninfo.conninfo_to_dict(db_url)
    parts = " ".join(f"{k}={v}" for k, v in info.items() if k in ("host", "port", "user", "dbname", "password"))
    listed = subprocess.run([ogrinfo, "-ro", "-q", f"PG:{parts} schemas=geo"], capture_output=True, text=True,
                            check=True).stdout
    for spec in registry.LAYERS:
        assert f"{spec.id} (" in listed, listed
        summary = subprocess.run([ogrinfo, "-ro", "-so", f"PG:{parts} schemas=geo", spec.id],
                                 capture_output=True, text=True, check=True).stdout
        features = len(store.read_collection(spec.id)["features"])
        assert f"Feature Count: {features}" in summary, summary
        assert "EPSG" in summary or "WGS 84" in summary


# --- pgRouting ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engines(db_url: str) -> Iterator[tuple[object, object]]:
    from geo.db.pgrouting import PgRoutingEngine
    from geo.routing import RouteEngine

    pg = PgRoutingEngine.connect_to(db_url)
    yield RouteEngine.load(), pg
    pg.close()


def _same(memory_route: object, pg_route: object) -> None:
    """The same crossings and km within 0.1 % — or, where two paths tie, the same optimum (both are best)."""
    from geo.routing.results import Route

    assert isinstance(memory_route, Route) and isinstance(pg_route, Route)
    same_crossings = [c.id for c in pg_route.crossings] == [c.id for c in memory_route.crossings]
    close_km = abs(pg_route.distance_km - memory_route.distance_km) <= 0.001 * max(memory_route.distance_km, 1e-9)
    by_time = memory_route.scenario.optimize == "time"
    cost_pg, cost_memory = ((pg_route.duration_h, memory_route.duration_h) if by_time
                            else (pg_route.distance_km, memory_route.distance_km))
    assert abs(cost_pg - cost_memory) <= 0.001 * max(cost_memory, 1e-9)
    if not (same_crossings and close_km):  # only an exact tie of the optimum may differ
        assert abs(cost_pg - cost_memory) <= 1e-9 * max(cost_memory, 1.0), (pg_route.to_dict(), memory_route.to_dict())


def _random_scenario(memory: object, data: st.DataObject) -> object:
    """A scenario drawn over dates, closures, openings, avoided countries, modes, objectives and travellers."""
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario
    from geo.vocab import ROUTABLE, ROUTE_MODES, ROUTE_OPTIMIZE

    assert isinstance(memory, RouteEngine)
    crossings = sorted(memory.graph.crossings)
    return Scenario.consistent(
        as_of=data.draw(st.dates(dt.date(2012, 1, 1), dt.date(2026, 12, 31)), "as_of"),
        close=frozenset(data.draw(st.lists(st.sampled_from(crossings), max_size=3), "close")),
        open=frozenset(data.draw(st.lists(st.sampled_from(crossings), max_size=2), "open")),
        avoid=frozenset(data.draw(st.lists(st.sampled_from(ROUTABLE), max_size=1), "avoid")),
        mode=data.draw(st.sampled_from(ROUTE_MODES), "mode"),
        optimize=data.draw(st.sampled_from(ROUTE_OPTIMIZE), "optimize"),
        unknown=data.draw(st.sampled_from(["open", "closed"]), "unknown"),
        vehicle=data.draw(st.sampled_from([None, *ROUTABLE]), "vehicle"),
        citizen=data.draw(st.sampled_from([None, *ROUTABLE]), "citizen"),
        visas=frozenset(data.draw(st.lists(st.sampled_from(ROUTABLE), max_size=2), "visas")))


def _routes_agree(memory: object, pg: object, a: str, b: str, scenario: object, via: list[str],
                  alternatives: int = 0) -> None:
    """Both engines find the same route (and alternatives), or both fail with the same message."""
    from geo.errors import NoRouteError
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario

    assert isinstance(memory, RouteEngine) and isinstance(pg, RouteEngine) and isinstance(scenario, Scenario)
    try:
        expected = memory.route(a, b, scenario, via=via, alternatives=alternatives)
    except NoRouteError as exc:
        with pytest.raises(NoRouteError) as info:
            pg.route(a, b, scenario, via=via, alternatives=alternatives)
        assert info.value.message == exc.message
        return
    found = pg.route(a, b, scenario, via=via, alternatives=alternatives)
    _same(expected, found)
    assert len(found.alternatives) == len(expected.alternatives)
    for memory_alternative, pg_alternative in zip(expected.alternatives, found.alternatives):
        _same(memory_alternative, pg_alternative)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pgrouting_routes_equal_the_in_memory_engine(engines: tuple[object, object], data: st.DataObject) -> None:
    from geo.routing import RouteEngine

    memory, pg = engines
    assert isinstance(memory, RouteEngine)
    places = sorted(pid for pid in memory.graph.node_ids if not pid.startswith("~"))
    a = data.draw(st.sampled_from(places), "from")
    b = data.draw(st.sampled_from([p for p in places if p != a]), "to")
    scenario = _random_scenario(memory, data)
    via = data.draw(st.lists(st.sampled_from([p for p in places if p not in (a, b)]), max_size=1), "via")
    _routes_agree(memory, pg, a, b, scenario, via)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pgrouting_alternatives_equal_the_in_memory_engine(engines: tuple[object, object],
                                                           data: st.DataObject) -> None:
    """Alternatives found in the database are the in-memory engine's: the same crossings in the same order, the same
    km within 0.1 % (random pairs, via places, dates and scenarios; visa borders search back on reversed edges)."""
    from geo.routing import RouteEngine

    memory, pg = engines
    assert isinstance(memory, RouteEngine)
    places = sorted(pid for pid in memory.graph.node_ids if not pid.startswith("~"))
    a = data.draw(st.sampled_from(places), "from")
    b = data.draw(st.sampled_from([p for p in places if p != a]), "to")
    via = data.draw(st.lists(st.sampled_from([p for p in places if p not in (a, b)]), max_size=1), "via")
    _routes_agree(memory, pg, a, b, _random_scenario(memory, data), via,
                  alternatives=data.draw(st.integers(1, 3), "alternatives"))


@pytest.mark.parametrize("a, b, extra", [("Osh", "Dushanbe", {}), ("Tashkent", "Almaty", {"mode": "freight"}),
                                         ("Khujand", "Bishkek", {"citizen": "TJ"}),
                                         ("Samarkand", "Osh", {"optimize": "distance"})])
def test_pgrouting_alternatives_on_known_trips(engines: tuple[object, object], a: str, b: str,
                                               extra: dict[str, Any]) -> None:
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario

    memory, pg = engines
    assert isinstance(memory, RouteEngine) and isinstance(pg, RouteEngine)
    scenario = Scenario(as_of=dt.date(2024, 1, 1), **extra)
    _routes_agree(memory, pg, a, b, scenario, [], alternatives=3)
    assert len(pg.route(a, b, scenario, alternatives=3).alternatives) == 3  # the comparison covered three


@pytest.mark.parametrize("argv", [
    ["route", "Osh", "Dushanbe", "--as-of", AS_OF],
    ["route", "Almaty", "Termez", "--as-of", "2020-06-01", "--mode", "freight", "--optimize", "distance"],
    ["route", "Tashkent", "Kulob", "--as-of", AS_OF, "--via", "Osh", "--citizen", "UZ"],
    ["compare", "Osh", "Khujand", "--as-of", "2020-01-01", "--vs-as-of", AS_OF],
    ["route", "Osh", "Dushanbe", "--as-of", AS_OF, "--alternatives", "3"],
    ["route", "Tashkent", "Kulob", "--as-of", AS_OF, "--via", "Osh", "--citizen", "UZ", "--alternatives", "2"],
])
def test_engine_pgrouting_on_the_command_line(db_url: str, capsys: pytest.CaptureFixture[str],
                                              argv: list[str]) -> None:
    code, memory, err = run(capsys, *argv, "--json")
    assert code == 0, err
    code, pg, err = run(capsys, "--db", db_url, *argv, "--json", "--engine", "pgrouting")
    assert code == 0, err
    assert json.loads(pg) == json.loads(memory)


@pytest.mark.parametrize("argv", [["khujand", "batken", "--mode", "freight"],
                                  ["Osh", "Dushanbe", "--from", "2019-01-01", "--optimize", "distance"]])
def test_timeline_with_pgrouting_equals_the_in_memory_engine(db_url: str, capsys: pytest.CaptureFixture[str],
                                                             argv: list[str]) -> None:
    code, memory, err = run(capsys, "timeline", *argv, "--json")
    assert code == 0, err
    code, pg, err = run(capsys, "--db", db_url, "timeline", *argv, "--json", "--engine", "pgrouting")
    assert code == 0, err
    assert json.loads(pg) == json.loads(memory) and len(json.loads(pg)["periods"]) > 1


MATRIX_DATES = ("2012-06-01", "2021-06-01", "2025-06-01")
"""Days on which crossings' statuses differ (2021: the COVID-19 closures)."""


def _matrix_table(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, pd.DataFrame]:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    header = "".join(line for line in out.splitlines(keepends=True) if line.startswith("#"))
    return header, pd.read_csv(io.StringIO(out), comment="#", keep_default_na=False, na_values=[""])


@pytest.mark.parametrize("argv", [
    ["--kind", "city"],
    ["--country", "TJ", "UZ", "KG", "--mode", "freight", "--optimize", "distance", "--jobs", "2"],
    ["--kind", "city", "--citizen", "UZ", "--visa", "TJ"],
    ["--summary", "--avoid", "UZ"],
])
def test_matrix_with_pgrouting_equals_the_in_memory_engine(db_url: str, capsys: pytest.CaptureFixture[str],
                                                           argv: list[str]) -> None:
    """The same table from pgRouting: the same rows, reachability, crossings and countries, km and hours within
    0.1 % (where two paths tie exactly, only the optimum), on dates when crossings' statuses differ."""
    from geo.routing import RouteEngine
    from geo.routing.graph import Scenario

    states = [RouteEngine.load().graph.states(Scenario(as_of=dt.date.fromisoformat(d))) for d in MATRIX_DATES]
    assert any(states[0][c].passable != other[c].passable for other in states[1:] for c in states[0])
    args = ["matrix", *argv, "--dates", *MATRIX_DATES, "--no-progress"]
    memory_header, memory = _matrix_table(capsys, *args)
    pg_header, pg = _matrix_table(capsys, "--db", db_url, *args, "--engine", "pgrouting")
    assert pg_header == memory_header and list(pg.columns) == list(memory.columns)
    keys = ["from", "to", "date", "reachable"]
    assert pg[keys].equals(memory[keys])
    reach = memory["reachable"].astype(bool)
    answers = memory.groupby(["from", "to"])[["hours", "reachable"]].nunique(dropna=False)
    assert reach.any() and (answers > 1).any(axis=None)  # the dates give different answers
    cost = "km" if "distance" in argv else "hours"
    m, p = memory[reach], pg[reach]
    assert ((p[cost] - m[cost]).abs() <= 0.001 * m[cost]).all()
    same = ((p["crossings"] == m["crossings"]) & (p["countries"] == m["countries"])
            & ((p["km"] - m["km"]).abs() <= 0.001 * m["km"]) & ((p["hours"] - m["hours"]).abs() <= 0.001 * m["hours"]))
    tie = (p[cost] - m[cost]).abs() <= 1e-4  # the table's precision
    assert (same | tie).all(), pd.concat([m[~(same | tie)], p[~(same | tie)]])


@pytest.mark.parametrize("argv, needle", [
    (["matrix", "--engine", "pgrouting"], "--db"),
    (["--db", "DB", "matrix", "--engine", "pgrouting", "--places", "Nowhere", "Dushanbe"], "unknown place"),
    (["--db", "DB", "matrix", "--engine", "pgrouting", "--dates", "1990-01-01"], "before the history"),
    (["--db", "DB", "matrix", "--engine", "pgrouting", "--jobs", "0"], "--jobs"),
    (["--db", "DB", "matrix", "--engine", "sql"], "invalid choice"),
    (["--db", "postgresql://geo@/geo?host=/nonexistent", "matrix", "--engine", "pgrouting"], "cannot connect"),
])
def test_matrix_with_pgrouting_bad_input_is_one_line_exit_2(db_url: str, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                            needle: str) -> None:
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    code, out, err = run(capsys, *[db_url if a == "DB" else a for a in argv])
    assert code == 2 and needle in err and out == ""
    assert len(err.strip().splitlines()) == 1 or "invalid choice" in err  # argparse prints its usage first


def test_engine_pgrouting_needs_a_database(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    code, _, err = run(capsys, "route", "Osh", "Dushanbe", "--engine", "pgrouting", "--alternatives", "1")
    assert code == 2 and "--db" in err and len(err.strip().splitlines()) == 1


def test_bench_db_reports_pgrouting_and_memory(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bench", "--db", db_url, "--edges", "4000", "--pairs", "10", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["curated"]["pgrouting"]["n"] == 10 and report["curated"]["memory"]["n"] == 10
    assert report["curated"]["alternatives_3"]["pgrouting"]["n"] == 10 and report["curated"]["matrix"]["places"] > 100
    synthetic = report["synthetic"]
    assert 3000 < synthetic["edges"] < 4000 and synthetic["corridor"]["n"] == synthetic["corridor_db"]["n"] == 100
    assert synthetic["region_hours_over_optimum_pct"] >= 0 and synthetic["region_every_road"]["n"] == 5
    network = report["network"]  # the imported network's routes, or why there are none
    assert "skipped" in network or len(network["routes"]) == 4
    import psycopg

    with psycopg.connect(db_url) as conn:  # the synthetic grid is dropped afterwards
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'geo_bench'").fetchone() is None


def _grid_route(url: str, side: int, a: tuple[int, int], b: tuple[int, int]) -> tuple[Any, float]:
    """Route on a synthetic grid network between two nodes; return the route and the exact optimum's hours."""
    import numpy as np
    import psycopg
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from geo.db import bench, coords
    from geo.routing.graph import Scenario

    with psycopg.connect(url, autocommit=True) as conn:
        bench.make_grid(conn, side)
        rows = conn.execute("SELECT source, target, hours_passenger FROM geo_bench.route_edges").fetchall()
    try:
        route = coords.route_points(url, bench._lonlat(*a), bench._lonlat(*b), Scenario(as_of=dt.date(2025, 6, 1)),
                                    network=bench.BENCH_SCHEMA)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA geo_bench CASCADE")
    src, dst, hours = (np.array([r[k] for r in rows]) for k in range(3))
    n = side * side
    graph = csr_matrix((np.concatenate([hours, hours]), (np.concatenate([src, dst]), np.concatenate([dst, src]))),
                       shape=(n, n))
    return route, float(dijkstra(graph, indices=a[0] * side + a[1])[b[0] * side + b[1]])


def test_a_long_route_keeps_minor_roads_near_its_ends_and_finds_the_optimum(db_url: str) -> None:
    """Ends 1.5° apart on a grid with a primary road every tenth row and column: the first search reads the main
    roads and the minor ones near the ends only, and its hours equal the optimum over every road."""
    route, optimum = _grid_route(db_url, 151, (3, 4), (147, 143))
    assert route.local_deg == 0.25 and route.searches == 1
    assert route.road_h == pytest.approx(optimum, rel=1e-6)
    assert route.edges < 0.5 * 2 * 151 * 150  # far fewer edges than the grid's


def test_a_long_route_searches_every_road_when_main_roads_do_not_reach(db_url: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the grid's first row and column are primary: the end is reached by minor roads far from both ends, so
    the searches on main roads find nothing and the last one, on every road, finds the optimum."""
    from geo.db import bench

    monkeypatch.setattr(bench, "MAIN_EVERY", 1000)
    route, optimum = _grid_route(db_url, 151, (0, 5), (150, 140))
    assert route.local_deg is None and route.corridor_deg is None and route.searches == 4
    assert route.road_h == pytest.approx(optimum, rel=1e-6)


# --- OpenStreetMap networks and routes from coordinates -------------------------------------------------------------

UZ_FAR, UZ_HUB, UZ_SPLIT = (72.65, 40.80), (72.70, 40.75), (72.72, 40.62)
KG_HUB = (72.85, 40.60)
KG_NEAR_DOSTUK = (72.775, 40.548)
DOSTUK, KARA_SUU = "dostuk-dustlik", "kara-suu-karasu"


def synthetic_network(folder: Path) -> Path:
    """Two roads from Uzbekistan into Kyrgyzstan, one across Dostuk (split in two lines whose ends lie ~5 m apart,
    as at a tile edge), one across Kara-Suu (closed until 2024-09-12 in the curated history)."""
    split_end = (UZ_SPLIT[0] + 0.00005, UZ_SPLIT[1] + 0.00003)
    lines = [("trunk", [UZ_FAR, UZ_HUB, UZ_SPLIT]),
             ("trunk", [split_end, (72.735, 40.59), (72.755, 40.572), (72.78, 40.55), KG_HUB]),
             ("primary_link", [UZ_HUB, (72.88, 40.73), (72.905, 40.705), KG_HUB])]
    features = [{"type": "Feature", "properties": {"class": cls.removesuffix("_link")},
                 "geometry": {"type": "LineString", "coordinates": [list(p) for p in coords]}}
                for cls, coords in lines]
    path = folder / "synthetic-roads.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def osm_network(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database with the synthetic network imported."""
    from geo.db import osm

    osm.import_osm(db_url, synthetic_network(tmp_path_factory.mktemp("osm")))
    return db_url


def _route(capsys: pytest.CaptureFixture[str], url: str, start: tuple[float, float], end: tuple[float, float],
           *extra: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(capsys, "--db", url, "route", "--from-coords", f"{start[0]},{start[1]}",
                         "--to-coords", f"{end[0]},{end[1]}", "--engine", "pgrouting", "--json", *extra)
    return code, (json.loads(out) if code == 0 else {}), err


def test_import_osm_joins_split_ends_and_matches_crossings(db_url: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    code, out, err = run(capsys, "--db", db_url, "db", "import-osm", str(synthetic_network(tmp_path)))
    assert code == 0, err
    summary = out.strip().splitlines()
    assert len(summary) == 1 and "edges" in summary[0] and "crossings matched" in summary[0], out
    code, out, err = run(capsys, "--db", db_url, "db", "import-osm", str(synthetic_network(tmp_path)), "--json")
    report = json.loads(out)
    assert report["joined"] >= 1 and report["parts"] == 1  # the split at the "tile edge" is joined: one network
    assert report["edges"] == 9 and report["nodes"] == 9 and report["border_edges"] == 2
    matched = {m["crossing_id"]: m for m in report["matched"]}
    assert matched[DOSTUK]["edges"] == 1 and matched[KARA_SUU]["edges"] == 1
    assert report["matched_count"] == 2 and all(m["reason"] for m in report["matched"] if not m["edges"])
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT crossing_id, source_country, target_country, class FROM geo_osm.edges "
                            "WHERE border ORDER BY crossing_id").fetchall()
        assert [(r[0], {r[1], r[2]}) for r in rows] == [(DOSTUK, {"KG", "UZ"}), (KARA_SUU, {"KG", "UZ"})]
        assert {r[3] for r in rows} == {"trunk", "primary"}
        km = conn.execute("SELECT sum(km) FROM geo_osm.edges").fetchone()
        for table in ("edges", "nodes", "crossing_match", "network_info"):
            comment = conn.execute("SELECT obj_description(%s::regclass)", (f"geo_osm.{table}",)).fetchone()
            assert comment is not None and "ODbL-1.0" in comment[0] and "© OpenStreetMap contributors" in comment[0]
    from geo.measure import WGS84

    expected = sum(WGS84.line_length([p[0] for p in c], [p[1] for p in c]) / 1000 for c in (
        [UZ_FAR, UZ_HUB, UZ_SPLIT], [UZ_SPLIT, (72.735, 40.59), (72.755, 40.572), (72.78, 40.55), KG_HUB],
        [UZ_HUB, (72.88, 40.73), (72.905, 40.705), KG_HUB]))
    assert km is not None and abs(float(km[0]) - expected) < 0.01  # geodesic km, the join adds ~5 m at most


OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="geo tests">
  <node id="1" lat="40.80" lon="72.65" version="1"/><node id="2" lat="40.75" lon="72.70" version="1"/>
  <node id="3" lat="40.62" lon="72.72" version="1"/><node id="4" lat="40.59" lon="72.735" version="1"/>
  <node id="5" lat="40.572" lon="72.755" version="1"/><node id="6" lat="40.60" lon="72.85" version="1"/>
  <node id="7" lat="40.76" lon="72.71" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="trunk"/></way>
  <way id="11" version="1"><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="6"/><tag k="highway" v="primary_link"/></way>
  <way id="12" version="1"><nd ref="2"/><nd ref="7"/><tag k="highway" v="residential"/></way>
  <way id="13" version="1"><nd ref="6"/><nd ref="7"/><tag k="waterway" v="river"/></way>
</osm>
"""


def test_import_osm_reads_an_openstreetmap_extract(db_url: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A user's .osm file through GDAL's OSM driver: ways meeting at a shared node join there; residential roads and
    non-roads are left out; _link roads count as their class."""
    import psycopg

    path = tmp_path / "extract.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    try:
        code, out, err = run(capsys, "--db", db_url, "db", "import-osm", str(path), "--json")
        assert code == 0, err
        report = json.loads(out)
        assert (report["edges"], report["nodes"], report["parts"], report["bridged"]) == (5, 6, 1, 0)
        assert report["border_edges"] == 1 and report["matched_count"] == 1
        with psycopg.connect(db_url) as conn:
            classes = dict(conn.execute("SELECT class, count(*) FROM geo_osm.edges GROUP BY 1").fetchall())
            source = conn.execute("SELECT source FROM geo_osm.network_info").fetchone()
        assert classes == {"trunk": 2, "primary": 3} and source is not None and source[0] == str(path)
        code, route, err = _route(capsys, db_url, UZ_FAR, (72.84, 40.60), "--as-of", AS_OF)
        assert code == 0 and [c["id"] for c in route["crossings"]] == [DOSTUK], err
    finally:  # the other tests' network again
        from geo.db import osm

        osm.import_osm(db_url, synthetic_network(tmp_path))


ZIGZAG_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="geo tests">
  <node id="1" lat="40.59" lon="72.735" version="1"/><node id="2" lat="40.572" lon="72.755" version="1"/>
  <node id="3" lat="40.585" lon="72.74" version="1"/><node id="4" lat="40.57" lon="72.75" version="1"/>
  <node id="5" lat="40.55" lon="72.78" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><tag k="highway" v="trunk"/></way>
  %s
</osm>
"""


@pytest.mark.parametrize(("branch", "gates"), [("", [True, False, False]), (
    '<way id="11" version="1"><nd ref="2"/><nd ref="5"/><tag k="highway" v="primary"/></way>', [True, True, False])])
def test_a_road_zigzagging_across_the_border_waits_at_it_once(tmp_path: Path, branch: str, gates: list[bool]) -> None:
    """A road crossing the border three times in a row near Dostuk (Uzbekistan, Kyrgyzstan, Uzbekistan, Kyrgyzstan):
    every such edge is matched (closing Dostuk closes them all), one per chain carries the hours; where a road
    branches off inside the chain, a route may leave after the first edge, which then keeps its hours too."""
    from geo.db import osm

    path = tmp_path / "zigzag.osm"
    path.write_text(ZIGZAG_OSM % branch, encoding="utf-8")
    prepared = osm.prepare(path)
    zigzag = [i for i in range(len(prepared.graph.u)) if prepared.classes[i] == "trunk"]
    assert [prepared.crossing_of[i] for i in zigzag] == [DOSTUK] * 3 and prepared.summary.border_edges == 3
    assert [prepared.gate[i] for i in zigzag] == gates  # the first edge passes nearest the crossing


def test_a_failed_import_leaves_the_previous_network_served(osm_network: str, tmp_path: Path) -> None:
    from geo.db import osm

    before = osm.info(osm_network)
    assert before is not None
    other = tmp_path / "other.geojson"
    other.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"class": "primary"},
         "geometry": {"type": "LineString", "coordinates": [list(UZ_FAR), list(UZ_HUB)]}}]}), encoding="utf-8")

    def fail() -> None:
        raise RuntimeError("injected failure before the switch")

    with pytest.raises(RuntimeError):
        osm.import_osm(osm_network, other, before_switch=fail)
    assert osm.info(osm_network) == before


def test_route_from_coordinates_off_the_network_to_a_crossing(osm_network: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from geo.measure import WGS84

    start = (72.66, 40.81)  # about 1.4 km off the road
    code, route, err = _route(capsys, osm_network, start, (72.745, 40.581), "--as-of", AS_OF)
    assert code == 0, err
    snap = route["from"]
    assert isinstance(snap, dict) and 0.5 < snap["distance_km"] < 3
    coords = route["geometry"]["coordinates"]
    assert coords[0] == snap["snapped"]
    km = WGS84.line_length([c[0] for c in coords], [c[1] for c in coords]) / 1000
    assert route["distance_km"] == pytest.approx(km, abs=1e-3)
    assert route["by_country_km"] and abs(sum(route["by_country_km"].values()) - km) < 0.01
    assert route["searches"] == 1 and route["corridor_margin_deg"] is not None
    files = {fmt: tmp_path / f"route.{fmt}" for fmt in ("geojson", "gpx", "kml")}
    code, out, err = run(capsys, "--db", osm_network, "route", "--from-coords", f"{start[0]},{start[1]}",
                         "--to-coords", "72.745,40.581", "--as-of", AS_OF,
                         *(arg for fmt, path in files.items() for arg in (f"--{fmt}", str(path))))
    assert code == 0, err
    assert "km by road" in out and "start snapped" in out and "© OpenStreetMap contributors" in out
    feature = json.loads(files["geojson"].read_text(encoding="utf-8"))
    assert feature["geometry"] == route["geometry"] and feature["properties"]["licence"] == "ODbL-1.0"
    assert all("OpenStreetMap" in files[fmt].read_text(encoding="utf-8") for fmt in ("gpx", "kml"))


def test_a_route_through_a_crossing_times_its_border(osm_network: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, route, err = _route(capsys, osm_network, (72.66, 40.81), KG_NEAR_DOSTUK, "--as-of", AS_OF)
    assert code == 0, err  # on 2024-01-01 Kara-Suu is closed: through Dostuk
    assert [c["id"] for c in route["crossings"]] == [DOSTUK]
    assert route["border_h"] > 0 and route["duration_h"] == pytest.approx(route["road_h"] + route["border_h"])
    assert set(route["by_country_km"]) == {"UZ", "KG"}


def test_a_closed_crossing_on_a_date_forces_a_detour_or_no_route(osm_network: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    start, end = (72.66, 40.81), KG_NEAR_DOSTUK
    code, via_dostuk, _ = _route(capsys, osm_network, start, end, "--as-of", "2025-01-01", "--optimize", "distance")
    assert code == 0 and [c["id"] for c in via_dostuk["crossings"]] == [DOSTUK]
    code, detour, err = _route(capsys, osm_network, start, end, "--as-of", "2025-01-01", "--close", DOSTUK,
                               "--optimize", "distance")
    assert code == 0, err  # Kara-Suu is open again from 2024-09-12
    assert [c["id"] for c in detour["crossings"]] == [KARA_SUU]
    assert detour["distance_km"] > via_dostuk["distance_km"]
    assert detour["searches"] == 1
    code, out, err = run(capsys, "--db", osm_network, "route", "--from-coords", f"{start[0]},{start[1]}",
                         "--to-coords", f"{end[0]},{end[1]}", "--as-of", AS_OF, "--close", DOSTUK)
    assert code == 3 and not out and len(err.strip().splitlines()) == 1  # Kara-Suu closed on that date: no route
    assert "no road route" in err and KARA_SUU in err and DOSTUK in err
    code, avoid, err = _route(capsys, osm_network, start, (72.70, 40.74), "--as-of", AS_OF, "--avoid", "KG")
    assert code == 0 and set(avoid["by_country_km"]) == {"UZ"}, err


def test_a_visa_not_held_refuses_entering_but_not_leaving(osm_network: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """From 2026-03-12 a Chinese citizen needs a visa for Kyrgyzstan (entry_rules.csv), none for leaving it."""
    uz, kg = (72.66, 40.81), KG_NEAR_DOSTUK
    day = ["--as-of", "2026-06-01", "--citizen", "CN"]
    code, out, err = run(capsys, "--db", osm_network, "route", "--from-coords", f"{uz[0]},{uz[1]}",
                         "--to-coords", f"{kg[0]},{kg[1]}", *day)
    assert code == 3 and not out and "no visa held for KG" in err and len(err.strip().splitlines()) == 1
    code, leaving, err = _route(capsys, osm_network, kg, uz, *day)
    assert code == 0 and [c["id"] for c in leaving["crossings"]] == [DOSTUK], err
    code, entering, err = _route(capsys, osm_network, uz, kg, *day, "--visa", "KG")
    assert code == 0 and [c["id"] for c in entering["crossings"]] == [DOSTUK], err


def test_a_timeline_between_points_changes_when_a_crossing_does(osm_network: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """With Dostuk closed, the only way round is Kara-Suu, shut until it reopened on 2024-09-12: no route, then a
    route through Kara-Suu, started by that fact; each period's route is `geo route --from-coords` on its first day."""
    start, end = (72.66, 40.81), KG_NEAR_DOSTUK
    points = ["--from-coords", f"{start[0]},{start[1]}", "--to-coords", f"{end[0]},{end[1]}"]
    code, out, err = run(capsys, "--db", osm_network, "timeline", *points, "--from", "2024-01-01", "--to",
                         "2025-06-01", "--close", DOSTUK, "--json")
    assert code == 0, err
    line = json.loads(out)
    periods = line["periods"]
    assert [(p["start"], p["end"], p["reachable"]) for p in periods] == [
        ("2024-01-01", "2024-09-12", False), ("2024-09-12", "2025-06-02", True)]
    assert "no road route" in periods[0]["no_route"] and periods[1]["crossings"] == [KARA_SUU]
    assert [(f["subject"], f["date"]) for f in periods[1]["facts"]] == [(KARA_SUU, "2024-09-12")]
    assert line["licence"] == "ODbL-1.0" and line["closed"] == [DOSTUK]
    code, route, err = _route(capsys, osm_network, start, end, "--as-of", "2024-09-12", "--close", DOSTUK)
    assert code == 0 and route["distance_km"] == pytest.approx(periods[1]["km"], abs=0.05), err
    code, out, err = run(capsys, "--db", osm_network, "timeline", *points, "--from", "2024-01-01", "--to",
                         "2025-06-01", "--close", DOSTUK)
    assert code == 0 and "since 2024-09-12: Kara-Suu" in out and "© OpenStreetMap contributors" in out, err
    code, out, err = run(capsys, "--db", osm_network, "timeline", *points, "--csv")
    assert code == 0 and out.splitlines()[0].startswith("start,end,reachable,km,hours"), err
    for bad, says in ((["--from-coords", "72.66,40.81"], "go together"),
                      ([*points, "Osh"], "not both"),
                      ([*points, "-o", "chart.png"], "not between points"),
                      ([*points, "--engine", "memory"], "pgRouting"),
                      (["--from-coords", "x", "--to-coords", "72.7,40.5"], "LON,LAT")):
        code, out, err = run(capsys, "--db", osm_network, "timeline", *bad)
        assert code == 2 and not out and says in err and len(err.strip().splitlines()) == 1, (bad, err)


def test_the_api_routes_between_points_as_the_command_line_does(osm_network: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import requests

    from tests.common import api_server

    start, end = (72.66, 40.81), KG_NEAR_DOSTUK
    code, expected, err = _route(capsys, osm_network, start, end, "--as-of", "2025-01-01", "--close", DOSTUK)
    assert code == 0, err
    with api_server(dict(os.environ, GEO_DATABASE_URL=osm_network)) as base:
        answer = requests.get(f"{base}/api/v1/route/coords", timeout=30, params={
            "from": "72.66,40.81", "to": f"{end[0]},{end[1]}", "as_of": "2025-01-01", "close": DOSTUK})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/geo+json")
        feature = answer.json()
        got = feature["properties"]
        assert feature["geometry"] == expected["geometry"] and got["licence"] == "ODbL-1.0"
        assert {k: got[k] for k in ("distance_km", "duration_h", "crossings", "by_country_km")} == {
            k: expected[k] for k in ("distance_km", "duration_h", "crossings", "by_country_km")}
        for query, status in (({"from": "72.66,40.81"}, 400), ({"from": "x", "to": "1,2"}, 400),
                              ({"from": "72.66,40.81", "to": "72.7,40.5", "via": "Osh"}, 400),
                              ({"from": "72.66,40.81", "to": "72.7,40.5", "as_of": "2024-01-01",
                                "close": DOSTUK}, 422)):
            answer = requests.get(f"{base}/api/v1/route/coords", params=query, timeout=30)
            assert answer.status_code == status, (query, answer.text)
            assert "\n" not in answer.json()["detail"].strip()
    without = {k: v for k, v in os.environ.items() if k != "GEO_DATABASE_URL"}
    with api_server(without) as base:
        answer = requests.get(f"{base}/api/v1/route/coords", params={"from": "72.66,40.81", "to": "72.7,40.5"},
                              timeout=30)
        assert answer.status_code == 404 and "none is available here" in answer.json()["detail"]


def test_the_corridor_widens_only_when_no_route_is_found(osm_network: str, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import shapely

    from geo.db import coords
    from geo.measure import measure_geometry

    monkeypatch.setattr(coords, "MIN_MARGIN_DEG", 0.01)  # a box that holds Dostuk's road, not Kara-Suu's
    start, end = (72.735, 40.592), (72.757, 40.571)
    code, near, err = _route(capsys, osm_network, start, end, "--as-of", "2025-01-01")
    assert code == 0 and near["searches"] == 1 and near["corridor_margin_deg"] == 0.01, err
    code, detour, err = _route(capsys, osm_network, start, end, "--as-of", "2025-01-01", "--close", DOSTUK)
    assert code == 0, err  # the first box has no way round: widened until Kara-Suu is inside
    assert detour["searches"] > 1 and [c["id"] for c in detour["crossings"]] == [KARA_SUU]
    line = shapely.LineString(detour["geometry"]["coordinates"])  # km per country as the project measures them
    expected = measure_geometry(line, _country_index()).by_country_km
    assert detour["by_country_km"].keys() == expected.keys()
    assert all(abs(detour["by_country_km"][k] - v) < 0.01 for k, v in expected.items())


def test_routes_from_coordinates_need_a_database(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEO_DATABASE_URL", raising=False)
    code, out, err = run(capsys, "route", "--from-coords", "72.66,40.81", "--to-coords", "72.86,40.61")
    assert code == 2 and not out and "GEO_DATABASE_URL" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("coords", [["abc", "72.86,40.61"], ["72.66", "72.86,40.61"], ["72.66,40.81,3", "1,2"],
                                    ["nan,40", "72.86,40.61"], ["200,40.81", "72.86,40.61"],
                                    ["72.66,91", "72.86,40.61"], ["10,10", "72.86,40.61"]])
def test_bad_coordinates_are_one_line_exit_2(osm_network: str, capsys: pytest.CaptureFixture[str],
                                            coords: list[str]) -> None:
    code, out, err = run(capsys, "--db", osm_network, "route", "--from-coords", coords[0], "--to-coords", coords[1],
                         "--engine", "pgrouting")
    assert code == 2 and not out and len(err.strip().splitlines()) == 1, err
    assert "--from-coords" in err or "--to-coords" in err


@pytest.mark.parametrize("argv", [["--from-coords", "72.66,40.81"], ["Osh", "--to-coords", "72.66,40.81"],
                                  ["Osh", "Khujand", "--from-coords", "1,2", "--to-coords", "1,2"],
                                  ["--from-coords", "72.66,40.81", "--to-coords", "72.86,40.61", "--via", "Osh"],
                                  ["--from-coords", "72.66,40.81", "--to-coords", "72.86,40.61", "--engine", "memory"],
                                  ["--from-coords", "72.66,40.81", "--to-coords", "72.86,40.61", "--close", "nope"],
                                  ["Osh"]])
def test_bad_route_arguments_are_one_line_exit_2(osm_network: str, capsys: pytest.CaptureFixture[str],
                                                 argv: list[str]) -> None:
    code, out, err = run(capsys, "--db", osm_network, "route", *argv)
    assert code == 2 and not out and len(err.strip().splitlines()) == 1, err


def test_no_network_or_a_wrong_url_is_one_line_exit_2(osm_network: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["route", "--from-coords", "72.66,40.81", "--to-coords", "72.86,40.61"]
    for url in ("not a url", "postgresql://geo@127.0.0.1:1/geo"):
        code, out, err = run(capsys, "--db", url, *argv)
        assert code == 2 and not out and len(err.strip().splitlines()) == 1, err
        code, out, err = run(capsys, "--db", url, "db", "import-osm", str(synthetic_network(tmp_path)))
        assert code == 2 and not out and len(err.strip().splitlines()) == 1, err
    (tmp_path / "roads.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "corrupt.osm.pbf").write_text("not a protocol buffer\n", encoding="utf-8")
    line = {"type": "LineString", "coordinates": [[72, 40], [73, 41]]}
    (tmp_path / "no-class.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": line}]}), encoding="utf-8")
    for bad, exit_code in (("missing.osm.pbf", 2), ("roads.csv", 2), (".", 2), ("corrupt.osm.pbf", 1),
                           ("no-class.geojson", 1)):
        code, out, err = run(capsys, "--db", osm_network, "db", "import-osm", str(tmp_path / bad))
        assert code == exit_code and not out and len(err.strip().splitlines()) == 1, err
    code, _, err = run(capsys, "--db", osm_network, "db", "drop", "--network")
    assert code == 0, err
    try:
        code, out, err = run(capsys, "--db", osm_network, *argv)
        assert code == 2 and not out and "geo db import-osm" in err and len(err.strip().splitlines()) == 1, err
        code, out, _ = run(capsys, "--db", osm_network, "db", "status")
        assert code == 0 and "none imported" in out
    finally:
        from geo.db import osm

        osm.import_osm(osm_network, synthetic_network(tmp_path))
    code, out, _ = run(capsys, "--db", osm_network, "db", "status")
    assert code == 0 and "synthetic-roads" in out


def test_the_reference_network_routes_a_village_near_isfara_to_dostuk(osm_network: str, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from geo import reference

    shared = reference.shared_dir() / "data" / "osm-roads" / reference.OSM_2017
    if not shared.is_file():
        pytest.skip(f"no shared reference network at {shared} (the project's shared data is optional)")
    import psycopg

    try:
        code, out, err = run(capsys, "--db", osm_network, "db", "import-osm", str(shared), "--json")
        assert code == 0, err
        report = json.loads(out)
        assert report["edges"] > 50_000 and report["bridged"] > 0 and report["parts"] < 100
        assert report["matched_count"] >= 25 and all(m["reason"] for m in report["matched"])
        village = (70.58, 40.05)  # Chorkuh, south of Isfara (Tajikistan), off the major roads
        code, route, err = _route(capsys, osm_network, village, (72.7446, 40.5814), "--as-of", AS_OF)
        assert code == 0, err
        assert 200 < route["distance_km"] < 400 and route["searches"] == 1
        assert "TJ" in route["by_country_km"]
        with psycopg.connect(osm_network) as conn:
            row = conn.execute("SELECT edges FROM geo_osm.crossing_match WHERE crossing_id = %s", (DOSTUK,)).fetchone()
        assert row is not None and row[0] >= 1
    finally:  # the module's network again, for the tests after this one
        from geo.db import osm

        osm.import_osm(osm_network, synthetic_network(tmp_path))


def test_the_app_routes_between_two_points_placed_on_the_map(osm_network: str, app_source: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from streamlit.testing.v1 import AppTest  # noqa: TID251

    from geoapp import component
    from geoapp.pages import points

    points.network_cache_clear()  # the network was imported after earlier app tests looked (kept for 30 s)
    start, end = (72.66, 40.81), KG_NEAR_DOSTUK  # a village off the network → near the Dostuk crossing
    code, cli, err = _route(capsys, osm_network, start, end, "--as-of", AS_OF)
    assert code == 0, err
    shown: list[dict[str, Any]] = []
    real = component.show
    app_source.setattr(component, "show", lambda document, **kw: (shown.append(document.args()),
                                                                   real(document, **kw))[1])
    app_source.setenv("GEO_DATABASE_URL", osm_network)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["date"] = AS_OF
    at.run()
    assert not at.exception and shown[-1]["base"]["points"] is True  # the map offers the point tool
    assert any("From any point" in str(s.value) for s in at.subheader)
    pin = [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": list(p)}}
           for p in (start, end)]
    at.session_state[component.KEY] = {"drawings": pin, "band": 1}  # two route ends placed with the point tool
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: str(m.value) for m in at.metric}
    assert metrics["Road distance"] == f"{round(cli['distance_km'])} km"
    assert metrics["Travel time"] == f"{cli['duration_h']:.1f} h" and metrics["Border crossings"] == "1"
    routes = next((g for g in shown[-1]["groups"] if g["id"] == "route"), None)
    assert routes is not None, [g["id"] for g in shown[-1]["groups"]]
    lines = [f for part in json.loads(routes["json"])["parts"] for f in part["fc"]["features"]
             if f["geometry"]["type"] == "LineString"]
    assert len(lines) == 1 and "72.6600, 40.8100" in lines[0]["properties"]["tip"]
    at.toggle(key="points_through_time").set_value(True).run()  # the two points' route through the years
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[-1].value
    code, out, err = run(capsys, "--db", osm_network, "timeline", "--from-coords", f"{start[0]},{start[1]}",
                         "--to-coords", f"{end[0]},{end[1]}", "--from", "2015-01-01", "--json")
    assert code == 0, err
    periods = json.loads(out)["periods"]
    assert list(table["from"]) == [p["start"] for p in periods]
    assert [None if v != v else v for v in table["km"]] == [p["km"] for p in periods]  # NaN: no route
    assert len(periods) > 1  # Dostuk's history changes this route


def _country_index() -> Any:
    """Index the borders layer's countries, each with its enclaves, as :func:`geo.measure.measure_geometry` takes."""
    import shapely

    from geo.layers import store
    from geo.measure import CountryIndex

    borders, _ = store.read_layer("borders")
    polygons = borders[borders["kind"].isin(("country", "enclave"))]
    return CountryIndex({str(code): shapely.MultiPolygon(list(shapely.get_parts(group.geometry.to_numpy())))
                         for code, group in polygons.groupby("country", sort=False)})
