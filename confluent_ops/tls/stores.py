"""Keystores and truststores, as the bytes Java, librdkafka and kafka-python read.

- Keystores: PKCS12 (Java's default type since 9, and librdkafka's ``ssl.keystore.location``)
  and JKS (older tools and Confluent's operator layout), each holding one PrivateKeyEntry: the
  key with the leaf and its chain.
- Truststores: Java ignores certificates in a PKCS12 file unless each carries Java's
  trusted-key-usage attribute (a certs-only PKCS12 reads as an empty truststore), so they are
  built with ``pkcs12.serialize_java_truststore``; JKS truststores hold trustedCertEntry items.
- PEM (``tls.crt``, ``tls.key``, ``ca.crt``) for librdkafka, kafka-python and Kubernetes.

PKCS12 files are encrypted with PBES2 (AES-256-CBC, PBKDF2-SHA256) and an HMAC-SHA256 MAC,
which Java 17 reads and which no disabled algorithm touches. Everything here is pure: bytes in
memory, no file is written (see :mod:`confluent_ops.tls.files`).
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable, Sequence

import attrs
import jks
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from confluent_ops.errors import InvalidCertificateRequest
from confluent_ops.model.secret import Secret
from confluent_ops.tls.authority import CertificateAuthority
from confluent_ops.tls.certificates import IssuedCertificate, certificates_to_pem
from confluent_ops.tls.principal import distinguished_name

__all__ = [
    "StoreSet",
    "StoreType",
    "generate_store_password",
    "keystore_jks",
    "keystore_pkcs12",
    "truststore_aliases",
    "truststore_jks",
    "truststore_pkcs12",
]

_PASSWORD_BYTES = 24
_MIN_PASSWORD_LENGTH = 6  # keytool refuses shorter store passwords
_KDF_ROUNDS = 10000


class StoreType(enum.Enum):
    """The Java store formats written for every bundle (``ssl.keystore.type`` values)."""

    PKCS12 = "PKCS12"
    JKS = "JKS"


def generate_store_password() -> Secret:
    """A random store password (32 URL-safe characters, 192 bits): no quoting ever needed."""
    return Secret(secrets.token_urlsafe(_PASSWORD_BYTES))


def _check_password(password: Secret) -> str:
    value = password.reveal()
    if len(value) < _MIN_PASSWORD_LENGTH:
        raise InvalidCertificateRequest(
            f"a store password needs at least {_MIN_PASSWORD_LENGTH} characters (keytool's rule)"
        )
    return value


def _pkcs12_encryption(password: Secret) -> serialization.KeySerializationEncryption:
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(_check_password(password).encode("utf-8"))
    )


def truststore_aliases(certificates: Sequence[x509.Certificate]) -> tuple[str, ...]:
    """One alias per trusted certificate: ``ca`` for one, ``ca-0``, ``ca-1``... for several."""
    if len(certificates) == 1:
        return ("ca",)
    return tuple(f"ca-{index}" for index in range(len(certificates)))


def _trusted(certificates: Iterable[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    trusted = tuple(dict.fromkeys(certificates))
    if not trusted:
        raise InvalidCertificateRequest("a truststore needs at least one certificate")
    return trusted


def keystore_pkcs12(issued: IssuedCertificate, password: Secret) -> bytes:
    """A PKCS12 keystore with one PrivateKeyEntry (alias ``issued.name``) and its chain."""
    return pkcs12.serialize_key_and_certificates(
        name=issued.name.encode("utf-8"),
        key=issued.private_key,
        cert=issued.certificate,
        cas=issued.chain,
        encryption_algorithm=_pkcs12_encryption(password),
    )


def truststore_pkcs12(certificates: Iterable[x509.Certificate], password: Secret) -> bytes:
    """A PKCS12 truststore Java reads: every certificate a trustedCertEntry."""
    trusted = _trusted(certificates)
    entries = [
        pkcs12.PKCS12Certificate(certificate, alias.encode("utf-8"))
        for certificate, alias in zip(trusted, truststore_aliases(trusted), strict=True)
    ]
    return pkcs12.serialize_java_truststore(entries, _pkcs12_encryption(password))


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def keystore_jks(issued: IssuedCertificate, password: Secret) -> bytes:
    """A JKS keystore with one PrivateKeyEntry; the key password is the store password."""
    pkcs8 = issued.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    entry = jks.PrivateKeyEntry.new(
        issued.name, [_der(c) for c in issued.full_chain], pkcs8, "pkcs8"
    )
    store = jks.KeyStore.new("jks", [entry])
    result: bytes = store.saves(_check_password(password))
    return result


def truststore_jks(certificates: Iterable[x509.Certificate], password: Secret) -> bytes:
    """A JKS truststore: every certificate a trustedCertEntry."""
    trusted = _trusted(certificates)
    entries = [
        jks.TrustedCertEntry.new(alias, _der(certificate))
        for certificate, alias in zip(trusted, truststore_aliases(trusted), strict=True)
    ]
    result: bytes = jks.KeyStore.new("jks", entries).saves(_check_password(password))
    return result


def _trusted_from(
    trust: CertificateAuthority | Iterable[x509.Certificate],
) -> tuple[x509.Certificate, ...]:
    if isinstance(trust, CertificateAuthority):
        return (trust.root,)
    return _trusted(trust)


@attrs.frozen(repr=False)
class StoreSet:
    """Every store a component needs, in memory: the contents of a bundle directory.

    Build with :meth:`build`; write with :func:`confluent_ops.tls.write_store_bundle`, or put
    into a Kubernetes Secret with :mod:`confluent_ops.tls.kubernetes_secrets`. One password
    protects every store and the key entries in them (Kafka's ``ssl.key.password`` equals
    ``ssl.keystore.password``), which is what Confluent's operator expects too.
    """

    name: str
    tls_crt: str
    tls_key: Secret
    ca_crt: str
    keystore_p12: bytes
    keystore_jks: bytes
    truststore_p12: bytes
    truststore_jks: bytes
    password: Secret
    trusted_subjects: tuple[str, ...]

    @classmethod
    def build(
        cls,
        issued: IssuedCertificate,
        trust: CertificateAuthority | Iterable[x509.Certificate],
        *,
        password: Secret | None = None,
    ) -> StoreSet:
        """The stores for ``issued``, trusting ``trust`` (a CA's root, or certificates).

        Several trusted certificates are how a CA rollover keeps old and new peers talking.
        A password is generated when none is given.
        """
        trusted = _trusted_from(trust)
        secret = generate_store_password() if password is None else password
        _check_password(secret)
        return cls(
            name=issued.name,
            tls_crt=issued.to_pem(),
            tls_key=issued.private_key_pem(),
            ca_crt=certificates_to_pem(trusted),
            keystore_p12=keystore_pkcs12(issued, secret),
            keystore_jks=keystore_jks(issued, secret),
            truststore_p12=truststore_pkcs12(trusted, secret),
            truststore_jks=truststore_jks(trusted, secret),
            password=secret,
            trusted_subjects=tuple(distinguished_name(c.subject) for c in trusted),
        )

    def __repr__(self) -> str:
        return f"StoreSet(name={self.name!r}, trusted_subjects={self.trusted_subjects!r})"
