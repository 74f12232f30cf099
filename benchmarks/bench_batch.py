"""Benchmark: a synthetic remittance of N denials -> N letters with ``appeal batch``.

Measures wall-clock seconds and the peak resident memory (sampled from /proc, so
Linux only) of the largest process of the batch (parent, fork server or a
worker) and of all of them together, for each size, to show that memory stays
flat as the number of letters grows. Speed is measured here, never
asserted in tests.

    .venv/bin/python benchmarks/bench_batch.py              # 100 and 2,000 letters
    .venv/bin/python benchmarks/bench_batch.py 100 10000    # any sizes (10,000 takes a while)

Every claim in the remittance is SYNTHETIC (placeholder names and numbers),
built from tests/data/x12/07_synthetic_carc189_76496.835.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILE = """\
# SAMPLE practice profile: FICTITIOUS.
practice:
  provider: {name: Example Clinic (sample), npi: "1234567893", address: [1 Example St, "Town, PA 15000"]}
  signer: {name: Pat Example, title: Billing Manager}
code_defaults:
  "76496": {recording: yes, with_routine_exam: no}
"""
HEADER = ("ISA*00*          *00*          *ZZ*SYNTHPAYER     *ZZ*SYNTHPROV      *240101*1200*^*00501*000000900*0*T*:~"
          "GS*HP*SYNTHPAYER*SYNTHPROV*20240101*1200*900*X*005010X221A1~")
BODY_START = ["ST*835*0900", "BPR*I*0*C*NON************20240105", "TRN*1*SYNTH0900*1999999999",
              "N1*PR*SYNTHETIC HEALTH PLAN*XV*99999", "N1*PE*EXAMPLE CLINIC*XX*1234567893", "LX*1"]
CLAIM = ["CLP*ACCT-{n:06d}*4*500.04*0**12*PCN{n:06d}*11*1", "NM1*QC*1*PATIENT*SYNTHETIC{n}****MI*MEMBER{n:06d}",
         "SVC*HC:76496*500.04*0**1", "DTM*472*20231201", "CAS*CO*189*500.04", "LQ*HE*M51"]


def remittance(count: int) -> str:
    """A syntactically correct 835 with ``count`` CARC 189 denials of 76496."""
    body = BODY_START + [segment.format(n=n) for n in range(1, count + 1) for segment in CLAIM]
    body.append(f"SE*{len(body) + 1}*0900")
    return HEADER + "~".join(body) + "~GE*1*900~IEA*1*000000900~"


def _rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024
    except (OSError, StopIteration):
        return 0.0


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (the batch, the fork server, the workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def run(count: int, folder: Path) -> tuple[float, float, float, int]:
    """Seconds, peak RSS (MiB) of the largest process and of all of them together, and letters written."""
    source = folder / f"remit-{count}.835"
    source.write_text(remittance(count))
    out = folder / f"out-{count}"
    command = [sys.executable, "-m", "appeal", "batch", str(source), "-o", str(out), "--workspace", str(folder),
               "--date", "2026-11-27"]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    largest = total = 0.0
    while process.poll() is None:  # sampled every 0.2 s from /proc (Linux)
        sizes = [_rss_mib(pid) for pid in _tree(process.pid)]
        largest, total = max(largest, *sizes), max(total, sum(sizes))
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"the batch of {count} failed (exit {process.returncode})")
    return seconds, largest, total, len(list(out.glob("*.pdf")))


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "appeal.yaml").write_text(PROFILE)
        print(f"{'letters':>8}  {'seconds':>8}  {'letters/s':>9}  {'largest process MiB':>19}  {'all MiB':>8}")
        for count in sorted(sizes):
            seconds, largest, total, made = run(count, folder)
            print(f"{made:>8}  {seconds:>8.1f}  {made / seconds:>9.1f}  {largest:>19.1f}  {total:>8.1f}",
                  flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 2000])
