"""The benchmark: how fast appeal makes letters, against the tools billers use today.

    .venv/bin/python benchmarks/run.py            # everything, about 6-8 minutes on a 2-core machine
    .venv/bin/python benchmarks/run.py --quick    # smaller sizes, about 2 minutes

It measures, in one run:

- per letter (the sample letter, median of many, in one process once its caches are warm): case load,
  compose, DOCX, PDF, both formats, writing the two files;
- batch: letters (DOCX + PDF) per second for 1,000 letters with ``--jobs 1`` and with every core, and the
  peak resident memory of the parent and of each worker at 1,000 and 10,000 letters;
- cold start, as whole processes: ``appeal --help``, ``appeal generate`` of one letter, ``appeal validate``;
- X12 835: ``appeal denials`` and ``appeal import-835`` on synthetic remittances of 2,000 and 20,000 claims;
- the same letter made the ways people make it today: LibreOffice converting our DOCX to PDF (one
  ``soffice`` call per letter, and one call for 20 files) and, where installed, docxtpl filling a DOCX
  template and WeasyPrint rendering HTML with the same text, each as a ratio to ours;
- what the time goes to (cProfile of each stage, by library).

It writes ``docs/performance.json`` and ``docs/performance.md`` (with ``docs/performance.svg``, a chart of
letters per second). It is never a test and asserts nothing: numbers depend on the machine and on what
else runs on it. Every remittance and case is SYNTHETIC (see benchmarks/remittance.py).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import remittance  # noqa: E402  (benchmarks/remittance.py)
from checkout import checked_out  # noqa: E402  (benchmarks/checkout.py)

from appeal.deliver.files import write_atomic  # noqa: E402
from appeal.inputs.case import load_case  # noqa: E402
from appeal.letters.build import build_letter  # noqa: E402
from appeal.letters.document import block_text  # noqa: E402
from appeal.render.docx import render_docx  # noqa: E402
from appeal.render.pdf import render_pdf  # noqa: E402
from appeal.settings import Settings, Sources  # noqa: E402

SAMPLE = ROOT / "samples" / "upmc-76496-specific-code.yaml"
DATE = dt.date(2026, 11, 27)
APPEAL = [sys.executable, "-m", "appeal"]
PROFILE = """\
# SAMPLE practice profile: FICTITIOUS.
practice:
  provider: {name: Example Clinic (sample), npi: "1234567893", address: [1 Example St, "Town, PA 15000"]}
  signer: {name: Pat Example, title: Billing Manager}
code_defaults:
  "76496": {recording: yes, with_routine_exam: no}
