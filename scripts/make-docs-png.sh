#!/usr/bin/env bash
# Regenerate the README's pictures, as poppler's pdftoppm draws the PDFs. The letter date is fixed, so the
# same code gives the same pictures. Usage: scripts/make-docs-png.sh   (uses .venv/bin/appeal, else `appeal`)
#   docs/sample-page1.png      page 1 of the sample letter
#   docs/letterhead-page1.png  page 1 with a practice letterhead (practice.letterhead: logo, accent, sans font)
#   docs/fax-cover.png         the fax cover sheet (appeal packet --fax)
#   docs/envelope-window.png   page 1 with the #10 window drawn over it, at both ends of the sheet's travel
# The practice, its logo and the payer's fax are the sample's fictitious ones; the payer's address lines say
# where the real one comes from (we never invent a payer's address).
set -euo pipefail
cd "$(dirname "$0")/.."
appeal=.venv/bin/appeal
python=.venv/bin/python
[ -x "$appeal" ] || appeal="$(command -v appeal)" || { echo "appeal is not installed" >&2; exit 1; }
[ -x "$python" ] || python="$(command -v python3)"
command -v pdftoppm >/dev/null || { echo "pdftoppm is missing: install poppler-utils" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
run() { "$@" >/dev/null 2>"$work/log" || { cat "$work/log" >&2; exit 1; }; }

run "$appeal" generate samples/upmc-76496-specific-code.yaml -o "$work/plain" --date 2026-11-27 --format pdf

# A practice workspace with a letterhead, and the sample with a payer address block and fax.
"$python" - "$work" <<'PY'
import sys
from pathlib import Path

import yaml
from PIL import Image, ImageDraw

work = Path(sys.argv[1])
ws = work / "ws"
ws.mkdir()
logo = Image.new("RGB", (360, 160), "white")
draw = ImageDraw.Draw(logo)
draw.ellipse((10, 10, 150, 150), fill=(31, 78, 121))
draw.rectangle((170, 55, 350, 105), fill=(31, 78, 121))
logo.save(ws / "logo.png")
(ws / "appeal.yaml").write_text("practice:\n  letterhead:\n    logo: logo.png\n    accent: \"#1F4E79\"\n"
                                "    font: sans\n", encoding="utf-8")
case = yaml.load(Path("samples/upmc-76496-specific-code.yaml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
case["payer"].update({"attention": "Provider Appeals",
                      "address": ["Appeal address line from the provider manual", "City, ST ZIP from the manual"],
                      "fax": "(555) 010-0199"})
(ws / "case.yaml").write_text(yaml.safe_dump(case, sort_keys=False), encoding="utf-8")
PY
run "$appeal" packet "$work/ws/case.yaml" -o "$work/out" --workspace "$work/ws" --date 2026-11-27 --fax

mkdir -p docs
pdftoppm -png -r 90 -f 1 -l 1 -singlefile "$work"/plain/*.pdf docs/sample-page1
pdftoppm -png -r 90 -f 1 -l 1 -singlefile "$work"/out/*_packet.pdf docs/letterhead-page1
pdftoppm -png -r 90 -f 1 -l 1 -singlefile "$work"/out/*_fax.pdf docs/fax-cover
pdftoppm -png -r 90 -f 1 -l 1 -singlefile "$work"/out/*_packet.pdf "$work/page1"
"$python" - "$work/page1.png" docs/envelope-window.png <<'PY'
import sys

from PIL import Image, ImageDraw

from appeal.render.layout import WINDOW_10

page = Image.open(sys.argv[1]).convert("RGB")
scale = page.width / 612  # pixels per point
draw = ImageDraw.Draw(page)
for box, colour in [(end, (200, 0, 0)) for end in WINDOW_10.ends()] + [(WINDOW_10.address_box(), (0, 140, 0))]:
    draw.rectangle([box.left * scale, box.top * scale, box.right * scale, box.bottom * scale], outline=colour,
                   width=2)
page.save(sys.argv[2])
PY
echo docs/sample-page1.png docs/letterhead-page1.png docs/fax-cover.png docs/envelope-window.png
