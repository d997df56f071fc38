"""``confluent-ops certs ca | issue | platform | inspect``: a CA, certificates, a platform's
material, and what certificates say.

Everything is built in memory and validated first; files are written only once all of it
succeeded, atomically, keys and passwords with mode 0600 (see :mod:`confluent_ops.tls.files`).
"""

from __future__ import annotations

import argparse

from confluent_ops._files import check_folder, read_input_bytes, read_input_text
from confluent_ops.cli._app import EX_OK, CommandParser, UsageError, integer
from confluent_ops.errors import InvalidCertificateRequest
from confluent_ops.model.secret import Secret
from confluent_ops.provision import (
    PlatformMaterial,
    outdated_certificates,
    read_spec,
    required_material,
)
from confluent_ops.tls import (
    MAX_VALIDITY_DAYS,
    CertificateAuthority,
    CertificateSummary,
    KeyType,
    load_certificates,
    read_authority,
    validate_dns_name,
    write_authority,
    write_store_bundle,
)

_KEY_TYPES = {member.value: member for member in KeyType}


def _listed(values: list[str] | None) -> tuple[str, ...]:
    """Values given as ``--dns a,b --dns c``: split on commas, blanks dropped."""
    return tuple(
        part.strip() for value in values or () for part in value.split(",") if part.strip()
    )


def _key_type(text: str) -> KeyType:
    try:
        return _KEY_TYPES[text]
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"unknown key type {text!r}; choose from {', '.join(_KEY_TYPES)}"
        ) from None


_days = integer(1, MAX_VALIDITY_DAYS)


def _ca(args: argparse.Namespace) -> int:
    out = check_folder(args.out, what="CA folder")
    if (out / "ca.key").exists() and not args.force:
        raise InvalidCertificateRequest(
            f"{out / 'ca.key'} already exists; refusing to replace a CA key (use --force)"
        )
    authority = CertificateAuthority.self_signed(
        args.cn, key_type=args.key_type, validity_days=args.days
    )
    files = write_authority(authority, out)
    print(
        f"wrote {files.ca_crt} and {files.ca_key} ({authority.subject}, "
        f"valid until {authority.not_after.date().isoformat()})"
    )
    return EX_OK


def _issue(args: argparse.Namespace) -> int:
    dns_names, addresses = _listed(args.dns), _listed(args.ip)
    if args.client and (dns_names or addresses):
        raise UsageError("confluent-ops certs issue: --dns and --ip apply to server certificates")
    check_folder(args.out, what="output folder")
    password = None
    if args.password_file is not None:
        text = read_input_text(args.password_file, what="password file", limit=4096)
        password = Secret(text.rstrip("\r\n"))
    authority = read_authority(args.ca)
    if args.client:
        issued = authority.issue_client(args.name, validity_days=args.days, key_type=args.key_type)
    else:
        if not dns_names and not addresses:
            dns_names = (validate_dns_name(args.name),)
        issued = authority.issue_server(
            args.name,
            dns_names=dns_names,
            ip_addresses=addresses,
            validity_days=args.days,
            key_type=args.key_type,
        )
    bundle = write_store_bundle(issued, authority, args.out, password=password)
    print(
        f"wrote {bundle.directory}: tls.crt tls.key ca.crt keystore.p12 keystore.jks "
        f"truststore.p12 truststore.jks password ({issued.subject}, "
        f"valid until {issued.not_after.date().isoformat()})"
    )
    return EX_OK


def _platform(args: argparse.Namespace) -> int:
    spec = read_spec(args.spec)
    out = check_folder(args.out, what="material folder")
    needed = required_material(spec)
    if not needed:
        print("the spec uses neither TLS nor SASL: it needs no material")
        return EX_OK
    if spec.uses_tls and args.ca is None:
        raise UsageError("confluent-ops certs platform: the spec uses TLS, so --ca DIR is needed")
    authority = read_authority(args.ca) if spec.uses_tls else None
    outdated = outdated_certificates(spec, out) if out.exists() and authority else {}
    material = PlatformMaterial.issue(
        spec,
        authority,
        validity_days=args.days,
        keys={component: key for component, (_, key) in outdated.items()},
    )
    out.mkdir(parents=True, exist_ok=True)
    written = material.write(out, renew=frozenset(outdated))
    for component, (reason, _) in sorted(outdated.items()):
        print(f"renewed {component}/tls.crt with its own key: {reason}")
    kept = [name for name in needed if out / name not in written and (out / name).exists()]
    print(f"wrote {len(written)} files to {out} (keys and passwords with mode 0600)")
    if kept:
        print(f"kept {len(kept)} files already there: nothing a running platform uses is replaced")
    missing = [name for name in needed if not (out / name).exists()]
    if missing:
        print(f"to add by hand: {', '.join(missing)}")
    return EX_OK


