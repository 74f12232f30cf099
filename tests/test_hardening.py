"""The hardening catalogue (issue 17): each hostile or careless input, with the exact message it gets.

Every test here failed before the fix it names: an internal error, a hang, gigabytes of memory, a blank
or a Python repr in a letter, or PHI echoed on stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from appeal.errors import CaseError, WorkspaceError
from appeal.inputs.case import load_case
from appeal.inputs.yamlread import load_yaml

from conftest import LETTER_DATE

ROOT = Path(__file__).resolve().parent.parent
BOMB = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x, x]"]
                 + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)]) + "\n"


def errors(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("error:")]


def appeal_cli(*args, timeout: float = 60, env: dict | None = None, cwd: Path | None = None):
    """The installed command in a subprocess, bounded in time (a hang fails the test instead of the suite)."""
    command = [sys.executable, "-m", "appeal", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})})


def peak_mb(func) -> tuple[float, float, object]:
    """``(peak MB allocated, seconds, what func raised or returned)``."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = func()
    except Exception as exc:  # noqa: BLE001 - the caller asserts on it
        outcome = exc
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return peak, seconds, outcome


# -- 1. bounded input ------------------------------------------------------------------------------

def test_alias_bomb_in_a_case_file_is_refused_before_expanding(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    peak, _, raised = peak_mb(lambda: load_case(path))
    assert isinstance(raised, CaseError)
    assert str(raised) == (f"{path}:1: an anchor (&): this file takes no YAML anchors or aliases "
                           "(accepted: each value written out where it is used)")
    assert peak < 100


def test_an_alias_in_a_case_file_is_refused(make_case, run):
    path = make_case()
    path.write_text(path.read_text().replace("  name: Pat Example", "  name: *who"), encoding="utf-8")
    result = run("validate", path)
    assert result.exit_code == 2
    line = path.read_text().splitlines().index("  name: *who") + 1
    assert errors(result) == [f"error: {path}:{line}: an alias (*): this file takes no YAML anchors or aliases "
                              "(accepted: each value written out where it is used)"]


def test_recursive_alias_in_a_case_file_is_a_named_error(tmp_path, run):
    path = tmp_path / "loop.yaml"
    path.write_text("x: &r [*r]\n")
    result = run("validate", path)
    assert result.exit_code == 2
    assert errors(result) == [f"error: {path}:1: an anchor (&): this file takes no YAML anchors or aliases "
                              "(accepted: each value written out where it is used)"]


def test_profile_alias_bomb_stops_at_100_expansions(tmp_path):
    path = tmp_path / "appeal.yaml"
    path.write_text(BOMB)
    peak, seconds, raised = peak_mb(lambda: load_yaml(path, WorkspaceError, aliases=100))
    assert isinstance(raised, WorkspaceError)
    assert str(raised) == (f"{path}:2: the aliases expand more than 100 times "
                           "(accepted: at most 100 alias expansions)")
    assert peak < 100


def test_profile_recursive_alias_is_a_named_error(tmp_path):
    path = tmp_path / "appeal.yaml"
    path.write_text("x: &r [*r]\n")
    with pytest.raises(WorkspaceError) as info:
        load_yaml(path, WorkspaceError, aliases=100)
    assert str(info.value) == (f"{path}:1: an alias refers to the section or list it is in "
                               "(accepted: aliases to other values)")


def test_profile_may_share_a_value_with_a_few_aliases(tmp_path):
    path = tmp_path / "appeal.yaml"
    path.write_text("a: &addr [1 Main St, Town]\nb: *addr\nc: *addr\n")
    assert load_yaml(path, WorkspaceError, aliases=100).data["c"] == ["1 Main St", "Town"]


def test_template_front_matter_alias_bomb_is_refused(tmp_path, run):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "bomb.md").write_text("---\n" + BOMB + "---\nbody\n")
    result = run("templates", "list", "--templates", folder)
    assert result.exit_code == 2
    assert "bomb.md:3: the aliases expand more than 100 times (accepted: at most 100 alias expansions)" in result.output


