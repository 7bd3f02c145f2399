"""The client's address: the socket peer, or X-Forwarded-For only behind a trusted proxy.

X-Forwarded-For is a list each proxy appends to: ``client, proxy1, proxy2`` with the socket peer
being the last proxy. Anything left of the first hop a trusted proxy wrote is attacker-controlled, so
the list is walked from the right, skipping trusted proxies, and the first untrusted hop is the client.
The left-most entry (the one a naive ``split(",")[0]`` returns, and the one a client can forge) is
used only when every hop to its right is a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from mlsecure.serving.config import IpNetwork


def client_address(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[IpNetwork]) -> str:
    """``peer``: socket peer address; ``forwarded_for``: every X-Forwarded-For header value, in order."""
    if peer is None:
        return "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for value in forwarded_for for h in value.split(",")]
    hops = [h for h in hops if h]
    current = peer
    for hop in reversed(hops):
        addr = _parse(hop)
        if addr is None:
            return current  # a garbled hop: trust nothing further left
        current = addr
        if not _is_trusted(addr, trusted):
            return addr
    return current


def _parse(hop: str) -> str | None:
    if hop.startswith("[") and "]" in hop:  # [v6]:port
        hop = hop[1:hop.index("]")]
    elif hop.count(":") == 1:  # v4:port
        hop = hop.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(hop))
    except ValueError:
        return None


def _is_trusted(addr: str, trusted: Sequence[IpNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in trusted)
