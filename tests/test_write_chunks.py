"""write_atomic_many's chunks: each synced in a thread while the next is written, renamed only after its sync,
the folder flushed once at the end; a failing sync stops the writing and leaves no temporary file."""

from __future__ import annotations

import os
import threading

import pytest

from appeal.deliver import files
from appeal.deliver.files import write_atomic_many, write_texts_atomic


def test_a_chunk_is_renamed_only_after_its_sync_and_the_folder_flushed_once(tmp_path, monkeypatch):
    seen: list[tuple[int, int, bool]] = []  # at each sync: files at their names, temporary files, in a thread

    def sync(folder):
        names = os.listdir(folder)
        parts = sum(1 for n in names if n.endswith(".part"))
        seen.append((len(names) - parts, parts, threading.current_thread() is not threading.main_thread()))

    folder_syncs: list = []
    monkeypatch.setattr(files, "_sync_filesystem", sync)
    monkeypatch.setattr(files, "_sync_folder", folder_syncs.append)
    count = 3 * files.SYNC_CHUNK + 7
    write_texts_atomic((tmp_path / f"case-{i}.yaml", f"case {i}") for i in range(count))
    chunk = files.SYNC_CHUNK
    # each sync sees its own chunk (and perhaps some of the next, being written meanwhile) not yet at their names,
    # and the chunks before it placed
    assert [placed for placed, _, _ in seen] == [0, chunk, 2 * chunk, 3 * chunk]
    assert all(parts >= (chunk if n < 3 else 7) for n, (_, parts, _) in enumerate(seen))
    assert all(in_thread for _, _, in_thread in seen)
    assert folder_syncs == [tmp_path]  # once, at the end: each chunk's sync also flushed the renames before it
    assert sorted(os.listdir(tmp_path)) == sorted(f"case-{i}.yaml" for i in range(count))
    assert (tmp_path / "case-300.yaml").read_text() == "case 300\n"


def test_a_failing_sync_stops_the_writing_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    calls = []

    def sync(folder):
        calls.append(folder)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(files, "_sync_filesystem", sync)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomic_many((tmp_path / f"case-{i}.yaml", b"x\n") for i in range(3 * files.SYNC_CHUNK))
    names = os.listdir(tmp_path)
    assert not [n for n in names if n.endswith(".part")]
    assert len(names) == files.SYNC_CHUNK  # the first chunk, synced, is in place; the others never got a name
    assert threading.active_count() == 1  # no sync left running


def test_files_in_two_folders_each_folder_flushed(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    flushed: list = []
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: None)
    monkeypatch.setattr(files, "_sync_folder", flushed.append)
    write_atomic_many([(a / "1.yaml", b"1"), (b / "2.yaml", b"2"), (a / "3.yaml", b"3")])
    assert flushed == [a, b]
    assert (a / "3.yaml").read_bytes() == b"3" and (b / "2.yaml").read_bytes() == b"2"


def test_a_relative_path_is_written_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: None)
    write_texts_atomic([(tmp_path.__class__("case.yaml"), "text")])
    assert os.listdir(tmp_path) == ["case.yaml"] and (tmp_path / "case.yaml").read_text() == "text\n"


def test_a_temporary_name_already_taken_falls_back_to_a_random_one(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: None)
    taken = tmp_path / f".case.yaml.{files._host()}-{os.getpid()}-{next(files._names) + 1}.part"
    taken.write_text("someone else's")
    write_texts_atomic([(tmp_path / "case.yaml", "mine")])
    assert (tmp_path / "case.yaml").read_text() == "mine\n" and taken.read_text() == "someone else's"
    assert sorted(os.listdir(tmp_path)) == sorted(["case.yaml", taken.name])



def test_the_process_id_in_the_temporary_names_is_asked_once_for_many_files(tmp_path, monkeypatch):
    asked = []
    real = os.getpid
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: None)
    monkeypatch.setattr(files.os, "getpid", lambda: asked.append(1) or real())
    write_atomic_many((tmp_path / f"case-{i}.yaml", b"x") for i in range(files.SYNC_CHUNK + 1))
    assert len(asked) == 1 and len(os.listdir(tmp_path)) == files.SYNC_CHUNK + 1
