"""Outgoing HTTP to partner URLs without SSRF: resolve once, check every address, connect to a checked one.

A webhook URL is whatever a partner typed, so it may name the platform's own loopback, the cloud metadata
service (169.254.169.254), a private network, or hide them behind decimal, octal or hex IPv4 forms
(2130706433, 0177.0.0.1, 0x7f000001), IPv6 forms (::1, ::ffff:127.0.0.1, fc00::/7) or a DNS name that
resolves there. The system resolver turns every form into addresses, every address is checked (a name
with one public and one private record is refused), and the connection goes to the checked address
itself: no second lookup between check and connect, so DNS rebinding cannot swap it. Redirects are never
followed (http.client does not). Networks named in an allow-list (RUECOMMUNE_WEBHOOK_ALLOWED_NETWORKS)
pass, for a partner on a private network.
"""

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedDestination(Exception):
    """The URL leads somewhere the platform must not send to; `reason_fr` says it in French."""

    def __init__(self, reason_en: str, reason_fr: str) -> None:
        super().__init__(reason_en)
        self.reason_en = reason_en
        self.reason_fr = reason_fr


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """'10.20.0.0/16, fd12::/48' -> networks (ValueError on a malformed one)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries and reaches (mapped, 6to4, Teredo client, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address, and so is any IPv4 address it embeds."""
    inner = _embedded_ipv4(address)
    if inner is not None and not is_public(inner):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified
                                      or address.is_link_local or address.is_loopback or address.is_private)


def permitted(address: IPAddress, allowed: Sequence[IPNetwork]) -> bool:
    return is_public(address) or any(address.version == net.version and address in net for net in allowed)


@dataclass(frozen=True)
class Destination:
    """A checked URL: where to connect (addresses, in the resolver's order) and what to ask for."""

    scheme: str
    host: str
    port: int
    target: str
    addresses: tuple[str, ...]


def resolve(url: str, allowed: Sequence[IPNetwork] = ()) -> Destination:
    """The URL's destination with every address it resolves to checked; RefusedDestination otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise RefusedDestination("The url must start with http:// or https://",
                                 "L'URL doit commencer par http:// ou https://")
    if parts.username is not None or parts.password is not None:
        raise RefusedDestination("The url may not carry a user name or password",
                                 "L'URL ne peut pas contenir d'identifiant ni de mot de passe")
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedDestination("The url's port is not a number from 1 to 65535",
                                 "Le port de l'URL n'est pas un nombre de 1 à 65535") from None
    if not host:
        raise RefusedDestination("The url has no host", "L'URL n'a pas d'hôte")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError):  # ValueError: a NUL byte in the name
        raise RefusedDestination(f"{host} cannot be resolved", f"{host} ne peut pas être résolu") from None
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # a link-local IPv6 may carry %scope
        if not permitted(address, allowed):
            raise RefusedDestination(
                f"{host} leads to {address}, a private, loopback or reserved address: webhooks go to public "
                "addresses only (an administrator can allow a partner's network)",
                f"{host} mène à {address}, une adresse privée, locale ou réservée : les webhooks ne vont qu'à "
                "des adresses publiques (un administrateur peut autoriser le réseau d'un partenaire)")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(scheme=parts.scheme, host=host, port=port, target=target, addresses=addresses)


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to an address already checked; the Host header still names the URL's host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an address already checked; the certificate is verified against the URL's host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def post(url: str, body: bytes, headers: Mapping[str, str], *, allowed: Sequence[IPNetwork] = (),
         timeout: float = 10.0) -> int:
    """POST to a checked destination and return the status; redirects come back as their 3xx status.

    Raises RefusedDestination before any byte is sent to a refused address, OSError when unreachable.
    """
    destination = resolve(url, allowed)
    kind = _PinnedHTTPS if destination.scheme == "https" else _PinnedHTTP
    failure: Exception | None = None
    for address in destination.addresses:
        connection = kind(destination.host, destination.port, address=address, timeout=timeout)
        try:
            connection.request("POST", destination.target, body=body, headers=dict(headers))
            return connection.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            failure = exc
        finally:
            connection.close()
    raise OSError(f"no address of {destination.host} answered: {failure}")


@dataclass(frozen=True)
class Fetched:
    """What a GET brought back: status, declared type and at most `max_bytes` of body."""

    status: int
    content_type: str
    body: bytes


class TooLarge(Exception):
    """The answer is larger than the caller accepts (declared or read): nothing more is read."""


def get(url: str, *, max_bytes: int, allowed: Sequence[IPNetwork] = (), timeout: float = 10.0,
        headers: Mapping[str, str] | None = None) -> Fetched:
    """GET from a checked destination, reading no more than `max_bytes` (TooLarge past it); no redirect followed.

    Raises RefusedDestination before any byte is sent to a refused address, OSError when unreachable.
    """
    destination = resolve(url, allowed)
    kind = _PinnedHTTPS if destination.scheme == "https" else _PinnedHTTP
    failure: Exception | None = None
    for address in destination.addresses:
        connection = kind(destination.host, destination.port, address=address, timeout=timeout)
        try:
            connection.request("GET", destination.target, headers=dict(headers or {}))
            answer = connection.getresponse()
            declared = answer.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise TooLarge(f"{url} declares {declared} bytes; at most {max_bytes} are accepted")
            body = answer.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise TooLarge(f"{url} sends more than {max_bytes} bytes")
            return Fetched(status=answer.status, content_type=(answer.getheader("Content-Type") or "").lower(),
                           body=body)
        except (OSError, http.client.HTTPException) as exc:
            failure = exc
        finally:
            connection.close()
    raise OSError(f"no address of {destination.host} answered: {failure}")
