"""Another commit of this repository, checked out beside it for a measurement (``ab.py``, ``run.py``'s
calibration): a temporary git worktree, removed at the end, so nothing is written into the checkout."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def checked_out(commit: str, where: Path) -> Iterator[Path]:
    """``commit`` in a git worktree at ``where`` while the block runs; RuntimeError, with git's reason, when it
    cannot be checked out (no git, or a shallow clone without the commit)."""
    added = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(where), commit],
                           capture_output=True, text=True)
    if added.returncode != 0:
        raise RuntimeError(f"git worktree add {commit}: {added.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)], capture_output=True)
