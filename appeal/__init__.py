"""appeal: turn a payer's claim denial into a cited appeal letter.

The data flows one way, through layers that never import upwards: ``inputs`` (a
validated :class:`~appeal.inputs.case.Case`) -> ``reference`` -> ``letters`` (bind and
compose a :class:`~appeal.letters.document.Letter`) -> ``checks`` -> ``render`` (DOCX,
PDF) -> ``deliver`` -> ``commands`` -> ``cli``. See the README's "How it is built".
"""

__version__ = "0.1.0"  # the one version number: pyproject.toml reads it ([tool.hatch.version])
