"""What a certificate says, and what expires when across a deployment, as values.

Expiry is the outage nobody schedules: a leaf that lapses locks its holder out of every peer; a
CA that lapses breaks every chain through it *and* every truststore that holds it. The timeline
here names, for each date, which components lose what, so that renewal can be planned before
the first handshake fails.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from confluent_ops.errors import InvalidCertificateRequest
from confluent_ops.tls.certificates import (
    IssuedCertificate,
    certificate_tuple,
    load_certificates_pem,
    subject_alternative_names,
)
from confluent_ops.tls.principal import distinguished_name

__all__ = [
    "CertificateSummary",
    "ComponentTrust",
    "ExpiryEvent",
    "expiry_timeline",
    "load_certificates",
]

_USAGE_NAMES = {
    ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth",
    ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth",
}
_SECONDS_PER_DAY = 86400


def _utc_now(now: datetime.datetime | None) -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC) if now is None else now


def load_certificates(data: bytes, what: str) -> tuple[x509.Certificate, ...]:
    """Certificates from PEM (one or many) or DER bytes; a typed error for anything else."""
    if b"-----BEGIN" in data:
        return load_certificates_pem(data, what)
    try:
        return (x509.load_der_x509_certificate(data),)
    except ValueError:
        raise InvalidCertificateRequest(f"{what} is not a PEM or DER certificate") from None


def _key_description(certificate: x509.Certificate) -> str:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    return type(key).__name__


@attrs.frozen
class CertificateSummary:
    """The facts of one certificate that an operator asks about."""

    subject: str
    issuer: str
    serial_number: int
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    not_before: datetime.datetime
    not_after: datetime.datetime
    is_ca: bool
    extended_key_usages: tuple[str, ...]
    key: str
    signature_hash: str
    fingerprint_sha256: str

    @classmethod
    def from_certificate(cls, certificate: x509.Certificate) -> CertificateSummary:
        """Read the summary out of a certificate."""
        names, addresses = subject_alternative_names(certificate)
        try:
            is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        try:
            usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            eku = tuple(_USAGE_NAMES.get(oid, oid.dotted_string) for oid in usages)
        except x509.ExtensionNotFound:
            eku = ()
        algorithm = certificate.signature_hash_algorithm
        return cls(
            subject=distinguished_name(certificate.subject),
            issuer=distinguished_name(certificate.issuer),
            serial_number=certificate.serial_number,
            dns_names=names,
            ip_addresses=tuple(str(a) for a in addresses),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            is_ca=is_ca,
            extended_key_usages=eku,
            key=_key_description(certificate),
            signature_hash=algorithm.name if algorithm is not None else "none",
            fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(":").upper(),
        )

    def days_to_expiry(self, now: datetime.datetime | None = None) -> int:
        """Whole days left (rounded down); negative once expired."""
        seconds = (self.not_after - _utc_now(now)).total_seconds()
        return int(seconds // _SECONDS_PER_DAY)

    def to_text(self, now: datetime.datetime | None = None) -> str:
        """Lines for a terminal: subject, SANs, issuer, days to expiry (``certs inspect``)."""
        sans = [f"DNS:{n}" for n in self.dns_names] + [f"IP:{a}" for a in self.ip_addresses]
        days = self.days_to_expiry(now)
        expiry = f"expired {-days} days ago" if days < 0 else f"{days} days to expiry"
        lines = [
            f"subject: {self.subject}",
            f"  SANs: {', '.join(sans) if sans else '(none)'}",
            f"  issuer: {self.issuer}",
            f"  not after: {self.not_after.isoformat()} ({expiry})",
            f"  key: {self.key}, signed with {self.signature_hash}"
            + (", CA" if self.is_ca else "")
            + (
                f", usages {'/'.join(self.extended_key_usages)}" if self.extended_key_usages else ""
            ),
        ]
        return "\n".join(lines)


@attrs.frozen
class ComponentTrust:
    """One TLS participant: the chain it presents (leaf first; empty if none) and what it trusts."""

    name: str
    presents: tuple[x509.Certificate, ...] = attrs.field(converter=certificate_tuple)
    trusts: tuple[x509.Certificate, ...] = attrs.field(converter=certificate_tuple)

    @classmethod
    def from_issued(
        cls, issued: IssuedCertificate, trusts: Iterable[x509.Certificate]
    ) -> ComponentTrust:
        """A component that presents ``issued`` (named after it) and trusts ``trusts``."""
        return cls(name=issued.name, presents=issued.full_chain, trusts=tuple(trusts))


@attrs.frozen
class ExpiryEvent:
    """A certificate's end of validity and who is hurt by it."""

    at: datetime.datetime
    subject: str
    is_ca: bool
    breaks: tuple[tuple[str, str], ...]
    """(component, why) pairs: what stops working for whom when this certificate lapses."""

    def days_from(self, now: datetime.datetime | None = None) -> int:
        """Whole days from ``now`` until this event (negative if already past)."""
        return int((self.at - _utc_now(now)).total_seconds() // _SECONDS_PER_DAY)


def expiry_timeline(components: Sequence[ComponentTrust]) -> tuple[ExpiryEvent, ...]:
    """Every certificate in use, soonest expiry first, with whom its expiry breaks.

    A leaf's expiry breaks its holder (peers refuse it) and every component whose truststore
    verifies it. A CA's expiry breaks every component whose chain passes through it, and every
    component that trusts it: that component's clients or servers issued under it stop
    verifying.
    """
    der = serialization.Encoding.DER
    members = [
        (
            member.name,
            [c.public_bytes(der) for c in member.presents],
            {c.public_bytes(der) for c in member.trusts},
        )
        for member in components
    ]
    certificates: dict[bytes, x509.Certificate] = {}
    for member in components:
        for certificate in (*member.presents, *member.trusts):
            certificates.setdefault(certificate.public_bytes(der), certificate)
    events = []
    for encoded, certificate in certificates.items():
        summary = CertificateSummary.from_certificate(certificate)
        holders = {name for name, chain, _ in members if chain and chain[0] == encoded}
        issuers = {c for name, chain, _ in members if name in holders for c in chain[1:]}
        breaks: list[tuple[str, str]] = []
        for name, chain, trusted in members:
            if name in holders:
                breaks.append((name, "its own certificate expires; peers refuse it"))
            elif encoded in chain:
                breaks.append((name, "its certificate chain runs through this CA"))
            if encoded in trusted:
                breaks.append((name, "its truststore holds this CA; peers it verifies fail"))
            elif name not in holders and issuers & trusted:
                breaks.append((name, "it verifies the holder of this certificate"))
        events.append(
            ExpiryEvent(
                at=summary.not_after,
                subject=summary.subject,
                is_ca=summary.is_ca,
                breaks=tuple(breaks),
            )
        )
    return tuple(sorted(events, key=lambda e: (e.at, e.subject)))
