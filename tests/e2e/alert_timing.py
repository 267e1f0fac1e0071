"""The mixin's rules as the end-to-end tests load them: seconds where operators have minutes.

Only `_config` changes, through the mixin's own override mechanism; the rule
expressions are the ones operators deploy. Every alert named here gets a `for` of
a few seconds, and every threshold in time is scaled to a runner started every
CRON_INTERVAL seconds and a node that makes a block every BLOCK_INTERVAL_MS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dyt_emissions.mixin_render import RULES_FILE, render

FOR = "2s"
ABSENT_FOR = "4s"
CRON_INTERVAL = 2
BLOCK_INTERVAL_MS = 300
# Blocks a due entry may wait for its run before the exporter calls it missed: a few
# runs' worth of blocks, so a healthy runner never comes near it.
GRACE_BLOCKS = 30

E2E_CONFIG: dict[str, Any] = {
    "evaluationInterval": "1s",
    "cronJobInterval": f"{CRON_INTERVAL}s",
    "alerts": {
        "appliesStalled": {"after": "4s", "window": "4s", "for": FOR},
        "appliedHeightLagging": {"for": FOR},
        "nodeDown": {"for": FOR},
        "nodeAbsent": {"for": ABSENT_FOR},
        "entriesMissed": {"for": FOR},
        "claimInDoubt": {"for": FOR},
        "entryConflict": {"for": FOR},
        "stampDamaged": {"for": FOR},
        "claimErrors": {"window": "30s"},
        "poolShortfall": {"for": FOR},
        "scheduleInvalid": {"for": FOR},
        "ledgerMismatch": {"for": FOR},
        # Runs start every 2 s; four missed starts (8 s) is a stopped runner.
        "runnerNotRunning": {"intervals": 4},
        "runnerNeverRan": {"for": ABSENT_FOR},
        # Longer than any scenario keeps runs failing on purpose (a claim in doubt).
        "runnerNotSucceeding": {"intervals": 30},
        "nodeMetricsUnreachable": {"for": FOR},
        "stateUnreadable": {"for": FOR},
        "logsUnreadable": {"for": FOR},
        "exporterDown": {"for": FOR},
        "exporterAbsent": {"for": ABSENT_FOR},
    },
}

# The longest `for`, or time threshold, after which a rule of E2E_CONFIG can page about
# a healthy system that merely started; a quiet window must be several times this.
LONGEST_WAIT_SECONDS = 4 * CRON_INTERVAL


def write_e2e_rules(folder: Path) -> Path:
    """Render the mixin with E2E_CONFIG and write its rules file under `folder`."""
    path = folder / "rules.yaml"
    path.write_text(render(E2E_CONFIG).files()[RULES_FILE], encoding="utf-8")
    return path


def runbook_url(alert: str) -> str:
    """The runbook link the mixin's default runbookURLPattern gives `alert`."""
    return f"https://github.com/dytallix/dyt-emissions/blob/main/docs/runbooks.md#{alert.lower()}"
