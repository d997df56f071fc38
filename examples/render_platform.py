"""Render a whole Confluent Platform into Kubernetes manifests, with its secret material.

Loads ``examples/platform.yaml`` (``confluent_ops.provision.read_spec``: every mistake named by
its field path), issues the material it needs into a temporary folder (a CA, each component's
certificate, each SASL user's password: ``PlatformMaterial.issue(...).write(...)``, what
``confluent-ops certs platform`` runs; and, by hand as the spec's comments say, the CA and
password of Replicator's source cluster), reads the material back as ``provision`` does
(``PlatformMaterial.read``: every certificate checked against its key, the CA and the names the
spec needs), renders every object, and writes one YAML file per object into ``--out`` (default:
a temporary folder, removed at the end), Secrets with mode 0600.

Then it checks what it wrote: rendering again gives the same bytes, no password or private key
appears outside a Secret, and every Secret file is mode 0600. It prints the objects per kind;
the last line is one JSON object: ``ok``, ``counts``, ``files``, ``secrets``, ...

    python examples/render_platform.py [--spec examples/platform.yaml] [--out manifests/]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import tempfile
import time
from pathlib import Path

from confluent_ops.provision import (
    PlatformMaterial,
    PlatformSpec,
    read_spec,
    render,
    required_material,
    write_manifests,
)
from confluent_ops.tls import (
    CertificateAuthority,
    KeyType,
    certificates_to_pem,
    generate_store_password,
)

SPEC = Path(__file__).resolve().parent / "platform.yaml"


def write_private(path: Path, text: str) -> None:
    """Write a file that holds a secret: created with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def issue_material(spec: PlatformSpec, folder: Path) -> tuple[Path, ...]:
    """Issue what the spec needs into ``folder``; returns every file written.

    The platform's own material comes from a new CA. Replicator's source cluster is not ours
    to issue for: here a stand-in CA and password play its part, copied in as an operator would.
    """
    authority = CertificateAuthority.self_signed("platform-ca", key_type=KeyType.EC_P256)
    written = list(PlatformMaterial.issue(spec, authority).write(folder))
    for name in required_material(spec):
        path = folder / name
        if path.exists():
            continue
        if name.endswith("ca.crt"):
            source = CertificateAuthority.self_signed("source-ca", key_type=KeyType.EC_P256)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(certificates_to_pem((source.root,)))
        else:
            write_private(path, generate_store_password().reveal() + "\n")
        written.append(path)
    return tuple(sorted(written))


def secret_values(material: PlatformMaterial) -> list[str]:
    """Every password and private key of the material, raw and as base64."""
    values = [p.reveal() for p in material.passwords.values()]
    values += [pair.key.reveal() for pair in material.certificates.values()]
    if material.source_password is not None:
        values.append(material.source_password.reveal())
    return values + [base64.b64encode(v.encode()).decode() for v in values]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", default=str(SPEC), help="the platform spec (YAML)")
    parser.add_argument("--out", help="where to write the manifests (default: a temporary folder)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    spec_path = Path(args.spec)
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="material-")))
        out = (
            Path(args.out)
            if args.out
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="manifests-")))
            / "manifests"
        )
        spec = read_spec(spec_path)
        material_files = issue_material(spec, folder)
        material = PlatformMaterial.read(spec, folder)
        rendered = render(spec, material)
        written = write_manifests(rendered, out)

        same_again = render(spec, material).to_files() == rendered.to_files()
        secrets = secret_values(material)
        secret_files = [m.file_name for m in rendered.of_kind("Secret")]
        holding = [m.file_name for m in rendered if any(v in m.to_yaml() for v in secrets)]
        leaks = [name for name in holding if name not in secret_files]
        modes = {name: (out / name).stat().st_mode & 0o777 for name in written.written}
        open_secrets = [name for name in secret_files if modes[name] != 0o600]
        counts = rendered.counts()
        print(f"{spec.name} in namespace {spec.namespace}: {len(rendered)} objects in {out}")
        for kind, count in counts.items():
            print(f"{count:4}  {kind}")
    figures = {
        "ok": same_again and not leaks and not open_secrets and bool(secret_files),
        "spec": str(spec_path),
        "out": str(out),
        "kept": bool(args.out),
        "objects": len(rendered),
        "counts": counts,
        "components": [kind.object_name for kind in spec.components],
        "material_files": len(material_files),
        "files": len(written.written),
        "secrets": len(secret_files),
        "secret_modes": sorted({oct(modes[name]) for name in secret_files}),
        "same_bytes_again": same_again,
        "secret_values_found_in_secrets": len(holding) - len(leaks),
        "secrets_outside_secrets": leaks,
        "duration_s": round(time.monotonic() - started, 2),
    }
    print(json.dumps(figures))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
