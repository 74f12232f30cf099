"""The two renderers of a :class:`~appeal.letters.document.Letter`: ``docx`` (python-docx) and ``pdf``
(reportlab), with ``formats`` (the registry ``--format`` reads) and ``fonts`` (can the PDF draw a case).

Both renderers take the layout rules below from here, so a letter breaks, and its
tables and headings look, alike in both formats. This module imports neither library.
"""

from __future__ import annotations

from collections.abc import Sequence

from appeal.letters.document import Block, BulletList, Heading, Paragraph, Signature, Table, block_text

LABEL_SHARE, VALUE_SHARE = 0.3, 0.7  # a table's label column, and what its other columns share
LABEL_FILL = "EEEEEE"  # the shading of a table's label column (or header row)
HEADING_LEVELS = (1, 3)  # the heading levels a letter draws; others are drawn as the nearest
LIST_KEPT_WHOLE = 6  # a list of up to this many items keeps each item with the next (one page, as a unit)
CLOSING_ITEMS = 2  # the items of a list just before the closing paragraph that go over with it


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


def keeps_with_next(blocks: Sequence[Block], i: int) -> bool:
    """Whether block ``i`` goes to the next page with the block after it: a heading, a paragraph ending in ':'
    (it introduces the quote or list below it), the paragraph just before the signature (so "Sincerely"
    never stands alone at the head of a page), and the paragraph or list before that one (:func:`leads_closing`)."""
    block = blocks[i]
    following = blocks[i + 1] if i + 1 < len(blocks) else None
    if following is None:
        return False
    if isinstance(block, Heading):
        return True
    if isinstance(block, Paragraph) and isinstance(following, Signature):
        return True
    if leads_closing(blocks, i):
        return True
    return isinstance(block, Paragraph) and "".join(block_text(block)).rstrip().endswith(":")


def leads_closing(blocks: Sequence[Block], i: int) -> bool:
    """Whether block ``i`` is a paragraph or a list just before the closing paragraph (the one before the
    signature): it goes over with the closing, so the signature never stands on the last page with the
    closing line alone. A paragraph goes over whole; a list of more than :data:`CLOSING_ITEMS` items, by its
    last ones (:func:`list_keeps`)."""
    return (i + 2 < len(blocks) and isinstance(blocks[i], (Paragraph, BulletList))
            and isinstance(blocks[i + 1], Paragraph) and isinstance(blocks[i + 2], Signature))


def list_keeps(blocks: Sequence[Block], i: int) -> list[bool]:
    """Whether each item of list ``blocks[i]`` keeps with the next: a list of up to :data:`LIST_KEPT_WHOLE`
    items is kept whole, and the list just before the closing paragraph breaks, if it must, only before its
    last :data:`CLOSING_ITEMS` items, which go over with the closing."""
    block = blocks[i]
    assert isinstance(block, BulletList)
    count = len(block.items)
    keeps = [j < count - 1 and count <= LIST_KEPT_WHOLE for j in range(count)]
    if leads_closing(blocks, i):
        keeps[max(count - CLOSING_ITEMS, 0):] = [True] * min(count, CLOSING_ITEMS)
        if count > CLOSING_ITEMS:
            keeps[count - CLOSING_ITEMS - 1] = False
    return keeps
