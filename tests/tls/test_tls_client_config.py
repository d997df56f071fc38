"""Client and broker settings: one description, rendered for Java, librdkafka and kafka-python."""

from __future__ import annotations

from pathlib import Path

import pytest

from confluent_ops.errors import InvalidInput
from confluent_ops.model.secret import Secret
from confluent_ops.tls import (
    BrokerListenerSecurity,
    CertificateAuthority,
    ClientSecurity,
    ClientTlsFiles,
    PrincipalMapper,
    SaslCredentials,
    SaslMechanism,
    SecurityProtocol,
    StoreBundle,
    StoreType,
    parse_jaas_config,
    write_store_bundle,
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, rsa_ca: CertificateAuthority) -> StoreBundle:
    issued = rsa_ca.issue_client("alice")
    return write_store_bundle(issued, rsa_ca, tmp_path_factory.mktemp("client"))


def test_plaintext_is_just_the_protocol() -> None:
    security = ClientSecurity.plaintext()
    assert security.to_java_properties() == {"security.protocol": "PLAINTEXT"}
    assert security.to_librdkafka() == {"security.protocol": "PLAINTEXT"}
    assert security.to_kafka_python() == {"security_protocol": "PLAINTEXT"}


def test_mutual_tls_for_each_client(bundle: StoreBundle) -> None:
    security = ClientSecurity.ssl(bundle)
    password = bundle.password.reveal()
    assert security.to_java_properties() == {
        "security.protocol": "SSL",
        "ssl.truststore.type": "PKCS12",
        "ssl.truststore.location": str(bundle.truststore_p12),
        "ssl.truststore.password": password,
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": str(bundle.keystore_p12),
        "ssl.keystore.password": password,
        "ssl.key.password": password,
        "ssl.endpoint.identification.algorithm": "https",
    }
    assert security.to_librdkafka() == {
        "security.protocol": "SSL",
        "ssl.ca.location": str(bundle.ca_crt),
        "ssl.certificate.location": str(bundle.tls_crt),
        "ssl.key.location": str(bundle.tls_key),
        "ssl.endpoint.identification.algorithm": "https",
    }
    assert security.to_kafka_python() == {
        "security_protocol": "SSL",
        "ssl_cafile": str(bundle.ca_crt),
        "ssl_certfile": str(bundle.tls_crt),
        "ssl_keyfile": str(bundle.tls_key),
        "ssl_check_hostname": True,
    }


def test_sasl_ssl_presents_no_certificate_unless_asked(bundle: StoreBundle) -> None:
    credentials = SaslCredentials.scram("bob", 'pa"ss', SaslMechanism.SCRAM_SHA_256)
    security = ClientSecurity.sasl_ssl(credentials, bundle)
    java = security.to_java_properties()
    assert "ssl.keystore.location" not in java
    assert java["sasl.mechanism"] == "SCRAM-SHA-256"
    ((module, _, options),) = parse_jaas_config(java["sasl.jaas.config"])
    assert module.endswith("ScramLoginModule")
    assert options["password"] == 'pa"ss'
    rdkafka = security.to_librdkafka()
    assert rdkafka["sasl.username"] == "bob"
    assert rdkafka["sasl.password"] == 'pa"ss'
    assert "ssl.certificate.location" not in rdkafka
    python = security.to_kafka_python()
    assert python["sasl_plain_password"] == 'pa"ss'
    assert python["sasl_mechanism"] == "SCRAM-SHA-256"


def test_protocol_and_material_must_agree(bundle: StoreBundle) -> None:
    files = ClientTlsFiles.from_bundle(bundle)
    with pytest.raises(InvalidInput, match="needs TLS"):
        ClientSecurity(protocol=SecurityProtocol.SSL)
    with pytest.raises(InvalidInput, match="takes no TLS"):
        ClientSecurity(protocol=SecurityProtocol.PLAINTEXT, tls=files)
    with pytest.raises(InvalidInput, match="needs SASL"):
        ClientSecurity(protocol=SecurityProtocol.SASL_SSL, tls=files)


def test_hostname_verification_can_be_turned_off_explicitly(bundle: StoreBundle) -> None:
    security = ClientSecurity(
        protocol=SecurityProtocol.SSL, tls=ClientTlsFiles.from_bundle(bundle), verify_hostname=False
    )
    assert security.to_java_properties()["ssl.endpoint.identification.algorithm"] == ""
    assert security.to_librdkafka()["ssl.endpoint.identification.algorithm"] == "none"
    assert security.to_kafka_python()["ssl_check_hostname"] is False


