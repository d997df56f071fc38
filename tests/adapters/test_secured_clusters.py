"""Adapters and commands against SSL (mutual TLS) and SASL_SSL (PLAIN, SCRAM) listeners."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from confluent_ops.adapters import KafkaAdapter, read_java_properties, translate_properties
from confluent_ops.cli.main import main
from confluent_ops.errors import AuthenticationFailed, InvalidInput
from confluent_ops.model import Secret
from confluent_ops.testing import LocalKafkaCluster
from confluent_ops.testing.pytest_plugin import require_testbed
from confluent_ops.tls import (
    ClientSecurity,
    ClientTlsFiles,
    SaslCredentials,
    SaslMechanism,
    SecurityProtocol,
)

PASSWORD = "alice-secret-pw"


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """One broker with SSL (client certificates required) and SASL_SSL (PLAIN and SCRAM)."""
    require_testbed(kafka_versions=("4.1.1",))
    with LocalKafkaCluster(
        1,
        listeners=("SSL", "SASL_SSL"),
        sasl_users={"alice": Secret(PASSWORD)},
        workdir=tmp_path_factory.mktemp("secured"),
    ) as cluster:
        yield cluster


def client_files(cluster: LocalKafkaCluster, *, mutual: bool) -> ClientTlsFiles:
    tls = cluster.tls
    assert tls is not None
    if not mutual:
        return ClientTlsFiles(ca_crt=tls.ca_crt, truststore=tls.truststore, password=tls.password)
    return ClientTlsFiles(
        ca_crt=tls.ca_crt,
        truststore=tls.truststore,
        password=tls.password,
        keystore=tls.client_keystore,
        certificate=tls.client_crt,
        private_key=tls.client_key,
    )


@pytest.mark.parametrize(
    ("listener", "security"),
    [
        ("SSL", "mtls"),
        ("SASL_SSL", SaslMechanism.PLAIN),
        ("SASL_SSL", SaslMechanism.SCRAM_SHA_256),
        ("SASL_SSL", SaslMechanism.SCRAM_SHA_512),
    ],
)
def test_snapshot_through_the_security_builder(secured, listener, security):
    if security == "mtls":
        client = ClientSecurity(SecurityProtocol.SSL, tls=client_files(secured, mutual=True))
    else:
        credentials = SaslCredentials(
            username="alice", password=Secret(PASSWORD), mechanism=security
        )
        client = ClientSecurity(
            SecurityProtocol.SASL_SSL, tls=client_files(secured, mutual=False), sasl=credentials
        )
    with KafkaAdapter.connect(secured.bootstrap_for(listener), client.to_librdkafka()) as admin:
        snapshot = admin.snapshot()  # librdkafka and kafka-python both authenticate
    assert snapshot.broker_ids == (0,)


def test_a_wrong_password_is_an_authentication_failure_not_a_hang(secured):
    credentials = SaslCredentials.plain("alice", "wrong-password")
    client = ClientSecurity(
        SecurityProtocol.SASL_SSL, tls=client_files(secured, mutual=False), sasl=credentials
    )
    started = time.monotonic()
    with pytest.raises(AuthenticationFailed) as caught:
        KafkaAdapter.connect(secured.bootstrap_for("SASL_SSL"), client.to_librdkafka(), timeout=5)
    assert time.monotonic() - started < 15
    assert "wrong-password" not in str(caught.value)


def test_mutual_tls_without_a_client_certificate_is_refused(secured):
    client = ClientSecurity(SecurityProtocol.SSL, tls=client_files(secured, mutual=False))
    with pytest.raises(AuthenticationFailed):
        KafkaAdapter.connect(secured.bootstrap_for("SSL"), client.to_librdkafka(), timeout=5)


def test_health_with_a_command_config_of_pkcs12_stores(secured, tmp_path, capsys):
    client = ClientSecurity(SecurityProtocol.SSL, tls=client_files(secured, mutual=True))
    config = tmp_path / "client.properties"
    config.write_text(client.to_java_properties_text())
    config.chmod(0o600)
    code = main(
        ["health", "--bootstrap", secured.bootstrap_for("SSL"), "--command-config", str(config)]
    )
    out = capsys.readouterr().out
    assert code in (0, 1, 2)
    assert "status" in out


def test_health_with_a_command_config_of_jks_stores_and_jaas(secured, tmp_path, capsys):
    tls = secured.tls
    assert tls is not None
    client_dir = tls.client_crt.parent
    password = tls.password.reveal()
    config = tmp_path / "sasl.properties"
    config.write_text(
        "security.protocol=SASL_SSL\n"
        "ssl.truststore.type=JKS\n"
        f"ssl.truststore.location={client_dir / 'truststore.jks'}\n"
        f"ssl.truststore.password={password}\n"
        "sasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
        f'    username="alice" password="{PASSWORD}";\n'
    )
    code = main(
        [
            "health",
            "--bootstrap",
            secured.bootstrap_for("SASL_SSL"),
            "--command-config",
            str(config),
            "--json",
        ]
    )
    assert code in (0, 1, 2)
    assert '"brokers": [\n    0\n  ]' in capsys.readouterr().out


def test_translation_of_a_jks_keystore_writes_private_pem_files(secured, tmp_path):
    tls = secured.tls
    assert tls is not None
    client_dir = tls.client_crt.parent
    password = tls.password.reveal()
    properties = read_java_properties(
        "security.protocol=SSL\n"
        f"ssl.keystore.location={client_dir / 'keystore.jks'}\n"
        f"ssl.keystore.password={password}\n"
        f"ssl.truststore.location={client_dir / 'truststore.p12'}\n"
        f"ssl.truststore.password={password}\n"
    )
    folder = tmp_path / "pem"
    folder.mkdir(mode=0o700)
    config = translate_properties(properties, folder)
    for key in ("ssl.ca.location", "ssl.certificate.location", "ssl.key.location"):
        assert (os.stat(config[key]).st_mode & 0o777) == 0o600
    with KafkaAdapter.connect(secured.bootstrap_for("SSL"), config) as admin:
        assert admin.snapshot(sizes=False).broker_ids == (0,)


def test_unsupported_settings_are_refused_by_name(tmp_path):
    with pytest.raises(InvalidInput, match="GSSAPI"):
        translate_properties(
            {"security.protocol": "SASL_SSL", "sasl.mechanism": "GSSAPI"}, tmp_path
        )
    with pytest.raises(InvalidInput, match=r"fancy\.setting"):
        translate_properties({"fancy.setting": "1"}, tmp_path)


AUTHORIZER = {
    "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "super.users": "User:ANONYMOUS;User:admin",
}


@pytest.fixture(scope="module")
def authorizing(tmp_path_factory):
    """One broker that checks ACLs: ``admin`` is a super user, ``bob`` has no ACL at all."""
    require_testbed(kafka_versions=("4.1.1",))
    with LocalKafkaCluster(
        1,
        listeners=("SASL_SSL",),
        sasl_users={"admin": Secret("admin-secret-pw"), "bob": Secret("bob-secret-pw")},
        # inter-broker and controller traffic stays on PLAINTEXT, as ANONYMOUS; brokers
        # forward admin requests, which controllers authorize with the client's principal
        broker_config=AUTHORIZER,
        controller_config=AUTHORIZER,
        workdir=tmp_path_factory.mktemp("authorizing"),
    ) as cluster:
        yield cluster


def sasl_properties(cluster: LocalKafkaCluster, user: str, password: str, path) -> str:
    tls = cluster.tls
    assert tls is not None
    path.write_text(
        "security.protocol=SASL_SSL\n"
        "ssl.truststore.type=PEM\n"
        f"ssl.truststore.location={tls.ca_crt}\n"
        "sasl.mechanism=PLAIN\n"
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{user}" password="{password}";\n'
    )
    return str(path)


def run_command(*argv: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: its own process, its real stderr (librdkafka's too)."""
    return subprocess.run(
        [sys.executable, "-m", "confluent_ops", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_acl_denial_is_authorization_not_authentication(authorizing, tmp_path):
    config = sasl_properties(authorizing, "bob", "bob-secret-pw", tmp_path / "bob.properties")
    bootstrap = authorizing.bootstrap_for("SASL_SSL")
    result = run_command("health", "--bootstrap", bootstrap, "--command-config", config)
    code, err = result.returncode, result.stderr
    assert code == 77
    assert err.count("\n") == 1, err
    assert "not authorized" in err
    assert "CLUSTER" in err
    assert "authentication" not in err
    admin_config = sasl_properties(
        authorizing, "admin", "admin-secret-pw", tmp_path / "admin.properties"
    )
    allowed = run_command("health", "--bootstrap", bootstrap, "--command-config", admin_config)
    assert allowed.returncode in (0, 1), allowed.stderr


def test_a_failed_login_is_one_line_on_stderr_and_exit_77(authorizing, tmp_path):
    """librdkafka's and kafka-python's own log lines stay out of stderr (quiet by default)."""
    config = sasl_properties(authorizing, "bob", "not-his-password", tmp_path / "wrong.properties")
    bootstrap = authorizing.bootstrap_for("SASL_SSL")
    argv = ("health", "--bootstrap", bootstrap, "--command-config", config, "--timeout", "5")
    result = run_command(*argv)
    assert result.returncode == 77
    assert result.stderr.count("\n") == 1, result.stderr
    assert "authentication" in result.stderr
    assert "not-his-password" not in result.stderr
    verbose = run_command(*argv, "--verbose")  # and --verbose shows what the clients said
    assert verbose.returncode == 77
    assert verbose.stderr.count("\n") > 1