"""
# What the issue measured before this work (ms, letters/s, s), for the "before" column.
BEFORE = {"both_ms": 44.0, "docx_ms": 21.8, "pdf_ms": 16.3, "case_load_ms": 1.9, "batch_all_cores_lps": 40.0,
          "import_835_20000_s": 47.0}
# The code before the speed work of 2026-12-02 (commit c5f2dfa), measured with this command's per_letter(60)
# on the machine of that day (Intel Xeon, 2 cores, yardstick 0.24-0.27 s), idle: CPU ms.
BEFORE_C5F2DFA = {"machine": "Intel Xeon, 2 cores", "case_load": 1.33, "compose": 3.93, "docx": 17.02, "pdf": 26.84,
                  "both": 44.82, "write": 0.5}
TARGETS = {"both_ms": 12.0, "batch_all_cores_lps": 140.0, "worker_rss_mb": 100.0, "parent_rss_growth_mb": 10.0,
           "help_s": 0.15, "generate_s": 0.3, "validate_s": 0.25, "denials_20000_s": 3.0, "import_835_20000_s": 5.0,
           "soffice_single_ratio": 70.0, "soffice_batch20_ratio": 10.0}


# ------------------------------------------------------------------------------ helpers

def _median_ms(func, n: int) -> dict:
    """Median wall and CPU milliseconds of ``func`` over ``n`` calls, after one warm-up call."""
    func()
    walls, cpus = [], []
    for _ in range(n):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return {"wall_ms": round(statistics.median(walls) * 1000, 2), "cpu_ms": round(statistics.median(cpus) * 1000, 2),
            "n": n}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _children_sys() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime


def _run(command: list[str], timeout: float = 300, cwd: Path | None = None, env: dict | None = None) -> dict:
    """One whole process: wall seconds, CPU seconds (user + system) and exit status."""
    cpu, system, wall = _children_cpu(), _children_sys(), time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout, cwd=cwd,
                          env=env)
    return {"wall_s": round(time.perf_counter() - wall, 3), "cpu_s": round(_children_cpu() - cpu, 3),
            "sys_s": round(_children_sys() - system, 3), "exit": done.returncode}


def _settle() -> None:
    """Before a timed step: the files written so far flushed to disk, so their writeback does not run during
    the step and take a core from it, and a second's pause.

    Nothing the benchmark writes is deleted before it ends. The disks this project is measured on are ext4
    without a journal, and there the kernel, allocating an inode for a new file, passes over every inode freed in
    the last minute (six minutes while its inode-table block is still dirty), checking each: after a deletion
    of 20,000 files, creating the next 20,000 cost 3 to 11 s of system time instead of 0.6 to 1.2 s (``perf``
    shows the time in ``recently_deleted`` and ``find_inode_bit``, fs/ext4/ialloc.c). Deleting the last run's
    folder before the next made import-835 and batch measure the kernel's bookkeeping of that deletion, not
    the command. A biller who deletes a big folder of cases and imports again at once pays it too; the
    benchmark says so rather than measuring it."""
    os.sync()
    time.sleep(1)


def _median_run(command: list[str], n: int, cwd: Path | None = None) -> dict:
    runs = [_run(command, cwd=cwd) for _ in range(n)]
    return {"wall_s": statistics.median(r["wall_s"] for r in runs),
            "cpu_s": statistics.median(r["cpu_s"] for r in runs), "sys_s": statistics.median(r["sys_s"] for r in runs),
            "exit": runs[-1]["exit"], "n": n}


def _proc_tree(pid: int) -> list[int]:
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


def _proc_rss_cpu(pid: int) -> tuple[float, float]:
    """Resident MiB and CPU seconds (user + system) of one process, from /proc."""
    try:
        rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS")) / 1024
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, IndexError, ValueError):
        return 0.0, 0.0


# ------------------------------------------------------------------------------ per letter

def per_letter(n: int) -> dict:
    settings = Settings(date=DATE)
    sources = Sources.load(settings)
    case = load_case(SAMPLE, date=DATE)
    prepared = build_letter(case, sources.templates, sources.library)
    letter = prepared.letter
    docx, pdf = render_docx(letter), render_pdf(letter)
    out = Path(tempfile.mkdtemp(prefix="appeal-bench-"))
    try:
        stages = {
            "case_load": _median_ms(lambda: load_case(SAMPLE, date=DATE), n),
            "compose": _median_ms(lambda: build_letter(case, sources.templates, sources.library), n),
            "docx": _median_ms(lambda: render_docx(letter), n),
            "pdf": _median_ms(lambda: render_pdf(letter), n),
            "both": _median_ms(lambda: (render_docx(letter), render_pdf(letter)), n),
            "write": _median_ms(lambda: (write_atomic(out / "letter.docx", docx),
                                         write_atomic(out / "letter.pdf", pdf)), n),
        }
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return stages


SURNAMES = ("Sample", "Example", "Placeholder", "Testperson", "Fictitious", "Madeup", "Nobody", "Dummy")


def distinct_letters(n: int) -> dict:
    """Both formats for ``n`` different letters (each its own patient, member id, claim number and account, as
    in a batch), each drawn once, after one warm-up of the renderers: the median per letter. The sample letter
    drawn again and again (the rows above) reuses every cached paragraph; a batch's letters differ in the
    paragraphs that name the patient and the claim. The names are FICTITIOUS."""
    settings = Settings(date=DATE)
    sources = Sources.load(settings)
    text = SAMPLE.read_text(encoding="utf-8")
    letters = []
    for i in range(n + 1):
        varied = (text.replace("Jane Q. Sample", f"Pat {chr(65 + i % 26)}. {SURNAMES[i % len(SURNAMES)]}{i}")
                  .replace("SAMPLE-2026-000123", f"SAMPLE-2026-{i:06d}").replace("ACCT-0042", f"ACCT-{i:05d}")
                  .replace('"0012345678"', f'"{9000000000 + i}"'))
        case = load_case(SAMPLE, date=DATE, text=varied)
        letters.append(build_letter(case, sources.templates, sources.library).letter)
    render_docx(letters[0]), render_pdf(letters[0])
    walls, cpus = [], []
    for letter in letters[1:]:
        wall, cpu = time.perf_counter(), time.process_time()
        render_docx(letter), render_pdf(letter)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"both_distinct": {"wall_ms": round(1000 * statistics.median(walls), 2),
                              "cpu_ms": round(1000 * statistics.median(cpus), 2), "n": n}}


CATEGORIES = (  # (label, what a profiled function's file name contains), first match wins
    ("reportlab: layout (platypus)", "reportlab/platypus"),
    ("reportlab: PDF objects, fonts", "reportlab/pdfbase"),
    ("reportlab: canvas, text", "reportlab/pdfgen"),
    ("reportlab: other", "reportlab/"),
    ("python-docx", "/docx/"),
    ("YAML", "/yaml/"),
    ("Jinja", "/jinja2/"),
    ("markdown-it", "/markdown_it/"),
    ("appeal (our code)", "/appeal/"),
    ("zlib (deflate)", "zlib"),
    ("lxml and other built-ins", "{"),
    ("Python standard library", "/lib/python"),
)


def where_time_goes(n: int) -> dict:
    """Each stage profiled over ``n`` letters: the share of its time in each library (own time)."""
    settings = Settings(date=DATE)
    sources = Sources.load(settings)
    case = load_case(SAMPLE, date=DATE)
    letter = build_letter(case, sources.templates, sources.library).letter
    render_docx(letter), render_pdf(letter)
    stages = {
        "case load + compose": lambda: build_letter(load_case(SAMPLE, date=DATE), sources.templates, sources.library),
        "DOCX": lambda: render_docx(letter),
        "PDF": lambda: render_pdf(letter),
    }
    result = {}
    for name, func in stages.items():
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(n):
            func()
        profile.disable()
        stats = pstats.Stats(profile, stream=io.StringIO()).stats  # type: ignore[attr-defined]
        buckets: dict[str, float] = {}
        total = 0.0
        for (file, _line, function), (_cc, _nc, own, _cum, _callers) in stats.items():
            where = file if file != "~" else "{" + function
            label = next((lab for lab, key in CATEGORIES if key in where), "other")
            if label == "lxml and other built-ins" and "zlib" in function:
                label = "zlib (deflate)"
            buckets[label] = buckets.get(label, 0.0) + own
            total += own
        result[name] = {k: round(100 * v / total, 1) for k, v in sorted(buckets.items(), key=lambda kv: -kv[1])
                        if 100 * v / total >= 1.0}
    return result


# ------------------------------------------------------------------------------ batch

def batch(count: int, jobs: int, folder: Path, marks: tuple[int, ...] = ()) -> list[dict]:
    """``appeal batch`` of a ``count``-denial remittance: letters/s, and the peak RSS of parent and workers.

    Sampled every 0.2 s from /proc (Linux), with the letters made so far (the lines of the run's
    ``manifest.log``), so one run of 10,000 letters also gives the figures at each of ``marks``
    (e.g. 1,000): letters per second from the start to that letter, and the peaks up to it. Each run has a
    workspace of its own, so its ledger records new letters, as an office's first batch of a remittance does
    (the runs' remittances share their first claims, which a shared ledger would record as updates).
    """
    source = folder / f"batch-{count}.835"
    source.write_text(remittance.simple(count))
    out = folder / f"out-{count}-{jobs}"
    log = out / ".batch" / "manifest.log"
    workspace = folder / f"workspace-{count}-{jobs}"
    workspace.mkdir()
    (workspace / "appeal.yaml").write_text(PROFILE)
    command = [*APPEAL, "batch", str(source), "-o", str(out), "--workspace", str(workspace), "--date",
               DATE.isoformat(), "--jobs", str(jobs)]
    _settle()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = worker = 0.0
    cpu_seen: dict[int, float] = {}
    made, read = 0, 0
    found: dict[int, dict] = {}
    while process.poll() is None:
        for pid in _proc_tree(process.pid):
            rss, cpu = _proc_rss_cpu(pid)
            cpu_seen[pid] = max(cpu_seen.get(pid, 0.0), cpu)
            if pid == process.pid:
                parent = max(parent, rss)
            else:
                worker = max(worker, rss)
        try:
            with log.open("rb") as fh:
                fh.seek(read)
                chunk = fh.read()
            read += len(chunk)
            made += chunk.count(b"\n")
        except OSError:
            pass
        seconds = time.perf_counter() - start
        for mark in marks:
            if mark not in found and made >= mark:
                found[mark] = {"letters": mark, "jobs": jobs, "exit": None, "wall_s": round(seconds, 2),
                               "letters_per_s": round(mark / seconds, 1),
                               "cpu_ms_per_letter": round(1000 * sum(cpu_seen.values()) / mark, 1),
                               "parent_peak_rss_mb": round(parent, 1), "worker_peak_rss_mb": round(worker, 1),
                               "from_a_run_of": count}
        time.sleep(0.2)
        if seconds > 900:
            process.kill()
            raise SystemExit(f"the batch of {count} took more than 15 minutes; stopped")
    seconds = time.perf_counter() - start
    made = len(list(out.glob("*.pdf")))  # the folder stays until the benchmark ends (see _settle)
    cpu = sum(cpu_seen.values())
    whole = {"letters": made, "jobs": jobs, "exit": process.returncode, "wall_s": round(seconds, 2),
             "letters_per_s": round(made / seconds, 1), "cpu_ms_per_letter": round(1000 * cpu / max(made, 1), 1),
             "parent_peak_rss_mb": round(parent, 1), "worker_peak_rss_mb": round(worker, 1)}
    return [found[mark] for mark in marks if mark in found] + [whole]


# ------------------------------------------------------------------------------ whole commands

def cold_start(folder: Path, n: int) -> dict:
    """Whole processes, with appeal's modules compiled to bytecode first, as an installed copy has them
    (where PYTHONDONTWRITEBYTECODE is set, every start would otherwise compile the sources again). The
    medians run with appeal's cache (compiled templates, the DOCX base) warm, as every run after a user's
    first has it; ``generate_first`` is one run with an empty cache."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "appeal")], check=True,
                   stdout=subprocess.DEVNULL)
    out = folder / "cold"
    generate = [*APPEAL, "generate", str(SAMPLE), "-o", str(out), "--date", DATE.isoformat()]
    _settle()
    first = _run(generate, env={**os.environ, "APPEAL_CACHE_DIR": str(folder / "cache-empty")})
    workspace = folder / "cold-workspace"  # generate as the issue counts it there: with the ledger record
    (workspace / "cases").mkdir(parents=True)
    (workspace / "appeal.yaml").write_text(PROFILE)
    shutil.copy(SAMPLE, workspace / "cases" / SAMPLE.name)
    commands = {"help": [*APPEAL, "--help"], "generate": generate,
                "generate_workspace": [*APPEAL, "generate", str(workspace / "cases" / SAMPLE.name), "-o",
                                       str(out / "workspace"), "--date", DATE.isoformat()],
                "validate": [*APPEAL, "validate", str(SAMPLE), "--date", DATE.isoformat()]}
    for command in commands.values():  # each warmed up once, as hyperfine does: it fills what it alone reads
        _run(command)                  # into the benchmark's cache (APPEAL_CACHE_DIR, set in main)
    return {**{name: _median_run(command, n) for name, command in commands.items()}, "generate_first": first}


