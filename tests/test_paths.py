"""Where the data is found: the package's data folder (the checkout's layers/), or what the environment says."""

from __future__ import annotations

from geo.layers import registry
from geo.paths import PACKAGE_DATA, REPO_ROOT, cache_dir, layers_dir, source_dir


def test_in_a_checkout_the_data_folder_is_the_layers_folder(monkeypatch):
    monkeypatch.delenv("GEO_LAYERS_DIR", raising=False)
    assert PACKAGE_DATA.is_symlink() and layers_dir() == (REPO_ROOT / "layers").resolve()
    assert all((layers_dir() / f"{layer_id}.geojson").is_file() for layer_id in registry.ids())


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_LAYERS_DIR", str(tmp_path / "l"))
    monkeypatch.delenv("GEO_SOURCE_DIR", raising=False)
    assert layers_dir() == tmp_path / "l" and source_dir() == tmp_path / "l" / "src"
    monkeypatch.setenv("GEO_SOURCE_DIR", str(tmp_path / "s"))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "c"))
    assert source_dir() == tmp_path / "s" and cache_dir() == tmp_path / "c"

