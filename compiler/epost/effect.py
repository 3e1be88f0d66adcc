"""`effect.dat`: E-Post's relay rules, one `<pattern>[ <type>[,n]]` per line, first match wins.

Patterns are client addresses (exact, `192.168.0.*` string prefix, CIDR, IPv6) or envelope-sender
patterns (a domain, `*.domain`, an address, or one of `#blank #<> #number #nodomain #host`); a
domain is compared with MAIL FROM, never with the client. Lines starting with `'`, a space or
nothing are comments (source behaviour; the guide does not say). Only the first token after the
single space is read, so text after a second space is ignored by E-Post.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from tayori.compiler.legacy_text import Line
from tayori.compiler.problems import Problem

TYPES = ("true", "false", "default", "norelay", "only")

# E-Post's sender classes -> the profile's sender classes
SENDER_CLASSES = {
    "#<>": "class:null",
    "#number": "class:numeric",
    "#nodomain": "class:no-domain",
    "#host": "class:dotless",
}
BLANK = "#blank"

_IPV4_WILDCARD = re.compile(r"^[0-9.]*\*[0-9.*]*$")
_DOMAIN_PATTERN = re.compile(r"^[A-Za-z0-9*][A-Za-z0-9.*_-]*$")
_ADDRESS_PATTERN = re.compile(r"^[^@\s]*@[A-Za-z0-9.*_-]*$")


@dataclass
class EffectRule:
    line: int
    raw: str
    pattern: str
    type: str  # one of TYPES; a bare pattern is "true"
    option: int | None  # the ",n" suffix
    clients: list[str] = field(default_factory=list)  # profile client patterns
    senders: list[str] = field(default_factory=list)  # profile sender patterns
    catch_all: bool = False  # matches every client
    blank: bool = False  # `#blank`: MAIL FROM with nothing at all
    ignored_text: str = ""  # after a second space: E-Post does not read it

    @property
    def by_sender(self) -> bool:
        return bool(self.senders) or self.blank


@dataclass
class EffectFile:
    rules: list[EffectRule] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _prefix_networks(prefix: str) -> list[str] | None:
    """CIDR networks matching E-Post's string-prefix wildcard (`192.168.1*` matches 192.168.10.x too)."""
    octets = prefix.split(".")
    full, partial = octets[:-1], octets[-1]
    if len(full) > 3 or any(not o.isdigit() or int(o) > 255 for o in full):
        return None
    if partial and (not partial.isdigit() or len(partial) > 3):
        return None
    base = [int(o) for o in full]
    candidates = [v for v in range(256) if str(v).startswith(partial)]
    nets = [
        ipaddress.IPv4Network((int.from_bytes(bytes([*base, v] + [0] * (3 - len(base))), "big"), 8 * len(base) + 8))
        for v in candidates
    ]
    return [str(n) for n in ipaddress.collapse_addresses(nets)]


def client_patterns(pattern: str) -> tuple[list[str], bool] | None:
    """Profile client patterns for an IP-like E-Post pattern, and whether it matches everyone."""
    if pattern.startswith("*"):
        # E-Post compares the client string up to the first `*`: an empty prefix matches all.
        return ["*"], True
    if "/" in pattern:
        try:
            net = ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return None
        return [str(net)], net.prefixlen == 0
    if "*" in pattern:
        if not _IPV4_WILDCARD.match(pattern):
            return None
        prefix = pattern.split("*", 1)[0]
        if re.fullmatch(r"(\d{1,3}\.){1,3}\*(\.\*)*", pattern) and all(
            int(o) <= 255 for o in prefix.rstrip(".").split(".")
        ):
            # the usual octet-aligned form means what the profile's wildcard means: keep it readable
            octets = prefix.rstrip(".").split(".")
            return [".".join(octets + ["*"] * (4 - len(octets)))], False
        nets = _prefix_networks(prefix)
        if nets is None:
            return None
        return nets, False
    try:
        return [str(ipaddress.ip_address(pattern))], False
    except ValueError:
        return None


def _looks_like_ip(pattern: str) -> bool:
    return bool(re.fullmatch(r"[0-9.*/]+", pattern)) or (":" in pattern and "@" not in pattern)


def parse_effect(lines: list[Line]) -> EffectFile:
    out = EffectFile()
    for line in lines:
        text = line.text
        if text == "" or text[0] in "' \r\n":
            out.comments.append(line.number)
            continue
        if "\t" in text.split(" ", 1)[0]:
            out.problems.append(Problem(line.number, "epost.effect.tab", {}, "tab"))
            continue
        pattern, _, rest = text.partition(" ")
        type_token, _, ignored = rest.partition(" ")
        kind, _, opt = type_token.partition(",")
        kind = kind.lower() or "true"
        if kind not in TYPES:
            out.problems.append(Problem(line.number, "epost.effect.bad_type", {"type": type_token}, "type"))
            continue
        option: int | None = None
        if opt:
            if not opt.strip().isdigit() or int(opt) > 2:
                out.problems.append(Problem(line.number, "epost.effect.bad_option", {"type": type_token}, "option"))
                continue
            option = int(opt)
            if option == 1:
                option = None  # ",1" is the same as no suffix
        rule = EffectRule(line.number, text, pattern, kind, option, ignored_text=ignored.strip())
        low = pattern.lower()
        if low == BLANK:
            rule.blank = True
        elif low in SENDER_CLASSES:
            rule.senders = [SENDER_CLASSES[low]]
        elif low.startswith("#"):
            out.problems.append(Problem(line.number, "epost.effect.bad_class", {"pattern": pattern}, "class"))
            continue
        elif _looks_like_ip(pattern):
            parsed = client_patterns(pattern)
            if parsed is None:
                out.problems.append(Problem(line.number, "epost.effect.bad_ip", {"pattern": pattern}, "ip"))
                continue
            rule.clients, rule.catch_all = parsed
        elif "@" in pattern:
            if not _ADDRESS_PATTERN.match(pattern):
                out.problems.append(Problem(line.number, "epost.effect.bad_sender", {"pattern": pattern}, "sender"))
                continue
            rule.senders = [pattern.lower()]
        elif _DOMAIN_PATTERN.match(pattern) and pattern.count("*") <= 2:
            rule.senders = [pattern.lower()]
        else:
            out.problems.append(Problem(line.number, "epost.effect.bad_sender", {"pattern": pattern}, "sender"))
            continue
        out.rules.append(rule)
    return out


def only_mode_at_end(rules: list[EffectRule]) -> bool:
    """Whether E-Post is in "only mode" when no line matched: set by `only`, reset by true/false."""
    state = False
    for rule in rules:
        if rule.type == "only":
            state = True
        elif rule.type in ("true", "false"):
            state = False
    return state