def remittances(sizes: list[int], folder: Path) -> dict:
    found = {}
    for count in sizes:
        source = folder / f"rich-{count}.835"
        source.write_text(remittance.rich(count))
        found[f"denials_{count}"] = _run([*APPEAL, "denials", str(source)])
        runs = []
        for n in range(3):  # the median of 3: creating 20,000 files swings with the disk's state
            cases = folder / f"cases-{count}-{n}"  # a new folder each run, none deleted (see _settle)
            _settle()
            runs.append(_run([*APPEAL, "import-835", str(source), "-o", str(cases)], timeout=600))
            runs[-1]["cases"] = len(list(cases.glob("*.yaml")))
        found[f"import_835_{count}"] = {key: statistics.median(r[key] for r in runs)
                                       for key in ("wall_s", "cpu_s", "sys_s", "cases")} | {
                                           "exit": runs[-1]["exit"], "n": 3}
    return found


# ------------------------------------------------------------------------------ the tools of today

def libreoffice(folder: Path, singles: int) -> dict | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    settings = Settings(date=DATE)
    letter = build_letter(load_case(SAMPLE, date=DATE), *_sources(settings)).letter
    docs = folder / "soffice-in"
    docs.mkdir()
    for i in range(20):
        (docs / f"letter-{i:02d}.docx").write_bytes(render_docx(letter))
    profile = folder / "soffice-profile"  # its own profile: never the user's, never another run's
    base = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir"]
    _run([*base, str(folder / "soffice-warm"), str(docs / "letter-00.docx")], timeout=180)  # creates the profile
    single = _median_run([*base, str(folder / "soffice-one"), str(docs / "letter-00.docx")], singles)
    twenty = _run([*base, str(folder / "soffice-20"), *map(str, sorted(docs.glob("*.docx")))], timeout=300)
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
    return {"version": version, "one_call_per_letter": single, "one_call_for_20": twenty,
            "per_letter_in_20_s": round(twenty["wall_s"] / 20, 3)}


def _sources(settings: Settings):
    sources = Sources.load(settings)
    return sources.templates, sources.library


