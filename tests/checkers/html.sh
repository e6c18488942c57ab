#!/usr/bin/env bash
# The Nu HTML Checker (npm vnu-jar, pinned in tests/checkers/package.json) on
# every page, style sheet and SVG of the given built sites. Any error fails
# (vnu exits 1); warnings are shown and do not; nothing is filtered. Needs
# Java 17+ and `npm ci --prefix tests/checkers`.
#
#   tests/checkers/html.sh SITE_DIR...
set -euo pipefail
vnu="$(dirname "$0")/node_modules/vnu-jar/build/dist/vnu.jar"
[ -f "$vnu" ] || { echo "no $vnu: run npm ci --prefix tests/checkers" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: $0 SITE_DIR..." >&2; exit 2; }

pages=$(find "$@" -name '*.html' | wc -l)
[ "$pages" -gt 0 ] || { echo "no page in $*: is this a built site?" >&2; exit 1; }
if java -jar "$vnu" --skip-non-html --also-check-css --also-check-svg --format gnu "$@"; then
  echo "Nu HTML Checker $(java -jar "$vnu" --version): $pages pages, 0 errors"
else
  echo "Nu HTML Checker: errors above (in $pages pages)" >&2
  exit 1
fi
