"""Where webhooks may be sent: not to the server's own network (SSRF).

A target is an `https` URL whose host resolves only to public addresses. Loopback is allowed
(over `http` too) when `MEETINGS_WEBHOOK_ALLOW_LOOPBACK` is on, for tests and local use, and
the networks `MEETINGS_WEBHOOK_ALLOWED_NETWORKS` lists are allowed whatever they are. Private,
link-local (cloud metadata at 169.254.169.254 among them), shared, reserved and multicast
addresses are refused. The host is resolved when the subscription is written and again before
each delivery, so a name that later resolves elsewhere is caught; redirects are not followed.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class TargetRefused(ValueError):
    """A target URL the server will not send to; the message says why."""


@dataclass(frozen=True)
class Policy:
    allow_loopback: bool = False
    allowed_networks: tuple = ()


# NAT64's well-known prefix (RFC 6052) holds an IPv4 address in its last 32 bits; its
# local-use prefix (RFC 8215) may hold one anywhere, so it is refused whole.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def _reached(address):
    """The address a packet to `address` reaches: the IPv4 address an IPv6 one carries, as
    mapped (::ffff:a.b.c.d), 6to4 (2002:…::) or NAT64 (64:ff9b::a.b.c.d) form it; else itself.
    An address of NAT64's local-use prefix is taken as loopback: nothing says where it goes."""
    if address.version == 4:
        return address
    if address in NAT64_LOCAL:
        return ipaddress.ip_address("127.0.0.1")
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.ipv4_mapped or address.sixtofour or address


def _addresses(host: str, port: int) -> list:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise TargetRefused(f"The host {host!r} does not resolve.") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]


def check(url: str, policy: Policy) -> None:
    """Nothing, or TargetRefused naming what is wrong with sending to `url`."""
    try:
        parts = urlsplit(url)
        port = parts.port if parts.port is not None else 443 if parts.scheme == "https" else 80
    except ValueError:
        raise TargetRefused("The URL's host or port is not valid.") from None
    if port == 0:
        raise TargetRefused("The URL's port is 0, which no server listens on.")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise TargetRefused("The URL must be https://host/…")
    if parts.username or parts.password:
        raise TargetRefused("The URL may not hold a user name or password.")
    for address in _addresses(parts.hostname, port):
        mapped = _reached(address)
        if any(mapped in network for network in policy.allowed_networks):
            continue
        if mapped.is_loopback and policy.allow_loopback:
            continue
        if not mapped.is_global or mapped.is_multicast:
            raise TargetRefused(
                f"The host {parts.hostname!r} resolves to {address}, which is not a public "
                "address: private, loopback, link-local and metadata addresses are refused."
            )
        if parts.scheme != "https":
            raise TargetRefused("The URL must be https (http is for loopback only).")
