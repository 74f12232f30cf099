"""Nothing outside ``-o`` holds the sample patient's name, date of birth or member id (issue 17).

generate, packet, batch, import-835 and track run as the biller runs them (a subprocess), with HOME, TMPDIR and
XDG_CACHE_HOME pointed at empty folders; afterwards every file outside the output folder (and the inputs
themselves) is read and searched. The ledger (``<workspace>/ledger.sqlite3``), the one place outside ``-o``
the user asks to hold PHI, is the only file the scan skips.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, UPMC
from x12_workspace import make_workspace

SAMPLE_PHI = ("Jane Q. Sample", "Jane", "0012345678", "1975-04-12", "04/12/1975", "SAMPLE-2026-000123")
REMIT_PHI = ("BACH", "JOHANN", "00001612", "2005555A")
X12 = ROOT / "tests" / "data" / "x12" / "07_synthetic_carc189_76496.835"


@pytest.fixture
def sandbox(tmp_path):
    """An empty home, temp and cache folder, a working folder, and a runner that uses them."""
    folders = {name: tmp_path / name for name in ("home", "tmp", "cache", "work")}
    for folder in folders.values():
        folder.mkdir()
    env = {**os.environ, "HOME": str(folders["home"]), "TMPDIR": str(folders["tmp"]),
           "XDG_CACHE_HOME": str(folders["cache"]), "SOURCE_DATE_EPOCH": "1795737600"}
    env.pop("APPEAL_CACHE_DIR", None)  # compiled templates go to XDG_CACHE_HOME, which the scan reads

    def run(*args):
        result = subprocess.run([sys.executable, "-m", "appeal", *map(str, args)], capture_output=True, text=True,
                                cwd=folders["work"], env=env, timeout=300)
        assert result.returncode in (0, 1), result.stderr
        return result

    return folders, run


def readable(path: Path) -> bytes:
    """A file's bytes, with what a zip (DOCX) or a PDF holds compressed unpacked, so compression hides nothing."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            data += b"".join(archive.read(name) for name in archive.namelist())
    if data.startswith(b"%PDF"):
        from pypdf import PdfReader

        data += "".join(page.extract_text() for page in PdfReader(path).pages).encode("utf-8", "replace")
    return data


def leaks(roots: list[Path], skip: list[Path], needles: tuple[str, ...]) -> list[str]:
    """``file: needle`` for every file under ``roots`` (but ``skip``) whose name or content holds a needle."""
    found = []
    for root in roots:
        for path in (root.rglob("*") if root.is_dir() else [root]):
            if any(path == s or s in path.parents for s in skip) or not path.is_file():
                continue
            data = readable(path)
            for needle in needles:
                if needle.encode() in data or needle in path.name:
                    found.append(f"{path}: {needle}")
    return found


def test_generate_packet_and_batch_leave_no_phi_outside_the_output_folder(sandbox):
    folders, run = sandbox
    work = folders["work"]
    cases = work / "cases"
    cases.mkdir()
    case = cases / "case.yaml"
    shutil.copy(UPMC, case)
    report = cases / "report.png"
    from PIL import Image

    Image.new("L", (200, 260), 255).save(report)
    case.write_text(case.read_text().replace("enclosures:\n", "enclosures:\n  - description: Report\n"
                                                              "    path: report.png\n"), encoding="utf-8")
    out = work / "out"
    run("generate", case, "-o", out)
    run("packet", case, "-o", out)
    run("batch", cases, "-o", out / "batch", "--jobs", "2")
    assert list(out.glob("*_packet.pdf")) and list((out / "batch").glob("*.pdf"))
    assert list((folders["cache"] / "appeal" / "templates").glob("*.jinja"))  # the compiled templates are scanned
    assert leaks(list(folders.values()), [out, case], SAMPLE_PHI) == []
    assert len(leaks([out], [], ("Jane Q. Sample",))) >= 4  # the scan finds the name where it belongs


def test_import_835_and_its_batch_leave_no_phi_outside_the_output_folder(sandbox):
    folders, run = sandbox
    work = folders["work"]
    remit = work / "era.835"
    shutil.copy(X12, remit)
    workspace = make_workspace(work / "practice")
    run("denials", remit, "--workspace", workspace)
    run("import-835", remit, "-o", work / "cases", "--workspace", workspace)
    run("batch", remit, "-o", work / "out", "--jobs", "2", "--workspace", workspace)
    assert list((work / "cases").glob("*.yaml")) and list((work / "out").glob("*.pdf"))
    ledger = sorted(workspace.glob("ledger.sqlite3*"))  # batch records each letter in the workspace's ledger
    assert leaks(list(folders.values()), [work / "cases", work / "out", remit, *ledger], REMIT_PHI) == []
    assert leaks([work / "cases"], [], ("00001612",))  # the scan finds the member id where it belongs


def test_track_leaves_no_phi_outside_the_output_folder_but_the_ledger(sandbox):
    folders, run = sandbox
    work = folders["work"]
    workspace = make_workspace(work / "practice")
    case = work / "case.yaml"
    shutil.copy(UPMC, case)
    out = work / "out"
    run("generate", case, "-o", out, "--workspace", workspace)
    [letter] = out.glob("*.pdf")
    run("track", "sent", letter, "--via", "portal", "--ref", "P-1", "--workspace", workspace)
    run("track", "list", "--workspace", workspace)
    run("track", "due", "--workspace", workspace)
    run("track", "export", "--csv", out / "appeals.csv", "--workspace", workspace)
    run("track", "stats", "--workspace", workspace)
    ledger = sorted(workspace.glob("ledger.sqlite3*"))
    assert ledger and leaks(ledger, [], ("0012345678",))  # the ledger holds the member id, as the user asked
    assert leaks(list(folders.values()), [out, case, *ledger], SAMPLE_PHI) == []
