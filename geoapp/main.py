"""Page configuration and navigation: the Map, Tables and Sources pages (the state is kept across them)."""

from __future__ import annotations

import streamlit as st

from geoapp import state
from geoapp.pages.map_page import map_page
from geoapp.pages.sources import sources_page
from geoapp.pages.table import table_page
from geoapp.ui import _, today


def main() -> None:
    """Run the app (one script run)."""
    state.init_lang()
    st.set_page_config(page_title=_("Central Asia infrastructure map"), page_icon="🗺️", layout="wide")
    page = st.navigation([st.Page(map_page, title=_("Map"), icon=":material/map:", default=True),
                          st.Page(table_page, title=_("Tables"), icon=":material/table:", url_path="tables"),
                          st.Page(sources_page, title=_("Sources"), icon=":material/menu_book:",
                                  url_path="sources")])
    state.keep(today())
    state.hold_preset(today())
    page.run()