def docxtpl_and_weasyprint(n: int) -> dict:
    """The letter's text filled into a docxtpl template, and set as HTML by WeasyPrint, where installed."""
    settings = Settings(date=DATE)
    letter = build_letter(load_case(SAMPLE, date=DATE), *_sources(settings)).letter
    paragraphs = ["".join(block_text(block)) for block in letter.blocks]
    found: dict = {}
    try:
        import docx
        from docxtpl import DocxTemplate

        template = docx.Document()
        template.add_paragraph("{{ title }}", style="Heading 1")
        template.add_paragraph("{%p for text in paragraphs %}")
        template.add_paragraph("{{ text }}")
        template.add_paragraph("{%p endfor %}")
        buffer = io.BytesIO()
        template.save(buffer)
        data = buffer.getvalue()

        def fill() -> bytes:
            document = DocxTemplate(io.BytesIO(data))
            document.render({"title": letter.title, "paragraphs": paragraphs})
            out = io.BytesIO()
            document.save(out)
            return out.getvalue()

        found["docxtpl"] = {"version": metadata.version("docxtpl"), **_median_ms(fill, n)}
    except ImportError:
        found["docxtpl"] = None
    try:
        from html import escape

        import weasyprint

        html = ("<html><head><style>@page { size: letter; margin: 1in } body { font: 10.5pt 'DejaVu Serif' }"
                "</style></head><body>" + "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + "</body></html>")
        with contextlib.redirect_stderr(io.StringIO()):
            found["weasyprint"] = {"version": weasyprint.__version__,
                                   **_median_ms(lambda: weasyprint.HTML(string=html).write_pdf(), max(3, n // 4))}
    except (ImportError, OSError):  # not installed, or its system libraries (Pango) are missing
        found["weasyprint"] = None
    return found


# ------------------------------------------------------------------------------ the machine

CALIBRATION_COMMIT = "c5f2dfa"  # the code BEFORE_C5F2DFA measured on the kind of machine the targets are for


def calibration(folder: Path, commit: str = CALIBRATION_COMMIT, runs: int = 3) -> dict | None:
    """How much faster this machine is than the one the issue's targets are for, by one workload measured on
    both: the per-letter CPU of both formats for the code before the speed work (``commit``, checked out in a
    temporary git worktree and measured with its own ``per_letter(60)``, as ``BEFORE_C5F2DFA`` was), here
    against there. The median of ``runs`` processes. None without git or the commit (a shallow clone)."""
    script = ("import json, sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/benchmarks']; import appeal, run; "
              "assert appeal.__file__.startswith(sys.argv[1]); print(json.dumps(run.per_letter(60)['both']))")
    measured = []
    try:
        with checked_out(commit, folder / "calibration") as worktree:
            for _ in range(runs):
                done = subprocess.run([sys.executable, "-c", script, str(worktree)], capture_output=True, text=True,
                                      timeout=600,
                                      env=dict(os.environ, APPEAL_CACHE_DIR=str(folder / "calibration-cache")))
                if done.returncode != 0:
                    return None
                measured.append(json.loads(done.stdout.strip().splitlines()[-1])["cpu_ms"])
    except RuntimeError:  # no git, or a shallow clone
        return None
    here = round(statistics.median(measured), 2)
    return {"commit": commit, "both_cpu_ms_here": here, "both_cpu_ms_there": BEFORE_C5F2DFA["both"],
            "there": BEFORE_C5F2DFA["machine"], "factor": round(BEFORE_C5F2DFA["both"] / here, 2)}


def drifted(first: dict | None, again: dict | None) -> dict | None:
    """The calibration measured at the start and again at the end of the run, as one: a virtual machine's
    speed can drift by a third within minutes (seen: the yardstick from 0.12 to 0.21 s), so the estimate takes
    the mean of the two factors and the page says both."""
    if first is None or again is None:
        return first or again
    return {**first, "both_cpu_ms_end": again["both_cpu_ms_here"], "factor_start": first["factor"],
            "factor_end": again["factor"], "factor": round((first["factor"] + again["factor"]) / 2, 2)}


def yardstick() -> float:
    """CPU seconds of a fixed pure-Python workload (median of 5): how fast this machine runs Python, so that
    runs on different machines can be compared (the machines this project is measured on differ by 2x)."""
    def work() -> float:
        start = time.process_time()
        table: dict[int, int] = {}
        for i in range(1_000_000):
            table[i & 1023] = table.get(i & 1023, 0) + i
        "".join(str(i) for i in range(200_000))
        return time.process_time() - start
    return round(statistics.median(work() for _ in range(5)), 3)


def disk_yardstick(folder: Path, files: int = 5000) -> dict:
    """How fast this machine's disk creates small files, as import-835 and batch do: ``files`` files of
    1.5 KB, each written to a temporary name and renamed, then one sync; median of 3 runs in a new folder.
    Creating files is system time, and on the virtual machines this project is measured on it swings by
    10x from one minute to the next (a batch writes two files per letter, import-835 one per claim), so
    the figures of those rows compare only with a like yardstick. The files stay until the benchmark ends
    (see :func:`_settle`)."""
    data = b"x" * 1500
    runs = []
    for n in range(3):
        target = folder / f"disk-{n}"
        target.mkdir()
        os.sync()
        wall, before = time.perf_counter(), os.times()
        for i in range(files):
            tmp = target / f".{i}.part"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, data)
            os.close(fd)
            os.replace(tmp, target / f"{i}.yaml")
        os.sync()
        after = os.times()
        runs.append((time.perf_counter() - wall, after.system - before.system))  # kept: see _settle
    return {"files": files, "wall_s": round(statistics.median(r[0] for r in runs), 3),
            "sys_s": round(statistics.median(r[1] for r in runs), 3),
            "spread_s": [round(min(r[0] for r in runs), 3), round(max(r[0] for r in runs), 3)]}


def _disk_lines(disk: dict | None) -> list[str]:
    if not disk:
        return []
    return [f"**Disk yardstick:** creating {disk['files']:,} small files (each written under a temporary name, "
            f"then renamed; one sync at the end) took {disk['wall_s']} s by the clock, {disk['sys_s']} s of it "
            f"system time (3 runs: {disk['spread_s'][0]} to {disk['spread_s'][1]} s). The batch and import-835 "
            "rows create files at that cost, so they compare only with a like disk yardstick. Nothing the benchmark "
            "writes is deleted before it ends: on an ext4 disk without a journal, files created within minutes of a "
            "large deletion cost several times the system time (`_settle` in the command says why), so run it "
            "again at least 6 minutes after deleting many files.", ""]


def machine() -> dict:
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or "unknown"
    versions = {}
    for name in ("appeal", "python-docx", "reportlab", "rl_accel", "lxml", "PyYAML", "Jinja2", "markdown-it-py",
                 "docxtpl", "weasyprint"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    import yaml

    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "libyaml": bool(yaml.__with_libyaml__),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "versions": versions,
            "yardstick_s": yardstick(),
            "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}


# ------------------------------------------------------------------------------ the report

def verdicts(results: dict) -> list[dict]:
    """Each target of the issue with what was measured: by the clock, and by CPU time (which other work
    on a shared machine disturbs much less; for batch, the letters per second the CPU time per letter
    allows on every core)."""
    letter = results["per_letter"]
    big = max(b["letters"] for b in results["batch"])
    small = min(b["letters"] for b in results["batch"] if b["jobs"] > 1)
    cores = results["machine"]["cores"]
    on_all = [b for b in results["batch"] if b["jobs"] == cores]
    # the small batch as a run of its own (its reader lists only its own letters); the parent's growth within the
    # big run, from its mark at the small number to its end
    mark = next((b for b in on_all if b["letters"] == small and "from_a_run_of" in b), None)
    all_small = next((b for b in on_all if b["letters"] == small and "from_a_run_of" not in b), mark)
    all_big = next(b for b in on_all if b["letters"] == big)
    assert all_small is not None
    mark = mark or all_small
    cold, remit = results["cold_start"], results["remittances"]
    both = letter["both"]
    cpu_rate = round(cores * 1000 / all_small["cpu_ms_per_letter"], 1)
    growth = round(all_big["parent_peak_rss_mb"] - mark["parent_peak_rss_mb"], 1)
    rows = [  # what, target, unit, by the clock, by CPU, the limit test, note
        ("both formats per letter, one core", "<= 12 ms", "ms", both["wall_ms"], both["cpu_ms"],
         lambda v: v <= TARGETS["both_ms"], ""),
        (f"batch, {cores} jobs, {small:,} letters", ">= 140 letters/s", "letters/s", all_small["letters_per_s"],
         cpu_rate, lambda v: v >= TARGETS["batch_all_cores_lps"],
         f"{all_small['cpu_ms_per_letter']} ms CPU per letter, all processes"),
        (f"worker peak RSS ({big:,} letters)", "<= 100 MB", "MB", all_big["worker_peak_rss_mb"], None,
         lambda v: v <= TARGETS["worker_rss_mb"], ""),
        (f"parent peak RSS, {small:,} -> {big:,} letters", "within 10 MB", "MB growth", growth, None,
         lambda v: v <= TARGETS["parent_rss_growth_mb"],
         f"{mark['parent_peak_rss_mb']} -> {all_big['parent_peak_rss_mb']} MB"),
    ]
    for key, target, label in (("help", "help_s", "appeal --help"), ("generate", "generate_s", "appeal generate"),
                               ("generate_workspace", "generate_s", "appeal generate in a workspace (its ledger "
                                                                    "record too)"),
                               ("validate", "validate_s", "appeal validate")):
        if key in cold:
            limit = TARGETS[target]
            rows.append((f"{label} (whole process)", f"<= {limit} s", "s", cold[key]["wall_s"], cold[key]["cpu_s"],
                         lambda v, limit=limit: v <= limit, ""))
    for key, target, label in (("denials_20000", "denials_20000_s", "appeal denials, 20,000 claims"),
                               ("import_835_20000", "import_835_20000_s", "appeal import-835, 20,000 claims")):
        if key in remit:
            limit = TARGETS[target]
            rows.append((label, f"<= {limit} s", "s", remit[key]["wall_s"], remit[key]["cpu_s"],
                         lambda v, limit=limit: v <= limit, ""))
    office = results.get("libreoffice")
    if office:
        one, twenty = office["one_call_per_letter"], office["one_call_for_20"]
        rows.append(("faster than one soffice call per letter", ">= 70x", "x",
                     round(one["wall_s"] * 1000 / both["wall_ms"]), round(one["cpu_s"] * 1000 / both["cpu_ms"]),
                     lambda v: v >= TARGETS["soffice_single_ratio"],
                     f"soffice {one['wall_s']} s, CPU {one['cpu_s']} s per call"))
        rows.append(("faster than soffice converting 20 in one call", ">= 10x", "x",
                     round(twenty["wall_s"] * 50 / both["wall_ms"]), round(twenty["cpu_s"] * 50 / both["cpu_ms"]),
                     lambda v: v >= TARGETS["soffice_batch20_ratio"],
                     f"soffice {twenty['wall_s']} s, CPU {twenty['cpu_s']} s for 20"))
    factor = (results.get("calibration") or {}).get("factor")

    def there(unit: str, cpu: float | None) -> float | None:
        """The CPU figure as it would be on the issue's machine: times longer, rates lower by the factor (memory
        and the ratios to LibreOffice, which runs on the same machine, do not scale)."""
        if factor is None or cpu is None or unit not in ("ms", "s", "letters/s"):
            return None
        return round(cpu / factor, 1) if unit == "letters/s" else round(cpu * factor, 3 if unit == "s" else 2)

    out = []
    for what, target, unit, wall, cpu, test, note in rows:
        estimate = there(unit, cpu)
        out.append({"what": what, "target": target, "unit": unit, "wall": wall, "cpu": cpu,
                    "holds_wall": bool(test(wall)), "holds_cpu": None if cpu is None else bool(test(cpu)),
                    "issue_machine": estimate,
                    "holds_issue_machine": None if estimate is None else bool(test(estimate)), "note": note})
    return out


def _calibration_lines(found: dict | None) -> list[str]:
    if not found:
        return ["No estimate for the issue's machine: the calibration needs git and commit "
                f"{CALIBRATION_COMMIT} (not in a shallow clone).", ""]
    return [f"**Calibration:** the code before the speed work (commit {found['commit']}) takes "
            f"{found['both_cpu_ms_here']} ms of CPU per letter (both formats) here and took "
            f"{found['both_cpu_ms_there']} ms on {found['there']}, the kind of machine the issue measured its "
            f"44 ms on: this machine is {found['factor']}x as fast by that workload"
            + (f" (the mean of {found['factor_start']}x at the start of the run and {found['factor_end']}x at its "
               f"end, {found['both_cpu_ms_end']} ms: the machine's speed drifted while it ran)"
               if "factor_end" in found else "")
            + ". The estimate multiplies each time by that factor (divides each rate). Other work scales by other "
            "factors (start-up reads files, a batch writes them), so read it as an estimate, not a measurement.", ""]


def chart(results: dict) -> str:
    """Letters per second as a small SVG bar chart (no plotting library needed)."""
    bars = [("before (issue), 2 jobs", BEFORE["batch_all_cores_lps"], "#999999")]
    bars += [(f"{b['letters']:,} letters, {b['jobs']} job{'s' if b['jobs'] > 1 else ''}", b["letters_per_s"], "#2b6cb0")
             for b in results["batch"]]
    bars.append(("target, every core", TARGETS["batch_all_cores_lps"], "#c05621"))
    top = max(value for _, value, _ in bars) * 1.15
    width, row, left = 640, 30, 230
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(bars) + 40}" '
           f'font-family="sans-serif" font-size="12">',
           f'<text x="{left}" y="16" font-weight="bold">appeal batch: letters (DOCX + PDF) per second</text>']
    for i, (label, value, colour) in enumerate(bars):
        y = 28 + i * row
        length = (width - left - 60) * value / top
        out.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{label}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{length:.1f}" height="20" fill="{colour}"/>')
        out.append(f'<text x="{left + length + 6:.1f}" y="{y + 15}">{value:g}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def markdown(results: dict, command: str) -> str:
    m, letter = results["machine"], results["per_letter"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    lines = [
        "# Performance",
        "",
        f"Written by `{command}` on {m['date']}, in {results.get('elapsed_s', 0) / 60:.0f} minutes "
        "(regenerate it with the same command; nothing here is a test).",
        "",
        f"**Machine:** {m['cpu']}, {m['cores']} cores, {m['system']}, Python {m['python']} "
        f"(libyaml: {'yes' if m['libyaml'] else 'no'}). **Versions:** {versions}.",
        "",
        f"**Yardstick:** a fixed pure-Python workload (`yardstick()` in the command) takes {m.get('yardstick_s')} s "
        "of CPU here" + (f" at the start of the run and {m['yardstick_end_s']} s at its end" if "yardstick_end_s" in m
                         else "") + ". Compare it before comparing two runs: the machines this project is measured "
        "on differ by more than 2x.",
        "",
        *_disk_lines(m.get("disk_yardstick")),
        f"**A shared machine:** the load average was {m['load_average_at_start']} when the run started and "
        f"{results['load_average_at_end']} at its end, on {m['cores']} cores: other work was running. Wall-clock "
        "times are slower than on an idle machine, so each row also gives the CPU time, which other work "
        "disturbs much less.",
        "",
        "## Against the targets",
        "",
        "By the clock, and by CPU time (for batch: the letters per second its CPU time per letter allows on "
        "every core); then by CPU time as estimated on the machine the issue's targets are for.",
        "",
        *_calibration_lines(results.get("calibration")),
        "| what | target | by the clock | holds | by CPU time | holds | on the issue's machine (est.) | holds | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def said(holds: bool | None) -> str:
        return "" if holds is None else ("yes" if holds else "**no**")

    for v in results["verdicts"]:
        cpu = "" if v["cpu"] is None else f"{v['cpu']} {v['unit']}"
        estimate = "" if v.get("issue_machine") is None else f"{v['issue_machine']} {v['unit']}"
        lines.append(f"| {v['what']} | {v['target']} | {v['wall']} {v['unit']} | {said(v['holds_wall'])} | "
                     f"{cpu} | {said(v['holds_cpu'])} | {estimate} | {said(v.get('holds_issue_machine'))} | "
                     f"{v['note']} |")
    lines += ["", "## Per letter (the sample letter, one process, caches warm)", "",
              "| stage | median wall ms | median CPU ms | before (issue) | before, c5f2dfa, CPU ms |",
              "|---|---|---|---|---|"]
    before = {"case_load": BEFORE["case_load_ms"], "docx": BEFORE["docx_ms"], "pdf": BEFORE["pdf_ms"],
              "both": BEFORE["both_ms"]}
    for stage, value in letter.items():
        lines.append(f"| {stage.replace('_', ' ')} | {value['wall_ms']} | {value['cpu_ms']} | "
                     f"{before.get(stage, '')} | {BEFORE_C5F2DFA.get(stage, '')} |")
    lines += ["", f"\"before (issue)\" is what the issue measured; \"before, c5f2dfa\" is the code before this "
              f"round's speed work, measured by this command on {BEFORE_C5F2DFA['machine']} (yardstick 0.24-0.27 s), "
              "so it compares with this run only on a machine of the same yardstick."]
    lines += ["", "## Batch (`appeal batch` of a synthetic remittance, DOCX + PDF per letter)", "",
              "![letters per second](performance.svg)", "",
              "| letters | jobs | seconds | letters/s | CPU ms per letter (all processes) | parent peak RSS MB | "
              "worker peak RSS MB |", "|---|---|---|---|---|---|---|"]
    for b in results["batch"]:
        part = f" (the first {b['letters']:,} of {b['from_a_run_of']:,})" if "from_a_run_of" in b else ""
        lines.append(f"| {b['letters']:,}{part} | {b['jobs']} | {b['wall_s']} | {b['letters_per_s']} | "
                     f"{b['cpu_ms_per_letter']} | {b['parent_peak_rss_mb']} | {b['worker_peak_rss_mb']} |")
    lines += ["", "## Whole commands", "", "| command | wall s (median) | CPU s | of which system |",
              "|---|---|---|---|"]
    labels = {"help": "`appeal --help`", "generate": "`appeal generate` (cache warm)",
              "generate_workspace": "`appeal generate` of a case in a workspace, recorded in its SQLite ledger",
              "generate_first": "`appeal generate`, first run (cache empty: templates and DOCX base compiled)",
              "validate": "`appeal validate`"}
    for name, value in results["cold_start"].items():
        lines.append(f"| {labels.get(name, f'`appeal {name}`')} | {value['wall_s']} | {value['cpu_s']} | "
                     f"{value.get('sys_s', '')} |")
    for name, value in results["remittances"].items():
        command_name, count = name.rsplit("_", 1)
        lines.append(f"| `appeal {command_name.replace('_835', '-835')}`, {int(count):,} claims | {value['wall_s']} | "
                     f"{value['cpu_s']} | {value.get('sys_s', '')} |")
    lines += ["", "## The tools of today, on the same letter", "", "| tool | time per letter | ratio to ours |",
              "|---|---|---|"]
    office = results.get("libreoffice")
    ours_both, ours_docx, ours_pdf = letter["both"]["wall_ms"], letter["docx"]["wall_ms"], letter["pdf"]["wall_ms"]
    if office:
        single = office["one_call_per_letter"]["wall_s"] * 1000
        lines.append(f"| LibreOffice ({office['version']}), one `soffice` call per letter (DOCX to PDF) | "
                     f"{single:.0f} ms | {single / ours_both:.0f}x our DOCX + PDF |")
        per_letter_ms = office["per_letter_in_20_s"] * 1000
        lines.append(f"| LibreOffice, one `soffice` call for 20 letters | {per_letter_ms:.0f} ms | "
                     f"{office['per_letter_in_20_s'] * 1000 / ours_both:.0f}x our DOCX + PDF |")
    else:
        lines.append("| LibreOffice | not installed | |")
    tools = results["tools"]
    if tools.get("docxtpl"):
        lines.append(f"| docxtpl {tools['docxtpl']['version']} filling a DOCX template with the same text | "
                     f"{tools['docxtpl']['wall_ms']} ms | {tools['docxtpl']['wall_ms'] / ours_docx:.1f}x our DOCX |")
    else:
        lines.append("| docxtpl | not installed | |")
    if tools.get("weasyprint"):
        lines.append(f"| WeasyPrint {tools['weasyprint']['version']} setting the same text as HTML | "
                     f"{tools['weasyprint']['wall_ms']} ms | "
                     f"{tools['weasyprint']['wall_ms'] / ours_pdf:.1f}x our PDF |")
    else:
        lines.append("| WeasyPrint | not installed | |")
    lines += ["", "docxtpl and WeasyPrint are not dependencies of appeal: install them into the virtual environment "
              "to include them (`.venv/bin/pip install docxtpl weasyprint`).", "",
              "## What the time goes to", "",
              "Own time per library, from cProfile over many letters (shares under 1% left out):", ""]
    for stage, buckets in results["where_time_goes"].items():
        lines.append(f"- **{stage}:** " + "; ".join(f"{k} {v}%" for k, v in buckets.items()))
    lines += ["", "What was done about it (each step with byte-identical letters, `tests/test_render_cache.py`):", "",
              "- DOCX: the letter's parts are written as text from pieces (`render/wordml.py`), byte for byte what "
              "python-docx's own API saves (`test_docx_is_the_bytes_python_docx_would_save`, and a randomized test "
              "over every block type). python-docx compiles the blank base once and the result is kept in appeal's "
              "cache folder, so a new process draws a DOCX without importing python-docx; the unchanging parts "
              "(styles.xml 350 KB, stylesWithEffects.xml 438 KB, theme, settings, numbering, footers) are deflated "
              "once, the file is zipped in one pass. A PNG logo's size is read from its header.",
              "- PDF: reportlab's paragraph parses and now their line breaks are kept across the letters of a "
              "process (the keep-together layout wrapped each paragraph about three times, 117 line breakings a "
              "letter, now about 3); each face is read when a letter first uses it (three of eight for most "
              "letters); the glyph check reads a list of code points instead of eight TrueType files (51 ms to "
              "0.4 ms at a start); each subset's widths and ToUnicode map are built once per set of characters; "
              "frames are copied cheaply; the letterhead is wrapped once per process; rl_accel gives reportlab its "
              "C speedups.",
              "- Compose: compiled templates are kept in appeal's cache folder (Jinja's bytecode cache, checked "
              "against the template source and the installed code); one placeholder pattern for every letter; the "
              "template folders are listed once per run, not per letter; the code table is read with libyaml.",
              "- YAML: libyaml composes case files (0.09 ms instead of 1.6 for the sample), the pure loader reads a "
              "file libyaml rejects, so errors are the same.",
              "- Batch: the parent keeps no outcome per item (they wait in an unnamed temporary file, gone when the "
              "run ends however it ends), reads a remittance in a process of its own when a pool runs, records the "
              "ledger as letters finish (a transaction per 256, statements built once) and writes `summary.csv` "
              "and `manifest.json` once at the end, a row at a time. A worker freezes what outlives its first letter "
              "(`gc.freeze`).",
              "- 835: each amount's Decimal made once per remittance, slotted records, a template chosen once per "
              "kind of denial, one disk sync per 256 case files; `denials` finds a transaction's payer entry and "
              "appeal-by date once.",
              "- PDF, second round: a paragraph drawn in an earlier letter is drawn again from a recording of "
              "what reportlab drew, its font codes filled in for this PDF (kept only when the replay gives back "
              "reportlab's bytes, used only when every character already has a code in this PDF); PDF objects "
              "formatted by a shorter path, names and strings encoded once; word widths kept; plain paragraphs "
              "given the parser's fragment without the parser.",
              "- Cold start, second round: the parsed faces kept in the cache folder; `xml.sax.saxutils` (which "
              "pulls urllib, email and ssl) no longer imported; reportlab's URI pattern compiled and Pillow loaded "
              "on first use; the cyclic garbage collector paused while a process starts and through a one-letter "
              "`generate` or `validate`.",
              "- Compose, second round: a template's Markdown parsed a paragraph at a time with the parses kept, "
              "where no line can join across a blank line; the sandbox's attribute check remembered per type "
              "and name; case keys, ISO dates and YAML line marks read more cheaply.",
              "- Batch, second round: workers stage a letter's files without flushing them; the parent puts a "
              "chunk in place after one sync of the filesystem, then logs it (a letter logged as done is on disk, "
              "a file at a letter's name is whole); name markers are symbolic links; 4 items a pool task; the "
              "fork server imports the worker and the renderers once for every worker.",
              "- 835, second round: each segment dispatched by one lookup and read by position; a transaction's "
              "payer entry, deadline and shared sections drafted once; the case folder listed once; the "
              "denials table wraps and styles each distinct cell once.",
              "- Cold start, third round (`appeal/coldstart.py`): the code `dataclasses` generates for each class's "
              "methods, and the parse of each pattern compiled while a module is imported, kept in the cache "
              "folder under their text (the same text gives the same code; a damaged entry is passed over); the "
              "citation files' entries kept under the SHA-256 of each file's text (every file still read).",
              "- Batch, third round: the inputs are read in a process that sends each item as it is listed, so "
              "the workers start on the first letters while the rest of the remittance is drafted (the progress "
              "total comes once it is parsed); the workers start with the pool; a full collection every 50 "
              "letters; a case file just written hashed from its bytes.",
              "- 835, third round: the reader no longer holds itself (and the remittance) in a cycle that the "
              "interpreter's last collection walked at exit; each chunk's sync runs in a thread while the next "
              "chunk is written, and flushes the renames before it, so the folder is flushed once; a service "
              "line's and a provider's lines drafted once per remittance; a one-reason CAS read by a short path.",
              "- Cold start, fourth round (`appeal validate`): the PDF is laid out on its pages and not written "
              "(no furniture, streams or font subsets); the fact vocabulary and the CARC/RARC table kept under "
              "their text's SHA-256; a paragraph of text, escapes, line breaks and headings read without "
              "markdown-it, which the sample letter no longer imports; a docstring on each dataclass (else "
              "`dataclasses` builds one with `inspect.signature`). A cold validate: 908M to 796M instructions "
              "(callgrind).",
              "- Cold start, fifth round: what the process holds is frozen (`gc.freeze`) before the interpreter "
              "shuts down, whichever way the command ends, so its final collection no longer walks every module "
              "and class only to free them as the process exits; shutdown still runs the exit handlers and "
              "closes open files. A cold validate: 799M to 738M instructions (callgrind).",
              "- The benchmark itself: nothing is deleted before it ends, each timed step starts after a flush "
              "and a pause, the 1,000-letter batch on every core is a run of its own, and each batch run has its "
              "own workspace and ledger (see `_settle` and `batch` in the command).",
              ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 2 minutes)")
    args = parser.parse_args()
    quick = args.quick
    cores = os.cpu_count() or 1
    results: dict = {"machine": machine(), "quick": quick}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="appeal-bench-") as tmp:
        folder = Path(tmp)
        (folder / "appeal.yaml").write_text(PROFILE)
        os.environ["APPEAL_CACHE_DIR"] = str(folder / "cache")  # never the user's own cache folder

        def step(name: str, func, *a):
            start = time.perf_counter()
            print(f"{name} ...", file=sys.stderr, flush=True)
            value = func(*a)
            print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
            return value

        results["machine"]["disk_yardstick"] = step("disk yardstick", disk_yardstick, folder)
        results["calibration"] = step("calibration", calibration, folder, CALIBRATION_COMMIT, 1 if quick else 3)
        results["per_letter"] = step("per letter", per_letter, 20 if quick else 60)
        results["per_letter"] |= step("distinct letters", distinct_letters, 50 if quick else 200)
        results["where_time_goes"] = step("profile", where_time_goes, 10 if quick else 30)
        results["cold_start"] = step("cold start", cold_start, folder, 3 if quick else 9)
        results["remittances"] = step("835", remittances, [2000] if quick else [2000, 20000], folder)
        small, big = (200, 1000) if quick else (1000, 10000)
        results["batch"] = [*step(f"batch {small} x1", batch, small, 1, folder),
                            *step(f"batch {small} x{cores}", batch, small, cores, folder),
                            *step(f"batch {big} x{cores}", batch, big, cores, folder, (small,))]
        results["libreoffice"] = step("libreoffice", libreoffice, folder, 1 if quick else 3)
        results["tools"] = step("docxtpl, weasyprint", docxtpl_and_weasyprint, 10 if quick else 30)
        results["calibration"] = drifted(results["calibration"], step("calibration again", calibration, folder,
                                                                      CALIBRATION_COMMIT, 1 if quick else 3))
    results["machine"]["yardstick_end_s"] = yardstick()
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["elapsed_s"] = round(time.perf_counter() - began)
    results["verdicts"] = verdicts(results)
    command = "python benchmarks/run.py" + (" --quick" if quick else "")
    docs = ROOT / "docs"
    (docs / "performance.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (docs / "performance.svg").write_text(chart(results), encoding="utf-8")
    (docs / "performance.md").write_text(markdown(results, command), encoding="utf-8")
    for v in results["verdicts"]:
        cpu = "" if v["cpu"] is None else f"; by CPU time {v['cpu']} ({'holds' if v['holds_cpu'] else 'misses'})"
        there = ("" if v["issue_machine"] is None else
                 f"; on the issue's machine (est.) {v['issue_machine']} "
                 f"({'holds' if v['holds_issue_machine'] else 'misses'})")
        print(f"{v['what']}: {v['wall']} {v['unit']} ({'holds' if v['holds_wall'] else 'misses'}){cpu}{there}; "
              f"target {v['target']}")
    print("wrote docs/performance.md, docs/performance.json, docs/performance.svg")


if __name__ == "__main__":
    main()
