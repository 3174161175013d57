"""The app's shareable link, end to end through the Streamlit app: bad values give notices, good ones restore
the state, and the link format round-trips (geoapp/share.py; the pure round trips are in test_app_state.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.routing.graph import Scenario
from geoapp import share
from tests.conftest import problems

BAD = {
    "layers": "<script>alert(1)</script>",
    "basemap": "javascript:alert(1)",
    "date": "2099-99-99",
    "view": "nan,Infinity,99",
    "from": "<img src=x onerror=alert(1)>",
    "to": "x" * 5000,
    "close": "../../etc/passwd,kyzyl-bel",
    "mode": "rocket",
    "avoid": "ZZ,![x](http://evil.example/t.png)",
    "date2": "2015-02-30",
}


def test_bad_query_params_fall_back_with_notices(app: AppTest) -> None:
    for key, value in BAD.items():
        app.query_params[key] = value
    app.run()
    assert problems(app) == []
    notices = [w.value for w in app.warning]
    assert len(notices) >= 9
    joined = " ".join(notices)
    for value in BAD.values():
        assert value[:12] not in joined
    assert app.sidebar.checkbox[0].value is True  # defaults restored
    assert app.sidebar.date_input[0].value == dt.date.today()


def test_good_link_restores_state(app: AppTest, app_layers: Path) -> None:
    app.query_params["layers"] = "roads,crossings"
    app.query_params["date"] = "2021-06-01"
    app.query_params["basemap"] = "none"
    app.query_params["view"] = "40.3,70.6,8"
    app.run()
    assert problems(app) == []
    assert not app.warning
    values = {c.label: c.value for c in app.sidebar.checkbox}
    assert values["Soviet-era trunk roads"] and values["Border crossings"]
    assert not values["Countries, borders and enclaves"]
    assert app.sidebar.date_input[0].value == dt.date(2021, 6, 1)
    assert app.session_state["map_view"] == (40.3, 70.6, 8)


def test_share_round_trip() -> None:
    known = share.Known(place=lambda v: v if v in {"khujand", "batken"} else None, crossings={"kyzyl-bel"},
                        countries={"KG", "UZ"}, today=dt.date(2026, 1, 1))
    first = Scenario(as_of=dt.date(2023, 6, 1), close=frozenset({"kyzyl-bel"}), avoid=frozenset({"UZ"}),
                     mode="freight")
    second = replace(first, as_of=dt.date(2025, 8, 1), close=frozenset())
    state = share.AppState(overlays=frozenset({"roads"}), basemap="none", origin="khujand", dest="batken",
                           scenario=first, second=second)
    params = share.to_params(state, today=dt.date(2026, 1, 1))
    parsed, notices = share.parse(params, known)
    assert notices == []
    assert parsed == share.AppState(**{**state.__dict__, "view": parsed.view})
