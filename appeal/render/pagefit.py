"""What only the laid-out page shows, for the verdict: a payer's address too long for the #10 window, a
letterhead the window would show, text set over a stationery's printed letterhead.

Measured as the PDF lays the page out (its wrapped letterhead lines, logo and rule: :mod:`appeal.render.pdf`;
the stationery's first page read as pixels), by the renderer's layer because the checks' layer may not import
it; ``commands.generate.with_workspace`` hands the reasons to the verdict (``Prepared.page_reasons``). The
stationery is read once per file in a process (a batch lays every letter over the same page).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from appeal.inputs.case import Case
from appeal.inputs.workspace import Workspace
from appeal.letters.build import Prepared
from appeal.letters.document import Recipient
from appeal.render import layout
from appeal.render.images import unusable
from appeal.render.pdf import first_page_areas, fit_address, letterhead_ink, letterhead_lines, logo_size


def page_reasons(prepared: Prepared, workspace: Workspace | None) -> list[tuple[str, str]]:
    """The verdict's reasons that only the laid-out page shows, as ``(code, message)``."""
    found = [("payer-address-too-long", payer_address_too_long(prepared)),
             ("letterhead-in-window", letterhead_in_window(prepared, workspace)),
             ("text-over-stationery", text_over_stationery(prepared, workspace))]
    return [(code, message) for code, message in found if message]


def payer_address_too_long(prepared: Prepared) -> str | None:
    """What to say when the payer's address block fits the #10 window at no size (down to 8-point type): the
    window is left empty, so the letter would be mailed with no address showing (for review, as with no address
    at all, ``no-payer-address``)."""
    if prepared.page.envelope != "window-10" or not prepared.case.payer.address:
        return None
    block = next((b for b in prepared.letter.blocks if isinstance(b, Recipient)), None)
    if block is None or fit_address(block) is not None:
        return None
    return ("the payer's address block does not fit the #10 window even in 8-point type, so the window stays "
            "empty and the letter shows no address; accepted: a shorter payer.name, payer.attention or fewer "
            "address lines, or practice.envelope: none for a letter not mailed in a window envelope")


def letterhead_in_window(prepared: Prepared, workspace: Workspace | None) -> str | None:
    """What to say when page 1's letterhead, measured as the PDF draws it (its wrapped lines, its logo, the rule
    under them), reaches into a #10 window's keep-clear band: at one end of the folded sheet's travel the
    window would show it above the payer's address. The DOCX's first-page header is set line for line the same.
    On stationery, what its first page prints there (:func:`_stationery_in_window`).

    It is a reason for review, not blocked: nothing says how a letter goes out (``envelope: window-10`` is the
    default, kept by practices that upload to a portal, where the letter is fine), as with ``no-payer-address``.
    ``batch --print``, which is mailed, leaves such a letter out of the print file."""
    page, letter = prepared.page, prepared.letter
    if page.envelope != "window-10":
        return None
    if page.stationery_first is not None:
        return _stationery_in_window(prepared, workspace)
    logo = letter.letterhead.logo
    if logo is not None and unusable(logo):  # a bad logo is check_images' to say
        return None
    ink, band = letterhead_ink(letter, page), layout.WINDOW_10.keep_clear()
    if ink is None or not ink.overlaps(band):
        return None
    inch = layout.INCH
    return (f"the letterhead reaches {(ink.bottom - band.top) / inch:.2f}\" into the #10 window, which would show it "
            f"above the payer's address: it ends {ink.bottom / inch:.2f}\" from the top of page 1, and the window "
            f"shows the page from {band.top / inch:.2f}\"; {_letterhead_fix(prepared, workspace, band.top)}")


