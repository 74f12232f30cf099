"""A batch worker freezes what outlives its first letter, then collects only what later letters make."""

from __future__ import annotations

from appeal.commands import batch


def test_a_worker_freezes_after_its_first_letter_and_collects_every_few_letters(monkeypatch):
    calls = []
    monkeypatch.setattr(batch.gc, "collect", lambda: calls.append("collect"))
    monkeypatch.setattr(batch.gc, "freeze", lambda: calls.append("freeze"))
    for made in range(1, 2 * batch.COLLECT_EVERY + 1):
        batch._collect(made)
    assert calls == ["collect", "freeze", "collect", "collect"]

