"""The batch's progress: a bar on a terminal, a line every few seconds in a log.

On a terminal, click's progress bar shows the items done of the total, the rate and the
time left. Off a terminal (a log, a scheduled job) a line is written every
``EVERY_SECONDS``, and once at the end, so a log shows the run moving without a line per item.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from appeal.commands.batch.summary import STATUSES, Outcome

EVERY_SECONDS = 5.0


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Told the total (``start``), then each outcome; ``close`` ends the line."""

    def __init__(self, stream=None, clock=time.monotonic, every: float = EVERY_SECONDS):
        self.stream = stream or sys.stderr
        self.clock, self.every = clock, every
        self.counts = dict.fromkeys(STATUSES, 0)
        self.terminal = self.stream.isatty()
        self.total = 0
        self.began = self.said = clock()
        self.bar: Any = None

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def rate(self) -> float:
        elapsed = self.clock() - self.began
        return self.done / elapsed if elapsed > 0 else 0.0

    def start(self, total: int) -> None:
        self.total, self.began = total, self.clock()
        if self.terminal and total:
            self.bar = click.progressbar(length=total, label="letters", file=self.stream, show_eta=False,
                                         show_pos=True, item_show_func=lambda _: self.pace())
            self.bar.__enter__()

    def __call__(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        if self.bar is not None:
            self.bar.update(1, outcome)
        elif not self.terminal and self.clock() - self.said >= self.every:
            self.line()

    def pace(self) -> str:
        """``3.1/s, about 1m45s left``: the rate so far, and the time the rest takes at that rate."""
        rate, left = self.rate(), self.total - self.done
        return f"{rate:.1f}/s" + (f", about {_duration(left / rate)} left" if rate and left > 0 else "")

    def line(self) -> None:
        """``batch: 120 of 446 items (100 written, 10 already done, 10 failed); 3.1/s, about 1m45s left``."""
        self.said = self.clock()
        self.stream.write(f"batch: {self.done} of {self.total} items ({self.counts['written']} written, "
                          f"{self.counts['skipped']} already done, "
                          f"{self.counts['failed'] + self.counts['unreadable']} failed); {self.pace()}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (also after Ctrl-C), or write the last log line."""
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None
        elif not self.terminal and self.total:
            self.line()
