"""The TLS material of a testbed: a CA, one server certificate for every local server, a client.

Made by :mod:`confluent_ops.tls`, the same builders users run for their own clusters, so that
every SSL or SASL_SSL test on the testbed also proves those stores work for real Java servers
and librdkafka clients. Brokers and ZooKeeper servers all listen on 127.0.0.1, so one server
certificate (``localhost``, IP ``127.0.0.1``) serves them all; clients get a certificate of their
own for listeners that require one. Java reads the PKCS12 stores, Python clients the PEM files.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from confluent_ops.model.secret import Secret
from confluent_ops.tls import (
    CertificateAuthority,
    KeyType,
    generate_store_password,
    read_authority,
    write_authority,
    write_store_bundle,
)

__all__ = ["TestbedTls"]

_DAYS = 30


@attrs.frozen
class TestbedTls:
    """Paths of the testbed's certificates and stores, and the one password of its stores."""

    __test__ = False  # not a pytest test class, whatever its name says

    directory: Path
    ca_crt: Path
    server_crt: Path
    server_key: Path
    server_keystore: Path
    truststore: Path
    client_crt: Path
    client_key: Path
    client_keystore: Path
    password_file: Path
    password: Secret = attrs.field(repr=False)

    @classmethod
    def create(cls, directory: Path, *, ca_dir: Path | None = None) -> TestbedTls:
        """Make the material in ``directory``, from the CA in ``ca_dir`` or a new one.

        ``ca_dir`` holds ``ca.crt`` and ``ca.key`` (PEM), as ``confluent-ops certs ca`` writes
        them; clients that trust that CA then trust the testbed's servers. A new CA is written
        to ``directory`` (``ca.crt``, ``ca.key``); the server's stores go to ``server/``, the
        client's to ``client/``, in the layout of ``confluent-ops certs issue``.
        """
        if ca_dir is not None:
            authority = read_authority(ca_dir)
        else:
            authority = CertificateAuthority.self_signed(
                "confluent-ops testbed CA", key_type=KeyType.EC_P256, validity_days=_DAYS
            )
        ca_crt = write_authority(authority, directory).ca_crt
        password = generate_store_password()
        server = write_store_bundle(
            authority.issue_server(
                "localhost",
                dns_names=("localhost",),
                ip_addresses=("127.0.0.1",),
                validity_days=_DAYS,
                key_type=KeyType.EC_P256,
            ),
            authority,
            directory / "server",
            password=password,
        )
        client = write_store_bundle(
            authority.issue_client("testbed-client", validity_days=_DAYS, key_type=KeyType.EC_P256),
            authority,
            directory / "client",
            password=password,
        )
        return cls(
            directory=directory,
            ca_crt=ca_crt,
            server_crt=server.tls_crt,
            server_key=server.tls_key,
            server_keystore=server.keystore_p12,
            truststore=server.truststore_p12,
            client_crt=client.tls_crt,
            client_key=client.tls_key,
            client_keystore=client.keystore_p12,
            password_file=server.password_file,
            password=password,
        )
