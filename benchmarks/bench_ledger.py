"""Benchmark: events per second into the appeal ledger, one process and four at once, and a 1,000-appeal
reconcile-sized read (``ledger.appeals``). Speed is measured here, never asserted in tests.

    .venv/bin/python benchmarks/bench_ledger.py            # SQLite in a temporary folder, 500 events per process
    .venv/bin/python benchmarks/bench_ledger.py 2000       # more events (bounded: at most 20,000)
    APPEAL_TEST_PG_URL=postgresql://... .venv/bin/python benchmarks/bench_ledger.py   # PostgreSQL too

Each event is its own transaction, as each ``track`` command is. The data is SYNTHETIC.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from appeal.ledger.store import Ledger, target_from  # noqa: E402
from test_ledger_engines import WRITER, facts  # noqa: E402  the tests' writer, so both measure one thing


def prepare(url: str, appeals: int) -> Ledger:
    ledger = Ledger(target_from(url))
    with ledger.write() as conn:
        for n in range(appeals):
            ledger.record_letter(conn, {**facts(), "claim": f"SYNTH{n:06d}"}, "bench")
    return ledger


def run(url: str, events: int) -> None:
    ledger = prepare(url, 1000)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "APPEAL_LEDGER_TIMEOUT": "120"}
    for processes in (1, 4):
        start = time.perf_counter()
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"b{processes}-{n}", str(events)], env=env)
                   for n in range(processes)]
        if any(w.wait() for w in writers):
            raise SystemExit("a writer failed")
        seconds = time.perf_counter() - start
        print(f"  {processes} process(es) x {events} events: {seconds:.2f} s, "
              f"{processes * events / seconds:.0f} events/s (process start included)")
    start = time.perf_counter()
    with ledger.read() as conn:
        rows = ledger.appeals(conn)
    print(f"  read {len(rows)} appeals with their events: {time.perf_counter() - start:.3f} s")


def main() -> None:
    events = min(int(sys.argv[1]) if len(sys.argv) > 1 else 500, 20_000)
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        run(str(Path(tmp) / "ledger.sqlite3"), events)
    url = os.environ.get("APPEAL_TEST_PG_URL")
    if url:
        from ledger_helpers import fresh_pg

        print("PostgreSQL")
        run(fresh_pg(url), events)


if __name__ == "__main__":
    main()
