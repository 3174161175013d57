import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pyproj
import pytest
import shapely
from matplotlib.colors import to_hex

from geo import figure, palette
from geo.cli import main
from geo.errors import UsageError
from geo.figure import layers as figure_layers
from geo.figure import text as figure_text
from geo.figure.model import FigureRequest, MapData
from geo.routing.graph import Scenario, Trip

AS_OF = dt.date(2023, 6, 1)
OSM = "© OpenStreetMap contributors"


def synthetic() -> MapData:
    """Two countries (KG and TJ) sharing a border at 71° E, a road across it and one crossing per status."""
    borders = gpd.GeoDataFrame(
        {"id": ["kg", "tj"], "name": ["Kyrgyzstan", "Tajikistan"], "country": ["KG", "TJ"],
         "kind": ["country", "country"]},
        geometry=[shapely.box(71, 39, 73, 41), shapely.box(69, 39, 71, 41)], crs=4326)
    statuses = ["open", "restricted", "closed", "unknown"]
    crossings = gpd.GeoDataFrame(
        {"id": [f"c{i}" for i in range(4)], "name": [f"Post {s.title()} – Other" for s in statuses],
         "status": statuses, "countries": ["KG-TJ"] * 4},
        geometry=[shapely.Point(71, 39.4 + 0.4 * i) for i in range(4)], crs=4326)
    roads = gpd.GeoDataFrame({"id": ["r"]}, geometry=[shapely.LineString([(69.5, 40), (72.5, 40.2)])], crs=4326)
    return MapData({"borders": borders, "roads": roads, "crossings": crossings},
                   attributions=[f"{OSM} (via geo-maps)", f"{OSM} (borders); © GeoNames (CC BY 4.0) towns"])


def request(tmp_path: Path, name: str = "map.png", **kwargs: object) -> FigureRequest:
    return FigureRequest(tmp_path / name, AS_OF, layers=("borders", "roads", "crossings"), **kwargs)  # type: ignore[arg-type]


def all_texts(fig: object) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]  # type: ignore[attr-defined]


def test_parse_bbox_accepts_four_ordered_numbers() -> None:
    assert figure.parse_bbox("69,39.6, 73.6 ,41.6") == (69.0, 39.6, 73.6, 41.6)


@pytest.mark.parametrize("text", ["1,2,3", "a,b,c,d", "73,39,69,41", "69,41,73,39", "69,39,200,41", "nan,1,2,3",
                                  "69,39,73,91", ""])
def test_bad_bbox_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--bbox"):
        figure.parse_bbox(text)


