"""SSRF protection: the address classifier, numeric host tricks, and refusals at connect time.

No test sends a packet to a non-loopback address: refused addresses never get a socket,
which ``AddressGuard.sockets_opened`` and the CDN's request counts confirm.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from actors.media import LocalObjectStore, MediaFetcher, MediaRefused
from actors.media.ssrf import (
    AddressGuard,
    AddressRefusedError,
    classify_address,
    is_legacy_ipv4_literal,
)
from tests.actors.media.cdn import JPEG, Cdn, sha256


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:192.168.0.1", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("169.254.169.254", "metadata"),
        ("::ffff:169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("100.64.0.1", "shared"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("2002:7f00:1::", "loopback"),  # 6to4 carrying 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 carrying 10.0.0.1
        ("2001:db8::1", "private"),  # documentation range
        ("not-an-ip", "malformed"),
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    """Each non-public address is refused with the reason that names its range."""
    assert classify_address(address) == reason


@pytest.mark.parametrize("address", ["93.184.216.34", "157.240.1.35", "2a03:2880:f10c::1"])
def test_public_addresses_pass(address: str) -> None:
    """Public IPv4 and IPv6 addresses (fbcdn-like) are allowed."""
    assert classify_address(address) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_allow_loopback_allows_only_loopback(address: str) -> None:
    """The test-only flag lets loopback through and nothing else."""
    assert classify_address(address, allow_loopback=True) is None
    assert classify_address("10.0.0.1", allow_loopback=True) == "private"
    assert classify_address("169.254.169.254", allow_loopback=True) == "metadata"


@pytest.mark.parametrize(
    ("host", "legacy"),
    [
        ("2130706433", True),
        ("0x7f000001", True),
        ("0x7f.1", True),
        ("0177.0.0.1", True),
        ("127.1", True),
        ("127.0.0.1", False),
        ("93.184.216.34", False),
        ("1.cafe", False),
        ("scontent.fbcdn.net", False),
    ],
)
def test_legacy_numeric_hosts_are_recognised(host: str, legacy: bool) -> None:
    """Decimal, octal, hex and short IPv4 forms are spotted; names are not."""
    assert is_legacy_ipv4_literal(host) is legacy


def test_socket_factory_refuses_before_creating_a_socket() -> None:
    """The connect-time hook raises for a private address and opens no socket."""
    guard = AddressGuard()
    addr_info = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", 80))

    with pytest.raises(AddressRefusedError, match="private"):
        guard.socket_factory(addr_info)

    assert guard.sockets_opened == 0
    assert guard.refused == [("10.0.0.1", "private")]


class StaticResolver(AbstractResolver):
    """DNS for made-up names: answers each call with the next address list (last repeats)."""

    def __init__(self, answers: Sequence[Sequence[str]]) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/img.jpg",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
    ],
)
async def test_internal_ip_literal_is_refused_without_connecting(
    fetcher: MediaFetcher, url: str
) -> None:
    """An internal IP literal is refused at connect time: no socket is created."""
    with pytest.raises(MediaRefused, match="SSRF"):
        await fetcher.fetch(url, kind="image")

    assert fetcher.guard.sockets_opened == 0
    assert len(fetcher.guard.refused) == 1  # refused once: permanent, not retried


@pytest.mark.parametrize(
    ("target", "address"),
    [("http://169.254.169.254/", "169.254.169.254"), ("http://10.0.0.1/x", "10.0.0.1")],
)
async def test_redirect_to_internal_address_is_refused_without_connecting(
    cdn: Cdn, fetcher: MediaFetcher, target: str, address: str
) -> None:
    """A CDN redirect to an internal address is refused; only the CDN got a socket."""
    with pytest.raises(MediaRefused, match="SSRF"):
        await fetcher.fetch(cdn.url(f"/redirect-to?target={target}"), kind="image")

    assert fetcher.guard.sockets_opened == 1
    assert fetcher.guard.refused[-1][0] == address


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433", "0x7f.1", "127.1"]
)
async def test_loopback_is_refused_without_the_test_flag(
    cdn: Cdn, local_store: LocalObjectStore, host: str
) -> None:
    """Without allow_loopback the CDN stand-in is unreachable, in any spelling of it."""
    port = cdn.base_url.rsplit(":", 1)[1]
    async with MediaFetcher(local_store, max_attempts=1) as strict:
        with pytest.raises(MediaRefused):
            await strict.fetch(f"http://{host}:{port}/img.jpg", kind="image")

    assert strict.guard.sockets_opened == 0
    assert sum(cdn.hits.values()) == 0


@pytest.mark.parametrize("url", ["ftp://example.com/a.jpg", "file:///etc/passwd", "gopher://x/"])
async def test_non_http_schemes_are_refused(fetcher: MediaFetcher, url: str) -> None:
    """Only http and https URLs are fetched."""
    with pytest.raises(MediaRefused, match="only http"):
        await fetcher.fetch(url, kind="image")


async def test_name_with_any_internal_address_is_refused(local_store: LocalObjectStore) -> None:
    """A name resolving to a public and a private address is refused as a whole."""
    resolver = StaticResolver([["93.184.216.34", "10.0.0.1"]])
    async with MediaFetcher(local_store, resolver=resolver, max_attempts=1) as strict:
        with pytest.raises(MediaRefused, match=r"10\.0\.0\.1: private"):
            await strict.fetch("http://cdn.test/img.jpg", kind="image")

    assert strict.guard.sockets_opened == 0


async def test_connection_goes_to_the_checked_address(
    cdn: Cdn, local_store: LocalObjectStore
) -> None:
    """DNS rebinding cannot slip in: the name is resolved once, checked, and used as is.

    The resolver answers loopback first and a private address afterwards; the fetch
    succeeds on the loopback answer, so no second lookup happened between check and connect.
    """
    port = cdn.base_url.rsplit(":", 1)[1]
    resolver = StaticResolver([["127.0.0.1"], ["10.0.0.1"]])
    async with MediaFetcher(local_store, resolver=resolver, allow_loopback=True) as fetcher:
        media = await fetcher.fetch(f"http://cdn.test:{port}/img.jpg", kind="image")

    assert media.content_hash == sha256(JPEG)
    assert resolver.calls == 1
    assert fetcher.guard.sockets_opened == 1


async def test_rebound_name_is_refused_on_the_next_lookup(local_store: LocalObjectStore) -> None:
    """A name that later resolves to an internal address is refused at that lookup."""
    resolver = StaticResolver([["169.254.169.254"]])
    async with MediaFetcher(local_store, resolver=resolver, allow_loopback=True) as fetcher:
        with pytest.raises(MediaRefused, match="metadata"):
            await fetcher.fetch("http://cdn.test/latest/meta-data", kind="image")

    assert fetcher.guard.sockets_opened == 0
