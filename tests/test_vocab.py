"""The vocabulary: one list of countries, statuses and modes, and one shorten()."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from geo import vocab
from geo.layers import borders


def test_codes_are_unique_and_well_formed():
    assert len(vocab.BY_ISO2) == len(vocab.BY_ISO3) == len(vocab.COUNTRIES)
    assert all(len(c.iso2) == 2 and len(c.iso3) == 3 and c.iso2.isupper() for c in vocab.COUNTRIES)


def test_focus_and_routable_derive_from_the_country_records():
    assert vocab.FOCUS == ("KZ", "KG", "TJ", "UZ", "TM")
    assert set(vocab.FOCUS) <= set(vocab.ROUTABLE)
    assert {"RU", "IR"}.isdisjoint(vocab.ROUTABLE)  # drawn on the map, but the road network does not enter them


def test_the_borders_layer_takes_its_countries_from_the_vocabulary():
    assert borders.FOCUS == vocab.FOCUS
    assert borders.COUNTRIES == {c.iso3: (c.iso2, c.name) for c in vocab.COUNTRIES}


def test_every_route_mode_has_its_crossing_traffic():
    assert set(vocab.TRAFFIC_OF_ROUTE_MODE) == set(vocab.ROUTE_MODES)
    assert set(vocab.TRAFFIC_OF_ROUTE_MODE.values()) <= set(vocab.TRAFFIC)


@given(st.text(max_size=300), st.integers(min_value=2, max_value=120))
def test_shorten_gives_one_printable_line_within_the_limit(text, limit):
    short = vocab.shorten(text, limit)
    assert len(short) <= limit
    assert all(ch.isprintable() for ch in short)
    assert "\n" not in short and not any(unicodedata.category(ch) == "Cc" for ch in short)
    if len(short) < limit - 1:
        assert vocab.shorten(short, limit) == short
