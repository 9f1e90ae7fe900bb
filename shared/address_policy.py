"""Which network addresses a webhook may be sent to: public ones only.

Whoever registers a webhook chooses its URL, and the deliverer POSTs to it from inside our
network. A URL naming ``169.254.169.254`` (a cloud's metadata service), ``localhost``,
``10.0.0.5`` or the Redis host would make the deliverer a way in (server-side request
forgery). So, unless ``CLAIMCHECK_WEBHOOK_ALLOW_PRIVATE`` is set (local testing):

* the intake refuses such a URL when it is registered (:func:`check_url`: the host as
  written, and the ``localhost`` names);
* the deliverer refuses to connect when any address the host resolves to is one
  (:func:`check_resolved`), and connects to the address it checked.

Refused: loopback, private (RFC 1918, unique local ``fc00::/7``), link-local
(``169.254.0.0/16``, ``fe80::/10``), multicast, unspecified (``0.0.0.0``, ``::``),
reserved, and any other range that is not globally routable (``100.64.0.0/10``,
documentation and benchmarking ranges); an IPv6 address that carries an IPv4 one
(IPv4-mapped, NAT64, 6to4) is judged by the IPv4 address. A host written as a legacy IPv4
number (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``), which resolvers take as an
address, is read the way ``inet_aton`` reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address
from typing import Final
from urllib.parse import urlsplit

from shared.errors import RefusedTargetError

IPAddress = IPv4Address | IPv6Address

ALLOW_HINT: Final = "CLAIMCHECK_WEBHOOK_ALLOW_PRIVATE=true allows it for local testing"
_NAT64: Final = IPv6Network("64:ff9b::/96")
_KINDS: Final[tuple[tuple[str, Callable[[IPAddress], bool]], ...]] = (
    ("unspecified", lambda a: a.is_unspecified),
    ("loopback", lambda a: a.is_loopback),
    ("link-local", lambda a: a.is_link_local),
    ("multicast", lambda a: a.is_multicast),
    ("reserved", lambda a: a.is_reserved),
    ("private", lambda a: a.is_private),
    ("not globally routable", lambda a: not a.is_global),
)
_BASES: Final = {"0x": 16, "0X": 16}


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def refusal(address: IPAddress) -> str | None:
    """What kind of non-public address this is (``"loopback"``, ...), or None if public."""
    if isinstance(address, IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return refusal(inner)
    for kind, test in _KINDS:
        if test(address):
            return kind
    return None


def _a(kind: str) -> str:
    """``kind`` with its article: "a loopback", "an unspecified"."""
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"


def _number(text: str) -> int | None:
    """One part of a legacy IPv4 host: decimal, ``0x`` hex or ``0``-led octal."""
    base = _BASES.get(text[:2], 8 if len(text) > 1 and text.startswith("0") else 10)
    digits = text[2:] if base == 16 else text
    try:
        return int(digits, base) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def legacy_ipv4(host: str) -> IPv4Address | None:
    """``host`` read as ``inet_aton`` reads it (1 to 4 parts, the last filling the rest),
    or None when it is not such a number."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = [_number(part) for part in parts]
    if any(v is None for v in values):
        return None
    *head, last = (v for v in values if v is not None)
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for i, v in enumerate(head):
        value |= v << (8 * (3 - i))
    return IPv4Address(value)


def host_address(host: str) -> IPAddress | None:
    """The address a URL's host names literally (IPv6, dotted quad or legacy number)."""
    host = host.strip("[]").rstrip(".")
    try:
        return ip_address(host)
    except ValueError:
        return legacy_ipv4(host)


def is_local_name(host: str) -> bool:
    """``localhost`` and the names under it (RFC 6761: they resolve to loopback)."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def check_url(url: str) -> None:
    """Refuse (:class:`RefusedTargetError`) a URL whose host, as written, is not public."""
    host = urlsplit(url).hostname or ""
    if is_local_name(host):
        raise RefusedTargetError(f"{host} is a loopback name; {ALLOW_HINT}", field="url")
    address = host_address(host)
    kind = refusal(address) if address is not None else None
    if kind is not None:
        written = host.strip("[]")
        what = f"{_a(kind)} address"
        what = what if written == str(address) else f"{address}, {what}"
        raise RefusedTargetError(f"{written} is {what}; {ALLOW_HINT}", field="url")


def check_resolved(host: str, addresses: Iterable[IPAddress]) -> None:
    """Refuse unless every address ``host`` resolved to is public."""
    for address in addresses:
        kind = refusal(address)
        if kind is None:
            continue
        if host.strip("[]") == str(address):
            raise RefusedTargetError(f"{address} is {_a(kind)} address; {ALLOW_HINT}", field="url")
        raise RefusedTargetError(
            f"{host} resolves to {address}, {_a(kind)} address; {ALLOW_HINT}", field="url"
        )