def test_deep_nesting_is_a_named_error_not_a_recursion_error(tmp_path, run):
    path = tmp_path / "deep.yaml"
    path.write_text("x: " + "[" * 5000 + "]" * 5000 + "\n")
    result = run("validate", path)
    assert result.exit_code == 2
    assert errors(result) == [f"error: {path}:1: sections and lists are nested more than 32 deep "
                              "(accepted: at most 32 levels)"]


def test_case_file_over_1_mib_is_refused_before_reading(make_case, run):
    path = make_case()
    path.write_text(path.read_text() + "#" * (1024 * 1024), encoding="utf-8")
    result = run("validate", path)
    assert result.exit_code == 2
    assert errors(result) == [f"error: {path}: is {path.stat().st_size:,} bytes, larger than the 1 MiB accepted"]


def test_a_fifo_or_a_device_as_a_case_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "case.yaml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        result = appeal_cli("validate", path, timeout=30)
        assert result.returncode == 2
        assert result.stderr.strip() == (f"error: {path}: is not a regular file (a device, pipe or socket), "
                                         "not a file")


@pytest.mark.parametrize("field, limit", [("appeal.notes", 20_000), ("payer.name", 1_000),
                                          ("claim.lines.0.description", 1_000), ("claim.account", 38),
                                          ("claim.number", 50), ("patient.member_id", 80)])
def test_text_limits_name_the_field_and_the_limit(make_case, run, field, limit):
    path = make_case({field: "A" * (limit + 1)})
    result = run("validate", path)
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.endswith(f": {field.replace('.0.', '[0].')}: is {limit + 1:,} characters long, more than the "
                         f"{limit:,} accepted (accepted: at most {limit:,} characters)")
    assert "AAAA" not in result.output
    assert run("validate", make_case({field: "A" * limit}), "--date", "2026-10-25").exit_code in (0, 1)


@pytest.mark.parametrize("value, described", [
    ("Jane\x0cSample", "a control character (U+000C)"),
    ("Jane\x00Sample", "a control character (U+0000)"),
    ("Jane\u202eelpmaS", "a right-to-left override character (U+202E)"),
    ("Jane\u2066Sample", "a left-to-right isolate character (U+2066)"),
    ("Jane\ud800Sample", "a lone surrogate (U+D800)"),
])
def test_characters_no_letter_carries_are_refused_naming_field_and_code_point(make_case, run, value, described):
    path = make_case()
    escaped = value.encode("unicode_escape").decode("ascii").replace("\\x", "\\x")
    path.write_text(path.read_text().replace("name: Jane Q. Sample", f'name: "{escaped}"'), encoding="utf-8")
    result = run("validate", path)
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.endswith(f": patient.name: contains {described}, which a letter cannot carry (accepted: printable "
                         "text: no control characters (but tab and newline), no bidirectional controls)")


def test_tab_and_newline_stay_allowed_in_notes(make_case):
    case = load_case(make_case({"appeal.notes": "First\tparagraph.\n\nSecond."}))
    assert case.appeal.notes == "First\tparagraph.\n\nSecond."


@pytest.mark.parametrize("field", ["claim.number", "payer.name", "patient.name"])
def test_a_value_of_one_space_is_missing_not_a_crash(make_case, run, field):
    result = run("generate", make_case({field: " "}), "-o", make_case().parent / "o")
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.endswith(f": {field}: is required (it holds only spaces) (accepted: "
                         + {"claim.number": "the payer's claim number"}.get(field, "text") + ")")


def test_errors_never_echo_the_date_of_birth(make_case, run):
    result = run("validate", make_case({"patient.dob": "1975-04-31"}))
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.endswith(": patient.dob: the value is not a real date (accepted: a date as YYYY-MM-DD or MM/DD/YYYY)")
    assert "1975" not in result.output


# -- 2. one gate: what validates, renders ---------------------------------------------------------

