"""The batch's running count on the terminal."""

from __future__ import annotations

import sys

from appeal.commands.batch.summary import STATUSES, Outcome


class Progress:
    """A one-line running count on stderr, drawn only when stderr is a terminal.

    Inputs are streamed (a remittance is read as its letters are made), so the
    total is not known in advance: the line counts up rather than filling a bar.
    """

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.counts = dict.fromkeys(STATUSES, 0)
        self.active = self.stream.isatty()

    def __call__(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        if self.active:
            self.stream.write(f"\r{sum(self.counts.values())} items: {self.counts['written']} written, "
                              f"{self.counts['skipped']} skipped, "
                              f"{self.counts['failed'] + self.counts['unreadable']} failed ")
            self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\n")
