"""A practice workspace for the remittance and batch tests (every name in it is FICTITIOUS)."""

from __future__ import annotations

from pathlib import Path

X12 = Path(__file__).parent / "data" / "x12"

PROFILE = """\
# SAMPLE practice profile: every name, number and address is FICTITIOUS.
practice:
  provider:
    name: Riverside Spine & Motion Clinic (sample)
    npi: "1234567893"
    address: [100 Example Street, "Springfield, PA 15000"]
  signer:
    name: Pat Example
    title: Billing Manager
code_defaults:
  "76496": {recording: yes, with_routine_exam: no}
payers:
  - name: Synthetic Health Plan
    id: "99999"
    address: [Appeals Unit, PO Box 1, "Anytown, ZZ 00000"]
    appeal_window_days: {reconsideration: 90}
  - name: Example Payer
    aliases: [PAYER]
    appeal_window_days: {reconsideration: 60, corrected-claim: 365}
"""


def make_workspace(root: Path, profile: str = PROFILE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "appeal.yaml").write_text(profile, encoding="utf-8")
    return root
