"""The claim journal: intents are durable, readable, removable and archived with a decision."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from runner.address import make_address
from runner.journal import ClaimJournal, DamagedIntent, Decision, Evidence, Intent

TO = make_address(bytes(20))
KEY = f"400_ai_module_incentives_{TO}_300000"
WRITTEN = datetime(2026, 12, 1, 10, 5, 1, tzinfo=UTC)


def intent(evidence: Evidence | None = None) -> Intent:
    return Intent(
        key=KEY,
        height=400,
        pool="ai_module_incentives",
        to=TO,
        amount_udrt=300000,
        run_id="20261201T100501Z-4f2a",
        written_at=WRITTEN,
        evidence=evidence or Evidence(node_height=420, balance_udrt=0, pool_udrt=4200000),
    )


def test_intent_is_written_as_documented_and_reads_back(tmp_path: Path) -> None:
    journal = ClaimJournal(tmp_path)

    journal.write(intent())

    record = json.loads((tmp_path / f"{KEY}.intent").read_text())
    assert record == {
        "v": 1,
        "key": KEY,
        "height": 400,
        "pool": "ai_module_incentives",
        "to": TO,
        "amount_udrt": 300000,
        "run_id": "20261201T100501Z-4f2a",
        "written_at": "2026-12-01T10:05:01Z",
        "evidence": {"node_height": 420, "balance_udrt": "0", "pool_udrt": "4200000"},
    }
    assert journal.all() == {KEY: intent()}
    assert journal.read(KEY) == intent()


def test_evidence_may_be_missing(tmp_path: Path) -> None:
    journal = ClaimJournal(tmp_path)
    blind = intent(Evidence(node_height=420, balance_udrt=None, pool_udrt=None))

    journal.write(blind)

    assert journal.read(KEY) == blind


def test_remove_is_durable_and_reports_absence(tmp_path: Path) -> None:
    journal = ClaimJournal(tmp_path)
    journal.write(intent())

    assert journal.remove(KEY) is True
    assert journal.remove(KEY) is False
    assert journal.all() == {}


def test_damaged_intent_is_still_an_intent(tmp_path: Path) -> None:
    (tmp_path / f"{KEY}.intent").write_text('{"v": 1, "key"')

    assert ClaimJournal(tmp_path).all() == {KEY: DamagedIntent(KEY, "truncated or malformed JSON")}


def test_archive_keeps_intent_and_decision_then_removes_intent(tmp_path: Path) -> None:
    journal = ClaimJournal(tmp_path)
    journal.write(intent())
    decided = datetime(2026, 12, 1, 10, 6, 0, tzinfo=UTC)
    decision = Decision("paid", "alice", "balance rose by the amount", decided, "run-2")

    first = journal.archive(KEY, decision)
    second = journal.archive(KEY, decision)

    assert first == tmp_path / "resolved" / f"{KEY}.20261201T100600Z.json"
    assert second == tmp_path / "resolved" / f"{KEY}.20261201T100600Z-2.json"
    assert json.loads(first.read_text()) == {
        "v": 1,
        "key": KEY,
        "intent": intent().to_record(),
        "decision": "paid",
        "decided_by": "alice",
        "reason": "balance rose by the amount",
        "decided_at": "2026-12-01T10:06:00Z",
        "run_id": "run-2",
        "removed_stamp": None,
        "entry_key": KEY,
    }
    assert json.loads(second.read_text())["intent"] is None
    assert journal.all() == {}