def test_request_checks_extension_and_layers(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.png, \.pdf, \.svg"):
        figure.request_from(output=tmp_path / "map.jpg")
    with pytest.raises(UsageError, match="unknown layer 'nope'"):
        figure.request_from(output=tmp_path / "map.png", layers=["roads,nope"])
    made = figure.request_from(output=tmp_path / "map.PDF", layers=["roads,crossings", "roads"])
    assert made.layers == ("roads", "crossings") and made.fmt == "pdf"


def test_nice_scale_lengths() -> None:
    assert [figure_text.nice_length_km(x) for x in (3000, 900, 240, 9)] == [500, 100, 20, 1]


@pytest.mark.parametrize("lat", [36.0, 41.0, 46.0, 53.0])
def test_scale_bar_is_true_at_its_latitude(lat: float) -> None:
    crs = figure.projection_for((55.0, 35.0, 85.0, 55.0))
    units = figure_text.scale_bar_units(crs, 70.0, lat, 100.0)
    # independent: the projection's own scale factor along the parallel at that point (pyproj.Proj.get_factors)
    factor = pyproj.Proj(crs).get_factors(70.0, lat).parallel_scale
    assert units == pytest.approx(100_000 * factor, rel=2e-3)
    # and at a standard parallel a Lambert conformal conic map is true to scale
    lat_1 = 35.0 + 20.0 / 6
    assert figure_text.scale_bar_units(crs, 70.0, lat_1, 100.0) == pytest.approx(100_000, rel=2e-3)


def test_attribution_line_names_each_holder_once() -> None:
    line = figure_text.attribution_line(synthetic().attributions)
    assert line.count(OSM) == 1 and "© GeoNames" in line


def test_status_is_shown_by_shape_and_colour_blind_safe_colour(tmp_path: Path) -> None:
    styles = palette.STATUS_STYLES
    assert len({s.marker for s in styles.values()}) == len(styles)  # shapes differ, not only colours
    okabe_ito = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000", "#999999"}
    assert {to_hex(s.colour) for s in styles.values()} <= okabe_ito
    fig = figure.draw(request(tmp_path), synthetic())
    texts = all_texts(fig)
    for status in styles:
        assert f"{status} (1 on this map)" in texts


def test_figure_has_date_attribution_scale_bar_and_legend_beside_the_map(tmp_path: Path) -> None:
    fig = figure.draw(request(tmp_path), synthetic())
    texts = " | ".join(all_texts(fig))
    assert "1 June 2023" in texts and "Border crossings on 1 Jun 2023" in texts
    assert OSM in texts and "Licence ODbL-1.0" in texts
    assert "km" in texts and "true at" in texts
    map_ax, side = fig.axes
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legend_box = side.get_legend().get_window_extent(renderer)
    assert not legend_box.overlaps(map_ax.get_window_extent(renderer))  # the legend never covers data
    assert any(p.get_gid() == "scale-bar" for p in map_ax.patches)


def test_labels_do_not_overlap(tmp_path: Path) -> None:
    data = synthetic()
    fig = figure.draw(request(tmp_path, bbox=(69.0, 39.0, 73.0, 41.0)), data)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = fig.axes[0]
    labels = [t for t in ax.texts if hasattr(t, "xyann")]
    assert labels, "the crossings should be labelled in a detailed view"
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


def test_bbox_outside_the_data_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="outside the map's data"):
        figure.draw(request(tmp_path, bbox=(0.0, 0.0, 10.0, 10.0)), synthetic())