@pytest.mark.parametrize("field", ["payer.name", "provider.name"])
def test_a_300_character_name_validates_and_renders_both_formats(make_case, run, tmp_path, field):
    import docx

    path = make_case({field: "Northern " * 33 + "Plan"})
    assert run("validate", path).exit_code in (0, 1)
    result = run("generate", path, "-o", tmp_path / "o")
    assert result.exit_code == 0, result.output
    [docx_path] = (tmp_path / "o").glob("*.docx")
    props = docx.Document(str(docx_path)).core_properties
    assert max(len(props.title), len(props.subject), len(props.author), len(props.keywords)) <= 255
    assert (props.subject if field == "payer.name" else props.author).endswith("\u2026")
    from pypdf import PdfReader

    assert len(PdfReader(str(next((tmp_path / "o").glob("*.pdf")))).pages) >= 1


def test_validate_runs_both_renderers(make_case, run, monkeypatch):
    """A renderer's refusal is found by validate, not first by generate."""
    import appeal.render.docx
    from appeal.errors import RenderError

    def refuse(*args, **kwargs):
        raise RenderError("the DOCX renderer refused this letter", file="letter.docx")

    monkeypatch.setattr(appeal.render.docx, "render_docx", refuse)
    result = run("validate", make_case())
    assert result.exit_code == 2
    assert errors(result) == ["error: letter.docx: the DOCX renderer refused this letter"]


def test_an_internal_error_never_echoes_its_message(make_case, run, monkeypatch):
    """A real bug says where it is, never the data it was handling (which may be PHI)."""
    import appeal.commands.generate

    def broken(*args, **kwargs):
        raise ValueError("Jane Q. Sample SAMPLE-2026-000123")

    monkeypatch.setattr(appeal.commands.generate, "check_fonts", broken)
    result = run("validate", make_case())
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.startswith("error: internal error (ValueError at generate.py:")
    assert "Jane" not in result.output and "SAMPLE-2026" not in result.output


# -- 3. templates: only text reaches a letter, and rendering is bounded ----------------------------

@pytest.fixture
def body(tmp_path, make_case, run):
    """``body(text)``: validate the sample (without its facts) with a template of that body; the result."""
    folder = tmp_path / "tpl"
    folder.mkdir()
    case = make_case({"template": "t", "appeal.facts": None})

    def render(text: str, *extra):
        (folder / "t.md").write_text(f"---\nid: t\ntitle: T\n---\n{text}\n", encoding="utf-8")
        return run("validate", case, "--templates", folder, "--date", "2026-10-25", *extra)

    render.file = folder / "t.md"
    return render


def template_error(result, file: Path, line: int | None, message: str) -> None:
    assert result.exit_code == 2, result.output
    where = f"{file}:{line}" if line else f"{file}"
    assert errors(result) == [f"error: {where}: {message}"]


NOT_TEXT = "not text (print its fields, or join a list of text)"


@pytest.mark.parametrize("text, message", [
    ('{{ denied_lines|map(attribute="cdoe")|list }}', f"a list is printed, {NOT_TEXT}"),
    ('{{ denied_lines|map(attribute="cdoe")|join(", ") }}',
     "undefined value: 'appeal.inputs.case.ClaimLine object' has no attribute 'cdoe'"),
    ('{{ [claim.number, 1] }}', f"a list is printed, {NOT_TEXT}"),
    ('{{ {"a": claim.number} }}', f"a section (name: value pairs) is printed, {NOT_TEXT}"),
    ('{{ denied_lines|list|string }}', f"a list is given to the string filter, {NOT_TEXT}"),
    ('{{ "Lines: " ~ denied_lines }}', f"a list is joined with ~, {NOT_TEXT}"),
    ('{{ "{}".format(denied_lines) }}', f"a list is formatted, {NOT_TEXT}"),
    ("{{ '%s' % [claim.number] }}", f"a list is formatted with %, {NOT_TEXT}"),
    ('{{ provider }}', f"a Provider object is printed, {NOT_TEXT}"),
    ('{{ quote }}', f"a function (call it with ()) is printed, {NOT_TEXT}"),
    ('{{ payer.fax }}', "undefined value: payer.fax is not given in the case; print it only under {% if ... %}"),
    ('{{ "Code " ~ appeal.requested_code }}',
     "undefined value: appeal.requested_code is not given in the case; print it only under {% if ... %}"),
    ('{{ none }}', "a value printed is empty (None); print it only under {% if ... %}"),
    ("{{ '\\x00' }}", "the text printed contains a control character (U+0000), which a letter cannot carry"),
    ("{{ '\\ud800' }}", "the text printed contains a lone surrogate (U+D800), which a letter cannot carry"),
    ('{{ "{0.name}".format_map(patient) }}',
     "the template asked for an item that is not there (IndexError: tuple index out of range)"),
])
def test_nothing_but_text_reaches_a_letter(body, text, message):
    template_error(body(text), body.file, 5, message)


