"""The one door from the app to a webhook receiver: URL checks, the SSRF guard, the request.

**The rule.** An endpoint's host is resolved once per attempt and *every* address it resolves to
is checked; one that is not a public unicast address (loopback 127/8 and ::1, private 10/8,
172.16/12, 192.168/16, shared 100.64/10, link-local 169.254/16 and fe80::/10, unique-local
fc00::/7, unspecified, multicast, reserved and documentation ranges, and IPv4-mapped IPv6 forms
of any of these) refuses the attempt, unless the endpoint allows private addresses
(``WebhookEndpoint.allow_private``) *and* the deployment lets admins allow that at all
(``QUICKWIN_WEBHOOK_ALLOW_PRIVATE``).

**No DNS rebinding.** The request then connects to the address that was checked, not to the
name: the URL is rewritten to that address, the ``Host`` header keeps the name, and for HTTPS the
TLS handshake sends the name (SNI) and verifies the certificate against it (httpcore's
``sni_hostname``). A second lookup never happens, so a name that answers a public address to the
check and a private one to the connection cannot slip through. Addresses are tried in the order
the resolver gave them, each one checked.

**What remains** (documented in docs/webhooks.md): a public address that forwards to an internal
one (a receiver's own redirecting proxy) is beyond what an address check can see; redirects are
not followed (a 3xx answer is a failed attempt), proxies from the environment are ignored
(``trust_env=False``), and the body read back is capped at ``RESPONSE_EXCERPT`` bytes.

Timeouts are short (``QUICKWIN_WEBHOOK_TIMEOUT`` seconds for connecting, each read and write).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = {"http": 80, "https": 443}
URL_MAX = 2000
RESPONSE_EXCERPT = 1024  # bytes of a receiver's answer kept in the log


class BadURL(ValueError):
    """A URL no endpoint may have; ``code`` says why (see ``services.URL_MESSAGES``)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Refused(Exception):
    """The SSRF guard refused this attempt (the message names the address and why)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (lower-cased), without brackets
    port: int
    path: str  # path and query, at least "/"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == SCHEMES[self.scheme] else f"{host}:{self.port}"

    def url_for(self, address: IPAddress) -> str:
        literal = f"[{address}]" if address.version == 6 else str(address)
        return f"{self.scheme}://{literal}:{self.port}{self.path}"


def parse_url(url: str) -> Target:
    """The parts of an endpoint URL, or :class:`BadURL`: http or https, a host, no user name or
    password, a valid port, at most ``URL_MAX`` characters, no spaces or control characters."""
    url = (url or "").strip()
    if not url:
        raise BadURL("empty")
    if len(url) > URL_MAX:
        raise BadURL("too_long")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise BadURL("spaces")
    try:
        parts: SplitResult = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadURL("port" if "port" in str(exc).lower() else "malformed") from exc
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise BadURL("scheme")
    if parts.username is not None or parts.password is not None:
        raise BadURL("credentials")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise BadURL("host")
    if port == 0:
        raise BadURL("port")
    try:
        host.encode("idna")
    except UnicodeError as exc:
        raise BadURL("host") from exc
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port or SCHEMES[scheme], path=path)


def is_public(address: IPAddress) -> bool:
    """A global unicast address (IPv4-mapped IPv6 judged by the IPv4 address it maps)."""
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order, without duplicates; an IP
    literal is itself. :class:`Refused` when the name does not resolve."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Refused(f"{host} resolves to no address")
    return addresses


def checked_addresses(target: Target, allow_private: bool) -> list[IPAddress]:
    """The addresses to connect to, each one checked (see the module's docstring)."""
    addresses = resolve(target.host, target.port)
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise Refused(f"{target.host} resolves to {address}, which is not a public "
                              "address (loopback, private, link-local or reserved); refused")
    return addresses


@dataclass(frozen=True)
class Answer:
    status_code: int
    excerpt: str  # the start of the body, for the log


def client(timeout: float, verify: ssl.SSLContext | bool = True) -> httpx.Client:
    """The HTTP client of one delivery run: short timeouts, no redirects, no proxies from the
    environment, no retries behind our back; certificates checked (``verify``: the default CA
    bundle, or a context trusting a given CA)."""
    return httpx.Client(
        transport=httpx.HTTPTransport(retries=0, verify=verify),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )


def post(http: httpx.Client, url: str, body: bytes, headers: dict[str, str], *,
         allow_private: bool) -> Answer:
    """POST ``body`` to ``url`` through the guard, connecting to a checked address. Raises
    :class:`BadURL`, :class:`Refused` or ``httpx.HTTPError`` (timeouts, refused connections)."""
    target = parse_url(url)
    addresses = checked_addresses(target, allow_private)
    last_error: httpx.HTTPError | None = None
    for address in addresses:
        request_headers = {**headers, "Host": target.host_header}
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            with http.stream("POST", target.url_for(address), content=body,
                             headers=request_headers, extensions=extensions) as response:
                excerpt = b""
                for chunk in response.iter_bytes():
                    excerpt += chunk
                    if len(excerpt) >= RESPONSE_EXCERPT:
                        break
                return Answer(response.status_code,
                              excerpt[:RESPONSE_EXCERPT].decode("utf-8", "replace"))
        except httpx.ConnectError as exc:  # this address is down: the next one, if any
            last_error = exc
    assert last_error is not None
    raise last_error
