"""write_atomic_many: many files, each old or whole, one disk sync per chunk, nothing left behind."""

from __future__ import annotations

import stat

import pytest

from appeal.deliver import files
from appeal.deliver.files import write_atomic_many
from appeal.errors import OutputError


def test_every_file_is_written_whole_and_private(tmp_path, monkeypatch):
    syncs = []
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: syncs.append(folder))
    count = 2 * files.SYNC_CHUNK + 5
    (tmp_path / "case-7.yaml").write_text("old")
    write_atomic_many((tmp_path / f"case-{i}.yaml", f"text {i}\n".encode()) for i in range(count))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"case-{i}.yaml" for i in range(count))
    assert (tmp_path / "case-7.yaml").read_text() == "text 7\n"
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in tmp_path.iterdir() if p.name != "case-7.yaml")
    assert syncs == [tmp_path] * 3  # one per chunk, not one per file


def test_the_filesystem_sync_flushes_only_the_folders_filesystem(tmp_path):
    files._sync_filesystem(tmp_path)  # syncfs on Linux, os.sync elsewhere: must not fail
    assert files._find_syncfs() is not None


def test_a_failure_names_the_file_and_leaves_no_temporary_file(tmp_path):
    (tmp_path / "b.yaml").mkdir()  # a folder where a file should go: the rename fails
    with pytest.raises(OutputError) as failed:
        write_atomic_many([(tmp_path / "a.yaml", b"a"), (tmp_path / "b.yaml", b"b"), (tmp_path / "c.yaml", b"c")])
    assert "b.yaml" in str(failed.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]  # no .part file, c never placed
    assert (tmp_path / "a.yaml").read_bytes() == b"a"


def test_each_filesystem_of_the_folders_is_synced_once(tmp_path, monkeypatch):
    """Two folders on one filesystem: one sync; a folder on another filesystem (a mounted case folder): its own."""
    import os

    a, b, c = (tmp_path / n for n in "abc")
    for folder in (a, b, c):
        folder.mkdir()
    synced: list = []
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: synced.append(folder))
    real_stat = os.stat

    class Stat:
        def __init__(self, device: int) -> None:
            self.st_dev = device

    with monkeypatch.context() as patch:
        patch.setattr(files.os, "stat", lambda path: Stat(2) if str(path) == str(c) else Stat(real_stat(path).st_dev))
        files._sync_filesystems([a, b, c])
    assert synced == [a, c]
