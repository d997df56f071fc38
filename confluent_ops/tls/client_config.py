"""Client settings for PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL, for every client we use.

One value describes how a client connects; it is rendered for Java clients and Kafka's tools
(``--command-config`` properties), for confluent-kafka (librdkafka's configuration keys) and for
kafka-python (keyword arguments). The three spell the same thing differently (a PKCS12
truststore for Java, PEM files for the other two, ``sasl.jaas.config`` against
``sasl.username``), and getting one of them subtly wrong is the usual cause of "works with the
console producer, fails from Python".
"""

from __future__ import annotations

import enum
from pathlib import Path

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.model.java_properties import java_properties_text
from confluent_ops.model.secret import Secret
from confluent_ops.tls.files import StoreBundle
from confluent_ops.tls.jaas import JaasLoginModule, SaslCredentials
from confluent_ops.tls.stores import StoreType

__all__ = ["ClientSecurity", "ClientTlsFiles", "SecurityProtocol"]


class SecurityProtocol(enum.Enum):
    """Kafka's ``security.protocol`` values."""

    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"

    @property
    def uses_tls(self) -> bool:
        """Whether the connection is encrypted with TLS."""
        return self in (SecurityProtocol.SSL, SecurityProtocol.SASL_SSL)

    @property
    def uses_sasl(self) -> bool:
        """Whether the client authenticates with SASL."""
        return self in (SecurityProtocol.SASL_PLAINTEXT, SecurityProtocol.SASL_SSL)


@attrs.frozen
class ClientTlsFiles:
    """The files a TLS client reads: trust (PEM, and a Java store) and, for mTLS, its identity.

    ``keystore``, ``certificate`` and ``private_key`` are None for a client that does not
    present a certificate (server-only TLS, or SASL_SSL).
    """

    ca_crt: Path
    truststore: Path
    password: Secret
    keystore: Path | None = None
    certificate: Path | None = None
    private_key: Path | None = None
    store_type: StoreType = StoreType.PKCS12
    """The format of ``truststore`` and ``keystore`` (what Java clients are told)."""

    @classmethod
    def from_bundle(
        cls,
        bundle: StoreBundle,
        *,
        client_auth: bool = True,
        store_type: StoreType = StoreType.PKCS12,
    ) -> ClientTlsFiles:
        """The files of a bundle written by :func:`~confluent_ops.tls.write_store_bundle`."""
        trust = cls(
            ca_crt=bundle.ca_crt,
            truststore=bundle.truststore(store_type),
            password=bundle.password,
            store_type=store_type,
        )
        if not client_auth:
            return trust
        return attrs.evolve(
            trust,
            keystore=bundle.keystore(store_type),
            certificate=bundle.tls_crt,
            private_key=bundle.tls_key,
        )

    @property
    def presents_certificate(self) -> bool:
        """Whether the client authenticates with a certificate (mutual TLS)."""
        return self.keystore is not None


