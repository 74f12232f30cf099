"""Where the built-in templates and citations live.

The top-level ``templates/`` and ``citations/`` folders are the source of truth. A
wheel carries them as ``appeal/_builtin/``; an editable install or a checkout reads
them where they stand.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def builtin_dir(name: str) -> Path:
    """The built-in ``templates`` or ``citations`` folder."""
    bundled = PACKAGE / "_builtin" / name
    if bundled.is_dir():
        return bundled
    return PACKAGE.parent / name


def data_file(name: str) -> Path:
    """A reference-data file shipped inside the package (``appeal/data``)."""
    return PACKAGE / "data" / name
