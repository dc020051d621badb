"""Whose address a request really comes from, behind a reverse proxy we trust and only then.

``X-Forwarded-For`` is believed only when the peer is one of ``trusted_proxies`` (addresses or
networks); the client is then the right-most address in it that is not itself a trusted proxy. Any
other peer could write anything into the header, so its own address is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    nets = []
    for item in trusted:
        try:
            nets.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return tuple(nets)


def is_trusted(address: str, trusted: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(trusted)))


def real_client(peer: str, forwarded_for: str, trusted: Iterable[str]) -> str:
    """The client's address given the peer and the ``X-Forwarded-For`` header it sent."""
    trusted = tuple(trusted)
    if not forwarded_for or not is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a garbled header: trust nothing in it
        if not is_trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer
