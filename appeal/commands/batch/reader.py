"""The inputs of a pool run, read in a process of their own while the letters are made.

Reading a remittance holds all of it (about 2 KB a claim) while its case files are written, so a pool
run reads its inputs in a process of its own, from the workers' fork server: that peak never reaches
the parent, which stays the same size from 1,000 letters to 10,000. The reading process sends each
item as it is listed (a remittance's case files are written a chunk at a time, the first chunks
small), so the workers start on the first letters while the rest are drafted; the number of items
comes as soon as it is known (:func:`~appeal.commands.batch.items.iter_items`).

In the runner a thread receives them (:class:`Reader`), at most :data:`READ_AHEAD` ahead of what the
runner has taken: the reading process waits when the runner is that far behind.
"""

from __future__ import annotations

import signal
import threading
from collections import deque
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from appeal.commands.batch.items import Item, iter_items
from appeal.commands.batch.summary import Outcome
from appeal.settings import Sources

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

READ_AHEAD = 1024  # items received and not yet taken by the runner, at most (about 0.5 KB each)


def read(listing: tuple, conn: Connection) -> None:
    """The reading process: every item of the inputs sent in order, each of the inputs' warnings before the
    next item.

    Ctrl-C is left to the runner; the runner stops this process with SIGTERM (see :meth:`Reader.close`),
    which unwinds it as an interrupt would, so a case file being written leaves no temporary file.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    inputs, settings, stamp, today, columns, cases = listing
    try:
        sources = Sources.load(settings)
        sources.templates.all()
        warnings: list[str] = []
        said = 0
        for item in iter_items(inputs, sources, stamp, warnings, today, columns, cases,
                               total=lambda count: conn.send(("total", count))):
            if len(warnings) > said:  # sent as they come: a run stopped part way still has them
                conn.send(("warnings", warnings[said:]))
                said = len(warnings)
            conn.send(("item", item))
        conn.send(("end", warnings[said:]))
    except (KeyboardInterrupt, BrokenPipeError, ConnectionResetError):  # the runner stopped reading
        pass
    except Exception as exc:  # a bug of ours, or an output folder that cannot be written: the runner raises it
        try:
            conn.send(("error", exc))
        except Exception:
            conn.send(("error", RuntimeError(f"the inputs could not be read ({type(exc).__name__})")))
    finally:
        conn.close()


def _stop(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


class Reader:
    """The items a reading process sends, as they come.

    :meth:`take` hands over what has come so far without waiting; :attr:`arrived` is a future that is
    done once there is something to take (or the listing ended), for the runner to wait on beside its
    workers. :attr:`total` is the number of items once the reading process knows it.
    """

    def __init__(self, listing: tuple, context: Any):
        receive, send = context.Pipe(duplex=False)
        self._conn = receive
        self._process = context.Process(target=read, args=(listing, send), name="appeal-batch-read", daemon=True)
        self._process.start()
        send.close()
        self._lock = threading.Condition()
        self._items: deque[Item | Outcome] = deque()
        self.arrived: Future = Future()
        self.total: int | None = None
        self.warnings: list[str] = []
        self.ended = False
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._receive, name="appeal-batch-read", daemon=True)
        self._thread.start()

    @property
    def done(self) -> bool:
        """Every item has been taken (or the listing failed, which :meth:`take` raises)."""
        with self._lock:
            return self.ended and not self._items and self._error is None

    def take(self, most: int) -> list[Item | Outcome]:
        """Up to ``most`` of the items that have come, without waiting; the listing's error once all the
        items before it are taken."""
        with self._lock:
            taken = [self._items.popleft() for _ in range(min(most, len(self._items)))]
            if not self._items:
                if self._error is not None and not taken:
                    raise self._error
                if not self.ended and self.arrived.done():
                    self.arrived = Future()
            self._lock.notify()
            return taken

    def _receive(self) -> None:
        while True:
            with self._lock:
                while len(self._items) >= READ_AHEAD and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
            try:
                kind, value = self._conn.recv()
            except (EOFError, OSError):  # the reading process died (killed) without a word
                kind, value = "error", RuntimeError("the process reading the inputs stopped")
            with self._lock:
                if kind == "item":
                    self._items.append(value)
                elif kind == "total":
                    self.total = value
                elif kind == "warnings":
                    self.warnings += value
                elif kind == "end":
                    self.warnings += value
                    self.ended = True
                else:
                    self._error, self.ended = value, True
                if not self.arrived.done():
                    self.arrived.set_result(None)
                if self.ended:
                    return

    def close(self) -> None:
        """Stop the reading process if it is still reading (Ctrl-C, an error), and wait for it."""
        with self._lock:
            self._closed = True
            self._lock.notify()
        if self._process.is_alive() and not self.ended:
            self._process.terminate()
        self._thread.join()
        self._process.join()
        self._conn.close()
