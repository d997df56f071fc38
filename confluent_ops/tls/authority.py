"""Certificate authorities: make one, or adopt a user's own, and issue from it.

Everything a CA signs is checked before it is signed: the CA must be valid now, hold the key
that matches its certificate, and be strong enough for every client (RSA 2048 or EC P-256,
SHA-256 or better); names must be valid host names; validity must be positive. A certificate
never outlives its issuer (its end of validity is clamped to the CA's), since Java rejects a
chain with an expired link anyway.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import attrs
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from confluent_ops.errors import CertificateNotValid, InvalidCertificateRequest
from confluent_ops.model.secret import Secret
from confluent_ops.tls.certificates import (
    CertificateUsage,
    IssuedCertificate,
    certificate_tuple,
    certificates_to_pem,
    load_certificates_pem,
)
from confluent_ops.tls.keys import (
    KeyType,
    PrivateKey,
    check_key_matches,
    check_key_strength,
    check_signature_hash,
    load_private_key_pem,
    private_key_to_pem,
    signature_hash_for,
)
from confluent_ops.tls.names import IpAddress, SubjectAlternativeNames
from confluent_ops.tls.principal import distinguished_name

__all__ = ["MAX_VALIDITY_DAYS", "CertificateAuthority", "subject_name"]

CLOCK_SKEW = datetime.timedelta(minutes=5)
"""How far back a new certificate's validity starts, so peers with slow clocks accept it."""


def _now(now: datetime.datetime | None) -> datetime.datetime:
    if now is None:
        return datetime.datetime.now(datetime.UTC)
    if now.tzinfo is None:
        raise InvalidCertificateRequest("now must be timezone-aware (UTC)")
    return now


MAX_VALIDITY_DAYS = 36_500
"""A hundred years: longer validity is a typo, and dates past 9999 cannot be encoded."""


def _check_validity_days(days: int) -> None:
    if isinstance(days, bool) or not 1 <= days <= MAX_VALIDITY_DAYS:
        raise InvalidCertificateRequest(f"validity must be 1..{MAX_VALIDITY_DAYS} days, not {days}")


def _check_attribute(what: str, value: str) -> None:
    """X.509 caps names at 64 bytes of UTF-8 (an accented letter takes two)."""
    size = len(value.encode("utf-8", errors="surrogatepass"))
    if not value or size > 64:
        raise InvalidCertificateRequest(
            f"a {what} must hold 1 to 64 bytes of UTF-8, not {size} "
            f"({len(value)} characters; accented letters take 2 bytes or more)"
        )
    if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise InvalidCertificateRequest(f"a {what} must not hold control or surrogate characters")


def _check_common_name(common_name: str) -> None:
    _check_attribute("common name", common_name)


