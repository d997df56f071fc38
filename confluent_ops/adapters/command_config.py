"""``--command-config``: Kafka's Java client properties, as librdkafka and kafka-python need them.

Kafka's own tools take a properties file (``security.protocol``, ``ssl.truststore.*``,
``ssl.keystore.*``, ``sasl.mechanism``, ``sasl.jaas.config``). librdkafka and kafka-python read
PEM files and a user name / password instead, so this module translates:

- truststores of type PKCS12 (the trusted-certificate entries), JKS (via pyjks) or PEM (the file
  itself, or ``ssl.truststore.certificates`` inline) become a CA PEM file;
- keystores of type PKCS12 or JKS (the private key and its chain) or PEM
  (``ssl.keystore.certificate.chain`` + ``ssl.keystore.key``) become a certificate and a key file;
- ``sasl.jaas.config`` of the PLAIN and SCRAM login modules becomes ``sasl.username`` /
  ``sasl.password``.

The PEM files are written with mode 0600 into a private temporary folder (mode 0700) that
:func:`client_config_from_properties` removes when its ``with`` block ends. Other settings are
refused with their name (GSSAPI, OAUTHBEARER and ``ssl.provider`` are not supported).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import jks
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from confluent_ops._files import PRIVATE, read_input_bytes, read_input_text, write_atomically
from confluent_ops.errors import InvalidInput
from confluent_ops.model.java_properties import read_java_properties
from confluent_ops.tls import parse_jaas_config

__all__ = ["client_config_from_properties", "read_java_properties", "translate_properties"]

_IGNORED = {
    "ssl.enabled.protocols",
    "ssl.protocol",
    "ssl.keymanager.algorithm",
    "ssl.trustmanager.algorithm",
    "client.id",
    "request.timeout.ms",
    "default.api.timeout.ms",
    "retries",
    "retry.backoff.ms",
}
_SASL_MODULES = {
    "org.apache.kafka.common.security.plain.PlainLoginModule",
    "org.apache.kafka.common.security.scram.ScramLoginModule",
}


def _write_private(folder: Path, name: str, data: bytes) -> str:
    return str(write_atomically(folder / name, data, mode=PRIVATE))


def _pem(certificates: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def _read_store(location: str, what: str) -> bytes:
    return read_input_bytes(location, what=what, limit=16 << 20)


def _store_type(properties: Mapping[str, str], prefix: str, location: str | None) -> str:
    declared = properties.get(f"{prefix}.type")
    if declared:
        return declared.upper()
    if location and location.lower().endswith(".jks"):
        return "JKS"
    return "PKCS12" if location else "PEM"


def _truststore_pem(properties: Mapping[str, str]) -> bytes | str | None:
    """The CA certificates as PEM bytes, or the path of an existing PEM file."""
    inline = properties.get("ssl.truststore.certificates")
    location = properties.get("ssl.truststore.location")
    kind = _store_type(properties, "ssl.truststore", location)
    if inline:
        return inline.encode()
    if not location:
        return None
    if kind == "PEM":
        return location
    password = properties.get("ssl.truststore.password", "")
    data = _read_store(location, "truststore")
    if kind == "PKCS12":
        try:
            loaded = pkcs12.load_pkcs12(data, password.encode() or None)
        except ValueError as exc:
            raise InvalidInput(
                f"cannot open the PKCS12 truststore {location} (wrong password or not PKCS12)"
            ) from exc
        certificates = [c.certificate for c in loaded.additional_certs]
        if loaded.cert is not None:
            certificates.append(loaded.cert.certificate)
    elif kind == "JKS":
        store = _open_jks(data, password, location, "truststore")
        certificates = [x509.load_der_x509_certificate(e.cert) for e in store.certs.values()]
    else:
        raise InvalidInput(f"unsupported ssl.truststore.type {kind} (PKCS12, JKS or PEM)")
    if not certificates:
        raise InvalidInput(f"the truststore {location} holds no trusted certificate")
    return _pem(certificates)


def _open_jks(data: bytes, password: str, location: str, what: str) -> jks.KeyStore:
    try:
        return jks.KeyStore.loads(data, password)
    except Exception as exc:  # pyjks raises several unrelated types for a bad store
        raise InvalidInput(
            f"cannot open the JKS {what} {location} (wrong password or not JKS)"
        ) from exc


def _keystore_pem(properties: Mapping[str, str]) -> tuple[bytes, bytes] | None:
    """The client certificate chain and its unencrypted private key, as PEM."""
    location = properties.get("ssl.keystore.location")
    kind = _store_type(properties, "ssl.keystore", location)
    if kind == "PEM":
        chain = properties.get("ssl.keystore.certificate.chain")
        key = properties.get("ssl.keystore.key")
        if chain and key:
            return chain.encode(), key.encode()
        if location:
            data = _read_store(location, "keystore")
            return data, data
        return None
    if not location:
        return None
    password = properties.get("ssl.keystore.password", "")
    key_password = properties.get("ssl.key.password") or password
    data = _read_store(location, "keystore")
    if kind == "PKCS12":
        try:
            private, cert, extra = pkcs12.load_key_and_certificates(data, password.encode() or None)
        except ValueError as exc:
            raise InvalidInput(
                f"cannot open the PKCS12 keystore {location} (wrong password or not PKCS12)"
            ) from exc
        if private is None or cert is None:
            raise InvalidInput(f"the keystore {location} holds no private key with a certificate")
        key_pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return _pem([cert, *extra]), key_pem
    if kind == "JKS":
        store = _open_jks(data, password, location, "keystore")
        entries = list(store.private_keys.values())
        if not entries:
            raise InvalidInput(f"the keystore {location} holds no private key")
        entry = entries[0]
        if not entry.is_decrypted():
            entry.decrypt(key_password)
        der_key = serialization.load_der_private_key(entry.pkey_pkcs8, None)
        key_pem = der_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        certificates = [x509.load_der_x509_certificate(c[1]) for c in entry.cert_chain]
        return _pem(certificates), key_pem
    raise InvalidInput(f"unsupported ssl.keystore.type {kind} (PKCS12, JKS or PEM)")


def translate_properties(properties: Mapping[str, str], folder: Path) -> dict[str, str]:
    """A librdkafka configuration for Java client ``properties``; PEM files go to ``folder``.

    ``bootstrap.servers`` is kept when present. Refuses settings it cannot translate, naming
    them (never their values).
    """
    config: dict[str, str] = {}
    protocol = properties.get("security.protocol", "PLAINTEXT").upper()
    if protocol not in {"PLAINTEXT", "SSL", "SASL_SSL", "SASL_PLAINTEXT"}:
        raise InvalidInput(f"unknown security.protocol {protocol}")
    config["security.protocol"] = protocol
    if "bootstrap.servers" in properties:
        config["bootstrap.servers"] = properties["bootstrap.servers"]
    handled = {"security.protocol", "bootstrap.servers"}
    if "SSL" in protocol:
        trust = _truststore_pem(properties)
        if isinstance(trust, bytes):
            config["ssl.ca.location"] = _write_private(folder, "ca.pem", trust)
        elif isinstance(trust, str):
            config["ssl.ca.location"] = trust
        identity = _keystore_pem(properties)
        if identity is not None:
            chain, key = identity
            config["ssl.certificate.location"] = _write_private(folder, "client.pem", chain)
            config["ssl.key.location"] = _write_private(folder, "client.key", key)
        algorithm = properties.get("ssl.endpoint.identification.algorithm", "https")
        config["ssl.endpoint.identification.algorithm"] = (
            "https" if algorithm.lower() == "https" else "none"
        )
    handled |= {
        key
        for key in properties
        if key.startswith(("ssl.truststore.", "ssl.keystore."))
        or key in {"ssl.key.password", "ssl.endpoint.identification.algorithm"}
    }
    if "SASL" in protocol:
        mechanism = properties.get("sasl.mechanism", "GSSAPI").upper()
        if mechanism not in {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}:
            raise InvalidInput(f"sasl.mechanism {mechanism} is not supported (PLAIN or SCRAM)")
        jaas = properties.get("sasl.jaas.config")
        if not jaas:
            raise InvalidInput("SASL needs sasl.jaas.config with username and password")
        entries = parse_jaas_config(jaas)
        module, _flag, options = entries[0]
        if module not in _SASL_MODULES:
            raise InvalidInput(f"login module {module} is not supported (PLAIN or SCRAM)")
        if "username" not in options or "password" not in options:
            raise InvalidInput("sasl.jaas.config must give username and password")
        config["sasl.mechanism"] = mechanism
        config["sasl.username"] = options["username"]
        config["sasl.password"] = options["password"]
        handled |= {"sasl.mechanism", "sasl.jaas.config"}
    unknown = sorted(set(properties) - handled - _IGNORED)
    if unknown:
        raise InvalidInput(f"unsupported client setting(s) in the command config: {unknown}")
    return config


@contextmanager
def client_config_from_properties(path: str | Path) -> Iterator[dict[str, str]]:
    """Read a ``--command-config`` file; yield the librdkafka configuration it stands for.

    PEM files converted from Java stores live in a private temporary folder for the duration
    of the ``with`` block, then are removed. A missing or unreadable file raises
    :class:`~confluent_ops.errors.FileUnusable`.
    """
    text = read_input_text(path, what="command config", limit=1 << 20)
    properties = read_java_properties(text, source=str(path))
    folder = Path(tempfile.mkdtemp(prefix="confluent-ops-client-"))
    try:
        yield translate_properties(properties, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
