"""Private keys: the kinds we generate, and the strength every peer of a Kafka cluster accepts.

OpenSSL at Debian's default security level (what librdkafka and kafka-python use) refuses RSA
keys under 2048 bits and SHA-1 signatures, and Java tightens its ``jdk.certpath`` and
``jdk.tls`` disabled algorithms release by release (Java 17 still accepts RSA 1024 and SHA-1 for
private CAs). A store holding such a key fails at some client's first handshake, long after it
was built. Every key that enters this package, generated or loaded, is checked here first, so
the failure happens where the mistake is.
"""

from __future__ import annotations

import enum

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from confluent_ops.errors import InvalidCertificateRequest, KeyMismatch, WeakKey
from confluent_ops.model.secret import Secret

__all__ = [
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "check_key_matches",
    "check_key_strength",
    "check_signature_hash",
    "load_private_key_pem",
    "private_key_to_pem",
    "signature_hash_for",
]

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

_RSA_PUBLIC_EXPONENT = 65537
_MIN_RSA_BITS = 2048
_ACCEPTED_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_WEAK_HASHES = {"sha1", "md5", "md2", "md4", "sha224"}


class KeyType(enum.Enum):
    """A key algorithm and size that every Java 17 peer and librdkafka accept."""

    RSA_2048 = "rsa-2048"
    RSA_3072 = "rsa-3072"
    RSA_4096 = "rsa-4096"
    EC_P256 = "ec-p256"
    EC_P384 = "ec-p384"

    def generate(self) -> PrivateKey:
        """A fresh private key of this type (from the operating system's random source)."""
        if self is KeyType.EC_P256:
            return ec.generate_private_key(ec.SECP256R1())
        if self is KeyType.EC_P384:
            return ec.generate_private_key(ec.SECP384R1())
        bits = int(self.value.removeprefix("rsa-"))
        return rsa.generate_private_key(public_exponent=_RSA_PUBLIC_EXPONENT, key_size=bits)

    @classmethod
    def of(cls, public_key: PublicKey) -> KeyType:
        """The type of an existing key, to make a new key of the same kind (on renewal)."""
        check_key_strength(public_key, "key")
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            if public_key.curve.name == "secp256r1":
                return cls.EC_P256
            if public_key.curve.name == "secp384r1":
                return cls.EC_P384
        else:
            for member in (cls.RSA_2048, cls.RSA_3072, cls.RSA_4096):
                if member.value == f"rsa-{public_key.key_size}":
                    return member
        raise InvalidCertificateRequest(
            "the key is of a size this package does not generate; pass key_type explicitly"
        )


def check_key_strength(public_key: object, what: str) -> None:
    """Refuse a key weaker than RSA 2048 or EC P-256, naming ``what`` it belongs to."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < _MIN_RSA_BITS:
            raise WeakKey(
                what,
                f"RSA key of {public_key.key_size} bits; at least {_MIN_RSA_BITS} are required "
                "(OpenSSL clients refuse smaller keys)",
            )
        return
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.curve.name not in _ACCEPTED_CURVES:
            raise WeakKey(
                what,
                f"elliptic curve {public_key.curve.name} is not one of "
                f"{', '.join(_ACCEPTED_CURVES.values())}",
            )
        return
    raise WeakKey(what, f"key algorithm {type(public_key).__name__} is not RSA or EC")


def check_signature_hash(certificate: x509.Certificate, what: str) -> None:
    """Refuse a certificate signed with a weak hash (SHA-1, MD5, SHA-224)."""
    algorithm = certificate.signature_hash_algorithm
    name = algorithm.name if algorithm is not None else "none"
    if name in _WEAK_HASHES or algorithm is None:
        raise WeakKey(what, f"signed with {name}; SHA-256 or stronger is required")


def signature_hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    """The hash to sign with: SHA-384 for P-384 keys (matching strength), SHA-256 otherwise."""
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def check_key_matches(private_key: PrivateKey, certificate: x509.Certificate, subject: str) -> None:
    """Raise :class:`KeyMismatch` unless ``private_key`` is the key of ``certificate``."""
    encoding = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    mine = private_key.public_key().public_bytes(encoding, spki)
    theirs = certificate.public_key().public_bytes(encoding, spki)
    if mine != theirs:
        raise KeyMismatch(subject)


def load_private_key_pem(data: bytes | str | Secret, what: str) -> PrivateKey:
    """Parse an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1) and check its strength.

    The error for unreadable input names ``what`` and never quotes the input, which is secret.
    """
    if isinstance(data, Secret):
        data = data.reveal()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise InvalidCertificateRequest(
            f"{what} is not an unencrypted PEM private key (RSA or EC)"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise WeakKey(what, f"key algorithm {type(key).__name__} is not RSA or EC")
    check_key_strength(key.public_key(), what)
    return key


def private_key_to_pem(key: PrivateKey) -> Secret:
    """The key as unencrypted PKCS#8 PEM, wrapped so that it never reaches a repr or a log."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Secret(pem.decode("ascii"))