def test_a_missing_field_still_reads_as_false_and_none(body):
    text = ("{% if payer.fax %}{{ payer.fax }}{% endif %}{{ payer.fax|default('no fax') }} "
            "{{ 'none' if appeal.requested_code is none else 'some' }}")
    assert body(text).exit_code in (0, 1)


def test_the_template_context_holds_no_machine_paths(body):
    template_error(body("{{ template.file }}"), body.file, 5,
                   "undefined value: 'appeal.letters.templates.TemplateView object' has no attribute 'file'")
    template_error(body("{{ provider.logo ~ '' }}"), body.file, 5,
                   "undefined value: provider.logo is not given in the case; print it only under {% if ... %}")


@pytest.mark.parametrize("text, message", [
    ("{{ 'x' * 10**9 }}", "a repetition of 1,000,000,000 characters or items; at most 100,000"),
    ("{{ ([1] * 10**8)|length }}", "a repetition of 100,000,000 characters or items; at most 100,000"),
    ("{{ range(10**6)|list|length }}", "range() of 1,000,000 items; at most 1,000"),
    ("{{ 2 ** 100000 }}", "a power of about 30,103 digits; at most 1,000"),
    ("{{ 10 ** 100000000 }}", "a power of about 100,000,000 digits; at most 1,000"),
    ("{{ 1.5 ** 1000000000 }}", "a power of about 176,091,259 digits; at most 1,000"),
    ("{{ 'x'.ljust(10**9) }}", "ljust() width of 1,000,000,000; at most 1,000"),
    ("{{ '{:>1000000000}'.format('x') }}", "a format width of 1,000,000,000; at most 1,000"),
    ("{{ 'x'|center(10**9) }}", "the center filter's size of 1,000,000,000; at most 1,000"),
    ("{{ '%1000000000s'|format('x') }}", "a % format width of 1,000,000,000; at most 1,000"),  # before it is made
    ("{{ '%.1000000000f'|format(1.0) }}", "a % format width of 1,000,000,000; at most 1,000"),
])
def test_repetition_and_sizes_are_bounded(body, text, message):
    template_error(body(text), body.file, 5, message)


def test_rendering_has_an_output_budget(body):
    result = body("{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}")
    template_error(result, body.file, None, "the template rendered more than 1,000,000 characters")


def test_rendering_has_a_time_budget(body, monkeypatch):
    import appeal.letters.sandbox

    monkeypatch.setattr(appeal.letters.sandbox, "TIME_BUDGET", 0.5)
    result = body("{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
                  "{% endfor %}{% endfor %}{% endfor %}")
    template_error(result, body.file, 5, "the template took more than 0.5 seconds to render (a loop without end, "
                                         "or loops inside loops?)")


RECURSION = ("the template includes or extends itself, or a macro calls itself, without end "
             "(or its expressions nest too deep)")


@pytest.mark.parametrize("text", ['{% include "t.md" %}', '{% extends "t.md" %}',
                                  "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"])
def test_recursion_is_an_error_naming_the_template(body, text):
    template_error(body(text), body.file, 5, RECURSION)


def test_500_nested_parentheses_are_an_error_naming_the_template(body, run):
    template_error(body("{{ " + "(" * 500 + "1" + ")" * 500 + " }}"), body.file, None, RECURSION)
    result = run("templates", "check", "t", "--templates", body.file.parent)
    assert result.exit_code == 1
    assert f"error: {body.file}: the template's expressions nest too deep to read" in result.output


# -- 4. enclosures ---------------------------------------------------------------------------------

def one_page_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Radiology report (sample)")
    pdf.showPage()
    pdf.save()
    return path


