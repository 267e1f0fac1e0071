"""HTTP mechanics for the devnode: read a request, route it as axum would, write the reply.

Built on the standard library's ThreadingHTTPServer because one fault needs raw
control of the socket: apply a claim, then close the connection with no answer.
Routing mirrors axum: an unknown path is 404 with an empty body, a known path
with another method is 405 with an empty body and an `allow` header, and every
GET route answers HEAD too. What each endpoint answers is in `http_api`.
"""

from __future__ import annotations

import re
import socketserver
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

from devnode.events import EventLog

TEXT_TYPE = "text/plain; charset=utf-8"
BODY_LIMIT = 2 * 1024 * 1024  # axum's default request body limit
DISCARD_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    params: dict[str, str]


@dataclass(frozen=True)
class Reply:
    """An answer; `withhold` closes the connection instead of answering."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    withhold: bool = False
    on_unsent: Callable[[], None] | None = field(default=None, compare=False)


Endpoint = Callable[[Request], Reply]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: Mapping[str, Endpoint]

    @classmethod
    def of(cls, pattern: str, **methods: Endpoint) -> Route:
        return cls(re.compile(pattern), methods)

    def allow_header(self) -> str:
        """axum's `allow` value: the route's methods, HEAD after GET, comma-separated."""
        names: list[str] = []
        for method in self.methods:
            names += ["GET", "HEAD"] if method == "GET" else [method]
        return ",".join(names)


class BodyTooLarge(Exception):
    """The request body passes axum's default limit."""


class NodeServer(ThreadingHTTPServer):
    """One listening socket (RPC or metrics) serving `routes`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], routes: list[Route], log: EventLog) -> None:
        self.routes = routes
        self.log = log
        super().__init__(address, NodeRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class NodeRequestHandler(BaseHTTPRequestHandler):
    """Parses one request, routes it, answers it (or, on purpose, does not)."""

    server: NodeServer
    protocol_version = "HTTP/1.1"
    timeout = 120  # closes idle keep-alive connections
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def _dispatch(self, method: str) -> None:
        try:
            body = self._read_body()
        except BodyTooLarge:
            self.close_connection = True
            text = b"Failed to buffer the request body: length limit exceeded"
            self._send(Reply(413, text, TEXT_TYPE))
            return
        except ValueError:
            self.close_connection = True
            self._send(Reply(400))
            return

        self._send(self._answer(method, body))

    def _answer(self, method: str, body: bytes) -> Reply:
        path, _, query = self.path.partition("?")
        for route in self.server.routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            endpoint = route.methods.get("GET" if method == "HEAD" else method)
            if endpoint is None:
                return Reply(405, headers=(("allow", route.allow_header()),))
            params = {key: unquote(value) for key, value in match.groupdict().items()}
            return endpoint(Request(method, path, parse_qs(query), self.headers, body, params))
        return Reply(404)

    def _read_body(self) -> bytes:
        """The whole body (always read, so a kept-alive connection stays in step)."""
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("content-length") or 0)
        if length < 0:
            raise ValueError("negative content-length")
        if length > BODY_LIMIT:
            self._discard(length)
            raise BodyTooLarge
        return self.rfile.read(length)

    def _discard(self, length: int) -> None:
        # Read what the client sends (up to a bound), so it gets to read our 413 rather
        # than a reset connection while it is still writing.
        left = min(length, DISCARD_LIMIT)
        while left > 0:
            chunk = self.rfile.read(min(left, 65536))
            if not chunk:
                return
            left -= len(chunk)

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass
                return body
            body += self.rfile.read(size)
            self.rfile.readline()
            if len(body) > BODY_LIMIT:
                raise BodyTooLarge

    def _send(self, reply: Reply) -> None:
        if reply.withhold:
            self.close_connection = True
            self.server.log.warning("answer_withheld", method=self.command, path=self.path)
            if reply.on_unsent is not None:
                reply.on_unsent()
            return
        try:
            self.send_response(reply.status)
            if reply.content_type is not None:
                self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            if reply.on_unsent is not None:
                reply.on_unsent()

    def send_response(self, code: int, message: str | None = None) -> None:
        # Like hyper: a date header and no server header.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("date", self.date_time_string())

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.server.log.info("request", method=self.command, path=self.path, status=code)

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log.warning("http", message=format % args)
