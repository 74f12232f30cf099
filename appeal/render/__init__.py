"""The two renderers of a :class:`~appeal.document.Letter`: ``docx`` (python-docx) and ``pdf`` (reportlab).

They share the page-break rules below, so a letter breaks alike in both formats.
This module imports neither library.
"""

from __future__ import annotations

from appeal.letters.document import Block, Heading, Paragraph, Signature, block_text


def keeps_with_next(block: Block, following: Block | None = None) -> bool:
    """A heading, a paragraph ending in ':' (it introduces the quote or list below it), or the paragraph
    just before the signature (so "Sincerely" never stands alone at the head of a page)."""
    if isinstance(block, Heading):
        return True
    if isinstance(block, Paragraph) and isinstance(following, Signature):
        return True
    return isinstance(block, Paragraph) and "".join(block_text(block)).rstrip().endswith(":")
