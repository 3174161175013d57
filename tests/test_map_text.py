"""geo.map.text: escaping, links and popups."""

from __future__ import annotations

import pytest
from map_factories import HOSTILE

from geo.map import text as t


def test_text_escapes_html_and_template_literals() -> None:
    assert t.text('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"
    assert t.text("`${x}` \\") == "&#96;&#36;{x}&#96; &#92;"
    assert t.text(None) == "" and t.text(float("nan")) == ""


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_has_no_markup_left(hostile: str) -> None:
    out = t.text(hostile)
    assert "<" not in out and ">" not in out and "`" not in out and "$" not in out


def test_links_are_http_only_and_escaped() -> None:
    assert t.link("javascript:alert(1)", "x") == "x"
    assert t.link("https://e.org/?a=1&b=<2>", "src") == (
        '<a href="https://e.org/?a=1&amp;b=&lt;2&gt;">src</a>')
    assert t.safe_url("https://e.org/a b") is None
    assert t.safe_url("HTTPS://e.org/") == "HTTPS://e.org/"
    assert t.safe_url("//e.org/") is None
    assert t.short_url("https://www.example.org/x") == "example.org"


def test_popup_leaves_out_empty_rows_and_keeps_history() -> None:
    history = [{"date": "2021-05-21", "status": "closed", "traffic": ["freight"], "note": "<b>",
                "source": "javascript:x"}]
    popup = t.popup("<T>", [t.row("A", "a"), t.row("B", ""), None], history)
    assert popup["t"] == "&lt;T&gt;" and popup["r"] == [["A", "a"]]
    assert popup["h"] == [["2021-05-21", "closed (freight)", "&lt;b&gt; source"]]
    assert "h" not in t.popup("x", [])


def test_values_from_pandas() -> None:
    import numpy as np

    assert t.as_list(np.array(["a", "b"])) == ["a", "b"] and t.as_list(float("nan")) == [] and t.as_list("a") == ["a"]
    assert t.km(None) == "—" and t.km(1234.56) == "1,234.6 km"
    assert t.country("TJ") == "Tajikistan" and t.country("??") == "outside every country polygon"
