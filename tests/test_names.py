import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import UsageError
from geo.routing.names import NameIndex, normalise

INDEX = NameIndex([
    ("khujand", "Khujand", ["Khodzhent", "Leninabad", "Хуҷанд", "Худжанд"]),
    ("dushanbe", "Dushanbe", ["Душанбе", "Stalinabad"]),
    ("oskemen", "Oskemen", ["Öskemen", "Ust-Kamenogorsk", "Усть-Каменогорск"]),
    ("karasu-a", "Karasu (A)", ["Karasu"]),
    ("karasu-b", "Karasu (B)", ["Karasu"]),
])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("khujand", "khujand"), ("KHODZHENT", "khujand"), ("leninabad", "khujand"), ("Худжанд", "khujand"),
     ("ust kamenogorsk", "oskemen"), ("UST-KAMENOGORSK", "oskemen"), ("öskemen", "oskemen"), ("oskemen", "oskemen"),
     ("душанбе", "dushanbe"), ("  Dushanbe ", "dushanbe")],
)
def test_resolves_across_scripts_case_diacritics_and_hyphens(typed, expected):
    assert INDEX.resolve(typed) == expected


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UsageError, match=r"unknown place 'Dushanbee' — did you mean Dushanbe\?"):
        INDEX.resolve("Dushanbee")


def test_ambiguous_alias_lists_candidates():
    with pytest.raises(UsageError, match="ambiguous place 'karasu'"):
        INDEX.resolve("karasu")


def test_search_finds_by_prefix_and_alias():
    assert INDEX.search("lenin")[0][0] == "khujand"
    assert INDEX.search("") == []


@pytest.mark.parametrize("typed", ["", "   ", "-", "<script>alert(1)</script>", "x" * 10_000, "\x00\x01"])
def test_hostile_or_empty_names_are_usage_errors(typed):
    with pytest.raises(UsageError) as info:
        INDEX.resolve(typed)
    assert len(str(info.value)) < 200 and "\x00" not in str(info.value)


@given(st.text(max_size=200))
def test_any_text_resolves_or_raises_usage_error(text):
    try:
        assert INDEX.resolve(text) in INDEX.labels
    except UsageError:
        pass
    normalise(text)


def test_a_city_wins_over_a_crossing_that_shares_its_name():
    index = NameIndex([("khorog", "Khorog", ["Khorugh"]), ("tem-demogan", "Tem – Demogan", ["Khorugh"])],
                      ranks={"khorog": 0, "tem-demogan": 4})
    assert index.resolve("khorugh") == "khorog"
