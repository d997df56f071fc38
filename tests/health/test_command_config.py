"""``--command-config``: Java properties read as Kafka reads them, stores turned into PEM."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography import x509

from confluent_ops.adapters import read_java_properties, translate_properties
from confluent_ops.adapters.command_config import client_config_from_properties
from confluent_ops.errors import InvalidInput
from confluent_ops.model import Secret
from confluent_ops.tls import CertificateAuthority, KeyType, write_store_bundle


def test_properties_syntax_of_java():
    text = (
        "# comment\n! also a comment\n"
        "security.protocol = SASL_SSL\n"
        "sasl.mechanism:PLAIN\n"
        "key\\ with\\ spaces value\n"
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n"
        '    username="u" password="p\\u00e9";\n'
    )
    properties = read_java_properties(text)
    assert properties["security.protocol"] == "SASL_SSL"
    assert properties["sasl.mechanism"] == "PLAIN"
    assert properties["key with spaces"] == "value"
    assert properties["sasl.jaas.config"].endswith('username="u" password="pé";')


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    ca = CertificateAuthority.self_signed("test-ca", key_type=KeyType.EC_P256, validity_days=2)
    issued = ca.issue_client("alice", validity_days=2, key_type=KeyType.EC_P256)
    return write_store_bundle(
        issued, ca, tmp_path_factory.mktemp("alice"), password=Secret("store-password-123")
    )


@pytest.mark.parametrize("kind", ["PKCS12", "JKS"])
def test_java_stores_become_private_pem_files(bundle, kind, tmp_path):
    suffix = "p12" if kind == "PKCS12" else "jks"
    properties = {
        "security.protocol": "SSL",
        "ssl.truststore.type": kind,
        "ssl.truststore.location": str(bundle.directory / f"truststore.{suffix}"),
        "ssl.truststore.password": "store-password-123",
        "ssl.keystore.type": kind,
        "ssl.keystore.location": str(bundle.directory / f"keystore.{suffix}"),
        "ssl.keystore.password": "store-password-123",
        "ssl.endpoint.identification.algorithm": "",
    }
    config = translate_properties(properties, tmp_path)
    ca = x509.load_pem_x509_certificates(Path(config["ssl.ca.location"]).read_bytes())
    assert ca[0].subject.rfc4514_string() == "CN=test-ca"
    chain = x509.load_pem_x509_certificates(Path(config["ssl.certificate.location"]).read_bytes())
    assert "alice" in chain[0].subject.rfc4514_string()
    assert b"PRIVATE KEY" in Path(config["ssl.key.location"]).read_bytes()
    assert config["ssl.endpoint.identification.algorithm"] == "none"
    for key in ("ssl.ca.location", "ssl.certificate.location", "ssl.key.location"):
        assert os.stat(config[key]).st_mode & 0o777 == 0o600


def test_a_wrong_store_password_is_refused_without_echoing_it(bundle, tmp_path):
    properties = {
        "security.protocol": "SSL",
        "ssl.truststore.location": str(bundle.truststore_p12),
        "ssl.truststore.password": "not-the-password",
    }
    with pytest.raises(InvalidInput) as caught:
        translate_properties(properties, tmp_path)
    assert "not-the-password" not in str(caught.value)


def test_pem_files_are_removed_after_the_block(bundle, tmp_path):
    config_file = tmp_path / "client.properties"
    config_file.write_text(
        "security.protocol=SSL\n"
        f"ssl.truststore.location={bundle.truststore_p12}\n"
        "ssl.truststore.password=store-password-123\n"
    )
    with client_config_from_properties(config_file) as config:
        folder = os.path.dirname(config["ssl.ca.location"])
        assert os.stat(folder).st_mode & 0o777 == 0o700
    assert not os.path.exists(folder)


def test_sasl_needs_a_supported_login_module(tmp_path):
    with pytest.raises(InvalidInput, match=r"sasl\.jaas\.config"):
        translate_properties(
            {"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"}, tmp_path
        )
    config = translate_properties(
        {
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-256",
            "sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule "
            'required username="a" password="b";',
        },
        tmp_path,
    )
    assert (config["sasl.username"], config["sasl.password"]) == ("a", "b")
