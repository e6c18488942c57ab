#!/usr/bin/env bash
# Other people's checkers on the built site. Builds the demo site (for a web
# server and for disk) and a generated corpus of 20 stations
# (../shared/bench/gencorpus.py, or $GENCORPUS; left out when missing) into a
# temporary folder, then runs the checkers named (default: all of them):
#   html    the Nu HTML Checker on every page, style sheet and SVG
#   jsonld  every JSON-LD block against schema.org's types (schema-dts)
#   lighthouse        Lighthouse on one page of every kind of the demo
#   lighthouse-quick  the same on 8 of them (what CI runs)
# Needs `npm ci --prefix tests/checkers`, Java 17+ for html and Chromium
# (/usr/bin/chromium, or $CHROMIUM) for lighthouse.
#
#   ZHAN=target/debug/zhan tests/checkers/run.sh [html] [jsonld] [lighthouse]
set -euo pipefail
cd "$(dirname "$0")/../.."
zhan=${ZHAN:-target/debug/zhan}
gencorpus=${GENCORPUS:-../shared/bench/gencorpus.py}
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(html jsonld lighthouse)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The build's summary goes to stderr; kept for when a build fails.
build() { "$zhan" build "$@" >/dev/null 2>"$work/build.log" || { cat "$work/build.log" >&2; exit 1; }; }
build --output "$work/demo"
build --for-disk --output "$work/demo-disk"
sites=("$work/demo" "$work/demo-disk")
if [ -f "$gencorpus" ]; then
  python3 "$gencorpus" "$work/corpus" --stations 20 >/dev/null
  build --root "$work/corpus" --output "$work/corpus-out"
  sites+=("$work/corpus-out")
else
  echo "no generated corpus: $gencorpus is missing; checking the demo only" >&2
fi

for check in "${checks[@]}"; do
  case "$check" in
    html) tests/checkers/html.sh "${sites[@]}" ;;
    jsonld) node tests/checkers/jsonld.mjs "${sites[@]}" ;;
    lighthouse) node tests/checkers/lighthouse.mjs "$work/demo" ;;
    lighthouse-quick) node tests/checkers/lighthouse.mjs "$work/demo" --quick ;;
    *) echo "unknown check: $check (html, jsonld, lighthouse, lighthouse-quick)" >&2; exit 2 ;;
  esac
done
