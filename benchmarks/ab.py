"""Cold starts of this checkout against another commit, run in turn on the same machine.

    .venv/bin/python benchmarks/ab.py 6a8a0b4              # help, generate, validate: 30 runs of each, each side
    .venv/bin/python benchmarks/ab.py 6a8a0b4 --runs 60 --commands validate

A host whose speed swings (the yardstick of ``benchmarks/run.py`` has read from 0.12 to 0.32 s on the machines
this project is measured on, and moves within minutes) makes a run of ``run.py`` comparable only with one at a
like yardstick. Running the two versions one after the other, a run of each in turn, puts both through the
same swings: the ratio of their medians is the change, whatever the host's speed that hour. Both run with this
checkout's interpreter and installed libraries.

It writes nothing into the checkout: the other commit is checked out in a temporary git worktree, each side has
a cache folder of its own (filled by a few runs first, as ``run.py`` warms its cache), and everything is removed
at the end. It prints one JSON object: for each command, both sides' medians (wall and CPU seconds) and their
ratio. It asserts nothing and is never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checkout import ROOT, checked_out  # benchmarks/checkout.py

SAMPLE = "samples/upmc-76496-specific-code.yaml"
DATE = "2026-11-27"
WARM = 3  # runs of each command on each side before the timed ones


def commands(out: Path) -> dict[str, list[str]]:
    """The cold starts, as arguments after ``python -m appeal``; paths relative to the side's checkout."""
    return {"help": ["--help"], "generate": ["generate", SAMPLE, "-o", str(out), "--date", DATE],
            "validate": ["validate", SAMPLE, "--date", DATE]}


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _once(args: list[str], root: Path, env: dict) -> tuple[float, float]:
    cpu, wall = _cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "appeal", *args], cwd=root, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=120)
    if done.returncode not in (0, 1):
        raise SystemExit(f"ab: 'appeal {' '.join(args)}' exited {done.returncode} in {root}")
    return time.perf_counter() - wall, _cpu() - cpu


def compare(base: str, runs: int, names: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="appeal-ab-") as tmp, checked_out(base, Path(tmp) / "base") as other:
        work = Path(tmp)
        sides = {"this": ROOT, "base": other}
        for root in sides.values():  # bytecode first, as an installed copy has it
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "appeal")], check=True,
                           stdout=subprocess.DEVNULL)
        envs = {side: {**os.environ, "APPEAL_CACHE_DIR": str(work / f"cache-{side}")} for side in sides}
        wanted = {side: {n: a for n, a in commands(work / f"out-{side}").items() if n in names} for side in sides}
        for side, root in sides.items():
            for args in wanted[side].values():
                for _ in range(WARM):
                    _once(args, root, envs[side])
        times: dict[str, dict[str, list[tuple[float, float]]]] = {n: {s: [] for s in sides} for n in names}
        for _ in range(runs):
            for name in names:
                for side, root in sides.items():  # in turn: both sides see the host as it is now
                    times[name][side].append(_once(wanted[side][name], root, envs[side]))
    found = {}
    for name in names:
        medians = {side: {"wall_s": round(statistics.median(w for w, _ in t), 4),
                          "cpu_s": round(statistics.median(c for _, c in t), 4)} for side, t in times[name].items()}
        found[name] = {**medians, "ratio_wall": round(medians["this"]["wall_s"] / medians["base"]["wall_s"], 3),
                       "ratio_cpu": round(medians["this"]["cpu_s"] / medians["base"]["cpu_s"], 3)}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the commit to compare with (a hash, a tag, HEAD~3)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each command on each side")
    parser.add_argument("--commands", nargs="+", choices=["help", "generate", "validate"],
                        default=["help", "generate", "validate"])
    options = parser.parse_args()
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    result = {"this": head, "base": options.base, "runs": options.runs,
              "commands": compare(options.base, options.runs, options.commands)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
