#!/usr/bin/env bash
# Re-fetches the pinned front-end libraries from the npm registry into the tree.
# Run by hand when a version changes; the results are committed.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() {  # name version
  (cd "$work" && npm pack --silent "$1@$2" >/dev/null)
  mkdir -p "$work/$1" && tar xzf "$work/$1-$2.tgz" -C "$work/$1"
}
fetch htmx.org 2.0.11
fetch leaflet 1.9.4
fetch jsqr 1.4.0
fetch axe-core 4.14.1
dest=patrol/static/vendor
mkdir -p "$dest/htmx-2.0.11" "$dest/leaflet-1.9.4" "$dest/jsqr-1.4.0" tests/vendor/axe-core-4.14.1
cp "$work/htmx.org/package/dist/htmx.min.js" "$work/htmx.org/package/LICENSE" "$dest/htmx-2.0.11/"
cp -r "$work/leaflet/package/dist/leaflet.js" "$work/leaflet/package/dist/leaflet.css" \
  "$work/leaflet/package/dist/images" "$work/leaflet/package/LICENSE" "$dest/leaflet-1.9.4/"
cp "$work/axe-core/package/axe.min.js" "$work/axe-core/package/LICENSE" tests/vendor/axe-core-4.14.1/
# jsqr ships only its unminified build (256 KB, precached by the officer's service worker):
# minified here with a pinned terser, its output checked into the tree.
npm install --silent --no-save --prefix "$work/terser" terser@5.51.4 >/dev/null
"$work/terser/node_modules/.bin/terser" "$work/jsqr/package/dist/jsQR.js" --compress --mangle \
  --comments '/@license|@preserve|^!/' -o "$dest/jsqr-1.4.0/jsQR.min.js"
cp "$work/jsqr/package/LICENSE" "$dest/jsqr-1.4.0/"
