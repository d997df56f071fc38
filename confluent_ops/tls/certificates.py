"""Issued certificates: a leaf, its private key and the chain up to the root, as one value.

The three travel together because every store and every Secret needs all three, and because a
key apart from its certificate is how mismatched stores are made. The key never appears in a
repr; it leaves this value only through :meth:`IssuedCertificate.private_key_pem`, as a Secret.
"""

from __future__ import annotations

import datetime
import enum
import ipaddress
from collections.abc import Iterable

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from confluent_ops.errors import InvalidCertificateRequest
from confluent_ops.model.secret import Secret
from confluent_ops.tls.keys import (
    PrivateKey,
    check_key_matches,
    check_key_strength,
    load_private_key_pem,
    private_key_to_pem,
)
from confluent_ops.tls.names import IpAddress
from confluent_ops.tls.principal import distinguished_name

__all__ = [
    "CertificateUsage",
    "IssuedCertificate",
    "certificates_to_pem",
    "load_certificates_pem",
    "subject_alternative_names",
]


class CertificateUsage(enum.Enum):
    """What a leaf certificate may authenticate: the extended key usages Java checks."""

    SERVER = "server"
    """A server that is also a TLS client of its peers (brokers, ZooKeeper, Connect, ...)."""
    CLIENT = "client"
    """A client only: a producer, consumer or admin tool, mapped to a Kafka principal."""

    def extended_key_usages(self) -> x509.ExtendedKeyUsage:
        """``serverAuth`` and ``clientAuth`` for servers, ``clientAuth`` alone for clients.

        Servers carry ``clientAuth`` too because brokers connect to each other (and to
        ZooKeeper) with the same keystore, and Java refuses a client certificate without it.
        """
        if self is CertificateUsage.SERVER:
            return x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            )
        return x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])


def certificate_tuple(certificates: Iterable[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """Certificates as a tuple: the converter behind every ``chain`` field."""
    return tuple(certificates)


def load_certificates_pem(data: bytes | str, what: str) -> tuple[x509.Certificate, ...]:
    """Every certificate in a PEM text, in order; at least one, else a typed error."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        certificates = tuple(x509.load_pem_x509_certificates(raw))
    except ValueError:
        raise InvalidCertificateRequest(f"{what} holds no readable PEM certificate") from None
    return certificates


def certificates_to_pem(certificates: tuple[x509.Certificate, ...]) -> str:
    """PEM text of the certificates, in the order given."""
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certificates)


def subject_alternative_names(
    certificate: x509.Certificate,
) -> tuple[tuple[str, ...], tuple[IpAddress, ...]]:
    """The DNS names and IP addresses a certificate is valid for, as it carries them."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return (), ()
    names = tuple(extension.value.get_values_for_type(x509.DNSName))
    addresses = tuple(extension.value.get_values_for_type(x509.IPAddress))
    return names, tuple(
        a for a in addresses if isinstance(a, ipaddress.IPv4Address | ipaddress.IPv6Address)
    )


@attrs.frozen(repr=False)
class IssuedCertificate:
    """A leaf certificate with its private key and its chain (issuer first, root last).

    ``name`` is the alias the stores use for the key entry. Two values are equal when their
    certificates and chains are; the key follows from the certificate.
    """

    name: str
    certificate: x509.Certificate
    private_key: PrivateKey = attrs.field(eq=False)
    chain: tuple[x509.Certificate, ...] = attrs.field(default=(), converter=certificate_tuple)

    def __attrs_post_init__(self) -> None:
        check_key_matches(self.private_key, self.certificate, self.subject)
        check_key_strength(self.certificate.public_key(), f"certificate {self.subject}")

    @classmethod
    def from_pem(
        cls, certificate_pem: bytes | str, private_key_pem: bytes | str | Secret, *, name: str
    ) -> IssuedCertificate:
        """A leaf from PEM text (leaf first, then its chain) and its unencrypted PEM key."""
        certificates = load_certificates_pem(certificate_pem, f"certificate of {name}")
        key = load_private_key_pem(private_key_pem, f"private key of {name}")
        return cls(name=name, certificate=certificates[0], private_key=key, chain=certificates[1:])

    @property
    def subject(self) -> str:
        """The subject as Java prints it (RFC 2253), which is also the default Kafka principal."""
        return distinguished_name(self.certificate.subject)

    @property
    def issuer(self) -> str:
        """The issuer's distinguished name (RFC 2253)."""
        return distinguished_name(self.certificate.issuer)

    @property
    def dns_names(self) -> tuple[str, ...]:
        """The DNS names among the subject alternative names."""
        return subject_alternative_names(self.certificate)[0]

    @property
    def ip_addresses(self) -> tuple[IpAddress, ...]:
        """The IP addresses among the subject alternative names."""
        return subject_alternative_names(self.certificate)[1]

    @property
    def not_before(self) -> datetime.datetime:
        """Start of validity (UTC)."""
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime.datetime:
        """End of validity (UTC)."""
        return self.certificate.not_valid_after_utc

    @property
    def full_chain(self) -> tuple[x509.Certificate, ...]:
        """The leaf followed by its chain: what a server presents in the handshake."""
        return (self.certificate, *self.chain)

    def to_pem(self) -> str:
        """Leaf then chain, as ``tls.crt`` holds them (the layout of a ``kubernetes.io/tls``)."""
        return certificates_to_pem(self.full_chain)

    def certificate_pem(self) -> str:
        """The leaf certificate alone, as PEM."""
        return certificates_to_pem((self.certificate,))

    def private_key_pem(self) -> Secret:
        """The private key as unencrypted PKCS#8 PEM. Write it with mode 0600; never log it."""
        return private_key_to_pem(self.private_key)

    def __repr__(self) -> str:
        return (
            f"IssuedCertificate(name={self.name!r}, subject={self.subject!r}, "
            f"not_after={self.not_after.isoformat()!r})"
        )
