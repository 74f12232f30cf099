"""A pool run lists its inputs in a process of its own while the letters are made: the items stream to the
runner, the number of items comes as soon as the remittance is parsed, and the progress bar hears it first."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import time
from pathlib import Path

import pytest

from appeal.commands.batch import items as items_module
from appeal.commands.batch.items import FIRST_CHUNK, iter_items
from appeal.commands.batch.reader import Reader
from appeal.commands.batch.runner import run_batch
from appeal.commands.batch.summary import Outcome
from appeal.deliver import files
from appeal.settings import Settings, Sources

from conftest import UPMC
from x12_workspace import X12, make_workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.remittance import simple  # noqa: E402  FICTITIOUS claims

F07 = X12 / "07_synthetic_carc189_76496.835"
F08 = X12 / "08_synthetic_two_reasons_one_claim.835"
TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "practice")


def listed(inputs: list[Path], ws: Path, cases: Path) -> list:
    """The items and the total, in the order they came: ``("total", n)`` among the items."""
    sources = Sources.load(Settings(workspace=ws))
    events: list = []
    for item in iter_items(inputs, sources, "stamp", [], TODAY, cases=cases,
                           total=lambda n: events.append(("total", n))):
        events.append(item)
    return events


def test_a_remittance_tells_its_number_of_items_before_the_first(ws, tmp_path):
    events = listed([F08], ws, tmp_path / "cases")
    assert events[0] == ("total", 2)
    assert [item.seq for item in events[1:]] == [0, 1]


def test_the_total_comes_when_the_last_input_is_read_and_counts_every_input(ws, tmp_path):
    events = listed([UPMC, tmp_path / "missing.yaml", F08], ws, tmp_path / "cases")
    totals = [n for n, event in enumerate(events) if isinstance(event, tuple)]
    assert totals == [2] and events[2] == ("total", 4)  # after the two items of the first inputs
    assert isinstance(events[1], Outcome) and events[1].status == "unreadable"
    assert len(events) == 5


def test_a_table_as_last_input_tells_its_total_after_its_last_item(ws, tmp_path):
    table = tmp_path / "claims.csv"
    table.write_text("payer.name,claim.number\nUPMC Health Plan,SAMPLE-1\n", encoding="utf-8")
    events = listed([F07, table], ws, tmp_path / "cases")
    assert events[-1] == ("total", len(events) - 1)


def test_a_remittance_without_denials_counts_none(ws, tmp_path):
    paid = tmp_path / "paid.835"
    paid.write_text(simple(2).replace("*4*500.04*0**", "*1*500.04*500.04**").replace("CAS*CO*189*500.04~", ""))
    events = listed([UPMC, paid], ws, tmp_path / "cases")
    assert events[1] == ("total", 1) and len(events) == 2


def test_the_first_case_files_are_written_in_small_chunks_then_larger(ws, tmp_path, monkeypatch):
    source = tmp_path / "many.835"
    source.write_text(simple(3 * FIRST_CHUNK + 5))
    syncs: list[int] = []
    written = items_module.write_texts_atomic

    def counting(writes):
        syncs.append(len(writes))
        return written(writes)

    monkeypatch.setattr(items_module, "write_texts_atomic", counting)
    events = listed([source], ws, tmp_path / "cases")
    assert events[0] == ("total", 3 * FIRST_CHUNK + 5)
    assert syncs == [FIRST_CHUNK, 2 * FIRST_CHUNK, 5]
    assert all(os.path.isfile(item.source) for item in events[1:])


def test_a_reader_streams_the_items_of_a_reading_process(ws, tmp_path):
    settings = Settings(workspace=ws)
    listing = ([F08, tmp_path / "missing.yaml"], settings, "stamp", TODAY, None, tmp_path / "cases")
    reader = Reader(listing, multiprocessing.get_context("forkserver"))
    got: list = []
    deadline = time.monotonic() + 60
    while not reader.done and time.monotonic() < deadline:
        reader.arrived.result(timeout=60)
        got += reader.take(100)
    reader.close()
    assert reader.total == 3
    assert [getattr(item, "kind", "outcome") for item in got] == ["case", "case", "outcome"]
    assert all(os.path.isfile(item.source) for item in got[:2])


def test_a_reader_stopped_while_it_reads_leaves_no_temporary_file(ws, tmp_path):
    source = tmp_path / "many.835"
    source.write_text(simple(600))
    listing = ([source], Settings(workspace=ws), "stamp", TODAY, None, tmp_path / "cases")
    reader = Reader(listing, multiprocessing.get_context("forkserver"))
    reader.arrived.result(timeout=60)
    reader.close()
    assert reader._process.exitcode is not None  # stopped (or finished), and waited for
    assert not list((tmp_path / "cases").glob(".*.part"))


def test_an_error_of_the_reading_process_is_raised_in_the_runner(ws, tmp_path, monkeypatch):
    from appeal.commands.batch import reader as reader_module

    def broken(*args, **kwargs):
        yield from ()
        raise RuntimeError("a bug while listing")

    monkeypatch.setattr(reader_module, "iter_items", broken)
    listing = ([F08], Settings(workspace=ws), "stamp", TODAY, None, tmp_path / "cases")
    reader = Reader(listing, multiprocessing.get_context("fork"))  # forked: the patched module goes along
    reader.arrived.result(timeout=60)
    with pytest.raises(RuntimeError, match="a bug while listing"):
        reader.take(10)
    assert not reader.done
    reader.close()


def test_a_pool_run_tells_the_progress_its_total_before_any_outcome(ws, tmp_path, monkeypatch):
    monkeypatch.setattr(files, "_sync_filesystem", lambda folder: None)
    source = tmp_path / "many.835"
    source.write_text(simple(12))
    heard: list = []
    result = run_batch([source, UPMC], tmp_path / "out", Settings(workspace=ws, date=TODAY), jobs=2,
                       formats=("docx",), progress=lambda outcome: heard.append(outcome.status),
                       started=lambda total: heard.append(("total", total)), today=TODAY)
    assert heard[0] == ("total", 13)
    assert heard[1:] == ["written"] * 13
    assert result.count("written") == 13
    assert [outcome.seq for outcome in result.outcomes] == list(range(13))


def test_a_case_file_just_written_has_the_key_of_its_bytes_on_disk(ws, tmp_path):
    """The reader hashes the bytes it wrote instead of reading the file again: the key is the same as when a
    later run reads the file (so that run skips the letter), and an edited file is read and used as it is."""
    cases = tmp_path / "cases"
    first = [event for event in listed([F08], ws, cases) if not isinstance(event, tuple)]
    again = [event for event in listed([F08], ws, cases) if not isinstance(event, tuple)]
    assert [item.key for item in first] == [item.key for item in again]
    assert [item.source for item in first] == [item.source for item in again]
    edited = Path(first[0].source)
    edited.write_text(edited.read_text(encoding="utf-8") + "# checked by the biller\n", encoding="utf-8")
    third = [event for event in listed([F08], ws, cases) if not isinstance(event, tuple)]
    assert third[0].key != first[0].key and third[1].key == first[1].key
    assert edited.read_text(encoding="utf-8").endswith("# checked by the biller\n")


def test_a_reader_sends_the_warnings_of_the_inputs(ws, tmp_path):
    listing = ([X12 / "05_lfh_secondary_payment.835", X12 / "10_synthetic_followup_decisions.835"],
               Settings(workspace=ws), "stamp", TODAY, None, tmp_path / "cases")
    expected: list[str] = []
    sources = Sources.load(Settings(workspace=ws))
    count = sum(1 for _ in iter_items(listing[0], sources, "stamp", expected, TODAY, cases=tmp_path / "direct"))
    reader = Reader(listing, multiprocessing.get_context("forkserver"))
    got: list = []
    while not reader.done:
        reader.arrived.result(timeout=60)
        got += reader.take(100)
    reader.close()
    assert len(got) == count and len(expected) >= 2
    assert [w.replace(str(tmp_path / "direct"), "") for w in expected] == \
        [w.replace(str(tmp_path / "cases"), "") for w in reader.warnings]
