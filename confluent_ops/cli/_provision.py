"""``confluent-ops render``: a platform spec into Kubernetes objects, one YAML file each.

Everything is checked before anything is written: the spec (errors name the field path), the
material it needs (every missing file named), the output folder (new, empty, or an earlier
render's). Secrets are written with mode 0600 and never printed.
"""

from __future__ import annotations

import argparse

from confluent_ops.cli._app import EX_OK, CommandParser
from confluent_ops.provision import read_material, read_spec, render, write_manifests

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[CommandParser]) -> None:
    parser = commands.add_parser(
        "render",
        help="turn a platform spec into Kubernetes manifests, one YAML file per object",
        description=(
            "Render every object of a Confluent Platform spec (StatefulSets, Services, "
            "ConfigMaps, Secrets, PodDisruptionBudgets) into --out DIR, one YAML file per "
            "object, numbered in the order to apply them. Deterministic: the same spec and "
            "material give the same bytes. --out must be new, empty, or an earlier render's "
            "folder, whose files the spec no longer has are removed."
        ),
    )
    parser.add_argument("--spec", required=True, metavar="FILE", help="the platform spec (YAML)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the manifests")
    parser.add_argument(
        "--material",
        metavar="DIR",
        help="the folder of certificates and passwords (default: the spec's security.material, "
        "relative to the spec file)",
    )
    parser.set_defaults(handler=_render)


def _render(args: argparse.Namespace) -> int:
    spec = read_spec(args.spec)
    rendered = render(spec, read_material(spec, args.spec, args.material))
    written = write_manifests(rendered, args.out)
    counts = ", ".join(f"{kind} {count}" for kind, count in rendered.counts().items())
    secrets = len(rendered.of_kind("Secret"))
    print(f"wrote {len(written.written)} objects to {written.folder} ({counts})")
    if secrets:
        print(f"{secrets} Secrets hold keys and passwords: their files have mode 0600")
    if written.removed:
        print(f"removed {len(written.removed)} files of objects the spec no longer has")
    print(f"apply with: kubectl apply --server-side --field-manager=confluent-ops -f {args.out}")
    return EX_OK
