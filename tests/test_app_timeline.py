"""The map page's "Through time" tab in Streamlit's AppTest: in the link, the periods, and choosing one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geoapp.pages import timeline as time_tab

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(app_layers: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    if not all((app_layers / f"{i}.geojson").is_file() for i in ("roads", "places", "crossings")):
        pytest.skip("routing layers not built yet")
    monkeypatch.setenv("GEO_LAYERS_DIR", str(app_layers))
    return AppTest.from_file(APP, default_timeout=90)


def problems(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]


def test_time_tab_lists_the_periods_and_choosing_one_sets_the_date(app: AppTest) -> None:
    app.query_params.update({"from": "khujand", "to": "batken", "date": "2023-06-01", "tab": "time", "mode": "freight"})
    app.run()
    assert problems(app) == []
    periods = app.selectbox(key=time_tab.PERIOD)
    labels = list(periods.options)  # shown as formatted; the values are the periods' indices
    shown = next(n for n, label in enumerate(labels) if label.startswith("2022-02-23 – 2025-03-12"))
    assert periods.value == shown  # the period holding the as-of date (Patar reopened, Kyzyl-Bel still closed)
    later = next(n for n, label in enumerate(labels) if label.startswith("2025-03-13"))
    periods.set_value(later).run()
    assert problems(app) == []
    assert app.session_state["as_of"] == dt.date(2025, 3, 13)
    assert app.query_params["date"] == "2025-03-13" and app.query_params["tab"] == "time"
    assert [b.label for b in app.get("download_button")] == ["Periods (.csv)", "Chart (.png)"]


def test_time_tab_without_a_trip_says_what_to_do(app: AppTest) -> None:
    app.query_params["tab"] = "time"
    app.run()
    assert problems(app) == []
    assert any("Choose a start and an end" in i.value for i in app.info)
