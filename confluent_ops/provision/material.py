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
from cryptography.exceptions import InvalidSignature

from confluent_ops._files import (
    PRIVATE,
    PUBLIC,
    check_input_folder,
    read_input_bytes,
    write_files,
)
from confluent_ops.errors import InvalidInput, KeyMismatch, MaterialMissing
from confluent_ops.model._frozen import FrozenDict, frozen_dict
from confluent_ops.model.secret import Secret
from confluent_ops.provision.spec import ComponentKind, ExternalType, PlatformSpec
from confluent_ops.tls.authority import CertificateAuthority
from confluent_ops.tls.certificates import (
    IssuedCertificate,
    certificates_to_pem,
    load_certificates_pem,
)
from confluent_ops.tls.keys import load_private_key_pem
from confluent_ops.tls.names import SubjectAlternativeNames
from confluent_ops.tls.stores import generate_store_password

__all__ = [
    "PlatformMaterial",
    "TlsPair",
    "certificate_names",
    "certificate_problem",
    "material_folder",
    "outdated_certificates",
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


def certificate_problem(
    spec: PlatformSpec,
    component: str,
    pair: TlsPair,
    ca_certificates: bytes,
    now: datetime.datetime,
) -> str | None:
    """Why a component's certificate cannot serve ``spec`` (``None`` when it can).

    It must belong to its key, be signed by a CA of ``ca.crt`` (what every peer trusts), be
    valid now, and name every DNS name its pods are reached by for this spec (a spec that adds
    an external domain needs a certificate that has it).
    """
    try:
        issued = IssuedCertificate.from_pem(pair.certificate, pair.key, name=component)
    except KeyMismatch:
        return "its key (tls.key) is not the key of this certificate"
    authorities = load_certificates_pem(ca_certificates, "ca.crt")
    signed = False
    for authority in authorities:
        try:
            issued.certificate.verify_directly_issued_by(authority)
        except (ValueError, TypeError, InvalidSignature):
            continue
        signed = True
    if not signed:
        return "it is not signed by the CA of ca.crt"
    if issued.not_after <= now:
        return f"it expired on {issued.not_after.date().isoformat()}"
    if issued.certificate.not_valid_before_utc > now:
        return "it is not valid yet"
    kind = ComponentKind(component.replace("-", "_"))
    wanted = certificate_names(spec, kind).dns_names
    missing = [name for name in wanted if name not in issued.dns_names]
    if missing:
        return f"it lacks the name {missing[0]}" + (
            f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        )
    return None


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
    def read(
        cls,
        spec: PlatformSpec,
        folder: str | os.PathLike[str],
        *,
        now: datetime.datetime | None = None,
    ) -> PlatformMaterial:
        """The material ``spec`` needs, from ``folder``; every missing file named at once.

        Each certificate is checked against its key, ``ca.crt``, the time ``now`` (default:
        the clock) and the names the spec needs (:func:`certificate_problem`): a certificate
        that cannot serve is refused here, not by a broker at start-up.
        """
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
        moment = now or datetime.datetime.now(datetime.UTC)
        ca_certificates = data.get("ca.crt")
        for component, pair in certificates.items():
            assert ca_certificates is not None  # required with any certificate
            problem = certificate_problem(spec, component, pair, ca_certificates, moment)
            if problem is not None:
                raise InvalidInput(
                    f"{root / component / 'tls.crt'}: {problem}; confluent-ops certs platform "
                    "renews it (with the same key)"
                )
        return cls(
            ca_certificates=ca_certificates,
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
        keys: Mapping[str, Secret] | None = None,
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
                kept = (keys or {}).get(kind.object_name)
                issued: IssuedCertificate = authority.issue_server(
                    kind.object_name,
                    sans=certificate_names(spec, kind),
                    validity_days=validity_days,
                    now=now,
                    key=None
                    if kept is None
                    else load_private_key_pem(kept, f"{kind.object_name}/tls.key"),
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

    def write(
        self,
        folder: str | os.PathLike[str],
        *,
        replace: bool = False,
        renew: frozenset[str] = frozenset(),
    ) -> tuple[Path, ...]:
        """Write the files at once (keys and passwords mode 0600); returns those written.

        Files already in ``folder`` are kept unless ``replace``: running ``certs platform``
        again after adding a component to the spec issues only what the new component needs,
        and never swaps a key or a password a running platform uses.
        """
        root = Path(folder)
        renewing = frozenset(root / name / "tls.crt" for name in renew)
        existing_ca = root / "ca.crt"
        if not replace and self.ca_certificates is not None and existing_ca.is_file():
            kept = read_input_bytes(existing_ca, what="CA certificate", limit=_MAX_FILE)
            if kept != self.ca_certificates:
                raise InvalidInput(
                    f"{existing_ca} is another CA's: certificates issued now would not be "
                    "trusted by the platform's components; use the CA that made it"
                )

        def wanted(*paths: Path) -> bool:
            return replace or bool(renewing & set(paths)) or not all(p.exists() for p in paths)

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


def outdated_certificates(
    spec: PlatformSpec,
    folder: str | os.PathLike[str],
    *,
    now: datetime.datetime | None = None,
) -> dict[str, tuple[str, Secret]]:
    """Components whose certificate in ``folder`` cannot serve ``spec``: why, and its key.

    ``confluent-ops certs platform`` renews each with its own key, so a spec that grows a name
    (an external domain, a new namespace) needs no new keys, only new certificates.
    """
    root = Path(folder)
    ca = root / "ca.crt"
    if not ca.is_file():
        return {}
    ca_certificates = read_input_bytes(ca, what="CA certificate", limit=_MAX_FILE)
    moment = now or datetime.datetime.now(datetime.UTC)
    found: dict[str, tuple[str, Secret]] = {}
    for kind in spec.components:
        crt, key = root / kind.object_name / "tls.crt", root / kind.object_name / "tls.key"
        if not (crt.is_file() and key.is_file()):
            continue
        pair = TlsPair(
            certificate=read_input_bytes(crt, what="certificate", limit=_MAX_FILE),
            key=Secret(
                read_input_bytes(key, what="private key", limit=_MAX_FILE).decode(
                    "ascii", "replace"
                )
            ),
        )
        problem = certificate_problem(spec, kind.object_name, pair, ca_certificates, moment)
        if problem is not None:
            found[kind.object_name] = (problem, pair.key)
    return found