def packet_of(make_case, run, out: Path, enclosure, *extra):
    case = make_case({"enclosures": [{"description": "Report", "path": str(enclosure)}]})
    line = next(i for i, text in enumerate(case.read_text().splitlines(), 1) if "path:" in text)
    return case, line, run("packet", case, "-o", out, "--date", "2026-11-27", *extra)


ACCEPTED_ENCLOSURE = "(accepted: a PDF (not password-protected), PNG, JPEG or TIFF file of at most 60 MB (portal.max_file_mb))"


def test_a_fifo_enclosure_is_refused_at_once(make_case, tmp_path):
    fifo = tmp_path / "report.pdf"
    os.mkfifo(fifo)
    case = make_case({"enclosures": [{"description": "Report", "path": "report.pdf"}]})
    result = appeal_cli("packet", case, "-o", tmp_path / "o", "--date", "2026-11-27", timeout=60)
    assert result.returncode == 2
    assert (f"error: {case}:{len(case.read_text().splitlines()) - 6}: enclosures[0].path: {fifo}: is not a regular "
            f"file (a device, pipe or socket), not a PDF or image file {ACCEPTED_ENCLOSURE}") in result.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_dev_zero_is_outside_and_not_a_regular_file(make_case, run, tmp_path):
    case, line, result = packet_of(make_case, run, tmp_path / "o", "/dev/zero")
    assert result.exit_code == 2
    assert errors(result) == [f"error: {case}:{line}: enclosures[0].path: /dev/zero: is outside the case's folder "
                              f"(/dev/zero); give --allow-outside to enclose it {ACCEPTED_ENCLOSURE}"]
    case, line, result = packet_of(make_case, run, tmp_path / "o", "/dev/zero", "--allow-outside")
    assert errors(result) == [f"error: {case}:{line}: enclosures[0].path: /dev/zero: is not a regular file (a device, "
                              f"pipe or socket), not a PDF or image file {ACCEPTED_ENCLOSURE}"]


def test_a_500_mb_enclosure_is_refused_before_it_is_read(make_case, run, tmp_path):
    big = tmp_path / "scan.pdf"
    with big.open("wb") as fh:  # sparse: no disk used, and it is never read
        fh.truncate(500 * 1024 * 1024)
    case, line, result = packet_of(make_case, run, tmp_path / "o", big)
    assert result.exit_code == 2
    assert errors(result) == [f"error: {case}:{line}: enclosures[0].path: {big}: is 524,288,000 bytes, larger than "
                              f"the 60,000,000 bytes accepted {ACCEPTED_ENCLOSURE}"]


@pytest.mark.parametrize("algorithm, user", [("AES-256", ""), ("AES-128", "secret"), ("RC4-128", ""),
                                             ("RC4-40", "secret")])
def test_an_encrypted_pdf_of_any_kind_is_refused_as_password_protected(make_case, run, tmp_path, algorithm, user):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(one_page_pdf(tmp_path / "plain.pdf"))))
    writer.encrypt(user_password=user, owner_password="owner", algorithm=algorithm)
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)
    case, line, result = packet_of(make_case, run, tmp_path / "o", locked)
    assert result.exit_code == 2
    assert errors(result) == [f"error: {case}:{line}: enclosures[0].path: {locked}: the PDF is encrypted "
                              f"(password-protected); portals and payers cannot open it {ACCEPTED_ENCLOSURE}"]


def test_a_pdf_with_an_encryption_pypdf_cannot_open_is_still_password_protected(make_case, run, tmp_path):
    odd = tmp_path / "cert.pdf"
    odd.write_bytes(b"%PDF-1.7\n1 0 obj <</Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5>> endobj\n"
                    b"trailer <</Encrypt 1 0 R /Root 2 0 R>>\n%%EOF\n")
    case, line, result = packet_of(make_case, run, tmp_path / "o", odd)
    assert errors(result) == [f"error: {case}:{line}: enclosures[0].path: {odd}: the PDF is encrypted "
                              f"(password-protected); portals and payers cannot open it {ACCEPTED_ENCLOSURE}"]


