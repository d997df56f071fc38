"""TLS material for a Kafka cluster: a CA, a broker and a client, their stores and settings.

With ``confluent_ops.tls``: a self-signed CA, a server certificate for broker ``kafka-0`` of a
StatefulSet with every name its pod is reached by (``SubjectAlternativeNames.for_pod``: the
pod's DNS names, the bootstrap Service, a wildcard, an external load-balancer name, and
127.0.0.1), a client certificate for ``alice``, each written as a bundle (PEM, PKCS12 and JKS
keystore and truststore, the store password), the broker listener's ``server.properties``
entries, and the client's settings for confluent-kafka (JSON) and for Java clients
(``client.properties``). Everything goes into ``--out`` (default: a temporary folder, removed
at the end); keys, stores, passwords and settings holding a password are mode 0600.

Then it checks what it made, without trusting the library's word: the broker certificate
verifies against the CA for its DNS names (and not for another name), its SANs are the ones
asked for, the client certificate maps to the principal ``User:alice``, the PKCS12 and JKS stores
open with the password and hold the key of their certificate, a mutual-TLS handshake between the
broker's and the client's files succeeds in-process (and fails for a name the certificate
lacks), and librdkafka accepts the client settings. With ``--kafka`` it also starts a real
one-broker cluster with an SSL listener whose certificate the CA signed, and connects to it
with the client's confluent-kafka settings. The last line is one JSON object: ``ok``, the files
written with their modes, and each check.

    python examples/certificates.py [--out DIR] [--key-type rsa-2048|ec-p256|...] [--kafka]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import logging
import os
import socket
import ssl
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jks
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError

from confluent_ops.testing import LocalKafkaCluster, TestbedTls
from confluent_ops.tls import (
    BrokerListenerSecurity,
    CertificateAuthority,
    ClientSecurity,
    KeyType,
    PrincipalMapper,
    StoreBundle,
    SubjectAlternativeNames,
    java_properties_text,
    write_authority,
    write_store_bundle,
)

NAMESPACE = "confluent"
EXTERNAL_NAME = "b0.kafka.example.com"
MAPPING_RULES = "RULE:^CN=([^,]*),.*$/$1/,DEFAULT"
QUIET = logging.getLogger("certificates-example")
QUIET.setLevel(logging.CRITICAL)


def write_private(path: Path, text: str) -> None:
    """Write a file that holds a password: created with mode 0600, never readable by others."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    path.chmod(0o600)


def verifies_for(certificate: x509.Certificate, ca: x509.Certificate, name: str) -> bool:
    """Whether a TLS client that trusts ``ca`` accepts ``certificate`` for the server ``name``."""
    verifier = PolicyBuilder().store(Store([ca])).build_server_verifier(DNSName(name))
    try:
        verifier.verify(certificate, [])
    except VerificationError:
        return False
    return True


def handshake(server: StoreBundle, client: StoreBundle, name: str) -> str | None:
    """A mutual-TLS handshake over a socket pair; the client subject the server saw, or None.

    The server presents the broker's files and requires a client certificate signed by the CA
    (``ssl.client.auth=required``); the client trusts ``ca.crt``, checks that the server's
    certificate is valid for ``name`` and presents its own certificate.
    """
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(server.tls_crt, server.tls_key)
    serving.load_verify_locations(server.ca_crt)
    serving.verify_mode = ssl.CERT_REQUIRED
    connecting = ssl.create_default_context(cafile=client.ca_crt)
    connecting.load_cert_chain(client.tls_crt, client.tls_key)
    left, right = socket.socketpair()
    left.settimeout(10)
    right.settimeout(10)

    def accept() -> str | None:
        try:
            with serving.wrap_socket(right, server_side=True) as tls:
                tls.recv(1)
                peer = tls.getpeercert() or {}
        except (ssl.SSLError, OSError):
            return None
        return ",".join(f"{k}={v}" for rdn in peer.get("subject", ()) for k, v in rdn)

    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(accept)
        try:
            with connecting.wrap_socket(left, server_hostname=name) as tls:
                tls.sendall(b"!")
        except (ssl.SSLError, OSError):
            right.close()
            seen.result()
            return None
        return seen.result()


def stores_open(bundle: StoreBundle, certificate: x509.Certificate) -> dict[str, bool]:
    """Each store opens with the bundle's password and holds what it should."""
    password = bundle.password.reveal()
    public = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key, leaf, _ = pkcs12.load_key_and_certificates(
        bundle.keystore_p12.read_bytes(), password.encode()
    )
    p12_key = key is not None and leaf == certificate
    p12_key = (
        p12_key
        and key.public_key().public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == public
    )
    trust = pkcs12.load_pkcs12(bundle.truststore_p12.read_bytes(), password.encode())
    keystore = jks.KeyStore.load(str(bundle.keystore_jks), password)
    truststore = jks.KeyStore.load(str(bundle.truststore_jks), password)
    entry = next(iter(keystore.private_keys.values()), None)
    return {
        "keystore_p12": p12_key,
        "truststore_p12": trust.key is None and len(trust.additional_certs) >= 1,
        "keystore_jks": entry is not None
        and x509.load_der_x509_certificate(entry.cert_chain[0][1]) == certificate,
        "truststore_jks": not truststore.private_keys and len(truststore.certs) >= 1,
    }


def librdkafka_accepts(config: dict[str, str]) -> bool:
    """librdkafka reads the CA, certificate and key when a client is made: a bad file fails."""
    try:
        producer = Producer({**config, "bootstrap.servers": "127.0.0.1:9"}, logger=QUIET)
    except Exception:
        return False
    producer.flush(0)
    return True


