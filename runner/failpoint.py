"""Crash points for tests: die by SIGKILL at an exact step of a claim.

`DYT_EMISSIONS_FAILPOINT=<name>` makes the runner kill itself when it reaches the named
step, so the crash tests can show that no crash pays an entry twice. Unset, it costs one
dictionary lookup. Points: `before_post` (intent durable, claim not sent), `after_post`
(the node answered, no stamp yet), `during_stamp` (stamp's temporary file synced, not
renamed).
"""

from __future__ import annotations

import os
import signal

FAILPOINT_ENV = "DYT_EMISSIONS_FAILPOINT"
FAILPOINTS = ("before_post", "after_post", "during_stamp")


def failpoint(name: str) -> None:
    """SIGKILL this process if the environment names `name`; otherwise do nothing."""
    if os.environ.get(FAILPOINT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
