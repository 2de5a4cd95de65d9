"""A local SMS provider for the tests: Brevo's transactional SMS API and a signed gateway, on a free port.

It runs in a thread (stdlib http.server), so worker subprocesses reach it too. It keeps every raw
arrival (duplicates included) and checks what a real provider would check: Brevo's api-key header and
JSON shape, the gateway's HMAC signature.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from messaging.sms import sign

API_KEY = "xkeysib-test-0123456789"
SECRET = "gateway-secret-0123456789abcdef"


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog (5) drops concurrent connections: the client retries after 1 s
    daemon_threads = True
    sms: SmsServer  # what the handler answers from and records into


class _Handler(BaseHTTPRequestHandler):
    """Brevo's send and event-log endpoints and the gateway, answering from the server's `SmsServer`."""

    server: _Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, data: Any) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # noqa: N802 - http.server's hook name
        server = self.server.sms
        if server.down:
            return self._answer(503, {"code": "unavailable", "message": "down for maintenance"})
        url = urlsplit(self.path)
        if url.path == "/gateway":
            return self._gateway_lookup(parse_qs(url.query).get("reference", [""])[0])
        if url.path != "/v3/transactionalSMS/statistics/events":
            return self._answer(404, {"code": "not_found", "message": "no such endpoint"})
        if self.headers.get("api-key") != API_KEY:
            return self._answer(401, {"code": "unauthorized", "message": "Key not found"})
        tags = json.loads(parse_qs(url.query).get("tags", ["[]"])[0])
        with server._lock:
            server.lookups.extend(tags)
            events = [
                {"messageId": server._by_reference[t], "event": "sent", "tag": t}
                for t in tags
                if t in server._by_reference
            ]
        self._answer(200, {"events": events})

    def do_POST(self) -> None:  # noqa: N802
        server = self.server.sms
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        if server.down:
            return self._answer(503, {"code": "unavailable", "message": "down for maintenance"})
        with server._lock:
            scripted = server.script.pop(0) if server.script else None
        if scripted is not None:
            return self._answer(scripted, {"code": "scripted", "message": f"scripted {scripted}"})
        if self.path == "/v3/transactionalSMS/send":
            return self._brevo(raw, headers)
        if self.path == "/gateway":
            return self._gateway(raw, headers)
        self._answer(404, {"code": "not_found", "message": "no such endpoint"})

    def _brevo(self, raw: bytes, headers: dict[str, str]) -> None:
        server = self.server.sms
        if headers.get("api-key") != API_KEY:
            return self._answer(401, {"code": "unauthorized", "message": "Key not found"})
        body = json.loads(raw)
        problems = [
            name
            for name, ok in {
                "sender": isinstance(body.get("sender"), str) and 0 < len(body["sender"]) <= 11,
                "recipient": re.fullmatch(r"\d{8,15}", str(body.get("recipient", ""))) is not None,
                "content": isinstance(body.get("content"), str) and body["content"] != "",
                "type": body.get("type") == "transactional",
                "tag": isinstance(body.get("tag"), str) and body["tag"] != "",
            }.items()
            if not ok
        ]
        if problems or body["recipient"] in server.bad_numbers:
            reason = {"code": "invalid_parameter", "message": f"Invalid {', '.join(problems) or 'recipient'}"}
            with server._lock:
                server.refused.append((400, body))
            return self._answer(400, reason)
        with server._lock:
            message_id = next(server._ids)
            server._by_reference.setdefault(body["tag"], str(message_id))
            server.arrivals.append(
                Arrival("brevo", body["tag"], body["recipient"], body["content"], body["sender"], body, headers)
            )
            server._lock.notify_all()
        time.sleep(server.delays.get(body["recipient"], server.delay))
        self._answer(201, {"messageId": message_id})

    def _gateway_lookup(self, reference: str) -> None:
        """The gateway's answer to "did you take the text with this reference?" (signed over the reference)."""
        server = self.server.sms
        if self.headers.get("x-tremplin-signature") != sign(SECRET, reference.encode()):
            return self._answer(401, {"error": "bad signature"})
        with server._lock:
            server.lookups.append(reference)
            found = server._by_reference.get(reference)
        if found is None:
            return self._answer(404, {"error": "unknown reference"})
        self._answer(200, {"id": found, "status": "accepted"})

    def _gateway(self, raw: bytes, headers: dict[str, str]) -> None:
        server = self.server.sms
        if headers.get("x-tremplin-signature") != sign(SECRET, raw):
            with server._lock:
                server.refused.append((401, {}))
            return self._answer(401, {"error": "bad signature"})
        body = json.loads(raw)
        key = headers.get("idempotency-key", "")
        with server._lock:
            server.arrivals.append(
                Arrival("webhook", body["reference"], body["to"], body["text"], body["sender"], body, headers)
            )
            server._lock.notify_all()
            # The same Idempotency-Key gets the same id back: the copy is not sent to the phone.
            message_id = server._by_reference.setdefault(key, f"gw-{next(server._ids)}")
        time.sleep(server.delay)
        self._answer(200, {"id": message_id})


@dataclass
class Arrival:
    api: str  # "brevo" or "webhook"
    reference: str
    to: str
    text: str
    sender: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class SmsServer:
    delay: float = 0.0  # seconds between taking a send and answering: a crash there loses the answer only
    delays: dict[str, float] = field(default_factory=dict)  # the same for some recipients (digits, as Brevo has them)
    arrivals: list[Arrival] = field(default_factory=list)  # every accepted send, duplicates included
    refused: list[tuple[int, dict]] = field(default_factory=list)
    lookups: list[str] = field(default_factory=list)  # Brevo event-log lookups (by tag), the gateway's by reference
    script: list[int] = field(default_factory=list)  # next status codes to answer instead of 201
    bad_numbers: set[str] = field(default_factory=set)  # recipients Brevo refuses with a 400
    down: bool = False  # an outage: every call is answered 503

    def __post_init__(self) -> None:
        self._lock = threading.Condition()  # also wakes wait_for at each arrival
        self._ids = itertools.count(1511882900176220)
        self._by_reference: dict[str, str] = {}  # the gateway's idempotency store; Brevo's event log
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.sms = self
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def references(self) -> list[str]:
        with self._lock:
            return [a.reference for a in self.arrivals]

    async def wait_for(self, count: int = 1, seconds: float = 5.0) -> list[Arrival]:
        def arrived() -> bool:
            with self._lock:
                return self._lock.wait_for(lambda: len(self.arrivals) >= count, timeout=seconds)

        if await asyncio.to_thread(arrived):
            return self.arrivals
        raise AssertionError(f"expected {count} text messages, got {len(self.arrivals)}")
