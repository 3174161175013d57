"""The Sources page: every dataset with licence, attribution, method and data date; the citation policy."""

from __future__ import annotations

import streamlit as st

from geo.i18n import N_
from geo.io import bundle
from geoapp import data, urls
from geoapp.ui import _, md, ngettext, panel, today


def sources_page() -> None:
    """Draw the Sources page."""
    st.title(_("Sources and licences"))
    st.markdown(_("Map data © [OpenStreetMap contributors](https://www.openstreetmap.org/copyright), "
                  "available under the Open Database License (ODbL). Basemap tiles: © OpenStreetMap contributors; "
                  "light basemap © CARTO."))
    with panel(N_("sources")):
        records = bundle.sources(data.where(data.folder()))
        missing = [record["id"] for record in records if record["feature_count"] is None]
        if missing:
            st.info(_("Not shown (missing or unreadable): {layers}. Run `python -m geo build` to rebuild the layers.")
                    .format(layers=", ".join(missing)))
        for record in records:
            with st.container(border=True):
                st.subheader(record["title"])
                count = record["feature_count"]
                st.markdown(_("Layer `{id}` · {features} · built {built} · {urls} cited URLs").format(
                    id=md(record["id"]), features=ngettext("{n} feature", "{n} features", int(count)).format(n=count)
                    if count else _("not built"), built=md(record["built"] or "—"), urls=record["cited_urls"]))
                st.markdown(_("**Licence:** {licence}").format(
                    licence=f"[{md(record['licence'])}]({record['licence_url']})") + "  \n"
                    + _("**Attribution:** {attribution}").format(attribution=md(record["attribution"])))
                st.markdown(_("**Method:** {method}").format(method=md(record["method"])))
                if count:
                    urls.show_layer(str(record["id"]), today())
                if record["notes"]:
                    st.markdown(_("**Notes:** {notes}").format(notes=md(record["notes"])))
                for upstream in record["upstream"]:
                    st.markdown(f"- {md(upstream['name'])}, {md(upstream['version'])} — {md(upstream['url'])} "
                                f"({md(upstream['licence'])})")
        st.subheader(_("Citation policy"))
        st.markdown(md(_(bundle.CITATION_POLICY)))
