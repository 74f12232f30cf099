"""What a batch keeps of each finished item while it runs: on disk, not in the parent's memory.

A 10,000-letter run must not hold 10,000 outcomes (their case columns, warnings and ledger facts)
in the parent. :class:`Spool` pickles each one into an anonymous temporary file (it has no name, so
nothing of it outlives the process, even a killed one) and keeps only its place (two integers per
item), so the summary can be rewritten in input order once, at the end, reading one row at a time.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from array import array
from pathlib import Path
from typing import Iterator, Sequence, TypeVar, overload

T = TypeVar("T")


class Spool(Sequence[T]):
    """Records by number (an item's ``seq``), written in any order, read back in order of number."""

    def __init__(self, folder: Path):
        self._file = tempfile.TemporaryFile(dir=folder)  # unlinked at once (O_TMPFILE on Linux)
        self._fd = self._file.fileno()
        self._end = 0
        self._at = array("q")  # slot -> offset in the file, -1 when empty
        self._size = array("l")
        self._count = 0

    def put(self, slot: int, value: T) -> None:
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        os.pwrite(self._fd, data, self._end)
        if slot >= len(self._at):
            grow = slot + 1 - len(self._at)
            self._at.extend([-1] * grow)
            self._size.extend([0] * grow)
        if self._at[slot] < 0:
            self._count += 1
        self._at[slot], self._size[slot] = self._end, len(data)
        self._end += len(data)

    def get(self, slot: int) -> T:
        if slot >= len(self._at) or self._at[slot] < 0:
            raise IndexError(slot)
        return pickle.loads(os.pread(self._fd, self._size[slot], self._at[slot]))

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        """The ``index``-th record in order of number (an item's seq, when none is missing)."""
        if isinstance(index, slice):
            return list(self)[index]
        if self._count == len(self._at):
            return self.get(index)
        for n, value in enumerate(self):
            if n == index:
                return value
        raise IndexError(index)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[T]:
        for slot, at in enumerate(self._at):
            if at >= 0:
                yield pickle.loads(os.pread(self._fd, self._size[slot], at))

    def close(self) -> None:
        self._file.close()