def _letterhead_fix(prepared: Prepared, workspace: Workspace | None, bottom: float) -> str:
    """What is accepted for a letterhead that must end ``bottom`` points from the top of page 1: as many lines under
    the practice's name as fit (its address lines are the ones to cut, or its name where it wraps), a narrower logo
    where the lines wrap beside it, or no window envelope; each field named where it is set."""

    letter, family = prepared.letter, prepared.page.letterhead_font
    name, lines = letterhead_lines(letter, family)
    size = logo_size(letter)
    fit = layout.letterhead_lines_fit(len(name), size[1] if size else None, bottom)
    wraps = sum(map(len, letterhead_lines(letter, family, beside_logo=False))) < len(name) + len(lines)
    fields = {key: _letterhead_field(prepared.case, workspace, key) for key in ("address", "name", "logo")}
    fields["envelope"] = ("practice.envelope", str(workspace.profile) if workspace else "a workspace's appeal.yaml")
    used = ["address", *(["name"] if len(name) > 1 else []), *(["logo"] if wraps else []), "envelope"]
    files = {fields[key][1] for key in used}
    one = files.pop() if len(files) == 1 else None  # every field in one file: named once
    at = {key: field if one else f"{field} in {file}" for key, (field, file) in fields.items()}
    shorter = f"fewer lines in {at['address']}" + (f", or a shorter {at['name']}" if len(name) > 1 else "")
    named = f" (set on {len(name)} lines)" if len(name) > 1 else ""
    narrower = f"a narrower {at['logo']} (the lines beside it wrap), " if wraps else ""
    none = "practice.envelope: none" + ("" if one else f" in {fields['envelope'][1]}")
    return (f"accepted{f', in {one}' if one else ''}: at most {fit} lines under the practice's name{named}, not "
            f"{len(lines)} ({shorter}), {narrower}or {none} for a letter not mailed in a window envelope")


def _stationery_in_window(prepared: Prepared, workspace: Workspace | None) -> str | None:
    """:func:`letterhead_in_window` on stationery: whatever the stationery's first page prints in the window's
    keep-clear band, outside the address box, read from that page as it lies under the letter."""

    first, window = prepared.page.stationery_first, layout.WINDOW_10
    assert first is not None
    band = window.keep_clear()
    ink = stationery_ink(first, band, clear=window.address_box())
    if ink is None:
        return None
    inch = layout.INCH
    profile = workspace.profile if workspace else "a workspace's appeal.yaml"
    return (f"the stationery {first.name} is printed where the #10 window shows page 1, from {ink.top / inch:.2f}\" "
            f"to {ink.bottom / inch:.2f}\" from the top (the window shows {band.top / inch:.2f}\" to "
            f"{band.bottom / inch:.2f}\", from the left edge to {band.right / inch:.2f}\"), so the window would "
            f"show it with the payer's address; accepted: a first page ({_stationery_field(workspace, first)}) "
            f"printed clear of that part, or practice.envelope: none in {profile} for a letter not mailed in a "
            f"window envelope")


def text_over_stationery(prepared: Prepared, workspace: Workspace | None) -> str | None:
    """What to say when the PDF's text starts above the bottom of the stationery's printed letterhead (read from
    its first page: the printing at its top, :func:`appeal.render.pdf.stationery_letterhead`), so the date and
    the first lines would be printed over it: the stationery's margins (default 1") are the letter's to keep.

    Review, as a measure of a page the letter did not draw: the biller looks at page 1 once, and the margins they
    set hold for every letter on that stationery."""

    page = prepared.page
    if page.stationery_first is None:
        return None
    _, right, _, left = page.first_margins()
    columns = layout.Box(left, 0.0, layout.PAGE_WIDTH - right, layout.PAGE_HEIGHT / 2)
    printed = stationery_letterhead(page.stationery_first, columns)
    top = min(margins[0] for margins, _ in first_page_areas(prepared.letter, page))
    if printed is None or printed.bottom <= top:
        return None
    inch = layout.INCH
    below = math.ceil((printed.bottom + 0.125 * inch) / inch * 20) / 20  # 1/8" under it, to the next 0.05"
    profile = workspace.profile if workspace else "a workspace's appeal.yaml"
    given = "" if page.margins else " (none is given, so the text starts 1\" down)"
    return (f"the PDF's text starts {top / inch:.2f}\" from the top of page 1, and the stationery "
            f"{page.stationery_first.name} is printed down to {printed.bottom / inch:.2f}\" there (its letterhead), "
            f"so the date and the first lines would be printed over it; accepted: practice.stationery.margins with "
            f"top: {below:.2f} or more in {profile}{given}")


def _stationery_field(workspace: Workspace | None, first: Path) -> str:
    """Where the stationery's first page is named: the profile's practice.stationery.first_page, or --stationery."""
    if workspace is not None and workspace.stationery.get("first_page") == first:
        return f"practice.stationery.first_page in {workspace.profile}"
    return "--stationery"


