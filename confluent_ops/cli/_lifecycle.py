"""How the commands that stop and start brokers reach their processes: the lifecycle options.

- ``--testbed READY_FILE``: a cluster run by ``confluent-ops testbed kafka`` (its control socket
  is named in the ready file);
- ``--spec PLATFORM.yaml`` (with ``--kubeconfig``, ``--context``, ``--material``): a platform
  that ``confluent-ops provision`` made on Kubernetes; brokers are restarted by deleting their
  pods, scaled through their StatefulSet (:class:`~confluent_ops.adapters.KubeBrokerLifecycle`);
- ``--broker-ids``, ``--stop-command``, ``--start-command`` (and ``--status-command``,
  ``--add-command``, ``--remove-command``): a cluster run any other way, one shell command per
  action, ``{node}`` and ``{version}`` filled in (systemd, ssh, docker, another operator).
"""

from __future__ import annotations

import argparse

import attrs

from confluent_ops.adapters.command_lifecycle import CommandLifecycle
from confluent_ops.adapters.kube import KubeAdapter
from confluent_ops.adapters.kube_lifecycle import KubeBrokerLifecycle
from confluent_ops.cli._app import UsageError, broker_ids, read_text
from confluent_ops.errors import MalformedFile
from confluent_ops.model._json import load_json_object
from confluent_ops.ports import BrokerLifecycle
from confluent_ops.provision import RenderedPlatform, read_material, read_spec, render
from confluent_ops.testing import RemoteBrokerLifecycle

__all__ = ["add_lifecycle_options", "lifecycle"]


def add_lifecycle_options(parser: argparse.ArgumentParser, *, scale: bool = False) -> None:
    group = parser.add_argument_group("how brokers are stopped and started (one of)")
    group.add_argument(
        "--spec",
        metavar="PLATFORM",
        help="a platform provisioned on Kubernetes (its spec): pods are deleted to restart",
    )
    group.add_argument("--kubeconfig", metavar="K", help="with --spec: the kubeconfig")
    group.add_argument("--context", metavar="C", help="with --spec: the kubeconfig context")
    group.add_argument(
        "--material", metavar="DIR", help="with --spec: its certificates and passwords folder"
    )
    group.add_argument(
        "--testbed",
        metavar="READY_FILE",
        help="a cluster run by `confluent-ops testbed kafka`: its ready file",
    )
    group.add_argument(
        "--broker-ids",
        type=broker_ids,
        metavar="ID,ID",
        help="the brokers the commands below run (with --stop-command and --start-command)",
    )
    group.add_argument(
        "--controller-ids",
        type=broker_ids,
        default=[],
        metavar="ID,ID",
        help="dedicated KRaft controllers the commands below run, if any",
    )
    group.add_argument(
        "--stop-command",
        metavar="CMD",
        help="shell command stopping a node (controlled shutdown), e.g. "
        "'ssh kafka-{node} sudo systemctl stop kafka'",
    )
    group.add_argument(
        "--start-command",
        metavar="CMD",
        help="shell command starting a node ({version} holds the version of an upgrade)",
    )
    group.add_argument(
        "--status-command",
        metavar="CMD",
        help="shell command exiting 0 while a node's process runs (optional)",
    )
    if scale:
        group.add_argument(
            "--add-command",
            metavar="CMD",
            help="shell command starting a new, empty broker with id {node}",
        )
        group.add_argument(
            "--remove-command",
            metavar="CMD",
            help="shell command stopping broker {node} for good",
        )


def _on_kubernetes(args: argparse.Namespace) -> BrokerLifecycle:
    spec = read_spec(args.spec)
    material = read_material(spec, args.spec, args.material)

    def platform(brokers: int) -> RenderedPlatform:
        resized = attrs.evolve(spec, kafka=attrs.evolve(spec.kafka, replicas=brokers))
        return render(resized, material)

    kube = KubeAdapter.from_kubeconfig(args.kubeconfig, context=args.context)
    return KubeBrokerLifecycle(
        kube,
        spec.namespace,
        controllers="kraft" if spec.kraft is not None else None,
        first_controller_id=spec.kraft.first_node_id if spec.kraft is not None else 9990,
        platform=platform,
    )


def lifecycle(args: argparse.Namespace, *, prog: str) -> BrokerLifecycle:
    """The lifecycle the options name (a usage error unless exactly one way is given)."""
    by_commands = args.stop_command is not None or args.start_command is not None
    chosen = [args.spec is not None, args.testbed is not None, by_commands or bool(args.broker_ids)]
    if sum(chosen) > 1:
        raise UsageError(f"{prog}: give one of --spec, --testbed or the commands")
    if args.spec is not None:
        return _on_kubernetes(args)
    if args.testbed is not None:
        ready = load_json_object(
            read_text(args.testbed, what="testbed ready file"),
            source=args.testbed,
            what="a testbed ready file",
        )
        control = ready.get("control")
        if not isinstance(control, str):
            raise MalformedFile(
                "names no control socket (a ready file of `confluent-ops testbed kafka`?)",
                path=args.testbed,
            )
        return RemoteBrokerLifecycle(control)
    if not (args.stop_command and args.start_command and args.broker_ids):
        raise UsageError(
            f"{prog}: say how brokers are stopped and started: --spec PLATFORM.yaml (on "
            "Kubernetes), --testbed READY_FILE, or --broker-ids with --stop-command and "
            "--start-command"
        )
    return CommandLifecycle(
        brokers=args.broker_ids,
        controllers=args.controller_ids,
        stop=args.stop_command,
        start=args.start_command,
        status=args.status_command,
        add=getattr(args, "add_command", None),
        remove=getattr(args, "remove_command", None),
    )