@pytest.mark.parametrize("size, message", [
    ((20_000, 20_000), "the image is too large to open (a decompression bomb?)"),
    ((10_000, 6_000), "an image page is 10,000 x 6,000 pixels (a decompression bomb?); at most 50 million "
                      "pixels a page"),
])
def test_an_image_bomb_is_refused_naming_the_file(make_case, run, tmp_path, size, message):
    from PIL import Image

    bomb = tmp_path / "bomb.png"
    Image.new("1", size).save(bomb)
    assert bomb.stat().st_size < 1_000_000
    case, line, result = packet_of(make_case, run, tmp_path / "o", bomb)
    assert result.exit_code == 2
    assert errors(result) == [f"error: {case}:{line}: enclosures[0].path: {bomb}: {message} {ACCEPTED_ENCLOSURE}"]


def test_enclosure_paths_are_confined_to_the_case_folder_unless_allowed(make_case, run, tmp_path):
    other = tmp_path.parent / f"{tmp_path.name}-other"
    other.mkdir()
    record = one_page_pdf(other / "another-patient.pdf")
    (tmp_path / "link.pdf").symlink_to(record)
    for given in (str(record), f"../{other.name}/another-patient.pdf", "link.pdf"):
        case, line, result = packet_of(make_case, run, tmp_path / "o", given)
        assert result.exit_code == 2
        assert errors(result) == [f"error: {case}:{line}: enclosures[0].path: {case.parent / given if not given.startswith('/') else given}: "
                                  f"is outside the case's folder ({record}); give --allow-outside to enclose it "
                                  f"{ACCEPTED_ENCLOSURE}"]
    case, line, result = packet_of(make_case, run, tmp_path / "o", "link.pdf", "--allow-outside")
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader

    packet = next((tmp_path / "o").glob("*_packet.pdf"))
    assert "Radiology report (sample)" in PdfReader(str(packet)).pages[-1].extract_text()


def test_an_enclosure_in_the_case_folder_still_goes_in(make_case, run, tmp_path):
    one_page_pdf(tmp_path / "report.pdf")
    _, _, result = packet_of(make_case, run, tmp_path / "o", "report.pdf")
    assert result.exit_code == 0, result.output


# -- 5. faults: a full disk, a read-only folder ----------------------------------------------------

def no_space(*args, **kwargs):
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_a_clear_error_and_leaves_no_part_files(make_case, run, tmp_path, monkeypatch):
    import appeal.deliver.files

    out = tmp_path / "o"
    monkeypatch.setattr(appeal.deliver.files.os, "replace", no_space)
    result = run("generate", make_case(), "-o", out, "--date", "2026-11-27")
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.startswith(f"error: {out}/") and line.endswith(".docx: cannot write the file: the disk is full")
    assert list(out.iterdir()) == []  # the temporary file, which holds PHI, is gone


def test_a_read_only_output_folder_is_a_clear_error(make_case, run, tmp_path, monkeypatch):
    import errno

    import appeal.deliver.files

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    out = tmp_path / "o"
    monkeypatch.setattr(appeal.deliver.files, "_create", read_only)  # where each temporary file is made
    result = run("generate", make_case(), "-o", out, "--date", "2026-11-27")
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.endswith(".docx: cannot write the file: the folder is on a read-only disk")


def test_output_folders_are_created_0700(make_case, run, tmp_path):
    out = tmp_path / "new" / "o"
    assert run("generate", make_case(), "-o", out, "--date", "2026-11-27").exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in out.iterdir())


def test_batch_on_a_full_disk_still_lists_every_item_and_exits_1(make_case, run, tmp_path, monkeypatch):
    import csv

    import appeal.deliver.files

    cases = tmp_path / "cases"
    cases.mkdir()
    for i in range(3):
        make_case({"claim.number": f"SAMPLE-2026-00{i}"}, name=f"cases/c{i}.yaml")
    out = tmp_path / "o"
    monkeypatch.setattr(appeal.deliver.files.os, "replace", no_space)
    result = run("batch", cases, "-o", out, "--jobs", "1", "--date", "2026-11-27")
    assert result.exit_code == 1, result.output
    rows = list(csv.DictReader((out / "summary.csv").open(encoding="utf-8")))
    assert [r["input"] for r in rows] == [str(cases / f"c{i}.yaml") for i in range(3)]
    assert {r["status"] for r in rows} == {"failed"}
    assert all(r["error"].endswith(".docx: cannot write the file: the disk is full") for r in rows)
    assert "warning: summary.csv was not rewritten in input order" in result.output
    assert not [p for p in out.rglob("*.part")]


