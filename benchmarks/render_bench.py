"""How long drawing one letter takes, per format, once per-process state (fonts, the DOCX base, styles)
is built. Run: python benchmarks/render_bench.py [N]. Not a test: numbers vary by machine."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from appeal.commands.generate import prepare
from appeal.deliver.packet import build_packet, merge
from appeal.render.docx import render_docx
from appeal.render.pdf import render_pdf
from appeal.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "upmc-76496-specific-code.yaml"


def per_call(label: str, func, n: int) -> None:
    start = time.perf_counter()
    func()
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(n):
        func()
    each = (time.perf_counter() - start) / n
    print(f"{label:<28} first {first * 1000:7.1f} ms   then {each * 1000:7.1f} ms each (n={n})")


def main(n: int = 20) -> None:
    settings = Settings(date=dt.date(2026, 11, 27))
    templates, library = settings.templates(), settings.library()
    prepared = prepare(SAMPLE, settings, templates, library)
    letter = prepared.letter
    per_call("compose (prepare)", lambda: prepare(SAMPLE, settings, templates, library), n)
    per_call("render_pdf", lambda: render_pdf(letter), n)
    per_call("render_docx", lambda: render_docx(letter), n)
    pdf = render_pdf(letter)
    per_call("merge (letter, no exhibits)", lambda: merge(pdf, (), "X"), n)
    per_call("build_packet (no exhibits)", lambda: build_packet(prepared, templates, library), n)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