def against_kafka(ca_dir: Path, client: dict[str, str]) -> bool:
    """A real broker with an SSL listener whose certificate the CA signed, reached by the client.

    The broker's certificate is the testbed's own (``localhost``, 127.0.0.1), issued from this
    CA; the client connects with the settings written above, hostname verification on.
    """
    with tempfile.TemporaryDirectory(prefix="certs-kafka-") as work:
        tls = TestbedTls.create(Path(work), ca_dir=ca_dir)
        with LocalKafkaCluster(1, listeners=("SSL",), tls=tls) as cluster:
            admin = AdminClient(
                {**client, "bootstrap.servers": cluster.bootstrap_for("SSL")}, logger=QUIET
            )
            metadata = admin.list_topics(timeout=30)
            return len(metadata.brokers) == 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="where to write (default: a temporary folder, removed)")
    parser.add_argument(
        "--key-type",
        default=KeyType.RSA_2048.value,
        choices=[k.value for k in KeyType],
        help="key algorithm and size (default rsa-2048)",
    )
    parser.add_argument("--kafka", action="store_true", help="also connect to a real SSL broker")
    args = parser.parse_args(argv)
    started = time.monotonic()
    key_type = KeyType(args.key_type)
    with contextlib.ExitStack() as stack:
        if args.out:
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
        else:
            out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="certs-")))
        ca = CertificateAuthority.self_signed("kafka-ca", key_type=key_type, validity_days=365)
        write_authority(ca, out / "ca")
        sans = SubjectAlternativeNames.for_pod(
            statefulset="kafka",
            ordinal=0,
            namespace=NAMESPACE,
            services=("kafka-bootstrap",),
            wildcard=True,
            external_dns_names=(EXTERNAL_NAME,),
        )
        broker = ca.issue_server(
            "kafka-0", sans=sans, ip_addresses=("127.0.0.1",), validity_days=90, key_type=key_type
        )
        alice = ca.issue_client(
            "alice", organizational_unit="eng", organization="Acme", key_type=key_type
        )
        broker_files = write_store_bundle(broker, ca, out / "kafka-0")
        alice_files = write_store_bundle(alice, ca, out / "alice")
        mapper = PrincipalMapper.from_kafka(MAPPING_RULES)
        listener = BrokerListenerSecurity.ssl(broker_files, principal_mapping=mapper)
        write_private(
            out / "kafka-0" / "server-ssl.properties",
            java_properties_text(listener.to_server_properties()),
        )
        client = ClientSecurity.ssl(alice_files)
        librdkafka = client.to_librdkafka()
        write_private(out / "alice" / "librdkafka.json", json.dumps(librdkafka, indent=2) + "\n")
        write_private(out / "alice" / "client.properties", client.to_java_properties_text())

        pod = f"kafka-0.kafka.{NAMESPACE}.svc.cluster.local"
        ca_certificate = ca.root
        checks: dict[str, bool] = {
            "broker_verifies_for_pod_name": verifies_for(broker.certificate, ca_certificate, pod),
            "broker_verifies_for_bootstrap": verifies_for(
                broker.certificate, ca_certificate, f"kafka-bootstrap.{NAMESPACE}.svc"
            ),
            "broker_verifies_for_external_name": verifies_for(
                broker.certificate, ca_certificate, EXTERNAL_NAME
            ),
            "broker_refused_for_other_name": not verifies_for(
                broker.certificate, ca_certificate, "kafka.evil.example.com"
            ),
            "sans_as_asked": set(sans.dns_names) <= set(broker.dns_names)
            and [str(ip) for ip in broker.ip_addresses] == ["127.0.0.1"],
            "client_principal": mapper.principal_for(alice.certificate) == "User:alice",
            "expires_before_ca": broker.not_after <= ca.not_after,
            "valid_now": broker.not_before <= datetime.datetime.now(datetime.UTC),
        }
        checks |= {
            f"broker_{name}": ok
            for name, ok in stores_open(broker_files, broker.certificate).items()
        }
        checks |= {
            f"client_{name}": ok for name, ok in stores_open(alice_files, alice.certificate).items()
        }
        seen = handshake(broker_files, alice_files, pod)
        checks["mtls_handshake"] = seen is not None and "commonName=alice" in seen
        checks["mtls_refused_for_other_name"] = (
            handshake(broker_files, alice_files, "kafka.evil.example.com") is None
        )
        checks["librdkafka_accepts_client_settings"] = librdkafka_accepts(librdkafka)
        if args.kafka:
            checks["real_broker_reached"] = against_kafka(out / "ca", librdkafka)

        files = {
            str(path.relative_to(out)): oct(path.stat().st_mode & 0o777)
            for path in sorted(out.rglob("*"))
            if path.is_file()
        }
        for name, mode in files.items():
            print(f"{mode}  {name}")
        print(f"broker SANs: {', '.join(broker.dns_names)}, 127.0.0.1")
        print(f"alice is {mapper.principal_for(alice.certificate)} under {MAPPING_RULES}")
        for name, ok in checks.items():
            print(f"{'ok  ' if ok else 'FAIL'} {name}")
    figures = {
        "ok": all(checks.values()),
        "out": str(out),
        "kept": bool(args.out),
        "key_type": key_type.value,
        "files": files,
        "broker_dns_names": list(broker.dns_names),
        "client_subject": alice.subject,
        "checks": checks,
        "duration_s": round(time.monotonic() - started, 2),
    }
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
