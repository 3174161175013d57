"""Central Asia infrastructure layers: build, validate, measure, route and export.

Layout
------
Kernel (flat, imported by everything below it):
``errors``      the project's error types (one-line messages, exit codes)
``vocab``       countries, statuses, modes and other closed sets; ``shorten``
``paths``       where the built layers, curated files and caches live
``palette``     the colours and marks every view shares
``i18n``        interface languages (gettext catalogs in ``locale/``)
``measure``     geodesy on WGS84 (``pyproj.Geod``): lengths, areas, km per country
``changes``     what differs between two dates of the status history

Stages:
``layers/``     data tier: ``spec`` (LayerSpec), ``tables`` (strict CSV reading), ``status`` (a fact on a day),
                ``store`` (reading built layers), ``build`` (load → build → validate → write, all layers or none),
                ``registry``; one module per layer (``borders``, ``crossings``, ``pipelines``, ``roads/``)
``reference/``  OpenStreetMap reference networks: reading (``__init__``), ``trace``, ``coverage``,
                ``coverage_notes``, ``report`` (the roads report)
``routing/``    the route engine (``__init__``), ``graph`` (Scenario, the sparse graph), ``results`` (Route,
                Comparison), ``speeds``, ``names`` (place search), ``bench``
``io/``         files in and out: ``geojson`` (the one atomic writer, the layers' switch, the strict encoder),
                ``formats`` (GeoPackage, KML, CSV, FlatGeobuf, GPX, made in memory), ``tabular``, ``tracks`` and
                ``upload`` (user files, within limits), ``track_bench``, ``bundle`` (the zip)
``figure/``     static report maps: ``model`` (request, data), ``layers``, ``text``; drawing in ``__init__``
``map/``        the interactive map document (see its own Layout)
``db/``         the PostGIS store: ``load`` (load, status, drop; atomic switch), ``source`` (layers read back from
                the database), ``pgrouting`` (routing in the database), ``osm`` (full OpenStreetMap networks),
                ``coords`` (routes between any two points), ``bench``
``cli/``        the command line, one module per group of commands

The package is a pure processing core: it never imports streamlit. The app (``geoapp/``, started by ``app.py``)
and the command line (``python -m geo``) are thin layers over it.
"""

from __future__ import annotations

__version__ = "0.1.0"
