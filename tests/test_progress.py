"""Batch progress (a bar on a terminal, a line every few seconds off one) and Ctrl-C (summary.csv for what was
done, "rerun the same command to resume", exit 130). Every person and number here is FICTITIOUS."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from appeal.cli.progress import Progress
from appeal.commands.batch.summary import Outcome

from x12_workspace import make_workspace


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def outcome(status: str = "written") -> Outcome:
    return Outcome(0, "x", status)


def test_on_a_terminal_a_bar_shows_the_total_the_rate_and_the_time_left():
    stream, clock = Terminal(), Clock()
    progress = Progress(stream, clock)
    progress.start(4)
    for _ in range(2):
        clock.now += 2
        progress(outcome())
    progress.close()
    shown = stream.getvalue()
    assert "letters" in shown and "2/4" in shown
    assert "0.5/s, about 4s left" in shown  # 2 more at 2 s each
    assert shown.endswith("\n")  # the line is finished


def test_off_a_terminal_one_line_every_few_seconds():
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, clock)
    progress.start(100)
    for n in range(30):
        clock.now += 0.5  # two items a second: 15 s in all
        progress(outcome("failed" if n == 3 else "written"))
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4  # after 5, 10 and 15 seconds, and the last word
    assert lines[0] == "batch: 10 of 100 items (9 written, 0 already done, 1 failed); 2.0/s, about 45s left"
    assert lines[-1] == "batch: 30 of 100 items (29 written, 0 already done, 1 failed); 2.0/s, about 35s left"


def write_rows(path: Path, count: int) -> Path:
    columns = ["payer.name", "patient.name", "patient.member_id", "claim.number", "claim.lines.0.date",
               "claim.lines.0.code", "denial.date", "denial.carc", "appeal.facts.recording",
               "appeal.facts.with_routine_exam"]
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for n in range(count):
            writer.writerow(["UPMC Health Plan", f"Jane Sample {n}", f"00{n:08d}", f"SAMPLE-{n:06d}", "2026-09-15",
                             "76496", "2026-10-20", "189", "yes", "no"])
    return path


def test_ctrl_c_while_an_outcome_is_told_waits_until_it_is_told_whole():
    """A Ctrl-C between an outcome's summary row and its manifest line made a rerun make that letter again
    (and the rerun counted one letter fewer as already done): it is held back until the outcome is told."""
    from appeal.commands.batch.place import ctrl_c_held

    told: list[str] = []

    def tell(outcome) -> None:
        told.append("summary")
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, here
        time.sleep(0.01)
        told.append("manifest")

    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        with ctrl_c_held():
            tell(None)
    assert told == ["summary", "manifest"] and signal.getsignal(signal.SIGINT) is before
    with ctrl_c_held():  # no Ctrl-C: nothing raised
        told.append("quiet")
    assert told[-1] == "quiet"


def test_ctrl_c_writes_the_summary_for_what_was_done_and_exits_130(tmp_path):
    ws = make_workspace(tmp_path / "practice")
    source = write_rows(tmp_path / "cases.csv", 40)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "appeal", "batch", str(source), "-o", str(out), "--workspace", str(ws),
               "--date", "2026-11-27", "--jobs", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 90
    while len(list(out.glob("*.pdf"))) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert process.poll() is None, "the batch finished before Ctrl-C"
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the batch and its workers
    _, stderr = process.communicate(timeout=90)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert "rerun the same command to resume" in stderr
    rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    assert 3 <= len(rows) < 40 and {r["status"] for r in rows} == {"written"}
    assert len(list(out.glob("*.pdf"))) == len(rows)  # every letter made is listed, and only those
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    again = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    assert len(again) == 40 and sum(r["status"] == "skipped" for r in again) == len(rows)
