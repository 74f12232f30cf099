"""The page rules both renderers draw from, so the DOCX (opened in Word or LibreOffice) and the PDF
break lines and pages in the same places.

Every size here is in points (1/72 inch). Both renderers take the page, the margins, each
text style (font size, exact line height, space before and after, indents) and the RE
table's padding from this module; neither has numbers of its own. The PDF embeds a font
metric-compatible with the one the DOCX names (:data:`FAMILIES`), so a line holds the
same words in both. This module imports neither python-docx nor reportlab.
"""

from __future__ import annotations

from dataclasses import dataclass

from appeal.letters.document import ENVELOPES, PageSetup  # noqa: F401  (the page setup is the model's)

INCH = 72.0
PAGE_WIDTH, PAGE_HEIGHT = 8.5 * INCH, 11 * INCH  # US Letter
MARGIN = INCH  # all four sides, unless a stationery's profile sets its own
HEADER_DISTANCE = 0.5 * INCH  # the running header's and the footer's distance from the page edge
FOOTER_DISTANCE = 0.5 * INCH


@dataclass(frozen=True)
class Family:
    """A font as the DOCX names it, and the bundled metric-compatible faces the PDF embeds."""

    word: str  # the name the DOCX asks for
    regular: str  # the bundled file names, in appeal/fonts/
    bold: str
    italic: str
    bold_italic: str


