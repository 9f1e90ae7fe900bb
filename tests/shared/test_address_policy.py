"""Which addresses a webhook may target: public ones, however the URL writes the host."""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, ip_address

import pytest

from shared.address_policy import check_resolved, check_url, legacy_ipv4, refusal
from shared.errors import RefusedTargetError


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not globally routable"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:169.254.169.254", "link-local"),  # IPv4-mapped
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ],
)
def test_non_public_addresses_are_named_for_what_they_are(host: str, kind: str) -> None:
    assert refusal(ip_address(host)) == kind


@pytest.mark.parametrize("host", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(host: str) -> None:
    assert refusal(ip_address(host)) is None


@pytest.mark.parametrize(
    "written",
    ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7F.1", "0", "1.2.3", "1.256",
     "017700000001", "256.1.1.1", "1.2.65536", "4294967296", "0x", "08", "a.b", "1..2", ""],
)  # fmt: skip
def test_legacy_numbers_read_as_inet_aton_reads_them(written: str) -> None:
    try:
        expected: IPv4Address | None = IPv4Address(socket.inet_aton(written))
    except OSError:
        expected = None
    assert legacy_ipv4(written) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8080/x",
        "https://LOCALHOST./x",
        "http://hooks.localhost/x",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5:6379/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_registration_refuses_urls_naming_internal_hosts(url: str) -> None:
    with pytest.raises(RefusedTargetError) as caught:
        check_url(url)
    assert caught.value.field == "url"
    assert "CLAIMCHECK_WEBHOOK_ALLOW_PRIVATE" in str(caught.value)


@pytest.mark.parametrize(
    "url", ["https://hooks.example/x", "http://93.184.216.34:8080/y", "https://cms.example.org/"]
)
def test_registration_takes_public_hosts_and_names(url: str) -> None:
    check_url(url)  # a name is checked when the deliverer resolves it


def test_every_resolved_address_must_be_public() -> None:
    check_resolved("hooks.example", [ip_address("93.184.216.34")])
    with pytest.raises(RefusedTargetError, match=r"resolves to 10\.0\.0\.7, a private address"):
        check_resolved("hooks.example", [ip_address("93.184.216.34"), ip_address("10.0.0.7")])
