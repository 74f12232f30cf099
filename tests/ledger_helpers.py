"""A workspace whose ledger holds the appeals of two sample remittances (every name is FICTITIOUS), and a
PostgreSQL database for the tests that run on both engines."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from x12_workspace import PROFILE as BASE_PROFILE
from x12_workspace import X12, make_workspace

F07 = X12 / "07_synthetic_carc189_76496.835"
F08 = X12 / "08_synthetic_two_reasons_one_claim.835"
FOLLOWUP = X12 / "10_synthetic_followup_decisions.835"
DATE = "2026-11-27"
PG_ENV = "APPEAL_TEST_PG_URL"


def _profile() -> str:
    """The batch tests' profile, plus second levels and a payer's response time (the CO-97 therapy lines get the
    generic letter, which needs no facts)."""
    profile = BASE_PROFILE
    additions = (
        ("appeal_window_days: {reconsideration: 90}",
         "appeal_window_days: {reconsideration: 90, second-level: 60}\n    response_days: {reconsideration: 45}"),
        ("{reconsideration: 60, corrected-claim: 365}", "{reconsideration: 60, corrected-claim: 365, second-level: 30}"))
    for old, new in additions:
        assert old in profile
        profile = profile.replace(old, new)
    return profile


PROFILE = _profile()


def cli(*args, env: dict | None = None):
    from appeal.cli import cli as command

    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False, env=env)


def as_json(result) -> dict:
    return json.loads(result.stdout)


def make_ledger_workspace(root: Path) -> tuple[Path, Path]:
    """``(workspace, out)`` after ``batch`` of 07 and 08: four appeals, drafted."""
    ws = make_workspace(root / "practice", PROFILE)
    out = root / "out"
    result = cli("batch", F07, F08, "-o", out, "--workspace", ws, "--date", DATE, "--jobs", "1")
    assert result.exit_code == 0, result.stderr
    return ws, out


def copy_workspace(base: tuple[Path, Path], to: Path) -> Path:
    ws = to / "practice"
    shutil.copytree(base[0], ws)
    return ws


def pg_url() -> str:
    """The PostgreSQL URL the tests may use, or a skip with the reason."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server for this run (.ci/run starts one)")
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            pass
    except Exception as exc:  # any failure to connect means: no server here
        pytest.skip(f"no PostgreSQL server answers at {PG_ENV} ({type(exc).__name__})")
    return url


def fresh_pg(url: str) -> str:
    """Drop the ledger's tables so each test starts from an empty database."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS events, letters, appeals, denials, ledger_meta CASCADE")
    return url
