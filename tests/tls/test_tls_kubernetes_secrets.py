"""Secrets in the layouts Kubernetes and Confluent's operator mount, never shown in a repr."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509

from confluent_ops.errors import InvalidInput
from confluent_ops.model.secret import Secret
from confluent_ops.tls import CertificateAuthority, KubernetesSecret, StoreSet


def _data(secret: KubernetesSecret) -> dict[str, bytes]:
    manifest = secret.to_manifest()
    data = manifest["data"]
    assert isinstance(data, dict)
    return {key: base64.b64decode(value) for key, value in data.items()}


def test_kubernetes_tls_secret_layout(rsa_ca: CertificateAuthority) -> None:
    issued = rsa_ca.issue_server("kafka-0", dns_names=("kafka-0.kafka.confluent.svc",))
    secret = KubernetesSecret.kubernetes_tls("kafka-0-tls", "confluent", issued, trust=rsa_ca)
    manifest = secret.to_manifest()
    assert manifest["apiVersion"] == "v1"
    assert manifest["kind"] == "Secret"
    assert manifest["type"] == "kubernetes.io/tls"
    assert manifest["metadata"] == {"name": "kafka-0-tls", "namespace": "confluent"}
    data = _data(secret)
    assert set(data) == {"tls.crt", "tls.key", "ca.crt"}
    assert x509.load_pem_x509_certificates(data["tls.crt"])[0] == issued.certificate
    assert data["tls.key"].decode() == issued.private_key_pem().reveal()


def test_confluent_operator_layouts(rsa_ca: CertificateAuthority) -> None:
    stores = StoreSet.build(rsa_ca.issue_server("kafka-0", dns_names=("kafka-0",)), rsa_ca)
    jks = _data(KubernetesSecret.confluent_jks("kafka-jks", "confluent", stores))
    assert set(jks) == {"keystore.jks", "truststore.jks", "jksPassword.txt"}
    assert jks["jksPassword.txt"] == f"jksPassword={stores.password.reveal()}\n".encode()
    assert jks["keystore.jks"] == stores.keystore_jks
    pem = _data(KubernetesSecret.confluent_pem("tls-group1", "confluent", stores))
    assert set(pem) == {"fullchain.pem", "privkey.pem", "cacerts.pem"}


def test_a_secret_repr_lists_keys_but_no_data(rsa_ca: CertificateAuthority) -> None:
    stores = StoreSet.build(rsa_ca.issue_client("alice"), rsa_ca, password=Secret("hunter2-pw"))
    secret = KubernetesSecret.confluent_jks("alice-jks", "confluent", stores)
    assert "hunter2" not in repr(secret)
    assert "jksPassword.txt" in repr(secret)
    assert secret.keys == ("jksPassword.txt", "keystore.jks", "truststore.jks")


@pytest.mark.parametrize(("name", "namespace"), [("Bad_Name", "ok"), ("ok", "Not.A.Label")])
def test_names_kubernetes_would_refuse_are_refused(
    rsa_ca: CertificateAuthority, name: str, namespace: str
) -> None:
    with pytest.raises(InvalidInput):
        KubernetesSecret.kubernetes_tls(name, namespace, rsa_ca.issue_client("x"))