@pytest.mark.parametrize(("name", "magic"), [("m.png", b"\x89PNG"), ("m.pdf", b"%PDF"), ("m.svg", b"<?xml")])
def test_save_writes_each_format_atomically(tmp_path: Path, name: str, magic: bytes) -> None:
    req = request(tmp_path, name)
    fig = figure.draw(req, synthetic())
    figure.save(fig, req, OSM)
    assert req.output.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [name]
    if name.endswith(".png"):
        from PIL import Image

        with Image.open(req.output) as image:
            assert image.info["Copyright"] == OSM
            assert image.width >= 2000


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.parametrize("extra", [
    ["--bbox", "1,2,3"], ["--bbox", "73,39,69,41"], ["--bbox", "0,0,10,10"], ["--layers", "roads", "nope"],
    ["--route", "Khujand", "Nowhereville"],
])
def test_bad_figure_arguments_exit_2_with_one_line(tmp_path: Path, extra: list[str],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["figure", "-o", str(tmp_path / "m.png"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("geo figure: ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("output", ["m.jpg", "missing/m.png", "."])
def test_bad_figure_outputs_exit_2(tmp_path: Path, output: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["figure", "-o", str(tmp_path / output)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_output_under_a_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert run(["figure", "-o", str(tmp_path / "file" / "m.png")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_real_route_figure_khujand_batken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "route.png"
    assert run(["figure", "-o", str(out), "--as-of", "2025-08-01", "--route", "Khujand", "Batken"]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert "route" in capsys.readouterr().err
    trip = Trip("Khujand", "Batken", Scenario(as_of=dt.date(2025, 8, 1)))
    req = figure.request_from(output=out, as_of=dt.date(2025, 8, 1), route=trip)
    data = figure.load(req)
    assert data.route is not None and data.names[data.route.source] == "Khujand"
    fig = figure.draw(req, data)
    texts = all_texts(fig)
    assert "Road route Khujand → Batken" in texts
    assert any("Kyzyl-Bel" in t for t in texts)  # the crossing the 2025 route uses, named
    x0, x1 = fig.axes[0].get_xlim()
    assert x1 - x0 < 400_000  # the extent follows the route, not the whole region


def test_real_fergana_figure_on_2023_06_01(tmp_path: Path) -> None:
    req = figure.request_from(output=tmp_path / "fergana.pdf", as_of=AS_OF, bbox="69,39.6,73.6,41.6")
    data = figure.load(req)
    fig = figure.draw(req, data)
    texts = all_texts(fig)
    assert any(t.startswith("closed (") and t != "closed (0 on this map)" for t in texts)  # KG-TJ posts closed
    assert "Sokh\n(UZ)" in texts or any(t.startswith("Sokh") for t in texts)
    figure.save(fig, req, figure_text.attribution_line(data.attributions))
    assert req.output.read_bytes().startswith(b"%PDF")


def test_titles_and_names_are_plain_text(tmp_path: Path) -> None:
    data = synthetic()
    data.frames["crossings"].loc[0, "name"] = "$\\frac{1}{$ <script>alert(1)</script>"
    req = request(tmp_path, "m.svg", bbox=(69.0, 39.0, 73.0, 41.0), title="Costs $5 and $^{oops")
    fig = figure.draw(req, data)
    figure.save(fig, req, OSM)
    text = req.output.read_text(encoding="utf-8")
    assert "<script>" not in text  # SVG text is escaped
    assert "Costs $5 and $^{oops" in all_texts(fig)


def test_image_bytes_for_downloads(tmp_path: Path) -> None:
    fig = figure.draw(request(tmp_path), synthetic())
    assert figure.image_bytes(fig, "png", OSM).startswith(b"\x89PNG")
    assert figure.image_bytes(fig, "pdf", OSM).startswith(b"%PDF")
    with pytest.raises(UsageError):
        figure.image_bytes(fig, "gif", OSM)


def test_real_region_figure_covers_the_five_states(tmp_path: Path) -> None:
    req = figure.request_from(output=tmp_path / "region.png", as_of=AS_OF)
    data = figure.load(req)
    west, south, east, north = figure.extent_of(req, data)
    assert west < 47 and east > 87 and south < 35.2 and north > 55  # KZ, KG, TJ, UZ, TM all inside
    fig = figure.draw(req, data)
    texts = all_texts(fig)
    for name in ("KAZAKHSTAN", "UZBEKISTAN", "TURKMENISTAN", "KYRGYZSTAN", "TAJIKISTAN"):
        assert name in texts
    for capital in ("Astana", "Bishkek", "Dushanbe", "Tashkent", "Ashgabat"):
        assert capital in texts
    flat = [" ".join(t.split()) for t in texts]
    assert "Gas pipeline, under-construction (Line D)" in flat  # Line D's stage on 2023-06-01


def test_one_status_palette_for_the_figure_and_the_map() -> None:
    from geo.map.overlays import crossings
    from geo.vocab import STATUSES

    assert figure_layers.STATUS_STYLES is palette.STATUS_STYLES and set(palette.STATUS_STYLES) == set(STATUSES)
    assert crossings.COLOURS == {s: palette.STATUS_STYLES[s].colour for s in STATUSES}
    assert len({s.glyph for s in palette.STATUS_STYLES.values()}) == len(STATUSES)  # text/shape, not colour only


@pytest.mark.parametrize("options", [[], ["--optimize", "distance"], ["--mode", "freight", "--via", "Jalal-Abad"]])
def test_figure_draws_the_route_that_geo_route_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       options: list[str]) -> None:
    """Bishkek – Osh: fastest stays in Kyrgyzstan, shortest goes through Uzbekistan; the figure must agree."""
    assert run(["route", "Bishkek", "Osh", "--as-of", "2025-08-01", "--json", *options]) == 0
    printed = json.loads(capsys.readouterr().out)
    out = tmp_path / "route.png"
    assert run(["figure", "-o", str(out), "--as-of", "2025-08-01", "--route", "Bishkek", "Osh", *options]) == 0
    wrote = capsys.readouterr().err
    assert f"route {printed['distance_km']:,.1f} km, {printed['duration_h']:,.1f} h" in wrote


def test_fastest_and_shortest_differ_bishkek_osh() -> None:
    """The pair above is a real test only while the two objectives choose different routes."""
    from geo.routing import RouteEngine

    engine = RouteEngine.load()
    fastest = engine.trip(Trip("Bishkek", "Osh", Scenario(as_of=dt.date(2025, 8, 1))))
    shortest = engine.trip(Trip("Bishkek", "Osh", Scenario(as_of=dt.date(2025, 8, 1), optimize="distance")))
    assert set(fastest.by_country_km) != set(shortest.by_country_km)
