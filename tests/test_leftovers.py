"""Temporary files a killed process left (``kill -9``, a power loss: it could not remove them, and they may
hold PHI) are removed by the next command that writes into the folder; another running process's, another
machine's and files not named by appeal are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from appeal.deliver import files
from appeal.deliver.files import remove_leftovers

from conftest import UPMC, killed_mid_write
from x12_workspace import X12, make_workspace

pytestmark = pytest.mark.skipif(os.name != "posix", reason="leftovers are told by their process id on POSIX only")

def _gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_a_gone_process_of_this_machine_loses_its_temporary_files(tmp_path):
    left = killed_mid_write(tmp_path)
    host = files._host()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        kept = [tmp_path / f".a.pdf.{host}-{running.pid}-1.part",  # a process still writing
                tmp_path / f".a.pdf.{host}-{os.getpid()}-7.part",  # this one's
                tmp_path / f".a.pdf.{'0' * 8 if host != '0' * 8 else '1' * 8}-{_gone_pid()}-1.part",  # elsewhere
                tmp_path / ".notes.part", tmp_path / "a.pdf.part", tmp_path / ".a.pdf.12345.part"]
        for path in kept:
            path.write_bytes(b"x")
        gone = tmp_path / f".b.docx.{host}-{_gone_pid()}-3ab_c.part"  # mkstemp's fallback name
        gone.write_bytes(b"x")
        assert remove_leftovers(tmp_path) == 2
        assert not left.exists() and not gone.exists()
        assert all(path.exists() for path in kept)
    finally:
        running.kill()
        running.wait()


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="zombies are told from Linux's /proc")
def test_a_killed_process_not_yet_reaped_loses_its_temporary_files(tmp_path):
    """A killed batch's workers are zombies until the system's first process reaps them (in some containers,
    never): os.kill(pid, 0) still answers for them, and their files were kept."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 30
        while not files._ended(child.pid) and time.monotonic() < deadline:
            time.sleep(0.01)  # not waited for: it ends and stays a zombie
        assert files._ended(child.pid)
        left = tmp_path / f".a.pdf.{files._host()}-{child.pid}-1.part"
        left.write_bytes(b"half a letter")
        assert remove_leftovers(tmp_path) == 1 and not left.exists()
    finally:
        child.wait()
    assert not files._ended(os.getpid())


def test_a_folder_that_is_not_there_has_no_leftovers(tmp_path):
    assert remove_leftovers(tmp_path / "none") == 0


def test_import_835_removes_what_a_killed_import_left(run, tmp_path):
    ws = make_workspace(tmp_path)
    out = tmp_path / "cases"
    out.mkdir()
    left = killed_mid_write(out)
    result = run("import-835", X12 / "08_synthetic_two_reasons_one_claim.835", "-o", out, "--workspace", ws)
    assert result.exit_code in (0, 1), result.stderr
    assert not left.exists() and list(out.glob("*.yaml"))
    assert not list(out.glob(".*.part"))


def test_generate_removes_what_a_killed_generate_left(run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    left = killed_mid_write(out)
    result = run("generate", UPMC, "-o", out, "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    assert not left.exists() and sorted(p.suffix for p in out.iterdir()) == [".docx", ".pdf"]

