"""The exporter's HTTP face: a WSGI app and the threaded server that runs it.

| path | answer |
| --- | --- |
| `/metrics` | the audit in Prometheus text (or OpenMetrics) via prometheus-client |
| `/healthz` | `ok`: the process serves; it reads no file and asks no node |
| `/audit` | the audit as JSON (exporter.audit_json) |
| `/` | the audit as an HTML page (exporter.audit_page) |

The server is wsgiref's, one thread per request, as prometheus-client's own
`start_wsgi_server` runs it; request lines are logged at debug level only, so
Prometheus' scrapes do not flood the log.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

from exporter.advice import Advisor
from exporter.audit import Auditor
from exporter.audit_json import audit_document
from exporter.audit_page import render_page

log = logging.getLogger("dyt_emissions.exporter")

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


class AuditApp:
    """Routes each request to the metrics, health, JSON or HTML view of one Auditor."""

    def __init__(self, auditor: Auditor, registry: CollectorRegistry, advisor: Advisor) -> None:
        self.auditor = auditor
        self.advisor = advisor
        self._metrics = make_wsgi_app(registry)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", b"GET only\n", "text/plain")
        if path == "/metrics":
            return self._metrics(environ, start_response)  # type: ignore[no-any-return]
        if path == "/healthz":
            return _answer(start_response, "200 OK", b"ok\n", "text/plain")
        if path == "/audit":
            document = audit_document(self.auditor.refresh(details=True), self.advisor)
            body = (json.dumps(document, indent=1) + "\n").encode("utf-8")
            return _answer(start_response, "200 OK", body, "application/json")
        if path == "/":
            page = render_page(self.auditor.refresh(details=True), self.advisor)
            return _answer(start_response, "200 OK", page.encode("utf-8"), "text/html")
        return _answer(start_response, "404 Not Found", b"not found\n", "text/plain")


def _answer(
    start_response: StartResponse, status: str, body: bytes, content_type: str
) -> list[bytes]:
    start_response(
        status,
        [
            ("Content-Type", f"{content_type}; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http %s", format % args)


class AuditServer(ThreadingMixIn, WSGIServer):
    """wsgiref's server, a thread per request; daemon threads never block shutdown."""

    daemon_threads = True


class _AuditServer6(AuditServer):
    address_family = socket.AF_INET6


def serve(app: AuditApp, host: str, port: int) -> AuditServer:
    """Bind `host:port` (port 0: a free one) and return the server, not yet serving."""
    server_class = _AuditServer6 if ":" in host else AuditServer
    server = make_server(host, port, app, server_class, handler_class=_QuietHandler)
    assert isinstance(server, AuditServer)
    return server