def _inspect(args: argparse.Namespace) -> int:
    summaries: list[tuple[str, list[CertificateSummary]]] = []
    for path in args.paths:
        certificates = load_certificates(read_input_bytes(path, what="certificate file"), path)
        summaries.append((path, [CertificateSummary.from_certificate(c) for c in certificates]))
    for path, found in summaries:
        print(f"{path}:")
        for summary in found:
            print(summary.to_text())
    return EX_OK


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    """Add ``certs`` and its four actions to the command tree."""
    certs = commands.add_parser(
        "certs",
        help="make a CA, issue certificates with all stores, inspect certificates",
        description="Certificates and stores for TLS and mutual TLS, as CLI.md lays them out.",
    )
    actions = certs.add_subparsers(dest="action", metavar="ACTION", parser_class=CommandParser)
    actions.required = True

    ca = actions.add_parser(
        "ca", help="create a self-signed CA", description="Write DIR/ca.crt and DIR/ca.key (0600)."
    )
    ca.add_argument("--out", required=True, metavar="DIR", help="directory for ca.crt and ca.key")
    ca.add_argument("--cn", default="confluent-ops-ca", metavar="NAME", help="the CA's common name")
    ca.add_argument(
        "--days",
        type=_days,
        default=1825,
        metavar="N",
        help=f"validity in days, 1..{MAX_VALIDITY_DAYS} (default 1825)",
    )
    ca.add_argument(
        "--key-type",
        type=_key_type,
        default=KeyType.RSA_2048,
        metavar="TYPE",
        help=f"one of {', '.join(_KEY_TYPES)} (default rsa-2048)",
    )
    ca.add_argument("--force", action="store_true", help="replace an existing CA key in DIR")
    ca.set_defaults(handler=_ca)

    issue = actions.add_parser(
        "issue",
        help="issue a server or client certificate with every store",
        description=(
            "Write tls.crt (leaf then chain), tls.key, ca.crt, keystore.p12, keystore.jks, "
            "truststore.p12, truststore.jks and password into --out DIR. A server certificate "
            "without --dns or --ip is valid for NAME as a DNS name."
        ),
    )
    issue.add_argument("--ca", required=True, metavar="DIR", help="directory with ca.crt, ca.key")
    issue.add_argument(
        "--name", required=True, metavar="NAME", help="common name and store alias (1-64 bytes)"
    )
    issue.add_argument("--dns", action="append", metavar="A,B", help="DNS names (repeatable)")
    issue.add_argument("--ip", action="append", metavar="IP", help="IP addresses (repeatable)")
    issue.add_argument("--client", action="store_true", help="a client certificate (clientAuth)")
    issue.add_argument(
        "--days",
        type=_days,
        default=365,
        metavar="N",
        help=f"validity in days, 1..{MAX_VALIDITY_DAYS} (default 365)",
    )
    issue.add_argument(
        "--key-type",
        type=_key_type,
        default=None,
        metavar="TYPE",
        help="key type (default: the CA's)",
    )
    issue.add_argument(
        "--password-file", metavar="F", help="store password to use (default: a generated one)"
    )
    issue.add_argument("--out", required=True, metavar="DIR", help="directory for the bundle")
    issue.set_defaults(handler=_issue)

    platform = actions.add_parser(
        "platform",
        help="issue every certificate and password a platform spec needs",
        description=(
            "Fill --out DIR with what the spec's security needs: ca.crt, each component's "
            "tls.crt and tls.key (every name its pods are reached by, external names included) "
            "and each SASL user's password. Files already there are kept, so running it again "
            "after adding a component issues only what it needs; a certificate that no longer "
            "fits the spec (a name missing, expired, another CA's) is renewed with its own key. "
            "Replicator's source CA and "
            "password are copied in by hand (replicator-source/ca.crt, replicator-source/password)."
        ),
    )
    platform.add_argument("--spec", required=True, metavar="FILE", help="the platform spec (YAML)")
    platform.add_argument(
        "--ca", metavar="DIR", help="directory with ca.crt, ca.key (needed when TLS is used)"
    )
    platform.add_argument("--out", required=True, metavar="DIR", help="the material folder")
    platform.add_argument(
        "--days",
        type=_days,
        default=365,
        metavar="N",
        help=f"validity in days, 1..{MAX_VALIDITY_DAYS} (default 365)",
    )
    platform.set_defaults(handler=_platform)

    inspect = actions.add_parser(
        "inspect",
        help="print subject, SANs, issuer and days to expiry",
        description="Read PEM or DER certificates and print what they say.",
    )
    inspect.add_argument(
        "paths", nargs="+", metavar="PATH", help="PEM or DER files holding certificates"
    )
    inspect.set_defaults(handler=_inspect)
