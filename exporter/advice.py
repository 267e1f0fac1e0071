"""What a person should do about each kind of problem the audit finds, and where it is explained.

The links go to the runbooks (docs/runbooks.md, one section per alert of the
mixin, anchored by the alert name in lower case, as the mixin's
`runbookURLPattern` makes them); the runbooks of a claim in doubt and of a
damaged stamp explain `dyt-emissions resolve`. Entries that need it also get the
exact `dyt-emissions resolve` commands to run (`--check` asks the node at $RPC).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from runner.ledger import EntryState, Status

# Where the project's docs are published; the mixin's runbook URLs use the same base.
DEFAULT_DOCS_URL = "https://github.com/dytallix/dyt-emissions/blob/main/docs/"

_ENTRY_ALERTS: dict[Status, str] = {
    Status.IN_DOUBT: "DytEmissionClaimInDoubt",
    Status.CONFLICT: "DytEmissionEntryConflict",
    Status.DAMAGED: "DytEmissionStampDamaged",
    Status.MISSED: "DytEmissionEntriesMissed",
    Status.DUE: "DytEmissionEntriesMissed",  # what happens if it stays unpaid
}
_ENTRY_ADVICE: dict[Status, str] = {
    Status.IN_DOUBT: (
        "The claim was sent and no answer came back; it is never sent again by itself. "
        "Compare the node with the intent's evidence, then record what happened."
    ),
    Status.CONFLICT: (
        "A stamp records another amount or address for this place: the entry was edited "
        "after it was paid. Put the entry back as it was paid, or give the new payment "
        "its own id."
    ),
    Status.DAMAGED: (
        "The stamp cannot be read, so the entry is neither paid nor payable. Check the "
        "recipient's balance on the node, then record the decision."
    ),
    Status.MISSED: (
        "Due for longer than the grace and still unpaid: look at the runner's last runs "
        "and its errors (is the CronJob running? do claims fail?)."
    ),
    Status.DUE: "Due and unpaid; the next run of the runner pays it.",
}
_MISMATCH_ADVICE: dict[str, str] = {
    "orphan_stamp": (
        "A stamp whose key no schedule entry has: an entry was removed or edited after it "
        "was paid. Nothing is paid twice; explain the record."
    ),
    "orphan_intent": (
        "An intent whose key no schedule entry has: a claim may have been sent for an entry "
        "that is gone. Check the node and resolve the key."
    ),
    "applied_without_stamp": (
        "A log line says the claim was applied but no stamp exists: the runner does not know "
        "of this payment and would pay again. Record it with resolve --paid."
    ),
    "stamp_without_log": (
        "A stamp with no log line inside the log retention: the stamp was written by hand, "
        "or the logs were lost. Explain the record."
    ),
}
# Problems outside single entries: the alert that covers each.
_TOPIC_ALERTS: dict[str, str] = {
    "schedule_invalid": "DytEmissionScheduleInvalid",
    "node_unreachable": "DytEmissionNodeMetricsUnreachable",
    "logs_unreadable": "DytEmissionLogsUnreadable",
    "state_unreadable": "DytEmissionStateUnreadable",
    "shortfall": "DytEmissionPoolShortfall",
    "mismatch": "DytEmissionLedgerMismatch",
}


@dataclass(frozen=True, slots=True)
class Advice:
    """What to do, the section that explains it, and commands to run (may be empty)."""

    text: str
    url: str | None
    commands: tuple[str, ...] = ()


class Advisor:
    """Builds the advice for one deployment (its docs URL and log folder)."""

    def __init__(
        self,
        docs_url: str = DEFAULT_DOCS_URL,
        log_dir: Path | None = None,
        schedule: Path | None = None,
    ) -> None:
        self.docs_url = docs_url if docs_url.endswith("/") else docs_url + "/"
        self.log_dir = log_dir
        self.schedule = schedule

    def runbook(self, alert: str) -> str:
        return f"{self.docs_url}runbooks.md#{alert.lower()}"

    def for_entry(self, state: EntryState) -> Advice | None:
        text = _ENTRY_ADVICE.get(state.status)
        if text is None:
            return None
        url = self.runbook(_ENTRY_ALERTS[state.status])
        if state.status == Status.IN_DOUBT:
            return Advice(text, url, self.resolve_commands(state.entry.key))
        if state.status == Status.DAMAGED:
            return Advice(text, url, self.resolve_commands(state.entry.key, schedule=True))
        return Advice(text, url)

    def for_mismatch(self, kind: str, key: str) -> Advice:
        text = _MISMATCH_ADVICE.get(kind, "Explain the record.")
        commands: tuple[str, ...] = ()
        if kind in ("orphan_intent", "applied_without_stamp"):
            commands = self.resolve_commands(key)
        return Advice(text, self.runbook(_TOPIC_ALERTS["mismatch"]), commands)

    def for_topic(self, topic: str, text: str) -> Advice:
        return Advice(text, self.runbook(_TOPIC_ALERTS[topic]))

    def resolve_commands(self, key: str, *, schedule: bool = False) -> tuple[str, ...]:
        """The commands that check, then record, a person's decision on `key`.

        `schedule`: name the schedule file too (resolve needs it for a damaged stamp).
        """
        base = ["dyt-emissions", "resolve", key]
        if self.log_dir is not None:
            base += ["--log-dir", str(self.log_dir)]
        if schedule and self.schedule is not None:
            base += ["--schedule", str(self.schedule)]
        check = shlex.join([*base, "--check"])
        paid = shlex.join([*base, "--paid", "--by", "YOUR_NAME", "--reason", "WHY"])
        not_paid = shlex.join([*base, "--not-paid", "--by", "YOUR_NAME", "--reason", "WHY"])
        return (check, paid, not_paid)
