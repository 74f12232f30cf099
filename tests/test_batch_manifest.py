"""The batch manifest: a line appended per letter made, folded into manifest.json once at the end, and
read back after a run that was killed before the end."""

from __future__ import annotations

import dataclasses
import json
import stat

from appeal.commands.batch.manifest import Manifest
from appeal.commands.batch.summary import Outcome


def _made(n: int) -> Outcome:
    return Outcome(n, f"case-{n}.yaml", "ok", (f"L{n}.docx", f"L{n}.pdf"), "specific-code-required",
                   key=f"{n:064x}")


def test_letters_are_appended_as_they_finish_and_the_manifest_is_written_once(tmp_path):
    path = tmp_path / "manifest.json"
    manifest = Manifest(path)
    for n in range(1, 201):
        manifest.record(_made(n))
    assert not path.exists()  # nothing rewritten while the run goes
    lines = manifest.log_path.read_text().splitlines()
    assert len(lines) == 200 and json.loads(lines[-1])["outputs"] == ["L200.docx", "L200.pdf"]
    assert stat.S_IMODE(manifest.log_path.stat().st_mode) == 0o600
    manifest.flush()
    assert not manifest.log_path.exists()
    done = json.loads(path.read_text())["done"]
    assert len(done) == 200
    assert done[f"{7:064x}"]["outputs"] == ["L7.docx", "L7.pdf"]
    assert done[f"{7:064x}"]["template"] == "specific-code-required"


def test_a_killed_run_is_read_back_from_its_log(tmp_path):
    path = tmp_path / "manifest.json"
    first = Manifest(path)
    first.record(_made(1))
    first.flush()  # an earlier, finished run
    killed = Manifest(path)
    killed.record(_made(2))
    killed.record(_made(3))
    with killed.log_path.open("a") as log:
        log.write('{"key": "' + f"{4:064x}" + '", "outp')  # the kill cut this line short
    for n in (1, 2, 3):
        (tmp_path / f"L{n}.docx").write_text("x")
        (tmp_path / f"L{n}.pdf").write_text("x")
    rerun = Manifest(path)
    assert all(rerun.complete(f"{n:064x}", tmp_path) for n in (1, 2, 3))
    assert rerun.complete(f"{4:064x}", tmp_path) is None  # made again
    rerun.record(_made(4))
    rerun.flush()
    assert set(json.loads(path.read_text())["done"]) == {f"{n:064x}" for n in (1, 2, 3, 4)}


def _keys_in_order(path) -> list[str]:
    """Every key of every object in the file, duplicates included (json.loads would keep only the last)."""
    pairs: list[str] = []

    def hook(items):
        pairs.extend(k for k, _ in items)
        return dict(items)

    json.loads(path.read_text(), object_pairs_hook=hook)
    return pairs


def test_a_letter_made_again_is_in_the_manifest_once_with_its_new_files(tmp_path):
    """A rerun that makes an earlier run's letter again (its files were deleted), after a killed run whose
    log is read back: every key is written once, never twice, and the newest entry is the one kept."""
    path = tmp_path / "manifest.json"
    first = Manifest(path)
    for n in (1, 2):
        first.record(_made(n))
    first.flush()
    killed = Manifest(path)
    killed.record(_made(3))  # the log is left behind
    rerun = Manifest(path)
    assert not rerun.log_path.exists()  # the killed run's log is folded in at once
    again = dataclasses.replace(_made(1), outputs=("L1-new.docx", "L1-new.pdf"))
    rerun.record(again)
    rerun.flush()
    keys = [k for k in _keys_in_order(path) if len(k) == 64]
    assert sorted(keys) == sorted({f"{n:064x}" for n in (1, 2, 3)})  # each once
    assert json.loads(path.read_text())["done"][f"{1:064x}"]["outputs"] == ["L1-new.docx", "L1-new.pdf"]


def test_a_run_that_made_nothing_leaves_the_manifest_as_it_was(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text('{"version": 1, "done": {}}')
    before = path.stat().st_mtime_ns
    Manifest(path).flush()
    assert path.stat().st_mtime_ns == before and not (tmp_path / "manifest.log").exists()


def test_without_a_ledger_the_parent_keeps_no_letter_facts(tmp_path):
    """Each outcome's ledger facts (with the patient's details) are dropped when nothing records them,
    so the parent does not grow with every letter of a long run."""
    import datetime as dt

    from appeal.commands.batch.runner import run_batch
    from appeal.settings import Settings

    from conftest import LETTER_DATE, UPMC

    result = run_batch([UPMC], tmp_path / "out", Settings(date=LETTER_DATE), jobs=1, today=dt.date(2026, 11, 27))
    assert [o.status for o in result.outcomes] == ["written"]
    assert result.outcomes[0].facts is None
