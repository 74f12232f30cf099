"""Writing letters: safe file names, atomic writes, no silent overwrites.

Every file name a run makes (a letter, its packet, a batch letter, a case file drafted
from a remittance) comes from :func:`name_stem`, and every clash is settled by
:func:`allocate`: the first of ``<stem>``, ``<stem>-2``, ``<stem>-3``, ... that is free.

A file appears whole or not at all: bytes go to a temporary file beside the target,
are flushed to disk, then renamed over it. The temporary file is removed on any
failure, so a crash never leaves half a letter (nor PHI in a stray temp file). A process
killed outright (``kill -9``, a power loss) cannot remove its own: every temporary file is
named ``.<name>.<host>-<pid>-<n>.part``, and the next command writing into that folder
removes those of a process of this machine that is gone (:func:`remove_leftovers`).

Many files are cheaper written together: :func:`stage` writes each to its temporary file
without flushing it, and :func:`place_staged` flushes them all with one sync of the
filesystem, then renames each into place and flushes the folders (a batch stages its
letters in the workers and places them in the parent; :func:`write_atomic_many` does
both in one process). Either way a file at its final name was on disk before it got
that name.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import itertools
import os
import re
import sys
import tempfile
import threading
import unicodedata
import zipfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Sequence

from appeal.errors import OutputError, Problem

MAX_NAME = 64  # every file name a run makes, without its extension
ROOM = len("_packet") + len("-99")  # what a packet's name, or a clash's number, adds to a stem
STEM_MAX = MAX_NAME - ROOM  # 54: so a name made from a stem never cuts it (the date would go first)
PAYER_CHARS, CLAIM_CHARS, REASON_CHARS = 24, 28, 12  # each part's share of a name
PAYER_MIN = 8  # the payer gives way first, down to this, then the claim number


@lru_cache(maxsize=1024)  # a remittance's cases repeat a few payers and reasons thousands of times
def slug(text: str, limit: int = 24) -> str:
    """ASCII letters, digits and '-' only: ``"Ünited Health/Care"`` -> ``"United-Health-Care"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")
    return cleaned[:limit].strip("-") or "x"


def name_stem(payer: str, claim_number: str, reason: str | None = None, date: dt.date | None = None) -> str:
    """``<payer>_<claim>[_<reason>][_<date>]``, at most :data:`STEM_MAX` (54) characters, safe for every portal,
    so that ``_packet``, ``_fax`` and a clash's ``-2`` still fit in 64 and every name keeps the reason and the date.

    The payer is cut at 24 characters, the claim number at 28, the reason (``CO-189``) at 12; when that is still
    too long, the payer gives way (to 8 characters), then the claim number. The reason and the date stay whole.
    """
    payer_part, claim_part = slug(payer, PAYER_CHARS), slug(claim_number, CLAIM_CHARS)
    tail = "".join("_" + part for part in ([slug(reason, REASON_CHARS)] if reason is not None else []) +
                   ([date.isoformat()] if date is not None else []))
    room = STEM_MAX - len(tail) - 1  # for the payer and the claim number, with the "_" between them
    payer_part = payer_part[: max(PAYER_MIN, room - len(claim_part))].strip("-") or "x"
    claim_part = claim_part[: room - len(payer_part)].strip("-") or "x"
    return f"{payer_part}_{claim_part}{tail}"


def letter_stem(payer: str, claim_number: str, date: dt.date) -> str:
    """A letter's name: ``<payer>_<claim>_<date>``."""
    return name_stem(payer, claim_number, date=date)


def reason_code(group: str | None, carc: str | None) -> str:
    """``CO-189``: the denial's group and CARC, as names and tables show them."""
    return "-".join(p for p in (group, carc) if p)


def batch_stem(payer: str, claim_number: str, group: str | None, carc: str, date: dt.date) -> str:
    """A batch letter's name: ``<payer>_<claim>_<group>-<CARC>_<date>``; the reason keeps two denials of one
    claim apart."""
    return name_stem(payer, claim_number, reason_code(group, carc), date)


def numbered(stem: str, n: int) -> str:
    """``stem`` for the first, then ``stem-2``, ``stem-3``, ..., still at most 64 characters."""
    if n == 1:
        return stem
    suffix = f"-{n}"
    return stem[: MAX_NAME - len(suffix)] + suffix


