"""``render_pdf`` over distinct batch letters, in one process (what a batch worker's PDFs cost).

The letters are those ``appeal batch`` makes from ``remittance.simple(n)`` with the benchmark's workspace
profile (every letter another patient, claim and account), built in-process as a worker builds them (load,
build_letter, with_workspace). Then:

    python benchmarks/distinct_pdf.py time [N]     CPU ms per distinct letter (process_time, after 20 warm-up letters)
    python benchmarks/distinct_pdf.py hash [N]     each PDF's sha256, one a line (compare two checkouts' bytes)
    python benchmarks/distinct_pdf.py dump FILE    the letters pickled, 60 of them, for a run under callgrind:
    python benchmarks/distinct_pdf.py render FILE K   render the first 10 (warm-up) and K more

Instructions per letter: ``valgrind --tool=callgrind python benchmarks/distinct_pdf.py render FILE K`` for K = 0 and
K = 30, the difference over 30 (the letters are pickled first: under valgrind a template takes longer than
its 5-second limit).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import remittance  # noqa: E402
from run import DATE, PROFILE  # noqa: E402


def letters(count: int) -> list:
    """(letter, page setup) of the first ``count`` letters of a batch of ``remittance.simple(count)``."""
    from appeal.commands.batch.items import iter_items
    from appeal.commands.batch.worker import Job, worker_for
    from appeal.commands.generate import directory_entry, with_workspace
    from appeal.letters.build import build_letter
    from appeal.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="appeal-distinct-"))
    os.environ.setdefault("APPEAL_CACHE_DIR", str(folder / "cache"))
    (folder / "appeal.yaml").write_text(PROFILE)
    source = folder / "batch.835"
    source.write_text(remittance.simple(count))
    worker = worker_for(Job(Settings(date=DATE, workspace=folder), folder / "out", today=DATE))
    sources = worker.sources
    out = []
    for item in iter_items([source], sources, "bench", [], DATE):
        case = worker.load(item)
        prepared = with_workspace(build_letter(case, sources.templates, sources.library,
                                               directory=directory_entry(sources, case)), sources)
        out.append((prepared.letter, prepared.page))
    return out


def main() -> None:
    mode, arg = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
    if mode == "dump":
        Path(arg).write_bytes(pickle.dumps(letters(60)))
        return
    from appeal.render.pdf import render_pdf

    if mode == "render":
        made = pickle.loads(Path(arg).read_bytes())
        for letter, page in made[:10 + int(sys.argv[3])]:
            render_pdf(letter, page)
        return
    count = int(arg or 200)
    made = letters(count + 20 if mode == "time" else count)
    if mode == "hash":
        for letter, page in made:
            print(hashlib.sha256(render_pdf(letter, page)).hexdigest())
        return
    for letter, page in made[:20]:
        render_pdf(letter, page)
    start = time.process_time()
    for letter, page in made[20:]:
        render_pdf(letter, page)
    print(f"{(time.process_time() - start) * 1000 / count:.2f} ms CPU per distinct letter ({count} letters)")


if __name__ == "__main__":
    main()
