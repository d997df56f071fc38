"""Broker listener security: the ``server.properties`` entries for one SSL or SASL listener.

Kafka lets every listener carry its own stores, client-authentication mode, principal mapping
and JAAS configuration under the prefix ``listener.name.<listener>.``; using the prefix keeps
an internal mTLS listener and an external SASL_SSL listener from sharing settings by accident.
The caller adds the listener itself to ``listeners`` and ``listener.security.protocol.map``.
"""

from __future__ import annotations

import enum

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.tls.client_config import SecurityProtocol
from confluent_ops.tls.files import StoreBundle
from confluent_ops.tls.jaas import JaasLoginModule, SaslCredentials, SaslMechanism
from confluent_ops.tls.principal import PrincipalMapper
from confluent_ops.tls.stores import StoreType

__all__ = ["BrokerListenerSecurity", "ClientAuth"]


class ClientAuth(enum.Enum):
    """``ssl.client.auth``: whether the broker asks TLS clients for a certificate."""

    REQUIRED = "required"
    REQUESTED = "requested"
    NONE = "none"


@attrs.frozen
class BrokerListenerSecurity:
    """Security of one broker listener.

    ``tls`` is the broker's bundle (keystore and truststore) for SSL and SASL_SSL listeners.
    ``mechanisms`` are the SASL mechanisms enabled on a SASL listener; ``inter_broker`` is the
    user brokers connect to each other as, and ``plain_users`` the users a PLAIN listener
    accepts (SCRAM users live in the cluster metadata instead).
    """

    listener: str
    protocol: SecurityProtocol
    tls: StoreBundle | None = None
    client_auth: ClientAuth = ClientAuth.NONE
    mechanisms: tuple[SaslMechanism, ...] = ()
    inter_broker: SaslCredentials | None = None
    plain_users: tuple[SaslCredentials, ...] = ()
    principal_mapping: PrincipalMapper | None = None
    store_type: StoreType = StoreType.PKCS12

    def __attrs_post_init__(self) -> None:
        if not self.listener.replace("_", "").isalnum():
            raise InvalidInput(f"listener name {self.listener!r} must be letters, digits and '_'")
        if self.protocol.uses_tls != (self.tls is not None):
            need = "needs" if self.protocol.uses_tls else "takes no"
            raise InvalidInput(
                f"listener {self.listener} ({self.protocol.value}) {need} a TLS bundle"
            )
        if self.protocol.uses_sasl != bool(self.mechanisms):
            need = "needs" if self.protocol.uses_sasl else "takes no"
            raise InvalidInput(
                f"listener {self.listener} ({self.protocol.value}) {need} SASL mechanisms"
            )

    @classmethod
    def ssl(
        cls,
        bundle: StoreBundle,
        *,
        listener: str = "SSL",
        client_auth: ClientAuth = ClientAuth.REQUIRED,
        principal_mapping: PrincipalMapper | None = None,
        store_type: StoreType = StoreType.PKCS12,
    ) -> BrokerListenerSecurity:
        """A TLS listener, requiring client certificates unless told otherwise."""
        return cls(
            listener=listener,
            protocol=SecurityProtocol.SSL,
            tls=bundle,
            client_auth=client_auth,
            principal_mapping=principal_mapping,
            store_type=store_type,
        )

    @classmethod
    def sasl_ssl(
        cls,
        bundle: StoreBundle,
        *,
        mechanisms: tuple[SaslMechanism, ...] = (SaslMechanism.PLAIN,),
        inter_broker: SaslCredentials | None = None,
        plain_users: tuple[SaslCredentials, ...] = (),
        listener: str = "SASL_SSL",
        store_type: StoreType = StoreType.PKCS12,
    ) -> BrokerListenerSecurity:
        """A SASL listener over TLS (server-authenticated TLS; SASL names the client)."""
        return cls(
            listener=listener,
            protocol=SecurityProtocol.SASL_SSL,
            tls=bundle,
            mechanisms=mechanisms,
            inter_broker=inter_broker,
            plain_users=plain_users,
            store_type=store_type,
        )

    def to_server_properties(self) -> dict[str, str]:
        """The ``listener.name.<listener>.*`` entries. Holds passwords: never log them."""
        prefix = f"listener.name.{self.listener.lower()}."
        properties: dict[str, str] = {}
        if self.tls is not None:
            password = self.tls.password.reveal()
            properties |= {
                f"{prefix}ssl.keystore.type": self.store_type.value,
                f"{prefix}ssl.keystore.location": str(self.tls.keystore(self.store_type)),
                f"{prefix}ssl.keystore.password": password,
                f"{prefix}ssl.key.password": password,
                f"{prefix}ssl.truststore.type": self.store_type.value,
                f"{prefix}ssl.truststore.location": str(self.tls.truststore(self.store_type)),
                f"{prefix}ssl.truststore.password": password,
                f"{prefix}ssl.client.auth": self.client_auth.value,
            }
        if self.principal_mapping is not None:
            properties[f"{prefix}ssl.principal.mapping.rules"] = self.principal_mapping.to_kafka()
        if self.mechanisms:
            properties[f"{prefix}sasl.enabled.mechanisms"] = ",".join(
                m.value for m in self.mechanisms
            )
        for mechanism in self.mechanisms:
            module = JaasLoginModule.for_broker(
                mechanism,
                inter_broker=self.inter_broker
                if self.inter_broker is None or self.inter_broker.mechanism is mechanism
                else None,
                users=[u for u in self.plain_users if u.mechanism is mechanism],
            )
            key = f"{prefix}{mechanism.value.lower()}.sasl.jaas.config"
            properties[key] = module.to_jaas_config()
        return properties