def _letterhead_field(case: Case, workspace: Workspace | None, key: str) -> tuple[str, str]:
    """Where the letterhead's ``key`` (name, address, logo) is set, as (field, file): ``practice.letterhead`` in the
    profile, else the provider, in the case file or in the profile's ``practice.provider``."""
    if workspace is not None and key in workspace.letterhead:
        return f"practice.letterhead.{key}", str(workspace.profile)
    in_case = case.located is not None and ("provider", key) in case.located.lines
    if workspace is not None and key in workspace.provider and not in_case:
        return f"practice.provider.{key}", str(workspace.profile)
    return f"provider.{key}", str(case.source)


STATIONERY_INK = 230  # a stationery pixel darker than this (0 black, 255 white) is printed
LETTERHEAD_GAP = 0.5 * layout.INCH  # blank this deep under the top of the stationery's printing ends its letterhead


def stationery_ink(path, box: layout.Box, clear: layout.Box | None = None) -> layout.Box | None:
    """Where the stationery is printed inside ``box`` of page 1 (points from its top-left corner), leaving out
    ``clear``; None where nothing is. Read once per file and box: every letter of a batch asks the same."""
    return _ink(_stamp(path), box, clear)


@lru_cache(maxsize=32)
def _ink(stamp: tuple[str, int, int], box: layout.Box, clear: layout.Box | None) -> layout.Box | None:
    from PIL import ImageDraw

    sheet = _printed(*stamp)
    if sheet is None:
        return None
    if clear is not None:
        sheet = sheet.copy()
        ImageDraw.Draw(sheet).rectangle((clear.left, clear.top, clear.right, clear.bottom), fill=0)
    found = sheet.crop((round(box.left), round(box.top), round(box.right), round(box.bottom))).getbbox()
    if found is None:
        return None
    return layout.Box(round(box.left) + found[0], round(box.top) + found[1], round(box.left) + found[2],
                      round(box.top) + found[3])


def stationery_letterhead(path, within: layout.Box) -> layout.Box | None:
    """The stationery's printed letterhead inside ``within`` (the text's columns, in the top half of page 1): what
    is printed from the top of its printing there down to the first blank :data:`LETTERHEAD_GAP` deep. A watermark
    lower down is not it, nor a rule or a column in the margins, which no text is set over; None when nothing is
    printed there. Read once per file and columns, as :func:`stationery_ink`."""
    return _letterhead(_stamp(path), within)


@lru_cache(maxsize=32)
def _letterhead(stamp: tuple[str, int, int], within: layout.Box) -> layout.Box | None:
    sheet = _printed(*stamp)
    if sheet is None:
        return None
    left, right = round(within.left), round(within.right)
    rows = [y for y in range(round(within.top), round(within.bottom))
            if sheet.crop((left, y, right, y + 1)).getbbox()]
    if not rows:
        return None
    bottom = rows[0]
    for y in rows[1:]:
        if y - bottom > LETTERHEAD_GAP:
            break
        bottom = y
    return _ink(stamp, layout.Box(left, rows[0], right, bottom + 1), None)


def _stamp(path) -> tuple[str, int, int]:
    """The stationery's path with its size and modification time: a changed file is read again."""
    status = Path(path).stat()
    return str(path), status.st_size, status.st_mtime_ns


@lru_cache(maxsize=8)
def _printed(path: str, size: int, mtime: int):
    """The stationery's page as it lies under the letter's page 1, one pixel a point from its top-left corner:
    white (255) where it is printed, black elsewhere. Drawn once per file (every letter is laid over it); None
    when pdfium cannot draw a page pypdf read (the checks then say nothing of it)."""
    import pypdfium2  # type: ignore[import-untyped]
    from PIL import Image

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError:
        return None
    try:
        page = document[0]
        left, _, _, top = page.get_cropbox()
        grey = page.render(scale=1).to_pil().convert("L")
    except pypdfium2.PdfiumError:
        return None
    finally:
        document.close()
    sheet = Image.new("L", (int(layout.PAGE_WIDTH), int(layout.PAGE_HEIGHT)), 0)
    sheet.paste(grey.point(lambda v: 255 if v < STATIONERY_INK else 0), (round(left), round(layout.PAGE_HEIGHT - top)))
    return sheet
