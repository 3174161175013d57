"""The Sources page: every dataset with licence, attribution, method and data date; the citation policy."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo import bundle
from geoapp import data
from geoapp.ui import md, panel


def sources_page() -> None:
    """Draw the Sources page."""
    st.title("Sources and licences")
    st.markdown("Map data © [OpenStreetMap contributors](https://www.openstreetmap.org/copyright), "
                "available under the Open Database License (ODbL). Basemap tiles: © OpenStreetMap contributors; "
                "light basemap © CARTO.")
    with panel("sources"):
        for record in bundle.sources(Path(data.folder())):
            with st.container(border=True):
                st.subheader(f"{record['title']}")
                st.markdown(f"Layer `{md(record['id'])}` · {record['feature_count'] or 'not built'} features · "
                            f"built {md(record['built'] or '—')} · {record['cited_urls']} cited URLs")
                st.markdown(f"**Licence:** [{md(record['licence'])}]({record['licence_url']})  \n"
                            f"**Attribution:** {md(record['attribution'])}")
                st.markdown(f"**Method:** {md(record['method'])}")
                if record["notes"]:
                    st.markdown(f"**Notes:** {md(record['notes'])}")
                for upstream in record["upstream"]:
                    st.markdown(f"- {md(upstream['name'])}, {md(upstream['version'])} — {md(upstream['url'])} "
                                f"({md(upstream['licence'])})")
        st.subheader("Citation policy")
        st.markdown(md(bundle.CITATION_POLICY))
