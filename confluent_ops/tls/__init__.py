"""Security material for Kafka, built in memory: CAs, certificates, stores, JAAS, client configs.

Pure builders on the ``cryptography`` package (and pyjks for JKS): no subprocess, no socket, no
client library. The one module that touches the disk is :mod:`confluent_ops.tls.files`, which
writes keys and stores with mode 0600, atomically. Everything that is secret (keys, passwords,
JAAS text) stays out of reprs and error messages; it is revealed only by methods whose names
say where it goes (``private_key_pem()``, ``to_librdkafka()``, ``to_jaas_config()``).

A typical use::

    ca = CertificateAuthority.self_signed("kafka-ca", key_type=KeyType.EC_P256)
    broker = ca.issue_server("kafka-0", sans=SubjectAlternativeNames.for_pod(
        statefulset="kafka", ordinal=0, namespace="confluent"))
    bundle = write_store_bundle(broker, ca, "/etc/kafka/secrets")
"""

from __future__ import annotations

from confluent_ops.model.java_properties import java_properties_text
from confluent_ops.tls.authority import MAX_VALIDITY_DAYS, CertificateAuthority, subject_name
from confluent_ops.tls.broker_config import BrokerListenerSecurity, ClientAuth
from confluent_ops.tls.certificates import (
    CertificateUsage,
    IssuedCertificate,
    certificates_to_pem,
    load_certificates_pem,
)
from confluent_ops.tls.client_config import ClientSecurity, ClientTlsFiles, SecurityProtocol
from confluent_ops.tls.files import (
    AuthorityFiles,
    StoreBundle,
    read_authority,
    write_authority,
    write_store_bundle,
    write_store_set,
)
from confluent_ops.tls.inspection import (
    CertificateSummary,
    ComponentTrust,
    ExpiryEvent,
    expiry_timeline,
    load_certificates,
)
from confluent_ops.tls.jaas import (
    JaasLoginModule,
    SaslCredentials,
    SaslMechanism,
    jaas_quote,
    parse_jaas_config,
)
from confluent_ops.tls.keys import KeyType
from confluent_ops.tls.kubernetes_secrets import KubernetesSecret
from confluent_ops.tls.names import SubjectAlternativeNames, validate_dns_name
from confluent_ops.tls.principal import PrincipalMapper, PrincipalMappingRule, distinguished_name
from confluent_ops.tls.rotation import (
    CaRollover,
    ComponentTlsState,
    RenewalItem,
    RenewalPlan,
    RolloverPhase,
    trust_gaps,
)
from confluent_ops.tls.stores import (
    StoreSet,
    StoreType,
    generate_store_password,
    keystore_jks,
    keystore_pkcs12,
    truststore_jks,
    truststore_pkcs12,
)

__all__ = [
    "MAX_VALIDITY_DAYS",
    "AuthorityFiles",
    "BrokerListenerSecurity",
    "CaRollover",
    "CertificateAuthority",
    "CertificateSummary",
    "CertificateUsage",
    "ClientAuth",
    "ClientSecurity",
    "ClientTlsFiles",
    "ComponentTlsState",
    "ComponentTrust",
    "ExpiryEvent",
    "IssuedCertificate",
    "JaasLoginModule",
    "KeyType",
    "KubernetesSecret",
    "PrincipalMapper",
    "PrincipalMappingRule",
    "RenewalItem",
    "RenewalPlan",
    "RolloverPhase",
    "SaslCredentials",
    "SaslMechanism",
    "SecurityProtocol",
    "StoreBundle",
    "StoreSet",
    "StoreType",
    "SubjectAlternativeNames",
    "certificates_to_pem",
    "distinguished_name",
    "expiry_timeline",
    "generate_store_password",
    "jaas_quote",
    "java_properties_text",
    "keystore_jks",
    "keystore_pkcs12",
    "load_certificates",
    "load_certificates_pem",
    "parse_jaas_config",
    "read_authority",
    "subject_name",
    "trust_gaps",
    "truststore_jks",
    "truststore_pkcs12",
    "validate_dns_name",
    "write_authority",
    "write_store_bundle",
    "write_store_set",
]
