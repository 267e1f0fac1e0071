"""`dyt-emissions resolve KEY`: a person's decision on an entry the runner will not touch.

- `--check`: compare the intent's evidence with what the node says now (read-only).
- `--paid`: the entry was paid. Writes its stamp (who decided, why) and archives the
  intent; the runner never claims it again.
- `--not-paid`: the entry was not paid. Archives the intent (in doubt), or the damaged
  or conflicting stamp that stands in the way, so the next run pays it once.

Both decisions take the state folder's lock, keep a record under `.state/resolved/` and
write a `resolve` log line naming who decided what. Exit codes: 0 done, 2 a bad key or
flag (nothing changed), 3 a runner holds the lock, 4 the node could not be asked.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from runner.durable import UnsafePathError, remove_durably
from runner.journal import ClaimJournal, DamagedIntent, Decision, Intent
from runner.ledger import PAYABLE, EntryState, Status, classify
from runner.lock import LockHeld, StateUnwritable, state_lock
from runner.logline import LogWriter, format_timestamp, format_value, new_run_id, utc_now
from runner.node_client import InvalidNodeUrl, NodeClient, NodeUnavailable
from runner.payment_check import check_payment, stamps_to
from runner.schedule import Entry, ScheduleError, load_schedule
from runner.stamps import Stamp, StampStore
from runner.state_folder import STAMP_SUFFIX, is_valid_key, state_folder
from runner.summary import EXIT_INVALID_INPUT, EXIT_LOCKED, EXIT_NODE_FAILED, EXIT_OK


class ResolveError(Exception):
    """Nothing to resolve under this key, or not this way; the message says why."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", metavar="KEY", help="the entry's key (its id, or the legacy key)")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--paid", action="store_true", help="record that the entry was paid")
    action.add_argument(
        "--not-paid", action="store_true", help="record that it was not: the next run pays it"
    )
    action.add_argument(
        "--check", action="store_true", help="ask the node what it says now; change nothing"
    )
    parser.add_argument("--reason", help="why you decided so (required with --paid/--not-paid)")
    parser.add_argument("--by", help="who decided (default: the login name)")
    parser.add_argument("--log-dir", type=Path, help="logs volume (default $LOG_DIR)")
    parser.add_argument("--rpc-url", help="the node's RPC URL, for --check (default $RPC)")
    parser.add_argument(
        "--schedule",
        type=Path,
        help="schedule file, for damaged and conflicting entries (default $SCHEDULE)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="node request timeout")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def main(args: argparse.Namespace) -> int:
    log_dir = args.log_dir or _env_path("LOG_DIR")
    if log_dir is None:
        return _fail("missing --log-dir (or LOG_DIR)", EXIT_INVALID_INPUT)
    if not is_valid_key(args.key):
        return _fail(f"{args.key!r} is not an entry key", EXIT_INVALID_INPUT)
    resolver = Resolver(log_dir, args)
    try:
        if args.check:
            return resolver.check()
        return resolver.decide()
    except ResolveError as error:
        return _fail(str(error), EXIT_INVALID_INPUT)
    except LockHeld as error:
        return _fail(str(error), EXIT_LOCKED)
    except StateUnwritable as error:
        return _fail(
            f"{error}; nothing was changed. resolve must run where the logs volume is"
            " writable: e.g. a pod that mounts it read-write, with the CronJob suspended",
            EXIT_INVALID_INPUT,
        )
    except UnsafePathError as error:
        return _fail(str(error), EXIT_INVALID_INPUT)
    except NodeUnavailable as error:
        return _fail(f"cannot ask the node: {error}", EXIT_NODE_FAILED)


@dataclass(frozen=True, slots=True)
class _Found:
    """What stands under the key: the intent in doubt, or the entry and its state."""

    intent: Intent | DamagedIntent | None
    state: EntryState | None


class Resolver:
    """Carries out `resolve` on one key of one state folder."""

    def __init__(self, log_dir: Path, args: argparse.Namespace) -> None:
        self.log_dir = log_dir
        self.args = args
        self.key: str = args.key
        self.state_dir = state_folder(log_dir)
        self.stamps = StampStore(self.state_dir)
        self.journal = ClaimJournal(self.state_dir)

    def check(self) -> int:
        intent = self.journal.read(self.key)
        if intent is None:
            raise ResolveError(f"{self.key} is not in doubt: there is no intent under this key")
        if isinstance(intent, DamagedIntent):
            raise ResolveError(
                f"the intent of {self.key} is damaged ({intent.reason}): decide by hand"
            )
        rpc_url = self.args.rpc_url or os.environ.get("RPC")
        if not rpc_url:
            raise ResolveError("--check needs --rpc-url (or RPC)")
        try:
            node = NodeClient(rpc_url, self.args.timeout)
        except InvalidNodeUrl as error:
            raise ResolveError(str(error)) from error
        with node:
            stats = node.stats()
            balance = node.balance(intent.to)
        paid_to = stamps_to(intent.to, self.stamps.scan())
        verdict = check_payment(intent, balance, paid_to, self.journal.all())

        evidence = intent.evidence
        facts: dict[str, object] = {
            "key": self.key,
            "answer": verdict.answer,
            "reason": verdict.reason,
            "amount_udrt": intent.amount_udrt,
            "to": intent.to,
            "intent_written_at": format_timestamp(intent.written_at),
            "intent_run": intent.run_id,
            "balance_before_udrt": verdict.balance_before,
            "balance_now_udrt": verdict.balance_now,
            "known_payments_since_udrt": verdict.known_since_udrt,
            "height_before": evidence.node_height,
            "height_now": stats.height,
            "pool_before_udrt": evidence.pool_udrt,
            "pool_now_udrt": stats.pools.get(intent.pool),
        }
        if self.args.json:
            _out(json.dumps(facts))
        else:
            _out(" ".join(f"{k}={format_value(str(v))}" for k, v in facts.items()))
            _out(_ADVICE[verdict.answer].format(key=self.key))
        return EXIT_OK

    def decide(self) -> int:
        reason = self.args.reason
        if not reason:
            raise ResolveError("--paid and --not-paid need --reason TEXT")
        by = self.args.by or _login_name()
        if not by:
            raise ResolveError("cannot tell who you are: give --by NAME")
        decision_word = "paid" if self.args.paid else "not_paid"
        now = utc_now()
        run_id = new_run_id(now)
        decision = Decision(decision_word, by, reason, now, run_id)

        with state_lock(self.state_dir):
            found = self._find()
            if self.args.paid:
                what, retired = self._decide_paid(found, decision)
            else:
                what, retired = self._decide_not_paid(found, decision)
            log = LogWriter(self.log_dir, run_id)
            log.write(
                "resolve",
                key=self.key,
                decision=decision_word,
                by=by,
                reason=reason,
                was=what,
                retired=",".join(retired) or None,
                status="resolved",
            )
            log.close()
        message = f"resolved {self.key}: {decision_word} (was {what}), decided by {by}"
        if retired:
            message += f"; moved to resolved/: {', '.join(retired)}"
        facts = {"key": self.key, "decision": decision_word, "was": what, "by": by}
        _out(json.dumps({**facts, "retired": retired}) if self.args.json else message)
        return EXIT_OK

    def _find(self) -> _Found:
        intent = self.journal.read(self.key)
        stamp = self.stamps.read(self.key)
        if self._schedule_path() is None:
            if intent is not None and stamp is None:
                return _Found(intent, None)  # in doubt: the intent holds all it takes
            if isinstance(stamp, Stamp) and intent is None:
                raise ResolveError(self._already_paid())
            raise ResolveError(
                f"{self.key} is not in doubt; to resolve a damaged or conflicting entry,"
                " or to record a payment, give --schedule (or SCHEDULE)"
            )
        if isinstance(intent, Intent) and stamp is None:
            return _Found(intent, None)
        state = self._entry_state()
        if state is None:
            if intent is not None:
                return _Found(intent, None)  # an orphan intent, even a damaged one
            raise ResolveError(f"no schedule entry and no intent has the key {self.key}")
        return _Found(intent, state)

    def _entry_state(self) -> EntryState | None:
        path = self._schedule_path()
        assert path is not None
        try:
            schedule = load_schedule(path)
        except ScheduleError as error:
            raise ResolveError(f"the schedule is invalid: {error}") from error
        # Beyond every height: whether an entry has fallen due yet does not matter here,
        # only whether it is paid, in doubt, damaged or in conflict.
        beyond = 2**64
        ledger = classify(schedule.entries, self.stamps.scan(), self.journal.all(), beyond)
        for state in ledger.entries:
            if state.entry.key == self.key:
                if state.status is Status.APPLIED:
                    raise ResolveError(self._already_paid())
                return state
        return None

    def _already_paid(self) -> str:
        path = self.state_dir / (self.key + STAMP_SUFFIX)
        return f"{self.key} is already paid (stamp {path}): nothing to resolve"

    def _decide_paid(self, found: _Found, decision: Decision) -> tuple[str, list[str]]:
        """Stamp the entry, then retire what stood in the way; returns (was, retired)."""
        if found.state is None:
            assert isinstance(found.intent, Intent | DamagedIntent)
            source: Intent | Entry | DamagedIntent = found.intent
            was = Status.IN_DOUBT.value
        else:
            source = found.state.entry
            # Classified beyond every height, an unpaid entry reads as missed: say unpaid.
            payable = found.state.status in PAYABLE
            was = "unpaid" if payable else found.state.status.value
        if isinstance(source, DamagedIntent):
            raise ResolveError(
                f"the intent of {self.key} is damaged ({source.reason}); give --schedule"
                " so the stamp can take the entry's fields from it"
            )
        stamp = Stamp(
            key=self.key,
            height=source.height,
            pool=source.pool,
            to=source.to,
            amount_udrt=source.amount_udrt,
            paid_at=decision.decided_at,
            run_id=decision.run_id,
            decided_by=decision.decided_by,
            reason=decision.reason,
        )
        replaced = self._stamp_text(self.key)
        if replaced is not None:
            # A damaged or conflicting stamp under this key: keep its bytes, then replace.
            self.journal.archive(self.key, decision, removed_stamp=replaced)
            self.stamps.write(stamp)
        else:
            # The stamp first: a crash before the orphans are retired leaves the entry paid.
            self.stamps.write(stamp)
            self.journal.archive(self.key, decision)
        return was, self._retire_orphans(found.state, decision)

    def _decide_not_paid(self, found: _Found, decision: Decision) -> tuple[str, list[str]]:
        state = found.state
        if state is None or state.status is Status.IN_DOUBT:
            self.journal.archive(self.key, decision)
            return Status.IN_DOUBT.value, []
        if state.status is Status.DAMAGED:
            removed = self._stamp_text(self.key)
            self.journal.archive(self.key, decision, removed_stamp=removed)
            if removed is not None:
                remove_durably(self.state_dir, self.key + STAMP_SUFFIX)
            return state.status.value, []
        if state.status is Status.CONFLICT and state.conflict_key == self.key:
            # An `id` entry whose own stamp records other fields: that stamp goes.
            removed = self._stamp_text(self.key)
            self.journal.archive(self.key, decision, removed_stamp=removed)
            remove_durably(self.state_dir, self.key + STAMP_SUFFIX)
            return state.status.value, [self.key]
        if state.status is Status.CONFLICT:
            return state.status.value, self._retire_orphans(state, decision)
        raise ResolveError(
            f"{self.key}: nothing to resolve: it is not paid and not in doubt"
            " (the next run pays it when it is due)"
        )

    def _retire_orphans(self, state: EntryState | None, decision: Decision) -> list[str]:
        """Move the orphan stamps and intents an entry conflicted with into resolved/,
        each with a record naming the decision and this entry's key, so that they stop
        making conflicts for other entries. Returns their keys."""
        if state is None or state.status is not Status.CONFLICT:
            return []
        retired = [key for key in state.conflict_keys if key != self.key]
        for key in retired:
            removed = self._stamp_text(key)
            self.journal.archive(key, decision, removed_stamp=removed, entry_key=self.key)
            if removed is not None:
                remove_durably(self.state_dir, key + STAMP_SUFFIX)
        return retired

    def _stamp_text(self, key: str) -> str | None:
        """The bytes of the stamp under `key` as text, or None when there is none."""
        path = self.state_dir / (key + STAMP_SUFFIX)
        if path.is_symlink():
            return "(a symlink, not followed)"
        if not path.exists():
            return None
        return path.read_bytes()[:4096].decode("utf-8", "replace")

    def _schedule_path(self) -> Path | None:
        return self.args.schedule or _env_path("SCHEDULE")


_ADVICE = {
    "paid": "the claim paid: record it with `dyt-emissions resolve {key} --paid --reason ...`",
    "not_paid": "the claim did not pay: `dyt-emissions resolve {key} --not-paid --reason ...`"
    " lets the next run pay it once",
    "cannot_tell": "cannot tell, decide by hand from the chain's history, then --paid or"
    " --not-paid",
}


def _login_name() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"dyt-emissions resolve: {message}\n")
    return code
