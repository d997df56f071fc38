"""Writing security material to disk: the one place in ``confluent_ops.tls`` that does I/O.

Every file of a set is first written beside its target under a temporary name (created with
its final mode, so a key is never readable by others even for an instant), flushed, and only
then renamed into place. If anything fails, the temporaries are removed: a directory never
holds half a bundle or a partial key file. Keys, password files and stores get mode 0600;
certificates 0644.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path

import attrs
from cryptography import x509

from confluent_ops._files import PRIVATE, PUBLIC, check_folder, check_output, read_input_bytes
from confluent_ops._files import write_files as write_all
from confluent_ops.model.secret import Secret
from confluent_ops.tls.authority import CertificateAuthority
from confluent_ops.tls.certificates import IssuedCertificate
from confluent_ops.tls.stores import StoreSet, StoreType

__all__ = [
    "AuthorityFiles",
    "StoreBundle",
    "read_authority",
    "write_authority",
    "write_files",
    "write_store_bundle",
    "write_store_set",
]

CA_CERTIFICATE = "ca.crt"
CA_KEY = "ca.key"


def write_files(directory: Path, files: Mapping[str, tuple[bytes, int]]) -> None:
    """Write ``{name: (content, mode)}`` into ``directory``: all of them, or none.

    Every target is checked first (the folder, or the folder it will be created in, must take
    files; no name may be a directory), so that a refusal leaves nothing behind; then the
    directory is created (mode 0700) when missing and the files are written as one unit
    (:func:`confluent_ops._files.write_files`).
    """
    root = check_folder(directory, what="output folder")
    if root.exists():
        for name in files:
            check_output(root / name, what=name)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_all({root / name: content for name, content in files.items()})


@attrs.frozen
class StoreBundle:
    """Where a bundle's files are, and its store password (a Secret: never in a repr)."""

    directory: Path
    tls_crt: Path
    tls_key: Path
    ca_crt: Path
    keystore_p12: Path
    keystore_jks: Path
    truststore_p12: Path
    truststore_jks: Path
    password_file: Path
    password: Secret

    def keystore(self, store_type: StoreType = StoreType.PKCS12) -> Path:
        """The keystore of the given format."""
        return self.keystore_p12 if store_type is StoreType.PKCS12 else self.keystore_jks

    def truststore(self, store_type: StoreType = StoreType.PKCS12) -> Path:
        """The truststore of the given format."""
        return self.truststore_p12 if store_type is StoreType.PKCS12 else self.truststore_jks


def write_store_bundle(
    issued: IssuedCertificate,
    trust: CertificateAuthority | tuple[x509.Certificate, ...],
    directory: Path | str,
    *,
    password: Secret | None = None,
) -> StoreBundle:
    """Write every store for ``issued`` into ``directory`` (the layout of ``certs issue``).

    ``tls.crt`` (leaf then chain), ``tls.key``, ``ca.crt``, ``keystore.p12``, ``keystore.jks``,
    ``truststore.p12``, ``truststore.jks`` and ``password`` (the store password, no newline).
    All stores share the password, generated when ``password`` is None. Everything is built in
    memory first, so invalid input raises before any file exists.
    """
    return write_store_set(StoreSet.build(issued, trust, password=password), directory)


def write_store_set(stores: StoreSet, directory: Path | str) -> StoreBundle:
    """Write stores already built in memory (the layout of :func:`write_store_bundle`)."""
    root = Path(directory)
    write_files(
        root,
        {
            "tls.crt": (stores.tls_crt.encode("ascii"), PUBLIC),
            "tls.key": (stores.tls_key.reveal().encode("ascii"), PRIVATE),
            "ca.crt": (stores.ca_crt.encode("ascii"), PUBLIC),
            "keystore.p12": (stores.keystore_p12, PRIVATE),
            "keystore.jks": (stores.keystore_jks, PRIVATE),
            "truststore.p12": (stores.truststore_p12, PRIVATE),
            "truststore.jks": (stores.truststore_jks, PRIVATE),
            "password": (stores.password.reveal().encode("utf-8"), PRIVATE),
        },
    )
    return StoreBundle(
        directory=root,
        tls_crt=root / "tls.crt",
        tls_key=root / "tls.key",
        ca_crt=root / "ca.crt",
        keystore_p12=root / "keystore.p12",
        keystore_jks=root / "keystore.jks",
        truststore_p12=root / "truststore.p12",
        truststore_jks=root / "truststore.jks",
        password_file=root / "password",
        password=stores.password,
    )


@attrs.frozen
class AuthorityFiles:
    """Where a CA's certificate and key were written."""

    ca_crt: Path
    ca_key: Path


def write_authority(authority: CertificateAuthority, directory: Path | str) -> AuthorityFiles:
    """Write ``ca.crt`` (the CA then its chain) and ``ca.key`` (mode 0600) into ``directory``."""
    root = Path(directory)
    write_files(
        root,
        {
            CA_CERTIFICATE: (authority.to_pem().encode("ascii"), PUBLIC),
            CA_KEY: (authority.private_key_pem().reveal().encode("ascii"), PRIVATE),
        },
    )
    return AuthorityFiles(ca_crt=root / CA_CERTIFICATE, ca_key=root / CA_KEY)


def read_authority(
    directory: Path | str, *, now: datetime.datetime | None = None
) -> CertificateAuthority:
    """Adopt the CA in ``directory`` (``ca.crt`` and ``ca.key``, as ``certs ca`` writes them).

    A missing or unreadable file raises :class:`~confluent_ops.errors.FileUnusable`; an unusable
    CA a typed error (see :meth:`CertificateAuthority.from_pem`).
    """
    root = Path(directory)
    certificate = read_input_bytes(root / CA_CERTIFICATE, what="CA certificate")
    key = read_input_bytes(root / CA_KEY, what="CA key")
    return CertificateAuthority.from_pem(certificate, key, now=now)
