"""Test data written in code: one named set of geometries, and curated-file workspaces.

In the spirit of shapely's ``tests/common.py`` (one shared set of geometries, empty and 3-D included, that
many tests parametrise over) and pyogrio's ``conftest.py`` (fixtures that write their data in code rather than
copying real files). Nothing here reads ``layers/``: a test that edits a curated file edits a row of this
synthetic world through :class:`CuratedWorkspace`, never a copy of the real files split on commas.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.vocab import ROUTABLE

# --- geometries ------------------------------------------------------------------------------------------

point = shapely.Point(69.0, 40.0)
line_string = shapely.LineString([(69.0, 40.0), (70.5, 40.2), (71.0, 40.0)])
linear_ring = shapely.LinearRing([(69.0, 40.0), (69.5, 40.0), (69.5, 40.5), (69.0, 40.0)])
polygon = shapely.Polygon([(69.0, 39.5), (71.0, 39.5), (71.0, 40.5), (69.0, 40.5)])
polygon_with_hole = shapely.Polygon(
    [(69.0, 39.5), (71.0, 39.5), (71.0, 40.5), (69.0, 40.5)],
    holes=[[(69.5, 39.8), (69.5, 40.2), (70.0, 40.2), (70.0, 39.8)]],
)
multi_point = shapely.MultiPoint([(69.0, 40.0), (71.0, 40.0)])
multi_line_string = shapely.MultiLineString([[(69.0, 40.0), (69.5, 40.0)], [(70.5, 40.0), (71.0, 40.5)]])
multi_polygon = shapely.MultiPolygon([shapely.box(69.0, 39.5, 69.5, 40.0), shapely.box(70.5, 39.5, 71.0, 40.0)])
geometry_collection = shapely.GeometryCollection([point, line_string])
point_z = shapely.Point(69.0, 40.0, 812.0)
line_string_z = shapely.LineString([(69.0, 40.0, 800.0), (70.5, 40.2, 3200.0), (71.0, 40.0, 900.0)])
polygon_z = shapely.Polygon([(69.0, 39.5, 1.0), (71.0, 39.5, 2.0), (71.0, 40.5, 3.0), (69.0, 40.5, 4.0)])
empty_point = shapely.Point()
empty_line_string = shapely.LineString()
empty_polygon = shapely.Polygon()
empty = shapely.GeometryCollection()

GEOMETRIES: dict[str, BaseGeometry] = {
    "point": point, "line_string": line_string, "linear_ring": linear_ring, "polygon": polygon,
    "polygon_with_hole": polygon_with_hole, "multi_point": multi_point, "multi_line_string": multi_line_string,
    "multi_polygon": multi_polygon, "geometry_collection": geometry_collection, "point_z": point_z,
    "line_string_z": line_string_z, "polygon_z": polygon_z, "empty_point": empty_point,
    "empty_line_string": empty_line_string, "empty_polygon": empty_polygon, "empty": empty,
}
"""Every named geometry: one of each type, 3-D and empty ones included (lon/lat inside the KG/TJ world below)."""

LINEAR = {k: g for k, g in GEOMETRIES.items() if g.geom_type in ("LineString", "MultiLineString") and not g.is_empty}
AREAL = {k: g for k, g in GEOMETRIES.items() if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty}
EMPTY = {k: g for k, g in GEOMETRIES.items() if g.is_empty}
THREE_D = {k: g for k, g in GEOMETRIES.items() if shapely.has_z(g)}
NOT_MEASURABLE = {k: g for k, g in GEOMETRIES.items() if k not in LINEAR and k not in AREAL}
"""Geometry a user cannot measure: points, rings, collections and every empty geometry."""

# --- a synthetic world --------------------------------------------------------------------------------------

WEST = shapely.box(68.0, 39.0, 70.0, 41.0)
"""``TJ`` in the synthetic world (the codes are real so that every vocabulary check applies)."""
EAST = shapely.box(70.0, 39.0, 72.0, 41.0)
"""``KG`` in the synthetic world: it shares the meridian 70° E with ``TJ`` from 39° to 41° N."""

HOSTILE: tuple[str, ...] = (
    "<img src=x onerror=window.__xss=1;alert(1)>",
    '"><script>window.__xss=2;alert(2)</script>',
    "`${window.__xss=3;alert(3)}` \\",
    "</script><b>x",
    '<script>alert(5)</script> ]]> & "quoted" \u00a9',
)
"""The one set of hostile names every escaping test uses: markup, a script, a template literal, a closing tag and
XML's CDATA end. Executed, each sets ``window.__xss`` (what browser tests check) or opens a dialog."""
SOURCE = "https://example.org/synthetic"


