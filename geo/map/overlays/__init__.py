"""One module per overlay: its palette, its display builder and its ``SPEC`` (listed in ``geo.map.registry``)."""
