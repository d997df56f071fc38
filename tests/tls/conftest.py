"""Shared material for the tls tests: CAs are slow to make, so each is made once per session."""

from __future__ import annotations

import pytest

from confluent_ops.tls import CertificateAuthority, KeyType


@pytest.fixture(scope="session")
def rsa_ca() -> CertificateAuthority:
    return CertificateAuthority.self_signed(
        "test-ca-rsa", key_type=KeyType.RSA_2048, validity_days=30
    )


@pytest.fixture(scope="session")
def ec_ca() -> CertificateAuthority:
    return CertificateAuthority.self_signed(
        "test-ca-ec", key_type=KeyType.EC_P256, validity_days=30
    )


@pytest.fixture(scope="session", params=["rsa", "ec"])
def any_ca(
    request: pytest.FixtureRequest, rsa_ca: CertificateAuthority, ec_ca: CertificateAuthority
) -> CertificateAuthority:
    return rsa_ca if request.param == "rsa" else ec_ca
