"""A batch worker freezes what outlives its first letter, then collects only what later letters make."""

from __future__ import annotations

from appeal.commands.batch import worker


def test_a_worker_freezes_after_its_first_letter_and_collects_every_few_letters(monkeypatch):
    calls = []
    monkeypatch.setattr(worker.gc, "collect", lambda: calls.append("collect"))
    monkeypatch.setattr(worker.gc, "freeze", lambda: calls.append("freeze"))
    for made in range(1, 2 * worker.COLLECT_EVERY + 1):
        worker.collect(made)
    assert calls == ["collect", "freeze", "collect", "collect"]

