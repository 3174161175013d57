#!/usr/bin/env bash
# Re-fetch the JavaScript and CSS the map needs from the npm registry into geo/map/assets/vendor/.
#
# Local copies let the map draw with no internet (the map component serves geo/map/assets/).
#   scripts/vendor_assets.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/geo/map/assets/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch <package@version> -> unpacked in $WORK/<package>/package
    local spec="$1" name="${1%@*}"
    mkdir -p "$WORK/$name"
    (cd "$WORK/$name" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
    echo "$WORK/$name/package"
}

rm -rf "$DEST/leaflet" "$DEST/leaflet-draw" "$DEST/leaflet.fullscreen"
mkdir -p "$DEST/leaflet/images" "$DEST/leaflet-draw/images" "$DEST/leaflet.fullscreen"

pkg="$(fetch leaflet@1.9.3)"
cp "$pkg/dist/leaflet.js" "$pkg/dist/leaflet.css" "$pkg/LICENSE" "$DEST/leaflet/"
cp "$pkg"/dist/images/*.png "$DEST/leaflet/images/"

pkg="$(fetch leaflet-draw@1.0.4)"
cp "$pkg/dist/leaflet.draw.js" "$pkg/dist/leaflet.draw.css" "$DEST/leaflet-draw/"
cp "$pkg"/dist/images/spritesheet* "$DEST/leaflet-draw/images/"

pkg="$(fetch leaflet.fullscreen@3.0.0)"
cp "$pkg/Control.FullScreen.js" "$pkg/Control.FullScreen.css" "$pkg/icon-fullscreen.svg" "$pkg/LICENSE" \
   "$DEST/leaflet.fullscreen/"

echo "vendored into $DEST:"
(cd "$DEST" && find . -type f ! -name README.md | sort)
