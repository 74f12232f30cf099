"""A batch's letters: staged without a flush in the workers, put in place after one sync of the filesystem,
and only then logged as done; names claimed by one symlink each."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys

import pytest

from appeal.commands.batch import place
from appeal.commands.batch.place import Placer
from appeal.commands.batch.summary import Outcome
from appeal.deliver import files
from appeal.deliver.files import case_key, claim_stem, stage

from conftest import LETTER_DATE


def _staged(folder, n: int) -> Outcome:
    pairs = tuple((stage(folder / f"L{n}.{fmt}", f"{fmt} {n}".encode()), str(folder / f"L{n}.{fmt}"))
                  for fmt in ("docx", "pdf"))
    return Outcome(n, f"case-{n}", "written", (f"L{n}.docx", f"L{n}.pdf"), key=f"k{n}", staged=pairs)


def test_a_letter_is_told_only_once_its_files_are_synced_and_in_place(tmp_path, monkeypatch):
    syncs: list[set[str]] = []  # the names in place at each sync
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: syncs.append({p.name for p in tmp_path.glob("L*")}))
    told: list[Outcome] = []

    def tell(outcome: Outcome) -> None:
        assert syncs and not set(outcome.outputs) & syncs[-1], "a file got its name before its sync"
        assert all((tmp_path / name).read_bytes() == f"{name.rsplit('.', 1)[1]} {outcome.seq}".encode()
                   for name in outcome.outputs)
        told.append(outcome)

    placer = Placer(tell, every=60, most=4)
    for n in range(10):
        placer.add(_staged(tmp_path, n))
    placer.finish()
    assert [o.seq for o in told] == list(range(10)) and all(not o.staged for o in told)
    assert len(syncs) < 10  # one sync per chunk (1, 2, 4, ... letters), not one per letter
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"L{n}.{f}" for n in range(10)
                                                                for f in ("docx", "pdf"))


def test_a_letter_that_cannot_be_placed_fails_alone_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: None)
    (tmp_path / "L1.pdf").mkdir()  # a folder where the letter's PDF should go: its rename fails
    told: list[Outcome] = []
    placer = Placer(told.append, every=60)
    for n in range(3):
        placer.add(_staged(tmp_path, n))
    placer.finish()
    assert [(o.seq, o.status) for o in told] == [(0, "written"), (1, "failed"), (2, "written")]
    assert told[1].error == f"{tmp_path / 'L1.pdf'}: cannot write the file: " + os.strerror(errno.EISDIR)
    assert told[1].outputs == () and told[1].verdict == ""
    assert not list(tmp_path.glob(".*.part"))


def test_an_error_while_telling_still_removes_the_letters_not_placed(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: None)

    def tell(outcome: Outcome) -> None:
        raise RuntimeError("a bug while logging")

    placer = Placer(tell, every=60, most=1)
    placer.add(_staged(tmp_path, 0))
    placer.waiting.append(_staged(tmp_path, 1))  # not placed yet when the error comes
    with pytest.raises(RuntimeError):
        placer.finish()
    assert not list(tmp_path.glob(".*.part"))


def test_a_batch_flushes_no_file_one_at_a_time_and_logs_after_the_sync(tmp_path, monkeypatch, make_case):
    from appeal.commands.batch import manifest as manifest_module
    from appeal.commands.batch.runner import run_batch
    from appeal.settings import Settings

    cases = [make_case({"claim.number": f"SAMPLE-PLACE-{n}"}) for n in range(6)]
    out = tmp_path / "out"
    syncs: list[int] = []
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(files.os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd)))
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: syncs.append(len(list(out.glob("*.pdf")))))
    logged: list[int] = []
    record = manifest_module.Manifest.record

    def checked(self, outcome):
        assert syncs, "logged before any sync"
        assert all((out / name).is_file() for name in outcome.outputs)
        logged.append(outcome.seq)
        record(self, outcome)

    monkeypatch.setattr(manifest_module.Manifest, "record", checked)
    result = run_batch(cases, out, Settings(date=LETTER_DATE), jobs=1, today=dt.date(2026, 11, 27))
    assert [o.status for o in result.outcomes] == ["written"] * 6 and sorted(logged) == list(range(6))
    assert len(fsyncs) < 6  # a folder per chunk and the manifest at the end; never one per letter file
    assert not list(out.rglob("*.part"))


def test_names_are_claimed_by_one_symlink_holding_the_cases_key(tmp_path):
    names, out = tmp_path / "names", tmp_path / "out"
    out.mkdir()
    assert claim_stem(names, out, "Payer_1", "key-a") == "Payer_1"
    assert os.readlink(names / "Payer_1") == "key-a"
    assert claim_stem(names, out, "Payer_1", "key-b") == "Payer_1-2"  # held by another case
    assert claim_stem(names, out, "Payer_1", "key-a") == "Payer_1"  # the same case keeps its name
    (names / "Old_1").write_text("key-c\n")  # a marker as earlier versions wrote it
    assert claim_stem(names, out, "Old_1", "key-c") == "Old_1"
    assert claim_stem(names, out, "Old_1", "key-d") == "Old_1-2"
    (out / "Made_1.pdf").write_bytes(b"%PDF")  # a letter made outside the batch, for no known case
    assert claim_stem(names, out, "Made_1", "key-e") == "Made_1-2"
    assert not (names / "Made_1").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_the_case_key_is_the_hash_of_the_resolved_path(tmp_path):
    import hashlib

    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    case = real / "c.yaml"
    case.write_text("x")
    (real / "alias.yaml").symlink_to(case)
    for path in (tmp_path / "link" / "c.yaml", real / "alias.yaml", tmp_path / "link" / ".." / "real" / "c.yaml"):
        assert case_key(path) == hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:20] == case_key(case)


def test_the_placer_syncs_only_chunks_that_hold_files(tmp_path, monkeypatch):
    syncs: list[str] = []
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: syncs.append(str(folder)))
    told: list[Outcome] = []
    placer = Placer(told.append, every=60, most=1)
    for n in range(3):
        placer.add(Outcome(n, f"case-{n}", "skipped", key=f"k{n}"))
    placer.finish()
    assert [o.seq for o in told] == [0, 1, 2] and syncs == []
    assert place.EVERY <= 1  # a long run's letters appear, and are logged, at least every second


def test_a_batch_of_a_remittance_writes_its_case_files_with_one_sync(tmp_path, monkeypatch):
    from appeal.commands.batch.items import CaseFolder, iter_items
    from appeal.settings import Settings, Sources

    from x12_workspace import X12, make_workspace

    ws = make_workspace(tmp_path / "practice")
    sources = Sources.load(Settings(workspace=ws))
    syncs: list[str] = []
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: syncs.append(str(folder)))
    fsyncs: list[int] = []
    monkeypatch.setattr(files.os, "fsync", fsyncs.append)
    folder = tmp_path / "out" / "cases"
    items = list(iter_items([X12 / "08_synthetic_two_reasons_one_claim.835"], sources, "stamp", [],
                            cases=folder, today=dt.date(2026, 11, 27)))
    assert len(items) == 2 and syncs == [str(folder)] and len(fsyncs) == 1  # the folder, not each file
    assert all(os.path.isfile(item.source) for item in items)
    assert CaseFolder(folder).writes == []