def allocate(stem: str, free: Callable[[str], bool]) -> str:
    """The first of ``stem``, ``stem-2``, ... that ``free`` accepts."""
    n = 1
    while not free(numbered(stem, n)):
        n += 1
    return numbered(stem, n)


def case_key(source: Path) -> str:
    """Identifies the case a letter was made from (a hash of its resolved path: no PHI in the file's metadata)."""
    return hashlib.sha256(_resolved(source).encode("utf-8")).hexdigest()[:20]


def _resolved(path: Path) -> str:
    """``str(path.resolve())``, with one ``lstat`` instead of one per folder of the path: the folder's own
    resolution is remembered (a batch's thousands of cases sit in a few folders); a file that is itself a
    symbolic link, or a name such as ``..``, is resolved in full."""
    name = path.name
    if name in ("", ".", "..") or os.path.islink(path):
        return str(path.resolve())
    return os.path.join(_resolved_folder(os.path.abspath(path.parent)), name)


@lru_cache(maxsize=64)
def _resolved_folder(folder: str) -> str:
    return str(Path(folder).resolve())


def written_for(path: Path) -> str | None:
    """The case key stored in an existing DOCX letter, if any."""
    try:
        with zipfile.ZipFile(path) as archive:
            core = archive.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    found = re.search(r"<dc:identifier>([^<]*)</dc:identifier>", core)
    return found.group(1) if found else None


def choose_stem(out_dir: Path, stem: str, key: str, taken: set[str] | None = None) -> tuple[str, bool]:
    """A stem no other case's letter uses in ``out_dir``; ``(stem, renamed)``.

    A letter already written for the same case is replaced; one written for another
    case is kept, and this letter gets ``-2``, ``-3``, ... instead.
    """
    taken = taken if taken is not None else set()

    def free(candidate: str) -> bool:
        docx, pdf = out_dir / f"{candidate}.docx", out_dir / f"{candidate}.pdf"
        exists = docx.exists() or pdf.exists()
        return candidate not in taken and (not exists or written_for(docx) == key)

    chosen = allocate(stem, free)
    return chosen, chosen != stem


def claim_stem(names: Path, out_dir: Path, stem: str, key: str) -> str:
    """A letter name no other case holds, claimed atomically by a marker in ``names`` that holds the case's
    key, so parallel batch workers never share one, and a case keeps its name in later runs.

    The marker is a symbolic link whose target is the key (``names/<stem> -> <key>``): ``symlink`` makes it
    with its content in one step, and fails when another worker made it first; one metadata operation per
    letter (a file written and then linked into place took three: create, link, unlink). Markers written as
    files by earlier versions are still read.
    """
    return allocate(stem, lambda candidate: _claim(names / candidate, key, out_dir, candidate))


def _claim(marker: Path, key: str, out_dir: Path, candidate: str) -> bool:
    held = _holder(marker)
    if held is not None:
        return held == key
    if _foreign_letter(out_dir, candidate, key):
        return False  # a letter made outside the batch (appeal generate) for another case
    try:
        os.symlink(key, marker)  # fails if another worker claimed the name first
    except FileExistsError:
        return _holder(marker) == key
    except FileNotFoundError:  # no names folder yet
        marker.parent.mkdir(parents=True, exist_ok=True)
        return _claim(marker, key, out_dir, candidate)
    return True


def _holder(marker: Path) -> str | None:
    """The key a name's marker holds; ``None`` when the name is not claimed."""
    try:
        return os.readlink(marker)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # EINVAL: a marker file, as earlier versions wrote them
            raise
    try:
        return marker.read_text().strip()
    except FileNotFoundError:
        return None


def _foreign_letter(out_dir: Path, candidate: str, key: str) -> bool:
    """Whether a letter named ``candidate`` is in ``out_dir`` and was written for another case."""
    docx = os.path.join(out_dir, candidate + ".docx")
    if os.path.lexists(docx) or os.path.lexists(os.path.join(out_dir, candidate + ".pdf")):
        return written_for(Path(docx)) != key
    return False


