"""``appeal batch``: remittance, case files and CSV to letters; summary, exit codes, resume, a killed run."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from appeal.cli import cli
from appeal.deliver import files
from appeal.errors import CaseError
from appeal.inputs.case import read_case
from appeal.inputs.csvrow import row_located

from conftest import UPMC, docx_text, flat, killed_mid_write, pdf_text
from x12_workspace import X12, make_workspace

F07 = X12 / "07_synthetic_carc189_76496.835"
F08 = X12 / "08_synthetic_two_reasons_one_claim.835"
DATE = "2026-11-27"
COLUMNS = ["payer.name", "patient.name", "patient.member_id", "claim.number", "claim.lines.0.date",
           "claim.lines.0.code", "claim.lines.0.charge", "denial.date", "denial.group", "denial.carc", "denial.rarc",
           "appeal.facts.recording", "appeal.facts.with_routine_exam"]


def csv_row(n: int, **changes) -> dict:
    """A FICTITIOUS case as one CSV row."""
    row = dict(zip(COLUMNS, ["UPMC Health Plan", f"Jane Sample {n}", f"00{n:08d}", f"SAMPLE-{n:06d}", "2026-09-15",
                             "76496", "350.79", "2026-10-20", "CO", "189", "N657", "yes", "no"]))
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "practice")


@pytest.fixture
def batch(ws, out):
    runner = CliRunner()

    def invoke(*inputs, extra=()):
        args = ["batch", *map(str, inputs), "-o", str(out), "--workspace", str(ws), "--date", DATE, *extra]
        return runner.invoke(cli, args, catch_exceptions=False)

    return invoke


def summary(out: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))


def letters(out: Path, suffix: str) -> list[Path]:
    return sorted(out.glob(f"*.{suffix}"))


def test_a_remittance_becomes_the_carc189_letter_in_one_run(batch, out):
    result = batch(F07, extra=["--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    rows = summary(out)
    assert [(r["status"], r["template"]) for r in rows] == [("written", "specific-code-required"),
                                                           ("written", "generic-reconsideration")]
    assert rows[0]["input"] == str(out / "cases" / "Example-Payer_4276512332_CO-189.yaml")
    assert (rows[0]["docx"], rows[0]["pdf"]) == ("Example-Payer_4276512332_CO-189_2026-11-27.docx",
                                                 "Example-Payer_4276512332_CO-189_2026-11-27.pdf")
    # the letter is a corrected claim: 365 days (the directory's corrected-claim window) from the 2004-10-28 remittance
    assert (rows[0]["level"], rows[0]["appeal_by"]) == ("corrected-claim", "2005-10-28 PAST DUE")
    pdf = flat(pdf_text(out / "Example-Payer_4276512332_CO-189_2026-11-27.pdf"))
    docx = flat(docx_text(out / "Example-Payer_4276512332_CO-189_2026-11-27.docx"))
    for text in (pdf, docx):
        assert "line 1, 11/29/2003: 76496 corrected to 76120" in text
        assert "It reports the service as 76120" in text
        assert "the unlisted code 76499 should not be used to identify a cineradiography" in text
        assert "CPT Assistant, September 2000" in text
        assert "JOHANN S BACH" in text and "4276512332" in text and "Riverside Spine & Motion Clinic" in text
    assert "2 written (2 not ready: see the verdict in summary.csv), 0 skipped, 0 failed" in result.stderr
    assert [r["verdict"] for r in rows] == ["review", "review"]  # the remittance gives no payer address


def test_import_then_batch_the_folder_gives_the_same_letter(ws, out, tmp_path, batch):
    runner = CliRunner()
    cases = tmp_path / "cases"
    assert runner.invoke(cli, ["import-835", str(F07), "-o", str(cases), "--workspace", str(ws)]).exit_code == 0
    result = batch(cases, extra=["--jobs", "1"])
    assert result.exit_code == 0, result.stderr
    assert [r["input"] for r in summary(out)] == [str(p) for p in sorted(cases.glob("*.yaml"))]
    pdf = flat(pdf_text(out / "Example-Payer_4276512332_CO-189_2026-11-27.pdf"))
    assert "line 1, 11/29/2003: 76496 corrected to 76120" in pdf


def test_csv_rows_become_letters_and_a_bad_row_names_its_line_and_column(batch, out, tmp_path):
    rows = [csv_row(1), csv_row(2, **{"claim.lines.0.code": "7649X"}), csv_row(3, **{"appeal.facts.recording": ""})]
    source = write_csv(tmp_path / "cases.csv", rows)
    result = batch(source, extra=["--jobs", "2"])
    assert result.exit_code == 1
    got = summary(out)
    assert [(r["input"], r["status"]) for r in got] == [
        (f"{source}:2", "written"), (f"{source}:3", "failed"), (f"{source}:4", "failed")]
    assert got[1]["error"] == ("column claim.lines.0.code: '7649X' is not valid (accepted: a 5-character CPT or "
                               "HCPCS code such as 76120, 0042T or G0283)")
    assert got[2]["error"].startswith("column appeal.facts.recording: template 'specific-code-required' needs this fact: Was the motion")
    assert f"failed: {source}:3: column claim.lines.0.code" in result.stderr
    assert (got[0]["docx"], got[0]["pdf"]) == ("UPMC-Health-Plan_SAMPLE-000001_CO-189_2026-11-27.docx",
                                               "UPMC-Health-Plan_SAMPLE-000001_CO-189_2026-11-27.pdf")
    assert "Jane Sample 1" in pdf_text(out / "UPMC-Health-Plan_SAMPLE-000001_CO-189_2026-11-27.pdf")
    assert len(letters(out, "pdf")) == 1


def test_a_rerun_skips_completed_letters_and_force_redoes_them(batch, out, tmp_path):
    source = write_csv(tmp_path / "cases.csv", [csv_row(1), csv_row(2)])
    assert batch(source, extra=["--jobs", "1"]).exit_code == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}
    again = batch(source, extra=["--jobs", "1", "--json"])
    document = json.loads(again.stdout)
    assert again.exit_code == 0 and document["counts"] == {"written": 0, "skipped": 2, "failed": 0, "unreadable": 0}
    assert [(i["docx"], i["pdf"]) for i in document["items"]] == [(r["docx"], r["pdf"]) for r in summary(out)]
    assert all(p.stat().st_mtime_ns == before[p.name] for p in letters(out, "pdf"))
    # an edited row is made again, under the same name; the other is still skipped
    write_csv(source, [csv_row(1, **{"claim.lines.0.charge": "400.00"}), csv_row(2)])
    assert batch(source, extra=["--jobs", "1"]).exit_code == 0
    assert [r["status"] for r in summary(out)] == ["written", "skipped"]
    assert "$400.00" in pdf_text(out / "UPMC-Health-Plan_SAMPLE-000001_CO-189_2026-11-27.pdf")
    assert len(letters(out, "pdf")) == 2
    batch(source, extra=["--jobs", "1", "--force"])
    assert [r["status"] for r in summary(out)] == ["written", "written"]
    manifest = (out / ".batch" / "manifest.json").read_text()
    assert "Jane" not in manifest and "SAMPLE-000001" in manifest  # hashes and file names only
    skipped = batch(source, extra=["--jobs", "1"])
    assert "0 written, 2 skipped, 0 failed" in skipped.stderr  # no "not ready" count for letters not made now
    # another letter date makes the letters of that date (the earlier ones stay)
    redated = batch(source, extra=["--jobs", "1", "--date", "2026-11-30"])
    assert [r["status"] for r in summary(out)] == ["written", "written"] and "2 written" in redated.stderr
    assert {p.name for p in letters(out, "pdf")} >= {"UPMC-Health-Plan_SAMPLE-000001_CO-189_2026-11-27.pdf",
                                                     "UPMC-Health-Plan_SAMPLE-000001_CO-189_2026-11-30.pdf"}


def test_one_bad_input_never_stops_the_others(batch, out, tmp_path, make_case):
    bad = tmp_path / "letter.835"
    bad.write_text("Dear payer,")
    broken = make_case({"provider.npi": "1234567890"}, name="broken.yaml")
    result = batch(bad, UPMC, broken, tmp_path / "missing.yaml", extra=["--jobs", "2"])
    assert result.exit_code == 1
    got = summary(out)
    assert [(Path(r["input"]).name, r["status"]) for r in got] == [
        ("letter.835", "failed"), (UPMC.name, "written"), ("broken.yaml", "failed"), ("missing.yaml", "failed")]
    assert got[0]["error"].endswith("found 'Dear pay' where an ISA or ST*835 segment should start "
                                    "(accepted: an X12 835 remittance (ISA ... ST*835 ...))")
    assert got[2]["error"] == ("line 3: provider.npi: '1234567890' fails the NPI check digit "
                               "(accepted: a 10-digit NPI with a valid check digit)")
    # each bad input is told once, named once, and the last line counts the unreadable among the failed
    told = [line for line in result.stderr.splitlines() if line.startswith(("failed:", "unreadable:"))]
    assert len(told) == 3 and all(line.count(Path(line.split(": ")[1]).name) == 1 for line in told), told
    assert ", 0 skipped, 3 failed (2 unreadable); summary:" in result.stderr


def test_nothing_readable_exits_2(batch, out, tmp_path):
    empty, latin1, folder = tmp_path / "empty.835", tmp_path / "latin1.csv", tmp_path / "empty-folder"
    empty.write_bytes(b"")
    latin1.write_bytes("patient.name\nJos\xe9 N\xfa\xf1ez\n".encode("latin-1"))
    folder.mkdir()
    result = batch(empty, tmp_path / "nothing-here.csv", latin1, folder)
    assert result.exit_code == 2
    assert [(r["status"], r["error"]) for r in summary(out)] == [
        ("failed", f"{empty}: file is empty (accepted: an X12 835 remittance (ISA ... ST*835 ...))"),
        ("failed", "file not found"),
        ("failed", f"{latin1}: the CSV file is not UTF-8 text (accepted: a CSV saved as UTF-8)"),
        ("failed", "the folder holds no case files (*.yaml)")]


def test_parallel_workers_never_share_a_name(batch, out, tmp_path):
    # the same case twice under two paths: two cases with one payer, claim, reason and date
    twin = tmp_path / "twin.yaml"
    twin.write_text(UPMC.read_text())
    result = batch(UPMC, twin, F08, F07, extra=["--jobs", "2"])
    assert result.exit_code in (0, 1), result.stderr
    made = [name for r in summary(out) for name in (r["docx"], r["pdf"]) if name]
    assert len(made) == len(set(made))
    assert {"UPMC-Health-Plan_SAMPLE-2026-000123_CO-189_2026-11-27.pdf",
            "UPMC-Health-Plan_SAMPLE-2026-000123_CO-189_2026-11-27-2.pdf"} <= set(made)
    for path in letters(out, "pdf"):
        assert pdf_text(path)


def test_progress_is_quiet_when_stderr_is_not_a_terminal(batch, out):
    result = batch(UPMC, extra=["--jobs", "1"])
    assert "\r" not in result.stderr


def test_stale_temporary_files_are_removed(batch, out):
    (out / ".UPMC_x.pdf.abc123.part").write_bytes(b"half a letter")
    batch(UPMC, extra=["--jobs", "1"])
    assert not list(out.rglob("*.part"))


def test_a_batch_removes_what_a_killed_run_left_and_keeps_a_running_one(batch, out):
    """Another batch still writing into the folder keeps its temporary files; a killed one's, and a file an
    older version named at random, are removed."""
    left = killed_mid_write(out)
    older = out / ".UPMC_x.pdf.abc123.part"
    older.write_bytes(b"half a letter")
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        other = out / f".UPMC_y.pdf.{files._host()}-{running.pid}-1.part"
        other.write_bytes(b"another batch's letter")
        batch(UPMC, extra=["--jobs", "1"])
        assert not left.exists() and not older.exists()
        assert other.read_bytes() == b"another batch's letter"
    finally:
        running.kill()
        running.wait()


_HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(os.name != "posix", reason="the batch lock is flock's (POSIX); Windows runs unlocked")
def test_a_second_batch_into_a_folder_a_batch_is_writing_stops_with_exit_2(batch, out):
    """Two runs into one folder would claim the same names and rewrite one manifest: the second one stops
    before it reads or writes anything, and names the folder; the folder is free again once the first ends."""
    lock = out / ".batch" / "lock"
    lock.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = batch(UPMC, extra=["--jobs", "1", "--json"])
        assert result.exit_code == 2
        [error] = json.loads(result.stdout)["errors"]
        assert error["file"] == str(out) and "another appeal batch is writing" in error["message"]
        assert "another output folder (-o)" in error["accepted"]
        assert not (out / "summary.csv").exists() and not letters(out, "pdf")
    finally:
        holder.kill()
        holder.wait()
    again = batch(UPMC, extra=["--jobs", "1"])
    assert again.exit_code == 0, again.stderr
    assert len(letters(out, "pdf")) == 1 and lock.read_bytes() == b""


# ------------------------------------------------------------ CSV rows

def test_dotted_columns_build_the_nested_case(tmp_path):
    columns = ("provider.name", "provider.npi", "provider.address.0", "provider.address.1", "payer.name",
               "patient.name", "patient.member_id", "claim.number", "claim.lines.0.date", "claim.lines.0.code",
               "claim.lines.1.date", "claim.lines.1.code", "claim.lines.1.modifiers", "denial.date", "denial.carc",
               "signer.name", "signer.title", "appeal.notes")
    cells = ("Clinic (sample)", "1234567893", "1 Example St", "Town, PA 15000", "Payer", "Ann Example", "0012",
             "C-1", "2026-01-02", "76120", "2026-01-02", "76120", "59, XS", "2026-02-01", "16", "Pat", "Biller", "")
    located = row_located("cases.csv", 7, columns, cells)
    assert located.data["claim"]["lines"][1] == {"date": "2026-01-02", "code": "76120", "modifiers": "59, XS"}
    assert "notes" not in located.data.get("appeal", {})  # an empty cell is left out
    case = read_case(located, tmp_path / "cases.csv#line7")
    assert case.provider.address == ("1 Example St", "Town, PA 15000")
    assert case.claim.lines[1].modifiers == ("59", "XS") and case.patient.member_id == "0012"


@pytest.mark.parametrize("columns, cells, message", [
    (("patient", "patient.name"), ("x", "y"), "column 'patient.name' clashes with another column"),
    (("claim.lines.0.code", "claim.lines.x"), ("76120", "y"), "mixes numbered and named columns"),
    (("patient..name",), ("y",), "column 'patient..name' is not a dotted field path"),
    (("patient.name",), ("a", "b"), "the row has 2 cells but the header names 1 columns"),
])
def test_bad_columns_name_the_file_and_line(columns, cells, message):
    with pytest.raises(CaseError) as info:
        row_located("cases.csv", 4, columns, cells)
    assert [(p.file, p.line, p.message) for p in info.value.problems] == [("cases.csv", 4, message)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="ab.0 1", min_size=1, max_size=8), st.text(max_size=5)), max_size=6))
def test_any_row_builds_data_or_a_case_error(pairs):
    columns = tuple(dict.fromkeys(c for c, _ in pairs))
    cells = tuple(v for _, v in pairs)[: len(columns)]
    try:
        located = row_located("x.csv", 2, columns, cells)
    except CaseError as exc:
        assert all(p.file == "x.csv" and p.line == 2 for p in exc.problems)
        return
    try:
        read_case(located, Path("x.csv#line2"))
    except CaseError as exc:
        assert all(p.file == "x.csv" for p in exc.problems)


# ---------------------------------------------------------- a killed run

def test_a_batch_killed_midway_finishes_on_the_next_run(ws, tmp_path):
    from pypdf import PdfReader

    source = write_csv(tmp_path / "cases.csv", [csv_row(n) for n in range(1, 61)])  # letters appear in chunks
    out = tmp_path / "out"
    command = [sys.executable, "-m", "appeal", "batch", str(source), "-o", str(out), "--workspace", str(ws),
               "--date", DATE, "--jobs", "2"]
    # a killed process cannot remove multiprocessing's folder (pymp-*): it is left in this test's own folder
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env=env)
    deadline = time.monotonic() + 60
    while len(list(out.glob("*.pdf"))) < 4 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert process.poll() is None, "the batch finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)  # the parent and its workers, at once
    process.wait()
    made_before = len(list(out.glob("*.pdf")))
    assert 4 <= made_before < 60
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert rerun.returncode == 0, rerun.stderr
    rows = summary(out)
    assert len(rows) == 60 and {r["status"] for r in rows} <= {"written", "skipped"}
    assert sum(r["status"] == "written" for r in rows) >= 60 - made_before
    assert not list(out.rglob("*.part"))
    pdfs, docxs = letters(out, "pdf"), letters(out, "docx")
    assert len(pdfs) == len(docxs) == 60
    for path in pdfs:
        assert "Jane Sample" in PdfReader(str(path)).pages[0].extract_text()
    for path in docxs:
        assert "Jane Sample" in docx_text(path)  # python-docx opens it


def test_summary_carries_the_letters_warnings(run, make_case, tmp_path):
    from conftest import SAMPLES

    cases = tmp_path / "cases"
    cases.mkdir()
    make_case({"appeal.notes": None, "appeal.citations": None}, base=SAMPLES / "generic-reconsideration.yaml",
              name="cases/bare.yaml")
    out = tmp_path / "out"
    result = run("batch", cases, "-o", out, "--jobs", "1", "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    [row] = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8"))))
    assert row["status"] == "written" and "gives no reasons" in row["warnings"]
    assert row["verdict"] == "review" and "no-reasons: " in row["reasons"]  # never "ok"


def test_a_job_sent_to_a_worker_is_the_same_key_for_its_cached_worker(tmp_path):
    """Each pool task carries the job pickled; ``worker_for`` keeps one worker per job, so the copy a task
    unpickles must equal and hash as the job (a Settings compared by identity would load the sources per task)."""
    import datetime as dt
    import pickle

    from appeal.commands.batch.worker import Job
    from appeal.settings import Settings

    job = Job(settings=Settings(template_dirs=(tmp_path,), date=dt.date(2026, 11, 27)), out_dir=tmp_path / "out")
    copy = pickle.loads(pickle.dumps(job))
    assert copy is not job and copy == job and hash(copy) == hash(job)


def test_a_field_no_column_gives_is_named_as_a_field_not_a_column(out, tmp_path):
    """Outside a workspace the rows give no provider or signer: the error says no column (nor a profile) gives it,
    not 'column provider', which the table does not have."""
    source = write_csv(tmp_path / "cases.csv", [csv_row(1)])
    result = CliRunner().invoke(cli, ["batch", str(source), "-o", str(out), "--date", DATE, "--jobs", "1"],
                                catch_exceptions=False)
    assert result.exit_code == 1  # the row was read, and its case is incomplete
    (row,) = summary(out)
    assert "provider (no column gives it, nor a workspace's practice profile): is required" in row["error"]
    assert "column provider" not in row["error"] and "column 'provider'" not in row["error"]


def test_a_failed_row_still_names_the_claim_the_remittance_gives(out):
    """Without a practice profile every case of the remittance lacks the provider's address: the rows fail, and
    the worklist still says which claim, patient and denial each one is."""
    done = CliRunner().invoke(cli, ["batch", str(F08), "-o", str(out), "--date", DATE], catch_exceptions=False)
    assert done.exit_code == 1
    rows = summary(out)
    assert {r["status"] for r in rows} == {"failed"} and "provider.address: is required" in rows[0]["error"]
    assert {(r["claim"], r["carc"], r["group"]) for r in rows} == {("PCN0001", "189", "CO"), ("PCN0001", "97", "CO")}
    assert all(r["patient"] and r["payer"] and r["dos"] and r["codes"] for r in rows)


def test_raw_columns_take_only_what_the_data_gives_plainly():
    from appeal.commands.batch.summary import CASE_COLUMNS, raw_columns

    assert raw_columns(None) == tuple((c, "") for c in CASE_COLUMNS)
    got = dict(raw_columns({"claim": {"number": "C1", "lines": [{"code": "76120", "charge": "abc"}, "x",
                                                               {"code": "76125", "date": "2026-01-02"}]},
                            "denial": {"carc": 97, "rarc": ["M15"], "lines": [3]}, "patient": ["not a section"]}))
    assert got["claim"] == "C1" and got["carc"] == "97" and got["rarc"] == "M15" and got["patient"] == ""
    assert got["codes"] == "76125" and got["dos"] == "2026-01-02" and got["amount"] == ""


def test_a_folder_input_says_what_it_skipped(batch, out, tmp_path):
    """A folder is read for its case files only: an 835 or a subfolder in it is named in a warning, never passed
    over without a word."""
    folder = tmp_path / "cases"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.yaml").write_text(UPMC.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "sub" / "b.yaml").write_text(UPMC.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / F08.name).write_bytes(F08.read_bytes())
    (folder / ".hidden").write_text("x")
    result = batch(folder)
    assert result.exit_code in (0, 1), result.stderr
    assert (f"warning: {folder}: read only its case files (*.yaml); skipped {F08.name}, sub/ (give a remittance"
            in result.stderr)
    assert ".hidden" not in result.stderr
    assert [row["status"] for row in summary(out)] == ["written"]


def test_a_spreadsheet_claim_reports_every_problem_of_its_rows_in_one_run(batch, out, tmp_path):
    """Rows of one claim that differ, and the values validation refuses (an amount, a date), in one run: the
    biller fixes them all at once, not one run each (the README promises every problem of a file in one run)."""
    columns = tmp_path / "cols.yaml"
    columns.write_text('Payer: payer.name\n"Claim #": claim.number\nPatient Name: patient.name\n'
                       "Member ID: patient.member_id\nDOS: claim.lines[].date\nCPT: claim.lines[].code\n"
                       "Billed: claim.lines[].charge\nDenied On: denial.date\nCARC: denial.carc\n", encoding="utf-8")
    source = tmp_path / "bad.csv"
    source.write_text("Payer,Claim #,Patient Name,Member ID,DOS,CPT,Billed,Denied On,CARC\n"
                      "UPMC Health Plan,C2,Ann Sample,M2,11/02/2026,76496,350,2026-13-01,189\n"
                      "UPMC Health Plan,C2,Ann Sample,M3,11/03/2026,76496,abc,2026-13-01,189\n", encoding="utf-8")
    result = batch(source, extra=("--columns", str(columns)))
    assert result.exit_code == 1, result.stderr
    (row,) = summary(out)
    assert row["status"] == "failed"
    for said in ("column 'Member ID': rows 2, 3 are one claim", "row 3: column 'Billed': 'abc' is not an amount",
                 "row 2: column 'Denied On': '2026-13-01' is not a real date"):
        assert said in row["error"], said