def subject_name(
    common_name: str,
    *,
    organizational_unit: str | None = None,
    organization: str | None = None,
    country: str | None = None,
) -> x509.Name:
    """A subject whose RFC 2253 form reads ``CN=...,OU=...,O=...,C=...``.

    Attributes are encoded from the country down, so that Java prints the common name first:
    the form Kafka's principal mapping rules (and most examples of them) expect.
    """
    _check_common_name(common_name)
    if country is not None and (len(country) != 2 or not country.isascii()):
        raise InvalidCertificateRequest("a country must be a two-letter code")
    if organization is not None:
        _check_attribute("organization", organization)
    if organizational_unit is not None:
        _check_attribute("organizational unit", organizational_unit)
    attributes = []
    if country is not None:
        attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    if organization is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if organizational_unit is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, organizational_unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _ca_extensions(
    key: PrivateKey, path_length: int | None
) -> list[tuple[x509.ExtensionType, bool]]:
    """What makes a certificate a CA that Java accepts as an issuer."""
    key_usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    return [
        (x509.BasicConstraints(ca=True, path_length=path_length), True),
        (key_usage, True),
        (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
    ]


@attrs.frozen(repr=False)
class CertificateAuthority:
    """A CA that can sign: its certificate, its private key, and the chain above it.

    ``chain`` is empty for a self-signed root; for an intermediate it runs from the CA's issuer
    up to the root. Leaves issued here carry the CA and that chain, so clients that trust only
    the root still verify them.
    """

    certificate: x509.Certificate
    private_key: PrivateKey = attrs.field(eq=False)
    chain: tuple[x509.Certificate, ...] = attrs.field(default=(), converter=certificate_tuple)

    @classmethod
    def self_signed(
        cls,
        common_name: str,
        *,
        key_type: KeyType = KeyType.RSA_2048,
        validity_days: int = 1825,
        organization: str | None = None,
        path_length: int | None = 1,
        now: datetime.datetime | None = None,
    ) -> CertificateAuthority:
        """A new root CA (``path_length=1`` lets it sign one level of intermediates)."""
        _check_validity_days(validity_days)
        subject = subject_name(common_name, organization=organization)
        start = _now(now)
        key = key_type.generate()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start - CLOCK_SKEW)
            .not_valid_after(start + datetime.timedelta(days=validity_days))
        )
        for extension, critical in _ca_extensions(key, path_length):
            builder = builder.add_extension(extension, critical=critical)
        certificate = builder.sign(key, signature_hash_for(key))
        return cls(certificate=certificate, private_key=key)

    @classmethod
    def from_pem(
        cls,
        certificate_pem: bytes | str,
        private_key_pem: bytes | str | Secret,
        *,
        now: datetime.datetime | None = None,
    ) -> CertificateAuthority:
        """Adopt an existing CA: its certificate (then its chain) and its unencrypted key.

        Refused with a typed error when the certificate is not a CA, the key is not its key,
        the CA is expired or not yet valid at ``now``, or either is weaker than Java accepts.
        """
        certificates = load_certificates_pem(certificate_pem, "the CA certificate")
        key = load_private_key_pem(private_key_pem, "the CA private key")
        authority = cls(certificate=certificates[0], private_key=key, chain=certificates[1:])
        authority.check_can_sign(now=now)
        return authority

    @property
    def subject(self) -> str:
        """The CA's distinguished name as Java prints it."""
        return distinguished_name(self.certificate.subject)

    @property
    def root(self) -> x509.Certificate:
        """The trust anchor: the root at the top of the chain (this CA when self-signed)."""
        return self.chain[-1] if self.chain else self.certificate

    @property
    def not_after(self) -> datetime.datetime:
        """End of the CA's validity (UTC)."""
        return self.certificate.not_valid_after_utc

    def check_can_sign(self, *, now: datetime.datetime | None = None) -> None:
        """Raise a typed error unless this CA may sign right now (see :meth:`from_pem`)."""
        at = _now(now)
        subject = self.subject
        try:
            constraints = self.certificate.extensions.get_extension_for_class(
                x509.BasicConstraints
            ).value
        except x509.ExtensionNotFound:
            constraints = None
        if constraints is None or not constraints.ca:
            raise InvalidCertificateRequest(f"{subject} is not a CA certificate")
        check_key_matches(self.private_key, self.certificate, subject)
        check_key_strength(self.certificate.public_key(), f"CA {subject}")
        check_signature_hash(self.certificate, f"CA {subject}")
        for link in self.chain:
            check_signature_hash(link, f"chain certificate {distinguished_name(link.subject)}")
        begins = self.certificate.not_valid_before_utc
        ends = self.certificate.not_valid_after_utc
        if not begins <= at <= ends:
            raise CertificateNotValid(
                subject,
                not_before=begins.isoformat(),
                not_after=ends.isoformat(),
                at=at.isoformat(),
            )

    def to_pem(self) -> str:
        """The CA certificate then its chain, as PEM (``ca.crt`` of ``certs ca``)."""
        return certificates_to_pem(certificate_tuple((self.certificate, *self.chain)))

    def root_pem(self) -> str:
        """The trust anchor alone, as PEM: what a truststore or ``ca.crt`` of a leaf holds."""
        return certificates_to_pem((self.root,))

    def private_key_pem(self) -> Secret:
        """The CA key as unencrypted PKCS#8 PEM. Keep it out of the cluster; mode 0600."""
        return private_key_to_pem(self.private_key)

    def _sign(
        self,
        *,
        subject: x509.Name,
        key: PrivateKey,
        validity_days: int,
        now: datetime.datetime | None,
        extensions: Iterable[tuple[x509.ExtensionType, bool]],
    ) -> x509.Certificate:
        _check_validity_days(validity_days)
        at = _now(now)
        self.check_can_sign(now=at)
        not_after = min(at + datetime.timedelta(days=validity_days), self.not_after)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(max(at - CLOCK_SKEW, self.certificate.not_valid_before_utc))
            .not_valid_after(not_after)
        )
        try:
            issuer_key_id = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                self.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            )
        except x509.ExtensionNotFound:
            issuer_key_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.private_key.public_key()
            )
        builder = builder.add_extension(issuer_key_id, critical=False)
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(self.private_key, signature_hash_for(self.private_key))

    def issue_intermediate(
        self,
        common_name: str,
        *,
        key_type: KeyType = KeyType.RSA_2048,
        validity_days: int = 1825,
        organization: str | None = None,
        now: datetime.datetime | None = None,
    ) -> CertificateAuthority:
        """An intermediate CA under this one, for issuing without exposing the root's key."""
        subject = subject_name(common_name, organization=organization)
        key = key_type.generate()
        certificate = self._sign(
            subject=subject,
            key=key,
            validity_days=validity_days,
            now=now,
            extensions=_ca_extensions(key, 0),
        )
        return CertificateAuthority(
            certificate=certificate,
            private_key=key,
            chain=certificate_tuple((self.certificate, *self.chain)),
        )

    def issue(
        self,
        name: str,
        *,
        subject: x509.Name,
        usage: CertificateUsage,
        sans: SubjectAlternativeNames = SubjectAlternativeNames(),  # noqa: B008 - frozen value
        validity_days: int = 365,
        key_type: KeyType | None = None,
        key: PrivateKey | None = None,
        now: datetime.datetime | None = None,
    ) -> IssuedCertificate:
        """Sign a leaf for ``subject`` (the general form behind the ``issue_*`` methods).

        A new key of ``key_type`` (default: the CA's own type) is generated unless ``key`` is
        given, as when a renewal keeps the old key.
        """
        if usage is CertificateUsage.SERVER and not sans:
            raise InvalidCertificateRequest(
                f"server certificate {name!r} needs at least one DNS name or IP address"
            )
        if key is None:
            key = (key_type or KeyType.of(self.private_key.public_key())).generate()
        else:
            check_key_strength(key.public_key(), f"key for {name}")
        key_usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=False,
            key_encipherment=isinstance(key, rsa.RSAPrivateKey),
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (key_usage, True),
            (usage.extended_key_usages(), False),
            (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        ]
        if sans:
            extensions.append((sans.to_extension(), False))
        certificate = self._sign(
            subject=subject, key=key, validity_days=validity_days, now=now, extensions=extensions
        )
        return IssuedCertificate(
            name=name,
            certificate=certificate,
            private_key=key,
            chain=certificate_tuple((self.certificate, *self.chain)),
        )

    def issue_server(
        self,
        name: str,
        *,
        dns_names: Iterable[str] = (),
        ip_addresses: Iterable[str | IpAddress] = (),
        sans: SubjectAlternativeNames | None = None,
        validity_days: int = 365,
        key_type: KeyType | None = None,
        organization: str | None = None,
        now: datetime.datetime | None = None,
        key: PrivateKey | None = None,
    ) -> IssuedCertificate:
        """A server certificate (``serverAuth`` + ``clientAuth``) with CN ``name``.

        The SANs are ``sans`` (for instance :meth:`SubjectAlternativeNames.for_pod`) followed by
        ``dns_names`` and ``ip_addresses``; every name is validated before anything is signed.
        ``key`` keeps an existing key (a renewal), else a new one is made.
        """
        extra = SubjectAlternativeNames(
            dns_names=tuple(dns_names), ip_addresses=tuple(str(a) for a in ip_addresses)
        )
        all_sans = extra if sans is None else sans.merged(extra)
        return self.issue(
            name,
            subject=subject_name(name, organization=organization),
            usage=CertificateUsage.SERVER,
            sans=all_sans,
            validity_days=validity_days,
            key_type=key_type,
            key=key,
            now=now,
        )

    def issue_client(
        self,
        name: str,
        *,
        organizational_unit: str | None = None,
        organization: str | None = None,
        country: str | None = None,
        validity_days: int = 365,
        key_type: KeyType | None = None,
        now: datetime.datetime | None = None,
    ) -> IssuedCertificate:
        """A client certificate (``clientAuth`` only) whose subject maps to a Kafka principal.

        The subject reads ``CN=<name>[,OU=...][,O=...][,C=...]``: with the ``DEFAULT`` mapping
        rule that whole string is the principal; a rule such as ``RULE:^CN=(.*?),.*$/$1/``
        makes it ``User:<name>`` (see :class:`~confluent_ops.tls.PrincipalMapper`).
        """
        return self.issue(
            name,
            subject=subject_name(
                name,
                organizational_unit=organizational_unit,
                organization=organization,
                country=country,
            ),
            usage=CertificateUsage.CLIENT,
            validity_days=validity_days,
            key_type=key_type,
            now=now,
        )

    def reissue(
        self,
        issued: IssuedCertificate,
        *,
        validity_days: int = 365,
        keep_key: bool = False,
        now: datetime.datetime | None = None,
    ) -> IssuedCertificate:
        """Renew ``issued`` under this CA: same name, subject, SANs and usages; a new key
        unless ``keep_key``. Used both to renew before expiry and to move a leaf to a new CA.
        """
        old = issued.certificate
        try:
            eku = old.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            server = x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in eku
        except x509.ExtensionNotFound:
            server = False
        names, addresses = issued.dns_names, issued.ip_addresses
        key = (
            issued.private_key
            if keep_key
            else KeyType.of(issued.private_key.public_key()).generate()
        )
        return self.issue(
            issued.name,
            subject=old.subject,
            usage=CertificateUsage.SERVER if server else CertificateUsage.CLIENT,
            sans=SubjectAlternativeNames(dns_names=names, ip_addresses=addresses),
            validity_days=validity_days,
            key=key,
            now=now,
        )

    def __repr__(self) -> str:
        return (
            f"CertificateAuthority(subject={self.subject!r}, "
            f"not_after={self.not_after.isoformat()!r}, chain_length={len(self.chain)})"
        )
