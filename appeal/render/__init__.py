"""The two renderers of a :class:`~appeal.letters.document.Letter`: ``docx`` (python-docx) and ``pdf``
(reportlab), with ``formats`` (the registry ``--format`` reads) and ``fonts`` (can the PDF draw a case).

Both renderers take the layout rules below from here, so a letter breaks, and its
tables and headings look, alike in both formats. This module imports neither library.
"""

from __future__ import annotations

from appeal.letters.document import Block, Heading, Paragraph, Signature, Table, block_text

LABEL_SHARE, VALUE_SHARE = 0.3, 0.7  # a table's label column, and what its other columns share
LABEL_FILL = "EEEEEE"  # the shading of a table's label column (or header row)
HEADING_LEVELS = (1, 3)  # the heading levels a letter draws; others are drawn as the nearest


def column_widths(total: float, columns: int) -> list[float]:
    """A table's column widths: the label column 30%, the others sharing 70%; one column takes all."""
    if columns <= 1:
        return [total]
    return [total * LABEL_SHARE] + [total * VALUE_SHARE / (columns - 1)] * (columns - 1)


def is_label(table: Table, row: int, column: int) -> bool:
    """Whether a cell is a label (shaded, bold): the header row when the table has one, else the first column."""
    return row == 0 if table.header else column == 0


def heading_level(level: int) -> int:
    """A heading's level, clamped to those a letter draws."""
    low, high = HEADING_LEVELS
    return min(max(level, low), high)


def keeps_with_next(block: Block, following: Block | None = None) -> bool:
    """A heading, a paragraph ending in ':' (it introduces the quote or list below it), or the paragraph
    just before the signature (so "Sincerely" never stands alone at the head of a page)."""
    if isinstance(block, Heading):
        return True
    if isinstance(block, Paragraph) and isinstance(following, Signature):
        return True
    return isinstance(block, Paragraph) and "".join(block_text(block)).rstrip().endswith(":")
