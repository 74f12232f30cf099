#!/usr/bin/env bash
# Regenerate docs/sample-page1.png, the picture of the sample letter in the README: page 1 of the
# sample's PDF as poppler's pdftoppm draws it. The letter date is fixed, so the same code gives the
# same picture. Usage: scripts/make-docs-png.sh   (uses .venv/bin/appeal, else `appeal` on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
appeal=.venv/bin/appeal
[ -x "$appeal" ] || appeal="$(command -v appeal)" || { echo "appeal is not installed" >&2; exit 1; }
command -v pdftoppm >/dev/null || { echo "pdftoppm is missing: install poppler-utils" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! "$appeal" generate samples/upmc-76496-specific-code.yaml -o "$work" --date 2026-11-27 --format pdf \
    >/dev/null 2>"$work/log"; then
  cat "$work/log" >&2
  exit 1
fi
mkdir -p docs
pdftoppm -png -r 90 -f 1 -l 1 -singlefile "$work"/*.pdf docs/sample-page1
echo "docs/sample-page1.png"
