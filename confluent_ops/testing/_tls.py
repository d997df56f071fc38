"""The TLS material of a testbed: a CA, one server certificate for every local server, a client.

Brokers and ZooKeeper servers all listen on 127.0.0.1, so one server certificate (``localhost``,
IP ``127.0.0.1``) serves them all; clients get a certificate of their own for listeners that
require one. Java reads PKCS12 stores (the truststore holding the CA as a trusted-certificate
entry, which a certificates-only PKCS12 would not); Python clients read the PEM files. Keys and
the password file are mode 0600; the password itself is a :class:`Secret`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import attrs

from confluent_ops.errors import JavaNotFound, TestbedError
from confluent_ops.model.secret import Secret

__all__ = ["TestbedTls"]

_DAYS = "30"


@attrs.frozen
class TestbedTls:
    """Paths of the testbed's certificates and stores, and the one password of its stores."""

    __test__ = False  # not a pytest test class, whatever its name says

    directory: Path
    ca_crt: Path
    server_crt: Path
    server_key: Path
    server_keystore: Path
    truststore: Path
    client_crt: Path
    client_key: Path
    client_keystore: Path
    password: Secret = attrs.field(repr=False)

    @classmethod
    def create(cls, directory: Path, *, ca_dir: Path | None = None) -> TestbedTls:
        """Make the material in ``directory``, from the CA in ``ca_dir`` or a new one.

        ``ca_dir`` holds ``ca.crt`` and ``ca.key`` (PEM), as ``confluent-ops certs ca`` writes
        them; clients that trust that CA then trust the testbed's servers.
        """
        for program in ("openssl", "keytool"):
            if shutil.which(program) is None:
                raise JavaNotFound(program, "the testbed makes its TLS stores with it")
        directory.mkdir(parents=True, exist_ok=True)
        password = Secret(secrets.token_urlsafe(18))
        password_file = _private(directory / "password", password.reveal())
        if ca_dir is not None:
            ca_crt, ca_key = ca_dir / "ca.crt", ca_dir / "ca.key"
            if not (ca_crt.exists() and ca_key.exists()):
                raise TestbedError(f"{ca_dir} must hold ca.crt and ca.key")
            if ca_dir.resolve() != directory.resolve():
                shutil.copyfile(ca_crt, directory / "ca.crt")
        else:
            ca_key = directory / "ca.key"
            _openssl(
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
                "-out", directory / "ca.crt", "-days", _DAYS,
                "-subj", "/CN=confluent-ops testbed CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            )  # fmt: skip
            os.chmod(ca_key, 0o600)
        ca_crt = directory / "ca.crt"
        server_crt, server_key = _issue(
            directory, "server", ca_crt, ca_key,
            subject="/CN=localhost",
            extensions="subjectAltName=DNS:localhost,IP:127.0.0.1\n"
            "extendedKeyUsage=serverAuth,clientAuth\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n",
        )  # fmt: skip
        client_crt, client_key = _issue(
            directory, "client", ca_crt, ca_key,
            subject="/CN=testbed-client",
            extensions="extendedKeyUsage=clientAuth\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n",
        )  # fmt: skip
        server_keystore = _keystore(
            directory,
            "server",
            crt=server_crt,
            key=server_key,
            ca_crt=ca_crt,
            password_file=password_file,
        )
        client_keystore = _keystore(
            directory,
            "client",
            crt=client_crt,
            key=client_key,
            ca_crt=ca_crt,
            password_file=password_file,
        )
        truststore = directory / "truststore.p12"
        truststore.unlink(missing_ok=True)
        _run(
            "keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", ca_crt,
            "-keystore", truststore, "-storetype", "PKCS12", "-storepass:file", password_file,
        )  # fmt: skip
        return cls(
            directory=directory,
            ca_crt=ca_crt,
            server_crt=server_crt,
            server_key=server_key,
            server_keystore=server_keystore,
            truststore=truststore,
            client_crt=client_crt,
            client_key=client_key,
            client_keystore=client_keystore,
            password=password,
        )

    @property
    def password_file(self) -> Path:
        return self.directory / "password"


def _issue(
    directory: Path, name: str, ca_crt: Path, ca_key: Path, *, subject: str, extensions: str
) -> tuple[Path, Path]:
    key, csr, crt = directory / f"{name}.key", directory / f"{name}.csr", directory / f"{name}.crt"
    ext = directory / f"{name}.ext"
    ext.write_text(extensions, encoding="utf-8")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", subject)
    os.chmod(key, 0o600)
    _openssl(
        "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
        "-out", crt, "-days", _DAYS, "-extfile", ext,
    )  # fmt: skip
    csr.unlink()
    ext.unlink()
    return crt, key


def _keystore(
    directory: Path, name: str, *, crt: Path, key: Path, ca_crt: Path, password_file: Path
) -> Path:
    store = directory / f"{name}.keystore.p12"
    _openssl(
        "pkcs12", "-export", "-in", crt, "-inkey", key, "-certfile", ca_crt, "-name", name,
        "-out", store, "-passout", f"file:{password_file}",
    )  # fmt: skip
    os.chmod(store, 0o600)
    return store


def _private(path: Path, text: str) -> Path:
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")
    return path


def _openssl(*args: object) -> None:
    _run("openssl", *args)


def _run(*args: object) -> None:
    result = subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise TestbedError(f"{args[0]} failed making TLS material: {reason[-1] if reason else ''}")