def ensure_dir(path: Path) -> Path:
    """``path`` as a writable folder; one it creates is readable by its owner only (0700), as its letters are."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {why(exc)}", file=str(path)) from None
    if not os.access(path, os.W_OK):
        raise OutputError("the output folder is not writable (accepted: a folder you can write to)", file=str(path))
    return path


def write_text_atomic(path: Path, text: str) -> None:
    """A text file (YAML, CSV, JSON, Markdown) written atomically, as UTF-8, ending with a newline."""
    write_atomic(path, text_bytes(text))


@contextmanager
def atomic_text(path: Path) -> Iterator[IO[str]]:
    """A UTF-8 text file written as it goes (a large summary or manifest is never one string in memory) and put
    in place atomically when the block ends: readers see the old file or the whole new one, and a failure
    leaves nothing."""
    try:
        fd, tmp = _create(path)
    except OSError as exc:
        raise OutputError(f"cannot write the file: {why(exc)}", file=str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write the file: {why(exc)}", file=str(path)) from None
        raise
    _into_place(tmp, path)


def write_texts_atomic(files: Iterable[tuple[Path, str]]) -> None:
    """Many text files, each as :func:`write_text_atomic` writes one, synced together (:func:`write_atomic_many`)."""
    write_atomic_many((path, text_bytes(text)) for path, text in files)


def text_bytes(text: str) -> bytes:
    """A text file's bytes as :func:`write_text_atomic` writes them: UTF-8, ending with a newline."""
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def why(exc: OSError) -> str:
    """What an OS error means for the biller: a full disk and a read-only folder said plainly."""
    plain = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
             errno.EROFS: "the folder is on a read-only disk", errno.EACCES: "permission denied"}
    return plain.get(exc.errno or 0, exc.strerror or str(exc))


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    tmp = _temporary(path, data, sync=True)
    _into_place(tmp, path)


SYNC_CHUNK = 256  # files written by write_atomic_many between two syncs


def write_atomic_many(files: Iterable[tuple[Path, bytes]]) -> None:
    """Write many files, each as :func:`write_atomic` writes one, with one disk sync per chunk of files.

    ``write_atomic`` flushes each file to disk before renaming it (2.4 ms a file on this machine, most
    of an import of 20,000 case files; an fsync of each file of a chunk still costs 2.5 times one sync
    of the chunk). Here up to :data:`SYNC_CHUNK` files are written to their temporary files, flushed
    together by one sync of the filesystem they are on (:func:`_sync_filesystem`), and only then renamed
    into place. Each file is still old or whole, never half (a rename of a file not yet on disk may leave
    it empty after a crash on some filesystems: that is why the sync comes first).

    The sync of a chunk runs in a thread of its own while the next chunk is written (the disk works while
    this process does: a sync waits 5 to 13 ms here, 79 of them for 20,000 files), and it also flushes the
    renames of the chunk before it, so the folders are flushed once, at the end, not once per chunk. When
    this returns every file is on disk at its name. A failure removes the temporary files not yet placed.
    """
    writing: list[tuple[Path, str]] = []  # (path, temporary file) written, not yet synced
    syncing: _ChunkSync | None = None  # the chunk whose sync runs while the next one is written
    folders: dict[str, Path] = {}  # every folder written into, by the name of its temporary files' folder
    pid = os.getpid()  # in the temporary files' names: asked once, not once a file
    try:
        for path, data in files:
            writing.append((path, _temporary(path, data, sync=False, pid=pid)))
            if len(writing) >= SYNC_CHUNK:
                if syncing is not None:
                    syncing.place()
                syncing, writing = _ChunkSync(writing, folders), []
        if syncing is not None:
            syncing.place()
        if writing:
            syncing, writing = _ChunkSync(writing, folders), []
            syncing.place()
        for folder in folders.values():
            _sync_folder(folder)
    finally:
        if syncing is not None:
            syncing.join()  # never left running (its error, if any, is the one raised already)
        for chunk in (writing, syncing.chunk if syncing is not None else []):
            for _, tmp in chunk:  # left only when something failed
                _remove(tmp)


def stage(path: Path, data: bytes) -> str:
    """``data`` written to a new temporary file beside ``path`` (``.<name>.<host>-<pid>-<n>.part``, mode 0600), not
    flushed to disk: the temporary file's path, for :func:`place_staged`. A failure removes it and raises
    :class:`OutputError`."""
    return _temporary(path, data, sync=False)


