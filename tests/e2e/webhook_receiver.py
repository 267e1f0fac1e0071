"""The pager the end-to-end tests own: an HTTP server that keeps what Alertmanager posts.

Alertmanager's webhook sends one JSON document per notification: a group of
alerts, each `firing` or `resolved`, with its labels and annotations. The
receiver keeps every one with the moment it arrived, and lets a test wait for a
given alert without sleeping a fixed time.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Page:
    """One alert of one notification, and when (time.monotonic) the receiver got it."""

    received_at: float
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 that records Alertmanager's notifications."""

    def __init__(self) -> None:
        self._pages: list[Page] = []
        self._payloads: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}/alerts"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.record(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Silent: the test reports what matters."""

        return Handler

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def record(self, payload: dict[str, Any]) -> None:
        now = time.monotonic()
        pages = [
            Page(now, alert["status"], dict(alert["labels"]), dict(alert["annotations"]))
            for alert in payload["alerts"]
        ]
        with self._changed:
            self._payloads.append(payload)
            self._pages.extend(pages)
            self._changed.notify_all()

    def pages(self) -> list[Page]:
        with self._changed:
            return list(self._pages)

    def payloads(self) -> list[dict[str, Any]]:
        with self._changed:
            return list(self._payloads)

    def wait_for(
        self, name: str, status: str = "firing", *, since: float = 0.0, timeout: float = 60.0
    ) -> Page:
        """The first page of alert `name` with `status` received at or after `since`.

        `since` is a time.monotonic() value; the wait fails after `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for page in self._pages:
                    if page.name == name and page.status == status and page.received_at >= since:
                        return page
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({(p.name, p.status) for p in self._pages})
                    raise AssertionError(
                        f"expected a {status} page for {name} within {timeout:.0f}s; "
                        f"the webhook received {seen or 'nothing'}"
                    )
                self._changed.wait(remaining)

    def expect_silence(self, seconds: float, allowed: frozenset[str] = frozenset()) -> None:
        """Watch for `seconds`; fail at the first page of an alert not in `allowed`."""
        deadline = time.monotonic() + seconds
        with self._changed:
            while True:
                unexpected = [p for p in self._pages if p.name not in allowed]
                if unexpected:
                    seen = sorted({(p.name, p.status) for p in unexpected})
                    raise AssertionError(f"expected no page but for {sorted(allowed)}; got {seen}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._changed.wait(remaining)

    def paged_names(self) -> set[str]:
        """Every alert name that reached the webhook, firing or resolved."""
        with self._changed:
            return {page.name for page in self._pages}
