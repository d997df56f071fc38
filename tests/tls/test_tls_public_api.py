"""The public surface of confluent_ops.tls is exactly its __all__, and the package is pure."""

from __future__ import annotations

import ast
from pathlib import Path

from confluent_ops import tls

PUBLIC = {
    "AuthorityFiles", "BrokerListenerSecurity", "CaRollover", "CertificateAuthority",
    "CertificateSummary", "CertificateUsage", "ClientAuth", "ClientSecurity", "ClientTlsFiles",
    "ComponentTlsState", "ComponentTrust", "ExpiryEvent", "IssuedCertificate", "JaasLoginModule",
    "KeyType", "KubernetesSecret", "PrincipalMapper", "PrincipalMappingRule", "RenewalItem",
    "RenewalPlan", "RolloverPhase", "SaslCredentials", "SaslMechanism", "SecurityProtocol",
    "StoreBundle", "StoreSet", "StoreType", "SubjectAlternativeNames", "certificates_to_pem",
    "distinguished_name", "expiry_timeline", "generate_store_password", "jaas_quote",
    "java_properties_text", "keystore_jks", "keystore_pkcs12", "load_certificates",
    "load_certificates_pem", "parse_jaas_config", "read_authority", "subject_name",
    "trust_gaps", "truststore_jks", "truststore_pkcs12", "validate_dns_name", "write_authority",
    "write_store_bundle", "write_store_set",
}  # fmt: skip


def test_all_is_exactly_the_public_surface() -> None:
    assert set(tls.__all__) == PUBLIC
    assert all(hasattr(tls, name) for name in tls.__all__)


def test_only_files_module_touches_the_disk() -> None:
    folder = Path(tls.__file__).parent
    for module in folder.glob("*.py"):
        tree = ast.parse(module.read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in (
                node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
            )
        }
        assert not imported & {"subprocess", "socket", "kazoo", "kafka", "confluent_kafka"}, module
        if module.name != "files.py":
            assert "os" not in imported, module
