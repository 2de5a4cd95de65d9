"""A partner's system, for real: an HTTP server on 127.0.0.1 that keeps what it receives and answers a status
chosen by the test; and an organisation with an admin and an endpoint pointing at it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from accounts.services import CurrentUser
from accounts.tables import Organisation, Role
from tests.factories.accounts import make_organisation, make_user, principal
from webhooks import services
from webhooks.tables import EventType


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PartnerServer:
    """A partner's endpoint: `status` is what it answers; `received` what reached it."""

    status: int = 204
    received: list[Received] = field(default_factory=list)

    def start(self) -> None:
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                partner.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(partner.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/tremplin-hook"


async def organisation_with_endpoint(
    url: str, events: list[str] | None = None, name: str = "Mission Locale du Diois"
) -> tuple[Organisation, CurrentUser, int, str]:
    """An organisation, its admin (logged-in form), and an endpoint at `url`: its id and its secret."""
    organisation = await make_organisation(name)
    admin = await principal(await make_user("admin@diois.test", organisation, Role.admin))
    endpoint_id, secret = await services.add_endpoint(
        admin, organisation.id, url, events or [e.value for e in EventType], "Partner's CRM"
    )
    return organisation, admin, endpoint_id, secret
