#!/usr/bin/env bash
# Regenerate docs/ledger-stats.png, the README's picture of `appeal track stats --png`: the tests' sample
# ledger (two fictitious remittances batched, three appeals sent, the follow-up remittance reconciled).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
.venv/bin/python - "$tmp" <<'PY'
import sys
from pathlib import Path

sys.path.insert(0, "tests")
from ledger_helpers import FOLLOWUP, cli, make_ledger_workspace  # noqa: E402
from test_reconcile import send_three  # noqa: E402

ws, out = make_ledger_workspace(Path(sys.argv[1]))
send_three(ws, out)
assert cli("track", "reconcile", FOLLOWUP, "--workspace", ws).exit_code == 0
result = cli("track", "stats", "--png", "docs/ledger-stats.png", "--workspace", ws)
assert result.exit_code == 0, result.stderr
print(result.stdout)
PY