def test_the_repr_of_client_settings_hides_passwords(bundle: StoreBundle) -> None:
    security = ClientSecurity.sasl_ssl(SaslCredentials.plain("carol", "hunter2-pw"), bundle)
    assert "hunter2" not in repr(security)
    assert bundle.password.reveal() not in repr(security)


def test_broker_listeners_carry_their_own_prefixed_settings(bundle: StoreBundle) -> None:
    mapper = PrincipalMapper.from_kafka("RULE:^CN=([^,]*).*$/$1/,DEFAULT")
    ssl = BrokerListenerSecurity.ssl(bundle, listener="INTERNAL", principal_mapping=mapper)
    properties = ssl.to_server_properties()
    assert properties["listener.name.internal.ssl.client.auth"] == "required"
    assert properties["listener.name.internal.ssl.keystore.location"] == str(bundle.keystore_p12)
    assert properties["listener.name.internal.ssl.principal.mapping.rules"] == mapper.to_kafka()
    admin = SaslCredentials.plain("admin", "admin-pw")
    alice = SaslCredentials.plain("alice", Secret('a"b'))
    sasl = BrokerListenerSecurity.sasl_ssl(
        bundle,
        mechanisms=(SaslMechanism.PLAIN, SaslMechanism.SCRAM_SHA_512),
        inter_broker=admin,
        plain_users=(alice,),
    )
    properties = sasl.to_server_properties()
    assert properties["listener.name.sasl_ssl.sasl.enabled.mechanisms"] == "PLAIN,SCRAM-SHA-512"
    ((_, _, plain),) = parse_jaas_config(
        properties["listener.name.sasl_ssl.plain.sasl.jaas.config"]
    )
    assert plain == {
        "username": "admin", "password": "admin-pw", "user_admin": "admin-pw", "user_alice": 'a"b'
    }  # fmt: skip
    ((scram_module, _, _),) = parse_jaas_config(
        properties["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"]
    )
    assert scram_module.endswith("ScramLoginModule")


def test_a_listener_refuses_settings_its_protocol_cannot_use(bundle: StoreBundle) -> None:
    with pytest.raises(InvalidInput):
        BrokerListenerSecurity(listener="SSL", protocol=SecurityProtocol.SSL)
    with pytest.raises(InvalidInput):
        BrokerListenerSecurity(listener="SASL_SSL", protocol=SecurityProtocol.SASL_SSL, tls=bundle)
    with pytest.raises(InvalidInput):
        BrokerListenerSecurity.ssl(bundle, listener="bad name")


def test_command_config_file_is_java_properties(bundle: StoreBundle, tmp_path: Path) -> None:
    text = ClientSecurity.ssl(bundle).to_java_properties_text()
    assert text.startswith("security.protocol=SSL\n")
    assert f"ssl.keystore.location={bundle.keystore_p12}\n" in text


def test_kazoo_settings_for_zookeepers_tls_port(bundle: StoreBundle) -> None:
    assert ClientSecurity.ssl(bundle).to_kazoo() == {
        "use_ssl": True,
        "verify_certs": True,
        "check_hostname": True,
        "ca": str(bundle.ca_crt),
        "certfile": str(bundle.tls_crt),
        "keyfile": str(bundle.tls_key),
    }
    with pytest.raises(InvalidInput, match="SSL protocol"):
        ClientSecurity.plaintext().to_kazoo()


def test_java_clients_and_brokers_can_use_the_jks_stores(bundle: StoreBundle) -> None:
    java = ClientSecurity.ssl(bundle, store_type=StoreType.JKS).to_java_properties()
    assert java["ssl.keystore.type"] == "JKS"
    assert java["ssl.keystore.location"] == str(bundle.keystore_jks)
    assert java["ssl.truststore.type"] == "JKS"
    assert java["ssl.truststore.location"] == str(bundle.truststore_jks)
    broker = BrokerListenerSecurity.ssl(bundle, store_type=StoreType.JKS).to_server_properties()
    assert broker["listener.name.ssl.ssl.keystore.type"] == "JKS"
    assert broker["listener.name.ssl.ssl.truststore.location"] == str(bundle.truststore_jks)
