"""Which addresses may receive webhooks: public HTTPS ones only, so nobody points the server at itself.

Server-side request forgery is the risk: an admin who may register any URL could make Tremplin POST to its
own network (a database's HTTP port, a cloud's metadata service at 169.254.169.254). So a URL must be
`https://`, without credentials, on port 443 (or one of ALLOWED_PORTS), and **every** address its host
resolves to must be global. The check runs when the endpoint is saved and again at each delivery, where the
connection itself goes to the address that was checked (`webhooks.sending`), so a DNS answer that changes in
between (DNS rebinding) gains nothing.

`WEBHOOKS_ALLOW_PRIVATE=1` (refused in production) lets the tests reach a server on 127.0.0.1 over plain HTTP.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from core.i18n import lazy
from webhooks.errors import UnsafeUrl

ALLOWED_PORTS = {443, 8443}
MAX_LENGTH = 254  # the outbox's recipient column
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse(url: str, *, allow_private: bool) -> tuple[str, int]:
    """The host and port of an acceptable URL; UnsafeUrl (on the field `url`) otherwise. No network."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl(field="url", reason=lazy("it is not a web address.")) from None
    schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in schemes:
        raise UnsafeUrl(field="url", reason=lazy("it must start with https://."))
    if not parts.hostname:
        raise UnsafeUrl(field="url", reason=lazy("it is not a web address."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl(field="url", reason=lazy("it must not hold a user name or password."))
    if len(url) > MAX_LENGTH:
        raise UnsafeUrl(field="url", reason=lazy("it is too long."))
    port = port or (443 if parts.scheme == "https" else 80)
    if not allow_private and port not in ALLOWED_PORTS:
        raise UnsafeUrl(field="url", reason=lazy("use the usual HTTPS port (443)."))
    return parts.hostname, port


def is_public(address: Address) -> bool:
    """A global unicast address: not private, loopback, link-local (metadata), multicast, reserved or unspecified.
    An IPv6 address that carries an IPv4 one (mapped, 6to4, NAT64 well-known prefix) is judged by that one."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address in ipaddress.IPv6Network("64:ff9b::/96"):
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None and not is_public(inner):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def resolve(host: str, port: int, *, allow_private: bool) -> list[Address]:
    """Every address `host` resolves to, all of them checked; UnsafeUrl when one is not public."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(field="url", reason=lazy("its name does not resolve to any address.")) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeUrl(field="url", reason=lazy("its name does not resolve to any address."))
    if not allow_private and not all(is_public(a) for a in addresses):
        raise UnsafeUrl(field="url", reason=lazy("it leads to a private or local address."))
    return addresses


async def check(url: str, *, allow_private: bool) -> list[Address]:
    host, port = parse(url, allow_private=allow_private)
    return await resolve(host, port, allow_private=allow_private)
