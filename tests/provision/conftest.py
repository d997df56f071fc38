"""Shared material for the provision tests: one CA per session (keys are slow to make)."""

from __future__ import annotations

from pathlib import Path

import pytest

from confluent_ops.provision import PlatformMaterial, PlatformSpec, read_spec
from confluent_ops.tls import CertificateAuthority, KeyType

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "platform.yaml"
KUBERNETES_VERSION = "1.34.4"
"""The Kubernetes whose API schema rendered objects must satisfy (the control plane of the
Kube tests is built at the same version)."""


@pytest.fixture(scope="session")
def platform_ca() -> CertificateAuthority:
    return CertificateAuthority.self_signed(
        "platform-test-ca", key_type=KeyType.EC_P256, validity_days=30
    )


@pytest.fixture(scope="session")
def example_spec() -> PlatformSpec:
    return read_spec(EXAMPLE)


@pytest.fixture(scope="session")
def example_material_folder(
    tmp_path_factory: pytest.TempPathFactory,
    example_spec: PlatformSpec,
    platform_ca: CertificateAuthority,
) -> Path:
    """The example's material as `certs platform` makes it, plus Replicator's source files."""
    folder = tmp_path_factory.mktemp("platform-secrets")
    PlatformMaterial.issue(example_spec, platform_ca).write(folder)
    source = folder / "replicator-source"
    source.mkdir()
    (source / "ca.crt").write_bytes((folder / "ca.crt").read_bytes())
    (source / "password").write_text("source-password-1234\n")
    return folder


@pytest.fixture(scope="session")
def example_material(example_spec: PlatformSpec, example_material_folder: Path) -> PlatformMaterial:
    return PlatformMaterial.read(example_spec, example_material_folder)
