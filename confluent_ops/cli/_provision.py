"""``confluent-ops render`` and ``provision``: a platform spec into Kubernetes objects, written
one YAML file each, or applied to a cluster and waited for.

Everything is checked before anything is written: the spec (errors name the field path), the
material it needs (every missing file named), the output folder (new, empty, or an earlier
render's). Secrets are written with mode 0600 and never printed.
"""

from __future__ import annotations

import argparse

from confluent_ops.adapters.kube import KubeAdapter
from confluent_ops.cli._app import EX_OK, CommandParser, seconds
from confluent_ops.cli._reporting import add_reporting_options, reporting
from confluent_ops.provision import read_material, read_spec, render, write_manifests
from confluent_ops.steps import step_policy
from confluent_ops.steps.provision import Provision, ProvisionResult

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

    provision = commands.add_parser(
        "provision",
        help="apply a platform spec to Kubernetes and wait until every StatefulSet is ready",
        description=(
            "Render the spec and apply every object with server-side apply under the field "
            "manager confluent-ops, in order, then wait until every StatefulSet has all its "
            "replicas ready (giving up only when nothing progresses for --stall seconds). "
            "--dry-run asks the API server to judge every object (dryRun=All) and changes "
            "nothing; --diff prints what would change (Secret values hidden). A field another "
            "manager owns stops the apply before that object (exit 3) unless --force. Brokers "
            "are never restarted by an apply: changed configuration waits for a roll."
        ),
    )
    provision.add_argument("--spec", required=True, metavar="FILE", help="the platform spec")
    provision.add_argument(
        "--material",
        metavar="DIR",
        help="the folder of certificates and passwords (default: the spec's security.material)",
    )
    provision.add_argument(
        "--kubeconfig",
        metavar="K",
        help="the kubeconfig (default: $KUBECONFIG, ~/.kube/config, or the pod's account)",
    )
    provision.add_argument("--context", metavar="C", help="the kubeconfig context to use")
    provision.add_argument(
        "--dry-run", action="store_true", help="let the API server judge it all; change nothing"
    )
    provision.add_argument(
        "--diff", action="store_true", help="print what applying changes (Secret values hidden)"
    )
    provision.add_argument(
        "--force", action="store_true", help="take over fields another field manager owns"
    )
    provision.add_argument(
        "--no-wait", action="store_true", help="apply, then return without waiting for pods"
    )
    provision.add_argument(
        "--stall",
        type=seconds,
        default=600.0,
        metavar="S",
        help="give up waiting after S seconds without a pod becoming ready (default 600)",
    )
    add_reporting_options(provision)
    provision.set_defaults(handler=_provision)


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


def _provision(args: argparse.Namespace) -> int:
    spec = read_spec(args.spec)
    rendered = render(spec, read_material(spec, args.spec, args.material))
    kube = KubeAdapter.from_kubeconfig(args.kubeconfig, context=args.context)
    try:
        with reporting(args) as emit:
            step = Provision(
                kube, rendered, force=args.force, policy=step_policy(stall=args.stall), emit=emit
            )
            result = step.preview() if args.dry_run else step.run(wait=not args.no_wait)
    finally:
        kube.close()
    if not args.json:
        _print_result(result, diff=args.diff)
    return EX_OK


def _print_result(result: ProvisionResult, *, diff: bool) -> None:
    for item in result.applied:
        where = f"{item.namespace}/{item.name}" if item.namespace else item.name
        unjudged = "" if item.checked else "  (not judged by the server: its namespace is new)"
        print(f"{item.outcome:>10}  {item.kind} {where}{unjudged}")
    if diff:
        for _, text in result.diffs:
            print(text, end="" if text.endswith("\n") else "\n")
    print(result.summary())
