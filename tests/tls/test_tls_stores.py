"""Every store read by the tools that will read it: keytool (PKCS12 and JKS) and openssl."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from tls_helpers import require_program

from confluent_ops.errors import FileUnusable, InvalidCertificateRequest
from confluent_ops.model.secret import Secret
from confluent_ops.tls import (
    CertificateAuthority,
    IssuedCertificate,
    StoreSet,
    write_authority,
    write_store_bundle,
)

STORES = ("keystore.p12", "keystore.jks", "truststore.p12", "truststore.jks")


def _keytool_entries(store: Path, password: Secret) -> list[str]:
    keytool = require_program("keytool")
    result = subprocess.run(
        [keytool, "-list", "-keystore", str(store), "-storepass", password.reveal()],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return [line for line in result.stdout.splitlines() if "Entry," in line]


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    openssl = require_program("openssl")
    return subprocess.run([openssl, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def bundles(
    tmp_path_factory: pytest.TempPathFactory,
    rsa_ca: CertificateAuthority,
    ec_ca: CertificateAuthority,
) -> dict[str, tuple[IssuedCertificate, Path, Secret]]:
    root = tmp_path_factory.mktemp("bundles")
    intermediate = rsa_ca.issue_intermediate("team-ca")
    made = {
        "rsa-server": (rsa_ca, rsa_ca.issue_server("kafka-0", dns_names=("localhost",))),
        "rsa-client": (rsa_ca, rsa_ca.issue_client("alice", organizational_unit="eng")),
        "ec-server": (ec_ca, ec_ca.issue_server("kafka-1", ip_addresses=("127.0.0.1",))),
        "ec-client": (ec_ca, ec_ca.issue_client("bob")),
        "intermediate-server": (
            intermediate,
            intermediate.issue_server("kafka-2", dns_names=("kafka-2.example",)),
        ),
    }
    result = {}
    for label, (authority, issued) in made.items():
        bundle = write_store_bundle(issued, authority, root / label)
        result[label] = (issued, bundle.directory, bundle.password)
    return result


@pytest.mark.parametrize(
    "label", ["rsa-server", "rsa-client", "ec-server", "ec-client", "intermediate-server"]
)
def test_keytool_lists_keystores_as_private_keys_and_truststores_as_trusted_certs(
    bundles: dict[str, tuple[IssuedCertificate, Path, Secret]], label: str
) -> None:
    issued, directory, password = bundles[label]
    for store in ("keystore.p12", "keystore.jks"):
        entries = _keytool_entries(directory / store, password)
        assert len(entries) == 1, store
        assert entries[0].startswith(f"{issued.name}, ")
        assert "PrivateKeyEntry" in entries[0]
    for store in ("truststore.p12", "truststore.jks"):
        entries = _keytool_entries(directory / store, password)
        assert len(entries) == 1, store
        assert "trustedCertEntry" in entries[0]


@pytest.mark.parametrize(
    ("label", "purpose"),
    [
        ("rsa-server", "sslserver"),
        ("rsa-server", "sslclient"),
        ("ec-server", "sslserver"),
        ("rsa-client", "sslclient"),
        ("ec-client", "sslclient"),
        ("intermediate-server", "sslserver"),
    ],
)
def test_openssl_verifies_each_chain_for_its_purpose(
    bundles: dict[str, tuple[IssuedCertificate, Path, Secret]], label: str, purpose: str
) -> None:
    _, directory, _ = bundles[label]
    result = _openssl(
        "verify", "-purpose", purpose, "-CAfile", str(directory / "ca.crt"),
        "-untrusted", str(directory / "tls.crt"), str(directory / "tls.crt"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("OK")


@pytest.mark.parametrize("label", ["rsa-client", "ec-client"])
def test_openssl_refuses_a_client_certificate_as_a_server(
    bundles: dict[str, tuple[IssuedCertificate, Path, Secret]], label: str
) -> None:
    _, directory, _ = bundles[label]
    result = _openssl(
        "verify", "-purpose", "sslserver", "-CAfile", str(directory / "ca.crt"),
        str(directory / "tls.crt"),
    )  # fmt: skip
    assert result.returncode != 0


def test_openssl_refuses_a_chain_from_another_ca(
    bundles: dict[str, tuple[IssuedCertificate, Path, Secret]],
) -> None:
    _, rsa_dir, _ = bundles["rsa-server"]
    _, ec_dir, _ = bundles["ec-server"]
    result = _openssl("verify", "-CAfile", str(ec_dir / "ca.crt"), str(rsa_dir / "tls.crt"))
    assert result.returncode != 0


def test_openssl_reads_the_pkcs12_keystore_with_the_password_file(
    bundles: dict[str, tuple[IssuedCertificate, Path, Secret]],
) -> None:
    issued, directory, _ = bundles["ec-server"]
    result = _openssl(
        "pkcs12", "-in", str(directory / "keystore.p12"), "-passin",
        f"file:{directory / 'password'}", "-nokeys", "-clcerts",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert issued.certificate_pem().strip() in result.stdout


def test_tls_crt_holds_the_leaf_then_the_chain(
    bundles: dict[str, tuple[IssuedCertificate, Path, Secret]],
) -> None:
    issued, directory, _ = bundles["intermediate-server"]
    text = (directory / "tls.crt").read_text()
    assert text.count("BEGIN CERTIFICATE") == 3
    assert text.startswith(issued.certificate_pem())


def test_keys_passwords_and_stores_are_private(
    bundles: dict[str, tuple[IssuedCertificate, Path, Secret]],
) -> None:
    _, directory, password = bundles["rsa-server"]
    for name in ("tls.key", "password", *STORES):
        assert stat.S_IMODE(os.stat(directory / name).st_mode) == 0o600, name
    for name in ("tls.crt", "ca.crt"):
        assert stat.S_IMODE(os.stat(directory / name).st_mode) == 0o644, name
    assert (directory / "password").read_text() == password.reveal()


def test_the_ca_key_is_written_private(tmp_path: Path, rsa_ca: CertificateAuthority) -> None:
    files = write_authority(rsa_ca, tmp_path / "ca")
    assert stat.S_IMODE(os.stat(files.ca_key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(files.ca_key.parent).st_mode) == 0o700


def test_a_refused_password_writes_nothing(tmp_path: Path, rsa_ca: CertificateAuthority) -> None:
    issued = rsa_ca.issue_client("frank")
    with pytest.raises(InvalidCertificateRequest, match="at least 6"):
        write_store_bundle(issued, rsa_ca, tmp_path / "out", password=Secret("short"))
    assert not (tmp_path / "out").exists()


def test_a_failure_while_writing_leaves_no_partial_file(
    tmp_path: Path, rsa_ca: CertificateAuthority, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = rsa_ca.issue_client("grace")
    real_fdopen = os.fdopen
    opened = []

    def failing_fdopen(descriptor: int, mode: str = "r") -> object:
        opened.append(descriptor)
        if len(opened) == 3:
            os.close(descriptor)
            raise OSError(28, "No space left on device")
        return real_fdopen(descriptor, mode)

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    with pytest.raises(FileUnusable, match="no space left"):
        write_store_bundle(issued, rsa_ca, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_store_set_repr_shows_no_secret(rsa_ca: CertificateAuthority) -> None:
    stores = StoreSet.build(rsa_ca.issue_client("heidi"), rsa_ca, password=Secret("hunter2-pw"))
    assert "hunter2" not in repr(stores)
    assert "PRIVATE" not in repr(stores)


def test_a_truststore_may_hold_several_cas_for_a_rollover(
    tmp_path: Path, rsa_ca: CertificateAuthority, ec_ca: CertificateAuthority
) -> None:
    issued = rsa_ca.issue_client("ivan")
    bundle = write_store_bundle(issued, (rsa_ca.root, ec_ca.root), tmp_path / "both")
    for store in ("truststore.p12", "truststore.jks"):
        entries = _keytool_entries(bundle.directory / store, bundle.password)
        assert len(entries) == 2
        assert all("trustedCertEntry" in e for e in entries)