FAMILIES = {
    "serif": Family("Times New Roman", "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
                    "LiberationSerif-Italic.ttf", "LiberationSerif-BoldItalic.ttf"),
    # a letterhead may be set in the sans face (the practice's name and contact lines)
    "sans": Family("Arial", "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf",
                   "LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
}
BODY_FAMILY = "serif"


@dataclass(frozen=True)
class TextStyle:
    """One paragraph style: the font size and the exact line height (leading), in points."""

    size: float
    leading: float
    before: float = 0.0
    after: float = 0.0
    bold: bool = False
    italic: bool = False
    left: float = 0.0
    right: float = 0.0
    align: str = "left"  # left, center, right
    colour: str | None = None  # "#RRGGBB"; None is black


GREY = "#444444"
RULE = "#888888"

STYLES: dict[str, TextStyle] = {
    "body": TextStyle(10.5, 14, after=7),
    "small": TextStyle(9, 11.5, after=7),
    "signer": TextStyle(9, 11.5),
    "h1": TextStyle(14, 18, before=8, after=7, bold=True),
    "h2": TextStyle(12, 16, before=8, after=7, bold=True),
    "h3": TextStyle(10.5, 14, before=6, after=4, bold=True),
    "quote": TextStyle(10.5, 14, after=2, italic=True, left=0.5 * INCH, right=0.5 * INCH),
    "attribution": TextStyle(9, 12, after=9, align="right", right=0.5 * INCH),
    "list": TextStyle(10.5, 14, after=7, left=18),
    "cell": TextStyle(9.5, 12),
    "cell_bold": TextStyle(9.5, 12, bold=True),
    "signer_name": TextStyle(10.5, 14, bold=True),
    "letterhead_name": TextStyle(15, 19, after=2, bold=True, align="center"),
    "letterhead": TextStyle(9, 11.5, align="center", colour=GREY),
    "running_header": TextStyle(8.5, 10, align="right", colour=GREY),
    "footer": TextStyle(8.5, 10, align="center", colour=GREY),
}
LIST_INDENT = 18.0  # a list item's text, from the margin; its bullet or number hangs in that space

# The RE table (its column widths and label shading are appeal.render's column_widths and LABEL_FILL):
# cells are padded as below.
CELL_PADDING = {"top": 2.0, "bottom": 3.0, "left": 6.0, "right": 6.0}
TABLE_GRID = 0.5  # the grid's line width
TABLE_SPACE_AFTER = 10.0

# The signature: a line to sign on, this far below "Sincerely,", when there is no signature image.
SIGNATURE_GAP = 30.0
SIGNATURE_LINE_WIDTH = 2.6 * INCH
SIGNATURE_IMAGE = (2.2 * INCH, 0.75 * INCH)
LOGO_BOX = (2.0 * INCH, 0.8 * INCH)
LETTERHEAD_RULE_GAP = (8.0, 14.0)  # space above and below the rule under the letterhead


def text_width(margins: tuple[float, float, float, float] | None = None) -> float:
    """The width between the left and right margins (``margins`` is top, right, bottom, left)."""
    top, right, bottom, left = margins or (MARGIN,) * 4
    return PAGE_WIDTH - left - right


def rgb(colour: str) -> tuple[int, int, int]:
    """``"#1F4E79"`` -> ``(31, 78, 121)``."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# -- the page setup: letterhead look, stationery, envelope ----------------------------------------

# -- the letterhead, drawn from the top of page 1 in both formats ---------------------------------

LOGO_GAP = 12.0  # between the logo (at the left margin) and the practice's name and lines (set right)
RULE_ABOVE = 6.0  # the rule under the letterhead: this high a line, then the rule
RULE_WIDTH = 0.75
RULE_BELOW = 10.0  # the space under the rule before the body may start


def letterhead_text_width(logo_width: float | None) -> float:
    """The width the letterhead's lines wrap to: beside the logo when there is one."""
    return text_width() - ((logo_width + LOGO_GAP) if logo_width else 0.0)


def letterhead_height(name_lines: int, lines: int, logo_height: float | None) -> float:
    """The letterhead's height from :data:`HEADER_DISTANCE`: the logo beside ``name_lines`` of the
    practice's name and ``lines`` contact lines, then the rule with its space; the DOCX's first-page
    header is exactly as tall. With a logo the letterhead is as tall as the taller of the two: a logo
    (at most :data:`LOGO_BOX` high) ends above a #10 window's band (:data:`WINDOW_10`), but enough lines
    do not (:func:`letterhead_ink`)."""
    name, line = STYLES["letterhead_name"], STYLES["letterhead"]
    text = name_lines * name.leading + name.after + lines * line.leading
    return max(text, logo_height or 0.0) + RULE_ABOVE + RULE_WIDTH + RULE_BELOW


def letterhead_ink(height: float) -> Box:
    """Where a letterhead ``height`` tall (:func:`letterhead_height`) is printed on page 1: from the header
    distance to the rule's lower edge, margin to margin as the rule runs. The space under the rule is
    not ink, so it may lie in a window's band; the rule may not: a window that shows it shows the
    letterhead with the payer's address."""
    return Box(MARGIN, HEADER_DISTANCE, PAGE_WIDTH - MARGIN, HEADER_DISTANCE + height - RULE_BELOW)


def letterhead_lines_fit(name_lines: int, logo_height: float | None, bottom: float) -> int:
    """How many contact lines fit under ``name_lines`` of the practice's name with the letterhead's ink
    ending at ``bottom`` (points from the top) or above; 0 when not even the name fits."""
    fit = 0
    while letterhead_ink(letterhead_height(name_lines, fit + 1, logo_height)).bottom <= bottom:
        fit += 1
    return fit


def body_top(letterhead: float, margins: tuple[float, float, float, float] | None = None) -> float:
    """Where page 1's text starts, from the top: a header taller than the top margin pushes it down, as
    Word and LibreOffice do."""
    top = (margins or (MARGIN,) * 4)[0]
    return max(top, HEADER_DISTANCE + letterhead)


# -- the #10 window envelope ---------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in points from the page's top-left corner."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def contains(self, other: Box) -> bool:
        return (self.left <= other.left and other.right <= self.right and self.top <= other.top
                and other.bottom <= self.bottom)

    def overlaps(self, other: Box) -> bool:
        return not (other.right <= self.left or self.right <= other.left or other.bottom <= self.top
                    or self.bottom <= other.top)


@dataclass(frozen=True)
class Window:
    """What a window envelope shows of page 1 as the folded sheet slides between the ends of its travel.

    ``visible`` is the area seen at every position; ``travel`` how far the sheet slides across and
    down. The window at either end is ``visible`` grown by the travel on one side; the address keeps
    ``clear`` inside ``visible`` and nothing else may lie in either end's window.
    """

    visible: Box
    travel: tuple[float, float]  # (across, down)
    clear: float

    def ends(self) -> tuple[Box, Box]:
        v, (across, down) = self.visible, self.travel
        high_left = Box(v.left - across, v.top - down, v.right, v.bottom)
        low_right = Box(v.left, v.top, v.right + across, v.bottom + down)
        return high_left, low_right

    def address_box(self) -> Box:
        v, c = self.visible, self.clear
        return Box(v.left + c, v.top + c, v.right - c, v.bottom - c)

    def keep_clear(self) -> Box:
        """Both ends' windows together: only the address may lie here."""
        a, b = self.ends()
        return Box(max(0.0, min(a.left, b.left)), min(a.top, b.top), max(a.right, b.right), max(a.bottom, b.bottom))


# The figures for a standard #10 window envelope (see the README, "Mailing in a window envelope"):
# the area seen however the sheet, folded in thirds, slides is about 2.0" to 2.9" from the top of the page
# and about 3 1/2" wide from 7/8" (the window's distance from the envelope's left edge); the window is
# 4 1/2" x 1 1/8", so the sheet slides 1" across (8 1/2" in a 9 1/2" envelope) and 1 1/8" - 0.9" down;
# the address keeps 1/8" clear inside.
WINDOW_10 = Window(visible=Box(0.875 * INCH, 2.0 * INCH, 4.375 * INCH, 2.9 * INCH),
                   travel=(1.0 * INCH, 1.125 * INCH - 0.9 * INCH), clear=0.125 * INCH)

# The address's sizes and line heights, largest first: the first at which its wrapped lines fit the address
# box. A line's ink (ascent to descent, as text tools measure it) is about 1.3 times the font size; the
# first line starts ADDRESS_INSET below the box's top.
ADDRESS_SIZES = ((10.0, 11.5), (9.5, 11.0), (9.0, 10.2), (8.0, 8.8))
ADDRESS_INK = 1.3
ADDRESS_INSET = 1.0


def fit_address(lines: list[str], measure, box: Box | None = None) -> tuple[float, float, list[str]] | None:
    """The address as it fits the window: ``(size, leading, lines)``, each line wrapped at word breaks to
    the box's width (``measure(text, size)`` gives a line's width); None when it fits at no size."""
    box = box or WINDOW_10.address_box()
    for size, leading in ADDRESS_SIZES:
        wrapped = [part for line in lines for part in wrap(line, box.width, lambda t, s=size: measure(t, s))]
        height = ADDRESS_INSET + (len(wrapped) - 1) * leading + ADDRESS_INK * size
        if wrapped and height <= box.height and all(measure(w, size) <= box.width for w in wrapped):
            return size, leading, wrapped
    return None


def wrap(text: str, width: float, measure) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` (a word wider than that stands alone)."""
    lines: list[str] = []
    for word in text.split():
        if lines and measure(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
