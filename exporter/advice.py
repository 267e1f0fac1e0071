"""What a person should do about each kind of problem the audit finds, and where it is explained.

The links go to the runbooks (docs/runbooks.md, one section per alert of the
mixin, anchored by the alert name in lower case, as the mixin's
`runbookURLPattern` makes them); the runbooks of a claim in doubt and of a
damaged stamp explain `dyt-emissions resolve`. Entries that need a decision also
get the exact `dyt-emissions resolve` commands, only those resolve accepts for
their state: `--check` for an intent in doubt (it compares the intent's evidence
with the node), `--paid` and `--not-paid` for every state. The exporter reads the
node's metrics, not its RPC, so `--check` names the RPC URL as `"$RPC"`: set it
first (the advice says so).
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
        "Compare the node with the intent's evidence (--check; set RPC to the node's RPC "
        "URL first, e.g. export RPC=http://dytallix-rpc:3030, which the exporter does not "
        "know), then record what happened with --paid or --not-paid."
    ),
    Status.CONFLICT: (
        "A stamp or intent records another amount or address for this place: the entry "
        "was edited after it was paid, or while in doubt. Put the entry back as it was "
        "paid, or give a new payment its own id. Or decide: --paid if the old record was "
        "this same payment, edited since; --not-paid if it was a different payment and "
        "this one must be paid too (the next run pays it). Either way the stamps or intents "
        "that caused the conflict are moved to .state/resolved/, kept for audit."
    ),
    Status.DAMAGED: (
        "The stamp cannot be read, so the entry is neither paid nor payable. Look up the "
        "recipient's balance and the chain's history on the node (resolve --check only "
        "answers for claims in doubt), then record the decision: --paid writes a valid "
        "stamp; --not-paid moves the damaged stamp to .state/resolved/ and the next run "
        "pays the entry."
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
        "of this payment and would pay again. Suspend the runner's CronJob now, confirm the "
        "payment on the node, then record it with resolve --paid before resuming."
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
        key = state.entry.key
        if state.status == Status.IN_DOUBT:
            return Advice(text, url, self.resolve_commands(key, check=True))
        if state.status in (Status.DAMAGED, Status.CONFLICT):
            return Advice(text, url, self.resolve_commands(key, schedule=True))
        return Advice(text, url)

    def for_mismatch(self, kind: str, key: str) -> Advice:
        text = _MISMATCH_ADVICE.get(kind, "Explain the record.")
        commands: tuple[str, ...] = ()
        if kind == "orphan_intent":
            commands = self.resolve_commands(key, check=True)
        elif kind == "applied_without_stamp":
            commands = self.resolve_commands(key, schedule=True)[:1]  # --paid only
        return Advice(text, self.runbook(_TOPIC_ALERTS["mismatch"]), commands)

    def for_topic(self, topic: str, text: str) -> Advice:
        return Advice(text, self.runbook(_TOPIC_ALERTS[topic]))

    def resolve_commands(
        self, key: str, *, check: bool = False, schedule: bool = False
    ) -> tuple[str, ...]:
        """The commands that record a person's decision on `key` (and check it first).

        `check`: the key has an intent, so `--check` can compare it with the node; it
        needs the node's RPC URL, which the exporter does not know: `"$RPC"` is left
        for the shell. `schedule`: name the schedule file too (resolve needs it for a
        damaged or conflicting entry).
        """
        base = ["dyt-emissions", "resolve", key]
        if self.log_dir is not None:
            base += ["--log-dir", str(self.log_dir)]
        if schedule and self.schedule is not None:
            base += ["--schedule", str(self.schedule)]
        paid = shlex.join([*base, "--paid", "--by", "YOUR_NAME", "--reason", "WHY"])
        not_paid = shlex.join([*base, "--not-paid", "--by", "YOUR_NAME", "--reason", "WHY"])
        if not check:
            return (paid, not_paid)
        return (shlex.join([*base, "--check"]) + ' --rpc-url "$RPC"', paid, not_paid)