def world_borders() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return the ``borders`` and ``boundaries`` layers of the two-country world, built by the real code."""
    from geo.layers import borders

    raw = gpd.GeoDataFrame({"A3": ["TJK", "KGZ"]}, geometry=[WEST, EAST], crs=4326)
    countries = borders.build_countries(raw)
    return countries, borders.build_boundaries(countries)


def _rows(*rows: Mapping[str, object]) -> list[dict[str, str]]:
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


def world_files() -> dict[str, list[dict[str, str]]]:
    """Return the curated files of the synthetic world: file name (under ``src/``) → rows.

    Two towns, Alpha (TJ) and Beta (KG), joined through one crossing, Test Pass, on the shared border;
    one pipeline from Alpha to Beta; one enclave. Every row is valid: ``geo check`` finds nothing.
    """
    return {
        "enclaves.csv": _rows(
            {"id": "gamma", "name": "Gamma", "names": "Gamma|Гамма", "country": "TJ", "surrounded_by": "KG",
             "lon": 71.0, "lat": 40.5, "sources": SOURCE, "notes": "synthetic"},
        ),
        "crossings.csv": _rows(
            {"id": "test-pass", "name": "Test Pass", "names": "Test Pass|Тест", "countries": "KG-TJ",
             "modes": "road", "traffic": "passengers|freight", "lon": 70.0, "lat": 40.0,
             "coord_source": "synthetic", "sources": SOURCE, "notes": ""},
            {"id": "rail-halt", "name": "Rail Halt", "names": "Rail Halt", "countries": "KG-TJ", "modes": "rail",
             "traffic": "freight", "lon": 70.0, "lat": 39.5, "coord_source": "synthetic", "sources": SOURCE,
             "notes": ""},
        ),
        "crossing_status.csv": _rows(
            {"crossing_id": "test-pass", "date": "2020-01-01", "status": "open", "traffic": "",
             "access": "international", "note": "opened", "source": SOURCE, "published": "2020-01-02",
             "evidence": "Test Pass opened on 1 January.", "kind": ""},
            {"crossing_id": "test-pass", "date": "2022-06-01", "status": "closed", "traffic": "",
             "access": "unknown", "note": "closed after a dispute", "source": SOURCE, "published": "2022-06-01",
             "evidence": "Тест закрыт.", "kind": ""},
            {"crossing_id": "test-pass", "date": "2026-07-31", "status": "open", "traffic": "",
             "access": "unknown", "note": "reopening announced", "source": SOURCE, "published": "2025-11-27",
             "evidence": "Test Pass to reopen on 31 July 2026.", "kind": "planned"},
            {"crossing_id": "rail-halt", "date": "2019-05-01", "status": "open", "traffic": "freight",
             "access": "bilateral", "note": "", "source": SOURCE, "published": "2019-05-01",
             "evidence": "Freight trains run through Rail Halt.", "kind": ""},
        ),
        "border_times.csv": _rows(
            {"crossing_id": "test-pass", "date": "2020-01-01", "traffic": "freight", "hours": 6, "source": SOURCE,
             "note": "synthetic cited figure"},
            {"crossing_id": "test-pass", "date": "2020-01-01", "traffic": "passengers", "hours": "",
             "source": "default", "note": "the pair default applies"},
            {"crossing_id": "rail-halt", "date": "2019-05-01", "traffic": "freight", "hours": "", "source": "default",
             "note": "the pair default applies"},
        ),
        "border_time_defaults.csv": _rows(
            {"countries": "KG-TJ", "traffic": "freight", "hours": 5, "basis": "synthetic default",
             "sources": SOURCE},
            {"countries": "KG-TJ", "traffic": "passengers", "hours": 1, "basis": "synthetic default",
             "sources": SOURCE},
        ),
        "road_speeds.csv": _rows(
            *({"country": c, "terrain": t, "traffic": tr, "kmh": k, "source": SOURCE, "note": "synthetic"}
              for c in ROUTABLE for t, k in (("trunk", 60), ("mountain", 35), ("unpaved", 25))
              for tr in ("passengers", "freight")),
        ),
        "entry_rules.csv": _rows(
            {"citizen": "KG", "destination": "TJ", "date": "2019-01-01", "document": "passport", "days": 60,
             "note": "synthetic", "source": SOURCE, "published": "2019-01-02", "evidence": "Kyrgyz citizens, no visa"},
            {"citizen": "KG", "destination": "TJ", "date": "2024-01-01", "document": "id-card", "days": "",
             "note": "synthetic", "source": SOURCE, "published": "2024-01-01", "evidence": "ID cards from 2024"},
            {"citizen": "UZ", "destination": "TJ", "date": "2020-01-01", "document": "visa", "days": "",
             "note": "synthetic", "source": SOURCE, "published": "2020-03-01", "evidence": "a visa for Uzbeks"},
        ),
        "pipelines.csv": _rows(
            {"id": "test-line", "name": "Test Line, with a comma", "operator": "Test Gas", "capacity_bcm_y": 10,
             "official_length_km": 180, "official_length_by_country_km": "TJ:90|KG:90",
             "geometry_accuracy": "schematic", "sources": SOURCE, "notes": ""},
        ),
        "pipeline_vertices.csv": _rows(
            {"pipeline_id": "test-line", "seq": 1, "lon": 69.0, "lat": 40.1, "place": "Alpha", "source": SOURCE},
            {"pipeline_id": "test-line", "seq": 2, "lon": 71.0, "lat": 40.1, "place": "Beta", "source": SOURCE},
        ),
        "crossings_out_of_scope.csv": _rows(
            {"name": "Test Footpath", "countries": "KG-TJ", "reason": "pedestrian-only local post", "source": SOURCE},
        ),
        "history_gaps.csv": _rows(
            {"crossing_id": "rail-halt", "period_start": "2022-01-01", "period_end": "2023-12-31",
             "queries": "Rail Halt closed 2022|Рейл Халт 2023", "searched_on": "2026-12-07"},
        ),
        "pipeline_status.csv": _rows(
            {"pipeline_id": "test-line", "section": "", "date": "2015-03-01", "status": "operating", "note": "",
             "source": SOURCE},
            {"pipeline_id": "test-line", "section": "KG", "date": "2019-03-01", "status": "stalled",
             "note": "the Kyrgyz section stopped", "source": SOURCE, "published": "2019-03-02",
             "evidence": "Работы на киргизском участке остановлены.", "kind": ""},
        ),
        "roads/places_a.csv": _rows(
            {"id": "alpha", "name": "Alpha", "aliases": "Альфа", "country": "TJ", "kind": "city",
             "capital": "national", "lon": 69.0, "lat": 40.0, "elevation_m": "", "coord_source": "synthetic",
             "sources": SOURCE},
            {"id": "beta", "name": "Beta", "aliases": "Бета", "country": "KG", "kind": "town", "capital": "",
             "lon": 71.0, "lat": 40.0, "elevation_m": 1200, "coord_source": "synthetic", "sources": SOURCE},
        ),
        "roads/runs_a.csv": _rows(
            {"id": "kg-run", "name": "Test Pass – Beta", "length_km": 95, "source": SOURCE, "notes": ""},
        ),
        "roads/segments_a.csv": _rows(
            {"id": "tj-alpha-pass", "name": "Alpha – Test Pass", "soviet_ref": "M41", "refs": "AH7",
             "from_place": "alpha", "to_place": "test-pass", "country": "TJ", "via": "69.5 40.02; 69.8 40.01",
             "run": "", "length_km": 90, "length_source": SOURCE, "features": "", "geometry_accuracy": "schematic",
             "sources": SOURCE, "notes": ""},
            {"id": "kg-pass-beta", "name": "Test Pass – Beta", "soviet_ref": "", "refs": "",
             "from_place": "test-pass", "to_place": "beta", "country": "KG", "via": "70.5 40.02", "run": "kg-run",
             "length_km": "", "length_source": "", "features": "", "geometry_accuracy": "schematic",
             "sources": SOURCE, "notes": ""},
        ),
    }


def _columns(name: str) -> tuple[str, ...]:
    """Return the columns the loaders read from a curated file (so the workspace follows the schema)."""
    from geo.layers import borders, crossings, entry_rules, history, pipelines, roads
    from geo.routing import speeds

    stem = Path(name).name.rsplit("_", 1)[0] if name.startswith("roads/") else Path(name).stem
    return {
        "enclaves": borders.ENCLAVE_COLUMNS, "crossings": crossings.COLUMNS,
        "crossing_status": crossings.STATUS_COLUMNS, "border_times": crossings.TIME_COLUMNS,
        "border_time_defaults": crossings.DEFAULT_COLUMNS, "road_speeds": speeds.COLUMNS,
        "pipelines": pipelines.COLUMNS, "entry_rules": entry_rules.COLUMNS,
        "pipeline_vertices": pipelines.VERTEX_COLUMNS, "pipeline_status": pipelines.STATUS_COLUMNS,
        "crossings_out_of_scope": history.OUT_OF_SCOPE_COLUMNS, "history_gaps": history.GAP_COLUMNS,
        "places": roads.PLACE_COLUMNS, "runs": roads.RUN_COLUMNS, "segments": roads.SEGMENT_COLUMNS,
    }[stem]


@dataclass
class CuratedWorkspace:
    """A layers folder (``src/`` curated files and the built borders) written from rows held in memory.

    Tests change cells with :meth:`set`, then :meth:`write` and run ``geo check`` or ``geo build``;
    :meth:`line` gives the line a row is written on, so expected messages never hard-code numbers.
    """

    root: Path
    files: dict[str, list[dict[str, str]]] = field(default_factory=world_files)

    @property
    def src(self) -> Path:
        """The folder of curated files."""
        return self.root / "src"

    def path(self, table: str) -> Path:
        """Return the path of a curated file, e.g. ``crossings.csv`` or ``roads/places_a.csv``."""
        return self.src / table

    def write(self) -> CuratedWorkspace:
        """Write every curated file (CSV quoting by the csv module), and the built borders layers if missing."""
        from geo.io.geojson import write_atomic
        from geo.layers import build

        for name, rows in self.files.items():
            target = self.path(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=_columns(name), restval="", lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        if not (self.root / "borders.geojson").is_file():  # once: later writes keep what `geo build` wrote
            day = dt.date(2025, 1, 1)
            for layer_id, frame in zip(("borders", "boundaries"), world_borders()):
                write_atomic(self.root / f"{layer_id}.geojson",
                             build.encode(layer_id, frame, as_of=day, exported=day))
        return self

    def rows(self, table: str) -> list[dict[str, str]]:
        """Return the rows of a curated file (to change in place)."""
        return self.files[table]

    def find(self, table: str, **match: str) -> tuple[int, dict[str, str]]:
        """Return ``(line, row)`` of the first row of ``table`` whose cells equal ``match``."""
        for index, row in enumerate(self.files[table]):
            if all(row.get(k) == v for k, v in match.items()):
                return index + 2, row  # line 1 is the header; no cell of the synthetic world holds a newline
        raise KeyError(f"no row {match} in {table}")

    def line(self, table: str, **match: str) -> int:
        """Return the line of the row of ``table`` whose cells equal ``match``."""
        return self.find(table, **match)[0]

    def set(self, table: str, match: Mapping[str, str], **cells: object) -> int:
        """Change cells of one row (found by ``match``); return its line."""
        number, row = self.find(table, **match)
        row.update({k: "" if v is None else str(v) for k, v in cells.items()})
        return number

    def append(self, table: str, row: Mapping[str, object]) -> int:
        """Add a row at the end of a file; return its line."""
        self.files[table].extend(_rows(row))
        return len(self.files[table]) + 1

    def layers(self) -> Iterator[Path]:
        """Yield the built layer files of the workspace."""
        yield from sorted(self.root.glob("*.geojson"))


def open_tab(at: object, tab: str) -> object:
    """Open one of the map page's tabs (by the id a link gives it, :data:`geoapp.share.TABS`) in an ``AppTest``.

    Only the open tab runs, so a test of the Measure or Download tab opens it first. Returns the test, run.
    """
    from geoapp.share import TABS
    from geoapp.state import TAB_OPEN

    assert tab in TABS, f"no tab {tab!r}: {TABS}"
    at.session_state[TAB_OPEN] = tab  # type: ignore[attr-defined]
    return at.run()  # type: ignore[attr-defined]


# --- one app server for the tests that need a real one ---------------------------------------------------------------


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def app_server(argv: list[str], *, env: Mapping[str, str], log: Path, cwd: Path, start_s: float = 120,
               port: int | None = None) -> Iterator[str]:
    """Start the app (``python -m`` and ``argv``, plus a loopback port), wait for its health check, yield its URL.

    The one way the browser, README and install tests start a server; the output goes to ``log``; the server is
    stopped on exit (killed if it does not stop within 10 s).
    """
    import subprocess
    import sys
    import time
    import urllib.request

    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", *argv, f"--server.port={port}", "--server.address=127.0.0.1",
                                 "--server.headless=true"], cwd=cwd, env=dict(env), stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + start_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as answer:  # noqa: S310 (loopback)
                    if answer.status == 200:
                        break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"the app exited with {proc.returncode}; see {log}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not answer within {start_s:.0f} s; see {log}") from None
                time.sleep(0.2)  # the server is not up yet: there is no page to wait on
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


DRAWN = ".leaflet-overlay-pane path:not([d='M0 0'])"
"""A drawn vector path (Leaflet leaves the paths it clips out of view as ``M0 0``, which a browser shows as
nothing): the map has drawn once one of these is visible."""

API_SERVER = ("import sys, uvicorn; from starlette.applications import Starlette; from geoapp import api; "
              "uvicorn.run(Starlette(routes=api.routes()), host='127.0.0.1', port=int(sys.argv[1]), "
              "log_level='warning')")
"""The API's routes in a bare Starlette app, in another process (GDAL's reads hold this one's interpreter)."""


@contextlib.contextmanager
def api_server(env: Mapping[str, str]) -> Iterator[str]:
    """Serve the API routes alone on a free loopback port (the project's root as the working folder); yield the URL."""
    import subprocess
    import sys
    import time
    import urllib.request

    root = Path(__file__).resolve().parents[1]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-c", API_SERVER, str(port)], cwd=root,
                            env=dict(env, PYTHONPATH=str(root)))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/ogc/conformance", timeout=2):  # noqa: S310 (loopback)
                    break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "the API server did not start"
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """Run ``geo ARGV…`` in this process; return its exit code, output and errors (never a traceback)."""
    from geo.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err