def test_batch_goes_on_when_its_resume_state_cannot_be_saved(make_case, run, tmp_path, monkeypatch):
    import appeal.deliver.files

    real = os.replace

    def replace(src, dst):
        if str(dst).endswith("manifest.json"):
            no_space()
        real(src, dst)

    cases = tmp_path / "cases"
    cases.mkdir()
    make_case(name="cases/c0.yaml")
    monkeypatch.setattr(appeal.deliver.files.os, "replace", replace)
    result = run("batch", cases, "-o", tmp_path / "o", "--jobs", "1", "--date", "2026-11-27")
    assert result.exit_code == 0, result.output
    assert "warning: the resume state was not saved" in result.output
    assert len(list((tmp_path / "o").glob("*.pdf"))) == 1


def test_batch_summary_exists_from_the_first_item(make_case, tmp_path):
    import csv

    from appeal.commands.batch.runner import run_batch
    from appeal.settings import Settings

    cases = tmp_path / "cases"
    cases.mkdir()
    for i in range(3):
        make_case({"claim.number": f"SAMPLE-2026-00{i}"}, name=f"cases/c{i}.yaml")
    out = tmp_path / "o"
    seen = []

    def progress(outcome):
        rows = list(csv.reader((out / "summary.csv").open(encoding="utf-8")))
        seen.append((len(rows) - 1, rows[-1][1]))

    result = run_batch([cases], out, Settings(date=LETTER_DATE), jobs=1, progress=progress)
    assert result.exit_code == 0
    assert seen == [(1, "written"), (2, "written"), (3, "written")]


def test_a_control_character_yaml_refuses_is_a_named_error(tmp_path, run):
    """Found by tests/test_fuzz.py: PyYAML's reader refuses it before parsing (an internal error before)."""
    path = tmp_path / "case.yaml"
    path.write_bytes(b"provider:\n  name: A\x1fB\n")
    result = run("validate", path)
    assert result.exit_code == 2
    assert errors(result) == [f"error: {path}:2: the file holds a control character (U+001F) that YAML does not allow "
                              "(accepted: printable text)"]


@pytest.mark.parametrize("logo, message", [
    ("/dev/zero", "is not a regular file (a device, pipe or socket), not an image"),
    ("bomb.png", "the image is too large to open (a decompression bomb?)"),
    ("notes.png", "not a readable image"),
])
def test_a_logo_that_is_a_device_a_bomb_or_no_image_is_named_not_a_hang(make_case, tmp_path, logo, message):
    from PIL import Image

    Image.new("1", (20_000, 20_000)).save(tmp_path / "bomb.png")
    (tmp_path / "notes.png").write_text("not an image")
    case = make_case({"provider.logo": logo})
    line = next(i for i, text in enumerate(case.read_text().splitlines(), 1) if "logo:" in text)
    result = appeal_cli("validate", case, "--date", "2026-10-25", timeout=60)
    assert result.returncode == 2
    shown = logo if logo.startswith("/") else tmp_path / logo
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {case}:{line}: provider.logo: {shown}: {message} (accepted: a PNG or JPEG image of at most 20 MiB "
        "and 50 million pixels)")


def test_a_batch_items_internal_error_never_echoes_its_message(make_case, run, tmp_path, monkeypatch):
    import csv

    import appeal.commands.batch.worker

    def broken(*args, **kwargs):
        raise ValueError("Jane Q. Sample SAMPLE-2026-000123")

    cases = tmp_path / "cases"
    cases.mkdir()
    make_case(name="cases/c0.yaml")
    monkeypatch.setattr(appeal.commands.batch.worker, "build_letter", broken)
    result = run("batch", cases, "-o", tmp_path / "o", "--jobs", "1")
    assert result.exit_code == 1
    [row] = list(csv.DictReader((tmp_path / "o" / "summary.csv").open(encoding="utf-8")))
    assert row["error"].startswith("internal error (ValueError at worker.py:")
    assert "Jane" not in result.output + row["error"] and "SAMPLE-2026" not in row["error"]


