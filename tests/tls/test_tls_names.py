"""Every SAN set we generate is one that X.509 and host-name verification accept."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confluent_ops.errors import InvalidDnsName
from confluent_ops.tls import CertificateAuthority, SubjectAlternativeNames, validate_dns_name

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
HOST = st.lists(LABEL, min_size=2, max_size=4).map(".".join)

_VALID_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"


def _assert_valid(name: str) -> None:
    import re

    assert len(name) <= 253
    labels = name.split(".")
    if labels[0] == "*":
        assert len(labels) >= 3
        labels = labels[1:]
    for label in labels:
        assert re.fullmatch(_VALID_LABEL, label), name


@given(
    statefulset=LABEL,
    ordinal=st.integers(min_value=0, max_value=999),
    namespace=LABEL,
    headless=st.none() | LABEL,
    services=st.lists(LABEL, max_size=3),
    wildcard=st.booleans(),
    external=st.lists(HOST, max_size=3),
    ips=st.lists(st.ip_addresses().map(str), max_size=3),
)
def test_every_generated_pod_san_set_is_valid(
    statefulset: str, ordinal: int, namespace: str, headless: str | None,
    services: list[str], wildcard: bool, external: list[str], ips: list[str],
) -> None:  # fmt: skip
    sans = SubjectAlternativeNames.for_pod(
        statefulset=statefulset, ordinal=ordinal, namespace=namespace,
        headless_service=headless, services=services, wildcard=wildcard,
        external_dns_names=external, external_ips=ips,
    )  # fmt: skip
    assert len(set(sans.dns_names)) == len(sans.dns_names)
    for name in sans.dns_names:
        _assert_valid(name)
    for address in sans.ip_addresses:
        assert isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address)
    assert sans.to_extension()


@settings(max_examples=15, deadline=None)
@given(names=st.lists(HOST, min_size=1, max_size=5), ips=st.lists(st.ip_addresses(), max_size=3))
def test_issued_certificates_carry_exactly_the_sans_asked_for(
    rsa_ca: CertificateAuthority, names: list[str], ips: list[ipaddress.IPv4Address]
) -> None:
    issued = rsa_ca.issue_server("s", dns_names=names, ip_addresses=ips)
    assert issued.dns_names == tuple(dict.fromkeys(names))
    assert issued.ip_addresses == tuple(dict.fromkeys(ips))


@given(st.text(max_size=80))
def test_any_text_is_either_refused_or_a_valid_host_name(text: str) -> None:
    try:
        validate_dns_name(text)
    except InvalidDnsName:
        return
    _assert_valid(text)


@pytest.mark.parametrize(
    "name", ["localhost", "kafka-0.kafka.confluent.svc", "*.kafka.svc.local", "a1.b2"]
)
def test_plain_host_names_and_leftmost_wildcards_are_accepted(name: str) -> None:
    assert validate_dns_name(name) == name
