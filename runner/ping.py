"""Dead-man pings in the healthchecks.io convention: `URL/start`, then `URL` or `URL/fail`.

A ping never fails or delays a claim: the start ping goes out before any claim with a
short timeout, the end ping after the last one, and every error is swallowed (a monitor
that cannot be reached will notice on its own that no ping came).
"""

from __future__ import annotations

import contextlib

import httpx

PING_TIMEOUT_SECONDS = 3.0


class Pinger:
    """Sends the pings of one run. Its own client: the monitor is not the node, and may
    sit behind the environment's HTTP proxy, which the node's client ignores.
    """

    def __init__(self, url: str | None, timeout: float = PING_TIMEOUT_SECONDS) -> None:
        self.url = None if url is None else url.rstrip("/")
        self._timeout = timeout

    def start(self) -> None:
        self._send("/start", None)

    def finish(self, success: bool, body: str) -> None:
        self._send("" if success else "/fail", body)

    def _send(self, suffix: str, body: str | None) -> None:
        if self.url is None:
            return
        with contextlib.suppress(httpx.HTTPError), httpx.Client(timeout=self._timeout) as http:
            if body is None:
                http.get(self.url + suffix)
            else:
                http.post(self.url + suffix, content=body.encode("utf-8"))
