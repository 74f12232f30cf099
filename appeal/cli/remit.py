"""Commands of the `appeal` CLI (see appeal/cli/__init__.py for the conventions)."""

from __future__ import annotations