def place_staged(groups: Sequence[Sequence[tuple[str, str | Path]]]) -> list[OutputError | None]:
    """Put groups of staged files (``(temporary, path)`` pairs from :func:`stage`, written by any process) in
    place: one sync of the filesystem flushes them all, then each is renamed to its path, then the folders
    are flushed, so a file at its path is whole and the renames survive a power loss once this returns.

    A group is one letter's files: each group's result is ``None`` when all its files are in place, else
    the error that stopped it, naming the file, as :func:`write_atomic` would raise it (the group's files
    not yet renamed are removed; the other groups go on).
    """
    staged = [pair for group in groups for pair in group]
    if not staged:
        return [None] * len(groups)
    folders = list(dict.fromkeys(os.path.dirname(path) for _, path in staged))
    _sync_filesystems(folders)
    results: list[OutputError | None] = []
    for group in groups:
        failed = None
        for tmp, path in group:
            if failed is not None:
                _remove(tmp)
                continue
            try:
                os.replace(tmp, path)
            except OSError as exc:
                failed = OutputError(f"cannot write the file: {why(exc)}", file=str(path))
                _remove(tmp)
        results.append(failed)
    for folder in folders:
        _sync_folder(folder)
    return results


def discard_staged(groups: Iterable[Iterable[tuple[str, str | Path]]]) -> None:
    """Remove staged files that will not be placed (they may hold PHI)."""
    for group in groups:
        for tmp, _ in group:
            _remove(tmp)


class _ChunkSync(threading.Thread):
    """The sync of one chunk of :func:`write_atomic_many`'s temporary files, started at once in a thread of its
    own; :meth:`place` waits for it, then renames them into place."""

    def __init__(self, chunk: list[tuple[Path, str]], known: dict[str, Path]) -> None:
        super().__init__(name="appeal-sync", daemon=True)
        self.chunk = chunk
        self.folders: dict[str, Path] = {}  # the chunk's folders (each temporary file is in its file's folder)
        for path, tmp in chunk:
            folder = os.path.dirname(tmp)
            if folder not in self.folders:
                self.folders[folder] = known.setdefault(folder, path.parent)
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            _sync_filesystems(list(self.folders.values()))
        except BaseException as exc:  # raised by place(), in the writing thread
            self.error = exc

    def place(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error
        chunk, placed = self.chunk, 0
        try:
            for path, tmp in chunk:
                _into_place(tmp, path)
                placed += 1
        finally:
            del chunk[:placed]  # what is left is removed by the caller


def _sync_filesystems(folders: Sequence[str | Path]) -> None:
    """Flush each filesystem the folders are on once (a case folder may be a mount of its own)."""
    seen: set[int] = set()
    for folder in folders:
        try:
            device = os.stat(folder).st_dev
        except OSError:
            device = -1  # the rename that follows reports the folder's problem
        if device not in seen:
            seen.add(device)
            _sync_filesystem(folder)


def _sync_filesystem(folder: str | Path) -> None:
    """Flush the filesystem ``folder`` is on (Linux ``syncfs``), not every filesystem of the machine as
    ``os.sync()`` does (that is the fallback); without either, nothing to flush with but ``fsync``."""
    syncfs = _find_syncfs()
    if syncfs is _no_syncfs:
        if hasattr(os, "sync"):
            os.sync()
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _no_syncfs(fd: int) -> int:
    return -1


@lru_cache(maxsize=1)
def _find_syncfs() -> Callable[[int], int]:
    if not sys.platform.startswith("linux"):
        return _no_syncfs
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return _no_syncfs


def _sync_folder(folder: str | Path) -> None:
    """Flush a folder's entries (the renames into it) to disk, where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # a folder that cannot be flushed (not POSIX, some network filesystems): its files are written
    finally:
        os.close(fd)


def _temporary(path: Path, data: bytes, sync: bool, pid: int | None = None) -> str:
    """``data`` in a new temporary file beside ``path`` (mode 0600, named by :func:`_create`; ``pid``: its
    argument), flushed to disk when ``sync`` (one file), else one of many synced together."""
    try:
        fd, tmp = _create(path, pid)
    except OSError as exc:
        raise OutputError(f"cannot write the file: {why(exc)}", file=str(path)) from None
    try:
        try:
            view = memoryview(data)
            while view:  # os.write may write less than asked (a signal, a full pipe): write the rest
                view = view[os.write(fd, view):]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write the file: {why(exc)}", file=str(path)) from None
        raise
    return tmp


_names = itertools.count(1)


def _create(path: Path, pid: int | None = None) -> tuple[int, str]:
    """A new temporary file ``.<name>.<host>-<pid>-<n>.part`` beside ``path``, mode 0600, open for writing:
    what ``tempfile.mkstemp`` would make, without its random names and checks (half the cost of writing a case
    file); ``mkstemp``, with the same prefix, when that name is taken. ``host`` and ``pid`` say whose it is
    (:func:`remove_leftovers`); ``pid``: this process's id, when the caller has it (one ``getpid`` for many
    files)."""
    folder, name = os.path.split(path)
    owner = f"{_host()}-{pid or os.getpid()}"
    tmp = os.path.join(folder, f".{name}.{owner}-{next(_names)}.part")
    try:
        return os.open(tmp, _CREATE, 0o600), tmp
    except FileExistsError:
        return tempfile.mkstemp(prefix=f".{name}.{owner}-", suffix=".part", dir=folder)


@lru_cache(maxsize=1)
def _host() -> str:
    """This machine in a temporary file's name: 8 hex digits of its name's SHA-1 (a folder on a shared disk is
    written by processes of several machines, and a process id means something on its own machine only)."""
    node = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
    return hashlib.sha1(node.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest()[:8]


_LEFTOVER = re.compile(r"\..+\.([0-9a-f]{8})-([0-9]+)-[^.]+\.part")


@contextmanager
def held(lock: Path, busy: Problem) -> Iterator[None]:
    """The block run holding the exclusive lock of the (empty) file ``lock``, made if missing; a lock another
    process holds is an :class:`OutputError` of the problem ``busy``, and the block does not run. The system
    releases it when the process ends, however it ends (``flock``): a killed run never leaves it held. Where
    there is no ``flock`` (Windows), or the file system refuses locks (some network shares), nothing is locked."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise OutputError(f"cannot open the lock file: {why(exc)}", file=str(lock)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError([busy]) from None
        except OSError:
            pass  # no locks on this file system: run unlocked, as before locks were taken
        yield
    finally:
        os.close(fd)


