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
SHADE = "#EEEEEE"

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

# The RE table: the label column takes 30% of the width; cells are padded as below.
TABLE_LABEL_FRACTION = 0.3
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


def column_widths(columns: int, width: float) -> list[float]:
    """The RE table's column widths: a label column, the rest shared."""
    if columns <= 1:
        return [width]
    label = width * TABLE_LABEL_FRACTION
    return [label] + [(width - label) / (columns - 1)] * (columns - 1)


def rgb(colour: str) -> tuple[int, int, int]:
    """``"#1F4E79"`` -> ``(31, 78, 121)``."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
