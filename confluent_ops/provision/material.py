"""The platform's secret material: certificates, keys and SASL passwords, kept out of the spec.

A spec names a folder (``security.material``); this module says what the folder must hold for
that spec (:func:`required_material`), makes it from a CA (:meth:`PlatformMaterial.issue`, what
``confluent-ops certs platform`` runs), and reads it back (:meth:`PlatformMaterial.read`). The
layout is the one ``confluent-ops certs issue`` and cert-manager's ``kubernetes.io/tls``
Secrets use, so material made elsewhere fits:

```
ca.crt                              the CA every component trusts
<component>/tls.crt, tls.key        each component's certificate (CN = its user) and PKCS#8 key
users/<user>.password               each SASL user's password, one line
replicator-source/ca.crt, password  what Replicator needs to reach its source cluster
```

Certificates carry every name a pod is reached by (the headless Service's pod names, the
client Service, and for Kafka the external names of the spec), so hostname verification holds.
Passwords are 12 to 256 characters of ``A-Z a-z 0-9 . _ ~ + / = -``: they are put into JAAS
text and into ``kafka-storage --add-scram`` arguments, where other characters need quoting
that tools disagree on.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Mapping
from pathlib import Path

import attrs

from confluent_ops._files import (
    PRIVATE,
    PUBLIC,
    check_input_folder,
    read_input_bytes,
    write_files,
)
from confluent_ops.errors import InvalidInput, MaterialMissing
from confluent_ops.model._frozen import FrozenDict, frozen_dict
from confluent_ops.model.secret import Secret
from confluent_ops.provision.spec import ComponentKind, ExternalType, PlatformSpec
from confluent_ops.tls.authority import CertificateAuthority
from confluent_ops.tls.certificates import (
    IssuedCertificate,
    certificates_to_pem,
    load_certificates_pem,
)
from confluent_ops.tls.names import SubjectAlternativeNames
from confluent_ops.tls.stores import generate_store_password

__all__ = [
    "PlatformMaterial",
    "TlsPair",
    "certificate_names",
    "material_folder",
    "read_material",
    "required_material",
]

_PASSWORD = re.compile(r"^[A-Za-z0-9._~+/=-]{12,256}$")
_MAX_FILE = 1 << 20
SOURCE = "replicator-source"


@attrs.frozen(repr=False)
class TlsPair:
    """A component's certificate chain (PEM) and its private key (PKCS#8 PEM, secret)."""

    certificate: bytes
    key: Secret

    def __repr__(self) -> str:
        return "TlsPair(certificate=..., key=Secret('***'))"


def certificate_names(spec: PlatformSpec, kind: ComponentKind) -> SubjectAlternativeNames:
    """Every DNS name a component's pods are reached by, as its certificate must list them."""
    name = kind.object_name
    sans = SubjectAlternativeNames.for_pod(
        statefulset=name,
        ordinal=0,
        namespace=spec.namespace,
        services=(f"{name}-client",),
        cluster_domain=spec.cluster_domain,
        wildcard=True,
    )
    external = spec.kafka.listeners.external
    if kind is ComponentKind.KAFKA and external is not None:
        if external.type is ExternalType.LOADBALANCER:
            assert external.domain is not None  # the spec refuses a loadbalancer without one
            names: tuple[str, ...] = (
                f"*.{external.domain}",
                f"{external.bootstrap_prefix}.{external.domain}",
            )
        else:
            assert external.host is not None
            names = (external.host,)
        sans = sans.merged(SubjectAlternativeNames(dns_names=names))
    return sans


def required_material(spec: PlatformSpec) -> tuple[str, ...]:
    """The files (relative to the material folder) that rendering ``spec`` reads."""
    files: list[str] = []
    if spec.uses_tls:
        files.append("ca.crt")
        for kind in spec.components:
            if kind is not ComponentKind.ZOOKEEPER:
                files += [f"{kind.object_name}/tls.crt", f"{kind.object_name}/tls.key"]
    files += [f"users/{user}.password" for user in spec.sasl_users]
    replicator = spec.replicator
    if replicator is not None:
        if replicator.source.tls:
            files.append(f"{SOURCE}/ca.crt")
        if replicator.source.user is not None:
            files.append(f"{SOURCE}/password")
    return tuple(files)


def _password(data: bytes, name: str) -> Secret:
    text = data.decode("utf-8", errors="replace").rstrip("\r\n")
    if not _PASSWORD.fullmatch(text):
        raise InvalidInput(
            f"{name}: a password must be one line of 12 to 256 characters from "
            "A-Z a-z 0-9 . _ ~ + / = - (its value is not shown)"
        )
    return Secret(text)


def _pairs(value: Mapping[str, TlsPair]) -> FrozenDict[str, TlsPair]:
    return frozen_dict(sorted(value.items()))


def _secrets(value: Mapping[str, Secret]) -> FrozenDict[str, Secret]:
    return frozen_dict(sorted(value.items()))


