"""``confluent-ops certs``: the files of CLI.md, and one line on stderr for every refusal."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from confluent_ops.cli.main import main
from confluent_ops.tls import (
    CertificateAuthority,
    CertificateSummary,
    load_certificates,
    read_authority,
    write_authority,
)

BUNDLE = {"tls.crt", "tls.key", "ca.crt", "keystore.p12", "keystore.jks", "truststore.p12",
          "truststore.jks", "password"}  # fmt: skip


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_ca_then_issue_then_inspect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["certs", "ca", "--out", str(tmp_path / "ca"), "--cn", "ops-ca", "--days", "40"]) == 0
    )
    assert {p.name for p in (tmp_path / "ca").iterdir()} == {"ca.crt", "ca.key"}
    assert _mode(tmp_path / "ca" / "ca.key") == 0o600
    code = main(["certs", "issue", "--ca", str(tmp_path / "ca"), "--name", "kafka-0",
                 "--dns", "kafka-0.local,localhost", "--ip", "127.0.0.1", "--days", "10",
                 "--out", str(tmp_path / "kafka-0")])  # fmt: skip
    assert code == 0
    assert {p.name for p in (tmp_path / "kafka-0").iterdir()} == BUNDLE
    for name in ("tls.key", "password", "keystore.p12", "keystore.jks"):
        assert _mode(tmp_path / "kafka-0" / name) == 0o600
    assert main(["certs", "issue", "--ca", str(tmp_path / "ca"), "--name", "alice", "--client",
                 "--out", str(tmp_path / "alice")]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["certs", "inspect", str(tmp_path / "kafka-0" / "tls.crt")]) == 0
    out = capsys.readouterr().out
    assert "subject: CN=kafka-0" in out
    assert "SANs: DNS:kafka-0.local, DNS:localhost, IP:127.0.0.1" in out
    assert "issuer: CN=ops-ca" in out
    assert "days to expiry" in out


def test_a_server_without_names_is_valid_for_its_name(
    tmp_path: Path, rsa_ca: CertificateAuthority
) -> None:
    write_authority(rsa_ca, tmp_path / "ca")
    assert main(["certs", "issue", "--ca", str(tmp_path / "ca"), "--name", "zk-0",
                 "--out", str(tmp_path / "zk")]) == 0  # fmt: skip
    summary = CertificateSummary.from_certificate(
        load_certificates((tmp_path / "zk" / "tls.crt").read_bytes(), "tls.crt")[0]
    )
    assert summary.dns_names == ("zk-0",)
    authority = read_authority(tmp_path / "ca")
    assert authority == rsa_ca


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--dns", "bad_name"], 65, "invalid DNS name 'bad_name'"),
        (["--days", "0"], 64, "expected a whole number in 1..36500"),
        (["--days", "1000000000"], 64, "expected a whole number in 1..36500"),
        (["--ip", "300.1.1.1"], 65, "not an IPv4 or IPv6 address"),
        (["--client", "--dns", "x.example"], 64, "--dns and --ip apply to server certificates"),
        (["--key-type", "rsa-1024"], 64, "unknown key type"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path,
    rsa_ca: CertificateAuthority,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    code: int,
    message: str,
) -> None:
    write_authority(rsa_ca, tmp_path / "ca")
    out = tmp_path / "out"
    argv = ["certs", "issue", "--ca", str(tmp_path / "ca"), "--name", "n", "--out", str(out)]
    assert main(argv + extra) == code
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert not out.exists()


def test_a_missing_ca_exits_66(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["certs", "issue", "--ca", str(tmp_path / "none"), "--name", "n",
                 "--out", str(tmp_path / "out")]) == 66  # fmt: skip
    assert "ca.crt" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_expired_ca_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import datetime

    long_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=10)
    expired = CertificateAuthority.self_signed("old-ca", validity_days=2, now=long_ago)
    write_authority(expired, tmp_path / "ca")
    assert main(["certs", "issue", "--ca", str(tmp_path / "ca"), "--name", "n",
                 "--out", str(tmp_path / "out")]) == 65  # fmt: skip
    err = capsys.readouterr().err
    assert "certificate CN=old-ca is expired" in err
    assert "PRIVATE KEY" not in err
    assert not (tmp_path / "out").exists()


def test_a_mismatched_ca_key_is_refused(
    tmp_path: Path, rsa_ca: CertificateAuthority, ec_ca: CertificateAuthority,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    write_authority(rsa_ca, tmp_path / "ca")
    (tmp_path / "ca" / "ca.key").write_text(ec_ca.private_key_pem().reveal())
    assert main(["certs", "issue", "--ca", str(tmp_path / "ca"), "--name", "n",
                 "--out", str(tmp_path / "out")]) == 65  # fmt: skip
    assert "does not match" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_certs_ca_will_not_replace_a_ca_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["certs", "ca", "--out", str(tmp_path)]) == 0
    key = (tmp_path / "ca.key").read_bytes()
    assert main(["certs", "ca", "--out", str(tmp_path)]) == 65
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "ca.key").read_bytes() == key
    assert main(["certs", "ca", "--out", str(tmp_path), "--days", "-5", "--force"]) == 64
    assert (tmp_path / "ca.key").read_bytes() == key


def test_inspecting_a_file_that_is_no_certificate_exits_65(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    assert main(["certs", "inspect", str(junk)]) == 65
    assert "junk.pem is not a PEM or DER certificate" in capsys.readouterr().err


def test_a_given_password_file_protects_every_store(
    tmp_path: Path, rsa_ca: CertificateAuthority
) -> None:
    write_authority(rsa_ca, tmp_path / "ca")
    (tmp_path / "pw").write_text("chosen-password\n")
    argv = ["certs", "issue", "--ca", str(tmp_path / "ca"), "--name", "kafka-9",
            "--password-file", str(tmp_path / "pw"), "--out", str(tmp_path / "b")]  # fmt: skip
    assert main(argv) == 0
    assert (tmp_path / "b" / "password").read_text() == "chosen-password"
    stores = pkcs12.load_pkcs12((tmp_path / "b" / "keystore.p12").read_bytes(), b"chosen-password")
    assert stores.cert is not None
    assert stores.cert.friendly_name == b"kafka-9"
