#!/usr/bin/env bash
# `make demo`: import the sample catalog into a throw-away workspace and show what jbp makes of it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jbp="$here/../.venv/bin/jbp"
workspace="$(mktemp -d)/demo"
trap 'rm -rf "$(dirname "$workspace")"' EXIT

run() { echo; echo "\$ jbp $*"; "$jbp" -w "$workspace" "$@"; }

"$jbp" init "$workspace"
run catalog define "$here/categories.toml"
run catalog import "$here/chnt_catalog.xlsx"
run catalog import "$here/delixi_catalog.csv"
run catalog import "$here/bearings_fasteners_bmecat.xml"
run catalog import "$here/chnt_catalog.xlsx"
run info
run catalog quality --worst 10
run model add-dir "$here/models" --match "{sku}.stl"
run model check
run catalog quality
