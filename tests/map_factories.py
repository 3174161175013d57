"""Tiny synthetic layers for the map tests, built in code (hostile text included)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from tests.common import HOSTILE as HOSTILE


def frame(records: list[dict], geometry: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(records, geometry=geometry, crs=4326)


def square(x: float, y: float, size: float) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def borders(name: str = "Kyrgyzstan") -> gpd.GeoDataFrame:
    return frame([
        {"id": "kg", "name": name, "names": [name, "Кыргызстан"], "country": "KG", "kind": "country",
         "surrounded_by": None, "area_km2": 191786.3, "sources": ["https://example.org/kg"], "notes": name},
        {"id": "sokh", "name": "Sokh", "names": ["Сох", "Soʻx"], "country": "UZ", "kind": "enclave",
         "surrounded_by": "KG", "area_km2": 226.0, "sources": ["https://example.org/sokh"], "notes": ""},
    ], [shapely.MultiPolygon([square(69, 39, 5)]), shapely.MultiPolygon([square(71, 39.8, 0.2)])])


def boundaries() -> gpd.GeoDataFrame:
    return frame([{"id": "kg-tj", "name": "Kyrgyzstan – Tajikistan", "countries": "KG-TJ", "length_km": 893.1,
                   "official_length_km": 1006.84, "official_length_source": "https://example.org/treaty",
                   "notes": "", "sources": ["https://example.org/b"]}],
                 [shapely.MultiLineString([[(69, 39), (72, 39.5), (74, 39)]])])


def crossings(name: str = "Kyzyl-Bel", source: str = "https://example.org/c", status: str = "open") -> gpd.GeoDataFrame:
    history = [{"date": "2021-05-21", "status": "closed", "traffic": None, "note": "closed " + name,
                "source": source, "evidence": "закрыт: " + name},
               {"date": "2025-03-13", "status": status, "traffic": None, "note": "reopened", "source": source,
                "evidence": name}]
    return frame([{
        "id": "kyzyl-bel", "name": name, "names": [name, "Кызыл-Бел"], "countries": "KG-TJ", "modes": ["rail"],
        "traffic": ["passengers"], "status": status, "status_since": "2025-03-13", "status_note": name,
        "status_source": source, "status_traffic": ["passengers"], "last_verified": "2025-03-13",
        "status_history": history, "coord_source": "estimated", "sources": [source, "javascript:alert(4)"],
        "notes": name,
    }], [shapely.Point(70.68, 40.1)])


def roads(name: str = "Osh – Batken") -> gpd.GeoDataFrame:
    return frame([
        {"id": "kg-osh-batken", "name": name, "soviet_ref": "M41", "refs": ["ЭМ-16", "AH65"], "from_place": "osh",
         "to_place": "batken", "country": "KG", "length_km": 240.0, "drawn_length_km": 221.3,
         "length_method": "cited", "length_source": "https://example.org/len", "run": None, "features": [],
         "geometry_accuracy": "schematic", "sources": ["https://example.org/r"], "notes": name},
        {"id": "kg-a", "name": "Minor road", "soviet_ref": None, "refs": [], "from_place": "a", "to_place": "b",
         "country": "KG", "length_km": 10.0, "drawn_length_km": 10.0, "length_method": "geodesic",
         "length_source": None, "run": None, "features": [], "geometry_accuracy": "schematic", "sources": [],
         "notes": ""},
    ], [shapely.LineString([(72.8, 40.5), (71.5, 40.2), (70.8, 40.06)]), shapely.LineString([(70, 40), (70.1, 40)])])


def pipelines(status: str = "stalled") -> gpd.GeoDataFrame:
    return frame([{
        "id": "cagp-line-d", "name": "Line D", "operator": "Trans-Asia", "status": status,
        "status_since": "2022-01-01", "status_note": "", "last_verified": "2022-01-01",
        "status_history": [{"date": "2022-01-01", "status": status, "note": "", "source": "https://example.org/d"}],
        "capacity_bcm_y": 30.0, "length_km": 1000.0, "length_by_country_km": {"TJ": 400.0, "KG": 215.0},
        "official_length_km": 1000.0, "official_length_by_country_km": {"TJ": 410.0},
        "geometry_accuracy": "schematic", "places": ["Galkynysh"], "sources": ["https://example.org/d"],
        "notes": "",
    }], [shapely.LineString([(62, 37), (68, 38.5), (74, 40)])])


def places() -> gpd.GeoDataFrame:
    return frame([
        {"id": "osh", "name": "Osh", "aliases": ["Ош"], "kind": "city", "country": "KG", "capital": "region"},
        {"id": "batken", "name": "Batken", "aliases": [], "kind": "town", "country": "KG", "capital": None},
        {"id": "kyzyl-bel", "name": "Kyzyl-Bel", "aliases": [], "kind": "crossing", "country": "KG", "capital": None},
    ], [shapely.Point(72.8, 40.5), shapely.Point(70.8, 40.06), shapely.Point(70.68, 40.1)])


def layers(**overrides: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Every layer the overlays read, synthetic."""
    out = {"borders": borders(), "boundaries": boundaries(), "roads": roads(), "pipelines": pipelines(),
           "crossings": crossings(), "places": places()}
    out.update(overrides)
    return out