@attrs.frozen
class ClientSecurity:
    """How a client connects and authenticates; rendered for each client library.

    Validated at construction: TLS protocols need ``tls``, SASL protocols need ``sasl``, and
    neither is accepted where the protocol does not use it. Passwords stay Secrets here; the
    ``to_*`` methods reveal them into the dictionaries clients need, so those results must not
    be logged.
    """

    protocol: SecurityProtocol
    tls: ClientTlsFiles | None = None
    sasl: SaslCredentials | None = None
    verify_hostname: bool = True

    def __attrs_post_init__(self) -> None:
        if self.protocol.uses_tls != (self.tls is not None):
            need = "needs" if self.protocol.uses_tls else "takes no"
            raise InvalidInput(f"security protocol {self.protocol.value} {need} TLS files")
        if self.protocol.uses_sasl != (self.sasl is not None):
            need = "needs" if self.protocol.uses_sasl else "takes no"
            raise InvalidInput(f"security protocol {self.protocol.value} {need} SASL credentials")

    @classmethod
    def plaintext(cls) -> ClientSecurity:
        """No encryption, no authentication."""
        return cls(protocol=SecurityProtocol.PLAINTEXT)

    @classmethod
    def ssl(
        cls,
        bundle: StoreBundle,
        *,
        client_auth: bool = True,
        store_type: StoreType = StoreType.PKCS12,
    ) -> ClientSecurity:
        """TLS; with ``client_auth`` the client presents the bundle's certificate (mTLS)."""
        return cls(
            protocol=SecurityProtocol.SSL,
            tls=ClientTlsFiles.from_bundle(bundle, client_auth=client_auth, store_type=store_type),
        )

    @classmethod
    def sasl_ssl(
        cls,
        credentials: SaslCredentials,
        bundle: StoreBundle,
        *,
        client_auth: bool = False,
        store_type: StoreType = StoreType.PKCS12,
    ) -> ClientSecurity:
        """SASL over TLS: trust from the bundle, identity from ``credentials``."""
        return cls(
            protocol=SecurityProtocol.SASL_SSL,
            tls=ClientTlsFiles.from_bundle(bundle, client_auth=client_auth, store_type=store_type),
            sasl=credentials,
        )

    @classmethod
    def sasl_plaintext(cls, credentials: SaslCredentials) -> ClientSecurity:
        """SASL without TLS (passwords cross the network in the clear with PLAIN)."""
        return cls(protocol=SecurityProtocol.SASL_PLAINTEXT, sasl=credentials)

    def to_java_properties(self) -> dict[str, str]:
        """Java client properties (producer, consumer, admin, Kafka's tools)."""
        properties = {"security.protocol": self.protocol.value}
        if self.tls is not None:
            properties["ssl.truststore.type"] = self.tls.store_type.value
            properties["ssl.truststore.location"] = str(self.tls.truststore)
            properties["ssl.truststore.password"] = self.tls.password.reveal()
            if self.tls.keystore is not None:
                properties["ssl.keystore.type"] = self.tls.store_type.value
                properties["ssl.keystore.location"] = str(self.tls.keystore)
                properties["ssl.keystore.password"] = self.tls.password.reveal()
                properties["ssl.key.password"] = self.tls.password.reveal()
            properties["ssl.endpoint.identification.algorithm"] = (
                "https" if self.verify_hostname else ""
            )
        if self.sasl is not None:
            properties["sasl.mechanism"] = self.sasl.mechanism.value
            properties["sasl.jaas.config"] = JaasLoginModule.for_client(self.sasl).to_jaas_config()
        return properties

    def to_java_properties_text(self) -> str:
        """The ``--command-config`` file for Kafka's tools (write it with mode 0600)."""
        return java_properties_text(self.to_java_properties())

    def to_librdkafka(self) -> dict[str, str]:
        """A confluent-kafka (librdkafka) configuration, without ``bootstrap.servers``."""
        config = {"security.protocol": self.protocol.value}
        if self.tls is not None:
            config["ssl.ca.location"] = str(self.tls.ca_crt)
            if self.tls.certificate is not None and self.tls.private_key is not None:
                config["ssl.certificate.location"] = str(self.tls.certificate)
                config["ssl.key.location"] = str(self.tls.private_key)
            config["ssl.endpoint.identification.algorithm"] = (
                "https" if self.verify_hostname else "none"
            )
        if self.sasl is not None:
            config["sasl.mechanism"] = self.sasl.mechanism.value
            config["sasl.username"] = self.sasl.username
            config["sasl.password"] = self.sasl.password.reveal()
        return config

    def to_kafka_python(self) -> dict[str, object]:
        """Keyword arguments for kafka-python's clients, without ``bootstrap_servers``."""
        kwargs: dict[str, object] = {"security_protocol": self.protocol.value}
        if self.tls is not None:
            kwargs["ssl_cafile"] = str(self.tls.ca_crt)
            if self.tls.certificate is not None and self.tls.private_key is not None:
                kwargs["ssl_certfile"] = str(self.tls.certificate)
                kwargs["ssl_keyfile"] = str(self.tls.private_key)
            kwargs["ssl_check_hostname"] = self.verify_hostname
        if self.sasl is not None:
            kwargs["sasl_mechanism"] = self.sasl.mechanism.value
            kwargs["sasl_plain_username"] = self.sasl.username
            kwargs["sasl_plain_password"] = self.sasl.password.reveal()
        return kwargs

    def to_kazoo(self) -> dict[str, object]:
        """Keyword arguments for a kazoo client of ZooKeeper's TLS port (``secureClientPort``).

        ZooKeeper speaks TLS, not SASL_SSL, so only the SSL protocol applies; the server's
        certificate is verified against the CA and, with ``verify_hostname``, its SANs.
        """
        if self.protocol is not SecurityProtocol.SSL or self.tls is None:
            raise InvalidInput("a ZooKeeper TLS client needs the SSL protocol")
        kwargs: dict[str, object] = {
            "use_ssl": True,
            "verify_certs": True,
            "check_hostname": self.verify_hostname,
            "ca": str(self.tls.ca_crt),
        }
        if self.tls.certificate is not None and self.tls.private_key is not None:
            kwargs["certfile"] = str(self.tls.certificate)
            kwargs["keyfile"] = str(self.tls.private_key)
        return kwargs