@attrs.frozen(repr=False)
class PlatformMaterial:
    """Everything secret a spec needs, read from its folder or issued from a CA."""

    ca_certificates: bytes | None = None
    certificates: FrozenDict[str, TlsPair] = attrs.field(factory=FrozenDict, converter=_pairs)
    passwords: FrozenDict[str, Secret] = attrs.field(factory=FrozenDict, converter=_secrets)
    source_ca: bytes | None = None
    source_password: Secret | None = None

    def __repr__(self) -> str:
        return (
            f"PlatformMaterial(certificates={sorted(self.certificates)!r}, "
            f"users={sorted(self.passwords)!r})"
        )

    @classmethod
    def read(cls, spec: PlatformSpec, folder: str | os.PathLike[str]) -> PlatformMaterial:
        """The material ``spec`` needs, from ``folder``; every missing file named at once."""
        root = check_input_folder(folder, what="material folder")
        needed = required_material(spec)
        missing = tuple(name for name in needed if not (root / name).exists())
        if missing:
            raise MaterialMissing(os.fspath(folder), missing)
        data = {
            name: read_input_bytes(root / name, what="material file", limit=_MAX_FILE)
            for name in needed
        }
        certificates: dict[str, TlsPair] = {}
        for name, content in data.items():
            if name.endswith("/tls.crt"):
                component = name.split("/")[0]
                load_certificates_pem(content, str(root / name))
                key = data[f"{component}/tls.key"].decode("ascii", errors="replace")
                if "PRIVATE KEY-----" not in key:
                    raise InvalidInput(f"{root / component / 'tls.key'}: not a PEM private key")
                certificates[component] = TlsPair(certificate=content, key=Secret(key))
        for name in ("ca.crt", f"{SOURCE}/ca.crt"):
            if name in data:
                load_certificates_pem(data[name], str(root / name))
        passwords = {
            name.removeprefix("users/").removesuffix(".password"): _password(
                content, str(root / name)
            )
            for name, content in data.items()
            if name.startswith("users/")
        }
        source_password = data.get(f"{SOURCE}/password")
        return cls(
            ca_certificates=data.get("ca.crt"),
            certificates=certificates,
            passwords=passwords,
            source_ca=data.get(f"{SOURCE}/ca.crt"),
            source_password=None
            if source_password is None
            else _password(source_password, str(root / SOURCE / "password")),
        )

    @classmethod
    def issue(
        cls,
        spec: PlatformSpec,
        authority: CertificateAuthority | None,
        *,
        validity_days: int = 365,
        now: datetime.datetime | None = None,
    ) -> PlatformMaterial:
        """New certificates from ``authority`` (``None`` for a spec without TLS) and new
        passwords for every SASL user of ``spec``.

        Replicator's source cluster is not ours to issue for: its CA and password are copied
        into the folder by hand (:meth:`write` leaves them alone).
        """
        certificates: dict[str, TlsPair] = {}
        if spec.uses_tls and authority is None:
            raise InvalidInput("the spec uses TLS: issuing its certificates needs a CA")
        if authority is not None and spec.uses_tls:
            for kind in spec.components:
                if kind is ComponentKind.ZOOKEEPER:
                    continue
                issued: IssuedCertificate = authority.issue_server(
                    kind.object_name,
                    sans=certificate_names(spec, kind),
                    validity_days=validity_days,
                    now=now,
                )
                chain = issued.to_pem().encode("ascii")
                certificates[kind.object_name] = TlsPair(chain, issued.private_key_pem())
        return cls(
            ca_certificates=certificates_to_pem((authority.root,)).encode("ascii")
            if authority is not None and spec.uses_tls
            else None,
            certificates=certificates,
            passwords={user: generate_store_password() for user in spec.sasl_users},
        )

    def write(self, folder: str | os.PathLike[str], *, replace: bool = False) -> tuple[Path, ...]:
        """Write the files at once (keys and passwords mode 0600); returns those written.

        Files already in ``folder`` are kept unless ``replace``: running ``certs platform``
        again after adding a component to the spec issues only what the new component needs,
        and never swaps a key or a password a running platform uses.
        """
        root = Path(folder)
        existing_ca = root / "ca.crt"
        if not replace and self.ca_certificates is not None and existing_ca.is_file():
            kept = read_input_bytes(existing_ca, what="CA certificate", limit=_MAX_FILE)
            if kept != self.ca_certificates:
                raise InvalidInput(
                    f"{existing_ca} is another CA's: certificates issued now would not be "
                    "trusted by the platform's components; use the CA that made it"
                )

        def wanted(*paths: Path) -> bool:
            return replace or not all(path.exists() for path in paths)

        files: dict[Path, tuple[bytes | str, int]] = {}
        if self.ca_certificates is not None and wanted(existing_ca):
            files[existing_ca] = (self.ca_certificates, PUBLIC)
        for component, pair in self.certificates.items():
            crt, key = root / component / "tls.crt", root / component / "tls.key"
            if wanted(crt, key):  # a certificate and its key are only ever written together
                files[crt] = (pair.certificate, PUBLIC)
                files[key] = (pair.key.reveal(), PRIVATE)
        for user, password in self.passwords.items():
            path = root / "users" / f"{user}.password"
            if wanted(path):
                files[path] = (password.reveal() + "\n", PRIVATE)
        for path in sorted({p.parent for p in files}):
            path.mkdir(parents=True, exist_ok=True)
        write_files(files)
        return tuple(sorted(files))


def material_folder(
    spec: PlatformSpec, spec_file: str | os.PathLike[str] | None, folder: str | None = None
) -> Path | None:
    """Where the spec's material is: ``folder`` if given, else ``security.material``, a relative
    path being relative to the spec file's folder; ``None`` when the spec needs none."""
    chosen = folder if folder is not None else spec.security.material
    if chosen is None:
        return None
    path = Path(chosen)
    if not path.is_absolute() and folder is None and spec_file is not None:
        path = Path(spec_file).parent / path
    return path


def read_material(
    spec: PlatformSpec, spec_file: str | os.PathLike[str] | None, folder: str | None = None
) -> PlatformMaterial | None:
    """The material ``spec`` needs (see :func:`material_folder`), or ``None`` if it needs none."""
    if not required_material(spec):
        return None
    where = material_folder(spec, spec_file, folder)
    if where is None:
        raise MaterialMissing("security.material", required_material(spec))
    return PlatformMaterial.read(spec, where)
