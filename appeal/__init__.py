"""appeal: turn a payer's claim denial into a cited appeal letter.

The data flows one way: case file -> validated :class:`~appeal.case.Case` ->
Jinja template -> :class:`~appeal.document.Letter` -> DOCX / PDF renderers.
"""

__version__ = "0.1.0"  # the one version number: pyproject.toml reads it ([tool.hatch.version])
