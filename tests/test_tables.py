import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import DataError
from geo.layers.tables import Problems, Row, parse_date, parse_lonlat, parse_urls, read_table

COLUMNS = ("id", "name", "lon", "lat")


def write(tmp_path, content: bytes | str, name="t.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_reads_rows_with_line_numbers(tmp_path):
    rows = read_table(write(tmp_path, "id,name,lon,lat\na,A,1,2\n\nb,B,3,4\n"), COLUMNS)
    assert [(r.line, r["id"]) for r in rows] == [(2, "a"), (4, "b")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id;name;lon;lat\na;A;1;2\n", "wrong delimiter"),
        ("id,name,lon\na,A,1\n", "missing column lat"),
        ("id,name,lon,lat,extra\na,A,1,2,x\n", "unexpected column extra"),
        ("id,name,lon,lat\na,A,1\n", "expected 4 cells, found 3"),
        ("id,name,lon,lat\na,\"A,1,2\n", "malformed CSV"),
        ("", "empty file"),
        (b"id,name,lon,lat\na,\xff\xfe,1,2\n", "not UTF-8"),
    ],
)
def test_malformed_files_raise_with_location(tmp_path, content, message):
    with pytest.raises(DataError) as info:
        read_table(write(tmp_path, content), COLUMNS)
    assert message in str(info.value)
    assert str(info.value).startswith("t.csv:") or "t.csv:" in str(info.value)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read file"):
        read_table(tmp_path / "nope.csv", COLUMNS)


def row(**values: str) -> Row:
    return Row("f.csv", 7, values)


@pytest.mark.parametrize("text", ["2023-02-30", "2023-13-01", "23-01-01", "yesterday", "2023/01/01"])
def test_impossible_dates_are_problems(text):
    problems = Problems()
    assert parse_date(row(date=text), "date", problems) is None
    assert "f.csv:7:" in str(problems.items[0])


def test_real_date_parses():
    assert parse_date(row(date="2024-02-29"), "date", Problems()) == dt.date(2024, 2, 29)


@pytest.mark.parametrize(("lon", "lat"), [("250", "40"), ("70", "95"), ("nan", "40"), ("7.0e6", "4.5e6"), ("", "1")])
def test_bad_coordinates_are_problems(lon, lat):
    problems = Problems()
    assert parse_lonlat(row(lon=lon, lat=lat), problems) is None
    assert problems.items


@pytest.mark.parametrize("urls", ["", "ftp://x.org/a", "javascript:alert(1)", "not a url"])
def test_bad_sources_are_problems(urls):
    problems = Problems()
    parse_urls(row(sources=urls), "sources", problems)
    assert problems.items


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_parse_or_raise_data_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x.csv"
    path.write_bytes(b"id,name,lon,lat\n" + data)
    try:
        rows = read_table(path, COLUMNS)
    except DataError:
        return
    assert all(set(r.values) == set(COLUMNS) for r in rows)
