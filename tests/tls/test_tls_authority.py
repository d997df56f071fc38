"""Certificates as Java and Kafka need them, and every bad input refused with a typed error."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from tls_helpers import require_program

from confluent_ops.errors import (
    CertificateNotValid,
    InvalidCertificateRequest,
    InvalidDnsName,
    InvalidInput,
    KeyMismatch,
    WeakKey,
)
from confluent_ops.model.secret import Secret
from confluent_ops.tls import (
    CertificateAuthority,
    IssuedCertificate,
    KeyType,
    SubjectAlternativeNames,
)

UTC = datetime.UTC


def _eku(certificate: x509.Certificate) -> set[x509.ObjectIdentifier]:
    return set(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)


def test_self_signed_ca_is_a_ca_that_signs_with_sha256(any_ca: CertificateAuthority) -> None:
    constraints = any_ca.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = any_ca.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert constraints.value.ca
    assert constraints.critical
    assert usage.key_cert_sign
    assert usage.crl_sign
    assert isinstance(any_ca.certificate.signature_hash_algorithm, hashes.SHA256)
    assert any_ca.root == any_ca.certificate


def test_server_certificate_serves_and_connects_to_peers(any_ca: CertificateAuthority) -> None:
    server = any_ca.issue_server("broker-0", dns_names=("localhost",), ip_addresses=("127.0.0.1",))
    assert _eku(server.certificate) == {
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    }
    assert server.dns_names == ("localhost",)
    assert [str(a) for a in server.ip_addresses] == ["127.0.0.1"]
    assert server.chain == (any_ca.certificate,)
    assert server.subject == "CN=broker-0"


def test_client_certificate_is_for_client_authentication_only(any_ca: CertificateAuthority) -> None:
    client = any_ca.issue_client(
        "alice", organizational_unit="eng", organization="Acme", country="US"
    )
    assert _eku(client.certificate) == {ExtendedKeyUsageOID.CLIENT_AUTH}
    assert client.subject == "CN=alice,OU=eng,O=Acme,C=US"
    assert client.dns_names == ()


def test_leaf_keys_follow_the_ca_unless_told(rsa_ca: CertificateAuthority) -> None:
    assert isinstance(rsa_ca.issue_client("a").private_key, rsa.RSAPrivateKey)
    ec_leaf = rsa_ca.issue_client("b", key_type=KeyType.EC_P384)
    assert ec_leaf.certificate.public_key().curve.name == "secp384r1"  # type: ignore[union-attr]


def test_pod_sans_cover_the_stable_name_services_wildcard_and_external_names() -> None:
    sans = SubjectAlternativeNames.for_pod(
        statefulset="kafka",
        ordinal=2,
        namespace="confluent",
        headless_service="kafka-headless",
        services=("kafka-bootstrap",),
        wildcard=True,
        external_dns_names=("b2.kafka.example.com",),
        external_ips=("203.0.113.7",),
    )
    assert "kafka-2.kafka-headless.confluent.svc.cluster.local" in sans.dns_names
    assert "kafka-2.kafka-headless.confluent.svc" in sans.dns_names
    assert "*.kafka-headless.confluent.svc.cluster.local" in sans.dns_names
    assert "kafka-bootstrap.confluent.svc.cluster.local" in sans.dns_names
    assert "kafka-bootstrap" in sans.dns_names
    assert "b2.kafka.example.com" in sans.dns_names
    assert [str(a) for a in sans.ip_addresses] == ["203.0.113.7"]
    assert len(set(sans.dns_names)) == len(sans.dns_names)


def test_intermediate_ca_issues_leaves_with_the_full_chain(rsa_ca: CertificateAuthority) -> None:
    intermediate = rsa_ca.issue_intermediate("team-ca", validity_days=20)
    leaf = intermediate.issue_server("kafka-0", dns_names=("kafka-0.local",))
    assert leaf.chain == (intermediate.certificate, rsa_ca.certificate)
    assert intermediate.root == rsa_ca.certificate
    constraints = intermediate.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.value.path_length == 0


def test_a_certificate_never_outlives_its_ca(rsa_ca: CertificateAuthority) -> None:
    leaf = rsa_ca.issue_client("long-lived", validity_days=3650)
    assert leaf.not_after == rsa_ca.not_after


def test_adopting_a_ca_from_pem_round_trips(rsa_ca: CertificateAuthority) -> None:
    adopted = CertificateAuthority.from_pem(rsa_ca.to_pem(), rsa_ca.private_key_pem())
    assert adopted == rsa_ca
    issued = adopted.issue_client("bob")
    again = IssuedCertificate.from_pem(issued.to_pem(), issued.private_key_pem(), name="bob")
    assert again == issued


def test_a_key_that_does_not_match_its_certificate_is_refused(
    rsa_ca: CertificateAuthority, ec_ca: CertificateAuthority
) -> None:
    with pytest.raises(KeyMismatch):
        CertificateAuthority.from_pem(rsa_ca.to_pem(), ec_ca.private_key_pem())
    leaf = rsa_ca.issue_client("carol")
    other = rsa_ca.issue_client("dave")
    with pytest.raises(KeyMismatch):
        IssuedCertificate.from_pem(leaf.to_pem(), other.private_key_pem(), name="carol")


def test_an_expired_or_not_yet_valid_ca_refuses_to_sign(rsa_ca: CertificateAuthority) -> None:
    later = rsa_ca.not_after + datetime.timedelta(days=1)
    earlier = rsa_ca.certificate.not_valid_before_utc - datetime.timedelta(days=1)
    with pytest.raises(CertificateNotValid, match="expired"):
        rsa_ca.issue_client("x", now=later)
    with pytest.raises(CertificateNotValid, match="not yet valid"):
        CertificateAuthority.from_pem(rsa_ca.to_pem(), rsa_ca.private_key_pem(), now=earlier)


@pytest.mark.parametrize("days", [0, -1, 36_501, 1_000_000_000])
def test_validity_outside_a_hundred_years_is_refused(
    rsa_ca: CertificateAuthority, days: int
) -> None:
    with pytest.raises(InvalidCertificateRequest, match=r"1\.\.36500 days"):
        rsa_ca.issue_client("x", validity_days=days)
    with pytest.raises(InvalidCertificateRequest, match=r"1\.\.36500 days"):
        CertificateAuthority.self_signed("x", validity_days=days)


@pytest.mark.parametrize(
    "name",
    ["", "bad_name", "-lead.example", "trail-.example", "a..b", "a.*.b", "*.com", "x*.a.b",
     "a" * 64 + ".example", "10.0.0.1", "dotted.", "ünïcode.example"],
)  # fmt: skip
def test_invalid_dns_names_are_refused_before_signing(
    rsa_ca: CertificateAuthority, name: str
) -> None:
    with pytest.raises(InvalidDnsName):
        rsa_ca.issue_server("s", dns_names=(name,))


def test_a_server_certificate_needs_a_name_to_be_verified_against(
    rsa_ca: CertificateAuthority,
) -> None:
    with pytest.raises(InvalidCertificateRequest, match="at least one DNS name"):
        rsa_ca.issue_server("nameless")
    with pytest.raises(InvalidDnsName):
        rsa_ca.issue_server("s", ip_addresses=("not-an-ip",))


def _weak_ca(bits: int, digest: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "weak")])
    now = datetime.datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, digest)
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def test_a_key_too_weak_for_java_is_refused() -> None:
    certificate, key = _weak_ca(1024, hashes.SHA256())
    with pytest.raises(WeakKey, match="1024 bits"):
        CertificateAuthority.from_pem(certificate, key)


def test_a_sha1_signed_ca_is_refused(tmp_path: Path) -> None:
    openssl = require_program("openssl")  # cryptography no longer signs with SHA-1
    subprocess.run(
        [openssl, "req", "-x509", "-sha1", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=sha1-ca", "-addext", "basicConstraints=critical,CA:TRUE",
         "-keyout", str(tmp_path / "ca.key"), "-out", str(tmp_path / "ca.crt")],
        check=True, capture_output=True,
    )  # fmt: skip
    with pytest.raises(WeakKey, match="sha1"):
        CertificateAuthority.from_pem(
            (tmp_path / "ca.crt").read_bytes(), (tmp_path / "ca.key").read_bytes()
        )


def test_unreadable_key_is_reported_without_quoting_it(rsa_ca: CertificateAuthority) -> None:
    secret_text = "-----BEGIN PRIVATE KEY-----\nTOPSECRETMATERIAL\n-----END PRIVATE KEY-----\n"
    with pytest.raises(InvalidCertificateRequest) as caught:
        CertificateAuthority.from_pem(rsa_ca.to_pem(), Secret(secret_text))
    assert "TOPSECRET" not in str(caught.value)


def test_errors_are_invalid_input_so_the_command_exits_65() -> None:
    for error in (KeyMismatch, CertificateNotValid, WeakKey, InvalidDnsName):
        assert issubclass(error, InvalidInput)


def test_no_repr_reveals_a_key(rsa_ca: CertificateAuthority) -> None:
    leaf = rsa_ca.issue_client("erin")
    body = leaf.private_key_pem().reveal().splitlines()[1]
    for text in (repr(rsa_ca), repr(leaf), str(leaf), repr(leaf.private_key_pem())):
        assert body not in text
        assert "PRIVATE KEY" not in text
