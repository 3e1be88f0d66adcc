"""Client address filters as XMail reads them, and the client classes they add up to.

XMail answers "may this client relay / connect?" from several tables with different rules
(smtprelay.tab: any match; ipmap: highest precedence, later line on ties, no match = allow;
spammers.tab: first match; smtp.ipprop.tab: first match). Tayori's relay rules are first-match on
client networks, so the reader cuts the address space at every boundary the tables mention,
evaluates XMail's rules once per piece, and merges neighbouring pieces with the same outcome back
into CIDR blocks. The result is exact by construction, whatever the tables overlap.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
T = TypeVar("T")


class FilterError(ValueError):
    pass


def parse_filter(fields: tuple[str, ...]) -> Network:
    """`MscLoadAddressFilter`: `ip/bits`, or the old `ip` + `netmask` pair (IPv4 only)."""
    first = fields[0].strip()
    if "/" in first:
        try:
            return ipaddress.ip_network(first, strict=False)
        except ValueError as exc:
            raise FilterError(f'"{first}" is not an address/bits network') from exc
    if len(fields) < 2:
        raise FilterError(f'"{first}" has no netmask (use ip/bits or an ip and a netmask field)')
    try:
        ip = ipaddress.IPv4Address(first)
        mask = ipaddress.IPv4Address(fields[1].strip())
    except ValueError as exc:
        raise FilterError(f'"{first}" / "{fields[1]}" is not an IPv4 address and netmask') from exc
    m = int(mask)
    bits = bin(m).count("1")
    if m != ((1 << 32) - 1) ^ ((1 << (32 - bits)) - 1):
        raise FilterError(f'netmask "{fields[1]}" is not contiguous; Tayori cannot express it')
    return ipaddress.IPv4Network((int(ip) & m, bits))


@dataclass(frozen=True)
class Block(Generic[T]):
    network: Network
    value: T


def classify(
    networks: Iterable[Network], decide: Callable[[ipaddress.IPv4Address | ipaddress.IPv6Address], T]
) -> list[Block[T]]:
    """Evaluate `decide` on every piece of address space the networks delimit; merged CIDR blocks.

    Only pieces inside the mentioned networks are returned: addresses outside all of them get the
    fallback, which the caller knows.
    """
    out: list[Block[T]] = []
    for version, maxbits in ((4, 32), (6, 128)):
        nets = [n for n in networks if n.version == version]
        if not nets:
            continue
        cuts: set[int] = set()
        for n in nets:
            cuts.add(int(n.network_address))
            cuts.add(int(n.broadcast_address) + 1)
        points = sorted(c for c in cuts if c <= (1 << maxbits))
        make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
        pieces: list[tuple[int, int, T]] = []
        for start, end in itertools.pairwise(points):
            if not any(int(n.network_address) <= start <= int(n.broadcast_address) for n in nets):
                continue
            value = decide(make(start))
            if pieces and pieces[-1][1] == start and pieces[-1][2] == value:
                pieces[-1] = (pieces[-1][0], end, value)
            else:
                pieces.append((start, end, value))
        for start, end, value in pieces:
            for net in ipaddress.summarize_address_range(make(start), make(end - 1)):
                out.append(Block(net, value))
    return out


def client_pattern(net: Network) -> str:
    """The profile's client syntax: a bare address for single hosts, CIDR otherwise."""
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)
