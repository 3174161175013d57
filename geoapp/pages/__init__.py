"""One module per page (``map_page``, ``sources``) or panel of the map page (``route``, ``measure``, ``downloads``)."""