def remove_leftovers(folder: Path, unnamed: bool = False, own: bool = False) -> int:
    """Remove the temporary files in ``folder`` that a process of this machine, now gone, left (killed before
    it could remove them: they may hold PHI); the number removed. A file of a process still running, or of
    another machine, is left alone, as is any file not named as :func:`_create` names them unless ``unnamed``
    (``.<name>.<random>.part``, as versions before this one named them: whose they are cannot be told); this
    process's own only with ``own`` (when it writes no more there). Nothing is done where a process cannot be
    asked whether it runs without harming it (Windows)."""
    return _sweep(folder, unnamed, own)[0]


def listing_after_leftovers(folder: Path) -> set[str] | None:
    """:func:`remove_leftovers`, then the names left in ``folder``, from the same one listing (a folder of
    20,000 case files is read once); ``None`` when it cannot be listed."""
    return _sweep(folder, False, False)[1]


def _sweep(folder: Path, unnamed: bool, own: bool) -> tuple[int, set[str] | None]:
    host, me, removed = _host(), os.getpid(), 0
    names: set[str] = set()
    try:
        entries = os.scandir(folder)
    except OSError:
        return 0, None  # no folder yet (or none to read): nothing left there
    with entries:
        for entry in entries:
            name = entry.name
            if os.name == "posix" and name[:1] == "." and name.endswith(".part") \
                    and _left_behind(name, host, me, unnamed, own):
                try:
                    os.unlink(entry.path)
                    removed += 1
                    continue
                except OSError:
                    pass  # gone already, or a folder that refuses: writing there says so next
            names.add(name)
    return removed, names


def _left_behind(name: str, host: str, me: int, unnamed: bool, own: bool) -> bool:
    found = _LEFTOVER.fullmatch(name)
    if found is None:
        return unnamed
    if found[1] != host:
        return False  # another machine's: its process ids are not this machine's
    pid = int(found[2])
    return own if pid == me else not _running(pid)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: no signal, only the question
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process (or a number no process has: kept, to be safe)
    return not _ended(pid)


def _ended(pid: int) -> bool:
    """A process that has ended but is not yet reaped (a zombie: a killed batch's worker waits so until the
    system's first process collects it, which in some containers is never). Linux's /proc says; elsewhere
    (or when it cannot be read) it is taken as running."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
    except OSError:
        return False
    return bool(fields) and fields[0] in (b"Z", b"X")


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)


def _into_place(tmp: str, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write the file: {why(exc)}", file=str(path)) from None
        raise


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
