"""SSRF protection: media URLs may only reach public addresses.

The check runs where the connection is made, not before it: :class:`GuardedResolver`
refuses a host name if *any* of its addresses is not public, and aiohttp then connects to
exactly the addresses it checked (there is no second lookup, so DNS rebinding between
check and connect cannot happen); :meth:`AddressGuard.socket_factory` checks every
address again just before its socket is created, which also covers IP literals (aiohttp
does not send those through the resolver). A refused address gets no packet at all.
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.connector import AddrInfoType

__all__ = [
    "AddressGuard",
    "AddressRefusedError",
    "GuardedResolver",
    "classify_address",
    "is_legacy_ipv4_literal",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services (AWS/GCP/Azure/OpenStack share 169.254.169.254; AWS's IPv6 one).
_METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: IPv4 embedded in the low bits
_DECIMAL_DIGITS = frozenset("0123456789")
_OCTAL_DIGITS = frozenset("01234567")
_HEX_DIGITS = frozenset("0123456789abcdef")


class AddressRefusedError(OSError):
    """Raised when a connection would go to an address that is not public.

    An ``OSError`` so that aiohttp treats it as a failed connection attempt (and reports it
    as the ``os_error`` of a ``ClientConnectorError``) without creating a socket.
    """

    def __init__(self, address: str, reason: str) -> None:
        self.address = address
        self.reason = reason
        super().__init__(f"refused to connect to {address}: {reason} address")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def classify_address(address: str | IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Return why ``address`` must not be fetched from, or ``None`` if it is public.

    Refused: unspecified, loopback, link-local, cloud metadata, multicast, private
    (RFC 1918, fc00::/7), shared (100.64/10), reserved and every other address that is not
    globally routable; an IPv6 address carrying an IPv4 one (``::ffff:127.0.0.1``, 6to4,
    Teredo, NAT64) is judged by the IPv4 one too.

    Args:
        address: An IP address (an IPv6 zone such as ``%eth0`` is allowed).
        allow_loopback: Accept loopback addresses: for tests against a local server only.

    Returns:
        A short reason such as ``"private"``, or ``None``.
    """
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "malformed"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id is not None:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = classify_address(embedded, allow_loopback=allow_loopback)
            if reason is not None or ip.ipv4_mapped is not None:
                return reason
    if ip in _METADATA:
        return "metadata"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared"
    if ip.is_reserved:  # before is_private, which also covers 240/4 and broadcast
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "non-global"
    return None


def is_legacy_ipv4_literal(host: str) -> bool:
    """Return whether ``host`` is an IPv4 address in a non-canonical numeric form.

    ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` all mean 127.0.0.1 to the C
    library (``inet_aton``); they are refused outright rather than interpreted. Names that
    merely look numeric-ish (``1.cafe``) are not literals.
    """
    parts = host.lower().removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_is_inet_aton_number(part) for part in parts):
        return False
    return len(parts) != 4 or any(part != str(int(part)) for part in parts)


def _is_inet_aton_number(part: str) -> bool:
    if part.startswith("0x"):
        digits, allowed = part[2:], _HEX_DIGITS
    elif part.startswith("0"):
        digits, allowed = part[1:], _OCTAL_DIGITS
    else:
        digits, allowed = part, _DECIMAL_DIGITS
    return (bool(digits) or part.startswith("0")) and set(digits) <= allowed


class AddressGuard:
    """Checks each address at connect time and keeps counts for tests and metrics.

    Args:
        allow_loopback: Accept loopback addresses: for tests only.

    Attributes:
        sockets_opened: Sockets created for addresses that passed the check.
        refused: ``(address, reason)`` of every refused address, oldest first (bounded).
    """

    def __init__(self, *, allow_loopback: bool = False) -> None:
        self.allow_loopback = allow_loopback
        self.sockets_opened = 0
        self.refused: list[tuple[str, str]] = []

    def check(self, address: str) -> None:
        """Raise :class:`AddressRefusedError` unless ``address`` is public (or allowed)."""
        reason = classify_address(address, allow_loopback=self.allow_loopback)
        if reason is not None:
            del self.refused[:-99]  # keep the last hundred
            self.refused.append((address, reason))
            raise AddressRefusedError(address, reason)

    def socket_factory(self, addr_info: AddrInfoType) -> socket.socket:
        """Create the socket for ``addr_info`` after checking its address (aiohttp hook)."""
        family, type_, proto, _, sockaddr = addr_info
        self.check(str(sockaddr[0]))
        self.sockets_opened += 1
        return socket.socket(family=family, type=type_, proto=proto)


class GuardedResolver(AbstractResolver):
    """A resolver that refuses a host if any of its addresses is not public.

    Refusing the whole host (rather than dropping the bad addresses) keeps a name that
    mixes public and internal addresses from being used to probe the internal ones.

    Args:
        inner: The resolver doing the lookups (aiohttp's default one if ``None``).
        guard: The address check.
    """

    def __init__(self, inner: AbstractResolver, guard: AddressGuard) -> None:
        self._inner = inner
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve ``host`` and check every address.

        Raises:
            AddressRefusedError: One of the addresses is not public.
        """
        results = await self._inner.resolve(host, port, family)
        for result in results:
            self._guard.check(result["host"])
        return results

    async def close(self) -> None:
        """Close the inner resolver."""
        await self._inner.close()
