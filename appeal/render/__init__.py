"""The two renderers of a :class:`~appeal.document.Letter`: ``docx`` (python-docx) and ``pdf`` (reportlab).

They share the page-break rules below, so a letter breaks alike in both formats.
This module imports neither library.
"""

from __future__ import annotations

from appeal.letters.document import Block, Heading, Paragraph, block_text


def keeps_with_next(block: Block) -> bool:
    """A heading, or a paragraph ending in ':' (it introduces the quote or list below it)."""
    if isinstance(block, Heading):
        return True
    return isinstance(block, Paragraph) and "".join(block_text(block)).rstrip().endswith(":")