def test_a_reference_docx_that_is_a_device_or_a_zip_bomb_is_named(make_case, run, tmp_path):
    import zipfile

    bomb = tmp_path / "letterhead.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (300 * 1024 * 1024))
    assert bomb.stat().st_size < 1_000_000
    result = run("generate", make_case(), "-o", tmp_path / "o", "--reference-docx", bomb)
    assert result.exit_code == 2
    assert errors(result) == [f"error: {bomb}: reference DOCX: it unpacks to 314,572,800 bytes (a zip bomb?); at most "
                              "209,715,200 (accepted: a Word .docx file of at most 20 MiB)"]
    result = appeal_cli("generate", make_case(), "-o", tmp_path / "o", "--reference-docx", "/dev/zero", timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: /dev/zero: reference DOCX: is not a regular file (a device, pipe or socket), not a .docx file "
        "(accepted: a Word .docx file of at most 20 MiB)")


def test_stationery_that_is_a_device_is_named_not_a_hang(make_case, tmp_path):
    result = appeal_cli("generate", make_case(), "-o", tmp_path / "o", "--stationery", "/dev/zero", timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: /dev/zero: --stationery: is not a regular file (a device, pipe or socket), not a PDF")


def test_a_template_that_renders_an_empty_letter_is_an_error(body):
    """Found by tests/test_fuzz.py: the letter was written as a PDF of no pages."""
    template_error(body("{{ references() }}"), body.file, None, "the template renders an empty letter (nothing but "
                   "an empty references list) (accepted: a letter body; most templates extend base/letter.md)")


def test_a_profile_letterhead_logo_that_is_a_pipe_is_refused_not_waited_on(tmp_path):
    """The practice's own logo (practice.letterhead.logo) is checked as the case's provider.logo is: a FIFO there
    used to hang generate (the renderer read it to size the letterhead)."""
    from conftest import UPMC

    ws = tmp_path / "ws"
    ws.mkdir()
    fifo = ws / "logo.png"
    os.mkfifo(fifo)
    (ws / "appeal.yaml").write_text("practice:\n  letterhead:\n    logo: logo.png\n", encoding="utf-8")
    for command in (("generate", UPMC, "-o", tmp_path / "out"), ("validate", UPMC)):
        result = appeal_cli("--workspace", ws, *command, timeout=60)
        assert result.returncode == 2, result.stderr
        assert (f"error: {fifo}: practice.letterhead.logo: is not a regular file (a device, pipe or socket), not an "
                "image (accepted: a PNG or JPEG image of at most 20 MiB and 50 million pixels)") in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_damaged_enclosure_read_around_is_a_warning_naming_it_not_bare_library_lines(make_case, tmp_path):
    """pypdf reads around a broken cross-reference table and logs it: the packet says so, naming the file, and no
    bare library line ("incorrect startxref pointer") reaches stderr."""
    from reportlab.pdfgen import canvas

    good = tmp_path / "good.pdf"
    pdf = canvas.Canvas(str(good))
    pdf.drawString(100, 700, "Operative report (sample)")
    pdf.showPage()
    pdf.save()
    data = good.read_bytes()
    broken = tmp_path / "report.pdf"
    broken.write_bytes(data[:data.rindex(b"startxref")] + b"startxref\n1\n%%EOF\n")
    case = make_case({"enclosures": [{"description": "Report", "path": "report.pdf"}]})
    result = appeal_cli("packet", case, "-o", tmp_path / "o", "--date", "2026-11-27", timeout=60)
    assert result.returncode in (0, 1), result.stderr
    assert (f"warning: {broken}: the PDF is damaged and was read around it (pypdf: incorrect startxref "
            f"pointer(1)); check its pages in the packet (exhibit 1)") in result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith(("incorrect", "EOF marker"))]
